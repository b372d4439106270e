"""Sections for the Open Global AI Index: agreement with published indices, and the
source catalogue with the data notice."""

from __future__ import annotations

import html

import pandas as pd

from ..ogai.validation import TORTOISE_ENV
from .context import Context
from .model import Block, Section, Status, Table, Text, bullets, para

__all__ = ["TORTOISE_ENV", "agreement", "sources"]



def agreement(ctx: Context) -> Section:
    """Spearman rank agreement of the OGAI with published indices (OGAI only), with and
    without the inputs it shares with each, and the face-validity table
    (:mod:`airank.ogai.validation`)."""
    title = "Agreement with published indices"
    if not ctx.is_ogai:
        return Section("agreement", title, (para(
            "Not applicable: this section compares the Open Global AI Index with published "
            "AI indices; this report is on another index."),), "not_applicable")
    from ..ogai import validation

    rows = [{"index": a.index, "edition": a.edition, "countries": a.n, "spearman_rho": a.rho,
             "rho_without_shared_inputs": a.rho_without_shared,
             "shared_inputs": ", ".join(a.shared) or "none"}
            for a in validation.agreement(ctx.edition.view)]
    notes: list[str] = []
    if validation.tortoise().empty:
        notes.append(f"Tortoise Media's Global AI Index 2021: skipped. Its table is "
                     f"proprietary and not shipped; set {TORTOISE_ENV} to a folder holding "
                     "AI_index_db.csv and AI_index_db_iso3_crosswalk.csv to include it.")
    blocks: list[Block] = [para(
        "Spearman correlation between the OGAI's headline scores and published totals of "
        "the same year, over the countries both rank; the weights are not tuned to agree. "
        "Oxford Insights and the IMF publish dimensions the OGAI uses as inputs, so each "
        "correlation is repeated on the OGAI rebuilt without them (airank.ogai.validation; "
        "docs/ogai.md, section 9).")]
    if notes:
        blocks.append(bullets(notes))
    blocks.append(Table("rho", "Rank agreement with published indices", pd.DataFrame(rows)))
    face = validation.face_validity(edition=ctx.edition.year, view=ctx.edition.view)
    blocks.append(Table("face", f"Face validity {ctx.edition.year}: the top 30 and the ranks "
                        "around Russia beside Oxford Insights' ranks; for a disagreement of 10 "
                        "places or more, the indicator that drives it", face))
    status: Status = "partial" if notes else "complete"
    return Section("agreement", title, tuple(blocks), status)


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
