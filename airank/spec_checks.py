"""Spec documents: YAML loading, key normalisation, checks and key-path edits.

The validation behind :meth:`airank.spec.IndexSpec.from_dict`: everything here works on
the plain document (dicts and lists as read from YAML), so that every problem can be
found and reported together, each with its key path, the value and what was expected.
"""

from __future__ import annotations

import re
import reprlib
from collections.abc import Mapping
from typing import Any

import yaml
from pydantic import ValidationError

from .errors import Issue
from .methods import DEFAULT_METHOD, METHOD_PARAMS

_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_OVERRIDABLE = ("denominate", "impute", "treat", "normalise")


MAX_ALIAS_NODES = 10_000


class AliasBombError(yaml.constructor.ConstructorError):
    """Aliases that would expand the document far beyond what is written (a YAML bomb)."""


class UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that notes repeated keys (PyYAML silently keeps the last) and
    refuses documents whose aliases expand to more than :data:`MAX_ALIAS_NODES` nodes
    beyond those written, or refer to themselves.

    PyYAML shares an aliased node rather than copying it, so a few hundred bytes of nested
    aliases make a document of billions of values that only blows up later, when it is
    validated or printed. The expanded size is counted on the node graph (each distinct
    node once) before anything is built.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[Any, int]] = []

    def construct_document(self, node: Any) -> Any:
        sizes: dict[int, int] = {}
        expanded = _expanded_size(node, sizes, set())
        if expanded - len(sizes) > MAX_ALIAS_NODES:
            raise AliasBombError(None, None, (
                f"its aliases (*name) expand {len(sizes):,} written nodes to at least "
                f"{expanded:,}, "
                f"more than {MAX_ALIAS_NODES:,} beyond those written; airank refuses such "
                "documents. Write the repeated parts out"), node.start_mark)
        return super().construct_document(node)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: list[Any] = []
        for key_node, _ in node.value:
            if key_node.tag != "tag:yaml.org,2002:merge":
                key = self.construct_object(key_node, deep=deep)
                if key in seen:
                    self.duplicates.append((key, key_node.start_mark.line + 1))
                seen.append(key)
        return super().construct_mapping(node, deep=deep)


def _expanded_size(node: Any, sizes: dict[int, int], open_: set[int]) -> int:
    """Nodes of ``node`` with every alias written out (memoised per distinct node)."""
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in open_:
        raise AliasBombError(None, None, "an alias (*name) refers to a node that contains "
                             "it; airank refuses recursive documents", node.start_mark)
    open_.add(key)
    if isinstance(node, yaml.MappingNode):
        kids = [n for pair in node.value for n in pair]
    elif isinstance(node, yaml.SequenceNode):
        kids = list(node.value)
    else:
        kids = []
    total = 1
    for kid in kids:
        total += _expanded_size(kid, sizes, open_)
        if total > 10 * MAX_ALIAS_NODES + len(sizes):  # no need to count further
            break
    open_.discard(key)
    sizes[key] = total
    return total


def short_repr(value: Any) -> str:
    """``repr(value)`` cut short: long lists, dicts and texts elided, 300 characters at most."""
    text = _REPR.repr(value)
    return text if len(text) <= 300 else text[:297] + "..."


_REPR = reprlib.Repr()
_REPR.maxlist = _REPR.maxdict = _REPR.maxtuple = _REPR.maxset = 8
_REPR.maxstring = _REPR.maxother = 120
_REPR.maxlevel = 2


def flat_step(cfg: Mapping[str, Any]) -> dict[str, Any]:
    """``{method: m, params: {a: 1}}`` -> ``{method: m, a: 1}`` (the YAML form)."""
    return {"method": cfg["method"], **cfg["params"]}


def _step_doc(value: Any, default: Any) -> Any:
    """``{method: m, a: 1}``, ``{a: 1}`` (the default method) or ``"m"`` -> ``{method, params}``."""
    if isinstance(value, str):
        return {"method": value, "params": {}}
    if isinstance(value, Mapping) and "params" not in value:
        return {"method": value.get("method", default),
                "params": {k: v for k, v in value.items() if k != "method"}}
    return value


