"""The index spec: a YAML or dict document validated into a frozen :class:`IndexSpec`.

A spec names the indicator tree (indicators -> groups at any depth -> one index), the
weights, directions and units, and the methodology of every step. Validation collects
every problem -- structure, tree, weights, methods, parameters -- and raises one
:class:`~airank.errors.SpecError`, each problem with its key path, value and expectation.
See ``docs/spec.md`` for the format.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import Issue, SpecError
from .methods import DEFAULT_METHOD, METHOD_PARAMS

__all__ = ["Denominator", "IndexSpec", "Indicator", "Node", "StepConfig", "load_spec"]

_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_OVERRIDABLE = ("denominate", "impute", "treat", "normalise")


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StepConfig(_Frozen):
    """A method name and its parameters, e.g. ``{method: minmax, lower: 0, upper: 100}``."""

    method: str
    params: dict[str, Any] = Field(default_factory=dict)

    def options(self, step: str) -> Any:
        """The method's validated parameter object."""
        return METHOD_PARAMS[step][self.method].model_validate(self.params)

    def to_yaml(self) -> dict[str, Any]:
        return {"method": self.method, **self.params}


class Node(_Frozen):
    """A group (pillar, sub-pillar, ...) or the index itself (no parent)."""

    code: str
    name: str = ""
    parent: str | None = None
    weight: float = 1.0
    description: str = ""


class Indicator(_Frozen):
    """A leaf of the tree: one measured variable."""

    code: str
    name: str = ""
    parent: str
    weight: float = 1.0
    direction: Literal[1, -1] = 1
    unit: str = ""
    source: str = ""
    description: str = ""
    denominator: str | None = None
    target: float | None = None
    methods: dict[str, StepConfig] = Field(default_factory=dict)


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
    lookback: int = Field(0, ge=0, le=50)


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
        doc = _normalise_steps(copy.deepcopy(dict(doc)))
        issues: list[Issue] = []
        spec: IndexSpec | None = None
        try:
            spec = cls.model_validate({**doc, "base_dir": str(base_dir) if base_dir else None})
        except ValidationError as err:
            issues += [_issue_from_pydantic(e, doc) for e in err.errors()]
        issues += _check_tree(doc)
        issues += _check_methods(doc)
        if issues or spec is None:
            raise SpecError(_dedupe(issues), f"{len(_dedupe(issues))} problem(s) in {source}")
        return spec

    def to_dict(self) -> dict[str, Any]:
        """The spec as a plain document (the YAML form), suitable for :meth:`from_dict`."""
        d = self.model_dump(mode="json", exclude={"base_dir"}, exclude_defaults=False)
        m = d["methodology"]
        for k in list(m):
            if k == "aggregate_levels":
                m[k] = {lv: {"method": c["method"], **c["params"]} for lv, c in m[k].items()}
            else:
                m[k] = {"method": m[k]["method"], **m[k]["params"]}
        for ind in d["indicators"]:
            ind["methods"] = {s: {"method": c["method"], **c["params"]}
                              for s, c in ind["methods"].items()}
        return d

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)

    def with_changes(self, changes: Mapping[str, Any]) -> IndexSpec:
        """A new spec with values replaced by key path, validated again.

        Paths: ``nodes.<code>.<field>``, ``indicators.<code>.<field>`` (or just
        ``<code>.<field>`` for either), ``methodology.<step>.<param>`` (``method`` for the
        method name), ``methodology.aggregate_levels.<level>.<param>``, ``data.<field>``.

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
                _set_path(doc, path, value)
            except KeyError as exc:
                issues.append(Issue(tuple(path.split(".")), "unknown_path", str(exc.args[0]),
                                    value))
        SpecError.collect(issues)
        return IndexSpec.from_dict(doc, base_dir=self.base_dir, source="changed spec")

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
        for item in (*self.indicators, *self.nodes):
            if item.parent is not None:
                out[item.parent].append(item.code)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def parent(self) -> dict[str, str | None]:
        return {i.code: i.parent for i in (*self.indicators, *self.nodes)}

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

    @cached_property
    def _by_code(self) -> dict[str, Node | Indicator]:
        return {i.code: i for i in (*self.indicators, *self.nodes)}

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
            w, c = 1.0, code
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
        If the file is missing, is not YAML, or the spec is invalid (every problem listed).
    """
    p = Path(path)
    if not p.is_file():
        raise SpecError([Issue((str(p),), "no_file", f"Spec file '{p}' does not exist.")])
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SpecError([Issue((str(p),), "bad_yaml", f"'{p}' is not valid YAML: {exc}")]) from None
    return IndexSpec.from_dict(doc if doc is not None else {}, base_dir=p.parent, source=str(p))


