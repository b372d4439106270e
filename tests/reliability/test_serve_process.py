"""``airank serve`` as a real process: busy port, bad spec, Host check, environment
settings, and connections that never finish their request."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _airank(*args: str, env: dict[str, str] | None = None, timeout: float = 60
            ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "airank", *args], capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, **(env or {})})


def _http(port: int, request: bytes, timeout: float = 10) -> tuple[int, dict[str, object]]:
    """Send a raw request; return the status and the JSON body (or {})."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    try:
        return status, json.loads(body)
    except ValueError:
        return status, {}


def _get(port: int, path: str, host: str = "127.0.0.1") -> tuple[int, dict[str, object]]:
    return _http(port, f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
                 .encode())


def test_a_busy_port_is_a_clear_error_before_serving() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        r = _airank("serve", "--example", "asem", "--port", str(port))
    assert r.returncode == 2, r.stderr
    assert f"Cannot listen on 127.0.0.1:{port}" in r.stderr and "in use" in r.stderr
    assert "serving on" not in r.stderr and "Traceback" not in r.stderr


def test_a_bad_spec_is_the_spec_error(tmp_path: Path) -> None:
    spec, data = tmp_path / "spec.yaml", tmp_path / "data.csv"
    spec.write_text("name: broken\nnodes: 3\n")
    data.write_text("unit,x\nA,1\n")
    r = _airank("serve", str(spec), str(data), "--port", str(_free_port()))
    assert r.returncode == 2
    assert "indicators" in r.stderr and "serving on" not in r.stderr
    assert "Traceback" not in r.stderr


def test_bad_environment_settings_are_named() -> None:
    r = _airank("serve", "--example", "asem", "--port", str(_free_port()),
                env={"AIRANK_WEB_RATE_BURST": "lots"})
    assert r.returncode == 2 and "AIRANK_WEB_RATE_BURST" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """asem on a free port; settings from the environment, one overridden by an option."""
    port = _free_port()
    env = {**os.environ, "AIRANK_WEB_WARM": "false", "AIRANK_WEB_MAX_REPLICATIONS": "123",
           "AIRANK_WEB_RATE_LIMIT": "0.5", "AIRANK_WEB_RATE_BURST": "100",
           "AIRANK_WEB_REQUEST_TIMEOUT": "1"}
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with log.open("w") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "airank", "serve", "--example", "asem",
                                 "--port", str(port), "--rate-burst", "6"],
                                stdout=sink, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 90
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(log.read_text()) from None
            time.sleep(0.3)
    try:
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert "Traceback" not in log.read_text()


def test_the_host_header_is_checked(server: int) -> None:
    status, body = _get(server, "/api/health", host="rebind.attacker.example")
    assert status == 400 and body["detail"][0]["code"] == "bad_host"  # type: ignore[index]
    assert _get(server, "/", host="evil.example:80")[0] == 400
    assert _get(server, "/api/health", host=f"localhost:{server}")[0] == 200


def test_half_open_connections_are_closed(server: int) -> None:
    """20 connections that send nothing or half a request are closed by the server
    within the request timeout (1 s here), and the server still answers."""
    idle = [socket.create_connection(("127.0.0.1", server)) for _ in range(10)]
    partial = [socket.create_connection(("127.0.0.1", server)) for _ in range(10)]
    for s in partial:
        s.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    t0 = time.monotonic()
    closed = 0
    for s in idle + partial:
        s.settimeout(5)
        try:
            closed += s.recv(1024) == b""
        except (TimeoutError, ConnectionResetError):
            pass
        s.close()
    assert closed == 20 and time.monotonic() - t0 < 5
    assert _get(server, "/api/health")[0] == 200


def test_a_body_that_never_arrives_is_cut_off(server: int) -> None:
    with socket.create_connection(("127.0.0.1", server), timeout=5) as s:
        # POST / is outside the rate limit; the body is read (and timed) all the same
        s.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"unit\"")
        t0 = time.monotonic()
        data = s.recv(65536)
        while data and not data.endswith(b"}"):
            more = s.recv(65536)
            if not more:
                break
            data += more
    assert time.monotonic() - t0 < 5
    assert data == b"" or data.startswith(b"HTTP/1.1 408"), data[:200]


def test_environment_settings_are_honoured_and_options_win(server: int) -> None:
    status, detail = _get(server, "/api/indices/asem")
    assert status == 200 and detail["max_replications"] == 123  # from AIRANK_WEB_*
    codes = [_get(server, "/api/health")[0] for _ in range(8)]
    assert 429 in codes and codes.count(200) <= 6, codes  # --rate-burst 6 beat the env's 100
