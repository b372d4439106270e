"""The Open Global AI Index: editions, views, fixed goalposts, flags, CLI, validation."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from airank import ogai
from airank.cli import main
from airank.countries import reconcile
from airank.errors import AirankError, DataError, SpecError

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "data" / "sources"
TORTOISE = SOURCES / "tortoise_gai"
# Floor for the rank correlations with published indices (observed: 0.87 Tortoise 2021,
# 0.98 Oxford Insights 2024, 0.87 IMF AIPI 2023, scale view); see docs/ogai.md section 9.
RHO_FLOOR = 0.7


def tortoise62() -> list[str]:
    return sorted(pd.read_csv(TORTOISE / "AI_index_db_iso3_crosswalk.csv",
                              keep_default_na=False)["iso3"])


# -- editions and views ----------------------------------------------------------
def test_editions_and_latest_match_the_data():
    table = pd.read_csv(ROOT / "airank" / "datasets" / "ogai" / "indicators.csv",
                        usecols=["year"])
    assert ogai.LATEST == table["year"].max()
    assert ogai.EDITIONS == tuple(range(2019, ogai.LATEST + 1))
    assert ogai.VIEWS == ("scale", "intensity")


@pytest.mark.parametrize("view", ogai.VIEWS)
def test_every_edition_builds_and_ranks_tortoise_countries(view):
    for e in ogai.EDITIONS:
        r = ogai.build(e, view)
        assert r.year == e
        t = ogai.ranking(e, view)
        assert t["score"].notna().all() and t["rank"].min() == 1
        assert set(tortoise62()) - set(t["iso3"]) == set(), (e, view)
        # nothing dated after the edition is used
        assert np.nanmax(r.source_years.to_numpy()) <= e


def test_latest_edition_counts():
    t = ogai.ranking()
    assert len(t) >= 83
    assert (~t["low_coverage"]).sum() >= 83  # countries passing the 65% rule
    assert set(tortoise62()) <= set(t["iso3"])


def test_build_default_is_latest():
    assert ogai.build() is ogai.build(ogai.LATEST, "scale")


def test_one_spec_per_view_has_every_catalogue_indicator():
    cat = pd.read_csv(ROOT / "data" / "indicators.csv", keep_default_na=False)
    codes = set(cat.loc[cat["role"] == "indicator", "code"])
    assert 30 <= len(codes) <= 50
    for view in ogai.VIEWS:
        assert set(ogai.spec(view).indicator_codes) == codes
    dens = {i.code: i.denominator for i in ogai.spec("intensity").indicators}
    assert dens["ai_publications"] == "population" and dens["ai_investment"] == "gdp"
    assert all(i.denominator is None for i in ogai.spec("scale").indicators)


# -- flags ----------------------------------------------------------------------
def test_ranking_columns():
    t = ogai.ranking()
    s = ogai.spec()
    pillars = list(s.children["ogai"])
    subs = [c for p in pillars for c in s.children[p]]
    assert list(t.columns) == ["rank", "iso3", "country", "score", *pillars, *subs,
                               "coverage", "low_coverage", "missing"]
    assert len(subs) == 7 and t["rank"].is_monotonic_increasing


def test_taiwan_and_hong_kong_flagged_with_what_is_missing():
    hkg = ogai.ranking().set_index("iso3").loc["HKG"]
    assert hkg["low_coverage"] and hkg["coverage"] < 0.65
    assert "ai_publications" in hkg["missing"] and "gov_ai_strategy" in hkg["missing"]
    twn = ogai.ranking(view="intensity").set_index("iso3").loc["TWN"]
    assert twn["low_coverage"] and "github_developers" in twn["missing"]
    twn24 = ogai.ranking(2024).set_index("iso3").loc["TWN"]
    assert twn24["low_coverage"] and "internet_users" in twn24["missing"]
    t = ogai.ranking()
    assert (t.loc[~t["low_coverage"], "missing"] == "").all()
    assert (t.loc[t["low_coverage"], "missing"] != "").all()


# -- fixed goalposts ------------------------------------------------------------
@pytest.mark.parametrize("view", ogai.VIEWS)
def test_same_raw_value_same_score_across_editions(view):
    a, b = ogai.build(2023, view), ogai.build(ogai.LATEST, view)
    code = "imf_regulation_ethics"  # one 2023 vintage, used by editions 2023-2025
    units = sorted(set(a.units) & set(b.units))
    ra, rb = a.stages["raw"].loc[units, code], b.stages["raw"].loc[units, code]
    same = [u for u in units if pd.notna(ra[u]) and ra[u] == rb[u]]
    assert len(same) > 100
    np.testing.assert_allclose(a.scores.loc[same, code], b.scores.loc[same, code])
    assert a.fitted["normalise"] == b.fitted["normalise"]
    for r in (a, b):
        ind = r.scores[list(r.spec.indicator_codes)]
        assert ind.min().min() >= -1e-9 and ind.max().max() <= 100 + 1e-9


# -- trend -----------------------------------------------------------------------
def test_trend_rows_are_editions():
    t = ogai.trend("RUS")
    assert list(t["edition"]) == list(ogai.EDITIONS)
    assert t["rank"].notna().all() and (t["rank"] <= t["n_ranked"]).all()
    assert {"talent", "commercial", "implementation", "score"} <= set(t.columns)
    assert ogai.trend("rus", view="intensity")["score"].notna().all()


def test_unknown_edition_view_country():
    with pytest.raises(SpecError, match=r"No OGAI edition 2017. Expected one of \[2019"):
        ogai.build(2017)
    with pytest.raises(SpecError, match="Unknown OGAI view 'per_capita'"):
        ogai.ranking(view="per_capita")
    with pytest.raises(DataError, match=r"'XYZ' is not ranked in any OGAI edition.*RUS"):
        ogai.trend("XYZ")
    assert issubclass(SpecError, AirankError)


# -- CLI ---------------------------------------------------------------------------
def test_cli_trend_csv(capsys):
    assert main(["trend", "RUS", "--format", "csv"]) == 0
    t = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert list(t["edition"]) == list(ogai.EDITIONS)
    assert main(["trend", "RUS", "--view", "intensity"]) == 0
    assert "Russia" in capsys.readouterr().out


def test_cli_unknown_country_exit_2(capsys):
    assert main(["trend", "XYZ"]) == 2
    assert "XYZ" in capsys.readouterr().err


def test_cli_fit_weights_json(tmp_path, capsys):
    rng = np.random.default_rng(3)
    df = pd.DataFrame(rng.uniform(0, 100, (30, 3)), columns=["a", "b", "c"])
    s = df.to_numpy() @ np.array([0.5, 0.3, 0.2])
    df["total"] = (s - s.min()) / (s.max() - s.min()) * 100
    df.to_csv(tmp_path / "t.csv", index=False)
    args = ["fit-weights", str(tmp_path / "t.csv"), "--total", "total",
            "--components", "a,b,c", "--rescale", "minmax", "--format", "json"]
    assert main(args) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) == {"weights", "r2", "max_abs_error"}
    assert sum(doc["weights"].values()) == pytest.approx(1.0)
    assert doc["weights"]["a"] == pytest.approx(0.5, abs=1e-8)
    assert main([*args[:4], "--components", "a,zz"]) == 2


def test_cli_data_build_needs_a_checkout(tmp_path, monkeypatch, capsys):
    import airank.cli.ogai as cli_ogai

    monkeypatch.setattr(cli_ogai, "_checkout_root", lambda: tmp_path)
    assert main(["data", "build"]) == 2
    assert "source checkout" in capsys.readouterr().err


# -- validation against published indices ---------------------------------------------
def _tortoise() -> pd.Series:
    cw = pd.read_csv(TORTOISE / "AI_index_db_iso3_crosswalk.csv", keep_default_na=False)
    t = pd.read_csv(TORTOISE / "AI_index_db.csv").merge(cw, on="Country")
    return t.set_index("iso3")["Total score"]


def _oxford_2024() -> pd.Series:
    o = pd.read_csv(SOURCES / "oxford_insights_gairi" / "gairi_2024_pillars_dimensions.csv")
    rec = reconcile(o["Country"].tolist())
    assert rec.ok
    return pd.Series(o["Total"].to_numpy(), index=o["Country"].map(rec.mapping))


def _imf() -> pd.Series:
    i = pd.read_csv(SOURCES / "imf_aipi" / "imf_aipi_2023_from_futuregrid.csv",
                    keep_default_na=False, na_values=[""])
    i = i[i["iso3"].str.fullmatch(r"[A-Z]{3}")]
    return i.set_index("iso3")["AI_PI"].dropna()


@pytest.mark.parametrize(("name", "edition"), [("tortoise", 2021), ("oxford", 2024),
                                               ("imf", 2023)])
def test_rank_correlation_with_published_indices(name, edition):
    other = {"tortoise": _tortoise, "oxford": _oxford_2024, "imf": _imf}[name]()
    cmp = ogai.compare(other, edition)
    common = set(ogai.ranking(edition)["iso3"]) & set(other.index)
    assert cmp.n == len(common) and set(cmp.table.index) == common
    if name == "tortoise":
        assert cmp.n == 62
    assert cmp.rho > RHO_FLOOR
    assert len(cmp.disagreements(5)) == 5
