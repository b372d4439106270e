"""What the dashboard shows to explain a number: the Methodology tab and per-value details.

:func:`methodology` is the framework with effective weights, every indicator's
definition, unit, source, licence, years used and coverage, the method's steps and the
rank interval's design. :func:`cells` is, per ranked unit, every indicator's value, year,
status and source row, and every group's span of years and count of observed / imputed /
inferred / missing indicators. Both come from the edition's baseline and, for the OGAI,
the one source catalogue (:mod:`airank.ogai.catalogue`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pandas as pd

from ..analysis.robustness.designs import default_factor_doc
from ..results import Result
from .cache import ServedIndex
from .explain import (
    catalogue_lookup,
    group_cells,
    indicator_cells,
    indicator_summary,
    value_unit,
)
from .shape import num, records

__all__ = ["cells", "indicator_frame", "indicator_meta", "long_records", "methodology",
           "view_notes"]

_LETTER = {"observed": "o", "imputed": "i", "inferred": "n", "missing": "m"}


def _is_ogai(source: ServedIndex) -> bool:
    return source.key == "ogai"


def view_notes(source: ServedIndex) -> list[dict[str, str]]:
    """Each view and what it means (the spec's description)."""
    if _is_ogai(source):
        from .. import ogai

        return [{"view": v, "description": ogai.spec(v).description} for v in source.views]
    spec = source.edition().spec
    return [{"view": v, "description": spec.description} for v in source.views]


def _files(source: ServedIndex) -> pd.DataFrame:
    """The catalogue's rows by source file (OGAI), else an empty frame."""
    if not _is_ogai(source):
        return pd.DataFrame()
    from ..ogai.catalogue import sources

    return sources()


def indicator_meta(res: Result) -> list[dict[str, Any]]:
    """Every indicator's definition from the build's spec, with the unit of the value used
    and its effective weight in the build (:meth:`Result.effective_weights`: an indicator
    without data weighs 0)."""
    spec, eff = res.spec, res.effective_weights()
    out = []
    for code in spec.indicator_codes:
        ind = spec.indicator(code)
        out.append({"code": code, "name": ind.name or code, "parent": ind.parent,
                    "unit": ind.unit, "value_unit": value_unit(spec, code),
                    "direction": ind.direction, "description": ind.description,
                    "source": ind.source, "denominator": ind.denominator,
                    "weight": ind.weight, "effective_weight": float(eff[code])})
    return out


def _framework(res: Result) -> list[dict[str, Any]]:
    """The groups with their nominal share of the parent and effective weight in the
    build (a group without data weighs 0)."""
    spec, local, eff = res.spec, res.spec.weights, res.effective_weights()
    count: dict[str, int] = {}
    for code in spec.indicator_codes:
        p = spec.parent[code]
        while p is not None:
            count[p] = count.get(p, 0) + 1
            p = spec.parent[p]
    return [{"code": c, "name": spec.node(c).name or c, "parent": spec.parent[c],
             "level": spec.levels[c], "weight": spec.node(c).weight,
             "share_of_parent": local[c], "effective_weight": float(eff.get(c, 1.0)),
             "n_indicators": count.get(c, 0), "description": spec.node(c).description}
            for c in spec.group_codes]


def _indicator_rows(source: ServedIndex, res: Result) -> list[dict[str, Any]]:
    summary = indicator_summary(res).set_index("code")
    catalogue = _catalogue_by_indicator(source)
    rows = []
    for meta in indicator_meta(res):
        s = summary.loc[meta["code"]]
        files = catalogue.get(meta["code"], [])
        rows.append({**meta, "files": files,
                     "year_min": num(s["year_min"]), "year_max": num(s["year_max"]),
                     "year_mode": num(s["year_mode"]), "coverage": num(s["coverage"]),
                     **{k: int(s[k]) for k in ("n_units", "observed", "imputed", "inferred",
                                               "missing")}})
    return rows


def _catalogue_by_indicator(source: ServedIndex) -> dict[str, list[dict[str, Any]]]:
    files = _files(source)
    if files.empty:
        return {}
    from ..ogai.catalogue import indicator_sources

    out: dict[str, list[dict[str, Any]]] = {}
    for _, r in indicator_sources().iterrows():
        out[str(r["indicator"])] = [_file_row(files, f) for f in str(r["sources"]).split("; ")
                                    if f]
    return out


def _file_row(files: pd.DataFrame, name: str) -> dict[str, Any]:
    keys = ("publisher", "title", "licence", "open", "link", "attribution", "terms",
            "changes", "reference_period", "first_published")
    if name not in files.index:
        return {"file": name, **dict.fromkeys(keys, "")}
    row = files.loc[name]
    return {"file": name, **{k: (bool(row[k]) if k == "open" else str(row[k])) for k in keys}}


def methodology(source: ServedIndex, *, edition: int | None, view: str | None,
                replications: int) -> dict[str, Any]:
    """The Methodology tab: framework, indicators, method, rank intervals, sources."""
    e, v = source.check(edition, view)
    ed = source.edition(e, v)
    res, spec = ed.baseline, ed.spec
    files = _files(source)
    return {
        "index": source.key, "name": spec.name, "description": spec.description,
        "edition": e, "view": v, "release": ed.release, "licence": ed.licence,
        "views": view_notes(source), "n_ranked": int(res.index.notna().sum()),
        "n_units": len(res.unit_coverage), "lookback": spec.data.lookback,
        "framework": _framework(res), "indicators": _indicator_rows(source, res),
        "denominators": [d.model_dump() for d in spec.denominators],
        "methodology": spec.to_dict().get("methodology", {}),
        "uncertainty": {"factors": default_factor_doc(spec), "replications": replications,
                        "seed": 1, "quantiles": [0.05, 0.95]},
        "sources": [_file_row(files, str(f)) for f in files.index],
        "provenance": {**res.provenance(), "release": ed.release},
    }


def cells(source: ServedIndex, *, edition: int | None, view: str | None) -> dict[str, Any]:
    """Per ranked unit: each indicator's ``[value, year, status, source, files]`` and each
    group's ``[year_min, year_max, n_indicators, observed, imputed, inferred, missing]``.

    ``status`` is a letter: ``o`` observed, ``i`` imputed, ``n`` inferred, ``m`` missing;
    ``files`` index into the payload's ``files`` (the catalogue rows, OGAI only).
    """
    return _cells(source, *source.check(edition, view))


@lru_cache(maxsize=32)
def _cells(source: ServedIndex, edition: int, view: str) -> dict[str, Any]:
    ed = source.edition(edition, view)
    res = ed.baseline
    ogai = _is_ogai(source)
    long = indicator_cells(res, catalogue_lookup if ogai else None)
    files = _files(source)
    from ..ogai.catalogue import source_files

    names: dict[str, int] = {}
    per: dict[str, dict[str, list[Any]]] = {}
    for u, c, val, yr, st, src in long.itertuples(index=False, name=None):
        idx = [names.setdefault(f, len(names)) for f in source_files(src)] if src else []
        per.setdefault(u, {})[c] = [num(val), num(yr), _LETTER[st], src, idx]
    groups: dict[str, dict[str, list[Any]]] = {}
    g = group_cells(res)
    cols = ["year_min", "year_max", "n_indicators", "observed", "imputed", "inferred",
            "missing"]
    for u, c, *vals in g[["unit", "code", *cols]].itertuples(index=False, name=None):
        groups.setdefault(u, {})[c] = [num(x) if isinstance(x, float) else int(x)
                                       for x in vals]
    return {"index": source.key, "edition": edition, "view": view,
            "release": ed.release, "indicators": indicator_meta(res),
            "values": per, "groups": groups,
            "files": [_file_row(files, f) for f in names] if not files.empty else
                     [{"file": f} for f in names]}


def indicator_frame(source: ServedIndex, edition: int, view: str,
                    units: list[str]) -> pd.DataFrame:
    """Wide indicator-level columns for a download: ``<code>_value``, ``<code>_year``,
    ``<code>_status`` per indicator, rows in the order of ``units``."""
    res = source.edition(edition, view).baseline
    long = indicator_cells(res).set_index(["unit", "code"])
    out = {}
    for code in res.spec.indicator_codes:
        part = long.xs(code, level="code").reindex(units)
        out[f"{code}_value"] = part["value"].to_numpy(dtype=float)
        out[f"{code}_year"] = part["year"].astype("Int64").to_numpy()
        out[f"{code}_status"] = part["status"].to_numpy()
    return pd.DataFrame(out)


def long_records(source: ServedIndex, edition: int, view: str) -> list[dict[str, Any]]:
    """Indicator-level rows for a JSON download: unit, code, value, year, status, source."""
    res = source.edition(edition, view).baseline
    long = indicator_cells(res, catalogue_lookup if _is_ogai(source) else None)
    long["year"] = long["year"].astype("Int64")
    return records(long)
