"""The audit report on ASEM: every section's numbers against the public API that makes
them, the self-contained HTML, the CSV appendix, the manifest, the PDF and the CLI."""

from __future__ import annotations

import html.parser
import json
import math
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from airank import Edition
from airank.analysis.audit.checks import consistency
from airank.analysis.audit.importance import main_effects
from airank.analysis.robustness.designs import default_factors
from airank.analysis.robustness.sensitivity import sensitivity
from airank.analysis.robustness.uncertainty import uncertainty
from airank.output import verify_output
from airank.report import SECTIONS, build_report, tables_folder, write_report
from airank.report.context import optional
from airank.report.html import _fmt

N, N_BASE, SEED = 150, 16, 7
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
MAX_BYTES = 15_000_000


@pytest.fixture(scope="module")
def ed() -> Edition:
    return Edition.example("asem")


@pytest.fixture(scope="module")
def progress() -> list[tuple[int, int, str]]:
    return []


@pytest.fixture(scope="module")
def report(ed, progress):
    return build_report(ed, n=N, n_base=N_BASE, seed=SEED, units=["NZL", "Germany"],
                        progress=lambda *a: progress.append(a))


@pytest.fixture(scope="module")
def written(report, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "asem.html"
    write_report(report, out)
    return out


def _equal(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True),
                                  check_dtype=False)


# -- structure ---------------------------------------------------------------------------
def test_sections_in_the_jrc_order_with_progress(report, progress):
    assert [s.key for s in report.sections] == [k for k, _, _ in SECTIONS]
    assert [p[2] for p in progress] == [t for _, t, _ in SECTIONS] + ["done"]
    assert progress[-1][:2] == (len(SECTIONS), len(SECTIONS))
    assert report.section("agreement").status == "not_applicable"  # OGAI only
    assert report.section("sources").status == "not_applicable"
    # with the COINr-parity statistics in this airank, every other section is computed
    assert {s.key for s in report.sections if s.status != "complete"} == {"agreement",
                                                                           "sources"}
    for s in report.sections:
        if s.status == "complete":
            assert s.tables or s.figures, s.key  # a complete section shows numbers


def test_overview_is_the_ranking(report, ed):
    _equal(report.section("overview").table("ranking"), ed.baseline.ranking())


def test_framework_weights_are_the_specs(report, ed):
    t = report.section("framework").table("weights").set_index("code")
    spec = ed.spec
    for code in spec.codes:
        assert t.loc[code, "weight_in_parent"] == pytest.approx(spec.weights[code])
        assert t.loc[code, "effective_weight"] == pytest.approx(spec.effective_weights[code])
    # every ASEM indicator has data: the edition's effective weights are the nominal ones
    np.testing.assert_allclose(t["effective_in_edition"], t["effective_weight"])
    assert report.section("framework").table("methodology").loc[3, "method"] == "jrc"


def test_coverage_tables_are_the_results(report, ed):
    sec = report.section("coverage")
    r = ed.baseline
    got = sec.table("units").set_index("unit").sort_index()
    want = r.coverage().set_index("unit").sort_index()
    _equal(got[list(want.columns)], want)
    inds = sec.table("indicators")
    np.testing.assert_allclose(inds["coverage_all"], r.indicator_coverage()["coverage_all"])
    np.testing.assert_array_equal(inds["n_imputed"], r.imputed.loc[r.units].sum())
    assert len(sec.figures) == math.ceil(len(r.units) / 70)
    summary = optional("analysis.audit.stats", "screen_summary")
    if summary is not None:
        t = got
        want_s = summary(r.stages["imputed"], min_coverage=0.9)
        np.testing.assert_allclose(t.loc[want_s.index, "availability"], want_s["availability"])
        assert set(t.index[t["included"]]) == set(r.units)  # the same units pass


def test_statistics_are_get_stats_or_say_missing(report, ed):
    sec = report.section("statistics")
    fn = optional("analysis.audit.stats", "result_stats")
    if fn is None:
        assert sec.status == "missing" and not sec.tables
        return
    for stage in ("raw", "treated"):
        want = fn(ed.baseline, stage=stage).reset_index()
        got = sec.table(f"stats_{stage}")
        _equal(got, want[list(got.columns)])
        flags = sec.table(f"flags_{stage}")
        _equal(flags, want[list(flags.columns)])


def test_outliers_are_the_treatment_records(report, ed):
    sec = report.section("outliers")
    t = sec.table("treatment").set_index("code")
    learned = {r.code: r.learned for r in ed.baseline.records if r.step == "treat"}
    assert {c: t.loc[c, "action"] for c in t.index} == {c: v["action"]
                                                        for c, v in learned.items()}
    assert len(sec.figures) == math.ceil(len(ed.spec.indicator_codes) / 12)


