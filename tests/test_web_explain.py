"""What every number on the dashboard is: units, data years, status, sources.

A tiny index worked by hand (four units, four indicators, a value from the year before,
an inferred value, an imputed value), the ASEM example through the API, and the OGAI's
source catalogue for one published value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

import airank
from airank import IndexSpec
from airank.web import Settings, create_app
from airank.web.cache import ServedIndex
from airank.web.dependencies import get_settings
from airank.web.explain import (
    catalogue_lookup,
    describe_source,
    group_cells,
    indicator_cells,
    indicator_summary,
    value_unit,
)
from airank.web.shape import parse_weights

from .conftest import TINY_SPEC

FAST = Settings(indices=("asem",), rate_limit=0, live_replications=50, warm=False)
LOCAL = "http://localhost"


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = create_app(FAST)
    app.dependency_overrides[get_settings] = lambda: FAST
    with TestClient(app, base_url=LOCAL) as c:
        yield c


# -- a tiny index worked by hand --------------------------------------------------------
# unit, indicator, year, value, status. Edition 2021, lookback 1: A's i3 is from 2020;
# B's i3 is inferred; D has no i4, imputed with the mean of its region (C's 3.0).
ROWS = [("A", "i1", 2021, 0.0, "observed"), ("A", "i2", 2021, 10.0, "observed"),
        ("A", "i3", 2020, 5.0, "observed"), ("A", "i4", 2021, 1.0, "observed"),
        ("B", "i1", 2021, 10.0, "observed"), ("B", "i2", 2021, 0.0, "observed"),
        ("B", "i3", 2021, 5.0, "inferred"), ("B", "i4", 2021, 2.0, "observed"),
        ("C", "i1", 2021, 5.0, "observed"), ("C", "i2", 2021, 5.0, "observed"),
        ("C", "i3", 2021, 0.0, "observed"), ("C", "i4", 2021, 3.0, "observed"),
        ("D", "i1", 2021, 10.0, "observed"), ("D", "i2", 2021, 10.0, "observed"),
        ("D", "i3", 2021, 10.0, "observed")]


@pytest.fixture(scope="module")
def tiny() -> airank.Result:
    doc = {**TINY_SPEC, "data": {"year": 2021, "lookback": 1},
           "methodology": {**TINY_SPEC["methodology"],
                           "impute": {"method": "mean", "by": "region"}}}
    spec = IndexSpec.from_dict(doc)
    long = pd.DataFrame(ROWS, columns=["unit", "indicator", "year", "value", "status"])
    groups = pd.DataFrame({"region": ["north", "north", "south", "south"]},
                          index=pd.Index(["A", "B", "C", "D"], name="unit"))
    return airank.build(spec, airank.read_data(long, spec, groups=groups))


def test_cells_of_the_tiny_index(tiny: airank.Result) -> None:
    c = indicator_cells(tiny).set_index(["unit", "code"])
    assert list(tiny.scores.index) == ["A", "B", "C", "D"]  # all four ranked
    assert c.loc[("A", "i3"), ["value", "year", "status"]].tolist() == [5.0, 2020.0, "observed"]
    assert c.loc[("B", "i3"), ["value", "year", "status"]].tolist() == [5.0, 2021.0, "inferred"]
    d = c.loc[("D", "i4")]
    assert d["status"] == "imputed" and d["value"] == 3.0 and np.isnan(d["year"])
    assert (c["status"] == "observed").sum() == 14 and set(c["source"]) == {""}


def test_group_cells_of_the_tiny_index(tiny: airank.Result) -> None:
    g = group_cells(tiny).set_index(["unit", "code"])
    cols = ["year_min", "year_max", "n_indicators", "observed", "imputed", "inferred",
            "missing"]
    assert g.loc[("A", "p2"), cols].tolist() == [2020, 2021, 2, 2, 0, 0, 0]
    assert g.loc[("B", "p2"), cols].tolist() == [2021, 2021, 2, 1, 0, 1, 0]
    d = g.loc[("D", "p2"), cols].tolist()
    assert d[:2] == [2021, 2021] and d[2:] == [2, 1, 1, 0, 0]  # the imputed value has no year
    assert g.loc[("D", "index"), cols].tolist() == [2021, 2021, 4, 3, 1, 0, 0]


def test_indicator_summary_of_the_tiny_index(tiny: airank.Result) -> None:
    s = indicator_summary(tiny).set_index("code")
    assert s.loc["i3", ["year_min", "year_max", "year_mode"]].tolist() == [2020, 2021, 2021]
    assert s.loc["i3", ["observed", "inferred", "imputed", "missing"]].tolist() == [3, 1, 0, 0]
    assert s.loc["i3", "coverage"] == 0.75  # inferred values never count toward coverage
    assert s.loc["i4", ["observed", "imputed", "coverage"]].tolist() == [3, 1, 0.75]


def test_value_unit() -> None:
    doc = {**TINY_SPEC, "denominators": [{"code": "pop", "name": "Population",
                                          "unit": "persons"}],
           "indicators": [{**i, "unit": "H100 equivalents"} for i in TINY_SPEC["indicators"]]}
    doc["indicators"][0] = {**doc["indicators"][0], "denominator": "pop"}
    spec = IndexSpec.from_dict(doc)
    assert value_unit(spec, "i1") == "H100 equivalents per person (Population)"
    assert value_unit(spec, "i2") == "H100 equivalents"
    per_million = spec.with_changes({"methodology.denominate.scale": 1e6})
    assert value_unit(per_million, "i1") == "H100 equivalents per million persons (Population)"


def test_an_ogai_value_traces_to_its_source_row() -> None:
    from airank.ogai.catalogue import sources, table

    row = table().iloc[0]
    text = catalogue_lookup(row["iso3"], row["indicator"], int(row["year"]))
    assert text == row["source"]
    files = sources().to_dict("index")
    d = describe_source("world_bank_wdi/se.ter.enrr.csv[Country Code=RUS;Year=2024]", files)
    assert d["files"] == ["world_bank_wdi/se.ter.enrr.csv"]
    assert d["publishers"] == ["World Bank"] and d["licences"] == ["CC-BY-4.0"]
    assert d["notes"] == ["Country Code=RUS;Year=2024"]
    assert catalogue_lookup("RUS", "no_such_indicator", 2024) == ""


# -- the API on the ASEM example ---------------------------------------------------------
def test_methodology(client: TestClient) -> None:
    m = client.get("/api/indices/asem/methodology").json()
    ed = airank.Edition.example("asem")
    eff = ed.spec.effective_weights
    assert {g["code"]: g["effective_weight"] for g in m["framework"] if g["parent"]} == {
        c: pytest.approx(eff[c]) for c in ed.spec.group_codes if ed.spec.parent[c]}
    assert sum(i["effective_weight"] for i in m["indicators"]) == pytest.approx(1.0)
    cov = ed.baseline.indicator_coverage().set_index("code")
    for i in m["indicators"]:
        assert i["n_units"] == m["n_ranked"] == 51
        assert i["observed"] + i["imputed"] + i["inferred"] + i["missing"] == 51
        assert i["imputed"] == cov.at[i["code"], "n_imputed"]
        assert i["value_unit"] == value_unit(ed.spec, i["code"])
    assert [f["name"] for f in m["uncertainty"]["factors"]][-2:] == ["normalisation",
                                                                     "aggregation"]
    assert m["uncertainty"]["replications"] == 50 and m["sources"] == []


def test_methodology_weights_are_those_the_scores_use() -> None:
    """OGAI 2025: indicators without data in the edition weigh 0 (their siblings take
    their share), as in the scores; the shown weights are the build's."""
    app = create_app(Settings(indices=("ogai",), rate_limit=0))
    with TestClient(app, base_url="http://127.0.0.1") as c:
        m = c.get("/api/indices/ogai/methodology", params={"edition": 2025}).json()
    res = airank.Edition.ogai(2025).baseline
    eff = res.effective_weights()
    empty = [i for i in m["indicators"] if i["coverage"] == 0 and i["imputed"] == 0
             and i["inferred"] == 0]
    assert empty, "the 2025 edition has indicators without data"
    assert all(i["effective_weight"] == 0 for i in empty)
    assert sum(i["effective_weight"] for i in m["indicators"]) == pytest.approx(1.0)
    assert {i["code"]: i["effective_weight"] for i in m["indicators"]} == {
        c: pytest.approx(eff[c]) for c in res.spec.indicator_codes}


