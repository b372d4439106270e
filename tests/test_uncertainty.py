"""Monte Carlo uncertainty and Sobol' sensitivity over the batched engine."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

import airank
from airank import FactorError
from airank.analysis.robustness.batch import Plan
from airank.analysis.robustness.designs import default_factor_doc
from airank.analysis.robustness.factors import load_factors, parse_factors
from airank.analysis.robustness.sensitivity import sensitivity
from airank.analysis.robustness.uncertainty import uncertainty
from airank.cli import main

NORMS = [{"method": "minmax", "lower": 1, "upper": 100}, {"method": "zscore", "mean": 10, "sd": 2},
         {"method": "rank"}]
DESIGN = [
    {"name": "w2", "type": "weights", "level": 2, "noise": 0.25},
    {"name": "w3", "type": "weights", "level": 3, "noise": 0.25},
    {"name": "norm", "type": "choice", "path": "methodology.normalise", "options": NORMS},
    {"name": "agg", "type": "choice", "path": "methodology.aggregate",
     "options": [{"method": "arithmetic"}, {"method": "geometric"}]},
]


@pytest.fixture(scope="module")
def asem_plan(asem):
    spec, data = asem
    return Plan(airank.Edition.of(spec, data), parse_factors(DESIGN, spec))


def test_zero_noise_gives_the_nominal_ranking(asem):
    spec, data = asem
    fs = parse_factors([{"name": "w2", "type": "weights", "level": 2, "noise": 0.0},
                        {"name": "w1", "type": "weights", "level": 1, "noise": 0.0},
                        {"name": "norm", "type": "choice", "path": "methodology.normalise",
                         "options": [{"method": "minmax", "lower": 0, "upper": 100}]}], spec)
    res = uncertainty(airank.Edition.of(spec, data), fs, n=300, seed=3)
    t = res.summary
    assert (t["q05"] == t["nominal"]).all() and (t["q95"] == t["nominal"]).all()
    assert (t["moved"] == 0).all() and res.mean_abs_shift == 0
    np.testing.assert_allclose(t["score_mean"], t["score_nominal"], rtol=1e-12)


@pytest.mark.parametrize("rep", [0, 1, 4095, 4096, 9999])
def test_any_replication_rebuilds_through_the_pipeline(asem, asem_plan, rep):
    spec, data = asem
    res = uncertainty(asem_plan.edition, asem_plan.factors, n=10_000, seed=11, plan=asem_plan)
    batch = res.replication_scores(rep)
    rebuilt = airank.build(res.replication_spec(rep), data)
    np.testing.assert_allclose(rebuilt.index.loc[batch.index], batch, rtol=1e-10, atol=1e-10)
    ranks = rebuilt.ranks[spec.index_code].loc[batch.index].to_numpy()
    np.testing.assert_array_equal(ranks, batch.rank(ascending=False, method="min"))


def test_same_seed_same_bytes(asem_plan):
    a = uncertainty(asem_plan.edition, asem_plan.factors, n=5000, seed=7, plan=asem_plan)
    b = uncertainty(asem_plan.edition, asem_plan.factors, n=5000, seed=7)  # a fresh plan
    assert a.to_frame().to_csv() == b.to_frame().to_csv()
    c = uncertainty(asem_plan.edition, asem_plan.factors, n=5000, seed=8, plan=asem_plan)
    assert a.to_frame().to_csv() != c.to_frame().to_csv()


def test_intervals_hold_the_median_and_reasonable(asem_plan):
    t = uncertainty(asem_plan.edition, asem_plan.factors, n=4000, seed=1, plan=asem_plan).summary
    assert (t["q05"] <= t["median"]).all() and (t["median"] <= t["q95"]).all()
    assert t["q05"].min() >= 1 and t["q95"].max() <= len(t)
    assert t.loc["CHE", "q95"] <= 3  # the leader stays near the top


def test_failed_replications_are_reported(asem):
    spec, data = asem
    fs = parse_factors([{"name": "norm", "type": "choice", "path": "methodology.normalise",
                         "options": [{"method": "minmax", "lower": 0, "upper": 100}]},
                        {"name": "agg", "type": "choice", "path": "methodology.aggregate",
                         "options": [{"method": "arithmetic"}, {"method": "geometric"}]}], spec)
    res = uncertainty(airank.Edition.of(spec, data), fs, n=1000, seed=2)
    assert 400 < res.n_failed < 600  # geometric mean of values that include 0
    assert "values > 0" in res.first_error
    assert (res.summary["q95"] >= res.summary["q05"]).all()


def test_factor_errors_listed_together(asem):
    spec, _ = asem
    with pytest.raises(FactorError) as exc:
        parse_factors([{"name": "a", "type": "weights", "level": 9},
                       {"name": "b", "type": "choice", "path": "methodology.normalise",
                        "options": [{"method": "nope"}]},
                       {"name": "c", "type": "exclude", "codes": ["Atlantis"]},
                       {"name": "d", "type": "wobble"},
                       {"name": "a", "type": "weights", "level": 2, "noise": 2}], spec)
    msg = str(exc.value)
    for part in ("level must be one of", "Unknown normalise method 'nope'",
                 "'Atlantis' is not an indicator", "type must be one of", "noise must be"):
        assert part in msg


def test_exclusion_and_weight_choice(asem):
    spec, data = asem
    fs = parse_factors([{"name": "drop", "type": "exclude", "codes": ["Conn"]}], spec)
    res = uncertainty(airank.Edition.of(spec, data), fs, n=200, seed=5)
    d = res.replication(0)
    r = int(np.flatnonzero(np.asarray([res.replication(i).options[0, 0] for i in range(50)]))[0])
    assert d.weights.shape == (1, len(res.plan.nodes))
    rebuilt = airank.build(res.replication_spec(r), data)
    sust = airank.build(spec, data).scores["Sust"]
    np.testing.assert_allclose(rebuilt.index, sust.loc[rebuilt.index.index])


def test_sobol_identical_options_give_zero(asem):
    spec, data = asem
    same = [{"method": "minmax", "lower": 0, "upper": 100}] * 3
    fs = parse_factors([{"name": "w2", "type": "weights", "level": 2, "noise": 0.3},
                        {"name": "dummy", "type": "choice", "path": "methodology.normalise",
                         "options": same}], spec)
    res = sensitivity(airank.Edition.of(spec, data), fs, n_base=512, seed=1, n_boot=100)
    assert abs(res.shift.loc["dummy", "S1"]) < 1e-12 and abs(res.shift.loc["dummy", "ST"]) < 1e-12
    assert res.shift.loc["w2", "ST"] > 0.5
    units = res.units.xs("dummy", level="factor")
    assert np.allclose(units["ST"], 0)


def test_sobol_same_seed_same_result(asem_plan):
    kw = {"n_base": 256, "seed": 4, "n_boot": 50, "plan": asem_plan}
    a = sensitivity(asem_plan.edition, asem_plan.factors, **kw)
    b = sensitivity(asem_plan.edition, asem_plan.factors, **kw)
    pd.testing.assert_frame_equal(a.units, b.units)
    assert a.shift["ST"].idxmax() in ("norm", "agg")


def test_factor_file_and_cli(tmp_path, asem, capsys):
    import yaml

    spec, _ = asem
    path = tmp_path / "factors.yaml"
    path.write_text(yaml.safe_dump({"factors": DESIGN}))
    assert len(load_factors(path, spec)) == 4
    assert main(["uncertainty", "--example", "asem", "--factors", str(path), "--n", "500",
                 "--seed", "3", "--format", "csv"]) == 0
    t = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert list(t.columns[:7]) == ["unit", "name", "nominal", "median", "mean", "q05", "q95"]
    assert len(t) == 51
    assert main(["sensitivity", "--example", "asem", "--n-base", "64", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {r["factor"] for r in doc["mean_abs_rank_shift"]} == {
        f["name"] for f in default_factor_doc(spec)}
    bad = tmp_path / "bad.yaml"
    bad.write_text("factors: [{name: x, type: weights, level: 0}]")
    assert main(["uncertainty", "--example", "asem", "--factors", str(bad)]) == 2
    assert "level must be one of" in capsys.readouterr().err


def test_indicator_without_data_matches_pipeline(tiny_spec, tiny_frame):
    frame = tiny_frame.assign(i4=np.nan)  # i4 has no data in this edition
    data = airank.read_data(frame, tiny_spec)
    fs = parse_factors([{"name": "w1", "type": "weights", "level": 1, "noise": 0.5},
                        {"name": "agg", "type": "choice", "path": "methodology.aggregate",
                         "options": [{"method": "arithmetic"}, {"method": "harmonic"}]}],
                       tiny_spec.with_changes({"methodology.normalise.lower": 1}))
    spec = tiny_spec.with_changes({"methodology.normalise.lower": 1})
    res = uncertainty(airank.Edition.of(spec, data), fs, n=64, seed=9)
    assert res.n_failed == 0
    for rep in (0, 5, 63):
        batch = res.replication_scores(rep)
        rebuilt = airank.build(res.replication_spec(rep), data)
        np.testing.assert_allclose(rebuilt.index.loc[batch.index], batch, rtol=1e-10)


def test_shipped_factor_file_and_pipeline_factors(asem):
    spec, data = asem
    shipped = load_factors(airank.datasets.path("asem", "factors.yaml"), spec)
    assert [f.name for f in shipped] == ["pillar_weights", "subindex_weights", "normalisation",
                                         "aggregation"]
    fs = parse_factors([
        {"name": "impute", "type": "choice", "path": "methodology.impute",
         "options": [{"method": "mean", "by": "EurAsia_group"}, {"method": "median"},
                     {"method": "knn", "k": 5}]},
        {"name": "treat", "type": "choice", "path": "methodology.treat",
         "options": [{"method": "jrc"}, {"method": "none"}]},
        {"name": "loo", "type": "exclude", "codes": ["LPI", "Social", "Flights"]},
        {"name": "cov", "type": "choice", "path": "methodology.screen.min_coverage",
         "range": [0.5, 0.9], "steps": 3},
        {"name": "w", "type": "weights", "level": 1, "distribution": "dirichlet",
         "concentration": 20}], spec)
    res = uncertainty(airank.Edition.of(spec, data), fs, n=40, seed=2)
    assert res.n_failed == 0
    for rep in (0, 13, 39):
        batch = res.replication_scores(rep)
        rebuilt = res.rebuild(rep)
        np.testing.assert_allclose(rebuilt.index.loc[batch.index], batch, rtol=1e-10)
