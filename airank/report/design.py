"""Sections on the design and the data: framework and weights, coverage and screening,
indicator statistics, outliers and treatment."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pandas as pd

from .. import plot
from .context import Context, edition_weights, optional
from .model import Block, Figure, Section, Table, bullets, para

__all__ = ["chunks", "coverage", "framework", "outliers", "statistics"]

#: Units per coverage or rank-interval figure (each fits one printed page).
UNITS_PER_FIGURE = 70
#: Indicators per distribution figure.
INDICATORS_PER_FIGURE = 12


def chunks(items: Sequence[str], size: int) -> list[list[str]]:
    """``items`` cut into consecutive lists of at most ``size``."""
    return [list(items[i:i + size]) for i in range(0, len(items), size)]


def _methods(ctx: Context) -> pd.DataFrame:
    spec = ctx.result.spec
    m = spec.methodology
    rows = [{"step": step, "method": getattr(m, step).method,
             "parameters": json.dumps(getattr(m, step).params, sort_keys=True),
             "indicators_overriding": sum(step in spec.indicator(c).methods
                                          for c in spec.indicator_codes)}
            for step in ("denominate", "impute", "screen", "treat", "normalise", "aggregate")]
    rows += [{"step": f"aggregate (level {lv})", "method": cfg.method,
              "parameters": json.dumps(cfg.params, sort_keys=True), "indicators_overriding": 0}
             for lv, cfg in sorted(m.aggregate_levels.items())]
    return pd.DataFrame(rows)


def framework(ctx: Context) -> Section:
    """Conceptual framework and weights: the tree, nominal and effective weights."""
    spec = ctx.result.spec
    t = plot.weights_table(spec)
    t["effective_in_edition"] = edition_weights(ctx).reindex(t["code"]).to_numpy()
    t["has_data"] = [spec.levels[c] > 1 or c in set(ctx.available) for c in t["code"]]
    top = spec.levels[spec.index_code]
    absent = [c for c in spec.indicator_codes if c not in set(ctx.available)]
    nominal_share = float(t.loc[t["code"].isin(ctx.available), "effective_weight"].sum())
    blocks: list[Block] = [
        para(f"{spec.name}: {len(spec.indicator_codes)} indicators in {len(spec.nodes) - 1} "
             f"groups over {top} levels (1 = indicators, {top} = the index), edition "
             f"{ctx.result.year}. A node's nominal weight is rescaled to sum to 1 within its "
             "parent; its effective weight is the product of those shares up to the index, "
             "the share of the index it stands for."),
        para(f"{len(absent)} of {len(spec.indicator_codes)} indicators have no data in this "
             f"edition; the indicators with data carry {nominal_share:.1%} of the nominal "
             "effective weight, and the aggregation shares the absent ones' weight among "
             "their siblings (column effective_in_edition)." if absent else
             "Every indicator has data in this edition, so the effective weights are "
             "the nominal ones."),
        Figure("sunburst", "The framework: rings are levels, slice angles effective "
               "weights (hover for the nominal weight and the weight within the parent).",
               plot.framework(spec)),
        Table("weights", "Nominal and effective weights", t),
        Table("methodology", "The methodology of every step (from the spec)", _methods(ctx)),
    ]
    return Section("framework", "Conceptual framework and weights", tuple(blocks))


def coverage(ctx: Context) -> Section:
    """Data coverage and screening: who has data for what, who was screened out."""
    r = ctx.result
    screen = next((x for x in r.records if x.step == "screen"), None)
    units = r.coverage().sort_values(["kept", "coverage"], ascending=[False, False],
                                     kind="stable")
    inds = r.indicator_coverage()
    inds.insert(1, "name", [r.spec.node(c).name or c for c in inds["code"]])
    inds["n_inferred"] = r.inferred.loc[r.units, list(inds["code"])].sum().to_numpy()
    states = plot.cell_states(r)
    states = states[states.index.isin(r.units)]  # ranked units, by rank
    share = {name: float((states.to_numpy() == k).mean())
             for k, (name, _) in plot.CELL_STATES.items()}
    blocks: list[Block] = [
        para(f"{len(units)} units in the data, {int(units['kept'].sum())} kept by the screen "
             f"({screen.method if screen else 'none'} "
             f"{json.dumps(screen.params) if screen else ''}): "
             f"{screen.note if screen else 'no screen'}."),
        para("Cells of the kept units: " + ", ".join(f"{v:.1%} {k}" for k, v in share.items())
             + ". Inferred values (e.g. a zero from absence in a census-like source) are "
             "used but never count as data; imputed values fill gaps after screening."),
    ]
    summary = optional("analysis.audit.stats", "screen_summary")
    title = "Coverage per unit (before imputation; kept = passed the screen)"
    if summary is not None:
        units = units.join(_screen_summary(ctx, summary), on="unit")
        title += ", with COINr's screening summary (n_missing ... included)"
    for i, part in enumerate(chunks(list(states.index), UNITS_PER_FIGURE)):
        blocks.append(Figure(f"coverage_{i + 1}", f"Coverage of the ranked units, ranks "
                             f"{i * UNITS_PER_FIGURE + 1}-{i * UNITS_PER_FIGURE + len(part)}.",
                             plot.coverage(r, units=part)))
    blocks += [Table("indicators", "Coverage per indicator (share of units with data)", inds),
               Table("units", title, units)]
    return Section("coverage", "Data coverage and screening", tuple(blocks))


def _screen_summary(ctx: Context, fn: Any) -> pd.DataFrame:
    """COINr's screening summary (index: unit) on the stage the screen reads (the
    indicators with data in the edition; inferred values count as available here, unlike
    airank's own coverage)."""
    r = ctx.result
    params = r.spec.methodology.screen.params
    stage = "imputed" if params.get("on") == "imputed" else "denominated"
    frame = r.stages[stage][ctx.available]
    return pd.DataFrame(fn(frame, min_coverage=float(params.get("min_coverage", 2 / 3))))


