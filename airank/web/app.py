"""The airank web app: a JSON API over the library and the dashboard that uses it.

``create_app(settings)`` wires the routers, the error handlers, the limits and the
security headers, and serves the dashboard and its assets (plotly.js and the world map
included: it works offline).

Every error is ``{"detail": [{loc, code, message, value}, ...]}`` in strict JSON (no NaN,
see :func:`~airank.web.security.json_safe`), and the OpenAPI schema says so
(:class:`ErrorBody`): 400 a bad ``Host`` header or a body that is not UTF-8, 404 an
unknown index or unit (:class:`~airank.errors.NotFound`, or an ``unknown_<param>``
issue on a path parameter), 408 a body that does not arrive in time, 413 a body over the
limit, 422 any invalid input (every :class:`~airank.errors.AirankError`), 429 too many
requests, and a generic 500 -- logged, never a traceback -- for anything unexpected.
"""

from __future__ import annotations

import logging
import math
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse, HTMLResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware

from .. import __version__
from ..errors import AirankError, NotFound
from .assets import REVALIDATE, Assets, render_page
from .dependencies import get_settings, registry_for
from .lane import ComputeLane
from .rate_limit import RateLimit
from .routers import analysis, indices
from .security import (
    BodyLimit,
    HeadAsGet,
    HostCheck,
    JsonGuard,
    SecurityHeaders,
    encode_issues,
)
from .settings import Settings

__all__ = ["STATIC", "ErrorBody", "Problem", "create_app", "warm"]

STATIC = Path(str(resources.files("airank").joinpath("web", "static")))
# plotly.js as bundled by the plotly package; Swagger UI (OpenAPI 3.1) by fastapi-offline
PLOTLY_JS = Path(str(resources.files("plotly").joinpath("package_data")))
SWAGGER_UI = Path(str(resources.files("fastapi_offline").joinpath("static")))
log = logging.getLogger("airank.web")
_HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed",
               406: "not_acceptable", 415: "unsupported_media_type"}


class Problem(BaseModel):
    """One problem with a request."""

    loc: list[str | int] = Field(description="Where: e.g. ['body', 'n'], ['path', 'index']")
    code: str = Field(description="Stable, machine-readable reason, e.g. 'not_finite'")
    message: str = Field(description="What is wrong, what was expected, the fix if known")
    value: Any = Field(None, description="The offending value as given (non-finite numbers "
                       "as the strings 'NaN', 'Infinity', '-Infinity'), or null")


class ErrorBody(BaseModel):
    """airank's error answer: every problem found, at once."""

    detail: list[Problem] = Field(min_length=1)


_ERRORS = {
    "400": "Bad request: a Host header not served here, a body that is not UTF-8, a "
           "malformed Content-Length",
    "404": "No such index, unit or route",
    "408": "The request body did not arrive in time",
    "413": "The request body is over the size limit",
    "422": "Invalid input: every problem listed",
    "429": "Too many requests, or too many runs at once (see Retry-After)",
}


def _json_error(issues: Sequence[dict[str, Any]], status: int,
                headers: dict[str, str] | None = None) -> Response:
    return Response(encode_issues(issues), status_code=status, headers=headers,
                    media_type="application/json")


async def _airank_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AirankError)
    params = {f"unknown_{p}" for p in request.path_params}
    missing = isinstance(exc, NotFound) or (
        bool(exc.issues) and all(i.code in params for i in exc.issues))
    return _json_error([i.to_dict() for i in exc.issues], 404 if missing else 422)


async def _invalid(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    issues = []
    for e in exc.errors():
        msg = str(e.get("msg", ""))
        if e.get("type") == "json_invalid" and (ctx := e.get("ctx")):
            msg = f"The body is not valid JSON: {ctx.get('error', msg)}."
        value = e.get("input")
        issues.append({"loc": [str(p) for p in e.get("loc", ())],
                       "code": str(e.get("type", "invalid")), "message": msg,
                       "value": value if value is None or isinstance(
                           value, (str, int, float, bool)) else None})
    return _json_error(issues, 422)


async def _http_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    return _json_error([{"loc": [], "code": code, "message": str(exc.detail)}],
                       exc.status_code, dict(exc.headers or {}))


async def _crash(_: Request, exc: Exception) -> Response:
    log.error("unhandled error", exc_info=exc)
    return _json_error([{"loc": [], "code": "internal_error", "message": "Internal server "
                         "error. The error was logged on the server."}], 500)


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema with airank's error answers on every operation."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description,
                         routes=app.routes)
    comps = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        comps.pop(name, None)
    body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    comps.update(body.pop("$defs", {}))
    comps["ErrorBody"] = body
    for path, ops in schema.get("paths", {}).items():
        for op in ops.values():
            _document_errors(path, op)
    app.openapi_schema = schema
    return schema


