"""The spec: every validation rule (message, code, key path), the derived tree and weights,
round trips, ``with_changes``, YAML loading and ``airank validate`` on a broken spec."""

from __future__ import annotations

import copy
import pickle
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from airank import IndexSpec, SpecError, load_spec
from airank.cli import main
from airank.datasets import asem_spec, path

# A small AI index: talent (2 indicators) and infrastructure (1), weights 1:2.
DOC: dict[str, Any] = {
    "name": "Mini AI index",
    "units": {"kind": "custom", "groups": ["region"]},
    "denominators": [{"code": "population"}],
    "nodes": [
        {"code": "ai_index"},
        {"code": "talent", "parent": "ai_index", "weight": 1},
        {"code": "infrastructure", "parent": "ai_index", "weight": 2},
    ],
    "indicators": [
        {"code": "ai_researchers", "parent": "talent", "weight": 1,
         "denominator": "population"},
        {"code": "ai_papers", "parent": "talent", "weight": 3},
        {"code": "compute", "parent": "infrastructure", "direction": 1, "target": 100},
    ],
}


def doc() -> dict[str, Any]:
    return copy.deepcopy(DOC)


def item(d: dict[str, Any], code: str) -> dict[str, Any]:
    return next(i for i in (*d["nodes"], *d["indicators"]) if i["code"] == code)


def errors_of(d: Any) -> SpecError:
    with pytest.raises(SpecError) as info:
        IndexSpec.from_dict(d)
    return info.value


def codes_locs(err: SpecError) -> set[tuple[str, tuple[Any, ...]]]:
    return {(i.code, i.loc) for i in err.issues}