_DESCRIBE = ("code", "n", "share_available", "min", "max", "mean", "median", "sd", "skew",
             "kurtosis")
_SCREEN = ("code", "n_nonzero", "n_unique", "n_same", "share_nonzero", "share_unique",
           "share_same", "flag_availability", "flag_nonzero", "flag_unique",
           "flag_skew_kurtosis")


def statistics(ctx: Context) -> Section:
    """Indicator statistics: COINr's get_stats with its flags, raw and treated."""
    fn = optional("analysis.audit.stats", "result_stats")
    if fn is None:
        return Section("statistics", "Indicator statistics", (para(
            "Not computed: this airank has no airank.analysis.audit.stats.result_stats "
            "(COINr's get_stats). The section needs it; no numbers are shown in its place."),
        ), "missing")
    blocks: list[Block] = [para(
        "COINr's get_stats for every indicator: availability, range, centre, spread, "
        "skewness and kurtosis (e1071 type 2), and the shares of non-zero, unique and most "
        "common values, with its flags: availability below 65%, fewer than half of the "
        "units non-zero or with distinct values, and |skew| > 2 with kurtosis > 3.5. The "
        "raw stage holds every unit of the data, the treated stage the units kept.")]
    for stage in ("raw", "treated"):
        t = pd.DataFrame(fn(ctx.result, stage=stage)).reset_index()
        flags = [c for c in t.columns if str(c).startswith("flag_")]
        counts = {c[5:]: int(t[c].fillna(False).astype(bool).sum()) for c in flags}
        blocks.append(para(f"{stage.capitalize()} stage ({len(t)} indicators), flagged: "
                           + ", ".join(f"{k} {v}" for k, v in counts.items()) + "."))
        blocks += [Table(f"stats_{stage}", f"Indicator statistics, {stage} stage",
                         t[[c for c in _DESCRIBE if c in t.columns]]),
                   Table(f"flags_{stage}", f"Zeros, unique values and flags, {stage} stage",
                         t[[c for c in _SCREEN if c in t.columns]])]
    return Section("statistics", "Indicator statistics", tuple(blocks))


def outliers(ctx: Context) -> Section:
    """Outliers and what the treatment did."""
    r = ctx.result
    t = plot.treatment_table(r)
    acted = t[t["action"] != "none"]
    fails = int(t["still_fails"].sum())
    cfg = r.spec.methodology.treat
    blocks: list[Block] = [
        para(f"Treatment: {cfg.method} {json.dumps(cfg.params)}. "
             f"{len(acted)} of {len(t)} indicators were treated "
             f"({(acted['action'] == 'winsorised').sum()} winsorised, "
             f"{(acted['action'] == 'log').sum()} log-transformed"
             f"{f', {fails} still fail the rule' if fails else ''}"
             "). Skewness and kurtosis are the e1071 type-2 estimators the JRC rule uses."),
    ]
    if len(acted):
        blocks.append(bullets([f"{row.code}: {row.action}"
                               + (f" ({row.winsorised_high} high, {row.winsorised_low} low)"
                                  if row.action == "winsorised" else "")
                               + f", skew {row.skew_before:.2f} -> {row.skew_after:.2f}"
                               for row in acted.itertuples()]))
    blocks.append(Table("treatment", "What the treatment did to each indicator", t))
    codes = list(r.spec.indicator_codes)
    for i, part in enumerate(chunks(codes, INDICATORS_PER_FIGURE)):
        blocks.append(Figure(f"distributions_{i + 1}", "Values before (screened) and after "
                             "treatment; a log puts the treated values on the right axis.",
                             plot.distributions(r, part)))
    return Section("outliers", "Outliers and treatment", tuple(blocks))
