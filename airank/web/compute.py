"""What the web app computes, as plain functions over the library's public API.

Every function takes a :class:`~airank.web.cache.ServedIndex` and the request's edition,
view and custom weights, asks it for the (cached, re-weighted) :class:`airank.Edition`
and runs the library on it -- the same objects and rules as the CLI, so a number on the
dashboard is the number ``airank`` prints.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import pandas as pd

from ..analysis.robustness import cost
from ..analysis.robustness.designs import default_factors
from ..analysis.robustness.factors import parse_factors
from ..analysis.robustness.uncertainty import reweighted_intervals, uncertainty
from ..analysis.scenarios.effects import run_scenario
from ..analysis.scenarios.projection import project
from ..analysis.scenarios.reach import MAX_ITER, reach
from ..analysis.scenarios.shocks import preset, presets
from ..errors import AirankError, Issue, SpecError
from .cache import ServedIndex
from .shape import levels, num, ranking_table, records

__all__ = ["presets", "profile", "projection_run", "ranking", "reach_run", "scenario_run",
           "scenarios", "trend", "uncertainty_table", "weights_text"]

_FACTOR_PATHS = ("methodology.",)
_RAISE = "ask the server's operator to raise budget_seconds (AIRANK_WEB_BUDGET_SECONDS)"


def _afford(c: cost.Cost, budget: float) -> None:
    """422 ``over_budget`` when the run's estimate (:func:`~cost.of_run`) is above the
    server's budget (seconds of one core), before any work."""
    cost.check_budget(c, budget, how=_RAISE)


