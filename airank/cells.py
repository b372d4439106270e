"""The cell rules: text, numbers and booleans to floats, years and statuses, vectorised.

Each parser takes one column and returns arrays (values, and the positions of the cells
that break a rule); :func:`cell_issues` turns those positions into one
:class:`~airank.errors.Issue` per cell. No Python loop runs per good cell, so a table of
millions of cells is checked in about a second.

The rules (docs/spec.md, "Cell rules"): empty cells and the markers ``n/a``, ``NA``,
``..``, ``-``, ``—`` are missing; thousands separators (``1,234``) are removed; a
trailing ``%`` is dropped (the value stays in percent). Any other text, ±inf and
booleans (``True``, whatever the source: a CSV's text or a DataFrame's bool) are errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .errors import Issue

__all__ = ["CellRules", "cell_issues", "hashable", "parse_status", "parse_values",
           "parse_years"]

_MISSING = {"", "n/a", "na", "nan", "null", "none", "..", "...", "-", "—", "–", "#n/a"}
_THOUSANDS = r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$"
_MAX_SHOWN = 5
_NUMERIC = {"floating", "integer", "mixed-integer-float", "empty"}
YEARS = (1000, 9999)


@dataclass
class CellRules:
    """What the rules did, summed over columns: counts and a first example of each."""

    missing: int = 0
    markers: set[str] = field(default_factory=set)
    thousands: int = 0
    thousands_eg: str = ""
    percent: int = 0
    percent_eg: tuple[str, float] = ("", 0.0)

    def notes(self) -> list[str]:
        out = []
        if self.missing:
            ex = sorted(self.markers - {""})
            out.append(f"{self.missing} empty or missing-marker cells read as missing"
                       + (f" (markers: {ex[:_MAX_SHOWN]})" if ex else ""))
        if self.thousands:
            out.append(f"{self.thousands} cells with thousands separators read as numbers "
                       f"(e.g. {self.thousands_eg!r})")
        if self.percent:
            text, val = self.percent_eg
            out.append(f"{self.percent} cells with a trailing '%' read as percent values "
                       f"(e.g. {text!r} -> {val:g})")
        return out


@dataclass(frozen=True)
class Parsed:
    """One column parsed: values (NaN = missing) and the cells that break a rule."""

    values: np.ndarray
    bad: np.ndarray          # positions of non-numeric cells
    bad_text: np.ndarray     # their text, stripped
    inf: np.ndarray          # positions of infinite values
    inf_text: np.ndarray     # their text as given


def as_text(raw: pd.Series) -> pd.Series | None:
    """The column as text with NA for missing, or None when it already holds numbers.

    Booleans become ``"True"``/``"False"`` (an error, as in a CSV file); numbers in a
    mixed object column become their shortest round-trip text (read back exactly).
    """
    kind = raw.dtype.kind
    if kind in "iuf" and not pd.api.types.is_bool_dtype(raw.dtype):
        return None
    if pd.api.types.is_bool_dtype(raw.dtype):
        return raw.astype(object).where(raw.notna(), None).map(
            lambda v: None if v is None else str(bool(v))).astype("str")
    if kind == "O":
        inferred = pd.api.types.infer_dtype(raw, skipna=True)
        if inferred in _NUMERIC:
            return None
        if inferred != "string":
            raw = raw.map(_cell_text)
    return raw.astype("str").where(raw.notna())


def hashable(raw: pd.Series) -> pd.Series:
    """The column as text (:func:`as_text`) unless it holds numbers: safe to factorize
    whatever a DataFrame's object cells hold (lists, dicts, dates)."""
    text = as_text(raw)
    return raw if text is None else text


def _cell_text(v: Any) -> Any:
    if isinstance(v, str):
        return v
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):  # a list or an array in a cell
        pass
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    return str(v)


def parse_values(raw: pd.Series, rules: CellRules) -> Parsed:
    """Cells -> floats by the rules; counts go to ``rules``."""
    text = as_text(raw)
    if text is None:
        num = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        rules.missing += int(np.isnan(num).sum())
        bad = np.array([], dtype=int)
        bad_text = np.array([], dtype=object)
    else:
        num, bad, bad_text = _parse_text(text.reset_index(drop=True), rules)
    inf = np.flatnonzero(np.isinf(num))
    inf_raw = raw.iloc[inf]
    inf_text = np.array([str(v).strip() for v in inf_raw], dtype=object)
    return Parsed(num, bad, bad_text, inf, inf_text)


def _fast(text: pd.Series, rules: CellRules) -> np.ndarray | None:
    """Arrow's string -> float64 cast, when every cell is a plain number or empty.

    Arrow and pandas accept the same number spellings and round them alike (checked in
    tests/test_data.py); a column where Arrow refuses any cell (spaces, markers, text)
    takes the general path below.
    """
    arr = pa.array(text.array, type=pa.string(), from_pandas=True)
    arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)
    try:
        num = pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:
        return None
    nan = np.isnan(num)
    rules.missing += int(nan.sum())
    if arr.null_count < nan.sum():  # "nan" written out: a missing marker
        rules.markers |= set(text[nan & text.notna().to_numpy()].str.strip().unique()) - {""}
    return np.asarray(num, dtype=float)


