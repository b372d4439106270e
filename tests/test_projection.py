"""Projection: trend models recover known series; OGAI projections with intervals."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import airank
from airank import IndexSpec, ScenarioError
from airank.analysis.scenarios.projection import _cube, _theil_sen, project
from airank.analysis.scenarios.shocks import preset
from airank.cli import main
from airank.edition import Edition

SPEC = IndexSpec.from_dict({
    "name": "Trends",
    "units": {"kind": "custom"},
    "data": {"lookback": 0},
    "nodes": [{"code": "index"}],
    "indicators": [{"code": "a", "parent": "index"}, {"code": "b", "parent": "index"}],
    "methodology": {"screen": "none", "normalise": {"method": "minmax"}},
})
YEARS = np.arange(2015, 2023)
START = {"U1": (100.0, 5.0), "U2": (50.0, 20.0), "U3": (10.0, 40.0), "U4": (1.0, 80.0)}
GROWTH = {"U1": (0.10, 0.02), "U2": (0.05, -0.03), "U3": (0.20, 0.0), "U4": (0.30, 0.07)}


def _loglinear() -> airank.Dataset:
    rows = [(u, int(t), *(START[u][k] * np.exp(GROWTH[u][k] * (t - 2015)) for k in (0, 1)))
            for u in START for t in YEARS]
    return airank.read_data(pd.DataFrame(rows, columns=["unit", "year", "a", "b"]), SPEC)


def test_exact_loglinear_series_is_recovered():
    ed = Edition.of(SPEC, _loglinear())
    res = project(ed, year=2030, n=8, seed=0, clip=False)
    got = res.values
    for u in START:
        for k, code in enumerate("ab"):
            truth = START[u][k] * np.exp(GROWTH[u][k] * 15)
            assert got.at[u, code] == pytest.approx(truth, rel=1e-9)
    t = res.trends.set_index(["unit", "code"])
    assert t.at[("U4", "a"), "growth"] == pytest.approx(np.expm1(0.30))
    assert set(t["kind"]) == {"log"}
    # no residuals: every bootstrap replication is the central projection
    s = res.summary
    assert (s["rank_q05"] == s["rank"]).all() and (s["rank_q95"] == s["rank"]).all()
    assert np.allclose(s["score_q05"], s["score"]) and np.allclose(s["score_q95"], s["score"])


def test_clip_keeps_values_in_the_observed_range():
    ed = Edition.of(SPEC, _loglinear())
    res = project(ed, year=2030, n=0)
    panel = ed.data.panel
    for code in "ab":
        vals = res.values[code]
        obs = panel.loc[panel["code"] == code, "value"]
        assert vals.max() <= obs.max() + 1e-9 and vals.min() >= obs.min() - 1e-9


def test_theil_sen_is_robust_to_one_outlier():
    t = np.arange(10.0)
    z = 2.0 + 0.5 * t
    z_bad = z.copy()
    z_bad[3] += 40
    b, a = _theil_sen(np.vstack([z, z_bad]), t)
    assert b[0] == pytest.approx(0.5) and a[0] == pytest.approx(2.0)
    assert b[1] == pytest.approx(0.5) and a[1] == pytest.approx(2.0)


def test_projection_errors():
    ed = Edition.of(SPEC, _loglinear())
    with pytest.raises(ScenarioError) as info:
        project(ed, year=2020, model="magic")
    assert {i.code for i in info.value.issues} == {"bad_year", "unknown_model"}


@pytest.fixture(scope="module")
def ogai_edition() -> Edition:
    return Edition.ogai()


def test_ogai_projection_and_scenario(ogai_edition):
    plain = project(ogai_edition, year=2030, n=6, seed=2)
    s = plain.summary
    assert {"USA", "CHN", "RUS"} <= set(s.index)
    assert (s["rank_q05"] <= s["rank_median"]).all() and (s["rank_median"] <= s["rank_q95"]).all()
    assert plain.central.year == 2030
    # the projected edition keeps the latest edition's data pattern
    assert set(plain.central.units) == set(ogai_edition.baseline.units)
    sanctioned = project(ogai_edition, year=2030, n=6, seed=2,
                         scenario=preset("sanctions", strength=0.5))
    assert sanctioned.summary.at["RUS", "score"] < s.at["RUS", "score"]


def test_cli_project(capsys):
    assert main(["project", "--year", "2028", "--n", "3", "--countries", "USA,CHN,RUS",
                 "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {u["unit"] for u in doc["units"]} == {"USA", "CHN", "RUS"}
    assert main(["project", "--year", "2020"]) == 2


def test_the_series_cube_is_the_pivot_of_first_values():
    """:func:`_cube` (one scatter) against the pivot it replaces, duplicates included."""
    rng = np.random.default_rng(5)
    rows = pd.DataFrame({"unit": rng.choice(["B", "A", "C"], 60),
                         "code": rng.choice(["y", "x"], 60),
                         "year": rng.choice([2019, 2017, 2018], 60),
                         "value": rng.integers(0, 5, 60) * 1.5})
    units, years, cube = _cube(rows, ["x", "y"])
    wide = rows.pivot_table(index=["unit", "code"], columns="year", values="value",
                            aggfunc="first")
    assert list(units) == ["A", "B", "C"] and list(years) == [2017, 2018, 2019]
    for (u, c), row in wide.iterrows():
        got = cube[list(units).index(u), ["x", "y"].index(c)]
        np.testing.assert_array_equal(got, row.reindex(years).to_numpy(dtype=float))
    assert np.isnan(cube).sum() == cube.size - wide.notna().to_numpy().sum()
