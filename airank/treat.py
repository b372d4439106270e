"""Outlier treatment: one column in, the treated column and a record of what was done.

Signature of every method: ``f(x, *, params, learned=None) -> (y, learned)``.

The JRC rule (``jrc``), as COINr's ``Treat()`` applies it: a column needs treatment when
its absolute skewness and its kurtosis reach their thresholds (defaults 2 and 3.5), with
the bias-corrected sample estimators (type 2 of R's e1071: SAS/SPSS G1 and excess G2).
Points are winsorised one at a time on the side of the skew -- the most extreme value
is set to the next one in -- re-checking after each, up to ``max_points``. If the column
still fails, the winsorising is undone and the original column is log-transformed instead
(``fallback: log``, COINr's ``log_CT``: ``log(x - min + 0.01 (max - min))``; or
``fallback: log_gap``: ``log(x - min + g)``, g the smallest positive gap above the minimum).

The first treatment (``first``, COINr's ``f1``) and the fallback (``fallback``, COINr's
``f2``) may each be any of :data:`TRANSFORMS`; ``combine: true`` applies the fallback to
the winsorised column. A check that cannot be computed (a log of zero gives -inf) leaves
the column untreated, as COINr does. The ``transform`` method applies one transformation
to every column. Every fit replays: the same shift, bounds or lambda on another edition.

References
----------
OECD/JRC (2008), Handbook on Constructing Composite Indicators, step 3.
COINr ``Treat()``, ``winsorise()``, ``log_CT()``, ``log_CT_orig()``, ``log_CT_plus()``,
``log_GII()`` and ``boxcox()`` (bluefoxr/COINr, v1.1.14).
Box, G. E. P. & Cox, D. R. (1964). An analysis of transformations. JRSS B 26(2), 211-252.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .fitted import Fit, TreatFit
from .methods import JrcParams, NoParams, TransformParams

__all__ = ["TRANSFORMS", "TREATERS", "boxcox", "kurtosis2", "log_ct", "log_ct_orig", "log_ct_plus",
           "log_gii", "skew_kurtosis", "skewness2", "transform_column"]

Treater = Callable[..., tuple[np.ndarray, TreatFit]]


def skewness2(x: np.ndarray) -> float:
    """Sample skewness, e1071 type 2 (SAS/SPSS G1), ignoring NaN.

    The bias-corrected estimator of ``scipy.stats.skew(bias=False)``, to which a test holds
    it (1e-12). It is written out because the JRC rule re-tests a column after every
    winsorised point: scipy's per-call overhead (about 0.3-0.8 ms against 20 us here)
    made a build four times slower. NaN with fewer than 3 values or a constant column.
    """
    return skew_kurtosis(x)[0]


def kurtosis2(x: np.ndarray) -> float:
    """Sample excess kurtosis, e1071 type 2 (SAS/SPSS G2), ignoring NaN.

    The bias-corrected estimator of ``scipy.stats.kurtosis(bias=False)`` (held to it by a
    test; written out for speed, see :func:`skewness2`). NaN with fewer than 4 values or
    a constant column.
    """
    return skew_kurtosis(x)[1]


def skew_kurtosis(x: np.ndarray) -> tuple[float, float]:
    """:func:`skewness2` and :func:`kurtosis2` from one pass over the values (the JRC
    rule needs both after every winsorised point).

    A column's largest magnitude divides it first when that is extreme (skewness and
    kurtosis do not change with scale; powers of values near 1e300 would overflow, of
    values near 1e-300 underflow); ordinary data is left as it is, so its moments keep
    their exact bits. After that no power overflows and ``m2 > 0`` keeps every division
    defined; a result that is still not finite is NaN (not computable, as in COINr).
    """
    return _moments(x[~np.isnan(x)])


def _moments(v: np.ndarray) -> tuple[float, float]:
    """:func:`skew_kurtosis` of values without NaN."""
    n = v.size
    if n < 3:
        return np.nan, np.nan
    size = float(_maximum(np.abs(v)))
    if not np.isfinite(size):  # an infinite value: not computable (R: NaN)
        return np.nan, np.nan
    w = v / size if size > 1e50 or 0 < size < 1e-50 else v
    # sums over n, as np.mean computes them (same bits), without its per-call overhead
    d = w - _sum(w) / n
    m2 = _sum(d**2) / n
    if not m2 > 0:
        return np.nan, np.nan
    m3 = _sum(d**3) / n
    sk = float(m3 / m2**1.5 * np.sqrt(n * (n - 1)) / (n - 2))
    if n < 4:
        ku = np.nan
    else:
        g2 = _sum(d**4) / n / m2**2 - 3
        ku = float(((n + 1) * g2 + 6) * (n - 1) / ((n - 2) * (n - 3)))
    return (sk if np.isfinite(sk) else np.nan), (ku if np.isfinite(ku) else np.nan)


_sum, _maximum = np.add.reduce, np.maximum.reduce


def _fails(x: np.ndarray, p: JrcParams) -> tuple[bool, float, float]:
    """Whether the JRC rule flags ``x``, with its skewness and kurtosis."""
    return _flags(*skew_kurtosis(x), p)


def _flags(sk: float, ku: float, p: JrcParams) -> tuple[bool, float, float]:
    bad = bool(np.isfinite(sk) and np.isfinite(ku) and abs(sk) >= p.skew and ku >= p.kurtosis)
    return bad, sk, ku


def _winsorise(x: np.ndarray, p: JrcParams) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """Winsorise step by step as COINr's ``winsorise()`` does.

    At each step the side is chosen again (skewness >= 0: the top), every point tied at
    the extreme is set to the next value in, and the count of winsorised points is the
    size of the latest top and bottom blocks (earlier clamped points tie with them).
    Returns (y, top points, bottom points, still failing).

    The values' distinct levels are sorted once: the extreme block is always the points
    at or beyond the current level, and the next value in is the adjacent level.
    """
    pos = np.flatnonzero(~np.isnan(x))
    v = x[pos]  # the values, compact; clamped in place
    levels, counts = np.unique(v, return_counts=True)
    below = np.cumsum(counts)  # points at or below each level
    lo, hi = 0, len(levels) - 1
    n_top = n_bottom = 0
    bad, sk, _ = _flags(*_moments(v), p)
    while bad and n_top + n_bottom < p.max_points and hi > lo:
        if sk >= 0:
            n_top = int(v.size - below[hi - 1])
            hi -= 1
            np.minimum(v, levels[hi], out=v)
        else:
            n_bottom = int(below[lo])
            lo += 1
            np.maximum(v, levels[lo], out=v)
        bad, sk, _ = _flags(*_moments(v), p)
    y = x.copy()
    y[pos] = v
    top = pos[x[pos] > levels[hi]] if n_top else np.empty(0, dtype=int)
    bottom = pos[x[pos] < levels[lo]] if n_bottom else np.empty(0, dtype=int)
    return y, top, bottom, bad


# -- transformations -----------------------------------------------------------------
# Each returns (y, fields of TreatFit that replay it); ``action`` names the replay rule.
_Out = tuple[np.ndarray, dict[str, Any]]


def _range(x: np.ndarray) -> tuple[float, float]:
    ok = x[~np.isnan(x)]
    return (float(ok.min()), float(ok.max())) if ok.size else (np.nan, np.nan)


def log_ct(x: np.ndarray) -> np.ndarray:
    """COINr's ``log_CT``: ``log(x - min + 0.01 (max - min))``, defined for any sign."""
    return _log_ct(x, None)[0]