def _document_errors(path: str, op: dict[str, Any]) -> None:
    responses = op.setdefault("responses", {})
    statuses = ["400", "413", "429"] if path.startswith("/api") else ["400"]
    if op.get("parameters") or op.get("requestBody"):
        statuses.append("422")
    if "{" in path:
        statuses.append("404")
    if op.get("requestBody"):
        statuses.append("408")
    ref = {"$ref": "#/components/schemas/ErrorBody"}
    for status in sorted(statuses):
        responses[status] = {"description": _ERRORS[status],
                             "content": {"application/json": {"schema": ref}}}
    if _has_format(op) and "200" in responses:
        responses["200"].setdefault("content", {})["text/csv"] = {
            "schema": {"type": "string", "description": "With format=csv: the table"}}


def _has_format(op: dict[str, Any]) -> bool:
    if any(p.get("name") == "format" for p in op.get("parameters", [])):
        return True
    ref = (op.get("requestBody", {}).get("content", {}).get("application/json", {})
           .get("schema", {}).get("$ref", ""))
    return ref.rsplit("/", 1)[-1] in ("UncertaintyRequest", "ScenarioRequest",
                                      "ReachRequest", "ProjectionRequest")


def warm(settings: Settings) -> None:
    """Load every served index and build its latest edition and plan (cached).

    Raises the :class:`~airank.errors.AirankError` of a bad spec or data file.
    """
    from .method import cells, view_notes

    for src in registry_for(settings).values():
        src.warm()  # every edition (profiles show the trend) and the latest plan
        cells(src, edition=None, view=None)  # what every value of the latest edition is
        view_notes(src)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app. ``settings`` default: :func:`~airank.web.dependencies.get_settings`."""
    cfg = settings or get_settings()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if cfg.warm:
            warm(cfg)
        yield

    app = FastAPI(title="airank", version=__version__, lifespan=lifespan,
                  docs_url=None, redoc_url=None,  # /docs is served below, without a CDN
                  description="Composite indices and the Open Global AI Index: rankings "
                  "with custom weights, unit profiles, rank intervals, downloads. Every "
                  "error answer is {detail: [{loc, code, message, value}]} listing every "
                  "problem (see docs/reliability.md).")
    if settings is not None:
        app.dependency_overrides[get_settings] = lambda: settings
    app.include_router(indices.router)
    app.include_router(analysis.router)
    app.add_exception_handler(AirankError, _airank_error)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _crash)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]

    mounts = {"/static/": STATIC, "/vendor/plotly/": PLOTLY_JS}
    page = render_page(STATIC / "index.html", mounts)  # asset URLs carry their versions

    @app.get("/", include_in_schema=False)
    def dashboard() -> HTMLResponse:
        return HTMLResponse(page, headers={"cache-control": REVALIDATE})

    @app.get("/docs", include_in_schema=False)
    def api_docs() -> FileResponse:
        """Swagger UI from the swagger-ui-bundle package: no CDN, no inline script."""
        return FileResponse(STATIC / "docs.html", media_type="text/html")

    # versioned URLs cached for a year, others revalidated; text assets gzip-compressed
    app.mount("/static", Assets(directory=STATIC), name="static")
    # assets served from the installed packages, not copied into ours
    app.mount("/vendor/plotly", Assets(directory=PLOTLY_JS), name="plotly")
    app.mount("/swagger", Assets(directory=SWAGGER_UI), name="swagger")
    _limits(app, cfg)
    return app


def _limits(app: FastAPI, cfg: Settings) -> None:
    """Middleware, added inner first: the last added is the outermost, so headers go on
    every answer and limits act before any work."""
    app.add_middleware(GZipMiddleware, minimum_size=1000, compresslevel=6)  # JSON, CSV
    app.add_middleware(ComputeLane)  # reads computed one at a time (compression included)
    app.add_middleware(JsonGuard)
    app.add_middleware(BodyLimit, max_bytes=cfg.max_body_bytes, timeout=cfg.request_timeout)
    share = 1 / cfg.workers  # each worker applies its share of the server-wide limits
    app.add_middleware(RateLimit, rate=cfg.rate_limit * share,
                       burst=max(1, math.ceil(cfg.rate_burst * share)),
                       run_tokens=cfg.run_tokens,
                       max_runs=math.ceil(cfg.max_runs * share) if cfg.max_runs else 0)
    app.add_middleware(HeadAsGet)
    if cfg.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(cfg.cors_origins),
                           allow_methods=["GET", "POST"], allow_headers=["content-type"])
    app.add_middleware(HostCheck, allowed_hosts=cfg.allowed_hosts)
    app.add_middleware(SecurityHeaders)
