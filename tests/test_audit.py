"""Audit tables on a built index: importance, consistency, rank bounds, and their CLI."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

import airank
from airank.analysis.audit.checks import consistency, importance, weight_bounds
from airank.cli import main


def test_importance_table(asem_result):
    t = importance(asem_result)
    assert set(t["code"]) == set(asem_result.spec.codes) - {"Index"}
    assert np.allclose(t.groupby("parent")["nominal_weight"].sum(), 1)
    assert np.allclose(t.groupby("parent")["eta2_normalised"].sum(), 1)
    assert t["eta2"].between(0, 1).all() and t["flag"].dtype == bool
    row = t.set_index("code").loc["LPI"]
    assert row["weight_in_index"] == pytest.approx(1 / 80)


def test_consistency_by_hand(tiny_spec, tiny_frame):
    frame = tiny_frame.assign(i2=10 - tiny_frame["i1"])  # i2 (direction -1) = i1 normalised
    res = airank.build(tiny_spec, airank.read_data(frame, tiny_spec))
    t = consistency(res).set_index("group")
    assert t.loc["p1", "alpha"] == pytest.approx(1.0)
    assert t.loc["p1", "mean_r"] == pytest.approx(1.0)


def test_bounds_contain_nominal_and_zero_move(asem_result):
    t = weight_bounds(asem_result, rel=0.5)
    assert (t["best"] <= t["nominal"]).all() and (t["nominal"] <= t["worst"]).all()
    fixed = weight_bounds(asem_result, rel=0.0)
    assert (fixed["best"] == fixed["nominal"]).all() and (fixed["worst"] == fixed["nominal"]).all()
    free = weight_bounds(asem_result, rel=None)
    assert (free["best"] <= t["best"]).all() and (free["worst"] >= t["worst"]).all()


def test_bounds_weights_attain_the_ranks(asem_result):
    t = weight_bounds(asem_result, rel=0.5, units=["RUS", "CHE"])
    X = asem_result.scores[["Sust", "Conn"]]
    for unit in ("RUS", "CHE"):
        for side in ("best", "worst"):
            w = t.loc[unit, [f"{side}_w_Sust", f"{side}_w_Conn"]].to_numpy(dtype=float)
            ranks = (X @ w).rank(ascending=False, method="min")
            assert ranks[unit] == t.loc[unit, side]


def test_bounds_need_arithmetic(asem_result, asem):
    spec, data = asem
    geo = airank.build(spec.with_changes({"methodology.aggregate.method": "geometric",
                                          "methodology.normalise.lower": 1}), data)
    with pytest.raises(airank.DataError, match="arithmetic"):
        weight_bounds(geo)


def test_cli(capsys):
    assert main(["bounds", "--example", "asem", "--format", "csv"]) == 0
    t = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert {"unit", "nominal", "best", "worst"} <= set(t.columns) and len(t) == 51
    assert main(["importance", "--example", "asem", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["importance"] and doc["consistency"]
    assert main(["bounds", "--example", "asem", "--group", "Nope"]) == 2
