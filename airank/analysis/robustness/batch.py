"""Batched evaluation of many index variants at once: the engine of the robustness analyses.

A :class:`Plan` says which edition and which factors. Its :class:`Scorer` holds what
scoring a replication needs and nothing more: the normalised matrix of every pipeline
variant the factors can ask for (only factors acting before aggregation need one; built
once, on first use) and the compiled scoring kernel (:class:`airank.kernel.Kernel`) of
every aggregation option, each bound to its matrix (:meth:`~airank.kernel.Kernel.bind`:
the mean's transform of every indicator computed once). :meth:`Scorer.evaluate` scores
any number of replications -- each a variant, an aggregation option and a vector of raw
node weights -- through that kernel, the one :func:`airank.build` uses for a single
replication, in slices of at most :data:`CHUNK_CELLS` scores so that memory stays bounded
whatever the number of units. A Scorer pickles without its edition (arrays and the spec;
kernels are compiled again where it lands), which is what a Dask worker receives.

A variant that changes only the normalisation (the default design's) is the edition's
treated stage normalised again (:func:`airank.pipeline.renormalise`), not a full build.

Replications are described by :class:`Draws`; turning factors into draws is the job of
:mod:`airank.analysis.robustness.uncertainty` and :mod:`airank.analysis.robustness.sensitivity`.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...edition import Edition
from ...errors import AirankError, FactorError, Issue
from ...kernel import Bound, Kernel
from ...pipeline import renormalise
from ...results import Result
from ...spec import IndexSpec
from ._draws import Draws, constant_columns
from .factors import Factor

__all__ = ["CHUNK_CELLS", "Draws", "Plan", "Scorer"]

#: Scores (replications x units) computed at once: 16 MB of float64.
CHUNK_CELLS = 1 << 21

Variant = tuple[np.ndarray, np.ndarray]  # normalised matrix, nodes without data


def chunk_rows(n_units: int) -> int:
    """Replications per slice: :data:`CHUNK_CELLS` scores, at least one replication."""
    return max(1, CHUNK_CELLS // max(n_units, 1))


class Scorer:
    """Scores replications of one edition under its factors (see the module notes).

    Parameters
    ----------
    spec : IndexSpec
    factors : sequence of Factor
    units : sequence of str
        The units scored (the edition's baseline order).
    source : callable, optional
        ``source(changes) -> normalised matrix or AirankError``: builds a pipeline
        variant on first use (a Plan's; not pickled).
    kernels : dict, optional
        Compiled kernels to share (another scorer's of the same tree; they are always
        evaluated with explicit weights, so the nominal weights they hold do not matter).
    """

    def __init__(self, spec: IndexSpec, factors: Sequence[Factor], units: Sequence[str],
                 source: Callable[[dict[str, Any]], np.ndarray | AirankError] | None = None,
                 kernels: dict[tuple[int, ...], Kernel] | None = None) -> None:
        self.spec = spec
        self.factors = tuple(factors)
        self.units = tuple(units)
        self.nodes = tuple(c for c in spec.codes if c != spec.index_code)
        self.pre = tuple(i for i, f in enumerate(self.factors) if not f.after_normalisation)
        self.agg = tuple(i for i, f in enumerate(self.factors)
                         if f.kind == "choice" and f.path is not None
                         and f.path.startswith("methodology.aggregate"))
        self.wchoice = tuple(i for i, f in enumerate(self.factors)
                             if f.kind == "choice" and f.after_normalisation
                             and i not in self.agg)
        self.variants: dict[tuple[int, ...], Variant | AirankError] = {}
        self._source = source
        self._pos = {c: j for j, c in enumerate(self.nodes)}
        self._fixed: np.ndarray | None = None
        self._kernels: dict[tuple[int, ...], Kernel] = {} if kernels is None else kernels
        self._bound: dict[tuple[tuple[int, ...], tuple[int, ...]], Bound] = {}
        for combo in self.agg_combos():
            self.kernel(combo)  # every aggregation option checked up front

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.update(_source=None, _kernels={}, _bound={})  # compiled again where it lands
        return state

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

    def fixed_columns(self) -> np.ndarray:
        """Nodes whose weight no factor sets (no weight noise on their level, no weight
        choice, no exclusion): in draws made from the nominal weights they hold one
        value in every row (read-only)."""
        if self._fixed is None:
            fixed = np.ones(len(self.nodes), dtype=bool)
            for i, f in enumerate(self.factors):
                if f.kind == "weights":
                    assert f.level is not None
                    fixed[self.level_nodes(f.level)] = False
                elif i in self.wchoice:
                    fixed[self._chosen(f)] = False
                elif f.kind == "exclude":
                    fixed[[self._left_out(f, k) for k in range(1, f.n_options)]] = False
            fixed.flags.writeable = False
            self._fixed = fixed
        return self._fixed

    def with_weight_choices(self, options: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Set the weights chosen by choice factors on a node's ``weight``."""
        if not self.wchoice:
            return weights
        w = weights.copy()
        for i in self.wchoice:
            f = self.factors[i]
            w[:, self._chosen(f)] = np.asarray(f.options, dtype=float)[options[:, i]]
        return w

    def _chosen(self, f: Factor) -> int:
        """The node whose weight a weight-choice factor sets (its position)."""
        assert f.path is not None
        return self._pos[f.path.split(".")[-2]]

    def _left_out(self, f: Factor, k: int) -> int:
        """The node an exclude factor's option ``k`` (>= 1) leaves out (its position)."""
        return self._pos[str(f.options[k])]

    def with_exclusions(self, options: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Zero the weight of the node each exclude factor leaves out."""
        if not any(f.kind == "exclude" for f in self.factors):
            return weights
        w = weights.copy()
        for i, f in enumerate(self.factors):
            if f.kind == "exclude":
                for k in range(1, f.n_options):
                    w[options[:, i] == k, self._left_out(f, k)] = 0.0
        return w

    def effective(self, W: np.ndarray) -> np.ndarray:
        """Effective weight of every indicator in the index, shape (R, indicators)."""
        return self.kernel(()).effective(W)

    # -- variants and kernels --------------------------------------------------------
    def changes(self, factor_ids: Sequence[int], combo: Sequence[int]) -> dict[str, Any]:
        """The spec changes of the options ``combo`` of the factors ``factor_ids``."""
        out: dict[str, Any] = {}
        for i, k in zip(factor_ids, combo, strict=True):
            out.update(self.factors[i].changes(int(k)))
        return out

    def pre_combos(self) -> Iterator[tuple[int, ...]]:
        """Every combination of options of the factors acting before aggregation."""
        return itertools.product(*[range(self.factors[i].n_options) for i in self.pre])

    def agg_combos(self) -> Iterator[tuple[int, ...]]:
        """Every combination of aggregation options."""
        return itertools.product(*[range(self.factors[i].n_options) for i in self.agg])

    def kernel(self, combo: tuple[int, ...]) -> Kernel:
        """The compiled kernel of an aggregation option (``()``: the spec's own)."""
        if combo not in self._kernels:
            spec = (self.spec.with_changes(self.changes(self.agg, combo)) if combo
                    else self.spec)
            kernel = Kernel.compile(spec)
            if combo:
                kernel.check_batched()
            self._kernels[combo] = kernel
        return self._kernels[combo]

    def variant(self, combo: tuple[int, ...]) -> Variant | AirankError:
        """The normalised matrix (units x indicators) of a pipeline variant and its nodes
        without data (they weigh 0), or the error that variant raised."""
        if combo not in self.variants:
            if self._source is None:
                raise RuntimeError(f"variant {combo} was not built before shipping")
            X = self._source(self.changes(self.pre, combo))
            self.variants[combo] = X if isinstance(X, AirankError) else (
                X, self.kernel(()).dead(X))
        return self.variants[combo]

    def build_for(self, options: np.ndarray) -> Scorer:
        """Build now (before shipping to workers) the pipeline variants that replications
        of these ``options`` (R x factors, as in :class:`Draws`) use -- not every
        combination, which many factors of many options make too many; returns self."""
        if self.pre and options.shape[0]:
            for row in np.unique(options[:, list(self.pre)], axis=0):
                self.variant(tuple(int(v) for v in row))
        return self

    def _bound_kernel(self, pre: tuple[int, ...], agg: tuple[int, ...], var: Variant
                      ) -> Bound:
        key = (pre, agg)
        if key not in self._bound:
            self._bound[key] = self.kernel(agg).bind(var[0], dead=var[1])
        return self._bound[key]

    # -- evaluation ------------------------------------------------------------------
    def evaluate(self, draws: Draws) -> tuple[np.ndarray, list[tuple[np.ndarray, str]]]:
        """Index scores, shape (R, units); NaN rows for failed replications.

        Returns the scores and the failures as (replication indices, message).
        """
        out = np.full((len(draws), len(self.units)), np.nan)
        failures: list[tuple[np.ndarray, str]] = []
        for rows, scores, fails in self.chunks(draws):
            out[rows] = scores
            failures += [(rows[bad], msg) for bad, msg in fails]
        return out, failures

    def chunks(self, draws: Draws, step: int | None = None
               ) -> Iterator[tuple[np.ndarray, np.ndarray, list[tuple[np.ndarray, str]]]]:
        """Score ``draws`` slice by slice: yields (rows of ``draws``, their scores, the
        failures as (positions in the slice, message)). Rows come grouped by variant and
        aggregation option, ascending within a slice, at most ``step`` (default
        :func:`chunk_rows`) at a time; a failed replication is a row of NaN."""
        R = len(draws)
        step = chunk_rows(len(self.units)) if step is None else step
        keys = draws.options[:, [*self.pre, *self.agg]]
        code, groups = _combination_codes(
            keys, [self.factors[i].n_options for i in (*self.pre, *self.agg)])
        W = draws.weights
        const = constant_columns(W, draws.fixed) if R else None  # one check for all parts
        shared: dict[bytes, np.ndarray] = {}  # effective weights of the draws, per tree
        for c in groups:
            rows = np.flatnonzero(code == c)
            pre = tuple(int(v) for v in keys[rows[0], : len(self.pre)])
            var = self.variant(pre)
            if isinstance(var, AirankError):
                for s in range(0, rows.size, step):
                    part = rows[s:s + step]
                    yield part, np.full((part.size, len(self.units)), np.nan), [
                        (np.arange(part.size), str(var))]
                continue
            bound = self._bound_kernel(pre, tuple(int(v) for v in keys[rows[0],
                                                                       len(self.pre):]), var)
            red = bound.shared_form(W, const) if const is not None else None
            if red is not None:  # the draws' effective weights, found once, then its rows
                key = red.node_map.tobytes() + red.empty.tobytes()
                if key not in shared:
                    shared[key] = red.kernel.effective(red.weights(W))
                for s in range(0, rows.size, step):
                    part = rows[s:s + step]
                    yield part, bound.from_effective(shared[key].take(part, axis=0), red), []
                continue
            for s in range(0, rows.size, step):
                part = rows[s:s + step]
                res = bound.evaluate(draws.weights.take(part, axis=0))  # faster than [part]
                yield part, res.index, [(bad, msg) for bad, msg, _, _ in res.errors]


def _combination_codes(keys: np.ndarray, radix: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """One integer per row of option ``keys`` (R x factors; factor ``j`` has ``radix[j]``
    options) and the codes that occur, ascending: equal rows, equal codes, in the
    lexicographic order of the rows. A mixed-radix number while the combinations are few
    (a bincount of them is cheap); otherwise the rows' ranks among the distinct rows
    (many factors of many options: the mixed-radix number would overflow int64)."""
    R = keys.shape[0]
    if not keys.shape[1]:
        return np.zeros(R, dtype=np.int64), np.arange(1 if R else 0)
    if math.prod(radix) <= max(4 * R, 1 << 16):
        place = np.ones(len(radix), dtype=np.int64)
        place[:-1] = np.cumprod(np.array(radix[:0:-1], dtype=np.int64))[::-1]
        code = keys @ place
        return code, np.flatnonzero(np.bincount(code))
    distinct, code = np.unique(keys, axis=0, return_inverse=True)
    return code.reshape(-1), np.arange(distinct.shape[0])


@dataclass
class Plan:
    """Everything precomputed for batched evaluation of an edition under ``factors``.

    The edition (spec, data, year, fixed goalposts) says which index; the plan adds the
    robustness design; its :attr:`scorer` does the work (see the module notes).
    ``like``: a plan of the same index (other data, or other weights) whose compiled
    kernels and variant specs this one shares (:meth:`on`).
    """

    edition: Edition
    factors: tuple[Factor, ...]
    like: Plan | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.factors = tuple(self.factors)
        self.nominal: Result = self.edition.baseline
        self.units: tuple[str, ...] = tuple(self.nominal.units)
        like = self.like
        self._specs: dict[str, IndexSpec] = {} if like is None else like._specs
        self.scorer: Scorer = Scorer(self.spec, self.factors, self.units,
                                     source=self._variant_matrix,
                                     kernels=None if like is None else like.scorer._kernels)
        self.nodes = self.scorer.nodes
        self.like = None  # shared what it needed; keep no reference
        self._memo: dict[Any, Any] = {}

    def memo(self, key: Any, make: Callable[[], Any], size: int = 8) -> Any:
        """``make()``, remembered under ``key`` (at most ``size`` entries, oldest dropped):
        results that depend on the plan alone, e.g. a cached plan's baseline ranks under
        a seed that every scenario request shares."""
        if key not in self._memo:
            while len(self._memo) >= size:
                self._memo.pop(next(iter(self._memo)))
            self._memo[key] = make()
        return self._memo[key]

    def on(self, edition: Edition) -> Plan:
        """The same design on another edition of this index -- scenario data, other
        weights (the caller checks it is one) -- sharing kernels and variant specs."""
        return Plan(edition, self.factors, like=self)

    @property
    def spec(self) -> IndexSpec:
        return self.edition.spec

    def build(self, spec: IndexSpec) -> Result:
        """Build ``spec`` on the edition's data, year and fixed parameters."""
        return self.edition.build(spec=spec)

    def _variant_spec(self, changes: dict[str, Any]) -> IndexSpec:
        key = json.dumps(changes, sort_keys=True, default=str)
        if key not in self._specs:
            self._specs[key] = self.spec.with_changes(changes)
        return self._specs[key]

    def _variant_matrix(self, changes: dict[str, Any]) -> np.ndarray | AirankError:
        try:
            spec = self._variant_spec(changes)
            if all(str(p).startswith("methodology.normalise") for p in changes):
                return renormalise(self.nominal, spec, fitted=self.edition.fitted
                                   ).to_numpy(dtype=float)
            res = self.build(spec)
            if tuple(res.units) != self.units:
                raise FactorError([Issue(("factors",), "units_changed",
                                         "A factor option changes which units are kept "
                                         f"({changes}); robustness needs the same units in "
                                         "every replication.", str(changes))])
            return res.stages["normalised"].to_numpy(dtype=float)
        except AirankError as exc:
            return exc

    # -- the scorer's, for callers that hold a plan ----------------------------------
    @property
    def nominal_weights(self) -> np.ndarray:
        return self.scorer.nominal_weights

    def level_nodes(self, level: int) -> np.ndarray:
        return self.scorer.level_nodes(level)

    def siblings(self, level: int) -> list[np.ndarray]:
        return self.scorer.siblings(level)

    def fixed_columns(self) -> np.ndarray:
        return self.scorer.fixed_columns()

    def with_weight_choices(self, options: np.ndarray, weights: np.ndarray) -> np.ndarray:
        return self.scorer.with_weight_choices(options, weights)

    def with_exclusions(self, options: np.ndarray, weights: np.ndarray) -> np.ndarray:
        return self.scorer.with_exclusions(options, weights)

    def variant(self, combo: tuple[int, ...]) -> Variant | AirankError:
        return self.scorer.variant(combo)

    def evaluate(self, draws: Draws) -> tuple[np.ndarray, list[tuple[np.ndarray, str]]]:
        return self.scorer.evaluate(draws)

    def effective(self, W: np.ndarray) -> np.ndarray:
        return self.scorer.effective(W)
