"""The Monte Carlo run split into tasks: the same tasks run here or on a Dask cluster.

A :class:`Job` is everything a replication needs (the :class:`~.batch.Scorer`, the seed,
the nominal ranks, the unit groups) and pickles without the edition. Its replications
are cut into tasks of whole blocks (:meth:`Job.tasks`; blocks of :data:`BLOCK` draws,
each from its own child of the seed). The cut depends on ``n`` alone, never on the
number of workers.

:func:`run_task` evaluates one task and returns a :class:`Partial`: rank statistics
(exact integer counts, merged in any order) and per-task float sums (score sums, rank
shifts), which :class:`Totals` folds in task order. A local run folds the same tasks in
the same order, so a run on any number of Dask workers gives the same bytes as a local
one.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field

import numpy as np

from ._feed import Feed
from ._order import ascending_order
from .batch import Draws, Scorer, chunk_rows
from .ranks import DEFAULT_MEMORY, RankStats, rank_desc

__all__ = ["BLOCK", "MAX_TASKS", "Job", "Partial", "Totals", "drawn", "run_task"]

BLOCK = 4096  # draws per seed block
MAX_TASKS = 256  # a run is cut into at most this many tasks
SCORE_SAMPLE = 20_000  # at most this many replications' scores are kept (score quantiles)
SCORE_BYTES = 1 << 28  # ... and at most 256 MB of them (float32)

Drawer = Callable[[Scorer, int, int, int], Draws]


@dataclass(frozen=True, eq=False)
class Job:
    """One Monte Carlo run: what every task needs (picklable).

    Attributes
    ----------
    nominal : ndarray, shape (units,)
        Nominal index ranks (float).
    groups : ndarray of int, shape (units,), optional
        Group id per unit (-1: no group), when ranks within groups are asked for.
    group_nominal : ndarray, optional
        Nominal ranks within groups.
    reweight : (ratio, wanted), optional
        Weights rescaled as ``where(nominal > 0, W * ratio, wanted)`` after drawing
        (:func:`~.uncertainty.reweighted_intervals`).
    """

    scorer: Scorer
    draw: Drawer
    seed: int
    n: int
    nominal: np.ndarray
    groups: np.ndarray | None = None
    group_nominal: np.ndarray | None = None
    memory: int = DEFAULT_MEMORY
    reweight: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def n_units(self) -> int:
        return len(self.scorer.units)

    @property
    def keep(self) -> int:
        """Replications whose scores are kept for the score quantiles (the first ones)."""
        return int(min(self.n, SCORE_SAMPLE, max(1, SCORE_BYTES // (4 * self.n_units))))

    def tasks(self) -> list[range]:
        """Blocks of each task: consecutive, at most :data:`MAX_TASKS` tasks."""
        n_blocks = -(-self.n // BLOCK)
        per = -(-n_blocks // MAX_TASKS)
        return [range(b, min(b + per, n_blocks)) for b in range(0, n_blocks, per)]

    def new_stats(self) -> tuple[RankStats, RankStats | None]:
        units = list(self.scorer.units)
        stats = RankStats(self.n_units, units, memory=self.memory)
        gstats = (RankStats(self.n_units, units, memory=self.memory)
                  if self.groups is not None else None)
        return stats, gstats


@dataclass(eq=False)
class Partial:
    """What one task returns (see the module notes)."""

    task: int
    n: int
    stats: RankStats | None
    gstats: RankStats | None
    s1: np.ndarray
    s2: np.ndarray
    cnt: np.ndarray
    shift: float = 0.0
    n_failed: int = 0
    first_error: tuple[int, str] | None = None  # (replication, message)
    sample: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    keep_into: np.ndarray | None = field(default=None, repr=False)  # local: kept rows go here
    feeds: tuple[Feed, Feed] | None = field(default=None, repr=False)  # still counting

    def settle(self) -> None:
        """Wait until the task's ranks are counted; its shift is then complete."""
        if self.feeds is None:
            return
        feed, gfeed = self.feeds
        self.feeds = None
        try:
            feed.wait()
        finally:
            gfeed.wait()
        self.shift += feed.shift


def run_task(job: Job, task: int, blocks: range, *, stats: RankStats | None = None,
             gstats: RankStats | None = None, keep: np.ndarray | None = None,
             executor: Executor | None = None, settle: bool = True) -> Partial:
    """Evaluate the blocks of one task. Given ``stats`` (and ``gstats``), ranks are fed
    there (a local run's accumulators); otherwise the task makes its own. Given ``keep``
    (a local run's score sample), kept scores are written there, not returned. Given an
    ``executor`` (one thread), ranks are counted there while the next rows are scored
    (see :class:`Feed`; the same bytes); ``settle=False`` returns before the task's last
    passes are counted (the caller calls :meth:`Partial.settle`), so that counting
    overlaps the next task's scoring."""
    own = stats is None
    if own:
        stats, gstats = job.new_stats()
    assert stats is not None
    U = job.n_units
    p = Partial(task, 0, stats if own else None, gstats if own else None,
                np.zeros(U), np.zeros(U), np.zeros(U), keep_into=keep)
    step = chunk_rows(U)
    feed = Feed(stats, executor, job.nominal, counting=job.groups is None)
    gfeed = Feed(gstats, executor)
    p.feeds = (feed, gfeed)
    try:
        for b in blocks:
            d = drawn(job, b)
            for rows, scores, failures in job.scorer.chunks(d, step):
                _chunk(job, p, feed, gfeed, b * BLOCK + rows, scores, failures)
            p.n += len(d)
        feed.flush()
        gfeed.flush()
    except BaseException:  # nothing of this task left counting in the background
        p.settle()
        raise
    if settle:
        p.settle()
    return p


def drawn(job: Job, b: int) -> Draws:
    """The draws of block ``b`` (reweighted when the job says so)."""
    d = job.draw(job.scorer, job.seed, b, min(BLOCK, job.n - b * BLOCK))
    if job.reweight is not None:
        ratio, wanted = job.reweight
        d = d.reweighted(job.scorer.nominal_weights, ratio, wanted)
    return d


def _chunk(job: Job, p: Partial, stats: Feed, gstats: Feed,
           reps: np.ndarray, scores: np.ndarray, failures: list[tuple[np.ndarray, str]]
           ) -> None:
    for bad, msg in failures:
        p.n_failed += bad.size
        first = int(reps[bad].min())
        if p.first_error is None or first < p.first_error[0]:
            p.first_error = (first, msg)
    keep = job.keep
    # rows come in ascending replication order: the kept ones are a prefix
    kept = 0 if reps[0] >= keep else int(np.searchsorted(reps, keep))
    if kept:
        if p.keep_into is not None:
            p.keep_into[reps[:kept]] = scores[:kept]
        else:
            p.sample.append((reps[:kept], scores[:kept].astype(np.float32)))
    one = _ones(scores.shape[0])
    col = one @ scores  # no NaN in the sums: no NaN score (no separate pass)
    S, ok = scores, None  # the usual chunk: every replication scored every unit, no copy
    finite = bool(np.isfinite(col).all())
    if not finite and np.isnan(col).any():
        ok = ~np.isnan(scores)
        good = ok.any(axis=1)  # a failed replication is a row of NaN
        S, ok = scores[good], ok[good]
        if not S.shape[0]:
            return
    if ok is None:
        p.s1 += col
        p.s2 += one @ np.square(S)
        p.cnt += S.shape[0]
        # finite sums: no infinite score either (one would make its sum infinite or NaN)
        p.shift += _ranks(job, S, stats, gstats, finite=finite)
        return
    if ok.all():  # NaN sums from opposite infinities, no NaN score
        p.s1 += S.sum(axis=0)
        p.s2 += np.einsum("ij,ij->j", S, S)
        p.cnt += S.shape[0]
        p.shift += _ranks(job, S, stats, gstats)
        return
    S0 = np.where(ok, S, 0.0)
    p.s1 += S0.sum(axis=0)
    p.s2 += np.einsum("ij,ij->j", S0, S0)
    p.cnt += ok.sum(axis=0)
    full = ok.all(axis=1)
    if full.any():
        p.shift += _ranks(job, S[full], stats, gstats)
    ranks = rank_desc(S[~full], axis=1)  # some units without a score: NaN ranks
    stats.rank(ranks)
    if job.groups is not None:
        gstats.rank(_group_ranks_slow(job, S[~full]))


_ONES = np.ones(0)


