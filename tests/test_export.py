"""Exports: same inputs give the same bytes; every file carries its provenance."""

from __future__ import annotations

import importlib.metadata
import json
import platform
import zipfile

import pandas as pd
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

import airank
from airank.errors import AirankError, OutputError
from airank.export import FORMATS, write_result
from airank.output import verify_output

ALL_FILES = {"scores.csv", "ranks.csv", "ranking.csv", "coverage.csv", "result.json",
             "stages.xlsx", "stages.parquet", "manifest.json"}


def test_same_inputs_same_bytes_for_every_file(tmp_path, asem):
    a = write_result(airank.build(*asem), tmp_path / "a")
    b = write_result(airank.build(*asem), tmp_path / "b")
    assert {p.name for p in a} == ALL_FILES
    for pa, pb in zip(a, b, strict=True):
        assert pa.name == pb.name
        assert pa.read_bytes() == pb.read_bytes(), pa.name


def test_workbook_carries_no_clock_time(tmp_path, asem_result):
    # openpyxl stamps now() into docProps/core.xml and every zip entry: both are fixed,
    # so two builds a second apart give the same bytes
    write_result(asem_result, tmp_path, formats=("xlsx",))
    with zipfile.ZipFile(tmp_path / "stages.xlsx") as z:
        stamps = {i.filename: i.date_time for i in z.infolist()}
    assert len(stamps) > 10
    assert set(stamps.values()) == {(1980, 1, 1, 0, 0, 0)}, stamps
    props = load_workbook(tmp_path / "stages.xlsx", read_only=True).properties
    assert props.created == props.modified == pd.Timestamp("1980-01-01").to_pydatetime()


def test_every_output_carries_provenance_and_versions(tmp_path, asem_result):
    write_result(asem_result, tmp_path)
    want = {"python": platform.python_version(), "airank": airank.__version__,
            **{p: importlib.metadata.version(p) for p in ("numpy", "pandas", "scipy",
                                                          "SALib")}}
    man = json.loads((tmp_path / "result.json").read_text())["manifest"]
    assert man["data_hash"] == asem_result.data_hash
    assert man["airank_version"] == airank.__version__
    assert man["versions"] == want
    assert airank.IndexSpec.from_dict(man["spec"]).to_dict() == asem_result.spec.to_dict()
    meta = pq.read_schema(tmp_path / "stages.parquet").metadata
    assert meta[b"data_hash"].decode() == asem_result.data_hash
    assert meta[b"airank_version"].decode() == airank.__version__
    assert json.loads(meta[b"versions"]) == want
    sheet = pd.read_excel(tmp_path / "stages.xlsx", sheet_name="manifest").set_index("key")
    assert sheet.loc["data_hash", "value"] == asem_result.data_hash
    assert json.loads(sheet.loc["versions", "value"]) == want
    top = json.loads((tmp_path / "manifest.json").read_text())
    assert top["versions"] == want
    assert set(top["files"]) == ALL_FILES - {"manifest.json"}


def test_manifest_hashes_every_file_and_verify_catches_tampering(tmp_path, asem_result):
    write_result(asem_result, tmp_path)
    assert verify_output(tmp_path)["data_hash"] == asem_result.data_hash
    with open(tmp_path / "scores.csv", "a") as fh:
        fh.write("x")
    (tmp_path / "stages.parquet").unlink()
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(OutputError) as exc:
        verify_output(tmp_path)
    codes = {(i.loc[0].rsplit("/", 1)[-1], i.code) for i in exc.value.issues}
    assert codes == {("scores.csv", "hash_mismatch"), ("stages.parquet", "missing_file"),
                     ("notes.txt", "unlisted_file")}


def test_parquet_holds_every_stage(tmp_path, asem_result):
    write_result(asem_result, tmp_path, formats=("parquet",))
    frame = pd.read_parquet(tmp_path / "stages.parquet")
    assert list(frame["stage"].unique()) == list(airank.results.STAGES)
    norm = frame[frame["stage"] == "normalised"].pivot(index="unit", columns="code",
                                                        values="value")
    pd.testing.assert_series_equal(norm["LPI"], asem_result.stages["normalised"]["LPI"],
                                   check_names=False)


def test_a_new_output_replaces_the_old_folder_as_a_whole(tmp_path, asem_result):
    out = tmp_path / "out"
    write_result(asem_result, out, formats=("csv", "xlsx"))
    write_result(asem_result, out, formats=("json",))
    assert {p.name for p in out.iterdir()} == {"result.json", "manifest.json"}
    verify_output(out)
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_failure_leaves_old_output_intact_and_no_leftovers(tmp_path, asem_result,
                                                           monkeypatch):
    import airank.export as ex

    out = tmp_path / "out"
    write_result(asem_result, out, formats=("csv",))
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def boom(result, manifest):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ex, "_excel_bytes", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        write_result(asem_result, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_unknown_format_is_named(tmp_path, asem_result):
    with pytest.raises(AirankError, match="Unknown output format 'pdf'") as exc:
        write_result(asem_result, tmp_path / "o", formats=("csv", "pdf"))
    assert exc.value.issues[0].loc == ("formats",)
    assert not (tmp_path / "o").exists()
    assert set(FORMATS) == {"csv", "xlsx", "parquet", "json"}
