"""Run a scenario: baseline against scenario at every level, rank changes with intervals.

:func:`run_scenario` applies a :class:`~airank.analysis.scenarios.shocks.Scenario` to an
:class:`~airank.analysis.Edition`, rebuilds the index through the normal
pipeline (with the edition's fixed parameters) and compares every score and rank.

The interval of a rank change comes from the robustness analysis: the same uncertainty
replications -- same factors, same seed, hence the same draws -- are evaluated on the
baseline and on the scenario data (one batched :class:`~airank.analysis.robustness.batch.Plan`
each), and the 5th and 95th percentiles of the per-replication rank change are reported.
Both plans keep the edition's fixed goalposts (variants with another normaliser fit their
own, as ``airank uncertainty`` does). The baseline plan is the caller's cached one when
given (a server keeps one per edition; custom weights rescale its draws, as
:func:`~airank.analysis.robustness.uncertainty.reweighted_intervals` does); the scenario's
plan reuses the scenario build (its variants only normalise that build's treated values
again), so a scenario costs one build.

A positive ``rank_change`` means places gained (rank 30 -> 27 is +3).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, cast

import numpy as np
import pandas as pd

from ...data import Dataset
from ...edition import Edition
from ...results import Result
from ...seeds import resolve_seed
from ..robustness._threads import one_blas_thread
from ..robustness.batch import Draws, Plan
from ..robustness.designs import default_factors
from ..robustness.factors import Factor
from ..robustness.ranks import quantile_from_counts, rank_desc
from ..robustness.uncertainty import BLOCK, draw
from .shocks import Scenario, apply_scenario

__all__ = ["ScenarioResult", "rank_change_interval", "run_scenario"]


@dataclass(frozen=True, eq=False)
class ScenarioResult:
    """Baseline and scenario builds of one edition, compared.

    Attributes
    ----------
    changes : DataFrame
        The shocked cells: ``unit, code, year, before, after, op, status``.
    interval : DataFrame or None
        index: unit; ``change_median, change_q05, change_q95, share_up, share_down`` of
        the index rank change over ``n`` robustness replications (None when ``n = 0``).
    """

    scenario: Scenario
    edition: Edition
    baseline: Result
    shocked: Result
    changes: pd.DataFrame
    interval: pd.DataFrame | None
    n: int
    seed: int | None

    @cached_property
    def table(self) -> pd.DataFrame:
        """Every unit at every level (long form).

        Columns: ``unit, code, level, score_base, score_scenario, score_change,
        rank_base, rank_scenario, rank_change`` (places gained).
        """
        spec = self.baseline.spec
        kept = set(self.shocked.units)
        units = [u for u in self.baseline.units if u in kept]
        b, s = self.baseline.scores.loc[units], self.shocked.scores.loc[units]
        rb = self.baseline.ranks.loc[units].astype(float)
        rs = self.shocked.ranks.loc[units].astype(float)
        frames = []
        for code in spec.codes:
            frames.append(pd.DataFrame({
                "unit": units, "code": code, "level": spec.levels[code],
                "score_base": b[code].to_numpy(), "score_scenario": s[code].to_numpy(),
                "rank_base": rb[code].to_numpy(), "rank_scenario": rs[code].to_numpy()}))
        t = pd.concat(frames, ignore_index=True)
        t["score_change"] = t["score_scenario"] - t["score_base"]
        t["rank_change"] = t["rank_base"] - t["rank_scenario"]
        for c in ("rank_base", "rank_scenario", "rank_change"):
            t[c] = t[c].astype("Int64")
        return t[["unit", "code", "level", "score_base", "score_scenario", "score_change",
                  "rank_base", "rank_scenario", "rank_change"]]

    def index_table(self) -> pd.DataFrame:
        """One row per unit at the index level, with the interval; by scenario rank."""
        idx = self.baseline.spec.index_code
        t = self.table[self.table["code"] == idx].drop(columns=["code", "level"])
        t.insert(1, "name", [self.baseline.names.get(u, u) for u in t["unit"]])
        t["shocked"] = t["unit"].isin(self.scenario.units)
        if self.interval is not None:
            t = t.join(self.interval, on="unit")
        return t.sort_values(["rank_scenario", "unit"]).reset_index(drop=True)

    def levels(self, unit: str) -> pd.DataFrame:
        """Every group score of ``unit``: base, scenario and rank change by level."""
        t = self.table
        groups = set(self.baseline.spec.group_codes)
        return t[(t["unit"] == unit) & t["code"].isin(groups)].reset_index(drop=True)

    def drivers(self, unit: str) -> pd.DataFrame:
        """Which indicators moved ``unit``'s index score, largest effect first.

        Columns: ``code, raw_base, raw_scenario, score_base, score_scenario``
        (normalised), ``to_index`` (points of the index score the change adds: weight x
        change for arithmetic means; log points for geometric means) and ``share`` of
        the total change. Indicators that did not move are left out.
        """
        cb = self.baseline.contributions(unit).set_index("code")
        cs = self.shocked.contributions(unit).set_index("code")
        codes = list(self.baseline.spec.indicator_codes)
        raw_b = self.baseline.stages["raw"].loc[unit, codes]
        raw_s = self.shocked.stages["raw"].loc[unit, codes]
        t = pd.DataFrame({"code": codes, "raw_base": raw_b.to_numpy(),
                          "raw_scenario": raw_s.to_numpy(),
                          "score_base": cb.loc[codes, "score"].to_numpy(),
                          "score_scenario": cs.loc[codes, "score"].to_numpy(),
                          "to_index": (cs.loc[codes, "to_index"] - cb.loc[codes, "to_index"]
                                       ).to_numpy()})
        t = t[t["to_index"].abs() > 1e-12]
        total = t["to_index"].sum()
        t["share"] = t["to_index"] / total if total else np.nan
        return t.reindex(t["to_index"].abs().sort_values(ascending=False).index
                         ).reset_index(drop=True)

    def headline(self, unit: str) -> str:
        """'Russia -1 place (90% interval -3 to +0), score 45.1 -> 44.2'."""
        row = cast(pd.Series, self.index_table().set_index("unit").loc[unit])  # one row
        ch = int(row["rank_change"])
        text = (f"{row['name']} {ch:+d} place{'s' if abs(ch) != 1 else ''} (rank "
                f"{int(row['rank_base'])} -> {int(row['rank_scenario'])}")
        if self.interval is not None and pd.notna(row.get("change_q05")):
            text += (f"; 90% interval {row['change_q05']:+.0f} to {row['change_q95']:+.0f} "
                     f"over {self.n} replications")
        return text + f"), score {row['score_base']:.2f} -> {row['score_scenario']:.2f}"


def rank_change_interval(edition: Edition, data: Dataset, *,
                         factors: Sequence[Factor] | None = None, n: int = 1000,
                         seed: int | None = 1, plan: Plan | None = None,
                         shocked: Result | None = None) -> pd.DataFrame:
    """The index rank change from ``edition.data`` to ``data`` under the robustness factors.

    Both datasets are evaluated on the same draws (same factors, same seed); returns,
    per unit (index), the median, 5th and 95th percentile of the change in places gained
    and the shares of replications in which the unit goes up or down.

    Parameters
    ----------
    plan : Plan, optional
        A plan of ``edition`` (or of the same edition with other weights) to reuse for the
        baseline, when ``factors`` is None or its factors; otherwise ignored.
    shocked : Result, optional
        ``edition.build(data)``, when the caller has it already.
    """
    seed = resolve_seed(seed)
    with one_blas_thread():
        fit = plan is not None and (factors is None or tuple(factors) == plan.factors)
        base = plan if plan is not None and fit and _same_index(plan.edition, edition) \
            else None
        if base is None:
            fs = tuple(default_factors(edition.spec) if factors is None else factors)
            base = Plan(edition, fs)
        shocked = edition.build(data) if shocked is None else shocked
        # the edition on the scenario data, its baseline the scenario build (no rebuild)
        other = base.on(dataclasses.replace(edition, data=data, baseline=shocked))
        at = pd.Index(other.units).get_indexer(pd.Index(base.units))
        ib = np.flatnonzero(at >= 0)  # the baseline's units the scenario ranks too
        js = at[ib]
        nominal = base.nominal_weights
        wanted = np.array([edition.spec.node(c).weight for c in base.nodes], dtype=float)
        ratio = np.divide(wanted, nominal, out=np.ones_like(wanted), where=nominal > 0)

        def weights(b: int) -> Draws:
            d = draw(base, seed, b, min(BLOCK, n - b * BLOCK))
            return d.reweighted(nominal, ratio, wanted)

        def base_ranks() -> np.ndarray:  # the same for every scenario of this edition
            out = np.concatenate([rank_desc(base.evaluate(weights(b))[0], axis=1)
                                  for b in range(-(-n // BLOCK))]).astype(float)
            out.flags.writeable = False  # shared by every later request
            return out

        rb = base.memo(("ranks", seed, n, ratio.tobytes(), wanted.tobytes()), base_ranks)
        rs = np.concatenate([rank_desc(other.evaluate(weights(b))[0][:, js], axis=1)
                             for b in range(-(-n // BLOCK))])
        delta = rb[:, ib] if len(ib) == len(base.units) else _reranked(rb, ib)
        delta = delta - rs
    units = pd.Index(base.units)[ib]
    delta = delta[~np.isnan(delta).any(axis=1)]
    m = len(units)
    # the one rank-quantile rule, exact from counts of the changes -(m-1) .. m-1
    values = np.arange(-(m - 1), m)
    key = (delta + m - 1).astype(np.int64) + np.arange(m) * (2 * m - 1)
    counts = np.bincount(key.ravel(), minlength=m * (2 * m - 1)).reshape(m, 2 * m - 1)
    q = quantile_from_counts(values, counts, [0.5, 0.05, 0.95])
    return pd.DataFrame({"change_median": q[0], "change_q05": q[1], "change_q95": q[2],
                         "share_up": (delta > 0).mean(axis=0) if len(delta) else np.nan,
                         "share_down": (delta < 0).mean(axis=0) if len(delta) else np.nan},
                        index=units.rename("unit"))


def _reranked(ranks: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Ranks among the units ``keep`` only, from ranks among all (ties share the best)."""
    return np.asarray(rank_desc(-ranks[:, keep], axis=1), dtype=float)


