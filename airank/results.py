"""The result of a build: every stage, scores and ranks at every level, the records.

Frames are indexed by unit. ``scores`` holds the normalised indicators and the aggregate
scores side by side (one column per code, indicators first, then groups bottom-up);
``ranks`` has the same layout with rank 1 = highest and ties sharing the best rank.

Sub-national indices rank within a state or region too (the CDC/ATSDR Social
Vulnerability Index ranks census tracts nationally and within each state):
:meth:`Result.group_ranks` ranks within the groups of a unit-group column
(``units.groups`` in the spec), and :meth:`Result.percentiles` gives percentile ranks,
nationally or within groups, by the SVI's formula: ``(rank - 1) / (N - 1)`` with ranks
ascending (1 = lowest score, ties sharing the lowest rank, as Excel's ``PERCENTRANK.INC``),
i.e. the share of the other units with a strictly lower score: 1 for the highest score,
0 for the lowest, NaN for a group of one unit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from .fitted import Fit, Fitted
from .records import StepRecord
from .spec import IndexSpec

__all__ = ["STAGES", "Result"]

STAGES = ("raw", "denominated", "imputed", "screened", "treated", "normalised", "aggregated")


def _freeze(obj: Any) -> None:
    """Mark the arrays behind ``obj`` read-only (numpy-backed blocks)."""
    for block in obj._mgr.blocks:
        values = getattr(block, "values", None)
        if isinstance(values, np.ndarray):
            values.flags.writeable = False


def rank_frame(scores: pd.DataFrame) -> pd.DataFrame:
    """Ranks per column: 1 = highest, ties share the best rank, NaN stays NaN.

    Scores are ranked exactly as computed (as COINr does); aggregates are summed in
    extended precision (see :mod:`airank.aggregate`), so exact ties stay ties.
    """
    return scores.rank(ascending=False, method="min", na_option="keep").astype("Int64")


@dataclass(frozen=True, eq=False)
class Result:
    """Everything a build produced. Build one with :func:`airank.build`."""

    spec: IndexSpec
    stages: Mapping[str, pd.DataFrame]
    records: tuple[StepRecord, ...]
    year: int
    source_years: pd.DataFrame
    data_hash: str
    names: dict[str, str]
    unit_coverage: pd.Series
    data_notes: tuple[str, ...] = field(default_factory=tuple)
    #: True where a raw value was inferred (not observed): units x indicators, all units.
    inferred: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: Unit-group labels (the spec's ``units.groups`` columns), index: unit.
    groups: pd.DataFrame = field(default_factory=pd.DataFrame)

    def frozen(self) -> Result:
        """This result, read-only: every stage frame, ``source_years`` and
        ``unit_coverage`` refuse writes (``ValueError: assignment destination is
        read-only``) and ``stages`` is a read-only mapping. Shared results -- caches, an
        edition's baseline -- are frozen, so one caller cannot change another's numbers;
        take ``.copy()`` of a frame to modify it."""
        for frame in (*self.stages.values(), self.source_years, self.unit_coverage,
                      self.inferred, self.groups):
            _freeze(frame)
        if not isinstance(self.stages, MappingProxyType):
            object.__setattr__(self, "stages", MappingProxyType(dict(self.stages)))
        return self

    # -- scores and ranks --------------------------------------------------------
    @property
    def scores(self) -> pd.DataFrame:
        """index: unit; columns: indicator codes (normalised) then group codes (scores)."""
        return self.stages["aggregated"]

    @cached_property
    def ranks(self) -> pd.DataFrame:
        return rank_frame(self.scores)

    @property
    def index(self) -> pd.Series:
        """The index score of every unit."""
        return self.scores[self.spec.index_code]

    @property
    def units(self) -> list[str]:
        return list(self.scores.index)

    @cached_property
    def imputed(self) -> pd.DataFrame:
        """True where a value was filled by imputation (units x indicators, all units)."""
        return self.stages["denominated"].isna() & self.stages["imputed"].notna()

    @cached_property
    def fitted(self) -> Fitted:
        """Learned parameters by step and indicator: pass as ``build(..., fitted=...)``."""
        out: dict[str, dict[str, Fit]] = {}
        for r in self.records:
            if r.code is not None and r.fit is not None:
                out.setdefault(r.step, {})[r.code] = r.fit
        return Fitted(out)

    def ranking(self, code: str | None = None) -> pd.DataFrame:
        """The ranking table of ``code`` (default the index), best first.

        Columns: ``rank``, ``unit``, ``name``, ``score``, then the scores of the
        children of ``code``, then ``coverage`` (share of indicators with data).
        """
        code = code or self.spec.index_code
        kids = list(self.spec.children.get(code, ()))
        t = pd.DataFrame({
            "rank": self.ranks[code].to_numpy(),
            "unit": self.scores.index.to_numpy(),
            "name": [self.names.get(u, u) for u in self.scores.index],
            "score": self.scores[code],
        }).reset_index(drop=True)
        for k in kids:
            t[k] = self.scores[k].to_numpy()
        t["coverage"] = self.unit_coverage.reindex(self.scores.index).to_numpy()
        return t.sort_values(["rank", "unit"], na_position="last").reset_index(drop=True)

    # -- ranks within groups, percentiles ------------------------------------------
    def unit_groups(self, by: str) -> pd.Series:
        """The group of every ranked unit in the unit-group column ``by`` (NaN: none).

        Raises
        ------
        DataError
            ``by`` is not one of the spec's unit-group columns.
        """
        if by not in self.groups.columns:
            from .errors import DataError, Issue

            raise DataError([Issue(("by",), "unknown_group_column", f"'{by}' is not a "
                                   "unit-group column of this index. Expected one of "
                                   f"{list(self.groups.columns)} (units.groups in the spec).",
                                   by)])
        return self.groups[by].reindex(self.scores.index)

    def group_ranks(self, by: str, codes: Sequence[str] | None = None) -> pd.DataFrame:
        """Ranks within each group of the unit-group column ``by``: the layout of
        :attr:`ranks` (1 = highest in the group, ties share the best rank; NaN for a
        unit without a group), for every code or just ``codes``."""
        g = self.unit_groups(by)
        s = self.scores if codes is None else self.scores[list(codes)]
        ranked = s.groupby(g, dropna=True).rank(ascending=False, method="min")
        return ranked.reindex(s.index).astype("Int64")

    def percentiles(self, by: str | None = None, codes: Sequence[str] | None = None
                    ) -> pd.DataFrame:
        """Percentile ranks in [0, 1] of every score (or of ``codes``), nationally or
        within the groups of ``by`` (the SVI's formula; see the module notes). The layout
        of :attr:`scores`."""
        s = self.scores if codes is None else self.scores[list(codes)]
        if by is None:
            low = s.rank(ascending=True, method="min") - 1
            return low / (s.count() - 1)
        g = self.unit_groups(by)
        grouped = s.groupby(g, dropna=True)
        low = grouped.rank(ascending=True, method="min") - 1
        n = grouped.transform("count")
        with np.errstate(invalid="ignore", divide="ignore"):
            out = low / (n - 1)
        return out.reindex(s.index)

    def group_ranking(self, by: str | Sequence[str] = (), code: str | None = None
                      ) -> pd.DataFrame:
        """:meth:`ranking` with the national ``percentile`` after ``score`` and, for each
        unit-group column in ``by``, the unit's group, its rank and percentile within it
        (columns ``<by>``, ``rank_<by>``, ``percentile_<by>``)."""
        code = code or self.spec.index_code
        t = self.ranking(code)
        units = pd.Index(t["unit"])
        extra = {"percentile": self.percentiles(codes=[code])[code]}
        for col in ([by] if isinstance(by, str) else list(by)):
            extra.update({col: self.unit_groups(col),
                          f"rank_{col}": self.group_ranks(col, [code])[code],
                          f"percentile_{col}": self.percentiles(col, [code])[code]})
        at = list(t.columns).index("score") + 1
        for i, (name, values) in enumerate(extra.items()):
            t.insert(at + i, name, values.reindex(units).to_numpy())
        return t

    # -- explanation -------------------------------------------------------------
    def effective_weights(self) -> pd.Series:
        """Each node's weight in the index in this build, by code (the index: 1): the
        product of the weights up the tree, each rescaled over its siblings with data.
        An indicator no unit has (and a group whose indicators all lack data) weighs 0
        -- the scoring kernel's rule -- so the weights shown are those the scores were
        computed with."""
        return self._effective_weights.copy()

    @cached_property
    def _effective_weights(self) -> pd.Series:
        from .kernel import Kernel

        kernel = Kernel.compile(self.spec)
        X = self.stages["normalised"].reindex(columns=list(self.spec.indicator_codes))
        alive = ~kernel.dead(X.to_numpy(dtype=float))
        _, eff = kernel.unit_weights(alive[None, :])
        return pd.Series([*eff[0], 1.0], index=[*kernel.nodes, self.spec.index_code],
                         name="effective_weight")

    def contributions(self, unit: str) -> pd.DataFrame:
        """How much each indicator and group adds to ``unit``'s scores.

        Columns: ``code``, ``level``, ``parent``, ``score`` (normalised value or group
        score), ``weight`` (in its parent, rescaled over the children the unit has),
        ``effective_weight`` (in the index, for this unit), ``to_parent`` and
        ``to_index`` (points added: weight x score for arithmetic means; for geometric
        means, weight x log(score), in log points) and ``share`` of the index.
        """
        self._check_unit(unit)
        from .kernel import Kernel

        kernel = Kernel.compile(self.spec)
        s = self.scores.loc[unit, list(kernel.nodes)].to_numpy(dtype=float)
        local, eff = kernel.unit_weights(~np.isnan(s)[None, :])
        rows = []
        for j, code in enumerate(kernel.nodes):
            gi = int(kernel.parent[j])
            agg, params = kernel.methods[gi], kernel.params[gi]
            val = float(s[j])
            # the mean's own scale: log points for the geometric mean, and so on
            term = (float(agg.transform(np.array([val]), params)[0])
                    if agg.transform is not None and val > 0 else val)
            rows.append({"code": code, "level": self.spec.levels[code],
                         "parent": kernel.groups[gi], "score": val,
                         "weight": float(local[0, j]), "effective_weight": float(eff[0, j]),
                         "to_parent": float(local[0, j]) * term,
                         "to_index": float(eff[0, j]) * term})
        t = pd.DataFrame(rows)
        ind = t["level"] == 1
        total = t.loc[ind, "to_index"].sum()
        t["share"] = t["to_index"] / total if total else np.nan
        return t

    def strengths_weaknesses(self, unit: str, n: int = 5, **options: Any
                             ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The unit's ``n`` best and ``n`` worst indicators by rank among all units.

        One implementation, COINr's ``get_str_weak``
        (:func:`airank.analysis.audit.profile.strengths_weaknesses`; ``options`` are its
        ``min_discard``, ``unq_discard``, ``groups``, ``stage`` ...; ``min_discard`` is off
        unless given). Columns ``code, name, group, rank, value, indicator_unit`` and
        ``raw``, ``imputed``, ``score``; weaknesses worst first.
        """
        from .analysis.audit.profile import strengths_weaknesses as get_str_weak

        self._check_unit(unit)
        options.setdefault("min_discard", False)
        strong, weak = get_str_weak(self, unit, n=n, **options)

        def more(t: pd.DataFrame) -> pd.DataFrame:
            c = list(t["code"])
            return t.assign(raw=self.stages["raw"].loc[unit, c].to_numpy(),
                            imputed=self.imputed.loc[unit, c].to_numpy(),
                            score=self.scores.loc[unit, c].to_numpy())

        return more(strong), more(weak.iloc[::-1].reset_index(drop=True))

    def _check_unit(self, unit: str) -> None:
        if unit not in self.scores.index:
            from .errors import DataError, Issue

            screened = unit in self.unit_coverage.index
            why = (f"it was screened out (data coverage {self.unit_coverage[unit]:.0%})"
                   if screened else "it is not in the data")
            raise DataError([Issue(("unit",), "unknown_unit",
                                   f"'{unit}' has no result: {why}.", unit)])

    # -- metadata ----------------------------------------------------------------
    def coverage(self) -> pd.DataFrame:
        """Per unit: share of indicators with data before imputation, kept or screened."""
        kept = set(self.scores.index)
        return pd.DataFrame({
            "unit": self.unit_coverage.index,
            "name": [self.names.get(u, u) for u in self.unit_coverage.index],
            "coverage": self.unit_coverage.to_numpy(),
            "n_indicators": self.stages["denominated"].notna().sum(axis=1).to_numpy(),
            "kept": [u in kept for u in self.unit_coverage.index],
        })

    def indicator_coverage(self) -> pd.DataFrame:
        """Per indicator: share of units with data (all units, and the kept units)."""
        den = self.stages["denominated"]
        kept = den.loc[self.scores.index]
        return pd.DataFrame({"code": den.columns, "coverage_all": den.notna().mean().to_numpy(),
                             "coverage_kept": kept.notna().mean().to_numpy(),
                             "n_imputed": self.imputed.loc[self.scores.index].sum().to_numpy()})

    def data_quality(self) -> pd.DataFrame:
        """Per unit (all units of the data): how much of its data is observed.

        Columns: ``n_available`` (indicators with any data in this edition),
        ``n_observed``, ``n_inferred`` (values inferred, e.g. a zero from absence in a
        census-like source), ``n_imputed``, ``n_missing`` (still missing after imputation),
        ``imputed_share`` (imputed / available), ``imputed`` and ``missing`` (the codes,
        comma-separated), ``coverage`` (observed / available: the screen's measure).
        """
        raw, den = self.stages["raw"], self.stages["denominated"]
        avail = [str(c) for c in raw.columns[raw.notna().any(axis=0)]]
        inf = self.inferred.reindex(index=den.index, columns=avail, fill_value=False)
        have = den[avail].notna()
        imp = self.imputed.reindex(index=den.index, columns=avail, fill_value=False)
        left = self.stages["imputed"].reindex(den.index)[avail].isna()
        codes = np.array(avail, dtype=object)

        def names(mask: pd.DataFrame) -> list[str]:
            return [", ".join(codes[row]) for row in mask.to_numpy()]

        n = max(len(avail), 1)
        return pd.DataFrame({
            "n_available": len(avail), "n_observed": (have & ~inf).sum(axis=1),
            "n_inferred": inf.sum(axis=1), "n_imputed": imp.sum(axis=1),
            "n_missing": left.sum(axis=1), "imputed_share": imp.sum(axis=1) / n,
            "imputed": names(imp), "missing": names(~have), "coverage": self.unit_coverage,
        }, index=den.index)

    def provenance(self) -> dict[str, Any]:
        """Short provenance: airank version, data hash, spec fingerprint, year, index."""
        from . import __version__

        return {"airank_version": __version__, "data_hash": self.data_hash,
                "spec_hash": self.spec.fingerprint(), "year": self.year,
                "index": self.spec.index_code}

    def manifest(self) -> dict[str, Any]:
        """The provenance every output carries: spec, data hash, airank version, year."""
        from .provenance import versions

        return {**self.provenance(), "n_units": len(self.scores),
                "spec": self.spec.to_dict(), "data_notes": list(self.data_notes),
                "versions": versions()}
