"""Aggregation methods: one registry entry per method, declaring how it scores a group.

Most aggregators are *quasi-arithmetic means*: ``M(x) = g^-1( sum_i w_i g(x_i) )`` with the
weights rescaled to sum to 1 over the children a unit has. An entry declares ``g``
(``transform``), ``g^-1`` (``inverse``) and whether ``g`` needs values > 0 (``positive``);
that is all the scoring kernel (:mod:`airank.kernel`) needs to evaluate the method for one
build or for a million replications alike::

    arithmetic    g(x) = x                       any sign
    geometric     g(x) = log x                   x > 0
    harmonic      g(x) = 1 / x                   x > 0
    generalised   g(x) = x^p (log x for p = 0)   x > 0 unless p = 1

A method that is not such a mean (Copeland's pairwise votes, or any function a user
registers) declares ``function(X, w, params) -> y`` instead; builds use it, the batched
engine refuses it with a clear error.

Missing children (the stated rule): a unit's group score uses the children it has, with
their weights rescaled to sum to 1; it is missing when the children present carry less
than ``min_share`` of the weight (default 0: one child is enough), or when none is present.
This is COINr's default (``na.rm = TRUE``). A node without any data in the edition (no unit
has a value: a source that starts later) is left out of the tree for that edition: it
weighs 0 and does not count toward ``min_share``.

References
----------
OECD/JRC (2008), Handbook on Constructing Composite Indicators, step 6;
Munda & Nardo (2009), non-compensatory (Copeland) aggregation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import Issue, SpecError
from .methods import METHOD_PARAMS, AggParams, GeneralisedParams

__all__ = ["AGGREGATORS", "Aggregator", "aggregator", "register_aggregator"]

Array = np.ndarray
Transform = Callable[[Array, Any], Array]
Function = Callable[[Array, Array, Any], Array]


@dataclass(frozen=True)
class Aggregator:
    """How one aggregation method scores a group (see the module notes).

    Attributes
    ----------
    name : str
    transform, inverse : callable, optional
        ``g(x, params)`` and ``g^-1(m, params)`` of a quasi-arithmetic mean.
    positive : callable
        ``positive(params) -> bool``: ``g`` needs children > 0.
    function : callable, optional
        ``function(X, w, params) -> y`` (X: units x children; w: the children's weights)
        for a method that is not a quasi-arithmetic mean; builds only.
    linear : bool
        ``g`` is the identity (the arithmetic mean): sums are taken in extended precision.
    """

    name: str
    transform: Transform | None = None
    inverse: Transform | None = None
    positive: Callable[[Any], bool] = lambda _p: False
    function: Function | None = None
    linear: bool = False

    @property
    def batched(self) -> bool:
        """True when the batched engine can evaluate it (a quasi-arithmetic mean)."""
        return self.transform is not None

    def key(self, params: Any) -> tuple[Any, ...]:
        """Methods with equal keys have the same ``g``: a tree of them collapses to one
        effective weight per indicator."""
        if self.name == "generalised":
            p = float(params.p)
            return ("arithmetic",) if p == 1 else ("geometric",) if p == 0 else ("power", p)
        return (self.name,)


def _identity(x: Array, _p: Any) -> Array:
    return x


def _log(x: Array, _p: Any) -> Array:
    return np.asarray(np.log(x))


def _exp(m: Array, _p: Any) -> Array:
    return np.asarray(np.exp(m))


def _reciprocal(x: Array, _p: Any) -> Array:
    return np.asarray(1.0 / x)


def _power(x: Array, p: GeneralisedParams) -> Array:
    if p.p == 0:
        return np.asarray(np.log(x))
    return x if p.p == 1 else np.asarray(np.power(x, p.p))


def _root(m: Array, p: GeneralisedParams) -> Array:
    if p.p == 0:
        return np.asarray(np.exp(m))
    return m if p.p == 1 else np.asarray(np.power(m, 1.0 / p.p))


def _copeland(X: Array, w: Array, params: AggParams) -> Array:
    """Copeland score (non-compensatory): wins minus losses in weighted pairwise votes.

    Unit a beats b when the weight of the children where a scores higher (ties count
    half) exceeds the weight where b does. Only children both units have are compared.
    """
    present = ~np.isnan(X)
    X0 = np.nan_to_num(X)
    both = present[:, None, :] & present[None, :, :]
    Wb = np.where(both, w, 0.0)
    gt = (X0[:, None, :] > X0[None, :, :]) & both
    eq = (X0[:, None, :] == X0[None, :, :]) & both
    om = np.sum(Wb * (gt + 0.5 * eq), axis=2)
    score = np.sign(om - om.T)
    np.fill_diagonal(score, 0)
    out: Array = score.sum(axis=1).astype(float)
    return out


AGGREGATORS: dict[str, Aggregator] = {
    "arithmetic": Aggregator("arithmetic", _identity, _identity, linear=True),
    "geometric": Aggregator("geometric", _log, _exp, positive=lambda _p: True),
    "harmonic": Aggregator("harmonic", _reciprocal, _reciprocal, positive=lambda _p: True),
    "generalised": Aggregator("generalised", _power, _root,
                              positive=lambda p: float(p.p) != 1),
    "copeland": Aggregator("copeland", function=_copeland),
}


def aggregator(method: str) -> Aggregator:
    """The registry entry of ``method``; a SpecError listing the known ones if unknown."""
    if method not in AGGREGATORS:
        raise SpecError([Issue(("methodology", "aggregate", "method"), "unknown_method",
                               f"Unknown aggregation method '{method}'. Expected one of "
                               f"{sorted(AGGREGATORS)}.", method)])
    return AGGREGATORS[method]


def register_aggregator(name: str, *, transform: Transform | None = None,
                        inverse: Transform | None = None, positive: bool = False,
                        function: Function | None = None,
                        params: type[AggParams] = AggParams) -> Aggregator:
    """Register a user aggregation method; specs can then name it.

    Give either ``transform`` and ``inverse`` (a quasi-arithmetic mean ``g^-1(sum w g(x))``:
    it works in builds and in the batched engine) or ``function(X, w, params) -> y``
    (X: units x children, NaN = missing; w: the children's weights; builds only - the
    batched engine refuses it with a clear error). ``params`` is the pydantic model of the
    method's parameters (a subclass of :class:`~airank.methods.AggParams`).

    Examples
    --------
    >>> import numpy as np
    >>> cubic = register_aggregator("cubic", transform=lambda x, p: x**3,
    ...                             inverse=lambda m, p: np.cbrt(m))
    >>> cubic.batched
    True
    """
    issues = []
    if name in AGGREGATORS and name in _BUILTIN:
        issues.append(Issue(("name",), "builtin", f"'{name}' is a built-in aggregation "
                            "method and cannot be replaced.", name))
    if (function is None) == (transform is None or inverse is None):
        issues.append(Issue(("function",), "bad_aggregator", "Give either transform and "
                            "inverse (a quasi-arithmetic mean) or function(X, w, params).",
                            name))
    if not (isinstance(params, type) and issubclass(params, AggParams)):
        issues.append(Issue(("params",), "bad_params", "params must be a subclass of "
                            "airank.methods.AggParams.", str(params)))
    SpecError.collect(issues)
    entry = Aggregator(name, transform, inverse, positive=lambda _p: positive,
                       function=function)
    AGGREGATORS[name] = entry
    METHOD_PARAMS["aggregate"][name] = params
    return entry


_BUILTIN = frozenset(AGGREGATORS)
