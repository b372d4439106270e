"""Figures out: self-contained HTML, and static PNG/SVG/PDF through the system Chromium.

The static route is plotly's own exporter, Kaleido (>= 1.0), driving a Chrome or Chromium
that is already installed -- Debian's ``/usr/bin/chromium`` here -- instead of a browser
it would download: the image is drawn by the same plotly.js, from the copy inside the
plotly package, as the interactive figure, so a PNG is exactly what the page shows.
Kaleido is told not to load MathJax (its default page fetches it from a CDN), so export
needs no network. The browser is found from ``AIRANK_CHROMIUM``, then Kaleido's own
``BROWSER_PATH``, then ``chromium``, ``chromium-browser``, ``google-chrome`` on the PATH.

Starting the browser costs seconds; :func:`static_session` keeps one open for many
images (the report and ``airank plot`` use it).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Issue, OutputError
from ..output import write_file
from ._base import CONFIG

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = ["FORMATS", "chromium", "figure_html", "save", "static_session", "to_image"]

#: File suffixes and what they write.
FORMATS = {".html": "html", ".png": "png", ".svg": "svg", ".pdf": "pdf"}
_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


def chromium() -> str:
    """The Chrome/Chromium executable used for static images and the report's PDF.

    Raises
    ------
    OutputError
        None is found: the message says how to install or name one.
    """
    for var in ("AIRANK_CHROMIUM", "BROWSER_PATH"):
        path = os.environ.get(var)
        if path:
            if Path(path).is_file() and os.access(path, os.X_OK):
                return path
            raise OutputError([Issue((var,), "no_browser", f"{var}={path!r} is not an "
                                     "executable file. Expected the path of Chrome or "
                                     "Chromium.", path)], "Cannot draw static images")
    for name in _BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise OutputError([Issue(("browser",), "no_browser", "No Chrome or Chromium found on the "
                             "PATH. Install one (Debian: apt-get install chromium) or set "
                             "AIRANK_CHROMIUM to its path.")], "Cannot draw static images")


def _kaleido() -> Any:
    try:
        import kaleido
    except ImportError:
        raise OutputError([Issue(("kaleido",), "no_kaleido", "Static images need the "
                                 "'kaleido' package (>= 1.0): pip install 'kaleido>=1.0'.")],
                          "Cannot draw static images") from None
    return kaleido


def _options() -> dict[str, Any]:
    kaleido = _kaleido()
    return {"path": chromium(), "page_generator": kaleido.PageGenerator(mathjax=False)}


@contextlib.contextmanager
def static_session() -> Iterator[None]:
    """Keep one browser open for every :func:`to_image` in the block (re-entrant)."""
    kaleido = _kaleido()
    server = kaleido._global_server
    if server.is_running():
        yield
        return
    kaleido.start_sync_server(**_options(), silence_warnings=True)
    try:
        yield
    finally:
        kaleido.stop_sync_server(silence_warnings=True)


def to_image(fig: go.Figure, fmt: str = "png", *, scale: float = 2.0) -> bytes:
    """The figure as PNG, SVG or PDF bytes, at its own width and height.

    Raises
    ------
    OutputError
        No browser or no Kaleido, or the browser failed to draw.
    """
    if fmt not in ("png", "svg", "pdf"):
        raise OutputError([Issue(("format",), "unknown_format", f"Unknown image format "
                                 f"'{fmt}'. Expected png, svg or pdf.", fmt)],
                          "Cannot draw the image")
    kaleido = _kaleido()
    opts = {"format": fmt, "width": fig.layout.width, "height": fig.layout.height,
            "scale": scale if fmt == "png" else 1}
    running = kaleido._global_server.is_running()
    try:
        data = (kaleido.calc_fig_sync(fig, opts=opts) if running else
                kaleido.calc_fig_sync(fig, opts=opts, kopts=_options()))
    except OutputError:
        raise
    except Exception as exc:  # the browser process failed: report it, never a traceback
        raise OutputError([Issue(("browser",), "render_failed", f"Chromium could not draw "
                                 f"the figure: {type(exc).__name__}: {exc}.")],
                          "Cannot draw the image") from None
    return bytes(data)


def figure_html(fig: go.Figure, *, full: bool = True, include_js: bool = True,
                div_id: str | None = None) -> str:
    """The figure as HTML: a whole page, or a ``<div>`` for a report.

    ``include_js`` inlines plotly.js (no CDN: the page works offline); a report
    includes it once and its figures without it.
    """
    return str(fig.to_html(full_html=full, include_plotlyjs=bool(include_js), config=CONFIG,
                           div_id=div_id, include_mathjax=False, validate=True))


def save(fig: go.Figure, path: str | Path) -> Path:
    """Write the figure; the suffix picks the format (.html, .png, .svg, .pdf).

    Returns
    -------
    Path
        The file written (atomically, through :func:`airank.output.write_file`).

    Raises
    ------
    OutputError
        An unknown suffix, no browser for a static image, or the file cannot be written.
    """
    p = Path(path)
    fmt = FORMATS.get(p.suffix.lower())
    if fmt is None:
        raise OutputError([Issue((str(p),), "unknown_format", f"Unknown file type "
                                 f"'{p.suffix}'. Expected one of {list(FORMATS)}.",
                                 p.suffix)], "Cannot write the figure")
    data: bytes | str = figure_html(fig) if fmt == "html" else to_image(fig, fmt)
    return write_file(p, data)
