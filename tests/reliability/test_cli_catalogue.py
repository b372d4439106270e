"""The bad-input catalogue of the command line: every case exits 2, says where and what.

Two parts, run in-process through ``airank.cli.main`` (fast):

* **named cases** -- every example of issue 13 that reaches the command line (bad specs,
  tables, scenario and factors files, options, output folders), and the CLI points of
  issue 12 (unknown and ambiguous units);
* **generated cases** -- at least one bad value for every option and argument of every
  command, read from the Typer app itself: a command or option added later gets cases
  by its type (numbers out of range, NaN, text; choices; paths), and a free-text option
  without a bad value in :data:`TEXT_CASES` fails :func:`test_every_option_is_covered`.

Each case asserts exit code 2, a message on stderr naming the place (option, argument,
key, file or column) and the value, no traceback, and an untouched working folder
(which holds the output of an earlier build: it must stay byte for byte as it was).
"""

from __future__ import annotations

import hashlib
import os
import socket
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import typer
import yaml

from airank.cli import app, main
from airank.cli._options import Number

from ..conftest import TINY_ROWS, TINY_SPEC

Setup = Callable[[Path], None]


@dataclass(frozen=True)
class Case:
    """One bad input: the command line, and what the message must contain."""

    name: str
    argv: tuple[str, ...]
    expect: tuple[str, ...]  # all of these, case-insensitive (the place and the value)
    setup: Setup | None = field(default=None, compare=False)
    any_of: tuple[str, ...] = ()  # at least one of these (e.g. two spellings of a place)


# -- files the cases use ---------------------------------------------------------------
def _spec(**changes: Any) -> dict[str, Any]:
    doc = yaml.safe_load(yaml.safe_dump(TINY_SPEC))
    for key, value in changes.items():
        doc[key] = value
    return doc


def _write_spec(doc: Any, name: str = "spec.yaml", text: str | None = None) -> Setup:
    def setup(d: Path) -> None:
        (d / name).write_text(text if text is not None else yaml.safe_dump(doc))
    return setup


def _method(**m: Any) -> dict[str, Any]:
    return {**TINY_SPEC["methodology"], **m}


def _frame() -> pd.DataFrame:
    return pd.DataFrame(TINY_ROWS, columns=["unit", "region", "i1", "i2", "i3", "i4"])


def _write_data(frame: pd.DataFrame | None = None, name: str = "data.csv",
                text: str | bytes | None = None) -> Setup:
    def setup(d: Path) -> None:
        _write_spec(TINY_SPEC)(d)
        p = d / name
        if isinstance(text, bytes):
            p.write_bytes(text)
        elif text is not None:
            p.write_text(text)
        else:
            (frame if frame is not None else _frame()).to_csv(p, index=False)
    return setup


def _long(year: str) -> Setup:
    """A long table (unit, code, year, value) with one bad year cell."""
    def setup(d: Path) -> None:
        _write_spec(TINY_SPEC)(d)
        rows = ["unit,region,code,year,value"]
        for u, r, *vals in TINY_ROWS:
            for c, v in zip(("i1", "i2", "i3", "i4"), vals, strict=True):
                y = year if (u, c) == ("A", "i1") else "2020"
                rows.append(f"{u},{r},{c},{y},{'' if v != v else v}")
        (d / "data.csv").write_text("\n".join(rows) + "\n")
    return setup


def _file(name: str, content: str | bytes) -> Setup:
    def setup(d: Path) -> None:
        p = d / name
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content)
    return setup


_ALIAS_BOMB = ("a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
               "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, "
               "*c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nname: [*e, *e, *e]\n")
_DEEP_GROUPS = {"name": "Deep", "units": {"kind": "custom"},
                "nodes": [{"code": "g0"}] + [{"code": f"g{i}", "parent": f"g{i - 1}"}
                                             for i in range(1, 340)],
                "indicators": [{"code": "i1", "parent": "g339"}]}
_S, _D = ("spec.yaml", "data.csv")
_B = ("build", _S, _D, "-o", "out")  # the folder of the earlier build: must stay as it was

