"""Exports: same inputs give the same bytes; every file carries its provenance."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow.parquet as pq

import airank
from airank.export import write_result


def test_same_inputs_same_bytes(tmp_path, asem):
    a = write_result(airank.build(*asem), tmp_path / "a")
    b = write_result(airank.build(*asem), tmp_path / "b")
    for pa, pb in zip(a, b, strict=True):
        if pa.suffix in (".csv", ".json"):
            assert pa.read_bytes() == pb.read_bytes(), pa.name


def test_every_output_carries_provenance(tmp_path, asem_result):
    write_result(asem_result, tmp_path)
    doc = json.loads((tmp_path / "result.json").read_text())
    man = doc["manifest"]
    assert man["data_hash"] == asem_result.data_hash
    assert man["airank_version"] == airank.__version__
    assert airank.IndexSpec.from_dict(man["spec"]).to_dict() == asem_result.spec.to_dict()
    meta = pq.read_schema(tmp_path / "stages.parquet").metadata
    assert meta[b"data_hash"].decode() == asem_result.data_hash
    assert meta[b"airank_version"].decode() == airank.__version__
    sheet = pd.read_excel(tmp_path / "stages.xlsx", sheet_name="manifest").set_index("key")
    assert sheet.loc["data_hash", "value"] == asem_result.data_hash
    files = json.loads((tmp_path / "manifest.json").read_text())["files"]
    assert set(files) >= {"scores.csv", "ranks.csv", "result.json"}


def test_parquet_holds_every_stage(tmp_path, asem_result):
    write_result(asem_result, tmp_path, formats=("parquet",))
    frame = pd.read_parquet(tmp_path / "stages.parquet")
    assert list(frame["stage"].unique()) == list(airank.results.STAGES)
    norm = frame[frame["stage"] == "normalised"].pivot(index="unit", columns="code",
                                                        values="value")
    pd.testing.assert_series_equal(norm["LPI"], asem_result.stages["normalised"]["LPI"],
                                   check_names=False)


def test_no_partial_file_on_failure(tmp_path, asem_result, monkeypatch):
    import airank.export as ex

    def boom(result, path):
        path.write_text("half")
        raise RuntimeError("disk full")

    monkeypatch.setattr(ex, "_write_excel", boom)
    try:
        write_result(asem_result, tmp_path, formats=("xlsx",))
    except RuntimeError:
        pass
    assert not (tmp_path / "stages.xlsx").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".stages")]
