"""What-if commands: scenario, reach, project (default index: the latest OGAI, scale view)."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from ..errors import AirankError, Issue
from ._common import (
    BudgetOpt,
    EditionOpt,
    ExampleOpt,
    FormatOpt,
    LicenceOpt,
    SeedOpt,
    ViewOpt,
    _print_frame,
    app,
    check_cost,
    entry,
    legend,
    out,
    progress,
    resolve_units,
    split_codes,
)
from ._options import Number, replications

if TYPE_CHECKING:
    import pandas as pd

    from ..analysis.scenarios.shocks import Scenario
    from ..edition import Edition

CountriesOpt = Annotated[str | None, typer.Option(
    "--countries", help="Comma-separated countries: codes or names")]
StrengthOpt = Annotated[float | None, typer.Option(
    "--strength", metavar="SHARE", parser=Number("float", 0, 1),
    help="The scenario's share, 0-1 (e.g. 0.3)")]
PartnerOpt = Annotated[str | None, typer.Option("--partner", help="Partner unit (partnership)")]


def _scenario(source: str, units: list[str] | None, countries: str | None,
              strength: float | None, partner: str | None, ed: Edition,
              option: str = "--countries") -> Scenario:
    """Load a preset or file; positional units fill countries (and the partner: last).
    Every country is resolved against the edition's ranked units first."""
    from ..analysis.scenarios.shocks import load_scenario

    probe = load_scenario(source)
    given = list(units or [])
    partner_given = partner is not None
    if given and countries is not None:
        raise AirankError([Issue((option,), "twice", f"Give the countries as arguments or "
                                 f"with {option}, not both. Got {given} and {countries!r}.",
                                 countries)])
    if given and "partner" in probe.parameters and len(given) >= 2 and partner is None:
        partner, given = given[-1], given[:-1]
    listed = given or split_codes(countries, option) or []
    texts = [*listed, *([partner] if partner is not None else [])]
    places = [("units" if given else option)] * len(listed) + (
        ["--partner" if partner_given else "units"] if partner is not None else [])
    codes = resolve_units(ed, texts, "country", places) if texts else []
    params: dict[str, Any] = {"strength": strength}
    if listed:
        params["countries"] = codes[:len(listed)]
    if partner is not None:
        params["partner"] = codes[-1]
    return load_scenario(source, spec=ed.spec, data=ed.data, **params)


def _json(doc: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(doc, indent=1, default=str) + "\n")


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    recs: list[dict[str, Any]] = json.loads(frame.to_json(orient="records"))
    return recs


def _who(scn: Scenario, ed: Edition) -> str:
    """'Shocks RUS (Russian Federation): ai_investment, ... (reduce 0.3)'."""
    names = ed.baseline.names
    parts = []
    for s in scn.shocks:
        who = ", ".join(f"{u} ({names.get(u, u)})" for u in s.units)
        what = f"{s.op} {s.value:g}" + (f" toward {s.partner}" if s.partner else "")
        parts.append(f"{who}: {', '.join(s.indicators)} ({what})")
    return "Shocks " + "; ".join(parts) + "."


def _skipped(changes: pd.DataFrame) -> list[str]:
    skip = changes[changes["status"].str.startswith("skipped")]
    if skip.empty:
        return []
    items = ", ".join(f"{u} {c}" for u, c in zip(skip["unit"], skip["code"], strict=True))
    return [f"Skipped ({len(skip)}; no observed value to shock, left as the pipeline fills "
            f"it): {items}."]


_SCENARIO_COLUMNS = {
    "unit, name": "the unit", "base": "index rank before the scenario (1 = best)",
    "scenario": "index rank under the scenario",
    "change": "places gained (negative: lost)",
    "q05, q95": "5th and 95th percentile of the change over --n robustness replications "
                "(weights, normalisation, aggregation): its 90% interval",
    "score": "index score before (in 'What moved': the indicator's normalised score)",
    "score_new": "the same under the scenario",
    "code": "(what moved) an indicator",
    "raw, raw_new": "its value before and after, in its unit",
    "to_index": "index points the change adds (log points for geometric means)",
    "share": "share of the unit's total change",
}
_SCN_RENAME = {"rank_base": "base", "rank_scenario": "scenario", "rank_change": "change",
               "change_q05": "q05", "change_q95": "q95", "score_base": "score",
               "score_scenario": "score_new"}
