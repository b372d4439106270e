"""A data table as arrays: which column is what, and every cell of a spec code.

The working half of :func:`airank.read_data`. Units and indicator codes become integer
ids into their distinct spellings (each spelling stripped, matched to a country and
reported once), the cells of the codes the spec uses become one float array, and the
(unit, code, year) order, the duplicate check and the panel all come from one sort of
those ids. No Python loop runs per cell.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .cells import (
    CellRules,
    cell_issues,
    hashable,
    parse_status,
    parse_values,
    parse_years,
)
from .countries import country_names, load_aliases, reconcile
from .errors import DataError, Issue
from .spec import IndexSpec
from .tables import Table

__all__ = ["UNIT_COLS", "Cells", "Roles", "column_roles"]

UNIT_COLS = ("unit", "iso3", "uCode", "code", "country", "Country", "unit_code")
_NAME_COLS = ("name", "uName", "unit_name", "country_name")
_YEAR_COLS = ("year", "Year", "Time", "time")
_INDICATOR_COLS = ("indicator", "iCode", "code")
_STATUS_COLS = ("status", "inferred")


@dataclass(frozen=True)
class Roles:
    """Which column is what. ``indicator`` is None for a wide table."""

    unit: str
    indicator: str | None
    year: str | None
    name: str | None
    status: str | None
    note: str  # said when a column name could have meant another role


def _first(cols: list[str], options: tuple[str, ...]) -> str | None:
    return next((c for c in options if c in cols), None)


def column_roles(table: Table) -> Roles:
    """A table with ``value`` and an indicator column is long; ``code`` is the indicator
    there (when no ``indicator``/``iCode``) and a unit column only in a wide table."""
    cols = list(table.frame.columns)
    long = "value" in cols and _first(cols, _INDICATOR_COLS) is not None
    icol = _first(cols, _INDICATOR_COLS) if long else None
    ucol = _first([c for c in cols if c != icol], UNIT_COLS)
    others = [c for c in cols if c in UNIT_COLS and c not in (ucol, icol)]
    note = ""
    if others or (icol is not None and icol in UNIT_COLS):
        note = (f"columns read as: unit {ucol!r}, " + (f"indicator {icol!r}, value 'value' "
                "(a long table)" if icol else "one column per indicator (a wide table)")
                + (f"; not read as the unit: {others}" if others else ""))
    if ucol is None:
        why = (f" ({icol!r} was taken as the indicator column: with a 'value' column the "
               "table is read as long.)" if icol in UNIT_COLS else "")
        if len(cols) == 1 and ";" in cols[0]:
            why += (" The header looks separated by ';': airank reads ',' (tab in .tsv "
                    "files). Save the table with commas.")
        if len(table.sheets) > 1:
            why += (f" This is sheet {table.sheet!r} of a workbook with sheets "
                    f"{list(table.sheets)}: pass sheet= (airank: --sheet) to read another.")
        raise DataError([Issue((table.label,), "missing_column",
                               f"No unit column found. Expected one of {list(UNIT_COLS)}; "
                               f"got columns {cols[:12]}.{why}")])
    name = _first([c for c in cols if c not in (ucol, icol)], _NAME_COLS)
    status = _first(cols, _STATUS_COLS) if long else None
    return Roles(ucol, icol, _first(cols, _YEAR_COLS), name, status, note)


# -- the table as arrays ---------------------------------------------------------------------
class Cells:
    """The table's cells as arrays: units as ids into their distinct spellings, one entry
    per cell of a code the spec uses (after :meth:`parse`), final unit ids (after
    :meth:`to_units`)."""

    def __init__(self, table: Table, roles: Roles, frame: pd.DataFrame,
                 issues: list[Issue]) -> None:
        self.label, self.roles, self.frame, self.issues = table.label, roles, frame, issues
        self.rows = np.arange(len(frame)) + 2  # spreadsheet rows: the header is row 1
        self.rules = CellRules()
        self.uid = np.zeros(0, dtype=np.int64)
        self.uniq = np.zeros(0, dtype=object)
        self.years = np.zeros(len(frame), dtype=np.int64)
        self.inferred = np.zeros(len(frame), dtype=bool)
        self.present: set[str] = set()
        self.names: dict[str, str] = {}
        self.groups = pd.DataFrame()
        self.codes: list[str] = []
        self.cell_row = self.cid = np.zeros(0, dtype=np.int64)
        self.values = np.zeros(0)
        self.fid_of = np.zeros(0, dtype=np.int64)
        self.funiq = np.zeros(0, dtype=object)
        self._sorted: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None
        self._codes: tuple[np.ndarray, np.ndarray] | None = None
        # set by panel(), read by the hash: the units with cells, the sorted arrays
        self.units: list[str] = []
        self.sorted_ids: tuple[np.ndarray, np.ndarray, np.ndarray] = (self.cid,) * 3
        self.sorted_values: tuple[np.ndarray, np.ndarray] = (self.values, self.inferred)

    @classmethod
    def read(cls, table: Table, roles: Roles, spec: IndexSpec) -> Cells:
        """Units, years, statuses, names and groups by row; empty-unit rows reported."""
        frame = table.frame.reset_index(drop=True)
        # distinct spellings first (a long table repeats each unit many times)
        uid, uniq = pd.factorize(hashable(frame[roles.unit]), use_na_sentinel=False)
        spelt = pd.Series(np.asarray(uniq, dtype=object)).astype("str").str.strip()
        sid, distinct = pd.factorize(spelt.fillna(""))
        uid = sid[uid]
        stripped = np.asarray(distinct, dtype=object)
        blank = stripped[uid] == ""
        issues: list[Issue] = []
        if blank.any():
            rows = (np.flatnonzero(blank) + 2).tolist()
            issues.append(Issue((table.label, roles.unit), "missing_unit",
                                f"{len(rows)} rows have no unit in column '{roles.unit}' "
                                f"({_rows(rows)}). Fill them in or remove the rows.", rows[:20]))
        if not len(frame):
            issues.append(Issue((table.label,), "no_rows", "The table has a header but no "
                                "rows of data."))
        cells = cls(table, roles, frame, issues)
        if blank.any():
            cells.rows, uid = cells.rows[~blank], uid[~blank]
            cells.frame = frame[~blank].reset_index(drop=True)
        left, used = pd.factorize(uid)  # ids of the spellings left, in order of appearance
        cells.uid, cells.uniq = left.astype(np.int64), stripped[np.asarray(used)]
        cells._by_row(spec)
        return cells

    def _by_row(self, spec: IndexSpec) -> None:
        """Years, statuses, the codes present, names and groups."""
        roles, issues, f = self.roles, self.issues, self.frame
        self.years = np.zeros(len(f), dtype=np.int64)
        self.inferred = np.zeros(len(f), dtype=bool)
        if roles.year is not None:
            self.years, more = parse_years(f[roles.year], self.rows, self.label, roles.year)
            issues += more
        if roles.status is not None:
            self.inferred, more = parse_status(f[roles.status], self.rows, self.label,
                                               roles.status)
            issues += more
        if roles.indicator is not None:
            self.present = {str(c) for c in self._long_codes()[1]} - {""}
        else:
            self.present = set(self._wide_columns(spec))
        self._names_and_groups(spec)

    def _long_codes(self) -> tuple[np.ndarray, np.ndarray]:
        """A long table's indicator column: an id per row into its distinct codes."""
        if self._codes is None:
            ids, uniq = pd.factorize(hashable(self.frame[str(self.roles.indicator)]),
                                     use_na_sentinel=False)
            text = pd.Series(np.asarray(uniq, dtype=object)).astype("str").fillna("")
            sid, names = pd.factorize(text.str.strip())
            self._codes = (sid[ids], np.asarray(names, dtype=object))
        return self._codes

    def _wide_columns(self, spec: IndexSpec) -> list[str]:
        r = self.roles
        skip = {r.unit, r.year, r.name, *spec.units.groups}
        return [c for c in self.frame.columns if c not in skip]

    def _names_and_groups(self, spec: IndexSpec) -> None:
        f = self.frame
        if self.roles.name is not None:
            col = f[self.roles.name]
            ok = col.notna().to_numpy()
            last = pd.Series(col.to_numpy()[ok], index=self.uid[ok]).groupby(level=0).last()
            self.names = {str(self.uniq[int(i)]): str(n)  # type: ignore[call-overload]
                          for i, n in last.items()}
        gcols = [g for g in spec.units.groups if g in f.columns]
        first = np.unique(self.uid, return_index=True)[1]
        grp = f.iloc[first][gcols].astype(object)
        grp.index = pd.Index(self.uniq[self.uid[first]])
        # an empty group cell is a unit without a group, not a group called "" or "nan"
        self.groups = grp.map(lambda v: None if v is None or str(v).strip().lower() in (
            "", "nan") else str(v).strip())

    def parse(self, wanted: set[str]) -> list[Issue]:
        """The cells of ``wanted`` codes to floats; one issue per bad cell."""
        if self.roles.indicator is not None:
            return self._parse_long(wanted)
        cols = [c for c in self._present_columns() if c in wanted]
        self.codes = sorted(cols)
        n, issues = len(self.frame), []
        values, cids = [], []
        for col in cols:
            parsed = parse_values(self.frame[col], self.rules)
            values.append(parsed.values)
            cids.append(self.codes.index(col))
            if parsed.bad.size or parsed.inf.size:
                issues += cell_issues(self.label, parsed, self.rows, np.full(n, col, dtype=object),
                                      self.uniq[self.uid], np.full(n, col, dtype=object))
        self.values = np.concatenate(values) if values else np.zeros(0)
        self.cid = np.repeat(np.array(cids, dtype=np.int64), n)
        self.cell_row = np.tile(np.arange(n), len(cols))
        return issues

    def _present_columns(self) -> list[str]:
        """A wide table's value columns, in the table's order."""
        return [c for c in self.frame.columns if c in self.present]

    def _parse_long(self, wanted: set[str]) -> list[Issue]:
        ids, names = self._long_codes()
        keep = np.isin(names, sorted(wanted))
        self.codes = sorted(str(c) for c in names[keep])
        rank = np.full(len(names), -1, dtype=np.int64)
        rank[np.flatnonzero(keep)] = [self.codes.index(str(c)) for c in names[keep]]
        sel = np.flatnonzero(keep[ids])
        self.cid, self.cell_row = rank[ids[sel]], sel
        parsed = parse_values(self.frame["value"].iloc[sel], self.rules)
        self.values = parsed.values
        if not (parsed.bad.size or parsed.inf.size):
            return []
        return cell_issues(self.label, parsed, self.rows[sel],
                           np.full(sel.size, "value", dtype=object),
                           self.uniq[self.uid[sel]], names[ids[sel]])

    def to_units(self, spec: IndexSpec, aliases: Mapping[str, str] | str | Path | None
                 ) -> list[Issue]:
        """Unit spellings -> final codes (ISO3 for countries), each spelling matched once."""
        issues: list[Issue] = []
        final = self.uniq
        if spec.units.kind == "country":
            final, issues = self._iso3(spec, aliases)
        fid, funiq = pd.factorize(final, sort=True)  # unmatched (None) -> -1
        self.fid_of, self.funiq = fid.astype(np.int64), np.asarray(funiq, dtype=object)
        if spec.units.kind == "country":
            self.names = {str(funiq[fid[i]]): n for i, n in enumerate(
                self.names.get(str(u)) for u in self.uniq) if n is not None and fid[i] >= 0}
            g = self.groups[fid >= 0]
            g.index = pd.Index(self.funiq[fid[fid >= 0]])
            self.groups = g[~g.index.duplicated()]
        return issues

    def _iso3(self, spec: IndexSpec, aliases: Mapping[str, str] | str | Path | None
              ) -> tuple[np.ndarray, list[Issue]]:
        if aliases is None and spec.units.aliases:
            aliases = spec.resolve_path(spec.units.aliases)
        table = load_aliases(aliases) if isinstance(aliases, (str, Path)) else dict(aliases or {})
        rec = reconcile([str(u) for u in self.uniq], aliases=table)
        rows = self._rows_of([*rec.unmatched, *rec.ambiguous])
        issues = [Issue((self.label, "unit"), "unmatched_unit",
                        f"'{n}' ({_rows(rows[n])}) matches no country. Add it to the "
                        "alias file (name,iso3) or fix the name.", n) for n in rec.unmatched]
        for n, c in rec.ambiguous.items():
            named = ", ".join(country_names(c).values())
            issues.append(Issue((self.label, "unit"), "ambiguous_unit",
                                f"'{n}' ({_rows(rows[n])}) matches several countries "
                                f"{list(c)} ({named}). Use a code, or add it to the alias "
                                "file.", n))
        final = np.array([rec.mapping.get(str(u)) for u in self.uniq], dtype=object)
        return final, issues

    def _rows_of(self, names: list[str]) -> dict[str, list[int]]:
        """Spreadsheet rows of each unit spelling in ``names``."""
        pos = {n: i for i, n in enumerate(self.uniq)}
        ids = np.array([pos[n] for n in names], dtype=np.int64)
        hit = np.isin(self.uid, ids)
        by = pd.Series(self.rows[hit]).groupby(self.uid[hit]).agg(list)
        return {str(self.uniq[int(i)]): sorted(r)  # type: ignore[call-overload]
                for i, r in by.items()}

    def _sort(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Cells in (unit, code, year) order: the order, and final unit ids, code ids and
        years in that order (computed once, after :meth:`to_units`)."""
        if self._sorted is None:
            fid = self.fid_of[self.uid[self.cell_row]]
            years = self.years[self.cell_row]
            order = np.lexsort((years, self.cid, fid))
            self._sorted = (order, fid[order], self.cid[order], years[order])
        return self._sorted

    def duplicates(self) -> list[Issue]:
        """One issue per unit, year and set of rows, naming the indicators they repeat."""
        order, fid, cid, years = self._sort()
        same = (fid[1:] == fid[:-1]) & (cid[1:] == cid[:-1]) & (years[1:] == years[:-1])
        same &= fid[1:] >= 0
        if not same.any():
            return []
        hit = np.zeros(order.size, dtype=bool)
        hit[1:] |= same
        hit[:-1] |= same
        dup = order[hit]
        cells = pd.DataFrame({"unit": self.funiq[self.fid_of[self.uid[self.cell_row[dup]]]],
                              "code": np.asarray(self.codes, dtype=object)[self.cid[dup]],
                              "year": self.years[self.cell_row[dup]],
                              "row": self.rows[self.cell_row[dup]]})
        found: dict[tuple[Any, ...], list[str]] = {}
        for (unit, code, year), rows in cells.groupby(["unit", "code", "year"], sort=True):
            found.setdefault((unit, year, tuple(sorted(rows["row"]))), []).append(str(code))
        issues = []
        for (unit, year, rows), codes in found.items():
            what = f"indicator '{codes[0]}'" if len(codes) == 1 else f"indicators {codes}"
            issues.append(Issue((self.label, str(unit), *codes[:1]), "duplicate_row",
                                f"{len(rows)} rows for unit '{unit}'"
                                + (f", year {year}" if year else "")
                                + f", {what}: {_rows(list(rows))}. Expected one.", list(rows)))
        return issues

    def panel(self) -> pd.DataFrame:
        """Columns unit, code, year, value, inferred; sorted by unit, code and year."""
        order, fid, cid, years = self._sort()
        start = np.r_[True, fid[1:] != fid[:-1]] if fid.size else np.zeros(0, dtype=bool)
        self.units = [str(u) for u in self.funiq[fid[start]]]  # the units with cells
        self.sorted_ids = (np.cumsum(start) - 1, cid, years)
        self.sorted_values = (self.values[order], self.inferred[self.cell_row][order])
        return pd.DataFrame({
            "unit": pd.array(np.asarray(self.units, dtype=object), dtype="str").take(
                self.sorted_ids[0]),
            "code": pd.array(np.asarray(self.codes, dtype=object), dtype="str").take(cid),
            "year": years, "value": self.sorted_values[0], "inferred": self.sorted_values[1]})


def _rows(rows: list[Any]) -> str:
    """'row 4' or 'rows 2, 3, ...' (ten at most shown)."""
    more = f" and {len(rows) - 10} more" if len(rows) > 10 else ""
    return f"row{'s' if len(rows) > 1 else ''} " + ", ".join(map(str, rows[:10])) + more
