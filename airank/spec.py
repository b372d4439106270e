"""The index spec: a YAML or dict document validated into a frozen :class:`IndexSpec`.

A spec names the indicator tree (indicators -> groups at any depth -> one index), the
weights, directions and units, and the methodology of every step. Validation collects
every problem -- structure, tree, weights, methods, parameters -- and raises one
:class:`~airank.errors.SpecError`, each problem with its key path, value and expectation.
See ``docs/spec.md`` for the format.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal, cast

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import Issue, SpecError
from .methods import DEFAULT_METHOD, METHOD_PARAMS
from .spec_checks import (
    UniqueKeyLoader,
    check_methods,
    check_tree,
    flat_step,
    issue_from_pydantic,
    normalise_steps,
    set_path,
)

__all__ = ["Denominator", "IndexSpec", "Indicator", "Node", "StepConfig", "load_spec"]

#: A weight: a number (not text) >= 0, finite, at most 1e12 (larger ones overflow the sums
#: of siblings; weights only matter relative to each other).
Weight = Annotated[float, Field(ge=0, le=1e12, allow_inf_nan=False, strict=True)]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StepConfig(_Frozen):
    """A method name and its parameters, e.g. ``{method: minmax, lower: 0, upper: 100}``."""

    method: str
    params: dict[str, Any] = Field(default_factory=dict)

    def options(self, step: str) -> Any:
        """The method's validated parameter object (validated once: both are frozen)."""
        model = METHOD_PARAMS[step][self.method]
        known = self._options.get(step)
        if known is None or type(known) is not model:
            known = self._options[step] = model.model_validate(self.params)
        return known

    @cached_property
    def _options(self) -> dict[str, Any]:
        return {}

    def to_yaml(self) -> dict[str, Any]:
        return {"method": self.method, **self.params}


class Node(_Frozen):
    """A group (pillar, sub-pillar, ...) or the index itself (no parent)."""

    code: str
    name: str = ""
    parent: str | None = None
    weight: Weight = 1.0
    description: str = ""


class Indicator(_Frozen):
    """A leaf of the tree: one measured variable."""

    code: str
    name: str = ""
    parent: str
    weight: Weight = 1.0
    direction: Literal[1, -1] = 1
    unit: str = ""
    source: str = ""
    description: str = ""
    denominator: str | None = None
    target: Annotated[float, Field(allow_inf_nan=False)] | None = None
    methods: dict[str, StepConfig] = Field(default_factory=dict)
    #: Years from which the values come from a new methodology or vintage (a series
    #: break): values before and after are not comparable, so a comparable series
    #: (:mod:`airank.analysis.trend`) does not link across them.
    breaks: tuple[int, ...] = ()


class Denominator(_Frozen):
    code: str
    name: str = ""
    unit: str = ""


class UnitsSpec(_Frozen):
    kind: Literal["country", "custom"] = "country"
    groups: tuple[str, ...] = ()
    aliases: str | None = None


class DataSpec(_Frozen):
    year: int | None = None
    lookback: int = Field(default=0, ge=0, le=50)


class Methodology(_Frozen):
    denominate: StepConfig = StepConfig(method="divide")
    impute: StepConfig = StepConfig(method="none")
    screen: StepConfig = StepConfig(method="coverage")
    treat: StepConfig = StepConfig(method="none")
    normalise: StepConfig = StepConfig(method="minmax")
    aggregate: StepConfig = StepConfig(method="arithmetic")
    aggregate_levels: dict[int, StepConfig] = Field(default_factory=dict)


