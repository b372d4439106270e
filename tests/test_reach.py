"""What would it take: every solution verified by an independent rebuild of the index."""

from __future__ import annotations

import json

import pytest

import airank
from airank import ScenarioError
from airank.analysis.scenarios.reach import reach
from airank.analysis.scenarios.shocks import apply_scenario
from airank.cli import main
from airank.edition import Edition


def _verify(ed: Edition, res, rank=None, overtake=None) -> None:
    """Rebuild through the normal pipeline with the proposed values; check the target."""
    data, _ = apply_scenario(res.scenario, ed.data, ed.spec, year=ed.year)
    built = airank.build(ed.spec, data, year=ed.year, fitted=ed.fitted)
    idx = ed.spec.index_code
    if rank is not None:
        assert built.ranks.at[res.unit, idx] <= rank
    else:
        assert built.index[res.unit] > built.index[overtake]
    assert built.ranks.at[res.unit, idx] == res.rank_reached
    # the raw values moved within their bounds, in the improving direction
    for r in res.plan.itertuples():
        d = ed.spec.indicator(r.code).direction
        assert (r.raw_needed - r.raw_now) * d > 0
        assert (r.bound - r.raw_needed) * d >= -1e-9 * max(1.0, abs(r.bound))


@pytest.fixture(scope="module")
def asem_edition(asem) -> Edition:
    return Edition.of(*asem)


@pytest.fixture(scope="module")
def ogai_edition() -> Edition:
    return Edition.ogai()


@pytest.mark.parametrize("unit,rank", [("RUS", 20), ("CHN", 10), ("IND", 30)])
@pytest.mark.parametrize("objective", ["relative", "squared"])
def test_asem_rank_targets_verified(asem_edition, unit, rank, objective):
    res = reach(asem_edition, unit, rank=rank, objective=objective)
    assert res.reachable and res.verified, res.message
    _verify(asem_edition, res, rank=rank)


def test_asem_overtake_verified(asem_edition):
    res = reach(asem_edition, "GBR", overtake="DEU")
    assert res.verified
    _verify(asem_edition, res, overtake="DEU")


def test_asem_geometric_mean_verified(asem):
    spec, data = asem
    geo = spec.with_changes({"methodology.normalise.lower": 1,
                             "methodology.aggregate.method": "geometric"})
    ed = Edition.of(geo, data)
    res = reach(ed, "PAK", rank=25)
    assert res.verified and res.iterations >= 1, res.message
    _verify(ed, res, rank=25)


def test_ogai_reach_verified(ogai_edition):
    res = reach(ogai_edition, "RUS", rank=20)
    assert res.reachable and res.verified
    _verify(ogai_edition, res, rank=20)
    shares = res.plan["change_share"].dropna()
    assert (shares > 0).all()
    res = reach(ogai_edition, "RUS", overtake="CHN", objective="squared")
    assert res.verified
    _verify(ogai_edition, res, overtake="CHN")


def test_unreachable_within_bounds_and_already_met(asem_edition):
    res = reach(asem_edition, "RUS", rank=1, max_change=0.01)
    assert not res.reachable
    assert "not reachable within the bounds" in res.message
    assert res.rank_reached > 1
    now = int(asem_edition.baseline.ranks.at["RUS", "Index"])
    done = reach(asem_edition, "RUS", rank=now)
    assert done.reachable and done.plan.empty and "already" in done.message


def test_reach_errors(asem_edition):
    with pytest.raises(ScenarioError, match="exactly one target"):
        reach(asem_edition, "RUS")
    with pytest.raises(ScenarioError, match=r"must be in 1\.\.51"):
        reach(asem_edition, "RUS", rank=99)
    with pytest.raises(ScenarioError, match="'XXX' is not ranked"):
        reach(asem_edition, "XXX", rank=3)
    ranked = asem_edition.spec.with_changes({"methodology.normalise.method": "rank"})
    with pytest.raises(ScenarioError, match="scores a value against all others"):
        reach(Edition.of(ranked, asem_edition.data), "RUS", rank=3)


def test_cli_reach(capsys):
    assert main(["reach", "RUS", "--rank", "20", "--n", "32", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["verified"] and doc["rank_reached"] <= 20 and doc["plan"]
    assert doc["gain_q05"] <= doc["gain_median"] <= doc["gain_q95"]
    assert main(["reach", "RUS", "--rank", "20", "--objective", "cheap"]) == 2
