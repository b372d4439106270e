"""The dashboard's assets: versioned URLs, long caching, gzip (plotly.js 4.8 MB uncompressed)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from airank.web import Settings, create_app
from airank.web.app import PLOTLY_JS, STATIC
from airank.web.assets import IMMUTABLE, version
from airank.web.dependencies import get_settings

FAST = Settings(indices=("asem",), rate_limit=0, live_replications=20, warm=False)
GZ = {"accept-encoding": "gzip"}


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = create_app(FAST)
    app.dependency_overrides[get_settings] = lambda: FAST
    with TestClient(app, base_url="http://localhost") as c:
        yield c


def _assets(client: TestClient) -> list[str]:
    page = client.get("/")
    assert page.headers["cache-control"] == "no-cache"  # the page itself is revalidated
    return re.findall(r'"(/(?:static|vendor)/[^"]+)"', page.text)


def test_the_page_names_every_asset_with_its_version(client: TestClient) -> None:
    urls = _assets(client)
    assert "/static/app.js?v=" + version(STATIC / "app.js") in urls
    assert "/vendor/plotly/plotly.min.js?v=" + version(PLOTLY_JS / "plotly.min.js") in urls
    assert urls and all("?v=" in u for u in urls)
    for url in urls:
        r = client.get(url, headers=GZ)
        assert r.status_code == 200 and r.headers["cache-control"] == IMMUTABLE, url


def test_plotly_is_served_compressed_and_intact(client: TestClient) -> None:
    url = next(u for u in _assets(client) if "plotly" in u)
    raw = (PLOTLY_JS / "plotly.min.js").read_bytes()
    r = client.get(url, headers=GZ)
    assert r.headers["content-encoding"] == "gzip" and r.headers["vary"] == "Accept-Encoding"
    assert int(r.headers["content-length"]) < 0.4 * len(raw)
    assert r.content == raw  # httpx decodes it: the same bytes as the file
    plain = client.get(url, headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == raw


def test_an_unversioned_or_stale_url_is_revalidated(client: TestClient) -> None:
    for url in ("/static/app.js", "/static/app.js?v=000000000000"):
        r = client.get(url, headers=GZ)
        assert r.status_code == 200 and r.headers["cache-control"] == "no-cache"
    etag = client.get("/static/app.js").headers["etag"]
    again = client.get("/static/app.js", headers={"if-none-match": etag})
    assert again.status_code == 304


def test_large_api_answers_are_compressed(client: TestClient) -> None:
    r = client.get("/api/indices/asem/ranking", params={"replications": 0}, headers=GZ)
    assert r.status_code == 200 and r.headers["content-encoding"] == "gzip"
    small = client.get("/api/health", headers=GZ)
    assert "content-encoding" not in small.headers
    assert len(r.json()["rows"]) == 51  # decoded by the client
