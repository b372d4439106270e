"""The index builder's toolkit: COINr tables in and out, comparing builds, leaving elements
out, indicator statistics.

pandas and scipy are imported inside the commands: the CLI's cold path stays light.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Literal

import typer

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
from ._options import STAGES, Number

StageOpt = Annotated[Literal[STAGES], typer.Option(  # type: ignore[valid-type]
    help="The stage whose values are described")]

OutDir = Annotated[Path, typer.Option("-o", "--output", help="Output folder")]


@app.command("from-coinr")
def from_coinr(idata: Annotated[Path, typer.Argument(help="COINr iData table (CSV)",
                                                    exists=True, dir_okay=False)],
               imeta: Annotated[Path, typer.Argument(help="COINr iMeta table (CSV)",
                                                    exists=True, dir_okay=False)],
               output: OutDir = Path("airank-from-coinr"),
               methodology: Annotated[Path | None, typer.Option(
                   exists=True, dir_okay=False,
                   help="Take the methodology section from this spec (YAML)")] = None,
               countries: Annotated[bool, typer.Option(
                   "--countries", help="The uCodes are ISO3 country codes")] = False,
               name: Annotated[str, typer.Option(help="The spec's name")] = "COINr index"
               ) -> None:
    """Convert COINr's iData + iMeta into spec.yaml + data.csv (airank build reads them)."""
    from .. import load_spec
    from ..coinr import write_from_coinr
    from ..errors import AirankError, Issue

    if not name.strip() or len(name) > 200 or any(ord(c) < 32 for c in name):
        raise AirankError([Issue(("--name",), "bad_name", "--name must be a name of 1 to 200 "
                                 f"characters without control characters. Got {name!r}.",
                                 name)])

    meth = load_spec(methodology).to_dict()["methodology"] if methodology else None
    paths = write_from_coinr(idata, imeta, output, name=name, methodology=meth,
                             kind="country" if countries else "custom")
    out.print(f"Wrote {', '.join(p.name for p in paths)} to {output}")


@app.command("to-coinr")
def to_coinr(spec: SpecArg = None, data: DataArg = None, example: ExampleOpt = None,
             output: OutDir = Path("airank-to-coinr")) -> None:
    """Write a spec and its data as COINr's iData.csv + iMeta.csv."""
    from ..coinr import write_to_coinr

    if spec is None and example is None:
        from ..errors import AirankError

        raise AirankError("Give SPEC DATA or --example NAME.")
    ed = _load(spec, data, example)
    paths = write_to_coinr(ed.spec, ed.data, output)
    out.print(f"Wrote {', '.join(p.name for p in paths)} to {output}")


@app.command()
def compare(specs: Annotated[list[Path], typer.Argument(help="Two or more spec files")],
            data: Annotated[list[Path], typer.Option(
                "--data", help="Data table (once for all specs, or once per spec)")],
            code: Annotated[str | None, typer.Option(help="Node compared (default: index)")
                            ] = None,
            by: Annotated[Literal["ranks", "scores"], typer.Option(
                help="Compare ranks or scores")] = "ranks",
            fmt: FormatOpt = "table") -> None:
    """Ranks (or scores) of several builds side by side, with differences to the first."""
    from .. import load_spec, read_data
    from ..analysis.audit.compare import compare_many
    from ..edition import Edition
    from ..errors import AirankError, Issue

    _check_format(fmt)
    issues = [Issue(("specs",), "missing_file", f"Spec file '{s}' does not exist.", str(s))
              for s in specs if not s.is_file()]
    issues += [Issue(("--data",), "missing_file", f"Data file '{d}' does not exist.", str(d))
               for d in data if not d.is_file()]
    if len(specs) < 2 or len(data) not in (1, len(specs)):
        issues.append(Issue(("specs",), "bad_count", "Give two or more specs and one --data "
                            f"(or one per spec). Got {len(specs)} spec(s) and {len(data)} "
                            "data file(s).", len(specs)))
    AirankError.collect(issues)
    eds = {}
    for i, s in enumerate(specs):
        sp = load_spec(s)
        key = s.stem if s.stem not in eds else f"{s.stem}_{i + 1}"
        eds[key] = Edition.of(sp, read_data(data[i if len(data) > 1 else 0], sp))
    tabs = compare_many(eds, code=code, by=by)
    table = tabs["values"].join(tabs["diffs"].iloc[:, 1:].add_prefix("diff_")).reset_index()
    _emit(table, fmt, f"{by.capitalize()} of {code or 'the index'}; diff = build - "
                      f"{next(iter(eds))}", {"builds": list(eds), "by": by})


@app.command()
def remove(spec: SpecArg = None, data: DataArg = None, example: ExampleOpt = None,
           edition: EditionOpt = None, view: ViewOpt = "scale",
           licence: LicenceOpt = "all",
           level: Annotated[int, typer.Option(
               metavar="LEVEL", parser=Number("int", 1, 20),
               help="Level of the elements left out (1 = indicators)")] = 1,
           code: Annotated[str | None, typer.Option(help="Node ranked (default: index)")
                           ] = None,
           units: Annotated[bool, typer.Option(
               "--units", help="Every unit's rank change, not only the mean per element")
           ] = False,
           fmt: FormatOpt = "table") -> None:
    """Leave each element of a level out in turn: the rank change of every unit."""
    from ..analysis.audit.compare import remove_elements

    _check_format(fmt)
    ed = _load(spec, data, example, edition, view, licence)
    res = remove_elements(ed.baseline, level=level, code=code)
    if units:
        table = res.rank_diffs.drop(columns="nominal").reset_index()
        title = "Rank change (nominal - new) when each element is left out"
    else:
        table = res.mean_abs_diff.drop("nominal").rename_axis("removed").reset_index()
        table = table.sort_values("mean_abs_rank_change", ascending=False)
        title = f"Mean absolute rank change when each level-{level} element is left out"
    _emit(table, fmt, title, {"manifest": ed.manifest(), "level": level})


@app.command()
def stats(spec: SpecArg = None, data: DataArg = None, example: ExampleOpt = None,
          edition: EditionOpt = None, view: ViewOpt = "scale",
          licence: LicenceOpt = "all", stage: StageOpt = "raw",
          fmt: FormatOpt = "table") -> None:
    """Indicator statistics with flags (COINr's get_stats): availability, range, skew,
    kurtosis, shares of zeros and of distinct values."""
    from ..analysis.audit.stats import result_stats

    _check_format(fmt)
    ed = _load(spec, data, example, edition, view, licence)
    table = result_stats(ed.baseline, stage).reset_index()
    _emit(table, fmt, f"Indicator statistics ({stage} stage); flag = True is a problem",
          {"manifest": ed.manifest(), "stage": stage})


def _emit(table: object, fmt: str, title: str, meta: dict[str, object]) -> None:
    import pandas as pd

    assert isinstance(table, pd.DataFrame)
    if fmt == "json":
        doc = {**meta, "rows": json.loads(table.to_json(orient="records"))}
        sys.stdout.write(json.dumps(doc, indent=1, default=str) + "\n")
    else:
        _print_frame(table, fmt, title=title)
