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
from airank.analysis.scenarios._resample import resampler as _resampler
from airank.analysis.scenarios.effects import rank_change_interval, run_scenario
from airank.analysis.scenarios.projection import project
from airank.analysis.scenarios.shocks import preset
from airank.datasets import asem_spec
from airank.impute_intensity import _cap
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


def _theil_sen_reference(z: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row by row: the median of the slopes of all pairs of present points, the median
    of ``z - slope * t`` over them (NaN with fewer than two points / none)."""
    b, a = np.full(z.shape[:-1], np.nan), np.full(z.shape[:-1], np.nan)
    for idx in np.ndindex(*z.shape[:-1]):
        have = [k for k in range(len(t)) if not np.isnan(z[idx][k])]
        slopes = [(z[idx][j] - z[idx][i]) / (t[j] - t[i])
                  for n, i in enumerate(have) for j in have[n + 1:]]
        if slopes:
            b[idx] = np.median(slopes)
        if have:
            a[idx] = np.median([z[idx][k] - b[idx] * t[k] for k in have])
    return b, a


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 40), st.integers(1, 9), st.integers(1, 4), st.floats(0, 0.8),
       st.booleans(), st.integers(0, 2**32 - 1))
def test_theil_sen_equals_all_pairs_row_by_row(rows, T, reps, gaps, shared, seed):
    """Ties (values on a coarse grid), missing points, rows of fewer than two; the
    replications sharing their gaps (pairs gathered by count) or not (all pairs)."""
    rng = np.random.default_rng(seed)
    t = np.sort(rng.choice(np.arange(2000, 2040), T, replace=False)).astype(float)
    z = rng.integers(-4, 5, size=(reps, rows, T)) * 0.25
    mask = rng.random((rows, T)) < gaps if shared else rng.random(z.shape) < gaps
    z = np.where(mask, np.nan, z)
    expected = _theil_sen_reference(z, t)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # rows without points
        got = boot.theil_sen(z, t)
        for zz in (z[0], z):  # one replication, and all
            np.testing.assert_array_equal(boot.theil_sen_slope(zz, t),
                                          _theil_sen_reference(zz, t)[0])
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_array_equal(g, e)
    slopes = boot.Slopes(~mask if shared else ~mask[0], t)  # planned once, checked
    for _ in range(2):  # its buffers again
        np.testing.assert_array_equal(slopes(z), expected[0])


def _resample_reference(resid: np.ndarray, rng: np.random.Generator, size: int, n: int
                        ) -> np.ndarray:
    """The draw as it was: all replications at once, indices through the sort order."""
    ok = ~np.isnan(resid)
    cnt = ok.sum(axis=1)
    order = np.argsort(~ok, axis=1, kind="stable")
    pick = (rng.random((n, resid.shape[0], size)) * np.maximum(cnt, 1)[:, None]).astype(int)
    row = (np.arange(resid.shape[0]) * resid.shape[1])[:, None]
    vals = resid.ravel()[row + order.ravel()[row + pick]]
    return np.where(cnt[:, None] > 0, vals, 0.0)


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 30), st.integers(1, 9), st.lists(st.integers(1, 7), min_size=1,
                                                       max_size=4), st.integers(0, 2**32 - 1))
def test_residual_draws_by_slice_are_one_draw(rows, T, slices, seed):
    rng = np.random.default_rng(seed)
    resid = rng.normal(size=(rows, T))
    resid[rng.random(resid.shape) < 0.4] = np.nan  # rows without residuals too
    draw, size, mine = _resampler(resid), T + 1, np.random.default_rng(seed + 1)
    got = np.concatenate([draw(mine, np.empty((k, rows, size))) for k in slices])
    expected = _resample_reference(resid, np.random.default_rng(seed + 1), size, sum(slices))
    np.testing.assert_array_equal(got, expected)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 12), st.integers(3, 8), st.integers(0, 60), st.integers(0, 2**32 - 1))
def test_refit_on_two_threads_is_one_pass(rows, T, n, seed):
    """The second half of the slices on a helper thread, its stream advanced past the
    first half's draws: the values of one pass over every slice on one stream."""
    from airank.analysis.scenarios import _resample

    rng = np.random.default_rng(seed)
    t = np.arange(2015, 2015 + T, dtype=float)
    zf = rng.normal(size=(rows, T)) + 0.1 * t
    gone = rng.random(zf.shape) < 0.2
    gone[:, [0, -1]] = False  # a series has its first and last year (as projected ones do)
    zf[gone] = np.nan
    resid = zf - np.nanmean(zf, axis=1, keepdims=True)
    z_last, step = rng.normal(size=rows), rng.integers(1, 6, size=rows).astype(float)

    def to_values(z):
        return np.exp(np.minimum(z, 50.0))

    got = _resample.refit(zf, resid, t, np.random.default_rng(seed + 1), n, z_last, step,
                          to_values, rows)
    one = np.empty((n, rows))
    _resample._refit_rows(zf, resid, t, z_last, step, to_values,
                          np.random.default_rng(seed + 1), one)
    np.testing.assert_array_equal(got, one)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 4), st.integers(1, 3), st.integers(1, 12), st.integers(2, 6),
       st.integers(0, 2**32 - 1))
def test_caps_of_a_stack_are_each_replications_cap(reps, codes, units, rank, seed):
    """:func:`_bounds` (all replications, codes with as many values together) against the
    imputer's own cap, one replication and code at a time; ties on a coarse grid."""
    rng = np.random.default_rng(seed)
    x = rng.integers(-3, 4, size=(reps, units, codes)) * 1.0
    x[:, rng.random((units, codes)) < 0.3] = np.nan  # the same values present in each
    d = rng.choice([1.0, -1.0], size=codes)
    value = rng.integers(-6, 7, size=(reps, units, codes)) * 0.5
    bound, capped = boot._bounds(x, d, rank)
    for r in range(reps):
        for c in range(codes):
            expected = _cap(value[r, :, c], x[r, :, c], int(d[c]), rank)
            got = np.minimum(value[r, :, c] * d[c], bound[r, c]) * d[c] if capped[c] \
                else value[r, :, c]
            np.testing.assert_array_equal(got, expected)


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
