"""Score quantiles of a Monte Carlo run's kept replications (the 5th and 95th
percentiles per unit, as ``np.quantile`` gives them on float64)."""

from __future__ import annotations

import warnings

import numpy as np

__all__ = ["score_quantiles"]


def score_quantiles(sample: np.ndarray, units_per_pass: int = 1024, complete: bool = False
                    ) -> tuple[np.ndarray, np.ndarray]:
    """5th and 95th percentiles per unit of the kept scores (failed rows left out), a
    slice of units at a time (temporaries of ``units_per_pass`` columns only).

    Equal to ``np.quantile`` on the scores as float64 (its linear rule: the order
    statistics either side of ``(n - 1) q``, interpolated as numpy does). Units with a
    score in every kept row are partitioned as they are kept (float32: the order
    statistics are the same values, in half the bytes); the others go to
    ``np.nanquantile``. ``complete``: the caller knows there is no NaN in ``sample``
    (every replication scored every unit), so it is not looked for.
    """
    whole = complete or not np.isnan(sample).any()
    rows = (np.arange(sample.shape[0]) if whole
            else np.flatnonzero(~np.isnan(sample).all(axis=1)))
    U = sample.shape[1]
    q = np.full((2, U), np.nan)
    if not rows.size:
        return q[0], q[1]
    qs = np.array([0.05, 0.95])
    v = (rows.size - 1) * qs  # numpy's virtual indices (linear)
    lo = np.floor(v).astype(np.intp)
    gamma = (v - lo)[:, None]
    for s in range(0, U, units_per_pass):
        # units in rows: each quantile partitions contiguous memory (one copy)
        x = np.ascontiguousarray((sample[:, s:s + units_per_pass] if whole
                                  else sample[rows, s:s + units_per_pass]).T)
        part = q[:, s:s + units_per_pass]
        gaps = np.zeros(x.shape[0], dtype=bool) if complete else np.isnan(x).any(axis=1)
        if (~gaps).any():
            a, b = _order_stats(x[~gaps] if gaps.any() else x, lo)
            d = b - a
            out = a + d * gamma
            np.subtract(b, d * (1 - gamma), out=out, where=np.broadcast_to(gamma >= 0.5,
                                                                          out.shape))
            part[:, ~gaps] = out
        if gaps.any():
            with warnings.catch_warnings():  # units without any score: NaN, as documented
                warnings.simplefilter("ignore", RuntimeWarning)
                part[:, gaps] = np.nanquantile(x[gaps].astype(float), [0.05, 0.95], axis=1)
    return q[0], q[1]


def _order_stats(x: np.ndarray, lo: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Order statistics ``lo`` and ``lo + 1`` (clipped to the last) of every row of
    ``x`` (partitioned in place), as float64 arrays of shape (len(lo), rows).

    One partition per ``lo`` at a single position, largest first, each on the part left
    of the previous one (numpy partitions at one position with a SIMD select; at several
    at once it takes about ten times as long). After partitioning at ``l`` the values
    right of ``l`` are the larger ones, so order statistic ``l + 1`` is their minimum.
    """
    n = x.shape[1]
    a, b = np.empty((lo.size, x.shape[0])), np.empty((lo.size, x.shape[0]))
    end, last = n, -1  # last: the quantile partitioned before
    for j in np.argsort(lo)[::-1]:
        k = int(lo[j])
        if last >= 0 and k == lo[last]:  # the same position as the previous quantile
            a[j], b[j] = a[last], b[last]
            continue
        left = x[:, :end]
        left.partition(k, axis=1)
        a[j] = left[:, k]
        if k + 1 < end:
            b[j] = left[:, k + 1:].min(axis=1)
        elif end < n:  # the next is where the previous partition put its own
            b[j] = x[:, end]
        else:  # the last value: numpy clips lo + 1 to it
            b[j] = a[j]
        end, last = k, int(j)
    return a, b
