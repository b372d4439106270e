"""kill -9 at random moments during builds: the output is always complete, old or new.

A child process builds and writes two different indices (A, B) over one output folder,
in turn, without end; the test kills it with SIGKILL at a random moment, then checks
that the folder verifies against its manifest and is exactly A's or B's output. The
children come from a forkserver that has airank imported, so a trial costs a fork, not
an interpreter start.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import signal
import time
from collections import Counter
from pathlib import Path

import pandas as pd

import airank
from airank.export import write_result
from airank.output import verify_output
from tests.conftest import TINY_ROWS, TINY_SPEC

TRIALS = 24
SEED = 20260601


def _datasets() -> tuple[airank.IndexSpec, airank.Dataset, airank.Dataset]:
    spec = airank.IndexSpec.from_dict(TINY_SPEC)
    cols = ["unit", "region", "i1", "i2", "i3", "i4"]
    a = pd.DataFrame(TINY_ROWS, columns=cols)
    b = a.assign(i3=[9.0, 5.0, 0.0, 10.0])
    return spec, airank.read_data(a, spec), airank.read_data(b, spec)


def _build_and_write_forever(spec: airank.IndexSpec, data: tuple[airank.Dataset, ...],
                             out: Path, i: int) -> None:
    while True:
        write_result(airank.build(spec, data[i % 2]), out)
        i += 1


def _files(out: Path) -> object:
    """The output's file hashes, or None while it is not there (mid-swap)."""
    try:
        return verify_output(out)["files"]
    except Exception:
        return None


def _noop() -> None:
    return None


def test_kill_9_at_random_moments_leaves_a_complete_output(tmp_path, capsys):
    spec, a, b = _datasets()
    ref = {}
    for key, data in (("A", a), ("B", b)):
        write_result(airank.build(spec, data), tmp_path / "ref" / key)
        ref[key] = verify_output(tmp_path / "ref" / key)["files"]
    assert ref["A"] != ref["B"]
    work = tmp_path / "work"
    out = work / "out"
    write_result(airank.build(spec, a), out)

    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["airank.export", "openpyxl", "pyarrow.parquet",
                                "tests.reliability.test_outputs_kill"])
    warm = ctx.Process(target=_noop)
    warm.start()
    warm.join()

    # calibration: how long a child takes to start and finish its first write (on a
    # loaded machine far more than the parent's warm build), so that the kills land
    # before, during and after the first swap -- both outcomes must be seen
    t = time.perf_counter()
    child = ctx.Process(target=_build_and_write_forever, args=(spec, (a, b), out, 1))
    child.start()
    while _files(out) in (ref["A"], None) and time.perf_counter() - t < 60:
        time.sleep(0.005)
    cycle = time.perf_counter() - t  # start, build and first complete write
    os.kill(child.pid, signal.SIGKILL)  # type: ignore[arg-type]
    child.join()
    write_result(airank.build(spec, a), out)
    rng = random.Random(SEED)
    seen: Counter[str] = Counter()
    with_leftovers = 0
    t0 = time.perf_counter()
    for _ in range(TRIALS):
        first = 1 if verify_output(out)["files"] == ref["A"] else 0  # the other one first
        child = ctx.Process(target=_build_and_write_forever, args=(spec, (a, b), out, first))
        child.start()
        time.sleep(rng.uniform(0.0, 2.5 * cycle))
        os.kill(child.pid, signal.SIGKILL)  # type: ignore[arg-type]
        child.join()
        assert child.exitcode == -signal.SIGKILL
        files = verify_output(out)["files"]  # raises unless complete and unmixed
        state = next(k for k, v in ref.items() if v == files)
        seen[state] += 1
        extra = [n for n in os.listdir(work) if n != "out"]
        assert len(extra) <= 1, extra  # each run removes the leftovers of the one before
        with_leftovers += bool(extra)
    elapsed = time.perf_counter() - t0

    write_result(airank.build(spec, b), out)  # the next run cleans up
    assert os.listdir(work) == ["out"]
    assert verify_output(out)["files"] == ref["B"]
    assert seen["A"] and seen["B"], seen
    with capsys.disabled():
        print(f"\nkill -9 trials: {TRIALS}, failures: 0, ended as A: {seen['A']}, "
              f"as B: {seen['B']}, left a staging folder: {with_leftovers}, "
              f"child start to first write {cycle:.2f} s, {elapsed:.1f} s in all")
