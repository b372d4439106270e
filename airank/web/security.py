"""ASGI middleware: request-size and rate limits, security headers.

Plain ASGI (no per-request task switching of ``BaseHTTPMiddleware``): each wraps the app
and answers early with a JSON error in the app's ``{"detail": [issues]}`` shape.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CSP", "BodyLimit", "RateLimit", "SecurityHeaders", "error_body"]

# No inline or remote script; plotly.js injects <style> elements, hence 'unsafe-inline'
# for styles only.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
_DOCS = ("/docs", "/redoc")


def error_body(code: str, message: str, loc: tuple[str, ...] = ()) -> bytes:
    return json.dumps({"detail": [{"loc": list(loc), "code": code, "message": message,
                                   "value": None}]}).encode()


async def _reply(send: Send, status: int, body: bytes,
                 headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()), *headers]})
    await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass


class BodyLimit:
    """413 for a body over ``max_bytes`` (declared length, or counted while streamed)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        msg = f"The request body is larger than {self.max_bytes} bytes."
        for k, v in scope["headers"]:
            if k == b"content-length" and (not v.isdigit() or int(v) > self.max_bytes):
                await _reply(send, 413, error_body("too_large", msg, ("body",)))
                return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise _TooLarge
            return message

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watch)
        except _TooLarge:
            if not started:
                await _reply(send, 413, error_body("too_large", msg, ("body",)))


class RateLimit:
    """A token bucket per client address on paths under ``prefix``: 429 when empty."""

    def __init__(self, app: ASGIApp, rate: float, burst: int, prefix: str = "/api") -> None:
        self.app, self.rate, self.burst, self.prefix = app, rate, burst, prefix
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.get(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            ok = tokens >= 1.0
            self._buckets[client] = (tokens - 1.0 if ok else tokens, now)
            if len(self._buckets) > 10_000:  # forget idle clients: memory stays bounded
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 60}
            return ok

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self.prefix):
            client = (scope.get("client") or ("?", 0))[0]
            if not self.allow(client):
                wait = max(1, round(1 / self.rate)) if self.rate else 1
                await _reply(send, 429, error_body(
                    "rate_limited", f"Too many requests: at most {self.rate:g} per second "
                    f"(bursts of {self.burst}). Retry after {wait} s."),
                    ((b"retry-after", str(wait).encode()),))
                return
        await self.app(scope, receive, send)


class SecurityHeaders:
    """CSP (not on the interactive docs pages), nosniff, no referrer, no framing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = scope["path"].startswith(_DOCS)

        async def add(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[Any] = list(message.get("headers", []))
                headers += [(b"x-content-type-options", b"nosniff"),
                            (b"referrer-policy", b"no-referrer"),
                            (b"x-frame-options", b"DENY")]
                if not docs:
                    headers.append((b"content-security-policy", CSP.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, add)
