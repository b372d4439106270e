"""The dashboard in a real browser: Debian's Chromium driven by Playwright, served by uvicorn.

Needs ``/usr/bin/chromium`` (``apt-get install chromium``) and ``pip install playwright``
(no ``playwright install``: the system Chromium is used); the accessibility check also
needs axe-core from the npm registry (``npm ci --prefix tests``), injected into the page
from ``tests/node_modules`` -- never from a CDN. Screenshots of every tab at 390 px (a
phone) and 1366 px go to ``tests/artifacts/``. Every request the page makes must go to
the app itself.
"""

from __future__ import annotations

import json
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
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]
TABS = ("ranking", "map", "profile", "compare", "scenario", "projection", "reach", "method")
PHONE, LAPTOP = {"width": 390, "height": 844}, {"width": 1366, "height": 800}

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
    deadline = time.monotonic() + 180
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


def _open(browser: Any, server: str, viewport: dict[str, int] = LAPTOP, path: str = "/",
          **context: Any) -> Any:
    """A fresh context (empty cache) on the dashboard; problems collected on the page."""
    ARTIFACTS.mkdir(exist_ok=True)
    ctx = browser.new_context(viewport=viewport, **context)
    pg = ctx.new_page()
    pg.problems = []
    pg.on("console", lambda m: m.type == "error" and pg.problems.append(m.text))
    pg.on("pageerror", lambda e: pg.problems.append(str(e)))
    pg.on("request", lambda r: r.url.startswith(server) or r.url.startswith(("data:", "blob:"))
          or pg.problems.append(f"outside request: {r.url}"))
    pg.goto(server + path)
    pg.wait_for_selector("#ranking tbody tr")
    _until(lambda: pg.get_attribute("#status", "data-ms") is not None)
    _until(lambda: pg.get_attribute("html", "data-ready") == "true")  # presets too
    return pg


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    pg = _open(browser, server)
    yield pg
    assert pg.problems == []
    pg.context.close()


@pytest.fixture
def phone(browser: Any, server: str) -> Iterator[Any]:
    pg = _open(browser, server, PHONE, has_touch=True, is_mobile=True)
    yield pg
    assert pg.problems == []
    pg.context.close()


def _until(check: Any, timeout: float = 60.0) -> None:
    """Poll ``check()`` from Python (the page's CSP forbids eval'd wait functions)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        time.sleep(0.05)


def _order(pg: Any) -> list[str]:
    return pg.eval_on_selector_all("#ranking tbody tr", "rows => rows.map(r => r.dataset.unit)")


def _rerank(pg: Any, slider: str, key: str) -> float:
    """Press ``key`` on a weight slider; wait for the new ranking; the page's own timing."""
    pg.eval_on_selector("#status", "s => { s.dataset.ms = 'pending'; }")
    pg.focus(slider)
    pg.keyboard.press(key)
    _until(lambda: pg.get_attribute("#status", "data-ms") != "pending")
    return float(pg.get_attribute("#status", "data-ms"))


