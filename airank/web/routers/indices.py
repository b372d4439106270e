"""Indices, editions, rankings and unit profiles."""

from __future__ import annotations

import time
from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse, Response

from .. import compute
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
            seed: SeedQ = 1, format: FormatQ = "json") -> Response:
    t0 = time.perf_counter()
    n = settings.live_replications if replications is None else replications
    check_limit("replications", n, settings.max_live_replications)
    table, meta = compute.ranking(source, edition=edition, view=view, weights=weights,
                                  replications=n, seed=seed)
    if format == "csv":
        return csv_response(table, f"{source.key}-{meta['edition']}-{meta['view']}-ranking.csv",
                            meta["provenance"])
    return json({**meta, "columns": list(table.columns), "rows": rows_json(table),
                 "elapsed_ms": round((time.perf_counter() - t0) * 1e3, 2)})


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
        frame = pd.DataFrame(p["contributions"] + p["indicators"])
        return csv_response(frame, f"{source.key}-{p['edition']}-{p['unit']}-profile.csv",
                            p["provenance"])
    return json(p)