def _parse_text(text: pd.Series, rules: CellRules) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    fast = _fast(text, rules)
    if fast is not None:
        return fast, np.array([], dtype=int), np.array([], dtype=object)
    num = pd.to_numeric(text, errors="coerce").astype(float)
    na = text.isna()
    todo = num.isna() & ~na
    t = text[todo].str.strip()
    missing = t.str.lower().isin(_MISSING)
    rules.missing += int(missing.sum() + na.sum())
    rules.markers |= set(t[missing].unique())
    rest = t[~missing]
    thousands = rest.str.match(_THOUSANDS)
    if thousands.any():
        num.loc[rest.index[thousands]] = rest[thousands].str.replace(",", "").astype(float)
        if not rules.thousands:
            rules.thousands_eg = str(rest[thousands].iloc[0])
        rules.thousands += int(thousands.sum())
    rest = rest[~thousands]
    pct = rest[rest.str.endswith("%")]
    body = pct.str[:-1].str.strip()  # thousands separators only, not "1,5%"
    body = body.where(~body.str.match(_THOUSANDS), body.str.replace(",", ""))
    pct_num = pd.to_numeric(body, errors="coerce")
    good = pct_num.notna()
    if good.any():
        num.loc[pct_num.index[good]] = pct_num[good].astype(float)
        if not rules.percent:
            rules.percent_eg = (str(pct[good].iloc[0]), float(pct_num[good].iloc[0]))
        rules.percent += int(good.sum())
    bad = rest.drop(pct_num.index[good])
    return (num.to_numpy(dtype=float, na_value=np.nan), bad.index.to_numpy(),
            bad.to_numpy(dtype=object))


def cell_issues(label: str, parsed: Parsed, rows: np.ndarray, cols: np.ndarray,
                units: np.ndarray, codes: np.ndarray) -> list[Issue]:
    """One issue per non-numeric or infinite cell.

    ``rows``, ``cols``, ``units``, ``codes`` give each cell's spreadsheet row, column
    name, unit (as written) and indicator, by position in the parsed column.
    """
    b, i = parsed.bad, parsed.inf
    issues = [Issue((label, f"row {r}", str(c)), "non_numeric",
                    f"Expected a number for unit '{u}', indicator '{k}'. Got {t!r}.", t)
              for r, c, u, k, t in zip(rows[b], cols[b], units[b], codes[b], parsed.bad_text,
                                       strict=True)]
    issues += [Issue((label, f"row {r}", str(c)), "infinite",
                     f"Infinite value for unit '{u}', indicator '{k}'. Expected a finite "
                     f"number or an empty cell. Got {t!r}.", str(v))
               for r, c, u, k, t, v in zip(rows[i], cols[i], units[i], codes[i],
                                           parsed.inf_text, parsed.values[i], strict=True)]
    return issues


def parse_years(raw: pd.Series, rows: np.ndarray, label: str, col: str
                ) -> tuple[np.ndarray, list[Issue]]:
    """Years as int64 (0 where bad); every cell that is not a whole year in 1000-9999
    named. Each distinct cell is parsed once (a long table repeats a few years)."""
    ids, uniq = pd.factorize(hashable(raw), use_na_sentinel=False)
    distinct = pd.Series(np.asarray(uniq, dtype=object))
    text = as_text(distinct)
    num = pd.to_numeric(distinct if text is None else text.str.strip(), errors="coerce")
    yr = num.to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(yr) & (np.mod(yr, 1) == 0)
        ok = whole & (yr >= YEARS[0]) & (yr <= YEARS[1])
    bad = np.flatnonzero(~ok[ids])
    issues = [Issue((label, f"row {r}", col), "bad_year",
                    (f"The year must be a whole number. Got {str(g)!r}." if not w else
                     f"The year must be between {YEARS[0]} and {YEARS[1]}. Got {str(g)!r}."),
                    str(g))
              for r, g, w in zip(rows[bad], distinct.iloc[ids[bad]], whole[ids[bad]],
                                 strict=True)]
    return np.where(ok, yr, 0).astype(np.int64)[ids], issues


def parse_status(raw: pd.Series, rows: np.ndarray, label: str, col: str
                 ) -> tuple[np.ndarray, list[Issue]]:
    """``inferred`` flags from a ``status`` column (observed/inferred; empty = observed)
    or an ``inferred`` column (true/false, 1/0; empty = false); one issue per bad value."""
    text = as_text(raw)
    if text is None:  # numbers: 1/0
        num = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        text = pd.Series(np.where(np.isnan(num), "", num.astype(str)), dtype="str")
    given = text.fillna("").str.strip().reset_index(drop=True)
    low = given.str.lower()
    if col == "status":
        yes, no, expected = {"inferred"}, {"observed", ""}, "'observed' or 'inferred'"
    else:
        yes, no, expected = {"true", "1.0", "1"}, {"false", "0.0", "0", ""}, "true or false"
    flag = low.isin(yes).to_numpy()
    bad = np.flatnonzero(~flag & ~low.isin(no).to_numpy())
    issues = []
    for value, at in pd.Series(rows[bad]).groupby(given.iloc[bad].to_numpy(), sort=False):
        at_rows = at.tolist()
        more = f" and {len(at_rows) - 10} more" if len(at_rows) > 10 else ""
        many = len(at_rows) > 1
        issues.append(Issue((label, col), "bad_status", (
            f"Row{'s' if many else ''} {', '.join(map(str, at_rows[:10]))}{more} "
            f"{'have' if many else 'has'} {col} {value!r}. Expected {expected} "
            "(empty: observed)."), value))
    return flag, issues
