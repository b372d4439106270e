"""Timings of the robustness kernels: ranks, rank statistics, Sobol' indices, rank bounds.

Run ``python benchmarks/bench_kernels.py`` (``--quick`` skips the slow rank-bounds
cases). Prints one table; times are the best of ``repeat`` runs (perf_counter).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from airank.analysis.audit.bounds import rank_bounds
from airank.analysis.robustness.ranks import RankStats, rank_desc
from airank.analysis.robustness.sobol import sobol_design, sobol_indices


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def bench_ranks(rows: list[tuple[str, float, str]]) -> None:
    rng = np.random.default_rng(0)
    scores = rng.random((100_000, 51))
    t = best_of(lambda: rank_desc(scores))
    rows.append(("rank_desc 100_000 x 51", t, f"{100_000 / t / 1e6:.2f} M rows/s"))
    tied = np.round(scores * 20)
    t = best_of(lambda: rank_desc(tied))
    rows.append(("rank_desc 100_000 x 51, many ties", t, ""))

    def million() -> RankStats:
        stats = RankStats(51)
        gen = np.random.default_rng(1)
        for _ in range(10):
            stats.update(rank_desc(gen.random((100_000, 51))))
        return stats
    t = best_of(million, repeat=1)
    rows.append(("1_000_000 x 51: draw + rank_desc + RankStats", t, "chunks of 100_000"))
    ranks = rank_desc(scores)
    stats = RankStats(51)
    t = best_of(lambda: stats.update(ranks))
    rows.append(("RankStats.update 100_000 x 51", t, f"{100_000 / t / 1e6:.1f} M rows/s"))
    w = rng.dirichlet(np.ones(49), size=51).T  # (49, 51)
    x = rng.random((100_000, 49))
    t = best_of(lambda: np.argsort(x @ w, axis=1))
    rows.append(("floor: (100_000 x 49) @ (49 x 51) + argsort", t, ""))


def bench_sobol(rows: list[tuple[str, float, str]]) -> None:
    from SALib.analyze import sobol as salib

    d, n_out = 8, 51
    design = sobol_design(d, 2**12, seed=0)
    coef = np.random.default_rng(0).normal(size=(d, n_out))
    y = np.sin(design.matrix @ coef) + design.matrix**2 @ np.abs(coef)
    t = best_of(lambda: sobol_indices(design, y, n_boot=1000, seed=1), repeat=2)
    rows.append(("sobol_indices N=2^12 D=8, 51 outputs, 1000 boot", t, ""))
    t = best_of(lambda: sobol_indices(design, y, n_boot=0), repeat=3)
    rows.append(("  same, point estimates only", t, ""))
    problem = {"num_vars": d, "names": [f"x{i}" for i in range(d)], "bounds": [[0, 1]] * d}

    def salib_loop() -> None:
        for k in range(n_out):
            salib.analyze(problem, y[:, k], calc_second_order=False, num_resamples=1000,
                          seed=1)
    t = best_of(salib_loop, repeat=1)
    rows.append(("SALib analyze looped over 51 outputs, 1000 boot", t, ""))


def bench_bounds(rows: list[tuple[str, float, str]], quick: bool) -> None:
    rng = np.random.default_rng(1)
    w0 = np.full(7, 1 / 7)
    cases = [(0.7, 0.5)] if quick else [(0.7, 0.5), (0.7, None), (0.5, 0.5), (0.0, 0.5)]
    for rho, rel in cases:
        f = rng.standard_normal((150, 1))
        x = np.sqrt(rho) * f + np.sqrt(1 - rho) * rng.standard_normal((150, 7))
        t = time.perf_counter()
        out = rank_bounds(x, w0, rel=rel)
        t = time.perf_counter() - t
        spread = float((out["worst"] - out["best"]).mean())
        rows.append((f"rank_bounds 150x7 rho={rho} rel={rel}", t,
                     f"mean worst-best {spread:.1f}, optimal {bool(out['optimal'].all())}"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    rows: list[tuple[str, float, str]] = []
    bench_ranks(rows)
    bench_sobol(rows)
    bench_bounds(rows, args.quick)
    width = max(len(r[0]) for r in rows)
    print(f"{'case':<{width}}  {'seconds':>9}  note")
    for name, secs, note in rows:
        print(f"{name:<{width}}  {secs:>9.3f}  {note}")


if __name__ == "__main__":
    main()
