"""Ranking kernels for Monte Carlo: vectorised ranks and a bounded-memory rank summary.

:func:`rank_desc` turns score matrices (replications x units) into competition ranks
(1 = highest score, ties share the smallest rank). :class:`RankStats` accumulates
chunks of such rank matrices into a count table (units x ranks), from which exact
quantiles, means and shift shares follow without storing every replication: a
million replications of 150 units need a 150 x 150 table, not 1.2 GB of ranks.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from airank.errors import DataError, Issue

__all__ = ["RankStats", "rank_desc"]


def rank_desc(scores: ArrayLike, axis: int = -1) -> NDArray[np.int64] | NDArray[np.float64]:
    """Rank scores from highest to lowest, ties sharing the best rank.

    The ranking is R's ``rank(-x, ties.method = "min", na.last = "keep")``
    (competition ranking, "1224"): rank 1 is the highest score, tied units all get
    the smallest rank of their group and the next unit skips accordingly. NaN
    scores get NaN ranks and do not count for the other units.

    Parameters
    ----------
    scores : array_like
        Scores, any shape; typically ``(n_replications, n_units)``.
    axis : int, default -1
        The axis along which units are ranked (each slice is ranked on its own).

    Returns
    -------
    numpy.ndarray
        Ranks, same shape as ``scores``: ``int64`` when there is no NaN, else
        ``float64`` with NaN where the score is NaN.

    Notes
    -----
    One unstable ``argsort`` per slice, then a vectorised fix-up: in sorted order a
    unit's rank is its position, or the position where its run of equal scores
    starts (a running maximum of the run starts). This beats pairwise comparison
    (O(n^2)) and ``scipy.stats.rankdata`` about fourfold for 50-150 units.

    Examples
    --------
    >>> rank_desc([3.0, 5.0, 3.0, 1.0]).tolist()
    [2, 1, 2, 4]
    >>> rank_desc([[1.0, float("nan"), 2.0]]).tolist()
    [[2.0, nan, 1.0]]
    """
    x = np.asarray(scores, dtype=np.float64)
    if x.ndim == 0:
        raise DataError([Issue(("scores",), "not_array", "Scores must have at least 1 axis.", x)])
    moved = np.moveaxis(x, axis, -1)
    ranks = _rank_last_axis(moved)
    missing = np.isnan(moved)
    if missing.any():
        out = ranks.astype(np.float64)
        out[missing] = np.nan
        return np.moveaxis(out, -1, axis)
    return np.moveaxis(ranks, -1, axis)


def _rank_last_axis(x: NDArray[np.float64]) -> NDArray[np.int64]:
    # NaN sorts last after negation, so it never outranks a number.
    order = np.argsort(-x, axis=-1)
    ranked = np.take_along_axis(x, order, axis=-1)
    n = x.shape[-1]
    position = np.broadcast_to(np.arange(1, n + 1, dtype=np.int64), x.shape)
    tie = ranked[..., 1:] == ranked[..., :-1]
    if tie.any():
        position = position.copy()
        position[..., 1:][tie] = 0
        np.maximum.accumulate(position, axis=-1, out=position)
    ranks = np.empty(x.shape, dtype=np.int64)
    np.put_along_axis(ranks, order, position, axis=-1)
    return ranks


class RankStats:
    """Accumulate rank matrices into a (units x ranks) count table.

    Feed chunks of ranks, shape ``(chunk, n_units)`` as returned by
    :func:`rank_desc`, with :meth:`update`; read exact summaries at any time.
    Memory is ``n_units**2`` integers whatever the number of replications.

    Parameters
    ----------
    n_units : int
        Number of units (columns of every chunk); ranks lie in ``1..n_units``.
    units : sequence, optional
        Unit labels used by :meth:`summary`; default ``0..n_units-1``.

    Attributes
    ----------
    counts : numpy.ndarray of int64, shape (n_units, n_units)
        ``counts[u, r - 1]`` is the number of replications where unit ``u`` had rank
        ``r``.
    n_missing : numpy.ndarray of int64, shape (n_units,)
        Replications where the unit's rank was NaN (not counted in ``counts``).

    Notes
    -----
    Quantiles use numpy's default ``method="linear"``, which is R's default
    ``quantile(type = 7)``: with ``n`` valid ranks sorted as ``x[0..n-1]``, the
    q-quantile is ``x[j] + g * (x[j+1] - x[j])`` where ``j + g = q * (n - 1)``.
    Results equal ``np.nanquantile`` on the stacked rank matrix.

    Examples
    --------
    >>> stats = RankStats(3)
    >>> stats.update(rank_desc([[3.0, 2.0, 1.0], [1.0, 2.0, 3.0]]))
    >>> stats.median().tolist()
    [2.0, 2.0, 2.0]
    """

    def __init__(self, n_units: int, units: Sequence[object] | None = None) -> None:
        if n_units < 1:
            raise DataError([Issue(("n_units",), "too_small", "n_units must be >= 1.", n_units)])
        if units is not None and len(units) != n_units:
            msg = f"units must have n_units={n_units} labels. Got {len(units)}."
            raise DataError([Issue(("units",), "length_mismatch", msg, len(units))])
        self.n_units = int(n_units)
        self.units: list[object] = list(units) if units is not None else list(range(n_units))
        self.counts = np.zeros((n_units, n_units), dtype=np.int64)
        self.n_missing = np.zeros(n_units, dtype=np.int64)
        self.n_replications = 0

    def update(self, ranks: ArrayLike) -> None:
        """Add a chunk of ranks, shape ``(chunk, n_units)``; NaN ranks count as missing."""
        r = np.asarray(ranks)
        if r.ndim != 2 or r.shape[1] != self.n_units:
            msg = f"A chunk must have shape (chunk, {self.n_units}). Got {r.shape}."
            raise DataError([Issue(("ranks",), "bad_shape", msg, r.shape)])
        n = self.n_units
        valid: NDArray[np.bool_] | None = None
        if np.issubdtype(r.dtype, np.floating):
            missing = np.isnan(r)
            self.n_missing += missing.sum(axis=0)
            filled = np.where(missing, 1.0, r)
            if np.any(filled != np.floor(filled)):
                _raise_out_of_range(n)
            valid = None if not missing.any() else ~missing
            r = filled
        ints = r.astype(np.int64, copy=False)
        if ints.size and (ints.min() < 1 or ints.max() > n):
            _raise_out_of_range(n)
        # bincount on a flat (unit, rank) key is far faster than np.add.at.
        key = (ints - 1) + (np.arange(n, dtype=np.int64) * n)
        flat = np.bincount(key.ravel() if valid is None else key[valid], minlength=n * n)
        self.counts += flat.reshape(n, n)
        self.n_replications += r.shape[0]

    def update_order(self, order: ArrayLike, *, ascending: bool = False) -> None:
        """Add a chunk given as orders, skipping the rank matrix (no ties, no NaN).

        ``order[r, j]`` is the unit ranked ``j + 1`` in replication ``r`` -- or, with
        ``ascending=True`` (``np.argsort`` of the scores as it comes), ranked ``n - j``.
        """
        o = np.asarray(order, dtype=np.int64)
        n = self.n_units
        if o.ndim != 2 or o.shape[1] != n:
            msg = f"A chunk must have shape (chunk, {n}). Got {o.shape}."
            raise DataError([Issue(("order",), "bad_shape", msg, o.shape)])
        pos = np.arange(n, dtype=np.int64)
        key = o * n + (pos[::-1] if ascending else pos)
        self.counts += np.bincount(key.ravel(), minlength=n * n).reshape(n, n)
        self.n_replications += o.shape[0]

    def merge(self, other: RankStats) -> RankStats:
        """A new accumulator holding both tables (e.g. from parallel workers)."""
        if other.n_units != self.n_units:
            msg = f"Cannot merge {other.n_units} units into {self.n_units}."
            raise DataError([Issue(("other",), "length_mismatch", msg, other.n_units)])
        out = RankStats(self.n_units, self.units)
        out.counts = self.counts + other.counts
        out.n_missing = self.n_missing + other.n_missing
        out.n_replications = self.n_replications + other.n_replications
        return out

    @property
    def n_valid(self) -> NDArray[np.int64]:
        """Replications with a valid rank, per unit."""
        return np.asarray(self.counts.sum(axis=1), dtype=np.int64)

    def quantile(self, q: float | ArrayLike) -> NDArray[np.float64]:
        """Rank quantiles per unit (R type 7 / numpy "linear").

        Returns shape ``(n_units,)`` for scalar ``q``, else ``(len(q), n_units)``.
        Units without a valid rank get NaN.
        """
        qs = np.asarray(q, dtype=np.float64)
        if np.any((qs < 0) | (qs > 1)):
            raise DataError([Issue(("q",), "out_of_range", "Quantiles must be in [0, 1].", q)])
        out = np.stack([self._quantile_one(float(p)) for p in np.atleast_1d(qs)])
        return out[0] if qs.ndim == 0 else out

    def _quantile_one(self, q: float) -> NDArray[np.float64]:
        n = self.n_valid
        cum = np.cumsum(self.counts, axis=1)
        # Same virtual index as numpy's linear method: n*q + (1 - q) - 1.
        virtual = n * q + (1.0 + q * (1.0 - 2.0)) - 1.0
        lower = np.floor(virtual)
        g = virtual - lower
        lo = lower.astype(np.int64)
        hi = np.minimum(lo + 1, np.maximum(n - 1, 0))
        a = self._order_stat(cum, lo)
        b = self._order_stat(cum, hi)
        # numpy's _lerp, so results agree to the last bit as often as possible.
        out = a + (b - a) * g
        out = np.where(g >= 0.5, b - (b - a) * (1.0 - g), out)
        return np.asarray(np.where(n > 0, out, np.nan), dtype=np.float64)

    @staticmethod
    def _order_stat(cum: NDArray[np.int64], k: NDArray[np.int64]) -> NDArray[np.float64]:
        # The k-th smallest (0-based) rank is 1 + the number of ranks whose cum count <= k.
        return np.asarray(1.0 + (cum <= k[:, None]).sum(axis=1), dtype=np.float64)

    def median(self) -> NDArray[np.float64]:
        """Median rank per unit (the 0.5 quantile)."""
        return self.quantile(0.5)

    def mean(self) -> NDArray[np.float64]:
        """Mean rank per unit (NaN where no valid rank)."""
        total = self.counts @ np.arange(1, self.n_units + 1, dtype=np.float64)
        n = self.n_valid
        return np.asarray(np.divide(total, n, out=np.full(self.n_units, np.nan), where=n > 0))

    def share_beyond(self, nominal: ArrayLike, k: float = 0) -> NDArray[np.float64]:
        """Share of valid replications with ``|rank - nominal| > k``, per unit."""
        nom = np.asarray(nominal, dtype=np.float64)
        if nom.shape != (self.n_units,):
            msg = f"nominal must have shape ({self.n_units},). Got {nom.shape}."
            raise DataError([Issue(("nominal",), "bad_shape", msg, nom.shape)])
        grid = np.arange(1, self.n_units + 1, dtype=np.float64)
        far = np.abs(grid[None, :] - nom[:, None]) > k
        n = self.n_valid
        hits = (self.counts * far).sum(axis=1).astype(np.float64)
        return np.asarray(np.divide(hits, n, out=np.full(self.n_units, np.nan), where=n > 0))

    def summary(self, nominal: ArrayLike | None = None, k: float = 0) -> pd.DataFrame:
        """One row per unit: median, mean, q05, q95 and, given ``nominal``, the shift share.

        Columns: ``median``, ``mean``, ``q05``, ``q95``, ``n_valid`` and, when
        ``nominal`` is given, ``nominal`` and ``share_beyond_k``.
        """
        q05, q95 = self.quantile([0.05, 0.95])
        frame = pd.DataFrame(
            {"median": self.median(), "mean": self.mean(), "q05": q05, "q95": q95,
             "n_valid": self.n_valid},
            index=pd.Index(self.units, name="unit"),
        )
        if nominal is not None:
            frame["nominal"] = np.asarray(nominal, dtype=np.float64)
            frame["share_beyond_k"] = self.share_beyond(nominal, k)
        return frame


def _raise_out_of_range(n: int) -> None:
    msg = f"Ranks must be integers in 1..{n} (or NaN)."
    raise DataError([Issue(("ranks",), "out_of_range", msg)])
