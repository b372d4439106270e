"""The group step of the scoring kernel (:mod:`airank.kernel`): one group's scores from
its children for many replications, by the registry entry of its mean."""

from __future__ import annotations

from typing import Any

import numpy as np

from .aggregate import Aggregator, aggregator
from .errors import DataError, Issue

Array = np.ndarray


def extended_sum(terms: Array, axis: int, extended: bool) -> Array:
    """Sums over ``axis``; in extended precision, rounded once to double, when asked.

    The extended sum is (almost always) the correctly rounded sum whatever the order of
    the children, so units tied in exact arithmetic stay tied; it is also how R sums,
    which makes our scores and ranks equal COINr's.
    """
    if extended:
        total: Array = np.sum(terms.astype(np.longdouble), axis=axis)
        return total.astype(float)
    return np.asarray(np.sum(terms, axis=axis))


def group_scores(V: Array, Wk: Array, agg: Aggregator, p: Any, precise: bool
           ) -> tuple[Array, Array, Array]:
    """One group's scores (units x R) from its children ``V`` (units x k shared by every
    replication, or units x R x k) and their weights ``Wk`` (R x k).

    Returns the scores, the replications that fail the positivity need and, for those,
    the offending unit rows.
    """
    present = ~np.isnan(V)
    R = Wk.shape[0]
    hit = np.zeros(R, dtype=bool)
    rows = np.empty(0, dtype=np.int64)
    if agg.positive(p):
        nonpos = present & (V <= 0)
        if nonpos.any():
            if V.ndim == 2:
                cols = nonpos.any(axis=0)
                hit = np.asarray((Wk[:, cols] > 0).any(axis=1))
                rows = np.flatnonzero(nonpos[:, Wk.max(axis=0) > 0].any(axis=1))
            else:
                weighs = nonpos & (Wk[None, :, :] > 0)
                hit = np.asarray(weighs.any(axis=(0, 2)))
                rows = np.flatnonzero(weighs.any(axis=(1, 2)))
            V = np.where(nonpos, 1.0, V)
    if agg.function is not None:  # a general method: one replication (checked by caller)
        Vr = V if V.ndim == 2 else V[:, 0, :]
        y = agg.function(Vr, Wk[0], p)[:, None]
        den = np.where(present if V.ndim == 2 else present[:, 0, :], Wk[0], 0.0).sum(
            axis=1)[:, None]
    else:
        assert agg.transform is not None and agg.inverse is not None
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            T = np.where(present, agg.transform(np.where(present, V, 1.0), p), 0.0)
            if V.ndim == 2 and not precise:
                den = present.astype(float) @ Wk.T
                M = (T @ Wk.T) / den
            else:
                Wb = np.where(present, Wk[None, :, :], 0.0) if V.ndim == 3 else np.where(
                    present[:, None, :], Wk[None, :, :], 0.0)
                Tb = T if V.ndim == 3 else T[:, None, :]
                den = Wb.sum(axis=2)
                M = (extended_sum(Tb * (Wb / den[:, :, None]), 2, agg.linear) if precise
                     else (Tb * Wb).sum(axis=2) / den)
            y = agg.inverse(M, p)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = den / Wk.sum(axis=1)[None, :]
    keep = (den > 0) & (share >= p.min_share - 1e-12)
    return np.where(keep, y, np.nan), hit, rows


def aggregate_group(X: Array, w: Array, method: str, params: Any) -> Array:
    """One group's score (units,) from its children ``X`` (units x children) and their
    weights ``w``, by the registry entry of ``method`` -- the kernel's own group step.

    Raises
    ------
    DataError
        When the method needs values > 0 and a child with weight > 0 is not.
    """
    y, hit, rows = group_scores(np.asarray(X, dtype=float),
                                np.asarray(w, dtype=float)[None, :], aggregator(method),
                                params, precise=True)
    if hit.any():
        raise DataError([Issue(("aggregate",), "non_positive", f"The {method} mean needs "
                               f"values > 0; rows {rows.tolist()[:10]} have a child <= 0.",
                               rows.tolist())])
    return np.asarray(y[:, 0])
