"""Robustness at interactive speed: Monte Carlo and Sobol' on the ASEM example and the OGAI.

Run: ``python benchmarks/bench_robustness.py [--quick]``. Prints figures; asserts nothing.

Design (COINr's sensitivity vignette): pillar and sub-index weights +-25% uniform;
normalisation min-max [1, 100], z-score (10, 2) or rank; arithmetic or geometric mean at
every level. COINr rebuilds the index per replication: 80 ms a replication on this
machine kind (80 s for 1,000).

Targets (issue 4): 100,000 replications <= 0.25 s; 1,000,000 <= 2 s with peak memory
<= 300 MB; within 3x of the floor (bare matrix products of the same shape plus one
argsort); Sobol' with 2^12 base samples and per-unit outputs <= 1 s; OGAI 100,000 <= 1 s.
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc

import numpy as np
from threadpoolctl import threadpool_limits

import airank
from airank.analysis.robustness.batch import Plan
from airank.analysis.robustness.factors import parse_factors
from airank.analysis.robustness.sensitivity import sensitivity
from airank.analysis.robustness.uncertainty import uncertainty

DESIGN = [
    {"name": "pillar_weights", "type": "weights", "level": 2, "noise": 0.25},
    {"name": "subindex_weights", "type": "weights", "level": 3, "noise": 0.25},
    {"name": "normalisation", "type": "choice", "path": "methodology.normalise",
     "options": [{"method": "minmax", "lower": 1, "upper": 100},
                 {"method": "zscore", "mean": 10, "sd": 2}, {"method": "rank"}]},
    {"name": "aggregation", "type": "choice", "path": "methodology.aggregate",
     "options": [{"method": "arithmetic"}, {"method": "geometric"}]},
]


def best_of(fn, repeat: int = 3) -> float:
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return min(ts)


def floor(plan: Plan, n: int) -> float:
    """Bare work of the same shape: one product per option group plus one argsort."""
    X = plan.variant((0,))[0]

    E = np.random.default_rng(0).random((n, X.shape[1]))
    E /= E.sum(axis=1, keepdims=True)

    def run() -> None:
        with threadpool_limits(1, user_api="blas"):
            for s in range(0, n, 8192):
                np.argsort(-(X @ E[s:s + 8192].T).T, axis=1)

    return best_of(run)


def naive(spec: airank.IndexSpec, data: airank.Dataset, res, n: int) -> float:
    t = time.perf_counter()
    for r in range(n):
        airank.build(res.replication_spec(r), data)
    return (time.perf_counter() - t) / n


def row(label: str, value: str) -> None:
    print(f"{label:<58}{value:>18}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="skip the 1,000,000 run")
    args = ap.parse_args()
    spec, data = airank.datasets.asem()
    factors = parse_factors(DESIGN, spec)
    plan = Plan(spec, data, factors)
    uncertainty(spec, data, factors, n=2000, seed=1, plan=plan)  # warm: builds the variants
    print(f"{'ASEM example, COINr vignette design':<58}{'figure':>18}")
    t100k = best_of(lambda: uncertainty(spec, data, factors, n=100_000, seed=1, plan=plan))
    row("Monte Carlo 100,000 replications", f"{t100k:.3f} s")
    row("floor: matrix products + argsort, 100,000", f"{floor(plan, 100_000):.3f} s")
    if not args.quick:
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t1m = best_of(lambda: uncertainty(spec, data, factors, n=1_000_000, seed=1, plan=plan),
                      2)
        rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        tracemalloc.start()
        uncertainty(spec, data, factors, n=1_000_000, seed=1, plan=plan)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        row("Monte Carlo 1,000,000 replications", f"{t1m:.3f} s")
        row("  peak memory allocated by the run (tracemalloc)", f"{peak:.0f} MB")
        row("  process max RSS before / after the 1,000,000 runs", f"{rss0:.0f} / {rss1:.0f} MB")
    res = uncertainty(spec, data, factors, n=200, seed=1, plan=plan)
    per = naive(spec, data, res, 200)
    row("naive: rebuild through the pipeline, per replication", f"{per * 1e3:.1f} ms")
    row("batched, per replication (100,000 run)", f"{t100k / 100_000 * 1e6:.2f} us")
    row("speed-up per replication", f"{per / (t100k / 100_000):,.0f}x")
    ts = best_of(lambda: sensitivity(spec, data, factors, n_base=4096, seed=1, plan=plan), 2)
    row("Sobol' 2^12 base samples, per-unit outputs (+bootstrap)", f"{ts:.3f} s")
    ts0 = best_of(lambda: sensitivity(spec, data, factors, n_base=4096, seed=1, plan=plan,
                                      n_boot=0), 2)
    row("Sobol' 2^12 base samples, per-unit outputs (no bootstrap)", f"{ts0:.3f} s")
    try:
        from airank import ogai
    except ImportError:
        return
    ospec, odata = ogai.spec("scale"), ogai.dataset("scale")
    from airank.analysis.robustness.designs import default_factors

    ofs = default_factors(ospec)
    oplan = Plan(ospec, odata, ofs)
    uncertainty(ospec, odata, ofs, n=2000, seed=1, plan=oplan)
    t = best_of(lambda: uncertainty(ospec, odata, ofs, n=100_000, seed=1, plan=oplan))
    row(f"OGAI ({len(oplan.units)} units): Monte Carlo 100,000", f"{t:.3f} s")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"max RSS of this process: {rss:.0f} MB")



if __name__ == "__main__":
    main()