SPEC_CASES = [
    Case("target .nan", _B, ("target", "nan"), _write_spec(_spec(indicators=[
        {**TINY_SPEC["indicators"][0], "target": float("nan")}, *TINY_SPEC["indicators"][1:]]))),
    Case("minmax upper .inf", _B, ("upper", "inf"), _write_spec(_spec(methodology=_method(
        normalise={"method": "minmax", "lower": 0, "upper": float("inf")})))),
    Case("goalposts low .nan", _B, ("low", "nan"), _write_spec(_spec(indicators=[
        {**TINY_SPEC["indicators"][0], "methods": {"normalise": {
            "method": "goalposts", "low": float("nan"), "high": 10}}},
        *TINY_SPEC["indicators"][1:]]))),
    Case("four sibling weights 1e308", _B, ("weight", "1e+308"), _write_spec(_spec(nodes=[
        {"code": "index"}, *[{"code": f"p{k}", "parent": "index", "weight": 1e308}
                             for k in (1, 2, 3, 4)]], indicators=[
        {"code": f"i{k}", "parent": f"p{k}"} for k in (1, 2, 3, 4)]))),
    Case("weight '0' in quotes", _B, ("weight", "'0'"), _write_spec(_spec(nodes=[
        {"code": "index"}, {"code": "p1", "parent": "index", "weight": "0"},
        {"code": "p2", "parent": "index", "weight": "0"}]))),
    Case("weight -1", _B, ("weight", "-1"), _write_spec(_spec(nodes=[
        {"code": "index"}, {"code": "p1", "parent": "index", "weight": -1},
        {"code": "p2", "parent": "index"}]))),
    Case("unknown parent", _B, ("parent", "nowhere"), _write_spec(_spec(nodes=[
        *TINY_SPEC["nodes"], {"code": "p3", "parent": "nowhere"}]))),
    Case("340 nested groups", _B, ("nodes", "339"), _write_spec(_DEEP_GROUPS)),
    Case("YAML alias bomb", ("validate", _S), ("spec.yaml", "alias"),
         _write_spec(None, text=_ALIAS_BOMB)),
    Case("spec is a list", _B, ("spec.yaml", "mapping"), _write_spec(["a", "b"])),
    Case("spec not YAML", _B, ("spec.yaml", "line"), _write_spec(None, text="a: [1, 2\n")),
    Case("spec latin-1", _B, ("spec.yaml", "utf-8"),
         _file(_S, "name: Caf\xe9\n".encode("latin-1"))),
    Case("unknown method", _B, ("normalise", "softmax"), _write_spec(_spec(
        methodology=_method(normalise={"method": "softmax"})))),
    Case("unknown key", _B, ("colour", "unknown key"), _write_spec(_spec(colour="blue"))),
    Case("direction 2", _B, ("direction", "2"), _write_spec(_spec(indicators=[
        {**TINY_SPEC["indicators"][0], "direction": 2}, *TINY_SPEC["indicators"][1:]]))),
    Case("min_coverage 1.5", _B, ("min_coverage", "1.5"), _write_spec(_spec(
        methodology=_method(screen={"method": "coverage", "min_coverage": 1.5})))),
    Case("a screen that removes every unit", _B, ("min_coverage", "65%"),
         _write_data(text="unit,region,i1,i2,i3,i4\nA,n,,,1,2\nB,n,1,2,,\nC,s,,1,,2\n"
                          "D,s,1,,2,\n")),
    Case("spec missing", ("build", "missing.yaml", _D, "-o", "out"), ("missing.yaml",)),
    Case("spec is a folder", ("build", "out", _D, "-o", "out2"), ("'out'", "folder")),
]
def _with_data(setup: Setup | None) -> Setup:
    def both(d: Path) -> None:
        _frame().to_csv(d / _D, index=False)
        if setup is not None:
            setup(d)
    return both


SPEC_CASES = [Case(c.name, c.argv, c.expect, _with_data(c.setup), c.any_of)
              for c in SPEC_CASES]