# The arithmetic follows COINr's order of operations, so results match it to the last bit.
# Every log records ``lower`` (the fitted minimum): a replayed value below it takes the
# minimum's log, as the log is undefined below it and the goalposts start there.
def _log_ct(x: np.ndarray, p: Any) -> _Out:
    lo, hi = _range(x)
    return _log(x - lo + 0.01 * (hi - lo)), {"action": "log", "lower": lo,
                                             "log_shift": -lo + 0.01 * (hi - lo)}


def _gap(x: np.ndarray) -> float:
    """The smallest positive distance of a value above the column's minimum (1 for counts);
    the shift of ``log_gap`` keeps the minimum finite on any scale."""
    d = x[~np.isnan(x)] - np.nanmin(x)
    pos = d[d > 0]
    return float(pos.min()) if pos.size else 1.0


def _log_gap(x: np.ndarray, p: Any) -> _Out:
    """``log(x - min + g)``, g the smallest positive gap above the minimum (scale-free;
    ``log(x + 1)`` for counts)."""
    lo = _range(x)[0]
    shift = -lo + _gap(x)
    return _log(x + shift), {"action": "log", "log_shift": shift, "lower": lo}


def _log_plain(x: np.ndarray, p: Any) -> _Out:
    return _log(x), {"action": "log_plain", "log_shift": 0.0, "lower": _range(x)[0]}


def log_ct_orig(x: np.ndarray) -> np.ndarray:
    """COINr's ``log_CT_orig`` (the COIN Tool's log): ``log(x - min + 1)``."""
    return _log_ct_orig(x, None)[0]


def _log_ct_orig(x: np.ndarray, p: Any) -> _Out:
    lo = _range(x)[0]
    return _log(x - lo + 1), {"action": "log_ct_orig", "log_shift": 1.0 - lo, "lower": lo}


