"""Sections for the Open Global AI Index: agreement with published indices, and the
source catalogue with the data notice."""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..countries import reconcile
from .context import Context
from .model import Block, Section, Status, Table, Text, bullets, para

__all__ = ["PUBLISHED", "TORTOISE_ENV", "agreement", "sources"]

TORTOISE_ENV = "AIRANK_TORTOISE_DIR"
#: The source checkout's published tables (not in the installed package).
SOURCES_DIR = Path(__file__).resolve().parents[2] / "data" / "sources"


@dataclass(frozen=True)
class Published:
    """A published index total: where it is read from and its columns."""

    name: str
    year: int
    file: str  # under data/sources, or under AIRANK_TORTOISE_DIR for Tortoise
    unit: str  # the country column ("iso3": ISO3 codes; else names, reconciled)
    score: str

    def path(self) -> Path | None:
        if self.name.startswith("Tortoise"):
            d = os.environ.get(TORTOISE_ENV, "").strip()
            return Path(d) / self.file if d else None
        return SOURCES_DIR / self.file

    def read(self, path: Path) -> pd.Series:
        """The total by ISO3 (names matched by :func:`airank.countries.reconcile`)."""
        t = pd.read_csv(path, keep_default_na=False, na_values=[""])
        if self.unit == "Country" and self.name.startswith("Tortoise"):
            cw = pd.read_csv(path.with_name("AI_index_db_iso3_crosswalk.csv"),
                             keep_default_na=False)
            t = t.merge(cw, on="Country")
            return t.set_index("iso3")[self.score].astype(float).dropna()
        if self.unit == "iso3":
            t = t[t["iso3"].astype(str).str.fullmatch(r"[A-Z]{3}")]
            return t.set_index("iso3")[self.score].astype(float).dropna()
        rec = reconcile(t[self.unit].astype(str).tolist())
        iso = t[self.unit].map(rec.mapping)
        return pd.Series(t[self.score].to_numpy(dtype=float), index=iso).dropna()


PUBLISHED = (
    Published("Tortoise Global AI Index (total)", 2021, "AI_index_db.csv", "Country",
              "Total score"),
    Published("Oxford Insights Government AI Readiness Index (total)", 2024,
              "oxford_insights_gairi/gairi_2024_pillars_dimensions.csv", "Country", "Total"),
    Published("Oxford Insights Government AI Readiness Index (total)", 2025,
              "oxford_insights_gairi/gairi_2025_pillars_dimensions.csv", "Country",
              "Total Score"),
    Published("IMF AI Preparedness Index", 2023,
              "imf_aipi/imf_aipi_2023_from_futuregrid.csv", "iso3", "AI_PI"),
)


def agreement(ctx: Context) -> Section:
    """Spearman rank agreement of the OGAI with published indices (OGAI only)."""
    title = "Agreement with published indices"
    if not ctx.is_ogai:
        return Section("agreement", title, (para(
            "Not applicable: this section compares the Open Global AI Index with published "
            "AI indices; this report is on another index."),), "not_applicable")
    from .. import ogai

    rows: list[dict[str, object]] = []
    notes: list[str] = []
    blocks: list[Block] = []
    for p in PUBLISHED:
        path = p.path()
        if path is None:
            notes.append(f"{p.name} {p.year}: skipped. Tortoise Media's table is proprietary "
                         f"and not shipped; set {TORTOISE_ENV} to the folder holding "
                         f"{p.file} to include it.")
            continue
        if not path.is_file():
            notes.append(f"{p.name} {p.year}: skipped, {path} not found (the published "
                         "tables are in a source checkout, under data/sources).")
            continue
        cmp = ogai.compare(p.read(path), p.year, ctx.edition.view)
        rows.append({"index": p.name, "year": p.year, "ogai_edition": p.year,
                     "view": ctx.edition.view, "n_common": cmp.n, "spearman_rho": cmp.rho,
                     "file": str(path.relative_to(path.parents[1]))})
        d = cmp.disagreements(5).reset_index()
        blocks.append(Table(f"disagreements_{len(rows)}", f"Largest disagreements with the "
                            f"{p.name} {p.year} (rank among common units; diff = OGAI - "
                            "other)", d))
    head: list[Block] = [para(
        "Spearman correlation between the OGAI score of an edition and a published total "
        "of the same year, over the countries both rank (both re-ranked among them; "
        "airank.ogai.compare). Shared inputs inflate the Oxford Insights and IMF figures "
        "(see docs/ogai.md, section 9).")]
    if notes:
        head.append(bullets(notes))
    if rows:
        head.append(Table("rho", "Rank agreement with published indices", pd.DataFrame(rows)))
    status: Status = "complete" if rows and not notes else "partial" if rows else "missing"
    return Section("agreement", title, tuple(head + blocks), status)


def sources(ctx: Context) -> Section:
    """The OGAI source catalogue and its data notice (OGAI only)."""
    title = "Sources and data notice"
    if not ctx.is_ogai:
        return Section("sources", title, (para(
            f"Not applicable: the source catalogue is the OGAI's. This report's data come "
            f"from {ctx.edition.data.source} (data hash {ctx.result.data_hash[:16]}...)."),),
            "not_applicable")
    from ..ogai import catalogue

    cat = catalogue.sources().reset_index()
    per = catalogue.indicator_sources()
    cols = ["source", "publisher", "title", "licence", "open", "shipped", "link",
            "attribution", "reference_period", "first_published"]
    blocks: list[Block] = [
        para(f"{len(cat)} source files ({int(cat['open'].sum())} on open licences) feed "
             f"the shipped table; licence mode of this report: {ctx.edition.licence}. Links "
             "are given as text: the report loads nothing from outside."),
        Table("catalogue", "Source catalogue (airank.ogai.catalogue.sources())",
              cat[[c for c in cols if c in cat.columns]]),
        Table("terms", "Terms and changes per source", cat[["source", "terms", "changes"]]),
        Table("indicator_sources", "Source files and licences of every indicator", per),
        Text('<h3>Data notice</h3><pre class="notice">'
             + html.escape(catalogue.notice()) + "</pre>"),
    ]
    return Section("sources", title, tuple(blocks))
