"""Ranking kernels for Monte Carlo: vectorised ranks, one rank-quantile rule, bounded memory.

:func:`rank_desc` turns score matrices (replications x units) into competition ranks
(1 = highest score, ties share the smallest rank). :class:`RankStats` accumulates chunks
of such ranks into per-unit rank counts, from which quantiles, means and shift shares
follow without storing the replications; accumulators from parallel workers merge.

The rank-quantile rule
----------------------
Every rank interval and every rank-change interval uses the **inverted empirical CDF**
(Hyndman & Fan's type 1, R's ``quantile(type = 1)``, numpy's ``method="inverted_cdf"``):
the q-quantile of ``n`` values is the smallest value ``v`` with ``F(v) >= q``, i.e. the
``k``-th smallest value with ``k = max(1, ceil(n * q))`` -- computed as numpy does, in
float64 (``ceil(n * q - 1)`` zero-based), so that results equal ``np.quantile(x, q,
method="inverted_cdf")`` to the bit. Why: the result is always one of the observed ranks
(an integer, never "rank 12.35"); it is exact from a count table (a cumulative count and
one search); it is monotone in ``q``; and it commutes with merging counts, so parallel or
chunked runs give the same intervals as one run. :func:`quantile_from_counts` applies it
to any table of integer values and counts (rank changes included).

COINr (``get_sensitivity``, R/sensitivity.R) reports ``stats::quantile(probs = 0.05/0.95)``
and ``stats::median``, R's default type 7: with ``h = (n - 1) q`` (zero-based) it
interpolates between ``x[floor(h)]`` and ``x[floor(h) + 1]``. The type 1 index
``ceil(nq) - 1`` is ``floor(h)`` or ``floor(h) + 1`` (because ``nq - 1 <= h <= nq``), so
both rules lie in the same gap of the sorted values: ``|Q1 - Q7| <= x[j + 1] - x[j]``,
``j = floor((n - 1) q)``, strictly less when that gap is positive; type 1 is the type 7
value moved to one end of its gap. The largest difference is therefore the largest gap
between neighbouring order statistics at the quantile: under one rank when a unit's
replications are dense in ranks (many more replications than ranks it visits), several
ranks where they are sparse. Measured (``benchmarks/bench_ranks.py``, ranks moving ~5 %
of ``n``, quantiles 0.05/0.5/0.95): at most 0.95 ranks for 1,000 units and 10,000
replications, 3.8 ranks for 10,000 units and 10,000 replications.

Memory
------
``RankStats(n_units, memory=2**30)`` keeps, for each unit, the counts of a *window* of
ranks ``[lo, hi]`` in one flat int32 table (a unit's ranks across replications usually span
a small range). When ranks fall outside, their units' ranks of that chunk wait in a small
*spill* (``memory / 32``) and the windows are rebuilt, with slack, once it fills up (or
before a read). The width of the bins is the narrowest power of two at which windows
covering every rank seen fit ``3/4`` of the rest of the budget (the last quarter is for
slack): 1 rank while possible, at most ``0.1 %`` of ``n_units``. Widths nest, so coarser
tables are exact sums of finer ones.

* ``width == 1``: quantiles, means and shift shares are exact, equal to a dense count
  table and to numpy on the stacked ranks. Always so while a dense table fits (up to
  13,956 units at 1 GiB) and, with narrower windows, far beyond.
* ``width > 1`` (sketch): a quantile is placed inside its bin as if the bin's ranks were
  evenly spread, so it is off by at most ``width - 1 < 0.001 * n_units`` ranks. The mean
  stays exact (a running sum). ``share_beyond(nominal, k)`` counts a bin cut by the
  threshold pro rata, so it lies between the exact shares for ``k + width - 1`` and
  ``k - width + 1``.

The width depends on the ranks seen alone (the narrowest fitting width, never lowered),
so chunks fed or merged in any order give the same width, counts and summary, byte for
byte. The accumulator's arrays never exceed ``memory`` (check :attr:`RankStats.nbytes`).
Transients come on top: a re-layout holds the old and the new table (at most twice the
window budget), and while the windows grow the old one's buffer is kept for the next
re-layout (fresh pages cost more to fault in than the copy; it is let go when the counts
are read); :meth:`RankStats.update` converts the whole chunk to int32 ranks
before adding any (a bad value anywhere adds nothing), :meth:`RankStats.update_order`
one pass of at most ``memory / 4`` bytes at a time. Measured peaks, state plus transients
(``benchmarks/bench_ranks.py``, December 2026): 791 MB for 10,000 units x 10,000
replications, the re-layouts' spare buffer included (the old dense table: 1.9 GB); 2.7 GB
fed as orders and 2.9 GB as rank rows for 100,000 units x 2,000 in 1,342-row chunks (old:
MemoryError). The worst case (every
window full at the widest bins) needs about ``5.5 KB * n_units``
(:func:`~._rankwindows.worst_case_bytes`): the default budget serves up to 156,800 units;
a smaller budget raises at construction.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from airank.errors import DataError, Issue

from . import _rankwindows as rw
from ._rankcheck import check_counts, check_q, order_index
from ._rankstats import DEFAULT_MEMORY, RankStats

__all__ = ["DEFAULT_MEMORY", "RankStats", "quantile_from_counts", "rank_desc"]


def rank_desc(scores: ArrayLike, axis: int = -1) -> NDArray[np.int64] | NDArray[np.float64]:
    """Rank scores from highest to lowest, ties sharing the best rank.

    The ranking is R's ``rank(-x, ties.method = "min", na.last = "keep")``
    (competition ranking, "1224"): rank 1 is the highest score, tied units all get
    the smallest rank of their group and the next unit skips accordingly. NaN
    scores get NaN ranks and do not count for the other units.

    Parameters
    ----------
    scores : array_like
        Scores, any shape; typically ``(n_replications, n_units)``.
    axis : int, default -1
        The axis along which units are ranked (each slice is ranked on its own).

    Returns
    -------
    numpy.ndarray
        Ranks, same shape as ``scores``: ``int64`` when there is no NaN, else
        ``float64`` with NaN where the score is NaN.

    Notes
    -----
    One unstable ``argsort`` per slice, then a vectorised fix-up: in sorted order a
    unit's rank is its position, or the position where its run of equal scores
    starts (a running maximum of the run starts).

    Examples
    --------
    >>> rank_desc([3.0, 5.0, 3.0, 1.0]).tolist()
    [2, 1, 2, 4]
    >>> rank_desc([[1.0, float("nan"), 2.0]]).tolist()
    [[2.0, nan, 1.0]]
    """
    x = np.asarray(scores, dtype=np.float64)
    if x.ndim == 0:
        raise DataError([Issue(("scores",), "not_array", "Scores must have at least 1 axis.", x)])
    moved = np.moveaxis(x, axis, -1)
    ranks = _rank_last_axis(moved)
    missing = np.isnan(moved)
    if missing.any():
        out = ranks.astype(np.float64)
        out[missing] = np.nan
        return np.moveaxis(out, -1, axis)
    return np.moveaxis(ranks, -1, axis)


def _rank_last_axis(x: NDArray[np.float64]) -> NDArray[np.int64]:
    # NaN sorts last after negation, so it never outranks a number.
    order = np.argsort(-x, axis=-1)
    ranked = np.take_along_axis(x, order, axis=-1)
    n = x.shape[-1]
    position = np.broadcast_to(np.arange(1, n + 1, dtype=np.int64), x.shape)
    tie = ranked[..., 1:] == ranked[..., :-1]
    if tie.any():
        position = position.copy()
        position[..., 1:][tie] = 0
        np.maximum.accumulate(position, axis=-1, out=position)
    ranks = np.empty(x.shape, dtype=np.int64)
    np.put_along_axis(ranks, order, position, axis=-1)
    return ranks


def quantile_from_counts(values: ArrayLike, counts: ArrayLike,
                         q: float | ArrayLike) -> NDArray[np.float64]:
    """Quantiles of integer values given as counts: the inverted empirical CDF (type 1).

    Parameters
    ----------
    values : array_like of int, shape (m,) or (rows, m)
        Distinct values in increasing order (shared by all rows, or one row each), e.g.
        ranks ``1..n`` or rank changes ``-(n-1)..n-1``.
    counts : array_like of int, shape (m,) or (rows, m)
        How often each value occurs (>= 0); zero counts are fine.
    q : float or 1-D array_like in [0, 1]

    Returns
    -------
    numpy.ndarray of float64
        Shape ``q.shape + counts.shape[:-1]``: for each row the smallest value ``v`` with
        ``F(v) >= q``, as ``np.quantile(..., method="inverted_cdf")`` gives on the
        expanded values; NaN for rows with no count.

    Examples
    --------
    >>> quantile_from_counts([1, 2, 3], [[5, 4, 1], [0, 0, 2]], [0.5, 0.95]).tolist()
    [[1.0, 3.0], [3.0, 3.0]]
    """
    qs = check_q(q)
    c = np.asarray(counts)
    v = np.asarray(values)
    check_counts(v, c)
    c2 = c.reshape(-1, c.shape[-1]).astype(np.int64)
    rows, m = c2.shape
    total = c2.sum(axis=1)
    targets = order_index(total, np.atleast_1d(qs)) + 1
    first = np.arange(rows, dtype=np.int64) * m
    idx, _, _ = rw.locate(c2.ravel(), first, np.minimum(targets, np.maximum(total, 1)))
    picked = np.broadcast_to(v, c.shape).reshape(-1, m).ravel()[idx]
    out = np.where(total > 0, picked, np.nan)
    shape = qs.shape + c.shape[:-1]
    return np.asarray(out.reshape(shape), dtype=np.float64)
