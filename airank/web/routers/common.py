"""Query parameters and responses shared by the routers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import Query
from fastapi.responses import JSONResponse, Response

from ...errors import AirankError, Issue

__all__ = ["EditionQ", "FormatQ", "SeedQ", "ViewQ", "check_limit", "csv_response", "json"]

EditionQ = Annotated[int | None, Query(ge=1900, le=2100,
                                       description="Edition year; default the latest")]
ViewQ = Annotated[str | None, Query(max_length=20, pattern=r"^[a-z_]+$",
                                    description="View, e.g. 'scale' or 'intensity'")]
SeedQ = Annotated[int, Query(ge=0, le=2**31 - 1, description="Seed of the replications")]
FormatQ = Annotated[Literal["json", "csv"], Query(description="json, or csv to download")]


def check_limit(name: str, value: int, limit: int) -> None:
    """422 when a client asks for more than the server allows."""
    if value > limit:
        raise AirankError([Issue((name,), "over_limit", f"'{name}' must be at most {limit} "
                                 f"on this server. Got {value}.", value)])


def json(content: Any) -> JSONResponse:
    return JSONResponse(content)


def csv_response(frame: pd.DataFrame, filename: str,
                 provenance: Mapping[str, Any] | None = None) -> Response:
    """A CSV download; its provenance (version, data hash, spec fingerprint) in headers."""
    body = frame.to_csv(index=False, float_format="%.6g", lineterminator="\n")
    headers = {"content-disposition": f'attachment; filename="{filename}"'}
    for key, value in (provenance or {}).items():
        name = key.removeprefix("airank_").replace("_", "-")
        headers[f"x-airank-{name}"] = str(value)
    return Response(body, media_type="text/csv; charset=utf-8", headers=headers)
