"""Batched evaluation of many index variants at once: the engine of the robustness analyses.

A :class:`Plan` builds, once, the normalised matrix of every pipeline variant the factors
can ask for (only factors acting before aggregation need one), and the compiled scoring
kernel (:class:`airank.kernel.Kernel`) of every aggregation option. :meth:`Plan.evaluate`
then scores any number of replications -- each a variant, an aggregation option and a
vector of raw node weights -- through that kernel, the one that :func:`airank.build` uses
for a single replication.

Replications are described by :class:`Draws`; turning factors into draws is the job of
:mod:`airank.analysis.robustness.uncertainty` and :mod:`airank.analysis.robustness.sensitivity`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...edition import Edition
from ...errors import AirankError, FactorError, Issue
from ...kernel import Kernel
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
    """Everything precomputed for batched evaluation of an edition under ``factors``.

    The edition (spec, data, year, fixed goalposts) says which index; the plan adds the
    robustness design: the normalised matrix of every pipeline variant the factors can ask
    for (built lazily, cached) and the compiled kernel of every aggregation option.
    """

    edition: Edition
    factors: tuple[Factor, ...]
    nominal: Result = field(init=False)
    nodes: tuple[str, ...] = field(init=False)
    units: tuple[str, ...] = field(init=False)
    _variants: dict[tuple[int, ...], Any] = field(init=False, default_factory=dict)
    _kernels: dict[tuple[int, ...], Kernel] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.factors = tuple(self.factors)
        self.nominal = self.edition.baseline
        self.nodes = tuple(c for c in self.spec.codes if c != self.spec.index_code)
        self.units = tuple(self.nominal.units)
        self._pre = [i for i, f in enumerate(self.factors) if not f.after_normalisation]
        self._agg = [i for i, f in enumerate(self.factors)
                     if f.kind == "choice" and f.path is not None
                     and f.path.startswith("methodology.aggregate")]
        self._wchoice = [i for i, f in enumerate(self.factors)
                         if f.kind == "choice" and f.after_normalisation and i not in self._agg]
        self._pos = {c: j for j, c in enumerate(self.nodes)}
        self._n_ind = len(self.spec.indicator_codes)
        self._kernels[()] = Kernel.compile(self.spec)
        for combo in itertools.product(*[range(self.factors[i].n_options) for i in self._agg]):
            self._kernels[combo] = self._kernel(combo)

    @property
    def spec(self) -> IndexSpec:
        return self.edition.spec

    def build(self, spec: IndexSpec) -> Result:
        """Build ``spec`` on the edition's data, year and fixed parameters."""
        return self.edition.build(spec=spec)

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

    def _kernel(self, combo: tuple[int, ...]) -> Kernel:
        spec = self.spec.with_changes(self._changes(self._agg, combo)) if combo else self.spec
        kernel = Kernel.compile(spec)
        kernel.check_batched()
        return kernel

    def variant(self, combo: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray] | AirankError:
        """The normalised matrix (units x indicators) of a pipeline variant and its nodes
        without data (they weigh 0), or the error that variant raised."""
        if combo not in self._variants:
            try:
                spec = self.spec.with_changes(self._changes(self._pre, combo))
                res = self.build(spec)
                if tuple(res.units) != self.units:
                    raise FactorError([Issue(("factors",), "units_changed",
                                             "A factor option changes which units are kept "
                                             f"(variant {combo}); robustness needs the same "
                                             "units in every replication.", list(combo))])
                X = res.stages["normalised"].to_numpy(dtype=float)
                self._variants[combo] = (X, self._kernels[()].dead(X))
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
            kernel = self._kernels[tuple(int(v) for v in key[pre.shape[1]:])]
            res = kernel.evaluate(X, W[rows], dead=dead)
            out[rows] = res.index
            for bad, msg, _, _ in res.errors:
                failures.append((rows[bad], msg))
        return out, failures

    def effective(self, W: np.ndarray) -> np.ndarray:
        """Effective weight of every indicator in the index, shape (R, indicators)."""
        return self._kernels[()].effective(W)
