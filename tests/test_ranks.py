"""Tests for airank.analysis.robustness.ranks: rank_desc, the type 1 rank-quantile rule,
RankStats (exact windows, the binned sketch, merging) and its input checks."""

from __future__ import annotations

import itertools
import pickle
from unittest import mock

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from scipy.stats import rankdata

from airank.analysis.robustness import _rankwindows as rw
from airank.analysis.robustness.ranks import RankStats, quantile_from_counts, rank_desc
from airank.errors import DataError

QS = [0.0, 0.05, 0.1, 0.25, 0.5, 0.73, 0.95, 1.0]


# -- rank_desc ---------------------------------------------------------------------------

def test_rank_desc_competition_ties():
    assert rank_desc([3.0, 5.0, 3.0, 1.0]).tolist() == [2, 1, 2, 4]
    assert rank_desc([2, 2, 2]).tolist() == [1, 1, 1]


def test_rank_desc_int_dtype_without_nan():
    assert rank_desc(np.array([[1.0, 2.0]])).dtype == np.int64


def test_rank_desc_nan_gets_nan_and_does_not_count():
    r = rank_desc([[1.0, np.nan, 2.0, 2.0]])
    assert r.dtype == np.float64
    np.testing.assert_array_equal(r, [[3.0, np.nan, 1.0, 1.0]])


@pytest.mark.parametrize("levels", [None, 7])
def test_rank_desc_matches_scipy_min_method(levels):
    rng = np.random.default_rng(1)
    x = rng.random((500, 51))
    if levels:
        x = np.round(x * levels)  # many ties
    np.testing.assert_array_equal(rank_desc(x), rankdata(-x, axis=1, method="min"))


def test_rank_desc_other_axis():
    x = np.random.default_rng(2).random((20, 5))
    np.testing.assert_array_equal(rank_desc(x, axis=0), rank_desc(x.T).T)


def test_rank_desc_rejects_scalar():
    with pytest.raises(DataError, match="at least 1 axis"):
        rank_desc(3.0)


# -- the quantile rule -------------------------------------------------------------------

def test_quantile_from_counts_by_hand():
    # row 0 holds 1,1,1,1,1,2,2,2,2,3: F(1) = 0.5, so the median is 1; F(2) = 0.9 < 0.95
    out = quantile_from_counts([1, 2, 3], [[5, 4, 1], [0, 0, 2]], [0.5, 0.95])
    np.testing.assert_array_equal(out, [[1, 3], [3, 3]])
    assert quantile_from_counts([-2, 0, 5], [1, 1, 1], 0.34).item() == 0.0  # F(-2) = 1/3
    assert np.isnan(quantile_from_counts([1, 2], [[0, 0]], 0.5)[0])


@given(seed=st.integers(0, 2**32 - 1), rows=st.integers(1, 6), m=st.integers(1, 9),
       q=st.lists(st.floats(0, 1), min_size=1, max_size=4))
def test_quantile_from_counts_equals_numpy_inverted_cdf(seed, rows, m, q):
    rng = np.random.default_rng(seed)
    values = np.sort(rng.choice(np.arange(-20, 21), size=m, replace=False))
    counts = rng.integers(0, 6, size=(rows, m))
    counts[:, rng.integers(m)] += 1  # no empty row
    got = quantile_from_counts(values, counts, q)
    for i in range(rows):
        expanded = np.repeat(values, counts[i])
        np.testing.assert_array_equal(got[:, i], np.quantile(expanded, q, method="inverted_cdf"))


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 40), q=st.floats(0, 1))
def test_type1_and_coinr_type7_share_one_gap(seed, n, q):
    # COINr reports R's type 7; both rules lie between x[j] and x[j + 1], j = floor((n-1)q)
    x = np.sort(np.random.default_rng(seed).integers(1, 30, size=n))
    t1 = np.quantile(x, q, method="inverted_cdf")
    t7 = np.quantile(x, q)
    j = int(np.floor((n - 1) * q))
    gap = x[min(j + 1, n - 1)] - x[j]
    assert x[j] <= t1 <= x[min(j + 1, n - 1)]
    assert abs(t1 - t7) < gap + 1e-9 if gap else t1 == t7


