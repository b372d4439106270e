"""Normalisation methods: one column of raw values -> comparable scores.

Every method has the signature ``f(x, *, params, target=None, learned=None) -> (y, fit)``
where ``x`` is a float column with the indicator's direction already applied (multiplied
by -1 when higher is worse), NaN positions are kept, and ``fit`` is the method's typed
learned state (:mod:`airank.fitted`): given back as ``learned``, it normalises another
edition with the same goalposts.

Each registry entry also declares what the rest of the engine needs to know:
``pointwise`` (a value's score depends on that value and the fitted state alone, so "what
would it take" can map a changed value to its score) and ``monotone`` (order is kept).

References
----------
OECD/JRC (2008), Handbook on Constructing Composite Indicators, section 5.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import DataError, Issue, SpecError
from .fitted import Fit, GoalpostFit, MaxFit, MeanSdFit, NoFit, RangeFit, RefFit, TargetFit
from .methods import (
    METHOD_PARAMS,
    BordaParams,
    Dist2RefParams,
    GoalpostParams,
    MinMaxParams,
    NoParams,
    Params,
    ScaleParams,
    TargetParams,
    ZScoreParams,
)

__all__ = [
    "NORMALISERS",
    "NoTargetError",
    "Normaliser",
    "NotFiniteError",
    "check_finite",
    "normalise_column",
    "register_normaliser",
]

Func = Callable[..., tuple[np.ndarray, Fit]]


class NoTargetError(DataError):
    """Distance-to-target normalisation of an indicator that has no ``target``."""


class NotFiniteError(DataError):
    """A normaliser turned finite values into infinite or undefined scores (e.g. the
    fraction of a maximum of 0, or of a maximum 1e-293 with values of 1e300)."""


@dataclass(frozen=True)
class Normaliser:
    """One normalisation method: the function and what it declares."""

    name: str
    func: Func
    pointwise: bool
    monotone: bool = True

    #: the method needs the unit codes of the rows (``dist2ref``'s reference unit)
    needs_units: bool = False

    def __call__(self, x: np.ndarray, *, params: Any, target: float | None = None,
                 learned: Fit | None = None, units: Any = None) -> tuple[np.ndarray, Fit]:
        if self.needs_units:
            return self.func(x, params=params, target=target, learned=learned, units=units)
        return self.func(x, params=params, target=target, learned=learned)


def _nanrange(x: np.ndarray) -> tuple[float, float]:
    ok = x[~np.isnan(x)]
    if ok.size == 0:
        return np.nan, np.nan
    return float(ok.min()), float(ok.max())


def _scaled(x: np.ndarray, lo: float, hi: float, width: float, low: float) -> np.ndarray:
    """``(x - lo) / (hi - lo) * width + low``, safe for extreme magnitudes.

    For finite values near +-1e308 the differences overflow to inf; dividing everything
    by the largest magnitude first keeps every step finite and gives the same ratio.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        span = hi - lo
        if np.isnan(span):  # no range (a column without values): no scores
            return np.full_like(x, np.nan, dtype=float)
        if not np.isfinite(span):
            s = max(abs(lo), abs(hi))
            x, lo, hi = x / s, lo / s, hi / s
            span = hi - lo
        out: np.ndarray = (x - lo) / span * width + low
    return out


def minmax(x: np.ndarray, *, params: MinMaxParams, target: float | None = None,
           learned: Fit | None = None) -> tuple[np.ndarray, Fit]:
    """Rescale to [lower, upper]: ``(x - min) / (max - min) * (u - l) + l``.

    A constant column (max = min) maps to the midpoint of [lower, upper].
    """
    lo, hi = (learned.min, learned.max) if isinstance(learned, RangeFit) else _nanrange(x)
    if not hi > lo:
        y = np.where(np.isnan(x), np.nan, (params.lower + params.upper) / 2)
    else:
        y = _scaled(x, lo, hi, params.upper - params.lower, params.lower)
    return y, RangeFit(method="minmax", min=lo, max=hi)


