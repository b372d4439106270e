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

import difflib
import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["Reconciliation", "country_names", "load_aliases", "reconcile", "resolve_unit",
           "resolve_units"]


_NOT_FOUND = "\x00not found"
_ISO3 = re.compile(r"^[A-Z]{3}$")
_WORDS = re.compile(r"[a-z0-9]+")


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

    Each distinct name is matched once, in this order: the alias table (exact, after
    stripping spaces); an ISO3, ISO2 or numeric code (any case); a country's short or
    official name (ignoring case, accents and punctuation); then country_converter's
    patterns. A name that is part of several countries' names and is no country's own
    name (``Congo``, ``Korea``, ``Virgin Islands``) is ambiguous, as is a name the
    patterns match to several countries.

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
    >>> r = reconcile(["Russian Federation", "Namibia", "Atlantis", "Congo"])
    >>> r.mapping["Namibia"], r.unmatched, r.ambiguous["Congo"]
    ('NAM', ('Atlantis',), ('COD', 'COG'))
    """
    aliases = {str(k).strip(): v for k, v in (aliases or {}).items()}
    index = _index()
    mapping: dict[str, str] = {}
    ambiguous: dict[str, tuple[str, ...]] = {}
    todo: list[str] = []
    for n in dict.fromkeys(str(n) for n in names):
        key = n.strip()
        found = aliases.get(key) or index.code(key)
        if found is None:
            cands = index.names.get(_norm(key)) or index.parts.get(_norm(key), ())
            if len(cands) == 1:
                found = cands[0]
            elif len(cands) > 1 and _norm(key) not in index.names:
                ambiguous[n] = cands
                continue
        if found is not None:
            mapping[n] = found
        else:
            todo.append(n)
    unmatched: list[str] = []
    if todo:
        found_all = _converter().convert(todo, to="ISO3", not_found=_NOT_FOUND, enforce_list=True)
        for n, res in zip(todo, found_all, strict=True):
            codes = [c for c in (res if isinstance(res, list) else [res]) if c and c != _NOT_FOUND]
            codes = list(dict.fromkeys(codes))
            if not codes:
                unmatched.append(n)
            elif len(codes) > 1:
                ambiguous[n] = tuple(codes)
            else:
                mapping[n] = codes[0]
    return Reconciliation(mapping, tuple(unmatched), ambiguous)


def _norm(text: str) -> str:
    """Lower case, accents and punctuation dropped: 'Côte d'Ivoire' -> 'cote d ivoire'."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return " ".join(_WORDS.findall(plain.lower()))


@dataclass(frozen=True)
class _Index:
    """Exact lookups over country_converter's table (built once)."""

    iso3: frozenset[str]
    iso2: dict[str, str]
    numeric: dict[int, str]
    names: dict[str, tuple[str, ...]]   # a short or official name -> its ISO3
    parts: dict[str, tuple[str, ...]]   # every run of whole words of a name -> ISO3s

    def code(self, text: str) -> str | None:
        """The ISO3 of an ISO3, ISO2 or numeric code (any case), else None."""
        up = text.upper()
        if len(up) == 3 and up in self.iso3:
            return up
        if len(up) == 2:
            return self.iso2.get(up)
        return self.numeric.get(int(up)) if up.isascii() and up.isdigit() and len(up) <= 4 else None


@lru_cache(maxsize=1)
def _index() -> _Index:
    data = _converter().data
    names: dict[str, set[str]] = {}
    parts: dict[str, set[str]] = {}
    for iso3, *spellings in zip(data["ISO3"], data["name_short"], data["name_official"],
                                strict=True):
        for spelling in spellings:
            if not isinstance(spelling, str):
                continue
            words = _norm(spelling).split()
            names.setdefault(" ".join(words), set()).add(iso3)
            for i in range(len(words)):
                for j in range(i + 1, len(words) + 1):
                    parts.setdefault(" ".join(words[i:j]), set()).add(iso3)
    numeric = {int(n): c for n, c in zip(data["ISOnumeric"], data["ISO3"], strict=True)
               if pd.notna(n)}
    return _Index(frozenset(data["ISO3"]), dict(zip(data["ISO2"], data["ISO3"], strict=True)),
                  numeric, {k: tuple(sorted(v)) for k, v in names.items()},
                  {k: tuple(sorted(v)) for k, v in parts.items()})


def country_names(codes: Iterable[str]) -> dict[str, str]:
    """Short English names for ISO3 codes; codes it does not know map to themselves."""
    codes = list(codes)
    if not codes:
        return {}
    data = _converter().data
    table = dict(zip(data["ISO3"], data["name_short"], strict=True))
    return {c: table.get(c, c) for c in codes}


