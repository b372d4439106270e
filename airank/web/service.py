"""What the web app computes, as plain functions over the public API.

An :class:`IndexSource` names one servable index (the Open Global AI Index with its
editions and views, a shipped example, or any SPEC + DATA) and caches its builds and its
uncertainty :class:`~airank.analysis.robustness.batch.Plan` per (edition, view). :func:`reweight`
re-aggregates a built index with new weights (the normalised matrix does not depend on
them), and :func:`rank_intervals` draws the default uncertainty design around any
weights through the cached plan: both take milliseconds, which is what lets the
dashboard re-rank live.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..analysis.robustness.batch import Draws, Plan
from ..analysis.robustness.designs import default_factors
from ..analysis.robustness.factors import parse_factors
from ..analysis.robustness.ranks import rank_desc
from ..analysis.robustness.uncertainty import BLOCK, draw, uncertainty
from ..data import Dataset
from ..edition import Edition
from ..errors import Issue, SpecError
from ..pipeline import build, reaggregate
from ..results import Result
from ..spec import IndexSpec

__all__ = ["IndexSource", "example_source", "ogai_source", "parse_weights", "profile",
           "rank_intervals", "ranking", "ranking_table", "records", "reweight", "spec_source",
           "tree", "uncertainty_table"]

DEFAULT_VIEW = "default"


class IndexSource:
    """One servable index: its editions and views, builds and plans cached per pair.

    Parameters
    ----------
    key, name : str
        URL key (``ogai``) and display name.
    editions : tuple of int
        Editions that can be asked for; the last is the default.
    views : tuple of str
        Views (OGAI: ``scale``, ``intensity``); the first is the default.
    load : callable
        ``load(view) -> (spec, data)``.
    builder : callable, optional
        ``builder(edition, view) -> Result``; default ``build(spec, data, year=edition)``.
    """

    def __init__(self, key: str, name: str, editions: Sequence[int], views: Sequence[str],
                 load: Callable[[str], tuple[IndexSpec, Dataset]],
                 builder: Callable[[int, str], Result] | None = None,
                 description: str = "",
                 editioner: Callable[[int, str], Edition] | None = None) -> None:
        self.key, self.name, self.description = key, name, description
        self.editions, self.views = tuple(editions), tuple(views)
        self._load, self._builder, self._editioner = load, builder, editioner
        self._lock = threading.Lock()
        self._results: dict[tuple[int, str], Result] = {}
        self._plans: dict[tuple[int, str], Plan] = {}

    @property
    def latest(self) -> int:
        return self.editions[-1]

    def check(self, edition: int | None, view: str | None) -> tuple[int, str]:
        """The (edition, view) asked for, defaults filled; SpecError listing valid ones."""
        issues = []
        if edition is not None and edition not in self.editions:
            issues.append(Issue(("edition",), "unknown_edition", f"'{self.key}' has no edition "
                                f"{edition}. Expected one of {list(self.editions)}.", edition))
        if view is not None and view not in self.views:
            issues.append(Issue(("view",), "unknown_view", f"'{self.key}' has no view '{view}'. "
                                f"Expected one of {list(self.views)}.", view))
        SpecError.collect(issues)
        return (self.latest if edition is None else edition), (view or self.views[0])

    def spec(self, view: str | None = None) -> IndexSpec:
        return self._load(self.check(None, view)[1])[0]

    def dataset(self, view: str | None = None) -> Dataset:
        return self._load(self.check(None, view)[1])[1]

    def result(self, edition: int | None = None, view: str | None = None) -> Result:
        """The nominal build of an edition and view (cached)."""
        key = self.check(edition, view)
        with self._lock:
            if key not in self._results:
                if self._builder is not None:
                    self._results[key] = self._builder(*key)
                else:
                    spec, data = self._load(key[1])
                    self._results[key] = build(spec, data, year=key[0])
            return self._results[key]

    def plan(self, edition: int | None = None, view: str | None = None) -> Plan:
        """The default uncertainty design's plan for an edition and view (cached, warm)."""
        key = self.check(edition, view)
        nominal = self.result(*key)
        with self._lock:
            if key not in self._plans:
                spec, data = self._load(key[1])
                # the nominal build's treatment and goalposts (the OGAI's pooled ones)
                fit = {k: v for k, v in nominal.fitted.items() if k in ("treat", "normalise")}
                plan = Plan(spec, data, default_factors(spec), year=key[0], fitted=fit)
                plan.evaluate(draw(plan, 0, 0, size=64))  # builds every variant once
                self._plans[key] = plan
            return self._plans[key]


    def edition(self, edition: int | None, view: str | None,
                weights: Mapping[str, float]) -> Edition:
        """The :class:`Edition` that scenarios and reach questions run on, re-weighted."""
        e, v = self.check(edition, view)
        if self._editioner is not None:
            ed = self._editioner(e, v)
        else:
            spec, data = self._load(v)
            ed = Edition.of(spec, data, year=e, label=f"{self.name} {e}")
        if not weights:
            return ed
        spec = reweight(ed.baseline, weights).spec
        return dataclasses.replace(ed, spec=spec)


