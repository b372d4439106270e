"""The default uncertainty design, after COINr's sensitivity vignette.

Weights of every level between the indicators and the index vary uniformly by +-25%;
the normalisation is one of min-max [1, 100], z-score (10, 2) floored at 1, or rank; the
aggregation is the arithmetic or the geometric mean at every level.

Every normalisation option gives the geometric mean values >= 1 > 0, so no replication
fails: min-max [1, 100] and rank (1 .. n) are positive by construction, and the z-score
option clips scores below :data:`ZSCORE_FLOOR` (4.5 standard deviations below the mean of
10) to it. COINr's vignette uses the plain z-score (10, 2), whose values fall to <= 0 on
skewed data (a value 5 sd below the mean), failing every geometric replication of that
option; on data without such values the clip changes nothing.
"""

from __future__ import annotations

from typing import Any

from ...spec import IndexSpec
from .factors import Factor, parse_factors

__all__ = ["ZSCORE_FLOOR", "default_factor_doc", "default_factors", "normalisation_options"]

#: The floor of the design's z-score option: the lower end of its min-max option.
ZSCORE_FLOOR = 1.0


def normalisation_options() -> list[dict[str, Any]]:
    """The design's normalisation options, each strictly positive (see the module notes)."""
    return [{"method": "minmax", "lower": 1, "upper": 100},
            {"method": "zscore", "mean": 10, "sd": 2, "floor": ZSCORE_FLOOR},
            {"method": "rank"}]


def default_factor_doc(spec: IndexSpec, noise: float = 0.25) -> list[dict[str, Any]]:
    """The default factor declarations for ``spec`` (a list of YAML-ready mappings)."""
    top = spec.levels[spec.index_code]
    doc: list[dict[str, Any]] = [
        {"name": f"weights_level_{lv}", "type": "weights", "level": lv, "noise": noise}
        for lv in range(2, top)
    ]
    doc.append({"name": "normalisation", "type": "choice", "path": "methodology.normalise",
                "options": normalisation_options()})
    doc.append({"name": "aggregation", "type": "choice", "path": "methodology.aggregate",
                "options": [{"method": "arithmetic"}, {"method": "geometric"}]})
    return doc


def default_factors(spec: IndexSpec, noise: float = 0.25) -> tuple[Factor, ...]:
    """:func:`default_factor_doc`, validated."""
    return parse_factors(default_factor_doc(spec, noise), spec)
