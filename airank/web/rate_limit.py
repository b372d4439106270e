"""The API's rate limit (ASGI middleware, see :mod:`airank.web.security` for the order):
a token bucket per client address, and a cap on runs computed at once."""

from __future__ import annotations

import math
import threading
import time

from starlette.types import ASGIApp, Receive, Scope, Send

from .security import error_body, reply

__all__ = ["RateLimit"]


class RateLimit:
    """A token bucket per client address on paths under ``prefix``: 429 when empty.

    A run (``POST`` under ``prefix``) takes ``run_tokens`` tokens, any other request one;
    at most ``max_runs`` runs are computed at once (429 ``busy`` beyond), so a burst of
    expensive requests cannot queue more work than the cores can do.
    """

    def __init__(self, app: ASGIApp, rate: float, burst: int, prefix: str = "/api",
                 run_tokens: float = 1.0, max_runs: int = 0) -> None:
        self.app, self.rate, self.burst, self.prefix = app, rate, burst, prefix
        self.run_tokens, self.max_runs = run_tokens, max_runs
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()
        self._running = 0

    def allow(self, client: str, now: float | None = None, cost: float = 1.0) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.get(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            ok = tokens >= min(cost, float(self.burst))
            self._buckets[client] = (tokens - cost if ok else tokens, now)
            if len(self._buckets) > 10_000:  # forget idle clients: memory stays bounded
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 60}
            return ok

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        run = scope["method"] == "POST"
        client = (scope.get("client") or ("?", 0))[0]
        if self.rate > 0 and not self.allow(client, cost=self.run_tokens if run else 1.0):
            wait = max(1, math.ceil((self.run_tokens if run else 1.0) / self.rate))
            await reply(send, 429, error_body(
                "rate_limited", f"Too many requests: at most {self.rate:g} per second "
                f"(bursts of {self.burst}; a run counts {self.run_tokens:g}). Retry after "
                f"{wait} s."), ((b"retry-after", str(wait).encode()),))
            return
        if not run or self.max_runs <= 0:
            await self.app(scope, receive, send)
            return
        if self._running >= self.max_runs:
            await reply(send, 429, error_body(
                "busy", f"The server is computing {self.max_runs} runs already. Retry "
                "after 2 s."), ((b"retry-after", b"2"),))
            return
        self._running += 1  # one event loop per worker: no lock needed
        try:
            await self.app(scope, receive, send)
        finally:
            self._running -= 1