_DRV_RENAME = {"raw_base": "raw", "raw_scenario": "raw_new", "score_base": "score",
               "score_scenario": "score_new"}


@app.command(epilog=legend(_SCENARIO_COLUMNS))
def scenario(source: Annotated[str, typer.Argument(help="A preset (export-controls, "
                                                        "sanctions, partnership) or a "
                                                        "YAML/JSON scenario file")],
             units: Annotated[list[str] | None, typer.Argument(
                 help="Countries to shock (partnership: A B)", show_default=False)] = None,
             countries: CountriesOpt = None, strength: StrengthOpt = None,
             partner: PartnerOpt = None, view: ViewOpt = "scale", edition: EditionOpt = None,
             licence: LicenceOpt = "all", example: ExampleOpt = None,
             n: Annotated[int, typer.Option("--n", metavar="N", parser=replications(low=0),
                                            help="Robustness replications for the "
                                                 "interval (0: none)")] = 1000,
             seed: SeedOpt = 1, budget: BudgetOpt = None,
             show_all: Annotated[bool, typer.Option("--all", help="Every unit, not only "
                                                                  "those that moved")] = False,
             fmt: FormatOpt = "table") -> None:
    """Baseline against scenario: ranks and scores, the rank change and its 90% interval."""
    from ..analysis.robustness.designs import default_factors
    from ..analysis.scenarios.effects import run_scenario

    ed = entry(None, None, example, edition, view, licence).edition
    scn = _scenario(source, units, countries, strength, partner, ed)
    check_cost(ed, "scenario", n, budget, factors=default_factors(ed.spec))
    with progress("scenario"):
        res = run_scenario(scn, ed, n=n, seed=seed)
    table = res.index_table()
    if not show_all:
        table = table[table["shocked"] | (table["rank_change"] != 0)]
    shocked = [u for u in scn.units if u in set(res.baseline.units)]
    if fmt == "json":
        _json({"manifest": ed.manifest(), "scenario": scn.name,
               "parameters": dict(scn.parameters),
               "assumption": scn.assumption, "edition": res.edition.label, "n": n,
               "seed": seed, "headlines": {u: res.headline(u) for u in shocked},
               "units": _records(table),
               "drivers": {u: _records(res.drivers(u)) for u in shocked},
               "levels": {u: _records(res.levels(u)) for u in shocked},
               "changes": _records(res.changes)})
        return
    if fmt == "csv":
        _print_frame(table, "csv")
        return
    out.print(f"{scn.title or scn.name} on {res.edition.label}: "
              f"{json.dumps(dict(scn.parameters))}", markup=False)
    out.print(_who(scn, ed), markup=False)
    if scn.assumption:
        out.print(f"Assumption: {scn.assumption}", markup=False)
    cols = ["unit", "name", "base", "scenario", "change", "q05", "q95", "score", "score_new"]
    t = table.rename(columns=_SCN_RENAME)
    _print_frame(t[[c for c in cols if c in t]], "table", keep=5,
                 title="Index rank and score: baseline -> scenario",
                 notes=_skipped(res.changes))
    for u in shocked:
        out.print(res.headline(u), markup=False)
        drv = res.drivers(u).rename(columns=_DRV_RENAME)
        if len(drv):
            _print_frame(drv, "table", title=f"What moved {u}", keep=5)


_REACH_COLUMNS = {
    "code": "indicator to move", "raw_now": "today's value, in its unit (measure)",
    "raw_needed": "the value the plan needs", "change": "raw_needed - raw_now",
    "change_share": "change as a share of today's value",
    "bound": "the plausibility bound (best value observed in the edition)",
    "score_now, score_needed": "the indicator's normalised score before and after",
    "to_index": "index points the change adds",
    "name, measure": "(csv and json) the indicator's name and unit",
}