def zscore(x: np.ndarray, *, params: ZScoreParams, target: float | None = None,
           learned: Fit | None = None) -> tuple[np.ndarray, Fit]:
    """Standardise: ``(x - mean) / sd * params.sd + params.mean`` (sd with n - 1).

    With ``params.floor``, scores below the floor are set to it (a clip, stated in
    ``docs/robustness.md``: the uncertainty designs use ``floor: 1``, 4.5 sd below a mean
    of 10 with sd 2, so that a geometric mean receives values > 0).
    """
    if isinstance(learned, MeanSdFit):
        mu, sd = learned.mean, learned.sd
    else:
        ok = x[~np.isnan(x)]
        # extreme magnitudes (near 1e300): moments of x / size, scaled back, so that the
        # squares do not overflow; ordinary data keeps the plain formula (and its bits)
        size = float(np.max(np.abs(ok))) if ok.size else 1.0
        size = size if size > 1e50 else 1.0
        mu = float((ok / size).mean()) * size if ok.size else np.nan
        sd = float((ok / size).std(ddof=1)) * size if ok.size > 1 else np.nan
    if not sd > 0:
        y = np.where(np.isnan(x), np.nan, params.mean)
    elif max(abs(mu), sd) > 1e50:
        with np.errstate(over="ignore"):  # x / sd - mu / sd: no difference of extremes
            y = (x / sd - mu / sd) * params.sd + params.mean
    else:
        y = (x - mu) / sd * params.sd + params.mean
    if params.floor is not None:
        y = np.where(y < params.floor, params.floor, y)  # NaN stays NaN
    return y, MeanSdFit(method="zscore", mean=mu, sd=sd)


