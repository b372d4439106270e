"""``airank serve``: the web app (JSON API and dashboard) on a local address.

Settings come from the ``AIRANK_WEB_*`` environment variables (see
:class:`airank.web.Settings`), then from the options given, which win. Before it says
"serving on", the command binds the port (a busy port is a user error, exit 2) and loads
and builds every served index (a bad spec or data file is the SpecError or DataError,
exit 2, no traceback).

``--workers N`` (default: the number of cores) serves from N processes under uvicorn's
own supervisor. On Linux each worker listens on its own socket in the port's
``SO_REUSEPORT`` group, and the kernel spreads connections over them
(:class:`~airank.web.server.PortShare`); elsewhere they all accept on the one bound
socket. Each worker is started from the
import string ``airank.web.app:create_app`` (a factory) with the settings passed in the
environment (:meth:`~airank.web.Settings.to_env`), builds its served indices once and
holds them read-only (frozen results, cached editions and plans; nothing a request can
change), and applies ``1/N`` of the rate limits (docs/reliability.md).
"""

from __future__ import annotations

import errno
import os
import re
import socket
import sys
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from ..errors import AirankError, Issue
from ._common import DataArg, SpecArg, app, err
from ._options import Number

_WILDCARD = ("0.0.0.0", "::", "")


@app.command()
def serve(spec: SpecArg = None, data: DataArg = None,
          host: Annotated[str, typer.Option(help="Address to listen on (default loopback "
                                                 "only)")] = "127.0.0.1",
          port: Annotated[int, typer.Option(metavar="PORT", parser=Number("int", 1, 65535),
                                            help="Port")] = 8000,
          example: Annotated[Literal["asem"] | None, typer.Option(
              "--example", help="Serve a shipped example (asem) instead of the OGAI")] = None,
          rate_limit: Annotated[float | None, typer.Option(
              metavar="PER_SECOND", parser=Number("float", 0),
              help="Requests per second per client on /api, 0 for no limit (default 20, "
                   "or AIRANK_WEB_RATE_LIMIT)")] = None,
          rate_burst: Annotated[int | None, typer.Option(
              metavar="N", parser=Number("int", 1),
              help="Burst size of the rate limit (default 40, or AIRANK_WEB_RATE_BURST)")
          ] = None,
          budget: Annotated[float | None, typer.Option(
              "--budget", metavar="SECONDS", parser=Number("float", 0, open_low=True),
              help="Most work one request may ask for, in estimated seconds of "
                               "one core (default 10, or AIRANK_WEB_BUDGET_SECONDS)")] = None,
          cors: Annotated[list[str] | None, typer.Option(
              "--cors", help="Allow this origin by CORS (repeatable; default: CORS off)")
          ] = None,
          allowed_host: Annotated[list[str] | None, typer.Option(
              "--allowed-host", help="Also answer requests whose Host header is this name "
                                     "(repeatable; '*' for any). --host is added, and the "
                                     "loopback names unless AIRANK_WEB_ALLOWED_HOSTS "
                                     "replaces them")] = None,
          workers: Annotated[int | None, typer.Option(
              "--workers", metavar="N", parser=Number("int", 1, 64),
              help="Server processes (default: the number of cores, or "
                   "AIRANK_WEB_WORKERS)")] = None
          ) -> None:
    """Serve the dashboard and the JSON API (default: the Open Global AI Index and the
    ASEM example; or any SPEC DATA) at http://HOST:PORT/ (API docs at /docs)."""
    import uvicorn

    from ..web import Settings, create_app
    from ..web.app import warm
    from ..web.dependencies import registry_for
    from ..web.server import timed_h11
    from ..web.settings import LOOPBACK

    if (spec is None) != (data is None):
        raise AirankError("Give both SPEC and DATA, or neither.")
    _check_names(cors, allowed_host)
    overrides: dict[str, Any] = {
        "indices": (example,) if example else None,
        "spec_path": Path(spec).resolve() if spec else None,
        "data_path": Path(data).resolve() if data else None,
        "rate_limit": rate_limit, "rate_burst": rate_burst, "budget_seconds": budget,
        "cors_origins": tuple(cors) if cors else None,
        "workers": workers if workers is not None else (
            None if os.environ.get("AIRANK_WEB_WORKERS") else min(64, os.cpu_count() or 1))}
    settings = Settings.from_env(**overrides)
    hosts = [*settings.allowed_hosts, *(allowed_host or ())]
    if host not in _WILDCARD:
        hosts.append(host)
    settings = settings.model_copy(update={"allowed_hosts": tuple(dict.fromkeys(hosts))})
    if host not in LOOPBACK:
        err.print(f"warning: listening on {host}, not loopback: anyone who can reach this "
                  "address can use the app. Requests must name one of "
                  f"{list(settings.allowed_hosts)} as Host (--allowed-host adds one).")
    sock = _bind(host, port, shared=settings.workers > 1)
    try:
        if settings.workers > 1:
            if settings.spec_path is not None:
                registry_for(settings)  # a bad spec or data file fails here, not in a worker
            _serve_workers(settings, sock, host, port)
            return
        if settings.warm:
            warm(settings)
        else:
            registry_for(settings)  # loads and checks the spec and data
        config = uvicorn.Config(create_app(settings), host=host, port=port,
                                log_level="warning", http=timed_h11(settings.request_timeout),
                                timeout_keep_alive=settings.keep_alive_timeout,
                                # no proxy in front: X-Forwarded-For must not pick the
                                # client address the rate limit counts by
                                proxy_headers=False)
        _serving(host, port, 1)
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()


