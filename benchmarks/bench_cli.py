"""How fast the command line answers: ``--help``, an argument error and a cached ``rank``,
beside the floor of any Typer + rich program (``python -c "import typer, rich"``).

Each command runs ``--repeat`` times as a fresh process; the table gives the median and
the fastest wall time and the median CPU time (user + system) of the process. The cache
folder is a fresh temporary one, warmed by one ``airank rank`` first (not timed).

    python benchmarks/bench_cli.py [--repeat 9]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

CASES = [
    ("python -c 'import typer, rich'", [sys.executable, "-c", "import typer, rich"]),
    ("airank --help", [sys.executable, "-m", "airank", "--help"]),
    ("airank rank --top -3 (error)", [sys.executable, "-m", "airank", "rank", "--top", "-3"]),
    ("airank rank (cached)", [sys.executable, "-m", "airank", "rank"]),
    ("airank rank --format csv (cached)", [sys.executable, "-m", "airank", "rank",
                                           "--format", "csv"]),
]


def _run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=9)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "AIRANK_CACHE_DIR": cache}
        warm = _run([sys.executable, "-m", "airank", "rank"], env)
        print(f"cache warmed by one 'airank rank' (a build): {warm[0]:.2f} s wall, "
              f"{warm[1]:.2f} s CPU")
        print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores; "
              f"{args.repeat} runs each\n")
        print(f"{'command':38} {'median':>8} {'fastest':>8} {'CPU':>8}")
        for name, argv in CASES:
            runs = [_run(argv, env) for _ in range(args.repeat)]
            walls = [w for w, _ in runs]
            print(f"{name:38} {statistics.median(walls):7.3f}s {min(walls):7.3f}s "
                  f"{statistics.median(c for _, c in runs):7.3f}s")


if __name__ == "__main__":
    main()
