"""RankStats before/after: time and peak memory of feeding Monte Carlo rank blocks.

Run: ``python benchmarks/bench_ranks.py [--old-ref REF] [--quick]``. Prints a table;
asserts nothing. Each measurement runs in its own process with its address space capped
(``--limit-gib``, default 12), so the old count table at 100,000 units (74.5 GiB) fails
with MemoryError instead of swapping the machine.

Cases (units x replications): 1,000 x 10,000; 10,000 x 10,000; 100,000 x 2,000. Synthetic
scores: unit ``u`` has true score ``u / n`` (units in shuffled order) plus N(0, 0.05)
noise per replication, so a unit's rank moves about 5% of ``n``. Blocks of 4,096
replications (``uncertainty.BLOCK``), at most 2^27 cells a block (1,342 rows at 100,000
units). Modes: ``order`` feeds ``update_order(argsort(scores), ascending=True)`` (the
tie-free path of ``uncertainty``); ``ranks`` feeds ``update(rank_desc(scores))``.

Timed: the ``update*`` calls alone (generating scores and argsorts is excluded) and one
``summary(nominal, k=3)``. Memory, from a second, traced run: the tracemalloc peak during
the updates minus the input block (accumulator state + temporaries); also the state's size
at the end and the process's peak RSS during the timed run (data generation included).
"old" is ``ranks.py`` at ``--old-ref`` (default 1792582, the last commit before the
rewrite), loaded from git.
The accuracy rows compare the quantiles with ``np.quantile(..., method="inverted_cdf")``
of the stacked ranks (and, for 1k/10k units, with the old type 7 values, i.e. COINr's rule).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from airank.analysis.robustness import ranks as new_ranks

ROOT = Path(__file__).resolve().parents[1]
CASES = [(1_000, 10_000), (10_000, 10_000), (100_000, 2_000)]
QUICK = [(1_000, 2_000), (10_000, 4_096), (100_000, 512)]
NOISE = 0.05


def _old_module(ref: str) -> ModuleType:
    src = subprocess.run(["git", "-C", str(ROOT), "show", f"{ref}:airank/analysis/robustness/"
                          "ranks.py"], capture_output=True, text=True, check=True).stdout
    path = Path(tempfile.mkdtemp()) / "old_ranks.py"
    path.write_text(src)
    spec = importlib.util.spec_from_file_location("old_ranks", path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _rows(n: int) -> int:
    return min(4096, (1 << 27) // n)


def _block(n: int, rows: int, b: int) -> np.ndarray:
    rng = np.random.default_rng([7, b])
    truth = np.random.default_rng(0).permutation(n) / n
    return truth + NOISE * rng.standard_normal((rows, n))


def _blocks(n: int, reps: int):
    rows = _rows(n)
    for b, r0 in enumerate(range(0, reps, rows)):
        yield _block(n, min(rows, reps - r0), b)


def _feed(mod: ModuleType, n: int, reps: int, mode: str,
          trace: bool) -> tuple[float, float, Any]:
    """Feed every block; return update seconds, peak accumulator bytes (traced) and stats."""
    stats = mod.RankStats(n)
    feed = peak = 0.0
    for scores in _blocks(n, reps):
        data = (np.argsort(scores, axis=1) if mode == "order"
                else new_ranks.rank_desc(scores, axis=1))
        del scores
        if trace:
            held = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
        t = time.perf_counter()
        if mode == "order":
            stats.update_order(data, ascending=True)
        else:
            stats.update(data)
        feed += time.perf_counter() - t
        if trace:
            peak = max(peak, tracemalloc.get_traced_memory()[1] - held + _state(stats))
        del data
    return feed, peak, stats


def worker(n: int, reps: int, impl: str, mode: str, ref: str) -> dict[str, Any]:
    """Feed one case into one implementation, timed, then again traced; the figures."""
    mod = new_ranks if impl == "new" else _old_module(ref)
    out: dict[str, Any] = {"units": n, "reps": reps, "impl": impl, "mode": mode}
    try:
        feed, _, stats = _feed(mod, n, reps, mode, trace=False)
        t = time.perf_counter()
        stats.summary(np.arange(1, n + 1), 3)
        out.update(feed_s=feed, summary_s=time.perf_counter() - t,
                   state_mb=_state(stats) / 1e6, width=getattr(stats, "width", 1))
        out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
        del stats
        tracemalloc.start()
        out["peak_mb"] = _feed(mod, n, reps, mode, trace=True)[1] / 1e6
        tracemalloc.stop()
    except MemoryError:
        out["error"] = f"MemoryError (count table needs {n * n * 8 / 2**30:.1f} GiB)"
        out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
    return out


def _state(stats: Any) -> int:
    if hasattr(stats, "nbytes"):
        return int(stats.nbytes)
    return int(stats.counts.nbytes + stats.n_missing.nbytes)


def accuracy(n: int, reps: int, ref: str) -> dict[str, Any]:
    """Quantile errors of the new accumulator against numpy on the stacked ranks."""
    stats = new_ranks.RankStats(n)
    old = _old_module(ref).RankStats(n) if n <= 10_000 else None
    stacked = np.empty((reps, n), dtype=np.int32)
    r0 = 0
    for scores in _blocks(n, reps):
        order = np.argsort(scores, axis=1)
        stats.update_order(order, ascending=True)
        if old is not None:
            old.update_order(order, ascending=True)
        stacked[r0:r0 + len(order)] = new_ranks.rank_desc(scores, axis=1)
        r0 += len(order)
    qs = [0.05, 0.5, 0.95]
    got = stats.quantile(qs)
    err = np.zeros_like(got)
    for c in range(0, n, 5000):  # column chunks keep numpy's copies small
        want = np.quantile(stacked[:, c:c + 5000], qs, axis=0, method="inverted_cdf")
        err[:, c:c + 5000] = np.abs(got[:, c:c + 5000] - want)
    out = {"units": n, "reps": reps, "width": stats.width, "max_err": float(err.max()),
           "mean_err": float(err.mean()), "bound": stats.width - 1,
           "mean_exact": bool(np.array_equal(stats.mean(), stacked.mean(axis=0)))}
    if old is not None:
        out["max_vs_type7"] = float(np.abs(got - old.quantile(qs)).max())
    return out


def _run(args: list[str], limit_gib: float) -> dict[str, Any]:
    def cap() -> None:
        lim = int(limit_gib * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
    res = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True,
                         preexec_fn=cap, check=False)
    lines = [ln for ln in res.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        return {"error": (res.stderr.strip().splitlines() or ["no output"])[-1]}
    return dict(json.loads(lines[-1]))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--old-ref", default="1792582")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--limit-gib", type=float, default=12.0)
    p.add_argument("--worker", nargs=4, metavar=("UNITS", "REPS", "IMPL", "MODE"))
    p.add_argument("--accuracy", nargs=2, type=int, metavar=("UNITS", "REPS"))
    a = p.parse_args()
    if a.worker:
        n, reps, impl, mode = a.worker
        print(json.dumps(worker(int(n), int(reps), impl, mode, a.old_ref)))
        return
    if a.accuracy:
        print(json.dumps(accuracy(*a.accuracy, a.old_ref)))
        return
    print(f"{'units':>7} {'reps':>6} {'mode':>6} {'impl':>4} {'feed s':>8} {'summary s':>9} "
          f"{'peak MB':>8} {'state MB':>8} {'RSS MB':>7} {'width':>5}")
    for n, reps in QUICK if a.quick else CASES:
        for mode in ("order", "ranks"):
            for impl in ("old", "new"):
                r = _run(["--worker", str(n), str(reps), impl, mode, "--old-ref", a.old_ref],
                         a.limit_gib)
                head = f"{n:>7} {reps:>6} {mode:>6} {impl:>4}"
                if "error" in r:
                    print(f"{head} {r['error']}  (RSS {r.get('rss_mb', 0):.0f} MB)")
                    continue
                print(f"{head} {r['feed_s']:>8.2f} {r['summary_s']:>9.2f} {r['peak_mb']:>8.0f} "
                      f"{r['state_mb']:>8.0f} {r['rss_mb']:>7.0f} {r['width']:>5}")
    print("\naccuracy (quantiles 0.05, 0.5, 0.95 against numpy inverted_cdf, ranks):")
    for n, reps in QUICK if a.quick else CASES:
        r = _run(["--accuracy", str(n), str(reps), "--old-ref", a.old_ref], a.limit_gib)
        print(json.dumps(r))


if __name__ == "__main__":
    main()
