"""Best and worst achievable rank of each unit over a set of admissible weights.

For a component matrix X (units x components, e.g. pillar scores) and weights w,
the index is ``s(w) = X @ w`` (arithmetic aggregation). A unit's rank is
``1 + #{v : s_v(w) > s_u(w)}`` (ties share the best rank, as in
:func:`airank.analysis.robustness.ranks.rank_desc`). :func:`rank_bounds` finds, exactly, the
smallest and largest rank each unit can reach when the weights range over the
admissible set, by a mixed-integer programme per unit and direction (HiGHS via
``scipy.optimize.milp``).

Admissible weights
------------------
Unnormalised weights ``v`` lie in a box ``lower <= v <= upper`` (``upper`` may be
infinite) and the index uses ``w = v / sum(v)``. With ``rel = r`` the box is
``w0 * (1 - r) <= v <= w0 * (1 + r)``: each weight may move by ``r`` of its nominal
value before renormalising, so the effective weight ratios ``w_i / w_j`` stay within
``[(1-r)/(1+r), (1+r)/(1-r)] * w0_i / w0_j``. ``rel=None`` without bounds means any
non-negative weights (the simplex). Via the Charnes-Cooper substitution ``t = 1 /
sum(v)``, the set of effective weights is the polytope
``P = {w : sum(w) = 1, lower * t <= w <= upper * t, t >= 0}``, so the model is linear.
Rank comparisons ``(x_v - x_u) @ w > 0`` do not depend on the scale of ``w``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import Bounds, LinearConstraint, milp

from airank.errors import DataError, FactorError, Issue

__all__ = ["rank_bounds", "weight_range"]

#: Margin, on X rescaled to unit range, by which a unit must beat another to count as
#: above it in the worst-rank model; larger than HiGHS's feasibility tolerance (1e-6).
STRICT_TOL = 1e-5

F64 = NDArray[np.float64]


def weight_range(d: ArrayLike, lower: ArrayLike, upper: ArrayLike) -> tuple[F64, F64]:
    """Exact minimum and maximum of ``d @ w`` over the admissible weights, per row of ``d``.

    Parameters
    ----------
    d : array_like, shape (m, k)
        Score-difference rows ``x_v - x_u``.
    lower, upper : array_like, shape (k,)
        The box on unnormalised weights (``upper`` may hold ``inf``).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Minima and maxima, each shape (m,).

    Notes
    -----
    ``max d @ v / sum(v)`` over a box is a linear-fractional programme whose optimum
    (Dinkelbach) puts the components with the largest ``d`` at their upper bound and
    the rest at their lower bound, so the ``k + 1`` threshold vertices suffice. An
    infinite upper bound adds the simplex vertex ``e_j`` (value ``d_j``).

    Examples
    --------
    >>> lo, hi = weight_range([[1.0, -1.0]], [0.0, 0.0], [np.inf, np.inf])
    >>> float(lo[0]), float(hi[0])
    (-1.0, 1.0)
    """
    dd = np.atleast_2d(np.asarray(d, dtype=np.float64))
    lo = np.asarray(lower, dtype=np.float64)
    hi = np.asarray(upper, dtype=np.float64)
    return -_max_ratio(-dd, lo, hi), _max_ratio(dd, lo, hi)


def _max_ratio(d: F64, lo: F64, hi: F64) -> F64:
    finite = np.isfinite(hi)
    cap = np.where(finite, hi, lo)  # an infinite bound enters through e_j below
    order = np.argsort(-d, axis=1)
    ds = np.take_along_axis(d, order, axis=1)
    caps, los = cap[order], lo[order]
    zeros = np.zeros((d.shape[0], 1))
    up_num = np.hstack([zeros, np.cumsum(ds * caps, axis=1)])
    lo_num = np.hstack([zeros, np.cumsum(ds * los, axis=1)])
    up_den = np.hstack([zeros, np.cumsum(caps, axis=1)])
    lo_den = np.hstack([zeros, np.cumsum(los, axis=1)])
    num = up_num + (lo_num[:, -1:] - lo_num)
    den = up_den + (lo_den[:, -1:] - lo_den)
    ratio = np.divide(num, den, out=np.full(num.shape, -np.inf), where=den > 0)
    best = ratio.max(axis=1)
    if not finite.all():
        best = np.maximum(best, d[:, ~finite].max(axis=1))
    return np.asarray(best, dtype=np.float64)


def _box(
    w0: F64, rel: float | None, lower: ArrayLike | None, upper: ArrayLike | None
) -> tuple[F64, F64]:
    k = w0.shape[0]
    issues = []
    if rel is not None and not 0 <= rel:
        issues.append(Issue(("rel",), "out_of_range", f"rel must be >= 0. Got {rel}.", rel))
    FactorError.collect(issues)
    lo = np.zeros(k) if rel is None else w0 * max(0.0, 1.0 - rel)
    hi = np.full(k, np.inf) if rel is None else w0 * (1.0 + rel)
    lo = lo if lower is None else np.asarray(lower, dtype=np.float64)
    hi = hi if upper is None else np.asarray(upper, dtype=np.float64)
    for name, arr in (("lower", lo), ("upper", hi)):
        if arr.shape != (k,):
            issues.append(Issue((name,), "bad_shape", f"{name} must have shape ({k},).",
                                arr.shape))
    FactorError.collect(issues)
    if np.any(np.isnan(lo) | np.isnan(hi) | (lo < 0) | (lo > hi) | np.isinf(lo)):
        issues.append(Issue(("lower",), "bad_bounds",
                            "Need 0 <= lower <= upper, lower finite, no NaN.",
                            (lo.tolist(), hi.tolist())))
    elif not np.any(hi > 0):
        issues.append(Issue(("upper",), "empty", "Some upper bound must be > 0.", hi.tolist()))
    FactorError.collect(issues)
    return lo, hi


def _inputs(
    X: ArrayLike | pd.DataFrame, w0: ArrayLike | pd.Series
) -> tuple[F64, F64, list[object], list[str]]:
    if isinstance(X, pd.DataFrame):
        units, comps = list(X.index), [str(c) for c in X.columns]
        if isinstance(w0, pd.Series):
            w0 = w0.reindex(X.columns)
        x = X.to_numpy(dtype=np.float64)
    else:
        x = np.asarray(X, dtype=np.float64)
        units = list(range(x.shape[0])) if x.ndim == 2 else []
        comps = [f"c{j}" for j in range(x.shape[1])] if x.ndim == 2 else []
    w = np.asarray(w0, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 1 or w.shape != (x.shape[1],):
        msg = f"X must be (units x k) and w0 (k,). Got {x.shape} and {w.shape}."
        raise DataError([Issue(("X",), "bad_shape", msg, (x.shape, w.shape))])
    if not np.isfinite(x).all():
        rows = [units[i] for i in np.flatnonzero(~np.isfinite(x).all(axis=1))]
        raise DataError([Issue(("X",), "non_finite", f"X has NaN/inf in units {rows[:20]}; "
                               "impute first.", len(rows))])
    if np.any(~np.isfinite(w) | (w < 0)) or w.sum() <= 0:
        raise FactorError([Issue(("w0",), "bad_weights",
                                 "w0 must be finite, >= 0, with a positive sum.", w.tolist())])
    return x, w, units, comps


def _ranks_at(x: F64, w: F64) -> NDArray[np.int64]:
    s = x @ w
    return np.asarray(1 + (s[None, :] > s[:, None]).sum(axis=1), dtype=np.int64)


def _base_constraints(k: int, m: int, lo: F64, hi: F64) -> list[LinearConstraint]:
    """Rows over variables [w (k), t, z (m)]: sum(w) = 1, lo t <= w, w <= hi t."""
    rows, lbs, ubs = [np.r_[np.ones(k), 0.0, np.zeros(m)]], [1.0], [1.0]
    for j in range(k):
        if lo[j] > 0:
            rows.append(np.r_[-np.eye(k)[j], lo[j], np.zeros(m)])
            lbs.append(-np.inf)
            ubs.append(0.0)
        if np.isfinite(hi[j]):
            rows.append(np.r_[np.eye(k)[j], -hi[j], np.zeros(m)])
            lbs.append(-np.inf)
            ubs.append(0.0)
    return [LinearConstraint(np.array(rows), np.array(lbs), np.array(ubs))]


def _admissible(w0: F64, lo: F64, hi: F64) -> bool:
    """Whether some t >= 0 gives lo * t <= w0 <= hi * t."""
    with np.errstate(divide="ignore", invalid="ignore"):
        t_min = np.max(np.where(w0 > 0, w0 / hi, 0.0))
        t_max = np.min(np.where(lo > 0, w0 / lo, np.inf))
    return bool(t_min <= t_max * (1 + 1e-12))


def _solve_unit(
    d: F64, lo: F64, hi: F64, worst: bool, w0: F64 | None, time_limit: float | None = None
) -> tuple[F64, bool]:
    """Optimise the number of rivals clearly above u (rows of ``d`` are ``x_v - x_u``).

    Every rival whose order with u can flip gets a binary ``z_v`` and must be either
    clearly above (``d_v @ w >= tol``, z = 1) or clearly below (``d_v @ w <= -tol``,
    z = 0), so the optimum lies inside a cell of the arrangement and ranks
    re-evaluated in floating point agree. Returns the weights (NaN if none found) and
    whether HiGHS proved optimality.
    """
    k, tol = d.shape[1], STRICT_TOL
    mn, mx = weight_range(d, lo, hi)
    free = (mn <= -tol) & (mx >= tol)
    dv, m = d[free], int(free.sum())
    cons = _base_constraints(k, m, lo, hi)
    if m:
        pad, mnf, mxf = np.zeros((m, 1)), mn[free], mx[free]
        cons.append(LinearConstraint(np.hstack([dv, pad, -np.diag(tol - mnf)]), mnf, np.inf))
        cons.append(LinearConstraint(np.hstack([dv, pad, -np.diag(mxf + tol)]), -np.inf, -tol))
        cons.extend(_pair_cuts(dv, lo, hi, worst, tol, k))
        at_w0 = dv @ w0 if w0 is not None else np.zeros(0)
        if w0 is not None and np.all(np.abs(at_w0) >= tol):  # w0 is feasible: bound the optimum
            above = int(np.sum(at_w0 >= tol))
            row = np.r_[np.zeros(k + 1), np.ones(m)]
            cons.append(LinearConstraint(row, above if worst else 0, m if worst else above))
    sign = -1.0 if worst else 1.0
    res = milp(np.r_[np.zeros(k + 1), sign * np.ones(m)], constraints=cons,
               integrality=np.r_[np.zeros(k + 1), np.ones(m)],
               bounds=Bounds(np.zeros(k + 1 + m), np.r_[np.ones(k), np.inf, np.ones(m)]),
               options={} if time_limit is None else {"time_limit": float(time_limit)})
    if res.x is None:
        return np.full(k, np.nan), False
    w = np.clip(res.x[:k], 0.0, None)
    w[w < 1e-12] = 0.0
    return w / w.sum(), bool(res.status == 0)


def _pair_cuts(
    dv: F64, lo: F64, hi: F64, worst: bool, tol: float, k: int
) -> list[LinearConstraint]:
    """Conflict cuts between rivals; they tighten the big-M relaxation a lot.

    Best: ``z_v + z_w >= 1`` when ``(d_v + d_w) @ w > -2 tol`` on all of P (they
    cannot both be clearly below). Worst: ``z_v + z_w <= 1`` when ``(d_v + d_w) @ w <
    2 tol`` on all of P (they cannot both be clearly above).
    """
    m = dv.shape[0]
    if m < 2:
        return []
    iu, ju = np.triu_indices(m, 1)
    lo_s, hi_s = weight_range(dv[iu] + dv[ju], lo, hi)
    sel = hi_s < 2 * tol if worst else lo_s > -2 * tol
    a, b = iu[sel], ju[sel]
    if not len(a):
        return []
    rows = np.zeros((len(a), k + 1 + m))
    rows[np.arange(len(a)), k + 1 + a] = 1.0
    rows[np.arange(len(a)), k + 1 + b] = 1.0
    return [LinearConstraint(rows, -np.inf, 1.0) if worst else LinearConstraint(rows, 1.0, np.inf)]


def rank_bounds(
    X: ArrayLike | pd.DataFrame,
    w0: ArrayLike | pd.Series,
    *,
    rel: float | None = 0.5,
    lower: ArrayLike | None = None,
    upper: ArrayLike | None = None,
    units: Sequence[object] | None = None,
    time_limit: float | None = 60.0,
) -> pd.DataFrame:
    """Best and worst rank of each unit over all admissible weights (exact, by MILP).

    Parameters
    ----------
    X : array_like or DataFrame, shape (n_units, k)
        Component scores (no NaN). A DataFrame's index labels the units, its columns
        the components.
    w0 : array_like or Series, shape (k,)
        Nominal weights (>= 0; rescaled to sum to 1). A Series is aligned to X's columns.
    rel : float or None, default 0.5
        Relative move allowed on each unnormalised weight: ``w0 * (1 - rel) <= v <=
        w0 * (1 + rel)``. ``None`` (with no bounds): any non-negative weights.
    lower, upper : array_like, shape (k,), optional
        Explicit bounds on unnormalised weights (same scale as ``w0``); each replaces
        the side that ``rel`` would set (``0`` / ``inf`` when ``rel`` is None).
    units : sequence, optional
        Labels (DataFrame index) or positions of the units to solve; default all.
    time_limit : float or None, default 60
        Seconds allowed per MILP. On timeout the best weights found so far are used:
        the ranks reported are still attained, but ``optimal`` is False.

    Returns
    -------
    DataFrame
        Index ``unit``; columns ``nominal``, ``best``, ``worst`` (ranks, 1 = top, ties
        share the best rank), ``optimal`` (HiGHS proved both optima), then
        ``best_w_<c>`` and ``worst_w_<c>`` per component ``c``: effective weights
        (summing to 1) at which those ranks are attained.

    Raises
    ------
    DataError
        If X has NaN/inf or shapes do not match.
    FactorError
        If the weights or bounds are invalid.

    Notes
    -----
    One MILP per unit and direction. Each rival ``v`` whose order with u can flip
    gets a binary ``z_v`` and must be clearly above (``(x_v - x_u) @ w >= tol``) or
    clearly below (``<= -tol``); best minimises and worst maximises ``sum z``. The
    big-M constants are the exact min ``m_v`` and max ``M_v`` of ``(x_v - x_u) @ w``
    over the admissible set (:func:`weight_range`), the tightest possible; rivals
    whose range does not straddle ``[-tol, tol]`` get no binary; pairwise conflict
    cuts tighten the relaxation. ``tol`` is :data:`STRICT_TOL` on X rescaled to unit
    range. So the optima are *robust* ranks, reached on an open set of weights: a
    tie that occurs only at isolated weights (a vertex of the admissible set) does
    not count, while units tied for every admissible weight (identical scores) share
    their rank. Ranks are re-evaluated at the returned weights with exact floating
    point comparisons, so the weights attain them; when ``w0`` is admissible the
    nominal rank lies in ``[best, worst]``.

    Examples
    --------
    >>> X = [[1.0, 0.0], [0.0, 1.0], [0.4, 0.4]]
    >>> out = rank_bounds(X, [0.5, 0.5], rel=None)
    >>> out[["nominal", "best", "worst"]].to_numpy().tolist()
    [[1, 1, 3], [1, 1, 3], [3, 2, 3]]
    """
    x, w_raw, labels, comps = _inputs(X, w0)
    lo, hi = _box(w_raw, rel, lower, upper)
    w = w_raw / w_raw.sum()
    span = float(np.ptp(x))
    xs = (x - x.min()) / span if span > 0 else np.zeros_like(x)
    w_start = w if _admissible(w, lo, hi) else None
    nominal = _ranks_at(xs, w)
    rows = []
    for u in _positions(units, labels):
        d = np.delete(xs, u, axis=0) - xs[u]
        rows.append(_bounds_for_unit(xs, d, u, (lo, hi), w_start, int(nominal[u]), time_limit))
    out = pd.DataFrame(
        [(labels[u], nom, b, wst, ok, *wb, *ww) for u, nom, b, wst, ok, wb, ww in rows],
        columns=["unit", "nominal", "best", "worst", "optimal",
                 *[f"best_w_{c}" for c in comps], *[f"worst_w_{c}" for c in comps]],
    )
    return out.set_index("unit")


def _positions(units: Sequence[object] | None, labels: list[object]) -> list[int]:
    if units is None:
        return list(range(len(labels)))
    lookup = {lab: i for i, lab in enumerate(labels)}
    out, missing = [], []
    for u in units:
        if u in lookup:
            out.append(lookup[u])
        elif isinstance(u, (int, np.integer)) and 0 <= u < len(labels):
            out.append(int(u))
        else:
            missing.append(u)
    if missing:
        raise DataError([Issue(("units",), "unknown_unit", f"Unknown units: {missing[:20]}.",
                               len(missing))])
    return out


def _bounds_for_unit(
    xs: F64, d: F64, u: int, box: tuple[F64, F64], w0: F64 | None, nominal: int,
    time_limit: float | None,
) -> tuple[int, int, int, int, bool, F64, F64]:
    lo, hi = box
    w_best, ok_b = _solve_unit(d, lo, hi, False, w0, time_limit)
    w_worst, ok_w = _solve_unit(d, lo, hi, True, w0, time_limit)
    found_b, found_w = bool(np.isfinite(w_best).all()), bool(np.isfinite(w_worst).all())
    best = int(_ranks_at(xs, w_best)[u]) if found_b else nominal
    worst = int(_ranks_at(xs, w_worst)[u]) if found_w else nominal
    if w0 is not None:  # the nominal weights are admissible, so they bound both answers
        if not found_b or best > nominal:
            best, w_best = nominal, w0
        if not found_w or worst < nominal:
            worst, w_worst = nominal, w0
    return u, nominal, best, worst, ok_b and ok_w, w_best, w_worst