class IndexSpec(_Frozen):
    """A validated, frozen index spec. Build one with :func:`load_spec` or :meth:`from_dict`.

    The tree is derived once: ``children``, ``levels`` (indicators are level 1; a group is
    one above its highest child), ``index_code`` and weights rescaled within each parent.
    """

    name: str
    description: str = ""
    units: UnitsSpec = UnitsSpec()
    data: DataSpec = DataSpec()
    denominators: tuple[Denominator, ...] = ()
    nodes: tuple[Node, ...]
    indicators: tuple[Indicator, ...]
    methodology: Methodology = Methodology()
    base_dir: str | None = Field(None, exclude=True)

    # -- construction -------------------------------------------------------
    @classmethod
    def from_dict(cls, doc: Mapping[str, Any], *, base_dir: str | Path | None = None,
                  source: str = "spec") -> IndexSpec:
        """Validate a spec document; raise :class:`SpecError` listing every problem."""
        if not isinstance(doc, Mapping):
            raise SpecError([Issue((source,), "not_a_mapping",
                                   f"A spec must be a mapping of keys. Got {type(doc).__name__}.")])
        doc = normalise_steps(copy.deepcopy(dict(doc)))
        issues: list[Issue] = []
        spec: IndexSpec | None = None
        try:
            spec = cls.model_validate({**doc, "base_dir": str(base_dir) if base_dir else None})
        except ValidationError as err:
            issues += [issue_from_pydantic(e, doc) for e in err.errors()]
        tree = check_tree(doc)
        issues += tree + check_methods(doc)
        if spec is not None and not tree:  # levels exist only for a sound tree
            top = spec.levels[spec.index_code]
            issues += [Issue(("methodology", "aggregate_levels", lv), "unknown_level",
                             f"There is no group level {lv}: groups are levels 2 to {top} "
                             "(indicators are level 1).", lv)
                       for lv in spec.methodology.aggregate_levels if not 2 <= lv <= top]
        first: dict[tuple[Any, str], Issue] = {}
        for i in issues:  # one problem may be seen by pydantic and by our checks
            first.setdefault((i.loc, i.code), i)
        unique = list(first.values())
        if unique or spec is None:
            raise SpecError(unique, f"{len(unique)} problem(s) in {source}")
        return spec

    def to_dict(self) -> dict[str, Any]:
        """The spec as a plain, JSON-ready document (the YAML form) for :meth:`from_dict`."""
        d = self.model_dump(mode="json", exclude={"base_dir"})
        m = d["methodology"]
        for k in DEFAULT_METHOD:
            m[k] = flat_step(m[k])
        m["aggregate_levels"] = {lv: flat_step(c) for lv, c in m["aggregate_levels"].items()}
        for ind in d["indicators"]:
            ind["methods"] = {s: flat_step(c) for s, c in ind["methods"].items()}
        return d

    def fingerprint(self) -> str:
        """SHA-256 of the spec document (canonical JSON): names the exact methodology."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def to_yaml(self) -> str:
        """The spec as YAML text (what :func:`load_spec` reads)."""
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)

    def with_changes(self, changes: Mapping[str, Any]) -> IndexSpec:
        """A new spec with values replaced by key path, validated again.

        Paths: ``nodes.<code>.<field>``, ``indicators.<code>.<field>`` (or just
        ``<code>.<field>`` for either), ``methodology.<step>.<param>`` (``method`` for the
        method name), ``methodology.aggregate_levels.<level>.<param>`` (a level without an
        entry starts from ``methodology.aggregate``), ``data.<field>``, ``units.<field>``.
        A new method name drops the old method's parameters that the new one lacks.

        Raises
        ------
        SpecError
            If a path does not exist (all listed), or if the changed spec is invalid.

        Examples
        --------
        >>> from airank.datasets import asem_spec
        >>> asem_spec().with_changes({"Conn.weight": 2}).node("Conn").weight
        2.0
        """
        doc = self.to_dict()
        issues = []
        for path, value in changes.items():
            try:
                set_path(doc, str(path), value)
            except KeyError as exc:
                issues.append(Issue(tuple(str(path).split(".")), "unknown_path",
                                    str(exc.args[0]), value))
        SpecError.collect(issues, f"{len(issues)} unknown path(s) in the changes")
        return IndexSpec.from_dict(doc, base_dir=self.base_dir, source="the changed spec")

    def with_weights(self, weights: Mapping[str, Any]) -> IndexSpec:
        """``with_changes({f"{code}.weight": w, ...})`` without validating the spec again.

        A weight change can break only three rules: the code must exist, the weight must
        be a finite number >= 0, and a group keeps a child with weight > 0. They are
        checked here; if one fails, the full :meth:`with_changes` runs and raises its own
        error, so the result -- spec or error -- is always the one :meth:`with_changes`
        gives (``tests/test_scale_interactive.py`` checks it). Re-weighting is what a
        dashboard does on every slider move.
        """
        slow = {f"{c}.weight": w for c, w in weights.items()}
        by = self._by_code
        new: dict[str, float] = {}
        for code, w in weights.items():
            if code not in by or isinstance(w, bool) or not isinstance(w, (int, float)) \
                    or not math.isfinite(w) or w < 0:
                return self.with_changes(slow)
            new[str(code)] = float(w)
        for parent in {self.parent[c] for c in new} - {None}:
            kids = self.children[str(parent)]
            if all(new.get(k, by[k].weight) == 0 for k in kids):
                return self.with_changes(slow)
        nodes = tuple(n.model_copy(update={"weight": new[n.code]}) if n.code in new else n
                      for n in self.nodes)
        inds = tuple(i.model_copy(update={"weight": new[i.code]}) if i.code in new else i
                     for i in self.indicators)
        fields = {k: getattr(self, k) for k in type(self).model_fields}
        return type(self).model_construct(self.model_fields_set,
                                          **{**fields, "nodes": nodes, "indicators": inds})

    # -- the tree ---------------------------------------------------------------
    @cached_property
    def index_code(self) -> str:
        return next(n.code for n in self.nodes if n.parent is None)

    @cached_property
    def indicator_codes(self) -> tuple[str, ...]:
        return tuple(i.code for i in self.indicators)

    @cached_property
    def group_codes(self) -> tuple[str, ...]:
        """Groups ordered bottom-up (every group after all of its children)."""
        lv = self.levels
        order = {n.code: i for i, n in enumerate(self.nodes)}
        return tuple(sorted((n.code for n in self.nodes), key=lambda c: (lv[c], order[c])))

    @cached_property
    def codes(self) -> tuple[str, ...]:
        return self.indicator_codes + self.group_codes

    @cached_property
    def children(self) -> dict[str, tuple[str, ...]]:
        out: dict[str, list[str]] = {n.code: [] for n in self.nodes}
        for item in self._all:
            if item.parent is not None:
                out[item.parent].append(item.code)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def parent(self) -> dict[str, str | None]:
        return {i.code: i.parent for i in self._all}

    @cached_property
    def levels(self) -> dict[str, int]:
        lv: dict[str, int] = {c: 1 for c in self.indicator_codes}

        def level(code: str) -> int:
            if code not in lv:
                lv[code] = 1 + max(level(c) for c in self.children[code])
            return lv[code]

        for n in self.nodes:
            level(n.code)
        return lv

    @property
    def _all(self) -> tuple[Indicator | Node, ...]:
        return (*self.indicators, *self.nodes)

    @cached_property
    def _by_code(self) -> dict[str, Node | Indicator]:
        return {i.code: i for i in self._all}

    def node(self, code: str) -> Node | Indicator:
        """The indicator or group with this code."""
        return self._by_code[code]

    def indicator(self, code: str) -> Indicator:
        item = self._by_code[code]
        assert isinstance(item, Indicator)
        return item

    @cached_property
    def weights(self) -> dict[str, float]:
        """Nominal weights rescaled to sum to 1 within each parent."""
        out: dict[str, float] = {self.index_code: 1.0}
        for kids in self.children.values():
            w = np.array([self._by_code[k].weight for k in kids], dtype=float)
            total = w.sum()
            for k, v in zip(kids, w / total if total > 0 else w, strict=True):
                out[k] = float(v)
        return out

    @cached_property
    def effective_weights(self) -> dict[str, float]:
        """Each node's weight in the index: the product of rescaled weights up the tree."""
        out: dict[str, float] = {}
        for code in (*self.indicator_codes, *self.group_codes):
            w, c = 1.0, cast("str | None", code)
            while c is not None:
                w *= self.weights[c]
                c = self.parent[c]
            out[code] = w
        return out

    def aggregation(self, level: int) -> StepConfig:
        """The aggregation method used to compute groups of this level."""
        return self.methodology.aggregate_levels.get(level, self.methodology.aggregate)

    def method(self, step: str, code: str | None = None) -> StepConfig:
        """The method of ``step`` for indicator ``code`` (its override, else the default)."""
        if code is not None:
            over = self.indicator(code).methods.get(step)
            if over is not None:
                return over
        cfg: StepConfig = getattr(self.methodology, step)
        return cfg

    def resolve_path(self, name: str) -> Path:
        """A path named in the spec, relative to the spec file's folder."""
        p = Path(name)
        return p if p.is_absolute() or self.base_dir is None else Path(self.base_dir) / p


