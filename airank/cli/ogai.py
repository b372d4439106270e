"""Open Global AI Index commands: trend, data sources, data build, fit-weights."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from ..errors import AirankError, Issue, UnitError
from ._common import (
    FormatOpt,
    LicenceOpt,
    ViewOpt,
    _check_format,
    _print_frame,
    app,
    entry,
    legend,
    out,
    resolve_units,
)

if TYPE_CHECKING:
    import pandas as pd

data_app = typer.Typer(no_args_is_help=True,
                       help="The OGAI's data: its sources and licences, and the pipeline.")
app.add_typer(data_app, name="data")

_TREND_ROWS = {
    "measure": "what the row shows (the rows below)",
    "edition": "one column per edition (year)",
    "n_ranked": "countries ranked in that edition (rank is out of this)",
    "score": "headline index score, 0-100, on the release's fixed goalposts, with every "
             "indicator the edition has",
    "rank": "the country's headline place in that edition, 1 = best",
    "full_score": "score with all indicators, also when below the coverage rule",
    "comparable_score": "the chain-linked series: each edition's change measured on the "
                        "indicators both editions share (moves from the data, not from "
                        "indicators entering)",
    "comparable_rank": "rank on the comparable score",
    "link": "the comparable score's change from the edition before",
    "n_indicators": "indicators with data in the edition (entering and leaving ones "
                    "are listed under the table)",
    "PILLAR, SUB-PILLAR": "their headline scores (implementation, talent, ...)",
}


@app.command(epilog=legend(_TREND_ROWS, "Rows are measures and columns editions. A "
                                        "score can jump when an indicator enters an "
                                        "edition: see 'airank rank --edition YEAR'."))
def trend(iso3: Annotated[str | None, typer.Argument(
              help="Country: ISO3 code in any case, or a name (RUS, Russia). Without "
                   "it, --format csv or json gives every country's series")] = None,
          view: ViewOpt = "scale", licence: LicenceOpt = "all",
          fmt: FormatOpt = "table") -> None:
    """A country's OGAI rank and pillar/sub-pillar scores in every edition (or, with no
    country and --format csv/json, every country's headline and comparable series)."""
    from .. import ogai

    if iso3 is None:
        if fmt == "table":
            raise AirankError([Issue(("iso3",), "missing_country", "Name a country (e.g. "
                                     "'airank trend RUS'), or ask for every country's "
                                     "series with --format csv or --format json.", None)])
        every = ogai.series(view, licence=licence)
        ever = set(every.loc[every["ranked"].astype(bool), "iso3"])  # ranked at least once
        every = every[every["iso3"].isin(ever)].reset_index(drop=True)
        if fmt == "json":
            _trend_json(every, view, licence)
        else:
            _print_frame(every, fmt, title=f"OGAI {view} view, every edition")
        return
    code = _trend_unit(iso3, view, licence)
    table = ogai.trend(code, view=view, licence=licence)
    name = ogai.units()["name"].get(code, code)
    title = f"{name} ({code}), OGAI {view} view"
    if fmt == "json":
        _trend_json(table, view, licence, unit=code)
        return
    if fmt != "table":
        _print_frame(table, fmt, title=title)
        return
    # editions as columns: fits a terminal (8 columns) whatever the number of measures
    notes = _set_changes(table)
    table = table.drop(columns=[c for c in ("added", "removed", "ranked") if c in table])
    wide = table.set_index("edition").T
    wide.columns = [str(c) for c in wide.columns]
    cells = wide.astype(object).map(_cell)
    cells.insert(0, "measure", [str(i) for i in wide.index])
    _print_frame(cells, "table", title=title, keep=len(cells.columns), notes=notes)


def _trend_json(rows: pd.DataFrame, view: str, licence: str, unit: str | None = None
                ) -> None:
    """The series with the manifest of the latest edition (release, data and spec hashes)."""
    from .. import ogai

    doc = {"manifest": entry(None, None, None, None, view, licence).edition.manifest(),
           "view": view, "licence": licence, "editions": list(ogai.EDITIONS),
           **({"unit": unit} if unit else {}),
           "rows": json.loads(rows.to_json(orient="records"))}
    sys.stdout.write(json.dumps(doc, indent=1) + "\n")


def _set_changes(table: pd.DataFrame) -> list[str]:
    """Which indicators enter or leave the OGAI from one edition to the next."""
    parts = []
    for _, row in table.iterrows():
        new, gone = (str(row.get(c) or "") for c in ("added", "removed"))
        if new.strip() or gone.strip():
            parts.append(f"{row['edition']}: " + "; ".join(
                ([f"enter {new}"] if new.strip() else [])
                + ([f"leave {gone}"] if gone.strip() else [])))
    if not parts:
        return []
    return ["Indicator set changes (the headline score can jump when indicators enter; "
            "comparable_score does not): " + " | ".join(parts) + "."]


