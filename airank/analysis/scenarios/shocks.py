"""Scenarios: named lists of shocks to raw indicator values, applied before the pipeline.

A :class:`Scenario` is a list of :class:`Shock` s, each changing some indicators of some
units in one of five ways (:data:`OPS`)::

    multiply   x * value                         (value >= 0)
    add        x + value
    set        value                             (also fills a missing value)
    reduce     x * (1 - value)                   (value, a share, in [0, 1])
    toward     x + value * (x_partner - x)       (value, a share, in [0, 1])

Shocks act on the values an edition sees (for each unit and indicator, the latest value
within the spec's lookback, see :meth:`airank.Dataset.wide`) and apply in order, so a
later shock sees the result of an earlier one. A shock on a missing value changes
nothing (``set`` excepted) and is listed in the changes as skipped. Denominated
indicators are shocked in their raw (numerator) units; the denominator is unchanged.

Scenario files (YAML or JSON) and the shipped presets (``airank/datasets/scenarios``)
share one format, described in ``docs/scenarios.md``; ``$name`` strings are parameters,
filled from the file's ``parameters`` and any overrides. Every problem is collected and
raised as one :class:`~airank.errors.ScenarioError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ...data import Dataset
from ...errors import Issue, ScenarioError
from ...spec import IndexSpec
from ..robustness.factors import nesting_issue, read_document
from .panel import with_values

__all__ = ["OPS", "Scenario", "Shock", "apply_scenario", "check_scenario", "load_scenario",
           "parse_scenario", "preset", "presets"]

Op = Literal["multiply", "add", "set", "reduce", "toward"]
OPS: tuple[str, ...] = ("multiply", "add", "set", "reduce", "toward")
_SHARE_OPS = ("reduce", "toward")
_SHOCK_KEYS = {"units", "indicators", "op", "value", "partner", "gains_only", "note"}
_MAX_DEPTH = 6  # a shock's lists of codes sit at depth 3
_DOC_KEYS = {"name", "index", "title", "description", "rationale", "assumption",
             "parameters", "mapping", "shocks"}


@dataclass(frozen=True)
class Shock:
    """One change: ``op`` with ``value`` on ``indicators`` of ``units``.

    ``partner`` is the unit ``toward`` moves to; with ``gains_only`` a ``toward`` shock
    only moves a value that the partner's value beats (by the indicator's direction).
    """

    units: tuple[str, ...]
    indicators: tuple[str, ...]
    op: Op
    value: float
    partner: str | None = None
    gains_only: bool = False
    note: str = ""


@dataclass(frozen=True)
class Scenario:
    """A named list of shocks, with the text that justifies it."""

    name: str
    shocks: tuple[Shock, ...]
    title: str = ""
    description: str = ""
    rationale: str = ""
    assumption: str = ""
    parameters: Mapping[str, Any] = field(default_factory=dict)
    mapping: Mapping[str, str] = field(default_factory=dict)

    @property
    def units(self) -> tuple[str, ...]:
        """The shocked units, in order of first appearance."""
        return tuple(dict.fromkeys(u for s in self.shocks for u in s.units))

    @property
    def indicators(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c for s in self.shocks for c in s.indicators))


# -- parsing -----------------------------------------------------------------------
def _as_codes(value: Any) -> tuple[str, ...] | None:
    """A code list from a list or a comma-separated string; None when neither."""
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return tuple(v.strip() for v in value)
    return None


def _fill(value: Any, params: Mapping[str, Any], loc: tuple[str | int, ...],
          issues: list[Issue]) -> Any:
    """Replace a ``$name`` string by the parameter's value."""
    if isinstance(value, str) and value.startswith("$"):
        key = value[1:]
        if key not in params:
            issues.append(Issue(loc, "unknown_parameter", f"'{value}' names no parameter. "
                                f"Parameters: {sorted(params)}.", value))
            return None
        return params[key]
    return value


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        v = float(value)
    except ValueError:
        return None
    return v if np.isfinite(v) else None


_Entry = tuple[int, tuple[str, ...], tuple[str, ...], "str | None"]


