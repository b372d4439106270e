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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml

from ...errors import FactorError, Issue, SpecError
from ...spec import IndexSpec

__all__ = ["Factor", "load_factors", "parse_factors"]

# Paths whose options act after normalisation: they never require another pipeline run.
_AGG_PATHS = ("methodology.aggregate", "methodology.aggregate_levels")


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
        raise FactorError([Issue(("factors",), "not_a_list",
                                 "Factors must be a list of mappings.", None)])
    issues: list[Issue] = []
    out: list[Factor] = []
    names: set[str] = set()
    for i, item in enumerate(items):
        loc: tuple[str | int, ...] = ("factors", item.get("name", i) if isinstance(
            item, Mapping) else i)
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
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise FactorError([Issue((str(p),), "bad_yaml", f"'{p}' is not valid YAML: {exc}")]
                          ) from None
    return parse_factors(doc or [], spec)


_KEYS = {
    "weights": {"name", "type", "level", "distribution", "noise", "concentration"},
    "choice": {"name", "type", "path", "options", "range", "steps"},
    "exclude": {"name", "type", "codes"},
}


def _parse_one(item: dict[str, Any], spec: IndexSpec, loc: tuple[str | int, ...]
               ) -> tuple[Factor | None, list[Issue]]:
    kind = item.get("type")
    if kind not in _KEYS:
        return None, [Issue((*loc, "type"), "bad_type",
                            f"type must be one of {sorted(_KEYS)}. Got {kind!r}.", kind)]
    name = item.get("name")
    if not isinstance(name, str) or not name:
        return None, [Issue((*loc, "name"), "missing_name", "Each factor needs a 'name'.",
                            name)]
    extra = set(item) - _KEYS[kind]
    if extra:
        return None, [Issue((*loc, k), "unknown_key",
                            f"Unknown key '{k}' for a {kind} factor. Allowed: "
                            f"{sorted(_KEYS[kind])}.", k) for k in sorted(extra)]
    parse = {"weights": _weights, "choice": _choice, "exclude": _exclude}[kind]
    return parse(item, spec, loc)


def _weights(item: dict[str, Any], spec: IndexSpec, loc: tuple[str | int, ...]
             ) -> tuple[Factor | None, list[Issue]]:
    issues = []
    levels = sorted({lv for c, lv in spec.levels.items() if c != spec.index_code})
    level = item.get("level")
    if level not in levels:
        issues.append(Issue((*loc, "level"), "bad_level",
                            f"level must be one of {levels} (1 = indicators). Got {level!r}.",
                            level))
    dist = item.get("distribution", "uniform")
    if dist not in ("uniform", "dirichlet"):
        issues.append(Issue((*loc, "distribution"), "bad_distribution",
                            f"distribution must be 'uniform' or 'dirichlet'. Got {dist!r}.",
                            dist))
    noise = item.get("noise", 0.25)
    if not isinstance(noise, (int, float)) or not 0 <= noise < 1:
        issues.append(Issue((*loc, "noise"), "bad_noise",
                            f"noise must be a number in [0, 1). Got {noise!r}.", noise))
    conc = item.get("concentration", 100.0)
    if not isinstance(conc, (int, float)) or conc <= 0:
        issues.append(Issue((*loc, "concentration"), "bad_concentration",
                            f"concentration must be a number > 0. Got {conc!r}.", conc))
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
        lo_hi, steps = item["range"], item.get("steps", 5)
        if (not isinstance(lo_hi, Sequence) or len(lo_hi) != 2 or not isinstance(steps, int)
                or steps < 2):
            return None, [Issue((*loc, "range"), "bad_range",
                                "range must be [lo, hi] with steps >= 2.", lo_hi)]
        options = [float(v) for v in np.linspace(float(lo_hi[0]), float(lo_hi[1]), steps)]
    if not isinstance(options, Sequence) or isinstance(options, str) or len(options) < 1:
        return None, [Issue((*loc, "options"), "no_options",
                            "A choice factor needs a non-empty list of 'options' (or a range).",
                            options)]
    factor = Factor(item["name"], "choice", path=path, options=tuple(options))
    issues = []
    for k in range(len(options)):
        try:
            spec.with_changes(factor.changes(k))
        except SpecError as exc:
            issues += [Issue((*loc, "options", k), e.code, f"option {k}: {e}", e.value)
                       for e in exc.issues]
    return (None, issues) if issues else (factor, [])


def _exclude(item: dict[str, Any], spec: IndexSpec, loc: tuple[str | int, ...]
             ) -> tuple[Factor | None, list[Issue]]:
    codes = item.get("codes", list(spec.indicator_codes))
    if not isinstance(codes, Sequence) or isinstance(codes, str) or not codes:
        return None, [Issue((*loc, "codes"), "bad_codes",
                            "codes must be a non-empty list of indicator or group codes.", codes)]
    issues = []
    for c in codes:
        if c not in spec.codes or c == spec.index_code:
            issues.append(Issue((*loc, "codes"), "unknown_code",
                                f"'{c}' is not an indicator or group of the spec.", c))
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
