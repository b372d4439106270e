"""Denomination methods: an indicator over a denominator series (per capita, per GDP...).

Signature of every method: ``f(x, d, *, params) -> (y, learned)`` with ``x`` the indicator
column, ``d`` the denominator column (same units, NaN where missing) and ``y`` the
denominated column; a missing or zero denominator gives a missing value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .methods import DivideParams, NoParams

__all__ = ["DENOMINATORS"]

Denominator = Callable[..., tuple[np.ndarray, dict[str, Any]]]


def none(x: np.ndarray, d: np.ndarray, *, params: NoParams) -> tuple[np.ndarray, dict[str, Any]]:
    """Leave the indicator as it is."""
    return x.copy(), {}


def divide(x: np.ndarray, d: np.ndarray, *, params: DivideParams
           ) -> tuple[np.ndarray, dict[str, Any]]:
    """``x / d * scale`` (scale 1e6 gives "per million"); ``d <= 0`` gives NaN."""
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.where(d > 0, x / d * params.scale, np.nan)
    return y, {"scale": params.scale}


DENOMINATORS: dict[str, Denominator] = {"none": none, "divide": divide}