@app.command(epilog=legend(_REACH_COLUMNS, "bar: the score the unit must beat (that of "
                                           "the unit now at the target rank, or of the "
                                           "unit to overtake)."))
def reach(unit: Annotated[str, typer.Argument(help="The unit: code or name, e.g. RUS")],
          rank: Annotated[int | None, typer.Option(
              "--rank", metavar="K", parser=Number("int", 1),
              help="Target rank (or better)")] = None,
          overtake: Annotated[str | None, typer.Option("--overtake",
                                                       help="Unit to overtake")] = None,
          objective: Annotated[Literal["relative", "squared"], typer.Option(
              "--objective", help="Cost of a plan: relative changes or squared score "
                                  "changes")] = "relative",
          max_change: Annotated[float | None, typer.Option(
              "--max-change", metavar="SHARE", parser=Number("float", 0, 1000, open_low=True),
              help="Cap each change at this share of today's value (0.5 = +-50%)")] = None,
          view: ViewOpt = "scale", edition: EditionOpt = None, licence: LicenceOpt = "all",
          example: ExampleOpt = None,
          n: Annotated[int, typer.Option("--n", metavar="N", parser=replications(low=0),
                                         help="Robustness replications for the interval "
                                              "of the gain (0: none)")] = 1000,
          seed: SeedOpt = 1, budget: BudgetOpt = None, fmt: FormatOpt = "table") -> None:
    """What would it take: the smallest change in a unit's indicators to reach a target."""
    from ..analysis.robustness.designs import default_factors
    from ..analysis.scenarios.effects import run_scenario
    from ..analysis.scenarios.reach import MAX_ITER
    from ..analysis.scenarios.reach import reach as solve

    ed = entry(None, None, example, edition, view, licence).edition
    texts = [unit, *([overtake] if overtake is not None else [])]
    codes = resolve_units(ed, texts, "unit", ["unit", "--overtake"][:len(texts)])
    check_cost(ed, "reach", n, budget, factors=default_factors(ed.spec), steps=MAX_ITER)
    with progress("what would it take"):
        res = solve(ed, codes[0], rank=rank, overtake=codes[1] if overtake else None,
                    objective=objective, max_change=max_change, max_iter=MAX_ITER)
        head = _reach_head(res)
        if n > 0 and len(res.plan):  # the gain of the proposal under the robustness factors
            row = run_scenario(res.scenario, ed, n=n, seed=seed).index_table().set_index(
                "unit").loc[res.unit]
            head.update(gain_median=row["change_median"], gain_q05=row["change_q05"],
                        gain_q95=row["change_q95"], n=n, seed=seed)
    if fmt == "json":
        _json({"manifest": ed.manifest(), **head, "plan": _records(res.plan)})
        return
    if fmt == "csv":
        _print_frame(res.plan, "csv")
        return
    out.print(f"{res.unit}: {res.target} -- {res.message}. Rank {res.rank_now} (score "
              f"{res.score_now:.2f}) -> {res.rank_reached} (score {res.score_reached:.2f}); "
              f"bar {res.bar:.2f}.", markup=False)
    if "gain_q05" in head:
        out.print(f"Under the robustness factors the proposal gains {head['gain_median']:+.0f} "
                  f"places (90% interval {head['gain_q05']:+.0f} to {head['gain_q95']:+.0f}, "
                  f"{n} replications, seed {seed}).", markup=False)
    if len(res.plan):
        cols = ["code", "raw_now", "raw_needed", "change_share", "to_index", "score_now",
                "score_needed", "bound", "change"]
        _print_frame(res.plan[cols], "table", keep=4,
                     title="Indicators to move (raw units; change_share: of today's value)")


def _reach_head(res: Any) -> dict[str, Any]:
    return {"unit": res.unit, "target": res.target, "reachable": res.reachable,
            "verified": res.verified, "rank_now": res.rank_now, "score_now": res.score_now,
            "rank_reached": res.rank_reached, "score_reached": res.score_reached,
            "bar": res.bar, "objective": res.objective, "iterations": res.iterations,
            "message": res.message}


