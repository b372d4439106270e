"""Robustness commands: uncertainty, sensitivity, importance, bounds."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import AirankError, Issue
from ._common import (
    BudgetOpt,
    DataArg,
    EditionOpt,
    ExampleOpt,
    FormatOpt,
    LicenceOpt,
    SeedOpt,
    SpecArg,
    ViewOpt,
    _print_frame,
    app,
    check_cost,
    entry,
    err,
    legend,
    progress,
    resolve_units,
)
from ._options import Number, PowerOfTwo, replications

if TYPE_CHECKING:
    from ..analysis.robustness.factors import Factor
    from ..spec import IndexSpec

#: Shipped factor designs by name: ``--factors asem-vignette``.
FACTOR_PRESETS = {"asem-vignette": ("asem", "factors.yaml")}

FactorsOpt = Annotated[str | None, typer.Option(
    "--factors", metavar="FILE|PRESET",
    help=f"Factors YAML file, or a shipped design: {', '.join(FACTOR_PRESETS)} (default: "
         "COINr's vignette design for the index)")]


DaskOpt = Annotated[str | None, typer.Option(
    "--dask", metavar="ADDRESS",
    help="Run on the Dask scheduler at this address (tcp://host:8786); same seed, same "
         "result as a local run")]


def _factor_docs(factors: Sequence[Factor]) -> list[dict[str, object]]:
    """Factors as JSON-ready mappings (for the provenance of an output)."""
    return [{k: v for k, v in dataclasses.asdict(f).items() if v not in (None, ())}
            for f in factors]


def _factors(source: str | None, spec: IndexSpec) -> tuple[Factor, ...]:
    from .. import datasets
    from ..analysis.robustness.designs import default_factors
    from ..analysis.robustness.factors import load_factors

    if source is None:
        return default_factors(spec)
    if source in FACTOR_PRESETS:
        return load_factors(datasets.path(*FACTOR_PRESETS[source]), spec)
    path = Path(source)
    if not path.is_file():
        why = "is a folder" if path.is_dir() else "is neither a file nor a shipped design"
        raise AirankError([Issue(("--factors",), "no_file", f"--factors '{source}' {why}. "
                                 f"Give a YAML file or one of {list(FACTOR_PRESETS)}.",
                                 source)])
    return load_factors(path, spec)


def _same_scale(factors: Sequence[Factor]) -> bool:
    """True when every replication normalises the same way (scores comparable)."""
    return not any(f.path and f.path.startswith("methodology.normalise") for f in factors)


_UNCERTAINTY_COLUMNS = {
    "unit": "unit code", "name": "unit name",
    "nominal": "rank in the published build (1 = best)",
    "median": "median rank over the replications",
    "q05, q95": "5th and 95th percentile rank: the 90% rank interval",
    "mean": "mean rank (csv and json)",
    "moved": "share of replications in which the unit moves more than k places (-k)",
    "score": "index score of the nominal build",
    "score_q05, score_q95": "5th and 95th percentile score; only when every replication "
                            "normalises the same way (else omitted: scores on different "
                            "scales do not compare)",
}


@app.command(epilog=legend(_UNCERTAINTY_COLUMNS, "Factors: weights_level_N varies the "
                                                 "weights of level N by +-25%; "
                                                 "normalisation and aggregation choose a "
                                                 "method (see docs/robustness.md)."))
def uncertainty(spec: SpecArg = None, data: DataArg = None, example: ExampleOpt = None,
                edition: EditionOpt = None, view: ViewOpt = "scale",
                licence: LicenceOpt = "all", factors: FactorsOpt = None,
                n: Annotated[int, typer.Option("--n", metavar="N", parser=replications(),
                                               help="Replications")] = 1000,
                seed: SeedOpt = 1,
                k: Annotated[int, typer.Option("-k", metavar="K", parser=Number("int", 0),
                                               help="Report moves of more than K places")] = 3,
                budget: BudgetOpt = None, fmt: FormatOpt = "table",
                dask: DaskOpt = None) -> None:
    """Monte Carlo rank intervals: nominal, median, mean, 5th and 95th percentile ranks."""
    from ..analysis.robustness.uncertainty import uncertainty as run

    ed = entry(spec, data, example, edition, view, licence).edition
    fs = _factors(factors, ed.spec)
    check_cost(ed, "uncertainty", n, budget, factors=fs)
    with progress("uncertainty", n) as update:
        res = run(ed, fs, n=n, seed=seed, k=k, scheduler=dask, progress=update)
    same = _same_scale(fs)
    table = res.to_frame()
    cols = ["unit", "name", "nominal", "median", "mean", "q05", "q95", "moved",
            "score_nominal", *(["score_q05", "score_q95"] if same else [])]
    table = table[cols]
    if fmt == "json":
        doc = {"manifest": ed.manifest(), "factors": _factor_docs(fs),
               "n": res.n, "seed": res.seed, "k": res.k, "n_failed": res.n_failed,
               "first_error": res.first_error, "mean_abs_shift": res.mean_abs_shift,
               "score_intervals": same, "units": json.loads(table.to_json(orient="records"))}
        sys.stdout.write(json.dumps(doc, indent=1) + "\n")
        return
    note = [] if same else ["Score intervals omitted: the replications normalise in "
                            "different ways, so their scores are on different scales."]
    if fmt == "table":
        table = table.drop(columns=["mean"]).rename(columns={"score_nominal": "score"})
    _print_frame(table, fmt, title=f"Rank intervals over {res.n:,} replications (seed "
                                   f"{res.seed}; moved: more than {res.k} places)",
                 keep=6, notes=note if fmt == "table" else ())
    if res.n_failed:
        err.print(f"{res.n_failed} replications failed; first error: {res.first_error}",
                  markup=False)


_SOBOL_COLUMNS = {
    "factor": "the uncertain input (weights_level_N, normalisation, aggregation, ...)",
    "S1": "first-order index: share of the output's variance the factor causes alone",
    "ST": "total-effect index: share it causes alone and with other factors",
    "S1_conf, ST_conf": "half-widths of their 95% bootstrap confidence intervals",
    "constant": "yes when the output did not vary (indices undefined)",
    "unit": "with --unit: the unit whose rank is the output",
}


@app.command(epilog=legend(_SOBOL_COLUMNS, "The output is the mean absolute rank shift "
                                           "of all units (and, with --unit, that unit's "
                                           "rank)."))
def sensitivity(spec: SpecArg = None, data: DataArg = None, example: ExampleOpt = None,
                edition: EditionOpt = None, view: ViewOpt = "scale",
                licence: LicenceOpt = "all", factors: FactorsOpt = None,
                n_base: Annotated[int, typer.Option(
                    "--n-base", metavar="N", parser=PowerOfTwo("int", 2, 2**20),
                    help="Base samples (a power of 2)")] = 1024,
                seed: SeedOpt = 1,
                unit: Annotated[str | None, typer.Option(
                    help="Also show this unit's indices (code or name)")] = None,
                budget: BudgetOpt = None, fmt: FormatOpt = "table",
                dask: DaskOpt = None) -> None:
    """Sobol' first-order and total-effect indices of each factor."""
    from ..analysis.robustness.sensitivity import sensitivity as run

    ed = entry(spec, data, example, edition, view, licence).edition
    code = resolve_units(ed, [unit], "unit", "--unit")[0] if unit is not None else None
    fs = _factors(factors, ed.spec)
    check_cost(ed, "sensitivity", n_base * (len(fs) + 2), budget, factors=fs)
    with progress("sensitivity"):
        res = run(ed, fs, n_base=n_base, seed=seed, scheduler=dask)
    shift = res.shift.reset_index()
    units = res.units.reset_index()
    units = units[units["unit"] == code] if code is not None else units.iloc[:0]
    if fmt == "json":
        doc = {"manifest": ed.manifest(), "factors": _factor_docs(res.factors),
               "n_base": res.n_base, "n_rows": res.n_rows, "seed": res.seed,
               "mean_abs_rank_shift": json.loads(shift.to_json(orient="records")),
               "units": json.loads(units.to_json(orient="records"))}
        sys.stdout.write(json.dumps(doc, indent=1) + "\n")
    elif fmt == "csv":
        import pandas as pd

        _print_frame(pd.concat([shift.assign(unit="*"), units]), "csv")
    else:
        _print_frame(shift, "table", title=f"Sobol' indices: mean absolute rank shift "
                                           f"({res.n_rows:,} runs)")
        if code is not None:
            _print_frame(units.drop(columns=["unit"]), "table",
                         title=f"Sobol' indices: rank of {code}")


