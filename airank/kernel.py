"""The one scoring kernel: the spec's tree compiled into arrays, scored for any weights.

:meth:`Kernel.compile` turns a spec's tree -- children, nominal weights, the aggregation
method and ``min_share`` of every group -- into arrays once. :meth:`Kernel.evaluate` then
scores normalised indicators (units x indicators) under a batch of weight vectors
(replications x nodes) with array operations only, following the registry entries of
:mod:`airank.aggregate` (each method's transform, inverse and positivity need) and the
missing-children rule stated there. Everything that scores an index calls it:

* :func:`airank.build` (one replication, ``precise=True``: sums of the arithmetic mean in
  extended precision, which makes scores and ranks equal COINr's bit for bit);
* re-weighting (:func:`airank.pipeline.reaggregate`), contributions
  (:meth:`Kernel.unit_weights`), "what would it take" (one unit, many candidate points);
* the robustness engine (Monte Carlo, Sobol'): thousands of replications at once. When
  every level uses the same quasi-arithmetic mean, ``min_share`` is 0 and no value is
  missing, the tree collapses to one effective weight per indicator and replication:
  ``index = g^-1(g(X) @ E.T)`` (groups whose weights do not vary in a batch scored once:
  :mod:`airank._kernel_frozen`); otherwise the tree is evaluated level by level, still
  vectorised over replications.

A replication fails when a method that needs values > 0 meets a child <= 0 that weighs
in it (as the pipeline raises for that replication); failures are recorded per
replication, never for a whole batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from ._kernel_frozen import Reduced, reduction
from ._kernel_group import aggregate_group, group_scores
from .aggregate import Aggregator, aggregator
from .errors import FactorError, Issue
from .spec import IndexSpec

__all__ = ["Bound", "Kernel", "Scores", "aggregate_group"]

Array = np.ndarray


@dataclass(frozen=True, eq=False)
class Scores:
    """What :meth:`Kernel.evaluate` returns.

    Attributes
    ----------
    index : ndarray, shape (R, units)
        Index scores; NaN rows for failed replications.
    groups : ndarray, shape (R, units, groups) or None
        Every group's score (``Kernel.groups`` order), when asked for.
    failed : ndarray of bool, shape (R,)
    errors : list of (replications, message, group, unit rows)
        One entry per group at which replications first failed (bottom-up, as the
        pipeline meets them); ``unit rows`` are the units with an offending child.
    """

    index: Array
    groups: Array | None
    failed: Array
    errors: list[tuple[Array, str, str, Array]]


@dataclass(frozen=True, eq=False)
class Kernel:
    """A spec's tree compiled for scoring. Build it with :meth:`compile`.

    ``nodes`` are every code but the index (indicators first, then groups bottom-up: the
    layout of every weight array); ``groups`` are the group codes bottom-up, the index last.
    """

    nodes: tuple[str, ...]
    groups: tuple[str, ...]
    n_ind: int
    kids: tuple[Array, ...]
    methods: tuple[Aggregator, ...]
    params: tuple[Any, ...]
    weights: Array
    parent: Array  # per node: position of its parent in ``groups``
    group_node: Array  # per group but the index: its position in ``nodes``

    @classmethod
    def compile(cls, spec: IndexSpec) -> Kernel:
        """Compile ``spec``'s tree and aggregation settings."""
        nodes = tuple(c for c in spec.codes if c != spec.index_code)
        pos = {c: j for j, c in enumerate(nodes)}
        groups = tuple(spec.group_codes)
        gpos = {g: i for i, g in enumerate(groups)}
        methods, params = [], []
        for g in groups:
            cfg = spec.aggregation(spec.levels[g])
            methods.append(aggregator(cfg.method))
            params.append(cfg.options("aggregate"))
        parent = np.array([gpos[str(spec.parent[c])] for c in nodes], dtype=np.int64)
        return cls(nodes, groups, len(spec.indicator_codes),
                   tuple(np.array([pos[k] for k in spec.children[g]], dtype=np.int64)
                         for g in groups),
                   tuple(methods), tuple(params),
                   np.array([spec.node(c).weight for c in nodes], dtype=float), parent,
                   np.array([pos[g] for g in groups[:-1]], dtype=np.int64))

    # -- the tree ------------------------------------------------------------------
    @property
    def batched(self) -> bool:
        """True when every group's method can be evaluated for many replications."""
        return all(m.batched for m in self.methods)

    def check_batched(self) -> None:
        """A FactorError naming the methods the batched engine cannot evaluate."""
        bad = sorted({m.name for m in self.methods if not m.batched})
        if bad:
            raise FactorError([Issue(("factors",), "not_batchable", f"The aggregation "
                                     f"method(s) {bad} are not quasi-arithmetic means and "
                                     "cannot be evaluated in batch; leave them out of the "
                                     "factors (builds still use them).", bad[0])])

    def dead(self, X: Array) -> Array:
        """Nodes without any data in ``X`` (units x indicators): an indicator no unit has,
        a group whose children are all dead. They weigh 0 in every replication."""
        out = np.zeros(len(self.nodes), dtype=bool)
        out[: self.n_ind] = np.isnan(X).all(axis=0)
        for gi, j in enumerate(self.group_node):
            out[j] = out[self.kids[gi]].all()
        return out

    def effective(self, W: Array) -> Array:
        """Effective weight of every indicator in the index, shape (R, indicators).

        A node's weight within its parent is rescaled over its siblings; a group whose
        children all weigh 0 weighs 0 itself (it has no score, so its parent rescales over
        the others, as level-by-level evaluation does). Walks the levels of the tree (one
        product per level sums the children of all its groups); the indicators take one
        gather.
        """
        Wl = np.asarray(W, dtype=float)
        waves = self._waves
        totals = Wl @ self._members
        if not (totals > 0).all():  # a group whose children all weigh 0: settle bottom-up
            Wl = Wl.copy()
            for wave, member in waves:  # children settle before parents
                totals[:, wave] = Wl @ member
                inner = wave[wave < len(self.group_node)]
                if inner.size:
                    cols = self.group_node[inner]
                    Wl[:, cols] = np.where(totals[:, inner] > 0, Wl[:, cols], 0.0)
        in_index = np.ones_like(totals)
        with np.errstate(invalid="ignore", divide="ignore"):
            for wave, _ in waves[::-1]:  # top-down
                inner = wave[wave < len(self.group_node)]
                if inner.size:
                    j = self.group_node[inner]
                    pg = self.parent[j]
                    in_index[:, inner] = Wl[:, j] / totals[:, pg] * in_index[:, pg]
            share = in_index / totals  # per group: a child's weight -> its weight in the index
        share[~np.isfinite(share)] = 0.0
        E: Array = Wl[:, : self.n_ind] * share[:, self.parent[: self.n_ind]]
        return E

    @cached_property
    def _members(self) -> Array:
        """The 0/1 matrix (nodes x groups) that sums every group's children."""
        out = np.zeros((len(self.nodes), len(self.groups)))
        for g, kids in enumerate(self.kids):
            out[kids, g] = 1.0
        return out

    @cached_property
    def _waves(self) -> list[tuple[Array, Array]]:
        """Groups by height (all of a height's children lie below it), each with the
        0/1 matrix (nodes x its groups) that sums their children."""
        height = np.zeros(len(self.nodes), dtype=np.int64)
        gh = np.zeros(len(self.groups), dtype=np.int64)
        for gi, kids in enumerate(self.kids):  # groups come bottom-up
            gh[gi] = 1 + int(height[kids].max())
            if gi < len(self.group_node):
                height[self.group_node[gi]] = gh[gi]
        out = []
        for h in np.unique(gh):
            wave = np.flatnonzero(gh == h)
            member = np.zeros((len(self.nodes), wave.size))
            for k, g in enumerate(wave.tolist()):
                member[self.kids[g], k] = 1.0
            out.append((wave, member))
        return out

    def unit_weights(self, present: Array, weights: Array | None = None
                     ) -> tuple[Array, Array]:
        """Per unit: each node's weight within its parent, rescaled over the children the
        unit has, and its effective weight in the index (the product up the tree).

        ``present`` (units x nodes) marks the scores a unit has. Returns two arrays of
        shape (units, nodes).
        """
        w = self.weights if weights is None else np.asarray(weights, dtype=float)
        Wp = np.where(present, w, 0.0)
        totals = np.zeros((Wp.shape[0], len(self.groups)))
        np.add.at(totals.T, self.parent, Wp.T)
        with np.errstate(invalid="ignore", divide="ignore"):
            local = np.where(Wp > 0, Wp / totals[:, self.parent], 0.0)
        in_index = np.ones_like(totals)
        for gi in range(len(self.group_node) - 1, -1, -1):
            j = self.group_node[gi]
            in_index[:, gi] = local[:, j] * in_index[:, self.parent[j]]
        return local, local * in_index[:, self.parent]

    # -- scoring -------------------------------------------------------------------
    def evaluate(self, X: Array, W: Array | None = None, *, dead: Array | None = None,
                 precise: bool = False, levels: bool = False) -> Scores:
        """Score normalised indicators ``X`` (units x indicators) under weights ``W``.

        ``kernel.evaluate(X, W)`` is ``kernel.bind(X).evaluate(W)``: bind once and
        evaluate many batches of weights when ``X`` stays the same.

        Parameters
        ----------
        W : ndarray, shape (R, nodes), optional
            Raw weights of every node per replication (default: the nominal weights).
        dead : ndarray of bool, optional
            Nodes without data in the edition (default :meth:`dead` of ``X``); give it
            when ``X`` holds only some units of the edition.
        precise : bool
            Sum the arithmetic mean in extended precision (builds).
        levels : bool
            Also return every group's score.
        """
        return self.bind(X, dead=dead).evaluate(W, precise=precise, levels=levels)

    def bind(self, X: Array, *, dead: Array | None = None) -> Bound:
        """The kernel bound to ``X`` (units x indicators): what does not depend on the
        weights -- the mean's transform of every indicator, positivity, missing cells --
        computed once, on first use, for every later :meth:`Bound.evaluate`."""
        X = np.asarray(X, dtype=float)
        dead = self.dead(X) if dead is None else np.asarray(dead, dtype=bool)
        if dead[: self.n_ind].any():
            X = X.copy()
            X[:, dead[: self.n_ind]] = np.nan
        return Bound(self, X, dead)

    def collapsible(self) -> bool:
        """True when the tree collapses to effective weights for complete data: one
        quasi-arithmetic mean at every level and ``min_share`` 0 everywhere."""
        keys = {m.key(p) for m, p in zip(self.methods, self.params, strict=True)}
        return (len(keys) == 1 and self.batched
                and all(p.min_share == 0 for p in self.params))

    def message(self, gi: int) -> str:
        """The error of a replication whose group ``gi`` meets a child <= 0."""
        return (f"The {self.methods[gi].name} mean of '{self.groups[gi]}' needs values > 0, "
                "but a child weighing in it is <= 0. Normalise to a positive range (e.g. "
                "minmax lower: 1).")


