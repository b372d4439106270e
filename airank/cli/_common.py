"""What every command shares: the Typer app, consoles, argument types, loading, printing."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from ..errors import AirankError

if TYPE_CHECKING:
    from ..edition import Edition

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Build composite indices and the Open Global AI Index.")
# piped output is not cut to 80 columns
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True, soft_wrap=True)

SpecArg = Annotated[Path | None, typer.Argument(help="Spec YAML file", show_default=False)]
DataArg = Annotated[Path | None, typer.Argument(help="Data table (CSV, Excel, Parquet)",
                                                show_default=False)]
ExampleOpt = Annotated[str | None, typer.Option(
    "--example", help="A shipped example instead of the OGAI: asem")]
FormatOpt = Annotated[str, typer.Option("--format", help="table, csv or json")]
EditionOpt = Annotated[int | None, typer.Option(
    "--edition", help="OGAI edition year (default: the latest)")]
ViewOpt = Annotated[str, typer.Option("--view", help="OGAI view: scale or intensity")]
LicenceOpt = Annotated[str, typer.Option(
    "--licence", help="OGAI sources: all, or open (open-licensed sources only)")]


def _load(spec: Path | None, data: Path | None, example: str | None,
          edition: int | None = None, view: str = "scale", licence: str = "all") -> Edition:
    """SPEC DATA, or ``--example NAME``, or by default the OGAI edition and view."""
    from .. import load_spec, read_data
    from ..edition import Edition

    if spec is not None and example is not None:
        raise AirankError("Give either SPEC DATA or --example, not both.")
    if spec is None and example is None:
        return Edition.ogai(edition, view, licence=licence)
    if edition is not None:
        raise AirankError("--edition applies to the Open Global AI Index only.")
    if licence != "all":
        raise AirankError("--licence applies to the Open Global AI Index only.")
    if spec is None:
        return Edition.example(str(example))
    if data is None:
        raise AirankError("Give both SPEC and DATA (or --example NAME).")
    s = load_spec(spec)
    return Edition.of(s, read_data(data, s))


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