def test_quantile_from_counts_rejects_bad_input():
    with pytest.raises(DataError) as err:
        quantile_from_counts([3, 1], [[1, -1]], 0.5)
    text = str(err.value)
    assert "increasing" in text and ">= 0" in text  # both problems at once
    with pytest.raises(DataError, match=r"in \[0, 1\]"):
        quantile_from_counts([1, 2], [1, 1], 1.5)
    with pytest.raises(DataError, match="integer array"):
        quantile_from_counts([1, 2], [0.5, 1.0], 0.5)


# -- RankStats: exact against the stacked ranks and a dense count table ---------------

def _dense(ranks, n):
    ok = ~np.isnan(ranks)
    u = np.broadcast_to(np.arange(n), ranks.shape)[ok]
    return np.bincount(u * n + ranks[ok].astype(int) - 1, minlength=n * n).reshape(n, n)


def _reference_share(ranks, nominal, k):
    ok = ~np.isnan(ranks)
    hits = ((np.abs(ranks - nominal) > k) & ok).sum(axis=0)
    with np.errstate(invalid="ignore"):
        return hits / ok.sum(axis=0)


def _blocks(seed, n, rows, levels, nan_share):
    rng = np.random.default_rng(seed)
    x = rng.random((rows, n)) * 3 + np.linspace(0, 1, n)[rng.permutation(n)]
    if levels:
        x = np.round(x * levels)
    x[rng.random(x.shape) < nan_share] = np.nan
    return rank_desc(x).astype(float)


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 12), rows=st.integers(1, 80),
       levels=st.sampled_from([None, 2, 6]), nan_share=st.sampled_from([0.0, 0.1]),
       cuts=st.integers(1, 6), tight=st.booleans(), windows=st.booleans())
def test_exact_path_equals_dense_table_and_numpy(seed, n, rows, levels, nan_share, cuts, tight,
                                                 windows):
    ranks = _blocks(seed, n, rows, levels, nan_share)
    memory = rw.worst_case_bytes(n) if tight else 1 << 20  # tight: tiny spill, many re-layouts
    # windows: grown from the ranks seen (as for a large index), else full from the start
    with mock.patch.object(rw, "DENSE_CELLS", 0 if windows else rw.DENSE_CELLS):
        stats = RankStats(n, memory=memory)
    assert stats._table.size == (0 if windows else n * n)
    for chunk in np.array_split(ranks, cuts):
        if not np.isnan(chunk).any() and levels is None:
            stats.update_order(np.argsort(chunk, axis=1))  # tie-free chunks as orders
        else:
            stats.update(chunk)
        assert stats.nbytes <= memory
    assert stats.exact
    np.testing.assert_array_equal(stats.counts, _dense(ranks, n))
    valid = ~np.isnan(ranks).all(axis=0)
    got = stats.quantile(QS)
    if valid.any():
        want = np.nanquantile(ranks[:, valid], QS, axis=0, method="inverted_cdf")
        np.testing.assert_array_equal(got[:, valid], want)
    assert np.isnan(got[:, ~valid]).all()
    np.testing.assert_array_equal(stats.mean()[valid], np.nanmean(ranks[:, valid], axis=0))
    nominal = np.arange(1, n + 1)
    for k in (0, 1, 2.5):
        np.testing.assert_array_equal(stats.share_beyond(nominal, k)[valid],
                                      _reference_share(ranks, nominal, k)[valid])
    np.testing.assert_array_equal(stats.n_missing, np.isnan(ranks).sum(axis=0))
    assert stats.n_replications == rows


def test_update_order_ascending_and_descending_agree_with_ranks():
    x = np.random.default_rng(7).random((300, 25))
    a, b, c = RankStats(25), RankStats(25), RankStats(25)
    a.update_order(np.argsort(x, axis=1), ascending=True)
    b.update_order(np.argsort(-x, axis=1))
    c.update(rank_desc(x))
    np.testing.assert_array_equal(a.counts, c.counts)
    np.testing.assert_array_equal(b.counts, c.counts)
    np.testing.assert_array_equal(a.quantile(QS), np.quantile(rank_desc(x), QS, axis=0,
                                                             method="inverted_cdf"))