def _parse_shock(raw: Any, i: int, params: Mapping[str, Any], issues: list[Issue],
                 entries: list[_Entry]) -> Shock | None:
    loc: tuple[str | int, ...] = ("shocks", i)
    if not isinstance(raw, Mapping):
        issues.append(Issue(loc, "not_a_mapping", "A shock must be a mapping with units, "
                            f"indicators, op and value. Got {type(raw).__name__}."))
        return None
    n0 = len(issues)
    for key in sorted({str(k) for k in raw} - _SHOCK_KEYS):
        issues.append(Issue((*loc, key), "unknown_key", f"Unknown key '{key}' in a shock. "
                            f"Expected {sorted(_SHOCK_KEYS)}.", key))
    d = {k: _fill(v, params, (*loc, k), issues) for k, v in raw.items()}
    lists = {}
    for key in ("units", "indicators"):
        codes = _as_codes(d.get(key))
        if not codes:
            issues.append(Issue((*loc, key), "missing" if key not in d else "bad_codes",
                                f"'{key}' must be a non-empty list of codes. Got "
                                f"{d.get(key)!r}.", None if key not in d else str(d.get(key))))
        lists[key] = codes or ()
    op = d.get("op")
    if op not in OPS:
        issues.append(Issue((*loc, "op"), "unknown_op", f"Unknown op {op!r}. Expected one of "
                            f"{list(OPS)}.", op))
    value = _number(d.get("value"))
    if value is None:
        issues.append(Issue((*loc, "value"), "bad_value", "'value' must be a finite number. "
                            f"Got {d.get('value')!r}.", d.get("value")))
    elif op in _SHARE_OPS and not 0 <= value <= 1:
        issues.append(Issue((*loc, "value"), "bad_share", f"The value of a '{op}' shock is "
                            f"a share and must be in [0, 1]. Got {value:g}.", value))
    elif op == "multiply" and value < 0:
        issues.append(Issue((*loc, "value"), "bad_factor", "The value of a 'multiply' shock "
                            f"is a factor and must be >= 0. Got {value:g}.", value))
    partner = d.get("partner")
    entries.append((i, lists["units"], lists["indicators"],
                    partner if isinstance(partner, str) else None))
    if op == "toward" and not isinstance(partner, str):
        issues.append(Issue((*loc, "partner"), "missing_partner", "A 'toward' shock needs "
                            f"'partner': the unit to move toward. Got {partner!r}.", partner))
    elif op != "toward" and partner is not None:
        issues.append(Issue((*loc, "partner"), "unexpected_partner", "'partner' is only used "
                            f"by 'toward' shocks (this one is {op!r}).", partner))
    elif isinstance(partner, str) and partner in lists["units"]:
        issues.append(Issue((*loc, "partner"), "self_partner", f"The partner '{partner}' is "
                            "also a shocked unit; a unit cannot move toward itself.", partner))
    gains = d.get("gains_only", False)
    if not isinstance(gains, bool):
        issues.append(Issue((*loc, "gains_only"), "bad_flag", "'gains_only' must be true or "
                            f"false. Got {gains!r}.", gains))
    if len(issues) > n0:
        return None
    return Shock(lists["units"], lists["indicators"], op, float(value),  # type: ignore[arg-type]
                 partner if op == "toward" else None, bool(gains), str(d.get("note", "")))