def normalise_steps(doc: dict[str, Any]) -> dict[str, Any]:
    """Steps in their ``{method, params}`` form; a step without ``method`` takes the default
    (for an indicator's override: the methodology's method of that step)."""
    meth = doc.get("methodology")
    if isinstance(meth, Mapping):
        meth = doc["methodology"] = dict(meth)
        for k, v in meth.items():
            if k == "aggregate_levels" and isinstance(v, Mapping):
                agg = _step_doc(meth.get("aggregate", {}), DEFAULT_METHOD["aggregate"])
                meth[k] = {lv: _step_doc(c, _get(agg, "method")) for lv, c in v.items()}
            elif k in DEFAULT_METHOD:
                meth[k] = _step_doc(v, DEFAULT_METHOD[k])
    for _, ind in _items(doc, "indicators"):
        if isinstance(ind.get("methods"), Mapping):
            ind["methods"] = {s: _step_doc(c, _get(_get(meth, s), "method",
                                                   DEFAULT_METHOD.get(s)))
                              for s, c in ind["methods"].items()}
    return doc


def _get(obj: Any, key: str, default: Any = None) -> Any:
    return obj.get(key, default) if isinstance(obj, Mapping) else default


def _str(value: Any) -> str | None:
    """The value if it is text, else None (pydantic reports values of the wrong type)."""
    return value if isinstance(value, str) else None


def _items(doc: Mapping[str, Any], key: str) -> list[tuple[str | int, dict[str, Any]]]:
    """(label, item) for each mapping in the list ``doc[key]``; label = code or position."""
    raw = doc.get(key)
    return [(item["code"] if isinstance(item.get("code"), str) and item["code"] else i, item)
            for i, item in enumerate(raw) if isinstance(item, dict)
            ] if isinstance(raw, list) else []


def _describe(e: Any) -> str:
    """A pydantic error as 'what was expected. Got <value>.'."""
    if e["type"] == "value_error":  # our own validators already name the values
        return str(e["ctx"]["error"])
    return f"{e['msg']}. Got {short_repr(e.get('input'))}."


def issue_from_pydantic(e: Any, doc: Mapping[str, Any]) -> Issue:
    loc: list[str | int] = []  # list positions under nodes/indicators -> the item's code
    cur: Any = doc
    for part in e["loc"]:
        if isinstance(cur, list) and isinstance(part, int) and part < len(cur):
            cur = cur[part]
            code = cur.get("code") if isinstance(cur, Mapping) else None
            loc.append(code if isinstance(code, str) and code else part)
        else:
            loc.append(part if isinstance(part, int) else str(part))
            cur = cur.get(part) if isinstance(cur, Mapping) else None
    kind, value = e["type"], e.get("input")
    if kind == "missing":
        msg, value = f"The key '{loc[-1]}' is required but missing.", None
    elif kind == "extra_forbidden":
        msg = f"Unknown key '{loc[-1]}'. Check its spelling (see docs/spec.md)."
    elif loc[-1] == "weight" and kind in ("greater_than_equal", "finite_number"):
        kind, msg = "bad_weight", (f"The weight of '{loc[-2]}' must be a finite number >= 0. "
                                   f"Got {value!r}.")
    else:
        msg = _describe(e)
    return Issue(tuple(loc), kind, msg, None if isinstance(value, (dict, list)) else value)


