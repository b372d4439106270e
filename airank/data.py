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
import weakref
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

__all__ = ["Dataset", "derived_hash", "read_data"]

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
        return list(self._units)

    @cached_property
    def _units(self) -> tuple[str, ...]:
        return tuple(sorted(self.panel["unit"].unique()))

    @property
    def years(self) -> list[int]:
        return list(self._years)

    @cached_property
    def _years(self) -> tuple[int, ...]:
        return tuple(sorted(int(y) for y in self.panel["year"].unique()))

    @cached_property
    def _layout(self) -> tuple[pd.Index, pd.Index, np.ndarray, tuple[np.ndarray, ...]]:
        """The cube's units, codes and years, and each panel row's place in it."""
        p = self.panel
        units, codes = pd.Index(self.units), pd.Index(sorted(p["code"].unique()))
        years = np.array(self.years)
        at = (units.get_indexer(pd.Index(p["unit"])), codes.get_indexer(pd.Index(p["code"])),
              np.searchsorted(years, p["year"].to_numpy()))
        for a in (years, *at):  # shared with the copies made by with_cells
            a.flags.writeable = False
        return units, codes, years, at

    @cached_property
    def _cube(self) -> tuple[pd.Index, pd.Index, np.ndarray, np.ndarray, np.ndarray]:
        """Dense values and inferred flags (units x codes x years), built once for fast
        edition slicing."""
        p = self.panel
        units, codes, years, at = self._layout
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

    # -- copies with some values changed (scenarios) ------------------------------------
    @cached_property
    def _cells(self) -> np.ndarray | None:
        """Each panel row's flat cell in the cube when the panel is canonical (as
        :func:`read_data` leaves it: one row per cell, in cube order); else None."""
        p = self.panel
        if (tuple(p.columns) != ("unit", "code", "year", "value", "inferred")
                or [p[c].dtype for c in ("year", "value", "inferred")] != [
                    np.dtype(np.int64), np.dtype(float), np.dtype(bool)]
                or not isinstance(p.index, pd.RangeIndex)
                or not p.index.equals(pd.RangeIndex(len(p)))):
            return None
        units, codes, years, at = self._layout
        flat = np.ravel_multi_index(at, (len(units), len(codes), len(years)))
        return flat if bool((np.diff(flat) > 0).all()) else None

    @cached_property
    def _row_hashes(self) -> np.ndarray:
        """``pandas.util.hash_pandas_object`` of each panel row (read-only)."""
        out = pd.util.hash_pandas_object(self.panel, index=False).to_numpy()
        out.flags.writeable = False
        return out

    @cached_property
    def _lineage(self) -> tuple[weakref.ref[Dataset], frozenset[str]] | None:
        return None  # a table as read; a copy made by with_cells knows its origin

    def __getstate__(self) -> dict[str, object]:  # the origin is known in-process only
        return {k: v for k, v in self.__dict__.items() if k != "_lineage"}

    def changed_from(self, other: Dataset) -> frozenset[str] | None:
        """The codes whose values may differ from ``other``'s when this dataset is a copy
        of it made by :meth:`with_cells`; None when not known to be (or a copy of one)."""
        lineage = self._lineage
        return lineage[1] if lineage is not None and lineage[0]() is other else None

    def values_at(self, units: pd.Index, codes: pd.Index, years: np.ndarray
                  ) -> np.ndarray | None:
        """The value at (unit, code, year) of every unit x code (``years``: that shape),
        NaN where no such row; None unless the panel is canonical and knows them all."""
        known_u, known_c, grid, _ = self._layout
        ui, ci = known_u.get_indexer(units), known_c.get_indexer(codes)
        if self._cells is None or (ui < 0).any() or (ci < 0).any():
            return None
        yi, ok = _grid_positions(grid, years)
        return np.where(ok, self._cube[3][ui[:, None], ci[None, :], yi], np.nan)

    def with_cells(self, cells: pd.DataFrame, *, source: str, notes: tuple[str, ...]
                   ) -> Dataset | None:
        """A copy with ``cells`` (columns unit, code, year, value; one row per cell)
        written into the panel: a row that exists takes the value and is marked observed,
        a new row goes in its place in order; hash (:func:`derived_hash`), cube and
        history carried over from this dataset's. None when the panel is not canonical
        or a unit or code is new to it (the caller then rewrites the panel)."""
        flat, p = self._cells, self.panel
        units, codes, grid, at = self._layout
        ui = units.get_indexer(pd.Index(cells["unit"]))
        ci = codes.get_indexer(pd.Index(cells["code"]))
        if flat is None or not len(flat) or (ui < 0).any() or (ci < 0).any():
            return None
        year, value = cells["year"].to_numpy(dtype=np.int64), cells["value"].to_numpy(float)
        yi, in_grid = _grid_positions(grid, year)
        key = np.ravel_multi_index((ui, ci, yi), (len(units), len(codes), len(grid)))
        row = np.minimum(np.searchsorted(flat, key), len(flat) - 1)
        found = in_grid & (flat[row] == key)
        vals = p["value"].to_numpy(dtype=float, copy=True)
        flags = p["inferred"].to_numpy(dtype=bool, copy=True)
        vals[row[found]], flags[row[found]] = value[found], False
        panel = p.assign(value=vals, inferred=flags)
        hashes = self._row_hashes.copy()
        hashes[row[found]] = pd.util.hash_pandas_object(panel.iloc[row[found]],
                                                        index=False).to_numpy()
        cached: dict[str, object] = {}
        if found.all():  # the same rows: the cached histories with their values rewritten
            moved = np.isnan(p["value"].to_numpy()[row]) != np.isnan(value)
            cached.update(_layout=self._layout, _history={
                (hc, until): h.assign(value=vals[h.index.to_numpy()],
                                      inferred=flags[h.index.to_numpy()])
                for (hc, until), h in list(self._history.items())  # a snapshot
                if not (moved & np.isin(ci, codes.get_indexer(pd.Index(hc))) & (year <= until)
                        ).any()})
        else:
            order = np.lexsort((np.r_[p["year"].to_numpy(), year[~found]],
                                np.r_[at[1], ci[~found]], np.r_[at[0], ui[~found]]))
            panel, hashes = _inserted(panel, hashes, cells[~found], order)
        out = Dataset(panel, self.groups, dict(self.names), source,
                      derived_hash(self.hash, hashes), notes)
        hashes.flags.writeable = False
        cached.update(_units=self._units, _row_hashes=hashes,
                      _lineage=(weakref.ref(self), frozenset(cells["code"].tolist())))
        if in_grid.all():  # the same grid: this cube with the cells changed
            cube, inferred = self._cube[3].copy(), self._cube[4].copy()
            cube[ui, ci, yi], inferred[ui, ci, yi] = value, False
            cached.update(_years=self._years, _cube=(units, codes, grid, cube, inferred))
        out.__dict__.update(cached)  # its cached properties, known from this dataset
        return out


