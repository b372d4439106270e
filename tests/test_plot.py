"""airank.plot: every figure's numbers against the tiny index worked by hand and against the
public API, the shared look, and the errors. The browser and static-image checks are in
test_plot_browser.py."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import airank
from airank import Edition, plot
from airank.analysis.robustness.sensitivity import sensitivity
from airank.analysis.robustness.uncertainty import uncertainty
from airank.errors import DataError, OutputError, UnitError
from airank.plot._base import MAX_HEIGHT, WIDTH


@pytest.fixture
def tiny(tiny_spec, tiny_data):
    return airank.build(tiny_spec, tiny_data)


@pytest.fixture(scope="module")
def asem_ed():
    return Edition.example("asem")


@pytest.fixture(scope="module")
def unc(asem_ed):
    return uncertainty(asem_ed, n=120, seed=3)


@pytest.fixture(scope="module")
def sens(asem_ed):
    return sensitivity(asem_ed, n_base=16, seed=3, n_boot=50)


# -- the framework ----------------------------------------------------------------------
def test_weights_table_by_hand(tiny_spec):
    t = plot.weights_table(tiny_spec).set_index("code")
    # i4 has weight 3 beside i3's 1 in p2; p1 and p2 share the index equally
    assert t.loc["i4", "weight_in_parent"] == pytest.approx(0.75)
    assert t.loc["i4", "effective_weight"] == pytest.approx(0.375)
    assert t.loc["i1", "effective_weight"] == pytest.approx(0.25)
    assert t.loc["i3", "pillar"] == "p2" and t.loc["index", "pillar"] == ""
    assert t.loc[list(tiny_spec.indicator_codes), "effective_weight"].sum() == pytest.approx(1)


def test_sunburst_slices_are_effective_weights(asem_ed):
    fig = plot.framework(asem_ed)
    sb = fig.data[0]
    spec = asem_ed.spec
    values = dict(zip(sb.ids, sb.values, strict=True))
    for code in spec.indicator_codes:
        assert values[code] == pytest.approx(spec.effective_weights[code])
    for code in spec.group_codes:  # groups add up their children ("remainder")
        assert values[code] == 0
    assert sb.branchvalues == "remainder"
    assert dict(zip(sb.ids, sb.parents, strict=True))["Conn"] == "Index"


# -- distributions and treatment ------------------------------------------------------------
def test_treatment_table_against_the_build(asem_result):
    from scipy.stats import kurtosis, skew

    t = plot.treatment_table(asem_result).set_index("code")
    recs = {r.code: r for r in asem_result.records if r.step == "treat"}
    before, after = asem_result.stages["screened"], asem_result.stages["treated"]
    for code, row in t.iterrows():
        assert row["action"] == recs[code].learned["action"]
        changed = int((~np.isclose(before[code], after[code], rtol=1e-12, atol=0)).sum())
        assert row["n_changed"] == changed
        if row["action"] == "none":
            assert changed == 0
        x = after[code].dropna().to_numpy()
        assert row["skew_after"] == pytest.approx(skew(x, bias=False), rel=1e-9, abs=1e-12)
        assert row["kurtosis_after"] == pytest.approx(kurtosis(x, bias=False), rel=1e-9,
                                                      abs=1e-12)
    assert (t["action"] == "winsorised").sum() >= 1  # ASEM's build winsorises


def test_distributions_panels_hold_the_stage_values(asem_result):
    codes = list(asem_result.spec.indicator_codes[:5])
    fig = plot.distributions(asem_result, codes)
    boxes = [d for d in fig.data if d.type == "box"]
    assert len(boxes) == 2 * len(codes)
    for i, code in enumerate(codes):
        before, after = boxes[2 * i], boxes[2 * i + 1]
        np.testing.assert_allclose(before.y, asem_result.stages["screened"][code].dropna())
        np.testing.assert_allclose(after.y, asem_result.stages["treated"][code].dropna())


# -- correlations ---------------------------------------------------------------------------
def test_correlation_pairs_by_hand(tiny):
    t = plot.correlation_pairs(tiny, (1, 1), within=2).set_index(["var1", "var2"])
    assert list(t.index) == [("i2", "i1"), ("i4", "i3")]
    # normalised i1 = (0, 100, 50, 100), i2 = (0, 100, 50, 0): r = 3125 / 6875 = 5/11
    assert t.loc[("i2", "i1"), "r"] == pytest.approx(5 / 11)
    assert t.loc[("i2", "i1"), "flag"] == ""
    # i3 = (50, 50, 0), i4 = (0, 50, 100) on A-C (D lacks i4): r = -sqrt(3)/2, flagged
    assert t.loc[("i4", "i3"), "r"] == pytest.approx(-np.sqrt(3) / 2)
    assert t.loc[("i4", "i3"), "n"] == 3
    assert t.loc[("i4", "i3"), "flag"] == "negative"
    assert t.loc[("i4", "i3"), "group"] == "p2"


def test_correlation_across_levels_flags_only_own_ancestor(asem_result):
    t = plot.correlation_pairs(asem_result, (1, 2))
    corr = asem_result.scores.corr()
    for row in t.itertuples():
        assert row.r == pytest.approx(corr.loc[row.var1, row.var2])
        own = asem_result.spec.parent[row.var1] == row.var2
        assert row.flag == ("negative" if own and row.r < 0 else "")
    assert (t["flag"] == "negative").sum() >= 1  # TBTs pulls against Instit


def test_correlation_heatmap_marks_the_flagged_cells(tiny):
    fig = plot.correlation(tiny, (1, 1), within=2)
    heat, marks = fig.data
    assert heat.type == "heatmap" and list(marks.x) == ["i3"] and list(marks.y) == ["i4"]


# -- scores -----------------------------------------------------------------------------------
def test_bar_order_ranks_and_highlight(tiny):
    fig = plot.bar(tiny, highlight="d")  # codes match in any case
    bar = fig.data[0]
    assert list(bar.x) == ["B", "D", "C", "A"]  # 75 (tie), 75, 62.5, 6.25
    np.testing.assert_allclose(bar.y, [75, 75, 62.5, 6.25])
    colours = dict(zip(bar.x, bar.marker.color, strict=True))
    assert colours["D"] != colours["B"] == colours["A"]
    assert [a.text for a in fig.layout.annotations] == ["D<br>#1"]  # the tie shares rank 1


def test_dot_rows_and_highlighted_values(asem_result):
    fig = plot.dot(asem_result, highlight=["NZL", "Germany"])
    spec = asem_result.spec
    rows = [spec.index_code, *spec.children[spec.index_code]]
    nzl = next(d for d in fig.data if d.name == "New Zealand (NZL)")
    assert list(nzl.y) == rows
    np.testing.assert_allclose(nzl.x, asem_result.scores.loc["NZL", rows])
    assert any(d.name == "Germany (DEU)" for d in fig.data)


# -- robustness ------------------------------------------------------------------------------
def test_intervals_bars_are_the_rank_quantiles(unc):
    fig = plot.intervals(unc, highlight="NZL")
    t = unc.summary.sort_values(["nominal", "median"])
    bar, med, nom = fig.data
    assert list(bar.x) == list(t.index)
    base = np.asarray(bar.base, dtype=float)
    np.testing.assert_allclose(base, t["q05"])
    np.testing.assert_allclose(np.asarray(bar.y, dtype=float) + base, t["q95"])
    np.testing.assert_allclose(med.y, t["median"])
    np.testing.assert_allclose(nom.y, t["nominal"].to_numpy(dtype=float))
    part = plot.intervals(unc, units=["RUS", "CHE"])
    assert list(part.data[0].x) == ["CHE", "RUS"]  # by nominal rank


def test_sobol_bars_and_error_bars(sens):
    fig = plot.sobol(sens)
    s1, st = fig.data
    np.testing.assert_allclose(s1.y, sens.shift["S1"])
    np.testing.assert_allclose(st.error_y.array, sens.shift["ST_conf"])
    unit = plot.sobol(sens, unit="NZL")
    np.testing.assert_allclose(unit.data[1].y, sens.units.xs("NZL", level="unit")["ST"])


def test_importance_figure_shares():
    t = pd.DataFrame({"code": ["a", "b", "c"], "parent": ["p", "p", "q"],
                      "nominal_weight": [1.0, 3.0, 2.0], "eta2_normalised": [0.6, 0.4, 1.0],
                      "flag": [True, False, False]})
    fig = plot.importance(t)
    hollow, filled = fig.data[-2], fig.data[-1]
    assert list(filled.y) == ["a (p)", "b (p)", "c (q)"]
    np.testing.assert_allclose(hollow.x, [0.25, 0.75, 1.0])  # weight shares in the parent
    np.testing.assert_allclose(filled.x, [0.6, 0.4, 1.0])
    assert filled.marker.color[0] != filled.marker.color[1]  # the flagged row stands out
    with pytest.raises(DataError, match="lacks"):
        plot.importance(t.drop(columns="flag"))


# -- units and coverage ------------------------------------------------------------------------
def test_profile_matches_the_result_api(asem_result):
    t = plot.profile_tables(asem_result, "nzl")
    strong, weak = asem_result.strengths_weaknesses("NZL", 5)
    pd.testing.assert_frame_equal(t["strengths"], strong)
    pd.testing.assert_frame_equal(t["weaknesses"], weak)
    c = asem_result.contributions("NZL")
    np.testing.assert_allclose(t["contributions"]["to_index"], c["to_index"])
    fig = plot.profile(asem_result, "NZL")
    bars = {d.name: d for d in fig.data}
    np.testing.assert_allclose(bars["strength"].x, strong["rank"])
    assert "rank 33 of 51" in fig.layout.title.text


def test_cell_states_by_hand(tiny_spec, tiny_data):
    r = airank.build(tiny_spec, tiny_data)
    s = plot.cell_states(r)
    assert s.loc["D", "i4"] == 0 and int(s.drop(index="D").to_numpy().min()) == 1
    assert list(s.index) == ["B", "D", "C", "A"]  # by rank
    imputed = airank.build(tiny_spec.with_changes({"methodology.impute.method": "mean"}),
                           tiny_data)
    assert plot.cell_states(imputed).loc["D", "i4"] == 3
    fig = plot.coverage(imputed)
    np.testing.assert_allclose(fig.data[0].z, plot.cell_states(imputed).to_numpy() + 0.5)


def test_inferred_cells_are_marked():
    ed = Edition.ogai()
    s = plot.cell_states(ed.baseline)
    inferred = ed.baseline.inferred.loc[s.index, list(s.columns)]
    assert inferred.to_numpy().any()
    assert ((s == 2) == inferred).all().all()


# -- the shared look and the HTML ---------------------------------------------------------------
def test_every_kind_has_the_page_size_and_serialises(asem_ed, unc, sens):
    figs = [plot.framework(asem_ed), plot.distributions(asem_ed), plot.correlation(asem_ed),
            plot.bar(asem_ed), plot.dot(asem_ed), plot.intervals(unc), plot.sobol(sens),
            plot.profile(asem_ed, "NZL"), plot.coverage(asem_ed)]
    for fig in figs:
        assert fig.layout.width == WIDTH and fig.layout.height <= MAX_HEIGHT
        json.loads(fig.to_json())


def test_figure_html_is_offline_and_without_cloud_buttons(tiny):
    page = plot.figure_html(plot.bar(tiny))
    assert "cdn.plot.ly/plotly" not in page and '<script src="http' not in page
    assert '"displaylogo": false' in page and '"showSendToCloud": false' in page
    div = plot.figure_html(plot.bar(tiny), full=False, include_js=False, div_id="x")
    assert len(div) < len(page) / 20 and 'id="x"' in div


# -- errors -----------------------------------------------------------------------------------
def test_errors_name_the_offender(tiny, tmp_path, monkeypatch):
    with pytest.raises(DataError, match="'nope' is not an indicator or group"):
        plot.bar(tiny, "nope")
    with pytest.raises(UnitError, match="Atlantis"):
        plot.bar(tiny, highlight="Atlantis")
    with pytest.raises(DataError, match="Unknown stage 'cooked'"):
        plot.distributions(tiny, before="cooked")
    with pytest.raises(DataError, match="no level 9"):
        plot.correlation(tiny, (9, 9))
    with pytest.raises(OutputError, match=r"Unknown file type '\.gif'"):
        plot.save(plot.bar(tiny), tmp_path / "x.gif")
    monkeypatch.setenv("AIRANK_CHROMIUM", str(tmp_path / "no-browser"))
    with pytest.raises(OutputError, match=r"AIRANK_CHROMIUM=.*not an executable file"):
        plot.save(plot.bar(tiny), tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


def test_cli_plot_writes_html(tmp_path, capsys):
    from airank.cli import main

    out = tmp_path / "bar.html"
    assert main(["plot", "bar", "--example", "asem", "--highlight", "NZL", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "NZL" in text and "Plotly.newPlot" in text
    assert main(["plot", "pie", "--example", "asem", "-o", str(out)]) == 2
    assert "'pie' is not one of" in capsys.readouterr().err
    assert main(["plot", "profile", "--example", "asem", "-o", str(out)]) == 2
    assert "needs --unit" in capsys.readouterr().err
    assert main(["plot", "bar", "--example", "asem", "-o", str(tmp_path / "x.bmp")]) == 2
