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
from .aggregate import register_aggregator
from .data import Dataset, read_data
from .edition import Edition
from .errors import (
    AirankError,
    AirankWarning,
    DataError,
    FactorError,
    Issue,
    ScenarioError,
    SpecError,
)
from .fitted import Fitted
from .normalise import register_normaliser
from .pipeline import build
from .results import Result
from .spec import IndexSpec, load_spec

__version__ = "0.1.0"

__all__ = [
    "AirankError",
    "AirankWarning",
    "DataError",
    "Dataset",
    "Edition",
    "FactorError",
    "Fitted",
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
    "register_aggregator",
    "register_normaliser",
]