def parse_scenario(doc: Mapping[str, Any], *, params: Mapping[str, Any] | None = None,
                   source: str = "scenario", spec: IndexSpec | None = None,
                   data: Dataset | None = None) -> Scenario:
    """Validate a scenario document (the YAML/JSON form) into a :class:`Scenario`.

    Parameters
    ----------
    doc : mapping
        Keys ``name``, ``shocks`` (required), ``title``, ``description``, ``rationale``,
        ``assumption``, ``parameters`` (defaults of the ``$name`` placeholders), ``mapping``
        (indicator code -> why it is shocked).
    params : mapping, optional
        Overrides of ``parameters``; a name the document does not declare is an error.
    source : str
        Named in the error title.
    spec, data : optional
        Given both, unknown units, partners and indicators are reported too, together
        with the structural problems (else :func:`check_scenario` does it later).

    Raises
    ------
    ScenarioError
        Listing every problem (unknown op, key, parameter, unit or indicator, a share
        outside [0, 1]...).
    """
    if not isinstance(doc, Mapping):
        raise ScenarioError([Issue((source,), "not_a_mapping", "A scenario must be a mapping "
                                   f"with 'name' and 'shocks'. Got {type(doc).__name__}.")])
    issues = [Issue((k,), "unknown_key", f"Unknown key '{k}'. Expected {sorted(_DOC_KEYS)}.",
                    k) for k in sorted({str(k) for k in doc} - _DOC_KEYS)]
    deep = [d for k, v in doc.items() if (d := nesting_issue(v, (str(k),), _MAX_DEPTH))]
    if deep:
        raise ScenarioError(deep, f"{len(deep)} problem(s) in {source}")
    mapping = doc.get("mapping") or {}
    if not isinstance(mapping, Mapping) or not all(
            isinstance(v, (str, int, float)) for v in mapping.values()):
        issues.append(Issue(("mapping",), "not_a_mapping", "'mapping' must be a mapping of "
                            "indicator codes to text (why each is shocked). Got "
                            f"{type(mapping).__name__}.", None))
        mapping = {}
    declared = doc.get("parameters") or {}
    if not isinstance(declared, Mapping):
        issues.append(Issue(("parameters",), "not_a_mapping", "'parameters' must be a "
                            "mapping of names to default values."))
        declared = {}
    given = {k: v for k, v in (params or {}).items() if v is not None}
    issues += [Issue(("parameters", k), "unknown_parameter", f"'{k}' is not a parameter of "
                     f"this scenario. Parameters: {sorted(declared)}.", k)
               for k in sorted(set(given) - set(declared))]
    values = {**declared, **given}
    shocks_raw = doc.get("shocks")
    if not isinstance(shocks_raw, list) or not shocks_raw:
        issues.append(Issue(("shocks",), "missing", "'shocks' must be a non-empty list of "
                            f"shocks. Got {shocks_raw!r}.", None))
        shocks_raw = []
    entries: list[_Entry] = []
    shocks = [_parse_shock(s, i, values, issues, entries) for i, s in enumerate(shocks_raw)]
    if spec is not None and data is not None:
        issues += _code_issues(entries, spec, data)
    name = doc.get("name")
    if not isinstance(name, str) or not name:
        issues.append(Issue(("name",), "missing", "The scenario needs a 'name' (text).", name))
    ScenarioError.collect(issues, f"{len(issues)} problem(s) in {source}")
    return Scenario(str(name), tuple(s for s in shocks if s is not None),
                    title=str(doc.get("title", "")), description=str(doc.get("description", "")),
                    rationale=str(doc.get("rationale", "")).strip(),
                    assumption=str(doc.get("assumption", "")).strip(), parameters=values,
                    mapping={str(k): str(v) for k, v in dict(mapping).items()})


def _preset_dir() -> Path:
    from ... import datasets

    return datasets.path("scenarios")


def presets(index: str | None = None) -> tuple[str, ...]:
    """Names of the shipped presets; with ``index``, only those offered for that index
    (a preset's ``index`` key: the presets name indicators of the OGAI)."""
    names = sorted(p.stem for p in _preset_dir().glob("*.yaml"))
    if index is None:
        return tuple(names)
    return tuple(n for n in names if _preset_index(n) == index)


def _preset_index(name: str) -> str:
    doc = read_document(_preset_dir() / f"{name}.yaml", ScenarioError)
    return str(doc.get("index", "")) if isinstance(doc, dict) else ""


def load_scenario(source: str | Path, *, spec: IndexSpec | None = None,
                  data: Dataset | None = None, **params: Any) -> Scenario:
    """A preset by name, or a YAML/JSON scenario file, with parameter overrides.

    Examples
    --------
    >>> load_scenario("sanctions", countries=["RUS"], strength=0.2).shocks[0].value
    0.2
    """
    p = Path(source)
    if not p.is_file():
        if str(source) in presets():
            p = _preset_dir() / f"{source}.yaml"
        else:
            raise ScenarioError([Issue(("scenario",), "unknown_scenario",
                                       f"'{source}' is neither a preset nor a file. Presets: "
                                       f"{list(presets())}.", str(source))])
    doc = read_document(p, ScenarioError, as_json=p.suffix.lower() == ".json",
                        code="bad_format")
    if isinstance(doc, dict):
        doc.setdefault("name", p.stem)
    return parse_scenario(doc, params=params, source=str(p), spec=spec, data=data)


def preset(name: str, **params: Any) -> Scenario:
    """A shipped preset (``export-controls``, ``sanctions``, ``partnership``)."""
    if name not in presets():
        raise ScenarioError([Issue(("preset",), "unknown_preset", f"Unknown preset '{name}'. "
                                   f"Expected one of {list(presets())}.", name)])
    return load_scenario(name, **params)


# -- checking and applying ---------------------------------------------------------
def _code_issues(entries: list[_Entry], spec: IndexSpec, data: Dataset) -> list[Issue]:
    units = set(data.units)
    codes = set(spec.indicator_codes) | {d.code for d in spec.denominators}
    issues: list[Issue] = []
    for i, us, cs, partner in entries:
        issues += [Issue(("shocks", i, "units"), "unknown_unit", f"Unknown unit '{u}': not "
                         f"in the data. Expected codes such as {sorted(units)[:8]}.", u)
                   for u in us if u not in units]
        if partner is not None and partner not in units:
            issues.append(Issue(("shocks", i, "partner"), "unknown_unit", f"Unknown partner "
                                f"'{partner}': not in the data.", partner))
        issues += [Issue(("shocks", i, "indicators"), "unknown_indicator", f"Unknown "
                         f"indicator '{c}'. Expected one of {sorted(codes)}.", c)
                   for c in cs if c not in codes]
    return issues


