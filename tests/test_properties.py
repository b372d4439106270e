"""Property tests (hypothesis) for the engine's invariants."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import airank
from airank import IndexSpec
from airank.methods import MinMaxParams
from airank.normalise import minmax

from .conftest import TINY_SPEC

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
values = arrays(np.float64, st.integers(2, 30), elements=finite | st.just(np.nan))


@given(values, st.floats(-100, 100), st.floats(0.1, 1000))
def test_minmax_within_bounds(x, lower, width):
    y, _ = minmax(x, params=MinMaxParams(lower=lower, upper=lower + width))
    ok = ~np.isnan(y)
    assert np.array_equal(ok, ~np.isnan(x))
    assert np.all(y[ok] >= lower - 1e-9 * width) and np.all(y[ok] <= lower + width * (1 + 1e-9))


def _table(draw_rows: list[list[float]]) -> pd.DataFrame:
    frame = pd.DataFrame(draw_rows, columns=["i1", "i2", "i3", "i4"])
    frame.insert(0, "unit", [f"U{i:02d}" for i in range(len(frame))])
    frame.insert(1, "region", ["a", "b"] * (len(frame) // 2) + ["a"] * (len(frame) % 2))
    return frame


rows = st.lists(st.lists(st.floats(0, 1000, allow_nan=False), min_size=4, max_size=4),
                min_size=3, max_size=12)


@given(rows, st.randoms(use_true_random=False))
def test_permuting_units_permutes_results(data_rows, rnd):
    spec = IndexSpec.from_dict(TINY_SPEC)
    frame = _table(data_rows)
    perm = list(range(len(frame)))
    rnd.shuffle(perm)
    a = airank.build(spec, airank.read_data(frame, spec))
    b = airank.build(spec, airank.read_data(frame.iloc[perm], spec))
    pd.testing.assert_frame_equal(a.scores, b.scores.loc[a.scores.index])
    pd.testing.assert_frame_equal(a.ranks, b.ranks.loc[a.ranks.index])


@given(rows, st.floats(0.01, 100))
def test_scaling_all_weights_changes_nothing(data_rows, factor):
    spec = IndexSpec.from_dict(TINY_SPEC)
    doc = spec.to_dict()
    for item in [*doc["nodes"], *doc["indicators"]]:
        item["weight"] = item.get("weight", 1.0) * factor
    scaled = IndexSpec.from_dict(doc)
    data = airank.read_data(_table(data_rows), spec)
    a, b = airank.build(spec, data), airank.build(scaled, data)
    np.testing.assert_allclose(a.scores.to_numpy(), b.scores.to_numpy(), rtol=1e-9, atol=1e-9)


@given(rows, st.integers(0, 11), st.sampled_from(["i1", "i3", "i4"]), st.floats(0, 500))
def test_raising_a_positive_indicator_never_lowers_the_score(data_rows, who, code, bump):
    spec = IndexSpec.from_dict(TINY_SPEC)
    frame = _table(data_rows)
    assume(who < len(frame))
    raised = frame.copy()
    raised.loc[who, code] += bump
    a = airank.build(spec, airank.read_data(frame, spec))
    b = airank.build(spec, airank.read_data(raised, spec))
    unit = frame.loc[who, "unit"]
    assert b.index[unit] >= a.index[unit] - 1e-9
