"""Scenarios: shocks, presets, validation, comparison with intervals, the CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

import airank
from airank import IndexSpec, ScenarioError
from airank.analysis.scenarios.effects import run_scenario
from airank.analysis.scenarios.shocks import (
    Scenario,
    Shock,
    apply_scenario,
    load_scenario,
    parse_scenario,
    preset,
    presets,
)
from airank.cli import main
from airank.edition import Edition

SYN_SPEC = IndexSpec.from_dict({
    "name": "Synthetic",
    "units": {"kind": "custom"},
    "nodes": [{"code": "index"}, {"code": "p1", "parent": "index"},
              {"code": "p2", "parent": "index", "weight": 2}],
    "indicators": [{"code": f"i{k}", "parent": "p1" if k < 2 else "p2", "weight": 1 + k}
                   for k in range(4)],
    "methodology": {"screen": "none", "normalise": {"method": "minmax"},
                    "aggregate": {"method": "arithmetic"}},
})
UNITS = ["A", "B", "C", "D", "E"]


def _syn(values: list[list[float]]) -> airank.Dataset:
    frame = pd.DataFrame(values, columns=[f"i{k}" for k in range(4)])
    frame.insert(0, "unit", UNITS)
    return airank.read_data(frame, SYN_SPEC)


@pytest.fixture(scope="module")
def ogai_edition() -> Edition:
    return Edition.ogai()


@pytest.mark.parametrize("op,value", [("multiply", 1.0), ("add", 0.0), ("reduce", 0.0),
                                      ("toward", 0.0)])
def test_zero_shock_changes_nothing(asem, op, value):
    spec, data = asem
    ed = Edition.of(spec, data)
    shock = Shock(("CHN", "DEU"), spec.indicator_codes[:10], op, value,
                  partner="FRA" if op == "toward" else None)
    res = run_scenario(Scenario("zero", (shock,)), ed, n=0)
    pd.testing.assert_frame_equal(res.shocked.scores, res.baseline.scores)
    assert (res.table["rank_change"] == 0).all()
    assert res.drivers("CHN").empty


values = st.lists(st.lists(st.floats(0, 100, allow_nan=False), min_size=4, max_size=4),
                  min_size=5, max_size=5)


@given(values, st.integers(0, 4), st.integers(0, 3), st.floats(0, 50),
       st.sampled_from(["add", "multiply"]))
def test_positive_shock_never_lowers_own_score(rows, unit, ind, size, op):
    data = _syn(rows)
    ed = Edition.of(SYN_SPEC, data)
    u, code = UNITS[unit], f"i{ind}"
    shock = Shock((u,), (code,), op, size if op == "add" else 1 + size / 10)
    shocked, _ = apply_scenario(Scenario("up", (shock,)), data, SYN_SPEC)
    before, after = ed.baseline.index[u], ed.build(shocked).index[u]
    assert after >= before - 1e-9


def test_apply_does_not_mutate_and_lists_changes(ogai_edition):
    ed = ogai_edition
    panel = ed.data.panel.copy()
    scn = preset("sanctions", strength=0.5)
    new, changes = apply_scenario(scn, ed.data, ed.spec, year=ed.year)
    pd.testing.assert_frame_equal(ed.data.panel, panel)
    done = changes[changes["status"] == "changed"]
    assert len(done) and np.allclose(done["after"], done["before"] * 0.5)
    vals, _ = new.wide(list(done["code"]), year=ed.year, lookback=ed.spec.data.lookback)
    for r in done.itertuples():
        assert vals.at[r.unit, r.code] == pytest.approx(r.after)


def test_toward_moves_a_share_of_the_gap_and_gains_only():
    data = _syn([[0, 10, 0, 0], [10, 0, 0, 0], [5, 5, 5, 5], [1, 1, 1, 1], [2, 2, 2, 2]])
    shock = Shock(("A",), ("i0", "i1"), "toward", 0.25, partner="B", gains_only=True)
    _, ch = apply_scenario(Scenario("p", (shock,)), data, SYN_SPEC)
    got = ch.set_index("code")["after"]
    assert got["i0"] == pytest.approx(2.5)  # a quarter of the way from 0 to 10
    assert got["i1"] == pytest.approx(10.0)  # A is ahead: it loses nothing


def test_a_cell_named_twice_is_shocked_twice_in_order():
    data = _syn([[8, 10, 0, 0], [10, 0, 0, 0], [5, 5, 5, 5], [1, 1, 1, 1], [2, 2, 2, 2]])
    shocks = (Shock(("A", "A", "C"), ("i0", "i1", "i0"), "reduce", 0.5),
              Shock(("A",), ("i0",), "add", 1.0),
              Shock(("D",), ("i0", "i1"), "toward", 0.5, partner="A"))
    new, ch = apply_scenario(Scenario("twice", shocks), data, SYN_SPEC)
    # A.i0: 8 -> 4 -> 2 (i0 twice), again 2 -> 1 -> 0.5 (A twice), then + 1
    assert ch["unit"].tolist() == ["A"] * 6 + ["C"] * 3 + ["A", "D", "D"]
    assert ch["after"].tolist() == [4.0, 5.0, 2.0, 1.0, 2.5, 0.5, 2.5, 2.5, 1.25, 1.5,
                                    1.25, 1.75]
    assert ch["before"].tolist()[:6] == [8.0, 10.0, 4.0, 2.0, 5.0, 1.0]
    vals, _ = new.wide(["i0", "i1"])
    assert vals.loc["A"].tolist() == [1.5, 2.5] and vals.loc["D"].tolist() == [1.25, 1.75]


def test_presets_map_known_ogai_codes_with_rationale(ogai_edition):
    codes = set(ogai_edition.spec.indicator_codes)
    assert set(presets()) >= {"export-controls", "sanctions", "partnership"}
    for name in presets():
        scn = preset(name)
        assert scn.rationale and scn.assumption, name
        assert set(scn.indicators) <= codes, (name, set(scn.indicators) - codes)
        assert set(scn.indicators) <= set(scn.mapping), name
        # every mapped indicator has data in the latest edition
        raw = ogai_edition.baseline.stages["raw"][list(scn.indicators)]
        assert raw.notna().any().all(), name


@pytest.mark.parametrize("key", ["ogai", "asem"])
def test_every_preset_offered_for_an_index_names_its_indicators(key):
    """The rule shared by CLI, API and dashboard: a preset is offered for an index only
    if every indicator it shocks exists there (ASEM is offered none of the AI presets)."""
    ed = Edition.ogai() if key == "ogai" else Edition.example(key)
    codes = set(ed.spec.indicator_codes)
    offered = presets(index=key)
    assert (len(offered) >= 3) == (key == "ogai")
    for name in offered:
        assert set(preset(name).indicators) <= codes, name
    for name in set(presets()) - set(offered):
        assert not set(preset(name).indicators) <= codes, name


def test_preset_parameters_are_adjustable():
    scn = preset("partnership", countries=["IND"], partner="USA", strength=0.1,
                 indicators=["ai_publications"])
    (s,) = scn.shocks
    assert (s.units, s.partner, s.value, s.indicators) == (("IND",), "USA", 0.1,
                                                           ("ai_publications",))
    with pytest.raises(ScenarioError, match="'colour' is not a parameter"):
        preset("sanctions", colour="red")


def test_bad_scenario_file_lists_every_problem(tmp_path, ogai_edition):
    doc = {"name": "bad", "shocks": [
        {"units": ["RUS", "XYZ"], "indicators": ["ai_investment", "no_such"], "op": "reduce",
         "value": -0.3},
        {"units": "CHN", "indicators": "ai_investment", "op": "explode", "value": 2},
        {"units": "CHN", "indicators": "ai_investment", "op": "toward", "value": 0.5},
    ]}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, spec=ogai_edition.spec, data=ogai_edition.data)
    codes = {(i.code, i.value) for i in info.value.issues}
    assert {("unknown_unit", "XYZ"), ("unknown_indicator", "no_such"), ("bad_share", -0.3),
            ("unknown_op", "explode"), ("missing_partner", None)} <= codes
    text = str(info.value)
    assert "XYZ" in text and "no_such" in text and "explode" in text and "[0, 1]" in text


def test_structural_errors_without_data():
    with pytest.raises(ScenarioError) as info:
        parse_scenario({"shocks": [{"units": [], "op": "multiply", "value": -1, "x": 1}],
                        "extra": 1})
    codes = {i.code for i in info.value.issues}
    assert {"unknown_key", "bad_codes", "missing", "bad_factor"} <= codes
    with pytest.raises(ScenarioError, match="neither a preset nor a file"):
        load_scenario("no-such-preset")


def test_export_controls_on_ogai(ogai_edition):
    res = run_scenario(preset("export-controls"), ogai_edition, n=64, seed=3)
    t = res.index_table().set_index("unit")
    for u in ("RUS", "CHN"):
        assert t.at[u, "score_scenario"] < t.at[u, "score_base"]
        assert t.at[u, "rank_change"] <= 0
        assert t.at[u, "change_q05"] <= t.at[u, "change_median"] <= t.at[u, "change_q95"]
        assert "90% interval" in res.headline(u)
        assert (res.drivers(u)["to_index"] < 0).all()
    assert set(res.table["code"]) == set(ogai_edition.spec.codes)
    # the same draws on the same data give no change
    from airank.analysis.scenarios.effects import rank_change_interval

    same = rank_change_interval(ogai_edition, ogai_edition.data, n=32, seed=3)
    assert (same[["change_q05", "change_q95"]] == 0).all().all()


def test_cli_scenario(capsys):
    assert main(["scenario", "partnership", "RUS", "CHN", "--n", "16", "--format",
                 "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["parameters"]["partner"] == "CHN" and doc["parameters"]["countries"] == ["RUS"]
    rus = next(u for u in doc["units"] if u["unit"] == "RUS")
    assert rus["rank_change"] > 0
    assert main(["scenario", "sanctions", "--countries", "XXX", "--n", "0"]) == 2
    assert "XXX" in capsys.readouterr().err
