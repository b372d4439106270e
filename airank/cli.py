"""The ``airank`` command line (Typer + rich).

User errors (a bad spec, a bad table, an unknown unit) print a message on stderr and exit
with code 2, never a traceback; bugs keep their traceback and exit 1. Output files are
written atomically (see :mod:`airank.export`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import click
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from .errors import AirankError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Build composite indices and the Open Global AI Index.")
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

SpecArg = Annotated[Path | None, typer.Argument(help="Spec YAML file", show_default=False)]
DataArg = Annotated[Path | None, typer.Argument(help="Data table (CSV, Excel, Parquet)",
                                                show_default=False)]
ExampleOpt = Annotated[str | None, typer.Option("--example", help="A shipped example: asem")]
FormatOpt = Annotated[str, typer.Option("--format", help="table, csv or json")]


def _load(spec: Path | None, data: Path | None, example: str | None,
          default: str = "asem") -> tuple[object, object]:
    from . import datasets, load_spec, read_data

    if spec is not None and example is not None:
        raise AirankError("Give either SPEC DATA or --example, not both.")
    if spec is None:
        return datasets.example(example or default)
    if data is None:
        raise AirankError("Give both SPEC and DATA (or --example NAME).")
    s = load_spec(spec)
    return s, read_data(data, s)


def _check_format(fmt: str, allowed: tuple[str, ...] = ("table", "csv", "json")) -> None:
    if fmt not in allowed:
        raise AirankError(f"--format must be one of {list(allowed)}. Got '{fmt}'.")


def _print_frame(frame: pd.DataFrame, fmt: str, title: str = "") -> None:
    if fmt == "csv":
        sys.stdout.write(frame.to_csv(index=False, float_format="%.6g", lineterminator="\n"))
    elif fmt == "json":
        sys.stdout.write(frame.to_json(orient="records", double_precision=10, indent=1) + "\n")
    else:
        t = Table(title=title or None, show_lines=False)
        for c in frame.columns:
            t.add_column(str(c), justify="right" if frame[c].dtype.kind in "fiu" else "left")
        for row in frame.itertuples(index=False):
            t.add_row(*[_fmt(v) for v in row])
        out.print(t)


def _fmt(v: object) -> str:
    if isinstance(v, float):
        return "" if pd.isna(v) else f"{v:.2f}"
    if v is None or v is pd.NA:
        return ""
    return str(v)


@app.command()
def build(spec: SpecArg = None, data: DataArg = None, example: ExampleOpt = None,
          output: Annotated[Path, typer.Option("-o", "--output", help="Output folder")] = Path(
              "airank-output")) -> None:
    """Build an index and write every stage, scores, ranks and the manifest to a folder."""
    from .export import write_result
    from .pipeline import build as run

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
    from .pipeline import build as run

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
    from .pipeline import build as run

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
    from . import load_spec, read_data

    s = load_spec(spec)
    if data is not None:
        d = read_data(data, s)
        for note in d.notes:
            out.print(f"note: {note}")
        out.print(f"OK: {spec} and {data} ({len(d.units)} units)")
    else:
        out.print(f"OK: {spec} ({len(s.indicator_codes)} indicators, {len(s.nodes)} groups)")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code (0 ok, 2 user error, 1 bug)."""
    try:
        app(args=argv, prog_name="airank", standalone_mode=False)
    except AirankError as exc:
        err.print(f"[bold red]error:[/bold red] {exc}", markup=True, highlight=False)
        return 2
    except click.exceptions.Exit as exc:
        return int(exc.exit_code or 0)
    except click.ClickException as exc:
        exc.show()
        return int(exc.exit_code)
    except click.exceptions.Abort:
        err.print("aborted")
        return 1
    return 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