@dataclass(eq=False)
class Bound:
    """A :class:`Kernel` bound to one normalised matrix. Make one with :meth:`Kernel.bind`.

    Evaluating many batches of weights on the same matrix (the robustness engine's
    blocks) reuses the transformed indicators (e.g. their logs for a geometric mean),
    the positivity checks and the missing-cell masks; only work that depends on the
    weights remains: the effective weights, one matrix product, the inverse transform.
    """

    kernel: Kernel
    X: Array
    dead: Array
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def fast(self) -> bool:
        """True when non-precise evaluation collapses to effective weights (no missing
        cell among the indicators with data)."""
        if "fast" not in self._cache:
            k = self.kernel
            self._cache["fast"] = k.collapsible() and not np.isnan(
                self.X[:, ~self.dead[: k.n_ind]]).any()
        return bool(self._cache["fast"])

    def evaluate(self, W: Array | None = None, *, precise: bool = False,
                 levels: bool = False) -> Scores:
        """Scores under weights ``W`` (R x nodes; default nominal), as
        :meth:`Kernel.evaluate` documents."""
        k = self.kernel
        W = k.weights[None, :] if W is None else np.asarray(W, dtype=float)
        if self.dead.any():
            W = W.copy()
            W[:, self.dead] = 0.0
        if not (levels or precise) and self.fast:
            return self._collapsed(W)
        return _by_level(k, self.X, W, precise, levels)

    def _prepared(self) -> tuple[Array, Array, list[tuple[int, Array, Array]]]:
        """Transformed indicators (units x indicators, C order), per indicator whether a
        value is <= 0 where the mean needs > 0, and per group its offending columns and
        unit rows."""
        if "T" not in self._cache:
            k = self.kernel
            agg, p = k.methods[-1], k.params[-1]
            X = np.where(np.isnan(self.X), 1.0, self.X)  # dead columns: weight 0 anyway
            bad = np.zeros(k.n_ind, dtype=bool)
            hits: list[tuple[int, Array, Array]] = []
            if any(m.positive(q) for m, q in zip(k.methods, k.params, strict=True)):
                bad = np.asarray((X <= 0).any(axis=0))
                if bad.any():
                    for gi in range(len(k.groups)):
                        kids = k.kids[gi][k.kids[gi] < k.n_ind]
                        cols = kids[bad[kids]]
                        if cols.size:
                            hits.append((gi, cols,
                                         np.flatnonzero((X[:, cols] <= 0).any(axis=1))))
                    X = np.where(X > 0, X, 1.0)  # weighs 0 wherever it is kept
            assert agg.transform is not None
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                T = np.ascontiguousarray(agg.transform(X, p))
            self._cache["T"] = (T, bad, hits)
        out: tuple[Array, Array, list[tuple[int, Array, Array]]] = self._cache["T"]
        return out

    def _collapsed(self, W: Array) -> Scores:
        k = self.kernel
        agg, p = k.methods[-1], k.params[-1]
        _, _, hits = self._prepared()
        failed = np.zeros(W.shape[0], dtype=bool)
        errors: list[tuple[Array, str, str, Array]] = []
        for gi, cols, rows in hits:
            hit = (W[:, cols] > 0).any(axis=1) & ~failed
            if hit.any():
                errors.append((np.flatnonzero(hit), k.message(gi), k.groups[gi], rows))
                failed |= hit
        assert agg.inverse is not None
        tree, Wt, Tt = self.collapsed_form(W)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            # (R x leaves) @ (leaves x units): replications in rows, C order, ready to rank
            S = agg.inverse(tree.effective(Wt) @ Tt.T, p)
        S[failed] = np.nan
        return Scores(S, None, failed, errors)

    def shared_form(self, W: Array, const: Array) -> Reduced | None:
        """The reduced tree of the batch ``W`` (``const``: its columns equal in every
        row), when its rows can be scored from effective weights found once for the
        whole batch and shared with other bound matrices of the same tree
        (:meth:`from_effective`): the collapsed form applies, no node is without data
        and no value must be checked per replication. None otherwise (evaluate rows
        one part at a time with :meth:`evaluate`)."""
        if not self.fast or self.dead.any() or self._prepared()[2]:
            return None
        return reduction(self._cache, self.kernel, W, self.transformed, const)

    def from_effective(self, E: Array, red: Reduced) -> Array:
        """Index scores (R x units) from the reduced tree's effective weights ``E``
        (``red`` from :meth:`shared_form`): ``g^-1(E @ P.T)``."""
        agg, p = self.kernel.methods[-1], self.kernel.params[-1]
        assert agg.inverse is not None
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out: Array = agg.inverse(E @ red.P.T, p)
        return out

    @property
    def transformed(self) -> Array:
        """The mean's transform of every indicator (units x indicators, C order)."""
        return self._prepared()[0]

    def collapsed_form(self, W: Array) -> tuple[Kernel, Array, Array]:
        """The tree, weights and matrix that the collapsed evaluation of ``W`` uses:
        scores are ``g^-1(tree.effective(weights) @ matrix.T)``. With groups frozen in
        ``W`` (:mod:`airank._kernel_frozen`), the reduced tree and its leaves' matrix;
        otherwise the kernel, ``W`` and the transformed indicators."""
        T = self.transformed
        red = reduction(self._cache, self.kernel, W, T)
        if red is None:
            return self.kernel, W, T
        return red.kernel, red.weights(W), red.P


