"""COINr's input tables in and out: ``iData`` + ``iMeta`` <-> an airank spec and data table.

COINr (the JRC's R package) describes an index with two tables. ``iMeta`` has one row per
code: ``iCode``, ``iName``, ``Level``, ``Parent``, ``Direction``, ``Weight``, ``Type``
(``Indicator``, ``Aggregate``, ``Group``, ``Denominator`` or ``Other``) and optional
``Unit``, ``Target``, ``Denominator``. ``iData`` has one row per unit (and ``Time``, for a
panel): ``uCode``, ``uName``, the group columns and the indicator and denominator columns.

:func:`from_coinr` turns them into a spec (tree, weights, directions, units, targets,
denominators, unit groups; the methodology given, else airank's defaults) and a wide table
that :func:`airank.read_data` reads; :func:`to_coinr` goes back. The round trip keeps
every value and field COINr has a column for (``Source`` and ``Description`` travel as
extra ``iMeta`` columns, which COINr allows); the methodology, which COINr keeps in its
function calls rather than in the tables, is passed separately.

References
----------
Becker, W., Caperna, G., Del Sorbo, M., Norlén, H., Papadimitriou, E. & Saisana, M.
(2022). COINr: an R package for developing composite indicators. Journal of Open Source
Software 7(78), 4567. COINr ``new_coin()``, ``check_iData()``, ``check_iMeta()`` (v1.1.14).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .data import Dataset
from .errors import DataError, Issue
from .spec import IndexSpec

__all__ = ["from_coinr", "read_coinr", "to_coinr", "write_from_coinr", "write_to_coinr"]

TYPES = ("Indicator", "Aggregate", "Group", "Denominator", "Other")
REQUIRED = ("iCode", "Level", "Parent", "Direction", "Weight", "Type")
#: iMeta columns in COINr's order, then airank's extra ones
META_COLUMNS = ("Level", "iCode", "iName", "Direction", "Weight", "Unit", "Target",
                "Denominator", "Parent", "Type", "Source", "Description")


def read_coinr(idata: str | Path | pd.DataFrame, imeta: str | Path | pd.DataFrame
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two tables, from CSV files (UTF-8) or as given."""
    out = []
    for what, src in (("iData", idata), ("iMeta", imeta)):
        if isinstance(src, pd.DataFrame):
            out.append(src.copy())
            continue
        p = Path(src)
        if not p.is_file():
            raise DataError([Issue((str(p),), "no_file", f"The {what} file '{p}' does not "
                                   "exist.", str(p))])
        kw: dict[str, Any] = {"dtype": {"uCode": str, "uName": str}} if what == "iData" else {
            "dtype": {"iCode": str, "iName": str, "Parent": str, "Type": str, "Unit": str,
                      "Denominator": str}}
        out.append(pd.read_csv(p, keep_default_na=False, na_values=[""], **kw))
    return out[0], out[1]


def from_coinr(idata: str | Path | pd.DataFrame, imeta: str | Path | pd.DataFrame, *,
               name: str = "COINr index", methodology: Mapping[str, Any] | None = None,
               kind: str = "custom") -> tuple[IndexSpec, pd.DataFrame]:
    """A spec and a data table from COINr's ``iData`` and ``iMeta``.

    Parameters
    ----------
    idata, imeta : path or DataFrame
    name : str
        The spec's name.
    methodology : mapping, optional
        The spec's ``methodology`` section (e.g. ``other_spec.to_dict()["methodology"]``);
        default airank's (divide by the denominators, min-max 0-100, arithmetic means).
    kind : {"custom", "country"}
        The units: ``country`` when the uCodes are ISO3 country codes.

    Returns
    -------
    (IndexSpec, DataFrame)
        The DataFrame is ``iData`` with the columns airank reads: ``uCode``, ``uName``,
        the groups, ``Time`` and every indicator and denominator.

    Raises
    ------
    DataError
        Every problem of the tables together: missing columns, unknown types, parents
        or levels that do not fit, codes of iMeta missing from iData.
    """
    data, meta = read_coinr(idata, imeta)
    _check(data, meta)
    doc = _spec_doc(meta, name, kind)
    if methodology is not None:
        doc["methodology"] = dict(methodology)
    spec = IndexSpec.from_dict(doc, source="the spec converted from iMeta")
    keep = [c for c in ("uCode", "uName", *spec.units.groups, "Time") if c in data.columns]
    keep += [*spec.indicator_codes, *(d.code for d in spec.denominators)]
    return spec, data[keep].reset_index(drop=True)


