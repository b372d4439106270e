"""Contract tests over every method of every step registry, and known answers per method."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from airank.aggregate import AGGREGATORS
from airank.denominate import DENOMINATORS
from airank.fitted import LatestFit, RangeFit, TreatFit
from airank.impute import IMPUTERS, ImputeContext
from airank.kernel import aggregate_group
from airank.methods import METHOD_PARAMS, JrcParams
from airank.normalise import NORMALISERS, normalise_column
from airank.treat import TREATERS, _winsorise, jrc, kurtosis2, skew_kurtosis, skewness2

X = np.array([3.0, np.nan, 1.0, 7.0, 2.0, np.nan, 10.0, 4.0])
CONST = np.array([5.0, 5.0, np.nan, 5.0])
ORDER_KEEPING = sorted(k for k, v in NORMALISERS.items() if v.monotone)


def _params(step, method, **kw):
    return METHOD_PARAMS[step][method].model_validate(kw)


@pytest.mark.parametrize(("step", "registry"), [
    ("denominate", DENOMINATORS), ("normalise", NORMALISERS), ("impute", IMPUTERS),
    ("treat", TREATERS), ("aggregate", AGGREGATORS)])
def test_registry_matches_spec_methods(step, registry):
    assert set(registry) == set(METHOD_PARAMS[step])


# -- normalise ------------------------------------------------------------------------
@pytest.mark.parametrize("method", sorted(NORMALISERS))
def test_normaliser_keeps_nan_positions(method):
    y, _ = normalise_column(X, method, _params("normalise", method), target=12.0)
    assert np.array_equal(np.isnan(y), np.isnan(X))


@pytest.mark.parametrize("method", ORDER_KEEPING)
def test_normaliser_direction_reverses_order(method):
    up, _ = normalise_column(X, method, _params("normalise", method), direction=1)
    down, _ = normalise_column(X, method, _params("normalise", method), direction=-1)
    ok = ~np.isnan(X)
    assert np.array_equal(np.argsort(up[ok]), np.argsort(X[ok]))
    assert np.array_equal(np.argsort(down[ok]), np.argsort(-X[ok]))


@given(st.lists(st.sampled_from([-np.inf, -2.0, -0.0, 0.0, 1.0, 1.5, 3.0, np.inf, np.nan]),
                max_size=30))
def test_min_ranks_equal_scipy_rankdata(values):
    from airank.normalise import _min_ranks

    x = np.array(values, dtype=float)
    want = stats.rankdata(x, method="min", nan_policy="omit").astype(float)
    assert np.array_equal(_min_ranks(x), want, equal_nan=True)


def test_target_reverses_order_below_target():
    up, _ = normalise_column(X, "target", _params("normalise", "target"), target=12.0)
    down, _ = normalise_column(X, "target", _params("normalise", "target"), direction=-1,
                               target=0.0)
    ok = ~np.isnan(X)
    assert np.array_equal(np.argsort(up[ok]), np.argsort(X[ok]))
    assert np.array_equal(np.argsort(down[ok]), np.argsort(-X[ok]))


@pytest.mark.parametrize("method", sorted(NORMALISERS))
def test_normaliser_constant_column_finite(method):
    y, _ = normalise_column(CONST, method, _params("normalise", method), target=5.0)
    assert np.all(np.isfinite(y[~np.isnan(CONST)]))


def test_normaliser_known_answers():
    x = np.array([2.0, 4.0, 4.0, 10.0])
    y, fit = normalise_column(x, "minmax", _params("normalise", "minmax", lower=1, upper=100))
    np.testing.assert_allclose(y, [1, 25.75, 25.75, 100])
    assert fit == RangeFit(method="minmax", min=2.0, max=10.0)
    y, _ = normalise_column(x, "zscore", _params("normalise", "zscore"))
    np.testing.assert_allclose(y, (x - 5) / np.std(x, ddof=1))
    y, _ = normalise_column(x, "zscore", _params("normalise", "zscore", mean=10, sd=2))
    np.testing.assert_allclose(y, 10 + 2 * (x - 5) / np.std(x, ddof=1))
    y, _ = normalise_column(x, "rank", _params("normalise", "rank"))
    np.testing.assert_array_equal(y, [1, 2, 2, 4])
    y, _ = normalise_column(x, "prank", _params("normalise", "prank"))
    np.testing.assert_allclose(y, [0, 100 / 3, 100 / 3, 100])
    y, _ = normalise_column(x, "frontier", _params("normalise", "frontier"))
    np.testing.assert_allclose(y, [0, 25, 25, 100])
    y, _ = normalise_column(x, "target", _params("normalise", "target"), target=6.0)
    np.testing.assert_allclose(y, [0, 50, 50, 100])
    y, _ = normalise_column(x, "goalposts", _params("normalise", "goalposts", low=0, high=8))
    np.testing.assert_allclose(y, [25, 50, 50, 100])
    y, _ = normalise_column(x, "minmax", _params("normalise", "minmax"), direction=-1)
    np.testing.assert_allclose(y, [100, 75, 75, 0])


# -- treat ----------------------------------------------------------------------------
def test_estimators_match_scipy_bias_corrected():
    rng = np.random.default_rng(1)
    x = rng.lognormal(size=40)
    assert skewness2(x) == pytest.approx(stats.skew(x, bias=False), rel=1e-12)
    assert kurtosis2(x) == pytest.approx(stats.kurtosis(x, bias=False), rel=1e-12)


@pytest.mark.parametrize("method", sorted(TREATERS))
def test_treater_contract(method):
    p = _params("treat", method)
    y, rec = TREATERS[method](X, params=p)
    assert np.array_equal(np.isnan(y), np.isnan(X))
    c, _ = TREATERS[method](CONST, params=p)
    assert np.all(np.isfinite(c[~np.isnan(CONST)]))
    assert isinstance(rec, TreatFit) and rec.method == method


def test_jrc_winsorises_one_outlier():
    x = np.array([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 100])
    y, rec = jrc(x, params=_params("treat", "jrc"))
    assert rec.action == "winsorised" and rec.winsorised_high == 1
    assert y[-1] == 12.0 and np.array_equal(y[:-1], x[:-1])
    assert abs(rec.skew_after) < 2 or rec.kurtosis_after < 3.5


def _winsorise_by_definition(x, p):
    """COINr's winsorise() written out point by point: the extreme block (every point
    tied at the max, or min) set to the next value in, the side chosen again each step."""
    y, ok = x.copy(), ~np.isnan(x)
    top = bottom = np.empty(0, dtype=int)
    sk, ku = skew_kurtosis(y)
    bad = np.isfinite(sk) and np.isfinite(ku) and abs(sk) >= p.skew and ku >= p.kurtosis
    while bad and top.size + bottom.size < p.max_points:
        v = y[ok]
        end = v.max() if sk >= 0 else v.min()
        rest = v[v < end] if sk >= 0 else v[v > end]
        if rest.size == 0:
            break
        idx = np.flatnonzero(ok & (y == end))
        if sk >= 0:
            y[idx], top = rest.max(), idx
        else:
            y[idx], bottom = rest.min(), idx
        sk, ku = skew_kurtosis(y)
        bad = np.isfinite(sk) and np.isfinite(ku) and abs(sk) >= p.skew and ku >= p.kurtosis
    return y, top, bottom, bad


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.integers(-3, 40).map(float), st.floats(-1e3, 1e6),
                          st.just(np.nan)), min_size=0, max_size=40),
       st.integers(1, 8), st.floats(0.05, 3.0), st.floats(0.05, 6.0))
def test_winsorise_equals_point_by_point_definition(values, max_points, skew, kurt):
    """The sorted-levels winsorising gives the same values, points and verdict, bit for
    bit, as the point-by-point definition (ties, both sides, NaN, few values)."""
    x = np.array(values, dtype=float)
    p = JrcParams(max_points=max_points, skew=skew, kurtosis=kurt)
    y, top, bottom, bad = _winsorise(x, p)
    ry, rtop, rbottom, rbad = _winsorise_by_definition(x, p)
    np.testing.assert_array_equal(y, ry)
    assert sorted(top) == sorted(rtop) and sorted(bottom) == sorted(rbottom)
    assert bool(bad) == bool(rbad)


def test_jrc_log_fallback_and_untouched_column():
    x = np.exp(np.arange(30.0) / 3)  # far too skewed for 1 point of winsorisation
    y, rec = jrc(x, params=_params("treat", "jrc", max_points=1))
    assert rec.action == "log"
    # COINr's log_CT: log(x - min + 0.01 (max - min)), on the original column
    np.testing.assert_allclose(y, np.log(x - x.min() + 0.01 * (x.max() - x.min())))
    z, _ = jrc(x * 2, params=_params("treat", "jrc"), learned=rec)  # replayed, same shift
    np.testing.assert_allclose(z, np.log(2 * x + rec.log_shift))
    normal = np.linspace(0, 1, 20)
    y, rec = jrc(normal, params=_params("treat", "jrc"))
    assert rec.action == "none" and np.array_equal(y, normal)


def test_jrc_replay_uses_learned_bounds():
    x = np.array([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 100])
    _, rec = jrc(x, params=_params("treat", "jrc"))
    y, _ = jrc(np.array([0.0, 50.0]), params=_params("treat", "jrc"), learned=rec)
    np.testing.assert_array_equal(y, [1.0, 12.0])


# -- impute ---------------------------------------------------------------------------
FRAME = pd.DataFrame({"a": [1.0, np.nan, 3.0, 5.0], "b": [2.0, 4.0, np.nan, 8.0]},
                     index=pd.Index(["u1", "u2", "u3", "u4"], name="unit"))
GROUPS = pd.DataFrame({"g": ["x", "x", "y", "y"]}, index=FRAME.index)


@pytest.mark.parametrize("method", sorted(IMPUTERS))
def test_imputer_keeps_observed_values(method):
    kw = {"k": 2} if method == "knn" else {}
    out, learned = IMPUTERS[method](FRAME, params=_params("impute", method, **kw),
                                    context=ImputeContext(GROUPS))
    ok = FRAME.notna()
    pd.testing.assert_frame_equal(out[ok], FRAME[ok])
    assert FRAME.isna().sum().sum() == 2  # input not mutated
    assert isinstance(learned, dict)


@pytest.mark.parametrize("method", sorted(IMPUTERS))
def test_imputer_reads_only_its_indicators_history(method):
    """A build reuses a group's imputation when none of its indicators changed
    (``pipeline.build(like=...)``): an imputer reads the history of its frame's codes
    only, so rows of another code (here the latest of every unit) change nothing."""
    kw = {"k": 2} if method == "knn" else {}
    hist = pd.DataFrame({"unit": ["u2", "u3", "u2", "u3", "u1", "u4"],
                         "code": ["a", "b", "c", "c", "c", "c"],
                         "year": [2019, 2019, 2021, 2021, 2020, 2021],
                         "value": [9.0, 1.0, 100.0, -5.0, 7.0, 3.0]})
    runs = [IMPUTERS[method](FRAME, params=_params("impute", method, **kw),
                             context=ImputeContext(GROUPS, h, 2021))
            for h in (hist, hist[hist["code"] != "c"], hist.assign(value=hist["value"].where(
                hist["code"] != "c", 1e6)))]
    for out, learned in runs[1:]:
        pd.testing.assert_frame_equal(out, runs[0][0])
        assert learned == runs[0][1]


def test_impute_known_answers():
    ctx = ImputeContext(GROUPS)
    out, _ = IMPUTERS["mean"](FRAME, params=_params("impute", "mean"), context=ctx)
    assert out.loc["u2", "a"] == 3.0 and out.loc["u3", "b"] == pytest.approx(14 / 3)
    out, _ = IMPUTERS["mean"](FRAME, params=_params("impute", "mean", by="g"), context=ctx)
    assert out.loc["u2", "a"] == 1.0 and out.loc["u3", "b"] == 8.0
    out, _ = IMPUTERS["median"](FRAME, params=_params("impute", "median"), context=ctx)
    assert out.loc["u2", "a"] == 3.0 and out.loc["u3", "b"] == 4.0
    hist = pd.DataFrame({"unit": ["u2", "u2", "u3"], "code": ["a", "a", "b"],
                         "year": [2018, 2020, 2015], "value": [9.0, 7.0, 1.0]})
    out, learned = IMPUTERS["latest"](FRAME, params=_params("impute", "latest", window=3),
                                      context=ImputeContext(GROUPS, hist, 2021))
    assert out.loc["u2", "a"] == 7.0 and np.isnan(out.loc["u3", "b"])  # 2015 too old
    assert learned == {"a": LatestFit(method="latest", from_year={"u2": 2020})}


# -- aggregate ------------------------------------------------------------------------
M = np.array([[10.0, 20.0, 40.0], [5.0, np.nan, 5.0], [np.nan, np.nan, np.nan]])
W = np.array([1.0, 1.0, 2.0])


@pytest.mark.parametrize("method", sorted(AGGREGATORS))
def test_aggregator_contract(method):
    p = _params("aggregate", method)
    y = aggregate_group(M, W, method, p)
    assert y.shape == (3,) and np.isnan(y[2]) and np.all(np.isfinite(y[:2]))
    perm = [2, 0, 1]
    np.testing.assert_allclose(aggregate_group(M[perm], W, method, p), y[perm])
    cols = [1, 2, 0]
    np.testing.assert_allclose(aggregate_group(M[:, cols], W[cols], method, p), y)


def test_aggregate_known_answers():
    a = aggregate_group(M, W, "arithmetic", _params("aggregate", "arithmetic"))
    np.testing.assert_allclose(a[:2], [27.5, 5.0])
    g = aggregate_group(M, W, "geometric", _params("aggregate", "geometric"))
    np.testing.assert_allclose(g[:2], [(10 * 20 * 40 * 40) ** 0.25, 5.0])
    h = aggregate_group(M, W, "harmonic", _params("aggregate", "harmonic"))
    np.testing.assert_allclose(h[:2], [1 / (0.25 / 10 + 0.25 / 20 + 0.5 / 40), 5.0])
    p2 = aggregate_group(M, W, "generalised", _params("aggregate", "generalised", p=2))
    np.testing.assert_allclose(p2[0], np.sqrt(0.25 * 100 + 0.25 * 400 + 0.5 * 1600))
    p1 = aggregate_group(M, W, "generalised", _params("aggregate", "generalised", p=1))
    np.testing.assert_allclose(p1[:2], a[:2])
    strict = aggregate_group(M, W, "arithmetic", _params("aggregate", "arithmetic",
                                                         min_share=0.9))
    assert np.isnan(strict[1])  # the present children carry 3/4 < 0.9 of the weight


def test_copeland_by_hand():
    # u0 beats u1 on 2 of 3 equal-weight children, u1 beats u2 on all, u0 beats u2 on all
    X = np.array([[3.0, 3, 1], [2.0, 2, 2], [1.0, 1, 0]])
    y = aggregate_group(X, np.ones(3), "copeland", _params("aggregate", "copeland"))
    np.testing.assert_array_equal(y, [2, 0, -2])


@pytest.mark.parametrize("method", sorted(DENOMINATORS))
def test_denominator_contract(method):
    d = np.array([2.0, 1.0, np.nan, 4.0, 0.0, 5.0, 1.0, 2.0])
    y, fit = DENOMINATORS[method](X, d, params=_params("denominate", method))
    assert np.isnan(y[np.isnan(X)]).all() and isinstance(fit, dict)
    if method == "divide":
        np.testing.assert_allclose(y, [1.5, np.nan, np.nan, 1.75, np.nan, np.nan, 10.0, 2.0])
        big, _ = DENOMINATORS[method](X, d, params=_params("denominate", method, scale=1e6))
        np.testing.assert_allclose(big[0], 1.5e6)
