"""Read an indicator table and check it against its spec.

Accepted forms (CSV, Excel, Parquet or a pandas DataFrame):

* long: one row per value, columns ``unit`` (or ``iso3``/``country``/``uCode``),
  ``indicator``, optional ``year``, ``value``;
* wide: one row per unit (and year), one column per indicator or denominator code, plus
  optional name, year and unit-group columns.

Cell rules, each reported in :attr:`Dataset.notes` (counts and examples): empty cells and
the markers ``n/a``, ``NA``, ``..``, ``-``, ``—`` are missing; thousands separators
(``1,234``) are removed; a trailing ``%`` is dropped (the value stays in percent). Any
other text, and ±inf, is an error naming the cell. Duplicate (unit, indicator, year) rows,
spec indicators absent from the data and unmatched or ambiguous country names are errors;
data columns the spec does not use are listed in the notes and ignored.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .countries import country_names, load_aliases, reconcile
from .errors import DataError, Issue
from .spec import IndexSpec

__all__ = ["Dataset", "read_data"]

_UNIT_COLS = ("unit", "iso3", "uCode", "code", "country", "Country", "unit_code")
_NAME_COLS = ("name", "uName", "unit_name", "country_name")
_YEAR_COLS = ("year", "Year", "Time", "time")
_INDICATOR_COLS = ("indicator", "iCode", "code")
_MISSING = {"", "n/a", "na", "nan", "null", "none", "..", "...", "-", "—", "–", "#n/a"}
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_MAX_SHOWN = 5


@dataclass(frozen=True)
class Dataset:
    """A checked table: values by unit, code and year, unit groups and names.

    Attributes
    ----------
    panel : DataFrame
        Long form, columns ``unit``, ``code``, ``year`` (int; 0 when the data had no
        year), ``value`` (float, NaN = missing). Indicators and denominators alike.
    groups : DataFrame
        index: unit; one column per unit-group named in the spec.
    names : dict
        unit -> display name.
    source : str
        Where the table came from.
    hash : str
        SHA-256 of the checked panel, groups and names (the data fingerprint).
    notes : tuple of str
        The cell rules applied and what was ignored, with counts.
    """

    panel: pd.DataFrame
    groups: pd.DataFrame
    names: dict[str, str]
    source: str = "DataFrame"
    hash: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def units(self) -> list[str]:
        return sorted(self.panel["unit"].unique())

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.panel["year"].unique())

    @cached_property
    def _cube(self) -> tuple[pd.Index, pd.Index, np.ndarray, np.ndarray]:
        """Dense values (units x codes x years), built once for fast edition slicing."""
        p = self.panel
        units, codes = pd.Index(self.units), pd.Index(sorted(p["code"].unique()))
        years = np.array(self.years)
        cube = np.full((len(units), len(codes), len(years)), np.nan)
        cube[units.get_indexer(pd.Index(p["unit"])), codes.get_indexer(pd.Index(p["code"])),
             np.searchsorted(years, p["year"].to_numpy())] = p["value"].to_numpy(dtype=float)
        return units, codes, years, cube

    def wide(self, codes: list[str] | tuple[str, ...], *, year: int | None = None,
             lookback: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Values at ``year`` (latest when None), each the latest within ``lookback`` years.

        Returns
        -------
        values : DataFrame
            index: unit (all units of the data, sorted); columns: ``codes``.
        years : DataFrame
            Same shape: the year each value comes from (NaN where missing).
        """
        units, known, years, cube = self._cube
        year = int(years.max()) if year is None else year
        pos = known.get_indexer(pd.Index(list(codes)))
        window = np.flatnonzero((years <= year) & (years >= year - lookback))
        sub = cube[:, np.maximum(pos, 0)][:, :, window]
        sub[:, pos < 0, :] = np.nan
        have = ~np.isnan(sub)
        # the last year with a value: argmax over the reversed year axis
        last = sub.shape[2] - 1 - np.argmax(have[:, :, ::-1], axis=2) if sub.shape[2] else None
        idx = pd.Index(units, name="unit")
        if last is None:
            empty = np.full((len(units), len(codes)), np.nan)
            return (pd.DataFrame(empty, index=idx, columns=list(codes)),
                    pd.DataFrame(empty.copy(), index=idx, columns=list(codes)))
        any_ = have.any(axis=2)
        vals = np.take_along_axis(sub, last[:, :, None], axis=2)[:, :, 0]
        yrs = years[window][last].astype(float)
        vals = np.where(any_, vals, np.nan)
        yrs = np.where(any_, yrs, np.nan)
        return (pd.DataFrame(vals, index=idx, columns=list(codes)),
                pd.DataFrame(yrs, index=idx, columns=list(codes)))

    def history(self, codes: list[str] | tuple[str, ...], *, until: int) -> pd.DataFrame:
        """Long rows of ``codes`` for years up to ``until`` (for the 'latest' imputer)."""
        p = self.panel
        return p[p["code"].isin(codes) & (p["year"] <= until) & p["value"].notna()]


