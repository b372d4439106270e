"""Refit the cost model (:mod:`airank.analysis.robustness.cost`) on this machine.

Run: ``python benchmarks/fit_cost.py`` (about two minutes). Prints the measurements, the
fitted constants beside the shipped ones, and each run's estimate / measured ratio under
both. Asserts nothing; the shipped constants are edited by hand from its output.

What it measures (CPU time of this process, BLAS on one thread, warm, best of 3):

* **builds**: ``Edition.of(spec, data)`` (one full pipeline run) of synthetic indices of
  30 x 10 to 2,000 x 20 (:func:`bench_scale.synthetic`), the ASEM example and the OGAI's
  spec and data (its scale view);
* **uncertainty runs**: ``uncertainty(Edition.of(spec, data), factors, n)`` on each
  index, ``n`` 1,024 and 8,192, for COINr's default design and a weights-only design:
  a nominal build, the plan's variants and ``n`` evaluations, as the model counts them.

The fit: ``build(u, i) = a + b u i`` and ``evaluate(u, i) = c u + d u i`` (per
replication), all four non-negative, each run counted as ``variants`` builds and ``n``
evaluations (:func:`cost.variants`). Two fits: least squares on the relative error of
every measurement at once (``scipy.optimize.nnls`` on rows divided by the measured time),
and, from it, the constants that make the largest factor between an estimate and its
measurement (either way) smallest (``scipy.optimize.minimize``, Nelder--Mead on the
logarithms of the constants): the model is a budget, so its worst case is what counts.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from bench_scale import synthetic
from scipy.optimize import minimize, nnls
from threadpoolctl import threadpool_limits

import airank
from airank.analysis.robustness import cost
from airank.analysis.robustness.designs import default_factors
from airank.analysis.robustness.factors import parse_factors
from airank.analysis.robustness.uncertainty import uncertainty


def cpu(fn: Callable[[], object], repeat: int = 3) -> float:
    """Best CPU seconds of ``repeat`` warm runs (a first run pays lazy imports)."""
    fn()
    best = np.inf
    for _ in range(repeat):
        t = time.process_time()
        fn()
        best = min(best, time.process_time() - t)
    return float(best)


def indices() -> list[tuple[str, airank.IndexSpec, airank.Dataset]]:
    out = []
    for u, i in ((30, 10), (200, 20), (500, 50), (2000, 20)):
        spec, frame = synthetic(u, i)
        out.append((f"synthetic {u} x {i}", spec, airank.read_data(frame, spec)))
    spec, data = airank.datasets.asem()
    out.append(("ASEM 51 x 49", spec, data))
    oed = airank.Edition.ogai()
    out.append((f"OGAI {len(oed.baseline.units)} x {len(oed.spec.indicator_codes)}",
                oed.spec, oed.data))
    return out


def main() -> None:
    rows: list[tuple[str, float, float, int, int, float]] = []  # label, builds, evals, u, i, s
    with threadpool_limits(1, user_api="blas"):
        for label, spec, data in indices():
            u, i = len(airank.Edition.of(spec, data).baseline.units), len(spec.indicator_codes)
            rows.append((f"{label}: build", 1.0, 0.0, u, i,
                         cpu(lambda s=spec, d=data: airank.Edition.of(s, d))))
            weights = parse_factors([{"name": "w", "type": "weights", "level": 1,
                                      "noise": 0.25}], spec)
            for design, fs in (("default", default_factors(spec)), ("weights", weights)):
                for n in (1024, 8192):
                    s = cpu(lambda s=spec, d=data, f=fs, n=n:
                            uncertainty(airank.Edition.of(s, d), f, n=n, seed=1))
                    rows.append((f"{label}: {design} n={n}", cost.variants(fs, n), float(n),
                                 u, i, s))
    A = np.array([[b, b * u * i, e * u, e * u * i] for _, b, e, u, i, _ in rows])
    y = np.array([r[-1] for r in rows])
    x, _ = nnls(A / y[:, None], np.ones_like(y))
    def worst(logc: np.ndarray) -> float:
        return float(np.abs(np.log(A @ np.exp(logc) / y)).max())

    start = np.log(np.maximum(x, 1e-12))
    best = minimize(worst, start, method="Nelder-Mead",
                    options={"maxiter": 20_000, "xatol": 1e-4, "fatol": 1e-6})
    mm = np.exp(best.x)
    shipped = np.array([cost._BUILD[0], cost._BUILD[1], cost._EVAL[1], cost._EVAL[2]])
    fits = {"least squares": x, "minimax": mm, "shipped": shipped}
    print(f"{'measurement (estimate / measured)':<40}{'CPU s':>8}"
          + "".join(f"{k:>15}" for k in fits))
    for r, (label, *_) in enumerate(rows):
        print(f"{label:<40}{y[r]:>8.4f}"
              + "".join(f"{(A[r] @ c) / y[r]:>15.2f}" for c in fits.values()))
    print()
    for k, c in fits.items():
        ratio = A @ c / y
        print(f"{k:<14} build {c[0]:.3g} s + {c[1]:.3g} s*u*i; evaluate {c[2]:.3g} s*u + "
              f"{c[3]:.3g} s*u*i; estimate / measured {ratio.min():.2f} to {ratio.max():.2f}")


if __name__ == "__main__":
    main()
