"""Correlations of an index: significance, within groups and levels, flags, denominators
(COINr's ``get_pvals``, ``get_corr``, ``get_corr_flags`` and ``get_denom_corr``).

Correlations are Pearson's or Spearman's over the rows where both columns are present
(R's ``use = "pairwise.complete.obs"``). The p-values are R's ``cor.test`` two-sided ones:
Pearson's from the t distribution with n - 2 degrees of freedom; Spearman's from the
exact null distribution of S = sum of squared rank differences when there are no ties
(by enumeration for n <= 9, else the Edgeworth series of Best & Roberts, AS 89) and from
the t approximation with ties, as R does.

References
----------
Best, D. J. & Roberts, D. E. (1975). Algorithm AS 89: the upper tail probabilities of
Spearman's rho. Applied Statistics 24(3), 377-379.
OECD/JRC (2008), Handbook on Constructing Composite Indicators, step 4.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from functools import cache
from typing import Literal

import numpy as np
import pandas as pd
from scipy import special, stats

from ...data import Dataset
from ...errors import DataError, Issue
from ...results import Result
from .multivariate import level_frame

__all__ = ["corr_flags", "correlation_pvalues", "denominator_correlations",
           "result_correlations"]

Method = Literal["pearson", "spearman"]


def _check_method(method: str) -> None:
    if method not in ("pearson", "spearman"):
        raise DataError([Issue(("method",), "unknown_method", "method must be 'pearson' or "
                               f"'spearman'. Got {method!r}.", method)])


def correlation_pvalues(frame: pd.DataFrame, *, method: Method = "pearson") -> pd.DataFrame:
    """Correlation and its two-sided p-value for every pair of columns.

    Returns
    -------
    DataFrame
        ``var1``, ``var2`` (each pair once, upper triangle in column order), ``n`` (rows
        with both), ``r`` and ``p`` (NaN with fewer than 3 rows or a constant column).
    """
    _check_method(method)
    cols = [str(c) for c in frame.columns]
    values = frame.to_numpy(dtype=float)
    rows = []
    for i, j in itertools.combinations(range(len(cols)), 2):
        ok = ~np.isnan(values[:, i]) & ~np.isnan(values[:, j])
        r, p = _r_and_p(values[ok, i], values[ok, j], method)
        rows.append((cols[i], cols[j], int(ok.sum()), r, p))
    return pd.DataFrame(rows, columns=["var1", "var2", "n", "r", "p"])


def _r_and_p(x: np.ndarray, y: np.ndarray, method: str) -> tuple[float, float]:
    n = x.size
    if n < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan"), float("nan")
    if method == "pearson":
        return _t_test(float(np.corrcoef(x, y)[0, 1]), n)
    rx, ry = stats.rankdata(x), stats.rankdata(y)
    r = float(np.corrcoef(rx, ry)[0, 1])
    ties = len(np.unique(x)) < n or len(np.unique(y)) < n
    if ties or n >= 1290:  # R: the t approximation (warning "cannot compute exact p-value")
        return _t_test(r, n)
    s = round(float(np.sum((rx - ry) ** 2)))
    if s > (n**3 - n) / 6:  # negative rho: P(S >= s)
        p = _prho(n, s, lower=False)
    else:  # positive rho: P(S <= s)
        p = _prho(n, s, lower=True)
    return r, float(min(1.0, 2 * p))


def _t_test(r: float, n: int) -> tuple[float, float]:
    """r and its two-sided p-value from ``t = r sqrt((n - 2) / (1 - r^2))``, n - 2 df."""
    if abs(r) >= 1:
        return r, 0.0
    t = abs(r) * np.sqrt((n - 2) / (1 - r * r))
    return r, float(min(1.0, 2 * special.stdtr(n - 2, -t)))


def _prho(n: int, s: int, *, lower: bool) -> float:
    """P(S <= s) (``lower``) or P(S >= s) under independence, S even (untied ranks)."""
    if n <= 9:
        dist = _s_distribution(n)
        return float(dist[dist <= s].size / dist.size if lower else
                     dist[dist >= s].size / dist.size)
    # AS 89's Edgeworth series for P(S >= js); the lower tail P(S <= s) = 1 - P(S >= s + 2)
    # is computed directly (no cancellation for small p)
    js = s + 2 if lower else s
    b = 1.0 / n
    x = (6 * (js - 1) * b / (n * n - 1) - 1) * np.sqrt(1 / b - 1)
    y = x * x
    c = (0.2274, 0.2531, 0.1745, 0.0758, 0.1033, 0.3932, 0.0879, 0.0151, 0.0072, 0.0831,
         0.0131, 4.6e-4)
    u = x * b * (c[0] + b * (c[1] + c[2] * b) + y * (-c[3] + b * (c[4] + c[5] * b) - y * b * (
        c[6] + c[7] * b - y * (c[8] - c[9] * b + y * b * (c[10] - c[11] * y)))))
    u /= np.exp(y / 2)
    p = stats.norm.cdf(x) - u if lower else u + stats.norm.sf(x)
    return float(min(1.0, max(0.0, p)))


@cache
def _s_distribution(n: int) -> np.ndarray:
    """S = sum (i - pi(i))^2 over every permutation of n (n <= 9: 362,880 at most)."""
    base = np.arange(n)
    perms = np.array(list(itertools.permutations(range(n))))
    return np.asarray(((perms - base) ** 2).sum(axis=1))


def _long(mat: pd.DataFrame) -> pd.DataFrame:
    t = mat.stack(future_stack=True).reset_index()
    t.columns = ["var1", "var2", "r"]
    return t


def result_correlations(result: Result, *, stage: str = "aggregated",
                        levels: tuple[int, int] = (1, 1), within: int | None = None,
                        with_parent: bool = False, method: Method = "pearson",
                        pval: float = 0.05) -> pd.DataFrame:
    """Correlations between the nodes of two levels of a build (COINr's ``get_corr``).

    Parameters
    ----------
    levels : (int, int)
        The two levels (1 = indicators); ``var1`` holds the higher one.
    within : int, optional
        With equal levels: only pairs in the same group of this level (self pairs and
        both orders included, as COINr's ``grouplev``).
    with_parent : bool
        With different levels: only each node against its own ancestor.
    pval : float
        Correlations with a p-value above this are NaN (0 keeps all).

    Returns
    -------
    DataFrame
        ``var1``, ``var2``, ``r``.
    """
    _check_method(method)
    hi, lo = max(levels), min(levels)
    a, b = level_frame(result, stage, hi), level_frame(result, stage, lo)
    both = pd.concat([a, b.drop(columns=[c for c in b.columns if c in a.columns])], axis=1)
    mat = both.corr(method=method).loc[list(a.columns), list(b.columns)]
    if pval > 0:
        p = correlation_pvalues(both, method=method)
        both_ways = pd.concat([p, p.rename(columns={"var1": "var2", "var2": "var1"})])
        pm = dict(zip(zip(both_ways["var1"], both_ways["var2"], strict=True),
                      both_ways["p"].to_numpy(dtype=float), strict=True))
        for i in mat.index:
            for j in mat.columns:
                if i != j and pm.get((i, j), np.nan) > pval:
                    mat.loc[i, j] = np.nan
    t = _long(mat)
    anc = _ancestors(result)
    if with_parent and hi != lo:
        t = t[[anc[v2].get(hi) == v1 for v1, v2 in zip(t["var1"], t["var2"], strict=True)]]
    elif within is not None and hi == lo:
        t = t[[anc[v1].get(within) == anc[v2].get(within) is not None
               for v1, v2 in zip(t["var1"], t["var2"], strict=True)]]
    return t.reset_index(drop=True)


def family_correlations(result: Result, *, stage: str = "aggregated", level: int = 1,
                        method: Method = "pearson") -> pd.DataFrame:
    """Each node of ``level`` against each of its ancestors (COINr's ``withparent =
    "family"``): ``code``, ``ancestor``, ``ancestor_level``, ``r``."""
    _check_method(method)
    frame = result.stages["aggregated"] if stage == "aggregated" else None
    if frame is None:
        raise DataError([Issue(("stage",), "bad_stage", "Ancestors are scored only in the "
                               f"'aggregated' stage. Got {stage!r}.", stage)])
    anc = _ancestors(result)
    rows = []
    for code in level_frame(result, stage, level).columns:
        for lv, a in sorted(anc[code].items()):
            if lv > level:
                r = frame[code].corr(frame[a], method=method)
                rows.append((code, a, lv, float(r)))
    return pd.DataFrame(rows, columns=["code", "ancestor", "ancestor_level", "r"])


def _ancestors(result: Result) -> dict[str, dict[int, str]]:
    spec = result.spec
    out: dict[str, dict[int, str]] = {}
    for code in spec.codes:
        chain: dict[int, str] = {spec.levels[code]: code}
        p = spec.parent[code]
        while p is not None:
            chain[spec.levels[p]] = p
            p = spec.parent[p]
        out[code] = chain
    return out


def corr_flags(result: Result, *, stage: str = "normalised", threshold: float = 0.9,
               kind: Literal["high", "low"] = "high", group_level: int = 2,
               method: Method = "pearson", use_directions: bool = False) -> pd.DataFrame:
    """Pairs of indicators in the same group (of ``group_level``) that correlate above
    ``threshold`` (``kind="high"``: redundant) or below it (``"low"``: e.g. negatively;
    COINr's ``get_corr_flags``). ``use_directions`` multiplies each by its direction.

    Returns
    -------
    DataFrame
        ``group``, ``code1``, ``code2`` (each pair once, in the spec's order), ``r``.
    """
    _check_method(method)
    if kind not in ("high", "low"):
        raise DataError([Issue(("kind",), "unknown_kind", "kind must be 'high' or 'low'. "
                               f"Got {kind!r}.", kind)])
    frame = level_frame(result, stage, 1)
    if use_directions:
        frame = frame * [result.spec.indicator(str(c)).direction for c in frame.columns]
    mat = frame.corr(method=method)
    anc = _ancestors(result)
    rows = []
    cols = [str(c) for c in frame.columns]
    values = mat.to_numpy(dtype=float)
    for i, j in itertools.combinations(range(len(cols)), 2):
        g1, g2 = anc[cols[i]].get(group_level), anc[cols[j]].get(group_level)
        r = float(values[i, j])
        if g1 is None or g1 != g2 or np.isnan(r):
            continue
        if (r > threshold) if kind == "high" else (r < threshold):
            rows.append((g1, cols[i], cols[j], r))
    return pd.DataFrame(rows, columns=["group", "code1", "code2", "r"])


def denominator_correlations(result: Result, data: Dataset, *, stage: str = "raw",
                             threshold: float = 0.6, method: Method = "pearson",
                             codes: Sequence[str] | None = None) -> pd.DataFrame:
    """Correlations of indicators with the spec's denominators (COINr's
    ``get_denom_corr``): those with ``|r| > threshold`` (0 = all pairs).

    ``data`` gives the denominators, at the build's year; ``stage`` the indicators
    (``raw``: before denominating, as COINr's default).

    Returns
    -------
    DataFrame
        ``code``, ``denominator``, ``r``, sorted by code.
    """
    _check_method(method)
    dens = [d.code for d in result.spec.denominators]
    if not dens:
        raise DataError([Issue(("denominators",), "no_denominators", "The spec names no "
                               "denominators.")])
    den, _ = data.wide(dens, year=result.year, lookback=result.spec.data.lookback)
    ind = level_frame(result, stage, 1)
    ind = ind[list(codes)] if codes is not None else ind
    den = den.reindex(ind.index)
    both = pd.concat([ind, den.drop(columns=[c for c in den.columns if c in ind.columns])],
                     axis=1)
    mat = both.corr(method=method).loc[list(ind.columns), dens]
    t = _long(mat).rename(columns={"var1": "code", "var2": "denominator"})
    t = t[t["r"].notna() & (t["r"].abs() > threshold)]
    return t.sort_values("code", kind="stable").reset_index(drop=True)
