"""Learned parameters: what a step fitted on one edition, typed, frozen and replayable.

Every method that learns something from the data returns a small frozen model -- the
goalposts of min-max, the mean and sd of a z-score, the winsor bounds or log shift of the
JRC treatment, the group means of an imputation -- as scikit-learn keeps fitted
attributes. ``airank.build(spec, data, fitted=...)`` replays them on other data (another
edition, a shocked dataset, a Monte Carlo variant): same goalposts, same treatment. An
entry applies only while the indicator still uses the method that fitted it (a variant
with another normaliser fits its own).

:class:`Fitted` holds them by step and indicator; it is also the schema of the files that
freeze a methodology release's goalposts (:meth:`Fitted.to_json` / :meth:`Fitted.from_json`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from .errors import Issue, SpecError

__all__ = ["FIT_TYPES", "Fit", "Fitted", "GoalpostFit", "GroupFit", "LatestFit", "MeanSdFit",
           "NoFit", "RangeFit", "TargetFit", "TreatFit", "register_fit"]

class Fit(BaseModel):
    """Base of every learned-parameter model: frozen, no unknown keys, with its method."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    step: ClassVar[str] = ""
    method: str

    def record(self) -> dict[str, Any]:
        """The learned values as a plain mapping (for the step record / the log)."""
        return self.model_dump(exclude={"method"}, mode="json")


class NoFit(Fit):
    """Nothing to replay (``none``, ``rank``, ``prank``, a stateless user method)."""


# -- normalise -----------------------------------------------------------------------
class RangeFit(Fit):
    """``minmax`` and ``frontier``: the observed (or pooled) range, direction applied."""

    step: ClassVar[str] = "normalise"
    min: float
    max: float


class MeanSdFit(Fit):
    """``zscore``: mean and standard deviation (n - 1), direction applied."""

    step: ClassVar[str] = "normalise"
    mean: float
    sd: float


class TargetFit(Fit):
    """``target``: the worst observed value and the target, direction applied."""

    step: ClassVar[str] = "normalise"
    min: float
    target: float


class GoalpostFit(Fit):
    """``goalposts``: the low and high goalposts used, direction applied."""

    step: ClassVar[str] = "normalise"
    low: float
    high: float


# -- treat -----------------------------------------------------------------------------
class TreatFit(Fit):
    """An outlier treatment: what was done (replayable) and the diagnostics.

    ``action`` is ``none``, ``winsorised`` (clip to ``lower``/``upper``), ``log``
    (``log(x + log_shift)``) or another transformation named by the method.
    """

    step: ClassVar[str] = "treat"
    action: str = "none"
    log_shift: float | None = None
    lower: float | None = None
    upper: float | None = None
    lam: float | None = None
    skew_before: float | None = None
    kurtosis_before: float | None = None
    skew_after: float | None = None
    kurtosis_after: float | None = None
    winsorised_high: int = 0
    winsorised_low: int = 0
    points: tuple[int, ...] = ()
    still_fails: bool = False


# -- impute ----------------------------------------------------------------------------
class GroupFit(Fit):
    """``mean`` / ``median``: the value filled in for each unit group (``*`` = all)."""

    step: ClassVar[str] = "impute"
    values: dict[str, float]


class LatestFit(Fit):
    """``latest``: the year each filled value came from, by unit."""

    step: ClassVar[str] = "impute"
    from_year: dict[str, int] = Field(default_factory=dict)


class ModelFit(Fit):
    """``knn`` / ``iterative``: the model's settings (refitted on every build)."""

    step: ClassVar[str] = "impute"
    k: int | None = None
    n_iter: int | None = None