def test_windows_smaller_than_dense_table():
    rng = np.random.default_rng(3)
    n = 2000
    x = np.linspace(0, 1, n) + 0.01 * rng.standard_normal((500, n))  # ranks move ~20 places
    stats = RankStats(n)
    stats.update_order(np.argsort(x, axis=1), ascending=True)
    assert stats.exact
    assert stats.nbytes < 0.2 * n * n * 4
    np.testing.assert_array_equal(stats.median(), np.quantile(rank_desc(x), 0.5, axis=0,
                                                              method="inverted_cdf"))


def test_summary_columns_and_integer_quantiles():
    ranks = _blocks(3, 9, 400, 4, 0.0)
    stats = RankStats(9, units=[f"u{i}" for i in range(9)])
    stats.update(ranks)
    t = stats.summary(nominal=np.arange(1, 10), k=1)
    assert list(t.columns) == ["median", "mean", "q05", "q95", "n_valid", "nominal",
                               "share_beyond_k"]
    assert t.index[0] == "u0"
    for col in ("median", "q05", "q95"):
        assert t[col].dtype == np.float64
        assert (t[col] == np.round(t[col])).all()


def test_empty_unit_gives_nan():
    stats = RankStats(2)
    stats.update(np.array([[1.0, np.nan]]))
    assert np.isnan(stats.median()[1])
    assert np.isnan(stats.mean()[1])
    assert stats.median()[0] == 1.0


# -- the sketch --------------------------------------------------------------------------

def _wide(n, rows, seed, noise=0.1):
    rng = np.random.default_rng(seed)
    x = np.linspace(0, 1, n) + noise * rng.standard_normal((rows, n))
    return rank_desc(x[:, rng.permutation(n)])


def _check_sketch(stats, ranks):
    n = stats.n_units
    assert stats.width > 1 and stats.width <= 0.001 * n
    assert stats.nbytes <= stats.memory
    qs = [0.05, 0.25, 0.5, 0.95]
    err = np.abs(stats.quantile(qs) - np.quantile(ranks, qs, axis=0, method="inverted_cdf"))
    assert err.max() <= stats.width - 1 < 0.001 * n
    np.testing.assert_array_equal(stats.mean(), ranks.mean(axis=0))
    nominal = np.median(ranks, axis=0).round()
    for k in (0, 10, 200):
        share = stats.share_beyond(nominal, k)
        assert (share <= _reference_share(ranks, nominal, k - stats.width + 1) + 1e-12).all()
        assert (share >= _reference_share(ranks, nominal, k + stats.width - 1) - 1e-12).all()
    return err


def test_sketch_bound_20k_units():
    n = 20_000
    ranks = _wide(n, 240, 11)
    stats = RankStats(n, memory=rw.worst_case_bytes(n))
    for chunk in np.array_split(ranks, 3):
        stats.update(chunk)
    _check_sketch(stats, ranks)


@pytest.mark.slow
def test_sketch_bound_100k_units():
    n = 100_000
    ranks = _wide(n, 60, 12, noise=0.3)
    stats = RankStats(n)
    stats.update(ranks)
    _check_sketch(stats, ranks)


# -- merging -----------------------------------------------------------------------------

def _summary_bytes(stats, k=2):
    """Every byte of the summary's values, column by column, and its index labels."""
    t = stats.summary(np.arange(1, stats.n_units + 1), k)
    return repr(list(t.index)).encode() + b"".join(
        c.encode() + t[c].to_numpy().tobytes() for c in t.columns)


def _merge_all(parts):
    out = parts[0]
    for p in parts[1:]:
        out = out.merge(p)
    return out


def test_merge_exact_and_order_free_with_different_windows():
    n = 40
    parts = [_blocks(s, n, 150, lv, nan) for s, lv, nan in
             [(1, None, 0.0), (2, 3, 0.1), (3, None, 0.0), (4, 8, 0.0)]]
    accs = []
    for i, p in enumerate(parts):
        with mock.patch.object(rw, "DENSE_CELLS", 0 if i < 3 else rw.DENSE_CELLS):
            a = RankStats(n, memory=rw.worst_case_bytes(n) if i % 2 else 1 << 20)
        a.update(p[:, ::-1] if i == 3 else p)  # part 3 puts units in other windows
        accs.append(a)
    whole = RankStats(n, memory=rw.worst_case_bytes(n))
    for i, p in enumerate(parts):
        whole.update(p[:, ::-1] if i == 3 else p)
    want = _summary_bytes(whole)
    for perm in itertools.permutations(range(4)):
        merged = _merge_all([accs[i] for i in perm])
        assert _summary_bytes(merged) == want
    np.testing.assert_array_equal(merged.counts, whole.counts)
    assert merged.n_replications == 600
    assert accs[0].n_replications == 150  # inputs unchanged