_ORIGIN = re.compile(r"^https?://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9.-]*)(:\d{1,5})?$")
_HOST = re.compile(r"^(\*|(\*\.)?[A-Za-z0-9][A-Za-z0-9.-]*|\[?[0-9A-Fa-f:.]+\]?)$")


def _check_names(cors: list[str] | None, hosts: list[str] | None) -> None:
    """Origins must be ``scheme://host[:port]``; host names letters, digits, dots and
    dashes (``*`` or ``*.domain`` for patterns), or an IP address."""
    issues = [Issue(("--cors",), "bad_origin", f"A CORS origin is scheme://host[:port], "
                    f"e.g. http://localhost:3000. Got {o!r}.", o)
              for o in cors or () if not _ORIGIN.match(o)]
    issues += [Issue(("--allowed-host",), "bad_host", "A host name holds letters, digits, "
                     f"dots and dashes ('*' for any, '*.example.org' for a domain). Got {h!r}.",
                     h) for h in hosts or () if not _HOST.match(h)]
    AirankError.collect(issues)


def _serving(host: str, port: int, workers: int) -> None:
    many = f", {workers} worker processes" if workers > 1 else ""
    err.print(f"airank: serving on http://{_url_host(host)}:{port}/ (API docs at /docs"
              f"{many}); Ctrl+C stops")


def _serve_workers(settings: Any, sock: socket.socket, host: str, port: int) -> None:
    """Serve from ``settings.workers`` processes (uvicorn's supervisor) on ``sock``."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    os.environ.update(settings.to_env())  # what every worker reads back (from_env)
    config = uvicorn.Config("airank.web.app:create_app", factory=True, host=host, port=port,
                            workers=settings.workers, log_level="warning",
                            http="airank.web.server:TimedH11Protocol",
                            timeout_keep_alive=settings.keep_alive_timeout,
                            proxy_headers=False)
    _serving(host, port, settings.workers)
    Multiprocess(config, sockets=[sock]).run()


def _bind(host: str, port: int, shared: bool = False) -> socket.socket:
    """A listening socket on ``host:port``, or a user error saying why not.

    ``shared`` (several workers, on Linux): a :class:`~airank.web.server.PortShare`
    instead, bound but not listening, after a plain bind has found the port free (a
    ``SO_REUSEPORT`` bind alone would join another server's group on the port).
    """
    from ..web.server import PortShare

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    shared = shared and sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT")
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
    try:
        sock.bind((host, port))
        sock.listen(2048)
        if shared:
            address = sock.getsockname()  # the port chosen, if port 0
            sock.close()
            sock = PortShare.hold(family, address)
    except OSError as exc:
        sock.close()
        why = ("it is in use by another program: stop it or choose another --port"
               if exc.errno == errno.EADDRINUSE else exc.strerror or str(exc))
        raise AirankError([Issue(("--port",), "port_unavailable", f"Cannot listen on "
                                 f"{host}:{port}: {why}.", port)]) from None
    sock.set_inheritable(True)
    return sock


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
