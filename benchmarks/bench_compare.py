"""Before/after, side by side: ``bench_build.py`` and ``bench_robustness.py`` of two
checkouts, run alternately in one session, medians of ``--rounds`` runs each.

Run: ``python benchmarks/bench_compare.py --before /path/to/old/checkout`` (e.g. a
``git worktree add /tmp/old <commit>``); ``--quick`` passes ``--quick`` on (no
1,000,000-replication run). Each run is a fresh process with ``PYTHONPATH``
set to its checkout, so each side imports its own ``airank``; the sides alternate in ABBA
order (before, after; after, before; ...) so that a slow spell of the machine, or a
penalty for running second, hits both alike. Figures are each
script's own (best of its repeats, wall clock); the rows compared are those both print
under the same label. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROWS = {  # label prefix -> (script, column of the figure: "min" or "first")
    "ASEM example": ("bench_build.py", "min"),
    "synthetic 200 x 150": ("bench_build.py", "min"),
    "Monte Carlo 100,000 replications": ("bench_robustness.py", "first"),
    "Monte Carlo 1,000,000 replications": ("bench_robustness.py", "first"),
    "Sobol' 2^12 base samples, per-unit outputs (+bootstrap)": ("bench_robustness.py",
                                                                 "first"),
    "Sobol' 2^12 base samples, per-unit outputs (no bootstrap)": ("bench_robustness.py",
                                                                  "first"),
    "OGAI (": ("bench_robustness.py", "first"),  # "OGAI (N units): Monte Carlo 100,000"
}
_NUMBER = re.compile(r"(\d+\.\d+)")


def run(tree: Path, script: str, quick: bool) -> dict[str, float]:
    """One run of ``script`` from ``tree``: label prefix -> figure."""
    args = [sys.executable, str(tree / "benchmarks" / script)]
    if script == "bench_robustness.py" and quick:
        args.append("--quick")
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run(args, capture_output=True, text=True, env=env, check=True,
                         cwd=tree).stdout
    found: dict[str, float] = {}
    for line in out.splitlines():
        for label, (s, _) in ROWS.items():
            if s == script and line.startswith(label):
                numbers = _NUMBER.findall(line[len(label):])
                if numbers:
                    found[label] = float(numbers[0])
    return found


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", type=Path, required=True, help="the old checkout")
    ap.add_argument("--after", type=Path, default=HERE.parent, help="default: this one")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="bench_robustness.py --quick")
    a = ap.parse_args()
    figures: dict[str, dict[str, list[float]]] = {"before": {}, "after": {}}
    sides = [("before", a.before), ("after", a.after)]
    for r in range(a.rounds):
        for side, tree in sides if r % 2 == 0 else sides[::-1]:  # ABBA: no side always second
            for script in ("bench_build.py", "bench_robustness.py"):
                for label, value in run(tree.resolve(), script, a.quick).items():
                    figures[side].setdefault(label, []).append(value)
        print(f"round {r + 1} of {a.rounds} done", file=sys.stderr)
    print(f"{'row (medians of ' + str(a.rounds) + ' runs)':<60}{'before':>9}{'after':>9}"
          f"{'after/before':>14}")
    for label in ROWS:
        b, f = figures["before"].get(label), figures["after"].get(label)
        if not b or not f:
            continue
        mb, mf = statistics.median(b), statistics.median(f)
        unit = "ms" if ROWS[label][0] == "bench_build.py" else "s"
        name = "OGAI: Monte Carlo 100,000" if label == "OGAI (" else label[:58]
        print(f"{name + ' (' + unit + ')':<60}{mb:>9.3f}{mf:>9.3f}{mf / mb:>13.2f}x")


if __name__ == "__main__":
    main()
