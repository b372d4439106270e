"""Tests for airank.analysis.audit.bounds: exact best/worst ranks over admissible weights."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from airank.analysis.audit.bounds import rank_bounds, weight_range
from airank.analysis.robustness.ranks import rank_desc
from airank.errors import DataError, FactorError

HAND = [[1.0, 0.0], [0.0, 1.0], [0.4, 0.4]]


def test_hand_worked_simplex():
    # s = (w1, 1 - w1, 0.4). Unit 3 cannot beat both (w1 <= .4 and w1 >= .6): best 2,
    # reached with a tie at w1 = 0.6 or 0.4. Units 1 and 2 each fall to 3 at a vertex.
    out = rank_bounds(HAND, [0.5, 0.5], rel=None)
    assert out[["nominal", "best", "worst"]].to_numpy().tolist() == [[1, 1, 3], [1, 1, 3],
                                                                      [3, 2, 3]]
    assert out["optimal"].all()


def test_hand_worked_relative_box():
    # rel = 0.5: v in [0.25, 0.75]^2, so w1 in [0.25, 0.75]; unit 1 at w1 = .25 scores
    # .25 < .4 < .75: rank 3. Unit 3 still reaches 2 (w1 = 0.6 is admissible).
    out = rank_bounds(HAND, [0.5, 0.5], rel=0.5)
    assert out[["best", "worst"]].to_numpy().tolist() == [[1, 3], [1, 3], [2, 3]]
    # rel = 0.2: w1 in [0.4, 0.6]; unit 1 scores >= .4 = unit 3's score: worst 2.
    # Unit 3 ties for 2nd only at the vertices w1 = .4 / .6; robust ranks ignore such
    # isolated ties, so its best is 3.
    out = rank_bounds(HAND, [0.5, 0.5], rel=0.2)
    assert out[["best", "worst"]].to_numpy().tolist() == [[1, 2], [1, 2], [3, 3]]


def test_rel_zero_gives_nominal():
    x = np.random.default_rng(0).random((12, 4))
    out = rank_bounds(x, [0.1, 0.2, 0.3, 0.4], rel=0.0)
    assert (out["best"] == out["nominal"]).all() and (out["worst"] == out["nominal"]).all()


def _grid_weights(k, lower, upper, steps=12):
    """Normalised weights over a grid of the unnormalised box (vertices included)."""
    axes = [np.linspace(lo, hi, steps) for lo, hi in zip(lower, upper, strict=True)]
    v = np.array(list(itertools.product(*axes)))
    v = v[v.sum(axis=1) > 0]
    return v / v.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("rel", [None, 0.5, 0.9])
def test_against_brute_force_grid(seed, rel):
    rng = np.random.default_rng(seed)
    n, k = 9, 3
    x = rng.random((n, k))
    w0 = rng.uniform(0.5, 1.5, k)
    out = rank_bounds(x, w0, rel=rel)
    lower = np.zeros(k) if rel is None else w0 * (1 - rel)
    upper = np.ones(k) if rel is None else w0 * (1 + rel)
    grid_ranks = rank_desc((x @ _grid_weights(k, lower, upper).T).T)  # (grid, n)
    assert (out["best"].to_numpy() <= grid_ranks.min(axis=0)).all()
    assert (out["worst"].to_numpy() >= grid_ranks.max(axis=0)).all()
    assert ((out["best"] <= out["nominal"]) & (out["nominal"] <= out["worst"])).all()
    wb = out[[f"best_w_c{j}" for j in range(k)]].to_numpy()
    ww = out[[f"worst_w_c{j}" for j in range(k)]].to_numpy()
    for u in range(n):
        assert rank_desc(x @ wb[u])[u] == out["best"].iloc[u]
        assert rank_desc(x @ ww[u])[u] == out["worst"].iloc[u]
        for w in (wb[u], ww[u]):  # attained weights are admissible
            assert w.sum() == pytest.approx(1.0)
            if rel is not None:
                ratio = w / w0
                assert ratio.max() / ratio.min() <= (1 + rel) / (1 - rel) * (1 + 1e-6)


def test_dataframe_labels_units_subset_and_series_alignment():
    x = pd.DataFrame(np.random.default_rng(4).random((6, 3)),
                     index=[f"C{i}" for i in range(6)], columns=["a", "b", "c"])
    w0 = pd.Series({"c": 1.0, "a": 1.0, "b": 2.0})
    out = rank_bounds(x, w0, rel=0.3, units=["C2", "C4"])
    assert list(out.index) == ["C2", "C4"]
    assert "best_w_b" in out.columns
    full = rank_bounds(x.to_numpy(), w0.reindex(["a", "b", "c"]).to_numpy(), rel=0.3)
    assert out.loc["C4", "worst"] == full.loc[4, "worst"]


def test_explicit_bounds_replace_rel_side():
    x = np.random.default_rng(5).random((8, 3))
    out = rank_bounds(x, [1.0, 1.0, 1.0], rel=0.5, upper=[1.5, 1.5, 1.5])
    same = rank_bounds(x, [1.0, 1.0, 1.0], rel=0.5)
    pd.testing.assert_frame_equal(out[["best", "worst"]], same[["best", "worst"]])


def test_identical_units_tie():
    x = np.array([[0.5, 0.5], [0.5, 0.5], [0.1, 0.9]])
    out = rank_bounds(x, [1.0, 1.0], rel=None)
    assert out["best"].tolist()[:2] == [1, 1]


def test_weight_range_matches_vertex_enumeration():
    rng = np.random.default_rng(6)
    d = rng.normal(size=(20, 4))
    lo, hi = rng.uniform(0.1, 0.5, 4), rng.uniform(0.6, 1.5, 4)
    corners = np.array(list(itertools.product(*zip(lo, hi, strict=True))))
    vals = d @ (corners / corners.sum(axis=1, keepdims=True)).T
    mn, mx = weight_range(d, lo, hi)
    np.testing.assert_allclose(mn, vals.min(axis=1))
    np.testing.assert_allclose(mx, vals.max(axis=1))


def test_errors():
    with pytest.raises(DataError, match="NaN"):
        rank_bounds([[1.0, np.nan], [0.0, 1.0]], [1, 1])
    with pytest.raises(DataError, match=r"w0 \(k,\)"):
        rank_bounds([[1.0, 0.0]], [1, 1, 1])
    with pytest.raises(FactorError, match="w0"):
        rank_bounds([[1.0, 0.0]], [-1, 1])
    with pytest.raises(FactorError, match="lower <= upper"):
        rank_bounds([[1.0, 0.0]], [1, 1], lower=[2, 2], upper=[1, 1])
    with pytest.raises(DataError, match="Unknown units"):
        rank_bounds([[1.0, 0.0]], [1, 1], units=["nope"])
