"""Engine commands: build, rank, explain, validate."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

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
    out,
    progress,
    ranking_doc,
    resolve_units,
)
from ._options import Number, replications
from ._table import print_rows, write_csv

if TYPE_CHECKING:
    import pandas as pd

    from ..edition import Edition

_RANK_COLUMNS = {
    "rank": "place in the ranking, 1 = best (ties share the best place)",
    "iso3": "ISO 3166 alpha-3 country code (OGAI)",
    "unit": "unit code",
    "country": "country name; * marks insufficient data: more than 20% of its values "
               "imputed (ranked anyway; the OGAI ranks units with >= 65% observed data)",
    "name": "unit name",
    "score": "index score, 0-100 (the OGAI's goalposts are fixed by its release)",
    "implementation, innovation, investment": "the OGAI's pillar scores (SPEC DATA or "
                                              "--example: one column per child of the index)",
    "median, q05, q95": "with --intervals: median, 5th and 95th percentile rank over the "
                        "Monte Carlo replications (weights, normalisation, aggregation)",
}


@app.command()
def build(spec: SpecArg = None, data: DataArg = None, example: ExampleOpt = None,
          edition: EditionOpt = None, view: ViewOpt = "scale", licence: LicenceOpt = "all",
          output: Annotated[Path, typer.Option("-o", "--output", help="Output folder")] = Path(
              "airank-output")) -> None:
    """Build an index and write every stage, scores, ranks and the manifest to a folder."""
    from ..export import write_result

    result = entry(spec, data, example, edition, view, licence).edition.baseline
    paths = write_result(result, output)
    out.print(f"Built {result.spec.name}: {len(result.units)} units; wrote "
              f"{', '.join(p.name for p in paths)} to {output}", markup=False)


@app.command(epilog=legend(_RANK_COLUMNS))
def rank(spec: SpecArg = None, data: DataArg = None, example: ExampleOpt = None,
         edition: EditionOpt = None, view: ViewOpt = "scale", licence: LicenceOpt = "all",
         fmt: FormatOpt = "table",
         top: Annotated[int | None, typer.Option(
             metavar="N", parser=Number("int", 1), help="Show the first N only")] = None,
         intervals: Annotated[bool, typer.Option(
             "--intervals", help="Add the 5-95% rank interval (Monte Carlo)")] = False,
         n: Annotated[int, typer.Option("--n", metavar="N", parser=replications(),
                                        help="Replications for --intervals")] = 1000,
         seed: SeedOpt = 1, budget: BudgetOpt = None) -> None:
    """Print the ranking (default: the Open Global AI Index, latest edition, scale view)."""
    doc = ranking_doc(spec, data, example, edition, view, licence)
    cols, records = list(doc["columns"]), [dict(r) for r in doc["records"]]
    numeric = dict(zip(cols, doc["numeric"], strict=True))
    key = "iso3" if "iso3" in cols else "unit"
    if intervals:
        found = entry(spec, data, example, edition, view, licence)
        at = cols.index("score") + 1
        for c, values in _intervals(found.edition, [r[key] for r in records], n, seed,
                                    budget).items():
            for r, v in zip(records, values, strict=True):
                r[c] = v
            cols.insert(at, c)
            numeric[c] = True
            at += 1
    if top is not None:
        records = records[:top]
    diff = (_indicator_diff(doc, ranking_doc(None, None, None, None, view, licence))
            if doc["key"] == "ogai" and edition is not None else None)
    if fmt == "json":
        out_doc: dict[str, Any] = {"manifest": doc["manifest"],
                                   "ranking": [{c: r.get(c) for c in cols} for r in records]}
        if diff is not None:
            out_doc["indicators_vs_latest"] = diff
        sys.stdout.write(json.dumps(out_doc, indent=1) + "\n")
        return
    notes = [] if diff is None else [_diff_text(diff)]
    if fmt == "csv":
        for note in notes:
            err.print(f"note: {note}", markup=False, highlight=False)
        write_csv(cols, records)
        return
    _rank_table(doc, cols, records, numeric, key, notes)


def _rank_table(doc: dict[str, Any], cols: list[str], records: list[dict[str, Any]],
                numeric: dict[str, bool], key: str, notes: list[str]) -> None:
    name = "country" if "country" in cols else "name"
    flag = next((c for c in ("insufficient_data", "low_coverage") if c in cols), None)
    if flag is not None and any(r.get(flag) for r in records):
        for r in records:
            if r.get(flag):
                r[name] = f"{r[name]} *"
        notes.insert(0, "* more than 20% of the values imputed (insufficient data; ranked "
                        "anyway)." if flag == "insufficient_data" else
                        "* coverage below 65% of the edition's indicators (ranked anyway).")
    shown = [c for c in ("rank", key, name, "score", "median", "q05", "q95", *doc["pillars"])
             if c in cols]
    title = (f"Open Global AI Index {doc['year']}, {doc['view']} view" if doc["key"] == "ogai"
             else str(doc["name"]))
    print_rows(shown, [[r.get(c) for c in shown] for r in records],
               [numeric[c] for c in shown], title, console=out.console, keep=4, notes=notes)


def _intervals(ed: Edition, units: list[str], n: int, seed: int, budget: float | None
               ) -> dict[str, list[Any]]:
    """Median, 5th and 95th percentile rank of ``units`` under the default factors."""
    from ..analysis.robustness.designs import default_factors
    from ..analysis.robustness.uncertainty import uncertainty

    fs = default_factors(ed.spec)
    check_cost(ed, "uncertainty", n, budget, factors=fs)
    with progress("rank intervals", n) as update:
        res = uncertainty(ed, fs, n=n, seed=seed, progress=update)
    t = res.summary.reindex(units)
    return {c: [None if v != v else float(v) for v in t[c].tolist()]
            for c in ("median", "q05", "q95")}


def _indicator_diff(doc: dict[str, Any], latest: dict[str, Any]) -> dict[str, Any]:
    """Indicators with data in the edition and not in the latest edition, and the
    reverse."""
    mine, theirs = list(doc["present"]), list(latest["present"])
    return {"edition": doc["year"], "latest": latest["year"], "n_indicators": len(mine),
            "n_latest": len(theirs),
            "only_in_latest": [c for c in theirs if c not in mine],
            "only_in_edition": [c for c in mine if c not in theirs]}


def _diff_text(d: dict[str, Any]) -> str:
    year = d["edition"]
    if year == d["latest"]:
        return f"Edition {year} is the latest ({d['n_indicators']} indicators with data)."
    head = (f"Edition {year} has data for {d['n_indicators']} indicators, the latest "
            f"({d['latest']}) for {d['n_latest']}.")
    if not d["only_in_latest"] and not d["only_in_edition"]:
        return head + " Same indicator set."
    parts = [head]
    if d["only_in_latest"]:
        parts.append(f"Not in {year}: {', '.join(d['only_in_latest'])}.")
    if d["only_in_edition"]:
        parts.append(f"Only in {year}: {', '.join(d['only_in_edition'])}.")
    return " ".join(parts)


_EXPLAIN_COLUMNS = {
    "code": "indicator or group, indented under its parent",
    "score": "normalised indicator value or group score (0-100)",
    "weight": "effective weight in the index for this unit (groups rescale over the "
              "children the unit has data for)",
    "to_index": "points this item adds to the index score (weight x score; log points "
                "for geometric means)",
    "share": "to_index as a share of the index score",
    "data": "observed, imputed (filled by the spec's imputation), inferred (zero from "
            "absence in a census-like source) or missing",
    "name": "indicator name",
    "rank": "the unit's rank on the indicator among all units",
    "raw": "value before normalisation, in the indicator's unit",
}


@app.command(epilog=legend(_EXPLAIN_COLUMNS))
def explain(unit: Annotated[str, typer.Argument(help="Unit: code in any case, or a country "
                                                     "name (RUS, rus, Russia)")],
            spec: SpecArg = None, data: DataArg = None, example: ExampleOpt = None,
            edition: EditionOpt = None, view: ViewOpt = "scale", licence: LicenceOpt = "all",
            fmt: FormatOpt = "table",
            n: Annotated[int, typer.Option(metavar="N", parser=Number("int", 0, 1000),
                                           help="Strengths and weaknesses shown")] = 5) -> None:
    """Print a unit's contribution breakdown, strengths and weaknesses."""
    ed = entry(spec, data, example, edition, view, licence).edition
    code = resolve_units(ed, [unit])[0]
    result = ed.baseline
    contrib = result.contributions(code)
    status = _status(ed, code)
    strong, weak = result.strengths_weaknesses(code, n)
    ranks = result.ranks[result.spec.index_code]  # Int64: NA when no index score
    r = None if bool(ranks.isna()[code]) else int(cast(int, ranks[code]))
    score = float(result.index[code])
    if fmt == "json":
        _explain_json(ed, code, r, score, contrib, strong, weak, status)
        return
    if fmt == "csv":
        _print_frame(contrib.assign(data=contrib["code"].map(status).fillna("")), "csv")
        return
    where = (f"rank {r} of {len(result.units)}, score {score:.2f}" if r is not None
             else "no index score (too few components with data)")
    out.print(f"{result.names.get(code, code)} ({code}): {where} -- {ed.label}",
              markup=False)
    _print_frame(_tree(contrib, status, result.spec), "table", title="Contributions",
                 keep=6, notes=_status_notes(status))
    for t, title in ((strong, "Strengths (best indicator ranks)"),
                     (weak, "Weaknesses (worst indicator ranks)")):
        t = t.assign(data=t["code"].map(status)).drop(columns=["imputed"])
        _print_frame(t[["code", "rank", "score", "raw", "data", "name"]], "table",
                     title=title, keep=5)


