"""The airank web app: a JSON API over the library and the dashboard that uses it.

``create_app(settings)`` wires the routers, the error handlers (every
:class:`~airank.errors.AirankError` and every invalid request -> 422
``{"detail": [issues]}``; anything unexpected -> a generic 500, never a traceback), the
limits (request size, rate) and the security headers, and serves the dashboard and its
assets (plotly.js and the world map included: it works offline).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..errors import AirankError
from .dependencies import get_settings, registry_for
from .routers import analysis, indices
from .security import BodyLimit, RateLimit, SecurityHeaders
from .settings import Settings

__all__ = ["STATIC", "create_app"]

STATIC = Path(str(resources.files("airank").joinpath("web", "static")))
# plotly.js as bundled by the plotly package; Swagger UI (OpenAPI 3.1) by fastapi-offline
PLOTLY_JS = Path(str(resources.files("plotly").joinpath("package_data")))
SWAGGER_UI = Path(str(resources.files("fastapi_offline").joinpath("static")))
log = logging.getLogger("airank.web")


def _issue(loc: list[Any], code: str, message: str, value: Any = None) -> dict[str, Any]:
    if value is not None and not isinstance(value, (str, int, float, bool)):
        value = None
    return {"loc": loc, "code": code, "message": message, "value": value}


async def _airank_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AirankError)
    return JSONResponse({"detail": [i.to_dict() for i in exc.issues]}, status_code=422)


async def _invalid(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"detail": [_issue([str(p) for p in e.get("loc", ())],
                                           str(e.get("type", "invalid")), str(e.get("msg", "")),
                                           e.get("input")) for e in exc.errors()]},
                        status_code=422)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return JSONResponse({"detail": [_issue([], "http_error", str(exc.detail))]},
                        status_code=exc.status_code, headers=exc.headers)


async def _crash(_: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error", exc_info=exc)
    return JSONResponse({"detail": [_issue([], "internal_error", "Internal server error. "
                                           "The error was logged on the server.")]},
                        status_code=500)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app. ``settings`` default: :func:`~airank.web.dependencies.get_settings`."""
    cfg = settings or get_settings()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if cfg.warm:
            for src in registry_for(cfg).values():
                src.warm()  # every edition (profiles show the trend) and the latest plan
        yield

    app = FastAPI(title="airank", version=__version__, lifespan=lifespan,
                  docs_url=None, redoc_url=None,  # /docs is served below, without a CDN
                  description="Composite indices and the Open Global AI Index: rankings "
                  "with custom weights, unit profiles, rank intervals, downloads. Invalid "
                  "input -> 422 with every problem listed as {loc, code, message, value}.")
    if settings is not None:
        app.dependency_overrides[get_settings] = lambda: settings
    app.include_router(indices.router)
    app.include_router(analysis.router)
    app.add_exception_handler(AirankError, _airank_error)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _crash)

    @app.get("/", include_in_schema=False)
    def dashboard() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @app.get("/docs", include_in_schema=False)
    def api_docs() -> FileResponse:
        """Swagger UI from the swagger-ui-bundle package: no CDN, no inline script."""
        return FileResponse(STATIC / "docs.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # assets served from the installed packages, not copied into ours
    app.mount("/vendor/plotly", StaticFiles(directory=PLOTLY_JS), name="plotly")
    app.mount("/swagger", StaticFiles(directory=SWAGGER_UI), name="swagger")
    # added last = outermost: headers on every answer, limits before any work
    app.add_middleware(BodyLimit, max_bytes=cfg.max_body_bytes)
    if cfg.rate_limit > 0:
        app.add_middleware(RateLimit, rate=cfg.rate_limit, burst=cfg.rate_burst)
    if cfg.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(cfg.cors_origins),
                           allow_methods=["GET", "POST"], allow_headers=["content-type"])
    app.add_middleware(SecurityHeaders)
    return app