def test_merge_sketches_of_different_widths_order_free():
    n = 20_000
    narrow = _wide(n, 120, 5, noise=0.005)  # fits exactly
    wide = _wide(n, 120, 6, noise=0.1)  # needs bins
    memory = rw.worst_case_bytes(n)
    a, b, c = (RankStats(n, memory=memory) for _ in range(3))
    a.update(narrow[:60])
    b.update(wide)
    c.update(narrow[60:])
    assert a.width == 1 and b.width > 1
    results = {_summary_bytes(_merge_all(list(p))) for p in itertools.permutations([a, b, c])}
    whole = RankStats(n, memory=memory)
    for chunk in (wide[:50], narrow, wide[50:]):
        whole.update(chunk)
    assert results == {_summary_bytes(whole)}
    _check_sketch(_merge_all([a, b, c]), np.concatenate([narrow, wide]))


def test_pickle_round_trip_and_merge_after():
    ranks = _blocks(9, 15, 200, 3, 0.05)
    a, b = RankStats(15), RankStats(15)
    a.update(ranks[:100])
    b.update(ranks[100:])
    a2 = pickle.loads(pickle.dumps(a))
    assert _summary_bytes(a2) == _summary_bytes(a)
    whole = RankStats(15)
    whole.update(ranks)
    assert _summary_bytes(a2.merge(b)) == _summary_bytes(whole)


def test_unpickled_accumulator_holds_numpys_builtin_dtypes():
    # pickle gives each array a copy of its dtype, and np.add.at is ~30x slower on those
    # (a Dask merge at 20,000 units took 23 s); the accumulator views them back
    ranks = _blocks(4, 1500, 40, 3, 0.05)  # windows, not one dense table
    a = RankStats(1500)
    a.update(ranks)
    raw = pickle.loads(pickle.dumps(a.__dict__["_table"]))
    assert raw.dtype is not np.dtype(raw.dtype.type)  # what numpy does: the reason
    b = pickle.loads(pickle.dumps(a))
    arrays = [v for v in vars(b).values() if isinstance(v, np.ndarray)]
    arrays += [b._layout.lo, b._layout.size, b._layout.start]
    assert len(arrays) >= 10
    assert all(x.dtype is np.dtype(x.dtype.type) for x in arrays)
    assert _summary_bytes(b) == _summary_bytes(a)
    assert _summary_bytes(b.merge(a)) == _summary_bytes(a.merge(a))


def test_merge_rejects_other_units():
    with pytest.raises(DataError, match="3 units"):
        RankStats(3).merge(RankStats(4))
    with pytest.raises(DataError, match="same unit labels"):
        RankStats(2, ["a", "b"]).merge(RankStats(2, ["a", "c"]))


# -- re-layout (private kernel): any covering windows, any coarser width ---------------

def _dense_of(table, layout, n):
    n_bins = -(-n // layout.width)
    dense = np.zeros((n, n_bins), dtype=np.int64)
    u = np.repeat(np.arange(n), layout.size)
    dense[u, np.arange(layout.cells) - layout.start[u] + layout.lo[u]] = table
    return dense


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 200), shift=st.integers(0, 3),
       mode=st.sampled_from(["grow", "tight", "slices"]))
