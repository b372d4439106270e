"""Replications to evaluate (:class:`Draws`: options and raw node weights) and which of
their weight columns hold one value in every row (:func:`constant_columns`: what lets
:meth:`~.batch.Scorer.chunks` score groups frozen across a block once)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Draws", "constant_columns"]


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
    fixed : ndarray of bool, shape (n_nodes,), optional
        Nodes whose weight its maker knows to be the same in every row (no factor sets
        it: :meth:`~.batch.Scorer.fixed_columns`); :meth:`~.batch.Scorer.chunks` checks
        only the others for constant columns. None: nothing is known, all are checked.
    """

    options: np.ndarray
    weights: np.ndarray
    fixed: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.weights.shape[0])

    def rows(self, start: int, stop: int) -> Draws:
        """Replications ``start`` to ``stop - 1``."""
        return Draws(self.options[start:stop], self.weights[start:stop], self.fixed)

    def reweighted(self, nominal: np.ndarray, ratio: np.ndarray, wanted: np.ndarray
                   ) -> Draws:
        """The same draws centred on other weights: each node's weight times its
        ``ratio`` to the ``nominal`` one, and ``wanted`` where the nominal weight is 0
        (scaling a column keeps a constant one constant, so ``fixed`` carries over)."""
        return Draws(self.options, np.where(nominal > 0, self.weights * ratio, wanted),
                     self.fixed)


def constant_columns(W: np.ndarray, fixed: np.ndarray | None) -> np.ndarray:
    """Which columns of ``W`` (rows >= 1) hold one value in every row: those ``fixed``
    says do, and of the others those that do (compared in full: a column touched by a
    factor may still be constant, e.g. under zero noise)."""
    if fixed is None:
        return np.asarray((W == W[:1]).all(axis=0))
    const = fixed.copy()
    rest = np.flatnonzero(~fixed)
    if rest.size:
        V = W.take(rest, axis=1)
        const[rest] = (V == V[:1]).all(axis=0)
    return const
