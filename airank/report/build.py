"""Compute a report: every section in the JRC audit order, with progress and timings."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from .. import plot
from . import design, ogai, robust, structure, units
from .context import Context
from .model import Block, Figure, Report, Section, Settings, Table, para

if TYPE_CHECKING:
    from ..edition import Edition

__all__ = ["SECTIONS", "Progress", "build_report"]

#: ``progress(done, total, title)`` before each section and once at the end.
Progress = Callable[[int, int, str], None]


def overview(ctx: Context) -> Section:
    """The ranking and the index scores of every unit."""
    r = ctx.result
    t = r.ranking()
    blocks: list[Block] = [
        para(f"{ctx.edition.label}: {len(t)} units ranked on {r.spec.name}, edition "
             f"{r.year}. This report audits the index in the order of the JRC's statistical "
             "audits; every table is also in the CSV appendix beside this file, and the "
             "manifest at the end names the exact spec, data and software."),
        Figure("scores", "Index scores of every ranked unit, best first.", plot.bar(r)),
        Table("ranking", "The ranking", t),
    ]
    return Section("overview", "Overview: the ranking", tuple(blocks))


#: The sections, in order: key, title (for the progress bar) and the function.
SECTIONS: tuple[tuple[str, str, Callable[[Context], Section]], ...] = (
    ("overview", "Overview: the ranking", overview),
    ("framework", "Conceptual framework and weights", design.framework),
    ("coverage", "Data coverage and screening", design.coverage),
    ("statistics", "Indicator statistics", design.statistics),
    ("outliers", "Outliers and treatment", design.outliers),
    ("structure", "Correlations, alpha and principal components", structure.structure),
    ("importance", "Importance against weights", structure.importance),
    ("uncertainty", "Uncertainty: rank intervals", robust.uncertainty),
    ("sensitivity", "Sensitivity: Sobol' indices", robust.sensitivity),
    ("leave_one_out", "Leave-one-out rank changes", robust.leave_one_out),
    ("agreement", "Agreement with published indices", ogai.agreement),
    ("units", "Unit pages", units.unit_pages),
    ("sources", "Sources and data notice", ogai.sources),
)


def build_report(edition: Edition, *, n: int = 1000, n_base: int = 256, seed: int = 1,
                 units: Sequence[str] = (), progress: Progress | None = None) -> Report:
    """Compute the audit report of an edition.

    Parameters
    ----------
    edition : Edition
        The index (:meth:`Edition.ogai`, :meth:`Edition.example`, :meth:`Edition.of`).
    n : int
        Monte Carlo replications of the uncertainty analysis.
    n_base : int
        Base samples of the Sobol' design (a power of 2; ``n_base * (factors + 2)`` runs).
    seed : int
        For every random step: the same seed gives the same report.
    units : sequence of str
        Units given a page (codes, names or aliases); default the first-ranked unit.
    progress : callable, optional
        ``progress(done, total, title)`` before each section and at the end.

    Returns
    -------
    Report
        Render it with :func:`airank.report.to_html`, write it with
        :func:`airank.report.write_report`.

    Raises
    ------
    UnitError, ScenarioError
        A unit in ``units`` is not ranked (every one reported).
    FactorError
        ``n`` or ``n_base`` out of range.
    """
    settings = Settings(n=n, n_base=n_base, seed=seed, units=tuple(units))
    ctx = Context(edition, settings)
    _ = ctx.units  # resolve the units first: a typo fails before minutes of work
    sections, timings = [], {}
    for i, (key, title, fn) in enumerate(SECTIONS):
        if progress is not None:
            progress(i, len(SECTIONS), title)
        t0 = time.perf_counter()
        sections.append(fn(ctx))
        timings[key] = time.perf_counter() - t0
    if progress is not None:
        progress(len(SECTIONS), len(SECTIONS), "done")
    manifest = {**edition.manifest(), "report": {
        "n": n, "n_base": n_base, "seed": seed, "units": list(ctx.units),
        "sections": {s.key: s.status for s in sections}}}
    return Report(f"Statistical audit: {edition.label}", edition, tuple(sections), manifest,
                  settings, timings)
