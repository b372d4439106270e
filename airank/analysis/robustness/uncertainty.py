"""Monte Carlo uncertainty analysis: rank intervals under uncertain methodological choices.

``uncertainty(spec, data, factors, n=1000, seed=1)`` draws ``n`` replications -- a
normalisation, an aggregation, a weight vector, a left-out indicator... as the factors
declare -- and evaluates all of them as batched array work
(:mod:`~airank.analysis.robustness.batch`).
For every unit it reports the nominal rank and the median, mean, 5th and 95th percentile
ranks, the share of replications in which it moves more than ``k`` places, and a summary of
its score distribution.

Draws come in blocks of :data:`BLOCK` replications, each from its own child of the seed
(``SeedSequence(seed, spawn_key=(block,))``) and evaluated on its own, so results depend
on the seed alone, and :meth:`UncertaintyResult.replication_spec` rebuilds any single
replication through the normal pipeline. Rank statistics accumulate block by block in a
count table: exact quantiles at bounded memory, whatever ``n``.

References
----------
Saisana, Saltelli & Tarantola (2005), Uncertainty and sensitivity analysis techniques as
tools for the quality assessment of composite indicators, JRSS A 168(2).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from ...edition import Edition
from ...errors import FactorError, Issue
from ...results import Result
from ...seeds import resolve_seed
from ...spec import IndexSpec
from .batch import Draws, Plan
from .factors import Factor
from .ranks import RankStats, rank_desc

__all__ = ["BLOCK", "UncertaintyResult", "draw", "reweighted_intervals", "uncertainty"]

BLOCK = 4096
MAX_REPLICATIONS = 10_000_000
SCORE_SAMPLE = 20_000  # replications whose scores are kept for the score quantiles

Progress = Callable[[int, int], None]


def _block_rng(seed: int, block: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block,)))


def draw(plan: Plan, seed: int, block: int, size: int = BLOCK) -> Draws:
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
    return Draws(options, plan.with_exclusions(options, W))


def noise_values(plan: Plan, f: Factor, W: np.ndarray, rng: np.random.Generator
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
    ``score_q95``.
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

    def replication(self, r: int) -> Draws:
        """The draws of replication ``r`` (regenerated from its block's seed)."""
        if not 0 <= r < self.n:
            raise FactorError([Issue(("replication",), "out_of_range",
                                     f"Replication must be in 0..{self.n - 1}. Got {r}.", r)])
        d = draw(self.plan, self.seed, r // BLOCK)
        i = r % BLOCK
        return Draws(d.options[i:i + 1], d.weights[i:i + 1])

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
                progress: Progress | None = None, plan: Plan | None = None
                ) -> UncertaintyResult:
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
        Called as ``progress(done, n)`` after each block of :data:`BLOCK` replications.
    plan : Plan, optional
        A precomputed plan of the same edition and factors (reused across calls).

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
    with threadpool_limits(1, user_api="blas"):
        plan = plan or Plan(edition, fs)
        return _run(plan, n=n, seed=seed, k=k, progress=progress)


def _run(plan: Plan, *, n: int, seed: int | None, k: int, progress: Progress | None
         ) -> UncertaintyResult:
    issues = []
    if isinstance(n, bool) or not 1 <= n <= MAX_REPLICATIONS:
        issues.append(Issue(("n",), "bad_n", f"n must be in 1..{MAX_REPLICATIONS:,}. "
                            f"Got {n}.", n))
    if isinstance(k, bool) or not k >= 0:
        issues.append(Issue(("k",), "bad_k", f"k must be a whole number >= 0. Got {k}.", k))
    FactorError.collect(issues)
    seed = resolve_seed(seed)
    spec, factors = plan.spec, plan.factors
    assert plan is not None
    units = list(plan.units)
    idx = spec.index_code
    nominal = plan.nominal.ranks[idx].to_numpy(dtype=float)
    stats = RankStats(len(units), units)
    keep = np.empty((min(n, SCORE_SAMPLE), len(units)), dtype=np.float32)
    s1, s2, cnt = np.zeros(len(units)), np.zeros(len(units)), np.zeros(len(units))
    shift_total, n_failed, first_error = 0.0, 0, None
    done = 0
    for b in range(-(-n // BLOCK)):
        # one block at a time: cache-sized arrays, and results that depend on the seed only
        d = draw(plan, seed, b, min(BLOCK, n - b * BLOCK))
        scores, failures = plan.evaluate(d)
        for rows, msg in failures:
            n_failed += rows.size
            first_error = first_error or msg
        shift_total += _accumulate(scores, stats, nominal, bool(failures))
        if failures:
            ok = ~np.isnan(scores)
            scores0 = np.where(ok, scores, 0.0)
            cnt += ok.sum(axis=0)
        else:
            scores0 = scores
            cnt += scores.shape[0]
        s1 += scores0.sum(axis=0)
        s2 += np.einsum("ij,ij->j", scores0, scores0)
        if done < keep.shape[0]:
            take = min(len(d), keep.shape[0] - done)
            keep[done:done + take] = scores[:take]
        done += len(d)
        if progress is not None:
            progress(done, n)
    summary = _summary(plan, stats, nominal, k, keep, s1, s2, cnt)
    n_ok = n - n_failed
    return UncertaintyResult(summary, n, seed, k, tuple(factors), n_failed, first_error, plan,
                             shift_total / n_ok if n_ok else float("nan"))


def _accumulate(scores: np.ndarray, stats: RankStats, nominal: np.ndarray,
                failed: bool) -> float:
    """Add a chunk's ranks to ``stats``; return the sum over replications of the mean
    absolute rank shift. Rows without ties go by their sort order alone (no rank matrix);
    rows with ties or failures are ranked in full (ties share the best rank)."""
    if failed:
        ranks = rank_desc(scores, axis=1)
        stats.update(ranks)
        valid = ranks[~np.isnan(ranks).any(axis=1)]
        return float(np.abs(valid - nominal).sum()) / len(nominal)
    order = np.argsort(scores, axis=1)  # worst first: contiguous, no reversed views
    ordered = np.sort(scores, axis=1)
    tied = (ordered[:, 1:] == ordered[:, :-1]).any(axis=1)
    total = 0.0
    if tied.any():
        ranks = rank_desc(scores[tied], axis=1)
        stats.update(ranks)
        total += float(np.abs(ranks - nominal).sum())
        order = order[~tied]
    stats.update_order(order, ascending=True)
    rank_at = np.arange(scores.shape[1], 0, -1, dtype=float)  # rank of each sorted position
    total += float(np.abs(rank_at - nominal[order]).sum())
    return total / len(nominal)


def _summary(plan: Plan, stats: RankStats, nominal: np.ndarray, k: int, keep: np.ndarray,
             s1: np.ndarray, s2: np.ndarray, cnt: np.ndarray) -> pd.DataFrame:
    t = stats.summary(nominal, k)
    idx = plan.spec.index_code
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s1 / cnt
        sd = np.sqrt(np.maximum(s2 / cnt - mean**2, 0) * cnt / np.maximum(cnt - 1, 1))
    sample = keep.astype(float)
    if not np.isfinite(sample).any():
        q05 = q95 = np.full(len(cnt), np.nan)
    elif np.isnan(sample).any():
        with warnings.catch_warnings():  # units without any score: NaN, as documented
            warnings.simplefilter("ignore", RuntimeWarning)
            q05, q95 = np.nanquantile(sample, [0.05, 0.95], axis=0)
    else:
        q05, q95 = np.quantile(sample, [0.05, 0.95], axis=0)
    out = pd.DataFrame({
        "name": [plan.nominal.names.get(u, u) for u in plan.units],
        "nominal": pd.array(nominal, dtype="Float64").astype("Int64"),
        "median": t["median"].to_numpy(),
        "mean": t["mean"].to_numpy(),
        "q05": t["q05"].to_numpy(),
        "q95": t["q95"].to_numpy(),
        "moved": t["share_beyond_k"].to_numpy(),
        "score_nominal": plan.nominal.scores[idx].to_numpy(),
        "score_mean": mean, "score_sd": sd, "score_q05": q05, "score_q95": q95,
    }, index=pd.Index(list(plan.units), name="unit"))
    return out.sort_values(["nominal", "median"])


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
    seed = resolve_seed(seed)
    nominal = plan.nominal_weights
    wanted = np.array([spec.node(c).weight for c in plan.nodes], dtype=float)
    ratio = np.divide(wanted, nominal, out=np.zeros_like(wanted), where=nominal > 0)
    stats = RankStats(len(plan.units), list(plan.units))
    ok = 0
    with threadpool_limits(1, user_api="blas"):
        for b in range(-(-n // BLOCK)):
            d = draw(plan, seed, b, min(BLOCK, n - b * BLOCK))
            W = np.where(nominal > 0, d.weights * ratio, wanted)
            scores, _ = plan.evaluate(Draws(d.options, W))
            good = ~np.isnan(scores).all(axis=1)
            stats.update(rank_desc(scores[good], axis=1))
            ok += int(good.sum())
    t = stats.summary()
    return pd.DataFrame({"median": t["median"].to_numpy(), "q05": t["q05"].to_numpy(),
                         "q95": t["q95"].to_numpy(), "n": ok},
                        index=pd.Index(list(plan.units), name="unit"))
