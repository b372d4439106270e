"""Scenario and reach runs for the web app, as plain functions over the analysis API."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..analysis.scenarios.effects import run_scenario
from ..analysis.scenarios.projection import project
from ..analysis.scenarios.reach import reach
from ..analysis.scenarios.shocks import preset, presets
from .service import IndexSource, records

__all__ = ["presets", "projection_run", "reach_run", "scenario_run"]


def scenario_run(source: IndexSource, name: str, *, edition: int | None, view: str | None,
                 weights: Mapping[str, float], countries: Sequence[str] | None,
                 strength: float | None, partner: str | None, n: int, seed: int
                 ) -> dict[str, Any]:
    """A preset scenario: before/after rank of every unit, the change's 90% interval.

    ``countries``, ``strength`` and ``partner`` override the preset's parameters (None
    keeps its default).
    """
    ed = source.edition(edition, view, weights)
    params = {"countries": list(countries) if countries else None, "strength": strength,
              "partner": partner}
    sc = preset(name, **{k: v for k, v in params.items() if v is not None})
    res = run_scenario(sc, ed, n=n, seed=seed)
    table = res.index_table()
    shocked = [u for u in sc.units if u in set(table["unit"])]
    return {"index": source.key, "edition": ed.year, "scenario": sc.name, "title": sc.title,
            "description": sc.description, "assumption": sc.assumption,
            "parameters": {k: v for k, v in sc.parameters.items()}, "n": n, "seed": seed,
            "headlines": [res.headline(u) for u in shocked], "shocked": shocked,
            "rows": records(table), "changes": records(res.changes)}


def reach_run(source: IndexSource, unit: str, *, edition: int | None, view: str | None,
              weights: Mapping[str, float], rank: int | None, overtake: str | None,
              indicators: Sequence[str] | None, max_change: float | None) -> dict[str, Any]:
    """What would it take for ``unit`` to reach ``rank`` (or overtake a unit)."""
    ed = source.edition(edition, view, weights)
    r = reach(ed, unit, rank=rank, overtake=overtake, indicators=indicators or None,
              max_change=max_change)
    return {"index": source.key, "edition": ed.year, "unit": r.unit, "target": r.target,
            "reachable": r.reachable, "verified": r.verified, "rank_now": r.rank_now,
            "score_now": r.score_now, "rank_reached": r.rank_reached,
            "score_reached": r.score_reached, "message": r.message, "plan": records(r.plan)}


def projection_run(source: IndexSource, *, edition: int | None, view: str | None,
                   weights: Mapping[str, float], year: int, model: str, n: int, seed: int,
                   scenario: str | None, countries: Sequence[str] | None,
                   strength: float | None) -> dict[str, Any]:
    """Indicator trends carried forward to ``year``: projected ranks with intervals,
    optionally under a preset scenario."""
    ed = source.edition(edition, view, weights)
    sc = None
    if scenario is not None:
        params = {"countries": list(countries) if countries else None, "strength": strength}
        sc = preset(scenario, **{k: v for k, v in params.items() if v is not None})
    p = project(ed, year=year, scenario=sc, model=model, n=n, seed=seed)
    return {"index": source.key, "edition": ed.year, "year": p.year, "model": p.model,
            "scenario": None if sc is None else sc.name, "n": p.n, "seed": p.seed,
            "rows": records(p.summary.reset_index())}