def _check(data: pd.DataFrame, meta: pd.DataFrame) -> None:
    issues = [Issue(("iMeta", c), "missing_column", f"iMeta has no '{c}' column (COINr "
                    f"requires {list(REQUIRED)}).", c) for c in REQUIRED if c not in meta]
    if "uCode" not in data.columns:
        issues.append(Issue(("iData", "uCode"), "missing_column", "iData has no 'uCode' "
                            "column."))
    DataError.collect(issues, f"{len(issues)} problem(s) in the COINr tables")
    codes = meta["iCode"].astype(str)
    issues += [Issue(("iMeta", f"row {i + 2}", "Type"), "unknown_type", f"'{codes[i]}' has "
                     f"Type '{t}'; expected one of {list(TYPES)}.", t)
               for i, t in enumerate(meta["Type"]) if t not in TYPES]
    issues += [Issue(("iMeta", "iCode"), "duplicate_code", f"'{c}' appears more than once.",
                     c) for c in sorted(set(codes[codes.duplicated()]))]
    known = set(codes)
    tree = meta["Type"].isin(["Indicator", "Aggregate"])
    for i in np.flatnonzero(tree.to_numpy()):
        p = meta["Parent"].iloc[i]
        if pd.notna(p) and p not in known:
            issues.append(Issue(("iMeta", f"row {i + 2}", "Parent"), "unknown_parent",
                                f"The parent '{p}' of '{codes[i]}' is not an iCode.", p))
    level = dict(zip(codes, meta["Level"], strict=True))
    for i in np.flatnonzero(tree.to_numpy()):
        p = meta["Parent"].iloc[i]
        if pd.notna(p) and p in level and level[p] != level[codes[i]] + 1:
            issues.append(Issue(("iMeta", f"row {i + 2}", "Level"), "level_gap",
                                f"'{codes[i]}' (Level {level[codes[i]]}) has the parent "
                                f"'{p}' at Level {level[p]}; a parent must be one level "
                                "above.", level[codes[i]]))
    need = meta.loc[meta["Type"].isin(["Indicator", "Denominator", "Group"]), "iCode"]
    issues += [Issue(("iData", c), "missing_column", f"iMeta's '{c}' has no column in "
                     "iData.", c) for c in need if c not in data.columns]
    if "Time" in data.columns and not pd.api.types.is_numeric_dtype(data["Time"]):
        issues.append(Issue(("iData", "Time"), "not_numeric", "iData's Time must hold "
                            "years (numbers).", str(data["Time"].dtype)))
    DataError.collect(issues, f"{len(issues)} problem(s) in the COINr tables")


def _text(v: Any) -> str:
    return "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)


def _num(v: Any) -> float | int:
    f = float(v)
    return int(f) if f.is_integer() else f


def _spec_doc(meta: pd.DataFrame, name: str, kind: str) -> dict[str, Any]:
    rows = [{str(k): v for k, v in r.items()} for r in meta.to_dict("records")]

    def get(r: dict[str, Any], k: str) -> str:
        return _text(r.get(k))

    nodes = []
    aggs = [r for r in rows if r["Type"] == "Aggregate"]
    for r in sorted(aggs, key=lambda r: -float(r["Level"])):  # the index first
        node: dict[str, Any] = {"code": str(r["iCode"]), "name": get(r, "iName")}
        if get(r, "Parent"):
            node.update(parent=get(r, "Parent"), weight=_num(r["Weight"]))
        if get(r, "Description"):
            node["description"] = get(r, "Description")
        nodes.append(node)
    inds = []
    for r in (r for r in rows if r["Type"] == "Indicator"):
        ind: dict[str, Any] = {"code": str(r["iCode"]), "name": get(r, "iName"),
                               "parent": get(r, "Parent"), "weight": _num(r["Weight"]),
                               "direction": int(float(r["Direction"])), "unit": get(r, "Unit")}
        for key, col in (("denominator", "Denominator"), ("source", "Source"),
                         ("description", "Description")):
            if get(r, col):
                ind[key] = get(r, col)
        if get(r, "Target"):
            ind["target"] = _num(r["Target"])
        inds.append(ind)
    dens = [{"code": str(r["iCode"]), "name": get(r, "iName"), "unit": get(r, "Unit")}
            for r in rows if r["Type"] == "Denominator"]
    groups = [str(r["iCode"]) for r in rows if r["Type"] == "Group"]
    return {"name": name, "units": {"kind": kind, "groups": groups}, "denominators": dens,
            "nodes": nodes, "indicators": inds}