def _status(ed: Edition, code: str) -> dict[str, str]:
    """Per indicator of ``code``: observed, imputed, inferred or missing."""
    res = ed.baseline
    codes = list(res.spec.indicator_codes)
    den = res.stages["denominated"].loc[code, codes]
    imp = res.stages["imputed"].loc[code, codes]
    inferred = (res.inferred.loc[code].reindex(codes).fillna(False) if code in
                res.inferred.index else None)
    out_: dict[str, str] = {}
    for c in codes:
        if den.isna()[c]:
            out_[c] = "imputed" if imp.notna()[c] else "missing"
        elif inferred is not None and bool(inferred[c]):
            out_[c] = "inferred"
        else:
            out_[c] = "observed"
    return out_


def _status_notes(status: dict[str, str]) -> list[str]:
    notes = []
    for kind in ("imputed", "inferred", "missing"):
        codes = [c for c, s in status.items() if s == kind]
        if codes:
            notes.append(f"{kind.capitalize()} ({len(codes)}): {', '.join(codes)}.")
    return notes


def _tree(contrib: pd.DataFrame, status: dict[str, str], spec: Any) -> pd.DataFrame:
    """Contributions in tree order below the index, codes indented by depth."""
    import pandas as pd

    rows = contrib.set_index("code")
    recs: list[dict[str, Any]] = []

    def walk(code: str, depth: int) -> None:
        for child in spec.children.get(code, ()):
            row = rows.loc[child]
            leaf = spec.levels[child] == 1
            recs.append({"code": "  " * depth + child, "score": row["score"],
                         "weight": row["effective_weight"], "to_index": row["to_index"],
                         "share": row["share"] if leaf else float("nan"),
                         "data": status.get(child, "")})
            walk(child, depth + 1)

    walk(spec.index_code, 0)
    return pd.DataFrame(recs)