# -- one unit from a user's text (CLI arguments, API parameters) ----------------------
def resolve_unit(text: str, units: Mapping[str, str], *, what: str = "unit",
                 kind: str = "country", aliases: Mapping[str, str] | None = None) -> str:
    """The code of the ranked unit that ``text`` names.

    Codes match in any case (``rus`` -> ``RUS``), display names exactly but for case
    and surrounding spaces. With ``kind="country"``, country names, ISO2/numeric codes
    and common spellings (``Russia``, ``UK``, ``South Korea``, ``Türkiye``) also match,
    through :func:`reconcile` and ``aliases``, when the country they name is ranked.

    Parameters
    ----------
    text : str
        What the user typed.
    units : mapping
        ``code -> display name`` of the units ranked (in an edition).
    what : str
        How the message calls the thing (``"unit"``, ``"country"``).
    kind : {"country", "custom"}
        ``units.kind`` of the spec: ``custom`` matches codes and names only.
    aliases : mapping, optional
        ``name -> ISO3`` overrides (the spec's alias table).

    Returns
    -------
    str
        A key of ``units``.

    Raises
    ------
    UnitError
        ``ambiguous_unit`` (several candidates, listed with their names) or
        ``unknown_unit`` (the three closest ranked units named).

    Examples
    --------
    >>> units = {"RUS": "Russia", "KOR": "South Korea", "GBR": "United Kingdom"}
    >>> resolve_unit("rus", units), resolve_unit("Russian Federation", units)
    ('RUS', 'RUS')
    >>> resolve_unit("UK", units)
    'GBR'
    """
    return resolve_units([text], units, what=what, kind=kind, aliases=aliases)[0]


def resolve_units(texts: Iterable[str], units: Mapping[str, str], *, what: str = "unit",
                  kind: str = "country", aliases: Mapping[str, str] | None = None
                  ) -> list[str]:
    """:func:`resolve_unit` for several texts; every problem reported in one UnitError.

    Returns
    -------
    list of str
        The codes, in the order of ``texts``.
    """
    from .errors import Issue, UnitError

    texts = [str(t) for t in texts]
    lookup = _UnitLookup(units, kind, aliases)
    out: list[str] = []
    issues: list[Issue] = []
    candidates: dict[str, list[str]] = {}
    for text in texts:
        code, cands, issue = lookup.find(text, what)
        if issue is None:
            out.append(str(code))
        else:
            issues.append(issue)
            candidates[text] = cands
    if issues:
        title = (f"{what[:1].upper()}{what[1:]} not resolved" if len(issues) == 1
                 else f"{len(issues)} {_plural(what)} not resolved")
        raise UnitError(issues, title, candidates)
    return out


def _plural(word: str) -> str:
    return word[:-1] + "ies" if word.endswith("y") and word[-2:-1] not in "aeiou" else word + "s"


class _UnitLookup:
    """Codes and names of the ranked units, and the order of the rules."""

    def __init__(self, units: Mapping[str, str], kind: str,
                 aliases: Mapping[str, str] | None) -> None:
        self.units = {str(c): str(n) for c, n in units.items()}
        self.codes: dict[str, str] = {}
        for c in self.units:
            self.codes.setdefault(c.upper(), c)
        self.names: dict[str, list[str]] = {}
        for c, n in self.units.items():
            self.names.setdefault(n.strip().casefold(), []).append(c)
        self.country = kind == "country"
        self.aliases = aliases

    def label(self, code: str) -> str:
        name = self.units.get(code) or country_names([code])[code]
        return f"{code} ({name}{'' if code in self.units else ', not ranked'})"

    def find(self, text: str, what: str) -> tuple[str | None, list[str], Any]:
        from .errors import Issue

        key = text.strip()
        if key in self.units:
            return key, [], None
        if key.upper() in self.codes:
            return self.codes[key.upper()], [], None
        named = self.names.get(key.casefold(), [])
        if len(named) == 1:
            return named[0], [], None
        matched = None
        if not named and self.country and key:
            rec = reconcile([key], aliases=self.aliases)
            named = list(rec.ambiguous.get(key, ()))
            matched = rec.mapping.get(key)
            if matched in self.units:
                return matched, [], None
        if named:
            return None, named, Issue(
                (what,), "ambiguous_unit",
                f"The {what} '{text}' is ambiguous: it matches {len(named)} "
                f"{_plural(what)}: {', '.join(self.label(c) for c in named)}. Give the code.",
                text)
        close = self.closest(key)
        start = (f"'{text}' is {matched} ({country_names([matched])[matched]}), which is not "
                 "ranked" if matched else f"Unknown {what} '{text}'")
        return None, close, Issue(
            (what,), "unknown_unit",
            f"{start}. Closest ranked {_plural(what)}: "
            f"{', '.join(self.label(c) for c in close)}.",
            text)

    def closest(self, text: str, n: int = 3) -> list[str]:
        """The ``n`` ranked units whose code or name is nearest ``text`` (difflib ratio)."""
        low = text.casefold()
        m = difflib.SequenceMatcher(b=low, autojunk=False)

        def score(code: str) -> float:
            best = 0.0
            for s in (code, self.units[code]):
                m.set_seq1(s.casefold())
                best = max(best, m.ratio())
            return best

        return sorted(self.units, key=lambda c: (-score(c), c))[:n]
