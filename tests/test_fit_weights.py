"""fit_weights: known weights are recovered; bad input gives clear errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from airank.analysis.audit.fit_weights import FitResult, fit_weights
from airank.errors import DataError

W = np.array([0.1, 0.25, 0.05, 0.3, 0.3])
COMPS = [f"c{i}" for i in range(len(W))]


@pytest.fixture()
def table() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    return pd.DataFrame(rng.uniform(0, 100, (40, len(W))), columns=COMPS)


def test_weighted_mean_recovered(table):
    df = table.assign(total=table[COMPS].to_numpy() @ W)
    res = fit_weights(df, "total", COMPS)
    assert isinstance(res, FitResult)
    np.testing.assert_allclose(list(res.weights.values()), W, atol=1e-8)
    assert res.r2 == pytest.approx(1.0, abs=1e-10)
    assert res.max_abs_error < 1e-8
    assert res.n == 40 and res.scale == pytest.approx(1.0)


def test_minmax_rescaled_total_recovered(table):
    s = table[COMPS].to_numpy() @ W
    df = table.assign(total=(s - s.min()) / (s.max() - s.min()) * 100)
    res = fit_weights(df, "total", COMPS, rescale="minmax")
    np.testing.assert_allclose(list(res.weights.values()), W, atol=1e-8)
    assert sum(res.weights.values()) == pytest.approx(1.0)
    assert res.r2 == pytest.approx(1.0, abs=1e-10)
    assert res.max_abs_error < 1e-8
    assert res.intercept < 0  # the minimum is subtracted: the sign is free


def test_zero_weight_component(table):
    w = np.array([0.5, 0.0, 0.5, 0.0, 0.0])
    df = table.assign(total=table[COMPS].to_numpy() @ w)
    res = fit_weights(df, "total", COMPS)
    np.testing.assert_allclose(list(res.weights.values()), w, atol=1e-8)


def test_unknown_column(table):
    with pytest.raises(DataError, match=r"Unknown column\(s\) \['nope'\]"):
        fit_weights(table.assign(total=1.0), "total", ["c0", "nope"])


def test_non_numeric(table):
    df = table.assign(total=1.0).astype(object)
    df.loc[3, "c1"] = "n/a!"
    with pytest.raises(DataError, match=r"Column 'c1' must be numeric\. Got 'n/a!'"):
        fit_weights(df, "total", COMPS)


def test_too_few_rows(table):
    df = table.head(3).assign(total=1.0)
    with pytest.raises(DataError, match="3 complete rows for 5 parameters"):
        fit_weights(df, "total", COMPS)
    with pytest.raises(DataError, match="6 parameters"):
        fit_weights(table.head(6).assign(total=1.0), "total", COMPS, rescale="minmax")


def test_bad_rescale(table):
    with pytest.raises(DataError, match="rescale must be None or 'minmax'"):
        fit_weights(table.assign(total=1.0), "total", COMPS, rescale="zscore")  # type: ignore[arg-type]
