"""User-registered methods work in builds and in the batched engine alike, or are refused
there with a clear error; one 'which index' object keeps goalposts everywhere."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import airank
from airank import aggregate, methods, normalise
from airank.analysis.robustness.factors import parse_factors
from airank.analysis.robustness.uncertainty import uncertainty
from airank.web.cache import ogai_index
from airank.web.compute import ranking, uncertainty_table

from .conftest import TINY_SPEC


@pytest.fixture
def registered():
    before_n, before_a = dict(normalise.NORMALISERS), dict(aggregate.AGGREGATORS)
    before_p = {k: dict(v) for k, v in methods.METHOD_PARAMS.items()}
    yield
    normalise.NORMALISERS.clear()
    normalise.NORMALISERS.update(before_n)
    aggregate.AGGREGATORS.clear()
    aggregate.AGGREGATORS.update(before_a)
    for k, v in before_p.items():
        methods.METHOD_PARAMS[k].clear()
        methods.METHOD_PARAMS[k].update(v)


def _spec(**methodology: object) -> airank.IndexSpec:
    doc = {**TINY_SPEC, "methodology": {**TINY_SPEC["methodology"], **methodology}}
    return airank.IndexSpec.from_dict(doc)


def test_a_registered_normaliser_builds_and_runs_in_batch(registered, tiny_frame):
    airank.register_normaliser("halved", lambda x, p: x / 2)
    spec = _spec(normalise={"method": "halved"})
    data = airank.read_data(tiny_frame, spec)
    r = airank.build(spec, data)
    np.testing.assert_allclose(r.scores["i1"], r.stages["treated"]["i1"] / 2)
    fs = parse_factors([{"name": "n", "type": "choice", "path": "methodology.normalise",
                         "options": [{"method": "halved"}, {"method": "minmax"}]}], spec)
    res = uncertainty(airank.Edition.of(spec, data), fs, n=20, seed=1)
    for rep in (0, 7):
        np.testing.assert_allclose(res.replication_scores(rep), res.rebuild(rep).index)


def test_a_registered_quasi_arithmetic_mean_works_in_batch(registered, tiny_frame):
    airank.register_aggregator("cubic", transform=lambda x, p: x**3,
                               inverse=lambda m, p: np.cbrt(m))
    spec = _spec(normalise={"method": "minmax", "lower": 1, "upper": 100},
                 aggregate={"method": "cubic"})
    data = airank.read_data(tiny_frame, spec)
    r = airank.build(spec, data)
    w = np.array([1.0, 1.0]) / 2
    p1 = r.scores.loc["A", ["i1", "i2"]].to_numpy()
    assert r.scores.at["A", "p1"] == pytest.approx(np.cbrt((w * p1**3).sum()))
    fs = parse_factors([{"name": "w", "type": "weights", "level": 1, "noise": 0.3}], spec)
    res = uncertainty(airank.Edition.of(spec, data), fs, n=16, seed=2)
    np.testing.assert_allclose(res.replication_scores(3), res.rebuild(3).index, rtol=1e-10)


def test_a_general_aggregator_builds_but_the_batch_refuses_it(registered, tiny_frame):
    """The third divergence of the review: a method the batch cannot evaluate is refused
    with a clear error, not a stray AttributeError."""
    airank.register_aggregator("maxmin", function=lambda X, w, p: np.nanmax(X, axis=1))
    spec = _spec(aggregate={"method": "maxmin"})
    data = airank.read_data(tiny_frame, spec)
    r = airank.build(spec, data)
    assert r.scores.at["A", "p1"] == r.scores.loc["A", ["i1", "i2"]].max()
    fs = parse_factors([{"name": "w", "type": "weights", "level": 1, "noise": 0.3}], spec)
    with pytest.raises(airank.FactorError, match="not quasi-arithmetic means"):
        uncertainty(airank.Edition.of(spec, data), fs, n=8, seed=1)


def test_registering_over_a_builtin_is_refused(registered):
    with pytest.raises(airank.SpecError, match="built-in"):
        airank.register_normaliser("minmax", lambda x, p: x)
    with pytest.raises(airank.SpecError, match="built-in"):
        airank.register_aggregator("geometric", transform=np.log, inverse=np.exp)
    with pytest.raises(airank.SpecError, match="either transform and inverse"):
        airank.register_aggregator("half", transform=np.log)


def test_web_custom_factors_keep_the_ogai_goalposts():
    """The review's web case: custom-factor uncertainty used to drop the OGAI's fixed
    goalposts, so its nominal ranks differed from the dashboard's for 45 of 175."""
    src = ogai_index()
    table, _ = ranking(src, edition=None, view="scale", weights={}, replications=0)
    fs = [{"name": "w", "type": "weights", "level": 2, "noise": 0.1}]
    u = uncertainty_table(src, edition=None, view="scale", weights={}, factors=fs, n=10,
                          seed=1)
    nominal = u.set_index("unit")["nominal"].astype(float)
    dash = table.set_index("unit")["rank"].astype(float).reindex(nominal.index)
    pd.testing.assert_series_equal(nominal, dash, check_names=False)
