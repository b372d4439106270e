"""What every number on the dashboard is: its unit, data year, source and status.

Pure functions of a :class:`~airank.results.Result` (and, for the OGAI, of the one source
catalogue :mod:`airank.ogai.catalogue`): nothing here computes an index.

- :func:`value_unit`: the unit of the value an indicator enters the index with (the
  spec's unit, "per person" when it is denominated).
- :func:`indicator_cells`: per ranked unit and indicator, the value used, the year it is
  from, its status (``observed``, ``imputed``, ``inferred`` or ``missing``) and its
  source row.
- :func:`group_cells`: per ranked unit and group (pillar, sub-pillar, the index), the span
  of data years and how many of its indicators were observed, imputed, inferred, missing.
- :func:`indicator_summary`: per indicator, over the ranked units: years used, coverage,
  counts by status (the Methodology tab).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from ..results import Result
from ..spec import IndexSpec

__all__ = ["STATUSES", "SourceLookup", "catalogue_lookup", "describe_source",
           "group_cells", "indicator_cells", "indicator_summary", "value_unit"]

#: The status of a value, in the order of :func:`group_cells`' counts.
STATUSES = ("observed", "imputed", "inferred", "missing")
_SCALES = {1.0: "", 1e3: "thousand ", 1e6: "million ", 1e9: "billion "}
_NOTE = re.compile(r"\[([^\]]*)\]")

SourceLookup = Callable[[str, str, int], str]
"""``lookup(unit, indicator, year) -> source text`` ("" when unknown)."""


def value_unit(spec: IndexSpec, code: str) -> str:
    """The unit of indicator ``code`` as it enters the index.

    The spec's ``unit``; for a denominated indicator, "<unit> per <denominator unit>"
    with the denominator's name, e.g. ``'H100 equivalents per person (Population)'``.
    """
    ind = spec.indicator(code)
    if not ind.denominator:
        return ind.unit
    den = {d.code: d for d in spec.denominators}.get(ind.denominator)
    cfg = spec.method("denominate", code)
    scale = float(cfg.params.get("scale", 1.0)) if cfg.method == "divide" else 1.0
    label = (den.unit or den.name) if den is not None else ind.denominator
    if scale == 1.0 and label.endswith("s") and not label.endswith("ss"):
        label = label[:-1]  # "persons" -> "person"
    words = _SCALES.get(scale, f"{scale:g} ")
    name = den.name if den is not None and den.name else ind.denominator
    return f"{ind.unit or 'value'} per {words}{label} ({name})"


def _status(result: Result) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Values used, their years and status (ranked units x indicators)."""
    units, codes = result.scores.index, list(result.spec.indicator_codes)
    den = result.stages["denominated"].reindex(index=units, columns=codes)
    filled = result.stages["imputed"].reindex(index=units, columns=codes)
    imputed = result.imputed.reindex(index=units, columns=codes, fill_value=False)
    inferred = (result.inferred.reindex(index=units, columns=codes, fill_value=False)
                if not result.inferred.empty else pd.DataFrame(False, units, codes))
    inferred = inferred.astype(bool) & den.notna()
    status = np.select([imputed.to_numpy(dtype=bool), inferred.to_numpy(dtype=bool),
                        den.notna().to_numpy()], ["imputed", "inferred", "observed"], "missing")
    value = den.where(~imputed, filled)
    years = result.source_years.reindex(index=units, columns=codes).where(~imputed)
    return value, years, pd.DataFrame(status, index=units, columns=codes)


def indicator_cells(result: Result, lookup: SourceLookup | None = None) -> pd.DataFrame:
    """Long table, one row per ranked unit and indicator.

    Columns ``unit, code, value`` (the value used: observed, inferred, or filled by
    imputation; before outlier treatment and normalisation), ``year`` (of the data; NaN
    for imputed and missing values), ``status`` (one of :data:`STATUSES`) and ``source``
    (the source row from ``lookup``; "" without one, or for imputed and missing values).
    """
    value, years, status = _status(result)
    out = pd.DataFrame({
        "unit": np.repeat(value.index.to_numpy(), value.shape[1]),
        "code": np.tile(np.array(value.columns, dtype=object), value.shape[0]),
        "value": value.to_numpy(dtype=float).ravel(),
        "year": years.to_numpy(dtype=float).ravel(),
        "status": status.to_numpy().ravel(),
    })
    if lookup is None:
        out["source"] = ""
    else:
        out["source"] = [lookup(u, c, int(y)) if y == y else ""
                         for u, c, y in zip(out["unit"], out["code"], out["year"], strict=True)]
    return out


