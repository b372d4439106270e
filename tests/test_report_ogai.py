"""The audit report of the Open Global AI Index, at its default settings, in one run:
under two minutes, every section present, agreement with published indices (Tortoise's
proprietary table read only from AIRANK_TORTOISE_DIR), the source catalogue and notice."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from airank import Edition, ogai
from airank.ogai import catalogue
from airank.report import SECTIONS, build_report, write_report
from airank.report.ogai import TORTOISE_ENV

MAX_SECONDS = 120
MAX_BYTES = 15_000_000


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    saved = os.environ.pop(TORTOISE_ENV, None)  # the shipped package: no Tortoise table
    try:
        t0 = time.perf_counter()
        ed = Edition.ogai()
        rep = build_report(ed, units=["USA", "India"])
        out = tmp_path_factory.mktemp("ogai") / "ogai.html"
        write_report(rep, out)
        seconds = time.perf_counter() - t0
    finally:
        if saved is not None:
            os.environ[TORTOISE_ENV] = saved
    return ed, rep, out, seconds


def test_ogai_report_in_time_complete_and_small(run):
    ed, rep, out, seconds = run
    print(f"OGAI report (default settings, HTML): {seconds:.1f} s, "
          f"{out.stat().st_size / 1e6:.2f} MB")
    assert seconds < MAX_SECONDS
    assert out.stat().st_size < MAX_BYTES
    assert [s.key for s in rep.sections] == [k for k, _, _ in SECTIONS]
    status = {s.key: s.status for s in rep.sections}
    assert status.pop("agreement") == "partial"  # Tortoise skipped, the others shown
    assert set(status.values()) == {"complete"}
    text = out.read_text(encoding="utf-8")
    assert ed.manifest()["release"] in text and ed.manifest()["spec_hash"] in text
    assert rep.manifest["release"] == ogai.RELEASE


def test_agreement_is_the_validation_module_and_says_tortoise_is_skipped(run):
    from airank.ogai import validation

    ed, rep, out, _ = run
    sec = rep.section("agreement")
    assert f"set {TORTOISE_ENV}" in out.read_text(encoding="utf-8")
    rho = sec.table("rho")
    want = [a for a in validation.agreement(ed.view) if a.index != "tortoise"]
    assert len(rho) == len(want) >= 8
    for a, row in zip(want, rho.itertuples(), strict=True):
        assert (row.index, row.edition, row.countries) == (a.index, a.edition, a.n)
        assert row.spearman_rho == pytest.approx(a.rho)
        assert row.rho_without_shared_inputs == pytest.approx(a.rho_without_shared)
    pd.testing.assert_frame_equal(sec.table("face"), validation.face_validity(
        edition=ed.year, view=ed.view))


@pytest.mark.skipif(not os.environ.get(TORTOISE_ENV), reason=f"{TORTOISE_ENV} not set "
                    "(Tortoise's table is proprietary and not in the repository)")
def test_agreement_includes_tortoise_when_its_folder_is_given(run):
    ed = run[0]
    from airank.ogai import validation
    from airank.report.context import Context
    from airank.report.model import Settings
    from airank.report.ogai import agreement

    sec = agreement(Context(ed, Settings()))
    assert sec.status == "complete"
    row = sec.table("rho").set_index("index").loc["tortoise"]
    other = validation.tortoise()
    assert len(other) == 62  # the table's 62 countries, by ISO3
    want = ogai.compare(other, 2021, ed.view)
    assert row["countries"] == want.n == len(set(ogai.ranking(2021)["iso3"]) & set(other.index))
    assert row["spearman_rho"] == pytest.approx(want.rho) and want.rho > 0.7


def test_sources_are_the_catalogue_and_the_notice(run):
    _, rep, out, _ = run
    sec = rep.section("sources")
    cat = catalogue.sources().reset_index()
    got = sec.table("catalogue")
    assert list(got["source"]) == list(cat["source"])
    assert list(got["licence"]) == list(cat["licence"])
    pd.testing.assert_frame_equal(sec.table("indicator_sources"),
                                  catalogue.indicator_sources())
    text = out.read_text(encoding="utf-8")
    first_line = next(line for line in catalogue.notice().splitlines() if line.strip())
    assert first_line.replace("&", "&amp;").replace("<", "&lt;") in text


def test_ogai_framework_counts_only_indicators_with_data(run):
    ed, rep, _, _ = run
    t = rep.section("framework").table("weights").set_index("code")
    ind = t[t["level"] == 1]
    have = ind[ind["has_data"]]
    # the edition's effective weights are over the indicators with data, summing to 1
    assert have["effective_in_edition"].sum() == pytest.approx(1.0)
    assert (ind.loc[~ind["has_data"], "effective_in_edition"] == 0).all()
    raw = ed.baseline.stages["raw"].loc[ed.units]
    assert set(have.index) == {c for c in ed.spec.indicator_codes if raw[c].notna().any()}


def test_ogai_unit_pages(run):
    ed, rep, _, _ = run
    sec = rep.section("units")
    assert rep.manifest["report"]["units"] == ["USA", "IND"]
    np.testing.assert_allclose(sec.table("IND_contributions")["score"],
                               ed.baseline.contributions("IND")["score"])


def test_ogai_report_screens_most_units_out(run):
    ed, rep, _, _ = run
    units = rep.section("coverage").table("units")
    assert units["kept"].sum() == len(ed.units)
    assert (~units["kept"]).sum() == len(ed.baseline.unit_coverage) - len(ed.units)
    assert Path(run[2]).with_name("ogai_tables").is_dir()
