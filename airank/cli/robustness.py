"""Robustness commands: uncertainty, sensitivity, importance, bounds."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from ..analysis.robustness.factors import Factor
from ..spec import IndexSpec
from ._common import (
    DataArg,
    EditionOpt,
    ExampleOpt,
    FormatOpt,
    SpecArg,
    ViewOpt,
    _check_format,
    _load,
    _print_frame,
    app,
    err,
)

FactorsOpt = Annotated[Path | None, typer.Option(
    "--factors", help="Factors YAML (default: COINr's vignette design)")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed")]
# --dask (issue 14): run the replications on an existing dask.distributed cluster
DaskOpt = Annotated[str | None, typer.Option(
    "--dask", help="Run on the Dask scheduler at this address (tcp://host:8786); same "
                   "seed, same result as a local run")]


def _factor_docs(factors: Sequence[Factor]) -> list[dict[str, object]]:
    """Factors as JSON-ready mappings (for the provenance of an output)."""
    return [{k: v for k, v in dataclasses.asdict(f).items() if v not in (None, ())}
            for f in factors]


def _factors(path: Path | None, spec: IndexSpec) -> tuple[Factor, ...]:
    from ..analysis.robustness.designs import default_factors
    from ..analysis.robustness.factors import load_factors

    if path is None:
        return default_factors(spec)
    return load_factors(path, spec)


@app.command()
def uncertainty(spec: SpecArg = None, data: DataArg = None, example: ExampleOpt = None,
                edition: EditionOpt = None, view: ViewOpt = "scale", factors: FactorsOpt = None,
                n: Annotated[int, typer.Option("--n", help="Replications")] = 1000,
                seed: SeedOpt = 1,
                k: Annotated[int, typer.Option("-k", help="Report moves of more than k "
                                                      "places")] = 3,
                fmt: FormatOpt = "table", dask: DaskOpt = None) -> None:
    """Monte Carlo rank intervals: nominal, median, mean, 5th and 95th percentile ranks."""
    from ..analysis.robustness.uncertainty import uncertainty as run

    _check_format(fmt)
    t = _load(spec, data, example, edition, view)
    fs = _factors(factors, t.spec)
    with Progress(TextColumn("uncertainty"), BarColumn(), TextColumn("{task.completed:,}/"
                  "{task.total:,}"), TimeElapsedColumn(), console=err,
                  disable=fmt != "table" or n < 200_000) as bar:
        task = bar.add_task("mc", total=n)
        res = run(t, fs, n=n, seed=seed, k=k, scheduler=dask,
                  progress=lambda done, total: bar.update(task, completed=done))
    table = res.to_frame()[["unit", "nominal", "median", "mean", "q05", "q95", "name",
                            "moved", "score_nominal", "score_q05", "score_q95"]]
    if fmt == "json":
        doc = {"manifest": t.manifest(), "factors": _factor_docs(fs),
               "n": res.n, "seed": res.seed, "k": res.k, "n_failed": res.n_failed,
               "first_error": res.first_error, "mean_abs_shift": res.mean_abs_shift,
               "units": json.loads(table.to_json(orient="records"))}
        sys.stdout.write(json.dumps(doc, indent=1) + "\n")
        return
    _print_frame(table, fmt, title=f"Rank intervals over {res.n:,} replications (seed {res.seed})")
    if res.n_failed:
        err.print(f"{res.n_failed} replications failed; first error: {res.first_error}")


@app.command()
def sensitivity(spec: SpecArg = None, data: DataArg = None, example: ExampleOpt = None,
                edition: EditionOpt = None, view: ViewOpt = "scale", factors: FactorsOpt = None,
                n_base: Annotated[int, typer.Option("--n-base", help="Base samples (power of "
                                                                     "2)")] = 1024,
                seed: SeedOpt = 1,
                unit: Annotated[str | None, typer.Option(help="Also show this unit's "
                                                              "indices")] = None,
                fmt: FormatOpt = "table", dask: DaskOpt = None) -> None:
    """Sobol' first-order and total-effect indices of each factor."""
    from ..analysis.robustness.sensitivity import sensitivity as run

    _check_format(fmt)
    t = _load(spec, data, example, edition, view)
    res = run(t, _factors(factors, t.spec), n_base=n_base, seed=seed, scheduler=dask)
    shift = res.shift.reset_index()
    units = res.units.reset_index()
    if unit is not None:
        units = units[units["unit"] == unit]
        if units.empty:
            from ..errors import AirankError

            raise AirankError(f"Unknown unit '{unit}'.")
    if fmt == "json":
        doc = {"manifest": t.manifest(), "factors": _factor_docs(res.factors),
               "n_base": res.n_base, "n_rows": res.n_rows, "seed": res.seed,
               "mean_abs_rank_shift": json.loads(shift.to_json(orient="records")),
               "units": json.loads(units.to_json(orient="records"))}
        sys.stdout.write(json.dumps(doc, indent=1) + "\n")
    elif fmt == "csv":
        _print_frame(pd.concat([shift.assign(unit="*"), units]), "csv")
    else:
        _print_frame(shift, "table", title=f"Sobol' indices: mean absolute rank shift "
                                           f"({res.n_rows:,} runs)")
        if unit is not None:
            _print_frame(units, "table", title=f"Sobol' indices: rank of {unit}")



