"""docs/coinr.md maps exactly COINr 1.1.14's 95 exports, and every test it names exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "coinr.md").read_text(encoding="utf-8")
EXPORTS = (ROOT / "tests" / "data" / "golden" / "coinr" / "exports.txt").read_text().split()


def _rows() -> dict[str, tuple[str, str]]:
    table = DOC.split("## The 95 exported functions", 1)[1]
    rows = {}
    for line in table.splitlines():
        m = re.match(r"\| `([A-Za-z_.0-9]+)` \| (.+) \| (.+) \|$", line)
        if m:
            rows[m.group(1)] = (m.group(2), m.group(3))
    return rows


def test_every_export_is_mapped_once():
    rows = _rows()
    assert len(EXPORTS) == 95
    assert sorted(rows) == sorted(EXPORTS)
    assert all(airank.strip() for airank, _ in rows.values())


def test_every_named_test_exists():
    for name, (_, tests) in _rows().items():
        for file, func in re.findall(r"`(test_[a-z_]+\.py)(?:::([a-z_0-9]+))?", tests):
            path = ROOT / "tests" / file
            assert path.is_file(), (name, file)
            if func:
                assert f"def {func}(" in path.read_text(encoding="utf-8"), (name, func)
