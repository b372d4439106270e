"""The command line, run for real through ``main([...])`` and as a subprocess."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pandas as pd
import yaml

from airank.cli import main

from .conftest import TINY_SPEC


def test_build_example_writes_tables(tmp_path, asem_result):
    out = tmp_path / "out"
    assert main(["build", "--example", "asem", "-o", str(out)]) == 0
    scores = pd.read_csv(out / "scores.csv")
    ranks = pd.read_csv(out / "ranks.csv")
    assert scores.columns[0] == "unit" and ranks.columns[0] == "unit"
    assert list(scores.columns[1:]) == list(asem_result.spec.codes)
    assert len(scores) == len(asem_result.units) == 51
    assert ranks.set_index("unit").loc["CHE", "Index"] == 1
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["data_hash"] == asem_result.data_hash
    assert manifest["spec"]["name"].startswith("ASEM")
    with pd.ExcelFile(out / "stages.xlsx") as xl:
        sheets = set(xl.sheet_names)
    assert sheets >= {
        "raw", "denominated", "imputed", "screened", "treated", "normalised", "aggregated",
        "manifest"}


def test_build_spec_and_data(tmp_path, tiny_frame):
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(TINY_SPEC))
    data = tmp_path / "data.csv"
    tiny_frame.to_csv(data, index=False)
    assert main(["build", str(spec), str(data), "-o", str(tmp_path / "o")]) == 0
    scores = pd.read_csv(tmp_path / "o" / "scores.csv").set_index("unit")
    assert scores.loc["A", "index"] == 6.25


def test_rank_csv_on_stdout(capsys):
    assert main(["rank", "--example", "asem", "--format", "csv"]) == 0
    frame = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert list(frame.columns[:4]) == ["rank", "unit", "name", "score"]
    assert frame.loc[0, "unit"] == "CHE"


def test_rank_default_is_the_ogai(capsys):
    from airank import ogai

    assert main(["rank", "--format", "csv"]) == 0
    frame = pd.read_csv(io.StringIO(capsys.readouterr().out), keep_default_na=False)
    spec = ogai.spec("scale")
    pillars = list(spec.children[spec.index_code])
    subs = [c for p in pillars for c in spec.children[p]]
    assert list(frame.columns[:4]) == ["rank", "iso3", "country", "score"]
    assert set(pillars) | set(subs) <= set(frame.columns)
    assert len(frame) >= 83 and frame["rank"].iloc[0] == 1


def test_rank_intervals(capsys):
    assert main(["rank", "--example", "asem", "--intervals", "--n", "300", "--format",
                 "csv"]) == 0
    frame = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert {"median", "q05", "q95"} <= set(frame.columns)
    assert (frame["q05"] <= frame["q95"]).all()
    assert main(["rank", "--edition", "2021", "--intervals", "--n", "200", "--top", "5",
                 "--format", "csv"]) == 0
    top = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert len(top) == 5 and (top["q05"] <= top["rank"] + 50).all()


def test_explain_json(capsys):
    assert main(["explain", "RUS", "--example", "asem", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["unit"] == "RUS" and len(doc["strengths"]) == 5
    total = sum(c["to_index"] for c in doc["contributions"] if c["level"] == 1)
    assert abs(total - doc["score"]) < 1e-9


def test_user_errors_exit_2_without_traceback(tmp_path, capsys, tiny_frame):
    assert main(["explain", "XXX", "--example", "asem"]) == 2
    assert "not in the data" in capsys.readouterr().err
    bad = dict(TINY_SPEC, nodes=[*TINY_SPEC["nodes"], {"code": "p3", "parent": "nowhere"}])
    spec = tmp_path / "bad.yaml"
    spec.write_text(yaml.safe_dump(bad))
    data = tmp_path / "d.csv"
    tiny_frame.to_csv(data, index=False)
    out = tmp_path / "never"
    assert main(["build", str(spec), str(data), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "is not a node code" in err and "nowhere" in err and "Traceback" not in err
    assert not out.exists()  # nothing half-written
    assert main(["rank", "--format", "xml"]) == 2


def test_console_script_runs():
    proc = subprocess.run([sys.executable, "-m", "airank", "rank", "--top", "3"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Open Global AI Index" in proc.stdout and "United States" in proc.stdout
    bad = subprocess.run([sys.executable, "-m", "airank", "validate", "missing.yaml"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "does not exist" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_explain_unit_without_index_score(tmp_path, capsys, tiny_frame):
    doc = dict(TINY_SPEC, methodology={**TINY_SPEC["methodology"],
                                       "aggregate": {"method": "arithmetic", "min_share": 1.0}})
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(doc))
    data = tmp_path / "data.csv"
    tiny_frame.to_csv(data, index=False)  # D lacks i4: p2 and the index are missing for D
    assert main(["explain", "D", str(spec), str(data), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rank"] is None and out["score"] is None
    assert main(["explain", "D", str(spec), str(data)]) == 0
    assert "no index score" in capsys.readouterr().out


def test_json_outputs_carry_provenance(capsys):
    import airank

    for argv in (["rank", "--format", "json"],
                 ["uncertainty", "--example", "asem", "--n", "50", "--format", "json"],
                 ["bounds", "--example", "asem", "--format", "json"],
                 ["explain", "CHE", "--example", "asem", "--format", "json"]):
        assert main(argv) == 0, argv
        man = json.loads(capsys.readouterr().out)["manifest"]
        assert man["airank_version"] == airank.__version__
        assert len(man["data_hash"]) == 64 and len(man["spec_hash"]) == 64
        spec = airank.IndexSpec.from_dict(man["spec"])
        assert spec.fingerprint() == man["spec_hash"]