_V = ("validate", _S, _D)
DATA_CASES = [
    Case("year cell 1e20", _V, ("year", "1e20"), _long("1e20")),
    Case("year cell inf", _V, ("year", "inf"), _long("inf")),
    Case("year cell text", _V, ("year", "soon"), _long("soon")),
    Case("duplicated CSV column", _V, ("i1", "2 times"), _write_data(text=(
        "unit,region,i1,i1,i2,i3,i4\nA,north,0,0,10,5,1\nB,north,10,10,0,5,2\n"))),
    Case("value text", _V, ("i1", "lots"), _write_data(_frame().astype({"i1": object}).assign(
        i1=["lots", 10.0, 5.0, 10.0]))),
    Case("value True as text", _V, ("i1", "True"), _write_data(text=(
        "unit,region,i1,i2,i3,i4\nA,north,True,10,5,1\nB,north,10,0,5,2\n"))),
    Case("value inf", _V, ("i1", "inf"), _write_data(text=(
        "unit,region,i1,i2,i3,i4\nA,north,inf,10,5,1\nB,north,10,0,5,2\n"))),
    Case("duplicated unit", _V, ("unit", "A"), _write_data(text=(
        "unit,region,i1,i2,i3,i4\nA,north,0,10,5,1\nA,north,10,0,5,2\n"))),
    Case("no unit column", _V, ("unit",), _write_data(text="x,i1,i2,i3,i4\nA,0,10,5,1\n")),
    Case("data is a folder", ("validate", _S, "sub"), ("'sub'", "directory"),
         lambda d: (_write_spec(TINY_SPEC)(d), (d / "sub").mkdir())),
    Case("data missing", ("validate", _S, "nope.csv"), ("nope.csv",), _write_spec(TINY_SPEC)),
    Case("text file named .xlsx", ("validate", _S, "data.xlsx"), ("data.xlsx", "excel"),
         _write_data(name="data.xlsx", text="unit,i1\nA,1\n")),
    Case("data latin-1", _V, ("data.csv", "utf-8"), _write_data(text=(
        "unit,region,i1,i2,i3,i4\nCaf\xe9,north,0,10,5,1\n".encode("latin-1")))),
    Case("empty data file", _V, ("data.csv", "no columns"), _write_data(text="")),
    Case("ambiguous country Congo", ("validate", "cspec.yaml", "cdata.csv"), ("congo", "cog"),
         lambda d: (_file("cspec.yaml", yaml.safe_dump(_spec(units={"kind": "country"})))(d),
                    _file("cdata.csv", "unit,i1,i2,i3,i4\nCongo,1,2,3,4\nFrance,2,3,4,5\n"
                                       "Germany,3,4,5,6\n")(d))),
    Case("ambiguous country Korea", ("validate", "cspec.yaml", "cdata.csv"), ("korea", "kor"),
         lambda d: (_file("cspec.yaml", yaml.safe_dump(_spec(units={"kind": "country"})))(d),
                    _file("cdata.csv", "unit,i1,i2,i3,i4\nKorea,1,2,3,4\nFrance,2,3,4,5\n"
                                       "Germany,3,4,5,6\n")(d))),
]

_F = ("uncertainty", "--example", "asem", "--n", "10", "--factors", "f.yaml")


def _factors(doc: Any, text: str | bytes | None = None) -> Setup:
    return _file("f.yaml", text if text is not None else yaml.safe_dump({"factors": doc}))


FACTOR_CASES = [
    Case("range of text", _F, ("range", "lo"), _factors([
        {"name": "t", "type": "choice", "path": "methodology.screen.min_coverage",
         "range": ["lo", "hi"], "steps": 3}])),
    Case("type a list", _F, ("type", "weights"), _factors([
        {"name": "w", "type": ["weights"], "level": 2}])),
    Case("option nested 900 lists deep", _F, ("f.yaml", "nested too deeply"), _file(
        "f.yaml", "factors:\n- name: n\n  type: choice\n  path: methodology.normalise\n"
                  "  options: " + "[" * 900 + "1" + "]" * 900 + "\n")),
    Case("factors latin-1", _F, ("f.yaml", "utf-8"),
         _factors(None, text="factors:\n- name: caf\xe9\n".encode("latin-1"))),
    Case("dirichlet concentration .inf", _F, ("concentration", "inf"), _factors([
        {"name": "w", "type": "weights", "level": 2, "distribution": "dirichlet",
         "concentration": float("inf")}])),
    Case("noise nan", _F, ("noise", "nan"), _factors([
        {"name": "w", "type": "weights", "level": 2, "noise": float("nan")}])),
    Case("steps 20000", _F, ("steps", "20000"), _factors([
        {"name": "t", "type": "choice", "path": "methodology.screen.min_coverage",
         "range": [0.1, 0.9], "steps": 20000}])),
    Case("unknown path", _F, ("factors.c", "methodology.colour"), _factors([
        {"name": "c", "type": "choice", "path": "methodology.colour", "options": [1, 2]}])),
    Case("unknown level", _F, ("level", "9"), _factors([
        {"name": "w", "type": "weights", "level": 9}])),
    Case("exclude unknown code", _F, ("codes", "Nowhere"), _factors([
        {"name": "x", "type": "exclude", "codes": ["Nowhere"]}])),
    Case("factors not a list", _F, ("factors", "int 3"), _file("f.yaml", "factors: 3\n")),
    Case("factors file missing", (*_F[:-1], "nofile.yaml"), ("--factors", "nofile.yaml")),
]

