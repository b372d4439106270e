"""Aggregation methods: children's scores (units x children) -> the group's score.

Signature of every method: ``f(X, w, *, params) -> y`` with ``X`` of shape (units,
children), ``w`` the children's nominal weights (each method rescales them to sum to 1
over the children a unit has) and ``y`` of shape (units,).

Missing children (the stated rule): a unit's group score uses the children it has, with
their weights rescaled to sum to 1; it is missing when the children present carry less
than ``min_share`` of the weight (default 0: one child is enough), or when none is present.
This is COINr's default (``na.rm = TRUE``).

References
----------
OECD/JRC (2008), Handbook on Constructing Composite Indicators, step 6;
Munda & Nardo (2009), non-compensatory (Copeland) aggregation.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .methods import AggParams, GeneralisedParams

__all__ = ["AGGREGATORS", "aggregate_group"]

Aggregator = Callable[..., np.ndarray]


class NonPositiveError(ValueError):
    """A mean that takes logs or reciprocals met a value <= 0; ``rows`` names them."""

    def __init__(self, rows: np.ndarray) -> None:
        super().__init__("values must be > 0")
        self.rows = rows


def _weights(X: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    present = ~np.isnan(X)
    W = np.where(present, w, 0.0)
    have = W.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        Wn = W / have[:, None]
    return np.nan_to_num(X), Wn, have / w.sum()


def _finish(y: np.ndarray, share: np.ndarray, params: AggParams) -> np.ndarray:
    total_ok = share > 0
    keep = total_ok & (share >= params.min_share - 1e-12)
    return np.where(keep, y, np.nan)


def _positive(X: np.ndarray, w: np.ndarray) -> None:
    bad = np.any(X[:, w > 0] <= 0, axis=1)  # NaN compares False
    if bad.any():
        raise NonPositiveError(np.flatnonzero(bad))


def _sum(terms: np.ndarray) -> np.ndarray:
    """Row sums accumulated in extended precision, then rounded once to double.

    The result is (almost always) the correctly rounded sum whatever the order of the
    children, so units tied in exact arithmetic stay tied; it is also how R sums, which
    makes our scores and ranks equal COINr's.
    """
    total: np.ndarray = np.sum(terms.astype(np.longdouble), axis=1)
    return total.astype(float)


def arithmetic(X: np.ndarray, w: np.ndarray, *, params: AggParams) -> np.ndarray:
    """Weighted arithmetic mean."""
    X0, Wn, share = _weights(X, w)
    return _finish(_sum(X0 * Wn), share, params)


def geometric(X: np.ndarray, w: np.ndarray, *, params: AggParams) -> np.ndarray:
    """Weighted geometric mean, ``exp(sum w log x)``; values must be > 0."""
    _positive(X, w)
    X0, Wn, share = _weights(X, w)
    with np.errstate(divide="ignore"):
        logs = np.where(Wn > 0, np.log(np.where(X0 > 0, X0, 1.0)), 0.0)
    return _finish(np.exp(np.sum(Wn * logs, axis=1)), share, params)


def harmonic(X: np.ndarray, w: np.ndarray, *, params: AggParams) -> np.ndarray:
    """Weighted harmonic mean, ``1 / sum(w / x)``; values must be > 0."""
    _positive(X, w)
    X0, Wn, share = _weights(X, w)
    inv = np.where(Wn > 0, Wn / np.where(X0 > 0, X0, 1.0), 0.0)
    with np.errstate(divide="ignore"):
        return _finish(1.0 / inv.sum(axis=1), share, params)


def generalised(X: np.ndarray, w: np.ndarray, *, params: GeneralisedParams) -> np.ndarray:
    """Weighted power mean ``(sum w x^p)^(1/p)``; p = 0 is the geometric mean."""
    if params.p == 0:
        return geometric(X, w, params=params)
    if params.p != 1:
        _positive(X, w)
    X0, Wn, share = _weights(X, w)
    powered = np.where(Wn > 0, np.power(np.where(X0 > 0, X0, 1.0), params.p), 0.0)
    if params.p == 1:
        powered = X0
    return _finish(np.sum(Wn * powered, axis=1) ** (1 / params.p), share, params)


def copeland(X: np.ndarray, w: np.ndarray, *, params: AggParams) -> np.ndarray:
    """Copeland score (non-compensatory): wins minus losses in weighted pairwise votes.

    Unit a beats b when the weight of the children where a scores higher (ties count
    half) exceeds the weight where b does. Only children both units have are compared.
    """
    X0, _, share = _weights(X, w)
    present = ~np.isnan(X)
    both = present[:, None, :] & present[None, :, :]
    Wb = np.where(both, w, 0.0)
    gt = (X0[:, None, :] > X0[None, :, :]) & both
    eq = (X0[:, None, :] == X0[None, :, :]) & both
    om = np.sum(Wb * (gt + 0.5 * eq), axis=2)
    score = np.sign(om - om.T)
    np.fill_diagonal(score, 0)
    return _finish(score.sum(axis=1).astype(float), share, params)


AGGREGATORS: dict[str, Aggregator] = {
    "arithmetic": arithmetic,
    "geometric": geometric,
    "harmonic": harmonic,
    "generalised": generalised,
    "copeland": copeland,
}


def aggregate_group(X: np.ndarray, w: np.ndarray, method: str, params: AggParams) -> np.ndarray:
    """Aggregate one group with the named method (weights rescaled over present children)."""
    return AGGREGATORS[method](np.asarray(X, dtype=float), np.asarray(w, dtype=float),
                               params=params)
