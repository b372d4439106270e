"""Engine commands: build, rank, explain, validate."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import numpy as np
import pandas as pd
import typer

if TYPE_CHECKING:
    from ..edition import Edition

from ._common import (
    DataArg,
    EditionOpt,
    ExampleOpt,
    FormatOpt,
    LicenceOpt,
    SpecArg,
    ViewOpt,
    _check_format,
    _load,
    _print_frame,
    app,
    out,
)


@app.command()
def build(spec: SpecArg = None, data: DataArg = None, example: ExampleOpt = None,
          edition: EditionOpt = None, view: ViewOpt = "scale",
          output: Annotated[Path, typer.Option("-o", "--output", help="Output folder")] = Path(
              "airank-output")) -> None:
    """Build an index and write every stage, scores, ranks and the manifest to a folder."""
    from ..export import write_result

    result = _load(spec, data, example, edition, view).baseline
    paths = write_result(result, output)
    out.print(f"Built {result.spec.name}: {len(result.units)} units; wrote "
              f"{', '.join(p.name for p in paths)} to {output}")


def _ranking_table(ed: Edition) -> pd.DataFrame:
    if ed.key == "ogai":
        from .. import ogai

        return ogai.ranking(ed.year, ed.view, licence=ed.licence)
    return ed.baseline.ranking()


@app.command()
def rank(spec: SpecArg = None, data: DataArg = None, example: ExampleOpt = None,
         edition: EditionOpt = None, view: ViewOpt = "scale", licence: LicenceOpt = "all",
         fmt: FormatOpt = "table",
         top: Annotated[int | None, typer.Option(help="Show the first N only")] = None,
         intervals: Annotated[bool, typer.Option(
             "--intervals", help="Add the 5-95% rank interval (Monte Carlo)")] = False,
         n: Annotated[int, typer.Option("--n", help="Replications for --intervals")] = 1000,
         seed: Annotated[int, typer.Option("--seed", help="Seed for --intervals")] = 1) -> None:
    """Print the ranking (default: the Open Global AI Index, latest edition, scale view)."""
    _check_format(fmt)
    ed = _load(spec, data, example, edition, view, licence)
    table = _ranking_table(ed)
    key = "iso3" if "iso3" in table.columns else "unit"
    if intervals:
        from ..analysis.robustness.designs import default_factors
        from ..analysis.robustness.uncertainty import uncertainty

        res = uncertainty(ed, default_factors(ed.spec), n=n, seed=seed)
        t = res.summary.reindex(table[key])
        table.insert(4, "median", t["median"].to_numpy())
        table.insert(5, "q05", t["q05"].to_numpy())
        table.insert(6, "q95", t["q95"].to_numpy())
    if top is not None:
        table = table.head(top)
    if fmt == "json":
        doc = {"manifest": ed.manifest(),
               "ranking": json.loads(table.to_json(orient="records"))}
        sys.stdout.write(json.dumps(doc, indent=1) + "\n")
        return
    if fmt == "table" and ed.key == "ogai":
        pillars = list(ed.spec.children[ed.spec.index_code])
        cols = [c for c in ("rank", "iso3", "country", "score", "median", "q05", "q95", *pillars,
                            "low_coverage") if c in table.columns]
        table = table[cols]
        title = f"Open Global AI Index {ed.year}, {view} view"
    else:
        title = ed.spec.name
    _print_frame(table, fmt, title=title)


@app.command()
def explain(unit: Annotated[str, typer.Argument(help="Unit code, e.g. RUS")],
            spec: SpecArg = None, data: DataArg = None, example: ExampleOpt = None,
            edition: EditionOpt = None, view: ViewOpt = "scale", fmt: FormatOpt = "table",
            n: Annotated[int, typer.Option(help="Strengths and weaknesses shown")] = 5) -> None:
    """Print a unit's contribution breakdown, strengths and weaknesses."""
    _check_format(fmt)
    ed = _load(spec, data, example, edition, view)
    result = ed.baseline
    contrib = result.contributions(unit)
    strong, weak = result.strengths_weaknesses(unit, n)
    ranks = result.ranks[result.spec.index_code]  # Int64: NA when no index score
    r = None if bool(ranks.isna()[unit]) else int(cast(int, ranks[unit]))
    score = float(result.index[unit])
    if fmt == "json":
        doc = {"manifest": ed.manifest(), "unit": unit, "rank": r,
               "score": None if np.isnan(score) else score,
               "contributions": json.loads(contrib.to_json(orient="records")),
               "strengths": json.loads(strong.to_json(orient="records")),
               "weaknesses": json.loads(weak.to_json(orient="records"))}
        sys.stdout.write(json.dumps(doc, indent=1) + "\n")
        return
    if fmt == "csv":
        _print_frame(contrib, "csv")
        return
    where = (f"rank {r} of {len(result.units)}, score {score:.2f}" if r is not None
             else "no index score (too few components with data)")
    out.print(f"[bold]{result.names.get(unit, unit)} ({unit})[/bold]: {where}")
    _print_frame(contrib, "table", title="Contributions")
    _print_frame(strong, "table", title="Strengths (best indicator ranks)")
    _print_frame(weak, "table", title="Weaknesses (worst indicator ranks)")


@app.command()
def validate(spec: Annotated[Path, typer.Argument(help="Spec YAML file")],
             data: Annotated[Path | None, typer.Argument(help="Data table")] = None) -> None:
    """Check a spec (and a data table against it); list every problem, exit 2 if any."""
    from .. import load_spec, read_data

    s = load_spec(spec)
    if data is not None:
        d = read_data(data, s)
        for note in d.notes:
            out.print(f"note: {note}")
        out.print(f"OK: {spec} and {data} ({len(d.units)} units)")
    else:
        out.print(f"OK: {spec} ({len(s.indicator_codes)} indicators, {len(s.nodes)} groups)")
