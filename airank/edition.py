"""An index edition to run scenarios, reach questions and projections on.

:class:`Edition` bundles a spec, a dataset, the edition year and the parameters held
fixed across rebuilds (for the OGAI, its goalposts pooled over all editions), and builds
the edition on any variant of the data through the normal pipeline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any, Literal

from .data import Dataset
from .errors import Issue, ScenarioError
from .pipeline import build
from .results import Result
from .spec import IndexSpec

__all__ = ["FIXED_STEPS", "Edition"]

FIXED_STEPS = ("treat", "normalise")


@dataclass(frozen=True, eq=False)
class Edition:
    """An index edition to run scenarios on: spec, data, year and fixed parameters.

    ``fitted`` holds the learned parameters kept across rebuilds (``{step: {code:
    learned}}``, steps in :data:`FIXED_STEPS`): with it a shocked unit cannot move the
    goalposts. ``None`` refits everything on every rebuild (the spec's own pipeline).
    """

    spec: IndexSpec
    data: Dataset
    year: int
    fitted: Mapping[str, Mapping[str, Any]] | None = None
    label: str = ""

    @classmethod
    def of(cls, spec: IndexSpec, data: Dataset, *, year: int | None = None,
           goalposts: Literal["refit", "fixed"] = "refit", label: str = "") -> Edition:
        """Any index. ``goalposts='fixed'`` keeps the baseline's treatment and goalposts."""
        y = spec.data.year if year is None else year
        y = max(data.years) if y is None else int(y)
        ed = cls(spec, data, y, None, label or spec.name)
        if goalposts == "fixed":
            fit = ed.baseline.fitted
            ed = replace(ed, fitted={k: fit[k] for k in FIXED_STEPS if k in fit})
        return ed

    @classmethod
    def ogai(cls, edition: int | None = None, view: str = "scale") -> Edition:
        """An OGAI edition (default the latest) with its pooled, fixed goalposts."""
        from . import ogai

        res = ogai.build(edition, view)
        fit = res.fitted
        ed = cls(res.spec, ogai.dataset(view), res.year,
                 {k: fit[k] for k in FIXED_STEPS if k in fit},
                 f"OGAI {res.year} ({view} view)")
        ed.__dict__["baseline"] = res  # already built (cached in airank.ogai)
        return ed

    def build(self, data: Dataset | None = None, *, year: int | None = None) -> Result:
        """Build the edition (or ``year``) on ``data`` (default its own) with ``fitted``."""
        return build(self.spec, self.data if data is None else data,
                     year=self.year if year is None else year, fitted=self.fitted)

    @cached_property
    def baseline(self) -> Result:
        return self.build()

    def check_unit(self, unit: str, what: str = "unit") -> str:
        """``unit`` upper-cased if it is ranked in the baseline, else a ScenarioError."""
        u = unit.strip()
        units = self.baseline.units
        if u not in units and u.upper() in units:
            u = u.upper()
        if u not in units:
            raise ScenarioError([Issue((what,), "unknown_unit", f"'{unit}' is not ranked in "
                                       f"{self.label}. Expected one of: "
                                       f"{', '.join(sorted(units)[:40])}...", unit)])
        return u

    def check_units(self, units: Sequence[str], what: str = "units") -> list[str]:
        issues: list[Issue] = []
        out: list[str] = []
        for u in units:
            try:
                out.append(self.check_unit(u, what))
            except ScenarioError as exc:
                issues += exc.issues
        ScenarioError.collect(issues)
        return out
