"""The default uncertainty design, after COINr's sensitivity vignette.

Weights of every level between the indicators and the index vary uniformly by +-25%;
the normalisation is one of min-max [1, 100], z-score (10, 2) or rank; the aggregation
is the arithmetic or the geometric mean at every level.
"""

from __future__ import annotations

from typing import Any

from ...spec import IndexSpec
from .factors import Factor, parse_factors

__all__ = ["default_factor_doc", "default_factors"]


def default_factor_doc(spec: IndexSpec, noise: float = 0.25) -> list[dict[str, Any]]:
    """The default factor declarations for ``spec`` (a list of YAML-ready mappings)."""
    top = spec.levels[spec.index_code]
    doc: list[dict[str, Any]] = [
        {"name": f"weights_level_{lv}", "type": "weights", "level": lv, "noise": noise}
        for lv in range(2, top)
    ]
    doc.append({"name": "normalisation", "type": "choice", "path": "methodology.normalise",
                "options": [{"method": "minmax", "lower": 1, "upper": 100},
                            {"method": "zscore", "mean": 10, "sd": 2},
                            {"method": "rank"}]})
    doc.append({"name": "aggregation", "type": "choice", "path": "methodology.aggregate",
                "options": [{"method": "arithmetic"}, {"method": "geometric"}]})
    return doc


def default_factors(spec: IndexSpec, noise: float = 0.25) -> tuple[Factor, ...]:
    """:func:`default_factor_doc`, validated."""
    return parse_factors(default_factor_doc(spec, noise), spec)
