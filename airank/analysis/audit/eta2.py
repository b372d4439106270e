"""The main effect of a component on an aggregate: the correlation ratio eta^2 with a
bootstrap interval.

``eta^2 = V[E(y | x)] / V(y)`` is estimated by least squares on a fixed basis in ``x``:
a cubic regression spline with ``df`` coefficients (knots at quantiles of ``x``), or
``df`` quantile bins (binned means, as in Paruolo, Saisana & Saltelli 2013), or, for an
``x`` with fewer than :data:`MIN_DISTINCT` distinct values, one mean per value (the
classical correlation ratio of a grouped variable). A least-squares fit on a fixed basis
is a projection, so the explained share ``1 - RSS / TSS`` lies in [0, 1] by
construction: unlike a smoothing spline whose penalty is chosen by cross-validation, it
cannot explain more than the variance there is. The share is then adjusted for the
coefficients fitted (``1 - (RSS / (n - p)) / (TSS / (n - 1))``, the adjusted R^2), which
removes the upward bias of fitting noise, and clipped to [0, 1].

The interval is the percentile interval of the same estimator over bootstrap
resamples of the (x, y) pairs, the basis kept fixed; every resample is solved at once
(batched normal equations).

Measured on an additive model with known main effects (``tests/test_importance.py``:
``y = x1 + 2 x2^2 + sin(2 pi x3) / 2 + N(0, 0.3^2)``, ``x ~ U(0, 1)``, n = 175, 200
seeds): mean absolute error 0.03-0.04 per component, 90% interval coverage 0.88-0.94.

References
----------
Paruolo, P., Saisana, M. & Saltelli, A. (2013). Ratings and rankings: voodoo or
science? Journal of the Royal Statistical Society A 176(3), 609-634.
Efron, B. & Tibshirani, R. J. (1993). An Introduction to the Bootstrap, ch. 13.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.interpolate import BSpline

from ...errors import DataError, Issue
from ...seeds import resolve_seed

__all__ = ["MIN_DISTINCT", "MainEffect", "basis", "eta2", "main_effect"]

Method = Literal["spline", "bins", "linear"]
#: Fewer distinct x values than this and x is treated as grouped (one mean per value).
MIN_DISTINCT = 8
Array = NDArray[np.float64]


@dataclass(frozen=True)
class MainEffect:
    """A main effect and its bootstrap interval.

    Attributes
    ----------
    eta2 : float
        The estimate, in [0, 1] (NaN with fewer than 3 complete pairs).
    low, high : float
        The bootstrap percentile interval at ``level`` (NaN without a bootstrap).
    n : int
        Complete pairs used.
    p : int
        Coefficients fitted (the basis' rank).
    basis : str
        ``spline``, ``bins``, ``groups`` (one mean per distinct x) or ``linear``.
    """

    eta2: float
    low: float
    high: float
    n: int
    p: int
    basis: str


def complete_pairs(x: ArrayLike, y: ArrayLike) -> tuple[Array, Array]:
    """The pairs of ``x`` and ``y`` where both are finite (equal lengths required)."""
    xa = np.asarray(x, dtype=np.float64).ravel()
    ya = np.asarray(y, dtype=np.float64).ravel()
    if xa.shape != ya.shape:
        raise DataError([Issue(("x",), "length_mismatch",
                               f"x and y must have equal length. Got {xa.size} and {ya.size}.")])
    ok = np.isfinite(xa) & np.isfinite(ya)
    return xa[ok], ya[ok]


def basis(x: Array, method: Method = "spline", df: int = 5) -> tuple[Array, str]:
    """The design matrix (n x p, constants in its span) on which y is regressed."""
    if method not in ("spline", "bins", "linear"):
        raise DataError([Issue(("method",), "unknown_method", "method must be 'spline', "
                               f"'bins' or 'linear'. Got {method!r}.", method)])
    n = x.size
    ux = np.unique(x)
    if method == "linear" or n < df + 3 or ux.size < 2:
        return np.column_stack([np.ones(n), x]), "linear"
    if ux.size < MIN_DISTINCT:
        if n - ux.size >= 2:
            return (x[:, None] == ux[None, :]).astype(np.float64), "groups"
        return np.column_stack([np.ones(n), x]), "linear"
    cuts = np.quantile(ux if method == "spline" else x, np.linspace(0, 1, df + 1)[1:-1]
                       if method == "bins" else np.linspace(0, 1, df - 2)[1:-1])
    if method == "bins":
        edges = np.unique(cuts)
        bins = np.searchsorted(edges, x, side="right")
        return (bins[:, None] == np.unique(bins)[None, :]).astype(np.float64), "bins"
    lo, hi = float(ux[0]), float(ux[-1])
    knots = np.r_[[lo] * 4, np.unique(cuts[(cuts > lo) & (cuts < hi)]), [hi] * 4]
    return BSpline.design_matrix(x, knots, 3).toarray(), "spline"


def _adjusted(rss: Array, tss: Array, n: int, p: int) -> Array:
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = 1 - (rss / (n - p)) / (tss / (n - 1))
    out: Array = np.clip(np.where(tss > 0, r2, 0.0), 0.0, 1.0)
    return out


def eta2(x: ArrayLike, y: ArrayLike, *, method: Method = "spline", df: int = 5) -> float:
    """The adjusted correlation ratio of ``y`` on ``x`` (see the module docstring).

    Examples
    --------
    >>> x = np.linspace(-1, 1, 41)
    >>> round(eta2(x, 2 * x + 1), 6)
    1.0
    """
    return main_effect(x, y, method=method, df=df, n_boot=0).eta2


def main_effect(x: ArrayLike, y: ArrayLike, *, method: Method = "spline", df: int = 5,
                n_boot: int = 500, level: float = 0.9, seed: int | None = 0) -> MainEffect:
    """eta^2 of ``y`` on ``x`` and its bootstrap percentile interval.

    Parameters
    ----------
    x, y : array_like, shape (n,)
        Pairs with a NaN are dropped.
    method : {"spline", "bins", "linear"}
        The basis: cubic regression spline, quantile bins (both with ``df``
        coefficients) or a straight line (eta^2 = Pearson's r^2).
    n_boot : int
        Bootstrap resamples (0: no interval).
    level : float
        Coverage of the interval.
    seed : int or None
        The resampling seed (:func:`airank.seeds.resolve_seed`; None draws one).
    """
    xa, ya = complete_pairs(x, y)
    n = xa.size
    if n < 3:
        return MainEffect(float("nan"), float("nan"), float("nan"), n, 0, "none")
    X, kind = basis(xa, method, df)
    p = int(np.linalg.matrix_rank(X))
    beta, *_ = np.linalg.lstsq(X, ya, rcond=None)
    rss = np.array([float(np.sum((ya - X @ beta) ** 2))])
    tss = np.array([float(np.sum((ya - ya.mean()) ** 2))])
    est = float(_adjusted(rss, tss, n, p)[0])
    if n_boot <= 0 or tss[0] <= 0:
        return MainEffect(est, float("nan"), float("nan"), n, p, kind)
    boot = _bootstrap(X, ya, n_boot, np.random.default_rng(resolve_seed(seed)), p)
    a = (1 - level) / 2
    low, high = np.quantile(boot, [a, 1 - a])
    return MainEffect(est, float(low), float(high), n, p, kind)


def _bootstrap(X: Array, y: Array, n_boot: int, rng: np.random.Generator, p: int) -> Array:
    """The estimator on ``n_boot`` resamples of the rows, solved as one batch."""
    n, k = X.shape
    out = np.empty(n_boot)
    for start in range(0, n_boot, 250):  # bounded memory: 250 x n x k at a time
        idx = rng.integers(0, n, size=(min(250, n_boot - start), n))
        Xb, yb = X[idx], y[idx]
        xtx = np.einsum("bni,bnj->bij", Xb, Xb) + 1e-10 * np.eye(k)
        beta = np.linalg.solve(xtx, np.einsum("bni,bn->bi", Xb, yb)[..., None])[..., 0]
        rss = np.sum((yb - np.einsum("bni,bi->bn", Xb, beta)) ** 2, axis=1)
        tss = np.sum((yb - yb.mean(axis=1, keepdims=True)) ** 2, axis=1)
        out[start:start + idx.shape[0]] = _adjusted(rss, tss, n, p)
    return out