@example(seed=1, n=200, shift=0, mode="slices").via("slice copies")
@example(seed=2, n=200, shift=0, mode="grow").via("fancy-indexed copy")
def test_relayout_keeps_every_count(seed, n, shift, mode):
    rng = np.random.default_rng(seed)
    a, b = np.sort(rng.integers(0, n, size=(2, n)), axis=0)  # ranks seen: a+1 .. b+1
    lo = np.maximum(a - rng.integers(0, 3, n), 0)  # source windows with slack
    hi = np.minimum(b + rng.integers(0, 3, n), n - 1)
    src = rw.Layout.of(1, lo, hi - lo + 1)
    table = np.zeros(src.cells, dtype=np.int32)
    u = np.repeat(np.arange(n), src.size)
    rank0 = np.arange(src.cells) - src.start[u] + src.lo[u]
    seen = (rank0 >= a[u]) & (rank0 <= b[u])
    table[seen] = rng.integers(0, 5, seen.sum())
    width = 1 << shift
    if mode == "tight":  # windows exactly the seen ranks: source slack is dropped
        dlo, dhi = a >> shift, b >> shift
    elif mode == "slices":  # most windows unchanged: slice copies
        dlo, dhi = lo >> shift, hi >> shift
        grow = rng.random(n) < 0.1
        dhi = np.where(grow, np.minimum(dhi + 1, (n - 1) >> shift), dhi)
    else:
        dlo = np.maximum((lo >> shift) - rng.integers(0, 2, n), 0)
        dhi = np.minimum((hi >> shift) + rng.integers(0, 2, n), (n - 1) >> shift)
    dst = rw.Layout.of(width, dlo, dhi - dlo + 1)
    out = np.zeros(dst.cells, dtype=np.int32)
    rw.relayout_add(out, dst, table, src)
    fine = _dense_of(table, src, n)
    want = np.add.reduceat(fine, np.arange(0, n, width), axis=1) if width > 1 else fine
    np.testing.assert_array_equal(_dense_of(out, dst, n), want)


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 300), src_shift=st.integers(0, 2),
       shift=st.integers(1, 3), empty=st.floats(0, 0.5))
@example(seed=3, n=300, src_shift=1, shift=1, empty=0.3).via("binned source, empty units")
def test_coarsening_sums_each_new_bin_from_binned_windows(seed, n, src_shift, shift, empty):
    # bins of 2**src_shift ranks summed into bins 2**shift times wider; units with no
    # window (nothing seen yet) take no cells in either layout
    rng = np.random.default_rng(seed)
    w = 1 << src_shift
    bins = -(-n // w)
    a, b = np.sort(rng.integers(0, bins, size=(2, n)), axis=0)
    size = np.where(rng.random(n) < empty, 0, b - a + 1)
    src = rw.Layout.of(w, np.where(size > 0, a, 0), size)
    table = rng.integers(0, 6, src.cells).astype(np.int32)
    dlo = np.maximum((a >> shift) - rng.integers(0, 2, n), 0)
    dhi = np.minimum((b >> shift) + rng.integers(0, 2, n), (bins - 1) >> shift)
    dsize = np.where(size > 0, dhi - dlo + 1, rng.integers(0, 2, n))
    dst = rw.Layout.of(w << shift, np.where(dsize > 0, dlo, 0), dsize)
    out = np.zeros(dst.cells, dtype=np.int32)
    rw.relayout_add(out, dst, table, src)
    fine = _dense_of(table, src, n)
    want = np.add.reduceat(fine, np.arange(0, bins, 1 << shift), axis=1)
    np.testing.assert_array_equal(_dense_of(out, dst, n), want)


def test_relayout_refuses_to_drop_a_count():
    src = rw.Layout.of(1, np.array([0, 0]), np.array([3, 3]))
    table = np.array([0, 1, 0, 0, 0, 2], dtype=np.int32)  # unit 1 has rank 3
    dst = rw.Layout.of(1, np.array([1, 0]), np.array([1, 2]))  # unit 1: ranks 1..2 only
    with pytest.raises(AssertionError, match="misses counted ranks"):
        rw.relayout_add(np.zeros(dst.cells, dtype=np.int32), dst, table, src)


# -- bad input ---------------------------------------------------------------------------

def test_update_validates_and_names_cells():
    stats = RankStats(3)
    with pytest.raises(DataError, match="shape"):
        stats.update(np.ones((2, 4), dtype=int))
    with pytest.raises(DataError, match=r"integers in 1\.\.3"):
        stats.update(np.array([[1, 2, 4]]))
    with pytest.raises(DataError) as err:
        stats.update(np.array([[1.5, 2.0, 3.0], [1.0, 2.0, np.inf]]))
    text = str(err.value)
    assert "row 0.unit 0" in text and "1.5" in text and "row 1.unit 2" in text
    assert "2 bad values" in text
    assert stats.n_replications == 0 and stats.nbytes <= stats.memory


def test_update_order_validates_without_adding():
    stats = RankStats(3)
    stats.update_order(np.array([[0, 1, 2]]))
    before = _summary_bytes(stats, 0)
    with pytest.raises(DataError, match=r"0\.\.2"):
        stats.update_order(np.array([[0, 1, 3]]))
    with pytest.raises(DataError, match="row 1 repeats a unit"):
        stats.update_order(np.array([[2, 1, 0], [0, 0, 1]]))
    with pytest.raises(DataError, match="integers"):
        stats.update_order(np.array([[0.0, 1.0, 2.0]]))
    assert _summary_bytes(stats, 0) == before and stats.n_replications == 1


def test_memory_too_small_says_what_is_needed():
    need = rw.worst_case_bytes(5000)
    with pytest.raises(DataError, match=f"at least {need:,} bytes"):
        RankStats(5000, memory=need - 1)
    assert RankStats(5000, memory=need).nbytes <= need
    with pytest.raises(DataError, match="n_units"):
        RankStats(0)


def test_nominal_and_q_checked():
    stats = RankStats(3)
    stats.update(np.array([[1, 2, 3]]))
    with pytest.raises(DataError, match="nominal"):
        stats.share_beyond([1, 2])
    with pytest.raises(DataError, match=r"\[0, 1\]"):
        stats.quantile(-0.1)
    with pytest.raises(DataError) as err:
        stats.share_beyond([1, 2], k=-1)
    assert "nominal" in str(err.value) and "k must be a number >= 0" in str(err.value)
    with pytest.raises(DataError, match="number of bytes"):
        RankStats(3, memory=1e9)


def test_replication_limit(monkeypatch):
    stats = RankStats(2)
    monkeypatch.setattr(stats, "n_replications", 2**31 - 2)
    with pytest.raises(DataError, match="replications fit one accumulator"):
        stats.update(np.array([[1, 2], [2, 1]]))


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 30), rows=st.integers(0, 60),
       ascending=st.booleans(), windows=st.booleans())