def test_cells_match_the_result(client: TestClient) -> None:
    c = client.get("/api/indices/asem/cells").json()
    res = airank.Edition.example("asem").baseline
    assert sorted(c["values"]) == sorted(res.scores.index)
    imputed = sum(v[2] == "i" for u in c["values"].values() for v in u.values())
    assert imputed == int(res.imputed.loc[res.scores.index].to_numpy().sum()) > 0
    for unit, groups in c["groups"].items():
        top = groups[res.spec.index_code]
        assert top[2] == len(res.spec.indicator_codes) == sum(top[3:])
        assert top[4] == int(res.imputed.loc[unit].sum())


def test_ranking_change_against_the_published_weights(client: TestClient) -> None:
    base = client.get("/api/indices/asem/ranking", params={"replications": 0}).json()
    assert base["custom"] is False
    assert all(r["rank_change"] == 0 for r in base["rows"])
    eff = base["effective_weights"]
    spec = airank.Edition.example("asem").spec
    assert sum(eff[c] for c in spec.indicator_codes) == pytest.approx(1.0)
    got = client.get("/api/indices/asem/ranking",
                     params={"replications": 0, "weights": "Conn:3"}).json()
    assert got["custom"] is True
    before = {r["unit"]: r["rank"] for r in base["rows"]}
    for r in got["rows"]:
        assert r["rank_default"] == before[r["unit"]]
        assert r["rank_change"] == r["rank_default"] - r["rank"]
    assert any(r["rank_change"] != 0 for r in got["rows"])
    assert got["effective_weights"]["Conn"] == pytest.approx(0.75)  # 3 / (3 + 1)


