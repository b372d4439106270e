"""The shipped Open Global AI Index data: reproducible, clean and covering enough countries."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
OGAI = ROOT / "airank" / "datasets" / "ogai"


def _load(name: str):
    path = ROOT / "data" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


build_ogai = _load("build_ogai")
coverage_report = _load("coverage_report")


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return pd.read_csv(OGAI / "indicators.csv", keep_default_na=False)


@pytest.fixture(scope="module")
def catalogue() -> pd.DataFrame:
    return build_ogai.read_catalogue()


@pytest.fixture(scope="module")
def latest_scale(table, catalogue):
    last = coverage_report.editions(table)[-1]
    return coverage_report.coverage(table, catalogue, last, "scale")


def test_shipped_table_equals_a_fresh_build(tmp_path):
    fresh = tmp_path / "indicators.csv"
    build_ogai.write_table(build_ogai.build_table(build_ogai.SOURCES_DIR), fresh)
    assert fresh.read_bytes() == (OGAI / "indicators.csv").read_bytes()


def test_columns_sorted_and_line_endings(table):
    assert list(table.columns) == ["iso3", "indicator", "year", "value", "source"]
    keys = table[["iso3", "indicator", "year"]]
    assert keys.equals(keys.sort_values(["iso3", "indicator", "year"]).reset_index(drop=True))
    assert b"\r" not in (OGAI / "indicators.csv").read_bytes()


def test_no_aggregates(table):
    units = pd.read_csv(OGAI / "units.csv", keep_default_na=False)
    assert set(table["iso3"]) == set(units["iso3"])
    assert table["iso3"].str.fullmatch(r"[A-Z]{3}").all()
    wb_aggregates = build_ogai._wb_aggregates(build_ogai.SOURCES_DIR)
    assert not set(table["iso3"]) & (wb_aggregates | set(build_ogai.AGGREGATES))
    assert (units["region"] != "").all()


def test_keys_unique_and_values_finite(table):
    assert not table.duplicated(["iso3", "indicator", "year"]).any()
    assert table["value"].map(lambda v: math.isfinite(float(v))).all()
    assert (table["source"] != "").all()


def test_taiwan_and_hong_kong_kept(table):
    assert {"TWN", "HKG"} <= set(table["iso3"])


def test_spec_indicators_are_in_the_table(table, catalogue):
    codes = set(table["indicator"])
    for view in ("scale", "intensity"):
        spec = yaml.safe_load((OGAI / f"spec_{view}.yaml").read_text(encoding="utf-8"))
        assert spec == build_ogai.make_spec(catalogue, view)
        for ind in spec["indicators"]:
            assert ind["code"] in codes
            if "denominator" in ind:
                assert ind["denominator"] in codes
        assert {d["code"] for d in spec["denominators"]} <= codes


def test_enough_countries_pass_coverage(latest_scale):
    assert len(latest_scale.passing) >= 83


def test_tortoise_countries_pass_or_are_force_included(table, catalogue):
    """Every Tortoise country passes the 65% rule in every edition and view, except the
    ones the specs rank anyway with a low-coverage flag (build_ogai.FORCE_INCLUDE)."""
    t62 = coverage_report.tortoise_countries()
    assert len(t62) == 62
    for ed in coverage_report.editions(table):
        for view in ("scale", "intensity"):
            cov = coverage_report.coverage(table, catalogue, ed, view)
            assert set(t62) - set(cov.passing) <= set(build_ogai.FORCE_INCLUDE), (ed, view)


def test_indicator_count_and_subpillars(catalogue):
    inds = catalogue[catalogue["role"] == "indicator"]
    assert 30 <= len(inds) <= 50
    assert set(inds["subpillar"]) == {s for _, subs in build_ogai.PILLARS.values()
                                      for s, _ in subs}


def test_census_zeros_only_for_census_sources(table):
    zeros = table[table["source"].str.contains(r"\[no model")]
    assert set(zeros["indicator"]) == set(build_ogai.CENSUS)
    assert (zeros["value"].astype(float) == 0).all()