#: (step, method) -> the model of what that method learns.
FIT_TYPES: dict[tuple[str, str], type[Fit]] = {
    ("normalise", "minmax"): RangeFit, ("normalise", "frontier"): RangeFit,
    ("normalise", "zscore"): MeanSdFit, ("normalise", "target"): TargetFit,
    ("normalise", "goalposts"): GoalpostFit,
    ("treat", "jrc"): TreatFit, ("treat", "none"): TreatFit,
    ("impute", "mean"): GroupFit, ("impute", "median"): GroupFit,
    ("impute", "intensity"): GroupFit,
    ("impute", "latest"): LatestFit, ("impute", "knn"): ModelFit,
    ("impute", "iterative"): ModelFit,
}


def register_fit(step: str, method: str, model: type[Fit]) -> None:
    """Declare the learned-parameter model of a (user-registered) method."""
    FIT_TYPES[(step, method)] = model


def _parse(step: str, code: str, doc: Any) -> Fit:
    if not isinstance(doc, Mapping) or "method" not in doc:
        raise SpecError([Issue(("fitted", step, code), "bad_fit", "A learned entry must be "
                               f"a mapping with 'method'. Got {doc!r}.", str(doc)[:80])])
    model = FIT_TYPES.get((step, str(doc["method"])), NoFit)
    return model.model_validate(dict(doc))


class Fitted(Mapping[str, Mapping[str, Fit]]):
    """Learned parameters by step and indicator code: ``fitted["normalise"]["gdp"]``.

    Immutable. Build one from a result (:attr:`airank.Result.fitted`), by
    :meth:`only` / :meth:`merged`, or from JSON (:meth:`from_json`).
    """

    STEPS: ClassVar[tuple[str, ...]] = ("impute", "treat", "normalise")

    def __init__(self, entries: Mapping[str, Mapping[str, Fit]] | None = None) -> None:
        self._d: dict[str, dict[str, Fit]] = {s: dict(v) for s, v in (entries or {}).items()
                                              if v}

    def __getitem__(self, step: str) -> Mapping[str, Fit]:
        return self._d[step]

    def __iter__(self) -> Iterator[str]:
        return iter(self._d)

    def __len__(self) -> int:
        return len(self._d)

    def __repr__(self) -> str:
        return f"Fitted({ {s: len(v) for s, v in self._d.items()} })"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Fitted) and self._d == other._d

    __hash__ = None  # type: ignore[assignment]

    def get_fit(self, step: str, code: str, method: str) -> Fit | None:
        """The entry of ``code`` for ``step`` if it was learned by ``method``, else None."""
        fit = self._d.get(step, {}).get(code)
        return fit if fit is not None and fit.method == method else None

    def only(self, *steps: str) -> Fitted:
        """The entries of these steps only (e.g. the goalposts: treat and normalise)."""
        return Fitted({s: v for s, v in self._d.items() if s in steps})

    def to_dict(self) -> dict[str, dict[str, dict[str, Any]]]:
        """Plain, JSON-ready mapping (methods included)."""
        return {s: {c: f.model_dump(mode="json") for c, f in sorted(v.items())}
                for s, v in sorted(self._d.items())}

    def to_json(self) -> str:
        """Canonical JSON text (sorted keys, floats as repr): same fit, same bytes."""
        return json.dumps(self.to_dict(), sort_keys=True, indent=1) + "\n"

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Fitted:
        """The inverse of :meth:`to_dict`; every entry validated by its method's model."""
        if not isinstance(doc, Mapping):
            raise SpecError([Issue(("fitted",), "bad_fit", "Fitted parameters must be a "
                                   f"mapping of steps. Got {type(doc).__name__}.")])
        return cls({str(s): {str(c): _parse(str(s), str(c), f) for c, f in dict(v).items()}
                    for s, v in doc.items()})

    @classmethod
    def from_json(cls, text: str) -> Fitted:
        return cls.from_dict(json.loads(text))


FitLike = Fitted | Mapping[str, Mapping[str, Fit]]


def as_fitted(fitted: FitLike | None) -> Fitted:
    """``fitted`` as a :class:`Fitted` (None -> empty)."""
    if isinstance(fitted, Fitted):
        return fitted
    return Fitted(fitted or {})

