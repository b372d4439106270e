"""Monte Carlo uncertainty analysis: rank intervals under uncertain methodological choices.

``uncertainty(spec, data, factors, n=1000, seed=1)`` draws ``n`` replications -- a
normalisation, an aggregation, a weight vector, a left-out indicator... as the factors
declare -- and evaluates all of them as batched array work (:mod:`.batch`). For every unit
it reports the nominal rank and the median, mean, 5th and 95th percentile ranks, the share
of replications in which it moves more than ``k`` places, and its score distribution.

With ``by=`` (a unit-group column: a state, a region) it also reports each unit's rank
within its group and the interval of that rank, and always the percentile ranks of the
nominal rank and of the interval (:mod:`airank.results` states the formula).

Draws come in blocks of :data:`BLOCK` replications, each from its own child of the seed
(``SeedSequence(seed, spawn_key=(block,))``), so results depend on the seed alone, and
:meth:`UncertaintyResult.replication_spec` rebuilds any single replication through the
normal pipeline. Blocks are evaluated in slices of bounded size and their ranks
accumulate in :class:`~airank.analysis.robustness.ranks.RankStats` (bounded memory,
exact up to its budget, a stated sketch beyond). The run is cut into tasks
(:mod:`~airank.analysis.robustness._montecarlo`) that run here or, with
``scheduler=``, on a Dask cluster (:mod:`~airank.analysis.robustness.distributed`): the
same seed gives the same bytes either way.

References
----------
Saisana, Saltelli & Tarantola (2005), Uncertainty and sensitivity analysis techniques as
tools for the quality assessment of composite indicators, JRSS A 168(2).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ...edition import Edition
from ...errors import FactorError, Issue
from ...results import Result, rank_frame
from ...seeds import resolve_seed
from ...spec import IndexSpec
from ._feed import counts_as_sorted
from ._montecarlo import BLOCK, Job, Partial, Totals, run_task
from ._scores import score_quantiles
from ._threads import one_blas_thread
from .batch import Draws, Plan, Scorer
from .factors import Factor
from .ranks import DEFAULT_MEMORY

__all__ = ["BLOCK", "UncertaintyResult", "draw", "reweighted_intervals", "uncertainty"]

MAX_REPLICATIONS = 10_000_000
#: Ranks (replications x units) from which a local run counts on a second thread, unless
#: its ranks are counted as they are sorted (:func:`~._feed.counts_as_sorted`: never).
THREAD_CELLS = 1 << 22

Progress = Callable[[int, int], None]


def _block_rng(seed: int, block: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block,)))


def draw(plan: Plan | Scorer, seed: int, block: int, size: int = BLOCK) -> Draws:
    """The replications of one block: options and raw node weights."""
    rng = _block_rng(seed, block)
    f_all = plan.factors
    options = np.zeros((size, len(f_all)), dtype=np.int64)
    W = np.tile(plan.nominal_weights, (size, 1))
    for i, f in enumerate(f_all):
        if f.kind in ("choice", "exclude"):
            options[:, i] = rng.integers(f.n_options, size=size)
    W = plan.with_weight_choices(options, W)
    for f in f_all:
        if f.kind == "weights":
            apply_noise(W, f, noise_values(plan, f, W, rng))
    return Draws(options, plan.with_exclusions(options, W), plan.fixed_columns())


def noise_values(plan: Plan | Scorer, f: Factor, W: np.ndarray, rng: np.random.Generator
                 ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Random values of a weight factor for each row of ``W``: (columns, values) pairs.

    ``uniform``: multipliers in [1 - noise, 1 + noise] for the level's nodes;
    ``dirichlet``: new shares within each parent, centred on the rows' current shares.
    """
    assert f.level is not None
    if f.distribution == "uniform":
        cols = plan.level_nodes(f.level)
        return [(cols, 1.0 + f.noise * (2.0 * rng.random((W.shape[0], cols.size)) - 1.0))]
    out = []
    for cols in plan.siblings(f.level):
        base = W[:, cols]
        alpha = np.maximum(f.concentration * base / base.sum(axis=1, keepdims=True), 1e-9)
        g = rng.standard_gamma(alpha)
        out.append((cols, g / g.sum(axis=1, keepdims=True)))
    return out


def apply_noise(W: np.ndarray, f: Factor, values: list[tuple[np.ndarray, np.ndarray]]) -> None:
    """Apply :func:`noise_values` to ``W`` in place (multiply, or replace the shares)."""
    for cols, v in values:
        if f.distribution == "uniform":
            W[:, cols] *= v
        else:
            W[:, cols] = v


def _is_weight_choice(f: Factor) -> bool:
    return f.path is not None and f.path.endswith(".weight")


