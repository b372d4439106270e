"""Importance of components versus their weights, and internal consistency.

A weight says how much a component *should* count; its main effect on the aggregate,
the correlation ratio ``eta^2 = V[E(y | x)] / V(y)``, says how much it *does*
(Paruolo, Saisana & Saltelli 2013). :func:`main_effects` sets the two side by side
within one parent and flags large gaps. :func:`cronbach_alpha` and
:func:`correlations` are the classic consistency checks of the OECD/JRC Handbook.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from airank.errors import DataError, Issue

from .eta2 import complete_pairs, eta2, main_effect

__all__ = ["Alpha", "correlation_ratio", "correlations", "cronbach_alpha", "main_effects"]

def correlation_ratio(
    x: ArrayLike, y: ArrayLike, *, method: Literal["spline", "bins", "linear"] = "spline",
    df: int = 5,
) -> float:
    """Pearson's correlation ratio ``eta^2 = V[E(y | x)] / V(y)`` (first-order effect).

    Parameters
    ----------
    x, y : array_like, shape (n,)
        Component and aggregate; pairs with a NaN are dropped.
    method : {"spline", "bins", "linear"}, default "spline"
        ``E(y | x)`` fitted by least squares on a cubic regression spline with ``df``
        coefficients, on ``df`` quantile bins, or on a straight line (Pearson's r^2);
        an ``x`` with few distinct values is grouped (one mean per value). See
        :mod:`airank.analysis.audit.eta2`.

    Returns
    -------
    float
        The adjusted explained share, in [0, 1] by construction; NaN with fewer than 3
        complete pairs; 0 if y is constant.

    References
    ----------
    Paruolo, P., Saisana, M. & Saltelli, A. (2013). Ratings and rankings: voodoo or
    science? Journal of the Royal Statistical Society A 176(3), 609-634.

    Examples
    --------
    >>> x = np.linspace(-1, 1, 41)
    >>> round(correlation_ratio(x, 2 * x + 1), 6)
    1.0
    """
    return eta2(x, y, method=method, df=df)


def main_effects(
    children: pd.DataFrame,
    parent: pd.Series,
    nominal_weights: Mapping[str, float] | pd.Series,
    effective_weights: Mapping[str, float] | pd.Series | None = None,
    *,
    ratio: float = 2.0,
    gap: float = 0.1,
    n_boot: int = 500,
    seed: int | None = 0,
) -> pd.DataFrame:
    """Main effects of a parent's children set against their weights.

    Parameters
    ----------
    children : DataFrame
        index: units; columns: child codes (their scores).
    parent : Series
        The parent's aggregate score, indexed like ``children``.
    nominal_weights : mapping or Series
        Weight of each child code (any scale; normalised to sum 1 within the parent).
    effective_weights : mapping or Series, optional
        The children's weights as they act on the parent (e.g. after rescaling);
        when given, they are the reference the importance is compared with.
    ratio, gap : float
        Flag thresholds, see Returns.
    n_boot, seed : int
        Bootstrap resamples for the 90% interval of eta^2 (0: none), and their seed.

    Returns
    -------
    DataFrame
        One row per child, columns ``child``, ``nominal_weight``, ``effective_weight``
        (NaN if not given), ``eta2`` (:func:`correlation_ratio`), ``eta2_low`` and
        ``eta2_high`` (its 90% bootstrap interval), ``eta2_normalised`` (eta^2 rescaled to sum 1
        within the parent, as Paruolo et al. compare with normalised weights),
        ``pearson_r`` and ``flag``: True when the normalised importance and the
        normalised reference weight ``w`` differ by more than ``gap`` in absolute
        terms, or their ratio lies outside ``[1 / ratio, ratio]``.
    """
    codes = [str(c) for c in children.columns]
    nominal = _weights(nominal_weights, codes, "nominal_weights")
    effective = (_weights(effective_weights, codes, "effective_weights")
                 if effective_weights is not None else np.full(len(codes), np.nan))
    y = parent.reindex(children.index).to_numpy(dtype=np.float64)
    fx = [main_effect(children[c].to_numpy(dtype=np.float64), y, n_boot=n_boot, seed=seed)
          for c in children.columns]
    eta = np.array([f.eta2 for f in fx])
    r = np.array([_pearson(children[c].to_numpy(dtype=np.float64), y) for c in children.columns])
    total = np.nansum(eta)
    eta_n = eta / total if total > 0 else np.full(len(codes), np.nan)
    ref = effective if effective_weights is not None else nominal
    ref_n = ref / ref.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        far = (eta_n > ratio * ref_n) | (eta_n < ref_n / ratio)
    flag = (np.abs(eta_n - ref_n) > gap) | far
    return pd.DataFrame({"child": codes, "nominal_weight": nominal,
                         "effective_weight": effective, "eta2": eta,
                         "eta2_low": [f.low for f in fx], "eta2_high": [f.high for f in fx],
                         "eta2_normalised": eta_n,
                         "pearson_r": r, "flag": flag & np.isfinite(eta_n)})


def _weights(
    w: Mapping[str, float] | pd.Series, codes: list[str], name: str
) -> NDArray[np.float64]:
    missing = [c for c in codes if c not in w]
    if missing:
        raise DataError([Issue((name,), "missing_weight",
                               f"{name} has no weight for {missing}.", missing)])
    return np.array([float(w[c]) for c in codes])


def _pearson(x: NDArray[np.float64], y: NDArray[np.float64]) -> float:
    xa, ya = complete_pairs(x, y)
    if xa.size < 3 or np.ptp(xa) == 0 or np.ptp(ya) == 0:
        return float("nan")
    return float(np.corrcoef(xa, ya)[0, 1])


@dataclass(frozen=True)
class Alpha:
    """Cronbach's alpha and the rows it used.

    Attributes
    ----------
    alpha : float
        NaN with fewer than 2 columns or 2 usable rows, or a constant total.
    n_units : int
        Complete rows (every column present).
    n_dropped : int
        Rows with at least one NaN: dropped with ``use="complete"``; with
        ``use="pairwise"`` each covariance uses every row where its pair is present.
    use : str
        ``"pairwise"`` or ``"complete"``.
    """

    alpha: float
    n_units: int
    n_dropped: int
    use: str = "pairwise"


def cronbach_alpha(frame: pd.DataFrame, *,
                   use: Literal["pairwise", "complete"] = "pairwise") -> Alpha:
    """Cronbach's alpha of the columns of ``frame``.

    ``alpha = k^2 * mean(off-diagonal covariances) / sum(all covariances)``, which for
    complete data is ``k / (k - 1) * (1 - sum(var_i) / var(sum_i x_i))`` (variances with
    ``n - 1``). ``use="pairwise"`` (the default, as COINr's ``get_cronbach``) estimates
    each covariance from the rows where both columns are present, so no row is lost;
    ``use="complete"`` keeps only the rows with every column present.

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    Psychometrika 16(3), 297-334. COINr ``get_cronbach()`` (v1.1.14).

    Examples
    --------
    >>> cronbach_alpha(pd.DataFrame({"a": [1, 2, 3], "b": [1, 2, 3]})).alpha
    1.0
    """
    if use not in ("pairwise", "complete"):
        raise DataError([Issue(("use",), "unknown_use", "use must be 'pairwise' or "
                               f"'complete'. Got {use!r}.", use)])
    data = frame.astype(np.float64)
    ok = data.notna().all(axis=1).to_numpy()
    n, k = int(ok.sum()), data.shape[1]
    alpha = float("nan")
    cov = (data[ok] if use == "complete" else data).cov().to_numpy()
    if k >= 2 and not np.isnan(cov).any():
        total = float(cov.sum())
        off = cov[~np.eye(k, dtype=bool)]
        if total > 0:
            alpha = float(k**2 * off.mean() / total)
    return Alpha(alpha=alpha, n_units=n, n_dropped=int((~ok).sum()), use=use)


def correlations(
    frame: pd.DataFrame, method: Literal["pearson", "spearman"] = "pearson"
) -> pd.DataFrame:
    """Pairwise correlations of the columns (pairwise-complete rows).

    Examples
    --------
    >>> correlations(pd.DataFrame({"a": [1, 2, 3], "b": [3, 2, 1]})).loc["a", "b"]
    np.float64(-1.0)
    """
    if method not in ("pearson", "spearman"):
        raise DataError([Issue(("method",), "unknown_method",
                               f"method must be 'pearson' or 'spearman'. Got {method!r}.",
                               method)])
    return frame.astype(np.float64).corr(method=method)
