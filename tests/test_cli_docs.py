"""The README's commands: two set-up commands, the test one as CI runs it, and every
``airank`` command line accepted by the command line's own parser."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer

from airank.cli import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CI = (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def _blocks(text: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", text, flags=re.S)


def _setup() -> list[str]:
    section = README.split("## Set up", 1)[1].split("\n## ", 1)[0]
    return [b.strip() for b in _blocks(section)]


def test_two_setup_commands_that_make_and_use_a_venv():
    cmds = _setup()
    assert len(cmds) == 2 and all("\n" not in c for c in cmds)
    for c in cmds:
        assert c.startswith("python3 -m venv .venv && .venv/bin/pip install")
        assert "sudo" not in c and "--break-system-packages" not in c
    assert cmds[0].endswith(".venv/bin/airank rank")
    assert cmds[1].endswith(".venv/bin/python -m pytest -q")


def test_ci_runs_the_readme_test_command():
    lines = [ln.strip() for ln in CI.splitlines() if ln.strip() and not ln.startswith("#")]
    assert _setup()[1] in lines
    assert "python " not in CI.replace("python3 ", "").replace("/python ", "")
    assert "AIRANK_TORTOISE_DIR" in CI and "../shared/data/raw/tortoise_gai" in CI


def _commands() -> list[str]:
    out = []
    for block in _blocks(README):
        for line in block.splitlines():
            line = line.split("  #", 1)[0].strip()
            if line.startswith("airank "):
                out.append(line)
    return out


def _no_op(group: Any) -> None:
    for cmd in getattr(group, "commands", {}).values():
        if hasattr(cmd, "commands"):
            _no_op(cmd)
        else:
            cmd.callback = lambda *a, **k: None


@pytest.mark.parametrize("line", _commands())
def test_readme_command_lines_parse(line):
    """Every option, choice and number of a README command is one the CLI accepts."""
    root = typer.main.get_command(app)
    _no_op(root)
    root.main(shlex.split(line)[1:], prog_name="airank", standalone_mode=False)


def test_the_readme_names_factor_designs_not_source_paths():
    assert "--factors airank/" not in README
    assert "--factors asem-vignette" in README
