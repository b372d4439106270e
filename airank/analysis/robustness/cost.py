"""What a run will cost before it runs: one model for every analysis, and a budget.

Every analysis airank runs is made of two kinds of work:

* **builds** -- a full pipeline run (impute, treat, normalise, aggregate) of the index:
  the nominal build, each pipeline variant a factor asks for, each bootstrap
  replication of a projection, each round of the reach solver;
* **evaluations** -- one replication scored by the batch plan (array work only).

:func:`estimate` counts both for a kind of run and prices them with a model fitted on
the development machine (2 cores, shared; CPU time of one process, BLAS on one
thread, as the analyses run)::

    build(u, i)    = 0.0166 s + 2.8e-7 s * u * i
    evaluate(u, i) = 8.1e-8 s * u + 1.5e-15 s * u * i     (per replication)

for ``u`` units and ``i`` indicators. Refit on 2 December 2026 (a second time) by
``benchmarks/fit_cost.py`` on a 2-core AVX2 EPYC, where the constants before it (0.0093
s + 1.1e-7 s per cell and build; 3.2e-8 s per unit and 1.9e-11 s per cell and
replication, fitted on a faster machine) underestimated runs by up to 4.3x (estimate /
measured 0.23 to 1.35) and CI's scenario check failed at 0.28: 6 full builds (synthetic
indices of 30 x 10 to 2,000 x 20, the ASEM example 51 x 49, the OGAI 128 x 26) and 24
whole ``uncertainty`` runs on them (1,024 and 8,192 replications of the default design
and of a weights-only design), CPU time, best of 3. The constants make the largest
factor between an estimate and its measurement smallest: every estimate is within 0.41
to 2.41 of its measurement (the per-cell evaluation term fits to almost nothing here).
The lowest are the real indices' builds and their weights-only runs of 1,024
replications (imputation and treatment cost them more per cell than the synthetic ones);
the highest, the smallest synthetic index's. The counts per kind are measured too (ASEM
and OGAI): a scenario costs about 3 builds before its interval, a projection about 5
builds plus 2.5 per replication where every bootstrap replication is rebuilt (ASEM: 2.3
to 2.6 builds of the model's price, 10 against 50 replications) or 0.1 where they are
scored stacked (the OGAI: 0.10, 10 against 200), a reach question about 5 builds plus
one per solver round. ``tests/reliability/test_cost.py`` checks the estimate against
measured CPU time for a few shapes (within a factor of 3). Memory counts the arrays each
kind keeps (float64 unless said).

:func:`check_budget` raises ``over_budget`` naming the estimate and how to raise the
budget: ``--budget SECONDS`` on the command line, ``budget_seconds`` on the server
(``AIRANK_WEB_BUDGET_SECONDS``). :data:`API_BUDGET` is the server's default: no request
above about 10 s of one core.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ...errors import AirankError, Issue
from .factors import Factor

if TYPE_CHECKING:
    from ...edition import Edition

__all__ = ["API_BUDGET", "BASE_BYTES", "CLI_BUDGET", "KINDS", "Cost", "check_budget", "estimate",
           "memory_limit", "of_run", "variants"]

Kind = Literal["uncertainty", "sensitivity", "ranking", "scenario", "reach", "projection"]
KINDS: tuple[str, ...] = ("uncertainty", "sensitivity", "ranking", "scenario", "reach",
                          "projection")
API_BUDGET = 10.0  # seconds of one core per request on the server
CLI_BUDGET = 3600.0  # seconds on the command line, unless --budget says otherwise

_BUILD = (0.0166, 2.8e-7)  # s, s per unit x indicator
_EVAL = (0.0, 8.1e-8, 1.5e-15)  # s, s per unit, s per unit x indicator
_BLOCK = 4096  # replications evaluated at once (uncertainty.BLOCK)
_KEEP = 20_000  # replications whose scores an uncertainty run keeps
BASE_BYTES = 200_000_000  # the interpreter, numpy, pandas and the nominal build


@dataclass(frozen=True)
class Cost:
    """An estimate: seconds of one core and peak bytes, and what was counted."""

    seconds: float
    bytes: int
    builds: float
    evaluations: float
    what: str = ""

    def __str__(self) -> str:
        return (f"about {_duration(self.seconds)} of one core and {_size(self.bytes)} of "
                f"memory ({self.what})")


def build_seconds(n_units: int, n_indicators: int) -> float:
    """Seconds of one full pipeline build."""
    return _BUILD[0] + _BUILD[1] * n_units * n_indicators


def evaluation_seconds(n_units: int, n_indicators: int) -> float:
    """Seconds to score one replication in a batch plan."""
    return _EVAL[0] + _EVAL[1] * n_units + _EVAL[2] * n_units * n_indicators


def estimate(n_units: int, n_indicators: int, replications: int, n_variants: float = 1,
             steps: int = 1, kind: Kind = "uncertainty", stacked: bool = False) -> Cost:
    """The cost of a run.

    Parameters
    ----------
    n_units, n_indicators : int
        Shape of the index.
    replications : int
        Monte Carlo replications (``uncertainty``, ``ranking``, the interval of a
        ``scenario`` or ``reach``), model evaluations of a ``sensitivity`` design
        (``N * (k + 2)``), bootstrap replications of a ``projection``.
    n_variants : float
        Pipeline variants the factors make the plan build, the nominal one included
        (see :func:`variants`); ``ranking`` reuses a cached plan and ignores it.
    steps : int
        Rounds of the ``reach`` solver (each a rebuild); ignored by the other kinds.
    kind : str
        One of :data:`KINDS`.
    stacked : bool
        A ``projection`` whose bootstrap replications are scored stacked, not rebuilt
        one by one (:func:`~airank.analysis.scenarios._bootstrap.stackable`).

    Returns
    -------
    Cost
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {list(KINDS)}. Got {kind!r}.")
    u, i, r = max(int(n_units), 1), max(int(n_indicators), 1), max(int(replications), 0)
    v = max(float(n_variants), 1.0)
    builds, evals = _counts(kind, r, v, max(int(steps), 0), stacked)
    seconds = builds * build_seconds(u, i) + evals * evaluation_seconds(u, i)
    what = (f"{r:,} replications, {v:,.0f} pipeline variant(s), {u:,} units x {i:,} "
            f"indicators")
    return Cost(seconds, _bytes(kind, u, i, r, v), builds, evals, what)