# -- helpers ---------------------------------------------------------------------
def _step_doc(value: Any) -> Any:
    """``{method: m, a: 1}`` or ``"m"`` -> ``{method: m, params: {a: 1}}``."""
    if isinstance(value, str):
        return {"method": value, "params": {}}
    if isinstance(value, Mapping) and "params" not in value:
        rest = {k: v for k, v in value.items() if k != "method"}
        return {"method": value.get("method"), "params": rest}
    return value


def _normalise_steps(doc: dict[str, Any]) -> dict[str, Any]:
    meth = doc.get("methodology")
    if isinstance(meth, Mapping):
        meth = dict(meth)
        for k, v in meth.items():
            if k == "aggregate_levels" and isinstance(v, Mapping):
                meth[k] = {lv: _step_doc(c) for lv, c in v.items()}
            elif k in DEFAULT_METHOD:
                meth[k] = _step_doc(v)
        doc["methodology"] = meth
    inds = doc.get("indicators")
    if isinstance(inds, list):
        for ind in inds:
            if isinstance(ind, dict) and isinstance(ind.get("methods"), Mapping):
                ind["methods"] = {s: _step_doc(c) for s, c in ind["methods"].items()}
    return doc


def _label(doc: Mapping[str, Any], loc: tuple[Any, ...]) -> tuple[str | int, ...]:
    """Replace list positions under nodes/indicators by the item's code when it has one."""
    out: list[str | int] = []
    cur: Any = doc
    for part in loc:
        if isinstance(cur, list) and isinstance(part, int) and part < len(cur):
            item = cur[part]
            code = item.get("code") if isinstance(item, Mapping) else None
            out.append(str(code) if isinstance(code, str) and code else part)
            cur = item
        else:
            out.append(part if isinstance(part, int) else str(part))
            cur = cur.get(part) if isinstance(cur, Mapping) else None
    return tuple(out)


def _issue_from_pydantic(e: Any, doc: Mapping[str, Any]) -> Issue:
    loc = _label(doc, tuple(e["loc"]))
    kind = e["type"]
    value = e.get("input")
    if kind == "missing":
        msg = f"The key '{loc[-1]}' is required but missing."
        value = None
    elif kind == "extra_forbidden":
        msg = f"Unknown key '{loc[-1]}'. Check its spelling (see docs/spec.md)."
    else:
        msg = f"{e['msg']}. Got {value!r}."
    if isinstance(value, (dict, list)):
        value = None
    return Issue(loc, kind, msg, value)


def _items(doc: Mapping[str, Any], key: str) -> list[tuple[str | int, dict[str, Any]]]:
    raw = doc.get(key)
    if not isinstance(raw, list):
        return []
    out: list[tuple[str | int, dict[str, Any]]] = []
    for i, item in enumerate(raw):
        if isinstance(item, dict):
            code = item.get("code")
            out.append((code if isinstance(code, str) and code else i, item))
    return out


