"""Server settings: environment round trip, named errors, the per-worker share."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from airank.errors import AirankError
from airank.web import Settings, create_app


def test_settings_round_trip_through_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    s = Settings(indices=("asem",), spec_path=Path("/x/spec.yaml"), data_path=Path("/x/d.csv"),
                 rate_limit=2.5, cors_origins=("http://a.example", "http://b.example"),
                 warm=False, allowed_hosts=("localhost", "box.lan"), budget_seconds=3,
                 workers=3)
    for k, v in s.to_env().items():
        monkeypatch.setenv(k, v)
    assert Settings.from_env() == s
    assert Settings.from_env(rate_limit=7.0, budget_seconds=None).rate_limit == 7.0


def test_every_bad_setting_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRANK_WEB_BUDGET_SECONDS", "nan")
    monkeypatch.setenv("AIRANK_WEB_WORKERS", "0")
    with pytest.raises(AirankError) as err:
        Settings.from_env(rate_burst=0)
    assert sorted(i.loc[0] for i in err.value.issues) == [
        "--rate-burst", "AIRANK_WEB_BUDGET_SECONDS", "AIRANK_WEB_WORKERS"]
    assert {i.code for i in err.value.issues} == {"bad_setting"}


def test_each_worker_applies_its_share_of_the_limits() -> None:
    """With 2 workers a client gets half the burst (and runs) from each."""
    s = Settings(indices=("asem",), warm=False, rate_limit=0.01, rate_burst=6, workers=2)
    with TestClient(create_app(s), base_url="http://localhost") as c:
        codes = [c.get("/api/health").status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]


def test_runs_take_more_of_the_bucket() -> None:
    s = Settings(indices=("asem",), warm=False, rate_limit=0.01, rate_burst=10, run_tokens=5)
    with TestClient(create_app(s), base_url="http://localhost") as c:
        runs = [c.post("/api/indices/asem/reach", json={}).status_code for _ in range(3)]
        after = c.get("/api/health").status_code
    assert runs == [422, 422, 429] and after == 429


def test_runs_beyond_max_runs_are_busy() -> None:
    """Three runs at once against max_runs=2: the third is a 429 'busy' at once."""
    import asyncio

    from airank.web.rate_limit import RateLimit

    release = asyncio.Event()

    async def slow(scope: dict, receive: object, send: object) -> None:
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})  # type: ignore[operator]
        await send({"type": "http.response.body", "body": b""})  # type: ignore[operator]

    limiter = RateLimit(slow, rate=0, burst=1, max_runs=2)

    async def run() -> list[int]:
        statuses: list[list[int]] = [[], [], []]

        async def one(i: int) -> None:
            async def send(message: dict) -> None:
                if message["type"] == "http.response.start":
                    statuses[i].append(message["status"])

            scope = {"type": "http", "path": "/api/indices/asem/reach", "method": "POST",
                     "client": ("1.2.3.4", 1)}
            await limiter(scope, None, send)  # type: ignore[arg-type]

        tasks = [asyncio.create_task(one(i)) for i in range(3)]
        await asyncio.sleep(0.05)
        release.set()
        await asyncio.gather(*tasks)
        return [s[0] for s in statuses]

    assert sorted(asyncio.run(run())) == [200, 200, 429]
