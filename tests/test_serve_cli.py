"""``airank serve`` for real: a subprocess on a loopback port, asked over HTTP."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request

import yaml

from .conftest import TINY_SPEC


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.status, dict(r.headers), r.read()


def test_serve_spec_and_data(tmp_path, tiny_frame):
    spec, data = tmp_path / "spec.yaml", tmp_path / "data.csv"
    spec.write_text(yaml.safe_dump(TINY_SPEC))
    tiny_frame.to_csv(data, index=False)
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "airank", "serve", str(spec), str(data),
                                 "--port", str(port)], stdout=sink, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                status, _, body = _get(base + "/api/health")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(log.read_text()) from None
                time.sleep(0.3)
        assert status == 200
        _, _, body = _get(base + "/api/indices")
        indices = json.loads(body)
        assert any("Tiny" in json.dumps(i) for i in (indices if isinstance(indices, list)
                                                      else indices.get("indices", [])))
        status, headers, page = _get(base + "/")
        csp = {k.lower(): v for k, v in headers.items()}["content-security-policy"]
        assert status == 200 and "script-src 'self'" in csp and b"<script>" not in page
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert "serving on http://127.0.0.1" in log.read_text()


def test_serve_rejects_half_arguments(capsys):
    from airank.cli import main

    assert main(["serve", "only-a-spec.yaml"]) == 2
    assert "both SPEC and DATA" in capsys.readouterr().err
