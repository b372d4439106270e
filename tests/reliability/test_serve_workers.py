"""Several workers: each listens on its own socket of the port (SO_REUSEPORT, Linux), so
the kernel spreads connections over them; and in a worker the API's reads are computed
one at a time (ComputeLane)."""

from __future__ import annotations

import os
import pickle
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from fastapi.testclient import TestClient

from airank.cli.serve import _bind
from airank.errors import AirankError
from airank.web.lane import ComputeLane
from airank.web.server import PortShare, listen_shared

linux = pytest.mark.skipif(sys.platform != "linux", reason="SO_REUSEPORT balancing is Linux's")


@linux
def test_a_port_share_spreads_connections_over_its_workers_listeners() -> None:
    hold = _bind("127.0.0.1", 0, shared=True)
    try:
        assert isinstance(hold, PortShare)
        assert hold.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) == 0  # gets none
        # what each spawned worker receives: a new listener on the same address
        workers = [pickle.loads(pickle.dumps(hold)) for _ in range(2)]
        port = hold.getsockname()[1]
        assert [w.getsockname()[1] for w in workers] == [port, port]
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(64)]
        time.sleep(0.2)
        taken = []
        for w in workers:
            w.setblocking(False)
            n = 0
            while True:
                try:
                    w.accept()[0].close()
                    n += 1
                except BlockingIOError:
                    break
            taken.append(n)
        # all 64 on one queue has probability 2**-63 under the kernel's hash
        assert sum(taken) == 64 and min(taken) > 0, taken
        for c in [*clients, *workers]:
            c.close()
    finally:
        hold.close()


@linux
def test_a_port_another_server_shares_is_busy() -> None:
    """A SO_REUSEPORT bind alone would join the other server's group; _bind refuses."""
    other = listen_shared(socket.AF_INET, ("127.0.0.1", 0))
    try:
        port = other.getsockname()[1]
        for shared in (True, False):
            with pytest.raises(AirankError) as err:
                _bind("127.0.0.1", port, shared=shared)
            assert err.value.issues[0].code == "port_unavailable"
            assert "in use" in err.value.issues[0].message
    finally:
        other.close()


def _listeners(port: int) -> dict[int, list[int]]:
    """pid -> inodes of the listening TCP sockets on ``port`` that the pid holds."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            f = line.split()
            if int(f[1].rsplit(":", 1)[1], 16) == port and f[3] == "0A":  # LISTEN
                inodes.add(int(f[9]))
    held: dict[int, list[int]] = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
        except OSError:
            continue
        mine = [int(x[8:-1]) for x in links if x.startswith("socket:[")]
        if found := sorted(set(mine) & inodes):
            held[int(pid)] = found
    return held


@linux
def test_each_worker_process_listens_on_its_own_socket() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "AIRANK_WEB_WARM": "false"}
    proc = subprocess.Popen([sys.executable, "-m", "airank", "serve", "--example", "asem",
                             "--port", str(port), "--workers", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    try:
        deadline, held = time.monotonic() + 90, {}
        while time.monotonic() < deadline and proc.poll() is None:
            held = _listeners(port)
            if len(held) == 2:
                break
            time.sleep(0.3)
        assert len(held) == 2, held  # two processes ...
        assert len({i for v in held.values() for i in v}) == 2  # ... two sockets
        assert proc.pid not in held  # the parent holds the port, listening on nothing
        with socket.create_connection(("127.0.0.1", port), timeout=10) as c:
            c.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      b"Connection: close\r\n\r\n")
            assert c.recv(64).startswith(b"HTTP/1.1 200")
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=30)
    assert b"Traceback" not in stderr


def _lane_app() -> tuple[FastAPI, dict[str, int], threading.Event]:
    app = FastAPI()
    state = {"now": 0, "most": 0}
    lock, second = threading.Lock(), threading.Event()

    def work() -> None:
        with lock:
            state["now"] += 1
            state["most"] = max(state["most"], state["now"])
        time.sleep(0.05)
        with lock:
            state["now"] -= 1

    @app.get("/api/read")
    def read() -> dict[str, int]:
        work()
        return {"ok": 1}

    @app.post("/api/run")
    def run() -> dict[str, int]:
        work()
        return {"ok": 1}

    @app.get("/page")
    def page() -> dict[str, int]:
        work()
        return {"ok": 1}

    @app.get("/api/fails")
    def fails() -> None:
        raise RuntimeError("planted")

    @app.get("/api/slow-body")
    def slow_body() -> StreamingResponse:
        def body() -> Iterator[bytes]:
            yield b"a"
            assert second.wait(10), "the lane was held while the body was sent"
            yield b"b"
        return StreamingResponse(body())

    @app.get("/api/second")
    def second_read() -> dict[str, int]:
        second.set()
        return {"ok": 1}

    app.add_middleware(ComputeLane)
    return app, state, second


def _at_once(c: TestClient, method: str, path: str, n: int = 6) -> None:
    threads = [threading.Thread(target=lambda: c.request(method, path)) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def test_reads_are_computed_one_at_a_time_and_runs_and_pages_are_not() -> None:
    app, state, _ = _lane_app()
    with TestClient(app, raise_server_exceptions=False) as c:
        _at_once(c, "GET", "/api/read")
        assert state["most"] == 1
        for method, path in (("POST", "/api/run"), ("GET", "/page")):
            state["most"] = 0
            _at_once(c, method, path)
            assert state["most"] > 1, path  # outside the lane: threads overlap
        # a failing read lets the lane go
        assert c.get("/api/fails").status_code == 500
        assert c.get("/api/read").status_code == 200


def test_the_lane_is_let_go_when_the_response_starts() -> None:
    """The next read runs while the previous one is still sending its body."""
    app, _, second = _lane_app()
    with TestClient(app) as c:
        got: list[bytes] = []
        t = threading.Thread(target=lambda: got.append(c.get("/api/slow-body").content))
        t.start()
        time.sleep(0.2)  # the first body is half sent, waiting for the second request
        assert c.get("/api/second").status_code == 200
        t.join(15)
        assert got == [b"ab"] and second.is_set()
