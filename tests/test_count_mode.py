"""Ranks counted as they are sorted (``count_ascending``, ``RankStats.add_counts``): the
same counts, shifts and summaries as the orders they replace, in a whole run too."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import airank
from airank.analysis.robustness import _feed
from airank.analysis.robustness import _montecarlo as mc
from airank.analysis.robustness import uncertainty as unc
from airank.analysis.robustness._order import COUNT_UNITS, ascending_order, count_ascending
from airank.analysis.robustness.designs import default_factors
from airank.analysis.robustness.ranks import RankStats, rank_desc
from airank.analysis.robustness.uncertainty import uncertainty
from airank.errors import DataError

from .test_scale import skewed

rows = hnp.arrays(np.float64, st.tuples(st.integers(0, 8), st.integers(1, 40)),
                  elements=st.one_of(st.floats(-1e6, 1e6), st.sampled_from(
                      [0.0, -0.0, 1.0, 1.0 + 2**-40, 1.0 + 2**-50, np.inf, -np.inf])))


@settings(max_examples=300, deadline=None)
@given(rows)
def test_counts_are_the_ranks_of_the_tie_free_rows(x):
    """Counted by hand from ``rank_desc``: each tie-free row adds one to (rank, unit) of
    every unit; a tied row adds nothing and is reported, as ``ascending_order`` does."""
    n = x.shape[1]
    counts = np.zeros(n * n, dtype=np.int64)
    tied = count_ascending(x, counts, finite=bool(np.isfinite(x).all()))
    _, want_tied = ascending_order(x)
    np.testing.assert_array_equal(tied, want_tied)
    want = np.zeros((n, n), dtype=np.int64)  # rank - 1, unit
    for r in np.flatnonzero(~want_tied):
        ranks = rank_desc(x[r][None, :])[0].astype(int)
        want[ranks - 1, np.arange(n)] += 1
    np.testing.assert_array_equal(counts.reshape(n, n), want)


def test_counts_accumulate_over_calls_and_passes(monkeypatch):
    """Many passes per call (a small pass size) and several calls add up."""
    from airank.analysis.robustness import _order

    monkeypatch.setattr(_order, "_CACHE_CELLS", 7 * 30)  # 7 rows a pass
    rng = np.random.default_rng(3)
    n = 30
    counts = np.zeros(n * n, dtype=np.int64)
    xs = [rng.random((r, n)) for r in (50, 1, 13)]
    for x in xs:
        assert not count_ascending(x, counts, finite=True).any()
    ranks = rank_desc(np.concatenate(xs)).astype(int)
    want = np.zeros((n, n), dtype=np.int64)
    np.add.at(want, (ranks - 1, np.broadcast_to(np.arange(n), ranks.shape)), 1)
    np.testing.assert_array_equal(counts.reshape(n, n), want)


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 40), rows=st.integers(0, 50))
def test_add_counts_equals_add_orders(seed, n, rows):
    """The same table, seen ranks, means, quantiles and summed shift as the orders."""
    x = np.random.default_rng(seed).random((rows, n))
    nominal = np.random.default_rng(seed + 1).integers(1, n + 1, n).astype(float)
    a, b = RankStats(n), RankStats(n)
    assert a.dense
    counts = np.zeros(n * n, dtype=np.int64)
    count_ascending(x, counts)
    shift_a = a.add_counts(counts, rows, nominal)
    order, _ = ascending_order(x)
    shift_b = b.add_orders(order, ascending=True, nominal=nominal)
    assert shift_a == shift_b
    np.testing.assert_array_equal(a.counts, b.counts)
    np.testing.assert_array_equal(a._seen_lo, b._seen_lo)
    np.testing.assert_array_equal(a._seen_hi, b._seen_hi)
    assert a.n_replications == b.n_replications == rows
    pd.testing.assert_frame_equal(a.summary(nominal, 2), b.summary(nominal, 2))


def test_windowed_accumulators_are_not_dense(monkeypatch):
    """Windows that start empty (a large index) hold no full table, so no counts: the
    feed then keeps orders."""
    from airank.analysis.robustness import _rankwindows as rw

    assert RankStats(50).dense
    monkeypatch.setattr(rw, "DENSE_CELLS", 0)
    stats = RankStats(50)
    assert not stats.dense
    assert not _feed.Feed(stats, counting=True).counting
    assert _feed.Feed(RankStats(COUNT_UNITS + 1), counting=True).counting is False


@pytest.fixture(scope="module")
def small_edition():
    spec, frame = skewed(n_units=120)  # <= COUNT_UNITS: counted as sorted
    assert 120 <= COUNT_UNITS
    return airank.Edition.of(spec, airank.read_data(frame, spec))


def _orders_only(monkeypatch):
    init = _feed.Feed.__init__
    monkeypatch.setattr(_feed.Feed, "__init__", lambda self, *a, **k: init(
        self, *a, **{**k, "counting": False}))
    monkeypatch.setattr(unc, "counts_as_sorted", lambda stats, counting: False)


@pytest.mark.parametrize("name", ["asem", "small"])
def test_a_run_counted_as_sorted_gives_the_bytes_of_orders(name, small_edition, monkeypatch):
    """Whole runs, ties included: counting as sorted (inline: no second thread)
    changes nothing against orders counted on the thread -- summary and mean shift to
    the byte."""
    if name == "asem":
        spec, data = airank.datasets.asem()
        ed = airank.Edition.of(spec, data)
    else:
        ed = small_edition
    fs = default_factors(ed.spec)
    monkeypatch.setattr(_feed, "FEED_CELLS", 120 * 700)  # several passes per task
    monkeypatch.setattr(unc, "THREAD_CELLS", 0)  # orders: counted on the thread
    threads: list[int] = []
    real = unc.ThreadPoolExecutor

    def pool(*a, **kw):
        threads.append(1)
        return real(*a, **kw)

    monkeypatch.setattr(unc, "ThreadPoolExecutor", pool)
    calls: list[int] = []

    def spy(scores, counts, finite=False):
        calls.append(len(scores))
        return count_ascending(scores, counts, finite)

    monkeypatch.setattr(_feed, "count_ascending", spy)
    counted = uncertainty(ed, fs, n=9000, seed=3)
    assert sum(calls) == 9000  # every replication went through the counts
    assert not threads  # counted where they are sorted
    with monkeypatch.context() as m:
        _orders_only(m)
        ordered = uncertainty(ed, fs, n=9000, seed=3)
    assert sum(calls) == 9000 and threads == [1]
    pd.testing.assert_frame_equal(counted.to_frame(), ordered.to_frame())
    assert counted.mean_abs_shift == ordered.mean_abs_shift


def test_counting_failures_reach_the_caller(small_edition, monkeypatch):
    """An error raised while adding a pass's counts (on the counting thread) is raised
    to the caller once the task's passes are done; nothing is left counting."""
    calls: list[int] = []
    add = RankStats.add_counts

    def fails_first(self, counts, rows, nominal=None):
        calls.append(rows)
        if len(calls) == 1:
            raise DataError([], "planted")
        return add(self, counts, rows, nominal)

    monkeypatch.setattr(RankStats, "add_counts", fails_first)
    monkeypatch.setattr(_feed, "FEED_CELLS", 120 * 500)
    fs = default_factors(small_edition.spec)
    job = unc._job(unc.Plan(small_edition, fs), 6, 3000, None, 1 << 30)
    stats, gstats = job.new_stats()
    with ThreadPoolExecutor(max_workers=1) as pool, pytest.raises(DataError, match="planted"):
        mc.run_task(job, 0, job.tasks()[0], stats=stats, gstats=gstats, executor=pool)
    assert len(calls) > 1  # the passes after the failing one were still counted
