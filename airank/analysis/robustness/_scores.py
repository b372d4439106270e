"""Score quantiles of a Monte Carlo run's kept replications (the 5th and 95th
percentiles per unit, as ``np.quantile`` gives them on float64)."""

from __future__ import annotations

import warnings

import numpy as np

__all__ = ["score_quantiles"]


def score_quantiles(sample: np.ndarray, units_per_pass: int = 1024
                     ) -> tuple[np.ndarray, np.ndarray]:
    """5th and 95th percentiles per unit of the kept scores (failed rows left out), a
    slice of units at a time (temporaries of ``units_per_pass`` columns only).

    Equal to ``np.quantile`` on the scores as float64 (its linear rule: the order
    statistics either side of ``(n - 1) q``, interpolated as numpy does). Units with a
    score in every kept row are partitioned as they are kept (float32: the order
    statistics are the same values, in half the bytes); the others go to
    ``np.nanquantile``.
    """
    missing = np.isnan(sample)
    rows = (np.flatnonzero(~missing.all(axis=1)) if missing.any()
            else np.arange(sample.shape[0]))
    U = sample.shape[1]
    q = np.full((2, U), np.nan)
    if not rows.size:
        return q[0], q[1]
    qs = np.array([0.05, 0.95])
    v = (rows.size - 1) * qs  # numpy's virtual indices (linear)
    lo = np.floor(v).astype(np.intp)
    hi = np.minimum(lo + 1, rows.size - 1)
    gamma = (v - lo)[:, None]
    kth = np.unique(np.concatenate([lo, hi]))  # (numpy adds the ends; values the same)
    for s in range(0, U, units_per_pass):
        # units in rows: each quantile partitions contiguous memory
        x = np.ascontiguousarray(sample[rows, s:s + units_per_pass].T)
        part = q[:, s:s + units_per_pass]
        gaps = np.isnan(x).any(axis=1)
        if (~gaps).any():
            full = x[~gaps] if gaps.any() else x
            full.partition(kth, axis=1)
            a = full[:, lo].T.astype(np.float64)
            b = full[:, hi].T.astype(np.float64)
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