def load_spec(path: str | Path) -> IndexSpec:
    """Read and validate a YAML spec file.

    Raises
    ------
    SpecError
        If the file is missing or is not YAML; else every problem of the spec, and every
        key repeated within one mapping (YAML would silently keep the last), together.
    """
    p = Path(path)
    if not p.is_file():
        what = "is a folder, not a spec file" if p.is_dir() else "does not exist"
        raise SpecError([Issue((str(p),), "no_file", f"Spec file '{p}' {what}.", str(p))])
    try:
        loader = UniqueKeyLoader(p.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise SpecError([Issue((str(p),), "bad_yaml", f"'{p}' is not UTF-8 text: {exc}.")]
                        ) from None
    try:
        doc = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = (f"line {mark.line + 1}",) if mark is not None else ()
        raise SpecError([Issue((str(p), *where), "bad_yaml", f"'{p}' is not valid YAML: "
                               f"{getattr(exc, 'problem', None) or exc}.")]) from None
    finally:
        loader.dispose()
    issues = [Issue((str(p), f"line {line}"), "duplicate_key", f"The key '{key}' is given "
                    "twice in one mapping; YAML keeps only the last. Remove one.", key)
              for key, line in loader.duplicates]
    try:
        spec = IndexSpec.from_dict(doc if doc is not None else {}, base_dir=p.parent,
                                   source=str(p))
    except SpecError as err:
        issues += err.issues
    SpecError.collect(issues, f"{len(issues)} problem(s) in {p}")
    return spec


# -- helpers ---------------------------------------------------------------------