@dataclass(frozen=True, eq=False)
class UncertaintyResult:
    """Rank and score distributions of every unit over the replications.

    ``summary`` has one row per unit (index: unit): ``name``, ``nominal``, ``median``,
    ``mean``, ``q05``, ``q95``, ``moved`` (share of replications with
    |rank - nominal| > k), ``score_nominal``, ``score_mean``, ``score_sd``, ``score_q05``,
    ``score_q95`` (score quantiles of the first :attr:`n_scores` replications),
    ``pct_nominal``, ``pct_median``, ``pct_q05``, ``pct_q95`` (percentile ranks: 1 = top;
    of the interval, ``(N - rank) / (N - 1)`` of the rank quantiles, so ``pct_q05`` comes
    from ``q95``) and, with ``by``, the same within the unit's group: ``group``,
    ``group_nominal``, ``group_median``, ``group_q05``, ``group_q95``,
    ``group_pct_nominal``, ``group_pct_q05``, ``group_pct_q95``.
    ``exact`` is False when the rank statistics ran as a sketch (more units than the
    memory budget holds exactly; quantiles then within 0.1% of the units).
    """

    summary: pd.DataFrame
    n: int
    seed: int
    k: int
    factors: tuple[Factor, ...]
    n_failed: int
    first_error: str | None
    plan: Plan = field(repr=False)
    mean_abs_shift: float = float("nan")
    by: str | None = None
    exact: bool = True
    n_scores: int = 0

    def replication(self, r: int) -> Draws:
        """The draws of replication ``r`` (regenerated from its block's seed)."""
        if not 0 <= r < self.n:
            raise FactorError([Issue(("replication",), "out_of_range",
                                     f"Replication must be in 0..{self.n - 1}. Got {r}.", r)])
        d = draw(self.plan, self.seed, r // BLOCK)
        i = r % BLOCK
        return d.rows(i, i + 1)

    def replication_changes(self, r: int) -> dict[str, Any]:
        """Spec changes that reproduce replication ``r``: options and every node weight."""
        d = self.replication(r)
        changes: dict[str, Any] = {}
        for i, f in enumerate(self.factors):
            if f.kind == "choice" and not _is_weight_choice(f):
                changes.update(f.changes(int(d.options[0, i])))
        changes.update({f"{c}.weight": float(w) for c, w in zip(self.plan.nodes, d.weights[0],
                                                                 strict=True)})
        return changes

    def replication_spec(self, r: int) -> IndexSpec:
        """The spec of replication ``r``: ``build(spec, data)`` reproduces its scores."""
        return self.plan.spec.with_changes(self.replication_changes(r))

    def rebuild(self, r: int) -> Result:
        """Replication ``r`` built through the normal pipeline (same year and goalposts)."""
        return self.plan.build(self.replication_spec(r))

    def replication_scores(self, r: int) -> pd.Series:
        """Index scores of replication ``r`` as the batch computes them."""
        scores, _ = self.plan.evaluate(self.replication(r))
        return pd.Series(scores[0], index=list(self.plan.units), name="score")

    def to_frame(self) -> pd.DataFrame:
        """The summary with ``unit`` as a column (CSV/JSON-ready)."""
        return self.summary.reset_index()


def uncertainty(edition: Edition, factors: Sequence[Factor] | None = None, *,
                n: int = 1000, seed: int | None = None, k: int = 3,
                progress: Progress | None = None, plan: Plan | None = None,
                by: str | None = None, memory: int = DEFAULT_MEMORY,
                scheduler: Any = None) -> UncertaintyResult:
    """Run a Monte Carlo uncertainty analysis.

    Parameters
    ----------
    edition : Edition
        Which index (:class:`airank.Edition`): every replication uses its year and fixed
        goalposts.
    factors : sequence of Factor, optional
        From :func:`~airank.analysis.robustness.factors.parse_factors` or ``load_factors``;
        default :func:`~airank.analysis.robustness.designs.default_factors`.
    n : int
        Replications (1 .. 10,000,000).
    seed : int, optional
        Same seed, same result. When None a seed is drawn and reported.
    k : int
        Report the share of replications moving a unit more than ``k`` places (>= 0).
    progress : callable, optional
        Called as ``progress(done, n)`` after each block (each task, on a cluster).
    plan : Plan, optional
        A precomputed plan of the same edition and factors (reused across calls).
    by : str, optional
        A unit-group column (``units.groups``): also rank within its groups.
    memory : int
        Byte budget of each rank accumulator (:class:`RankStats`; default 1 GiB).
    scheduler : dask.distributed.Client or str, optional
        Run the tasks on this Dask cluster (a client, or a scheduler address such as
        ``tcp://host:8786``): :func:`~airank.analysis.robustness.distributed.run_job`.

    Notes
    -----
    BLAS runs single-threaded here: the products are small and many, and threads only
    contend for the cores.

    Returns
    -------
    UncertaintyResult
    """
    from .designs import default_factors

    fs = tuple(default_factors(edition.spec) if factors is None else factors)
    _check(n, k, by, edition)
    with one_blas_thread():
        plan = plan or Plan(edition, fs)
        job = _job(plan, resolve_seed(seed), n, by, memory)
        if scheduler is not None:
            from .distributed import run_job

            totals = run_job(job, scheduler, progress=progress)
        else:
            totals = run_local(job, progress)
    return _result(plan, job, totals, k, by)


def _check(n: int, k: int, by: str | None, edition: Edition) -> None:
    issues = []
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not (
            1 <= n <= MAX_REPLICATIONS):
        issues.append(Issue(("n",), "bad_n", f"n must be in 1..{MAX_REPLICATIONS:,}. "
                            f"Got {n}.", n))
    if isinstance(k, bool) or not k >= 0:
        issues.append(Issue(("k",), "bad_k", f"k must be a whole number >= 0. Got {k}.", k))
    groups = list(edition.spec.units.groups)
    if by is not None and by not in groups:
        issues.append(Issue(("by",), "unknown_group_column", f"'{by}' is not a unit-group "
                            f"column of this index. Expected one of {groups} "
                            "(units.groups in the spec).", by))
    FactorError.collect(issues)


def _job(plan: Plan, seed: int, n: int, by: str | None, memory: int,
         reweight: tuple[np.ndarray, np.ndarray] | None = None) -> Job:
    nominal, groups, group_nominal = plan.memo(("nominal ranks", by),
                                               lambda: _nominal_ranks(plan, by))
    return Job(plan.scorer, draw, seed, n, nominal, groups, group_nominal, memory, reweight)


def _nominal_ranks(plan: Plan, by: str | None
                   ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """The plan's nominal index ranks and, with ``by``, group ids and ranks within groups
    (read-only: shared by every run on the plan)."""
    idx = plan.spec.index_code
    nominal = rank_frame(plan.nominal.scores[[idx]])[idx].to_numpy(dtype=float,
                                                                    na_value=np.nan)
    groups = group_nominal = None
    if by is not None:
        labels = plan.nominal.unit_groups(by).reindex(list(plan.units))
        codes, _ = pd.factorize(labels, use_na_sentinel=True)
        groups = codes.astype(np.int64)
        group_nominal = plan.nominal.group_ranks(by, [idx])[idx].reindex(
            list(plan.units)).to_numpy(dtype=float, na_value=np.nan)
    for a in (nominal, groups, group_nominal):
        if a is not None:
            a.flags.writeable = False
    return nominal, groups, group_nominal


def run_local(job: Job, progress: Progress | None = None) -> Totals:
    """Run every task of ``job`` here, in order (the reference for a cluster run). Ranks
    are counted on a second thread while the next rows are scored, a task's last passes
    while the next task runs, when the run has at least :data:`THREAD_CELLS` ranks and
    is not counted as it is sorted (:func:`~._feed.counts_as_sorted`); the accumulator
    sees the same calls either way (the same bytes)."""
    stats, gstats = job.new_stats()
    totals = Totals(job, stats, gstats)
    done = 0

    def fold(part: Partial) -> None:
        nonlocal done
        part.settle()
        totals.add(part)
        done += part.n
        if progress is not None:
            progress(done, job.n)

    # small runs (an interval request of a few hundred replications) count inline: a
    # thread per call gains nothing there and costs a busy server its throughput; so do
    # runs counted as they are sorted (the sorting thread counts; a second thread would
    # only add the tables, and hand-offs cost more than that)
    threaded = job.n * job.n_units >= THREAD_CELLS and not counts_as_sorted(
        stats, job.groups is None)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="airank-ranks") if threaded \
            else nullcontext() as counter:
        ahead: Partial | None = None
        try:
            for t, blocks in enumerate(job.tasks()):
                part = run_task(job, t, blocks, stats=totals.stats, gstats=totals.gstats,
                                keep=totals.keep, executor=counter, settle=False)
                if ahead is not None:
                    fold(ahead)
                ahead = part
        finally:  # the last task's counting, also when a task failed
            if ahead is not None:
                ahead.settle()
        if ahead is not None:
            fold(ahead)
    return totals


def _result(plan: Plan, job: Job, totals: Totals, k: int, by: str | None
            ) -> UncertaintyResult:
    summary = _summary(plan, job, totals, k, by)
    n_ok = job.n - totals.n_failed
    exact = totals.stats.exact and (totals.gstats is None or totals.gstats.exact)
    first = totals.first_error[1] if totals.first_error else None
    return UncertaintyResult(summary, job.n, job.seed, k, plan.factors, totals.n_failed, first,
                             plan, totals.shift / n_ok if n_ok else float("nan"), by, exact,
                             job.keep)


def _pct(rank: np.ndarray, size: np.ndarray | float) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (size - rank) / (np.asarray(size, dtype=float) - 1)
    return np.where(np.asarray(size) > 1, out, np.nan)


def _summary(plan: Plan, job: Job, totals: Totals, k: int, by: str | None) -> pd.DataFrame:
    st = totals.stats
    q05r, median, q95r = st.quantile([0.05, 0.5, 0.95])  # the columns of st.summary
    idx = plan.spec.index_code
    cnt = totals.cnt
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = totals.s1 / cnt
        sd = np.sqrt(np.maximum(totals.s2 / cnt - mean**2, 0) * cnt / np.maximum(cnt - 1, 1))
    # every replication scored every unit: no NaN among the kept scores either
    q05, q95 = score_quantiles(totals.keep, complete=bool((cnt == job.n).all()))
    N = float(len(plan.units))
    units = list(plan.units)
    cols: dict[str, Any] = {
        "name": [plan.nominal.names.get(u, u) for u in units],
        "nominal": pd.array(job.nominal, dtype="Float64").astype("Int64"),
        "median": median, "mean": st.mean(), "q05": q05r, "q95": q95r,
        "moved": st.share_beyond(job.nominal, k),
        "score_nominal": plan.nominal.scores[idx].to_numpy(),
        "score_mean": mean, "score_sd": sd, "score_q05": q05, "score_q95": q95,
        "pct_nominal": plan.memo("nominal percentiles", lambda: plan.nominal.percentiles(
            codes=[idx])[idx].reindex(units).to_numpy()),
        "pct_median": _pct(median, N), "pct_q05": _pct(q95r, N), "pct_q95": _pct(q05r, N)}
    if (by is not None and totals.gstats is not None and job.groups is not None
            and job.group_nominal is not None):
        g = totals.gstats.summary()
        size = np.bincount(job.groups + 1)[job.groups + 1].astype(float)
        size[job.groups < 0] = np.nan
        cols.update({
            "group": plan.nominal.unit_groups(by).reindex(units).to_numpy(),
            "group_nominal": pd.array(job.group_nominal, dtype="Float64").astype("Int64"),
            "group_median": g["median"].to_numpy(), "group_q05": g["q05"].to_numpy(),
            "group_q95": g["q95"].to_numpy(),
            "group_pct_nominal": plan.nominal.percentiles(by, [idx])[idx].reindex(
                units).to_numpy(),
            "group_pct_q05": _pct(g["q95"].to_numpy(), size),
            "group_pct_q95": _pct(g["q05"].to_numpy(), size)})
    # by nominal rank, then median (missing last; stable, as sort_values on both)
    out = pd.DataFrame(cols, index=pd.Index(units, name="unit"))
    return out.iloc[np.lexsort((median, job.nominal))]


def reweighted_intervals(plan: Plan, spec: IndexSpec, n: int, seed: int = 1) -> pd.DataFrame:
    """Rank intervals under the plan's factors, centred on ``spec``'s weights.

    The plan's draws (weight noise, normalisation and aggregation choices) are kept and
    every node weight is rescaled by its ratio to the plan's nominal weight, so the same
    seed gives the same design whatever the weights -- what lets a dashboard re-rank
    live on a cached plan. Quantiles follow the one rank-quantile rule of
    :class:`~airank.analysis.robustness.ranks.RankStats`.

    Returns
    -------
    DataFrame
        index: unit; columns ``median``, ``q05``, ``q95`` (ranks), ``n`` (replications
        that built).
    """
    nominal = plan.nominal_weights
    wanted = np.array([spec.node(c).weight for c in plan.nodes], dtype=float)
    ratio = np.divide(wanted, nominal, out=np.zeros_like(wanted), where=nominal > 0)
    with one_blas_thread():
        job = _job(plan, resolve_seed(seed), n, None, DEFAULT_MEMORY, (ratio, wanted))
        totals = run_local(job)
    t = totals.stats.summary()
    return pd.DataFrame({"median": t["median"].to_numpy(), "q05": t["q05"].to_numpy(),
                         "q95": t["q95"].to_numpy(), "n": n - totals.n_failed},
                        index=pd.Index(list(plan.units), name="unit"))
