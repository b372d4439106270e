"""Indices, editions, rankings and unit profiles."""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse, Response

from .. import compute, method
from ..cache import ServedIndex
from ..dependencies import Registry, get_registry, get_settings, get_source, get_weights
from ..settings import Settings
from ..shape import tree
from .common import (
    EditionQ,
    FormatQ,
    SeedQ,
    ViewQ,
    check_limit,
    csv_response,
    json,
    rows_json,
)

router = APIRouter(prefix="/api", tags=["indices"])

Source = Annotated[ServedIndex, Depends(get_source)]
Weights = Annotated[dict[str, float], Depends(get_weights)]
Config = Annotated[Settings, Depends(get_settings)]
UnitPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.\-]{1,40}$",
                               description="A unit code, e.g. an ISO3 country code")]


@router.get("/health", summary="Liveness")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/indices", summary="The served indices, their editions and views")
def indices(registry: Annotated[Registry, Depends(get_registry)]) -> JSONResponse:
    return json([s.info() for s in registry.values()])


@router.get("/indices/{index}", summary="An index: tree with weights, units, limits")
def index_detail(source: Source, settings: Config, view: ViewQ = None) -> JSONResponse:
    ed = source.edition(None, view)
    res = ed.baseline
    return json({**source.info(), "index_code": res.spec.index_code,
                 "view_notes": method.view_notes(source), "release": ed.release,
                 "indicators": method.indicator_meta(res),
                 "tree": tree(res.spec), "spec": res.spec.to_dict(),
                 "provenance": {**res.provenance(), "release": ed.release},
                 "units": [{"unit": u, "name": res.names.get(u, u)} for u in res.units],
                 "live_replications": settings.live_replications,
                 "max_live_replications": settings.max_live_replications,
                 "max_replications": settings.max_replications})


@router.get("/indices/{index}/ranking",
            summary="The ranking of an edition and view, custom weights, rank intervals")
def ranking(source: Source, settings: Config, weights: Weights, edition: EditionQ = None,
            view: ViewQ = None,
            replications: Annotated[int | None, Query(
                ge=0, le=10_000_000, description="Monte Carlo replications for the rank "
                "intervals (default weights +-25%, normalisation and aggregation varied); "
                "0 for none; default the server's live setting")] = None,
            seed: SeedQ = 1, format: FormatQ = "json",
            detail: Annotated[Literal["summary", "full"], Query(
                description="full: also every indicator's value, data year, status "
                "(observed, imputed, inferred, missing) and source row (the downloads); "
                "a CSV is always full")] = "summary") -> Response:
    t0 = time.perf_counter()
    n = settings.live_replications if replications is None else replications
    check_limit("replications", n, settings.max_live_replications)
    table, meta = compute.ranking(source, edition=edition, view=view, weights=weights,
                                  replications=n, seed=seed, budget=settings.budget_seconds)
    e, v = meta["edition"], meta["view"]
    if format == "csv":
        return csv_response(_download(source, table, meta),
                            f"{source.key}-{e}-{v}-ranking.csv", meta["provenance"])
    out = {**meta, "columns": list(table.columns), "rows": rows_json(table)}
    if detail == "full":
        out["indicators"] = method.indicator_meta(source.edition(e, v).baseline)
        out["values"] = method.long_records(source, e, v)
    return json({**out, "elapsed_ms": round((time.perf_counter() - t0) * 1e3, 2)})


def _download(source: ServedIndex, table: pd.DataFrame, meta: dict[str, Any]) -> pd.DataFrame:
    """The ranking with what it was computed from: edition, view, release, the weights
    of every node, and every indicator's value, year and status."""
    head = pd.DataFrame({"edition": meta["edition"], "view": meta["view"],
                         "release": meta["release"] or "",
                         "weights": compute.weights_text(meta["weights"])},
                        index=table.index)
    wide = method.indicator_frame(source, meta["edition"], meta["view"],
                                  list(table["unit"]))
    wide.index = table.index
    return pd.concat([table, head, wide], axis=1)


@router.get("/indices/{index}/units/{unit}/trend",
            summary="A unit's rank (of how many) and score in every edition, the indicator "
                    "set's changes, and (OGAI, published weights) the comparable score")
def unit_trend(source: Source, unit: UnitPath, weights: Weights,
               view: ViewQ = None) -> JSONResponse:
    res = source.edition(None, view).baseline
    code = unit.strip().upper() if unit.strip().upper() in res.scores.index else unit.strip()
    res.contributions(code)  # a DataError (422) for a unit without a result
    return json(compute.trend(source, code, view=view, weights=weights))


@router.get("/indices/{index}/methodology",
            summary="Framework with effective weights, every indicator's definition, unit, "
                    "source, licence, years used and coverage; method; rank intervals")
def methodology(source: Source, settings: Config, edition: EditionQ = None,
                view: ViewQ = None) -> JSONResponse:
    return json(method.methodology(source, edition=edition, view=view,
                                   replications=settings.live_replications))


@router.get("/indices/{index}/cells",
            summary="Per ranked unit: every indicator's value, year, status and source; "
                    "every group's data years and counts by status")
def cells(source: Source, edition: EditionQ = None, view: ViewQ = None) -> JSONResponse:
    return json(method.cells(source, edition=edition, view=view))


@router.get("/indices/{index}/scenarios", tags=["what-if"],
            summary="The scenario presets offered for this index, described")
def index_scenarios(source: Source) -> JSONResponse:
    return json(compute.scenarios(source))


@router.get("/indices/{index}/units/{unit}",
            summary="A unit's profile: scores at every level, contributions, trend, "
                    "strengths and weaknesses, peers")
def unit_profile(source: Source, unit: UnitPath, weights: Weights, edition: EditionQ = None,
                 view: ViewQ = None,
                 peers: Annotated[int, Query(ge=1, le=20, description="Peers shown")] = 5,
                 format: FormatQ = "json") -> Response:
    p = compute.profile(source, unit, edition=edition, view=view, weights=weights,
                        n_peers=peers)
    if format == "csv":
        values = pd.DataFrame(p["values"]).set_index("code").rename(
            columns={"unit": "value_unit", "name": "indicator"})
        frame = pd.DataFrame(p["contributions"] + p["indicators"]).join(
            values.drop(columns=["parent"]), on="code")
        frame.insert(0, "unit", p["unit"])
        frame.insert(1, "edition", p["edition"])
        frame.insert(2, "view", p["view"])
        frame["weights"] = compute.weights_text(p["weights"])
        return csv_response(frame, f"{source.key}-{p['edition']}-{p['unit']}-profile.csv",
                            p["provenance"])
    return json(p)