@app.command()
def importance(spec: SpecArg = None, data: DataArg = None, example: ExampleOpt = None,
               edition: EditionOpt = None, view: ViewOpt = "scale",
               fmt: FormatOpt = "table") -> None:
    """Main effect of each indicator and group (correlation ratio) beside its weights,
    and the internal consistency (Cronbach's alpha, correlations) of each group."""
    from ..analysis.audit.checks import consistency
    from ..analysis.audit.checks import importance as run

    _check_format(fmt)
    ed = _load(spec, data, example, edition, view)
    result = ed.baseline
    imp, cons = run(result), consistency(result)
    if fmt == "json":
        doc = {"manifest": ed.manifest(),
               "importance": json.loads(imp.to_json(orient="records")),
               "consistency": json.loads(cons.to_json(orient="records"))}
        sys.stdout.write(json.dumps(doc, indent=1) + "\n")
    elif fmt == "csv":
        _print_frame(imp, "csv")
    else:
        _print_frame(imp, "table", title="Importance (main effect) against weights; flag = "
                                          "large gap")
        _print_frame(cons, "table", title="Internal consistency per group")


@app.command()
def bounds(spec: SpecArg = None, data: DataArg = None, example: ExampleOpt = None,
           edition: EditionOpt = None, view: ViewOpt = "scale",
           rel: Annotated[float, typer.Option(help="Each weight may move by this share of "
                                                   "its nominal value")] = 0.5,
           any_weights: Annotated[bool, typer.Option(
               "--any", help="Any non-negative weights instead of +-rel")] = False,
           group: Annotated[str | None, typer.Option(
               help="Vary the weights of this group's children (default: the index's)")
           ] = None,
           fmt: FormatOpt = "table") -> None:
    """Best and worst achievable rank of every unit over admissible weights (exact LP)."""
    from ..analysis.audit.checks import weight_bounds

    _check_format(fmt)
    ed = _load(spec, data, example, edition, view)
    result = ed.baseline
    t = weight_bounds(result, rel=None if any_weights else rel, group=group)
    t.insert(0, "name", [result.names.get(u, u) for u in t.index])
    table = t.reset_index().sort_values("nominal")
    cols = [c for c in table.columns if not c.startswith(("best_w_", "worst_w_"))]
    if fmt == "table":
        table = table[cols]
    how = "any non-negative weights" if any_weights else f"weights within +-{rel:.0%}"
    if fmt == "json":
        doc = {"manifest": ed.manifest(), "rel": None if any_weights else rel,
               "group": group or result.spec.index_code,
               "units": json.loads(table.to_json(orient="records"))}
        sys.stdout.write(json.dumps(doc, indent=1) + "\n")
        return
    _print_frame(table, fmt, title=f"Best and worst rank over {how}")
    if t.attrs.get("left_out"):
        err.print(f"left out (a component is missing): {', '.join(t.attrs['left_out'])}")
