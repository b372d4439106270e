"""Render a report as one self-contained HTML file: styles, plotly.js and every figure
inline, nothing loaded from outside; laid out to print on A4 without cutting a figure."""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..plot import figure_html
from .model import Figure, Report, Section, Table, Text, csv_name

__all__ = ["CSS", "to_html"]

CSS = """
:root { --ink: #1e293b; --muted: #64748b; --rule: #e2e8f0; --accent: #c2410c; }
* { box-sizing: border-box; }
body { font: 14px/1.5 Helvetica, Arial, sans-serif; color: var(--ink); margin: 0 auto;
       max-width: 760px; padding: 24px 30px 60px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 36px 0 8px;
  border-bottom: 2px solid var(--ink); padding-bottom: 3px; }
h3 { font-size: 16px; margin: 22px 0 6px; } h4 { font-size: 13px; margin: 14px 0 4px; }
.sub { color: var(--muted); margin: 0 0 16px; }
.status { font-size: 11px; padding: 1px 6px; border-radius: 8px; margin-left: 6px;
          vertical-align: middle; background: #f1f5f9; color: var(--muted); }
.status.partial, .status.missing { background: #ffedd5; color: var(--accent); }
.manifest-box { border: 1px solid var(--rule); padding: 8px 12px; font-size: 12px; }
.manifest-box td { padding: 1px 10px 1px 0; vertical-align: top; }
.manifest-box code { overflow-wrap: anywhere; }
.toc ol { padding-left: 22px; } .toc li { margin: 2px 0; }
figure { margin: 14px 0; width: 700px; max-width: 100%; break-inside: avoid;
         page-break-inside: avoid; }
figcaption { font-size: 12px; color: var(--muted); margin-top: 2px; }
.table-wrap { overflow-x: auto; margin: 6px 0 14px; }
table.data { border-collapse: collapse; font-size: 11px; width: 100%; }
table.data th, table.data td { border-bottom: 1px solid var(--rule); padding: 2px 5px;
  text-align: right; overflow-wrap: anywhere; vertical-align: top; }
table.data th { background: #f8fafc; border-bottom: 1px solid #94a3b8;
  overflow-wrap: normal; }  /* headers break after an underscore, not inside a word */
table.data td.text, table.data th.text { text-align: left; }
.csv { font-size: 11px; color: var(--muted); margin: 2px 0 0; }
pre { font-size: 11px; white-space: pre-wrap; overflow-wrap: anywhere;
      background: #f8fafc; padding: 8px; border: 1px solid var(--rule); }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  .toc { break-after: page; }
  section.section { break-before: page; }
  section.section[data-status="missing"], section.section[data-status="not_applicable"] {
    break-before: auto; }
  h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  h3.unit { break-before: page; } h3.unit.first { break-before: auto; }
  tr { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  .table-wrap { overflow: visible; }
  table.data { font-size: 7.5pt; }
  .modebar, .modebar-container { display: none !important; }
  a { color: inherit; text-decoration: none; }
}
"""


def _fmt(v: Any) -> str:
    """A number as the report shows it (the CSV keeps full precision)."""
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        if v != 0 and (abs(v) >= 1e6 or abs(v) < 1e-3):
            return f"{v:.3e}"
        return f"{v:.4g}" if abs(v) < 1000 else f"{v:,.0f}"
    return str(v)


def table_html(t: Table, csv: str, folder: str) -> str:
    """One table: title, the rows (values escaped) and the link to its CSV."""
    f = t.frame
    kinds = {c: f[c].dtype.kind for c in f.columns}
    names = {c: html.escape(str(c)).replace("_", "_<wbr>") for c in f.columns}
    head = "".join(f'<th class="{"" if kinds[c] in "fiub" else "text"}">{names[c]}'
                   "</th>" for c in f.columns)
    rows = []
    for rec in f.itertuples(index=False, name=None):
        cells = "".join(f'<td class="{"" if kinds[c] in "fiub" else "text"}">'
                        f"{html.escape(_fmt(v))}</td>" for c, v in zip(f.columns, rec,
                                                                       strict=True))
        rows.append(f"<tr>{cells}</tr>")
    note = f'<p class="csv">{html.escape(t.note)}</p>' if t.note else ""
    if not t.show:
        return (f'<div class="table"><h4>{html.escape(t.title)}</h4><p class="csv">'
                f"{len(f)} rows x {f.shape[1]} columns, too wide to print: in the CSV "
                f'appendix, <a href="{html.escape(folder)}/{html.escape(csv)}">'
                f"{html.escape(csv)}</a>.</p>{note}</div>")
    link = (f'<p class="csv">{len(f)} rows; CSV: <a href="{html.escape(folder)}/'
            f'{html.escape(csv)}">{html.escape(csv)}</a></p>')
    return (f'<div class="table"><h4>{html.escape(t.title)}</h4><div class="table-wrap">'
            f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}'
            f"</tbody></table></div>{note}{link}</div>")


