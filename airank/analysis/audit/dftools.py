"""Rounding as R does it, for tables that must print as COINr's (``round_df``,
``signif_df``).

numpy's ``round`` scales, rounds half to even and scales back, so ``np.round(2.675, 2)``
and R's ``round(2.675, 2)`` can differ. R (>= 4.0) rounds ``x`` to the candidate with
``digits`` decimals -- the one below or the one above -- that is nearer to ``x`` as
stored, ties going to the even last digit; ``signif`` scales by a power of ten that is
exactly representable and rounds half to even. :func:`rround` and :func:`signif`
reproduce both (tested against R on halves, 0.15, 2.675, 1.005, 99.995, 1e-300...).

References
----------
R Core Team, ``?round`` ("Rounding to decimal digits in binary arithmetic is
non-trivial"), R 4.0.0 NEWS.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

__all__ = ["round_df", "rround", "signif", "signif_df"]

_DBL_DIG = 15


def _pow10(n: int) -> float:
    """10^n by repeated squaring, as R's ``R_pow_di`` (not correctly rounded past 1e22)."""
    x, out, k = 10.0, 1.0, abs(n)
    while k:
        if k & 1:
            out *= x
        k >>= 1
        if k:
            x *= x
    return 1 / out if n < 0 else out


def _round1(x: float, d: int) -> float:
    if not np.isfinite(x) or x == 0:
        return x
    if d == 0:
        return float(np.rint(x))
    if x < 0:
        return -_round1(-x, d)
    if np.log10(2) * (0.5 + np.floor(np.log2(x))) + d > _DBL_DIG:
        return x  # already finer than a double's precision
    p = _pow10(d)
    x10 = p * x
    i10 = np.floor(x10)
    lo, hi = i10 / p, np.ceil(x10) / p
    du, dd = hi - x, x - lo
    return float(hi if du < dd or (du == dd and i10 % 2 == 1) else lo)


def rround(x: ArrayLike, digits: int = 0) -> np.ndarray:
    """R's ``round(x, digits)`` (R >= 4.0), elementwise; NaN and infinities kept.

    Examples
    --------
    >>> rround([0.15, 2.5, 2.675], 1).tolist()
    [0.1, 2.5, 2.7]
    """
    a = np.asarray(x, dtype=float)
    out: np.ndarray = np.vectorize(lambda v: _round1(float(v), int(digits)),
                                   otypes=[float])(a)
    return out


def _signif1(x: float, digits: int) -> float:
    if not np.isfinite(x) or x == 0:
        return x
    dig = max(1, digits)
    if dig > 22:
        return x
    sgn = -1.0 if x < 0 else 1.0
    x = abs(x)
    e10 = int(dig - 1 - np.floor(np.log10(x)))
    if abs(np.log10(x)) >= 306:  # extreme magnitudes: scaled in two steps
        e2 = dig + (1 if e10 > 0 else 6)
        p1, p2 = _pow10(e2), _pow10(e10 - e2)
        return sgn * float(np.floor(x * p1 * p2 + 0.5)) / p1 / p2
    if e10 > 0:
        p10 = 1.0
        if e10 > 308:
            p10, e10 = _pow10(e10 - 308), 308
        pw = _pow10(e10)
        return sgn * (float(np.rint((x * pw) * p10)) / pw) / p10
    pw = _pow10(-e10)
    return sgn * float(np.rint(x / pw)) * pw


def signif(x: ArrayLike, digits: int = 6) -> np.ndarray:
    """R's ``signif(x, digits)``, elementwise.

    Examples
    --------
    >>> signif([123456.0, 0.0012345], 3).tolist()
    [123000.0, 0.00123]
    """
    a = np.asarray(x, dtype=float)
    out: np.ndarray = np.vectorize(lambda v: _signif1(float(v), int(digits)),
                                   otypes=[float])(a)
    return out


def round_df(frame: pd.DataFrame, digits: int) -> pd.DataFrame:
    """A copy with every numeric column rounded as R's ``round`` (COINr's ``round_df``)."""
    out = frame.copy()
    for c in out.columns:
        if pd.api.types.is_float_dtype(out[c]):
            out[c] = rround(out[c].to_numpy(), digits)
    return out


def signif_df(frame: pd.DataFrame, digits: int) -> pd.DataFrame:
    """A copy with every numeric column rounded to ``digits`` significant digits as R's
    ``signif`` (COINr's ``signif_df``)."""
    out = frame.copy()
    for c in out.columns:
        if pd.api.types.is_float_dtype(out[c]):
            out[c] = signif(out[c].to_numpy(), digits)
    return out
