"""Recover the weights implied by a published index from its component scores.

A published table often gives component scores (pillars, sub-pillars) and a total, but
not the weights. If the total is a weighted arithmetic mean of the components, the
weights follow by non-negative least squares (NNLS):

- ``rescale=None``: ``total ~ sum_i b_i c_i`` with ``b_i >= 0`` and no intercept. The
  weights are ``w = b / sum(b)``; ``scale = sum(b)`` is reported, ~1 when the total is
  a weighted mean (a sum-to-one constraint is not imposed, so a scale far from 1 shows
  that the total is *not* a plain weighted mean of these components).
- ``rescale="minmax"``: the total is the weighted sum min-max rescaled to [0, 100]
  (Tortoise Media: best = 100, worst = 0), i.e. ``total = a + k sum_i w_i c_i`` with
  ``k > 0`` and ``a`` of either sign. NNLS on the components plus two intercept columns
  (+1 and -1, so the intercept is free) gives ``b = k w``; ``w = b / sum(b)``.

R^2 and the largest absolute error refer to the fitted totals (before the weights are
normalised, so they measure the fit itself).

References
----------
Lawson & Hanson (1974), Solving Least Squares Problems (NNLS);
OECD/JRC (2008), Handbook on Constructing Composite Indicators, step 6.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy.optimize import nnls

from ...errors import DataError, Issue

__all__ = ["FitResult", "fit_weights"]


@dataclass(frozen=True)
class FitResult:
    """Weights implied by a total (summing to 1) and the quality of the fit."""

    weights: dict[str, float]
    r2: float
    max_abs_error: float
    n: int
    intercept: float = 0.0
    scale: float = 1.0

    def to_dict(self) -> dict[str, object]:
        """``{"weights": {...}, "r2": ..., "max_abs_error": ...}`` (the CLI's JSON)."""
        return {"weights": dict(self.weights), "r2": self.r2,
                "max_abs_error": self.max_abs_error}


def _numeric(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    issues = []
    out = {}
    for c in columns:
        col = frame[c]
        num = pd.to_numeric(col, errors="coerce")
        bad = col[num.isna() & col.notna() & (col.astype(str).str.strip() != "")]
        if len(bad):
            issues.append(Issue(("columns", c), "non_numeric",
                                f"Column '{c}' must be numeric. Got {bad.iloc[0]!r} "
                                f"(and {len(bad) - 1} more non-numeric cells).", bad.iloc[0]))
        out[c] = num.astype(float)
    DataError.collect(issues, "Non-numeric columns")
    return pd.DataFrame(out)


def fit_weights(frame: pd.DataFrame, total: str, components: Sequence[str], *,
                rescale: Literal["minmax"] | None = None) -> FitResult:
    """Fit the weights that best reproduce ``total`` from ``components`` (NNLS).

    Parameters
    ----------
    frame : DataFrame
        One row per unit; must hold ``total`` and every component column. Rows with a
        missing value in any of them are left out.
    total : str
        The published total.
    components : sequence of str
        The component columns (at least one).
    rescale : {None, "minmax"}
        None: total ~ weighted sum. "minmax": total ~ a + k * weighted sum (the weighted
        sum min-max rescaled, as Tortoise Media does).

    Returns
    -------
    FitResult
        ``weights`` (component -> weight, summing to 1), ``r2``, ``max_abs_error``,
        ``n`` (rows used), ``intercept`` (a) and ``scale`` (sum of the raw coefficients).

    Raises
    ------
    DataError
        For an unknown column, a non-numeric column, a bad ``rescale``, fewer complete
        rows than parameters, or components that explain nothing (all weights 0).

    Examples
    --------
    >>> df = pd.DataFrame({"a": [1., 2, 3, 4], "b": [4., 1, 0, 2]})
    >>> df["t"] = 0.25 * df["a"] + 0.75 * df["b"]
    >>> fit_weights(df, "t", ["a", "b"]).weights
    {'a': 0.25, 'b': 0.75}
    """
    components = list(components)
    if rescale not in (None, "minmax"):
        raise DataError([Issue(("rescale",), "bad_rescale",
                               f"rescale must be None or 'minmax'. Got {rescale!r}.", rescale)])
    if not components:
        raise DataError([Issue(("components",), "no_components",
                               "Give at least one component column.")])
    unknown = [c for c in [total, *components] if c not in frame.columns]
    if unknown:
        raise DataError([Issue(("columns",), "unknown_column",
                               f"Unknown column(s) {unknown}. Available: "
                               f"{[str(c) for c in frame.columns]}.", unknown)])
    data = _numeric(frame, [total, *components]).dropna()
    n_par = len(components) + (1 if rescale else 0)
    if len(data) < n_par + 1:
        raise DataError([Issue(("rows",), "too_few_rows",
                               f"{len(data)} complete rows for {n_par} parameters: need at "
                               f"least {n_par + 1}.", len(data))])
    y = data[total].to_numpy()
    X = data[components].to_numpy()
    A = np.column_stack([X, np.ones(len(X)), -np.ones(len(X))]) if rescale else X
    coef, _ = nnls(A, y, maxiter=50 * A.shape[1])
    b = coef[: len(components)]
    if not b.sum() > 0:
        raise DataError([Issue(("components",), "no_fit",
                               "All fitted weights are 0: the components do not explain the "
                               "total (check the columns).")])
    intercept = float(coef[-2] - coef[-1]) if rescale else 0.0
    fitted = A @ coef
    resid = y - fitted
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - float(np.sum(resid**2)) / ss_tot if ss_tot > 0 else float("nan")
    w = b / b.sum()
    return FitResult(weights={c: float(v) for c, v in zip(components, w, strict=True)},
                     r2=r2, max_abs_error=float(np.max(np.abs(resid))), n=len(data),
                     intercept=intercept, scale=float(b.sum()))
