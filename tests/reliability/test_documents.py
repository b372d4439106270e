"""Factor and scenario documents: every bad value is an error naming its place and value,
whatever the document holds (never a traceback, from the library or the CLI)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import airank
from airank.analysis.robustness.factors import MAX_OPTIONS, load_factors, parse_factors
from airank.analysis.scenarios.shocks import load_scenario, parse_scenario
from airank.cli import main
from airank.errors import FactorError, ScenarioError

COV = "methodology.screen.min_coverage"


@pytest.fixture(scope="module")
def spec() -> airank.IndexSpec:
    return airank.datasets.asem()[0]


def _deep(depth: int, leaf: Any = 0.5) -> Any:
    out = leaf
    for _ in range(depth):
        out = [out]
    return out


FACTORS = [  # (factor, loc after ("factors", name), code)
    ({"name": "f", "type": "choice", "path": COV, "range": ["lo", "hi"]},
     ("range", 0), "bad_range"),
    ({"name": "f", "type": "choice", "path": COV, "range": [0.1, math.nan]},
     ("range", 1), "bad_range"),
    ({"name": "f", "type": "choice", "path": COV, "range": [0.1]}, ("range",), "bad_range"),
    ({"name": "f", "type": "choice", "path": COV, "range": [0.1, 0.9], "steps": 20_000},
     ("steps",), "bad_steps"),
    ({"name": "f", "type": "choice", "path": COV, "range": [0.1, 0.9], "steps": True},
     ("steps",), "bad_steps"),
    ({"name": "f", "type": "choice", "path": COV, "options": [0.5] * (MAX_OPTIONS + 1)},
     ("options",), "too_many_options"),
    ({"name": "f", "type": ["weights"]}, ("type",), "bad_type"),
    ({"name": "f", "type": "weights", "level": True}, ("level",), "bad_level"),
    ({"name": "f", "type": "weights", "level": 2, "noise": math.nan}, ("noise",),
     "bad_noise"),
    ({"name": "f", "type": "weights", "level": 2, "noise": math.inf}, ("noise",),
     "bad_noise"),
    ({"name": "f", "type": "weights", "level": 2, "distribution": "dirichlet",
      "concentration": math.inf}, ("concentration",), "bad_concentration"),
    ({"name": "f", "type": "weights", "level": 2, "distribution": "dirichlet",
      "concentration": 0}, ("concentration",), "bad_concentration"),
    ({"name": "f", "type": "choice", "path": COV, "options": [_deep(900)]}, ("options",),
     "too_deep"),
    ({"name": "f", "type": "choice", "path": "methodology.normalise",
      "options": [{"method": "zscore", "mean": 10, "sd": math.inf}]}, ("options", 0),
     "not_finite"),
    ({"name": "f", "type": "exclude", "codes": [["Conn"]]}, ("codes",), "unknown_code"),
]


@pytest.mark.parametrize(("factor", "loc", "code"), FACTORS,
                         ids=[f"{c}-{i}" for i, (_, _, c) in enumerate(FACTORS)])
def test_bad_factor_values_are_named(spec: airank.IndexSpec, factor: dict[str, Any],
                                     loc: tuple[Any, ...], code: str) -> None:
    with pytest.raises(FactorError) as err:
        parse_factors([factor], spec)
    found = [(i.loc, i.code) for i in err.value.issues]
    assert (("factors", "f", *loc), code) in found, found


def test_a_dirichlet_with_an_infinite_concentration_in_yaml(spec: airank.IndexSpec,
                                                            tmp_path: Path) -> None:
    p = tmp_path / "f.yaml"
    p.write_text("- {name: d, type: weights, level: 2, distribution: dirichlet, "
                 "concentration: .inf}\n")
    with pytest.raises(FactorError) as err:
        load_factors(p, spec)
    assert err.value.issues[0].code == "bad_concentration"


def test_a_latin1_factor_file_through_the_cli(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "factors.yaml"
    p.write_bytes("- {name: pondération, type: weights, level: 2}\n".encode("latin-1"))
    assert main(["uncertainty", "--example", "asem", "--factors", str(p), "--n", "10"]) == 2
    msg = capsys.readouterr().err
    assert "not UTF-8" in msg and "byte 13" in msg and "Traceback" not in msg


SHOCK = {"units": ["AUT"], "indicators": ["Goods"], "op": "add", "value": 1}


@pytest.mark.parametrize(("doc", "loc", "code"), [
    ({"name": "s", "mapping": ["a", "b"], "shocks": [SHOCK]}, ("mapping",), "not_a_mapping"),
    ({"name": "s", "mapping": {"Goods": {"why": 1}}, "shocks": [SHOCK]}, ("mapping",),
     "not_a_mapping"),
    ({"name": "s", "note": _deep(50), "shocks": [SHOCK]}, ("note",), "too_deep"),
    ({"name": "s", "shocks": [{**SHOCK, "value": math.inf}]}, ("shocks", 0, "value"),
     "bad_value"),
    ({"name": "s", "shocks": [{**SHOCK, 7: 1, "zz": 2}]}, ("shocks", 0, "7"), "unknown_key"),
])
def test_bad_scenario_values_are_named(doc: dict[Any, Any], loc: tuple[Any, ...],
                                       code: str) -> None:
    with pytest.raises(ScenarioError) as err:
        parse_scenario(doc)
    found = [(i.loc, i.code) for i in err.value.issues]
    assert (loc, code) in found, found


@pytest.mark.parametrize(("name", "content", "code"), [
    ("latin.yaml", "name: café\nshocks: []\n".encode("latin-1"), "bad_encoding"),
    ("deep.yaml", b"name: x\nshocks: " + b"[" * 3000 + b"]" * 3000 + b"\n", "too_deep"),
    ("deep.json", b'{"name": "x", "shocks": ' + b"[" * 3000 + b"]" * 3000 + b"}", "too_deep"),
    ("long.json", b'{"name": "x", "shocks": [{"value": 1' + b"0" * 5000 + b"}]}",
     "bad_format"),
    ("bad.yaml", b"name: [x\n", "bad_format"),
])
def test_unreadable_scenario_files(tmp_path: Path, name: str, content: bytes,
                                   code: str) -> None:
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(ScenarioError) as err:
        load_scenario(p)
    assert [i.code for i in err.value.issues] == [code]


def test_a_latin1_scenario_file_through_the_cli(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "s.yaml"
    p.write_bytes(yaml.safe_dump({"name": "é", "shocks": [SHOCK]},
                                 allow_unicode=True).encode("latin-1"))
    assert main(["scenario", str(p), "--example", "asem", "--n", "0"]) == 2
    err = capsys.readouterr().err
    assert "not UTF-8" in err and "Traceback" not in err


# -- any document -----------------------------------------------------------------
SCALARS = (st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats()
           | st.text(max_size=8) | st.sampled_from(["weights", "choice", "exclude", COV,
                                                    "Conn", "methodology.normalise",
                                                    "minmax", "dirichlet", "$x"]))
VALUES = st.recursive(SCALARS, lambda kids: st.lists(kids, max_size=3)
                      | st.dictionaries(st.text(max_size=6) | st.sampled_from(
                          ["name", "type", "level", "options", "range", "steps", "codes",
                           "path", "method", "noise", "concentration", "distribution"]),
                          kids, max_size=4), max_leaves=12)
FACTOR_KEYS = st.sampled_from(["name", "type", "level", "distribution", "noise",
                               "concentration", "path", "options", "range", "steps", "codes"])
SCENARIO_KEYS = st.sampled_from(["name", "title", "parameters", "mapping", "shocks", "units",
                                 "indicators", "op", "value", "partner", "gains_only"])


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.dictionaries(FACTOR_KEYS, VALUES, max_size=6) | VALUES, max_size=3))
def test_any_factor_document_is_valid_or_a_factor_error(spec: airank.IndexSpec,
                                                        doc: list[Any]) -> None:
    try:
        parse_factors(doc, spec)
    except FactorError as exc:
        assert exc.issues and all(i.loc and i.code and i.message for i in exc.issues)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.dictionaries(SCENARIO_KEYS, VALUES | st.lists(
    st.dictionaries(SCENARIO_KEYS, VALUES, max_size=6), max_size=2), max_size=6))
def test_any_scenario_document_is_valid_or_a_scenario_error(doc: dict[str, Any]) -> None:
    try:
        parse_scenario(doc)
    except ScenarioError as exc:
        assert exc.issues and all(i.code and i.message for i in exc.issues)
