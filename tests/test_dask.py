"""Monte Carlo and Sobol' on a Dask cluster give the same bytes as a local run.

One ``LocalCluster`` of two single-threaded worker processes for the module (so the job
really is pickled and shipped); runs small enough for CI.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import airank
from airank import AirankError, IndexSpec
from airank.analysis.robustness import distributed as dist
from airank.analysis.robustness.batch import Plan
from airank.analysis.robustness.designs import default_factors
from airank.analysis.robustness.factors import parse_factors
from airank.analysis.robustness.sensitivity import sensitivity
from airank.analysis.robustness.uncertainty import BLOCK, uncertainty

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=40) as cluster, \
            distributed.Client(cluster) as c:
        yield c


@pytest.fixture(scope="module")
def asem_edition(asem):
    spec, data = asem
    return airank.Edition.of(spec, data)


def test_monte_carlo_same_bytes_as_local(client, asem_edition):
    n = 3 * BLOCK + 17  # four tasks, the last one short
    fs = default_factors(asem_edition.spec)
    plan = Plan(asem_edition, fs)
    local = uncertainty(asem_edition, fs, n=n, seed=5, plan=plan)
    seen: list[int] = []
    remote = uncertainty(asem_edition, fs, n=n, seed=5, scheduler=client,
                         progress=lambda done, total: seen.append(done))
    assert remote.to_frame().to_csv() == local.to_frame().to_csv()
    assert (remote.n_failed, remote.mean_abs_shift) == (local.n_failed, local.mean_abs_shift)
    assert sorted(seen)[-1] == n and len(seen) == 4
    other = uncertainty(asem_edition, fs, n=n, seed=6, scheduler=client)
    assert other.to_frame().to_csv() != local.to_frame().to_csv()


def test_ranks_within_groups_on_the_cluster_by_address(client):
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(rng.lognormal(1.0, 0.8, (60, 6)), columns=[f"i{j}" for j in range(6)])
    frame.insert(0, "unit", [f"U{u:02d}" for u in range(60)])
    frame.insert(1, "state", [f"S{u % 4}" for u in range(60)])
    spec = IndexSpec.from_dict({
        "name": "t", "units": {"kind": "custom", "groups": ["state"]},
        "nodes": [{"code": "index"}, {"code": "a", "parent": "index"},
                  {"code": "b", "parent": "index"}],
        "indicators": [{"code": f"i{j}", "parent": "a" if j < 3 else "b"} for j in range(6)],
        "methodology": {"screen": {"method": "none"}}})
    ed = airank.Edition.of(spec, airank.read_data(frame, spec))
    local = uncertainty(ed, n=BLOCK + 5, seed=2, by="state")
    remote = uncertainty(ed, n=BLOCK + 5, seed=2, by="state",
                         scheduler=client.scheduler.address)
    assert remote.to_frame().to_csv() == local.to_frame().to_csv()
    assert {"group_q05", "group_pct_q95"} <= set(remote.summary.columns)


def test_sobol_same_bytes_as_local(client, asem_edition):
    fs = default_factors(asem_edition.spec)
    local = sensitivity(asem_edition, fs, n_base=1024, seed=3, n_boot=20)  # 5 slices
    remote = sensitivity(asem_edition, fs, n_base=1024, seed=3, n_boot=20, scheduler=client)
    assert remote.shift.to_csv() == local.shift.to_csv()
    assert remote.units.to_csv() == local.units.to_csv()


def test_unreachable_scheduler_is_a_clear_error(asem_edition, monkeypatch):
    monkeypatch.setattr(dist, "CONNECT_TIMEOUT", 1)
    with pytest.raises(AirankError) as exc:
        uncertainty(asem_edition, n=10, seed=1, scheduler="tcp://127.0.0.1:9")
    assert exc.value.issues[0].code == "scheduler_unreachable"
    assert "tcp://127.0.0.1:9" in str(exc.value)


def test_cli_dask_option(client, capsys, monkeypatch):
    from airank.cli import main

    monkeypatch.setattr(dist, "CONNECT_TIMEOUT", 1)
    args = ["uncertainty", "--example", "asem", "--n", "300", "--seed", "4", "--format", "json"]
    assert main(args) == 0
    local = json.loads(capsys.readouterr().out)
    assert main([*args, "--dask", client.scheduler.address]) == 0
    remote = json.loads(capsys.readouterr().out)
    assert remote["units"] == local["units"] and remote["n_failed"] == local["n_failed"] == 0
    assert main(["sensitivity", "--example", "asem", "--n-base", "64", "--dask",
                 "tcp://127.0.0.1:9"]) == 2
    assert "No Dask scheduler answers at 'tcp://127.0.0.1:9'" in capsys.readouterr().err


def test_only_the_variants_the_draws_use_are_built_and_shipped(client, asem):
    """Ten factors of 100 options (1e20 combinations): the client builds the variants
    its draws use, not every combination, and the cluster run is the local one."""
    spec, data = asem
    fs = parse_factors([{"name": f"cov{j}", "type": "choice",
                         "path": "methodology.screen.min_coverage", "range": [0.5, 0.9],
                         "steps": 100} for j in range(10)], spec)
    ed = airank.Edition.of(spec, data)
    plan = Plan(ed, fs)
    remote = uncertainty(ed, fs, n=5, seed=3, scheduler=client, plan=plan)
    assert len(plan.scorer.variants) <= 5
    local = uncertainty(ed, fs, n=5, seed=3)
    assert remote.to_frame().to_csv() == local.to_frame().to_csv()