def _inserted(panel: pd.DataFrame, hashes: np.ndarray, new: pd.DataFrame,
              order: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """``panel`` with the ``new`` cells' rows (observed) appended, then in ``order``, and
    the row hashes alike."""
    add = new.assign(year=new["year"].to_numpy(dtype=np.int64), value=new["value"].to_numpy(
        dtype=float), inferred=False).astype({c: panel[c].dtype for c in ("unit", "code")})
    add = add[list(panel.columns)].reset_index(drop=True)
    out = pd.concat([panel, add], ignore_index=True).take(order).reset_index(drop=True)
    rows = np.r_[hashes, pd.util.hash_pandas_object(add, index=False).to_numpy()][order]
    return out, rows


def _grid_positions(grid: np.ndarray, years: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of ``years`` (any shape, NaN allowed) in the sorted ``grid``, and where
    they are in it (elsewhere the position is 0)."""
    pos = np.minimum(np.searchsorted(grid, years), max(len(grid) - 1, 0))
    ok = (grid[pos] == years) if len(grid) else np.zeros(np.shape(years), bool)
    return np.where(ok, pos, 0), ok


def derived_hash(base: str, row_hashes: np.ndarray) -> str:
    """The hash of a dataset derived from one hashed ``base``: SHA-256 of that hash and
    the panel's row hashes (``pandas.util.hash_pandas_object(panel, index=False)``)."""
    h = hashlib.sha256(base.encode())
    h.update(np.ascontiguousarray(row_hashes, dtype=np.uint64).tobytes())
    return h.hexdigest()


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
