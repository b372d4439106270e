"""Weight optimisation: weights whose components matter as much as intended (COINr's
``get_opt_weights``).

A nominal weight says how much a component should count; its importance -- the
correlation of the component with the index (or its main effect, eta^2) -- says how much
it does. :func:`optimise_weights` searches the weights of one level so that the
components' normalised importances come as close as possible to a target (equal by
default; ``kind="balance"``), or so that their total correlation with the index is
largest (``kind="infomax"``). Only the aggregation above that level is recomputed, with
the scoring kernel, so each evaluation costs one re-aggregation.

The balance objective is COINr's: ``log(mean((target - importance / sum(importance))^2))``
(targets normalised to sum 1). COINr minimises it with R's Nelder-Mead at a relative
tolerance of 0.1, which stops after a dozen evaluations with the weights barely moved;
airank runs scipy's bounded Nelder-Mead to a tight tolerance from the same start.

References
----------
Paruolo, P., Saisana, M. & Saltelli, A. (2013). Ratings and rankings: voodoo or
science? JRSS A 176(3), 609-634. Becker, W., Saisana, M., Paruolo, P. & Vandecasteele, I.
(2017). Weights and importance in composite indicators: closing the gap. Ecological
Indicators 80, 12-22.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from ...errors import DataError, Issue
from ...kernel import Kernel
from ...results import Result
from .importance import correlation_ratio

__all__ = ["WeightFit", "importance_at", "optimise_weights"]

Measure = Literal["corr", "eta2"]


@dataclass(frozen=True)
class WeightFit:
    """What :func:`optimise_weights` found.

    Attributes
    ----------
    table : DataFrame
        One row per component of the level: ``code``, ``parent``, ``nominal`` (weight as
        built, rescaled within the parent), ``weight`` (optimised, rescaled within the
        parent), ``target`` (normalised; NaN for infomax), ``importance_nominal`` and
        ``importance`` (correlation or eta^2 with the index, at the nominal and the
        optimised weights), ``achieved`` (importance normalised to sum 1 over the level).
    objective : float
        The objective at the optimised weights (at the nominal: ``objective_nominal``).
    converged : bool
    n_evaluations : int
    """

    table: pd.DataFrame
    objective: float
    objective_nominal: float
    converged: bool
    n_evaluations: int

    @property
    def weights(self) -> dict[str, float]:
        """The optimised weights by code (pass to ``Edition.with_weights``)."""
        return dict(zip(self.table["code"], self.table["weight"], strict=True))


class _Problem:
    """Importance of the components of one level as a function of their weights."""

    def __init__(self, result: Result, level: int, measure: str, method: str) -> None:
        spec = result.spec
        top = spec.levels[spec.index_code]
        if not 1 <= level < top:
            raise DataError([Issue(("level",), "bad_level", f"level must be from 1 "
                                   f"(indicators) to {top - 1}. Got {level}.", level)])
        if measure not in ("corr", "eta2") or method not in ("pearson", "spearman"):
            raise DataError([Issue(("measure",), "unknown_measure", "measure must be 'corr' "
                                   f"or 'eta2' and method 'pearson' or 'spearman'. Got "
                                   f"{measure!r}, {method!r}.", measure)])
        self.kernel = Kernel.compile(spec)
        self.X = result.stages["normalised"][list(spec.indicator_codes)].to_numpy(float)
        self.codes = [c for c in spec.codes if spec.levels[c] == level]
        self.cols = np.array([self.kernel.nodes.index(c) for c in self.codes])
        self.parts = result.scores[self.codes]
        self.measure, self.method, self.n_eval = measure, method, 0
        ranked = self.parts.rank() if method == "spearman" else self.parts
        self.z: np.ndarray | None = None
        if not ranked.isna().any().any():  # else pairwise rows differ: pandas handles it
            v = ranked.to_numpy(dtype=float)
            self.z = (v - v.mean(axis=0)) / np.sqrt(((v - v.mean(axis=0)) ** 2).sum(axis=0))

    def importance(self, w: np.ndarray, *, precise: bool = False) -> np.ndarray:
        self.n_eval += 1
        W = self.kernel.weights.copy()
        W[self.cols] = w
        index = self.kernel.evaluate(self.X, W[None, :], precise=precise).index[0]
        if self.measure == "eta2":
            return np.array([correlation_ratio(self.parts[c].to_numpy(float), index)
                             for c in self.codes])
        if self.z is None or np.isnan(index).any():
            how: Literal["pearson", "spearman"] = (
                "spearman" if self.method == "spearman" else "pearson")
            s = pd.Series(index, index=self.parts.index)
            return self.parts.corrwith(s, method=how).to_numpy(dtype=float)
        y = (pd.Series(index).rank().to_numpy(dtype=float) if self.method == "spearman"
             else np.asarray(index, dtype=float))
        yc = y - y.mean()
        out: np.ndarray = self.z.T @ (yc / np.sqrt(yc @ yc))
        return out


def importance_at(result: Result, weights: Mapping[str, float], *, level: int,
                  measure: Measure = "corr", method: str = "pearson") -> pd.Series:
    """The importance of every component of ``level`` (correlation with the index, or
    eta^2) when the level's weights are ``weights`` (others as built)."""
    prob = _Problem(result, level, measure, method)
    w = np.array([float(weights.get(c, prob.kernel.weights[j]))
                  for c, j in zip(prob.codes, prob.cols, strict=True)])
    return pd.Series(prob.importance(w, precise=True), index=prob.codes, name="importance")


