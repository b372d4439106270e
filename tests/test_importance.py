"""Tests for airank.analysis.audit.importance: eta^2, main effects, alpha, correlations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from airank.analysis.audit.eta2 import main_effect
from airank.analysis.audit.importance import (
    correlation_ratio,
    correlations,
    cronbach_alpha,
    main_effects,
)
from airank.errors import DataError


def test_linear_relation_gives_one():
    x = np.random.default_rng(0).uniform(-1, 1, 200)
    assert correlation_ratio(x, 3 * x - 2) == pytest.approx(1.0, abs=1e-4)
    assert correlation_ratio(x, 3 * x - 2, method="linear") == pytest.approx(1.0)


def test_quadratic_on_symmetric_x_high_eta_zero_r2():
    x = np.linspace(-1, 1, 201)
    y = x**2
    assert correlation_ratio(x, y) > 0.99
    assert correlation_ratio(x, y, method="linear") < 1e-10


def test_independent_noise_near_zero():
    rng = np.random.default_rng(1)
    assert correlation_ratio(rng.random(300), rng.random(300)) < 0.05


def test_ties_in_x_and_few_values_are_grouped():
    rng = np.random.default_rng(2)
    x = np.repeat(np.linspace(0, 1, 20), 5)
    y = np.sin(3 * x) + 0.01 * rng.standard_normal(x.size)
    assert correlation_ratio(x, y) > 0.99
    # three distinct values: one mean per value, the classical correlation ratio, with
    # the adjustment for the 3 means fitted (worked by hand)
    few = np.repeat([0.0, 1.0, 2.0], 10)
    y2 = few + rng.standard_normal(few.size)
    means = pd.Series(y2).groupby(few).transform("mean").to_numpy()
    rss, tss = np.sum((y2 - means) ** 2), np.sum((y2 - y2.mean()) ** 2)
    assert correlation_ratio(few, y2) == pytest.approx(1 - (rss / 27) / (tss / 29))


def test_nan_pairs_dropped_constant_y_and_short_input():
    x = np.array([0.0, 1.0, 2.0, np.nan, 4.0])
    assert correlation_ratio(x, 2 * x) == pytest.approx(1.0)
    assert correlation_ratio(np.arange(10.0), np.ones(10)) == 0.0
    assert np.isnan(correlation_ratio([1.0, 2.0], [1.0, 2.0]))
    with pytest.raises(DataError, match="method"):
        correlation_ratio(np.arange(10.0), np.arange(10.0), method="loess")


# -- the estimator on a model with known main effects -------------------------------------
# y = x1 + 2 x2^2 + sin(2 pi x3) / 2 + N(0, 0.3^2), x ~ U(0, 1) independent: the main
# effect of x_i is V(g_i(x_i)) / V(y), with V(x) = 1/12, V(2 x^2) = 4 (1/5 - 1/9) = 16/45,
# V(sin(2 pi x) / 2) = 1/8 and the noise 0.09
PARTS = np.array([1 / 12, 16 / 45, 1 / 8])
TRUE = PARTS / (PARTS.sum() + 0.09)


def _model(seed: int, n: int = 175):
    rng = np.random.default_rng(seed)
    x = rng.uniform(size=(n, 3))
    y = x[:, 0] + 2 * x[:, 1] ** 2 + 0.5 * np.sin(2 * np.pi * x[:, 2]) + rng.normal(0, 0.3, n)
    return x, y


@pytest.fixture(scope="module")
def replications():
    """Estimates and 90% intervals of the three main effects over 200 seeds (n = 175)."""
    out = np.empty((200, 3, 3))
    for s in range(200):
        x, y = _model(s)
        for j in range(3):
            f = main_effect(x[:, j], y, n_boot=200, seed=s)
            out[s, j] = (f.eta2, f.low, f.high)
    return out


def test_known_main_effects_error_at_most_0_05(replications):
    err = np.abs(replications[:, :, 0] - TRUE)
    assert (err.mean(axis=0) <= 0.05).all(), err.mean(axis=0)
    assert (np.abs(replications[:, :, 0].mean(axis=0) - TRUE) <= 0.02).all()  # no bias


def test_bootstrap_interval_covers_the_truth(replications):
    cover = (replications[:, :, 1] <= TRUE) & (TRUE <= replications[:, :, 2])
    assert (cover.mean(axis=0) >= 0.85).all(), cover.mean(axis=0)


@pytest.mark.parametrize("method", ["spline", "bins", "linear"])
def test_eta2_never_exceeds_one(method):
    """A projection explains at most all the variance (the GCV spline reached 1.52)."""
    rng = np.random.default_rng(7)
    for _ in range(50):
        x = rng.standard_cauchy(40)  # clustered x with outliers: ill-posed for GCV
        y = rng.standard_cauchy(40) + np.sign(x)
        f = main_effect(x, y, method=method, n_boot=50, seed=1)
        assert 0 <= f.low <= f.high <= 1 and 0 <= f.eta2 <= 1


def test_main_effects_table_and_flag():
    rng = np.random.default_rng(3)
    children = pd.DataFrame({"a": rng.random(100), "b": rng.random(100), "c": rng.random(100)})
    # c has a tiny spread, so with an equal weight it hardly matters
    children["c"] = 0.5 + 0.01 * children["c"]
    parent = children.mean(axis=1)
    t = main_effects(children, parent, {"a": 1, "b": 1, "c": 1})
    assert list(t.columns) == ["child", "nominal_weight", "effective_weight", "eta2",
                               "eta2_low", "eta2_high", "eta2_normalised", "pearson_r", "flag"]
    assert (t["eta2_low"] <= t["eta2"]).all() and (t["eta2"] <= t["eta2_high"]).all()
    assert t["eta2_normalised"].sum() == pytest.approx(1.0)
    # a and b carry ~1/2 each against a 1/3 weight (gap > 0.1); c nearly nothing
    assert t["flag"].tolist() == [True, True, True]
    assert t["eta2_normalised"].iloc[2] < 0.05
    assert t["effective_weight"].isna().all()
    balanced = children[["a", "b"]]
    t2 = main_effects(balanced, balanced.mean(axis=1), {"a": 1, "b": 1}, {"a": 0.5, "b": 0.5})
    assert not t2["flag"].any()
    assert t2["effective_weight"].tolist() == [0.5, 0.5]
    with pytest.raises(DataError, match="no weight"):
        main_effects(children, parent, {"a": 1})


def test_cronbach_alpha_identical_columns_and_hand_example():
    same = pd.DataFrame({"a": [1.0, 2.0, 4.0], "b": [1.0, 2.0, 4.0], "c": [1.0, 2.0, 4.0]})
    assert cronbach_alpha(same).alpha == pytest.approx(1.0)
    # a = (1,2,3), b = (1,3,2): var a = var b = 1, total (2,5,5): var 3.
    # alpha = 2/1 * (1 - 2/3) = 2/3
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0, np.nan], "b": [1.0, 3.0, 2.0, 5.0]})
    res = cronbach_alpha(frame, use="complete")
    assert res.alpha == pytest.approx(2 / 3)
    assert (res.n_units, res.n_dropped) == (3, 1)
    # pairwise (the default): var a = 1 (3 rows), var b = 8.75 / 3 (4 rows), cov = 0.5
    # (3 rows); alpha = 2^2 * 0.5 / (1 + 8.75 / 3 + 2 * 0.5) = 2 / (2 + 8.75 / 3)
    assert cronbach_alpha(frame).alpha == pytest.approx(2 / (2 + 8.75 / 3))
    assert np.isnan(cronbach_alpha(frame[["a"]]).alpha)


def test_correlations():
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [1.0, 4.0, 9.0, 16.0]})
    assert correlations(frame, "spearman").loc["a", "b"] == pytest.approx(1.0)
    assert correlations(frame).loc["a", "b"] < 1.0
    with pytest.raises(DataError, match="method"):
        correlations(frame, "kendall")
