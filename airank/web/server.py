"""The server side of ``airank serve``: uvicorn's h11 protocol with a request deadline,
and the listening sockets of several workers."""

from __future__ import annotations

import asyncio
import os
import socket
from typing import Any, TypeVar

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["PortShare", "TimedH11Protocol", "listen_shared", "timed_h11"]

_S = TypeVar("_S", bound=socket.socket)


class TimedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline: a connection that has not delivered a
    whole request (headers and body) ``request_timeout`` seconds after it opened, or
    after its previous response, is closed.

    uvicorn itself only times out idle keep-alive connections (``timeout_keep_alive``),
    so without this a client that opens connections and sends nothing, or one byte at a
    time, holds them for ever. The deadline is :attr:`request_timeout`, else
    ``AIRANK_WEB_REQUEST_TIMEOUT``, else 10 s; as an import string
    (``http="airank.web.server:TimedH11Protocol"``) it also serves several workers.
    """

    request_timeout: float | None = None
    _deadline: asyncio.TimerHandle | None = None

    def _arm(self) -> None:
        self._disarm()
        timeout = self.request_timeout or float(os.environ.get(
            "AIRANK_WEB_REQUEST_TIMEOUT", "10"))
        self._deadline = self.loop.call_later(timeout, self._expire)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self) -> None:
        if not self.transport.is_closing() and self.conn.their_state in (
                h11.IDLE, h11.SEND_BODY):
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state not in (h11.IDLE, h11.SEND_BODY):
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


def timed_h11(request_timeout: float) -> type[TimedH11Protocol]:
    """:class:`TimedH11Protocol` with a fixed deadline of ``request_timeout`` seconds."""
    return type("TimedH11Protocol", (TimedH11Protocol,), {"request_timeout": request_timeout})


class PortShare(socket.socket):
    """The parent's hold on a port that worker processes listen on, each on its own socket.

    Bound with ``SO_REUSEPORT`` but not listening, so it receives no connections. Pickled
    to a worker (uvicorn's supervisor spawns each worker with its sockets), it becomes a
    new listening socket on the same address with ``SO_REUSEPORT``: Linux then gives each
    new connection to one worker's queue by a hash of the connection's addresses.

    Workers sharing one listening socket instead race to accept: the worker that last
    ran wins, and asyncio takes every waiting connection at once, so eight keep-alive
    clients that connect together can all land in one worker while the others idle
    (measured: 20 instead of 54 requests/s with two workers).
    """

    @classmethod
    def hold(cls, family: int, address: Any) -> PortShare:
        """Bound to ``address`` in the port's ``SO_REUSEPORT`` group, not listening."""
        return _join(cls(family, socket.SOCK_STREAM), address)

    def __reduce__(self) -> tuple[Any, ...]:
        return listen_shared, (self.family, self.getsockname())


def listen_shared(family: int, address: Any, backlog: int = 2048) -> socket.socket:
    """A listening socket on ``address`` in the port's ``SO_REUSEPORT`` group."""
    sock = _join(socket.socket(family, socket.SOCK_STREAM), address)
    sock.listen(backlog)
    return sock


def _join(sock: _S, address: Any) -> _S:
    """``sock`` bound to ``address`` with ``SO_REUSEPORT`` (closed if that fails)."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock
