"""Runs: rank intervals for given factors, scenarios, what would it take."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from ...errors import AirankError, Issue
from .. import compute
from ..cache import ServedIndex
from ..dependencies import get_settings, get_source
from ..settings import Settings
from ..shape import records
from .common import check_limit, csv_response, json

router = APIRouter(prefix="/api", tags=["analysis"])

Source = Annotated[ServedIndex, Depends(get_source)]
Config = Annotated[Settings, Depends(get_settings)]
Code = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,63}$")]
WeightValue = Annotated[float, Field(ge=0, le=1000)]


class RunRequest(BaseModel):
    """What every run names: edition, view and custom weights."""

    model_config = ConfigDict(extra="forbid")

    edition: int | None = Field(None, ge=1900, le=2100, description="Default the latest")
    view: str | None = Field(None, max_length=20, pattern=r"^[a-z_]+$")
    weights: dict[Code, WeightValue] = Field(default_factory=dict, max_length=500,
                                             description="code -> weight, any level")
    format: Literal["json", "csv"] = "json"


class UncertaintyRequest(RunRequest):
    """Monte Carlo rank intervals."""

    factors: list[dict[str, Any]] | None = Field(
        None, max_length=12, description="Factor declarations (see docs/spec.md); paths "
        "limited to 'methodology.*' and '<code>.weight'. Default: weights +-25% at every "
        "level, normalisation and aggregation varied (COINr's design).")
    n: int = Field(1000, ge=1, le=10_000_000, description="Replications")
    seed: int = Field(1, ge=0, le=2**31 - 1)


@router.post("/indices/{index}/uncertainty",
             summary="Rank intervals (5th-95th percentile) for given factors")
def run_uncertainty(source: Source, settings: Config, body: UncertaintyRequest) -> Response:
    check_limit("n", body.n, settings.max_replications)
    table = compute.uncertainty_table(source, edition=body.edition, view=body.view,
                                      weights=body.weights, factors=body.factors, n=body.n,
                                      seed=body.seed, budget=settings.budget_seconds)
    if body.format == "csv":
        return csv_response(table, f"{source.key}-uncertainty.csv")
    return json({"index": source.key, "n": body.n, "seed": body.seed,
                 "rows": records(table)})


class ScenarioRequest(RunRequest):
    """A preset scenario with its parameters."""

    preset: str = Field(..., pattern=r"^[a-z][a-z0-9-]{0,39}$",
                        description="export-controls, sanctions or partnership")
    countries: list[Code] | None = Field(None, max_length=30,
                                         description="Shocked units; default the preset's")
    strength: float | None = Field(None, ge=-1000, le=1000,
                                   description="Share or factor; default the preset's")
    partner: Code | None = Field(None, description="Partner unit (partnership)")
    n: int = Field(200, ge=0, le=10_000_000, description="Replications for the interval")
    seed: int = Field(1, ge=0, le=2**31 - 1)


class ReachRequest(RunRequest):
    """What would it take: a unit, and a rank to reach or a unit to overtake."""

    unit: Code
    rank: int | None = Field(None, ge=1, le=100_000)
    overtake: Code | None = None
    indicators: list[Code] | None = Field(None, max_length=200,
                                          description="Only these may move (default all)")
    max_change: float | None = Field(None, gt=0, le=100,
                                     description="Cap on each change, share of today's value")


@router.get("/scenarios", summary="The scenario presets", tags=["what-if"])
def scenario_presets(index: Annotated[str | None, Query(
        pattern=r"^[a-z0-9][a-z0-9-]{0,39}$",
        description="Only the presets offered for this index (see also "
                    "/api/indices/{index}/scenarios)")] = None) -> JSONResponse:
    return json(list(compute.presets(index=index)))


@router.post("/indices/{index}/scenario", tags=["what-if"],
             summary="Run a scenario preset: before/after ranks with 90% intervals")
def scenario(source: Source, settings: Config, body: ScenarioRequest) -> Response:
    check_limit("n", body.n, settings.max_replications)
    out = compute.scenario_run(source, body.preset, edition=body.edition, view=body.view,
                              weights=body.weights, countries=body.countries,
                              strength=body.strength, partner=body.partner, n=body.n,
                              seed=body.seed, budget=settings.budget_seconds)
    if body.format == "csv":
        return csv_response(pd.DataFrame(out["rows"]), f"{source.key}-{body.preset}.csv")
    return json(out)


@router.post("/indices/{index}/reach", tags=["what-if"],
             summary="What would it take for a unit to reach a rank or overtake another")
def what_would_it_take(source: Source, settings: Config, body: ReachRequest) -> Response:
    if (body.rank is None) == (body.overtake is None):
        raise AirankError([Issue(("body", "rank"), "one_target", "Give exactly one of "
                                 "'rank' and 'overtake'.")])
    out = compute.reach_run(source, body.unit, edition=body.edition, view=body.view,
                           weights=body.weights, rank=body.rank, overtake=body.overtake,
                           indicators=body.indicators, max_change=body.max_change,
                           budget=settings.budget_seconds)
    if body.format == "csv":
        return csv_response(pd.DataFrame(out["plan"]), f"{source.key}-{out['unit']}-reach.csv")
    return json(out)


class ProjectionRequest(RunRequest):
    """Project every indicator's trend to a year; optionally under a preset scenario."""

    year: int = Field(2030, ge=1901, le=2100)
    model: str = Field("theil-sen-log", pattern=r"^[a-z-]{1,30}$",
                       description="theil-sen-log (constant growth) or theil-sen (linear)")
    n: int = Field(50, ge=0, le=100_000, description="Bootstrap replications (full rebuilds)")
    seed: int = Field(1, ge=0, le=2**31 - 1)
    scenario: str | None = Field(None, pattern=r"^[a-z][a-z0-9-]{0,39}$",
                                 description="A preset applied to the projected data")
    countries: list[Code] | None = Field(None, max_length=30)
    strength: float | None = Field(None, ge=-1000, le=1000)


@router.post("/indices/{index}/projection", tags=["what-if"],
             summary="Project the index to a year (e.g. 2030) with rank intervals")
def projection(source: Source, settings: Config, body: ProjectionRequest) -> Response:
    check_limit("n", body.n, settings.max_projection_replications)
    out = compute.projection_run(source, edition=body.edition, view=body.view,
                                weights=body.weights, year=body.year, model=body.model,
                                n=body.n, seed=body.seed, scenario=body.scenario,
                                countries=body.countries, strength=body.strength,
                                budget=settings.budget_seconds)
    if body.format == "csv":
        return csv_response(pd.DataFrame(out["rows"]), f"{source.key}-{out['year']}.csv")
    return json(out)
