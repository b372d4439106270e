"""The dashboard in a real browser: Debian's Chromium driven by Playwright, served by uvicorn.

Needs ``/usr/bin/chromium`` (``apt-get install chromium``) and ``pip install playwright``
(no ``playwright install``: the system Chromium is used). Screenshots go to
``tests/artifacts/``. Every request the page makes must go to the app itself.
"""

from __future__ import annotations

import socket
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="needs Debian's Chromium at /usr/bin/chromium "
                              "(apt-get install -y chromium)"),
]
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="needs Playwright for Python (pip install playwright)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    import uvicorn

    from airank.web import Settings, create_app

    app = create_app(Settings(indices=("ogai",), rate_limit=0, warm=True))
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    ARTIFACTS.mkdir(exist_ok=True)
    pg = browser.new_page(viewport={"width": 1366, "height": 800})
    pg.problems = []
    pg.on("console", lambda m: m.type == "error" and pg.problems.append(m.text))
    pg.on("pageerror", lambda e: pg.problems.append(str(e)))
    pg.on("request", lambda r: r.url.startswith(server) or r.url.startswith("data:")
          or pg.problems.append(f"outside request: {r.url}"))
    pg.goto(server + "/")
    pg.wait_for_selector("#ranking tbody tr")
    _until(lambda: pg.get_attribute("#status", "data-ms") is not None)
    yield pg
    assert pg.problems == []
    pg.close()


def _until(check: Any, timeout: float = 30.0) -> None:
    """Poll ``check()`` from Python (the page's CSP forbids eval'd wait functions)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        time.sleep(0.02)


def _order(pg: Any) -> list[str]:
    return pg.eval_on_selector_all("#ranking tbody tr", "rows => rows.map(r => r.dataset.unit)")


def _rerank(pg: Any, slider: str, key: str) -> float:
    """Press ``key`` on a weight slider; wait for the new ranking; the page's own timing."""
    pg.eval_on_selector("#status", "s => { s.dataset.ms = 'pending'; }")
    pg.focus(slider)
    pg.keyboard.press(key)
    _until(lambda: pg.get_attribute("#status", "data-ms") != "pending")
    return float(pg.get_attribute("#status", "data-ms"))


def test_load_and_reweight_live(page: Any) -> None:
    rows = _order(page)
    assert len(rows) > 100 and rows[0] == "USA"
    assert page.locator("#ranking tbody tr").first.locator(".iv .range").count() == 1
    page.screenshot(path=str(ARTIFACTS / "1-ranking.png"))
    times = [_rerank(page, "#w-investment", "Home")]  # investment weight -> 0
    after = _order(page)
    assert after != rows
    page.screenshot(path=str(ARTIFACTS / "2-reweighted.png"))
    for key in ["ArrowRight"] * 6 + ["ArrowLeft"] * 3:
        times.append(_rerank(page, "#w-talent", key))
    median = statistics.median(times)
    print(f"\nbrowser re-rank (fetch + render) ms: {times}; median {median:.0f}")
    (ARTIFACTS / "rerank-ms.txt").write_text(" ".join(f"{t:.0f}" for t in times) + "\n")
    assert "Re-ranked in" in page.text_content("#status")
    assert median < 250  # the target is < 100 ms; the CI machine is shared and small


def test_search_and_sort(page: Any) -> None:
    page.fill("#search", "CHN")
    assert _order(page) == ["CHN"]
    page.fill("#search", "")
    page.click("#ranking thead th:nth-child(2) button")  # by country name
    names = page.eval_on_selector_all("#ranking tbody td.name", "c => c.map(x => x.innerText)")
    assert names == sorted(names, key=str.lower) or names[0] < names[-1]


def test_map_uses_the_shipped_geometry(page: Any) -> None:
    page.click("#tab-map")
    page.wait_for_selector("#map .choroplethlocation", timeout=30_000)
    assert page.locator("#map .choroplethlocation").count() > 100
    page.screenshot(path=str(ARTIFACTS / "3-map.png"))


def test_country_profile(page: Any) -> None:
    page.click("#ranking tbody tr[data-unit=CHN] td.name button")
    page.wait_for_selector("#profile-head strong")
    _until(lambda: page.text_content("#profile-head strong") == "China")
    page.wait_for_selector("#profile-trend .main-svg")
    page.wait_for_selector("#strengths tr:nth-child(2)")
    assert page.locator("#tab-profile").get_attribute("aria-selected") == "true"
    time.sleep(0.5)
    page.screenshot(path=str(ARTIFACTS / "4-profile.png"), full_page=True)


def test_compare_three_countries(page: Any) -> None:
    page.click("#tab-compare")
    page.wait_for_selector("#compare-table tr:nth-child(4)")
    text = page.text_content("#compare-table")
    assert "United States" in text and "China" in text and "Russian Federation" in text
    page.screenshot(path=str(ARTIFACTS / "5-compare.png"), full_page=True)


def test_scenario(page: Any) -> None:
    page.click("#tab-scenario")
    page.select_option("#sc-preset", "sanctions")
    page.fill("#sc-countries", "RUS")
    page.fill("#sc-strength", "0.5")
    page.click("#sc-run")
    page.wait_for_selector("#sc-headlines li", timeout=120_000)
    assert "Russian Federation" in page.text_content("#sc-headlines")
    assert page.locator("#sc-table tr").count() > 1
    time.sleep(0.5)
    page.screenshot(path=str(ARTIFACTS / "6-scenario.png"), full_page=True)


def test_what_would_it_take(page: Any) -> None:
    page.click("#tab-reach")
    page.select_option("#rc-unit", "RUS")
    page.fill("#rc-rank", "20")
    page.click("#rc-run")
    page.wait_for_selector("#rc-table tr:nth-child(2)", timeout=120_000)
    assert "rank 20 or better" in page.text_content("#rc-status")
    page.screenshot(path=str(ARTIFACTS / "7-reach.png"), full_page=True)


def test_api_docs_render_offline(browser: Any, server: str) -> None:
    """/docs is Swagger UI from the app's own assets: no CDN, no CSP violation."""
    ARTIFACTS.mkdir(exist_ok=True)
    pg = browser.new_page(viewport={"width": 1366, "height": 800})
    problems: list[str] = []
    pg.on("console", lambda m: m.type == "error" and problems.append(m.text))
    pg.on("request", lambda r: r.url.startswith(server) or r.url.startswith("data:")
          or problems.append(f"outside request: {r.url}"))
    pg.goto(server + "/docs")
    pg.wait_for_selector(".swagger-ui .opblock", timeout=30_000)
    assert "airank" in pg.inner_text(".swagger-ui .title")
    pg.screenshot(path=str(ARTIFACTS / "8-api-docs.png"))
    pg.close()
    assert problems == []
