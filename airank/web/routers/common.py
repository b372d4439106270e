"""Query parameters, body types and responses shared by the routers."""

from __future__ import annotations

import json as _json
import math
import uuid
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from fastapi import Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from ...errors import AirankError, Issue

__all__ = ["EditionQ", "Finite", "FormatQ", "RawJSON", "SeedQ", "StrictBody",
           "StrictJSONResponse", "ViewQ", "check_limit", "csv_response", "json",
           "rows_json"]

EditionQ = Annotated[int | None, Query(ge=1900, le=2100,
                                       description="Edition year; default the latest")]
ViewQ = Annotated[str | None, Query(max_length=20, pattern=r"^[a-z_]+$",
                                    description="View, e.g. 'scale' or 'intensity'")]
SeedQ = Annotated[int, Query(ge=0, le=2**31 - 1, description="Seed of the replications")]
FormatQ = Annotated[Literal["json", "csv"], Query(description="json, or csv to download")]

Finite = Annotated[float, Field(allow_inf_nan=False)]
"""A float field that refuses NaN and +-Infinity (422 ``finite_number``)."""


class StrictBody(BaseModel):
    """Base of every request body: unknown keys refused, every float finite."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


def check_limit(name: str, value: int, limit: int) -> None:
    """422 when a client asks for more than the server allows."""
    if value > limit:
        raise AirankError([Issue((name,), "over_limit", f"'{name}' must be at most {limit} "
                                 f"on this server. Got {value}.", value)])


def _finite(value: Any) -> Any:
    """Results made strict JSON: NaN and infinities (a missing score) become null,
    numpy scalars plain numbers."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if isinstance(value, np.generic):
        return _finite(value.item())
    return value


class RawJSON(str):
    """JSON text serialised already (e.g. a frame's rows by pandas' writer, NaN as
    null): a response embeds it as it is instead of parsing and writing it again."""


def rows_json(frame: pd.DataFrame) -> RawJSON:
    """A frame's rows as JSON text, serialised once (pandas' writer, NaN as null)."""
    return RawJSON(frame.to_json(orient="records", double_precision=10))


class StrictJSONResponse(JSONResponse):
    """Strict JSON: non-finite numbers as null, numpy scalars as numbers, unencodable
    characters escaped; :class:`RawJSON` parts spliced in as they are."""

    def render(self, content: Any) -> bytes:
        raw: dict[str, str] = {}

        def hold(value: Any) -> Any:  # a RawJSON part waits under a unique placeholder
            if isinstance(value, RawJSON):
                key = f"@@airank-raw-{uuid.uuid4().hex}@@"
                raw[_json.dumps(key)] = str(value)
                return key
            if isinstance(value, dict):
                return {k: hold(v) for k, v in value.items()}
            return value

        body = _json.dumps(_finite(hold(content)), allow_nan=False, ensure_ascii=False,
                           separators=(",", ":"), default=str)
        for key, text in raw.items():
            body = body.replace(key, text, 1)
        return body.encode("utf-8", "backslashreplace")


def json(content: Any) -> JSONResponse:
    """A JSON answer; non-finite numbers are null (never a 500 on a missing score)."""
    return StrictJSONResponse(content)


def csv_response(frame: pd.DataFrame, filename: str,
                 provenance: Mapping[str, Any] | None = None) -> Response:
    """A CSV download; its provenance (version, data hash, spec fingerprint) in headers."""
    body = frame.to_csv(index=False, float_format="%.6g", lineterminator="\n")
    headers = {"content-disposition": f'attachment; filename="{filename}"'}
    for key, value in (provenance or {}).items():
        name = key.removeprefix("airank_").replace("_", "-")
        headers[f"x-airank-{name}"] = str(value)
    return Response(body, media_type="text/csv; charset=utf-8", headers=headers)
