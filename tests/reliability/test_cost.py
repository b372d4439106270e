"""The cost model against known answers and against measured CPU time and memory."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

import airank
from airank.analysis.robustness import cost
from airank.analysis.robustness.designs import default_factors
from airank.analysis.robustness.factors import parse_factors
from airank.analysis.robustness.uncertainty import uncertainty
from airank.analysis.scenarios.effects import run_scenario
from airank.analysis.scenarios.projection import project
from airank.analysis.scenarios.shocks import Scenario, Shock
from airank.edition import Edition
from airank.errors import AirankError


def _cpu(fn: Callable[[], object]) -> float:
    """CPU seconds of ``fn`` in this thread, warm: a first call pays the lazy imports, and
    the process's clock would also count other tests' threads (servers, clusters)."""
    with threadpool_limits(1, user_api="blas"):
        fn()
        t = time.thread_time()
        fn()
        return time.thread_time() - t


def _synthetic(units: int, indicators: int) -> tuple[airank.IndexSpec, airank.Dataset]:
    rng = np.random.default_rng(7)
    spec = airank.IndexSpec.from_dict({
        "name": "S", "units": {"kind": "custom"},
        "nodes": [{"code": "index"}] + [{"code": f"p{k}", "parent": "index", "weight": 1}
                                        for k in range(4)],
        "indicators": [{"code": f"i{j}", "parent": f"p{j % 4}", "weight": 1, "direction": 1}
                       for j in range(indicators)],
        "methodology": {"impute": {"method": "mean"},
                        "normalise": {"method": "minmax", "lower": 0, "upper": 100},
                        "aggregate": {"method": "arithmetic"}}})
    x = rng.lognormal(size=(units, indicators))
    x[rng.random(x.shape) < 0.05] = np.nan
    frame = pd.DataFrame(x, columns=[f"i{j}" for j in range(indicators)])
    frame.insert(0, "unit", [f"U{u:04d}" for u in range(units)])
    return spec, airank.read_data(frame, spec)


@pytest.fixture(scope="module")
def asem() -> tuple[airank.IndexSpec, airank.Dataset, Edition]:
    spec, data = airank.datasets.asem()
    ed = Edition.of(spec, data, year=2018, label="asem")
    ed.baseline  # noqa: B018  (built once, as the server's cached editions are)
    return spec, data, ed


# -- known answers ----------------------------------------------------------------
def test_variants_count_only_the_pipeline_factors(asem) -> None:
    spec = asem[0]
    weights = parse_factors([{"name": "w", "type": "weights", "level": 2}], spec)
    assert cost.variants(weights, 1000) == 1.0
    fs = default_factors(spec)  # 3 normalisations (a build each) x 2 aggregations (none)
    assert cost.variants(fs, 1000) == pytest.approx(1 + 3 * (1 - (2 / 3) ** 1000))
    assert cost.variants(fs, 1) == pytest.approx(2.0)
    many = parse_factors([{"name": f"f{k}", "type": "choice",
                           "path": "methodology.screen.min_coverage",
                           "options": [0.5, 0.6, 0.7]} for k in range(12)], spec)
    # 3**12 = 531,441 combinations: 5,000 draws are nearly all distinct
    assert 4_970 < cost.variants(many, 5000) - 1 < 5_000


def test_estimate_adds_builds_and_evaluations() -> None:
    c = cost.estimate(100, 10, 1000, 3, kind="uncertainty")
    build, ev = 0.0166 + 2.8e-7 * 1000, 8.1e-8 * 100 + 1.5e-15 * 1000  # the documented model
    assert c.builds == 3 and c.evaluations == 1000
    assert c.seconds == pytest.approx(3 * build + 1000 * ev)
    assert cost.estimate(100, 10, 1000, kind="projection").builds == pytest.approx(2505)
    assert cost.estimate(100, 10, 1000, kind="projection", stacked=True).builds == \
        pytest.approx(105)
    assert cost.estimate(100, 10, 0, steps=8, kind="reach").builds == 13
    with pytest.raises(ValueError, match="kind must be one of"):
        cost.estimate(1, 1, 1, kind="nonsense")  # type: ignore[arg-type]


def test_check_budget_states_the_estimate_and_how_to_raise_it() -> None:
    cheap = cost.estimate(51, 49, 100)
    cost.check_budget(cheap, cost.API_BUDGET)
    huge = cost.estimate(51, 49, 10**9, kind="projection")
    with pytest.raises(AirankError) as err:
        cost.check_budget(huge, cost.API_BUDGET)
    issues = err.value.issues
    assert [i.code for i in issues] == ["over_budget", "over_budget"]  # time and memory
    assert "--budget SECONDS" in issues[0].message and "budget_seconds" in issues[0].message
    assert "1,000,000,000 replications" in issues[0].message
    assert issues[0].value > 5e6 and issues[1].value > cost.memory_limit()


# -- against measurements ---------------------------------------------------------
def _within(estimate: float, measured: float, factor: float = 3.0) -> None:
    assert measured / factor <= estimate <= measured * factor, (estimate, measured)


def test_uncertainty_time_on_asem(asem) -> None:
    spec, data, _ = asem
    fs = default_factors(spec)
    measured = _cpu(lambda: uncertainty(airank.Edition.of(spec, data), fs, n=4096, seed=1))
    _within(cost.estimate(51, 49, 4096, cost.variants(fs, 4096)).seconds, measured)


def test_uncertainty_time_on_a_larger_index() -> None:
    spec, data = _synthetic(400, 60)
    fs = parse_factors([{"name": "w", "type": "weights", "level": 1, "noise": 0.2}], spec)
    measured = _cpu(lambda: uncertainty(airank.Edition.of(spec, data), fs, n=8192, seed=1))
    _within(cost.estimate(400, 60, 8192, cost.variants(fs, 8192)).seconds, measured)


def test_projection_time(asem) -> None:
    ed = asem[2]
    measured = _cpu(lambda: project(ed, year=2030, n=10))
    _within(cost.of_run(ed, "projection", 10, n_variants=1).seconds, measured)


def test_a_stacked_projection_is_priced_as_stacked() -> None:
    ed = Edition.ogai()  # its bootstrap replications are scored stacked
    c = cost.of_run(ed, "projection", 200, n_variants=1)
    assert c.builds == pytest.approx(5 + 0.1 * 200)
    _within(c.seconds, _cpu(lambda: project(ed, year=2030, n=200)))


def test_scenario_time_and_memory(asem) -> None:
    spec, _, ed = asem
    sc = Scenario("double", (Shock(("AUT",), (spec.indicator_codes[0],), "multiply", 2.0),))
    n = 20_000
    c = cost.estimate(51, 49, n, cost.variants(default_factors(spec), n), kind="scenario")
    _within(c.seconds, _cpu(lambda: run_scenario(sc, ed, n=n)))
    tracemalloc.start()
    try:
        run_scenario(sc, ed, n=n)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    _within(c.bytes - cost.BASE_BYTES, peak)