def ogai_source() -> IndexSource:
    """The Open Global AI Index: every edition, both views, fixed goalposts."""
    from .. import ogai

    return IndexSource("ogai", "Open Global AI Index", ogai.EDITIONS, ogai.VIEWS,
                       lambda v: (ogai.spec(v), ogai.dataset(v)),
                       lambda e, v: ogai.build(e, v),
                       "Open counterpart of the Global AI Index, built only from open data.",
                       editioner=lambda e, v: Edition.ogai(e, v))


def spec_source(spec: IndexSpec, data: Dataset, key: str = "custom") -> IndexSource:
    """Any index built by the engine: one edition (its build year), one view."""
    year = build(spec, data).year
    return IndexSource(key, spec.name, (year,), (DEFAULT_VIEW,), lambda _v: (spec, data),
                       description=spec.description)


def example_source(name: str) -> IndexSource:
    """A shipped example (see :data:`airank.datasets.EXAMPLES`)."""
    from .. import datasets

    spec, data = datasets.example(name)
    return spec_source(spec, data, key=name)


# -- weights ------------------------------------------------------------------------
def parse_weights(text: str | None) -> dict[str, float]:
    """``"talent:2,research:0.5"`` -> ``{"talent": 2.0, "research": 0.5}``; all problems listed."""
    out: dict[str, float] = {}
    issues = []
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        code, sep, value = part.partition(":")
        try:
            w = float(value) if sep else float("nan")
        except ValueError:
            w = float("nan")
        if not (np.isfinite(w) and 0 <= w <= 1000):
            issues.append(Issue(("weights", code.strip()), "bad_weight", "A weight must be "
                                f"'code:number' with 0 <= number <= 1000. Got '{part}'.", part))
        else:
            out[code.strip()] = w
    SpecError.collect(issues)
    return out


def reweight(result: Result, weights: Mapping[str, float]) -> Result:
    """``result`` with new weights (any node or indicator): aggregation re-run only.

    Raises
    ------
    SpecError
        Unknown codes, bad values, or a group left without any positive weight (the
        spec's own validation).
    """
    if not weights:
        return result
    spec = result.spec.with_changes({f"{c}.weight": float(w) for c, w in weights.items()})
    return reaggregate(result, spec)


