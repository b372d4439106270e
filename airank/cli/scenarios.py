"""What-if commands: scenario, reach, project (default index: the latest OGAI, scale view)."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import pandas as pd
import typer

from ..errors import AirankError
from ._common import FormatOpt, _check_format, _print_frame, app, out

ViewOpt = Annotated[str, typer.Option("--view", help="OGAI view: scale or intensity")]
EditionOpt = Annotated[int | None, typer.Option("--edition", help="OGAI edition year "
                                                                 "(default: the latest)")]
ExampleOpt = Annotated[str | None, typer.Option("--example", help="Use a shipped example "
                                                                  "(asem) instead of the OGAI")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed")]
CountriesOpt = Annotated[str | None, typer.Option("--countries",
                                                  help="Comma-separated ISO3 codes")]
StrengthOpt = Annotated[float | None, typer.Option("--strength", help="The scenario's share "
                                                                      "(e.g. 0.3)")]
PartnerOpt = Annotated[str | None, typer.Option("--partner", help="Partner unit (partnership)")]


def _edition(view: str, edition: int | None, example: str | None) -> Any:
    from .. import datasets
    from ..edition import Edition

    if example is not None:
        spec, data = datasets.example(example)
        return Edition.of(spec, data, label=f"example '{example}'")
    return Edition.ogai(edition, view)


def _codes(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [c.strip().upper() for c in text.split(",") if c.strip()]


def _scenario(source: str, units: list[str] | None, countries: str | None,
              strength: float | None, partner: str | None, ed: Any) -> Any:
    """Load a preset or file; positional units fill countries (and the partner: last)."""
    from ..analysis.scenarios.shocks import load_scenario

    params: dict[str, Any] = {"strength": strength, "partner": partner,
                              "countries": _codes(countries)}
    units = [u.upper() for u in units or []]
    if units:
        probe = load_scenario(source)
        if "partner" in probe.parameters and len(units) >= 2 and partner is None:
            params["partner"], units = units[-1], units[:-1]
        params["countries"] = units
    return load_scenario(source, spec=ed.spec, data=ed.data, **params)


def _json(doc: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(doc, indent=1, default=str) + "\n")


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = json.loads(frame.to_json(orient="records"))
    return out


@app.command()
def scenario(source: Annotated[str, typer.Argument(help="A preset (export-controls, "
                                                        "sanctions, partnership) or a "
                                                        "YAML/JSON scenario file")],
             units: Annotated[list[str] | None, typer.Argument(
                 help="Countries to shock (partnership: A B)", show_default=False)] = None,
             countries: CountriesOpt = None, strength: StrengthOpt = None,
             partner: PartnerOpt = None, view: ViewOpt = "scale", edition: EditionOpt = None,
             example: ExampleOpt = None,
             n: Annotated[int, typer.Option("--n", help="Robustness replications for the "
                                                    "interval (0: none)")] = 1000,
             seed: SeedOpt = 1,
             show_all: Annotated[bool, typer.Option("--all", help="Every unit, not only "
                                                                  "those that moved")] = False,
             fmt: FormatOpt = "table") -> None:
    """Baseline against scenario: ranks and scores, the rank change and its 90% interval."""
    from ..analysis.scenarios.effects import run_scenario

    _check_format(fmt)
    if n < 0:
        raise AirankError(f"--n must be >= 0. Got {n}.")
    ed = _edition(view, edition, example)
    scn = _scenario(source, units, countries, strength, partner, ed)
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
    out.print(f"[bold]{scn.title or scn.name}[/bold] on {res.edition.label}: "
              f"{json.dumps(dict(scn.parameters))}")
    if scn.assumption:
        out.print(f"Assumption: {scn.assumption}")
    cols = ["rank_scenario", "unit", "name", "rank_base", "rank_change", "change_q05",
            "change_q95", "score_base", "score_scenario"]
    _print_frame(table[[c for c in cols if c in table]], "table",
                 title="Index rank and score: baseline -> scenario (rank_change: places "
                       "gained; q05/q95: 90% interval under the robustness factors)")
    for u in shocked:
        out.print(res.headline(u))
        drv = res.drivers(u)
        if len(drv):
            _print_frame(drv, "table", title=f"What moved {u}")


@app.command()
def reach(unit: Annotated[str, typer.Argument(help="The unit, e.g. RUS")],
          rank: Annotated[int | None, typer.Option("--rank", help="Target rank (or better)")
                          ] = None,
          overtake: Annotated[str | None, typer.Option("--overtake",
                                                       help="Unit to overtake")] = None,
          objective: Annotated[str, typer.Option("--objective",
                                                 help="relative or squared")] = "relative",
          max_change: Annotated[float | None, typer.Option(
              "--max-change", help="Cap each change at this share of today's value")] = None,
          view: ViewOpt = "scale", edition: EditionOpt = None, example: ExampleOpt = None,
          n: Annotated[int, typer.Option("--n", help="Robustness replications for the "
                                                 "interval of the gain (0: none)")] = 1000,
          seed: SeedOpt = 1, fmt: FormatOpt = "table") -> None:
    """What would it take: the smallest change in a unit's indicators to reach a target."""
    from ..analysis.scenarios.effects import run_scenario
    from ..analysis.scenarios.reach import reach as solve

    _check_format(fmt)
    if objective not in ("relative", "squared"):
        raise AirankError(f"--objective must be 'relative' or 'squared'. Got '{objective}'.")
    ed = _edition(view, edition, example)
    res = solve(ed, unit, rank=rank,
                overtake=overtake.upper() if overtake else None,
                objective=objective, max_change=max_change)  # type: ignore[arg-type]
    head = {"unit": res.unit, "target": res.target, "reachable": res.reachable,
            "verified": res.verified, "rank_now": res.rank_now, "score_now": res.score_now,
            "rank_reached": res.rank_reached, "score_reached": res.score_reached,
            "bar": res.bar, "objective": res.objective, "iterations": res.iterations,
            "message": res.message}
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
    out.print(f"[bold]{res.unit}: {res.target}[/bold] -- {res.message}. Rank {res.rank_now} "
              f"(score {res.score_now:.2f}) -> {res.rank_reached} (score "
              f"{res.score_reached:.2f}); bar {res.bar:.2f}.")
    if "gain_q05" in head:
        out.print(f"Under the robustness factors the proposal gains {head['gain_median']:+.0f} "
                  f"places (90% interval {head['gain_q05']:+.0f} to {head['gain_q95']:+.0f}, "
                  f"{n} replications, seed {seed}).")
    if len(res.plan):
        _print_frame(res.plan, "table", title="Indicators to move (raw units; change_share: "
                                              "of today's value)")