def of_run(edition: Edition, kind: Kind, replications: int, *,
           factors: Sequence[Factor] = (), n_variants: float | None = None,
           steps: int = 1) -> Cost:
    """:func:`estimate` of a run on ``edition`` (its units and indicators), the pipeline
    variants counted from ``factors`` (:func:`variants`) unless ``n_variants`` is given:
    what the command line and the server check against their budgets."""
    v = variants(factors, replications) if n_variants is None else n_variants
    stacked = False
    if kind == "projection":
        from ..scenarios._bootstrap import stackable

        stacked = stackable(edition)
    return estimate(len(edition.units), len(edition.spec.indicator_codes), replications, v,
                    steps, kind, stacked)


def _counts(kind: str, r: int, v: float, steps: int, stacked: bool = False
            ) -> tuple[float, float]:
    """(builds, evaluations) of a kind of run."""
    # the shocked plan's variants and replications (the baseline's plan and ranks are
    # cached with the edition: a first request pays them once more)
    interval = (v, float(r)) if r else (0.0, 0.0)
    if kind == "ranking":
        return 0.0, float(r)
    if kind in ("uncertainty", "sensitivity"):
        return v, float(r)
    if kind == "scenario":
        return 3 + interval[0], interval[1]
    if kind == "reach":
        return 5 + steps + interval[0], interval[1]
    return 5 + (_STACKED if stacked else _REBUILT) * r, 0.0  # projection, see above


