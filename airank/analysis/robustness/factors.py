"""Uncertainty factors: what may vary in an index, declared in YAML or Python.

Four kinds, each checked against the spec when declared:

* ``weights`` -- noise on the weights of every node of one level: ``uniform`` (each
  weight drawn in nominal x [1 - noise, 1 + noise]) or ``dirichlet`` (the weights within
  each parent drawn from a Dirichlet centred on the nominal shares, with the given
  ``concentration``: higher = closer to nominal);
* ``choice`` -- one of several options for a spec path: a step
  (``methodology.normalise`` with options such as ``{method: zscore, mean: 10, sd: 2}``),
  a parameter (``methodology.screen.min_coverage``) or any node field (``talent.weight``);
* ``exclude`` -- leave out one of the listed indicators or groups (weight 0), or none;
* a ``choice`` with a ``range: [lo, hi]`` and ``steps`` for a continuous parameter.

Every option is a set of changes for :meth:`IndexSpec.with_changes`, so any replication
can be rebuilt through the normal pipeline.

YAML::

    factors:
      - {name: pillar_weights, type: weights, level: 2, noise: 0.25}
      - name: normalisation
        type: choice
        path: methodology.normalise
        options: [{method: minmax, lower: 1, upper: 100}, {method: zscore, mean: 10, sd: 2}]
      - {name: leave_one_out, type: exclude, codes: [Physical, Social]}
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml

from ...errors import AirankError, FactorError, Issue, SpecError
from ...spec import IndexSpec

__all__ = ["MAX_DEPTH", "MAX_OPTIONS", "Factor", "load_factors", "nesting_issue",
           "parse_factors", "read_document"]

# Paths whose options act after normalisation: they never require another pipeline run.
_AGG_PATHS = ("methodology.aggregate", "methodology.aggregate_levels")
MAX_OPTIONS = 100  # options (or range steps) of one factor: each is validated, may be built
MAX_DEPTH = 8  # nesting of an option value (a step is a mapping of scalars: depth 2)
MAX_CONCENTRATION = 1e6  # Dirichlet shares then within ~0.1% of nominal; beyond, overflow


@dataclass(frozen=True)
class Factor:
    """One uncertain input.

    Attributes
    ----------
    name : str
    kind : {"weights", "choice", "exclude"}
    level : int, optional
        ``weights``: the level whose nodes' weights vary (1 = indicators).
    distribution : {"uniform", "dirichlet"}
    noise : float
        ``uniform``: relative half-width (0.25 = +-25%).
    concentration : float
        ``dirichlet``: concentration (scale of the Dirichlet parameters).
    path : str, optional
        ``choice``: the spec path the options set.
    options : tuple
        ``choice``: the values (step dicts or scalars); ``exclude``: codes left out
        (``None`` = nothing left out, always the first option).
    """

    name: str
    kind: Literal["weights", "choice", "exclude"]
    level: int | None = None
    distribution: Literal["uniform", "dirichlet"] = "uniform"
    noise: float = 0.25
    concentration: float = 100.0
    path: str | None = None
    options: tuple[Any, ...] = field(default_factory=tuple)

    @property
    def n_options(self) -> int:
        return len(self.options)

    @property
    def after_normalisation(self) -> bool:
        """True when the factor changes only weights or aggregation (no pipeline rerun)."""
        if self.kind in ("weights", "exclude"):
            return True
        assert self.path is not None
        return self.path.startswith(_AGG_PATHS) or _is_weight_path(self.path)

    def changes(self, option: int) -> dict[str, Any]:
        """The spec changes of option ``option`` (``choice`` and ``exclude`` factors)."""
        value = self.options[option]
        if self.kind == "exclude":
            return {} if value is None else {f"{value}.weight": 0}
        assert self.kind == "choice" and self.path is not None
        if isinstance(value, Mapping):
            # a whole step: its method first (which drops the old method's parameters),
            # then the new parameters
            out = {f"{self.path}.method": value.get("method")}
            out.update({f"{self.path}.{k}": v for k, v in value.items() if k != "method"})
            return out
        return {self.path: value}


def _is_weight_path(path: str) -> bool:
    parts = path.split(".")
    return parts[-1] == "weight" and len(parts) in (2, 3)


def parse_factors(doc: Sequence[Mapping[str, Any]] | Mapping[str, Any], spec: IndexSpec
                  ) -> tuple[Factor, ...]:
    """Validate factor declarations against ``spec``; raise one FactorError with all issues."""
    items = doc.get("factors", doc) if isinstance(doc, Mapping) else doc
    if not isinstance(items, Sequence) or isinstance(items, str):
        raise FactorError([Issue(("factors",), "not_a_list", "Factors must be a list of "
                                 f"mappings. Got {type(items).__name__} {items!r:.80}.",
                                 None)])
    issues: list[Issue] = []
    out: list[Factor] = []
    names: set[str] = set()
    if len(items) > 100:
        raise FactorError([Issue(("factors",), "too_many", "At most 100 factors. Got "
                                 f"{len(items)}.", len(items))])
    for i, item in enumerate(items):
        name = item.get("name") if isinstance(item, Mapping) else None
        loc: tuple[str | int, ...] = ("factors", name if isinstance(name, str) and name
                                      and len(name) <= 100 else i)
        if not isinstance(item, Mapping):
            issues.append(Issue(loc, "not_a_mapping", "Each factor must be a mapping.", item))
            continue
        factor, found = _parse_one(dict(item), spec, loc)
        issues += found
        if factor is not None:
            if factor.name in names:
                issues.append(Issue(loc, "duplicate_name",
                                    f"The factor name '{factor.name}' is used twice.",
                                    factor.name))
            names.add(factor.name)
            out.append(factor)
    FactorError.collect(issues, f"{len(issues)} problem(s) in the factors")
    return tuple(out)


def load_factors(path: str | Path, spec: IndexSpec) -> tuple[Factor, ...]:
    """Read factors from a YAML file (a list, or a mapping with key ``factors``)."""
    p = Path(path)
    if not p.is_file():
        raise FactorError([Issue((str(p),), "no_file", f"Factor file '{p}' does not exist.")])
    return parse_factors(read_document(p, FactorError) or [], spec)


def read_document(path: Path, error: type[AirankError], *, as_json: bool = False,
                  code: str | None = None) -> Any:
    """A YAML (or, with ``as_json``, JSON) document from a UTF-8 file.

    Raises ``error`` with code ``bad_encoding`` (naming the byte) for a file that is not
    UTF-8, ``code`` (default ``bad_yaml``, ``bad_format`` for JSON) for a malformed
    document and ``too_deep`` for
    nesting deeper than Python's parsers go.
    """
    kind = "JSON" if as_json else "YAML"
    code = code or ("bad_format" if as_json else "bad_yaml")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise error([Issue((str(path),), "bad_encoding", f"'{path}' is not UTF-8 text: byte "
                           f"{exc.start} is 0x{exc.object[exc.start]:02x}. Save it as "
                           "UTF-8.", exc.start)]) from None
    except OSError as exc:
        raise error([Issue((str(path),), "unreadable", f"'{path}' cannot be read: "
                           f"{exc.strerror}.")]) from None
    try:
        return json.loads(text) if as_json else yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise error([Issue((str(path),), code, f"'{path}' is not valid {kind}: {exc}")]
                    ) from None
    except RecursionError:
        raise error([Issue((str(path),), "too_deep", f"'{path}' is nested too deeply to "
                           "read.")]) from None
    except ValueError as exc:  # JSON numbers too long to read
        raise error([Issue((str(path),), code, f"'{path}' is not valid {kind}: {exc}")]
                    ) from None


def nesting_issue(value: Any, loc: tuple[str | int, ...], limit: int = MAX_DEPTH
                  ) -> Issue | None:
    """An issue ``too_deep`` when ``value`` nests lists or mappings beyond ``limit``."""
    stack = [(value, 0)]
    while stack:
        v, depth = stack.pop()
        if depth > limit:
            return Issue(loc, "too_deep", f"The value is nested more than {limit} levels "
                         "deep.", None)
        if isinstance(v, Mapping):
            stack += [(x, depth + 1) for x in v.values()]
        elif isinstance(v, (list, tuple)):
            stack += [(x, depth + 1) for x in v]
    return None


def _non_finite(value: Any) -> bool:
    """True when ``value`` holds a NaN or infinite number anywhere (depth-limited)."""
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, Mapping):
        return any(_non_finite(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_non_finite(v) for v in value)
    return False


def _is_number(value: Any) -> bool:
    """A finite int or float, not a bool."""
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


_KEYS = {
    "weights": {"name", "type", "level", "distribution", "noise", "concentration"},
    "choice": {"name", "type", "path", "options", "range", "steps"},
    "exclude": {"name", "type", "codes"},
}


def _parse_one(item: dict[str, Any], spec: IndexSpec, loc: tuple[str | int, ...]
               ) -> tuple[Factor | None, list[Issue]]:
    kind = item.get("type")
    if not isinstance(kind, str) or kind not in _KEYS:
        return None, [Issue((*loc, "type"), "bad_type",
                            f"type must be one of {sorted(_KEYS)}. Got {kind!r}.", kind)]
    name = item.get("name")
    if not isinstance(name, str) or not name:
        return None, [Issue((*loc, "name"), "missing_name", "Each factor needs a 'name'.",
                            name)]
    extra = {str(k) for k in item} - _KEYS[kind]
    if extra:
        return None, [Issue((*loc, k), "unknown_key",
                            f"Unknown key '{k}' for a {kind} factor. Allowed: "
                            f"{sorted(_KEYS[kind])}.", k) for k in sorted(extra)]
    deep = [d for k, v in item.items() if (d := nesting_issue(v, (*loc, str(k))))]
    if deep:
        return None, deep
    parse = {"weights": _weights, "choice": _choice, "exclude": _exclude}[kind]
    return parse(item, spec, loc)


def _weights(item: dict[str, Any], spec: IndexSpec, loc: tuple[str | int, ...]
             ) -> tuple[Factor | None, list[Issue]]:
    issues = []
    levels = sorted({lv for c, lv in spec.levels.items() if c != spec.index_code})
    level = item.get("level")
    if isinstance(level, bool) or not isinstance(level, int) or level not in levels:
        issues.append(Issue((*loc, "level"), "bad_level",
                            f"level must be one of {levels} (1 = indicators). Got {level!r}.",
                            level))
    dist = item.get("distribution", "uniform")
    if not isinstance(dist, str) or dist not in ("uniform", "dirichlet"):
        issues.append(Issue((*loc, "distribution"), "bad_distribution",
                            f"distribution must be 'uniform' or 'dirichlet'. Got {dist!r}.",
                            dist))
    noise = item.get("noise", 0.25)
    if not _is_number(noise) or not 0 <= noise < 1:
        issues.append(Issue((*loc, "noise"), "bad_noise",
                            f"noise must be a number in [0, 1). Got {noise!r}.", noise))
    conc = item.get("concentration", 100.0)
    if not _is_number(conc) or not 0 < conc <= MAX_CONCENTRATION:
        issues.append(Issue((*loc, "concentration"), "bad_concentration",
                            f"concentration must be a finite number > 0 and at most "
                            f"{MAX_CONCENTRATION:g}. Got {conc!r}.", conc))
    if issues:
        return None, issues
    assert level is not None  # it is one of ``levels``
    return Factor(item["name"], "weights", level=int(level), distribution=dist,
                  noise=float(noise), concentration=float(conc)), []


def _choice(item: dict[str, Any], spec: IndexSpec, loc: tuple[str | int, ...]
            ) -> tuple[Factor | None, list[Issue]]:
    path = item.get("path")
    if not isinstance(path, str) or not path:
        return None, [Issue((*loc, "path"), "missing_path", "A choice factor needs a 'path'.",
                            path)]
    options = item.get("options")
    if options is None and "range" in item:
        options, issues = _range(item, loc)
        if issues:
            return None, issues
    if not isinstance(options, (list, tuple)) or len(options) < 1:
        return None, [Issue((*loc, "options"), "no_options",
                            "A choice factor needs a non-empty list of 'options' (or a range).",
                            None if isinstance(options, (Mapping, list, tuple)) else options)]
    if len(options) > MAX_OPTIONS:
        return None, [Issue((*loc, "options"), "too_many_options", f"A factor may have at "
                            f"most {MAX_OPTIONS} options. Got {len(options)}.", len(options))]
    factor = Factor(item["name"], "choice", path=path, options=tuple(options))
    issues = []
    for k in range(len(options)):
        issues += _option_issues(factor, k, spec, (*loc, "options", k))
    return (None, issues) if issues else (factor, [])


def _range(item: dict[str, Any], loc: tuple[str | int, ...]
           ) -> tuple[list[float], list[Issue]]:
    """The options of ``range: [lo, hi]`` and ``steps``, or the issues."""
    lo_hi, steps = item["range"], item.get("steps", 5)
    issues = []
    if not isinstance(lo_hi, (list, tuple)) or len(lo_hi) != 2:
        issues.append(Issue((*loc, "range"), "bad_range", "range must be a list [lo, hi] "
                            f"of two numbers. Got {_show(lo_hi)}.", _scalar(lo_hi)))
    else:
        issues += [Issue((*loc, "range", k), "bad_range", f"range[{k}] must be a finite "
                         f"number. Got {_show(v)}.", _scalar(v))
                   for k, v in enumerate(lo_hi) if not _is_number(v)]
    if isinstance(steps, bool) or not isinstance(steps, int) or not 2 <= steps <= MAX_OPTIONS:
        issues.append(Issue((*loc, "steps"), "bad_steps", f"steps must be a whole number "
                            f"from 2 to {MAX_OPTIONS}. Got {_show(steps)}.", _scalar(steps)))
    if issues:
        return [], issues
    return [float(v) for v in np.linspace(float(lo_hi[0]), float(lo_hi[1]), steps)], []


def _option_issues(factor: Factor, k: int, spec: IndexSpec, loc: tuple[str | int, ...]
                   ) -> list[Issue]:
    """Why option ``k`` of a choice factor is not a valid change of ``spec`` (if it is not)."""
    value = factor.options[k]
    if _non_finite(value):
        return [Issue(loc, "not_finite", f"option {k}: numbers must be finite. Got "
                      f"{_show(value)}.", _scalar(value))]
    try:
        spec.with_changes(factor.changes(k))
    except SpecError as exc:
        return [Issue(loc, e.code, f"option {k}: {e}", e.value) for e in exc.issues]
    except (TypeError, ValueError, AttributeError, RecursionError) as exc:
        # a value of a type the spec's fields cannot even compare (not a SpecError)
        return [Issue(loc, "bad_option", f"option {k} is not a valid value for "
                      f"'{factor.path}': {type(exc).__name__}. Got {_show(value)}.",
                      _scalar(value))]
    return []


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _scalar(value: Any) -> Any:
    """``value`` if it is a scalar worth echoing in an issue, else None."""
    return value if value is None or isinstance(value, (str, int, float, bool)) else None


def _exclude(item: dict[str, Any], spec: IndexSpec, loc: tuple[str | int, ...]
             ) -> tuple[Factor | None, list[Issue]]:
    codes = item.get("codes", list(spec.indicator_codes))
    if not isinstance(codes, (list, tuple)) or not codes or len(codes) > MAX_OPTIONS:
        return None, [Issue((*loc, "codes"), "bad_codes", "codes must be a non-empty list "
                            f"of at most {MAX_OPTIONS} indicator or group codes.",
                            _scalar(codes))]
    issues = []
    for c in codes:
        if not isinstance(c, str) or c not in spec.codes or c == spec.index_code:
            issues.append(Issue((*loc, "codes"), "unknown_code",
                                f"{_show(c)} is not an indicator or group of the spec.",
                                _scalar(c)))
    factor = Factor(item["name"], "exclude", options=(None, *codes))
    if not issues:
        for k in range(1, factor.n_options):
            try:
                spec.with_changes(factor.changes(k))
            except SpecError as exc:
                issues += [Issue((*loc, "codes", str(codes[k - 1])), e.code,
                                 f"leaving out '{codes[k - 1]}': {e.message}", e.value)
                           for e in exc.issues]
    return (None, issues) if issues else (factor, [])