_IMPORTANCE_COLUMNS = {
    "code": "indicator or group", "parent": "its parent group", "level": "1 = indicator",
    "nominal_weight": "weight in its parent as declared",
    "eta2": "correlation ratio: share of the parent's variance it explains (main effect)",
    "eta2_normalised": "eta2 rescaled to sum to 1 within the parent (compare with weight)",
    "pearson_r": "Pearson correlation with the parent",
    "flag": "yes when importance and weight differ a lot",
    "weight_in_index": "effective weight in the index (children without data weigh 0)",
    "eta2_index, importance_index": "eta2 and its normalised share against the index",
    "group": "(consistency) the group", "n_children": "its children",
    "alpha": "Cronbach's alpha of its children",
    "mean_r, min_r": "mean and smallest correlation between its children",
    "min_r_parent": "smallest correlation of a child with the group",
    "weakest_child": "the child least correlated with the group",
}


@app.command(epilog=legend(_IMPORTANCE_COLUMNS))
def importance(spec: SpecArg = None, data: DataArg = None, example: ExampleOpt = None,
               edition: EditionOpt = None, view: ViewOpt = "scale",
               licence: LicenceOpt = "all", fmt: FormatOpt = "table") -> None:
    """Main effect of each indicator and group (correlation ratio) beside its weights,
    and the internal consistency (Cronbach's alpha, correlations) of each group."""
    from ..analysis.audit.checks import consistency
    from ..analysis.audit.checks import importance as run

    ed = entry(spec, data, example, edition, view, licence).edition
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
        cols = ["code", "parent", "level", "nominal_weight", "eta2", "eta2_normalised",
                "pearson_r", "flag"]
        _print_frame(imp[[c for c in cols if c in imp.columns]], "table",
                     title="Importance (main effect) against weights; flag = large gap",
                     keep=5)
        _print_frame(cons, "table", title="Internal consistency per group", keep=4)