def _section(s: Section, number: int, folder: str) -> str:
    parts = [f'<section class="section" id="{html.escape(s.key)}" data-status="{s.status}">'
             f"<h2>{number}. {html.escape(s.title)}{_badge(s.status)}</h2>"]
    for b in s.blocks:
        if isinstance(b, Text):
            parts.append(b.html)
        elif isinstance(b, Table):
            parts.append(table_html(b, csv_name(s.key, b.name), folder))
        elif isinstance(b, Figure):
            div = figure_html(b.figure, full=False, include_js=False,
                              div_id=f"fig-{s.key}-{b.name}")
            parts.append(f'<figure data-name="{html.escape(b.name)}">{div}<figcaption>'
                         f"{html.escape(b.caption)}</figcaption></figure>")
    return "".join(parts) + "</section>"


def _badge(status: str) -> str:
    if status == "complete":
        return ""
    label = {"partial": "partial", "missing": "not computed",
             "not_applicable": "not applicable"}[status]
    return f'<span class="status {status}">{label}</span>'


def _summary(report: Report) -> str:
    m = report.manifest
    rows = [("index", f"{m.get('label', '')} ({m.get('index_key')}, view {m.get('view')})"),
            ("edition", m.get("edition")), ("methodology release", m.get("release") or "–"),
            ("licence mode", m.get("licence")), ("spec hash", m.get("spec_hash")),
            ("data hash", m.get("data_hash")), ("airank", m.get("airank_version")),
            ("settings", json.dumps({k: v for k, v in m.get("report", {}).items()
                                     if k != "sections"}))]
    body = "".join(f"<tr><td>{html.escape(k)}</td><td><code>{html.escape(str(v))}</code>"
                   "</td></tr>" for k, v in rows)
    return f'<div class="manifest-box"><table>{body}</table></div>'


def _toc(report: Report) -> str:
    items = "".join(f'<li><a href="#{html.escape(s.key)}">{html.escape(s.title)}</a>'
                    f"{_badge(s.status)}</li>" for s in report.sections)
    return f'<nav class="toc"><h2>Contents</h2><ol>{items}</ol></nav>'


def _manifest_text(manifest: Mapping[str, Any]) -> str:
    """The manifest as JSON, one top-level key a line (the spec compact: the appendix's
    manifest.json has it in full too)."""
    lines = [f" {json.dumps(str(k))}: {json.dumps(v, default=str, separators=(', ', ': '))}"
             for k, v in manifest.items()]
    return "{\n" + ",\n".join(lines) + "\n}"


def to_html(report: Report, *, tables_folder: str = "tables") -> str:
    """The report as one HTML document (a few MB: plotly.js is inlined once).

    ``tables_folder`` is the CSV appendix's folder, relative to the HTML file.
    """
    from plotly.offline import get_plotlyjs

    n = len(report.sections)
    body = "".join(_section(s, i + 1, tables_folder) for i, s in enumerate(report.sections))
    files = "".join(f"<li>{html.escape(name)}</li>" for name, _ in report.tables())
    manifest = _manifest_text(report.manifest)
    appendix = (f'<section class="section" id="appendix"><h2>{n + 1}. Appendix: manifest '
                f"and tables</h2><p>Every table of this report, whole and at full precision, "
                f"is a CSV file in the folder <code>{html.escape(tables_folder)}</code> "
                f'beside this file:</p><ul class="csv">{files}</ul><h3>Manifest</h3>'
                f"<pre>{html.escape(manifest)}</pre></section>")
    title = html.escape(report.title)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}'
            f'</title><meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<style>{CSS}</style><script>{get_plotlyjs()}</script></head><body>"
            f'<header><h1>{title}</h1><p class="sub">{html.escape(report.edition.spec.name)}'
            f" · made by airank {html.escape(str(report.manifest.get('airank_version')))}"
            f"</p>{_summary(report)}</header>{_toc(report)}{body}{appendix}</body></html>")
