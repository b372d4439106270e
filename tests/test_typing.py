"""``mypy --strict`` on the package (STYLE.md, "Typing"): the config is pyproject.toml's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_strict_passes_on_the_package():
    pytest.importorskip("mypy", reason="mypy is not installed (pip install mypy pandas-stubs)")
    proc = subprocess.run([sys.executable, "-m", "mypy", "airank"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