def _ones(n: int) -> np.ndarray:
    """``n`` ones (read-only, shared): column sums of a slice as one BLAS product,
    ``ones @ scores``, three times as fast as ``scores.sum(axis=0)`` on slices of a few
    hundred replications (numpy adds them row by row). Threads of one process (Dask
    workers) may call it at once: each reads the shared array once and slices its own
    reference, so another thread's growing it never shortens what this one returns."""
    global _ONES
    ones = _ONES
    if ones.size < n:
        ones = np.ones(max(n, 2 * ones.size))
        ones.flags.writeable = False
        _ONES = ones
    return ones[:n]


def _ranks(job: Job, S: np.ndarray, stats: Feed, gstats: Feed, finite: bool = False
           ) -> float:
    """Feed the ranks of complete rows ``S``; return the summed mean absolute shift of
    the rows with ties (the feed sums the others' where it counts them). Rows without
    ties go by their sort order alone; rows with ties are ranked in full (ties share the
    best rank). ``finite``: every score is known to be finite."""
    U = S.shape[1]
    order: np.ndarray | None = None
    if stats.counting:  # counted as sorted (no groups): only tied rows go on below
        tied = stats.count(S, finite)
    else:
        order, tied = ascending_order(S, np.int32, finite)
    total = 0.0
    if tied.any():
        ranks = rank_desc(S[tied], axis=1)
        stats.rank(ranks)
        total += float(np.abs(ranks - job.nominal).sum())
        if job.groups is not None:
            gstats.rank(_group_ranks_slow(job, S[tied]))
        if order is not None:
            order = order[~tied]
    if order is not None and order.shape[0]:
        stats.order(order)
        if job.groups is not None:
            gstats.rank(_group_ranks(job, order))
    return float(total / U)


def _group_ranks(job: Job, order: np.ndarray) -> np.ndarray:
    """Ranks within groups (float; NaN without a group) from ascending orders without
    ties: a stable sort by group keeps each group's units in score order."""
    assert job.groups is not None
    g = job.groups
    gs = np.sort(g)
    size = np.bincount(g + 1)
    start = np.concatenate([[0], np.cumsum(size)[:-1]])
    p = np.arange(g.size)
    rank_at = np.where(gs >= 0, size[gs + 1] - (p - start[gs + 1]), np.nan)
    key = g.astype(np.int16 if g.max() < 2**15 else np.int32)[order]
    by_group = np.take_along_axis(order, np.argsort(key, axis=1, kind="stable"), axis=1)
    out = np.empty(order.shape)
    np.put_along_axis(out, by_group, np.broadcast_to(rank_at, order.shape), axis=1)
    return out


def _group_ranks_slow(job: Job, S: np.ndarray) -> np.ndarray:
    """Ranks within groups of rows that may have ties or NaN (ties share the best)."""
    assert job.groups is not None
    out = np.full(S.shape, np.nan)
    for gid in np.unique(job.groups[job.groups >= 0]):
        cols = np.flatnonzero(job.groups == gid)
        out[:, cols] = rank_desc(S[:, cols], axis=1)
    return out


@dataclass(eq=False)
class Totals:
    """Partials folded in task order (:meth:`add` any order; :meth:`result` at the end)."""

    job: Job
    stats: RankStats
    gstats: RankStats | None
    pending: dict[int, Partial] = field(default_factory=dict)
    next_task: int = 0
    s1: np.ndarray = field(init=False)
    s2: np.ndarray = field(init=False)
    cnt: np.ndarray = field(init=False)
    shift: float = 0.0
    n_failed: int = 0
    first_error: tuple[int, str] | None = None
    keep: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        U = self.job.n_units
        self.s1, self.s2, self.cnt = np.zeros(U), np.zeros(U), np.zeros(U)
        self.keep = np.empty((self.job.keep, U), dtype=np.float32)  # every row gets written

    def add(self, p: Partial) -> None:
        """Merge the rank statistics now (exact, any order); fold the floats in order."""
        if p.stats is not None:
            self.stats = self.stats.merge(p.stats)
            p.stats = None
        if p.gstats is not None and self.gstats is not None:
            self.gstats = self.gstats.merge(p.gstats)
            p.gstats = None
        self.pending[p.task] = p
        while self.next_task in self.pending:
            q = self.pending.pop(self.next_task)
            self.s1 += q.s1
            self.s2 += q.s2
            self.cnt += q.cnt
            self.shift += q.shift
            self.n_failed += q.n_failed
            if q.first_error is not None and (self.first_error is None
                                              or q.first_error[0] < self.first_error[0]):
                self.first_error = q.first_error
            for reps, rows in q.sample:
                self.keep[reps] = rows
            self.next_task += 1
