"""ASGI middleware and server protocol: limits, strict bodies, host check, headers.

Plain ASGI (no per-request task switching of ``BaseHTTPMiddleware``): each wraps the app
and answers early with a JSON error in the app's ``{"detail": [issues]}`` shape, encoded
by :func:`error_body` (never a non-finite number, never an unencodable string).

From the outside in (see :func:`airank.web.create_app`): :class:`SecurityHeaders`,
:class:`HostCheck` (DNS rebinding), :class:`HeadAsGet`,
:class:`~airank.web.rate_limit.RateLimit`,
:class:`BodyLimit` (size, read timeout), :class:`JsonGuard` (UTF-8, NaN/Infinity, depth),
:class:`~airank.web.lane.ComputeLane` (reads computed one at a time), then gzip.
The server's own deadline for a whole request is :class:`airank.web.server.TimedH11Protocol`.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Sequence
from typing import Any

from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CSP", "MAX_DEPTH", "BodyLimit", "HeadAsGet", "HostCheck", "JsonGuard",
           "SecurityHeaders", "encode_issues", "error_body", "json_safe", "reply"]

# No inline or remote script; plotly.js injects <style> elements, hence 'unsafe-inline'
# for styles only.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
_DOCS = ("/docs", "/redoc")
MAX_DEPTH = 32  # JSON nesting accepted in a request body (the deepest route needs 6)
_MAX_TEXT = 200  # characters of a user value echoed back in an error


def json_safe(value: Any, depth: int = 0) -> Any:
    """``value`` made encodable as strict JSON: non-finite floats as ``"NaN"``,
    ``"Infinity"``, ``"-Infinity"``; unencodable characters escaped; long text cut;
    nesting beyond 4 levels, big containers and other objects as a short ``repr``."""
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, str):
        return _text(value, _MAX_TEXT)
    if isinstance(value, (list, tuple)) and depth < 4 and len(value) <= 50:
        return [json_safe(v, depth + 1) for v in value]
    if isinstance(value, dict) and depth < 4 and len(value) <= 50:
        return {str(json_safe(str(k))): json_safe(v, depth + 1) for k, v in value.items()}
    try:
        text = repr(value)
    except RecursionError:
        text = f"<{type(value).__name__}>"
    return json_safe(text[:_MAX_TEXT])


def _text(value: str, limit: int) -> str:
    text = value.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= limit else text[:limit] + "..."


def error_body(code: str, message: str, loc: Sequence[str | int] = (),
               value: Any = None) -> bytes:
    """One issue as the app's error body, strict JSON."""
    return encode_issues([{"loc": list(loc), "code": code, "message": message,
                           "value": value}])


def encode_issues(issues: Sequence[dict[str, Any]]) -> bytes:
    """``{"detail": issues}`` as strict JSON (see :func:`json_safe`)."""
    detail = [{"loc": [json_safe(p) for p in i.get("loc", ())],
               "code": _text(str(i["code"]), 100), "message": _text(str(i["message"]), 4000),
               "value": json_safe(i.get("value"))} for i in issues]
    return json.dumps({"detail": detail}, allow_nan=False, ensure_ascii=False).encode()


async def reply(send: Send, status: int, body: bytes,
                 headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()), *headers]})
    await send({"type": "http.response.body", "body": body})


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives ``body`` in one message, then defers to ``receive``."""
    sent = False

    async def again() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return again


class BodyLimit:
    """413 for a body over ``max_bytes`` (declared length, or counted while it streams);
    408 when the body takes longer than ``timeout`` seconds to arrive.

    The body is read in full before the app runs (it is small), so the app never sees
    a partial body and an oversized chunked body is a 413, not a parse error.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, timeout: float = 10.0) -> None:
        self.app, self.max_bytes, self.timeout = app, max_bytes, timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        msg = f"The request body is larger than {self.max_bytes} bytes."
        for k, v in scope["headers"]:
            if k == b"content-length" and not v.isdigit():
                await reply(send, 400, error_body("bad_header", "Content-Length must be a "
                                                   "number of bytes.", ("header",
                                                                         "content-length"),
                                                   v.decode("latin-1")))
                return
            if k == b"content-length" and int(v) > self.max_bytes:
                await reply(send, 413, error_body("too_large", msg, ("body",), int(v)))
                return
        try:
            body = await asyncio.wait_for(self._read(receive), self.timeout)
        except TimeoutError:
            await reply(send, 408, error_body("timeout", "The request body did not arrive "
                                               f"within {self.timeout:g} s.", ("body",)))
            return
        if body is None:  # the client left
            return
        if len(body) > self.max_bytes:
            await reply(send, 413, error_body("too_large", msg, ("body",)))
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read(self, receive: Receive) -> bytes | None:
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunks.append(message.get("body", b""))
            seen += len(chunks[-1])
            if seen > self.max_bytes or not message.get("more_body", False):
                return b"".join(chunks)


class _NonFinite:
    def __init__(self, text: str) -> None:
        self.text = text


def _number(text: str) -> Any:
    v = float(text)
    return v if math.isfinite(v) else _NonFinite(text)


def _json_type(content_type: str | None) -> bool:
    """True when FastAPI would parse the body as JSON (none given, or */json, */*+json)."""
    if content_type is None:
        return True
    mime = content_type.split(";")[0].strip().lower()
    return mime.startswith("application/") and (mime.endswith("/json")
                                                 or mime.endswith("+json"))