def _min_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks, 1 = lowest, ties sharing the lowest (1 + the number of smaller values), NaN
    kept: scipy's ``rankdata(x, method="min", nan_policy="omit")`` without its per-call
    cost (a tenth of a millisecond, paid per column of every pipeline variant)."""
    ok = ~np.isnan(x)
    out = np.full(x.shape, np.nan)
    out[ok] = np.searchsorted(np.sort(x[ok]), x[ok], side="left") + 1
    return out


def rank(x: np.ndarray, *, params: NoParams, target: float | None = None,
         learned: Fit | None = None) -> tuple[np.ndarray, Fit]:
    """Rank, 1 = lowest, ties share the lowest rank (R's ``rank(ties.method = "min")``)."""
    return _min_ranks(x), NoFit(method="rank")


def prank(x: np.ndarray, *, params: ScaleParams, target: float | None = None,
          learned: Fit | None = None) -> tuple[np.ndarray, Fit]:
    """Percentile rank: ``(rank - 1) / (n - 1) * scale``, ties at the lowest rank."""
    r = _min_ranks(x)
    n = int(np.sum(~np.isnan(x)))
    y = (r - 1) / (n - 1) * params.scale if n > 1 else np.where(np.isnan(x), np.nan, params.scale)
    return y, NoFit(method="prank")


def frontier(x: np.ndarray, *, params: ScaleParams, target: float | None = None,
             learned: Fit | None = None) -> tuple[np.ndarray, Fit]:
    """Distance to the frontier, as a share of it: ``scale * (1 - (max - x) / (max - min))``.

    The frontier is the best observed value (or the learned one, for a later edition);
    the worst observed value scores 0.
    """
    lo, hi = (learned.min, learned.max) if isinstance(learned, RangeFit) else _nanrange(x)
    y = (np.where(np.isnan(x), np.nan, params.scale) if not hi > lo
         else _scaled(x, lo, hi, params.scale, 0.0))
    return y, RangeFit(method="frontier", min=lo, max=hi)


def to_target(x: np.ndarray, *, params: TargetParams, target: float | None = None,
              learned: Fit | None = None) -> tuple[np.ndarray, Fit]:
    """Distance to target: ``scale * (x - min) / (target - min)``, capped at ``scale``.

    ``target`` is the indicator's target, with its direction applied.
    """
    if target is None:
        raise NoTargetError([Issue(("target",), "no_target", "Distance-to-target "
                                   "normalisation needs the indicator's 'target'.")])
    lo = learned.min if isinstance(learned, TargetFit) else _nanrange(x)[0]
    span = target - lo
    y = (np.where(np.isnan(x), np.nan, params.scale) if not span > 0
         else params.scale * (x - lo) / span)
    if params.cap:
        y = np.minimum(y, params.scale)
    return y, TargetFit(method="target", min=lo, target=float(target))


def goalposts(x: np.ndarray, *, params: GoalpostParams, target: float | None = None,
              learned: Fit | None = None) -> tuple[np.ndarray, Fit]:
    """Fixed goalposts: ``scale * (x - low) / (high - low)``, truncated to [0, scale].

    ``low``/``high`` arrive with the direction applied (for higher-is-worse indicators the
    caller passes ``-high``/``-low``); when not given, the learned or observed range is used.
    """
    lo, hi = (learned.low, learned.high) if isinstance(learned, GoalpostFit) else _nanrange(x)
    lo = lo if params.low is None else params.low
    hi = hi if params.high is None else params.high
    y = _scaled(x, lo, hi, params.scale, 0.0) if hi != lo else np.full_like(x, params.scale / 2)
    if params.trunc:
        y = np.clip(y, 0, params.scale)
    return np.where(np.isnan(x), np.nan, y), GoalpostFit(method="goalposts", low=lo, high=hi)


def borda(x: np.ndarray, *, params: BordaParams, target: float | None = None,
          learned: Fit | None = None) -> tuple[np.ndarray, Fit]:
    """Borda score: the number of units below, ``rank - 1`` with rank 1 = lowest (COINr's
    ``n_borda``; ties ranked by ``ties``, default the lowest rank)."""
    from scipy.stats import rankdata

    r = rankdata(x, method=params.ties, nan_policy="omit").astype(float)
    return r - 1, NoFit(method="borda")


def dist2ref(x: np.ndarray, *, params: Dist2RefParams, target: float | None = None,
             learned: Fit | None = None, units: Any = None) -> tuple[np.ndarray, Fit]:
    """Distance to a reference unit: ``1 - (x_ref - x) / (x_ref - min)`` (COINr's
    ``n_dist2ref``). The reference scores 1 and the worst unit 0; units beyond the
    reference score above 1 unless ``cap``. ``ref`` None takes the best value (the
    frontier). Where the reference holds the minimum of a column that is not constant,
    the scores are infinite or NaN, as in COINr; a constant column scores 1.
    """
    if isinstance(learned, RefFit):
        ref, lo, ref_unit = learned.ref, learned.min, learned.ref_unit
    else:
        lo, hi = _nanrange(x)
        ref, ref_unit = hi, params.ref
        if params.ref is not None:
            ref = float(x[_unit_row(units, params.ref)])
    with np.errstate(divide="ignore", invalid="ignore"):
        y = 1 - (ref - x) / (ref - lo)
    if _nanrange(x)[0] == _nanrange(x)[1]:  # a constant column: every unit is at the reference
        y = np.where(np.isnan(x), np.nan, 1.0)
    if params.cap:
        y = np.where(y > 1, 1.0, y)
    return y, RefFit(method="dist2ref", ref_unit=ref_unit, ref=ref, min=lo)


def _unit_row(units: Any, ref: str) -> int:
    codes = [] if units is None else [str(u) for u in units]
    if ref not in codes:
        raise DataError([Issue(("normalise", "ref"), "unknown_unit",
                               f"The reference unit '{ref}' of dist2ref is not among the "
                               f"units normalised ({len(codes)} units).", ref)])
    return codes.index(ref)


def fracmax(x: np.ndarray, *, params: NoParams, target: float | None = None,
            learned: Fit | None = None) -> tuple[np.ndarray, Fit]:
    """Fraction of the maximum: ``x / max`` (COINr's ``n_fracmax``). Meant for positive
    values: with higher-is-worse indicators (direction -1) the maximum of ``-x`` is <= 0
    and the scores are negative, infinite or NaN, as in COINr; a build refuses such
    scores (:func:`check_finite`)."""
    hi = learned.max if isinstance(learned, MaxFit) else _nanrange(x)[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        y = x / hi
    return y, MaxFit(method="fracmax", max=hi)


def none(x: np.ndarray, *, params: NoParams, target: float | None = None,
         learned: Fit | None = None) -> tuple[np.ndarray, Fit]:
    """No normalisation (the direction is still applied)."""
    return x.copy(), NoFit(method="none")


NORMALISERS: dict[str, Normaliser] = {
    "none": Normaliser("none", none, pointwise=True),
    "minmax": Normaliser("minmax", minmax, pointwise=True),
    "zscore": Normaliser("zscore", zscore, pointwise=True),
    "rank": Normaliser("rank", rank, pointwise=False),
    "prank": Normaliser("prank", prank, pointwise=False),
    "frontier": Normaliser("frontier", frontier, pointwise=True),
    "target": Normaliser("target", to_target, pointwise=True, monotone=False),  # capped
    "goalposts": Normaliser("goalposts", goalposts, pointwise=True),
    "borda": Normaliser("borda", borda, pointwise=False),
    # capped or with a negative maximum these do not keep the order strictly
    "dist2ref": Normaliser("dist2ref", dist2ref, pointwise=True, monotone=False,
                           needs_units=True),
    "fracmax": Normaliser("fracmax", fracmax, pointwise=True, monotone=False),
}
_BUILTIN = frozenset(NORMALISERS)


def register_normaliser(name: str, func: Callable[[np.ndarray, Any], np.ndarray], *,
                        params: type[Params] = NoParams, pointwise: bool = False,
                        monotone: bool = True) -> Normaliser:
    """Register a user normalisation method; specs can then name it.

    ``func(x, params) -> y`` maps a column (direction applied, NaN = missing) to scores of
    the same shape, keeping NaN positions; ``params`` is the pydantic model of its
    parameters (a subclass of :class:`~airank.methods.Params`). The method learns nothing
    (every build fits it afresh). It works in builds and in the batched engine (each
    normalisation option is a pipeline variant). Declare ``pointwise=True`` only if a
    value's score depends on that value alone.

    Examples
    --------
    >>> import numpy as np
    >>> register_normaliser("halved", lambda x, p: x / 2).name
    'halved'
    """
    if name in _BUILTIN:
        raise SpecError([Issue(("name",), "builtin", f"'{name}' is a built-in "
                               "normalisation method and cannot be replaced.", name)])

    def run(x: np.ndarray, *, params: Any, target: float | None = None,
            learned: Fit | None = None) -> tuple[np.ndarray, Fit]:
        y = np.asarray(func(x, params), dtype=float)
        if y.shape != x.shape:
            raise DataError([Issue(("normalise", name), "bad_shape", f"The normaliser "
                                   f"'{name}' returned shape {y.shape} for a column of "
                                   f"shape {x.shape}.", str(y.shape))])
        return np.where(np.isnan(x), np.nan, y), NoFit(method=name)

    entry = Normaliser(name, run, pointwise=pointwise, monotone=monotone)
    NORMALISERS[name] = entry
    METHOD_PARAMS["normalise"][name] = params
    return entry


def normalise_column(x: np.ndarray, method: str, params: Params, *, direction: int = 1,
                     target: float | None = None, learned: Fit | None = None,
                     units: Any = None) -> tuple[np.ndarray, Fit]:
    """Apply the direction, then the method (its result as is: infinite where COINr's is;
    a build refuses non-finite scores with :func:`check_finite`). Goalposts are given in
    the indicator's units; ``units`` (the row labels) are needed by ``dist2ref`` with a
    reference unit."""
    if method == "goalposts" and direction == -1:
        assert isinstance(params, GoalpostParams)
        params = params.model_copy(update={
            "low": None if params.high is None else -params.high,
            "high": None if params.low is None else -params.low})
    t = None if target is None else target * direction
    xd = np.asarray(x, dtype=float) * direction
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        y, fit = NORMALISERS[method](xd, params=params, target=t, learned=learned,
                                     units=units)
    return np.asarray(y, dtype=float), fit


def check_finite(x: np.ndarray, y: np.ndarray, method: str) -> None:
    """Refuse scores a method made infinite or undefined from finite values (a build's
    scores are finite or missing; the methods themselves return what COINr returns).

    Raises
    ------
    NotFiniteError
        With the count and the first such value.
    """
    bad = np.isfinite(x) & ~np.isfinite(y)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise NotFiniteError([Issue(("normalise",), "not_finite", f"{method} normalisation "
                                    f"gives {int(bad.sum())} infinite or undefined score(s) "
                                    f"from finite values (e.g. {float(x[i]):.6g} -> "
                                    f"{float(y[i]):.6g}); the values' range does not suit "
                                    "it. Choose another method or treat the values first.",
                                    float(x[i]))])