_SC = ("scenario", "s.yaml", "--example", "asem", "--n", "0")


def _scn(doc: Any, text: str | bytes | None = None) -> Setup:
    return _file("s.yaml", text if text is not None else yaml.safe_dump(doc))


_SHOCK = {"units": ["CHE"], "indicators": ["Goods"], "op": "reduce", "value": 0.2}
SCENARIO_CASES = [
    Case("mapping a list", _SC, ("mapping", "list"), _scn(
        {"name": "m", "mapping": ["a", "b"], "shocks": [_SHOCK]})),
    Case("scenario latin-1", _SC, ("s.yaml", "utf-8"),
         _scn(None, text="name: caf\xe9\nshocks: []\n".encode("latin-1"))),
    Case("unknown op", _SC, ("op", "explode"), _scn(
        {"name": "o", "shocks": [{**_SHOCK, "op": "explode"}]})),
    Case("value nan", _SC, ("value", "nan"), _scn(
        {"name": "v", "shocks": [{**_SHOCK, "value": float("nan")}]})),
    Case("reduce share 2", _SC, ("value", "2"), _scn(
        {"name": "v", "shocks": [{**_SHOCK, "value": 2}]})),
    Case("unknown indicator", _SC, ("indicators", "Spice"), _scn(
        {"name": "i", "shocks": [{**_SHOCK, "indicators": ["Spice"]}]})),
    Case("unknown unit in file", _SC, ("units", "ATL"), _scn(
        {"name": "u", "shocks": [{**_SHOCK, "units": ["ATL"]}]})),
    Case("unknown parameter", _SC, ("$nope",), _scn(
        {"name": "p", "shocks": [{**_SHOCK, "value": "$nope"}]})),
    Case("shocks not a list", _SC, ("shocks", "3"), _scn({"name": "s", "shocks": 3})),
    Case("scenario not YAML", _SC, ("s.yaml",), _scn(None, text="name: [\n")),
    Case("unknown preset", ("scenario", "blockade", "--n", "0"), ("blockade", "preset")),
]