# -- one error per rule ---------------------------------------------------------------
def _set(code: str, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(d: dict[str, Any]) -> None:
        item(d, code)[key] = value
    return edit


def _meth(**steps: Any) -> Callable[[dict[str, Any]], None]:
    def edit(d: dict[str, Any]) -> None:
        d.setdefault("methodology", {}).update(steps)
    return edit


def _two_cycle(d: dict[str, Any]) -> None:
    item(d, "talent")["parent"] = "infrastructure"
    item(d, "infrastructure")["parent"] = "talent"


def _duplicate(d: dict[str, Any]) -> None:
    item(d, "ai_papers")["code"] = "ai_researchers"


def _empty_group(d: dict[str, Any]) -> None:
    d["nodes"].append({"code": "policy", "parent": "ai_index"})


def _all_zero(d: dict[str, Any]) -> None:
    item(d, "ai_researchers")["weight"] = 0
    item(d, "ai_papers")["weight"] = 0


def _two_roots(d: dict[str, Any]) -> None:
    item(d, "talent")["parent"] = None


def _no_root(d: dict[str, Any]) -> None:
    item(d, "ai_index")["parent"] = "talent"


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda d: d.pop(key)


RULES = [
    # (id, edit, code, loc, message pattern)
    ("unknown parent", _set("ai_papers", "parent", "talnt"), "unknown_parent",
     ("indicators", "ai_papers", "parent"), r"The parent 'talnt' is not a node code"),
    ("indicator as parent", _set("compute", "parent", "ai_papers"), "unknown_parent",
     ("indicators", "compute", "parent"), r"Indicators cannot be parents"),
    ("cycle", _two_cycle, "cycle", ("nodes", "talent", "parent"),
     r"cycle: talent -> infrastructure -> talent"),
    ("self parent", _set("talent", "parent", "talent"), "cycle",
     ("nodes", "talent", "parent"), r"cycle: talent -> talent"),
    ("duplicate code", _duplicate, "duplicate_code", ("indicators", "ai_researchers", "code"),
     r"The code 'ai_researchers' is used twice"),
    ("node and indicator share a code", _set("compute", "code", "talent"), "duplicate_code",
     ("indicators", "talent", "code"), r"'talent' is used twice \(also in nodes\)"),
    ("bad code", _set("compute", "code", "2compute"), "bad_code",
     ("indicators", "2compute", "code"), r"must start with a letter.*Got '2compute'"),
    ("group without children", _empty_group, "empty_group", ("nodes", "policy"),
     r"The group 'policy' has no children"),
    ("negative weight", _set("talent", "weight", -1), "bad_weight",
     ("nodes", "talent", "weight"), r"weight of 'talent' must be a finite number >= 0\. Got -1"),
    ("infinite weight", _set("ai_papers", "weight", float("inf")), "bad_weight",
     ("indicators", "ai_papers", "weight"), r"finite number >= 0\. Got inf"),
    ("text weight", _set("ai_papers", "weight", "heavy"), "float_type",
     ("indicators", "ai_papers", "weight"), r"valid number.*Got 'heavy'"),
    ("quoted zero weight", _set("ai_papers", "weight", "0"), "float_type",
     ("indicators", "ai_papers", "weight"), r"valid number.*Got '0'"),
    ("overflowing weight", _set("ai_papers", "weight", 1e308), "less_than_equal",
     ("indicators", "ai_papers", "weight"), r"less than or equal to 1000000000000"),
    ("all-zero weights", _all_zero, "zero_weights", ("nodes", "talent"),
     r"children of 'talent' all have weight 0.*\['ai_researchers', 'ai_papers'\]"),
    ("bad direction", _set("compute", "direction", 2), "literal_error",
     ("indicators", "compute", "direction"), r"1 or -1\. Got 2"),
    ("two roots", _two_roots, "root_count", ("nodes",),
     r"Exactly one node must have no parent.*Got 2: \['ai_index', 'talent'\]"),
    ("no root", _no_root, "root_count", ("nodes",), r"Exactly one node.*Got 0"),
    ("unknown denominator", _set("ai_papers", "denominator", "gdp"), "unknown_denominator",
     ("indicators", "ai_papers", "denominator"),
     r"denominator 'gdp' is not listed.*Known: \['population'\]"),
    ("unknown method", _meth(normalise="minmaxx"), "unknown_method",
     ("methodology", "normalise", "method"),
     r"Unknown normalise method 'minmaxx'\. Expected one of \[.*'minmax'.*'zscore'\]"),
    ("unknown parameter", _meth(normalise={"method": "minmax", "uper": 1}), "extra_forbidden",
     ("methodology", "normalise", "uper"), r"minmax': unknown parameter 'uper'"),
    ("parameter out of range", _meth(screen={"method": "coverage", "min_coverage": 1.5}),
     "less_than_equal", ("methodology", "screen", "min_coverage"),
     r"coverage': Input should be less than or equal to 1\. Got 1\.5"),
    ("inconsistent parameters", _meth(normalise={"method": "minmax", "lower": 5, "upper": 1}),
     "value_error", ("methodology", "normalise"), r"lower must be < upper\. Got lower=5"),
    ("unknown step", _meth(normalize="minmax"), "extra_forbidden",
     ("methodology", "normalize"), r"Unknown key 'normalize'"),
    ("bad aggregate level", _meth(aggregate_levels={7: "geometric"}), "unknown_level",
     ("methodology", "aggregate_levels", 7), r"no group level 7: groups are levels 2 to 3"),
    ("level override bad param", _meth(aggregate_levels={2: {"method": "generalised",
                                                             "p": "x"}}),
     "float_parsing", ("methodology", "aggregate_levels", 2, "p"), r"generalised'.*Got 'x'"),
    ("unknown group column", _meth(impute={"method": "mean", "by": "continent"}),
     "unknown_group", ("methodology", "impute", "by"),
     r"'continent' is not a unit-group column.*\['region'\]"),
    ("target without target", _meth(normalise="target"), "missing_target",
     ("indicators", "ai_papers", "target"), r"'ai_papers' is normalised by distance to target"),
    ("override of a step that cannot be overridden",
     _set("compute", "methods", {"aggregate": "geometric"}), "bad_override",
     ("indicators", "compute", "methods", "aggregate"),
     r"Only \['denominate', 'impute', 'treat', 'normalise'\] can be set per indicator"),
    ("bad override method", _set("compute", "methods", {"normalise": "zz"}), "unknown_method",
     ("indicators", "compute", "methods", "normalise", "method"),
     r"Unknown normalise method 'zz'"),
    ("bad override parameter", _set("compute", "methods", {"treat": {"method": "jrc",
                                                                    "skew": -1}}),
     "greater_than", ("indicators", "compute", "methods", "treat", "skew"),
     r"jrc': Input should be greater than 0\. Got -1"),
    ("missing name", _drop("name"), "missing", ("name",), r"The key 'name' is required"),
    ("missing parent", lambda d: item(d, "compute").pop("parent"), "missing",
     ("indicators", "compute", "parent"), r"The key 'parent' is required"),
    ("missing nodes", _drop("nodes"), "missing", ("nodes",), r"The key 'nodes' is required"),
    ("typo at the top", lambda d: d.update(descripton="x"), "extra_forbidden",
     ("descripton",), r"Unknown key 'descripton'\. Check its spelling"),
    ("typo in an indicator", _set("compute", "wieght", 2), "extra_forbidden",
     ("indicators", "compute", "wieght"), r"Unknown key 'wieght'"),
    ("bad units kind", lambda d: d["units"].update(kind="region"), "literal_error",
     ("units", "kind"), r"'country' or 'custom'\. Got 'region'"),
    ("no indicators", lambda d: d.update(indicators=[]), "empty", ("indicators",),
     r"At least one indicator is required"),
]


@pytest.mark.parametrize(("edit", "code", "loc", "pattern"), [r[1:] for r in RULES],
                         ids=[r[0] for r in RULES])
def test_each_rule_reports_code_loc_and_message(edit, code, loc, pattern):
    d = doc()
    edit(d)
    with pytest.raises(SpecError, match=pattern) as info:
        IndexSpec.from_dict(d)
    assert (code, loc) in codes_locs(info.value), [i.to_dict() for i in info.value.issues]


def test_every_problem_reported_together():
    d = doc()
    item(d, "ai_papers")["parent"] = "talnt"          # unknown parent
    item(d, "infrastructure")["weight"] = -2          # negative weight
    item(d, "compute")["code"] = "ai_researchers"     # duplicate code
    d["nodes"].append({"code": "policy", "parent": "ai_index"})  # group with no children
    item(d, "ai_researchers")["denominator"] = "gdp"  # unknown denominator
    d["methodology"] = {"normalise": "minmaxx",      # unknown method
                        "treat": {"method": "jrc", "skew": 0}}  # bad parameter
    d["nmae"] = "typo"                                # unknown key
    err = errors_of(d)
    expected = {
        ("unknown_parent", ("indicators", "ai_papers", "parent")),
        ("bad_weight", ("nodes", "infrastructure", "weight")),
        ("duplicate_code", ("indicators", "ai_researchers", "code")),
        ("empty_group", ("nodes", "policy")),
        ("unknown_denominator", ("indicators", "ai_researchers", "denominator")),
        ("unknown_method", ("methodology", "normalise", "method")),
        ("greater_than", ("methodology", "treat", "skew")),
        ("extra_forbidden", ("nmae",)),
    }
    assert expected <= codes_locs(err)
    assert len(err.issues) >= 8
    text = str(err)
    assert text.startswith(f"{len(err.issues)} problem(s) in spec:")
    for issue in err.issues:  # one line each: key path, then the message
        assert f"  - {issue.where()}: {issue.message}" in text
    by_code = {i.code: i for i in err.issues}
    assert by_code["bad_weight"].value == -2
    assert by_code["unknown_method"].value == "minmaxx"


def test_two_issues_of_one_item_both_reported():
    d = doc()
    item(d, "compute").update(weight=-1, parent="nowhere", direction=0)
    found = codes_locs(errors_of(d))
    assert {c for c, loc in found if loc[:2] == ("indicators", "compute")} == {
        "bad_weight", "unknown_parent", "literal_error"}


@pytest.mark.parametrize("bad", [[1, 2], "name: x", 3])
def test_not_a_mapping(bad):
    with pytest.raises(SpecError, match="must be a mapping of keys"):
        IndexSpec.from_dict(bad)


def test_errors_pickle_and_are_value_errors():
    err = errors_of({"name": "x", "nodes": [], "indicators": []})
    assert isinstance(err, ValueError)
    back = pickle.loads(pickle.dumps(err))
    assert back.issues == err.issues and str(back) == str(err)
    assert {i.code for i in err.issues} == {"empty"}


# -- the tree ---------------------------------------------------------------------------
def test_tree_levels_children_weights():
    s = IndexSpec.from_dict(doc())
    assert s.index_code == "ai_index"
    assert s.levels == {"ai_researchers": 1, "ai_papers": 1, "compute": 1,
                        "talent": 2, "infrastructure": 2, "ai_index": 3}
    assert s.children["talent"] == ("ai_researchers", "ai_papers")
    assert s.children["ai_index"] == ("talent", "infrastructure")
    assert s.group_codes == ("talent", "infrastructure", "ai_index")
    assert s.codes[:3] == s.indicator_codes == ("ai_researchers", "ai_papers", "compute")
    # rescaled within each parent: talent 1/3, infrastructure 2/3; papers 3/4 of talent
    assert s.weights["talent"] == pytest.approx(1 / 3)
    assert s.weights["ai_papers"] == pytest.approx(3 / 4)
    assert s.weights["compute"] == pytest.approx(1.0)
    assert s.effective_weights["ai_researchers"] == pytest.approx(1 / 12)
    assert s.effective_weights["ai_papers"] == pytest.approx(1 / 4)
    assert s.effective_weights["compute"] == pytest.approx(2 / 3)
    assert sum(s.effective_weights[c] for c in s.indicator_codes) == pytest.approx(1.0)


def test_unbalanced_tree_levels():
    d = doc()  # an indicator directly under the index, beside two groups
    d["indicators"].append({"code": "ai_strategy", "parent": "ai_index", "weight": 1})
    s = IndexSpec.from_dict(d)
    assert s.levels["ai_strategy"] == 1 and s.levels["ai_index"] == 3
    assert s.children["ai_index"] == ("ai_strategy", "talent", "infrastructure")
    assert s.weights["ai_strategy"] == pytest.approx(1 / 4)  # 1 of 1 + 1 + 2
    assert sum(s.effective_weights[c] for c in s.indicator_codes) == pytest.approx(1.0)
    d["methodology"] = {"aggregate_levels": {3: "geometric"}}
    assert IndexSpec.from_dict(d).aggregation(3).method == "geometric"
    assert IndexSpec.from_dict(d).aggregation(2).method == "arithmetic"


def test_deeper_tree_levels():
    d = doc()  # talent -> skills -> indicators: the index is level 4
    d["nodes"].append({"code": "skills", "parent": "talent"})
    d["indicators"].append({"code": "ai_courses", "parent": "skills"})
    s = IndexSpec.from_dict(d)
    assert (s.levels["skills"], s.levels["talent"], s.levels["infrastructure"],
            s.levels["ai_index"]) == (2, 3, 2, 4)
    assert s.group_codes.index("skills") < s.group_codes.index("talent")
    assert sum(s.effective_weights[c] for c in s.indicator_codes) == pytest.approx(1.0)


@given(st.lists(st.floats(0.01, 100), min_size=3, max_size=3),
       st.lists(st.floats(0.01, 100), min_size=2, max_size=2), st.floats(0.1, 10))
def test_effective_weights_sum_to_one_and_ignore_scale(ind_w, node_w, k):
    d = doc()
    for code, w in zip(("ai_researchers", "ai_papers", "compute"), ind_w, strict=True):
        item(d, code)["weight"] = w
    for code, w in zip(("talent", "infrastructure"), node_w, strict=True):
        item(d, code)["weight"] = w
    s = IndexSpec.from_dict(d)
    assert sum(s.effective_weights[c] for c in s.indicator_codes) == pytest.approx(1.0)
    for i in (*d["nodes"][1:], *d["indicators"]):
        i["weight"] *= k
    scaled = IndexSpec.from_dict(d)
    for c in s.codes:
        assert scaled.effective_weights[c] == pytest.approx(s.effective_weights[c])


def test_asem_spec_loads():
    s = asem_spec()
    assert s.index_code == "Index" and len(s.indicator_codes) == 49
    assert s.levels["LPI"] == 1 and s.levels["Physical"] == 2
    assert s.levels["Conn"] == 3 and s.levels["Index"] == 4
    assert s.children["Conn"] == ("P2P", "Instit", "Political", "ConEcFin", "Physical")
    # LPI: 1 of 8 in Physical, 1 of 5 in Conn, 1 of 2 in the index
    assert s.effective_weights["LPI"] == pytest.approx(1 / 80)
    assert sum(s.effective_weights[c] for c in s.indicator_codes) == pytest.approx(1.0)
    assert s.method("impute").options("impute").by == "EurAsia_group"
    assert s.base_dir == str(path("asem"))


def test_spec_is_frozen():
    s = IndexSpec.from_dict(doc())
    with pytest.raises(ValidationError):
        s.name = "other"  # type: ignore[misc]


# -- methods ----------------------------------------------------------------------------
def test_step_shorthands_and_defaults():
    d = doc()
    d["methodology"] = {"normalise": "zscore", "screen": {"min_coverage": 0.5}}
    item(d, "compute")["methods"] = {"normalise": {"sd": 2}, "treat": "jrc"}
    s = IndexSpec.from_dict(d)
    assert s.methodology.screen.method == "coverage"  # no method: the step's default
    assert s.methodology.screen.options("screen").min_coverage == 0.5
    assert s.method("normalise").method == "zscore"
    own = s.method("normalise", "compute")  # no method: the methodology's method
    assert (own.method, own.params) == ("zscore", {"sd": 2})
    assert s.method("treat", "compute").method == "jrc"
    assert s.method("treat", "ai_papers").method == "none"
    assert s.method("aggregate").method == "arithmetic"


def test_methods_default_when_absent():
    s = IndexSpec.from_dict(doc())
    m = s.methodology
    assert (m.denominate.method, m.impute.method, m.screen.method, m.treat.method,
            m.normalise.method, m.aggregate.method) == (
        "divide", "none", "coverage", "none", "minmax", "arithmetic")
    assert m.normalise.options("normalise").upper == 100


# -- round trips ------------------------------------------------------------------------
def test_to_dict_from_dict_round_trip():
    d = doc()
    d["methodology"] = {"aggregate_levels": {2: {"method": "generalised", "p": 0.5}},
                        "treat": {"method": "jrc", "skew": 2.5}}
    item(d, "compute")["methods"] = {"normalise": {"method": "goalposts", "low": 0,
                                                   "high": 10}}
    s = IndexSpec.from_dict(d)
    assert IndexSpec.from_dict(s.to_dict()) == s
    assert IndexSpec.from_dict(yaml.safe_load(s.to_yaml())) == s
    a = asem_spec()
    assert IndexSpec.from_dict(a.to_dict(), base_dir=a.base_dir) == a


def test_yaml_file_round_trip(tmp_path):
    s = IndexSpec.from_dict(doc())
    f = tmp_path / "spec.yaml"
    f.write_text(s.to_yaml(), encoding="utf-8")
    back = load_spec(f)
    assert back.to_dict() == s.to_dict() and back.base_dir == str(tmp_path)


# -- with_changes -----------------------------------------------------------------------
def test_with_changes_weight():
    s = asem_spec()
    t = s.with_changes({"Conn.weight": 2})
    assert t.node("Conn").weight == 2 and s.node("Conn").weight == 1  # no mutation
    assert t.weights["Conn"] == pytest.approx(2 / 3)
    assert t.effective_weights["LPI"] == pytest.approx(1 / 8 * 1 / 5 * 2 / 3)
    assert s.with_changes({"nodes.Conn.weight": 2}) == t


def test_with_changes_method_drops_foreign_params():
    s = asem_spec()  # minmax with lower/upper: zscore takes neither
    t = s.with_changes({"methodology.normalise.method": "zscore"})
    assert t.methodology.normalise.method == "zscore"
    assert t.methodology.normalise.params == {}
    assert s.methodology.normalise.method == "minmax"
    u = s.with_changes({"methodology.normalise.method": "goalposts",
                        "methodology.normalise.low": 0, "methodology.normalise.high": 5})
    assert u.methodology.normalise.params == {"low": 0, "high": 5}


def test_with_changes_other_paths():
    s = IndexSpec.from_dict(doc())
    t = s.with_changes({"methodology.aggregate_levels.2.method": "geometric",
                        "data.lookback": 3, "compute.direction": -1,
                        "indicators.ai_papers.denominator": "population"})
    assert t.aggregation(2).method == "geometric" and t.aggregation(3).method == "arithmetic"
    assert t.data.lookback == 3 and t.indicator("compute").direction == -1
    assert t.indicator("ai_papers").denominator == "population"
    # the level entry now exists: change one of its parameters
    u = t.with_changes({"methodology.aggregate_levels.2.method": "generalised",
                        "methodology.aggregate_levels.2.p": 3})
    assert u.aggregation(2).options("aggregate").p == 3


def test_with_changes_unknown_paths_all_listed():
    s = IndexSpec.from_dict(doc())
    with pytest.raises(SpecError, match="3 unknown path") as info:
        s.with_changes({"talnt.weight": 2, "methodology.normalize.method": "zscore",
                        "compute.wieght": 1, "talent.weight": 5})
    msgs = {i.loc: (i.code, i.message) for i in info.value.issues}
    assert msgs[("talnt", "weight")] == (
        "unknown_path", "No node or indicator has the code 'talnt'.")
    assert "step in ['denominate'" in msgs[("methodology", "normalize", "method")][1]
    assert "'compute' has no field 'wieght'" in msgs[("compute", "wieght")][1]


@pytest.mark.parametrize("p", ["talent", "methodology.normalise", "data.yeer",
                               "indicators.talent.weight", "a.b.c.d"])
def test_with_changes_bad_path_shapes(p):
    with pytest.raises(SpecError) as info:
        IndexSpec.from_dict(doc()).with_changes({p: 1})
    assert [i.code for i in info.value.issues] == ["unknown_path"]


def test_with_changes_invalid_result():
    s = IndexSpec.from_dict(doc())
    with pytest.raises(SpecError, match="in the changed spec") as info:
        s.with_changes({"talent.weight": -1, "compute.parent": "nowhere",
                        "methodology.normalise.method": "best"})
    assert {i.code for i in info.value.issues} == {  # infrastructure lost its only child
        "bad_weight", "unknown_parent", "unknown_method", "empty_group"}


# -- YAML files -------------------------------------------------------------------------
def test_missing_file(tmp_path):
    with pytest.raises(SpecError, match=r"Spec file '.*nope\.yaml' does not exist") as info:
        load_spec(tmp_path / "nope.yaml")
    assert info.value.issues[0].code == "no_file"


def test_bad_yaml_names_the_line(tmp_path):
    f = tmp_path / "spec.yaml"
    f.write_text("name: x\nnodes: [\n  {code: a\n", encoding="utf-8")
    with pytest.raises(SpecError, match=r"is not valid YAML") as info:
        load_spec(f)
    issue = info.value.issues[0]
    assert issue.code == "bad_yaml" and issue.loc[0] == str(f) and issue.loc[1].startswith(
        "line ")


def test_not_utf8(tmp_path):
    f = tmp_path / "spec.yaml"
    f.write_bytes("name: Índice\n".encode("latin-1"))
    with pytest.raises(SpecError, match="is not UTF-8 text"):
        load_spec(f)


def test_repeated_key_reported_with_other_problems(tmp_path):
    f = tmp_path / "spec.yaml"
    f.write_text(yaml.safe_dump(doc(), sort_keys=False).replace(
        "weight: 2\n", "weight: 2\n  weight: -1\n", 1), encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_spec(f)
    found = codes_locs(info.value)
    assert any(c == "duplicate_key" for c, _ in found)
    assert ("bad_weight", ("nodes", "infrastructure", "weight")) in found  # the last one wins
    assert "The key 'weight' is given twice" in str(info.value)


@pytest.mark.parametrize(("text", "pattern"), [
    ("", r"The key 'name' is required"),
    ("- a\n- b\n", r"must be a mapping of keys\. Got list"),
])
def test_empty_or_odd_yaml(tmp_path, text, pattern):
    f = tmp_path / "spec.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError, match=pattern):
        load_spec(f)


def test_asem_spec_file_is_clean():
    s = load_spec(path("asem", "spec.yaml"))
    assert s.name.startswith("ASEM")


# -- CLI ----------------------------------------------------------------------------------
BROKEN = """\
name: Broken AI index
nodes:
  - code: ai_index
  - code: talent
    parent: ai_index
    weight: -1
  - code: policy
    parent: ai_index
indicators:
  - code: ai_papers
    parent: talnt
  - code: ai_papers
    parent: talent
    wieght: 2
methodology:
  normalise: minmaxx
"""


def test_cli_validate_bad_spec_lists_every_problem(tmp_path, capsys):
    f = tmp_path / "broken.yaml"
    f.write_text(BROKEN, encoding="utf-8")
    data = tmp_path / "data.csv"
    data.write_text("unit,ai_papers\nA,1\n", encoding="utf-8")
    assert main(["validate", str(f), str(data)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "6 problem(s) in" in err
    for where in ("indicators.ai_papers.wieght", "indicators.ai_papers.code",
                  "indicators.ai_papers.parent", "nodes.talent.weight", "nodes.policy",
                  "methodology.normalise.method"):
        assert f"  - {where}: " in err
    assert "Traceback" not in err


def test_cli_validate_spec_only(capsys):
    assert main(["validate", str(path("asem", "spec.yaml"))]) == 0
    assert "OK:" in capsys.readouterr().out


# -- docs/spec.md: the examples are real ------------------------------------------------
DOCS = Path(__file__).resolve().parents[1] / "docs" / "spec.md"


def _block(marker: str) -> str:
    found = re.search(rf"<!-- {marker} -->\n```[a-z]*\n(.*?)```", DOCS.read_text("utf-8"), re.S)
    assert found, marker
    return found.group(1)


def test_docs_worked_example_is_valid(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("mini_ai.yaml").write_text(_block("example-spec"), encoding="utf-8")
    Path("mini_ai.csv").write_text(_block("example-data"), encoding="utf-8")
    assert main(["validate", "mini_ai.yaml", "mini_ai.csv"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == "OK: mini_ai.yaml and mini_ai.csv (5 units)"
    for line in out.splitlines():
        assert line in DOCS.read_text("utf-8")
    s = load_spec("mini_ai.yaml")
    assert s.levels["ai_strategy"] == 1 and s.levels["ai_index"] == 3
    assert s.effective_weights["electricity_price"] == pytest.approx(2 / 9)
    assert s.effective_weights["ai_strategy"] == pytest.approx(1 / 9)


def test_docs_error_report_is_what_validate_prints(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("broken_ai.yaml").write_text(_block("broken-spec"), encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_spec("broken_ai.yaml")
    assert f"error: {info.value}\n" == _block("broken-output")


# -- robustness: any document gives a spec or a SpecError, nothing else -------------------
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2, 3) | st.floats() | st.sampled_from(
        ["", "talent", "ai_index", "ai_papers", "minmax", "geometric", "population", "1x"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["code", "parent", "method", "weight", "by", "p", "x", 2]), inner,
        max_size=3),
    max_leaves=6)
PLACES = [("name",), ("nodes",), ("nodes", 0), ("nodes", 1, "parent"), ("nodes", 1, "code"),
          ("nodes", 2, "weight"), ("indicators",), ("indicators", 0, "parent"),
          ("indicators", 0, "code"), ("indicators", 1, "denominator"),
          ("indicators", 1, "methods"), ("indicators", 2, "target"), ("methodology",),
          ("methodology", "normalise"), ("methodology", "impute"),
          ("methodology", "aggregate_levels"), ("units",), ("units", "groups"),
          ("denominators",), ("denominators", 0), ("data",)]


def _put(d: Any, place: tuple[Any, ...], value: Any) -> None:
    cur = d
    for key in place[:-1]:
        if isinstance(cur, dict):
            cur = cur.get(key)
        elif isinstance(cur, list) and isinstance(key, int) and key < len(cur):
            cur = cur[key]
        else:
            return
    last = place[-1]
    if isinstance(cur, dict) or (isinstance(cur, list) and isinstance(last, int)
                                 and last < len(cur)):
        cur[last] = value


@given(st.lists(st.tuples(st.sampled_from(PLACES), VALUES), min_size=1, max_size=3))
def test_any_document_gives_a_spec_or_a_spec_error(edits):
    d: Any = doc()
    d["methodology"] = {}
    for place, value in edits:
        _put(d, place, value)
    try:
        s = IndexSpec.from_dict(d)
    except SpecError as err:
        assert err.issues and all(isinstance(i.loc, tuple) for i in err.issues)
        str(err)
        [i.to_dict() for i in err.issues]
    else:
        assert sum(s.effective_weights[c] for c in s.indicator_codes) == pytest.approx(1.0)
        assert IndexSpec.from_dict(s.to_dict()) == s
