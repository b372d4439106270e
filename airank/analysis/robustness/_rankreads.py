"""What :class:`~.ranks.RankStats` reports: quantiles, means, shift shares, the summary
(its reading half; the storage and the feeding are in :mod:`._rankstats`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from airank.errors import DataError, Issue

from . import _rankwindows as rw
from ._rankcheck import check_q, order_index

__all__ = ["RankReading"]


class RankReading:
    """The readers of :class:`~.ranks.RankStats` (they see the counts through
    :meth:`_settled`, the width every reader sees)."""

    n_units: int
    units: list[object]
    _n_valid: NDArray[np.int64]
    _rank_sum: NDArray[np.int64]

    def _settled(self) -> tuple[rw.Layout, NDArray[np.int32]]:
        raise NotImplementedError

    @property
    def n_valid(self) -> NDArray[np.int64]:
        """Replications with a valid rank, per unit."""
        return self._n_valid.copy()

    @property
    def counts(self) -> NDArray[np.int64]:
        """Dense counts, shape ``(n_units, ceil(n_units / width))``: ``counts[u, b]`` is the
        number of replications where unit ``u`` had a rank in bin ``b`` (rank ``b + 1``
        when exact). Built on request: ``n_units**2`` cells when exact."""
        lay, table = self._settled()
        n_bins = -(-self.n_units // lay.width)
        dense = np.zeros((self.n_units, n_bins), dtype=np.int64)
        u = np.repeat(np.arange(self.n_units), lay.size)
        col = np.arange(lay.cells) - lay.start[u] + lay.lo[u]
        dense[u, col] = table
        return dense

    def quantile(self, q: float | ArrayLike) -> NDArray[np.float64]:
        """Rank quantiles per unit: the inverted empirical CDF (type 1, integer ranks).

        Returns shape ``(n_units,)`` for scalar ``q``, else ``(len(q), n_units)``; float64
        holding integers, NaN for units without a valid rank. Equal to
        ``np.nanquantile(ranks, q, axis=0, method="inverted_cdf")`` when :attr:`exact`.
        """
        qs = check_q(q)
        n = self._n_valid
        targets = order_index(n, np.atleast_1d(qs)) + 1
        targets = np.minimum(targets, np.maximum(n, 1))
        lay, table = self._settled()
        out = rw.select_ranks(table, lay, targets, self.n_units)
        out[:, n == 0] = np.nan
        return out[0] if qs.ndim == 0 else out

    def median(self) -> NDArray[np.float64]:
        """Median rank per unit (the 0.5 quantile: the lower middle rank for even counts)."""
        return self.quantile(0.5)

    def mean(self) -> NDArray[np.float64]:
        """Mean rank per unit, exact (NaN where no valid rank)."""
        n = self._n_valid
        out = np.full(self.n_units, np.nan)
        return np.asarray(np.divide(self._rank_sum, n, out=out, where=n > 0), dtype=np.float64)

    def share_beyond(self, nominal: ArrayLike, k: float = 0) -> NDArray[np.float64]:
        """Share of valid replications with ``|rank - nominal| > k``, per unit.

        Exact when :attr:`exact`; with bins, within the shares for ``k + width - 1`` and
        ``k - width + 1``.
        """
        nom = np.asarray(nominal, dtype=np.float64)
        issues = []
        if nom.shape != (self.n_units,) or not np.isfinite(nom).all():
            msg = f"nominal must be {self.n_units} finite ranks. Got shape {nom.shape}."
            issues.append(Issue(("nominal",), "bad_shape", msg, nom.shape))
        if not np.isfinite(k) or k < 0:
            issues.append(Issue(("k",), "out_of_range", f"k must be a number >= 0. Got {k}.", k))
        DataError.collect(issues)
        n = self._n_valid
        below = np.ceil(nom - k).astype(np.int64) - 1  # largest rank with nominal - r > k
        above = np.floor(nom + k).astype(np.int64)  # ranks <= this are not above
        lay, t = self._settled()
        hits = (rw.count_le(t, lay, below, self.n_units, n)
                + n - rw.count_le(t, lay, above, self.n_units, n))
        out = np.full(self.n_units, np.nan)
        return np.asarray(np.divide(hits, n, out=out, where=n > 0), dtype=np.float64)

    def summary(self, nominal: ArrayLike | None = None, k: float = 0) -> pd.DataFrame:
        """One row per unit: median, mean, q05, q95 and, given ``nominal``, the shift share.

        Columns: ``median``, ``mean``, ``q05``, ``q95``, ``n_valid`` and, when
        ``nominal`` is given, ``nominal`` and ``share_beyond_k``. Medians and quantiles
        are integer ranks held as float64 (NaN for a unit without a valid rank).
        """
        q05, median, q95 = self.quantile([0.05, 0.5, 0.95])
        frame = pd.DataFrame(
            {"median": median, "mean": self.mean(), "q05": q05, "q95": q95,
             "n_valid": self.n_valid},
            index=pd.Index(self.units, name="unit"),
        )
        if nominal is not None:
            frame["nominal"] = np.asarray(nominal, dtype=np.float64)
            frame["share_beyond_k"] = self.share_beyond(nominal, k)
        return frame