def ranking(source: ServedIndex, *, edition: int | None, view: str | None,
            weights: Mapping[str, float], replications: int, seed: int = 1,
            budget: float = cost.API_BUDGET) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The ranking of an edition and view with custom weights and rank intervals.

    Returns the table (see :func:`~airank.web.shape.ranking_table`, plus
    ``rank_default``, the rank with the spec's weights, and ``rank_change``, places
    gained against it) and its metadata: ``index``, ``edition``, ``view``, ``release``,
    ``weights`` (every node's raw weight), ``effective_weights`` (every node's weight in
    the index), ``custom`` (whether any weight differs from the spec's),
    ``replications``, ``seed``, ``provenance``.
    """
    e, v = source.check(edition, view)
    ed = source.edition(e, v, weights)
    _afford(cost.of_run(ed, "ranking", replications), budget)
    iv = (reweighted_intervals(source.plan(e, v), ed.spec, replications, seed)
          if replications > 0 else None)
    spec = ed.spec
    table = ranking_table(ed.baseline, iv)
    default = source.edition(e, v)
    base = default.baseline.index.rank(ascending=False, method="min")
    table["rank_default"] = base.reindex(table["unit"]).to_numpy()
    table["rank_change"] = table["rank_default"] - table["rank"]
    custom = any(spec.node(c).weight != default.spec.node(c).weight for c in spec.codes)
    meta = {"index": source.key, "edition": e, "view": v, "index_code": spec.index_code,
            "release": ed.release, "custom": custom,
            "weights": {c: spec.node(c).weight for c in spec.codes if c != spec.index_code},
            "effective_weights": dict(spec.effective_weights),
            "replications": replications, "seed": seed,
            "n_ranked": int(table["rank"].notna().sum()),
            "provenance": {**ed.baseline.provenance(), "release": ed.release}}
    return table, meta


def weights_text(weights: Mapping[str, float]) -> str:
    """Weights as the ``weights`` query parameter writes them: ``code:w,code:w``."""
    return ",".join(f"{c}:{w:g}" for c, w in weights.items())


def uncertainty_table(source: ServedIndex, *, edition: int | None, view: str | None,
                      weights: Mapping[str, float], factors: Sequence[Mapping[str, Any]] | None,
                      n: int, seed: int, budget: float = cost.API_BUDGET) -> pd.DataFrame:
    """Rank intervals of every unit: the default design (cached plan) or given factors.

    Factor paths are limited to ``methodology.*`` and node weights (``<code>.weight``):
    nothing that names a file. Either way the edition's fixed goalposts hold. Columns:
    ``unit, name, nominal, median, q05, q95`` (and ``moved``, the share moving more than
    3 places, for given factors).
    """
    e, v = source.check(edition, view)
    ed = source.edition(e, v, weights)
    if factors is None:  # the cached plan: its variants are built
        _afford(cost.of_run(ed, "ranking", n), budget)
        iv = reweighted_intervals(source.plan(e, v), ed.spec, n, seed)
        t = ranking_table(ed.baseline, iv)
        return t[["unit", "name", "rank", "median", "q05", "q95"]].rename(
            columns={"rank": "nominal"})
    issues = [Issue(("factors", i, "path"), "path_not_allowed", "A factor may only vary "
                    "'methodology.*' settings or '<code>.weight'. Got "
                    f"'{f.get('path')}'.", str(f.get("path")))
              for i, f in enumerate(factors) if f.get("path") is not None and not (
                  str(f["path"]).startswith(_FACTOR_PATHS) or str(f["path"]).endswith(".weight"))]
    SpecError.collect(issues)
    fs = parse_factors(list(factors), ed.spec)
    _afford(cost.of_run(ed, "uncertainty", n, factors=fs), budget)
    out = uncertainty(ed, fs, n=n, seed=seed).to_frame()
    return out[["unit", "name", "nominal", "median", "q05", "q95", "moved"]]


def profile(source: ServedIndex, unit: str, *, edition: int | None, view: str | None,
            weights: Mapping[str, float], n_peers: int = 5) -> dict[str, Any]:
    """Scores and ranks at every level, contributions, trend, strengths, weaknesses, peers."""
    e, v = source.check(edition, view)
    ed = source.edition(e, v, weights)
    res = ed.baseline
    unit = unit.strip().upper() if unit.strip().upper() in res.scores.index else unit.strip()
    contrib = res.contributions(unit)  # raises DataError for a unit without a result
    spec = res.spec
    pillars, subs = levels(spec)
    n = int(res.index.notna().sum())
    lv = [{"code": c, "name": spec.node(c).name or c, "level": spec.levels[c],
           "score": num(res.scores.at[unit, c]), "rank": num(res.ranks.at[unit, c])}
          for c in (spec.index_code, *pillars, *subs)]
    gap = (res.index - res.index[unit]).abs().drop(unit).dropna()
    peers = list(gap.sort_values(kind="stable").index[:n_peers])
    strong, weak = res.strengths_weaknesses(unit)
    return {
        "unit": unit, "name": res.names.get(unit, unit), "edition": e, "view": v,
        "n_ranked": n, "rank": num(res.ranks.at[unit, spec.index_code]),
        "score": num(res.index[unit]), "levels": lv,
        "peers": [{"unit": p, "name": res.names.get(p, p),
                   "rank": num(res.ranks.at[p, spec.index_code]),
                   "scores": {c: num(res.scores.at[p, c]) for c in
                              (spec.index_code, *pillars, *subs)}} for p in peers],
        "contributions": records(contrib[contrib["level"] > 1 if subs else slice(None)]),
        "indicators": records(contrib[contrib["level"] == 1]),
        "strengths": records(strong), "weaknesses": records(weak),
        "trend": trend(source, unit, view=v, weights=weights, comparable=False),
        "values": _values(source, e, v, unit),
        "weights": {c: spec.node(c).weight for c in spec.codes if c != spec.index_code},
        "provenance": {**res.provenance(), "release": ed.release},
    }


def _values(source: ServedIndex, edition: int, view: str, unit: str) -> list[dict[str, Any]]:
    """The unit's indicator values: value used, unit, data year, status, and where it
    comes from (publisher, licence, source row; for an imputed value, the rule)."""
    from .method import cells

    c = cells(source, edition=edition, view=view)
    spec = source.edition(edition, view).spec
    mine = c["values"].get(unit, {})
    status = {"o": "observed", "i": "imputed", "n": "inferred", "m": "missing"}
    out = []
    for m in c["indicators"]:
        if m["code"] not in mine:
            continue
        value, year, st, src, files = mine[m["code"]]
        meta = [c["files"][i] for i in files]
        out.append({"code": m["code"], "name": m["name"], "parent": m["parent"],
                    "value": value, "unit": m["value_unit"], "year": year,
                    "status": status[st],
                    "publisher": "; ".join(dict.fromkeys(f.get("publisher", "") for f in meta)),
                    "licence": "; ".join(dict.fromkeys(f.get("licence", "") for f in meta)),
                    "source": src or _no_source(spec, m["code"], st, edition)})
    return out


def _no_source(spec: Any, code: str, status: str, edition: int) -> str:
    """Where a value without a source row comes from: imputation, or nowhere."""
    span = f"{edition - spec.data.lookback}-{edition}" if spec.data.lookback else str(edition)
    if status == "i":
        cfg = spec.method("impute", code)
        by = cfg.params.get("by")
        peers = (" x ".join(by) if isinstance(by, (list, tuple)) else str(by)) if by else ""
        if cfg.method == "intensity":
            per = cfg.params.get("per")
            what = f"per unit of {per}, times its own {per}" if per else "of the values"
            cap = cfg.params.get("cap_rank")
            return (f"imputed (no value {span}): median of its peers ({peers or 'all units'}) "
                    f"{what}" + (f"; capped so it ranks no better than {cap}" if cap else ""))
        return (f"imputed (no value {span}): {cfg.method} of its peers ({peers})" if peers else
                f"imputed (no value {span}): {cfg.method} of all units")
    if status == "m":
        return f"no value {span}"
    return str(spec.indicator(code).source)


def trend(source: ServedIndex, unit: str, *, view: str | None, weights: Mapping[str, float],
          comparable: bool = True) -> list[dict[str, Any]]:
    """Per edition: ``edition, n_ranked, rank, score, n_indicators, indicators_added,
    indicators_removed`` and ``comparable_score``: for the OGAI with the published weights
    (and ``comparable``), the chain-linked score of :func:`airank.ogai.trend` when it
    gives one (else None)."""
    view = source.check(None, view)[1]
    rows: list[dict[str, Any]] = []
    before: set[str] | None = None
    for e in source.editions:
        res = source.edition(e, view, weights).baseline
        score = res.index
        rank = score.rank(ascending=False, method="min")  # as Result.ranks, one column
        ok = unit in score.index and pd.notna(score.get(unit))
        have = set(res.stages["denominated"].columns[res.stages["denominated"].notna().any()])
        rows.append({"edition": e, "n_ranked": int(score.notna().sum()),
                     "rank": int(rank[unit]) if ok else None,
                     "score": float(score[unit]) if ok else None,
                     "n_indicators": len(have), "comparable_score": None,
                     "indicators_added": sorted(have - before) if before is not None else [],
                     "indicators_removed": sorted(before - have) if before is not None else []})
        before = have
    if comparable and source.key == "ogai" and not weights:
        _merge_ogai_trend(rows, _ogai_trend(unit, view))
    return rows


@lru_cache(maxsize=512)
def _ogai_trend(unit: str, view: str) -> tuple[dict[str, Any], ...]:
    """:func:`airank.ogai.trend` as records (cached: it rebuilds every edition's table)."""
    from .. import ogai

    try:
        rows = ogai.trend(unit, view).to_dict("records")
    except AirankError:
        return ()
    return tuple({str(k): v for k, v in r.items()} for r in rows)


def _merge_ogai_trend(rows: list[dict[str, Any]], ogai_rows: Sequence[Mapping[str, Any]]
                      ) -> None:
    """Fill ``comparable_score`` (and the indicator changes, when given) from the OGAI's
    own trend; columns it does not have are left as they are."""
    by = {int(r["edition"]): r for r in ogai_rows}
    for row in rows:
        got = by.get(row["edition"], {})
        if "comparable_score" in got:
            row["comparable_score"] = num(got["comparable_score"])
            row["comparable_rank"] = num(got.get("comparable_rank"))
        for key, alias in (("indicators_added", "added"), ("indicators_removed", "removed")):
            if key in got or alias in got:
                row[key] = _codes(got.get(key, got.get(alias)))


def _codes(value: Any) -> list[str]:
    """A list of codes from a list, a ';'/','-separated string, or nothing."""
    if isinstance(value, (list, tuple, set)):
        return sorted(str(v) for v in value)
    if isinstance(value, str):
        return sorted(p.strip() for p in value.replace(";", ",").split(",") if p.strip())
    return []


# -- what-if --------------------------------------------------------------------------
def scenarios(source: ServedIndex) -> list[dict[str, Any]]:
    """The presets offered for this index (those whose indicators it has), described."""
    out = []
    for name in presets(index=source.key):
        sc = preset(name)
        out.append({"name": name, "title": sc.title, "description": sc.description,
                    "assumption": sc.assumption, "parameters": dict(sc.parameters),
                    "countries": list(sc.units), "indicators": list(sc.indicators)})
    return out


def scenario_run(source: ServedIndex, name: str, *, edition: int | None, view: str | None,
                 weights: Mapping[str, float], countries: Sequence[str] | None,
                 strength: float | None, partner: str | None, n: int, seed: int,
                 budget: float = cost.API_BUDGET) -> dict[str, Any]:
    """A preset scenario: before/after rank of every unit, the change's 90% interval.

    ``countries``, ``strength`` and ``partner`` override the preset's parameters (None
    keeps its default).
    """
    ed = source.edition(edition, view, weights)
    params = {"countries": list(countries) if countries else None, "strength": strength,
              "partner": partner}
    sc = preset(name, **{k: v for k, v in params.items() if v is not None})
    _afford(cost.of_run(ed, "scenario", n, factors=default_factors(ed.spec)), budget)
    # the edition's cached plan: its baseline replications are reused (issue 14)
    res = run_scenario(sc, ed, n=n, seed=seed, plan=source.plan(edition, view) if n else None)
    table = res.index_table()
    shocked = [u for u in sc.units if u in set(table["unit"])]
    return {"index": source.key, "edition": ed.year, "scenario": sc.name, "title": sc.title,
            "description": sc.description, "assumption": sc.assumption,
            "parameters": dict(sc.parameters), "n": n, "seed": seed,
            "headlines": [res.headline(u) for u in shocked], "shocked": shocked,
            "rows": records(table), "changes": records(res.changes)}


def reach_run(source: ServedIndex, unit: str, *, edition: int | None, view: str | None,
              weights: Mapping[str, float], rank: int | None, overtake: str | None,
              indicators: Sequence[str] | None, max_change: float | None,
              budget: float = cost.API_BUDGET) -> dict[str, Any]:
    """What would it take for ``unit`` to reach ``rank`` (or overtake a unit)."""
    ed = source.edition(edition, view, weights)
    _afford(cost.of_run(ed, "reach", 0, steps=MAX_ITER), budget)
    r = reach(ed, unit, rank=rank, overtake=overtake, indicators=indicators or None,
              max_change=max_change, max_iter=MAX_ITER)
    return {"index": source.key, "edition": ed.year, "unit": r.unit, "target": r.target,
            "reachable": r.reachable, "verified": r.verified, "message": r.message,
            "rank_now": r.rank_now, "score_now": r.score_now, "rank_reached": r.rank_reached,
            "score_reached": r.score_reached, "bar": r.bar, "iterations": r.iterations,
            "plan": records(r.plan)}


def projection_run(source: ServedIndex, *, edition: int | None, view: str | None,
                   weights: Mapping[str, float], year: int, model: str, n: int, seed: int,
                   scenario: str | None, countries: Sequence[str] | None,
                   strength: float | None, budget: float = cost.API_BUDGET
                   ) -> dict[str, Any]:
    """Project the edition to ``year`` (optionally under a preset scenario)."""
    ed = source.edition(edition, view, weights)
    _afford(cost.of_run(ed, "projection", n, n_variants=1), budget)
    sc = None
    if scenario is not None:
        params = {"countries": list(countries) if countries else None, "strength": strength}
        sc = preset(scenario, **{k: v for k, v in params.items() if v is not None})
    p = project(ed, year=year, scenario=sc, model=model, n=n, seed=seed)
    return {"index": source.key, "edition": ed.year, "year": p.year, "model": p.model,
            "scenario": None if sc is None else sc.name, "n": p.n, "seed": p.seed,
            "rows": records(p.summary.reset_index())}