def test_add_orders_equals_update_order(seed, n, rows, ascending, windows):
    """The engine's trusted path (one bincount while every window is full) counts what
    the checked path counts: same table, means, quantiles and later merges."""
    x = np.random.default_rng(seed).random((rows, n))
    order = np.argsort(x if ascending else -x, axis=1)
    with mock.patch.object(rw, "DENSE_CELLS", 0 if windows else rw.DENSE_CELLS):
        a, b = RankStats(n), RankStats(n)
    nominal = np.random.default_rng(seed + 1).integers(1, n + 1, n).astype(float)
    shift = a.add_orders(order, ascending=ascending, nominal=nominal)
    b.update_order(order, ascending=ascending)
    # the summed shift, from the counts (dense) or the rank matrix (windows), by hand
    want = np.abs(rank_desc(x) - nominal).sum() if rows else 0.0
    assert shift == pytest.approx(want, rel=1e-12, abs=0)
    np.testing.assert_array_equal(a.counts, b.counts)
    np.testing.assert_array_equal(a.counts, _dense(rank_desc(x).astype(float), n))
    assert _summary_bytes(a) == _summary_bytes(b)
    np.testing.assert_array_equal(a._seen_lo, b._seen_lo)
    np.testing.assert_array_equal(a._seen_hi, b._seen_hi)
    assert _summary_bytes(a.merge(b)) == _summary_bytes(b.merge(b))


@given(n=st.integers(1, 5_000_000))
def test_worst_case_bytes_is_the_smallest_budget_that_fits(n):
    """worst_case_bytes(n): its windows' share holds a dense table at the coarsest width
    (and the per-unit arrays); one byte less does not, unless it is the spill floor."""
    bins = -(-n // rw.coarsest_width(n))
    need = n * bins * rw.ITEM + n * rw.PER_UNIT_BYTES
    w = rw.worst_case_bytes(n)
    floor = need * 4 // 3 + need // (rw.SPILL_SHARE - 1)
    assert rw.fit_memory(w) >= need
    assert w == floor or rw.fit_memory(w - 1) < need