def _explain_json(ed: Edition, code: str, r: int | None, score: float,
                  contrib: pd.DataFrame, strong: pd.DataFrame, weak: pd.DataFrame,
                  status: dict[str, str]) -> None:
    import math

    doc = {"manifest": ed.manifest(), "unit": code, "rank": r,
           "score": None if math.isnan(score) else score,
           "contributions": json.loads(contrib.to_json(orient="records")),
           "strengths": json.loads(strong.to_json(orient="records")),
           "weaknesses": json.loads(weak.to_json(orient="records")),
           "data": status}
    sys.stdout.write(json.dumps(doc, indent=1) + "\n")


@app.command()
def validate(spec: Annotated[Path, typer.Argument(help="Spec YAML file")],
             data: Annotated[Path | None, typer.Argument(help="Data table")] = None) -> None:
    """Check a spec (and a data table against it); list every problem, exit 2 if any."""
    from .. import load_spec, read_data

    s = load_spec(spec)
    if data is not None:
        d = read_data(data, s)
        for note in d.notes:
            out.print(f"note: {note}", markup=False, soft_wrap=True)
        # one line each (paths are not wrapped): scripts read them
        out.print(f"OK: {spec} and {data} ({len(d.units)} units)", markup=False,
                  soft_wrap=True)
    else:
        out.print(f"OK: {spec} ({len(s.indicator_codes)} indicators, {len(s.nodes)} groups)",
                  markup=False, soft_wrap=True)
