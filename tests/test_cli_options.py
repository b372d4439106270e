"""Options checked before any work, help legends, 80-column tables, the budget."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys

import pandas as pd
import pytest
import typer
import yaml
from hypothesis import given
from hypothesis import strategies as st

from airank.cli import _common, _options, main
from airank.cli._options import Number

pytestmark = pytest.mark.usefixtures("private_cache")


def test_constants_match_the_engine():
    from airank import datasets, ogai, seeds
    from airank.analysis.robustness import cost, uncertainty

    assert _options.MAX_SEED == seeds.MAX_SEED
    assert _options.MAX_REPLICATIONS == uncertainty.MAX_REPLICATIONS
    assert _options.EDITIONS == ogai.EDITIONS
    assert _options.RELEASE == ogai.RELEASE
    assert _options.CLI_BUDGET == cost.CLI_BUDGET
    assert _options.EXAMPLES == datasets.EXAMPLES
    from airank import plot, results

    assert _options.STAGES == results.STAGES
    assert _options.PLOT_KINDS == plot.KINDS


# -- the number parser -----------------------------------------------------------
@given(st.integers(-10**6, 10**6))
def test_number_int_accepts_exactly_its_range(x):
    p = Number("int", 1, 1000)
    if 1 <= x <= 1000:
        assert p(str(x)) == x
    else:
        with pytest.raises(typer.BadParameter, match=re.escape(repr(str(x)))):
            p(str(x))


@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "1e999", "abc", "", "1.5", "0x10"])
def test_number_int_refuses_text_and_non_finite(text):
    with pytest.raises(typer.BadParameter, match="whole number"):
        Number("int", 0)(text)


@pytest.mark.parametrize("text", ["nan", "NaN", "inf", "-Infinity", "1e400", "x"])
def test_number_float_refuses_non_finite(text):
    with pytest.raises(typer.BadParameter, match="must be a number"):
        Number("float", 0, 1)(text)


def test_number_open_bounds():
    p = Number("float", 0, 1, open_low=True)
    assert p("1") == 1.0 and p("1e-9") == 1e-9
    with pytest.raises(typer.BadParameter, match=r"> 0"):
        p("0")


# -- checked before any work -----------------------------------------------------
def _no_work(monkeypatch):
    """Loading an edition fails the test: an option error must come first."""
    def fail(*args, **kwargs):
        raise AssertionError("work started before the options were checked")

    monkeypatch.setattr(_common, "_source", fail)


@pytest.mark.parametrize("argv,option,value", [
    (["rank", "--top", "-3"], "--top", "-3"),
    (["rank", "--top", "0"], "--top", "0"),
    (["rank", "--edition", "1999"], "--edition", "1999"),
    (["rank", "--seed", "-1"], "--seed", "-1"),
    (["rank", "--seed", str(2**32)], "--seed", str(2**32)),
    (["rank", "--view", "tiny"], "--view", "tiny"),
    (["rank", "--licence", "closed"], "--licence", "closed"),
    (["rank", "--intervals", "--n", "0"], "--n", "0"),
    (["rank", "--budget", "nan"], "--budget", "nan"),
    (["uncertainty", "-k", "-5"], "-k", "-5"),
    (["uncertainty", "--n", "100000000"], "--n", "100000000"),
    (["explain", "RUS", "--n", "-1"], "--n", "-1"),
    (["reach", "RUS", "--rank", "3", "--max-change", "-1"], "--max-change", "-1"),
    (["reach", "RUS", "--rank", "3", "--max-change", "0"], "--max-change", "0"),
    (["reach", "RUS", "--rank", "0"], "--rank", "0"),
    (["scenario", "sanctions", "--strength", "1.5"], "--strength", "1.5"),
    (["scenario", "sanctions", "--strength", "nan"], "--strength", "nan"),
    (["scenario", "sanctions", "--n", "-1"], "--n", "-1"),
    (["project", "--year", "3000"], "--year", "3000"),
    (["project", "--model", "linear"], "--model", "linear"),
    (["sensitivity", "--n-base", "1000"], "--n-base", "1000"),
    (["bounds", "--rel", "-0.5"], "--rel", "-0.5"),
    (["serve", "--port", "0"], "--port", "0"),
])
def test_bad_options_exit_2_before_any_work(monkeypatch, capsys, argv, option, value):
    _no_work(monkeypatch)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert option in err and f"'{value}'" in err, err
    assert "Traceback" not in err


def _subprocess(argv, env_extra=None):
    env = {**os.environ, "COLUMNS": "80", **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "airank", *argv], capture_output=True,
                          text=True, timeout=60, env=env)


def test_help_and_argument_errors_import_no_pandas():
    probe = ("import sys, runpy; sys.argv = ['airank', *sys.argv[1:]]\n"
             "try:\n    runpy.run_module('airank', run_name='__main__')\n"
             "except SystemExit as e:\n    code = e.code\n"
             "heavy = sorted(m for m in ('pandas', 'scipy', 'numpy', 'sklearn') "
             "if m in sys.modules)\nprint('HEAVY', heavy, file=sys.stderr)\n")
    for argv in (["--help"], ["rank", "--help"], ["rank", "--top", "-3"],
                 ["scenario", "--strength", "2", "sanctions"]):
        proc = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True,
                              text=True, timeout=60)
        assert "HEAVY []" in proc.stderr, (argv, proc.stderr[-500:])


# -- legends and 80 columns --------------------------------------------------------
_RULE = re.compile(r"^[─━ ]+$")


def _headers(text: str) -> list[str]:
    """Column headers of every table printed (the line above each rule)."""
    lines = text.splitlines()
    out: list[str] = []
    for i, line in enumerate(lines[1:], start=1):
        if _RULE.match(line) and "─" in line:
            out += lines[i - 1].split()
    return out


_TABLES = [
    ["rank", "--example", "asem"],
    ["rank"],
    ["rank", "--example", "asem", "--intervals", "--n", "100"],
    ["explain", "CHE", "--example", "asem"],
    ["explain", "RUS"],
    ["uncertainty", "--example", "asem", "--n", "100"],
    ["sensitivity", "--example", "asem", "--n-base", "16", "--unit", "CHE"],
    ["importance", "--example", "asem"],
    ["bounds", "--example", "asem"],
    ["trend", "RUS"],
    ["data", "sources"],
    ["scenario", "sanctions", "RUS", "--n", "20"],
    ["reach", "RUS", "--rank", "30", "--n", "0"],
    ["project", "--countries", "USA,RUS", "--n", "2"],
]


@pytest.mark.parametrize("argv", _TABLES, ids=[" ".join(a[:2]) for a in _TABLES])
def test_tables_fit_80_columns_with_a_legend(monkeypatch, capsys, argv):
    monkeypatch.setenv("COLUMNS", "80")
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "…" not in text
    too_long = [ln for ln in text.splitlines() if len(ln.rstrip()) > 80]
    assert not too_long, too_long
    headers = _headers(text)
    assert headers
    from airank import datasets

    asem = datasets.asem_spec()
    pillars = set(asem.children[asem.index_code])
    path = [a for a in argv if not a.startswith("-")][:2]
    assert main([*path[:2 if path[0] == "data" else 1], "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())
    for h in headers:
        if h.isdigit():  # trend: one column per edition
            assert "one column per edition" in help_text
        elif argv[0] == "rank" and h in pillars:  # a spec's own pillars
            assert "one column per child of the index" in help_text
        else:
            assert re.search(rf"(^|[\s,]){re.escape(h)}[:,]", help_text), (h, help_text)


def test_ranks_print_as_whole_numbers(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "120")
    assert main(["uncertainty", "--example", "asem", "--n", "200"]) == 0
    rows = [ln.split() for ln in capsys.readouterr().out.splitlines()
            if ln.startswith("CHE ")]
    assert rows and rows[0][2] == "1"  # nominal rank: '1', never '1.00'


# -- score intervals only on one scale ---------------------------------------------
def test_score_intervals_only_when_normalisation_is_fixed(tmp_path, capsys):
    assert main(["uncertainty", "--example", "asem", "--n", "100", "--format", "csv"]) == 0
    mixed = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert "score_q05" not in mixed.columns  # the default design varies normalisation
    assert main(["uncertainty", "--example", "asem", "--n", "100"]) == 0
    assert "Score intervals omitted" in capsys.readouterr().out
    weights = tmp_path / "weights.yaml"
    weights.write_text(yaml.safe_dump({"factors": [
        {"name": "w", "type": "weights", "level": 2, "noise": 0.25}]}))
    assert main(["uncertainty", "--example", "asem", "--n", "100", "--factors",
                 str(weights), "--format", "csv"]) == 0
    same = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert (same["score_q05"] <= same["score_nominal"] + 1e-9).all()
    assert (same["score_q95"] >= same["score_nominal"] - 1e-9).all()
    assert same["score_q95"].max() <= 100


def test_factor_presets_by_name(capsys):
    from airank import datasets
    from airank.analysis.robustness.factors import load_factors

    assert main(["uncertainty", "--example", "asem", "--n", "20", "--factors",
                 "asem-vignette", "--format", "json"]) == 0
    import json

    doc = json.loads(capsys.readouterr().out)
    spec = datasets.asem_spec()
    shipped = load_factors(datasets.path("asem", "factors.yaml"), spec)
    assert [f["name"] for f in doc["factors"]] == [f.name for f in shipped]
    assert main(["uncertainty", "--example", "asem", "--factors", "no-such-design"]) == 2
    err = capsys.readouterr().err
    assert "--factors" in err and "no-such-design" in err and "asem-vignette" in err


# -- the budget --------------------------------------------------------------------
def test_over_budget_runs_are_refused_with_the_estimate(monkeypatch, capsys):
    from airank.analysis.robustness import uncertainty

    def fail(*a, **k):
        raise AssertionError("ran although over budget")

    monkeypatch.setattr(uncertainty, "uncertainty", fail)
    assert main(["uncertainty", "--example", "asem", "--n", "10000000", "--budget",
                 "1"]) == 2
    err = capsys.readouterr().err
    assert "over budget" in err and "--budget SECONDS" in err and "replications" in err


@pytest.mark.parametrize("argv", [
    ["scenario", "sanctions", "RUS", "--n", "10000000", "--budget", "5"],
    ["reach", "RUS", "--rank", "30", "--n", "10000000", "--budget", "5"],
    ["project", "--n", "100000", "--budget", "5"],
    ["sensitivity", "--n-base", "1048576", "--budget", "5"],
])
def test_every_long_run_has_a_budget(capsys, argv):
    assert main(argv) == 2
    assert "over budget" in capsys.readouterr().err


def test_the_cost_model_is_what_the_cli_checks():
    from airank.analysis.robustness import cost
    from airank.edition import Edition

    ed = Edition.example("asem")
    c = cost.estimate(len(ed.units), len(ed.spec.indicator_codes), 10_000_000, 1.0)
    with pytest.raises(Exception, match="over budget") as info:
        _common.check_cost(ed, "uncertainty", 10_000_000, c.seconds / 2, variants=1.0)
    assert info.value.issues[0].value == round(c.seconds, 1)
    _common.check_cost(ed, "uncertainty", 10_000_000, c.seconds * 2, variants=1.0)


def test_the_lazy_command_table_matches_the_app():
    """`airank NAME` imports only NAME's module: the table must name every command's."""
    import typer.main

    import airank.cli as cli

    root = typer.main.get_command(cli.app)
    found = {}
    for name, cmd in root.commands.items():
        subs = getattr(cmd, "commands", None)
        cbs = [c.callback for c in subs.values()] if subs else [cmd.callback]
        (module,) = {cb.__module__.rsplit(".", 1)[-1] for cb in cbs}
        found[name] = module
    assert found == cli.COMMANDS


def test_a_command_loads_only_its_module():
    import subprocess
    import sys

    code = ("import sys; from airank.cli import main; main(['rank', '--top', '-3']); "
            "print(sorted(m for m in sys.modules if m.startswith('airank.cli.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=False).stdout
    assert "airank.cli.engine" in out
    assert not any(f"airank.cli.{m}'" in out for m in ("ogai", "report", "robustness",
                                                        "scenarios", "serve", "toolkit"))
