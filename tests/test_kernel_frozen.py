"""Frozen subtrees (:mod:`airank._kernel_frozen`): a batch whose weights leave some groups
unchanged scores them once; the scores must equal the full effective-weight product.

Random trees (1-4 group levels, from the kernel property test), one quasi-arithmetic mean
at every level, random weight batches in which each node's weight is either drawn per
replication, held at its nominal value, or held at 0 (whole subtrees of zero weight
included), indicators without data, and one-replication batches (every group below the
index frozen). Reference: the same bound kernel with the reduction switched off.
"""

from __future__ import annotations

from typing import Any
from unittest import mock

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airank import IndexSpec
from airank._kernel_frozen import frozen_cut
from airank.kernel import Bound, Kernel

from .test_kernel_properties import trees

MEANS = [{"method": "arithmetic"}, {"method": "geometric"}, {"method": "harmonic"},
         {"method": "generalised", "p": 0.5}, {"method": "generalised", "p": -1.0}]


def _full(bound: Bound, W: np.ndarray) -> np.ndarray:
    with mock.patch("airank.kernel.reduction", return_value=None):
        out: np.ndarray = bound.evaluate(W).index
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_frozen_subtrees_equal_the_full_product(data: Any) -> None:
    doc = data.draw(trees())
    mean = data.draw(st.sampled_from(MEANS))
    doc["methodology"]["aggregate_levels"] = {lv: {**mean, "min_share": 0.0}
                                              for lv in doc["methodology"]["aggregate_levels"]}
    spec = IndexSpec.from_dict(doc)
    k = Kernel.compile(spec)
    assert k.collapsible()
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    units = data.draw(st.integers(2, 8))
    X = rng.uniform(0.5, 100.0, (units, k.n_ind))
    for j in data.draw(st.sets(st.integers(0, k.n_ind - 1), max_size=k.n_ind - 1)):
        X[:, j] = np.nan  # an indicator without data: dead, weighs 0
    R = data.draw(st.integers(1, 9))
    W = np.tile(k.weights, (R, 1))
    for j in range(len(k.nodes)):
        how = data.draw(st.sampled_from(["drawn", "nominal", "nominal", "zero"]))
        if how == "drawn":
            W[:, j] *= rng.uniform(0.0 if R > 2 else 0.5, 2.0, R)
        elif how == "zero":
            W[:, j] = 0.0
    bound = k.bind(X)
    got = bound.evaluate(W).index
    ref = _full(bound, W)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))
    ok = ~np.isnan(ref)
    np.testing.assert_allclose(got[ok], ref[ok], rtol=1e-12, atol=1e-12)
    for r in range(R):  # one replication alone: every group below the index frozen
        alone = bound.evaluate(W[r:r + 1]).index[0]
        np.testing.assert_array_equal(np.isnan(alone), np.isnan(ref[r]))
        np.testing.assert_allclose(alone[ok[r]], ref[r][ok[r]], rtol=1e-12, atol=1e-12)
    Wd = np.where(bound.dead, 0.0, W)
    if frozen_cut(k, (Wd == Wd[:1]).all(axis=0)).size:  # the reduction did run
        assert bound._cache.get("reduced")


def test_default_design_freezes_the_pillars() -> None:
    """COINr's default design on ASEM perturbs pillar and sub-index weights only: the
    pillars freeze, and the batch runs on (replications x pillars)."""
    import airank
    from airank.analysis.robustness.batch import Plan
    from airank.analysis.robustness.designs import default_factors
    from airank.analysis.robustness.uncertainty import draw

    ed = airank.Edition.of(*airank.datasets.asem())
    plan = Plan(ed, default_factors(ed.spec))
    d = draw(plan, 1, 0, 512)
    got, _ = plan.scorer.evaluate(d)
    bounds = list(plan.scorer._bound.values())
    assert bounds and all(b._cache.get("reduced") for b in bounds)
    red = next(iter(bounds[0]._cache["reduced"].values()))
    pillars = [g for g in ed.spec.group_codes if ed.spec.levels[g] == 2]
    assert red.kernel.n_ind == len(pillars)
    with mock.patch("airank.kernel.reduction", return_value=None):
        ref, _ = Plan(ed, default_factors(ed.spec)).scorer.evaluate(d)
    np.testing.assert_allclose(got, ref, rtol=1e-13)
    assert (np.argsort(got, axis=1) == np.argsort(ref, axis=1)).all()


def test_an_empty_frozen_group_weighs_nothing() -> None:
    """A frozen group whose children all weigh 0 has no score: its parent rescales over
    the others, as the full product does (hypothesis meets this case only sometimes)."""
    doc = {"name": "t", "units": {"kind": "custom"},
           "nodes": [{"code": "p1", "parent": "s1", "weight": 1.0},
                     {"code": "p2", "parent": "s1", "weight": 1.0},
                     {"code": "p3", "parent": "index", "weight": 1.0},
                     {"code": "s1", "parent": "index", "weight": 1.0}, {"code": "index"}],
           "indicators": [{"code": f"i{j}", "parent": p, "weight": 1.0, "direction": 1}
                          for j, p in enumerate(["p1", "p1", "p2", "p2", "p3"])],
           "methodology": {"denominate": "none", "impute": "none", "screen": "none",
                           "treat": "none", "normalise": "none",
                           "aggregate": {"method": "arithmetic"}}}
    k = Kernel.compile(IndexSpec.from_dict(doc))
    X = np.random.default_rng(0).uniform(1.0, 100.0, (6, k.n_ind))
    W = np.tile(k.weights, (5, 1))
    W[:, [k.nodes.index("i0"), k.nodes.index("i1")]] = 0.0  # p1: frozen, empty
    for c in ("p1", "p2", "p3", "s1"):
        W[:, k.nodes.index(c)] *= np.linspace(0.5, 1.5, 5)
    bound = k.bind(X)
    got = bound.evaluate(W).index
    assert bound._cache.get("reduced")  # p1 and p2 froze
    np.testing.assert_allclose(got, _full(bound, W), rtol=1e-12)