def _same_index(a: Edition, b: Edition) -> bool:
    """Whether two editions differ at most in their weights (same data, year, goalposts
    and everything else in the spec)."""
    if a is b:
        return True
    if a.data is not b.data or a.year != b.year or a.fitted is not b.fitted:
        return False
    return bool(_unweighted(a.spec.to_dict()) == _unweighted(b.spec.to_dict()))


def _unweighted(doc: Any) -> Any:
    if isinstance(doc, dict):
        return {k: _unweighted(v) for k, v in doc.items() if k != "weight"}
    if isinstance(doc, list):
        return [_unweighted(v) for v in doc]
    return doc


def run_scenario(scenario: Scenario, edition: Edition | None = None, *,
                 factors: Sequence[Factor] | None = None, n: int = 1000,
                 seed: int | None = 1, plan: Plan | None = None) -> ScenarioResult:
    """Apply ``scenario`` to ``edition`` (default the latest OGAI, scale view) and compare.

    Parameters
    ----------
    scenario : Scenario
    edition : Edition, optional
    factors : sequence of Factor, optional
        Robustness factors for the interval (default :func:`default_factors`).
    n : int
        Robustness replications; 0 skips the interval.
    seed : int, optional
        Seed of the replications (drawn when None).
    plan : Plan, optional
        The edition's cached robustness plan (see :func:`rank_change_interval`).

    Raises
    ------
    ScenarioError
        If a shocked unit, partner or indicator is unknown.
    """
    ed = edition or Edition.ogai()
    data, changes = apply_scenario(scenario, ed.data, ed.spec, year=ed.year)
    shocked = ed.build(data)
    interval = (rank_change_interval(ed, data, factors=factors, n=n, seed=seed, plan=plan,
                                     shocked=shocked) if n else None)
    return ScenarioResult(scenario, ed, ed.baseline, shocked, changes, interval, n, seed)
