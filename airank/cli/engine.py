"""Engine commands: build, rank, explain, validate."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from ._common import (
    DataArg,
    ExampleOpt,
    FormatOpt,
    SpecArg,
    _check_format,
    _load,
    _print_frame,
    app,
    out,
)


@app.command()
def build(spec: SpecArg = None, data: DataArg = None, example: ExampleOpt = None,
          output: Annotated[Path, typer.Option("-o", "--output", help="Output folder")] = Path(
              "airank-output")) -> None:
    """Build an index and write every stage, scores, ranks and the manifest to a folder."""
    from ..export import write_result
    from ..pipeline import build as run

    s, d = _load(spec, data, example)
    result = run(s, d)  # type: ignore[arg-type]
    paths = write_result(result, output)
    out.print(f"Built {result.spec.name}: {len(result.units)} units; wrote "
              f"{', '.join(p.name for p in paths)} to {output}")


@app.command()
def rank(spec: SpecArg = None, data: DataArg = None, example: ExampleOpt = None,
         fmt: FormatOpt = "table",
         top: Annotated[int | None, typer.Option(help="Show the first N only")] = None) -> None:
    """Print the ranking table (default: the ASEM example)."""
    from ..pipeline import build as run

    _check_format(fmt)
    s, d = _load(spec, data, example)
    result = run(s, d)  # type: ignore[arg-type]
    table = result.ranking()
    if top is not None:
        table = table.head(top)
    _print_frame(table, fmt, title=result.spec.name)


@app.command()
def explain(unit: Annotated[str, typer.Argument(help="Unit code, e.g. RUS")],
            spec: SpecArg = None, data: DataArg = None, example: ExampleOpt = None,
            fmt: FormatOpt = "table",
            n: Annotated[int, typer.Option(help="Strengths and weaknesses shown")] = 5) -> None:
    """Print a unit's contribution breakdown, strengths and weaknesses."""
    from ..pipeline import build as run

    _check_format(fmt)
    s, d = _load(spec, data, example)
    result = run(s, d)  # type: ignore[arg-type]
    contrib = result.contributions(unit)
    strong, weak = result.strengths_weaknesses(unit, n)
    if fmt == "json":
        doc = {"unit": unit, "rank": int(result.ranks.loc[unit, result.spec.index_code]),
               "score": float(result.index[unit]),
               "contributions": json.loads(contrib.to_json(orient="records")),
               "strengths": json.loads(strong.to_json(orient="records")),
               "weaknesses": json.loads(weak.to_json(orient="records"))}
        sys.stdout.write(json.dumps(doc, indent=1) + "\n")
        return
    if fmt == "csv":
        _print_frame(contrib, "csv")
        return
    r = result.ranks.loc[unit, result.spec.index_code]
    out.print(f"[bold]{result.names.get(unit, unit)} ({unit})[/bold]: rank {r} of "
              f"{len(result.units)}, score {result.index[unit]:.2f}")
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


