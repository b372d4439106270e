"""The on-disk cache of built editions: hits, invalidation, corruption, --no-cache."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pandas as pd
import pytest
import yaml

from airank import cache
from airank.cli import main

from .conftest import TINY_SPEC


@pytest.fixture
def folder(tmp_path, monkeypatch):
    d = tmp_path / "cache"
    monkeypatch.setenv("AIRANK_CACHE_DIR", str(d))
    return d


@pytest.fixture
def files(tmp_path, tiny_frame):
    spec, data = tmp_path / "spec.yaml", tmp_path / "data.csv"
    spec.write_text(yaml.safe_dump(TINY_SPEC))
    tiny_frame.to_csv(data, index=False)
    return spec, data


def _rank(capsys, *args):
    assert main(["rank", *map(str, args), "--format", "csv"]) == 0
    return pd.read_csv(io.StringIO(capsys.readouterr().out)).set_index("unit")


def _entries(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_repeated_rank_reads_the_cache(folder, files, capsys, monkeypatch):
    first = _rank(capsys, *files)
    assert len([n for n in _entries(folder) if n.endswith(".edition.pickle")]) == 1
    assert len([n for n in _entries(folder) if n.endswith(".ranking.json")]) == 1

    def no_build(*a, **k):
        raise AssertionError("rebuilt although cached")

    monkeypatch.setattr("airank.edition.Edition.of", no_build)
    again = _rank(capsys, *files)
    pd.testing.assert_frame_equal(first, again)
    assert main(["explain", "A", *map(str, files), "--format", "json"]) == 0  # pickle hit
    assert json.loads(capsys.readouterr().out)["unit"] == "A"


def test_a_changed_input_invalidates_the_entry(folder, files, capsys):
    spec, data = files
    before = _rank(capsys, spec, data)
    frame = pd.read_csv(data)
    frame.loc[frame["unit"] == "A", "i1"] = 10.0  # A now leads on i1 too
    frame.to_csv(data, index=False)
    after = _rank(capsys, spec, data)
    assert after.loc["A", "score"] > before.loc["A", "score"]
    doc = yaml.safe_load(spec.read_text())
    doc["nodes"][1]["weight"] = 3  # a changed spec: another entry
    spec.write_text(yaml.safe_dump(doc))
    reweighted = _rank(capsys, spec, data)
    assert not reweighted["score"].equals(after["score"])
    assert len([n for n in _entries(folder) if n.endswith(".ranking.json")]) == 3


def test_keys_differ_by_view_licence_edition_and_release():
    base = {"index": "ogai", "edition": 2025, "view": "scale", "licence": "all",
            "release": "ogai-2026.1", "files": {"a": "1"}}
    names = {cache.key_name(base)}
    for k, v in (("edition", 2024), ("view", "intensity"), ("licence", "open"),
                 ("release", "ogai-2027.1"), ("files", {"a": "2"})):
        names.add(cache.key_name({**base, k: v}))
    assert len(names) == 6
    assert cache.key_name(dict(base)) == cache.key_name(base)


def test_a_corrupt_entry_is_rebuilt(folder, files, capsys):
    first = _rank(capsys, *files)
    for p in folder.iterdir():
        p.write_bytes(b"\x80\x04 not a pickle" if p.suffix == ".pickle" else b"{trunc")
    assert _rank(capsys, *files).equals(first)
    assert main(["explain", "A", *map(str, files), "--format", "json"]) == 0
    capsys.readouterr()
    for p in folder.iterdir():  # rewritten, readable again
        if p.suffix == ".pickle":
            assert cache.load(p) is not None
        else:
            assert json.loads(p.read_text())["_format"] == cache.FORMAT


def test_no_cache_neither_reads_nor_writes(folder, files, capsys, monkeypatch):
    assert main(["--no-cache", "rank", *map(str, files)]) == 0
    assert _entries(folder) == []
    monkeypatch.setenv("AIRANK_NO_CACHE", "1")
    assert main(["rank", *map(str, files)]) == 0
    assert _entries(folder) == []
    capsys.readouterr()


def test_an_unwritable_cache_costs_speed_not_results(tmp_path, files, capsys, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("AIRANK_CACHE_DIR", str(blocker / "cache"))  # under a file
    assert main(["rank", *map(str, files), "--format", "csv"]) == 0
    captured = capsys.readouterr()
    assert "note: the cache was not written" in captured.err
    monkeypatch.setenv("AIRANK_CACHE_DIR", str(tmp_path / "fine"))
    assert main(["rank", *map(str, files), "--format", "csv"]) == 0
    assert capsys.readouterr().out == captured.out


def test_entries_are_pruned(folder):
    folder.mkdir()
    for i in range(cache.KEEP + 5):
        p = folder / f"{i:032x}.ranking.json"
        p.write_text("{}")
        os.utime(p, ns=(i * 10**9, i * 10**9))
    cache._prune(folder, "ranking.json")
    left = sorted(p.name for p in folder.iterdir())
    assert len(left) == cache.KEEP and left[0] == f"{5:032x}.ranking.json"


def test_cached_rank_imports_no_pandas(tmp_path):
    env = {**os.environ, "AIRANK_CACHE_DIR": str(tmp_path / "c")}
    probe = ("import sys, runpy; sys.argv = ['airank', 'rank', '--top', '3']\n"
             "try:\n    runpy.run_module('airank', run_name='__main__')\n"
             "except SystemExit:\n    pass\n"
             "print('PANDAS', 'pandas' in sys.modules, file=sys.stderr)\n")
    cold = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=300, env=env)
    assert "PANDAS True" in cold.stderr, cold.stderr[-500:]
    warm = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60, env=env)
    assert "PANDAS False" in warm.stderr, warm.stderr[-500:]
    assert warm.stdout == cold.stdout and "United States" in warm.stdout
