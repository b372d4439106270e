"""Sections on the statistical structure: correlations, Cronbach's alpha and principal
components per group, and the importance of every component against its weight."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .. import plot
from .context import Context, optional
from .model import Block, Figure, Section, Status, Table, bullets, para

__all__ = ["importance", "structure"]


def _flags(ctx: Context) -> pd.DataFrame:
    """Flagged pairs: within each level (inside the groups one level up) and each code
    against its own parent."""
    spec = ctx.result.spec
    top = spec.levels[spec.index_code]
    parts = [plot.correlation_pairs(ctx.result, (lv, lv), within=lv + 1)
             .assign(levels=f"{lv}-{lv}") for lv in range(1, top)]
    parts += [plot.correlation_pairs(ctx.result, (lv, lv + 1)).assign(levels=f"{lv}-{lv + 1}")
              for lv in range(1, top)]
    t = pd.concat(parts, ignore_index=True)
    return t[t["flag"] != ""].reset_index(drop=True)


def _heatmaps(ctx: Context) -> list[Block]:
    spec = ctx.result.spec
    top = spec.levels[spec.index_code]
    out: list[Block] = [Figure(
        "corr_indicators", "Indicators against each other, within their level-2 groups "
        "(normalised values; outlined: negative or above 0.9).",
        plot.correlation(ctx.result, (1, 1), within=2))]
    for lv in range(1, top):
        out.append(Figure(f"corr_{lv}_{lv + 1}", f"Level {lv} against level {lv + 1} "
                          "(outlined: negative correlation with its own parent).",
                          plot.correlation(ctx.result, (lv, lv + 1))))
    return out


def structure(ctx: Context) -> Section:
    """Correlations, Cronbach's alpha and principal components per group."""
    from ..analysis.audit.checks import consistency

    cons = consistency(ctx.result)
    flags = _flags(ctx)
    blocks: list[Block] = [
        para("Pearson correlations of the normalised indicators and the group scores "
             "(pairwise complete). Flagged: pairs within a group correlated above 0.9 "
             "(possible double counting) and negative correlations within a group or of "
             "a component with its own parent (it pulls against its group)."),
        *_heatmaps(ctx),
        Table("flags", f"Flagged correlations ({len(flags)})", flags),
        Table("consistency", "Internal consistency per group: Cronbach's alpha of the "
              "children, their mean and lowest correlation, the weakest child", cons),
    ]
    status: Status = "complete"
    pca = optional("analysis.audit.multivariate", "pca")
    if pca is None:
        blocks.append(para("Principal components: not computed, this airank has no "
                           "airank.analysis.audit.multivariate.pca."))
        status = "partial"
    else:
        blocks += _pca(ctx, pca)
    return Section("structure", "Correlations, Cronbach's alpha and principal components",
                   tuple(blocks), status)


def _pca(ctx: Context, pca: Any) -> list[Block]:
    """Principal components of every group's children (those with data; complete rows)."""
    from ..errors import DataError

    r, spec = ctx.result, ctx.result.spec
    firsts, loads, notes = [], [], []
    for parent, kids in spec.children.items():
        cols = [k for k in kids if r.scores[k].notna().any()]
        if len(cols) < 2:
            continue
        try:
            res = pca(r.scores[cols], {parent: cols})
        except DataError as exc:
            notes.append(f"{parent}: {exc.issues[0].message}")
            continue
        first = pd.DataFrame(res.first).reset_index()
        first.insert(1, "level", spec.levels[parent])
        firsts.append(first)
        t = pd.DataFrame(res.loadings)
        loads.append(t[t["component"] == 1].drop(columns="component"))
    blocks: list[Block] = [para(
        "Principal components of the children of each group (standardised, complete rows "
        "only, as COINr's get_PCA): the share of their variance the first component "
        "explains, and its loadings (signs fixed so they sum to >= 0). A high share with "
        "loadings of one sign supports aggregating them into one score.")]
    if notes:
        blocks.append(bullets([f"Not computed for {n}" for n in notes]))
    if firsts:
        blocks += [Table("pca_first", "First principal component per group",
                         pd.concat(firsts, ignore_index=True)),
                   Table("pca_loadings", "Loadings of the first component",
                         pd.concat(loads, ignore_index=True))]
    return blocks


def importance(ctx: Context) -> Section:
    """Importance (main effects) against weights."""
    t = ctx.importance
    flagged = t[t["flag"].astype(bool)]
    blocks: list[Block] = [
        para("The main effect (Pearson's correlation ratio, eta squared) of each component "
             "on its parent measures how much it drives the parent; rescaled to sum to 1 "
             "within the parent it is set against the weight share (Paruolo, Saisana and "
             "Saltelli 2013). Weight shares count only the components with data in this "
             "edition." + (" The table gives each main effect's 90% bootstrap interval "
                           "(eta2_low, eta2_high)." if "eta2_low" in t.columns else "")
             + " Flagged: importance and weight differ by more than a factor 2 or by 0.1. "
             f"{len(flagged)} of {len(t)} components are flagged."),
    ]
    for lv in sorted(t["level"].unique()):
        part = t[t["level"] == lv]
        what = "indicators" if lv == 1 else f"level-{lv} groups"
        blocks.append(Figure(f"importance_{lv}", f"Weight share (hollow) and importance share "
                             f"(filled) of the {what} within their parents; flagged in "
                             "orange.", plot.importance(part, title=f"Importance against "
                                                        f"weight: {what}")))
    blocks.append(Table("importance", "Main effects against weights", t))
    return Section("importance", "Importance against weights", tuple(blocks))
