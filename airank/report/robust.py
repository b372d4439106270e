"""Sections on robustness: uncertainty (rank intervals), Sobol' sensitivity, and the rank
changes when each indicator or group is left out."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from .. import plot
from .context import Context, optional
from .design import UNITS_PER_FIGURE, chunks
from .model import Block, Figure, Section, Table, para

__all__ = ["factors_table", "leave_one_out", "sensitivity", "uncertainty"]


def factors_table(ctx: Context) -> pd.DataFrame:
    """The uncertainty factors: name, kind, what varies and how."""
    rows = []
    for f in ctx.factors:
        if f.kind == "weights":
            what = f"weights of level {f.level}: {f.distribution}" + (
                f" +-{f.noise:.0%}" if f.distribution == "uniform"
                else f", concentration {f.concentration:g}")
        else:
            what = f"{f.path}: " + "; ".join(json.dumps(o) for o in f.options)
        rows.append({"factor": f.name, "kind": f.kind, "varies": what})
    return pd.DataFrame(rows)


def uncertainty(ctx: Context) -> Section:
    """Monte Carlo uncertainty: rank intervals for every unit."""
    u = ctx.uncertainty
    t = u.to_frame()
    width = (t["q95"] - t["q05"]).astype(float)
    blocks: list[Block] = [
        para(f"{u.n:,} replications (seed {u.seed}) of the factors below, every one a "
             f"rebuild of the index through the batched kernel ({u.n_failed} failed). For "
             "every unit: its nominal rank, the median, mean, 5th and 95th percentile rank, "
             f"and the share of replications moving it more than {u.k} places. The mean "
             f"absolute rank shift is {u.mean_abs_shift:.2f} places; the median 5-95% "
             f"interval is {width.median():.0f} ranks wide, the widest "
             f"{width.max():.0f} ({t['unit'].to_numpy()[int(width.to_numpy().argmax())]})."),
        Table("factors", "Uncertainty factors (COINr's sensitivity vignette design)",
              factors_table(ctx)),
    ]
    units = list(u.summary.sort_values(["nominal", "median"]).index)
    for i, part in enumerate(chunks(units, UNITS_PER_FIGURE)):
        lo = i * UNITS_PER_FIGURE + 1
        blocks.append(Figure(f"intervals_{i + 1}", f"Rank intervals, nominal ranks {lo}-"
                             f"{lo + len(part) - 1}: bar 5-95%, dot median, cross nominal.",
                             plot.intervals(u, units=part)))
    blocks.append(Table("intervals", "Rank intervals of every unit", t))
    return Section("uncertainty", "Uncertainty: rank intervals", tuple(blocks))


def sensitivity(ctx: Context) -> Section:
    """Sobol' first-order and total-effect indices of every factor."""
    s = ctx.sensitivity
    t = s.shift.reset_index()
    top = t.sort_values("ST", ascending=False).iloc[0]
    blocks: list[Block] = [
        para(f"Sobol' indices of the mean absolute rank shift from {s.n_rows:,} runs "
             f"({s.n_base} base samples, seed {s.seed}; 95% bootstrap half-widths). S1 is "
             "the share of the output variance a factor explains alone, ST with all its "
             f"interactions. The largest total effect is {top['factor']} "
             f"(ST = {top['ST']:.2f})."),
        Figure("sobol", "First-order (S1) and total-effect (ST) indices with 95% "
               "confidence intervals.", plot.sobol(s)),
        Table("sobol", "Sobol' indices of the mean absolute rank shift", t),
    ]
    return Section("sensitivity", "Sensitivity: Sobol' indices", tuple(blocks))


def _removal_summary(ctx: Context, rem: Any, diffs: pd.DataFrame) -> pd.DataFrame:
    """Per removed element: mean and largest absolute rank change, the unit moved most."""
    mean = pd.Series(rem.mean_abs_diff).drop("nominal")
    absd = diffs.abs()
    most = absd.fillna(-1).idxmax()
    return pd.DataFrame({
        "removed": list(diffs.columns),
        "name": [ctx.result.spec.node(str(c)).name or c for c in diffs.columns],
        "mean_abs_rank_change": mean.reindex(diffs.columns).to_numpy(),
        "max_abs_rank_change": absd.max().to_numpy(),
        "share_moving_more_than_3": (absd > 3).mean().to_numpy(),
        "unit_moved_most": most.to_numpy(),
        "its_change": [diffs.at[u, c] for c, u in most.items()],
    }).sort_values("mean_abs_rank_change", ascending=False, kind="stable")


def leave_one_out(ctx: Context) -> Section:
    """The rank change of every unit when each indicator or group is left out."""
    fn = optional("analysis.audit.compare", "remove_elements")
    title = "Leave-one-out rank changes"
    if fn is None:
        return Section("leave_one_out", title, (para(
            "Not computed: this airank has no airank.analysis.audit.compare.remove_elements "
            "(COINr's remove_elements). No numbers are shown in its place."),), "missing")
    spec = ctx.result.spec
    top = spec.levels[spec.index_code]
    blocks: list[Block] = [para(
        "Each element is removed in turn (the others keep their weights, rescaled within "
        "the parent) and the index rebuilt: the mean absolute rank change over all units "
        "tells how much the ranking rests on that element.")]
    for level in range(1, top):
        rem = fn(ctx.edition, level=level)
        diffs = pd.DataFrame(rem.rank_diffs).drop(columns="nominal")
        blocks.append(Table(f"level_{level}", f"Rank changes when each level-{level} "
                            "element is removed", _removal_summary(ctx, rem, diffs)))
        blocks.append(Table(f"level_{level}_units", f"Rank change of every unit (nominal - "
                            f"new) per removed level-{level} element", diffs.reset_index(),
                            show=False))
    return Section("leave_one_out", title, tuple(blocks))
