"""What the sections share: the edition, the settings and every analysis, computed once."""

from __future__ import annotations

import importlib
from functools import cached_property
from typing import TYPE_CHECKING, Any

import pandas as pd

from .model import Settings

if TYPE_CHECKING:
    from ..analysis.robustness.batch import Plan
    from ..analysis.robustness.factors import Factor
    from ..analysis.robustness.sensitivity import SensitivityResult
    from ..analysis.robustness.uncertainty import UncertaintyResult
    from ..edition import Edition
    from ..results import Result

__all__ = ["Context", "edition_weights", "optional"]


def optional(module: str, name: str) -> Any | None:
    """``module.name`` if this airank has it, else None (the section then says so)."""
    try:
        return getattr(importlib.import_module(f"airank.{module}"), name, None)
    except ImportError:
        return None


class Context:
    """The edition reported on, the report settings, and the analyses the sections use
    (each computed on first use, then shared)."""

    def __init__(self, edition: Edition, settings: Settings) -> None:
        self.edition = edition
        self.settings = settings

    @property
    def result(self) -> Result:
        return self.edition.baseline

    @property
    def is_ogai(self) -> bool:
        return self.edition.key == "ogai"

    @cached_property
    def available(self) -> list[str]:
        """Indicators with data for at least one ranked unit in this edition."""
        raw = self.result.stages["raw"].loc[self.result.units]
        return [c for c in self.result.spec.indicator_codes if raw[c].notna().any()]

    @cached_property
    def factors(self) -> tuple[Factor, ...]:
        from ..analysis.robustness.designs import default_factors

        return default_factors(self.edition.spec)

    @cached_property
    def plan(self) -> Plan:
        from ..analysis.robustness.batch import Plan

        return Plan(self.edition, self.factors)

    @cached_property
    def uncertainty(self) -> UncertaintyResult:
        from ..analysis.robustness.uncertainty import uncertainty

        s = self.settings
        return uncertainty(self.edition, self.factors, n=s.n, seed=s.seed, plan=self.plan)

    @cached_property
    def sensitivity(self) -> SensitivityResult:
        from ..analysis.robustness.sensitivity import sensitivity

        s = self.settings
        return sensitivity(self.edition, self.factors, n_base=s.n_base, seed=s.seed,
                           plan=self.plan)

    @cached_property
    def importance(self) -> pd.DataFrame:
        from ..analysis.audit.checks import importance

        return importance(self.result)

    @cached_property
    def units(self) -> list[str]:
        """The units given a page: the settings' (resolved), else the first-ranked."""
        if self.settings.units:
            from ..countries import resolve_units

            r = self.result
            return resolve_units(list(self.settings.units),
                                 {u: r.names.get(u, u) for u in r.units}, what="unit",
                                 kind=r.spec.units.kind)
        return [str(self.result.ranking().loc[0, "unit"])]


def edition_weights(ctx: Context) -> pd.Series:
    """Effective weights in this edition: indicators without data leave the tree and
    their siblings share their weight, as the aggregation does (index: code; the one
    rule, :meth:`Result.effective_weights`)."""
    return ctx.result.effective_weights().rename("effective_in_edition")
