"""Trends of panel data: growth rates per unit and indicator (COINr's ``CAGR``,
``prc_change``, ``get_trends`` and ``approx_df``).

:func:`cagr` is the compound annual growth rate between a series' first and last
observations; :func:`prc_change` the percentage change per ``per`` time units, from a
least-squares line with three or more observations; :func:`trends` applies either to
every unit and indicator of a multi-year :class:`~airank.data.Dataset`, optionally over
chosen years, over the latest ``use_latest`` time points or after interpolating gaps
(:func:`approx_df`). Two COINr 1.1.14 bugs are not reproduced (``docs/coinr.md``):
``Time = c(...)`` there takes rows by position, not by year, and ``use_latest`` equal to
the number of time points gives NA.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ...data import Dataset
from ...errors import DataError, Issue
from ...spec import IndexSpec

__all__ = ["approx_df", "cagr", "prc_change", "trends"]


def _pairs(y: ArrayLike, t: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    ya, ta = np.asarray(y, dtype=float), np.asarray(t, dtype=float)
    if ya.shape != ta.shape or np.isnan(ta).any():
        raise DataError([Issue(("t",), "bad_time", "y and t must have equal length and t no "
                               f"missing value. Got {ya.size} and {ta.size} values.")])
    ok = ~np.isnan(ya)
    order = np.argsort(ta[ok], kind="stable")
    return ya[ok][order], ta[ok][order]


def cagr(y: ArrayLike, t: ArrayLike) -> float:
    """Compound annual growth rate: ``(y_last / y_first)^(1 / (t_last - t_first)) - 1``
    over the observed points (NaN with fewer than 2; 0 when first and last are equal;
    infinite from a first value of 0).

    Examples
    --------
    >>> round(cagr([100, np.nan, 121], [2020, 2021, 2022]), 10)
    0.1
    """
    ya, ta = _pairs(y, t)
    if ya.size < 2:
        return float("nan")
    if ya[-1] == ya[0]:
        return 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        return float((ya[-1] / ya[0]) ** (1 / (ta[-1] - ta[0])) - 1)


def prc_change(y: ArrayLike, t: ArrayLike, per: float = 1) -> float:
    """Percentage change per ``per`` time units.

    With two observations: the change between them, ``100 (y2 - y1) / y1 * per /
    (t2 - t1)``; with three or more, from the least-squares line ``a + b t``:
    ``100 b per / (a + b t_first)``. 0 for a constant series, NaN with fewer than 2.

    Examples
    --------
    >>> prc_change([100, 110, 120], [2020, 2021, 2022])
    10.0
    """
    ya, ta = _pairs(y, t)
    if ya.size < 2:
        return float("nan")
    if np.unique(ya).size == 1:
        return 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        if ya.size < 3:
            return float((ya[-1] - ya[0]) * 100 / ya[0] * (per / (ta[-1] - ta[0])))
        tc = ta - ta.mean()
        slope = float(tc @ (ya - ya.mean()) / (tc @ tc))
        icpt = float(ya.mean() - slope * ta.mean())
        return float(slope * per / (icpt + slope * ta[0]) * 100)


def approx_df(frame: pd.DataFrame, t: ArrayLike, t_est: ArrayLike | None = None, *,
              rule: Literal[1, 2] = 1) -> tuple[np.ndarray, pd.DataFrame]:
    """Linear interpolation of every column at the times ``t_est`` (COINr's ``approx_df``).

    Parameters
    ----------
    frame : DataFrame
        One row per time point (``t``), one column per series.
    t_est : array_like, optional
        Times to estimate (default ``t``). Times of ``t`` not in ``t_est`` keep their
        values.
    rule : {1, 2}
        Outside the observed range: NaN (1) or the nearest observation (2), as R's
        ``approx``.

    Returns
    -------
    (times, frame)
        The union of ``t_est`` and ``t``, sorted, and the columns at those times. A
        column with fewer than 2 observations is all NaN.
    """
    tt = np.asarray(t, dtype=float)
    est = tt if t_est is None else np.asarray(t_est, dtype=float)
    rest = np.array([x for x in tt if x not in set(est)])
    out_t = np.concatenate([est, rest])
    order = np.argsort(out_t, kind="stable")
    cols = {}
    for c in frame.columns:
        y = frame[c].to_numpy(dtype=float)
        ok = ~np.isnan(y)
        if ok.sum() < 2:
            cols[c] = np.full(out_t.size, np.nan)
            continue
        xo, yo = tt[ok], y[ok]
        srt = np.argsort(xo, kind="stable")
        xo, yo = xo[srt], yo[srt]
        fill = (np.nan, np.nan) if rule == 1 else (yo[0], yo[-1])
        v = np.interp(est, xo, yo, left=fill[0], right=fill[1])
        kept = (y[[int(np.flatnonzero(tt == x)[0]) for x in rest]] if rest.size
                else np.empty(0))
        cols[c] = np.concatenate([v, kept])[order]
    return out_t[order], pd.DataFrame(cols, columns=frame.columns)


def trends(data: Dataset, codes: Sequence[str] | None = None, *,
           method: Literal["cagr", "prc_change"] = "cagr", years: Sequence[int] | None = None,
           use_latest: int | None = None, interpolate: bool = False,
           spec: IndexSpec | None = None, adjust_directions: bool = False) -> pd.DataFrame:
    """The trend of every unit and indicator of a panel (COINr's ``get_trends``).

    Parameters
    ----------
    data : Dataset
        A multi-year dataset.
    codes : sequence of str, optional
        Indicators (default: the spec's, else every code of the data).
    method : {"cagr", "prc_change"}
    years : sequence of int, optional
        Only these years.
    use_latest : int, optional
        Only the ``use_latest`` time points ending at the series' latest observation.
    interpolate : bool
        Fill gaps inside each series by linear interpolation first (COINr's
        ``interp_at = "all"``).
    adjust_directions : bool
        Multiply each trend by the indicator's direction (needs ``spec``).

    Returns
    -------
    DataFrame
        ``unit``, ``code``, ``trend``, ``availability`` (share of the years with a value),
        ``t_first``, ``t_latest`` (set with at least 2 values); with ``use_latest`` also
        ``availability_latest`` and ``t_first_latest``. Sorted by code then unit.
    """
    if method not in ("cagr", "prc_change"):
        raise DataError([Issue(("method",), "unknown_method", "method must be 'cagr' or "
                               f"'prc_change'. Got {method!r}.", method)])
    if adjust_directions and spec is None:
        raise DataError([Issue(("spec",), "no_spec", "adjust_directions needs the spec.")])
    if codes is None:
        codes = list(spec.indicator_codes) if spec is not None else sorted(
            data.panel["code"].unique())
    all_years = np.array(data.years, dtype=float)
    if years is not None:
        bad = sorted(set(int(y) for y in years) - set(data.years))
        if bad:
            raise DataError([Issue(("years",), "unknown_year", f"Years {bad} are not in the "
                                   f"data ({data.years[0]}-{data.years[-1]}).", bad)])
    func = cagr if method == "cagr" else prc_change
    p = data.panel[data.panel["code"].isin(list(codes))]
    cube = p.pivot_table(index=["code", "unit"], columns="year", values="value",
                         aggfunc="first", dropna=False)
    full = pd.MultiIndex.from_product([sorted(codes), data.units], names=["code", "unit"])
    cube = cube.reindex(index=full, columns=data.years)
    rows = []
    for (code, unit), y in zip(cube.index, cube.to_numpy(dtype=float), strict=True):
        d = spec.indicator(code).direction if adjust_directions and spec is not None else 1
        rows.append((unit, code, *_one(y, all_years, func, years, use_latest, interpolate,
                                       d)))
    cols = ["unit", "code", "trend", "availability", "t_first", "t_latest",
            "availability_latest", "t_first_latest"]
    out = pd.DataFrame(rows, columns=cols)
    return out if use_latest is not None else out.drop(columns=cols[-2:])


def _one(y: np.ndarray, t: np.ndarray, func: object, years: Sequence[int] | None,
         use_latest: int | None, interpolate: bool, direction: int) -> tuple[float, ...]:
    if years is not None:
        keep = np.isin(t, np.asarray(years, dtype=float))
        y, t = y[keep], t[keep]
    raw = y
    ok = ~np.isnan(raw)
    avail = float(ok.mean()) if raw.size else float("nan")
    t_first = float(t[ok][0]) if ok.sum() > 1 else float("nan")
    t_last = float(t[ok][-1]) if ok.sum() > 1 else float("nan")
    if interpolate and ok.sum() > 1:
        y = np.interp(t, t[ok], raw[ok], left=np.nan, right=np.nan)
    nan = float("nan")
    av_l = tf_l = nan
    if (~np.isnan(y)).sum() < 2:
        return (nan, avail, t_first, t_last, av_l, tf_l)
    if use_latest is not None:
        last = int(np.flatnonzero(~np.isnan(y))[-1])
        first = last - use_latest + 1
        if first < 0:  # not enough time points before the latest observation
            return (nan, avail, t_first, t_last, av_l, tf_l)
        y, t, raw = y[first:last + 1], t[first:last + 1], raw[first:last + 1]
        av_l = float((~np.isnan(raw)).mean())
        have = ~np.isnan(y)
        tf_l = float(t[have][0]) if have.sum() > 1 else nan
        if have.sum() < 2:
            return (nan, avail, t_first, t_last, av_l, tf_l)
    value = func(y, t) * direction  # type: ignore[operator]
    return (float(value), avail, t_first, t_last, av_l, tf_l)
