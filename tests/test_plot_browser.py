"""Every plot kind in a real browser (Debian's Chromium driven by Playwright) and as a
static image (Kaleido driving the same Chromium). Screenshots and images go to
``tests/artifacts/`` to be looked at."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from airank import Edition, plot

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at "
                       "/usr/bin/chromium (apt-get install -y chromium)"),
]


@pytest.fixture(scope="module")
def figures() -> dict[str, Any]:
    import pandas as pd

    from airank.analysis.robustness.sensitivity import sensitivity
    from airank.analysis.robustness.uncertainty import uncertainty

    ed = Edition.example("asem")
    r = ed.baseline
    # the importance figure draws a table (its estimator is tested elsewhere, and slow)
    imp = pd.DataFrame({"code": ["Sust", "Conn", "P2P", "Instit"],
                        "parent": ["Index", "Index", "Conn", "Conn"],
                        "nominal_weight": [0.5, 0.5, 0.5, 0.5],
                        "eta2_normalised": [0.45, 0.55, 0.7, 0.3],
                        "flag": [False, False, True, True]})
    return {
        "framework": plot.framework(ed),
        "distributions": plot.distributions(r, list(r.spec.indicator_codes[:8])),
        "correlation": plot.correlation(r, (1, 2)),
        "bar": plot.bar(r, highlight="NZL"),
        "dot": plot.dot(r, highlight="NZL"),
        "intervals": plot.intervals(uncertainty(ed, n=100, seed=1), highlight="NZL"),
        "sobol": plot.sobol(sensitivity(ed, n_base=16, seed=1, n_boot=50)),
        "importance": plot.importance(imp),
        "profile": plot.profile(r, "NZL"),
        "coverage": plot.coverage(r),
    }


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs Playwright")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield b
        b.close()


def test_figures_cover_every_kind(figures):
    assert set(figures) == set(plot.KINDS)


def test_every_kind_renders_offline_in_chromium(figures, browser, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    divs = "".join(plot.figure_html(fig, full=False, include_js=False, div_id=f"fig-{kind}")
                   for kind, fig in figures.items())
    page_file = tmp_path / "plots.html"
    page_file.write_text(plot.figure_html(figures["bar"]).replace(
        "</body>", f"{divs}</body>"), encoding="utf-8")
    page = browser.new_page(viewport={"width": 760, "height": 1000})
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: r.url.startswith(("file:", "data:", "blob:"))
            or problems.append(f"outside request: {r.url}"))
    page.goto(page_file.as_uri())
    for kind, fig in figures.items():
        div = page.locator(f"#fig-{kind}")
        div.locator(".main-svg").first.wait_for()
        box = div.locator(".plot-container").bounding_box()
        assert box is not None and box["width"] == pytest.approx(fig.layout.width, abs=1)
        assert box["height"] == pytest.approx(fig.layout.height, abs=1)
        marks = div.locator(".trace, .slice, .hm, .bars, .point").count()
        assert marks > 0, kind
        div.hover()
        titles = div.locator(".modebar-btn").evaluate_all(
            "els => els.map(e => e.getAttribute('data-title') || '')")
        assert titles, kind
        assert not [t for t in titles if "Cloud" in t or "Chart Studio" in t], titles
        assert div.locator("a.modebar-btn[href*='plotly']").count() == 0  # no logo link
        div.screenshot(path=str(ARTIFACTS / f"plot_{kind}.png"))
    page.close()
    assert problems == []


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = struct.unpack(">II", data[16:24])
    return int(w), int(h)


def test_every_kind_exports_a_static_image(figures, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    with plot.static_session():  # one browser for every image
        for kind, fig in figures.items():
            png = plot.to_image(fig, "png")
            assert _png_size(png) == (2 * fig.layout.width, 2 * fig.layout.height), kind
            assert len(png) > 10_000, kind  # a drawn figure, not a blank canvas
            (ARTIFACTS / f"static_{kind}.png").write_bytes(png)
        paths = {s: plot.save(figures["dot"], tmp_path / f"dot{s}") for s in (".svg", ".pdf")}
    svg, pdf = (paths[s].read_bytes() for s in (".svg", ".pdf"))
    assert svg.startswith(b"<svg") and b"NZL" in svg
    assert pdf.startswith(b"%PDF") and len(pdf) > 2_000