def to_coinr(spec: IndexSpec, data: Dataset) -> tuple[pd.DataFrame, pd.DataFrame]:
    """COINr's ``iData`` and ``iMeta`` for a spec and its data.

    ``iData``: one row per unit (per unit and year when the data has years: ``Time``),
    sorted by unit and year, columns ``uCode``, ``uName``, the groups, ``Time``, the
    indicators and the denominators. ``iMeta``: the indicators (Level 1), the groups of
    the tree with their levels, the unit groups and the denominators.
    """
    codes = [*spec.indicator_codes, *(d.code for d in spec.denominators)]
    p = data.panel[data.panel["code"].isin(codes)]
    wide = p.pivot(index=["unit", "year"], columns="code", values="value")
    wide = wide.reindex(columns=codes).sort_index()
    wide.columns.name = None
    years = data.years
    idx = wide.index.to_frame(index=False)
    out = pd.DataFrame({"uCode": idx["unit"], "uName": idx["unit"].map(data.names)})
    for g in spec.units.groups:
        out[g] = idx["unit"].map(data.groups[g]).to_numpy()
    if years != [0]:
        out["Time"] = idx["year"].to_numpy()
    out = pd.concat([out, wide.reset_index(drop=True)], axis=1)
    return out, _meta(spec)


def _meta(spec: IndexSpec) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for c in spec.indicator_codes:
        i = spec.indicator(c)
        rows.append({"Level": 1, "iCode": c, "iName": i.name, "Direction": i.direction,
                     "Weight": i.weight, "Unit": i.unit, "Target": i.target,
                     "Denominator": i.denominator, "Parent": i.parent, "Type": "Indicator",
                     "Source": i.source, "Description": i.description})
    for c in spec.group_codes:
        n = spec.node(c)
        rows.append({"Level": spec.levels[c], "iCode": c, "iName": n.name, "Direction": 1,
                     "Weight": n.weight, "Parent": n.parent, "Type": "Aggregate",
                     "Description": n.description})
    rows += [{"iCode": g, "iName": g, "Type": "Group"} for g in spec.units.groups]
    rows += [{"iCode": d.code, "iName": d.name, "Unit": d.unit, "Type": "Denominator"}
             for d in spec.denominators]
    meta = pd.DataFrame(rows, columns=list(META_COLUMNS))
    meta["Level"] = meta["Level"].astype("Int64")
    meta["Direction"] = meta["Direction"].astype("Int64")
    for c in ("Source", "Description", "Target", "Denominator", "Unit"):
        col = meta[c].replace("", np.nan)
        if col.isna().all():
            meta = meta.drop(columns=c)
    return meta


def _csv(frame: pd.DataFrame) -> str:
    buf = io.StringIO()
    frame.to_csv(buf, index=False, lineterminator="\n")  # floats as repr: exact
    return buf.getvalue()


def write_from_coinr(idata: str | Path | pd.DataFrame, imeta: str | Path | pd.DataFrame,
                     folder: str | Path, **kw: Any) -> list[Path]:
    """:func:`from_coinr`, written as ``folder/spec.yaml`` and ``folder/data.csv``
    (atomically, with a manifest)."""
    from . import __version__
    from .output import write_folder

    spec, data = from_coinr(idata, imeta, **kw)
    head = ("# Converted from COINr's iData and iMeta by airank from-coinr. The data "
            "file is data.csv.\n")
    manifest = {"airank_version": __version__, "converted_from": "COINr iData + iMeta",
                "n_units": int(data["uCode"].nunique()), "spec_hash": spec.fingerprint()}
    return write_folder(folder, {"spec.yaml": head + spec.to_yaml(), "data.csv": _csv(data)},
                        manifest=manifest)


def write_to_coinr(spec: IndexSpec, data: Dataset, folder: str | Path) -> list[Path]:
    """:func:`to_coinr`, written as ``folder/iData.csv`` and ``folder/iMeta.csv``."""
    from . import __version__
    from .output import write_folder

    idata, imeta = to_coinr(spec, data)
    manifest = {"airank_version": __version__, "converted_to": "COINr iData + iMeta",
                "spec_hash": spec.fingerprint(), "data_hash": data.hash}
    return write_folder(folder, {"iData.csv": _csv(idata), "iMeta.csv": _csv(imeta)},
                        manifest=manifest)
