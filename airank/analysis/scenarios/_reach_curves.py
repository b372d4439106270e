"""What would it take, steps 1 and 3 (:mod:`.reach` states the method): each
indicator's curve of raw values -> normalised scores (the pipeline's own treatment and
normalisation, with the edition's learned parameters) and the linear programme over
curve segments."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, cast

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from ...edition import Edition
from ...normalise import normalise_column
from ...results import Result
from ...treat import TREATERS

__all__ = ["GRID", "Curve", "Objective", "curves_of", "solve"]

Objective = Literal["relative", "squared"]
GRID = 64


@dataclass(frozen=True)
class Curve:
    code: str
    raw: np.ndarray      # grid of raw values from today's to the bound
    y: np.ndarray        # normalised score at each grid point (its log if ``log``)
    cost: np.ndarray     # cumulative cost at each grid point
    log: bool = False

    def natural(self, u: float) -> float:
        """A point of ``y`` as a normalised score."""
        return float(np.exp(u)) if self.log else float(u)


def _transform(ed: Edition, res: Result, code: str, raw: np.ndarray, factor: float
               ) -> np.ndarray:
    """Raw values of ``code`` -> normalised scores, with the learned parameters."""
    spec = ed.spec
    fit = ed.fitted if ed.fitted is not None else res.fitted
    tcfg, ncfg = spec.method("treat", code), spec.method("normalise", code)
    t, _ = TREATERS[tcfg.method](raw * factor, params=tcfg.options("treat"),
                                 learned=fit.get("treat", {}).get(code))
    ind = spec.indicator(code)
    y, _ = normalise_column(t, ncfg.method, ncfg.options("normalise"),
                            direction=ind.direction, target=ind.target,
                            learned=fit.get("normalise", {}).get(code))
    return y


def _factors(ed: Edition, unit: str, codes: Sequence[str]) -> dict[str, float]:
    """raw -> denominated multiplier of each indicator for ``unit`` (1 when none)."""
    out = {}
    for c in codes:
        ind, cfg = ed.spec.indicator(c), ed.spec.method("denominate", c)
        if ind.denominator is None or cfg.method == "none":
            out[c] = 1.0
            continue
        den, _ = ed.data.wide([ind.denominator], year=ed.year, lookback=ed.spec.data.lookback)
        den_now = cast(float, den.at[unit, ind.denominator])
        out[c] = cfg.options("denominate").scale / float(den_now)
    return out


def curves_of(ed: Edition, res: Result, unit: str, codes: Sequence[str],
              bounds: Mapping[str, tuple[float | None, float | None]],
              objective: Objective, max_change: float | None, log: bool
              ) -> tuple[list[Curve], dict[str, float]]:
    """Per indicator the unit can move: its curve, and the bound of every code."""
    raw_now = cast(pd.Series, res.stages["raw"].loc[unit])  # unit labels are unique
    den_stage = res.stages["denominated"].loc[res.units]  # the ranked units
    factor = _factors(ed, unit, codes)
    curves, limit = [], {}
    for c in codes:
        d = ed.spec.indicator(c).direction
        x0 = float(raw_now[c])
        obs = den_stage[c].dropna().to_numpy() / factor[c]
        best = float(obs.max() if d == 1 else obs.min())
        lo, hi = bounds.get(c, (None, None))
        if d == 1:
            best = hi if hi is not None else best
        else:
            best = lo if lo is not None else best
        if max_change is not None:
            step = max_change * abs(x0)
            best = min(best, x0 + step) if d == 1 else max(best, x0 - step)
        limit[c] = best
        if (best - x0) * d <= 0:
            continue
        raw = np.linspace(x0, best, GRID + 1)
        y = _transform(ed, res, c, raw, factor[c])
        if objective == "relative":
            scale = abs(x0) if x0 != 0 else 0.01 * abs(best - x0)
            cost = np.abs(raw - x0) / scale
        else:
            cost = ((y - y[0]) / 100.0) ** 2
        with np.errstate(divide="ignore", invalid="ignore"):
            curves.append(Curve(c, raw, np.log(y) if log else y, cost, log))
    return curves, limit


def solve(curves: list[Curve], grad: np.ndarray, need: float
           ) -> tuple[np.ndarray, np.ndarray] | None:
    """Minimal-cost segment fill with ``sum(grad_i * dy_i) >= need``; (dy, raw) or None."""
    seg_c, seg_len, seg_g, owner = [], [], [], []
    for i, cv in enumerate(curves):
        dy = np.diff(cv.y)
        ok = dy > 1e-12
        seg_len.append(dy[ok])
        seg_c.append(np.diff(cv.cost)[ok] / dy[ok])
        seg_g.append(np.full(ok.sum(), grad[i]))
        owner.append(np.full(ok.sum(), i))
    L, C, G, own = (np.concatenate(a) if a else np.empty(0)
                    for a in (seg_len, seg_c, seg_g, owner))
    if need <= 0:
        s = np.zeros_like(L)
    else:
        if G @ L < need:
            return None
        lp = linprog(C, A_ub=-G[None, :], b_ub=[-need], bounds=np.column_stack([0 * L, L]),
                     method="highs")
        if lp.status != 0:
            return None
        s = np.clip(lp.x, 0, L)
    dy = np.bincount(own.astype(int), weights=s, minlength=len(curves))
    raw = np.array([np.interp(cv.y[0] + dy[i], cv.y, cv.raw) if dy[i] > 0 else cv.raw[0]
                    for i, cv in enumerate(curves)])
    return dy, raw
