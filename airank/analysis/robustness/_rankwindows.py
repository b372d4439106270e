"""Storage behind :class:`~airank.analysis.robustness.ranks.RankStats`: per-unit rank windows.

A :class:`Layout` keeps, for every unit ``u``, the counts of bins ``lo[u] .. lo[u] + size[u]
- 1`` in one flat int32 table, unit ``u``'s segment being ``table[start[u]:start[u + 1]]``.
Bin ``i`` holds ranks ``i * width + 1 .. (i + 1) * width``; ``width`` is a power of two, 1
for exact counts. Everything here is vectorised over units; the only Python loops run over
groups of about :data:`GROUP_CELLS` table cells (cache-sized work), never over units or
replications.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["COUNT_DTYPE", "DENSE_CELLS", "PER_UNIT_BYTES", "Layout", "add_spill", "builtin",
           "choose_width", "coarsest_width", "count_le", "fit_memory", "locate", "merge_keys",
           "plan", "relayout_add", "scatter", "select_ranks", "spill_keys", "worst_case_bytes"]

COUNT_DTYPE = np.int32
ITEM = 4  # bytes per table cell
PER_UNIT_BYTES = 9 * 8  # lo, size, start, seen lo/hi, rank sum, n_valid, n_missing (int64)
GROUP_CELLS = 1 << 16  # table cells per scatter group (its counts stay in L2)
DENSE_CELLS = 1 << 20  # up to this many units x ranks, every window starts full (exact)
CHUNK_CELLS = 1 << 20  # table cells per relayout step (bounded temporaries)
SLICE_CELLS = 128  # re-layout: average slice length from which slices are copied one by one
TOLERANCE = 0.001  # sketch: bins no wider than this share of the units
SPILL_SHARE = 32  # 1/32 of the budget holds ranks that fell outside their unit's window

Ints = NDArray[np.int64]


def coarsest_width(n_units: int) -> int:
    """The widest bin allowed: the largest power of two <= ``TOLERANCE * n_units`` (>= 1)."""
    limit = max(1, int(n_units * TOLERANCE))
    return 1 << (limit.bit_length() - 1)


def worst_case_bytes(n_units: int) -> int:
    """The smallest budget for ``n_units``: a dense table at the coarsest width, the
    per-unit arrays and the spill reserve."""
    bins = -(-n_units // coarsest_width(n_units))
    need = n_units * bins * ITEM + n_units * PER_UNIT_BYTES
    lo, hi = need * 4 // 3 + need // (SPILL_SHARE - 1), 2 * need + 64
    while lo < hi:  # the smallest budget from lo on whose fit_memory holds need (monotone)
        mid = (lo + hi) // 2
        if fit_memory(mid) < need:
            lo = mid + 1
        else:
            hi = mid
    return lo


def window_memory(memory: int) -> int:
    """Bytes of a budget left for the windows (the rest is the spill reserve)."""
    return memory - memory // SPILL_SHARE


def fit_memory(memory: int) -> int:
    """Bytes the tight windows may take when the width is chosen: 3/4 of the window
    budget, so that slack (fewer re-layouts) fits in the rest."""
    return window_memory(memory) * 3 // 4


def spill_cap(memory: int) -> int:
    """Entries (16 bytes each) the spill may hold."""
    return memory // SPILL_SHARE // 16


@dataclass(frozen=True, eq=False)
class Layout:
    """Bin width, per-unit windows (first bin, number of bins) and segment offsets."""

    width: int
    lo: Ints
    size: Ints
    start: Ints
    groups: tuple[int, ...]

    @classmethod
    def of(cls, width: int, lo: Ints, size: Ints) -> Layout:
        """The layout of windows ``lo .. lo + size - 1`` (bins of ``width`` ranks)."""
        start = np.zeros(lo.size + 1, dtype=np.int64)
        np.cumsum(size, out=start[1:])
        runs = _chunks(start, GROUP_CELLS)
        return cls(width, lo, size, start, (0, *(b for _, b in runs)))

    @property
    def cells(self) -> int:
        """Cells of the table."""
        return int(self.start[-1])

    def runs(self, cells: int = GROUP_CELLS) -> Iterator[tuple[int, int, int, int]]:
        """Non-empty runs of units as ``(first unit, end unit, first cell, end cell)``,
        each spanning about ``cells`` table cells (the scatter groups by default)."""
        bounds = self.groups if cells == GROUP_CELLS else (
            0, *(b for _, b in _chunks(self.start, cells)))
        for a, b in itertools.pairwise(bounds):
            s, e = int(self.start[a]), int(self.start[b])
            if e > s:
                yield a, b, s, e

    def builtin(self) -> Layout:
        """The same layout, its arrays viewed with numpy's builtin dtypes (see
        :func:`builtin`)."""
        return dataclasses.replace(self, lo=builtin(self.lo), size=builtin(self.size),
                                   start=builtin(self.start))

    def window(self, width: int) -> tuple[Ints, Ints]:
        """Windows as inclusive bin bounds at a coarser ``width`` (empty: ``lo > hi``)."""
        s = (width // self.width).bit_length() - 1
        empty = self.size == 0
        lo = np.where(empty, np.iinfo(np.int64).max, self.lo >> s)
        hi = np.where(empty, -1, (self.lo + self.size - 1) >> s)
        return lo, hi


def builtin(a: NDArray[Any]) -> NDArray[Any]:
    """``a`` viewed with numpy's builtin instance of its (numeric) dtype: an unpickled
    array carries a copy of it, which sends ``np.add.at`` down its slow path."""
    return a.view(a.dtype.type) if a.dtype.kind in "biuf" else a


def _tight(seen_lo: Ints, seen_hi: Ints, width: int) -> tuple[Ints, Ints]:
    """Windows (inclusive bins) covering exactly the ranks seen."""
    empty = seen_hi < seen_lo
    lo = np.where(empty, np.iinfo(np.int64).max, (seen_lo - 1) // width)
    hi = np.where(empty, -1, (seen_hi - 1) // width)
    return lo, hi


def _size(lo: Ints, hi: Ints) -> Ints:
    return np.asarray(np.maximum(hi - lo + 1, 0), dtype=np.int64)


def choose_width(seen_lo: Ints, seen_hi: Ints, at_least: int, memory: int) -> int | None:
    """The narrowest width >= ``at_least`` (powers of two) at which windows covering the
    seen ranks fit :func:`fit_memory` of the budget ``memory``."""
    n = seen_lo.size
    width, last = at_least, coarsest_width(n)
    while width <= last:
        lo, hi = _tight(seen_lo, seen_hi, width)
        if int(_size(lo, hi).sum()) * ITEM + n * PER_UNIT_BYTES <= fit_memory(memory):
            return width
        width *= 2
    return None


def plan(old: Sequence[Layout], seen_lo: Ints, seen_hi: Ints, width: int, memory: int, *,
         pad: bool) -> Layout:
    """New windows at ``width`` covering the seen ranks and, if they fit, the ``old`` windows.

    With ``pad``, windows that grew get a quarter of their width of slack on each side
    (fewer re-layouts while the tails fill in). Falls back to the unpadded union, then to
    the seen ranks alone, whichever first fits ``memory``.
    """
    n = seen_lo.size
    n_bins = -(-n // width)
    lo, hi = _tight(seen_lo, seen_hi, width)
    tight = (lo, hi)
    for layout in old:
        a, b = layout.window(width)
        lo, hi = np.minimum(lo, a), np.maximum(hi, b)
    options = [(lo, hi), tight]
    if pad and old:
        a, b = old[0].window(width)
        grew = (lo < a) | (hi > b)
        for share in (16, 8, 4):  # the widest slack that fits is tried first
            slack = np.where(grew, -(-_size(lo, hi) // share), 0)
            options.insert(0, (np.maximum(lo - slack, 0), np.minimum(hi + slack, n_bins - 1)))
    for lo_, hi_ in options:
        size = _size(lo_, hi_)
        if int(size.sum()) * ITEM + n * PER_UNIT_BYTES <= memory:
            break
    return Layout.of(width, np.where(size > 0, lo_, 0), size)


def _chunks(start: Ints, cells: int) -> list[tuple[int, int]]:
    """Runs of units whose segments span about ``cells`` table cells."""
    n = start.size - 1
    cuts = np.searchsorted(start[:-1], np.arange(0, start[-1], cells), side="left")
    g = np.unique(np.concatenate([[0], cuts, [n]])).tolist()
    return list(itertools.pairwise(g))


def relayout_add(dst_table: NDArray[np.int32], dst: Layout, src_table: NDArray[np.int32],
                 src: Layout) -> None:
    """Add the counts of ``src`` into ``dst`` (same or coarser width; windows must cover
    every counted rank). Works in runs of about ``CHUNK_CELLS`` source cells."""
    s = (dst.width // src.width).bit_length() - 1
    to_dst = dst.start[:-1] - dst.lo  # dst cell = to_dst[u] + dst bin
    to_bin = src.lo - src.start[:-1]  # src bin = to_bin[u] + src cell
    src_lo, src_hi = src.window(dst.width)
    inside = (src.size == 0) | ((src_lo >= dst.lo) & (src_hi < dst.lo + dst.size))
    for a, b, c, e in src.runs(CHUNK_CELLS):
        if not inside[a:b].all():
            _add_clipped(dst_table, dst, src_table, src, s, (a, b, c, e))
        elif s == 0:
            _add_shifted(dst_table, src_table, src, (to_dst + to_bin)[a:b], (a, b, c, e))
        else:
            pos = np.repeat(to_dst[a:b], src.size[a:b]) + (
                (np.repeat(to_bin[a:b], src.size[a:b]) + np.arange(c, e)) >> s)
            _add_binned(dst_table, pos, src_table[c:e])


def _add_shifted(dst_table: NDArray[np.int32], src_table: NDArray[np.int32], src: Layout,
                 delta: Ints, run: tuple[int, int, int, int]) -> None:
    """Same width, windows covered: dst cell = src cell + delta[u].

    Neighbouring units with one delta form a slice; slices of >= ``SLICE_CELLS`` cells on
    average are copied one by one (a memcpy each beats ~10 ns a cell of fancy indexing),
    shorter ones with one fancy-indexed add.
    """
    a, b, c, e = run
    size = src.size[a:b]
    live = np.flatnonzero(size)
    d = delta[live]
    cuts = np.flatnonzero(np.diff(d)) + 1
    if (cuts.size + 1) * SLICE_CELLS > e - c:
        pos = np.repeat(delta, size) + np.arange(c, e)
        dst_table[pos] += src_table[c:e]
        return
    starts = src.start[a:b][live]
    ends = starts + size[live]
    for i, j in itertools.pairwise([0, *cuts.tolist(), d.size]):
        c0, c1, k = int(starts[i]), int(ends[j - 1]), int(d[i])
        dst_table[c0 + k:c1 + k] += src_table[c0:c1]


def _add_binned(dst_table: NDArray[np.int32], pos: Ints, vals: NDArray[np.int32]) -> None:
    """Add ``vals`` at cells ``pos`` (repeats summed): ``np.add.at``'s integer fast path,
    about 2 ns a cell with no temporary of the table's size (a weighted ``bincount``
    summed in float64 and swept the destination; ``reduceat`` is slower still)."""
    np.add.at(dst_table, pos, vals.astype(dst_table.dtype, copy=False))


def _add_clipped(dst_table: NDArray[np.int32], dst: Layout, src_table: NDArray[np.int32],
                 src: Layout, s: int, run: tuple[int, int, int, int]) -> None:
    """Some source windows reach past the new ones: drop those (empty) cells."""
    a, b, c, e = run
    size = src.size[a:b]
    coarse = (np.repeat(src.lo[a:b] - src.start[a:b], size) + np.arange(c, e)) >> s
    first = np.repeat(dst.lo[a:b], size)
    keep = (coarse >= first) & (coarse < first + np.repeat(dst.size[a:b], size))
    vals = src_table[c:e]
    if vals[~keep].any():
        raise AssertionError("re-layout: a new window misses counted ranks")
    pos = (np.repeat(dst.start[a:b], size) + coarse - first)[keep]
    _add_binned(dst_table, pos, vals[keep])


def add_spill(dst_table: NDArray[np.int32], dst: Layout, keys: Ints, counts: Ints,
              width: int, n_units: int) -> None:
    """Add spilled counts (keys ``unit * n_bins + bin`` at ``width``) into ``dst``."""
    n_bins = -(-n_units // width)
    s = (dst.width // width).bit_length() - 1
    _add_bins(dst_table, dst, keys // n_bins, (keys % n_bins) >> s, counts)


def _add_bins(table: NDArray[np.int32], layout: Layout, u: Ints, bins: Ints,
              counts: Ints) -> None:
    offset = bins - layout.lo[u]
    if np.any((offset < 0) | (offset >= layout.size[u])):
        raise AssertionError("re-layout: a new window misses counted ranks")
    np.add.at(table, layout.start[u] + offset, counts.astype(table.dtype))


def spill_keys(ranks: NDArray[np.int32], missing: NDArray[np.bool_] | None, units: Ints,
               width: int, n_units: int) -> tuple[Ints, Ints]:
    """Distinct keys ``unit * n_bins + bin`` and their counts for the units ``units``
    (``ranks`` and ``missing`` unit-major: one row per unit of ``units``)."""
    n_bins = -(-n_units // width)
    keys = units[:, None] * n_bins + (ranks.astype(np.int64) - 1) // width
    flat = keys.ravel() if missing is None else keys[~missing]
    uniq, counts = np.unique(flat, return_counts=True)
    return uniq, counts.astype(np.int64)


def merge_keys(k1: Ints, c1: Ints, k2: Ints, c2: Ints) -> tuple[Ints, Ints]:
    """Union of two key/count lists, counts summed."""
    uniq, inv = np.unique(np.concatenate([k1, k2]), return_inverse=True)
    counts = np.zeros(uniq.size, dtype=np.int64)
    np.add.at(counts, inv, np.concatenate([c1, c2]))
    return uniq, counts


def scatter(table: NDArray[np.int32], layout: Layout, ranks: NDArray[np.int32],
            missing: NDArray[np.bool_] | None, skip: NDArray[np.bool_] | None = None) -> None:
    """Count a unit-major rank matrix (units x replications, 1-based; 0 where
    ``missing``) into ``table``. Units flagged in ``skip`` (their ranks went to the
    spill) are left out.

    Groups of units whose segments span about ``GROUP_CELLS`` cells are counted with
    ``np.add.at`` (its integer fast path: a few ns a rank, and nothing of the table's or a
    group's size is allocated or swept -- a ``bincount`` per group swept the whole table
    on every call, which cost most when the table is large and a chunk short). A group's
    ranks are one contiguous run, and each unit's keys fall in its own window.
    """
    shift = layout.width.bit_length() - 1
    base = (layout.start[:-1] - layout.lo - 1)[:, None]
    one = table.dtype.type(1)
    for a, b, _, _ in layout.runs():
        if skip is not None and skip[a:b].all():
            continue
        block = ranks[a:b]
        if shift:
            block = block - 1
            block >>= shift
            key = block + (base[a:b] + 1)
        else:
            key = block + base[a:b]
        keep = None
        if missing is not None:
            keep = ~missing[a:b]
        if skip is not None and skip[a:b].any():
            live = np.broadcast_to(~skip[a:b, None], key.shape)
            keep = live if keep is None else keep & live
        np.add.at(table, key.ravel() if keep is None else key[keep], one)


def locate(cells: Ints, first: Ints, targets: Ints) -> tuple[Ints, Ints, Ints]:
    """Find the ``targets``-th item (1-based) of each segment of ``cells``.

    ``first[j]`` is where segment ``j`` begins; ``targets`` has shape ``(..., len(first))``.
    Returns the cell holding the item, the items of its segment before that cell, and the
    cumulative count before each segment.
    """
    cum = np.cumsum(cells, dtype=np.int64)
    before = np.where(first > 0, cum[np.maximum(first - 1, 0)], 0)
    idx = np.minimum(np.searchsorted(cum, before + targets, side="left"), cum.size - 1)
    prior = np.where(idx > 0, cum[np.maximum(idx - 1, 0)], 0) - before
    return idx, prior, before


def select_ranks(table: NDArray[np.int32], layout: Layout, targets: Ints,
                 n_units: int) -> NDArray[np.float64]:
    """Rank of the ``targets``-th smallest (1-based) valid rank of every unit.

    ``targets`` has shape ``(n_q, n_units)``, each in ``1..n_valid``. Width 1 gives the
    exact order statistic; wider bins place it inside its bin as if the bin's ranks were
    spread evenly (always within the bin: off by less than ``width``).
    """
    out = np.full(targets.shape, np.nan)
    w = layout.width
    for a, b, s, e in layout.runs(CHUNK_CELLS):
        first = layout.start[a:b] - s
        idx, prior, _ = locate(table[s:e].astype(np.int64), first, targets[:, a:b])
        bins = layout.lo[a:b] + idx - first
        if w == 1:
            out[:, a:b] = bins + 1
            continue
        lo_rank = bins * w + 1
        span = np.minimum(lo_rank + w - 1, n_units) - lo_rank + 1
        inside = targets[:, a:b] - prior
        c = np.maximum(table[s + idx], 1)
        out[:, a:b] = lo_rank + np.floor((inside - 0.5) * span / c)
    return out


def count_le(table: NDArray[np.int32], layout: Layout, x: Ints, n_units: int,
             total: Ints) -> NDArray[np.float64]:
    """Per unit, the number of valid ranks <= ``x[u]`` (a bin cut by ``x`` counts pro rata)."""
    out = np.zeros(x.size)
    w = layout.width
    for a, b, s, e in layout.runs(CHUNK_CELLS):
        cells = table[s:e].astype(np.int64)
        cum = np.cumsum(cells)
        first = layout.start[a:b] - s
        before = np.where(first > 0, cum[np.maximum(first - 1, 0)], 0)
        xs = np.clip(x[a:b], 0, n_units)
        rel = (xs - 1) // w - layout.lo[a:b]
        size = layout.size[a:b]
        cell = first + np.clip(rel, 0, np.maximum(size - 1, 0))
        through = np.where(size > 0, cum[np.minimum(cell, cum.size - 1)] - before, 0)
        if w > 1:
            lo_rank = (layout.lo[a:b] + rel) * w + 1
            span = np.minimum(lo_rank + w - 1, n_units) - lo_rank + 1
            cut = (lo_rank + span - 1 - xs) / span  # share of the bin above x
            through = through - np.where(size > 0, cells[np.minimum(cell, cum.size - 1)], 0) * cut
        part = np.where(rel < 0, 0.0, np.where(rel >= size, total[a:b], through))
        out[a:b] = np.where(xs <= 0, 0.0, part)
    return out
