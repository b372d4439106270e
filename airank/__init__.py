"""airank: composite indices built from a declarative spec, and the Open Global AI Index.

Data flows one way: spec -> data -> transforms -> aggregate -> results -> analysis ->
interfaces.

>>> import airank
>>> spec, data = airank.datasets.asem()
>>> result = airank.build(spec, data)
>>> result.ranking().loc[0, "unit"]
'CHE'
"""

from . import datasets
from .data import Dataset, read_data
from .errors import (
    AirankError,
    AirankWarning,
    DataError,
    FactorError,
    Issue,
    ScenarioError,
    SpecError,
)
from .pipeline import build
from .results import Result
from .spec import IndexSpec, load_spec

__version__ = "0.1.0"

__all__ = [
    "AirankError",
    "AirankWarning",
    "DataError",
    "Dataset",
    "FactorError",
    "IndexSpec",
    "Issue",
    "Result",
    "ScenarioError",
    "SpecError",
    "__version__",
    "build",
    "datasets",
    "load_spec",
    "read_data",
]