def log_ct_plus(x: np.ndarray) -> np.ndarray:
    """COINr's ``log_CT_plus``: ``log_CT`` for a positive skew, else its mirror
    ``-log(max + a - x)`` with ``a = 0.01 (max - min)``, so the skew shrinks either way."""
    return _log_ct_plus(x, None)[0]


def _log_ct_plus(x: np.ndarray, p: Any) -> _Out:
    lo, hi = _range(x)
    a = 0.01 * (hi - lo)
    with np.errstate(invalid="ignore"):
        positive = skewness2(x) > 0
    if positive:
        return _log(x - lo + a), {"action": "log", "log_shift": -lo + a, "lower": lo}
    return -_log(hi + a - x), {"action": "log_ct_neg", "log_shift": hi + a, "upper": hi}


def log_gii(x: np.ndarray) -> np.ndarray:
    """The GII log: ``log((max - 1)(x - min) / (max - min) + 1)``.

    COINr 1.1.14's ``log_GII`` computes this but returns its input unchanged (a bug);
    airank returns the transformed values. With ``max < 1`` the order is reversed, as
    COINr's documentation warns.
    """
    return _log_gii(x, None)[0]


def _log_gii(x: np.ndarray, p: Any) -> _Out:
    lo, hi = _range(x)
    return _apply("log_gii", x, {"lower": lo, "upper": hi}), {
        "action": "log_gii", "lower": lo, "upper": hi}


def boxcox(x: np.ndarray, lam: float, *, shift: bool = True) -> np.ndarray:
    """Box-Cox with a given lambda: ``(z^lam - 1) / lam`` (``log z`` for lam = 0), where
    ``z = x - min + 1`` when ``shift`` (COINr's ``makepos``), else ``z = x``."""
    return _boxcox(np.asarray(x, dtype=float),
                   TransformParams(transform="boxcox", lam=lam, shift=shift))[0]


def _boxcox(x: np.ndarray, p: Any) -> _Out:
    lo = _range(x)[0]
    z = x - lo + 1 if p.shift else x
    fields = {"action": "boxcox", "lam": float(p.lam), "log_shift": 1.0 - lo if p.shift else None,
              "lower": lo if p.shift else None}
    return _apply("boxcox", z, {"lam": float(p.lam), "log_shift": None}), fields