def test_structure_against_the_audit_api(report, ed):
    sec = report.section("structure")
    r = ed.baseline
    _equal(sec.table("consistency"), consistency(r))
    corr = r.scores.corr()
    flags = sec.table("flags")
    assert len(flags) > 0
    for row in flags.itertuples():
        assert row.r == pytest.approx(corr.loc[row.var1, row.var2])
    pca = optional("analysis.audit.multivariate", "pca")
    if pca is None:
        assert sec.status == "partial" and "pca_first" not in sec.tables
        return
    first = sec.table("pca_first").set_index("group")
    kids = list(ed.spec.children["P2P"])
    want = pca(r.scores[kids], {"P2P": kids}).first
    assert first.loc["P2P", "prop_var"] == pytest.approx(want.loc["P2P", "prop_var"])
    assert sec.status == "complete"


def test_importance_is_the_main_effects(report, ed):
    t = report.section("importance").table("importance")
    r, spec = ed.baseline, ed.spec
    kids = list(spec.children[spec.index_code])
    want = main_effects(r.scores[kids], r.scores[spec.index_code],
                        {k: spec.weights[k] for k in kids})
    got = t[t["parent"] == spec.index_code].set_index("code")
    np.testing.assert_allclose(got.loc[kids, "eta2"], want["eta2"])
    assert set(t["code"]) == set(spec.codes) - {spec.index_code}


def test_uncertainty_is_the_monte_carlo(report, ed):
    want = uncertainty(ed, default_factors(ed.spec), n=N, seed=SEED).to_frame()
    _equal(report.section("uncertainty").table("intervals"), want)
    assert len(report.section("uncertainty").figures) == 1  # 51 units, one page


def test_sensitivity_is_the_sobol_analysis(report, ed):
    want = sensitivity(ed, default_factors(ed.spec), n_base=N_BASE, seed=SEED)
    _equal(report.section("sensitivity").table("sobol"), want.shift.reset_index())


def test_leave_one_out_is_remove_elements(report, ed):
    sec = report.section("leave_one_out")
    fn = optional("analysis.audit.compare", "remove_elements")
    if fn is None:
        assert sec.status == "missing" and not sec.tables
        return
    rem = fn(ed, level=2)
    got = sec.table("level_2").set_index("removed")["mean_abs_rank_change"]
    want = pd.Series(rem.mean_abs_diff).drop("nominal")
    np.testing.assert_allclose(got.loc[want.index], want)
    units = sec.table("level_2_units").set_index("unit")
    _equal(units, rem.rank_diffs.drop(columns="nominal"))


def test_unit_pages_are_the_units(report, ed):
    sec = report.section("units")
    assert report.manifest["report"]["units"] == ["NZL", "DEU"]  # a name resolved
    r = ed.baseline
    for u in ("NZL", "DEU"):
        np.testing.assert_allclose(sec.table(f"{u}_contributions")["to_index"],
                                   r.contributions(u)["to_index"])
        strong, _ = r.strengths_weaknesses(u, 5)
        _equal(sec.table(f"{u}_strengths"), strong)


def test_default_unit_page_is_the_first_ranked(ed):
    from airank.report.context import Context
    from airank.report.model import Settings
    from airank.report.units import unit_pages

    ctx = Context(ed, Settings(n=20, n_base=4))
    sec = unit_pages(ctx)
    assert ctx.units == ["CHE"] and "CHE_profile" in sec.figures


# -- the files -------------------------------------------------------------------------------
class _Refs(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []
        self.scripts_with_src = 0
        self.links = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for k, v in attrs:
            if k in ("src", "href", "srcset", "action", "data") and v is not None:
                self.refs.append((tag, k, v))
        self.scripts_with_src += tag == "script" and any(k == "src" for k, _ in attrs)
        self.links += tag == "link"


def test_html_is_self_contained_and_small(written, report):
    text = written.read_text(encoding="utf-8")
    assert written.stat().st_size < MAX_BYTES
    p = _Refs()
    p.feed(text)
    assert p.scripts_with_src == 0 and p.links == 0
    folder = tables_folder(written).name
    outside = [r for r in p.refs if not r[2].startswith(("#", f"{folder}/"))]
    assert outside == []
    for key, _, _ in SECTIONS:
        assert f'id="{key}"' in text
    n_figs = sum(len(s.figures) for s in report.sections)
    assert text.count('class="plotly-graph-div"') == n_figs


def test_html_shows_the_numbers_and_the_manifest(written, report, ed):
    text = written.read_text(encoding="utf-8")
    for v in report.section("overview").table("ranking")["score"].head(5):
        assert f">{_fmt(float(v))}<" in text
    u = report.section("uncertainty").table("intervals").iloc[0]
    assert f">{_fmt(float(u['q95']))}<" in text
    m = ed.manifest()
    for key in ("spec_hash", "data_hash", "airank_version"):
        assert str(m[key]) in text


def test_csv_appendix_holds_every_table(written, report, ed):
    folder = tables_folder(written)
    manifest = verify_output(folder)  # every file listed with its SHA-256, no other
    assert manifest["spec_hash"] == ed.manifest()["spec_hash"]
    assert manifest["report"]["seed"] == SEED
    names = [name for name, _ in report.tables()]
    assert sorted(p.name for p in folder.glob("*.csv")) == sorted(names)
    for name, t in report.tables():
        back = pd.read_csv(folder / name, keep_default_na=False, na_values=[""])
        assert back.shape == t.frame.shape, name
        for c in t.frame.columns:
            if t.frame[c].dtype.kind == "f":
                np.testing.assert_allclose(back[c].to_numpy(float), t.frame[c], rtol=1e-12,
                                           err_msg=f"{name}: {c}")


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium")
def test_pdf_is_the_report_printed(written, report):
    from airank.report import print_pdf

    pdf = print_pdf(written, written.with_suffix(".pdf"))
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert pages >= len(report.sections)  # each complete section starts a page
    if shutil.which("pdftoppm"):
        import subprocess

        ARTIFACTS.mkdir(exist_ok=True)
        subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "12", str(pdf),
                        str(ARTIFACTS / "report_asem_page")], check=True, timeout=120)