OPTION_CASES = [
    Case("seed -1", ("uncertainty", "--example", "asem", "--seed", "-1"), ("--seed", "-1")),
    Case("top -1", ("rank", "--top", "-1"), ("--top", "-1")),
    Case("top 0", ("rank", "--top", "0"), ("--top", "'0'")),
    Case("k -5", ("uncertainty", "-k", "-5"), ("-k", "-5")),
    Case("explain n -1", ("explain", "RUS", "--n", "-1"), ("--n", "-1")),
    Case("max-change -1", ("reach", "RUS", "--rank", "3", "--max-change", "-1"),
         ("--max-change", "-1")),
    Case("scenario n 1e9", ("scenario", "sanctions", "--n", "1000000000"), ("--n", "1000000000")),
    Case("reach n 1e9", ("reach", "RUS", "--rank", "3", "--n", "1000000000"),
         ("--n", "1000000000")),
    Case("project n 1e9", ("project", "--n", "1000000000"), ("--n", "1000000000")),
    Case("scenario over budget", ("scenario", "sanctions", "--n", "9000000"),
         ("budget", "9,000,000")),
    Case("reach over budget", ("reach", "RUS", "--rank", "3", "--n", "9000000"),
         ("budget", "9,000,000")),
    Case("project over budget", ("project", "--n", "90000"), ("budget", "90,000")),
    Case("uncertainty over a given budget", ("uncertainty", "--n", "10000000", "--budget",
                                             "2"), ("budget", "10,000,000")),
    Case("strength nan", ("scenario", "sanctions", "--strength", "nan"), ("--strength", "nan")),
    Case("strength 0.33 on partnership B unknown", ("scenario", "partnership", "RUS", "XYZ",
                                                    "--strength", "0.33"), ("units", "XYZ")),
    Case("explain rus on asem: Russia", ("explain", "Atlantis", "--example", "asem"),
         ("unit", "atlantis")),
    Case("explain Congo", ("explain", "Congo"), ("congo", "COD", "COG")),
    Case("explain Korea", ("explain", "Korea"), ("korea", "KOR", "PRK")),
    Case("trend XYZ", ("trend", "XYZ"), ("iso3", "XYZ")),
    Case("scenario sanctions XYZ", ("scenario", "sanctions", "XYZ"), ("units", "XYZ")),
    Case("project --countries XYZ", ("project", "--countries", "XYZ"), ("--countries", "XYZ")),
    Case("project --countries ,", ("project", "--countries", ","), ("--countries", "','")),
    Case("sensitivity --unit XYZ", ("sensitivity", "--example", "asem", "--unit", "XYZ"),
         ("--unit", "XYZ")),
    Case("reach overtake itself", ("reach", "RUS", "--overtake", "Russia"),
         ("overtake", "RUS")),
    Case("reach two targets", ("reach", "RUS", "--rank", "3", "--overtake", "USA"),
         ("target",)),
    Case("reach rank beyond the field", ("reach", "RUS", "--rank", "5000"), ("rank", "5000")),
    Case("project year before the edition", ("project", "--year", "2020"), ("year", "2020")),
    Case("edition with example", ("rank", "--example", "asem", "--edition", "2021"),
         ("--edition",)),
    Case("licence with example", ("rank", "--example", "asem", "--licence", "open"),
         ("--licence",)),
    Case("spec and example", ("rank", _S, _D, "--example", "asem"), ("--example", "spec"),
         _with_data(_write_spec(TINY_SPEC))),
    Case("spec without data", ("rank", _S), ("data",), _write_spec(TINY_SPEC)),
    Case("bounds on a geometric group", ("bounds", _S, _D), ("group", "geometric"),
         _with_data(_write_spec(_spec(methodology=_method(
             normalise={"method": "minmax", "lower": 1, "upper": 100},
             aggregate={"method": "geometric"}))))),
    Case("fit-weights unknown total", ("fit-weights", "t.csv", "--total", "Nope",
                                       "--components", "a,b"), ("nope",),
         _file("t.csv", "t,a,b\n1,1,0\n2,0,1\n3,1,1\n4,2,1\n")),
    Case("fit-weights csv format", ("fit-weights", "t.csv", "--total", "t", "--components",
                                    "a,b", "--format", "csv"), ("--format", "csv"),
         _file("t.csv", "t,a,b\n1,1,0\n2,0,1\n3,1,1\n4,2,1\n")),
    Case("unknown command", ("rnak",), ("rnak",)),
    Case("unknown option", ("rank", "--colour", "red"), ("--colour",)),
]

_OUT_FILE = _file("taken", "keep me\n")
OUTPUT_CASES = [
    Case("-o an existing file", ("build", "--example", "asem", "-o", "taken"),
         ("taken", "file")),
    Case("-o /dev/full", ("build", "--example", "asem", "-o", "/dev/full"),
         ("/dev/full", "device")),
    Case("-o under a file", ("build", "--example", "asem", "-o", "taken/sub"),
         ("taken/sub", "file")),
    Case("-o a folder that is not an output", ("build", "--example", "asem", "-o", "mine"),
         ("mine", "manifest.json"), lambda d: ((d / "mine").mkdir(),
                                              (d / "mine" / "notes.txt").write_text("x"))),
    Case("-o in /proc", ("build", "--example", "asem", "-o", "/proc/airank-out"),
         ("/proc/airank-out",)),
    Case("-o a name too long", ("build", "--example", "asem", "-o", "x" * 300),
         ("x" * 300, "too long")),
]
OUTPUT_CASES = [Case(c.name, c.argv, c.expect, c.setup or _OUT_FILE) for c in OUTPUT_CASES]

