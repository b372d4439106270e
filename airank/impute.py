"""Imputation methods: fill missing values of a units x indicators frame.

Signature of every method: ``f(frame, *, params, context, learned=None) -> (frame, learned)``
where ``frame`` (index: unit; columns: the indicator codes the method applies to) is not
modified, and ``learned`` maps each code to the values used (group means, ...). Imputed
cells are found afterwards by comparing NaN masks: every imputation is visible.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import pandas as pd

from .errors import DataError, Issue
from .fitted import Fit, GroupFit, InterpFit, LatestFit, ModelFit
from .impute_intensity import impute_intensity
from .methods import (
    GroupStatParams,
    IntensityParams,
    IterativeParams,
    KnnParams,
    LatestParams,
    NoParams,
    PanelParams,
)

__all__ = ["IMPUTERS", "ImputeContext", "PanelImputation", "impute_panel"]


@dataclass(frozen=True)
class ImputeContext:
    """What imputers may need besides the frame: unit groups, earlier years, the
    edition's denominators (units x codes) and the indicators' directions.

    An imputer reads the history of its frame's codes only: a build reuses the imputation
    of a group of indicators none of which changed (``build(..., like=...)``)."""

    groups: pd.DataFrame
    history: pd.DataFrame | None = None  # long: unit, code, year, value
    year: int | None = None
    denominators: pd.DataFrame | None = None
    directions: Mapping[str, int] = field(default_factory=dict)
    ranked: pd.Index | None = None  # the units the screen will keep, when known


Learned = dict[str, Fit]  # code -> what was learned for it
Imputer = Callable[..., tuple[pd.DataFrame, Learned]]


def none(frame: pd.DataFrame, *, params: NoParams, context: ImputeContext,
         learned: Learned | None = None) -> tuple[pd.DataFrame, Learned]:
    """Leave missing values missing."""
    return frame.copy(), {}


def _group_stat(frame: pd.DataFrame, params: GroupStatParams, context: ImputeContext,
                stat: str, learned: Learned | None) -> tuple[pd.DataFrame, Learned]:
    if params.by is None:
        key = np.full(len(frame), "*", dtype=object)
    else:
        key = context.groups[params.by].reindex(frame.index).astype(object).to_numpy()
    if learned:
        fill = {c: dict(f.values) for c, f in learned.items() if isinstance(f, GroupFit)}
        fill = {c: fill.get(c, {}) for c in frame.columns}
        labels = sorted({g for f in fill.values() for g in f})
        table = np.array([[fill[c].get(g, np.nan) for c in frame.columns] for g in labels]
                         ).reshape(len(labels), frame.shape[1])
    else:
        size = _magnitude(frame)  # sums of values near 1e308 would overflow
        plain = bool((size == 1).all())
        by = pd.Index(key, dtype=object)  # an Index: pandas tries no column lookup
        stats = (frame if plain else frame / size).groupby(by, sort=True).agg(stat)
        table = stats.to_numpy(dtype=float) * (1.0 if plain else size.to_numpy(dtype=float))
        labels = [str(g) for g in stats.index]
        fill = {c: dict(zip(labels, table[:, j].tolist(), strict=True))
                for j, c in enumerate(frame.columns)}
    names = key.astype(str).astype(object)
    names[pd.isna(key)] = None  # no group: nothing to fill from
    pos = pd.Index(labels, dtype=object).get_indexer(pd.Index(names, dtype=object))
    values = frame.to_numpy(dtype=float)
    guess = np.where(pos[:, None] >= 0, table[np.maximum(pos, 0)] if labels else np.nan, np.nan)
    filled = np.where(np.isnan(values), guess, values)
    return (pd.DataFrame(filled, index=frame.index, columns=frame.columns),
            {c: GroupFit(method=stat, values=v) for c, v in fill.items()})


def mean(frame: pd.DataFrame, *, params: GroupStatParams, context: ImputeContext,
         learned: Learned | None = None) -> tuple[pd.DataFrame, Learned]:
    """Mean of the indicator over all units, or within the unit's group (``by``)."""
    return _group_stat(frame, params, context, "mean", learned)