def check_tree(doc: Mapping[str, Any]) -> list[Issue]:
    """Codes, the one root, parents, cycles, denominators, empty groups, all-zero weights."""
    issues: list[Issue] = []
    nodes, inds = _items(doc, "nodes"), _items(doc, "indicators")
    for key, what in (("nodes", "node (the index)"), ("indicators", "indicator")):
        if doc.get(key) == []:
            issues.append(Issue((key,), "empty", f"At least one {what} is required. Got none.",
                                None))
    seen: dict[str, str] = {}
    for section, label, item in [("nodes", *n) for n in nodes] + [("indicators", *i)
                                                                    for i in inds]:
        code = item.get("code")
        if isinstance(code, str) and not _CODE.match(code):
            issues.append(Issue((section, label, "code"), "bad_code", "A code must start with "
                                f"a letter and hold only letters, digits and '_'. Got {code!r}.",
                                code))
        if isinstance(code, str) and code in seen:
            issues.append(Issue((section, label, "code"), "duplicate_code",
                                f"The code '{code}' is used twice (also in {seen[code]}). "
                                "Codes must be unique across nodes and indicators.", code))
        if isinstance(code, str):
            seen.setdefault(code, section)
    roots = [label for label, n in nodes if n.get("parent") is None]
    if nodes and len(roots) != 1:
        issues.append(Issue(("nodes",), "root_count", "Exactly one node must have no parent "
                            f"(the index). Got {len(roots)}: {roots}.", roots))
    groups = {_str(n.get("code")) for _, n in nodes} - {None}
    denoms = {_str(d.get("code")) for _, d in _items(doc, "denominators")} - {None}
    kids: dict[Any, list[tuple[Any, Any]]] = {g: [] for g in groups}
    for section, label, item in [("nodes", *n) for n in nodes] + [("indicators", *i)
                                                                    for i in inds]:
        par, den = _str(item.get("parent")), _str(item.get("denominator"))
        if par in kids:
            kids[par].append((label, item.get("weight", 1)))
        elif par is not None:
            hint = " Indicators cannot be parents." if par in {
                _str(i.get("code")) for _, i in inds} else ""
            issues.append(Issue((section, label, "parent"), "unknown_parent", f"The parent "
                                f"'{par}' is not a node code.{hint} Nodes: "
                                f"{sorted(map(str, groups))}.", par))
        if section == "indicators" and den is not None and den not in denoms:
            issues.append(Issue((section, label, "denominator"), "unknown_denominator",
                                f"The denominator '{den}' is not listed under 'denominators'. "
                                f"Known: {sorted(map(str, denoms))}.", den))
    parent_of = {str(n.get("code")): _str(n.get("parent")) for _, n in nodes}
    reported: set[frozenset[str]] = set()
    for start in parent_of:  # cycles among groups (an indicator parent is reported above)
        path, c = [start], parent_of[start]
        while c in parent_of and c not in path:
            path.append(c)
            c = parent_of[c]
        if c in path and frozenset(path[path.index(c):]) not in reported:
            reported.add(frozenset(path[path.index(c):]))
            issues.append(Issue(("nodes", c, "parent"), "cycle", "The tree has a cycle: "
                                + " -> ".join([*path[path.index(c):], c]) + ".", c))
    for code, ch in kids.items():
        if not ch:
            issues.append(Issue(("nodes", code), "empty_group", f"The group '{code}' has no "
                                "children. Give it indicators or groups, or remove it.", code))
        elif all(isinstance(w, (int, float)) and w == 0 for _, w in ch):
            issues.append(Issue(("nodes", code), "zero_weights", f"The children of '{code}' "
                                "all have weight 0; at least one must be > 0. Children: "
                                f"{[lab for lab, _ in ch]}.", code))
    return issues


def _check_step(step: str, cfg: Any, loc: tuple[str | int, ...],
                doc: Mapping[str, Any]) -> list[Issue]:
    """The method name, its parameters, and the unit-group column ``by`` names."""
    if not isinstance(cfg, Mapping) or not isinstance(cfg.get("method"), str):
        return []  # pydantic reports the structure
    known, method, params = METHOD_PARAMS[step], cfg["method"], cfg.get("params") or {}
    if method not in known:
        return [Issue((*loc, "method"), "unknown_method",
                      f"Unknown {step} method '{method}'. Expected one of {sorted(known)}.",
                      method)]
    if not isinstance(params, Mapping):
        return []  # pydantic reports it
    try:
        options = known[method].model_validate(params)
    except ValidationError as err:
        return [Issue((*loc, *map(str, e["loc"])), e["type"],
                      f"Bad parameter for {step} method '{method}': "
                      + (f"unknown parameter '{e['loc'][-1]}'." if e["type"] == "extra_forbidden"
                         else _describe(e)),
                      None if isinstance(e.get("input"), (dict, list)) else e.get("input"))
                for e in err.errors()]
    by, units = getattr(options, "by", None), doc.get("units")
    groups = (units.get("groups") or []) if isinstance(units, Mapping) else []
    named = [by] if isinstance(by, str) else list(by or ())
    issues = [Issue((*loc, "by"), "unknown_group", f"'{b}' is not a unit-group column. "
                    f"Name one listed under units.groups ({list(groups)}) or leave 'by' out.",
                    b) for b in named if b not in groups]
    per = getattr(options, "per", None)
    dens = [d.get("code") for d in doc.get("denominators") or () if isinstance(d, Mapping)]
    if per is not None and per not in dens:
        issues.append(Issue((*loc, "per"), "unknown_denominator", f"'{per}' is not a "
                            f"denominator of the spec. Expected one of {dens}.", per))
    return issues


