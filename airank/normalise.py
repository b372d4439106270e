"""Normalisation methods: one column of raw values -> comparable scores.

Every method has the signature ``f(x, *, params, target=None, learned=None) -> (y, learned)``
where ``x`` is a float column with the indicator's direction already applied (multiplied
by -1 when higher is worse), NaN positions are kept, and ``learned`` holds the fitted
constants so that another edition can be normalised with the same goalposts.

References
----------
OECD/JRC (2008), Handbook on Constructing Composite Indicators, section 5.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.stats import rankdata

from .methods import (
    GoalpostParams,
    MinMaxParams,
    NoParams,
    Params,
    ScaleParams,
    TargetParams,
    ZScoreParams,
)

__all__ = ["NORMALISERS", "normalise_column"]

Learned = dict[str, float]
Normaliser = Callable[..., tuple[np.ndarray, Learned]]


def _nanrange(x: np.ndarray) -> tuple[float, float]:
    ok = x[~np.isnan(x)]
    if ok.size == 0:
        return np.nan, np.nan
    return float(ok.min()), float(ok.max())


def minmax(x: np.ndarray, *, params: MinMaxParams, target: float | None = None,
           learned: Learned | None = None) -> tuple[np.ndarray, Learned]:
    """Rescale to [lower, upper]: ``(x - min) / (max - min) * (u - l) + l``.

    A constant column (max = min) maps to the midpoint of [lower, upper].
    """
    lo, hi = (learned["min"], learned["max"]) if learned else _nanrange(x)
    span = hi - lo
    if not span > 0:
        y = np.where(np.isnan(x), np.nan, (params.lower + params.upper) / 2)
    else:
        y = (x - lo) / span * (params.upper - params.lower) + params.lower
    return y, {"min": lo, "max": hi}


def zscore(x: np.ndarray, *, params: ZScoreParams, target: float | None = None,
           learned: Learned | None = None) -> tuple[np.ndarray, Learned]:
    """Standardise: ``(x - mean) / sd * params.sd + params.mean`` (sd with n - 1)."""
    if learned:
        mu, sd = learned["mean"], learned["sd"]
    else:
        ok = x[~np.isnan(x)]
        mu = float(ok.mean()) if ok.size else np.nan
        sd = float(ok.std(ddof=1)) if ok.size > 1 else np.nan
    if not sd > 0:
        y = np.where(np.isnan(x), np.nan, params.mean)
    else:
        y = (x - mu) / sd * params.sd + params.mean
    return y, {"mean": mu, "sd": sd}


def rank(x: np.ndarray, *, params: NoParams, target: float | None = None,
         learned: Learned | None = None) -> tuple[np.ndarray, Learned]:
    """Rank, 1 = lowest, ties share the lowest rank (R's ``rank(ties.method = "min")``)."""
    return rankdata(x, method="min", nan_policy="omit").astype(float), {}


def prank(x: np.ndarray, *, params: ScaleParams, target: float | None = None,
          learned: Learned | None = None) -> tuple[np.ndarray, Learned]:
    """Percentile rank: ``(rank - 1) / (n - 1) * scale``, ties at the lowest rank."""
    r = rankdata(x, method="min", nan_policy="omit").astype(float)
    n = int(np.sum(~np.isnan(x)))
    y = (r - 1) / (n - 1) * params.scale if n > 1 else np.where(np.isnan(x), np.nan, params.scale)
    return y, {}


def frontier(x: np.ndarray, *, params: ScaleParams, target: float | None = None,
             learned: Learned | None = None) -> tuple[np.ndarray, Learned]:
    """Distance to the frontier, as a share of it: ``scale * (1 - (max - x) / (max - min))``.

    The frontier is the best observed value (or the learned one, for a later edition);
    the worst observed value scores 0.
    """
    lo, hi = (learned["min"], learned["max"]) if learned else _nanrange(x)
    span = hi - lo
    y = (np.where(np.isnan(x), np.nan, params.scale) if not span > 0
         else params.scale * (1 - (hi - x) / span))
    return y, {"min": lo, "max": hi}


def to_target(x: np.ndarray, *, params: TargetParams, target: float | None = None,
              learned: Learned | None = None) -> tuple[np.ndarray, Learned]:
    """Distance to target: ``scale * (x - min) / (target - min)``, capped at ``scale``.

    ``target`` is the indicator's target, with its direction applied.
    """
    if target is None:
        raise ValueError("distance-to-target normalisation needs the indicator's 'target'.")
    lo = learned["min"] if learned else _nanrange(x)[0]
    span = target - lo
    y = (np.where(np.isnan(x), np.nan, params.scale) if not span > 0
         else params.scale * (x - lo) / span)
    if params.cap:
        y = np.minimum(y, params.scale)
    return y, {"min": lo, "target": float(target)}


def goalposts(x: np.ndarray, *, params: GoalpostParams, target: float | None = None,
              learned: Learned | None = None) -> tuple[np.ndarray, Learned]:
    """Fixed goalposts: ``scale * (x - low) / (high - low)``, truncated to [0, scale].

    ``low``/``high`` arrive with the direction applied (for higher-is-worse indicators the
    caller passes ``-high``/``-low``); when not given, the learned or observed range is used.
    """
    lo, hi = (learned["low"], learned["high"]) if learned else _nanrange(x)
    lo = lo if params.low is None else params.low
    hi = hi if params.high is None else params.high
    y = params.scale * (x - lo) / (hi - lo) if hi != lo else np.full_like(x, params.scale / 2)
    if params.trunc:
        y = np.clip(y, 0, params.scale)
    return np.where(np.isnan(x), np.nan, y), {"low": lo, "high": hi}


def none(x: np.ndarray, *, params: NoParams, target: float | None = None,
         learned: Learned | None = None) -> tuple[np.ndarray, Learned]:
    """No normalisation (the direction is still applied)."""
    return x.copy(), {}


NORMALISERS: dict[str, Normaliser] = {
    "none": none,
    "minmax": minmax,
    "zscore": zscore,
    "rank": rank,
    "prank": prank,
    "frontier": frontier,
    "target": to_target,
    "goalposts": goalposts,
}


def normalise_column(x: np.ndarray, method: str, params: Params, *, direction: int = 1,
                     target: float | None = None, learned: Learned | None = None
                     ) -> tuple[np.ndarray, Learned]:
    """Apply the direction, then the method. Goalposts are given in the indicator's units."""
    if method == "goalposts" and direction == -1:
        assert isinstance(params, GoalpostParams)
        params = params.model_copy(update={
            "low": None if params.high is None else -params.high,
            "high": None if params.low is None else -params.low})
    t = None if target is None else target * direction
    y, fit = NORMALISERS[method](np.asarray(x, dtype=float) * direction, params=params,
                                 target=t, learned=learned)
    return np.asarray(y, dtype=float), fit

