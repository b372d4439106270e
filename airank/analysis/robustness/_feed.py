"""Ranks on their way to a :class:`~.ranks.RankStats`: gathered into passes, counted in
order on one thread while the next replications are scored (:class:`Feed`)."""

from __future__ import annotations

from collections import deque
from concurrent.futures import Executor, Future

import numpy as np

from ._order import COUNT_UNITS, count_ascending
from .ranks import RankStats

__all__ = ["FEED_CELLS", "IN_FLIGHT", "Feed", "counts_as_sorted"]

FEED_CELLS = 1 << 24  # ranks gathered before they reach an accumulator (64 MB of int32)
IN_FLIGHT = 2  # passes a feed may have waiting for the counting thread (while it re-lays out)


def counts_as_sorted(stats: RankStats | None, counting: bool) -> bool:
    """Whether a feed of ``stats`` counts rows as they are sorted (:meth:`Feed.count`):
    asked to (``counting``: no ranks within groups) and a dense accumulator of at most
    :data:`~._order.COUNT_UNITS` units."""
    return counting and stats is not None and stats.n_units <= COUNT_UNITS and stats.dense


class Feed:
    """Ranks gathered into passes of about :data:`FEED_CELLS` before they reach the
    accumulator, whose per-call work is then amortised over many replications (its
    counts do not depend on how the replications are cut into chunks).

    With ``counting`` (no ranks within groups wanted) and a dense accumulator of at most
    :data:`~._order.COUNT_UNITS` units, tie-free rows are counted as they are sorted
    (:meth:`count`): a pass is then a table of rank counts, not a list of orders.

    Given an ``executor`` (one thread, shared by a run's feeds), each pass is counted
    there while the caller scores the next replications. A feed keeps at most
    :data:`IN_FLIGHT` passes waiting (the scoring runs ahead while the accumulator
    re-lays out), and one thread takes them in the order they were made, so the
    accumulator receives the same calls in the same order as without it (same bytes).
    """

    def __init__(self, stats: RankStats | None, executor: Executor | None = None,
                 nominal: np.ndarray | None = None, counting: bool = False) -> None:
        self.stats = stats
        self.executor = executor
        self.nominal = nominal  # given: sum |rank - nominal| / units of the fed orders
        self.shift = 0.0
        self.pending: deque[Future[None]] = deque()
        self.orders: list[np.ndarray] = []
        self.ranks: list[np.ndarray] = []
        self.cells = 0
        n = 0 if stats is None else stats.n_units
        self.counting = counts_as_sorted(stats, counting)
        self.counts = np.zeros(n * n if self.counting else 0, dtype=np.int64)
        self.counted = 0  # rows in ``counts``

    def count(self, scores: np.ndarray, finite: bool) -> np.ndarray:
        """Count the tie-free rows of ``scores`` (complete, no NaN) in this pass's table
        (:func:`~._order.count_ascending`); returns which rows are tied (not counted)."""
        tied = count_ascending(scores, self.counts, finite)
        rows = len(scores) - int(np.count_nonzero(tied))
        self.counted += rows
        self._grow(rows * scores.shape[1])
        return tied

    def order(self, order: np.ndarray) -> None:
        """Ascending orders of tie-free rows (kept, not copied, when int32)."""
        self.orders.append(order.astype(np.int32, copy=False))
        self._grow(order.size)

    def rank(self, ranks: np.ndarray) -> None:
        """Rank rows (float, NaN: no rank)."""
        self.ranks.append(np.asarray(ranks, dtype=np.float32))
        self._grow(ranks.size)

    def _grow(self, cells: int) -> None:
        self.cells += cells
        if self.cells >= FEED_CELLS:
            self.flush()

    def flush(self) -> None:
        """Hand the gathered rows to the accumulator (first waiting, with an executor,
        until fewer than :data:`IN_FLIGHT` passes are waiting)."""
        orders, ranks, counts, counted = self.orders, self.ranks, self.counts, self.counted
        self.orders, self.ranks, self.cells = [], [], 0
        if counted:
            self.counts, self.counted = np.zeros_like(counts), 0
        if self.stats is None or not (orders or ranks or counted):
            return
        if self.executor is None:
            self._count(orders, ranks, counts, counted)
            return
        while len(self.pending) >= IN_FLIGHT:
            self.pending.popleft().result()
        self.pending.append(self.executor.submit(self._count, orders, ranks, counts, counted))

    def wait(self) -> None:
        """Until every pass in flight is counted (the first error, if any, raised here)."""
        errors = []
        while self.pending:
            error = self.pending.popleft().exception()
            if error is not None:
                errors.append(error)
        if errors:
            raise errors[0]

    def _count(self, orders: list[np.ndarray], ranks: list[np.ndarray],
               counts: np.ndarray, counted: int) -> None:
        assert self.stats is not None
        if counted:
            total = self.stats.add_counts(counts, counted, nominal=self.nominal)
            self.shift += total / self.stats.n_units
        if orders:
            order = np.concatenate(orders)
            total = self.stats.add_orders(order, ascending=True, nominal=self.nominal)
            self.shift += total / order.shape[1]
        if ranks:
            self.stats.update(np.concatenate(ranks))