def read_data(source: str | Path | pd.DataFrame, spec: IndexSpec, *,
              aliases: Mapping[str, str] | str | Path | None = None,
              sheet: str | int = 0, groups: pd.DataFrame | None = None) -> Dataset:
    """Read and check an indicator table against ``spec``.

    Parameters
    ----------
    source : path or DataFrame
        ``.csv``, ``.xlsx``/``.xls``, ``.parquet`` or a DataFrame, in long or wide form.
    spec : IndexSpec
    aliases : mapping or path, optional
        Country-name overrides (``name -> ISO3``); defaults to the spec's ``units.aliases``.
    sheet : str or int
        Excel sheet.
    groups : DataFrame, optional
        Unit-group columns (index: unit) when the table itself lacks them.

    Raises
    ------
    DataError
        Listing every problem found.
    """
    label = str(source) if not isinstance(source, pd.DataFrame) else "DataFrame"
    long, names, grp, issues = _to_long(_load(source, sheet), spec, label)
    wanted = set(spec.indicator_codes) | {d.code for d in spec.denominators}
    issues += _check_codes(set(long["code"]), spec, label)
    extra = sorted(set(long["code"]) - wanted)
    long = long[long["code"].isin(wanted)].reset_index(drop=True)
    long["value"], more, notes = _parse_values(long, label)
    issues += more
    if extra:
        notes.append(f"{len(extra)} data columns/indicators not in the spec were ignored: "
                     f"{extra[:10]}{' ...' if len(extra) > 10 else ''}")
    if spec.units.kind == "country":
        long, names, grp, more = _to_iso3(long, names, grp, spec, aliases, label)
        issues += more
    if groups is not None:
        grp = groups.copy()
        grp.index = grp.index.astype(str)
    issues += _check_duplicates(long, label)
    issues += _check_groups(grp, spec, label)
    DataError.collect(issues, f"{len(issues)} problem(s) in the data ({label})")
    long = long[["unit", "code", "year", "value"]].sort_values(["unit", "code", "year"])
    long = long.reset_index(drop=True)
    units = sorted(long["unit"].unique())
    grp = grp.reindex(units)[list(spec.units.groups)] if spec.units.groups else (
        pd.DataFrame(index=pd.Index(units, name="unit")))
    grp.index.name = "unit"
    if spec.units.kind == "country":
        known = country_names(units)
        names = {u: names.get(u) or known[u] for u in units}
    names = {u: str(names.get(u) or u) for u in units}
    return Dataset(long, grp, names, label, _hash(long, grp, names), tuple(notes))


# -- loading -----------------------------------------------------------------
def _load(source: str | Path | pd.DataFrame, sheet: str | int) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        frame = source.copy()
        if frame.index.name in _UNIT_COLS:  # units as the index, e.g. after set_index("iso3")
            frame = frame.reset_index()
        return frame
    p = Path(source)
    if not p.is_file():
        raise DataError([Issue((str(p),), "no_file", f"Data file '{p}' does not exist.")])
    suffix = p.suffix.lower()
    # keep_default_na=False: "NA" is Namibia's ISO2 code; our own cell rules find missing
    try:
        if suffix in (".csv", ".txt", ".tsv"):
            return pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                               sep="\t" if suffix == ".tsv" else ",")
        if suffix in (".xlsx", ".xls", ".xlsm"):
            return pd.read_excel(p, sheet_name=sheet, dtype=object, keep_default_na=False)
        if suffix == ".parquet":
            return pd.read_parquet(p)
    except (ValueError, OSError, ImportError, KeyError, zipfile.BadZipFile) as exc:
        raise DataError([Issue((str(p),), "unreadable", f"Cannot read '{p}': {exc}")]) from None
    raise DataError([Issue((str(p),), "bad_format",
                           f"Unknown data format '{suffix}'. Expected .csv, .tsv, .xlsx, .xls "
                           "or .parquet.", suffix)])


def _first(cols: list[str], options: tuple[str, ...]) -> str | None:
    return next((c for c in options if c in cols), None)