NAMED = SPEC_CASES + DATA_CASES + FACTOR_CASES + SCENARIO_CASES + OPTION_CASES + OUTPUT_CASES


# -- generated from the Typer app ----------------------------------------------------------
def _port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return str(s.getsockname()[1])


#: A valid, cheap invocation of every command; a bad value is appended to it.
BASES: dict[str, tuple[str, ...]] = {
    "build": ("build", "--example", "asem", "-o", "fresh"),
    "rank": ("rank", "--example", "asem"),
    "explain": ("explain", "CHE", "--example", "asem"),
    "validate": ("validate", _S),
    "uncertainty": ("uncertainty", "--example", "asem", "--n", "10"),
    "sensitivity": ("sensitivity", "--example", "asem", "--n-base", "4"),
    "importance": ("importance", "--example", "asem"),
    "bounds": ("bounds", "--example", "asem"),
    "trend": ("trend", "RUS"),
    "data sources": ("data", "sources"),
    "fit-weights": ("fit-weights", "t.csv", "--total", "t", "--components", "a,b"),
    "scenario": ("scenario", "sanctions", "RUS", "--n", "0"),
    "reach": ("reach", "RUS", "--rank", "30", "--n", "0"),
    "project": ("project", "--n", "0"),
    "serve": ("serve", "--port", "PORT"),
    "compare": ("compare", _S, _S, "--data", _D),
    "remove": ("remove", "--example", "asem"),
    "stats": ("stats", "--example", "asem"),
    "from-coinr": ("from-coinr", "coinr/iData.csv", "coinr/iMeta.csv", "-o", "fresh"),
    "to-coinr": ("to-coinr", "--example", "asem", "-o", "fresh"),
    "plot": ("plot", "bar", "--example", "asem", "-o", "fresh.html"),
    "report": ("report", "--example", "asem", "-o", "fresh.html", "--n", "10",
               "--n-base", "4"),
}
#: Commands that take no option or argument with a value.
NO_VALUES = {"data build"}

#: Bad values of free-text options and arguments, by command and name.
TEXT_CASES: dict[tuple[str, str], str] = {
    ("explain", "unit"): "Atlantis", ("trend", "iso3"): "XYZ",
    ("reach", "unit"): "XYZ", ("reach", "--overtake"): "XYZ",
    ("scenario", "source"): "no-such-preset", ("scenario", "units"): "XYZ",
    ("scenario", "--countries"): "XYZ", ("scenario", "--partner"): "XYZ",
    ("project", "--scenario"): "no-such-preset", ("project", "--countries"): "XYZ",
    ("project", "--targets"): "XYZ", ("project", "--partner"): "XYZ",
    ("sensitivity", "--unit"): "XYZ", ("bounds", "--group"): "Nogroup",
    ("uncertainty", "--factors"): "no-such-design", ("sensitivity", "--factors"): "nofile",
    ("fit-weights", "--total"): "Nocolumn", ("fit-weights", "--components"): "a,Nocolumn",
    ("serve", "--host"): "256.0.0.1", ("serve", "--cors"): "not a url",
    ("serve", "--allowed-host"): "bad host!",
    ("compare", "--code"): "Nonode", ("remove", "--code"): "Nonode",
    ("from-coinr", "--name"): "x" * 201,
    ("plot", "--unit"): "Atlantis", ("plot", "--highlight"): "Atlantis",
    ("plot", "--units"): "Atlantis", ("plot", "--code"): "Nonode",
    ("plot", "--codes"): "Nonode", ("plot", "--levels"): "1,x",
    ("report", "--units"): "Atlantis",
    ("uncertainty", "--dask"): "nonsense", ("sensitivity", "--dask"): "no-port",
}
#: Where the engine locates a free-text option's problem when not by the option's name.
PLACES = {("project", "--partner"): "partner", ("scenario", "source"): "scenario",
          ("project", "--scenario"): "scenario", ("bounds", "--group"): "group",
          ("serve", "--host"): "256.0.0.1", ("uncertainty", "--dask"): "scheduler",
          ("sensitivity", "--dask"): "scheduler"}