@app.command()
def project(year: Annotated[int, typer.Option("--year", help="Target year")] = 2030,
            scenario: Annotated[str | None, typer.Option(
                "--scenario", help="Preset or scenario file applied to the projection")
                                ] = None,
            countries: Annotated[str | None, typer.Option(
                "--countries", help="Show only these units (comma-separated)")] = None,
            targets: Annotated[str | None, typer.Option(
                "--targets", help="The scenario's countries (comma-separated)")] = None,
            strength: StrengthOpt = None, partner: PartnerOpt = None,
            n: Annotated[int, typer.Option("--n", help="Bootstrap replications")] = 200,
            seed: SeedOpt = 1,
            model: Annotated[str, typer.Option("--model", help="theil-sen-log or theil-sen")
                             ] = "theil-sen-log",
            no_clip: Annotated[bool, typer.Option(
                "--no-clip", help="Let projected values pass the observed range")] = False,
            view: ViewOpt = "scale", edition: EditionOpt = None, example: ExampleOpt = None,
            fmt: FormatOpt = "table") -> None:
    """Project each unit's indicator trends to a year: scores and ranks with intervals."""
    from ..analysis.scenarios.projection import project as run

    _check_format(fmt)
    ed = _edition(view, edition, example)
    scn = (_scenario(scenario, None, targets, strength, partner, ed) if scenario is not None
           else None)
    res = run(ed, year=year, scenario=scn, model=model, n=n,
              seed=seed, clip=not no_clip)
    table = res.summary.reset_index()
    show = _codes(countries)
    if show:
        unknown = sorted(set(show) - set(table["unit"]))
        if unknown:
            raise AirankError(f"Not ranked in the projection: {unknown}.")
        table = table[table["unit"].isin(show)]
    if fmt == "json":
        _json({"manifest": ed.manifest(), "year": year, "model": model, "n": n,
               "seed": seed,
               "scenario": scn.name if scn else None, "edition": res.edition.label,
               "clip": not no_clip, "units": _records(table)})
        return
    _print_frame(table, fmt, title=f"Projection to {year} ({model}, {n} bootstrap "
                                   f"replications{', scenario ' + scn.name if scn else ''})"
                                   f" from {res.edition.label}")
