"""Timings of data intake: ``read_data`` (read + check + hash) on synthetic CSV tables.

Run ``python benchmarks/bench_intake.py`` (``--sizes 1000,10000`` for a quick run).
Prints one table: wide and long CSV tables of N units x 20 indicators (custom unit
codes, one year), a long table of country names (reconciled to ISO3), and the time to
report a table with 200,000 bad cells (read until the DataError, plus ``str(err)``).
Times are the best of ``--repeat`` runs (perf_counter); the tables are written once to a
temporary folder before timing.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from airank import DataError, IndexSpec, read_data

N_IND = 20


def make_spec(kind: str) -> IndexSpec:
    return IndexSpec.from_dict({
        "name": "Bench", "units": {"kind": kind}, "nodes": [{"code": "index"}],
        "indicators": [{"code": f"i{k:02d}", "parent": "index"} for k in range(N_IND)]})


def wide_table(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(50, 10, (n, N_IND)),
                         columns=[f"i{k:02d}" for k in range(N_IND)])
    frame.insert(0, "unit", [f"U{i:07d}" for i in range(n)])
    frame.insert(1, "year", 2024)
    return frame


def long_of(wide: pd.DataFrame) -> pd.DataFrame:
    return wide.melt(id_vars=["unit", "year"], var_name="indicator", value_name="value")


def country_table(seed: int = 0) -> pd.DataFrame:
    """About 230 country names x 20 indicators x 25 years, long (some 115,000 rows)."""
    from airank.countries import _converter

    names = [n for n in _converter().data["name_short"].dropna().unique()][:230]
    rng = np.random.default_rng(seed)
    idx = pd.MultiIndex.from_product([names, [f"i{k:02d}" for k in range(N_IND)],
                                      range(2000, 2025)], names=["country", "indicator", "year"])
    return pd.DataFrame({"value": rng.normal(50, 10, len(idx))}, index=idx).reset_index()


def best_of(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def _report(path: Path, spec: IndexSpec) -> str:
    try:
        read_data(path, spec)
    except DataError as err:
        return str(err)
    raise AssertionError("expected a DataError")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--bad", type=int, default=200_000, help="bad cells to report")
    args = ap.parse_args()
    custom, country = make_spec("custom"), make_spec("country")
    rows: list[tuple[str, float, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            wide = wide_table(n)
            for form, frame in (("wide", wide), ("long", long_of(wide))):
                f = Path(tmp) / f"{form}_{n}.csv"
                frame.to_csv(f, index=False)
                t = best_of(lambda f=f: read_data(f, custom), args.repeat)
                mb = f.stat().st_size / 1e6
                rate = n * N_IND / t / 1e6
                rows.append((f"{form} CSV, {n:,} units x {N_IND}", t,
                             f"{len(frame):,} rows, {mb:.0f} MB, {rate:.2f} M cells/s"))
        f = Path(tmp) / "countries.csv"
        frame = country_table()
        frame.to_csv(f, index=False)
        t = best_of(lambda: read_data(f, country), args.repeat)
        rows.append((f"long CSV, {frame['country'].nunique()} country names", t,
                     f"{len(frame):,} rows x 20 indicators x 25 years"))
        n_bad = args.bad // N_IND
        bad = wide_table(n_bad).astype({f"i{k:02d}": object for k in range(N_IND)})
        bad.iloc[:, 2:] = "abc"
        f = Path(tmp) / "bad.csv"
        bad.to_csv(f, index=False)
        msg: list[str] = []
        t = best_of(lambda: msg.append(_report(f, custom)), args.repeat)
        rows.append((f"report {n_bad * N_IND:,} bad cells (wide CSV)", t,
                     f"str(err): {len(msg[-1]):,} characters"))
    width = max(len(r[0]) for r in rows)
    print(f"{'case':<{width}}  {'seconds':>8}  note")
    for name, t, note in rows:
        print(f"{name:<{width}}  {t:8.3f}  {note}")


if __name__ == "__main__":
    main()