def rank_intervals(plan: Plan, spec: IndexSpec, n: int, seed: int = 1) -> pd.DataFrame:
    """Rank intervals under the plan's factors, centred on ``spec``'s weights.

    The plan's draws (weight noise, normalisation and aggregation choices) are kept and
    every node weight is rescaled by its ratio to the plan's nominal weight, so the same
    seed gives the same design whatever the weights.

    Returns
    -------
    DataFrame
        index: unit; columns ``median``, ``q05``, ``q95`` (ranks), ``n``.
    """
    nominal = plan.nominal_weights
    wanted = np.array([spec.node(c).weight for c in plan.nodes], dtype=float)
    ratio = np.divide(wanted, nominal, out=np.zeros_like(wanted), where=nominal > 0)
    parts = [draw(plan, seed, b, min(BLOCK, n - b * BLOCK)) for b in range(-(-n // BLOCK))]
    options = np.concatenate([p.options for p in parts])
    W = np.concatenate([p.weights for p in parts])
    W = np.where(nominal > 0, W * ratio, wanted)
    scores, _ = plan.evaluate(Draws(options, W))
    ranks = rank_desc(scores, axis=1).astype(float)
    ranks = ranks[~np.isnan(ranks).any(axis=1)]
    if ranks.shape[0] == 0:
        q = np.full((3, len(plan.units)), np.nan)
    else:
        q = np.quantile(ranks, [0.05, 0.5, 0.95], axis=0, method="lower")
    return pd.DataFrame({"median": q[1], "q05": q[0], "q95": q[2], "n": ranks.shape[0]},
                        index=pd.Index(plan.units, name="unit"))


_FACTOR_PATHS = ("methodology.",)


def uncertainty_table(source: IndexSource, *, edition: int | None, view: str | None,
                      weights: Mapping[str, float], factors: Sequence[Mapping[str, Any]] | None,
                      n: int, seed: int) -> pd.DataFrame:
    """Rank intervals of every unit: the default design (cached plan) or given factors.

    Factor paths are limited to ``methodology.*`` and node weights (``<code>.weight``):
    nothing that names a file. Columns: ``unit, name, nominal, median, q05, q95`` (and
    ``moved``, the share moving more than 3 places, for given factors).
    """
    edition, view = source.check(edition, view)
    res = reweight(source.result(edition, view), weights)
    if factors is None:
        iv = rank_intervals(source.plan(edition, view), res.spec, n, seed)
        t = ranking_table(res, iv)
        return t[["unit", "name", "rank", "median", "q05", "q95"]].rename(
            columns={"rank": "nominal"})
    issues = [Issue(("factors", i, "path"), "path_not_allowed", "A factor may only vary "
                    "'methodology.*' settings or '<code>.weight'. Got "
                    f"'{f.get('path')}'.", str(f.get("path")))
              for i, f in enumerate(factors) if f.get("path") is not None and not (
                  str(f["path"]).startswith(_FACTOR_PATHS) or str(f["path"]).endswith(".weight"))]
    SpecError.collect(issues)
    spec = res.spec.with_changes({"data.year": edition})
    data = source.dataset(view)
    fs = parse_factors(list(factors), spec)
    out = uncertainty(spec, data, fs, n=n, seed=seed).to_frame()
    return out[["unit", "name", "nominal", "median", "q05", "q95", "moved"]]


# -- tables -------------------------------------------------------------------------
def tree(spec: IndexSpec) -> list[dict[str, Any]]:
    """Every node and indicator, top-down: code, name, parent, level, weight."""
    order = sorted(spec.codes, key=lambda c: (-spec.levels[c], spec.codes.index(c)))
    return [{"code": c, "name": spec.node(c).name or c, "parent": spec.parent[c],
             "level": spec.levels[c], "weight": spec.node(c).weight} for c in order]


def _levels(spec: IndexSpec) -> tuple[list[str], list[str]]:
    pillars = list(spec.children[spec.index_code])
    subs = [c for p in pillars for c in spec.children.get(p, ()) if spec.levels[c] > 1]
    return pillars, subs


def ranking_table(result: Result, intervals: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rank, unit, name, score, pillar and sub-pillar scores, coverage, rank interval.

    Ranks as :attr:`Result.ranks` (1 = best, ties share the best rank), computed for the
    index column only: this runs on every slider move.
    """
    spec = result.spec
    pillars, subs = _levels(spec)
    sc = result.scores
    score = sc[spec.index_code].to_numpy(dtype=float)
    rank = pd.Series(score).rank(ascending=False, method="min", na_option="keep")
    order = np.lexsort((sc.index.to_numpy(), rank.fillna(np.inf).to_numpy()))
    units = sc.index.to_numpy()[order]
    t = pd.DataFrame({"rank": rank.to_numpy()[order].astype(float), "unit": units,
                      "name": [result.names.get(u, u) for u in units], "score": score[order]})
    for c in [*pillars, *subs]:
        t[c] = sc[c].to_numpy(dtype=float)[order]
    t["coverage"] = result.unit_coverage.reindex(units).to_numpy()
    if intervals is not None:
        iv = intervals.reindex(units)
        for c in ("q05", "median", "q95"):
            t[c] = iv[c].to_numpy()
    return t


def ranking(source: IndexSource, *, edition: int | None, view: str | None,
            weights: Mapping[str, float], replications: int, seed: int = 1
            ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The ranking of an edition and view with custom weights and rank intervals.

    Returns the table (see :func:`ranking_table`) and its metadata: ``index``,
    ``edition``, ``view``, ``weights`` (every node's raw weight), ``replications``,
    ``seed``.
    """
    edition, view = source.check(edition, view)
    res = reweight(source.result(edition, view), weights)
    iv = (rank_intervals(source.plan(edition, view), res.spec, replications, seed)
          if replications > 0 else None)
    spec = res.spec
    meta = {"index": source.key, "edition": edition, "view": view,
            "index_code": spec.index_code,
            "weights": {c: spec.node(c).weight for c in spec.codes if c != spec.index_code},
            "replications": replications, "seed": seed, "provenance": res.provenance()}
    return ranking_table(res, iv), meta


def profile(source: IndexSource, unit: str, *, edition: int | None, view: str | None,
            weights: Mapping[str, float], n_peers: int = 5) -> dict[str, Any]:
    """Scores and ranks at every level, contributions, trend, strengths, weaknesses, peers."""
    edition, view = source.check(edition, view)
    res = reweight(source.result(edition, view), weights)
    unit = unit.strip().upper() if unit.strip().upper() in res.scores.index else unit.strip()
    contrib = res.contributions(unit)  # raises DataError for a unit without a result
    spec = res.spec
    pillars, subs = _levels(spec)
    n = int(res.index.notna().sum())
    levels = [{"code": c, "name": spec.node(c).name or c, "level": spec.levels[c],
               "score": _num(res.scores.at[unit, c]), "rank": _num(res.ranks.at[unit, c])}
              for c in (spec.index_code, *pillars, *subs)]
    gap = (res.index - res.index[unit]).abs().drop(unit).dropna()
    peers = list(gap.sort_values(kind="stable").index[:n_peers])
    strong, weak = res.strengths_weaknesses(unit)
    return {
        "unit": unit, "name": res.names.get(unit, unit), "edition": edition, "view": view,
        "n_ranked": n, "rank": _num(res.ranks.at[unit, spec.index_code]),
        "score": _num(res.index[unit]), "levels": levels,
        "peers": [{"unit": p, "name": res.names.get(p, p),
                   "rank": _num(res.ranks.at[p, spec.index_code]),
                   "scores": {c: _num(res.scores.at[p, c]) for c in
                              (spec.index_code, *pillars, *subs)}} for p in peers],
        "contributions": records(contrib[contrib["level"] > 1 if subs else slice(None)]),
        "indicators": records(contrib[contrib["level"] == 1]),
        "strengths": records(strong), "weaknesses": records(weak),
        "trend": _trend(source, unit, view, weights),
        "provenance": res.provenance(),
    }


def _trend(source: IndexSource, unit: str, view: str, weights: Mapping[str, float]
           ) -> list[dict[str, Any]]:
    rows = []
    for e in source.editions:
        score = reweight(source.result(e, view), weights).index
        rank = score.rank(ascending=False, method="min")  # as Result.ranks, one column
        ok = unit in score.index and pd.notna(score.get(unit))
        rows.append({"edition": e, "n_ranked": int(score.notna().sum()),
                     "rank": int(rank[unit]) if ok else None,
                     "score": float(score[unit]) if ok else None})
    return rows


def _num(v: Any) -> float | int | None:
    if v is None or v is pd.NA or (isinstance(v, float) and not np.isfinite(v)):
        return None
    if isinstance(v, (np.integer, int)) and not isinstance(v, bool):
        return int(v)
    return float(v)


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (NaN -> None), through pandas' fast JSON writer."""
    out: list[dict[str, Any]] = json.loads(frame.to_json(orient="records",
                                                         double_precision=10))
    return out