def _check_tree(doc: Mapping[str, Any]) -> list[Issue]:
    issues: list[Issue] = []
    nodes, inds = _items(doc, "nodes"), _items(doc, "indicators")
    denoms = {d.get("code") for _, d in _items(doc, "denominators")}
    seen: dict[str, str] = {}
    for section, items in (("nodes", nodes), ("indicators", inds)):
        for label, item in items:
            code = item.get("code")
            if not isinstance(code, str):
                continue
            if not _CODE.match(code):
                issues.append(Issue((section, label, "code"), "bad_code",
                                    "A code must start with a letter and hold only letters, "
                                    f"digits and '_'. Got {code!r}.", code))
            if code in seen:
                issues.append(Issue((section, label, "code"), "duplicate_code",
                                    f"The code '{code}' is used twice (also in {seen[code]}).",
                                    code))
            seen.setdefault(code, section)
    group_codes = {i.get("code") for _, i in nodes}
    roots = [label for label, n in nodes if n.get("parent") is None]
    if nodes and len(roots) != 1:
        issues.append(Issue(("nodes",), "root_count",
                            "Exactly one node must have no parent (the index). "
                            f"Got {len(roots)}: {roots}.", roots))
    parent_of: dict[str, Any] = {}
    for section, items in (("nodes", nodes), ("indicators", inds)):
        for label, item in items:
            par = item.get("parent")
            parent_of[str(item.get("code"))] = par
            if par is not None and par not in group_codes:
                is_ind = par in {i.get("code") for _, i in inds}
                hint = " Indicators cannot be parents." if is_ind else ""
                issues.append(Issue((section, label, "parent"), "unknown_parent",
                                    f"The parent '{par}' is not a node code.{hint}", par))
            den = item.get("denominator")
            if section == "indicators" and den is not None and den not in denoms:
                issues.append(Issue((section, label, "denominator"), "unknown_denominator",
                                    f"The denominator '{den}' is not listed under "
                                    f"'denominators'. Known: {sorted(map(str, denoms))}.", den))
    issues += _check_cycles(parent_of, group_codes)
    issues += _check_children_and_weights(nodes, inds)
    return issues


def _check_cycles(parent_of: Mapping[str, Any], groups: set[Any]) -> list[Issue]:
    issues, reported = [], set()
    for start in parent_of:
        path, c = [start], parent_of.get(start)
        while c is not None and c in parent_of and c not in path:
            path.append(c)
            c = parent_of.get(c)
        if c is not None and c in path:
            cyc = path[path.index(c):]
            key = frozenset(cyc)
            if key not in reported:
                reported.add(key)
                issues.append(Issue(("nodes", c, "parent"), "cycle",
                                    "The tree has a cycle: " + " -> ".join([*cyc, c]) + ".", c))
    return issues


def _check_children_and_weights(nodes: list[Any], inds: list[Any]) -> list[Issue]:
    issues: list[Issue] = []
    kids: dict[Any, list[tuple[str, Any, Any]]] = {n.get("code"): [] for _, n in nodes}
    for section, items in (("nodes", nodes), ("indicators", inds)):
        for label, item in items:
            w = item.get("weight", 1.0)
            if isinstance(w, (int, float)) and not isinstance(w, bool):
                if not np.isfinite(w) or w < 0:
                    issues.append(Issue((section, label, "weight"), "bad_weight",
                                        f"The weight of '{label}' must be a finite number >= 0. "
                                        f"Got {w}.", w))
            if item.get("parent") in kids:
                kids[item["parent"]].append((section, label, w))
    for code, ch in kids.items():
        if not ch:
            issues.append(Issue(("nodes", code), "empty_group",
                                f"The group '{code}' has no children. Give it indicators or "
                                "groups, or remove it.", code))
            continue
        ws = [w for _, _, w in ch if isinstance(w, (int, float)) and not isinstance(w, bool)]
        if len(ws) == len(ch) and all(np.isfinite(w) and w >= 0 for w in ws) and sum(ws) == 0:
            issues.append(Issue(("nodes", code), "zero_weights",
                                f"The children of '{code}' all have weight 0; at least one must "
                                f"be > 0. Children: {[lab for _, lab, _ in ch]}.", code))
    return issues