def _log(z: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        y: np.ndarray = np.log(z)
    return y


#: name -> transformation; the names a spec's ``first``/``fallback``/``transform`` take.
TRANSFORMS: dict[str, Callable[[np.ndarray, Any], _Out]] = {
    "log": _log_ct, "log_gap": _log_gap, "log_plain": _log_plain, "log_ct_orig": _log_ct_orig,
    "log_ct_plus": _log_ct_plus, "log_gii": _log_gii, "boxcox": _boxcox,
}


def _apply(action: str, x: np.ndarray, f: dict[str, Any]) -> np.ndarray:
    """Replay a transformation from its recorded fields."""
    y: np.ndarray
    lower, upper = f.get("lower"), f.get("upper")
    if action in ("log", "log_plain", "log_ct_orig", "boxcox") and lower is not None:
        x = np.maximum(x, lower)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if action in ("log", "log_plain", "log_ct_orig"):
            y = np.log(x + f["log_shift"])
        elif action == "log_ct_neg":
            y = -np.log(f["log_shift"] - (x if upper is None else np.minimum(x, upper)))
        elif action == "log_gii":
            lo, hi = f["lower"], f["upper"]
            y = np.log((hi - 1) * (x - lo) / (hi - lo) + 1)
        elif action == "boxcox":
            z = x if f.get("log_shift") is None else x + f["log_shift"]
            lam = f["lam"]
            y = np.log(z) if lam == 0 else (np.power(z, lam) - 1) / lam
        else:
            y = x.copy()
    return y


def transform_column(x: np.ndarray, name: str, *, lam: float = 0.5, shift: bool = True
                     ) -> np.ndarray:
    """One of :data:`TRANSFORMS` applied to a column (NaN kept)."""
    p = TransformParams(transform=name, lam=lam, shift=shift)  # type: ignore[arg-type]
    return TRANSFORMS[name](np.asarray(x, dtype=float), p)[0]


# -- the JRC rule --------------------------------------------------------------------
def _check(y: np.ndarray, p: JrcParams) -> tuple[bool | None, float, float]:
    """COINr's ``check_SkewKurt`` with R's logic for NA: pass if ``|skew| < skew`` or
    ``kurtosis < kurtosis``; None (NA) when neither is known to hold and one is NaN."""
    sk, ku = skew_kurtosis(y)
    a = bool(abs(sk) < p.skew) if np.isfinite(sk) else None
    b = bool(ku < p.kurtosis) if np.isfinite(ku) else None
    if a or b:
        return True, sk, ku
    if a is None or b is None:
        return None, sk, ku
    return False, sk, ku


def jrc(x: np.ndarray, *, params: JrcParams, learned: Fit | None = None
        ) -> tuple[np.ndarray, TreatFit]:
    """The JRC skewness/kurtosis rule: winsorise (or ``first``), then a fallback.

    A column fails when ``|skew| >= skew`` and ``kurtosis >= kurtosis``. If winsorising
    up to ``max_points`` points does not make it pass, the winsorising is discarded
    (unless ``combine``) and the column is transformed by ``fallback`` (default ``log``,
    COINr's ``log_CT``); the transformation is kept even if the column still fails
    (reported as ``still_fails``), as in COINr. If a check gives NaN (e.g. ``log(0)``),
    the column is returned untreated, as COINr does.

    ``learned`` (from an earlier edition) replays the same treatment: clip to its bounds,
    or transform with the same shift, without testing the column again.
    """
    x = np.asarray(x, dtype=float)
    if isinstance(learned, TreatFit):
        return _replay(x, learned), learned
    bad, sk0, ku0 = _fails(x, params)
    rec: dict[str, Any] = {"skew_before": sk0, "kurtosis_before": ku0, "action": "none"}
    if not bad:
        return x.copy(), TreatFit(method="jrc", **rec, skew_after=sk0, kurtosis_after=ku0)
    y, fields, passed = _first(x, params)
    if passed is None:
        return x.copy(), TreatFit(method="jrc", **rec)
    if not passed and params.fallback != "none":
        base = y if params.combine else x
        y, more = TRANSFORMS[params.fallback](base, params)
        if params.combine and fields.get("action") == "winsorised":
            # the winsorised column's min and max are the clip bounds, so a log_gii's
            # lower/upper coincide with them
            fields = {**fields, **more, "action": f"winsorised+{more['action']}"}
        else:
            fields = more
        passed, _, _ = _check(y, params)
        if passed is None:
            return x.copy(), TreatFit(method="jrc", **rec)
    _, sk1, ku1 = _check(y, params)
    return y, TreatFit(method="jrc", **{**rec, **fields}, skew_after=sk1, kurtosis_after=ku1,
                       still_fails=not passed)


def _first(x: np.ndarray, p: JrcParams) -> tuple[np.ndarray, dict[str, Any], bool | None]:
    """The first treatment: (y, fit fields, passes afterwards: True/False/None = NA)."""
    if p.first != "winsorise":
        y, fields = TRANSFORMS[p.first](x, p)
        return y, fields, _check(y, p)[0]
    y, top, bottom, still = _winsorise(x, p)
    fields = {"action": "winsorised" if top.size or bottom.size else "none",
              "winsorised_high": int(top.size), "winsorised_low": int(bottom.size),
              "upper": float(np.nanmax(y)), "lower": float(np.nanmin(y)),
              "points": tuple(int(i) for i in (*top, *bottom))}
    return y, fields, not still


def _replay(x: np.ndarray, learned: TreatFit) -> np.ndarray:
    action = learned.action
    fields = learned.model_dump()
    if action.startswith("winsorised"):
        x = np.clip(x, learned.lower, learned.upper)
        action = action.partition("+")[2] or "none"
    return _apply(action, x, fields)


def transform(x: np.ndarray, *, params: TransformParams, learned: Fit | None = None
              ) -> tuple[np.ndarray, TreatFit]:
    """One transformation of every column (``log``, ``boxcox``...), skew and kurtosis
    before and after reported. A transformation that gives infinite or NaN values for
    finite data (the log of a constant column, or of zero) leaves the column untreated,
    as COINr's ``Treat()`` does when its check cannot be computed."""
    x = np.asarray(x, dtype=float)
    if isinstance(learned, TreatFit):
        return _replay(x, learned), learned
    sk0, ku0 = skew_kurtosis(x)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):  # checked below
        y, fields = TRANSFORMS[params.transform](x, params)
    if not np.isfinite(y[np.isfinite(x)]).all():
        return x.copy(), TreatFit(method="transform", skew_before=sk0, kurtosis_before=ku0,
                                  skew_after=sk0, kurtosis_after=ku0)
    sk1, ku1 = skew_kurtosis(y)
    return y, TreatFit(method="transform", **fields, skew_before=sk0, kurtosis_before=ku0,
                       skew_after=sk1, kurtosis_after=ku1)


def none(x: np.ndarray, *, params: NoParams, learned: Fit | None = None
         ) -> tuple[np.ndarray, TreatFit]:
    """No treatment."""
    return np.asarray(x, dtype=float).copy(), TreatFit(method="none")


TREATERS: dict[str, Treater] = {"none": none, "jrc": jrc, "transform": transform}
