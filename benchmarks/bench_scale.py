"""Robustness at sub-national scale: time and peak memory by units, indicators, replications.

Run: ``python benchmarks/bench_scale.py`` (the grid, the census-tract case, the exponents);
``--case U I N`` for one case; ``--interactive`` for the interactive paths (scenario,
projection, re-weighted ranking, server throughput). Prints figures; asserts nothing.

Data (synthetic, skewed, as sub-national indicators are): ``U`` units in 50 states,
``I`` lognormal indicators (sigma 0.2 .. 1.5; every fourth higher-is-worse, i.e. a long
left tail), pillars of 5 (4 when ``I`` is not a multiple of 5) under ``max(2, pillars/5)``
sub-indices under the index; min-max [1, 100] nominal, no screen. Design: the default
(:func:`airank.analysis.robustness.designs.default_factors`, COINr's vignette: weights of
every level +-25%, min-max / z-score floored at 1 / rank, arithmetic or geometric).

Each case runs in its own process (``--case``), so its peak RSS (``ru_maxrss``) is its own;
phases: reading the CSV-like frame (``read_data``), the nominal build (``Edition.of``), the
plan (the three normalisation variants), the Monte Carlo, and the whole run. Times are
wall clock and process CPU. A grid case whose estimate (from the measured growth) is above
``--budget`` seconds (default 120) is skipped and named. Targets (issue 14): 10k x 200 x
10k under 30 s and 2 GB; 84,000 x 16 x 10,000 under 60 s and 4 GB; 100,000 x 20 x 2,000
within 4 GB.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time
from typing import Any

import numpy as np
import pandas as pd
from _machine import describe

GRID_UNITS = (1_000, 10_000, 100_000)
GRID_IND = (20, 200)
GRID_REPS = (1_000, 10_000)
CENSUS = (84_000, 16, 10_000)
MEMORY_CASE = (100_000, 20, 2_000)


def synthetic(n_units: int, n_ind: int, seed: int = 0, states: int = 50
              ) -> tuple[Any, pd.DataFrame]:
    """The benchmark's spec and wide table (see the module notes)."""
    from airank import IndexSpec

    rng = np.random.default_rng(seed)
    per = 5 if n_ind % 5 == 0 else 4
    n_p = n_ind // per
    n_s = max(2, n_p // 5)
    nodes = [{"code": "index"}, *({"code": f"s{s}", "parent": "index"} for s in range(n_s)),
             *({"code": f"p{p}", "parent": f"s{p % n_s}"} for p in range(n_p))]
    inds = [{"code": f"i{i}", "parent": f"p{i // per}", "direction": 1 if i % 4 else -1}
            for i in range(n_ind)]
    spec = IndexSpec.from_dict({
        "name": "synthetic", "units": {"kind": "custom", "groups": ["state"]},
        "nodes": nodes, "indicators": inds,
        "methodology": {"screen": {"method": "none"},
                        "normalise": {"method": "minmax", "lower": 1, "upper": 100}}})
    values = rng.lognormal(1.0, rng.uniform(0.2, 1.5, n_ind), size=(n_units, n_ind))
    frame = pd.DataFrame(values, columns=[f"i{i}" for i in range(n_ind)])
    frame.insert(0, "unit", [f"U{u:07d}" for u in range(n_units)])
    frame.insert(1, "state", [f"S{u % states:02d}" for u in range(n_units)])
    return spec, frame


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def run_case(n_units: int, n_ind: int, n: int) -> dict[str, Any]:
    """One case in this process: phase times and peak RSS."""
    import airank
    from airank.analysis.robustness.batch import Plan
    from airank.analysis.robustness.designs import default_factors
    from airank.analysis.robustness.uncertainty import uncertainty

    spec, frame = synthetic(n_units, n_ind)
    out: dict[str, Any] = {"units": n_units, "indicators": n_ind, "n": n}
    t0 = _clock()
    data = airank.read_data(frame, spec)
    w1, c1 = _clock()
    out["read"] = (w1 - t0[0], c1 - t0[1])
    ed = airank.Edition.of(spec, data)
    w2, c2 = _clock()
    out["build"] = (w2 - w1, c2 - c1)
    plan = Plan(ed, default_factors(spec))
    for combo in plan.scorer.pre_combos():
        plan.variant(combo)
    w3, c3 = _clock()
    out["plan"] = (w3 - w2, c3 - c2)
    res = uncertainty(ed, plan.factors, n=n, seed=1, plan=plan)
    w4, c4 = _clock()
    out["mc"] = (w4 - w3, c4 - c3)
    out["total"] = (w4 - t0[0], c4 - t0[1])
    out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["failed"] = res.n_failed
    out["exact"] = res.exact
    return out


def _spawn(case: tuple[int, int, int], timeout: float) -> dict[str, Any] | None:
    cmd = [sys.executable, __file__, "--case", *map(str, case)]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return None
    except subprocess.CalledProcessError as exc:
        print(exc.stderr[-2000:], file=sys.stderr)
        return None
    result: dict[str, Any] = json.loads(p.stdout.strip().splitlines()[-1])
    return result


def _row(r: dict[str, Any]) -> str:
    f = lambda k: f"{r[k][0]:7.2f}/{r[k][1]:6.2f}"  # noqa: E731
    return (f"{r['units']:>8,} {r['indicators']:>4} {r['n']:>7,}  {f('read')} {f('build')} "
            f"{f('plan')} {f('mc')} {f('total')}  {r['rss_mb']:8.0f}  {r['failed']:>3} "
            f"{'exact' if r['exact'] else 'sketch'}")


HEADER = (f"{'units':>8} {'ind':>4} {'reps':>7}  {'read s':>14} {'build s':>14} "
          f"{'plan s':>14} {'MC s':>14} {'total s':>14}  {'peak RSS':>8}  fail ranks\n"
          f"{'':>22}{'(wall / CPU in each column)':>40}{'':>36}MB")


def _estimate(done: dict[tuple[int, int, int], dict[str, Any]],
              case: tuple[int, int, int]) -> float:
    """Seconds, from the nearest smaller case and growth exponents of ~1.3 (units) and 1
    (replications, indicators): a skip rule, not a measurement."""
    best = math.inf
    for (u, i, n), r in done.items():
        if u <= case[0] and i <= case[1] and n <= case[2]:
            g = (case[0] / u) ** 1.3 * (case[1] / i) ** 0.5 * case[2] / n
            best = min(best, r["total"][0] * g)
    return best if math.isfinite(best) else 0.0


def grid(budget: float) -> None:
    print(HEADER)
    done: dict[tuple[int, int, int], dict[str, Any]] = {}
    skipped = []
    for n_ind in GRID_IND:
        for n in GRID_REPS:
            for u in GRID_UNITS:
                case = (u, n_ind, n)
                est = _estimate(done, case)
                if est > budget:
                    skipped.append((case, est))
                    continue
                r = _spawn(case, timeout=max(3 * budget, 60))
                if r is None:
                    skipped.append((case, float("nan")))
                    continue
                done[case] = r
                print(_row(r), flush=True)
    for case, est in skipped:
        print(f"skipped {case[0]:,} x {case[1]} x {case[2]:,}: estimated {est:.0f} s "
              f"> {budget:.0f} s (or timed out)")
    print("\ngrowth exponents of the Monte Carlo time (log ratio of CPU seconds):")
    for (u, i, n), r in sorted(done.items()):
        for key, scale in (((10 * u, i, n), "units x10"), ((u, i, 10 * n), "reps x10"),
                           ((u, 10 * i, n), "indicators x10")):
            if key in done:
                e = math.log(done[key]["mc"][1] / r["mc"][1]) / math.log(10)
                print(f"  {u:>7,} x {i:>3} x {n:>6,} -> {scale:<15} {e:5.2f}")
    for case, label in ((CENSUS, "census tracts"), (MEMORY_CASE, "100k units, memory")):
        r = _spawn(case, timeout=1800)
        print(f"\n{label} ({case[0]:,} x {case[1]} x {case[2]:,}):")
        if r is None:
            print("  failed or timed out")
        else:
            print(HEADER)
            print(_row(r))


# -- the interactive paths ----------------------------------------------------------
def _best(fn: Any, repeat: int = 5) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = _clock()
        fn()
        w1, c1 = _clock()
        walls.append(w1 - w)
        cpus.append(c1 - c)
    return min(walls), min(cpus)


def interactive() -> None:
    """Scenario, projection, re-weighting, ranking request: this code (works on older
    checkouts too, which lack the newer keywords)."""
    import airank
    from airank.analysis.robustness.batch import Plan
    from airank.analysis.robustness.designs import default_factors
    from airank.analysis.robustness.uncertainty import draw, reweighted_intervals
    from airank.analysis.scenarios.effects import run_scenario
    from airank.analysis.scenarios.projection import project
    from airank.analysis.scenarios.shocks import preset

    ed = airank.Edition.ogai()
    plan = Plan(ed, default_factors(ed.spec))
    plan.evaluate(draw(plan, 0, 0, size=64))
    sc = preset("sanctions")

    def scenario() -> None:
        try:
            run_scenario(sc, ed, n=1000, seed=1, plan=plan)
        except TypeError:  # older code: no plan to reuse
            run_scenario(sc, ed, n=1000, seed=1)

    rows = [("scenario 'sanctions', OGAI, 1,000 replications", _best(scenario)),
            ("projection OGAI to 2030, 200 bootstrap",
             _best(lambda: project(ed, year=2030, n=200), 3)),
            ("re-weighting: edition.with_weights(talent: 2)",
             _best(lambda: ed.with_weights({"talent": 2.0}), 20)),
            ("re-weighted intervals, 300 replications",
             _best(lambda: reweighted_intervals(plan, ed.with_weights({"talent": 2.0}).spec,
                                                300), 10))]
    print(f"{'interactive path':<52}{'wall ms':>10}{'CPU ms':>10}")
    for label, (w, c) in rows:
        print(f"{label:<52}{w * 1e3:>10.1f}{c * 1e3:>10.1f}")


def throughput(workers: int, clients: int = 8, seconds: float = 10.0) -> None:
    """Ranking requests per second at ``clients`` concurrent keep-alive clients against
    ``airank serve --workers N --rate-limit 0``."""
    import http.client
    import socket
    import threading

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "airank", "serve", "--port", str(port),
                             "--rate-limit", "0", "--workers", str(workers)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    path = "/api/indices/ogai/ranking?weights=talent:2"
    try:
        deadline = time.monotonic() + 180
        ready = 0
        while ready < 3 * workers:  # every worker answers (warm) before timing
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                c.request("GET", path)
                ok = c.getresponse().read() and True
                ready += bool(ok)
                c.close()
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        counts = [0] * clients
        stop = time.monotonic() + seconds

        def client(k: int) -> None:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            while time.monotonic() < stop:
                c.request("GET", path)
                r = c.getresponse()
                r.read()
                counts[k] += r.status == 200
            c.close()

        threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print(f"server, {workers} worker(s), {clients} clients, rate limit off: "
              f"{sum(counts) / seconds:.1f} ranking requests/s")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case", nargs=3, type=int, metavar=("UNITS", "INDICATORS", "REPS"))
    ap.add_argument("--budget", type=float, default=120.0)
    ap.add_argument("--interactive", action="store_true")
    ap.add_argument("--serve", type=int, nargs="*", metavar="WORKERS",
                    help="server throughput with these worker counts (e.g. 1 2)")
    args = ap.parse_args()
    if args.case:
        print(json.dumps(run_case(*args.case)))
        return
    print(describe())
    if args.interactive:
        interactive()
    elif args.serve is not None:
        for w in args.serve or [1, 2]:
            throughput(w)
    else:
        grid(args.budget)


if __name__ == "__main__":
    main()
