"""Projection: each unit's indicator trends carried forward to a chosen year, with intervals.

Model (stated, simple, robust)
------------------------------
Every series the edition sees (a unit's indicator, or denominator, with a value in the
edition) is fitted on all its observations up to the edition year:

* ``theil-sen-log`` (default): the Theil-Sen line (median of pairwise slopes, median
  intercept) on log values -- a constant growth rate, robust to an outlying year. A
  series with a value <= 0 is fitted on its values (a linear trend) instead;
* ``theil-sen``: the Theil-Sen line on the values (a constant yearly change);
* series with fewer than ``min_points`` years are held at their last value.

Projected values are kept >= 0 when the series never was negative, and at most the
natural ceiling of bounded measures (a unit written as '%' or 'score 0-100': 100; '(0-x)':
x; never below the highest value observed in the data). Otherwise they are not
clipped: the projected edition is built with the edition's fixed goalposts, so a value
beyond the best ever observed scores above the upper goalpost (above 100 for min-max
0-100) and a leader keeps the credit for growing further. ``Projection.summary`` counts,
per unit, the indicators projected beyond the goalposts (``beyond``).

Intervals come from a residual bootstrap: each replication adds resampled residuals of
each series to its fitted line, fits again, projects and adds one more resampled residual
(the noise of the target year); all series of all replications are refitted at once as
array operations. The replications are built through the normal pipeline -- all at once,
stacked into one dataset, when the edition's steps work unit by unit with its fixed
goalposts (:mod:`~airank.analysis.scenarios._bootstrap`; the OGAI's do), else one by one;
both give the same scores to 1e-9 (tested). Ranks are summarised by their median and
5th/95th percentiles. A scenario, when given, is applied to every projected dataset
("Russia in 2030 under continued sanctions").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd

from ...data import Dataset
from ...edition import Edition
from ...errors import Issue, ScenarioError
from ...results import Result, rank_frame
from ..robustness.ranks import RankStats, rank_desc
from . import _bootstrap as boot
from ._resample import refit
from .panel import with_panel
from .shocks import Scenario, apply_scenario

__all__ = ["MODELS", "Projection", "project"]

MODELS = ("theil-sen-log", "theil-sen")
_RANGE = re.compile(r"\(?\b0\s*-\s*([0-9]+(?:\.[0-9]+)?)\)?")


@dataclass(frozen=True, eq=False)
class Projection:
    """A projected edition and its bootstrap distribution.

    Attributes
    ----------
    summary : DataFrame
        index: unit; ``name, rank_now, score_now, rank, score`` (the central projection),
        ``rank_median, rank_q05, rank_q95, score_q05, score_q95`` (bootstrap),
        ``beyond`` (indicators projected past the goalposts).
    trends : DataFrame
        One row per series: ``unit, code, kind`` (log, linear or constant),
        ``n_points, last_year, last_value, growth`` (yearly: a rate for log fits, a change
        for linear ones), ``projected``.
    central : Result
        The projected edition built from the central projection.
    ranks : ndarray, shape (n, units)
        Index ranks of every replication (columns: ``summary.index``).
    """

    year: int
    model: str
    scenario: Scenario | None
    edition: Edition
    central: Result
    summary: pd.DataFrame
    trends: pd.DataFrame
    ranks: np.ndarray
    n: int
    seed: int

    @property
    def values(self) -> pd.DataFrame:
        """Central projected values: index unit; columns codes."""
        return self.trends.pivot(index="unit", columns="code", values="projected")


@dataclass(frozen=True)
class _Series:
    keys: pd.MultiIndex      # (unit, code) of each series
    t: np.ndarray            # years (T,)
    z: np.ndarray            # fitted scale values (S, T), NaN where missing
    log: np.ndarray          # bool (S,): fitted on logs
    fit: np.ndarray          # bool (S,): enough points for a trend
    last: np.ndarray         # last observed value (S,)
    last_year: np.ndarray
    lo: np.ndarray           # floor of projected values (S,)
    hi: np.ndarray           # ceiling (S,)
    den: np.ndarray          # position of the unit's denominator series, -1 if none (S,)
    rlo: np.ndarray          # range of the observed ratios (denominated series)
    rhi: np.ndarray
    inferred: np.ndarray     # bool (S,): the edition's value was inferred, not observed


def _ceiling(measure: str) -> float:
    if "%" in measure or "score 0-100" in measure:
        return 100.0
    m = _RANGE.search(measure)
    return float(m.group(1)) if (m and "score" in measure) or (m and "(" in measure) else np.inf


def _series(ed: Edition, model: str, min_points: int, clip: bool) -> _Series:
    spec, data = ed.spec, ed.data
    den_of = {c: spec.indicator(c).denominator for c in spec.indicator_codes
              if spec.method("denominate", c).method != "none"}
    codes = [*spec.indicator_codes, *sorted({d for d in den_of.values() if d})]
    vis, _, inferred = data.select(codes, year=ed.year, lookback=spec.data.lookback)
    stacked = vis.stack(future_stack=True)
    # the (unit, code) pairs it sees; stacking wide columns gives a MultiIndex
    keys = cast(pd.MultiIndex, stacked.index[stacked.notna().to_numpy()])
    p = data.panel[(data.panel["year"] <= ed.year) & data.panel["value"].notna()]
    p = p[p["code"].isin(codes)]
    units, years, cube = _cube(p, codes)
    ku, kc = units.get_indexer(keys.get_level_values(0)), pd.Index(codes).get_indexer(
        keys.get_level_values(1))
    t = years.astype(float)
    v = np.where((ku >= 0)[:, None], cube[ku, kc], np.nan)
    have = ~np.isnan(v)
    use_log = (model == "theil-sen-log") & np.all(np.where(have, v, 1.0) > 0, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(use_log[:, None], np.log(np.where(have, v, 1.0)), v)
    z = np.where(have, z, np.nan)
    last_pos = have.shape[1] - 1 - np.argmax(have[:, ::-1], axis=1)
    last = v[np.arange(len(v)), last_pos]
    obs = p.groupby("code")["value"].agg(["min", "max"]).reindex(codes)
    omin, omax = (obs[k].to_numpy(dtype=float)[kc] for k in ("min", "max"))
    lo = np.where(omin >= 0, 0.0, -np.inf)
    hi = np.maximum(np.array([_ceiling(spec.indicator(c).unit)
                              if c in spec.indicator_codes else np.inf for c in codes])[kc], omax)
    if clip:  # the observed range: the goalposts were pooled from these values
        lo, hi = omin.copy(), omax.copy()
    at = np.full(len(units) * len(codes), -1)  # a (unit, code)'s series, -1 if none
    at[ku * len(codes) + kc] = np.arange(len(keys))
    dk = np.array([codes.index(d) if (d := den_of.get(c)) else -1 for c in codes])[kc]
    den = np.where(dk >= 0, at[ku * len(codes) + np.maximum(dk, 0)], -1)
    rlo, rhi = np.full(len(keys), -np.inf), np.full(len(keys), np.inf)
    for c, d in den_of.items():
        ci, di = codes.index(c), codes.index(d) if d else -1
        if clip and d and not np.isnan(cube[:, [ci, di]]).all(axis=(0, 2)).any():
            with np.errstate(divide="ignore", invalid="ignore"):
                r = cube[:, ci] / cube[:, di]
            r = pd.Series(np.where(np.isinf(r), np.nan, r).ravel())  # (unit, year) order
            m = kc == ci
            rlo[m], rhi[m] = r.min(), r.max()
            lo[m], hi[m] = -np.inf, np.inf
    inf = inferred.to_numpy(dtype=bool)[vis.index.get_indexer(keys.get_level_values(0)), kc]
    return _Series(keys, t, z, use_log, have.sum(axis=1) >= min_points, last,
                   t[last_pos], lo, hi, den, rlo, rhi, inf)


def _cube(p: pd.DataFrame, codes: list[str]) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """The panel rows ``p`` as values (units x ``codes`` x years; a cell's first row, as a
    pivot's 'first'), with its units and years (both sorted)."""
    units = pd.Index(p["unit"].unique()).sort_values()
    years = np.unique(p["year"].to_numpy())
    shape = (len(units), len(codes), len(years))
    at = (units.get_indexer(pd.Index(p["unit"])) * len(codes) + pd.Index(codes).get_indexer(
        pd.Index(p["code"]))) * len(years) + np.searchsorted(years, p["year"].to_numpy())
    _, first = np.unique(at, return_index=True)
    cube = np.full(int(np.prod(shape)), np.nan)
    cube[at[first]] = p["value"].to_numpy(dtype=float)[first]
    return units, years, cube.reshape(shape)


def _theil_sen(z: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Slope and intercept of every row of ``z`` (NaN = missing) against ``t``."""
    return boot.theil_sen(z, t)


def _scale(s: _Series, f: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Values of the fitted series ``f`` on their fitting scale (logs or values)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(s.log[f], np.log(np.where(s.log[f], v, 1.0)), v)


def _values(s: _Series, f: np.ndarray, z_year: np.ndarray) -> np.ndarray:
    """All series at the target year: the fitted ones from ``z_year`` (..., fitted),
    others held; shape (..., series)."""
    out: np.ndarray = np.broadcast_to(s.last, (*z_year.shape[:-1], s.last.size)).copy()
    out[..., f] = np.where(s.log[f], np.exp(np.minimum(z_year, 700.0)), z_year)
    out = np.clip(out, s.lo, s.hi)
    d = s.den >= 0  # denominated series: their ratio stays in the observed range
    out[..., d] = np.clip(out[..., d], s.rlo[d] * out[..., s.den[d]],
                          s.rhi[d] * out[..., s.den[d]])
    return out


def _dataset_at(ed: Edition, s: _Series, values: np.ndarray, year: int) -> Dataset:
    panel = pd.DataFrame({"unit": s.keys.get_level_values(0), "code": s.keys.get_level_values(1),
                          "year": year, "value": values, "inferred": s.inferred})
    return with_panel(ed.data, panel.sort_values(["unit", "code"]).reset_index(drop=True),
                    f"projection to {year}")


def project(edition: Edition | None = None, *, year: int = 2030,
            scenario: Scenario | None = None, model: str = "theil-sen-log", n: int = 200,
            seed: int | None = 1, min_points: int = 3, clip: bool = True,
            stack: bool = True) -> Projection:
    """Project every series of ``edition`` to ``year`` and build the projected edition.

    Parameters
    ----------
    edition : Edition, optional
        Default the latest OGAI edition, scale view (its fixed goalposts are kept).
    year : int
        The target year, after the edition year.
    scenario : Scenario, optional
        Applied to every projected dataset.
    model : {'theil-sen-log', 'theil-sen'}
    n : int
        Bootstrap replications (0: the central projection only).
    seed : int, optional
    min_points : int
        Years needed to fit a trend; shorter series are held at their last value.
    clip : bool
        Keep projected values within the range observed over all units and years (so
        within the fixed goalposts); False lets them run past it (see the module notes).
    stack : bool
        Score the bootstrap replications all at once where that equals building each
        (:mod:`~airank.analysis.scenarios._bootstrap`); False builds each (the reference).

    Raises
    ------
    ScenarioError
        For a year not after the edition, an unknown model, or a bad scenario.
    """
    ed = edition or Edition.ogai()
    issues = []
    if year <= ed.year:
        issues.append(Issue(("year",), "bad_year", f"The projection year must be after the "
                            f"edition year {ed.year}. Got {year}.", year))
    if model not in MODELS:
        issues.append(Issue(("model",), "unknown_model", f"Unknown projection model "
                            f"'{model}'. Expected one of {list(MODELS)}.", model))
    if n < 0 or min_points < 2:
        issues.append(Issue(("n",), "bad_n", "n must be >= 0 and min_points >= 2. Got "
                            f"n={n}, min_points={min_points}.", n))
    ScenarioError.collect(issues)
    # entropy drawn from the OS is an int (the stubs allow the Sequence a caller may pass)
    seed = int(cast(int, np.random.SeedSequence().entropy) % 2**32) if seed is None else int(seed)
    s = _series(ed, model, min_points, clip)
    f = np.flatnonzero(s.fit)
    zf = s.z[f]
    b, a = _theil_sen(zf, s.t)
    z_last = _scale(s, f, s.last[f])
    step = year - s.last_year[f]
    central_v = _values(s, f, z_last + b * step)
    central = _build(ed, s, central_v, year, scenario)
    units = list(central.units)
    resid = zf - (a[:, None] + b[:, None] * s.t)
    vals = refit(zf, resid, s.t, np.random.default_rng(seed), n, z_last, step,
                 lambda z_year: _values(s, f, z_year), len(s.last))
    scores = _replicate(ed, s, vals, year, scenario, central, central_v, stack=stack)
    ranks = rank_desc(scores, axis=1).astype(float) if n else np.empty((0, len(units)))
    growth = np.zeros(len(s.last))
    growth[f] = np.where(s.log[f], np.expm1(np.minimum(b, 50.0)), b)
    trends = pd.DataFrame({"unit": s.keys.get_level_values(0), "code": s.keys.get_level_values(1),
                           "kind": np.where(~s.fit, "constant", np.where(s.log, "log", "linear")),
                           "n_points": (~np.isnan(s.z)).sum(axis=1), "last_year": s.last_year,
                           "last_value": s.last,
                           "growth": growth,
                           "projected": central_v})
    summary = _summary(ed.baseline, central, units, ranks, scores)
    return Projection(year, model, scenario, ed, central, summary, trends, ranks, n, seed)


def _replicate(ed: Edition, s: _Series, values: np.ndarray, year: int,
               scenario: Scenario | None, central: Result, central_values: np.ndarray, *,
               stack: bool = True) -> np.ndarray:
    """Index scores (replications x the central projection's units) of every
    replication's values: all at once when :func:`~._bootstrap.stackable` (and
    ``stack``), else a build per replication."""
    units = list(central.units)
    n = values.shape[0]
    if n and stack and boot.stackable(ed):
        out = boot.scores(ed, s.keys, values, s.inferred, year, scenario, central,
                          central_values)
        if out is not None:
            return out
    res = np.full((n, len(units)), np.nan)
    for r in range(n):
        res[r] = _build(ed, s, values[r], year, scenario).index.reindex(units).to_numpy(
            dtype=float)
    return res


def _build(ed: Edition, s: _Series, values: np.ndarray, year: int,
           scenario: Scenario | None) -> Result:
    data = _dataset_at(ed, s, values, year)
    if scenario is not None:
        data, _ = apply_scenario(scenario, data, ed.spec, year=year)
    return ed.build(data, year=year)


def _summary(base: Result, central: Result, units: list[str], ranks: np.ndarray,
             scores: np.ndarray) -> pd.DataFrame:
    idx = base.spec.index_code
    norm = central.stages["normalised"].loc[units]
    lo, hi = _goalposts(central)
    beyond = ((norm < lo - 1e-9) | (norm > hi + 1e-9)).sum(axis=1)
    have = len(ranks) > 0
    stats = RankStats(len(units), units)  # the one rank-quantile rule
    if have:
        stats.update(ranks)
    q = stats.quantile([0.5, 0.05, 0.95])
    # np.nanquantile takes each unit's column on its own: np.quantile, equal without NaN
    quantile = np.nanquantile if np.isnan(scores).any() else np.quantile
    qs = (quantile(scores, [0.05, 0.95], axis=0) if have
          else np.full((2, len(units)), np.nan))
    t = pd.DataFrame({
        "name": [central.names.get(u, u) for u in units],
        "rank_now": base.ranks[idx].reindex(units).astype(float).to_numpy(),
        "score_now": base.index.reindex(units).to_numpy(),
        # only the index ranked (the central result's other ranks are not needed here)
        "rank": rank_frame(central.scores[[idx]])[idx].loc[units].astype(float).to_numpy(),
        "score": central.index.loc[units].to_numpy(),
        "rank_median": q[0], "rank_q05": q[1], "rank_q95": q[2],
        "score_q05": qs[0], "score_q95": qs[1], "beyond": beyond.to_numpy()},
        index=pd.Index(units, name="unit"))
    return t.sort_values(["rank", "name"])


def _goalposts(res: Result) -> tuple[float, float]:
    """The normalised range of min-max (lower, upper); infinite for other methods."""
    cfg = res.spec.methodology.normalise
    if cfg.method == "minmax":
        p = cfg.options("normalise")
        return float(p.lower), float(p.upper)
    return -np.inf, np.inf
