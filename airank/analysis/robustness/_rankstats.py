"""The :class:`RankStats` accumulator (re-exported by :mod:`.ranks`, which documents the
quantile rule, the memory layout and the accuracy)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from airank.errors import DataError, Issue

from . import _rankwindows as rw
from ._order import rank_offsets
from ._rankcheck import as_rank_matrix, check_order, ranks_from_order
from ._rankreads import RankReading

__all__ = ["DEFAULT_MEMORY", "RankStats"]

DEFAULT_MEMORY = 1 << 30
_MAX_REPLICATIONS = int(np.iinfo(np.int32).max)


class RankStats(RankReading):
    """Accumulate rank matrices into per-unit rank counts in bounded memory.

    Feed chunks of ranks, shape ``(chunk, n_units)`` as returned by :func:`rank_desc`,
    with :meth:`update` (ties and NaN allowed) or tie-free chunks as sort orders with
    :meth:`update_order`; read summaries at any time; :meth:`merge` accumulators of
    parallel workers. The storage, the quantile rule and the accuracy are described in
    the module docstring.

    Parameters
    ----------
    n_units : int
        Number of units (columns of every chunk); ranks lie in ``1..n_units``.
    units : sequence, optional
        Unit labels used by :meth:`summary`; default ``0..n_units-1``.
    memory : int, default 1 GiB
        Byte budget of the accumulator's arrays (see :attr:`nbytes`).

    Attributes
    ----------
    n_missing : numpy.ndarray of int64, shape (n_units,)
        Replications where the unit's rank was NaN.
    n_replications : int
        Replications fed so far.

    Raises
    ------
    DataError
        If ``memory`` is below the worst case for ``n_units`` (the message gives it).

    Examples
    --------
    >>> from airank.analysis.robustness.ranks import rank_desc
    >>> stats = RankStats(3)
    >>> stats.update(rank_desc([[3.0, 2.0, 1.0], [1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]))
    >>> stats.median().tolist()
    [3.0, 2.0, 1.0]
    >>> stats.quantile([0.05, 0.95]).tolist()
    [[1.0, 2.0, 1.0], [3.0, 2.0, 3.0]]
    """

    def __init__(self, n_units: int, units: Sequence[object] | None = None, *,
                 memory: int = DEFAULT_MEMORY) -> None:
        issues = []
        if not isinstance(n_units, (int, np.integer)) or n_units < 1:
            issues.append(Issue(("n_units",), "too_small", "n_units must be an integer >= 1.",
                                n_units))
        elif units is not None and len(units) != n_units:
            msg = f"units must have n_units={n_units} labels. Got {len(units)}."
            issues.append(Issue(("units",), "length_mismatch", msg, len(units)))
        elif not isinstance(memory, (int, np.integer)) or isinstance(memory, bool):
            issues.append(Issue(("memory",), "not_int", "memory must be a number of bytes "
                                f"(int). Got {memory!r}.", repr(memory)))
        elif memory < rw.worst_case_bytes(int(n_units)):
            need = rw.worst_case_bytes(int(n_units))
            msg = (f"memory must be at least {need:,} bytes for {n_units:,} units "
                   f"(every window full at bins of {rw.coarsest_width(int(n_units))} ranks). "
                   f"Got {memory:,}.")
            issues.append(Issue(("memory",), "too_small", msg, memory))
        DataError.collect(issues)
        n = int(n_units)
        self.n_units = n
        self.units: list[object] = list(units) if units is not None else list(range(n))
        self.memory = int(memory)
        # a small index starts with every rank of every unit (exact, never re-laid out);
        # a large one with empty windows that grow to the ranks seen
        full = n * n <= rw.DENSE_CELLS and n * (n * rw.ITEM + rw.PER_UNIT_BYTES) <= \
            rw.fit_memory(self.memory)
        self._layout = rw.Layout.of(1, np.zeros(n, np.int64), np.full(n, n if full else 0))
        self._table = np.zeros(self._layout.cells, dtype=rw.COUNT_DTYPE)
        self._seen_lo = np.full(n, n + 1, dtype=np.int64)
        self._seen_hi = np.zeros(n, dtype=np.int64)
        self._rank_sum = np.zeros(n, dtype=np.int64)
        self._n_valid = np.zeros(n, dtype=np.int64)
        self.n_missing = np.zeros(n, dtype=np.int64)
        self.n_replications = 0
        # ranks outside their unit's window, as (unit * n_bins + bin, count), until a re-layout
        self._spill_keys = np.zeros(0, dtype=np.int64)
        self._spill_counts = np.zeros(0, dtype=np.int64)
        self._spare: NDArray[np.int32] | None = None  # the buffer of the last re-layout

    # -- feeding ---------------------------------------------------------------------

    def update(self, ranks: ArrayLike) -> None:
        """Add a chunk of ranks, shape ``(chunk, n_units)``; NaN ranks count as missing.

        Raises DataError (and adds nothing) for a wrong shape or a rank that is not an
        integer in ``1..n_units``.
        """
        r = np.asarray(ranks)
        self._check_shape(r, "ranks")
        self._check_total(r.shape[0])
        rows = self._rows_per_pass()
        passes = [as_rank_matrix(r[i:i + rows], self.n_units, i) for i in range(0, len(r), rows)]
        for m, missing in passes:  # all checked before anything is added
            self._add(m, missing)

    def update_order(self, order: ArrayLike, *, ascending: bool = False) -> None:
        """Add a chunk given as orders, skipping the rank matrix (no ties, no NaN).

        ``order[r, j]`` is the unit ranked ``j + 1`` in replication ``r`` -- or, with
        ``ascending=True`` (``np.argsort`` of the scores as it comes), ranked ``n - j``.
        Each row must be a permutation of ``0..n_units-1``.
        """
        o = np.asarray(order)
        self._check_shape(o, "order")
        self._check_total(o.shape[0])
        check_order(o, self.n_units, full=len(o) > self._rows_per_pass())
        self._passes(o, ascending, check=True)

    def add_orders(self, order: NDArray[np.integer[Any]], *, ascending: bool = False,
                   nominal: NDArray[np.float64] | None = None) -> float:
        """:meth:`update_order` for orders known to be permutations (the engine's own,
        from a sort): not checked again. While every window is full, one ``bincount``
        of ``(rank - 1) * n + unit`` counts the chunk, with no rank matrix.

        Given ``nominal`` (a rank per unit), returns the chunk's summed
        ``|rank - nominal|`` over replications and units (from the counts or the rank
        matrix built anyway: no gather of ``nominal`` by the orders); else 0.0.
        """
        n = self.n_units
        if not order.shape[0]:
            return 0.0
        self._check_total(order.shape[0])
        if not self.dense or len(order) * n > 1 << 26:
            return self._passes(order, ascending, check=False, nominal=nominal)
        # keys (rank - 1) * n + unit, made in one pass over the chunk
        key = np.add(order, rank_offsets(n, ascending), dtype=np.int64)
        return self.add_counts(np.bincount(key.ravel(), minlength=n * n), len(order),
                               nominal)

    @property
    def dense(self) -> bool:
        """Whether every unit's window holds every rank and nothing is spilled: ranks
        may then be fed as counts (:meth:`add_counts`). A dense accumulator stays dense."""
        n = self.n_units
        return not self._spill_keys.size and self._layout.cells == n * n

    def add_counts(self, counts: NDArray[np.int64], rows: int,
                   nominal: NDArray[np.float64] | None = None) -> float:
        """Add ``rows`` tie-free replications given as their rank counts: ``counts``
        (length ``n * n``, rank-major: cell ``(rank - 1) * n + unit``, each unit counted
        ``rows`` times; :func:`~._order.count_ascending` makes them). Only while
        :attr:`dense`. Returns the summed ``|rank - nominal|`` as :meth:`add_orders`."""
        n = self.n_units
        assert self.dense and counts.shape == (n * n,)
        if not rows:
            return 0.0
        self._check_total(rows)
        by_unit = counts.reshape(n, n).T  # unit x rank-1 (the table is unit-major)
        table = self._table.reshape(n, n)
        np.add(table, by_unit, out=table, casting="unsafe")
        seen = by_unit > 0
        pos = np.arange(n, dtype=np.int64)
        self._seen_lo = np.minimum(self._seen_lo, seen.argmax(axis=1) + 1)
        self._seen_hi = np.maximum(self._seen_hi, n - seen[:, ::-1].argmax(axis=1))
        self._rank_sum += by_unit @ (pos + 1)
        self._n_valid += rows
        self.n_replications += rows
        if nominal is None:
            return 0.0
        return float((by_unit * np.abs((pos + 1) - nominal[:, None])).sum())

    def _passes(self, o: NDArray[np.integer[Any]], ascending: bool, *, check: bool,
                nominal: NDArray[np.float64] | None = None) -> float:
        """Orders counted in passes of :meth:`_rows_per_pass` rows, through a rank
        matrix each; ``check``: a row that is not a permutation raises (nothing of its
        pass added). Returns the summed shift as :meth:`add_orders`."""
        rows, shift = self._rows_per_pass(), 0.0
        for i in range(0, len(o), rows):
            m = ranks_from_order(o[i:i + rows], ascending)
            if check and m.size and m.min() == 0:
                check_order(o[i:i + rows], self.n_units, full=True, offset=i)
            shift += self._add(m, None, nominal)
        return shift

    def _check_shape(self, a: NDArray[Any], name: str) -> None:
        if a.ndim != 2 or a.shape[1] != self.n_units:
            msg = f"A chunk of {name} must have shape (chunk, {self.n_units}). Got {a.shape}."
            raise DataError([Issue((name,), "bad_shape", msg, a.shape)])

    def _check_total(self, extra: int) -> None:
        if self.n_replications + extra > _MAX_REPLICATIONS:
            msg = (f"At most {_MAX_REPLICATIONS:,} replications fit one accumulator. Got "
                   f"{self.n_replications + extra:,}.")
            raise DataError([Issue(("n_replications",), "too_many", msg, extra)])

    def _rows_per_pass(self) -> int:
        return max(1, self.memory // 4 // (4 * self.n_units))

    def _add(self, m: NDArray[np.int32], missing: NDArray[np.bool_] | None,
             nominal: NDArray[np.float64] | None = None) -> float:
        if not m.shape[0]:
            return 0.0
        n = self.n_units
        # unit-major from here: a unit's ranks are one run (the scatter reads whole runs of
        # units, not a strided column per row; the per-unit reductions are contiguous)
        mt = np.ascontiguousarray(m.T)
        gone = None if missing is None else np.ascontiguousarray(missing.T)
        shift = 0.0
        if nominal is not None:  # complete rows only (orders): |rank - nominal|, in slices
            step = max(1, (1 << 16) // m.shape[0])
            for a in range(0, n, step):
                shift += float(np.abs(mt[a:a + step] - nominal[a:a + step, None]).sum())
        if gone is None:
            low, high, valid = mt.min(axis=1), mt.max(axis=1), np.full(n, m.shape[0])
        else:
            low = np.where(gone, n + 1, mt).min(axis=1)
            high, valid = mt.max(axis=1), m.shape[0] - gone.sum(axis=1)
        seen_lo = np.minimum(self._seen_lo, low)
        seen_hi = np.maximum(self._seen_hi, high)
        lay = self._layout
        lo, hi = lay.window(lay.width)
        w = lay.width
        inside = (high < low) | (((low - 1) // w >= lo) & ((high - 1) // w <= hi))
        self._seen_lo, self._seen_hi = seen_lo, seen_hi
        skip = None
        if not inside.all():
            out = np.flatnonzero(~inside)
            if self._spill_keys.size + out.size * m.shape[0] <= rw.spill_cap(self.memory):
                # a few units left their windows: park their ranks, re-layout later
                keys, counts = rw.spill_keys(mt[out], None if gone is None else gone[out],
                                             out, w, n)
                self._spill_keys, self._spill_counts = rw.merge_keys(
                    self._spill_keys, self._spill_counts, keys, counts)
                skip = ~inside
            else:
                self._relayout()
        rw.scatter(self._table, self._layout, mt, gone, skip)
        self._rank_sum += mt.sum(axis=1, dtype=np.int64)
        self._n_valid += valid
        if gone is not None:
            self.n_missing += gone.sum(axis=1)
        self.n_replications += m.shape[0]
        return shift

    def _relayout(self) -> None:
        """New windows covering every rank seen (spill included); the width may grow."""
        budget = rw.window_memory(self.memory)
        width = rw.choose_width(self._seen_lo, self._seen_hi, self._layout.width, self.memory)
        assert width is not None, "the worst case was checked at construction"
        new = rw.plan([self._layout], self._seen_lo, self._seen_hi, width, budget, pad=True)
        table = self._blank(new.cells)
        rw.relayout_add(table, new, self._table, self._layout)
        rw.add_spill(table, new, self._spill_keys, self._spill_counts, self._layout.width,
                     self.n_units)
        self._spare = self._table.base if self._table.base is not None else self._table
        self._layout, self._table = new, table
        self._spill_keys = self._spill_keys[:0]
        self._spill_counts = self._spill_counts[:0]

    def _blank(self, cells: int) -> NDArray[np.int32]:
        """A zeroed table of ``cells``: in the buffer the last re-layout left behind when
        it is large enough, else in a new one with room to grow by half (within the
        window budget; its pages are only committed as they are used). While the windows
        grow, re-layouts thus take turns between two buffers instead of faulting in fresh
        pages each time -- which cost more than the copy itself."""
        spare, self._spare = self._spare, None
        if spare is not None and spare.size >= cells:
            table = spare[:cells]
            table.fill(0)
            return table
        room = max(cells, min(rw.window_memory(self.memory) // rw.ITEM, cells * 3 // 2))
        return np.zeros(room, dtype=rw.COUNT_DTYPE)[:cells]

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without the spare buffer, and the table as its own array."""
        state = dict(self.__dict__)
        state["_spare"] = None
        state["_table"] = np.array(self._table)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickled (a Dask task's accumulator, on the client): numpy gives each array a
        fresh copy of its dtype (``dtype.__reduce__`` asks for one; numpy issue 6422), and
        ``np.add.at`` takes its fast path only for the builtin dtypes -- 30 times slower
        otherwise, which made a merge at 20,000 units take 23 s. The arrays are viewed
        with the builtin dtypes (no copy)."""
        state = {k: rw.builtin(v) if isinstance(v, np.ndarray) else v
                 for k, v in state.items()}
        state["_layout"] = state["_layout"].builtin()
        self.__dict__.update(state)

    def _settled(self) -> tuple[rw.Layout, NDArray[np.int32]]:
        """Layout and table with the spill folded in (the width every reader sees); the
        spare buffer of the re-layouts is let go."""
        if self._spill_keys.size:
            self._relayout()
        self._spare = None
        return self._layout, self._table

    def merge(self, other: RankStats) -> RankStats:
        """A new accumulator holding both (e.g. from parallel workers); inputs unchanged.

        Exact whatever windows or widths the two grew; the result's width is the one a
        single accumulator fed all their chunks would have (budget: the smaller of the
        two), so merging in any order gives the same bytes.
        """
        issues = []
        if not isinstance(other, RankStats) or other.n_units != self.n_units:
            got = getattr(other, "n_units", type(other).__name__)
            msg = f"Can only merge a RankStats of {self.n_units} units. Got {got}."
            raise DataError([Issue(("other",), "length_mismatch", msg, got)])
        if other.units != self.units:
            issues.append(Issue(("other", "units"), "label_mismatch",
                                "Both accumulators must have the same unit labels.", None))
        DataError.collect(issues)
        self._check_total(other.n_replications)
        memory = min(self.memory, other.memory)
        budget = rw.window_memory(memory)
        seen_lo = np.minimum(self._seen_lo, other._seen_lo)
        seen_hi = np.maximum(self._seen_hi, other._seen_hi)
        start = max(self._layout.width, other._layout.width)
        width = rw.choose_width(seen_lo, seen_hi, start, memory)
        assert width is not None, "the worst case was checked at construction"
        layout = rw.plan([self._layout, other._layout], seen_lo, seen_hi, width, budget,
                         pad=False)
        out = RankStats(self.n_units, self.units, memory=memory)
        out._layout, out._table = layout, np.zeros(layout.cells, dtype=rw.COUNT_DTYPE)
        for part in (self, other):
            rw.relayout_add(out._table, layout, part._table, part._layout)
            rw.add_spill(out._table, layout, part._spill_keys, part._spill_counts,
                         part._layout.width, self.n_units)
        out._seen_lo, out._seen_hi = seen_lo, seen_hi
        out._rank_sum = self._rank_sum + other._rank_sum
        out._n_valid = self._n_valid + other._n_valid
        out.n_missing = self.n_missing + other.n_missing
        out.n_replications = self.n_replications + other.n_replications
        return out

    # -- reading ---------------------------------------------------------------------

    @property
    def width(self) -> int:
        """Ranks per bin: 1 while exact, a power of two <= 0.1% of ``n_units`` otherwise."""
        return self._settled()[0].width

    @property
    def exact(self) -> bool:
        """Whether counts are kept rank by rank (quantiles and shares exact)."""
        return self.width == 1

    @property
    def nbytes(self) -> int:
        """Bytes of the accumulator's counts and per-unit arrays (never above ``memory``).
        While its windows grow, the buffer of the last re-layout is kept too, for the next
        one (up to as much again; let go when the counts are read)."""
        arrays = (self._table, self._layout.lo, self._layout.size, self._layout.start,
                  self._seen_lo, self._seen_hi, self._rank_sum, self._n_valid, self.n_missing,
                  self._spill_keys, self._spill_counts)
        return sum(a.nbytes for a in arrays)