_PROJECT_COLUMNS = {
    "unit, name": "the unit", "now": "index rank in the edition projected from",
    "rank": "rank of the central projection",
    "q05, q95": "5th and 95th percentile rank over the bootstrap replications",
    "score_now": "index score now", "score": "score of the central projection",
    "beyond": "indicators whose projection passes the goalposts (clipped unless "
              "--no-clip)",
    "score_q05, score_q95": "5th and 95th percentile score (same fixed goalposts, so "
                            "comparable)",
    "rank_median": "(csv and json) median rank over the replications",
}
_PRJ_RENAME = {"rank_now": "now", "rank_q05": "q05", "rank_q95": "q95"}


@app.command(epilog=legend(_PROJECT_COLUMNS))
def project(year: Annotated[int, typer.Option("--year", metavar="YEAR",
                                              parser=Number("int", 2000, 2100),
                                              help="Target year (after the edition)")] = 2030,
            scenario: Annotated[str | None, typer.Option(
                "--scenario", help="Preset or scenario file applied to the projection")
                                ] = None,
            countries: Annotated[str | None, typer.Option(
                "--countries", help="Show only these units (comma-separated codes or "
                                    "names)")] = None,
            targets: Annotated[str | None, typer.Option(
                "--targets", help="The scenario's countries (comma-separated)")] = None,
            strength: StrengthOpt = None, partner: PartnerOpt = None,
            n: Annotated[int, typer.Option("--n", metavar="N",
                                           parser=replications(100_000, low=0),
                                           help="Bootstrap replications")] = 200,
            seed: SeedOpt = 1,
            model: Annotated[Literal["theil-sen-log", "theil-sen"], typer.Option(
                "--model", help="Trend model")] = "theil-sen-log",
            no_clip: Annotated[bool, typer.Option(
                "--no-clip", help="Let projected values pass the observed range")] = False,
            view: ViewOpt = "scale", edition: EditionOpt = None, licence: LicenceOpt = "all",
            example: ExampleOpt = None, budget: BudgetOpt = None,
            fmt: FormatOpt = "table") -> None:
    """Project each unit's indicator trends to a year: scores and ranks with intervals."""
    from ..analysis.scenarios.projection import project as run

    if scenario is None:
        stray = [(o, v) for o, v in (("--targets", targets), ("--strength", strength),
                                     ("--partner", partner)) if v is not None]
        AirankError.collect([Issue((o,), "needs_scenario", f"{o} applies to the scenario of "
                                   f"--scenario, and none is given. Got {v!r}.", v)
                             for o, v in stray])
    ed = entry(None, None, example, edition, view, licence).edition
    show = split_codes(countries, "--countries")
    show = resolve_units(ed, show, "country", "--countries") if show else None
    scn = (_scenario(scenario, None, targets, strength, partner, ed, "--targets")
           if scenario is not None else None)
    check_cost(ed, "projection", n, budget, variants=1)
    with progress(f"projection to {year}"):
        res = run(ed, year=year, scenario=scn, model=model, n=n, seed=seed, clip=not no_clip)
    table = res.summary.reset_index()
    if show:
        table = table[table["unit"].isin(show)]
    if fmt == "json":
        _json({"manifest": ed.manifest(), "year": year, "model": model, "n": n,
               "seed": seed, "scenario": scn.name if scn else None,
               "shocks": _who(scn, ed) if scn else None, "edition": res.edition.label,
               "clip": not no_clip, "units": _records(table)})
        return
    if fmt == "csv":
        _print_frame(table, "csv")
        return
    if scn is not None:
        out.print(f"Scenario {scn.name}: {_who(scn, ed)}", markup=False)
    cols = ["unit", "name", "now", "rank", "q05", "q95", "score_now", "score", "beyond",
            "score_q05", "score_q95"]
    t = table.rename(columns=_PRJ_RENAME)
    _print_frame(t[[c for c in cols if c in t]], "table", keep=6,
                 title=f"Projection to {year} ({model}, {n} bootstrap replications"
                       f"{', scenario ' + scn.name if scn else ''}) from {res.edition.label}")