def _to_long(frame: pd.DataFrame, spec: IndexSpec, label: str
             ) -> tuple[pd.DataFrame, dict[str, str], pd.DataFrame, list[Issue]]:
    """Columns ``unit, code, year, raw, row, col`` (raw cells as read), names, groups."""
    frame.columns = [str(c).strip() for c in frame.columns]
    cols = list(frame.columns)
    ucol = _first(cols, _UNIT_COLS)
    if ucol is None:
        raise DataError([Issue((label,), "missing_column",
                               f"No unit column found. Expected one of {list(_UNIT_COLS)}; "
                               f"got columns {cols[:12]}.")])
    ycol = _first(cols, _YEAR_COLS)
    ncol = _first([c for c in cols if c != ucol], _NAME_COLS)
    icol = _first([c for c in cols if c != ucol], _INDICATOR_COLS) if "value" in cols else None
    frame = frame.reset_index(drop=True)
    frame["__row"] = np.arange(len(frame)) + 2  # spreadsheet row (header is row 1)
    issues: list[Issue] = []
    blank = frame[ucol].isna().to_numpy() | (frame[ucol].astype(str).str.strip() == "").to_numpy()
    if blank.any():
        rows = frame.loc[blank, "__row"].tolist()
        issues.append(Issue((label, ucol), "missing_unit",
                            f"{len(rows)} rows have no unit in column '{ucol}' ({_rows(rows)}). "
                            "Fill them in or remove the rows.", rows[:20]))
        frame = frame[~blank].reset_index(drop=True)
    if ycol is None:
        frame["__year"] = 0
    else:
        yr = pd.to_numeric(frame[ycol], errors="coerce")
        for i in np.flatnonzero((yr.isna() | (yr % 1 != 0)).to_numpy()).tolist():
            issues.append(Issue((label, f"row {frame.at[i, '__row']!s}", ycol), "bad_year",
                                f"The year must be a whole number. Got {frame.at[i, ycol]!r}.",
                                str(frame.at[i, ycol])))
        frame["__year"] = yr.fillna(0).astype(int)
    frame[ucol] = frame[ucol].astype(str).str.strip()
    names = {} if ncol is None else {u: str(n) for u, n in zip(frame[ucol], frame[ncol],
                                                                 strict=True) if pd.notna(n)}
    gcols = [g for g in spec.units.groups if g in cols]
    grp = frame.drop_duplicates(ucol).set_index(ucol)[gcols].astype(object)
    # an empty group cell is a unit without a group, not a group called "" or "nan"
    grp = grp.map(lambda v: None if v is None or str(v).strip().lower() in ("", "nan")
                  else str(v).strip())
    if icol is not None:
        long = pd.DataFrame({"unit": frame[ucol], "code": frame[icol].astype(str).str.strip(),
                             "year": frame["__year"], "raw": frame["value"],
                             "row": frame["__row"], "col": "value"})
    else:
        skip = {ucol, ycol, ncol, "__row", "__year", *gcols}
        vcols = [c for c in cols if c not in skip]
        long = frame.melt(id_vars=[ucol, "__year", "__row"], value_vars=vcols,
                          var_name="code", value_name="raw")
        long = long.rename(columns={ucol: "unit", "__year": "year", "__row": "row"})
        long["col"] = long["code"]
    return long, names, grp, issues


def _rows(rows: list[Any]) -> str:
    """'row 4' or 'rows 2, 3, ...' (ten at most shown)."""
    more = f" and {len(rows) - 10} more" if len(rows) > 10 else ""
    return f"row{'s' if len(rows) > 1 else ''} " + ", ".join(map(str, rows[:10])) + more


def _parse_values(long: pd.DataFrame, label: str) -> tuple[np.ndarray, list[Issue], list[str]]:
    """Cells -> floats by the stated rules; the notes count what each rule did."""
    raw = long["raw"]
    num = pd.to_numeric(raw, errors="coerce").astype(float)
    issues: list[Issue] = []
    notes: list[str] = []
    todo = num.isna() & raw.notna()
    text = raw[todo].astype(str).str.strip()
    missing = text.str.lower().isin(_MISSING)
    n_missing = int(missing.sum() + raw.isna().sum())
    if n_missing:
        ex = sorted(set(text[missing]) - {""})
        notes.append(f"{n_missing} empty or missing-marker cells read as missing"
                     + (f" (markers: {ex[:_MAX_SHOWN]})" if ex else ""))
    rest = text[~missing]
    thousands = rest.str.match(_THOUSANDS)
    if thousands.any():
        num.loc[rest.index[thousands]] = rest[thousands].str.replace(",", "").astype(float)
        notes.append(f"{int(thousands.sum())} cells with thousands separators read as numbers "
                     f"(e.g. {rest[thousands].iloc[0]!r})")
    rest = rest[~thousands]
    pct = rest.str.endswith("%")
    pct_text = rest[pct].str[:-1].str.strip()  # thousands separators only, not "1,5%"
    pct_text = pct_text.where(~pct_text.str.match(_THOUSANDS), pct_text.str.replace(",", ""))
    pct_num = pd.to_numeric(pct_text, errors="coerce")
    good = pct_num.notna()
    if good.any():
        num.loc[pct_num.index[good]] = pct_num[good].astype(float)
        notes.append(f"{int(good.sum())} cells with a trailing '%' read as percent values "
                     f"(e.g. {rest[pct][good].iloc[0]!r} -> {pct_num[good].iloc[0]:g})")
    bad = rest.drop(pct_num.index[good])
    for i in bad.index:
        issues.append(Issue((label, f"row {long.at[i, 'row']!s}", str(long.at[i, "col"])),
                            "non_numeric", f"Expected a number for unit '{long.at[i, 'unit']!s}', "
                            f"indicator '{long.at[i, 'code']!s}'. Got {bad[i]!r}.", bad[i]))
    inf = np.isinf(num.to_numpy())
    for i in long.index[inf]:
        issues.append(Issue((label, f"row {long.at[i, 'row']!s}", str(long.at[i, "col"])),
                            "infinite", f"Infinite value for unit '{long.at[i, 'unit']!s}', "
                            f"indicator '{long.at[i, 'code']!s}'. Expected a finite number or an "
                            f"empty cell. Got {str(raw[i]).strip()!r}.", str(num[i])))
    return num.to_numpy(), issues, notes