class JsonGuard:
    """Refuse a JSON body that is not strict JSON before the app parses it.

    400 ``bad_encoding`` for a body that is not UTF-8; 422 naming the place for ``NaN``,
    ``Infinity`` or a number that overflows to infinity (``1e400``) -- JSON has none and
    Python's parser would let them through --, for integers too long to read, lone
    surrogates, nesting deeper than :data:`MAX_DEPTH` and malformed JSON (``json_invalid``,
    with the position). A UTF-8 byte-order mark is allowed. Only what passes reaches
    the app's own parser (which would also read UTF-16 and NaN).
    """

    def __init__(self, app: ASGIApp, max_depth: int = MAX_DEPTH) -> None:
        self.app, self.max_depth = app, max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        message = await receive()  # BodyLimit gives the whole body in one message
        body = message.get("body", b"")
        ctype = next((v.decode("latin-1") for k, v in scope["headers"]
                      if k == b"content-type"), None)
        if body and _json_type(ctype):
            status, issues = self.check(body)
            if issues:
                await reply(send, status, encode_issues(issues))
                return
        await self.app(scope, _replay(body, receive), send)

    def check(self, body: bytes) -> tuple[int, list[dict[str, Any]]]:
        """(status, issues) of a JSON body; no issues when it is fine for the app."""
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            return 400, [{"loc": ["body"], "code": "bad_encoding", "message": "The body "
                          f"must be UTF-8 JSON: byte {exc.start} is not UTF-8.",
                          "value": None}]
        try:
            doc = json.loads(text.removeprefix("\ufeff"), parse_constant=_NonFinite,
                             parse_float=_number)
        except RecursionError:
            return 422, [_too_deep(["body"], self.max_depth)]
        except json.JSONDecodeError as exc:
            return 422, [{"loc": ["body", exc.pos], "code": "json_invalid", "message": "The "
                          f"body is not valid JSON: {exc.msg} (line {exc.lineno}, column "
                          f"{exc.colno}).", "value": None}]
        except ValueError as exc:  # an integer longer than Python reads
            return 422, [{"loc": ["body"], "code": "bad_number", "message": "A number in "
                          f"the body cannot be read: {exc}.", "value": None}]
        return 422, self._walk(doc)

    def _walk(self, doc: Any) -> list[dict[str, Any]]:
        issues: list[dict[str, Any]] = []
        stack: list[tuple[Any, list[str | int]]] = [(doc, ["body"])]
        while stack and len(issues) < 50:
            node, loc = stack.pop()
            if len(loc) > self.max_depth + 1:
                issues.append(_too_deep(loc[:6], self.max_depth))
                continue
            if isinstance(node, _NonFinite):
                issues.append({"loc": loc, "code": "not_finite", "message": f"'{loc[-1]}' "
                               "must be a finite number; JSON has no NaN or Infinity. Got "
                               f"{node.text}.", "value": node.text})
            elif isinstance(node, str) and not _encodable(node):
                issues.append({"loc": loc, "code": "bad_string", "message": "Text must be "
                               "valid Unicode (a lone surrogate escape was found).",
                               "value": None})
            elif isinstance(node, dict):
                for k, v in node.items():
                    if not _encodable(k):
                        issues.append({"loc": loc, "code": "bad_string", "message": "A key "
                                       "is not valid Unicode.", "value": None})
                        continue
                    stack.append((v, [*loc, k]))
            elif isinstance(node, list):
                stack += [(v, [*loc, i]) for i, v in enumerate(node)]
        return sorted(issues, key=lambda i: [str(p) for p in i["loc"]])


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _too_deep(loc: list[str | int], limit: int) -> dict[str, Any]:
    return {"loc": loc, "code": "too_deep", "message": f"The body is nested more than "
            f"{limit} levels deep.", "value": None}


class HeadAsGet:
    """``HEAD`` on any route answers as its ``GET`` does, without the body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def bodiless(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, bodiless)


class HostCheck:
    """400 ``bad_host`` unless the ``Host`` header names an allowed host.

    Starlette's :class:`~starlette.middleware.trustedhost.TrustedHostMiddleware` does
    the check (ports ignored, ``*.example.org`` patterns, ``*`` for any); this wrapper
    only gives its refusal the app's error shape. A page on another site that rebinds
    its DNS name to 127.0.0.1 still sends its own name as ``Host``, so it is refused.
    """

    def __init__(self, app: ASGIApp, allowed_hosts: Sequence[str]) -> None:
        self.app = app
        # an IPv6 address comes in the Host header in brackets: [::1]:8000
        self.allowed = list(dict.fromkeys(
            h2 for h in allowed_hosts
            for h2 in ((h, f"[{h}]") if ":" in h and not h.startswith("[") else (h,))))
        TrustedHostMiddleware(app, self.allowed)  # checks the patterns once, at start-up

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        passed = False

        async def allowed(s: Scope, r: Receive, se: Send) -> None:
            nonlocal passed
            passed = True
            await self.app(s, r, se)

        async def refuse(message: Message) -> None:
            if passed:
                await send(message)
            elif message["type"] == "http.response.start":
                host = next((v.decode("latin-1") for k, v in scope["headers"]
                             if k == b"host"), None)
                await reply(send, 400, error_body(
                    "bad_host", f"Host {host!r} is not served here. Allowed: {self.allowed} "
                    "(airank serve --allowed-host NAME adds one).", ("header", "host"),
                    host))

        await TrustedHostMiddleware(allowed, self.allowed, www_redirect=False)(
            scope, receive, refuse)


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
