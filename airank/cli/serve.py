"""``airank serve``: the web app (JSON API and dashboard) on a local address."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import AirankError
from ._common import DataArg, SpecArg, app, err

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


@app.command()
def serve(spec: SpecArg = None, data: DataArg = None,
          host: Annotated[str, typer.Option(help="Address to listen on (default loopback "
                                                 "only)")] = "127.0.0.1",
          port: Annotated[int, typer.Option(min=1, max=65535, help="Port")] = 8000,
          example: Annotated[str | None, typer.Option(
              "--example", help="Serve a shipped example (asem) instead of the OGAI")] = None,
          rate_limit: Annotated[float, typer.Option(
              help="Requests per second per client on /api (0: no limit)")] = 20.0,
          rate_burst: Annotated[int, typer.Option(help="Burst size of the rate limit")] = 40,
          cors: Annotated[list[str] | None, typer.Option(
              "--cors", help="Allow this origin by CORS (repeatable; default: CORS off)")
          ] = None) -> None:
    """Serve the dashboard and the JSON API (default: the Open Global AI Index and the
    ASEM example; or any SPEC DATA) at http://HOST:PORT/ (API docs at /docs)."""
    import uvicorn

    from ..web import Settings, create_app

    if (spec is None) != (data is None):
        raise AirankError("Give both SPEC and DATA, or neither.")
    settings = Settings(
        indices=(example,) if example else ("ogai", "asem"),
        spec_path=Path(spec).resolve() if spec else None,
        data_path=Path(data).resolve() if data else None,
        rate_limit=rate_limit, rate_burst=rate_burst, cors_origins=tuple(cors or ()))
    if host not in _LOOPBACK:
        err.print(f"warning: listening on {host}, not loopback: anyone who can reach this "
                  "address can use the app.")
    app_ = create_app(settings)
    err.print(f"airank: serving on http://{host}:{port}/ (API docs at /docs); Ctrl+C stops")
    uvicorn.run(app_, host=host, port=port, log_level="warning")