def _by_level(k: Kernel, X: Array, W: Array, precise: bool, levels: bool) -> Scores:
    R, U = W.shape[0], X.shape[0]
    if R > 1 or not precise:
        k.check_batched()
    failed = np.zeros(R, dtype=bool)
    errors: list[tuple[Array, str, str, Array]] = []
    out = np.empty((U, R, len(k.groups))) if levels else None
    scores: dict[int, Array] = {}  # node position -> (units, R)
    S = np.empty((U, R))
    for gi in range(len(k.groups)):
        kids = k.kids[gi]
        if (kids < k.n_ind).all():
            V: Array = X[:, kids]
        else:
            V = np.stack([np.broadcast_to(X[:, j][:, None], (U, R)) if j < k.n_ind
                          else scores[int(j)] for j in kids], axis=2)
        S, hit, rows = group_scores(V, W[:, kids], k.methods[gi], k.params[gi], precise)
        new = hit & ~failed
        if new.any():
            errors.append((np.flatnonzero(new), k.message(gi), k.groups[gi], rows))
            failed |= new
        if gi < len(k.group_node):
            scores[int(k.group_node[gi])] = S
        if out is not None:
            out[:, :, gi] = S
    index = S.T.copy()
    index[failed] = np.nan
    groups = None
    if out is not None:
        groups = np.transpose(out, (1, 0, 2)).copy()
        groups[failed] = np.nan
    return Scores(index, groups, failed, errors)
