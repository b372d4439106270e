"""Interactive paths (issue 14): each fast path equals the slow one it replaces."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import airank
from airank import SpecError
from airank.analysis.robustness.batch import Plan
from airank.analysis.robustness.designs import default_factors
from airank.analysis.scenarios import _bootstrap as boot
from airank.analysis.scenarios.effects import rank_change_interval, run_scenario
from airank.analysis.scenarios.projection import project
from airank.analysis.scenarios.shocks import preset
from airank.datasets import asem_spec
from airank.web import Settings, create_app
from airank.web.shape import records

SPEC = asem_spec()
CODES = [*SPEC.indicator_codes[:6], *SPEC.group_codes[:4], "Nope"]
WEIGHT = st.one_of(st.floats(0, 5), st.just(0.0), st.just(-1.0), st.just(math.inf),
                   st.just(math.nan), st.integers(0, 3))


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(CODES), WEIGHT, max_size=5))
def test_with_weights_is_with_changes(weights):
    slow = {f"{c}.weight": w for c, w in weights.items()}
    try:
        expected = SPEC.with_changes(slow)
    except SpecError as exc:
        with pytest.raises(SpecError) as got:
            SPEC.with_weights(weights)
        assert str(got.value) == str(exc) and got.value.issues == exc.issues
        return
    fast = SPEC.with_weights(weights)
    assert fast == expected and fast.to_dict() == expected.to_dict()
    assert fast.weights == expected.weights and fast.fingerprint() == expected.fingerprint()


def test_zeroing_a_group_falls_back_to_the_full_check():
    kids = SPEC.children["Conn"]
    with pytest.raises(SpecError, match="all have weight 0"):
        SPEC.with_weights(dict.fromkeys(kids, 0.0))


# -- projection ---------------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 12)),
                  elements=st.one_of(st.floats(-100, 100), st.just(np.nan),
                                     st.just(np.inf))))
def test_nanmedian_equals_numpy(a):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = np.nanmedian(a, axis=-1)
        got = boot.nanmedian(a)
    np.testing.assert_array_equal(got, expected)


def test_theil_sen_by_point_count_equals_pairs_with_nan():
    rng = np.random.default_rng(4)
    z1 = rng.normal(size=(300, 9))
    z1[rng.random(z1.shape) < 0.4] = np.nan
    z = np.where(np.isnan(z1), np.nan, rng.normal(size=(5, 300, 9)))
    t = np.arange(2017, 2026, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for zz in (z1, z):
            for a, b in zip(boot.theil_sen(zz, t), boot._theil_sen_nan(zz, t), strict=True):
                np.testing.assert_array_equal(a, b)


@pytest.fixture(scope="module")
def ogai():
    return airank.Edition.ogai()


@pytest.mark.parametrize("scenario", [None, "sanctions", "partnership"])
def test_stacked_bootstrap_equals_a_build_per_replication(ogai, scenario):
    """The stated tolerance: 1e-9 on every score (the OGAI agrees to the bit)."""
    assert boot.stackable(ogai)
    sc = None if scenario is None else preset(scenario)
    fast = project(ogai, year=2030, n=6, seed=3, scenario=sc)
    slow = project(ogai, year=2030, n=6, seed=3, scenario=sc, stack=False)
    cols = ["score", "score_q05", "score_q95"]
    np.testing.assert_allclose(fast.summary[cols], slow.summary[cols], rtol=0, atol=1e-9)
    np.testing.assert_array_equal(fast.ranks, slow.ranks)


def test_unstackable_editions_build_each_replication(ogai):
    refit = airank.Edition.of(ogai.spec, ogai.data)  # goalposts refitted in every build
    assert not boot.stackable(refit)


# -- scenarios ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def ogai_plan(ogai):
    return Plan(ogai, default_factors(ogai.spec))


@pytest.mark.parametrize("weights", [{}, {"talent": 2.0, "research": 0.5}])
def test_scenario_on_the_cached_plan_equals_fresh_plans(ogai, ogai_plan, weights):
    ed = ogai.with_weights(weights)
    sc = preset("sanctions")
    fresh = run_scenario(sc, ed, n=600, seed=2)
    cached = run_scenario(sc, ed, n=600, seed=2, plan=ogai_plan)
    again = run_scenario(sc, ed, n=600, seed=2, plan=ogai_plan)  # memoised baseline ranks
    assert fresh.index_table().equals(cached.index_table())
    assert cached.index_table().equals(again.index_table())


def test_a_plan_of_another_edition_is_not_used(ogai_plan, asem):
    spec, data = asem
    ed = airank.Edition.of(spec, data)
    iv = rank_change_interval(ed, data, n=100, seed=1, plan=ogai_plan)  # no change at all
    assert list(iv.index) == list(ed.units)
    assert (iv[["change_q05", "change_q95"]] == 0).all().all()


# -- the web ------------------------------------------------------------------------
def test_ranking_rows_serialised_once_carry_the_same_values():
    client = TestClient(create_app(Settings(indices=("asem",), rate_limit=0)),
                        base_url="http://127.0.0.1")
    r = client.get("/api/indices/asem/ranking?weights=Conn:2&replications=50")
    assert r.status_code == 200
    doc = r.json()
    from airank.web import compute
    from airank.web.dependencies import registry_for

    source = registry_for(Settings(indices=("asem",), rate_limit=0))["asem"]
    table, _ = compute.ranking(source, edition=None, view=None, weights={"Conn": 2.0},
                               replications=50, seed=1)
    assert doc["rows"] == json.loads(json.dumps(records(table)))
