"""Write a report: the HTML file, its CSV appendix beside it, and the PDF printed from it
by the system's headless Chromium (the same document, paginated by its print styles)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from ..errors import Issue, OutputError
from ..output import write_file, write_folder
from ..plot import chromium
from .html import to_html
from .model import Report

__all__ = ["print_pdf", "tables_folder", "write_report"]

#: Seconds Chromium may take to lay out and print the report.
PRINT_TIMEOUT = 300
# The virtual-time budget lets plotly finish drawing before the page is printed: without
# it, Chromium printed a 128-bar chart half drawn.
_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
          "--disable-background-networking", "--disable-component-update", "--disable-sync",
          "--disable-extensions", "--no-pdf-header-footer", "--hide-scrollbars",
          "--run-all-compositor-stages-before-draw", "--virtual-time-budget=5000")


def tables_folder(html_path: str | Path) -> Path:
    """The CSV appendix of a report file: ``<name>_tables`` beside it."""
    p = Path(html_path)
    return p.with_name(f"{p.stem}_tables")


def print_pdf(html_path: str | Path, pdf_path: str | Path) -> Path:
    """Print an HTML file to PDF with headless Chromium (A4, the page's print styles).

    Raises
    ------
    OutputError
        No Chromium, Chromium failed or timed out, or the PDF cannot be written.
    """
    src = Path(html_path).resolve()
    browser = chromium()

    def run(tmp: Path) -> None:
        cmd = [browser, *_FLAGS, f"--print-to-pdf={tmp}", src.as_uri()]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=PRINT_TIMEOUT,
                                  check=False)
        except subprocess.TimeoutExpired:
            raise _fail(pdf_path, f"Chromium did not finish printing in {PRINT_TIMEOUT} s"
                        ) from None
        if proc.returncode != 0 or not tmp.is_file() or tmp.stat().st_size == 0:
            tail = (proc.stderr or "").strip().splitlines()[-3:]
            raise _fail(pdf_path, f"Chromium exited with code {proc.returncode} and no PDF"
                        + (f": {' | '.join(tail)}" if tail else ""))

    return write_file(pdf_path, run)


def _fail(path: str | Path, why: str) -> OutputError:
    return OutputError([Issue((str(path),), "print_failed", f"{why}.")],
                       "Cannot print the report to PDF")


def write_report(report: Report, path: str | Path, *, pdf: str | Path | None = None
                 ) -> list[Path]:
    """Write the report's HTML file, its CSV appendix and (optionally) its PDF.

    Parameters
    ----------
    report : Report
        From :func:`airank.report.build_report`.
    path : str or Path
        The HTML file. The CSV appendix (every table, with a ``manifest.json``) goes to
        the folder :func:`tables_folder` names, beside it.
    pdf : str or Path, optional
        Also print the HTML file to this PDF.

    Returns
    -------
    list of Path
        The HTML file, the appendix's files, then the PDF.

    Raises
    ------
    OutputError
        A file cannot be written, or the PDF cannot be printed.
    """
    html_path = Path(path)
    folder = tables_folder(html_path)
    written = write_folder(folder, report.csv_files(), manifest=dict(report.manifest))
    out = [write_file(html_path, to_html(report, tables_folder=folder.name)), *written]
    if pdf is not None:
        out.append(print_pdf(out[0], pdf))
    return out
