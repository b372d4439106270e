"""Known-answer tests on the tiny index (worked by hand) and pipeline behaviour."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import airank
from airank import DataError, IndexSpec
from airank.fitted import GroupFit

from .conftest import TINY_SPEC

# Hand-worked, min-max [0, 100], arithmetic means, no imputation or treatment:
#   i1 = 0, 10, 5, 10           -> 0, 100, 50, 100
#   i2 = 10, 0, 5, 10  (dir -1) -> 0, 100, 50, 0
#   i3 = 5, 5, 0, 10            -> 50, 50, 0, 100
#   i4 = 1, 2, 3, NA            -> 0, 50, 100, NA
#   p1 = (i1 + i2) / 2          -> 0, 100, 50, 50
#   p2 = (i3 + 3 i4) / 4        -> 12.5, 50, 75, 100 (D: only i3, weight rescaled to 1)
#   index = (p1 + p2) / 2       -> 6.25, 75, 62.5, 75   ranks 4, 1, 3, 1 (tie shares rank 1)
EXPECTED = {
    "i1": [0, 100, 50, 100], "i2": [0, 100, 50, 0], "i3": [50, 50, 0, 100],
    "i4": [0, 50, 100, np.nan], "p1": [0, 100, 50, 50], "p2": [12.5, 50, 75, 100],
    "index": [6.25, 75, 62.5, 75],
}


def test_tiny_scores_by_hand(tiny_spec, tiny_data):
    res = airank.build(tiny_spec, tiny_data)
    for code, want in EXPECTED.items():
        np.testing.assert_allclose(res.scores[code].to_numpy(), want, rtol=0, atol=1e-12,
                                   err_msg=code)
    assert res.ranks["index"].tolist() == [4, 1, 3, 1]
    assert res.ranking()["unit"].tolist() == ["B", "D", "C", "A"]


def test_tiny_every_stage_kept(tiny_spec, tiny_data):
    res = airank.build(tiny_spec, tiny_data)
    assert list(res.stages) == list(airank.results.STAGES)
    assert res.stages["raw"].loc["D", "i4"] != res.stages["raw"].loc["D", "i4"]  # NaN kept
    assert res.stages["raw"].loc["A", "i2"] == 10.0
    assert res.coverage().set_index("unit").loc["D", "coverage"] == 0.75


def test_contributions_add_up(tiny_spec, tiny_data):
    res = airank.build(tiny_spec, tiny_data)
    c = res.contributions("B").set_index("code")
    # effective weights: i1 .25, i2 .25, i3 .125, i4 .375
    np.testing.assert_allclose(c.loc[["i1", "i2", "i3", "i4"], "effective_weight"],
                               [0.25, 0.25, 0.125, 0.375])
    assert c.loc[["i1", "i2", "i3", "i4"], "to_index"].sum() == pytest.approx(75.0)
    assert c.loc[["p1", "p2"], "to_index"].sum() == pytest.approx(75.0)
    d = res.contributions("D").set_index("code")  # i4 missing: i3 carries all of p2
    assert d.loc["i3", "effective_weight"] == pytest.approx(0.5)
    assert d.loc[["i1", "i2", "i3"], "to_index"].sum() == pytest.approx(75.0)


def test_effective_weights_by_hand(tiny_spec, tiny_data, tiny_frame):
    """Nominal: p1's indicators 1/4 each, i3 1/2 x 1/4, i4 1/2 x 3/4. With i3 absent from
    every unit it weighs 0 and i4 takes all of p2 (the kernel's rule for the scores)."""
    eff = airank.build(tiny_spec, tiny_data).effective_weights()
    assert eff.to_dict() == pytest.approx({"i1": 0.25, "i2": 0.25, "i3": 0.125, "i4": 0.375,
                                           "p1": 0.5, "p2": 0.5, "index": 1.0})
    frame = tiny_frame.assign(i3=np.nan)
    spec = IndexSpec.from_dict({**TINY_SPEC, "methodology": {
        **TINY_SPEC["methodology"], "screen": {"method": "none"}}})
    res = airank.build(spec, airank.read_data(frame, spec))
    eff = res.effective_weights()
    assert eff["i3"] == 0 and eff["i4"] == pytest.approx(0.5)
    assert eff[["i1", "i2", "i3", "i4"]].sum() == pytest.approx(1.0)
    # the scores use exactly these weights: B's index is its weighted normalised values
    norm = res.stages["normalised"].loc["B", ["i1", "i2", "i4"]]
    assert res.index["B"] == pytest.approx(float((norm * eff[["i1", "i2", "i4"]]).sum()))


def test_strengths_and_weaknesses(tiny_spec, tiny_data):
    res = airank.build(tiny_spec, tiny_data)
    strong, weak = res.strengths_weaknesses("C", n=2)
    assert strong["code"].tolist() == ["i4", "i2"]  # ranks 1 and 2; i1 is 3rd
    assert weak["code"].iloc[0] == "i3"  # rank 4


def test_screen_removes_low_coverage(tiny_spec, tiny_frame):
    frame = tiny_frame.copy()
    frame.loc[3, ["i1", "i2"]] = np.nan  # D: 1 of 4 indicators
    res = airank.build(tiny_spec, airank.read_data(frame, tiny_spec))
    assert "D" not in res.units
    assert res.coverage().set_index("unit").loc["D", "kept"] == np.False_
    rec = next(r for r in res.records if r.step == "screen")
    assert rec.learned["removed"] == ["D"]
    with pytest.raises(DataError, match="screened out"):
        res.contributions("D")


def test_impute_group_mean_by_hand(tiny_frame):
    spec = IndexSpec.from_dict({**TINY_SPEC, "methodology": {
        **TINY_SPEC["methodology"], "impute": {"method": "mean", "by": "region"}}})
    res = airank.build(spec, airank.read_data(tiny_frame, spec))
    assert res.stages["imputed"].loc["D", "i4"] == 3.0  # mean of south = C only
    assert bool(res.imputed.loc["D", "i4"]) and res.imputed.sum().sum() == 1
    assert res.fitted["impute"]["i4"] == GroupFit(method="mean", values={"north": 1.5,
                                                                        "south": 3.0})


def test_denominate_by_hand(tiny_frame):
    doc = {**TINY_SPEC, "denominators": [{"code": "pop"}],
           "indicators": [dict(i, denominator="pop") if i["code"] == "i1" else i
                          for i in TINY_SPEC["indicators"]]}
    spec = IndexSpec.from_dict(doc)
    frame = tiny_frame.assign(pop=[1.0, 2.0, 5.0, 10.0])
    res = airank.build(spec, airank.read_data(frame, spec))
    np.testing.assert_allclose(res.stages["denominated"]["i1"], [0, 5, 1, 1])
    np.testing.assert_allclose(res.stages["denominated"]["i2"], res.stages["raw"]["i2"])


def test_fitted_goalposts_reused(tiny_spec, tiny_data, tiny_frame):
    res = airank.build(tiny_spec, tiny_data)
    later = tiny_frame.copy()
    later["i1"] = later["i1"] + 5  # a later edition: everyone improves on i1
    res2 = airank.build(tiny_spec, airank.read_data(later, tiny_spec), fitted=res.fitted)
    # same goalposts (0..10): A now 5 -> 50; B, D 15 -> 150 (beyond the old frontier)
    np.testing.assert_allclose(res2.scores["i1"], [50, 150, 100, 150])
    fresh = airank.build(tiny_spec, airank.read_data(later, tiny_spec))
    np.testing.assert_allclose(fresh.scores["i1"], [0, 100, 50, 100])


def test_year_and_lookback():
    spec = IndexSpec.from_dict({**TINY_SPEC, "units": {"kind": "custom"},
                                "data": {"year": 2022, "lookback": 1}})
    rows = []
    for u, base in (("A", 1.0), ("B", 2.0), ("C", 3.0)):
        for code in ("i1", "i2", "i3", "i4"):
            for year in (2020, 2021, 2022, 2023):
                if not (u == "A" and code == "i1" and year == 2022):
                    rows.append((u, code, year, base + year - 2020))
    data = airank.read_data(pd.DataFrame(rows, columns=["unit", "indicator", "year", "value"]),
                            spec)
    res = airank.build(spec, data)
    assert res.year == 2022
    assert res.stages["raw"].loc["A", "i1"] == 2.0  # 2021 value, within the 1-year lookback
    assert res.source_years.loc["A", "i1"] == 2021
    assert res.stages["raw"].loc["B", "i1"] == 4.0  # 2022 value
    assert airank.build(spec, data, year=2023).stages["raw"].loc["A", "i1"] == 4.0


def test_geometric_needs_positive_values(tiny_spec, tiny_data):
    spec = tiny_spec.with_changes({"methodology.aggregate.method": "geometric"})
    with pytest.raises(DataError, match=r"geometric mean of '.*' needs values > 0"):
        airank.build(spec, tiny_data)
    ok = spec.with_changes({"methodology.normalise.lower": 1})
    res = airank.build(ok, tiny_data)
    assert np.all(res.index > 0)


def test_per_indicator_override(tiny_frame):
    spec = IndexSpec.from_dict({**TINY_SPEC, "indicators": [
        dict(i, methods={"normalise": {"method": "goalposts", "low": 0, "high": 20}})
        if i["code"] == "i1" else i for i in TINY_SPEC["indicators"]]})
    res = airank.build(spec, airank.read_data(tiny_frame, spec))
    np.testing.assert_allclose(res.scores["i1"], [0, 50, 25, 50])
    np.testing.assert_allclose(res.scores["i3"], [50, 50, 0, 100])


def test_goalposts_with_negative_direction():
    spec = IndexSpec.from_dict({**TINY_SPEC, "indicators": [
        dict(i, methods={"normalise": {"method": "goalposts", "low": 0, "high": 20}})
        if i["code"] == "i2" else i for i in TINY_SPEC["indicators"]]})
    frame = pd.DataFrame({"unit": list("ABCD"), "region": "x", "i1": [1.0, 2, 3, 4],
                          "i2": [0.0, 5, 20, 30], "i3": [1.0, 2, 3, 4], "i4": [1.0, 2, 3, 4]})
    res = airank.build(spec, airank.read_data(frame, spec))
    # higher is worse: 0 is the best (100), 20 the worst (0), 30 truncated to 0
    np.testing.assert_allclose(res.scores["i2"], [100, 75, 0, 0])


def test_same_inputs_same_result(asem):
    a, b = airank.build(*asem), airank.build(*asem)
    pd.testing.assert_frame_equal(a.scores, b.scores)
    assert a.data_hash == b.data_hash and len(a.data_hash) == 64


def test_reaggregate_equals_a_full_build(asem):
    from airank.pipeline import reaggregate

    spec, data = asem
    base = airank.build(spec, data)
    changed = spec.with_changes({"Conn.weight": 3, "LPI.weight": 0.5,
                                 "methodology.aggregate_levels.4.method": "geometric"})
    fast, full = reaggregate(base, changed), airank.build(changed, data)
    pd.testing.assert_frame_equal(fast.scores, full.scores, rtol=1e-12)
    assert fast.spec is changed
    other = IndexSpec.from_dict({**TINY_SPEC})
    with pytest.raises(DataError, match="same tree"):
        reaggregate(base, other)


def test_unit_without_group_is_not_imputed_from_a_nan_group(tiny_frame):
    spec = IndexSpec.from_dict({**TINY_SPEC, "methodology": {
        **TINY_SPEC["methodology"], "impute": {"method": "mean", "by": "region"}}})
    frame = tiny_frame.assign(region=["north", "north", "south", ""])
    frame.loc[2, "i4"] = np.nan  # C (south) and D (no region) lack i4
    data = airank.read_data(frame, spec)
    assert pd.isna(data.groups.loc["D", "region"])
    res = airank.build(spec.with_changes({"methodology.screen.min_coverage": 0.5}), data)
    assert np.isnan(res.stages["imputed"].loc["D", "i4"])  # no group: stays missing
    assert np.isnan(res.stages["imputed"].loc["C", "i4"])  # south has no i4 value at all