_BOUNDS_COLUMNS = {
    "unit": "unit code", "name": "unit name", "nominal": "rank with the nominal weights",
    "best, worst": "best and worst rank any admissible weights give (exact)",
    "optimal": "yes when the solver proved both bounds optimal",
    "best_w_*, worst_w_*": "(csv and json) the weights that give them",
}


@app.command(epilog=legend(_BOUNDS_COLUMNS))
def bounds(spec: SpecArg = None, data: DataArg = None, example: ExampleOpt = None,
           edition: EditionOpt = None, view: ViewOpt = "scale", licence: LicenceOpt = "all",
           rel: Annotated[float, typer.Option(
               metavar="SHARE", parser=Number("float", 0, 1000),
               help="Each weight may move by this share of its nominal value")] = 0.5,
           any_weights: Annotated[bool, typer.Option(
               "--any", help="Any non-negative weights instead of +-rel")] = False,
           group: Annotated[str | None, typer.Option(
               help="Vary the weights of this group's children (default: the index's)")
           ] = None,
           fmt: FormatOpt = "table") -> None:
    """Best and worst achievable rank of every unit over admissible weights (exact LP)."""
    from ..analysis.audit.checks import weight_bounds

    ed = entry(spec, data, example, edition, view, licence).edition
    result = ed.baseline
    with progress("rank bounds"):
        t = weight_bounds(result, rel=None if any_weights else rel, group=group)
    t.insert(0, "name", [result.names.get(u, u) for u in t.index])
    table = t.reset_index().sort_values("nominal")
    if fmt == "table":
        table = table[[c for c in table.columns if not c.startswith(("best_w_", "worst_w_"))]]
    how = "any non-negative weights" if any_weights else f"weights within +-{rel:.0%}"
    if fmt == "json":
        doc: dict[str, Any] = {"manifest": ed.manifest(), "rel": None if any_weights else rel,
                               "group": group or result.spec.index_code,
                               "units": json.loads(table.to_json(orient="records"))}
        sys.stdout.write(json.dumps(doc, indent=1) + "\n")
        return
    left = t.attrs.get("left_out") or []
    _print_frame(table, fmt, title=f"Best and worst rank over {how}", keep=5,
                 notes=[f"Left out (a component is missing): {', '.join(left)}."]
                 if left and fmt == "table" else ())
    if left and fmt != "table":
        err.print(f"left out (a component is missing): {', '.join(left)}", markup=False)
