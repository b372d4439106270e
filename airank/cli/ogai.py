"""Open Global AI Index commands: trend, data build, fit-weights."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from ..errors import AirankError
from ._common import FormatOpt, _check_format, _print_frame, app, out

ViewOpt = Annotated[str, typer.Option("--view", help="scale or intensity")]

data_app = typer.Typer(no_args_is_help=True,
                       help="The OGAI data pipeline (source checkout only).")
app.add_typer(data_app, name="data")


@app.command()
def trend(iso3: Annotated[str, typer.Argument(help="Country ISO3 code, e.g. RUS")],
          view: ViewOpt = "scale", fmt: FormatOpt = "table") -> None:
    """A country's OGAI rank and pillar/sub-pillar scores in every edition."""
    from .. import ogai

    _check_format(fmt)
    table = ogai.trend(iso3, view=view)
    name = ogai.units()["name"].get(iso3.strip().upper(), iso3)
    title = f"{name} ({iso3.upper()}), OGAI {view} view"
    if fmt != "table":
        _print_frame(table, fmt, title=title)
        return
    # editions as columns: fits a terminal (8 columns) whatever the number of measures
    wide = table.set_index("edition").T
    wide.columns = [str(c) for c in wide.columns]
    cells = wide.astype(object).map(_cell)
    cells.insert(0, "measure", [str(i) for i in wide.index])
    _print_frame(cells, "table", title=title)


def _cell(v: object) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)):
        return ""
    if isinstance(v, bool):
        return "yes" if v else ""
    if isinstance(v, float):
        return f"{v:.1f}" if abs(v) >= 1 or v == 0 else f"{v:.2f}"
    return str(v)


def _checkout_root() -> Path:
    return Path(__file__).resolve().parents[2]


@data_app.command("build")
def data_build() -> None:
    """Rebuild airank/datasets/ogai from data/sources (python data/build_ogai.py)."""
    script = _checkout_root() / "data" / "build_ogai.py"
    if not script.is_file():
        raise AirankError(f"'airank data build' needs a source checkout of airank: "
                          f"{script} does not exist. Clone the repository and run it there.")
    spec = importlib.util.spec_from_file_location("build_ogai", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    code = module.main([])
    if code:
        raise typer.Exit(code)


@app.command("fit-weights")
def fit_weights_cmd(
        file: Annotated[Path, typer.Argument(help="CSV table, one row per unit")],
        total: Annotated[str, typer.Option("--total", help="Column of the published total")],
        components: Annotated[str, typer.Option(
            "--components", help="Comma-separated component columns")],
        rescale: Annotated[str | None, typer.Option(
            "--rescale", help="minmax: the total is the weighted sum rescaled to 0-100")] = None,
        fmt: Annotated[str, typer.Option("--format", help="json or table")] = "table") -> None:
    """Recover the weights implied by a total from its components (NNLS)."""
    from ..analysis.audit.fit_weights import fit_weights

    _check_format(fmt, ("json", "table"))
    if not file.is_file():
        raise AirankError(f"File '{file}' does not exist.")
    try:
        frame = pd.read_csv(file, encoding="utf-8-sig")
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise AirankError(f"Cannot read '{file}' as CSV: {exc}") from None
    comps = [c.strip() for c in components.split(",") if c.strip()]
    res = fit_weights(frame, total, comps, rescale=rescale)  # type: ignore[arg-type]
    if fmt == "json":
        sys.stdout.write(json.dumps(res.to_dict(), indent=1) + "\n")
        return
    table = pd.DataFrame({"component": list(res.weights), "weight": list(res.weights.values())})
    _print_frame(table, "table", title=f"Weights implied by '{total}' ({res.n} rows)")
    out.print(f"R² {res.r2:.6f}, max |error| {res.max_abs_error:.4g}, intercept "
              f"{res.intercept:.4g}, scale {res.scale:.4g}")
