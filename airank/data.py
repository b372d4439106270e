"""Read an indicator table and check it against its spec.

Accepted forms (CSV, Excel, Parquet or a pandas DataFrame):

* long: one row per value, columns ``unit`` (or ``iso3``/``country``/``uCode``),
  ``indicator`` (or ``iCode``/``code``), optional ``year``, ``value`` and ``status``
  (``observed``/``inferred``);
* wide: one row per unit (and year), one column per indicator or denominator code, plus
  optional name, year and unit-group columns.

The cell rules are :mod:`airank.cells`' (each reported in :attr:`Dataset.notes` with
counts); loading is :mod:`airank.tables`'. Duplicate (unit, indicator, year) rows, spec
indicators absent from the data, years that are not whole numbers in 1000-9999 and
unmatched or ambiguous country names are errors; data columns the spec does not use are
listed in the notes and ignored. Every step works on arrays (units and codes as integer
ids, country names matched once each), so 100,000 units x 20 indicators take seconds.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from .countries import country_names
from .errors import DataError, Issue
from .intake import UNIT_COLS, Cells, column_roles
from .spec import IndexSpec
from .tables import load_table

__all__ = ["Dataset", "read_data"]

@dataclass(frozen=True)
class Dataset:
    """A checked table: values by unit, code and year, unit groups and names.

    Attributes
    ----------
    panel : DataFrame
        Long form, columns ``unit``, ``code``, ``year`` (int; 0 when the data had no
        year), ``value`` (float, NaN = missing), ``inferred`` (bool: the value was
        inferred, e.g. a zero from absence in a census-like source, not observed; False
        unless a long table's ``status`` column says so). Indicators and denominators
        alike, sorted by unit, code and year.
    groups : DataFrame
        index: unit; one column per unit-group named in the spec.
    names : dict
        unit -> display name.
    source : str
        Where the table came from.
    hash : str
        SHA-256 of the checked panel, groups and names (the data fingerprint): the same
        for the same data in any format, row or column order.
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
        return list(self._years)

    @cached_property
    def _years(self) -> tuple[int, ...]:
        return tuple(sorted(int(y) for y in self.panel["year"].unique()))

    @cached_property
    def _cube(self) -> tuple[pd.Index, pd.Index, np.ndarray, np.ndarray, np.ndarray]:
        """Dense values and inferred flags (units x codes x years), built once for fast
        edition slicing."""
        p = self.panel
        units, codes = pd.Index(self.units), pd.Index(sorted(p["code"].unique()))
        years = np.array(self.years)
        at = (units.get_indexer(pd.Index(p["unit"])), codes.get_indexer(pd.Index(p["code"])),
              np.searchsorted(years, p["year"].to_numpy()))
        cube = np.full((len(units), len(codes), len(years)), np.nan)
        cube[at] = p["value"].to_numpy(dtype=float)
        flags = np.zeros(cube.shape, dtype=bool)
        if "inferred" in p.columns:
            flags[at] = p["inferred"].to_numpy(dtype=bool)
        return units, codes, years, cube, flags

    def _pick(self, codes: list[str] | tuple[str, ...], year: int | None, lookback: int
              ) -> tuple[pd.Index, np.ndarray, np.ndarray, np.ndarray]:
        """Per unit and code: the latest value within the window, its year, its flag."""
        units, known, years, cube, flags = self._cube
        year = int(years.max()) if year is None else year
        pos = known.get_indexer(pd.Index(list(codes)))
        window = np.flatnonzero((years <= year) & (years >= year - lookback))
        shape = (len(units), len(codes))
        idx = pd.Index(units, name="unit")
        if not window.size:
            return idx, np.full(shape, np.nan), np.full(shape, np.nan), np.zeros(shape, bool)
        sub = cube[:, np.maximum(pos, 0)][:, :, window]
        sub[:, pos < 0, :] = np.nan
        have = ~np.isnan(sub)
        # the last year with a value: argmax over the reversed year axis
        last = sub.shape[2] - 1 - np.argmax(have[:, :, ::-1], axis=2)
        any_ = have.any(axis=2)
        vals = np.where(any_, np.take_along_axis(sub, last[:, :, None], axis=2)[:, :, 0], np.nan)
        yrs = np.where(any_, years[window][last].astype(float), np.nan)
        fl = flags[:, np.maximum(pos, 0)][:, :, window]
        inferred = any_ & np.take_along_axis(fl, last[:, :, None], axis=2)[:, :, 0]
        inferred[:, pos < 0] = False
        return idx, vals, yrs, inferred

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
        values, years, _ = self.select(codes, year=year, lookback=lookback)
        return values, years

    def inferred(self, codes: list[str] | tuple[str, ...], *, year: int | None = None,
                 lookback: int = 0) -> pd.DataFrame:
        """True where the value :meth:`wide` picks was inferred (e.g. a zero from absence
        in a census-like source), not observed. Same shape as its values."""
        return self.select(codes, year=year, lookback=lookback)[2]

    def select(self, codes: list[str] | tuple[str, ...], *, year: int | None = None,
               lookback: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """:meth:`wide`'s values and years and :meth:`inferred`'s flags from one pass."""
        idx, vals, yrs, inf = self._pick(codes, year, lookback)
        cols = pd.Index(list(codes))
        return (pd.DataFrame(vals, index=idx, columns=cols),
                pd.DataFrame(yrs, index=idx, columns=cols),
                pd.DataFrame(inf, index=idx, columns=cols))

    def history(self, codes: list[str] | tuple[str, ...], *, until: int) -> pd.DataFrame:
        """Long rows of ``codes`` for years up to ``until`` (for the 'latest' imputer).

        Selected once per (codes, until); each call gets its own (copy-on-write) view."""
        key = (tuple(codes), int(until))
        rows = self._history.get(key)
        if rows is None:
            p = self.panel
            rows = self._history[key] = p[p["code"].isin(codes) & (p["year"] <= until)
                                          & p["value"].notna()]
        return rows.copy(deep=False)

    @cached_property
    def _history(self) -> dict[tuple[tuple[str, ...], int], pd.DataFrame]:
        return {}


def read_data(source: str | Path | pd.DataFrame, spec: IndexSpec, *,
              aliases: Mapping[str, str] | str | Path | None = None,
              sheet: str | int = 0, groups: pd.DataFrame | None = None) -> Dataset:
    """Read and check an indicator table against ``spec``.

    Parameters
    ----------
    source : path or DataFrame
        ``.csv``/``.tsv``, ``.xlsx``/``.xls``, ``.parquet`` or a DataFrame, long or wide.
    spec : IndexSpec
    aliases : mapping or path, optional
        Country-name overrides (``name -> ISO3``); defaults to the spec's ``units.aliases``.
    sheet : str or int
        Excel sheet, by name or position (default: the first).
    groups : DataFrame, optional
        Unit-group columns (index: unit) when the table itself lacks them.

    Raises
    ------
    DataError
        Listing every problem found.
    """
    table = load_table(source, sheet=sheet, index_names=UNIT_COLS)
    roles = column_roles(table)
    cells = Cells.read(table, roles, spec)
    issues, notes = cells.issues, [*table.notes, *([roles.note] if roles.note else [])]
    wanted = set(spec.indicator_codes) | {d.code for d in spec.denominators}
    issues += _check_codes(cells.present, spec, table.label)
    issues += cells.parse(wanted)
    notes += cells.rules.notes()
    extra = sorted(cells.present - wanted)
    if extra:
        notes.append(f"{len(extra)} data columns/indicators not in the spec were ignored: "
                     f"{extra[:10]}{' ...' if len(extra) > 10 else ''}")
    issues += cells.to_units(spec, aliases)
    grp = cells.groups
    if groups is not None:
        grp = groups.copy()
        grp.index = grp.index.astype(str)
    issues += cells.duplicates()
    issues += _check_groups(grp, spec, table.label)
    title = f"{len(issues)} problem(s) in the data ({table.label})"
    DataError.collect(issues, title + (f"; {roles.note}" if roles.note else ""))
    panel = cells.panel()
    units = cells.units  # sorted, as in the panel
    grp = grp.reindex(units)[list(spec.units.groups)] if spec.units.groups else (
        pd.DataFrame(index=pd.Index(units, name="unit")))
    grp.index.name = "unit"
    names = cells.names
    if spec.units.kind == "country":
        known = country_names(units)
        names = {u: names.get(u) or known[u] for u in units}
    names = {u: str(names.get(u) or u) for u in units}
    return Dataset(panel, grp, names, table.label, _hash(cells, grp, names), tuple(notes))


# -- checks and the hash -------------------------------------------------------------------
def _check_codes(present: set[str], spec: IndexSpec, label: str) -> list[Issue]:
    issues = [Issue((label, code), "missing_indicator",
                    f"The spec's indicator '{code}' is not in the data. Add it, or remove it "
                    "from the spec.", code) for code in spec.indicator_codes if code not in present]
    needed = {spec.indicator(c).denominator for c in spec.indicator_codes} - {None}
    issues += [Issue((label, code), "missing_denominator",
                     f"The denominator '{code}' is not in the data.", code)
               for code in sorted(str(c) for c in needed) if code not in present]
    return issues


def _check_groups(grp: pd.DataFrame, spec: IndexSpec, label: str) -> list[Issue]:
    return [Issue((label, g), "missing_group_column",
                  f"The unit-group column '{g}' named in units.groups is not in the data.", g)
            for g in spec.units.groups if g not in grp.columns]


def _hash(cells: Cells, grp: pd.DataFrame, names: Mapping[str, str]) -> str:
    """SHA-256 over the sorted panel's arrays (little-endian), groups and names.

    Units and codes enter as their sorted distinct spellings plus integer ids, values as
    float64 with one NaN and no negative zero, so equal data give equal bytes whatever
    the row or column order, the platform or the hash seed.
    """
    h = hashlib.sha256()
    h.update(json.dumps([cells.units, cells.codes], ensure_ascii=False).encode())
    values, inferred = cells.sorted_values
    values = np.where(np.isnan(values), np.nan, values) + 0.0
    for arr, dtype in ((cells.sorted_ids[0], "<i8"), (cells.sorted_ids[1], "<i8"),
                       (cells.sorted_ids[2], "<i8"), (values, "<f8"), (inferred, "u1")):
        h.update(np.ascontiguousarray(arr, dtype=dtype).tobytes())
    cols = {str(c): grp[c].astype(object).where(grp[c].notna(), None).map(
        lambda v: v if v is None else str(v)).tolist() for c in grp.columns}
    h.update(json.dumps([list(map(str, grp.index)), cols], ensure_ascii=False).encode())
    h.update(json.dumps(sorted(names.items()), ensure_ascii=False).encode())
    return h.hexdigest()
