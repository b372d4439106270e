"""Load test of the web API on loopback: re-weighted rankings and unit profiles.

Starts ``airank serve`` (the Open Global AI Index, rate limit off) on a free port of
127.0.0.1, drives it with concurrent clients for a fixed time and prints throughput,
p50/p99 latency and errors. Only loopback is ever contacted.

    python benchmarks/bench_load.py --seconds 60 --clients 8
    python benchmarks/bench_load.py --seconds 10          # a quick run
"""

from __future__ import annotations

import argparse
import random
import socket
import subprocess
import sys
import threading
import time

import httpx
import numpy as np

WEIGHTS = ["implementation", "innovation", "investment", "talent", "infrastructure",
           "operating_environment", "research", "development", "government_strategy",
           "commercial"]
UNITS = ["USA", "CHN", "RUS", "GBR", "DEU", "FRA", "IND", "JPN", "KOR", "BRA", "KEN", "SGP"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-m", "airank", "serve", "--host", "127.0.0.1",
                             "--port", str(port), "--rate-limit", "0"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.5)
        if proc.poll() is not None:
            break
    proc.kill()
    raise RuntimeError("the server did not start")


def _client(base: str, stop: float, profile_share: float, seed: int,
            out: list[tuple[str, float, int]]) -> None:
    rng = random.Random(seed)
    with httpx.Client(base_url=base, timeout=30) as c:
        while time.monotonic() < stop:
            w = ",".join(f"{k}:{rng.choice([0.5, 1, 1.5, 2, 3])}"
                         for k in rng.sample(WEIGHTS, 3))
            if rng.random() < profile_share:
                kind, url = "profile", f"/api/indices/ogai/units/{rng.choice(UNITS)}"
            else:
                kind, url = "ranking", "/api/indices/ogai/ranking"
            t0 = time.perf_counter()
            try:
                status = c.get(url, params={"weights": w}).status_code
            except httpx.HTTPError:
                status = 0
            out.append((kind, time.perf_counter() - t0, status))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--profiles", type=float, default=0.2, help="share of profile requests")
    ap.add_argument("--port", type=int, default=0, help="default: a free port")
    args = ap.parse_args(argv)
    port = args.port or _free_port()
    proc = _start(port)
    base = f"http://127.0.0.1:{port}"
    try:
        httpx.get(f"{base}/api/indices/ogai/ranking", timeout=60)  # warm
        results: list[tuple[str, float, int]] = []
        stop = time.monotonic() + args.seconds
        threads = [threading.Thread(target=_client, args=(base, stop, args.profiles, i, results))
                   for i in range(args.clients)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - t0
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    print(f"{args.clients} clients, {elapsed:.1f} s on 127.0.0.1:{port} "
          f"({args.profiles:.0%} profiles, rest re-weighted rankings with rank intervals)")
    for kind in ("ranking", "profile", "all"):
        rows = [r for r in results if kind == "all" or r[0] == kind]
        if not rows:
            continue
        lat = np.array([r[1] for r in rows]) * 1e3
        errors = sum(1 for r in rows if r[2] != 200)
        print(f"  {kind:8s} {len(rows):6d} requests  {len(rows) / elapsed:7.1f} req/s  "
              f"p50 {np.percentile(lat, 50):7.1f} ms  p99 {np.percentile(lat, 99):7.1f} ms  "
              f"errors {errors}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