_REBUILT, _STACKED = 2.5, 0.1  # builds per bootstrap replication of a projection


_PANEL_YEARS = 10  # years of history a projection's bootstrap stacks (the OGAI's panel)


def _bytes(kind: str, u: int, i: int, r: int, v: float) -> int:
    block = min(r, _BLOCK) * (6 * u + 4 * i) * 8  # draws, scores and ranks of one block
    matrices = v * u * i * 8 * 2  # each variant's normalised matrix, as kept by the plan
    if kind == "ranking":
        kept = r * u * 8 * 4  # options, weights, scores and ranks of every replication
    elif kind in ("uncertainty", "sensitivity"):
        kept = min(r, _KEEP) * u * 4 + u * u * 8  # score sample, rank counts
    elif kind in ("scenario", "reach"):
        kept = 3 * r * u * 8  # every rank change, concatenated, then as floats
        matrices *= 2
    else:  # projection: ranks and scores of every replication, and the bootstrap stacked
        # over the panel (replications x the units' series x ~10 years, float64)
        kept, matrices = 3 * r * u * 8 + r * u * i * _PANEL_YEARS * 8, 0.0
    return int(BASE_BYTES + block + matrices + kept)


def variants(factors: Sequence[Factor], replications: int) -> float:
    """Expected pipeline variants a plan builds for ``factors``, the nominal one included.

    Only factors acting before aggregation need a build per combination of their
    options; the ``replications`` draws pick combinations uniformly, so the expected
    number of distinct ones among ``P`` combinations is ``P * (1 - (1 - 1/P)**R)``.
    """
    combos = 1.0
    for f in factors:
        if not f.after_normalisation:
            combos *= max(f.n_options, 1)
    if combos <= 1:
        return 1.0
    r = max(int(replications), 1)
    distinct = combos * -math.expm1(r * math.log1p(-1.0 / combos))
    return 1.0 + min(distinct, float(r))


def memory_limit() -> int:
    """Half the machine's physical memory, in bytes (the default memory budget)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2)
    except (ValueError, OSError, AttributeError):
        return 8 * 2**30


def check_budget(cost: Cost, budget: float, *, max_bytes: int | None = None,
                 how: str | None = None) -> None:
    """Raise ``over_budget`` when ``cost`` exceeds ``budget`` seconds or ``max_bytes``.

    Parameters
    ----------
    cost : Cost
        From :func:`estimate`.
    budget : float
        Seconds of one core allowed.
    max_bytes : int, optional
        Memory allowed; default :func:`memory_limit`.
    how : str, optional
        How the caller's user raises the budget; default names both ways.

    Raises
    ------
    AirankError
        Code ``over_budget``, value the estimated seconds (or bytes).
    """
    limit = memory_limit() if max_bytes is None else max_bytes
    how = how or ("--budget SECONDS on the command line; the server's budget_seconds "
                  "setting (AIRANK_WEB_BUDGET_SECONDS)")
    issues = []
    if cost.seconds > budget:
        issues.append(Issue(("budget",), "over_budget", f"This run would take {cost}, "
                            f"above the budget of {_duration(budget)}. Ask for fewer "
                            f"replications or factor options, or raise the budget: {how}.",
                            round(cost.seconds, 1)))
    if cost.bytes > limit:
        issues.append(Issue(("memory",), "over_budget", f"This run would need {cost}, "
                            f"above the {_size(limit)} allowed. Ask for fewer "
                            "replications.", cost.bytes))
    AirankError.collect(issues, "over budget")


def _duration(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1e3:.0f} ms"
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:,.0f} h"


def _size(n: float) -> str:
    for unit, scale in (("TB", 2**40), ("GB", 2**30), ("MB", 2**20)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}"
    return f"{n / 2**10:,.0f} kB"