def _overflow(pg: Any) -> int:
    """How far the page is wider than the window (0: no horizontal scroll)."""
    return int(pg.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


# -- load, speed, re-weighting ----------------------------------------------------------
def test_first_load_is_fast_and_assets_are_cached(browser: Any, server: str) -> None:
    """Cold load (empty cache): navigation timing and the first ranking drawn; a reload
    takes the versioned assets from the cache."""
    pg = _open(browser, server)
    nav = pg.evaluate("(() => { const n = performance.getEntriesByType('navigation')[0];"
                      " return {dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd}; })()")
    drawn = pg.evaluate("performance.getEntriesByName('ranking-drawn')[0].startTime")
    sizes = pg.evaluate("performance.getEntriesByType('resource').map(r => [r.name.split('?')[0]"
                        ".split('/').pop(), r.transferSize, r.encodedBodySize])")
    line = (f"first load: DOMContentLoaded {nav['dcl']:.0f} ms, load {nav['load']:.0f} ms, "
            f"ranking drawn {drawn:.0f} ms; resources {sizes}")
    print("\n" + line)
    (ARTIFACTS / "first-load.txt").write_text(line + "\n")
    pg.reload()
    pg.wait_for_selector("#ranking tbody tr")
    cached = pg.evaluate("performance.getEntriesByType('resource').filter(r => r.name.includes("
                         "'/static/') && r.name.includes('?v=')).map(r => r.transferSize)")
    assert pg.problems == []
    pg.context.close()
    assert drawn < 3000  # the target is < 1000 ms on loopback; the CI machine is shared
    assert cached and all(size == 0 for size in cached)  # served from the browser cache


def test_load_and_reweight_live(page: Any) -> None:
    rows = _order(page)
    assert len(rows) > 100 and rows[0] == "USA"
    assert page.locator("#ranking tbody tr").first.locator(".iv .range").count() == 1
    times = [_rerank(page, "#w-investment", "Home")]  # investment weight -> 0
    after = _order(page)
    assert after != rows
    for key in ["ArrowRight"] * 6 + ["ArrowLeft"] * 3:
        times.append(_rerank(page, "#w-talent", key))
    median = statistics.median(times)
    print(f"\nbrowser re-rank (fetch + render) ms: {times}; median {median:.0f}")
    (ARTIFACTS / "rerank-ms.txt").write_text(" ".join(f"{t:.0f}" for t in times) + "\n")
    assert "Re-ranked in" in page.text_content("#status")
    assert median < 250  # the target is < 100 ms; the CI machine is shared and small


def test_reweighting_shows_effective_weights_change_and_keeps_state_in_the_url(
        page: Any, browser: Any, server: str) -> None:
    assert page.text_content("#eff-talent") == "11.1% of the index"
    assert page.text_content("#eff-research") == "16.7% of the index"
    _rerank(page, "#w-investment", "Home")
    assert page.text_content("#eff-investment") == "0.0% of the index"
    assert page.text_content("#eff-research") == "25.0% of the index"  # 1/2 of 1/2
    head = page.eval_on_selector_all("#ranking thead th", "t => t.map(x => x.innerText)")
    assert any(h.startswith("Δ rank") for h in head)
    changes = page.eval_on_selector_all("#ranking tbody td.up, #ranking tbody td.down",
                                        "c => c.map(x => x.getAttribute('aria-label'))")
    assert changes and all("with the published weights" in c for c in changes)
    url = page.url
    assert "w=investment%3A0" in url or "w=investment:0" in url
    assert "weights=investment%3A0" in page.get_attribute("#dl-csv", "href")
    cite = page.text_content("#cite-ranking .cite-text")
    assert "custom weights (Investment 0" in cite
    again = _open(browser, server, path=url[len(server):])
    assert again.input_value("#w-investment") == "0"
    assert again.text_content("#eff-investment") == "0.0% of the index"
    assert again.problems == []
    again.context.close()


def test_search_sort_and_focus(page: Any) -> None:
    page.fill("#search", "CHN")
    assert _order(page) == ["CHN"]
    from airank import ogai

    table = ogai.ranking(ogai.LATEST, "scale").set_index("iso3")
    rank, n = int(table.loc["CHN", "rank"]), len(table)
    assert page.text_content("#cite-ranking .cite-text").startswith(f"China: rank {rank} of {n} ")
    page.fill("#search", "")
    header = page.locator("#ranking thead button[data-sort=score]")
    header.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.dataset.sort") == "score"
    assert page.get_attribute("#ranking thead th:nth-child(3)", "aria-sort") == "descending"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.dataset.sort") == "score"
    assert page.get_attribute("#ranking thead th:nth-child(3)", "aria-sort") == "ascending"
    scores = page.eval_on_selector_all("#ranking tbody tr th + td button",
                                       "c => c.map(x => Number(x.innerText))")
    assert scores == sorted(scores)
    page.click("#ranking thead button[data-sort=name]")
    names = page.eval_on_selector_all("#ranking tbody th.name", "c => c.map(x => x.innerText)")
    assert names == sorted(names, key=str.lower) or names[0] < names[-1]
    # one tab stop in the table; arrow keys move; Enter on a name opens its profile
    stops = page.locator("#ranking tbody button[tabindex='0']")
    assert stops.count() == 1
    stops.focus()
    first = page.evaluate("document.activeElement.closest('tr').dataset.unit")
    page.keyboard.press("ArrowDown")
    second = page.evaluate("document.activeElement.closest('tr').dataset.unit")
    assert first != second
    page.keyboard.press("Enter")
    _until(lambda: page.evaluate("document.activeElement.id") == "profile-title")
    assert page.get_attribute("#tab-profile", "aria-selected") == "true"


# -- every number explains itself --------------------------------------------------------
def _ranking_row(pg: Any, unit: str) -> Any:
    return pg.locator(f"#ranking tbody tr[data-unit={unit}]")


def test_a_table_value_says_its_unit_year_source_and_status(page: Any) -> None:
    _until(lambda: "loading" not in (_ranking_row(page, "RUS").locator("button.v").first
                                     .get_attribute("aria-label") or "loading").lower())
    page.select_option("#cols", "ind:commercial")
    cell = _ranking_row(page, "RUS").locator("button.v[data-key=ai_investment]")
    name = cell.get_attribute("aria-label")
    assert "Private AI investment" in name and "million current US$" in name
    assert "observed, data 2025" in name
    assert "Emerging Technology Observatory" in name and "CC-BY-NC-4.0" in name
    cell.focus()
    info = page.locator("#cellinfo")
    assert info.is_visible() and "million current US$" in info.inner_text()
    imputed = _ranking_row(page, "RUS").locator("button.v[data-key=hightech_exports]")
    assert "imputed" in imputed.get_attribute("aria-label")
    page.screenshot(path=str(ARTIFACTS / "value-details-1366.png"))


def test_on_a_phone_a_tap_shows_what_a_value_is(phone: Any) -> None:
    assert _overflow(phone) == 0
    _until(lambda: "loading" not in (_ranking_row(phone, "RUS").locator("button.v").first
                                     .get_attribute("aria-label") or "loading").lower())
    score = _ranking_row(phone, "RUS").locator("button.v").first
    name = score.get_attribute("aria-label")
    assert name.startswith("Russian Federation — Open Global AI Index:")
    assert "score 0–100" in name and "data 20" in name and "observed" in name
    assert "Sources:" in name and "World Bank" in name
    score.tap()
    info = phone.locator("#cellinfo")
    assert info.is_visible() and "score 0–100" in info.inner_text()
    box = info.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    phone.screenshot(path=str(ARTIFACTS / "value-details-390.png"))


def test_methodology_tab(page: Any) -> None:
    page.click("#tab-method")
    page.wait_for_selector("#method-indicators tr:nth-child(10)")
    framework = page.inner_text("#method-framework")
    assert "Talent" in framework and "11.1%" in framework and "16.7%" in framework
    row = page.inner_text("#ind-ai_investment")
    assert "million current US$" in row and "Emerging Technology Observatory" in row
    text = page.inner_text("#method-body")
    assert "±25%" in text and "300 replications" in text and "release ogai-2026.1" in text
    # the ranking's legend links here: the interval says what it varies, and how
    page.click("#tab-ranking")
    assert "±25%" in page.text_content("#iv-legend")
    page.click("#panel-ranking a[data-tab=method]")
    _until(lambda: page.evaluate("document.activeElement.id") == "method-uncertainty")


def test_trend_marks_the_changes_of_the_indicator_set(page: Any) -> None:
    page.click("#ranking tbody tr[data-unit=RUS] th.name button")
    page.wait_for_selector("#profile-trend .main-svg")
    _until(lambda: page.text_content("#profile-title") == "Russian Federation")
    _until(lambda: bool(page.text_content("#trend-note")))
    note = page.text_content("#trend-note")
    assert "different numbers of countries" in note and "added" in note
    svg = page.inner_html("#profile-trend")
    assert "rank (1 = best)" in svg and "ind." in svg
    labels = page.eval_on_selector_all("#profile-trend .textpoint text",
                                       "t => t.map(x => x.textContent)")
    assert labels and all("/" in x for x in labels)  # "rank/N"
    assert "imputed" in page.inner_text("#profile-values")
    assert page.text_content("#cite-profile .cite-text").startswith("Russian Federation: rank ")


# -- what-if ---------------------------------------------------------------------------
def test_scenario_lists_what_was_shocked_and_skipped(page: Any) -> None:
    page.click("#tab-scenario")
    assert page.eval_on_selector_all("#sc-preset option", "o => o.map(x => x.value)") == [
        "export-controls", "partnership", "sanctions"]
    page.select_option("#sc-preset", "sanctions")
    page.fill("#sc-countries", "RUS")
    page.fill("#sc-strength", "0.33")
    assert page.text_content("#sc-strength-msg") == ""
    page.click("#sc-run")
    page.wait_for_selector("#sc-shocks li", timeout=120_000)
    shocks = page.inner_text("#sc-shocks")
    assert "Russian Federation" in shocks and "shocked" in shocks
    assert "skipped 1: High-technology exports" in shocks
    assert "the index uses an imputed one" in shocks  # why it was skipped
    page.fill("#sc-countries", "XYZ")
    assert "not a ranked country: XYZ" in page.text_content("#sc-countries-msg")
    page.click("#sc-run")
    assert page.locator("#sc-shocks li").count() == 0  # an error clears the last result
    assert page.locator("#sc-table tr").count() == 0


def test_presets_that_fail_to_load_say_so_and_the_page_waits_for_them(
        browser: Any, server: str) -> None:
    """The page is ready only once the presets have answered (slow here: 1.5 s), and a
    failed request is said as such, not as "no preset is offered"."""
    ctx = browser.new_context(viewport=LAPTOP)
    pg = ctx.new_page()
    asked: list[float] = []

    def slow_failure(route: Any) -> None:
        asked.append(time.monotonic())
        time.sleep(1.5)
        route.fulfill(status=503, content_type="application/json", body='{"detail": "down"}')

    pg.route("**/scenarios", slow_failure)
    pg.goto(server + "/")
    pg.wait_for_selector("#ranking tbody tr")
    _until(lambda: pg.get_attribute("html", "data-ready") == "true")
    assert asked and time.monotonic() - asked[0] >= 1.5
    pg.click("#tab-scenario")
    note = pg.text_content("#sc-none")
    assert pg.is_visible("#sc-none") and not pg.is_visible("#scenario-form")
    assert not pg.is_visible("#sc-results")  # no empty chart under the note
    assert note.startswith("The scenario presets could not be loaded: ")
    assert "error" in pg.get_attribute("#sc-none", "class")
    ctx.close()


def test_projection_tab(page: Any) -> None:
    page.click("#tab-projection")
    page.fill("#pj-countries", "USA, China, RUS")
    page.fill("#pj-n", "10")
    page.click("#pj-run")
    page.wait_for_selector("#pj-table tr:nth-child(4)", timeout=120_000)
    assert "90% intervals from 10 bootstrap" in page.text_content("#pj-status")
    cite = page.text_content("#cite-pj .cite-text")
    assert "Russian Federation: projected rank" in cite and "in 2030" in cite
    page.wait_for_selector("#pj-chart .main-svg")


def test_what_would_it_take_accepts_shares(page: Any) -> None:
    page.click("#tab-reach")
    page.select_option("#rc-unit", "RUS")
    page.fill("#rc-rank", "20")
    for share in ("0.5", "0.2", "0.1", "1"):
        page.fill("#rc-max", share)
        assert page.text_content("#rc-max-msg") == "", share
    page.fill("#rc-max", "0.5")
    page.click("#rc-run")
    page.wait_for_selector("#rc-table tr:nth-child(2)", timeout=120_000)
    assert "rank 20 or better" in page.text_content("#rc-status")
    page.fill("#rc-max", "-1")
    assert "more than 0" in page.text_content("#rc-max-msg")
    page.click("#rc-run")
    assert page.locator("#rc-table tr").count() == 0
    assert "error" in page.get_attribute("#rc-status", "class")


# -- layout, every tab at both widths, nothing from outside, accessibility ----------------
def _show(pg: Any, tab: str, width: int) -> None:
    """Open ``tab`` and bring it to a state worth looking at."""
    pg.click(f"#tab-{tab}")
    if tab == "map":
        pg.wait_for_selector("#map .choroplethlocation", timeout=60_000)
    elif tab == "profile":
        pg.wait_for_selector("#profile-trend .main-svg", timeout=60_000)
        pg.wait_for_selector("#profile-values tr:nth-child(5)")
    elif tab == "compare":
        pg.wait_for_selector("#compare-chart .main-svg", timeout=60_000)
    elif tab == "scenario":
        pg.click("#sc-run")
        pg.wait_for_selector("#sc-shocks li", timeout=120_000)
    elif tab == "projection":
        pg.fill("#pj-n", "5")
        pg.click("#pj-run")
        pg.wait_for_selector("#pj-table tr:nth-child(2)", timeout=120_000)
    elif tab == "reach":
        pg.fill("#rc-rank", "20")
        pg.click("#rc-run")
        pg.wait_for_selector("#rc-table tr:nth-child(2)", timeout=120_000)
    elif tab == "method":
        pg.wait_for_selector("#method-indicators tr:nth-child(5)")
    time.sleep(0.6)  # plotly's transitions


_AXE_RUN = ("tab => axe.run({include: [['.skip'], ['header'], ['aside'], ['.tabs'], "
            "['#panel-' + tab], ['#cellinfo'], ['footer']]}, {resultTypes: ['violations']})"
            ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, "
            "nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))")


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["390px", "1366px"])
def test_every_tab_fits_is_accessible_and_loads_nothing_from_outside(
        browser: Any, server: str, viewport: dict[str, int]) -> None:
    """Every tab, brought to a result: no horizontal scroll, a screenshot, axe-core's
    rules (from node_modules, injected by the test -- never from a CDN)."""
    pg = _open(browser, server, viewport)
    width = viewport["width"]
    if AXE.exists():
        pg.evaluate(AXE.read_text(encoding="utf-8"))
    overflow, violations = {}, {}
    for tab in TABS:
        _show(pg, tab, width)
        overflow[tab] = _overflow(pg)
        pg.screenshot(path=str(ARTIFACTS / f"tab-{tab}-{width}.png"), full_page=True)
        if AXE.exists():
            if tab == "ranking":
                pg.locator("#ranking tbody button.v").first.focus()
            if found := pg.evaluate(_AXE_RUN, tab):
                violations[tab] = found
    (ARTIFACTS / f"axe-{width}.json").write_text(json.dumps(violations, indent=1))
    assert overflow == dict.fromkeys(TABS, 0)
    assert violations == {}
    outside = pg.evaluate("""(() => {
        const urls = [...document.querySelectorAll('script[src], img[src], iframe[src], '
                     + 'frame[src], embed[src], source[src], video[src], audio[src]')]
          .map(e => e.src)
          .concat([...document.querySelectorAll('link[href]')].map(e => e.href))
          .concat(performance.getEntriesByType('resource').map(r => r.name));
        return urls.filter(u => !u.startsWith(location.origin + '/') && !u.startsWith('data:'));
    })()""")
    assert outside == []
    buttons = pg.eval_on_selector_all(".modebar-btn",
                                      "b => b.map(x => x.getAttribute('data-title'))")
    assert buttons and not [b for b in buttons if "cloud" in b.lower() or "share" in b.lower()]
    assert pg.locator(".modebar a[href]").count() == 0  # no plotly logo or link
    assert pg.problems == []
    pg.context.close()


def test_axe_core_is_installed_for_the_accessibility_check() -> None:
    """The accessibility check above runs only with axe-core; say so when it cannot."""
    if not AXE.exists():
        pytest.skip("needs axe-core for the accessibility check: npm ci --prefix tests")
    assert AXE.stat().st_size > 100_000


def test_api_docs_render_offline(browser: Any, server: str) -> None:
    """/docs is Swagger UI from the app's own assets: no CDN, no CSP violation."""
    ARTIFACTS.mkdir(exist_ok=True)
    pg = browser.new_page(viewport=LAPTOP)
    problems: list[str] = []
    pg.on("console", lambda m: m.type == "error" and problems.append(m.text))
    pg.on("request", lambda r: r.url.startswith(server) or r.url.startswith("data:")
          or problems.append(f"outside request: {r.url}"))
    pg.goto(server + "/docs")
    pg.wait_for_selector(".swagger-ui .opblock", timeout=30_000)
    assert "airank" in pg.inner_text(".swagger-ui .title")
    pg.screenshot(path=str(ARTIFACTS / "api-docs.png"))
    pg.close()
    assert problems == []
