"""What every command shares: the Typer app, consoles, argument types, loading, printing."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from ..errors import AirankError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Build composite indices and the Open Global AI Index.")
# piped output is not cut to 80 columns
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True, soft_wrap=True)

SpecArg = Annotated[Path | None, typer.Argument(help="Spec YAML file", show_default=False)]
DataArg = Annotated[Path | None, typer.Argument(help="Data table (CSV, Excel, Parquet)",
                                                show_default=False)]
ExampleOpt = Annotated[str | None, typer.Option("--example", help="A shipped example: asem")]
FormatOpt = Annotated[str, typer.Option("--format", help="table, csv or json")]


def _load(spec: Path | None, data: Path | None, example: str | None,
          default: str = "asem") -> tuple[object, object]:
    from .. import datasets, load_spec, read_data

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


