"""airank: composite indices built from a declarative spec, and the Open Global AI Index.

Data flows one way: spec -> data -> transforms -> aggregate -> results -> analysis ->
interfaces.

>>> import airank
>>> spec, data = airank.datasets.asem()
>>> result = airank.build(spec, data)
>>> result.ranking().loc[0, "unit"]
'CHE'
"""

import importlib as _importlib
import typing as _typing

from .errors import (
    AirankError,
    AirankWarning,
    DataError,
    FactorError,
    Issue,
    ScenarioError,
    SpecError,
)

if _typing.TYPE_CHECKING:
    from . import datasets
    from .aggregate import register_aggregator
    from .data import Dataset, read_data
    from .edition import Edition
    from .fitted import Fitted
    from .normalise import register_normaliser
    from .pipeline import build
    from .results import Result
    from .spec import IndexSpec, load_spec

# The rest of the public API is imported when first used (PEP 562): ``import airank`` and
# the command line's ``--help`` stay fast, without numpy, pandas and scipy.
_LAZY = {"datasets": ".datasets", "register_aggregator": ".aggregate", "Dataset": ".data",
         "read_data": ".data", "Edition": ".edition", "Fitted": ".fitted",
         "register_normaliser": ".normalise", "build": ".pipeline", "Result": ".results",
         "IndexSpec": ".spec", "load_spec": ".spec"}


def __getattr__(name: str) -> _typing.Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'airank' has no attribute {name!r}")
    module = _importlib.import_module(_LAZY[name], __name__)
    value = module if name == "datasets" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


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
