"""COINr's tables in and out: ``from_coinr`` / ``to_coinr`` and the CLI commands.

The converted ASEM tables, built with the example's methodology, reproduce COINr's own
build (the golden files of ``tests/data/golden/asem/``, compared as
``test_asem_coinr.py`` does); the round trips are lossless; a panel converts too.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import airank
from airank.cli import main
from airank.coinr import from_coinr, read_coinr, to_coinr

from .test_asem_coinr import GOLDEN, METHODS, STAGES, _golden, _spec

ASEM = Path(airank.datasets.path("asem"))
IDATA, IMETA = ASEM / "ASEM_iData.csv", ASEM / "ASEM_iMeta.csv"
PANEL = Path(__file__).parent / "data" / "golden" / "coinr" / "inputs" / "ASEM_iData_p.csv"


@pytest.fixture(scope="module")
def converted():
    meth = airank.datasets.asem_spec().to_dict()["methodology"]
    spec, table = from_coinr(IDATA, IMETA, methodology=meth, kind="country")
    return spec, airank.read_data(table, spec)


@pytest.mark.parametrize("method", sorted(METHODS))
def test_converted_asem_reproduces_coinrs_build(converted, method):
    """The six methodologies of test_asem_coinr.py on the converted tables: every stage
    and the ranks equal COINr's golden files."""
    spec, data = converted
    result = airank.build(_spec(spec, method), data)
    for stage in [*STAGES, "ranks"]:
        if not (GOLDEN / method / f"{stage}.csv").exists():
            continue
        want = _golden(method, stage)
        got = result.ranks if stage == "ranks" else result.stages[stage]
        got = got.loc[want.index, list(want.columns)]
        np.testing.assert_allclose(got.to_numpy(dtype=float), want.to_numpy(dtype=float),
                                   rtol=1e-12, atol=1e-12, err_msg=f"{method}/{stage}")


def test_converted_spec_keeps_tree_weights_directions_denominators_groups(converted):
    spec, _ = converted
    ref = airank.datasets.asem_spec()
    assert {k: set(v) for k, v in spec.children.items()} == {
        k: set(v) for k, v in ref.children.items()}
    assert spec.weights == ref.weights
    for c in ref.indicator_codes:
        a, b = spec.indicator(c), ref.indicator(c)
        assert (a.direction, a.denominator, a.target, a.unit, a.name) == (
            b.direction, b.denominator, b.target, b.unit, b.name)
    assert spec.units.groups == ref.units.groups
    assert [d.code for d in spec.denominators] == [d.code for d in ref.denominators]


def _same_tables(a: pd.DataFrame, b: pd.DataFrame, key: list[str]) -> None:
    a = a.sort_values(key).reset_index(drop=True)
    b = b.sort_values(key).reset_index(drop=True)[list(a.columns)]
    for c in a.columns:
        if pd.api.types.is_numeric_dtype(a[c]) and pd.api.types.is_numeric_dtype(b[c]):
            np.testing.assert_array_equal(a[c].to_numpy(dtype=float),
                                          b[c].to_numpy(dtype=float), err_msg=c)
        else:
            assert a[c].fillna("").astype(str).tolist() == b[c].fillna("").astype(str).tolist(), c


@pytest.mark.parametrize("idata", [IDATA, PANEL])
def test_round_trip_coinr_airank_coinr_is_lossless(idata):
    data0, meta0 = read_coinr(idata, IMETA)
    spec, table = from_coinr(idata, IMETA, kind="country")
    data1, meta1 = to_coinr(spec, airank.read_data(table, spec))
    _same_tables(data0, data1, ["uCode", "Time"])
    # the two losses, fields airank's spec has no place for: a unit group's display name
    # (to_coinr writes the code) and an aggregate's Unit (ASEM's "Score")
    groups, aggs = meta0["Type"] == "Group", meta0["Type"] == "Aggregate"
    m1 = meta1.set_index("iCode")
    assert (m1.loc[meta0.loc[groups, "iCode"], "iName"] == meta0.loc[groups, "iCode"]
            .to_numpy()).all()
    assert m1.loc[meta0.loc[aggs, "iCode"], "Unit"].isna().all()
    meta0 = meta0.assign(iName=meta0["iName"].where(~groups, meta0["iCode"]),
                         Unit=meta0["Unit"].where(~aggs))
    _same_tables(meta0[[c for c in meta0.columns if c in meta1.columns]], meta1, ["iCode"])
    assert set(meta1.columns) <= set(meta0.columns) | {"Source", "Description"}


