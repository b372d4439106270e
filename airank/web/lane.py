"""One compute lane per worker (ASGI middleware, see :mod:`airank.web.security` for the
order): the API's reads are computed one at a time in a worker process."""

from __future__ import annotations

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["ComputeLane"]


class ComputeLane:
    """``GET`` requests under ``prefix`` take turns, first come first served: one at a
    time per worker, from the moment it reaches the app until its response starts.

    A worker is one Python process, so request handlers on threads share its GIL: handlers
    computing at once do not run in parallel, they interleave, and each switch costs.
    Measured on the OGAI ranking with eight clients on one worker: 51 ms of CPU per
    request with eight at once, 31 ms one at a time. Runs (``POST``) are not in the lane:
    they may take seconds and are capped by ``max_runs``; a quick read does not wait
    behind them. Static files and pages are not in it either.
    """

    def __init__(self, app: ASGIApp, prefix: str = "/api") -> None:
        self.app, self.prefix = app, prefix
        self._lane = anyio.Semaphore(1)  # not a Lock: a response may start in a child task

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["method"] == "POST"
                or not scope["path"].startswith(self.prefix)):
            await self.app(scope, receive, send)
            return
        await self._lane.acquire()
        held = True

        async def started(message: Message) -> None:
            nonlocal held
            if held and message["type"] == "http.response.start":
                held = False  # computed: the next request may start while this one sends
                self._lane.release()
            await send(message)

        try:
            await self.app(scope, receive, started)
        finally:
            if held:
                self._lane.release()