def optimise_weights(result: Result, *, level: int, target: Mapping[str, float] | None = None,
                     kind: Literal["balance", "infomax"] = "balance", measure: Measure = "corr",
                     method: str = "pearson", maxiter: int = 2000) -> WeightFit:
    """Weights of ``level`` whose components' importances match ``target``.

    Parameters
    ----------
    result : Result
        A build (its normalised stage is re-aggregated).
    level : int
        1 = indicators, 2 = their groups, ...; below the index.
    target : mapping, optional
        Relative importance wanted per component code (normalised to sum 1); default
        equal. Ignored for ``infomax``.
    kind : {"balance", "infomax"}
        Match the target, or maximise the sum of correlations with the index.
    measure : {"corr", "eta2"}
        Importance as the correlation with the index (COINr) or the main effect.

    Returns
    -------
    WeightFit
    """
    prob = _Problem(result, level, measure, method)
    if kind not in ("balance", "infomax"):
        raise DataError([Issue(("kind",), "unknown_kind", "kind must be 'balance' or "
                               f"'infomax'. Got {kind!r}.", kind)])
    t = _target(prob.codes, target) if kind == "balance" else np.full(len(prob.codes), np.nan)

    def weights(theta: np.ndarray) -> np.ndarray:
        # relative weights: the first fixed at 1, the others exp(theta) > 0 (the
        # importances do not depend on the weights' scale)
        w: np.ndarray = np.exp(np.concatenate([[0.0], np.clip(theta, -30, 30)]))
        out: np.ndarray = w / w.sum()
        return out

    def objective(theta: np.ndarray) -> float:
        imp = prob.importance(weights(theta))
        if kind == "infomax":
            return -float(np.sum(imp))
        return float(np.log(np.mean((t - imp / np.sum(imp)) ** 2) + 1e-300))

    w0 = prob.kernel.weights[prob.cols] / prob.kernel.weights[prob.cols].sum()
    start = t if kind == "balance" else w0
    f0 = objective(np.log(w0[1:] / w0[0]))
    opt = minimize(objective, np.log(start[1:] / start[0]), method="Nelder-Mead",
                   options={"xatol": 1e-6, "fatol": 1e-9, "maxiter": maxiter,
                            "maxfev": maxiter})
    w = weights(opt.x)
    if opt.fun > f0:  # never worse than the nominal weights
        w = w0
    imp, imp0 = prob.importance(w, precise=True), prob.importance(w0, precise=True)
    spec = result.spec
    parents = [spec.parent[c] for c in prob.codes]
    table = pd.DataFrame({"code": prob.codes, "parent": parents, "nominal": w0, "weight": w,
                          "target": t, "importance_nominal": imp0, "importance": imp,
                          "achieved": imp / np.sum(imp)})
    for col in ("nominal", "weight"):
        table[col] = table[col] / table.groupby("parent")[col].transform("sum")
    return WeightFit(table, float(min(opt.fun, f0)), f0, bool(opt.success), prob.n_eval)


def _target(codes: list[str], target: Mapping[str, float] | None) -> np.ndarray:
    if target is None:
        return np.full(len(codes), 1 / len(codes))
    issues = [Issue(("target", c), "missing_target", f"target has no value for '{c}'.", c)
              for c in codes if c not in target]
    issues += [Issue(("target", c), "unknown_code", f"'{c}' is not a component of this "
                     f"level ({codes}).", c) for c in target if c not in codes]
    issues += [Issue(("target", c), "bad_target", f"The target of '{c}' must be a number "
                     f">= 0. Got {v!r}.", v) for c, v in target.items()
               if not (isinstance(v, (int, float)) and v >= 0)]
    DataError.collect(issues, f"{len(issues)} problem(s) in the target")
    t = np.array([float(target[c]) for c in codes])
    if t.sum() <= 0:
        raise DataError([Issue(("target",), "bad_target", "The targets sum to 0.")])
    out: np.ndarray = t / t.sum()
    return out