def _descendants(spec: IndexSpec) -> dict[str, list[str]]:
    """Every group's indicators."""
    out: dict[str, list[str]] = {}
    for code in spec.indicator_codes:
        parent = spec.parent[code]
        while parent is not None:
            out.setdefault(parent, []).append(code)
            parent = spec.parent[parent]
    return out


def group_cells(result: Result) -> pd.DataFrame:
    """One row per ranked unit and group (the index included).

    Columns ``unit, code, year_min, year_max`` (span of the data years of its indicators;
    NaN when none has a year), ``n_indicators`` and ``observed, imputed, inferred,
    missing`` (counts of its indicators in each status).
    """
    _, years, status = _status(result)
    rows = []
    for group, codes in _descendants(result.spec).items():
        y = years[codes]
        counts = {s: (status[codes] == s).sum(axis=1).to_numpy() for s in STATUSES}
        rows.append(pd.DataFrame({"unit": years.index, "code": group,
                                  "year_min": y.min(axis=1).to_numpy(),
                                  "year_max": y.max(axis=1).to_numpy(),
                                  "n_indicators": len(codes), **counts}))
    return pd.concat(rows, ignore_index=True)


def indicator_summary(result: Result) -> pd.DataFrame:
    """Per indicator, over the ranked units.

    Columns ``code, year_min, year_max, year_mode`` (data years used), ``n_units``,
    ``observed, imputed, inferred, missing`` (counts) and ``coverage`` (share observed:
    inferred values are used but, as in the engine, never count toward coverage).
    """
    _, years, status = _status(result)
    n = len(status)
    rows = []
    for code in status.columns:
        y = years[code].dropna()
        counts = {s: int((status[code] == s).sum()) for s in STATUSES}
        rows.append({"code": code,
                     "year_min": float(y.min()) if len(y) else np.nan,
                     "year_max": float(y.max()) if len(y) else np.nan,
                     "year_mode": float(y.mode().max()) if len(y) else np.nan,
                     "n_units": n, **counts,
                     "coverage": counts["observed"] / n if n else np.nan})
    return pd.DataFrame(rows)


# -- sources ------------------------------------------------------------------------
@cache
def _catalogue_rows() -> dict[tuple[str, str, int], str]:
    from ..ogai.catalogue import table

    t = table()
    years = pd.to_numeric(t["year"], errors="coerce")
    ok = years.notna().to_numpy()
    return dict(zip(zip(t["iso3"][ok], t["indicator"][ok], years[ok].astype(int),
                        strict=True), t["source"][ok], strict=True))


def catalogue_lookup(unit: str, code: str, year: int) -> str:
    """The source text of the OGAI's shipped table row (``iso3, indicator, year``)."""
    return _catalogue_rows().get((unit, code, int(year)), "")


def describe_source(text: str, files: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """A source text (``dir/file.csv[key] / other.csv[...]``) made readable.

    ``files``: the catalogue's rows by file (publisher, licence, link, title). Returns
    ``text``, ``files``, ``publishers``, ``licences`` (distinct, in order) and ``notes``
    (the bracketed row keys and rules).
    """
    from ..ogai.catalogue import source_files

    names = source_files(text)
    meta = [files.get(f, {}) for f in names]
    return {"text": text, "files": names,
            "publishers": _distinct(str(m.get("publisher", "")) for m in meta),
            "licences": _distinct(str(m.get("licence", "")) for m in meta),
            "links": _distinct(str(m.get("link", "")) for m in meta),
            "notes": _NOTE.findall(text)}


def _distinct(values: Any) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))
