"""Exact sort orders of score rows, about twice as fast as ``np.argsort`` at scale.

``np.argsort`` of a row of 84,000 floats takes about three times as long as ``np.sort``
of it (numpy sorts values with SIMD kernels; an argsort moves indices). The order is
recovered from a value sort instead: each score's lowest ``b`` mantissa bits
(``2**b >= units``) are replaced by the unit's position, so one float64 sort carries
the positions along, and the positions are read back from the sorted keys.

Clearing low mantissa bits is monotone (towards zero, within a sign), so keys whose
kept bits differ come in the order of their scores; only scores that agree in every kept
bit (relative difference below ``2**(b - 52)``, 3e-11 at 131,072 units) may come out of
order or be tied. Such pairs are neighbours with equal kept bits in the sorted keys; each
run of them is sorted by its scores in place (a few positions: sorting the whole row
again with ``np.argsort`` cost more than the first sort, in one row of six at 84,000
units), and rows without one are exact and free of ties by construction. A row with an
infinite score (its key would be a NaN, whose payload a SIMD sort does not keep) is
sorted by ``np.argsort``.

Every buffer of a pass is allocated once per call (fresh pages per row cost more than
the arithmetic on them).

:func:`count_ascending` goes one step further for a Monte Carlo run of up to
:data:`COUNT_UNITS` units: each pass's orders, still in cache, become keys
``(rank - 1) * units + unit`` counted by one ``np.add.at`` into a table of rank counts,
and no order array is written or read back (:meth:`~.ranks.RankStats.add_counts` takes
the table).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

__all__ = ["ascending_order", "count_ascending", "rank_offsets"]

_CACHE_CELLS = 1 << 16  # keys sorted per pass (512 KB)
COUNT_UNITS = 256  # count_ascending takes at most this many units (a table of 65,536 cells)


def rank_offsets(n: int, ascending: bool = True) -> np.ndarray:
    """``(rank - 1) * n`` of each sorted position of a row of ``n`` (rank 1 the highest
    score; ``ascending``: the order of an ascending sort): added to the unit at each
    position, the count keys ``(rank - 1) * n + unit`` of every rank table here."""
    pos = np.arange(n, dtype=np.int64)
    return (pos[::-1] if ascending else pos) * n


def ascending_order(scores: np.ndarray, dtype: type = np.intp, finite: bool = False
                    ) -> tuple[np.ndarray, np.ndarray]:
    """The ascending order of every row of ``scores`` (R x units, no NaN) and whether
    the row has equal scores: ``scores[r, order[r]]`` is non-decreasing. ``dtype``: the
    order's integer type (``np.int32`` halves the bytes written and read downstream).
    ``finite``: the caller knows every score is finite (e.g. from finite column sums),
    so the rows are not checked for infinities.

    Equal scores come in an unspecified order (as ``np.argsort``'s default); rank the
    rows marked ``tied`` with :func:`~.ranks.rank_desc`.
    """
    x = np.asarray(scores, dtype=np.float64)
    order: np.ndarray = np.empty(x.shape, dtype=dtype)
    tied = _sorted_rows(x, finite, order, None)
    return order, tied


def count_ascending(scores: np.ndarray, counts: np.ndarray, finite: bool = False
                    ) -> np.ndarray:
    """Count the ranks of the tie-free rows of ``scores`` (R x n units, no NaN, n <=
    :data:`COUNT_UNITS`) into ``counts`` (int64, n * n, rank-major: cell
    ``(rank - 1) * n + unit``, rank 1 the highest score); return which rows are tied
    (not counted). The rows' orders, as :func:`ascending_order` finds them, are counted
    pass by pass while they are in cache (one ``np.add.at`` per pass), never written out.
    """
    x = np.asarray(scores, dtype=np.float64)
    n = x.shape[1]
    assert n <= COUNT_UNITS and counts.shape == (n * n,) and counts.dtype == np.int64
    return _sorted_rows(x, finite, None, counts)


def _sorted_rows(x: np.ndarray, finite: bool, order: np.ndarray | None,
                 counts: np.ndarray | None) -> np.ndarray:
    """Sort the rows of ``x`` by key (see the module notes): each pass's orders go to
    ``order`` or, given ``counts``, are counted there (tie-free rows); returns ``tied``."""
    R, n = x.shape
    tied = np.zeros(R, dtype=bool)
    if n < 2 or R == 0:
        if order is not None:
            order[:] = 0
        elif counts is not None and n == 1:
            counts[0] += R
        return tied
    step = max(1, _CACHE_CELLS // n)
    rows = min(step, R)
    c = _keys(n, step)
    buf, hi_buf = np.empty((rows, n)), np.empty((rows, n), dtype=np.uint64)
    flag_buf = np.empty((0 if finite else rows, n), dtype=bool)
    eq_buf = np.empty(rows * n, dtype=bool)
    odd = np.zeros(R, dtype=bool)
    # counting: a pass's orders in a buffer, then keys (n - 1 - position) * n + unit
    key_buf = np.empty((rows, n), dtype=np.int64) if order is None else None
    for i in range(0, R, step):
        j = min(i + step, R)
        m = (j - i) * n
        part, hi = buf[: j - i], hi_buf[: j - i]
        out = order[i:j] if order is not None else key_buf[: j - i]  # type: ignore[index]
        np.add(x[i:j], 0.0, out=part)  # -0.0 -> +0.0: equal scores, equal keys
        # a non-finite score would make a NaN key, and SIMD sorts do not keep NaN payloads
        flagged = False  # a row of this pass is odd or tied
        if not finite:
            ok = np.isfinite(part, out=flag_buf[: j - i])
            if not ok.all():  # reductions per row only when needed: they cost most here
                odd[i:j] = ~ok.all(axis=1)
                flagged = True
        k = part.view(np.uint64)
        np.bitwise_and(k, c.high, out=k)
        np.bitwise_or(k, c.pos[: j - i], out=k)  # same shapes: one flat loop
        part.sort(axis=1)
        if out.dtype == np.int64:  # the same bits, without a buffered cast
            np.bitwise_and(k.view(np.int64), c.ilow, out=out)
        else:
            np.bitwise_and(k, c.low, out=out, casting="unsafe")
        # equal kept bits: the only neighbours that may be out of order or tied
        np.right_shift(k, c.shift, out=hi)
        # neighbours compared flat (one loop), the pairs across two rows then cleared:
        # eq[r, p] is position p against p + 1 of row r, eq[r, n - 1] False
        flat = hi.reshape(-1)
        np.equal(flat[1:], flat[:-1], out=eq_buf[: m - 1])
        eq_buf[n - 1: m: n] = False
        if eq_buf[:m].any():
            flagged = True
            eq = eq_buf[:m].reshape(j - i, n)
            for r in np.flatnonzero(eq.any(axis=1)):
                if not odd[i + r]:
                    tied[i + r] = _mend_runs(x[i + r], out[r], np.flatnonzero(eq[r]))
        if counts is not None:
            np.add(out, c.rank[: j - i], out=out)
            skip = (tied[i:j] | odd[i:j]) if flagged else None
            _count(counts, out[~skip] if skip is not None and skip.any() else out)
    for r in (np.flatnonzero(odd) if not finite else ()):
        o = np.argsort(x[r])
        v = x[r, o]
        tied[r] = bool((v[1:] == v[:-1]).any())
        if order is not None:
            order[r] = o
        elif not tied[r]:
            _count(counts, o + c.rank[0])  # type: ignore[arg-type]
    return tied


@dataclass(frozen=True)
class _Keys:
    """What the keys of rows of ``n`` units need, per pass of ``rows`` rows: the bits
    that carry the position (``low``; ``shift`` of them; ``high`` the rest, ``ilow`` as
    int64) and ``rows`` copies of each position (uint64) and of :func:`rank_offsets`
    (int64), as (rows, n) arrays: a pass combines them with its keys in one flat loop,
    where a broadcast row costs a loop per row (read-only)."""

    shift: np.uint64
    low: np.uint64
    high: np.uint64
    ilow: np.int64
    pos: np.ndarray
    rank: np.ndarray


@lru_cache(maxsize=8)
def _keys(n: int, rows: int) -> _Keys:
    bits = int(n - 1).bit_length()
    low = np.uint64((1 << bits) - 1)
    pos = np.ascontiguousarray(np.broadcast_to(np.arange(n, dtype=np.uint64), (rows, n)))
    rank = np.ascontiguousarray(np.broadcast_to(rank_offsets(n), (rows, n)))
    pos.flags.writeable = rank.flags.writeable = False
    return _Keys(np.uint64(bits), low, ~low, np.int64(low), pos, rank)


def _count(counts: np.ndarray, keys: np.ndarray) -> None:
    """Add one to ``counts`` at every key (``np.add.at``: a third faster than
    ``np.bincount`` on a pass of keys here, which scans for their range first)."""
    if keys.size:
        np.add.at(counts, keys.ravel(), 1)


def _mend_runs(x: np.ndarray, order: np.ndarray, eq: np.ndarray) -> bool:
    """Sort, by their scores, each run of sorted positions whose keys agree in every kept
    bit (``eq``: positions ``j`` equal to ``j + 1``); keys with different kept bits are
    already in score order, so this makes the row exact. Returns whether it has ties
    (equal scores agree in every bit, so they sit in one run)."""
    cells = np.union1d(eq, eq + 1)  # every position of a run, in order
    run = np.cumsum(np.concatenate([[1], np.diff(cells) > 1]))
    units = order[cells]
    vals = x[units]
    by = np.lexsort((vals, run))  # runs stay in place, each sorted by score
    order[cells] = units[by]
    v, g = vals[by], run[by]
    return bool(((v[1:] == v[:-1]) & (g[1:] == g[:-1])).any())