def _trend_unit(text: str, view: str, licence: str = "all") -> str:
    """Resolve against the latest edition's ranked countries; else any country with
    data (ranked in an earlier edition), suggestions from the ranked ones."""
    from .. import ogai

    latest = entry(None, None, None, None, view, licence).edition
    try:
        return resolve_units(latest, [text], "country", "iso3")[0]
    except UnitError as first:
        from ..countries import resolve_unit

        names = {str(k): str(v) for k, v in ogai.units()["name"].dropna().items()}
        try:
            return resolve_unit(text, names, what="country")
        except UnitError:
            raise first from None


def _cell(v: object) -> str:
    import pandas as pd

    if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)):
        return ""
    if isinstance(v, bool):
        return "yes" if v else ""
    if isinstance(v, float):
        if v.is_integer() and abs(v) >= 1:
            return str(int(v))
        return f"{v:.1f}" if abs(v) >= 1 or v == 0 else f"{v:.2f}"
    return str(v)


def _checkout_root() -> Path:
    return Path(__file__).resolve().parents[2]


@data_app.command("build")
def data_build() -> None:
    """Rebuild airank/datasets/ogai from data/sources (python data/build_ogai.py; source
    checkout only)."""
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


_SOURCE_COLUMNS = {
    "source": "the source file under data/sources",
    "publisher": "who publishes it",
    "licence": "its licence",
    "open": "yes when the licence is open (the source is used by --licence open)",
}


@data_app.command("sources", epilog=legend(_SOURCE_COLUMNS))
def data_sources(fmt: Annotated[Literal["table", "json", "csv"], typer.Option(
        "--format", help="Output format")] = "table") -> None:
    """The data notice and the source catalogue: every source of the OGAI, its publisher,
    licence and terms (--format json or csv for every field)."""
    from ..ogai import catalogue

    table = catalogue.sources().reset_index()
    if fmt == "json":
        doc = {"notice": catalogue.notice(),
               "sources": json.loads(table.to_json(orient="records"))}
        sys.stdout.write(json.dumps(doc, indent=1) + "\n")
        return
    if fmt == "csv":
        _print_frame(table, "csv")
        return
    out.print(catalogue.notice().strip(), markup=False, highlight=False)
    out.print()
    cols = [c for c in ("source", "publisher", "licence", "open") if c in table.columns]
    _print_frame(table[cols], "table", title=f"{len(table)} source files", keep=len(cols))


def _read_csv(file: Path) -> pd.DataFrame:
    import pandas as pd

    if not file.is_file():
        raise AirankError(f"File '{file}' does not exist." if not file.exists()
                          else f"'{file}' is a folder, not a CSV file.")
    try:
        return pd.read_csv(file, encoding="utf-8-sig")
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise AirankError(f"Cannot read '{file}' as CSV: {exc}") from None


@app.command("fit-weights", epilog=legend({
    "component": "a component column", "weight": "its implied weight (NNLS, non-negative)"}))
def fit_weights_cmd(
        file: Annotated[Path, typer.Argument(help="CSV table, one row per unit")],
        total: Annotated[str, typer.Option("--total", help="Column of the published total")],
        components: Annotated[str, typer.Option(
            "--components", help="Comma-separated component columns")],
        rescale: Annotated[Literal["minmax"] | None, typer.Option(
            "--rescale", help="minmax: the total is the weighted sum rescaled to 0-100")] = None,
        fmt: FormatOpt = "table") -> None:
    """Recover the weights implied by a total from its components (NNLS)."""
    import pandas as pd

    from ..analysis.audit.fit_weights import fit_weights

    _check_format(fmt, ("json", "table"))
    frame = _read_csv(file)
    comps = [c.strip() for c in components.split(",") if c.strip()]
    have = [str(c) for c in frame.columns]
    issues = [Issue(("--total",), "unknown_column", f"No column {total!r} in '{file}'. "
                    f"Columns: {have}.", total)] if total not in have else []
    unknown = [c for c in comps if c not in have]
    if unknown or not comps:
        issues.append(Issue(("--components",), "unknown_column", f"--components "
                            f"{components!r}: {'no column named' if comps else 'lists no'}"
                            f" {unknown or 'column'} in '{file}'. Columns: {have}.",
                            components))
    AirankError.collect(issues)
    res = fit_weights(frame, total, comps, rescale=rescale)
    if fmt == "json":
        sys.stdout.write(json.dumps(res.to_dict(), indent=1) + "\n")
        return
    table = pd.DataFrame({"component": list(res.weights), "weight": list(res.weights.values())})
    _print_frame(table, "table", title=f"Weights implied by '{total}' ({res.n} rows)")
    out.print(f"R² {res.r2:.6f}, max |error| {res.max_abs_error:.4g}, intercept "
              f"{res.intercept:.4g}, scale {res.scale:.4g}", markup=False)