def test_ranking_download_carries_weights_and_indicator_values(client: TestClient) -> None:
    import io

    r = client.get("/api/indices/asem/ranking",
                   params={"replications": 0, "weights": "Conn:3", "format": "csv"})
    t = pd.read_csv(io.StringIO(r.text))
    assert set(t["edition"]) == {2018} and set(t["view"]) == {"default"}
    weights = parse_weights(t["weights"].iloc[0])
    assert weights["Conn"] == 3 and weights["Sust"] == 1
    res = airank.Edition.example("asem").baseline
    code = res.spec.indicator_codes[0]
    assert {f"{code}_value", f"{code}_year", f"{code}_status"} <= set(t.columns)
    flags = t.set_index("unit")[[f"{c}_status" for c in res.spec.indicator_codes]]
    n_imputed = int((flags == "imputed").to_numpy().sum())
    assert n_imputed == int(res.imputed.loc[res.scores.index].to_numpy().sum())
    full = client.get("/api/indices/asem/ranking",
                      params={"replications": 0, "detail": "full"}).json()
    assert len(full["values"]) == len(res.scores) * len(res.spec.indicator_codes)
    p = client.get("/api/indices/asem/units/AUT", params={"format": "csv"})
    head = p.text.splitlines()[0].split(",")
    assert {"unit", "edition", "view", "value_unit", "status", "year", "weights"} <= set(head)


def test_presets_are_offered_per_index(client: TestClient) -> None:
    assert client.get("/api/indices/asem/scenarios").json() == []
    assert client.get("/api/scenarios", params={"index": "asem"}).json() == []
    assert client.get("/api/scenarios", params={"index": "ogai"}).json() == [
        "export-controls", "partnership", "sanctions"]


def test_profile_values_say_unit_year_status_source(client: TestClient) -> None:
    p = client.get("/api/indices/asem/units/AUT").json()
    res = airank.Edition.example("asem").baseline
    assert len(p["values"]) == len(res.spec.indicator_codes)
    for v in p["values"]:
        assert v["unit"] == value_unit(res.spec, v["code"])
        assert v["status"] in ("observed", "imputed", "inferred", "missing")
        if v["status"] == "imputed":
            assert v["source"].startswith("imputed: mean of the unit's EurAsia_group")
    assert p["weights"]["Conn"] == 1


# -- the trend: "of N", the indicator set's changes, the OGAI's comparable series ----------
def _as_ogai() -> ServedIndex:
    """The ASEM example served under the OGAI's key: the trend asks airank.ogai.trend."""
    ed = airank.Edition.example("asem")
    return ServedIndex("ogai", "test", (2018,), ("default",), lambda _e, _v: ed)


def test_trend_passes_the_ogai_comparable_series_through(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from airank import ogai
    from airank.web import compute

    src = _as_ogai()
    calls = []

    def fake(iso3: str, view: str = "scale") -> pd.DataFrame:
        calls.append((iso3, view))
        return pd.DataFrame({"edition": [2018], "rank": [9], "n_ranked": [51],
                             "score": [59.7], "comparable_score": [57.25],
                             "indicators_added": ["b; a"], "indicators_removed": [[]]})

    monkeypatch.setattr(ogai, "trend", fake)
    compute._ogai_trend.cache_clear()
    rows = compute.trend(src, "AUT", view=None, weights={})
    assert calls == [("AUT", "default")]
    assert rows[0]["comparable_score"] == 57.25
    assert rows[0]["indicators_added"] == ["a", "b"] and rows[0]["indicators_removed"] == []
    res = src.edition().baseline  # rank and N are the served edition's own
    assert rows[0]["n_ranked"] == 51 and rows[0]["rank"] == res.ranks.at["AUT", "Index"]
    # custom weights: the published comparable series does not apply
    assert compute.trend(src, "AUT", view=None, weights={"Conn": 2})[0][
        "comparable_score"] is None
    compute._ogai_trend.cache_clear()


def test_trend_without_the_comparable_column_degrades(monkeypatch: pytest.MonkeyPatch) -> None:
    from airank import ogai
    from airank.web import compute

    monkeypatch.setattr(ogai, "trend", lambda iso3, view="scale": pd.DataFrame(
        {"edition": [2018], "rank": [9], "n_ranked": [51], "score": [59.7]}))
    compute._ogai_trend.cache_clear()
    row = compute.trend(_as_ogai(), "AUT", view=None, weights={})[0]
    assert row["comparable_score"] is None
    assert row["indicators_added"] == [] and row["n_indicators"] == 49
    compute._ogai_trend.cache_clear()
