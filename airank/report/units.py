"""Unit pages: for each chosen unit its profile, its scores among the others, its rank
interval, its contributions, strengths and weaknesses."""

from __future__ import annotations

import html

from .. import plot
from .context import Context
from .model import Block, Figure, Section, Table, Text, para

__all__ = ["unit_pages"]


def _page(ctx: Context, unit: str, first: bool) -> list[Block]:
    r = ctx.result
    t = plot.profile_tables(r, unit)
    name = r.names.get(unit, unit)
    rank = r.ranking().set_index("unit").loc[unit].to_dict()
    iv = ctx.uncertainty.summary.loc[unit].to_dict()
    return [
        Text(f'<h3 class="unit{" first" if first else ""}" id="unit-{html.escape(unit)}">'
             f"{html.escape(name)} ({html.escape(unit)})</h3>"),
        para(f"Rank {rank['rank']} of {len(r.units)}, score {float(rank['score']):.2f}, "
             f"data coverage {float(rank['coverage']):.0%}. Under the uncertainty analysis "
             f"its median rank is {float(iv['median']):g} and 90% of replications place it "
             f"between {float(iv['q05']):g} and {float(iv['q95']):g}."),
        Figure(f"{unit}_profile", f"{name}: group scores against the median unit, and its "
               "best and worst indicator ranks.", plot.profile(r, unit)),
        Figure(f"{unit}_dot", f"{name} (orange) among all units on the index and its "
               "pillars.", plot.dot(r, highlight=unit)),
        Table(f"{unit}_contributions", f"{name}: contributions to the index", t["contributions"]),
        Table(f"{unit}_strengths", f"{name}: strengths (best indicator ranks)", t["strengths"]),
        Table(f"{unit}_weaknesses", f"{name}: weaknesses (worst indicator ranks)",
              t["weaknesses"]),
    ]


def unit_pages(ctx: Context) -> Section:
    """A page per chosen unit (default: the first-ranked unit)."""
    chosen = ctx.units
    how = ("chosen with --units" if ctx.settings.units else
           "no units were chosen (--units), so the first-ranked unit is shown")
    blocks: list[Block] = [para(f"Unit pages for {', '.join(chosen)} ({how}).")]
    for i, u in enumerate(chosen):
        blocks += _page(ctx, u, i == 0)
    return Section("units", "Unit pages", tuple(blocks))