# -- checks ------------------------------------------------------------------
def _to_iso3(long: pd.DataFrame, names: dict[str, str], grp: pd.DataFrame, spec: IndexSpec,
             aliases: Mapping[str, str] | str | Path | None, label: str
             ) -> tuple[pd.DataFrame, dict[str, str], pd.DataFrame, list[Issue]]:
    if aliases is None and spec.units.aliases:
        aliases = spec.resolve_path(spec.units.aliases)
    table = load_aliases(aliases) if isinstance(aliases, (str, Path)) else dict(aliases or {})
    rec = reconcile(long["unit"].unique(), aliases=table)
    rows = long.groupby("unit")["row"].unique()
    issues = [Issue((label, "unit"), "unmatched_unit",
                    f"'{n}' ({_rows(sorted(rows[n]))}) matches no country. Add it to the "
                    "alias file (name,iso3) or fix the name.", n) for n in rec.unmatched]
    issues += [Issue((label, "unit"), "ambiguous_unit",
                     f"'{n}' ({_rows(sorted(rows[n]))}) matches several countries "
                     f"{list(c)}. Add it to the alias file.", n)
               for n, c in rec.ambiguous.items()]
    long = long.assign(unit=long["unit"].map(rec.mapping))
    long = long[long["unit"].notna()]
    names = {rec.mapping[k]: v for k, v in names.items() if k in rec.mapping}
    grp = grp[grp.index.isin(list(rec.mapping))]
    grp.index = grp.index.map(rec.mapping)
    grp = grp[~grp.index.duplicated()]
    return long, names, grp, issues


def _check_codes(present: set[str], spec: IndexSpec, label: str) -> list[Issue]:
    issues = []
    for code in spec.indicator_codes:
        if code not in present:
            issues.append(Issue((label, code), "missing_indicator",
                                f"The spec's indicator '{code}' is not in the data. Add it, "
                                "or remove it from the spec.", code))
    needed = {spec.indicator(c).denominator for c in spec.indicator_codes} - {None}
    for code in sorted(str(c) for c in needed):
        if code not in present:
            issues.append(Issue((label, code), "missing_denominator",
                                f"The denominator '{code}' is not in the data.", code))
    return issues


def _check_duplicates(long: pd.DataFrame, label: str) -> list[Issue]:
    """One issue per unit, year and set of rows, naming the indicators they repeat."""
    dup = long[long.duplicated(["unit", "code", "year"], keep=False)]
    found: dict[tuple[Any, ...], list[str]] = {}
    for (unit, code, year), rows in dup.groupby(["unit", "code", "year"], sort=True):
        found.setdefault((unit, year, tuple(rows["row"])), []).append(str(code))
    issues = []
    for (unit, year, rows), codes in found.items():
        what = f"indicator '{codes[0]}'" if len(codes) == 1 else f"indicators {codes}"
        issues.append(Issue((label, str(unit), *codes[:1]), "duplicate_row",
                            f"{len(rows)} rows for unit '{unit}'" + (f", year {year}" if year
                                                                     else "")
                            + f", {what}: {_rows(list(rows))}. Expected one.",
                            list(rows)))
    return issues


def _check_groups(grp: pd.DataFrame, spec: IndexSpec, label: str) -> list[Issue]:
    return [Issue((label, g), "missing_group_column",
                  f"The unit-group column '{g}' named in units.groups is not in the data.", g)
            for g in spec.units.groups if g not in grp.columns]


def _hash(long: pd.DataFrame, grp: pd.DataFrame, names: Mapping[str, Any]) -> str:
    h = hashlib.sha256()
    h.update(long.to_csv(index=False, float_format="%.17g").encode())
    h.update(grp.to_csv().encode())
    h.update(repr(sorted(names.items())).encode())
    return h.hexdigest()