def check_scenario(scenario: Scenario, spec: IndexSpec, data: Dataset) -> None:
    """Raise one :class:`ScenarioError` naming every unknown unit, partner or indicator."""
    entries = [(i, s.units, s.indicators, s.partner) for i, s in enumerate(scenario.shocks)]
    ScenarioError.collect(_code_issues(entries, spec, data),
                          f"problems in scenario '{scenario.name}'")


def _shocked(op: str, x: Any, v: float, partner: Any, gains_only: bool, direction: Any
             ) -> Any:
    """``x`` shocked: a float, or an array (``partner`` and ``direction`` alike)."""
    if op == "multiply":
        return x * v
    if op == "add":
        return x + v
    if op == "set":
        return np.full_like(x, v) if isinstance(x, np.ndarray) else v
    if op == "reduce":
        return x * (1.0 - v)
    keep = np.isnan(partner) | (gains_only & ((partner - x) * direction <= 0))
    return np.where(keep, x, x + v * (partner - x))


def apply_scenario(scenario: Scenario, data: Dataset, spec: IndexSpec, *,
                   year: int | None = None) -> tuple[Dataset, pd.DataFrame]:
    """The data with the scenario's shocks applied to what edition ``year`` sees.

    Returns
    -------
    data : Dataset
        A new dataset; ``data`` is not changed.
    changes : DataFrame
        One row per shocked cell: ``unit, code, year, before, after, op, status``
        (``changed``, ``unchanged`` or ``skipped: missing``).
    """
    check_scenario(scenario, spec, data)
    year = max(data.years) if year is None else int(year)
    codes = list(scenario.indicators)
    vals, yrs = data.wide(codes, year=year, lookback=spec.data.lookback)
    new, src = vals.to_numpy(dtype=float, copy=True), yrs.to_numpy(dtype=float)
    direction = np.array([spec.indicator(c).direction if c in spec.indicator_codes else 1
                          for c in codes], dtype=float)
    i, j, x, y, op = _apply(scenario.shocks, new, vals.index, pd.Index(codes), direction)
    skipped = np.isnan(x) & (op != "set")
    status = np.where(skipped, "skipped: missing", np.where(y != x, "changed", "unchanged"))
    source = np.where(skipped | np.isnan(src[i, j]), year, src[i, j])
    columns = ["unit", "code", "year", "before", "after", "op", "status"]
    changes = pd.DataFrame(dict(zip(columns, [
        vals.index[i], vals.columns[j], source.astype(np.int64), x, y, op,
        status.astype(object)], strict=True))) if len(i) else pd.DataFrame([], columns=columns)
    return with_values(data, pd.DataFrame(new, index=vals.index, columns=vals.columns), yrs,
                       year, label=f"scenario '{scenario.name}'"), changes


def _apply(shocks: tuple[Shock, ...], new: np.ndarray, units: pd.Index, codes: pd.Index,
           direction: np.ndarray) -> tuple[np.ndarray, ...]:
    """Apply ``shocks`` in order to ``new`` (units x codes) in place; per shocked cell,
    shock by shock and unit by unit: its row, column, value before and after, and op."""
    parts = [(np.empty(0, np.int64),) * 2 + (np.empty(0),) * 2 + (np.empty(0, object),)]
    for s in shocks:
        j = np.tile(codes.get_indexer(pd.Index(s.indicators)), len(s.units))
        i = np.repeat(units.get_indexer(pd.Index(s.units)), len(s.indicators))
        x, y, todo = np.empty(len(i)), np.empty(len(i)), np.arange(len(i))
        while todo.size:  # the first of each cell not done yet: one named twice, twice
            at = todo[np.unique((i * len(codes) + j)[todo], return_index=True)[1]]
            todo = np.setdiff1d(todo, at)
            x[at] = new[i[at], j[at]]
            p = new[units.get_loc(s.partner), j[at]] if s.partner is not None else np.nan
            with np.errstate(all="ignore"):  # as float arithmetic: inf, no warning
                shocked = _shocked(s.op, x[at], s.value, p, s.gains_only, direction[j[at]])
            y[at] = np.where(np.isnan(x[at]) & (s.op != "set"), x[at], shocked)
            new[i[at], j[at]] = y[at]
        parts.append((i, j, x, y, np.full(len(i), s.op, dtype=object)))
    return tuple(np.concatenate(a) for a in zip(*parts, strict=True))