def test_round_trip_airank_coinr_airank_is_lossless(tiny_spec, tiny_data):
    spec = tiny_spec.with_changes({"i2.source": "hand", "i4.target": 9, "p1.weight": 2})
    idata, imeta = to_coinr(spec, tiny_data)
    back, table = from_coinr(idata, imeta, name=spec.name,
                             methodology=spec.to_dict()["methodology"])
    a, b = spec.to_dict(), back.to_dict()
    assert {k: a[k] for k in ("nodes", "indicators", "denominators", "methodology")} == {
        k: b[k] for k in ("nodes", "indicators", "denominators", "methodology")}
    assert back.units.groups == spec.units.groups
    again = airank.read_data(table, back)
    assert again.hash == tiny_data.hash
    pd.testing.assert_frame_equal(airank.build(back, again).scores,
                                  airank.build(spec, tiny_data).scores)


def test_panel_converts_and_builds_every_year():
    spec, table = from_coinr(PANEL, IMETA, methodology=airank.datasets.asem_spec().to_dict()[
        "methodology"], kind="country")
    data = airank.read_data(table, spec)
    assert data.years == [2018, 2019, 2020, 2021, 2022]
    first = airank.build(spec, data, year=2018)
    want = _golden("default", "aggregated")  # the panel's 2018 rows are ASEM_iData
    np.testing.assert_allclose(first.scores.loc[want.index, list(want.columns)].to_numpy(),
                               want.to_numpy(), rtol=1e-12)
    later = airank.build(spec, data, year=2022)
    assert not np.allclose(later.index.loc[want.index], first.index.loc[want.index])


def test_bad_tables_report_every_problem():
    meta = pd.read_csv(IMETA)
    meta.loc[meta["iCode"] == "LPI", "Parent"] = "Nowhere"
    meta.loc[meta["iCode"] == "Goods", "Type"] = "Indikator"
    meta.loc[meta["iCode"] == "Physical", "Level"] = 3
    data = pd.read_csv(IDATA).drop(columns=["Embs"])
    with pytest.raises(airank.DataError) as err:
        from_coinr(data, meta)
    codes = {i.code for i in err.value.issues}
    assert codes >= {"unknown_parent", "unknown_type", "level_gap", "missing_column"}
    with pytest.raises(airank.DataError, match="no 'Weight' column"):
        from_coinr(data, meta.drop(columns="Weight"))


def test_cli_from_coinr_then_build_then_to_coinr(tmp_path):
    meth = tmp_path / "meth.yaml"
    meth.write_text(airank.datasets.asem_spec().to_yaml())
    out = tmp_path / "conv"
    assert main(["from-coinr", str(IDATA), str(IMETA), "-o", str(out), "--methodology",
                 str(meth), "--countries"]) == 0
    assert yaml.safe_load((out / "spec.yaml").read_text())["units"]["kind"] == "country"
    assert json.loads((out / "manifest.json").read_text())["converted_from"]
    assert main(["build", str(out / "spec.yaml"), str(out / "data.csv"), "-o",
                 str(tmp_path / "b")]) == 0
    scores = pd.read_csv(tmp_path / "b" / "scores.csv").set_index("unit")
    want = _golden("default", "aggregated")
    np.testing.assert_allclose(scores.loc[want.index, "Index"], want["Index"], rtol=1e-12)
    assert main(["to-coinr", str(out / "spec.yaml"), str(out / "data.csv"), "-o",
                 str(tmp_path / "back")]) == 0
    _same_tables(pd.read_csv(IDATA), pd.read_csv(tmp_path / "back" / "iData.csv"),
                 ["uCode"])


def test_cli_errors_exit_2(tmp_path, capsys):
    assert main(["from-coinr", str(tmp_path / "no.csv"), str(IMETA), "-o",
                 str(tmp_path / "x")]) == 2
    assert "does not exist" in capsys.readouterr().err
