"""Which index: the one object every command, route and analysis takes.

An :class:`Edition` is a spec, its data, the edition year, the learned parameters held
fixed across rebuilds (for the OGAI, the goalposts frozen by its methodology release) and
the baseline result built from them -- immutable, built once. Two constructors make one:
:meth:`Edition.of` for any spec and data, :meth:`Edition.ogai` for an OGAI edition (and
:meth:`Edition.example` for a shipped example). The CLI, the web service, the robustness
engine, scenarios, "what would it take" and projections all take an Edition, so the
goalposts a number was computed with are the same everywhere by construction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from .data import Dataset
from .errors import Issue, ScenarioError, SpecError
from .fitted import Fitted
from .pipeline import build, reaggregate
from .results import Result
from .spec import IndexSpec

__all__ = ["FIXED_STEPS", "Edition"]

#: The steps whose learned parameters an edition holds fixed: treatment and goalposts.
FIXED_STEPS = ("treat", "normalise")


@dataclass(frozen=True, eq=False)
class Edition:
    """An index edition: spec, data, year, fixed learned parameters and the baseline.

    Build one with :meth:`of`, :meth:`ogai` or :meth:`example`, not directly.

    Attributes
    ----------
    fitted : Fitted
        Learned parameters kept across rebuilds (steps in :data:`FIXED_STEPS`): with them a
        shocked unit cannot move the goalposts. Empty: every rebuild refits (the spec's
        own pipeline).
    baseline : Result
        The nominal build (read-only).
    key, view : str
        Which served index (``ogai``, ``asem``, ``custom``) and view (OGAI: ``scale`` or
        ``intensity``; others ``default``).
    release : str or None
        The OGAI methodology release whose goalposts are used.
    """

    spec: IndexSpec
    data: Dataset
    year: int
    fitted: Fitted
    baseline: Result
    key: str = "custom"
    view: str = "default"
    label: str = ""
    release: str | None = None
    licence: str = "all"

    # -- constructors ----------------------------------------------------------------
    @classmethod
    def of(cls, spec: IndexSpec, data: Dataset, *, year: int | None = None,
           goalposts: Literal["refit", "fixed"] = "refit", key: str = "custom",
           label: str = "") -> Edition:
        """Any index. ``goalposts='fixed'`` keeps the baseline's treatment and goalposts
        in every rebuild (scenarios then cannot move them)."""
        y = spec.data.year if year is None else year
        y = max(data.years) if y is None else int(y)
        baseline = build(spec, data, year=y).frozen()
        fitted = baseline.fitted.only(*FIXED_STEPS) if goalposts == "fixed" else Fitted()
        return cls(spec, data, y, fitted, baseline, key, "default",
                   label or f"{spec.name} {y}")

    @classmethod
    def ogai(cls, edition: int | None = None, view: str = "scale", *,
             licence: str = "all") -> Edition:
        """An OGAI edition (default the latest) with its release's fixed goalposts."""
        from . import ogai

        res = ogai.build(edition, view, licence=licence)
        return cls(res.spec, ogai.dataset(view, licence=licence), res.year,
                   ogai.fitted(view, licence=licence), res, "ogai", view,
                   f"OGAI {res.year} ({view} view{', open licences' if licence != 'all' else ''})",
                   ogai.RELEASE, licence)

    @classmethod
    def example(cls, name: str) -> Edition:
        """A shipped example (see :data:`airank.datasets.EXAMPLES`)."""
        from . import datasets

        spec, data = datasets.example(name)
        return cls.of(spec, data, key=name, label=f"example '{name}'")

    # -- derived editions ------------------------------------------------------------
    def build(self, data: Dataset | None = None, *, spec: IndexSpec | None = None,
              year: int | None = None) -> Result:
        """Build the edition (or ``year``) on ``data`` and ``spec`` (default its own) with
        the fixed learned parameters. On a copy of the edition's data with some values
        changed (a scenario), the baseline's imputation is reused where its inputs are
        unchanged (see :func:`~airank.pipeline.build`)."""
        own = spec is None and year in (None, self.year) and data is not None
        return build(self.spec if spec is None else spec,
                     self.data if data is None else data,
                     year=self.year if year is None else year, fitted=self.fitted,
                     like=(self.data, self.baseline) if own else None)

    def with_data(self, data: Dataset, label: str = "") -> Edition:
        """The same edition on other data (a scenario), same fixed parameters."""
        return dataclasses.replace(self, data=data, baseline=self.build(data).frozen(),
                                   label=label or self.label)

    def with_spec(self, spec: IndexSpec) -> Edition:
        """The same edition under another spec (a methodology variant), same parameters
        where the methods are unchanged."""
        return dataclasses.replace(self, spec=spec, baseline=self.build(spec=spec).frozen())

    def with_weights(self, weights: Mapping[str, float]) -> Edition:
        """The edition re-weighted: any node's or indicator's weight (aggregation only).

        Raises
        ------
        SpecError
            Unknown codes, bad values, or a group left without a positive weight.
        """
        if not weights:
            return self
        spec = self.spec.with_weights({c: float(w) for c, w in weights.items()})
        return dataclasses.replace(self, spec=spec,
                                   baseline=reaggregate(self.baseline, spec).frozen())

    # -- units -----------------------------------------------------------------------
    @property
    def units(self) -> list[str]:
        """The units ranked (kept by the screen) in the baseline."""
        return self.baseline.units

    def check_unit(self, unit: str, what: str = "unit") -> str:
        """``unit`` as a ranked unit's code (codes in any case, country names and
        aliases); a ScenarioError naming the closest units otherwise."""
        return self.check_units([unit], what)[0]

    def check_units(self, units: Sequence[str], what: str = "units") -> list[str]:
        """Every text in ``units`` resolved (all problems reported together)."""
        names = {u: self.baseline.names.get(u, u) for u in self.units}
        issues: list[Issue] = []
        out: list[str] = []
        for u in units:
            text = str(u).strip()
            if text in names:
                out.append(text)
            elif text.upper() in names:
                out.append(text.upper())
            else:
                issues.append(Issue((what,), "unknown_unit", f"'{u}' is not ranked in "
                                    f"{self.label}. Expected one of: "
                                    f"{', '.join(sorted(names)[:40])}...", str(u)))
        ScenarioError.collect(issues)
        return out

    # -- provenance ------------------------------------------------------------------
    def manifest(self) -> dict[str, Any]:
        """The baseline's manifest with the edition's identity (index, view, release)."""
        return {**self.baseline.manifest(), "index_key": self.key, "view": self.view,
                "edition": self.year, "release": self.release, "licence": self.licence,
                "label": self.label}


def check_weights(weights: Mapping[str, Any]) -> dict[str, float]:
    """Weights as floats, every bad one reported (a user's input)."""
    out: dict[str, float] = {}
    issues = []
    for code, w in weights.items():
        try:
            out[str(code)] = float(w)
        except (TypeError, ValueError):
            issues.append(Issue(("weights", str(code)), "bad_weight", "A weight must be a "
                                f"number. Got {w!r}.", str(w)))
    SpecError.collect(issues)
    return out
