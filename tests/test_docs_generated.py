"""The figures in docs/ogai.md and docs/scenarios.md are generated: they must be current."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parent.parent / "tools"


def _tool(name: str):  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(TOOLS))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(TOOLS))


@pytest.mark.slow
def test_ogai_doc_is_up_to_date():
    assert _tool("ogai_doc").main(["--check"]) == 0, (
        "docs/ogai.md is stale: run python tools/ogai_doc.py")


@pytest.mark.slow
def test_scenarios_doc_is_up_to_date():
    assert _tool("scenarios_doc").main(["--check"]) == 0, (
        "docs/scenarios.md is stale: run python tools/scenarios_doc.py")
