"""Warm build time of the ASEM example and of a synthetic 200 x 150 x 4-level index.

Run: ``python benchmarks/bench_build.py``. Prints figures; asserts nothing.
Targets (issue 2): ASEM under 20 ms (COINr: 64 ms on this machine kind); synthetic
(imputation + JRC outlier treatment) under 0.5 s.
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import pandas as pd

import airank
from airank import IndexSpec


def _time(fn, repeat: int) -> tuple[float, float]:
    fn()  # warm
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return min(ts), statistics.median(ts)


def synthetic(n_units: int = 200, n_ind: int = 150, seed: int = 0
              ) -> tuple[IndexSpec, airank.Dataset]:
    """150 indicators -> 30 sub-pillars -> 6 pillars -> index (4 levels), 5% missing."""
    rng = np.random.default_rng(seed)
    nodes = [{"code": "index"}]
    nodes += [{"code": f"p{p}", "parent": "index"} for p in range(6)]
    nodes += [{"code": f"s{s}", "parent": f"p{s // 5}"} for s in range(30)]
    inds = [{"code": f"i{i}", "parent": f"s{i // 5}", "direction": 1 if i % 4 else -1,
             "weight": float(1 + i % 3)} for i in range(n_ind)]
    spec = IndexSpec.from_dict({
        "name": "synthetic", "units": {"kind": "custom", "groups": ["region"]},
        "nodes": nodes, "indicators": inds,
        "methodology": {"impute": {"method": "mean", "by": "region"},
                        "treat": {"method": "jrc"}, "normalise": {"method": "minmax"},
                        "aggregate": {"method": "arithmetic"}}})
    values = rng.lognormal(mean=1.0, sigma=rng.uniform(0.2, 1.5, n_ind), size=(n_units, n_ind))
    values[rng.random(values.shape) < 0.05] = np.nan
    frame = pd.DataFrame(values, columns=[f"i{i}" for i in range(n_ind)])
    frame.insert(0, "unit", [f"U{u:03d}" for u in range(n_units)])
    frame.insert(1, "region", [f"r{u % 5}" for u in range(n_units)])
    return spec, airank.read_data(frame, spec)


def main() -> None:
    spec, data = airank.datasets.asem()
    best, med = _time(lambda: airank.build(spec, data), 50)
    print(f"{'case':<42}{'min ms':>10}{'median ms':>12}")
    print(f"{'ASEM example (51 units x 49 ind., 4 lev.)':<42}{best * 1e3:>10.1f}{med * 1e3:>12.1f}")
    sspec, sdata = synthetic()
    best, med = _time(lambda: airank.build(sspec, sdata), 10)
    print(f"{'synthetic 200 x 150 x 4 levels':<42}{best * 1e3:>10.1f}{med * 1e3:>12.1f}")
    t = time.perf_counter()
    airank.datasets.asem()
    print(f"{'read + check ASEM data (cold-ish)':<42}{(time.perf_counter() - t) * 1e3:>10.1f}")


if __name__ == "__main__":
    main()