def _commands() -> list[tuple[str, Any]]:
    root = typer.main.get_command(app)
    out: list[tuple[str, Any]] = []

    def walk(group: Any, prefix: str) -> None:
        for name, cmd in sorted(group.commands.items()):
            path = f"{prefix}{name}"
            if hasattr(cmd, "commands"):
                walk(cmd, path + " ")
            else:
                out.append((path, cmd))

    walk(root, "")
    return out


def _name(param: Any) -> str:
    if param.param_type_name == "argument":
        return str(param.name)
    return max(param.opts, key=len)


def _kind(param: Any) -> tuple[Any, Any, tuple[str, ...], bool]:
    """(annotation, parser, choices, is_path) of a parameter: Typer's type descriptor,
    or click's param type for Typer versions that have one."""
    td = getattr(param, "type_descriptor", None)
    if td is not None:
        ann = td.annotation
        args = typing.get_args(ann)
        inner = [a for a in args if a is not type(None)]
        if typing.get_origin(ann) is list and inner:
            ann = inner[0]
        choices = tuple(str(a) for a in args) if typing.get_origin(ann) is typing.Literal \
            else ()
        return ann, td.parameter_info.parser, choices, ann is Path
    kind = param.type
    return (None, getattr(kind, "func", None), tuple(getattr(kind, "choices", ()) or ()),
            kind.name == "path")


def _values(param: Any) -> list[str]:
    """Bad values for a parameter, from its type."""
    _, func, choices, is_path = _kind(param)
    if isinstance(func, Number):  # not a number, not finite, out of range
        bad = ["abc", "nan" if func.kind == "float" else "1.5"]
        if func.low is not None:
            bad.append(str(int(func.low) - 1 if func.kind == "int" else func.low - 1))
        elif func.high is not None:
            bad.append(str(int(func.high) + 1 if func.kind == "int" else func.high * 2))
        return bad
    if choices:
        return ["bogus"]
    if is_path:
        return ["taken"] if _name(param) in ("--output", "--pdf") else ["missing-file.yaml"]
    return []


def _generated() -> list[Case]:
    cases: list[Case] = []
    for path, cmd in _commands():
        if path not in BASES:
            continue
        base = BASES[path]
        for p in cmd.params:
            if p.name == "help" or p.name in ("install_completion", "show_completion"):
                continue
            name = _name(p)
            if getattr(p, "is_flag", False):
                cases.append(Case(f"{path} {name}=oops", (*base, f"{name}=oops"), (name,)))
                continue
            values = _values(p) or ([TEXT_CASES[(path, name)]] if (path, name) in TEXT_CASES
                                    else [])
            for v in values:
                argv = _place(path, cmd, p, name, v)
                place = PLACES.get((path, name), name)
                spellings = (place, place.lstrip("-"), place.lstrip("-").replace("-", "_"))
                cases.append(Case(f"{path} {name} {v}", argv, (v,), _GENERATED_SETUP,
                                  any_of=spellings))
    return cases


#: Good values of positional arguments a bad one follows.
_GOOD_ARGS = {"spec": _S, "data": _D}


def _place(path: str, cmd: Any, p: Any, name: str, value: str) -> tuple[str, ...]:
    """The base invocation of ``path`` with ``value`` for parameter ``p``: options are
    appended; an argument goes in its position (after good values of those before it;
    a spec or data argument replaces ``--example``)."""
    base = BASES[path]
    if p.param_type_name != "argument":
        return (*base, name, value)
    words = path.split()
    rest = list(base[len(words):])
    given = [a for i, a in enumerate(rest) if not a.startswith("-")
             and (i == 0 or not rest[i - 1].startswith("-"))]
    args = [q for q in cmd.params if q.param_type_name == "argument"]
    k = [q.name for q in args].index(p.name)
    before = [given[i] if i < len(given) else _GOOD_ARGS.get(str(q.name), "x")
              for i, q in enumerate(args[:k])]
    options = [a for a in rest if a not in given]
    if {str(q.name) for q in args[:k + 1]} & {"spec", "data"} and "--example" in options:
        i = options.index("--example")
        del options[i:i + 2]
    value_then = [value, _D] if p.name == "spec" else [value]
    after = given[k + 1:] if p.name not in ("spec", "data") else []  # good args after it
    return (*words, *before, *value_then, *after, *options)


