"""Country names and codes reconciled to ISO3 through country_converter.

country_converter 1.3.2 cannot initialise under pandas 3: its own table gives Namibia
the ISO2 code "NA", which pandas reads as missing. We read that table ourselves with
``keep_default_na=False`` (keeping every other missing-value marker) and hand it to
``CountryConverter(country_data=...)``.

An alias table (``name,iso3`` CSV or a mapping) overrides the converter for names it
gets wrong or that a source spells its own way. Names that match nothing, or more than
one country, are returned as such: never dropped silently.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["Reconciliation", "country_names", "load_aliases", "reconcile"]


_NOT_FOUND = "\x00not found"
_ISO3 = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class Reconciliation:
    """The outcome of matching names to ISO3 codes.

    Attributes
    ----------
    mapping : dict
        Every name that matched exactly one code, to that code.
    unmatched : tuple of str
        Names that matched no country.
    ambiguous : dict
        Names that matched several countries, to the candidates.
    """

    mapping: dict[str, str] = field(default_factory=dict)
    unmatched: tuple[str, ...] = ()
    ambiguous: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when every name matched exactly one code."""
        return not self.unmatched and not self.ambiguous


@lru_cache(maxsize=1)
def _converter() -> Any:
    import country_converter as coco
    from country_converter import country_converter as coco_mod

    must_be_string = ["name_short", "name_official", "regex", "ISO2", "ISO3", "continent",
                      "UNregion", "EXIO1", "EXIO2", "EXIO3", "WIOD"]
    na_markers = [v for v in pd.io.parsers.readers.STR_NA_VALUES  # type: ignore[attr-defined]
                  if v != "NA"]
    table = pd.read_csv(
        coco_mod.COUNTRY_DATA_FILE,
        sep="\t",
        encoding="utf-8",
        keep_default_na=False,
        na_values=na_markers,
        converters=dict.fromkeys(must_be_string, str),
    )
    ints = ["ISOnumeric", "UNcode", "FAOcode", "GBDcode", "EURO", "UN", "UNmember",
            "obsolete", "GEOnumeric"]
    table = table.astype({c: "Int64" for c in ints if c in table.columns})
    # the converter logs a warning per unmatched name; we report them ourselves
    logging.getLogger("country_converter").setLevel(logging.ERROR)
    return coco.CountryConverter(country_data=table)


def load_aliases(path: str | Path) -> dict[str, str]:
    """Read an alias table: a CSV with columns ``name`` and ``iso3`` (extra columns ignored).

    Raises
    ------
    DataError
        If the file is missing or lacks the columns, or (all listed together) a row has an
        empty name, a code that is not three letters, or repeats a name with another code.
    """
    from .errors import DataError, Issue

    if not Path(path).is_file():
        raise DataError([Issue((str(path),), "no_file", f"Alias file '{path}' does not exist.")])
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = {"name", "iso3"} - set(frame.columns)
    if missing:
        raise DataError([Issue((str(path),), "missing_column",
                               f"The alias file must have columns 'name' and 'iso3'. "
                               f"Missing: {sorted(missing)}. Got {list(frame.columns)}.")])
    issues = []
    out: dict[str, str] = {}
    for i, (name, code) in enumerate(zip(frame["name"], frame["iso3"], strict=True), start=2):
        name, code = name.strip(), code.strip().upper()
        if not name or not _ISO3.match(code):
            col, val = ("name", name) if not name else ("iso3", code)
            issues.append(Issue((str(path), f"row {i}", col), "bad_alias",
                                f"Each alias needs a name and a three-letter code. Got "
                                f"{val!r}.", val))
        elif name in out and out[name] != code:
            issues.append(Issue((str(path), f"row {i}", "iso3"), "conflicting_alias",
                                f"'{name}' is mapped to both '{out[name]}' and '{code}'.", code))
        else:
            out[name] = code
    DataError.collect(issues, f"{len(issues)} problem(s) in the alias file {path}")
    return out


def reconcile(names: Iterable[str], *, aliases: Mapping[str, str] | None = None) -> Reconciliation:
    """Match country names or codes (ISO2, ISO3, numeric, common names) to ISO3.

    Parameters
    ----------
    names : iterable of str
        Names as a source spells them. Duplicates are matched once.
    aliases : mapping, optional
        ``name -> code`` overrides, consulted first (exact, case-sensitive match after
        stripping spaces).

    Returns
    -------
    Reconciliation

    Examples
    --------
    >>> r = reconcile(["Russian Federation", "Namibia", "Atlantis"])
    >>> r.mapping["Namibia"], r.unmatched
    ('NAM', ('Atlantis',))
    """
    aliases = {str(k).strip(): v for k, v in (aliases or {}).items()}
    uniq = list(dict.fromkeys(str(n) for n in names))
    mapping: dict[str, str] = {}
    todo: list[str] = []
    for n in uniq:
        if n.strip() in aliases:
            mapping[n] = aliases[n.strip()]
        else:
            todo.append(n)
    unmatched: list[str] = []
    ambiguous: dict[str, tuple[str, ...]] = {}
    if todo:
        found = _converter().convert(todo, to="ISO3", not_found=_NOT_FOUND, enforce_list=True)
        for n, res in zip(todo, found, strict=True):
            codes = [c for c in (res if isinstance(res, list) else [res]) if c and c != _NOT_FOUND]
            codes = list(dict.fromkeys(codes))
            if not codes:
                unmatched.append(n)
            elif len(codes) > 1:
                ambiguous[n] = tuple(codes)
            else:
                mapping[n] = codes[0]
    return Reconciliation(mapping, tuple(unmatched), ambiguous)


def country_names(codes: Iterable[str]) -> dict[str, str]:
    """Short English names for ISO3 codes; codes it does not know map to themselves."""
    codes = list(codes)
    if not codes:
        return {}
    data = _converter().data
    table = dict(zip(data["ISO3"], data["name_short"], strict=True))
    return {c: table.get(c, c) for c in codes}
