"""Outlier treatment: one column in, the treated column and a record of what was done.

Signature of every method: ``f(x, *, params, learned=None) -> (y, learned)``.

The JRC rule (``jrc``), as COINr's ``Treat()`` applies it: a column needs treatment when
its absolute skewness and its kurtosis both exceed their thresholds (defaults 2 and 3.5),
with the bias-corrected sample estimators (type 2 of R's e1071: SAS/SPSS G1 and excess
G2). Points are winsorised one at a time on the side of the skew -- the most extreme value
is set to the next one in -- re-checking after each, up to ``max_points``. If the column
still fails, the winsorising is undone and the original column is log-transformed instead
(``fallback: log``).

References
----------
OECD/JRC (2008), Handbook on Constructing Composite Indicators, step 3.
COINr ``Treat()``, ``winsorise()`` and ``log_CT()`` (bluefoxr/COINr, v1.1.14).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .methods import JrcParams, NoParams

__all__ = ["TREATERS", "kurtosis2", "skewness2"]

Treater = Callable[..., tuple[np.ndarray, dict[str, Any]]]


def skewness2(x: np.ndarray) -> float:
    """Sample skewness, e1071 type 2 (SAS/SPSS G1), ignoring NaN."""
    v = x[~np.isnan(x)]
    n = v.size
    if n < 3:
        return np.nan
    d = v - v.mean()
    m2, m3 = np.mean(d**2), np.mean(d**3)
    if m2 == 0:
        return np.nan
    g1 = m3 / m2**1.5
    return float(g1 * np.sqrt(n * (n - 1)) / (n - 2))


def kurtosis2(x: np.ndarray) -> float:
    """Sample excess kurtosis, e1071 type 2 (SAS/SPSS G2), ignoring NaN."""
    v = x[~np.isnan(x)]
    n = v.size
    if n < 4:
        return np.nan
    d = v - v.mean()
    m2, m4 = np.mean(d**2), np.mean(d**4)
    if m2 == 0:
        return np.nan
    g2 = m4 / m2**2 - 3
    return float(((n + 1) * g2 + 6) * (n - 1) / ((n - 2) * (n - 3)))


def _fails(x: np.ndarray, p: JrcParams) -> tuple[bool, float, float]:
    sk, ku = skewness2(x), kurtosis2(x)
    bad = bool(np.isfinite(sk) and np.isfinite(ku) and abs(sk) > p.skew and ku > p.kurtosis)
    return bad, sk, ku


def _winsorise(x: np.ndarray, p: JrcParams) -> tuple[np.ndarray, list[int], list[int], bool]:
    """Winsorise point by point; returns (y, high points, low points, still failing)."""
    y = x.copy()
    hi_pts: list[int] = []
    lo_pts: list[int] = []
    bad, sk, _ = _fails(y, p)
    while bad and len(hi_pts) + len(lo_pts) < p.max_points:
        ok = ~np.isnan(y)
        if sk > 0:
            top = np.nanmax(y)
            idx = np.flatnonzero(ok & (y == top))
            rest = y[ok & (y < top)]
            if rest.size == 0:
                break
            y[idx] = rest.max()
            hi_pts += idx.tolist()
        else:
            bot = np.nanmin(y)
            idx = np.flatnonzero(ok & (y == bot))
            rest = y[ok & (y > bot)]
            if rest.size == 0:
                break
            y[idx] = rest.min()
            lo_pts += idx.tolist()
        bad, sk, _ = _fails(y, p)
    return y, hi_pts, lo_pts, bad


def log_ct(x: np.ndarray) -> np.ndarray:
    """COINr's ``log_CT``: ``log(x)`` if all values are positive... see module notes."""
    mn = np.nanmin(x)
    return np.log(x - mn + 1) if mn <= 0 else np.log(x)


def jrc(x: np.ndarray, *, params: JrcParams, learned: dict[str, Any] | None = None
        ) -> tuple[np.ndarray, dict[str, Any]]:
    """The JRC skewness/kurtosis rule with winsorisation, then a log fallback.

    ``learned`` (from an earlier edition) replays the same treatment: clip to its bounds,
    or take logs, without testing the column again.
    """
    x = np.asarray(x, dtype=float)
    if learned is not None:
        return _replay(x, learned), dict(learned)
    bad, sk0, ku0 = _fails(x, params)
    rec: dict[str, Any] = {"skew_before": sk0, "kurtosis_before": ku0, "action": "none",
                           "winsorised_high": 0, "winsorised_low": 0}
    if not bad:
        return x.copy(), {**rec, "skew_after": sk0, "kurtosis_after": ku0}
    y, hi, lo, still = _winsorise(x, params)
    if still and params.fallback == "log":
        y = log_ct(x)
        rec.update(action="log", log_min=float(np.nanmin(x)))
    else:
        rec.update(action="winsorised" if hi or lo else "none",
                   winsorised_high=len(hi), winsorised_low=len(lo),
                   upper=float(np.nanmax(y)), lower=float(np.nanmin(y)), still_fails=still)
    _, sk1, ku1 = _fails(y, params)
    return y, {**rec, "skew_after": sk1, "kurtosis_after": ku1}


def _replay(x: np.ndarray, learned: dict[str, Any]) -> np.ndarray:
    action = learned.get("action", "none")
    if action == "log":
        mn = learned["log_min"]
        return np.log(x - mn + 1) if mn <= 0 else np.log(x)
    if action == "winsorised":
        return np.clip(x, learned["lower"], learned["upper"])
    return x.copy()


def none(x: np.ndarray, *, params: NoParams, learned: dict[str, Any] | None = None
         ) -> tuple[np.ndarray, dict[str, Any]]:
    """No treatment."""
    return np.asarray(x, dtype=float).copy(), {"action": "none"}


TREATERS: dict[str, Treater] = {"none": none, "jrc": jrc}