def _generated_setup(d: Path) -> None:
    _with_data(_write_spec(TINY_SPEC))(d)
    (d / "t.csv").write_text("t,a,b\n1,1,0\n2,0,1\n3,1,1\n4,2,1\n")
    from airank import load_spec, read_data
    from airank.coinr import write_to_coinr

    spec = load_spec(d / _S)
    write_to_coinr(spec, read_data(d / _D, spec), d / "coinr")
    (d / "taken").write_text("keep me\n")


_GENERATED_SETUP = _generated_setup
GENERATED = _generated()


# -- the runs ----------------------------------------------------------------------------
@pytest.fixture(scope="module", autouse=True)
def _env(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    saved = {k: os.environ.get(k) for k in ("AIRANK_CACHE_DIR", "COLUMNS")}
    os.environ.update(AIRANK_CACHE_DIR=str(cache), COLUMNS="100")
    yield
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="module")
def earlier(tmp_path_factory) -> Path:
    """The output folder of an earlier build (every case runs beside a copy of it)."""
    d = tmp_path_factory.mktemp("earlier")
    assert main(["build", "--example", "asem", "-o", str(d / "out")]) == 0
    return d / "out"


def _tree(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            if p.is_file() else "dir" for p in sorted(folder.rglob("*"))}


def _run(case: Case, tmp_path: Path, earlier: Path, capsys: Any,
         monkeypatch: Any) -> None:
    import shutil

    shutil.copytree(earlier, tmp_path / "out")
    if case.setup is not None:
        case.setup(tmp_path)
    monkeypatch.chdir(tmp_path)

    def no_server(*a: Any, **k: Any) -> None:
        raise AssertionError("the server started: the bad value was accepted")

    monkeypatch.setattr("uvicorn.Server.run", no_server)
    before = _tree(tmp_path)
    capsys.readouterr()
    code = main([a if a != "PORT" else _port() for a in case.argv])
    captured = capsys.readouterr()
    err = captured.err
    assert code == 2, f"exit {code}; stderr: {err[-800:]}; stdout: {captured.out[-300:]}"
    assert "Traceback" not in err and "Traceback" not in captured.out
    low = " ".join(err.lower().split())
    missing = [e for e in case.expect if e.lower() not in low]
    assert not missing, f"message lacks {missing}: {err[-1500:]}"
    if case.any_of:
        assert any(a.lower() in low for a in case.any_of), (case.any_of, err[-800:])
    assert _tree(tmp_path) == before, "the working folder changed"


@pytest.mark.parametrize("case", NAMED, ids=[c.name for c in NAMED])
def test_named_case(case, tmp_path, earlier, capsys, monkeypatch):
    _run(case, tmp_path, earlier, capsys, monkeypatch)


@pytest.mark.parametrize("case", GENERATED, ids=[c.name for c in GENERATED])
def test_generated_case(case, tmp_path, earlier, capsys, monkeypatch):
    _run(case, tmp_path, earlier, capsys, monkeypatch)


def test_every_option_is_covered():
    """Every command has a base invocation and every option at least one bad value."""
    commands = dict(_commands())
    assert set(commands) - set(BASES) - NO_VALUES == set(), "add a base for new commands"
    lacking = []
    for path, cmd in commands.items():
        if path in NO_VALUES:
            assert not [p for p in cmd.params if p.name != "help"], path
            continue
        for p in cmd.params:
            if p.name in ("help", "install_completion", "show_completion"):
                continue
            name = _name(p)
            if not any(c.name.startswith(f"{path} {name} ") or c.name == f"{path} {name}=oops"
                       for c in GENERATED):
                lacking.append(f"{path} {name}")
    assert not lacking, f"no bad value for: {lacking} (add one to TEXT_CASES)"


def test_the_catalogue_is_large_enough():
    assert len(NAMED) + len(GENERATED) >= 150, (len(NAMED), len(GENERATED))
