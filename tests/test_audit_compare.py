"""Comparing builds and leaving elements out, against COINr 1.1.14's ``compare_coins``,
``compare_coins_multi`` and ``remove_elements``.

Reference values: ``tests/data/golden/coinr/{compare,remove_elements}/`` (README there):
COINr's example coin against its geometric (min-max 1-100) and z-score variants, which
are airank's ASEM methodologies ``minmax1_geom`` and ``zscore`` (``test_asem_coinr.py``).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import airank
from airank.analysis.audit.compare import (
    compare_correlations,
    compare_many,
    compare_results,
    remove_elements,
)

COINR = Path(__file__).parent / "data" / "golden" / "coinr"


@pytest.fixture(scope="module")
def builds(asem):
    spec, data = asem
    geom = spec.with_changes({"methodology.normalise.lower": 1,
                              "methodology.aggregate.method": "geometric"})
    doc = spec.to_dict()
    doc["methodology"]["normalise"] = {"method": "zscore", "mean": 0, "sd": 1}
    return {"Default": airank.build(spec, data), "Geom": airank.build(geom, data),
            "Zscore": airank.build(airank.IndexSpec.from_dict(doc), data)}


def _read(*parts: str) -> pd.DataFrame:
    return pd.read_csv(COINR.joinpath(*parts), index_col=0)


@pytest.mark.parametrize(("by", "file"), [("ranks", "compare_Index_ranks"),
                                          ("scores", "compare_Index_scores")])
def test_compare_two_builds_equals_coinr(builds, by, file):
    want = _read("compare", f"{file}.csv")
    got = compare_results(builds["Default"], builds["Geom"], by=by,
                          labels=("coin.1", "coin.2"))
    got = got.loc[want.index]
    for theirs, ours in {"coin.1": "coin.1", "coin.2": "coin.2", "Diff": "diff",
                         "Abs.diff": "abs_diff"}.items():
        np.testing.assert_allclose(got[ours], want[theirs], rtol=1e-12, atol=1e-12)


def test_compare_a_group_sorted(builds):
    want = _read("compare", "compare_Conn_ranks_sorted.csv")
    got = compare_results(builds["Default"], builds["Geom"], code="Conn")
    got = got.sort_values("abs_diff", ascending=False, kind="stable")
    assert got["abs_diff"].tolist() == want["Abs.diff"].tolist()
    np.testing.assert_array_equal(got.loc[want.index, "diff"], want["Diff"])


@pytest.mark.parametrize("by", ["ranks", "scores"])
def test_compare_many_equals_coinr(builds, by):
    got = compare_many(builds, by=by)
    for tab, key in (("Values", "values"), ("Diffs", "diffs"), ("AbsDiffs", "abs_diffs")):
        want = _read("compare", f"multi_{by}_{tab}.csv")
        g = got[key].loc[want.index, list(want.columns)]
        np.testing.assert_allclose(g.to_numpy(dtype=float), want.to_numpy(dtype=float),
                                   rtol=1e-12, atol=1e-12, err_msg=f"{by} {tab}")
    # sorted by the base (Default) as COINr's sort_table
    assert got["values"]["Default"].is_monotonic_increasing


@pytest.mark.parametrize("by", ["ranks", "scores"])
def test_compare_correlations_equal_coinr(builds, by):
    want = pd.read_csv(COINR / "compare" / "compare_corr.csv")
    want = want[want["compare_by"] == by]
    got = compare_correlations(builds["Default"], builds["Geom"], codes=list(want["iCode"]),
                               by=by)
    np.testing.assert_allclose(got["r"], want["Correlation"], rtol=1e-12)
    assert (got["n"] == 51).all()


@pytest.mark.parametrize("level", [1, 2])
def test_remove_elements_equals_coinr(builds, level):
    got = remove_elements(builds["Default"], level=level)
    for name, frame in (("scores", got.scores), ("ranks", got.ranks),
                        ("rank_diffs", got.rank_diffs)):
        want = _read("remove_elements", f"L{level}_{name}.csv")
        g = frame.rename(columns={"nominal": "Nominal"}).loc[want.index, list(want.columns)]
        np.testing.assert_allclose(g.to_numpy(dtype=float), want.to_numpy(dtype=float),
                                   rtol=1e-12, atol=1e-12, err_msg=name)
    want = _read("remove_elements", f"L{level}_mean_abs_diff.csv")["MeanAbsDiff"]
    np.testing.assert_allclose(got.mean_abs_diff.rename({"nominal": "Nominal"})
                               .loc[want.index], want, rtol=1e-14)


def test_remove_and_compare_errors(builds, asem):
    with pytest.raises(airank.DataError, match="level must be"):
        remove_elements(builds["Default"], level=4)
    with pytest.raises(airank.DataError, match="'Nope' is not a node"):
        compare_results(builds["Default"], builds["Geom"], code="Nope")
    with pytest.raises(airank.DataError, match="at least two"):
        compare_many({"a": builds["Default"]})
    ed = airank.Edition.example("asem")  # an Edition works as well as a Result
    assert compare_results(ed, builds["Default"])["abs_diff"].max() == 0


def test_cli_compare_remove_and_stats(tmp_path, capsys):
    from airank.cli import main

    spec = airank.datasets.asem_spec()
    a, b = tmp_path / "default.yaml", tmp_path / "geom.yaml"
    a.write_text(spec.to_yaml())
    b.write_text(spec.with_changes({"methodology.normalise.lower": 1,
                                    "methodology.aggregate.method": "geometric"}).to_yaml())
    data = str(airank.datasets.path("asem", "ASEM_iData.csv"))
    assert main(["compare", str(a), str(b), "--data", data, "--format", "csv"]) == 0
    t = pd.read_csv(io.StringIO(capsys.readouterr().out)).set_index("unit")
    want = _read("compare", "compare_Index_ranks.csv")
    np.testing.assert_array_equal(t.loc[want.index, "diff_geom"], -want["Diff"])
    assert main(["remove", "--example", "asem", "--level", "2", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    want = _read("remove_elements", "L2_mean_abs_diff.csv")["MeanAbsDiff"]
    got = {r["removed"]: r["mean_abs_rank_change"] for r in doc["rows"]}
    assert got == pytest.approx(want.drop("Nominal").to_dict(), rel=1e-9)  # JSON: 10 digits
    assert main(["stats", "--example", "asem", "--format", "csv"]) == 0
    s = pd.read_csv(io.StringIO(capsys.readouterr().out)).set_index("code")
    assert s.loc["Flights", "flag_skew_kurtosis"]  # COINr: OUT on the raw data
    assert main(["compare", str(a), "--data", data]) == 2