# printable area of an A4 page with the report's margins (14 mm, 12 mm), CSS px at 96 dpi
PAGE_W, PAGE_H = (210 - 24) / 25.4 * 96, (297 - 28) / 25.4 * 96


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium")
def test_report_in_chromium_offline_and_printable(written, report):
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs Playwright")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                              args=["--no-sandbox", "--disable-gpu"])
        page = b.new_page(viewport={"width": 1000, "height": 900})
        problems: list[str] = []
        page.on("console", lambda m: m.type == "error" and problems.append(m.text))
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("request", lambda r: r.url.startswith(("file:", "data:", "blob:"))
                or problems.append(f"outside request: {r.url}"))
        page.goto(written.as_uri())
        n_figs = sum(len(s.figures) for s in report.sections)
        page.wait_for_function(f"document.querySelectorAll('.main-svg').length >= {n_figs}")
        page.screenshot(path=str(ARTIFACTS / "report_asem_top.png"))
        page.locator("#uncertainty").screenshot(path=str(ARTIFACTS /
                                                         "report_asem_uncertainty.png"))
        page.emulate_media(media="print")
        page.set_viewport_size({"width": int(PAGE_W), "height": int(PAGE_H)})
        boxes = page.eval_on_selector_all("figure", """els => els.map(e => {
            const r = e.getBoundingClientRect(), s = getComputedStyle(e);
            return [e.dataset.name, r.width, r.height, s.breakInside]; })""")
        before = page.eval_on_selector_all("section.section", "els => els.map(e => "
                                           "[e.id, getComputedStyle(e).breakBefore])")
        b.close()
    assert problems == []
    assert len(boxes) == n_figs
    for name, w, h, brk in boxes:  # each figure fits a page and is never split
        assert brk == "avoid" and w <= PAGE_W + 1 and h <= PAGE_H, (name, w, h)
    status = {s.key: s.status for s in report.sections}
    for key, brk in before:
        assert brk == ("page" if status.get(key, "complete") in ("complete", "partial")
                       else "auto"), key


# -- the command -------------------------------------------------------------------------------
def test_cli_report_writes_the_files(report, tmp_path, monkeypatch, capsys):
    import airank.report as rep
    from airank.cli import main

    seen = {}

    def built(edition, **kw):  # the report above: the command's own work is its I/O
        seen.update(kw)
        return report

    monkeypatch.setattr(rep, "build_report", built)
    out = tmp_path / "r.html"
    code = main(["report", "--example", "asem", "-o", str(out), "--units", "NZL, DEU",
                 "--n", "77", "--n-base", "8", "--seed", "3"])
    assert code == 0
    assert seen["units"] == ["NZL", "DEU"] and (seen["n"], seen["n_base"], seen["seed"]) == (
        77, 8, 3)
    assert out.is_file() and (tmp_path / "r_tables" / "manifest.json").is_file()
    assert "Wrote" in capsys.readouterr().out


def test_cli_report_errors(tmp_path, capsys):
    from airank.cli import main

    assert main(["report", "--example", "asem", "-o", str(tmp_path / "r.pdf")]) == 2
    assert "must be an .html file" in capsys.readouterr().err
    assert main(["report", "--example", "asem", "-o", str(tmp_path / "r.html"),
                 "--units", "Atlantis"]) == 2
    assert "Atlantis" in capsys.readouterr().err
    assert not (tmp_path / "r.html").exists()


def test_manifest_carries_settings_and_statuses(report):
    m = report.manifest
    assert m["report"]["n"] == N and m["report"]["n_base"] == N_BASE
    assert m["report"]["sections"] == {s.key: s.status for s in report.sections}
    json.dumps(m, default=str)