def _check_step(step: str, cfg: Any, loc: tuple[str | int, ...]) -> list[Issue]:
    if not isinstance(cfg, Mapping) or not isinstance(cfg.get("method"), str):
        return []  # pydantic reports the structure
    known = METHOD_PARAMS[step]
    method = cfg["method"]
    if method not in known:
        return [Issue((*loc, "method"), "unknown_method",
                      f"Unknown {step} method '{method}'. Expected one of {sorted(known)}.",
                      method)]
    params = cfg.get("params") or {}
    try:
        known[method].model_validate(params)
    except ValidationError as err:
        return [_param_issue(step, method, e, loc) for e in err.errors()]
    except TypeError:
        return [Issue(loc, "bad_params", f"Parameters of {step} must be a mapping.", params)]
    return []


def _param_issue(step: str, method: str, e: Any, loc: tuple[str | int, ...]) -> Issue:
    value = e.get("input")
    if e["type"] == "extra_forbidden":
        what = f"unknown parameter '{e['loc'][-1]}'."
    else:
        what = f"{e['msg']}. Got {value!r}."
    return Issue((*loc, *map(str, e["loc"])), e["type"],
                 f"Bad parameter for {step} method '{method}': {what}",
                 None if isinstance(value, (dict, list)) else value)


def _check_methods(doc: Mapping[str, Any]) -> list[Issue]:
    issues: list[Issue] = []
    meth = doc.get("methodology")
    if isinstance(meth, Mapping):
        for step in DEFAULT_METHOD:
            if step in meth:
                issues += _check_step(step, meth[step], ("methodology", step))
        levels = meth.get("aggregate_levels")
        if isinstance(levels, Mapping):
            for lv, cfg in levels.items():
                issues += _check_step("aggregate", cfg, ("methodology", "aggregate_levels", lv))
    for label, ind in _items(doc, "indicators"):
        over = ind.get("methods")
        if isinstance(over, Mapping):
            for step, cfg in over.items():
                if step not in _OVERRIDABLE:
                    issues.append(Issue(("indicators", label, "methods", step), "bad_override",
                                        f"Only {list(_OVERRIDABLE)} can be set per indicator. "
                                        f"Got '{step}'.", step))
                else:
                    issues += _check_step(step, cfg, ("indicators", label, "methods", step))
    return issues


def _dedupe(issues: list[Issue]) -> list[Issue]:
    seen, out = set(), []
    for i in issues:
        key = (i.loc, i.code)
        if key not in seen:
            seen.add(key)
            out.append(i)
    return out


def _set_path(doc: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    if parts[0] not in ("nodes", "indicators", "methodology", "data", "units", "name"):
        parts = ["*", *parts]
    if parts[0] in ("nodes", "indicators", "*"):
        if len(parts) != 3:
            raise KeyError(f"'{path}' must be '<section>.<code>.<field>' or '<code>.<field>'.")
        sections = ("nodes", "indicators") if parts[0] == "*" else (parts[0],)
        for sec in sections:
            for item in doc[sec]:
                if item["code"] == parts[1]:
                    if parts[2] not in item and parts[2] not in (
                            "weight", "direction", "denominator", "target", "parent"):
                        raise KeyError(f"'{parts[1]}' has no field '{parts[2]}'.")
                    item[parts[2]] = value
                    return
        raise KeyError(f"No node or indicator has the code '{parts[1]}'.")
    cur: Any = doc
    for i, p in enumerate(parts[:-1]):
        key: Any = int(p) if isinstance(cur, dict) and p.isdigit() and i == 2 else p
        if not isinstance(cur, dict) or key not in cur:
            raise KeyError(f"'{path}': no key '{p}'.")
        cur = cur[key]
    if parts[0] == "methodology" and len(parts) == 2:
        raise KeyError(f"'{path}': name a parameter, e.g. '{path}.method'.")
    cur[parts[-1]] = value
