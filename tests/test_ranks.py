"""Tests for airank.analysis.robustness.ranks: rank_desc and the RankStats count table."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import rankdata

from airank.analysis.robustness.ranks import RankStats, rank_desc
from airank.errors import DataError


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
    expected = rankdata(-x, axis=1, method="min")
    np.testing.assert_array_equal(rank_desc(x), expected)


def test_rank_desc_other_axis():
    x = np.random.default_rng(2).random((20, 5))
    np.testing.assert_array_equal(rank_desc(x, axis=0), rank_desc(x.T).T)


def test_rank_desc_rejects_scalar():
    with pytest.raises(DataError, match="at least 1 axis"):
        rank_desc(3.0)


def _ranks(seed=3, n=4000, units=9, ties=True):
    rng = np.random.default_rng(seed)
    x = rng.random((n, units)) + np.linspace(0, 1, units)
    if ties:
        x = np.round(x * 4)
    return rank_desc(x)


@pytest.mark.parametrize("q", [0.0, 0.05, 0.25, 0.5, 0.73, 0.95, 1.0])
def test_quantiles_equal_numpy_linear_on_full_matrix(q):
    ranks = _ranks()
    stats = RankStats(ranks.shape[1])
    for chunk in np.array_split(ranks, 7):
        stats.update(chunk)
    np.testing.assert_allclose(stats.quantile(q), np.quantile(ranks, q, axis=0), rtol=0,
                               atol=1e-12)


def test_median_mean_and_vector_quantiles():
    ranks = _ranks(ties=False, n=1001)
    stats = RankStats(ranks.shape[1])
    stats.update(ranks)
    np.testing.assert_allclose(stats.median(), np.median(ranks, axis=0))
    np.testing.assert_allclose(stats.mean(), ranks.mean(axis=0))
    np.testing.assert_allclose(stats.quantile([0.05, 0.95]),
                               np.quantile(ranks, [0.05, 0.95], axis=0), atol=1e-12)
    assert stats.n_replications == 1001
    assert stats.counts.sum() == ranks.size


def test_share_beyond():
    ranks = _ranks()
    nominal = np.median(ranks, axis=0).round()
    stats = RankStats(ranks.shape[1])
    stats.update(ranks)
    for k in (0, 1, 2):
        expected = (np.abs(ranks - nominal) > k).mean(axis=0)
        np.testing.assert_allclose(stats.share_beyond(nominal, k), expected)


def test_nan_ranks_counted_missing_and_match_nanquantile():
    x = np.random.default_rng(4).random((300, 6))
    x[np.random.default_rng(5).random(x.shape) < 0.1] = np.nan
    ranks = rank_desc(x)
    stats = RankStats(6)
    stats.update(ranks)
    np.testing.assert_array_equal(stats.n_missing, np.isnan(ranks).sum(axis=0))
    np.testing.assert_allclose(stats.quantile(0.3), np.nanquantile(ranks, 0.3, axis=0),
                               atol=1e-12)
    np.testing.assert_allclose(stats.mean(), np.nanmean(ranks, axis=0))


def test_merge_equals_single_accumulator():
    ranks = _ranks()
    a, b, whole = RankStats(9), RankStats(9), RankStats(9)
    a.update(ranks[:1000])
    b.update(ranks[1000:])
    whole.update(ranks)
    merged = a.merge(b)
    np.testing.assert_array_equal(merged.counts, whole.counts)
    assert merged.n_replications == whole.n_replications


def test_summary_frame():
    ranks = _ranks()
    stats = RankStats(9, units=[f"u{i}" for i in range(9)])
    stats.update(ranks)
    t = stats.summary(nominal=np.arange(1, 10), k=1)
    assert list(t.columns) == ["median", "mean", "q05", "q95", "n_valid", "nominal",
                               "share_beyond_k"]
    assert t.index[0] == "u0"


def test_update_validates():
    stats = RankStats(3)
    with pytest.raises(DataError, match="shape"):
        stats.update(np.ones((2, 4), dtype=int))
    with pytest.raises(DataError, match=r"integers in 1\.\.3"):
        stats.update(np.array([[1, 2, 4]]))
    with pytest.raises(DataError, match=r"integers in 1\.\.3"):
        stats.update(np.array([[1.5, 2.0, 3.0]]))


def test_empty_unit_gives_nan():
    stats = RankStats(2)
    stats.update(np.array([[1.0, np.nan]]))
    assert np.isnan(stats.median()[1])
    assert np.isnan(stats.mean()[1])
