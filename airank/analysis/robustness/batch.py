"""Batched evaluation of many index variants at once: the engine of the robustness analyses.

A :class:`Plan` builds, once, the normalised matrix of every pipeline variant the factors
can ask for (only factors acting before aggregation need one), and the aggregation method
of every level for every aggregation option. :meth:`Plan.evaluate` then scores any number
of replications -- each a variant, an aggregation option and a vector of raw node
weights -- with array operations only:

* when every level uses the arithmetic (or every level the geometric) mean and the
  variant has no missing value, the tree collapses to one effective weight per indicator
  and replication: ``index = X @ E.T`` (``exp(log X @ E.T)`` for the geometric mean);
* otherwise the tree is evaluated level by level, still vectorised over replications, with
  the pipeline's missing-children rule (weights rescaled over the children a unit has).

Replications are described by :class:`Draws`; turning factors into draws is the job of
:mod:`airank.analysis.robustness.uncertainty` and :mod:`airank.analysis.robustness.sensitivity`.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...data import Dataset
from ...errors import AirankError, FactorError, Issue
from ...pipeline import build
from ...results import Result
from ...spec import IndexSpec
from .factors import Factor

__all__ = ["Draws", "Plan"]


@dataclass(frozen=True)
class Draws:
    """Replications to evaluate.

    Attributes
    ----------
    options : ndarray of int, shape (R, n_factors)
        The option chosen by each choice/exclude factor (0 for weight factors).
    weights : ndarray, shape (R, n_nodes)
        Raw weight of every node (``Plan.nodes`` order) in each replication, with weight
        choices, noise and exclusions already applied.
    """

    options: np.ndarray
    weights: np.ndarray

    def __len__(self) -> int:
        return int(self.weights.shape[0])


@dataclass
class Plan:
    """Everything precomputed for batched evaluation of ``spec`` under ``factors``."""

    spec: IndexSpec
    data: Dataset
    factors: tuple[Factor, ...]
    year: int | None = None
    fitted: Mapping[str, Mapping[str, Any]] | None = None
    nominal: Result = field(init=False)
    nodes: tuple[str, ...] = field(init=False)
    units: tuple[str, ...] = field(init=False)
    _variants: dict[tuple[int, ...], Any] = field(init=False, default_factory=dict)
    _aggs: dict[tuple[int, ...], tuple[tuple[str, Any], ...]] = field(init=False,
                                                                         default_factory=dict)

    def __post_init__(self) -> None:
        self.nominal = self.build(self.spec)
        self.nodes = tuple(c for c in self.spec.codes if c != self.spec.index_code)
        self.units = tuple(self.nominal.units)
        self._pre = [i for i, f in enumerate(self.factors) if not f.after_normalisation]
        self._agg = [i for i, f in enumerate(self.factors)
                     if f.kind == "choice" and f.path is not None
                     and f.path.startswith("methodology.aggregate")]
        self._wchoice = [i for i, f in enumerate(self.factors)
                         if f.kind == "choice" and f.after_normalisation and i not in self._agg]
        self._pos = {c: j for j, c in enumerate(self.nodes)}
        self._kids = {g: [self._pos[k] for k in self.spec.children[g]]
                      for g in self.spec.group_codes}
        self._n_ind = len(self.spec.indicator_codes)
        self._tree_arrays()
        for combo in itertools.product(*[range(self.factors[i].n_options) for i in self._agg]):
            self._aggs[combo] = self._agg_methods(combo)

    def build(self, spec: IndexSpec) -> Result:
        """Build ``spec`` on the plan's data, edition year and fitted parameters."""
        return build(spec, self.data, year=self.year, fitted=self.fitted)

    # -- weights ---------------------------------------------------------------------
    @property
    def nominal_weights(self) -> np.ndarray:
        return np.array([self.spec.node(c).weight for c in self.nodes], dtype=float)

    def level_nodes(self, level: int) -> np.ndarray:
        """Positions (in ``nodes``) of the nodes of ``level``."""
        return np.array([j for j, c in enumerate(self.nodes) if self.spec.levels[c] == level])

    def siblings(self, level: int) -> list[np.ndarray]:
        """Positions of the nodes of ``level`` grouped by parent."""
        groups: dict[str, list[int]] = {}
        for j in self.level_nodes(level):
            parent = self.spec.parent[self.nodes[j]]
            assert parent is not None
            groups.setdefault(parent, []).append(int(j))
        return [np.array(v) for v in groups.values()]

    def with_weight_choices(self, options: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Set the weights chosen by choice factors on a node's ``weight``."""
        if not self._wchoice:
            return weights
        w = weights.copy()
        for i in self._wchoice:
            f = self.factors[i]
            assert f.path is not None
            code = f.path.split(".")[-2]
            w[:, self._pos[code]] = np.asarray(f.options, dtype=float)[options[:, i]]
        return w

    def with_exclusions(self, options: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Zero the weight of the node each exclude factor leaves out."""
        if not any(f.kind == "exclude" for f in self.factors):
            return weights
        w = weights.copy()
        for i, f in enumerate(self.factors):
            if f.kind == "exclude":
                for k in range(1, f.n_options):
                    w[options[:, i] == k, self._pos[str(f.options[k])]] = 0.0
        return w

    # -- variants --------------------------------------------------------------------
    def _changes(self, factor_ids: Sequence[int], combo: Sequence[int]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for i, k in zip(factor_ids, combo, strict=True):
            out.update(self.factors[i].changes(int(k)))
        return out

    def _agg_methods(self, combo: tuple[int, ...]) -> tuple[tuple[str, Any], ...]:
        spec = self.spec.with_changes(self._changes(self._agg, combo)) if combo else self.spec
        out = []
        for g in self.spec.group_codes:
            cfg = spec.aggregation(spec.levels[g])
            if cfg.method == "copeland":
                raise FactorError([Issue(("factors",), "not_batchable",
                                         "Copeland aggregation cannot be evaluated in batch; "
                                         "leave it out of the factors.", "copeland")])
            out.append((cfg.method, cfg.options("aggregate")))
        return tuple(out)

    def _prepare(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mark the nodes without any data (an indicator no unit has; a group whose children
        all lack data) so that they weigh 0 -- as the pipeline's missing-children rule
        does -- and the rest of the matrix can take the fast path."""
        dead = np.zeros(len(self.nodes), dtype=bool)
        dead[: self._n_ind] = np.isnan(X).all(axis=0)
        for g in self.spec.group_codes:
            if g != self.spec.index_code:
                dead[self._pos[g]] = dead[self._kids[g]].all()
        X = X.copy()
        X[:, dead[: self._n_ind]] = 1.0  # weight 0; 1 keeps logs and reciprocals finite
        return X, dead

    def variant(self, combo: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray] | AirankError:
        """The normalised matrix (units x indicators) of a pipeline variant and its nodes
        without data, or the error that variant raised."""
        if combo not in self._variants:
            try:
                spec = self.spec.with_changes(self._changes(self._pre, combo))
                res = self.build(spec)
                if tuple(res.units) != self.units:
                    raise FactorError([Issue(("factors",), "units_changed",
                                             "A factor option changes which units are kept "
                                             f"(variant {combo}); robustness needs the same "
                                             "units in every replication.", list(combo))])
                self._variants[combo] = self._prepare(res.stages["normalised"].to_numpy(
                    dtype=float))
            except AirankError as exc:
                self._variants[combo] = exc
        out: tuple[np.ndarray, np.ndarray] | AirankError = self._variants[combo]
        return out

    # -- evaluation ------------------------------------------------------------------
    def evaluate(self, draws: Draws) -> tuple[np.ndarray, list[tuple[np.ndarray, str]]]:
        """Index scores, shape (R, units); NaN rows for failed replications.

        Returns the scores and the failures as (replication indices, message).
        """
        R = len(draws)
        out = np.full((R, len(self.units)), np.nan)
        failures: list[tuple[np.ndarray, str]] = []
        W = draws.weights
        pre = draws.options[:, self._pre] if self._pre else np.zeros((R, 0), dtype=int)
        agg = draws.options[:, self._agg] if self._agg else np.zeros((R, 0), dtype=int)
        keys = np.concatenate([pre, agg], axis=1)
        # one integer per combination of options (mixed radix), then group by it
        radix = np.array([self.factors[i].n_options for i in (*self._pre, *self._agg)],
                         dtype=np.int64)
        place = np.concatenate([np.cumprod(radix[::-1])[::-1][1:], [1]]).astype(np.int64)
        code = keys @ place if keys.shape[1] else np.zeros(R, dtype=np.int64)
        for c in np.flatnonzero(np.bincount(code)):
            rows = np.flatnonzero(code == c)
            key = keys[rows[0]]
            var = self.variant(tuple(int(v) for v in key[: pre.shape[1]]))
            if isinstance(var, AirankError):
                failures.append((rows, str(var)))
                continue
            X, dead = var
            methods = self._aggs[tuple(int(v) for v in key[pre.shape[1]:])]
            Wg = W[rows]
            if dead.any():
                Wg = Wg.copy()
                Wg[:, dead] = 0.0
            try:
                out[rows] = self._score(X, methods, Wg).T
            except _NonPositive as exc:
                failures.append((rows, str(exc)))
        return out, failures

    def _score(self, X: np.ndarray, methods: tuple[tuple[str, Any], ...], W: np.ndarray
               ) -> np.ndarray:
        """Index scores (units x R) for one variant and aggregation option."""
        names = {m for m, _ in methods}
        plain = all(p.min_share == 0 for _, p in methods)
        S: np.ndarray
        if plain and not np.isnan(X).any() and names <= {"arithmetic"}:
            S = X @ self.effective(W).T
        elif plain and not np.isnan(X).any() and names == {"geometric"} and np.all(X > 0):
            S = np.exp(np.log(X) @ self.effective(W).T)
        else:
            S = self._by_level(X, methods, W)
        return S

    def _tree_arrays(self) -> None:
        groups = list(self.spec.group_codes)
        n = len(self.nodes)
        self._members = np.zeros((n, len(groups)))  # node j is a child of group g
        self._parent_col = np.empty(n, dtype=np.int64)
        for gi, g in enumerate(groups):
            self._members[self._kids[g], gi] = 1.0
            self._parent_col[self._kids[g]] = gi
        # groups top down (each after its parent), with their parent's column
        col = {g: gi for gi, g in enumerate(groups)}
        self._group_order = [(col[g], col[self.spec.parent[g]])  # type: ignore[index]
                             for g in reversed(groups) if g != self.spec.index_code]
        self._pos_group = {col[g]: self._pos[g] for g in groups if g != self.spec.index_code}

    def effective(self, W: np.ndarray) -> np.ndarray:
        """Effective weight of every indicator in the index, shape (R, indicators).

        Top down over the (few) groups: a group's weight in the index is its weight
        rescaled within its parent times the parent's; an indicator's is its weight over
        its parent's total times the parent's weight in the index. Only the small
        (R x groups) arrays are walked; the indicators take one gather and a product.
        """
        totals = W @ self._members  # (R, groups): each group's children's total weight
        in_index = np.ones_like(totals)
        with np.errstate(invalid="ignore", divide="ignore"):
            for gi, parent_col in self._group_order:
                in_index[:, gi] = W[:, self._pos_group[gi]] / totals[:, parent_col] * (
                    in_index[:, parent_col])
            factor = in_index / totals
        factor[~np.isfinite(factor)] = 0.0  # a group whose children all weigh 0 adds nothing
        return W[:, : self._n_ind] * factor[:, self._parent_col[: self._n_ind]]

    def _by_level(self, X: np.ndarray, methods: tuple[tuple[str, Any], ...], W: np.ndarray
                  ) -> np.ndarray:
        R = W.shape[0]
        scores: dict[int, np.ndarray] = {}
        for (method, params), g in zip(methods, self.spec.group_codes, strict=True):
            kids = self._kids[g]
            if all(k < self._n_ind for k in kids):
                S = _agg_matrix(X[:, kids], W[:, kids], method, params)
            else:
                cols = [np.broadcast_to(X[:, k][:, None], (X.shape[0], R)) if k < self._n_ind
                        else scores[k] for k in kids]
                S = _agg_stack(np.stack(cols, axis=2), W[:, kids], method, params)
            if g == self.spec.index_code:
                return S
            scores[self._pos[g]] = S
        raise AssertionError("the index is the last group")


class _NonPositive(ValueError):
    pass


def _transform(v: np.ndarray, method: str, params: Any) -> np.ndarray:
    t: np.ndarray
    if method == "arithmetic":
        t = v
    elif method == "geometric" or (method == "generalised" and params.p == 0):
        t = np.log(v)
    elif method == "harmonic":
        t = 1.0 / v
    else:
        t = np.power(v, params.p)
    return t


def _inverse(m: np.ndarray, method: str, params: Any) -> np.ndarray:
    v: np.ndarray
    if method == "arithmetic":
        v = m
    elif method == "geometric" or (method == "generalised" and params.p == 0):
        v = np.exp(m)
    elif method == "harmonic":
        v = 1.0 / m
    else:
        v = np.power(m, 1.0 / params.p)
    return v


def _check_positive(v: np.ndarray, method: str, params: Any) -> None:
    needs = method in ("geometric", "harmonic") or (method == "generalised" and params.p != 1)
    if needs and np.any(v <= 0):  # NaN compares False
        raise _NonPositive(f"The {method} mean needs values > 0; a variant has values <= 0. "
                           "Normalise to a positive range (e.g. minmax lower: 1).")


def _agg_matrix(X: np.ndarray, W: np.ndarray, method: str, params: Any) -> np.ndarray:
    """Children are indicators (units x k) shared by all replications: matrix products."""
    present = ~np.isnan(X)
    _check_positive(X[:, (W > 0).any(axis=0)], method, params)
    with np.errstate(divide="ignore", invalid="ignore"):
        T = np.where(present, _transform(np.where(present, X, 1.0), method, params), 0.0)
        den = present.astype(float) @ W.T
        S = _inverse((T @ W.T) / den, method, params)
        full = W.sum(axis=1)[None, :]
        share = den / full
    return np.where((den > 0) & (share >= params.min_share - 1e-12), S, np.nan)


def _agg_stack(V: np.ndarray, W: np.ndarray, method: str, params: Any) -> np.ndarray:
    """Children vary by replication: V is (units x R x k), W is (R x k)."""
    present = ~np.isnan(V)
    _check_positive(V[..., (W > 0).any(axis=0)], method, params)
    with np.errstate(divide="ignore", invalid="ignore"):
        T = np.where(present, _transform(np.where(present, V, 1.0), method, params), 0.0)
        Wb = np.where(present, W[None, :, :], 0.0)
        den = Wb.sum(axis=2)
        S = _inverse((T * Wb).sum(axis=2) / den, method, params)
        share = den / W.sum(axis=1)[None, :]
    return np.where((den > 0) & (share >= params.min_share - 1e-12), S, np.nan)