def median(frame: pd.DataFrame, *, params: GroupStatParams, context: ImputeContext,
           learned: Learned | None = None) -> tuple[pd.DataFrame, Learned]:
    """Median of the indicator over all units, or within the unit's group (``by``)."""
    return _group_stat(frame, params, context, "median", learned)


def latest(frame: pd.DataFrame, *, params: LatestParams, context: ImputeContext,
           learned: Learned | None = None) -> tuple[pd.DataFrame, Learned]:
    """The unit's latest earlier value of the same indicator within ``window`` years."""
    out = frame.copy()
    if context.history is None or context.year is None:
        return out, {}
    h = context.history
    h = h[(h["year"] >= context.year - params.window) & (h["year"] <= context.year)
          & h["code"].isin(frame.columns) & h["unit"].isin(frame.index)]
    last = h.sort_values("year").drop_duplicates(["unit", "code"], keep="last")
    fill = last.pivot(index="unit", columns="code", values="value")
    years = last.pivot(index="unit", columns="code", values="year")
    out = out.fillna(fill.reindex(index=frame.index, columns=frame.columns))
    used = {str(c): {str(u): int(y) for u, y in years[c].dropna().items()
                if pd.isna(cast(float, frame.at[u, c]))}
            for c in years.columns if c in frame.columns}
    return out, {c: LatestFit(method="latest", from_year=v) for c, v in used.items() if v}


def _magnitude(frame: pd.DataFrame) -> pd.Series:
    """Per column, the largest absolute value when extreme (above 1e50), else 1: ordinary
    data is imputed exactly as before, values near 1e300 without overflow."""
    v = frame.to_numpy(dtype=float)
    top = np.fmax.reduce(np.abs(v), axis=0, initial=-np.inf)  # NaN ignored
    return pd.Series(np.where(top > 1e50, top, 1.0), index=frame.columns)


def knn(frame: pd.DataFrame, *, params: KnnParams, context: ImputeContext,
        learned: Learned | None = None) -> tuple[pd.DataFrame, Learned]:
    """k nearest neighbours over the other indicators (scikit-learn ``KNNImputer``).

    Columns are standardised first so that no indicator dominates the distance.
    """
    from sklearn.impute import KNNImputer

    size = _magnitude(frame)  # values up to +-1e300: squares would overflow
    scaled = frame / size
    mu, sd = scaled.mean(), scaled.std(ddof=1).replace(0, 1).fillna(1)
    z = (scaled - mu) / sd
    filled = KNNImputer(n_neighbors=params.k, keep_empty_features=True).fit_transform(z)
    out = (pd.DataFrame(filled, index=frame.index, columns=frame.columns) * sd + mu) * size
    out = frame.fillna(out)
    return out, {c: ModelFit(method="knn", k=params.k) for c in frame.columns}


def iterative(frame: pd.DataFrame, *, params: IterativeParams, context: ImputeContext,
              learned: Learned | None = None) -> tuple[pd.DataFrame, Learned]:
    """Multivariate imputation by chained equations (scikit-learn ``IterativeImputer``)."""
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401
    from sklearn.impute import IterativeImputer

    imp = IterativeImputer(max_iter=params.max_iter, random_state=params.seed,
                           keep_empty_features=True)
    # scaled to [-1, 1] first (by each column's largest magnitude: no squares, so no
    # overflow for magnitudes near 1e155); the result is scaled back
    scale = frame.abs().max().replace(0, 1).fillna(1)
    z = (frame / scale).to_numpy(dtype=float, copy=True)
    with warnings.catch_warnings():
        # convergence warnings are expected on small tables; the record notes n_iter
        warnings.simplefilter("ignore")
        filled = imp.fit_transform(z)
    back = pd.DataFrame(filled, index=frame.index, columns=frame.columns) * scale
    out = frame.fillna(back)
    return out, {c: ModelFit(method="iterative", n_iter=int(imp.n_iter_))
                 for c in frame.columns}


