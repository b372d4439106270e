"""Variance-based (Sobol') sensitivity of the ranks to each uncertainty factor.

The design is SALib's Sobol' sampling scheme
(:func:`~airank.analysis.robustness.sobol.sobol_design`): one U(0, 1) input per factor.
A choice or exclude factor bins its input into its options; a weight factor uses its
input to pick one of ``n_alternatives`` weight perturbations drawn once from the factor's
distribution (so a whole weight vector is one factor, as in COINr's
``get_sensitivity``). Every design row is evaluated in batch
(:mod:`~airank.analysis.robustness.batch`), then first-order and total-effect indices
are estimated for the mean absolute rank shift (one output) and for every unit's rank
(one output per unit, estimated all at once), with bootstrap confidence intervals.

The design rows are scored and ranked in slices of :data:`SOBOL_ROWS` rows, here or, with
``scheduler=``, as tasks on a Dask cluster (:mod:`~airank.analysis.robustness.distributed`):
each row's ranks depend on that row alone, so the indices are the same bytes either way.

References
----------
Saltelli et al. (2010), Variance based sensitivity analysis of model output, Computer
Physics Communications 181(2). Saisana, Saltelli & Tarantola (2005), JRSS A 168(2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ...edition import Edition
from ...errors import FactorError, Issue
from ...results import rank_frame
from ...seeds import resolve_seed
from ._order import ascending_order
from ._threads import one_blas_thread
from .batch import Draws, Plan, Scorer
from .factors import Factor
from .ranks import rank_desc
from .sobol import SobolResult, bin_uniform, sobol_design, sobol_indices
from .uncertainty import apply_noise, noise_values

__all__ = ["SOBOL_ROWS", "SensitivityResult", "ranks_of", "sensitivity"]

SOBOL_ROWS = 4096  # design rows per slice (per task on a cluster)
SLICE_CELLS = 1 << 21  # scores per slice of a local run (16 MB)


@dataclass(frozen=True, eq=False)
class SensitivityResult:
    """Sobol' indices of each factor.

    ``shift`` (index: factor): ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` for the mean
    absolute rank shift against the nominal ranking. ``units`` (index: unit and factor):
    the same for each unit's rank. ``S1_conf``/``ST_conf`` are half-widths of the
    ``conf`` bootstrap interval.
    """

    shift: pd.DataFrame
    units: pd.DataFrame
    n_base: int
    n_rows: int
    seed: int
    factors: tuple[Factor, ...] = field(repr=False)
    raw_shift: SobolResult = field(repr=False)
    raw_units: SobolResult = field(repr=False)


def design_draws(plan: Plan, matrix: np.ndarray, *, n_alternatives: int, seed: int) -> Draws:
    """Map design inputs in [0, 1) to replications (options and weights)."""
    R = matrix.shape[0]
    options = np.zeros((R, len(plan.factors)), dtype=np.int64)
    for i, f in enumerate(plan.factors):
        if f.kind in ("choice", "exclude"):
            options[:, i] = bin_uniform(matrix[:, i], f.n_options)
    W = plan.with_weight_choices(options, np.tile(plan.nominal_weights, (R, 1)))
    for i, f in enumerate(plan.factors):
        if f.kind == "weights":
            rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1, i)))
            base = np.tile(plan.nominal_weights, (n_alternatives, 1))
            pick = bin_uniform(matrix[:, i], n_alternatives)
            table = noise_values(plan, f, base, rng)
            apply_noise(W, f, [(cols, v[pick]) for cols, v in table])
    return Draws(options, plan.with_exclusions(options, W), plan.fixed_columns())


def sensitivity(edition: Edition, factors: Sequence[Factor] | None = None, *,
                n_base: int = 1024, seed: int | None = None, n_boot: int = 500,
                conf: float = 0.95, n_alternatives: int = 1024, plan: Plan | None = None,
                scheduler: Any = None) -> SensitivityResult:
    """Sobol' first-order and total-effect indices of every factor.

    Parameters
    ----------
    edition, factors
        As for :func:`~airank.analysis.robustness.uncertainty.uncertainty`.
    n_base : int
        Base samples N (a power of 2); the model runs ``N * (factors + 2)`` times.
    seed : int, optional
        Same seed, same result (design, weight alternatives and bootstrap).
    n_boot : int
        Bootstrap resamples for the confidence intervals.
    n_alternatives : int
        Weight perturbations a weight factor chooses from.
    scheduler : dask.distributed.Client or str, optional
        Score the design rows on this Dask cluster (a client or a scheduler address).

    Returns
    -------
    SensitivityResult
    """
    from .designs import default_factors

    factors = tuple(default_factors(edition.spec) if factors is None else factors)
    if len(factors) < 1:
        raise FactorError([Issue(("factors",), "no_factors", "Give at least one factor.")])
    seed = resolve_seed(seed)
    spec = edition.spec
    with one_blas_thread():
        plan = plan or Plan(edition, factors)
        design = sobol_design(len(factors), n_base, seed=seed, names=[f.name for f in factors])
        draws = design_draws(plan, np.asarray(design.matrix), n_alternatives=n_alternatives,
                             seed=seed)
        idx = spec.index_code
        nominal = rank_frame(plan.nominal.scores[[idx]])[idx].to_numpy(dtype=float,
                                                                        na_value=np.nan)
        ranks, shift, n_bad, first = _score_rows(plan.scorer, draws, nominal, scheduler)
    if n_bad:
        raise FactorError([Issue(("factors",), "failed_rows",
                                 f"{n_bad} of {len(draws)} design rows failed; Sobol' indices "
                                 "need every row. First error: " + first, n_bad)])
    units = pd.Index(list(plan.units), name="unit")
    res_shift = sobol_indices(design, shift, n_boot=n_boot, conf=conf, seed=seed)
    res_units = sobol_indices(design, pd.DataFrame(ranks, columns=units), n_boot=n_boot,
                              conf=conf, seed=seed)
    shift_t = res_shift.to_frame().droplevel("output")
    unit_t = res_units.to_frame()
    unit_t.index = unit_t.index.set_names(["unit", "factor"])
    return SensitivityResult(shift_t, unit_t, n_base, len(draws), seed, tuple(factors),
                             res_shift, res_units)


def ranks_of(scores: np.ndarray) -> np.ndarray:
    """Ranks (float, 1 = highest, ties share the best) of every row of ``scores``:
    rows without ties or NaN by their sort order alone."""
    if np.isnan(scores).any():
        return np.asarray(rank_desc(scores, axis=1), dtype=float)
    order, tied = ascending_order(scores)
    U = scores.shape[1]
    out = np.empty(scores.shape)
    # out[r, order[r, j]] = U - j
    np.put_along_axis(out, order, np.arange(U, 0, -1, dtype=float)[None, :], axis=1)
    if tied.any():
        out[tied] = rank_desc(scores[tied], axis=1)
    return out


def _rows(shared: tuple[Scorer, np.ndarray], start: int, draws: Draws
          ) -> tuple[int, np.ndarray, np.ndarray, int, str]:
    """One slice of design rows: (first row, ranks, mean absolute shifts, failed rows,
    first error)."""
    scorer, nominal = shared
    with one_blas_thread():
        scores, failures = scorer.evaluate(draws)
    ranks = ranks_of(scores)
    shift = ranks - nominal  # |rank - nominal| in place
    shift = np.abs(shift, out=shift).mean(axis=1)
    n_bad = sum(r.size for r, _ in failures)
    return start, ranks, shift, n_bad, failures[0][1] if failures else ""


def _score_rows(scorer: Scorer, draws: Draws, nominal: np.ndarray, scheduler: Any
                ) -> tuple[np.ndarray, np.ndarray, int, str]:
    """Ranks and shifts of every design row, slice by slice, here or on a cluster."""
    # rows are independent: a local run takes bigger slices (about SLICE_CELLS scores)
    step = SOBOL_ROWS if scheduler is not None else max(SOBOL_ROWS,
                                                        SLICE_CELLS // len(scorer.units))
    args = [(s, draws.rows(s, s + step)) for s in range(0, len(draws), step)]
    if scheduler is not None:
        from .distributed import map_tasks

        scorer.build_for(draws.options)
        parts = list(map_tasks(scheduler, _rows, (scorer, nominal), args))
    else:
        parts = [_rows((scorer, nominal), *a) for a in args]
    parts.sort(key=lambda p: p[0])
    ranks = np.concatenate([p[1] for p in parts])
    shift = np.concatenate([p[2] for p in parts])
    bad = [p for p in parts if p[3]]
    return ranks, shift, sum(p[3] for p in parts), bad[0][4] if bad else ""