def check_methods(doc: Mapping[str, Any]) -> list[Issue]:
    """Every step setting, per-indicator overrides, and targets where 'target' normalises."""
    issues: list[Issue] = []
    meth: Mapping[str, Any] = _get(doc, "methodology") if isinstance(
        doc.get("methodology"), Mapping) else {}
    for step in (s for s in DEFAULT_METHOD if s in meth):
        issues += _check_step(step, meth[step], ("methodology", step), doc)
    levels = meth.get("aggregate_levels")
    for lv, cfg in (levels.items() if isinstance(levels, Mapping) else ()):
        issues += _check_step("aggregate", cfg, ("methodology", "aggregate_levels", lv), doc)
    norm = meth.get("normalise")
    default_norm = norm.get("method") if isinstance(norm, Mapping) else DEFAULT_METHOD["normalise"]
    for label, ind in _items(doc, "indicators"):
        over: Mapping[Any, Any] = ind["methods"] if isinstance(ind.get("methods"),
                                                               Mapping) else {}
        for step, cfg in over.items():
            loc = ("indicators", label, "methods", step)
            if step in _OVERRIDABLE:
                issues += _check_step(step, cfg, loc, doc)
            else:
                issues.append(Issue(loc, "bad_override", f"Only {list(_OVERRIDABLE)} can be "
                                    f"set per indicator. Got '{step}'.", step))
        own = over.get("normalise")
        if (own.get("method") if isinstance(own, Mapping) else default_norm) == "target" and (
                ind.get("target") is None):
            issues.append(Issue(("indicators", label, "target"), "missing_target",
                                f"'{label}' is normalised by distance to target but has no "
                                "'target'. Give it one or another normalise method."))
    return issues


def set_path(doc: dict[str, Any], path: str, value: Any) -> None:
    """Set ``value`` at a dotted ``path`` of a spec document; KeyError when it does not exist."""
    parts = path.split(".")
    if parts[0] not in ("nodes", "indicators", "methodology", "data", "units", "name",
                        "description"):
        parts = ["*", *parts]
    if parts[0] in ("nodes", "indicators", "*"):
        if len(parts) != 3:
            raise KeyError(f"'{path}' must be '<section>.<code>.<field>' or '<code>.<field>'.")
        item = next((it for sec in (("nodes", "indicators") if parts[0] == "*" else parts[:1])
                     for it in doc[sec] if it["code"] == parts[1]), None)
        if item is None:
            raise KeyError(f"No {'node or indicator' if parts[0] == '*' else parts[0][:-1]} "
                           f"has the code '{parts[1]}'.")
        if parts[2] not in item:
            raise KeyError(f"'{parts[1]}' has no field '{parts[2]}'. Fields: {sorted(item)}.")
        item[parts[2]] = value
        return
    if parts[0] != "methodology":
        cur: Any = doc
        for p in parts[:-1]:
            cur = cur.get(p) if isinstance(cur, dict) else None
        if not isinstance(cur, dict) or (len(parts) > 1 and parts[-1] not in cur):
            raise KeyError(f"'{path}' is not a key of the spec.")
        cur[parts[-1]] = value
        return
    steps, step, cfg = doc["methodology"], parts[1] if len(parts) > 1 else "", None
    if len(parts) == 4 and step == "aggregate_levels" and parts[2].isdigit():
        key = next((k for k in steps[step] if str(k) == parts[2]), int(parts[2]))
        cfg = steps[step].setdefault(key, dict(steps["aggregate"]))
        step, parts = "aggregate", parts[1:]  # parts[2] is now the parameter
    elif len(parts) == 3 and step in DEFAULT_METHOD:
        cfg = steps[step]
    if cfg is None:
        raise KeyError(f"'{path}' must be 'methodology.<step>.<param>' with a step in "
                       f"{list(DEFAULT_METHOD)}, or 'methodology.aggregate_levels.<level>."
                       "<param>'.")
    cfg[parts[2]] = value
    model = METHOD_PARAMS[step].get(value) if parts[2] == "method" and isinstance(
        value, str) else None
    for k in [k for k in cfg if model is not None and k != "method"
              and k not in model.model_fields]:
        del cfg[k]  # a new method drops the parameters it does not take
