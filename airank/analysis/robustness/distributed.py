"""Robustness beyond one machine: Monte Carlo and Sobol' tasks on a Dask cluster.

``uncertainty(edition, n=..., scheduler=client)`` (or ``airank uncertainty --dask
tcp://host:8786``) and ``sensitivity(..., scheduler=client)`` send their tasks to an
existing ``dask.distributed`` cluster; nothing here schedules work itself.

* What is shipped: the run's :class:`~._montecarlo.Job` (the
  :class:`~.batch.Scorer` -- the normalised matrix of every pipeline variant the draws
  use, built here first, and the spec; no dataset, no edition) scattered once to every
  worker; each task then names only its blocks.
* What comes back: per task, rank statistics (exact integer counts, merged as tasks
  finish, in any order) and float sums, folded in task order; Sobol' tasks return the
  ranks of their design rows, placed by row.
* Why the bytes match a local run: the seeds are fixed per block of draws and the tasks
  are cut from ``n`` alone (never from the number of workers); every task runs the same
  code with BLAS on one thread; and the local run folds the very same tasks in the same
  order. ``tests/test_dask.py`` checks it on a ``LocalCluster``.

Needs the ``dask`` extra: ``pip install 'airank[dask]'``.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from ...errors import AirankError, Issue
from ._montecarlo import BLOCK, Job, Partial, Totals, drawn, run_task
from ._threads import one_blas_thread

__all__ = ["connect", "map_tasks", "run_job"]

Progress = Callable[[int, int], None]
CONNECT_TIMEOUT = 10  # seconds to reach a scheduler
#: A scheduler address: [protocol://]host:port (IPv6 hosts in brackets).
ADDRESS = re.compile(r"^(?:(?:tcp|tls|ws|wss|ucx|inproc)://)?"
                     r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9.-]*):\d{1,5}$")


def _dask() -> Any:
    try:
        import distributed
    except ImportError:  # pragma: no cover - the extra is installed in the test env
        raise AirankError([Issue(("scheduler",), "dask_missing", "Running on a cluster "
                                 "needs dask.distributed: pip install 'airank[dask]'.")]
                          ) from None
    return distributed


@contextlib.contextmanager
def connect(scheduler: Any) -> Iterator[Any]:
    """A ``distributed.Client`` for ``scheduler``: a client (used as it is) or the
    address of a running scheduler (connected here, closed afterwards).

    Raises
    ------
    AirankError
        ``scheduler_unreachable`` when no scheduler answers at the address.
    """
    distributed = _dask()
    if isinstance(scheduler, distributed.Client):
        yield scheduler
        return
    address = str(scheduler)
    if not ADDRESS.match(address):  # checked first: a Client half-made hangs on exit
        raise AirankError([Issue(("scheduler",), "bad_address", "A Dask scheduler address "
                                 "is [protocol://]host:port, e.g. tcp://10.0.0.5:8786. Got "
                                 f"{address!r}.", address)])
    try:
        client = distributed.Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise AirankError([Issue(("scheduler",), "scheduler_unreachable", "No Dask "
                                 f"scheduler answers at '{address}' ({exc}). Start one "
                                 "(dask scheduler; dask worker ADDRESS) or check the "
                                 "address, e.g. tcp://host:8786.", address)]) from None
    try:
        yield client
    finally:
        client.close()


def _task(job: Job, task: int, blocks: range) -> Partial:
    with one_blas_thread():
        return run_task(job, task, blocks)


def run_job(job: Job, scheduler: Any, *, progress: Progress | None = None) -> Totals:
    """Run every task of a Monte Carlo ``job`` on the cluster; the same totals as
    :func:`~.uncertainty.run_local`."""
    for b in range(-(-job.n // BLOCK)):  # the workers get the variants the draws use:
        job.scorer.build_for(drawn(job, b).options)  # they cannot build one
    tasks = job.tasks()
    stats, gstats = job.new_stats()
    totals = Totals(job, stats, gstats)
    done = 0
    for part in map_tasks(scheduler, _task, job, list(enumerate(tasks))):
        totals.add(part)
        done += part.n
        if progress is not None:
            progress(done, job.n)
    return totals


def map_tasks(scheduler: Any, fn: Callable[..., Any], shared: Any,
              args: list[tuple[Any, ...]]) -> Iterator[Any]:
    """``fn(shared, *a)`` for every ``a`` in ``args`` on the cluster, yielded as they
    finish; ``shared`` is scattered once to every worker."""
    distributed = _dask()
    with connect(scheduler) as client:
        token = uuid.uuid4().hex[:12]
        ref = client.scatter(shared, broadcast=True, hash=False)
        futures = [client.submit(fn, ref, *a, key=f"airank-{token}-{i}", pure=False)
                   for i, a in enumerate(args)]
        try:
            for fut in distributed.as_completed(futures):
                yield fut.result()
                fut.release()
        finally:
            client.cancel(futures)