def intensity(frame: pd.DataFrame, *, params: IntensityParams, context: ImputeContext,
              learned: Learned | None = None) -> tuple[pd.DataFrame, Learned]:
    """Group medians in intensity space, scaled back and capped
    (:mod:`airank.impute_intensity`)."""
    per = None
    if params.per is not None:
        den = context.denominators
        if den is None or params.per not in den.columns:
            raise DataError([Issue(("methodology", "impute", "per"), "unknown_denominator",
                                   f"The intensity imputer's 'per' denominator "
                                   f"'{params.per}' is not a denominator of the spec.",
                                   params.per)])
        per = den[params.per]
    missing = [b for b in params.by if b not in context.groups.columns]
    if missing:
        raise DataError([Issue(("methodology", "impute", "by"), "unknown_group",
                               f"Unit-group columns {missing} are not in the data's groups "
                               f"{list(context.groups.columns)}.", missing[0])])
    return impute_intensity(frame, by=params.by, per=per, min_group=params.min_group,
                            cap_rank=params.cap_rank,
                            directions=pd.Series(dict(context.directions), dtype=float),
                            groups=context.groups, ranked=context.ranked)


# -- panel imputation: along each unit's time series ------------------------------------
def _fill(cube: np.ndarray, years: np.ndarray, method: str, max_time: int | None
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fill the gaps of every series of ``cube`` (series x years, NaN = missing).

    ``latest`` carries the last earlier observation forward, at most ``max_time`` time
    points back (the year grid's points, as COINr counts them); ``constant`` fills a gap
    from the previous observation and the series' ends from the nearest one
    (``approx(method = "constant", rule = 2)``), within ``max_time`` years if given;
    ``linear`` interpolates in time inside the observed range and copies the nearest
    observation outside it. Returns (filled, the year each value came from -- for
    ``linear`` the years it lies between, as two arrays).
    """
    filled = cube.copy()
    have = ~np.isnan(cube)
    t = years.astype(float)
    src_lo = np.where(have, t, np.nan)
    if method == "latest":
        for k in range(1, cube.shape[1] if max_time is None else min(max_time + 1,
                                                                        cube.shape[1])):
            gap = np.isnan(filled[:, k:]) & have[:, :-k]
            filled[:, k:][gap] = cube[:, :-k][gap]
            src_lo[:, k:][gap] = t[:-k][np.nonzero(gap)[1]]
        return filled, src_lo, src_lo
    prev = pd.DataFrame(src_lo).ffill(axis=1).to_numpy()  # year of the previous observation
    nxt = pd.DataFrame(src_lo).bfill(axis=1).to_numpy()
    if method == "constant":
        use = np.where(np.isnan(prev), nxt, prev)
        if max_time is not None:
            use[np.abs(use - t) > max_time] = np.nan
        filled = _at_years(cube, t, use)
        return filled, use, use
    lo = np.where(np.isnan(prev), nxt, prev)
    hi = np.where(np.isnan(nxt), prev, nxt)
    if max_time is not None:
        far = (np.abs(lo - t) > max_time) | (np.abs(hi - t) > max_time)
        lo[far] = hi[far] = np.nan
    ylo, yhi = _at_years(cube, t, lo), _at_years(cube, t, hi)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(hi > lo, (t - lo) / (hi - lo), 0.0)
    return ylo + frac * (yhi - ylo), lo, hi


def _at_years(cube: np.ndarray, t: np.ndarray, when: np.ndarray) -> np.ndarray:
    """``cube[i, position of year when[i, j]]`` (NaN where ``when`` is NaN)."""
    pos = np.searchsorted(t, np.nan_to_num(when, nan=t[0]))
    out: np.ndarray = np.where(np.isnan(when), np.nan,
                               np.take_along_axis(cube, np.minimum(pos, len(t) - 1), axis=1))
    return out


@dataclass(frozen=True)
class PanelImputation:
    """The result of :func:`impute_panel`.

    Attributes
    ----------
    data : DataFrame
        The input table with its gaps filled (same rows, columns and order).
    from_year : DataFrame
        Same shape for the imputed columns: the year each value came from (for
        ``linear``, the earlier of the two years it was interpolated between); NaN where
        still missing.
    notes : tuple of str
        Series that could not be filled, and why.
    """

    data: pd.DataFrame
    from_year: pd.DataFrame
    notes: tuple[str, ...] = ()


def impute_panel(frame: pd.DataFrame, *, method: str = "latest", max_time: int | None = None,
                 unit: str = "uCode", time: str = "Time", cols: list[str] | None = None
                 ) -> PanelImputation:
    """Fill gaps along each unit's time series of a panel table (COINr's ``impute_panel``).

    Parameters
    ----------
    frame : DataFrame
        One row per unit and year: ``unit`` and ``time`` columns and the indicators.
    method : {"latest", "constant", "linear"}
        ``latest``: the last earlier observation (back only: a missing first year stays
        missing); ``constant``: the previous observation, and before the first one the
        first one (both directions); ``linear``: interpolation in time, the nearest
        observation outside the observed range. See :func:`_fill`.
    max_time : int, optional
        ``latest``: look back at most this many time points; ``constant``/``linear``:
        use observations at most this many years away. COINr 1.1.14 ignores it for
        ``constant`` and ``linear``; the default (None) gives COINr's results.
    cols : list of str, optional
        The columns to impute (default: all but ``unit`` and ``time``).

    Returns
    -------
    PanelImputation
        A series with one observation cannot be interpolated: ``linear`` leaves it as it
        is and says so in ``notes`` (COINr stops with an error instead).

    Raises
    ------
    DataError
        If a column is missing, ``time`` is not numeric, a (unit, time) pair repeats or
        the method is unknown.
    """
    cols = [c for c in frame.columns if c not in (unit, time)] if cols is None else list(cols)
    _check_panel(frame, method, unit, time, cols)
    years = np.sort(frame[time].unique()).astype(float)
    units = pd.Index(frame[unit].astype(str).unique())
    ui = units.get_indexer(frame[unit].astype(str))
    ti = np.searchsorted(years, frame[time].to_numpy(dtype=float))
    cube = np.full((len(units), len(cols), len(years)), np.nan)
    cube[ui, :, ti] = frame[cols].to_numpy(dtype=float)
    flat = cube.reshape(-1, len(years))
    filled, lo, _ = _fill(flat, years, method, max_time)
    notes: list[str] = []
    if method == "linear":
        single = (~np.isnan(flat)).sum(axis=1) == 1
        gaps = single & np.isnan(flat).any(axis=1)
        filled[gaps] = flat[gaps]
        lo[gaps] = np.where(np.isnan(flat[gaps]), np.nan, years)
        for s in np.flatnonzero(gaps):
            notes.append(f"{units[s // len(cols)]}/{cols[s % len(cols)]}: one observation, "
                         "cannot interpolate; left as it is")
    filled3 = filled.reshape(cube.shape)
    lo3 = lo.reshape(cube.shape)
    out = frame.copy()
    out[cols] = filled3[ui, :, ti]
    src = pd.DataFrame(lo3[ui, :, ti], index=frame.index, columns=cols)
    return PanelImputation(out, src, tuple(notes))


def _check_panel(frame: pd.DataFrame, method: str, unit: str, time: str,
                 cols: list[str]) -> None:
    issues = [Issue(("panel", c), "missing_column", f"The panel has no column '{c}'.", c)
              for c in (unit, time, *cols) if c not in frame.columns]
    if method not in ("latest", "constant", "linear"):
        issues.append(Issue(("method",), "unknown_method", "method must be 'latest', "
                            f"'constant' or 'linear'. Got {method!r}.", method))
    if not issues:
        if not pd.api.types.is_numeric_dtype(frame[time]):
            issues.append(Issue(("panel", time), "not_numeric", f"The time column '{time}' "
                                "must hold numbers (years).", str(frame[time].dtype)))
        dup = frame.duplicated([unit, time])
        issues += [Issue(("panel", f"row {i}"), "duplicate_row", f"({u!s}, {t!s}) appears "
                         "more than once.", str(u))
                   for i, u, t in zip(frame.index[dup][:20], frame.loc[dup, unit][:20],
                                      frame.loc[dup, time][:20], strict=False)]
        bad = [c for c in cols if not pd.api.types.is_numeric_dtype(frame[c])]
        issues += [Issue(("panel", c), "not_numeric", f"Column '{c}' is not numeric.", c)
                   for c in bad]
    DataError.collect(issues, f"{len(issues)} problem(s) in the panel table")


def _panel_imputer(method: str) -> Imputer:
    def run(frame: pd.DataFrame, *, params: PanelParams, context: ImputeContext,
            learned: Learned | None = None) -> tuple[pd.DataFrame, Learned]:
        out = frame.copy()
        if context.history is None or context.year is None or not frame.isna().any().any():
            return out, {}
        h = context.history
        h = h[h["code"].isin(frame.columns) & h["unit"].isin(frame.index)]
        years = np.union1d(h["year"].unique(), [context.year]).astype(float)
        units, codes = pd.Index(frame.index), pd.Index(frame.columns)
        cube = np.full((len(units), len(codes), len(years)), np.nan)
        cube[units.get_indexer(pd.Index(h["unit"])), codes.get_indexer(pd.Index(h["code"])),
             np.searchsorted(years, h["year"].to_numpy(dtype=float))] = h["value"].to_numpy()
        at = int(np.searchsorted(years, context.year))
        cube[:, :, at] = frame.to_numpy(dtype=float)  # the edition's own (denominated) values
        filled, lo, hi = _fill(cube.reshape(-1, len(years)), years, method, params.window)
        if method == "linear":  # one observation: no interpolation (left missing)
            single = (~np.isnan(cube.reshape(-1, len(years)))).sum(axis=1) == 1
            filled[single, at] = cube.reshape(-1, len(years))[single, at]
        new = filled.reshape(cube.shape)[:, :, at]
        gap = frame.isna().to_numpy() & ~np.isnan(new)
        out[:] = np.where(gap, new, frame.to_numpy(dtype=float))
        lo2, hi2 = lo.reshape(cube.shape)[:, :, at], hi.reshape(cube.shape)[:, :, at]
        fits: Learned = {}
        for j, c in enumerate(codes):
            rows = np.flatnonzero(gap[:, j])
            if not rows.size:
                continue
            if method == "linear":
                fits[str(c)] = InterpFit(method="linear", between={
                    str(units[i]): (int(lo2[i, j]), int(hi2[i, j])) for i in rows})
            else:
                fits[str(c)] = LatestFit(method="constant", from_year={
                    str(units[i]): int(lo2[i, j]) for i in rows})
        return out, fits

    run.__doc__ = {"constant": "The nearest observation of the unit's series, earlier (first) "
                               "or later: COINr's panel ``constant``.",
                   "linear": "Interpolated in time between the unit's nearest observations "
                             "before and after (the nearest one beyond them): COINr's "
                             "panel ``linear``."}[method]
    return run


IMPUTERS: dict[str, Imputer] = {
    "none": none,
    "mean": mean,
    "median": median,
    "latest": latest,
    "constant": _panel_imputer("constant"),
    "linear": _panel_imputer("linear"),
    "knn": knn,
    "iterative": iterative,
    "intensity": intensity,
}

