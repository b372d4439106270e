"""The command line, run for real through ``main([...])`` and as a subprocess."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pandas as pd
import pytest
import yaml

from airank.cli import main

from .conftest import TINY_SPEC

pytestmark = pytest.mark.usefixtures("private_cache")


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


def test_rank_csv_on_stdout(capsys, asem_result):
    assert main(["rank", "--example", "asem", "--format", "csv"]) == 0
    frame = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert list(frame.columns[:4]) == ["rank", "unit", "name", "score"]
    assert frame.loc[0, "unit"] == "CHE"
    expected = asem_result.ranking()
    assert frame["unit"].tolist() == expected["unit"].tolist()
    assert (frame["score"] - expected["score"]).abs().max() < 1e-4  # written as %.6g


def test_rank_default_is_the_ogai(capsys):
    from airank import ogai

    assert main(["rank", "--format", "csv"]) == 0
    frame = pd.read_csv(io.StringIO(capsys.readouterr().out), keep_default_na=False)
    spec = ogai.spec("scale")
    pillars = list(spec.children[spec.index_code])
    subs = [c for p in pillars for c in spec.children[p]]
    assert list(frame.columns[:4]) == ["rank", "iso3", "country", "score"]
    assert set(pillars) | set(subs) <= set(frame.columns)
    assert frame["iso3"].tolist() == ogai.ranking()["iso3"].tolist()
    assert len(frame) >= 83 and frame["rank"].iloc[0] == 1


def test_rank_licence_open_uses_only_open_indicators(capsys):
    from airank import ogai

    assert main(["rank", "--licence", "open", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["manifest"]["licence"] == "open"
    expected = ogai.ranking(licence="open")
    assert [r["iso3"] for r in doc["ranking"]] == expected["iso3"].tolist()
    assert len(ogai.spec(licence="open").indicator_codes) < len(ogai.spec().indicator_codes)


def test_rank_edition_states_the_indicator_differences(capsys):
    from airank import ogai

    def present(year):
        raw = ogai.build(year).stages["raw"]
        return {c for c in raw.columns if raw[c].notna().any()}

    assert main(["rank", "--edition", "2021", "--format", "json"]) == 0
    diff = json.loads(capsys.readouterr().out)["indicators_vs_latest"]
    assert set(diff["only_in_latest"]) == present(ogai.LATEST) - present(2021)
    assert set(diff["only_in_edition"]) == present(2021) - present(ogai.LATEST)
    assert diff["only_in_latest"]  # the OGAI gained indicators since 2021
    assert main(["rank", "--edition", "2021", "--top", "3"]) == 0
    text = capsys.readouterr().out
    assert "Edition 2021 has data for" in " ".join(text.split())
    assert all(c in " ".join(text.split()) for c in diff["only_in_latest"])


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


def test_rank_top_counts_rows(capsys):
    assert main(["rank", "--example", "asem", "--top", "3", "--format", "csv"]) == 0
    assert len(pd.read_csv(io.StringIO(capsys.readouterr().out))) == 3
    for bad in ("0", "-3"):
        assert main(["rank", "--example", "asem", "--top", bad]) == 2
        err = capsys.readouterr().err
        assert "--top" in err and f"'{bad}'" in err


def test_explain_json(capsys):
    assert main(["explain", "RUS", "--example", "asem", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["unit"] == "RUS" and len(doc["strengths"]) == 5
    total = sum(c["to_index"] for c in doc["contributions"] if c["level"] == 1)
    assert abs(total - doc["score"]) < 1e-9


@pytest.mark.parametrize("text", ["RUS", "rus", "Russia", "Russian Federation", " rus "])
def test_units_by_code_in_any_case_or_name(capsys, text):
    assert main(["explain", text, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["unit"] == "RUS"


def test_ambiguous_and_unknown_units(capsys):
    from airank import ogai

    assert main(["explain", "Korea"]) == 2
    err = capsys.readouterr().err
    assert "ambiguous" in err and "KOR" in err and "PRK" in err
    assert main(["explain", "Congo"]) == 2
    err = capsys.readouterr().err
    assert "COD" in err and "COG" in err
    ranked = set(ogai.ranking()["iso3"])
    for argv in (["trend", "XYZ"], ["explain", "XYZ"], ["scenario", "sanctions", "XYZ"]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        named = [w.strip(",.():") for w in err.split() if w.strip(",.():").isupper()
                 and len(w.strip(",.():")) == 3 and w.strip(",.():") != "XYZ"]
        assert len(named) == 3 and set(named) <= ranked, (argv, err)
        assert len(err) < 400  # the three closest, not every code


def test_user_errors_exit_2_without_traceback(tmp_path, capsys, tiny_frame):
    assert main(["explain", "XXX", "--example", "asem"]) == 2
    assert "Unknown unit 'XXX'" in capsys.readouterr().err
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
    assert "'xml'" in capsys.readouterr().err


def _env(tmp_path):
    return {**os.environ, "AIRANK_CACHE_DIR": str(tmp_path / "cache"), "COLUMNS": "80"}


def test_console_script_runs(tmp_path):
    env = _env(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "airank", "rank", "--top", "3"],
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "Open Global AI Index" in proc.stdout and "United States" in proc.stdout
    bad = subprocess.run([sys.executable, "-m", "airank", "validate", "missing.yaml"],
                         capture_output=True, text=True, timeout=120, env=env)
    assert bad.returncode == 2 and "does not exist" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_version_and_completion(capsys):
    import airank

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"airank {airank.__version__}"
    assert main(["--help"]) == 0
    assert "--install-completion" in capsys.readouterr().out


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
    assert out["data"]["i4"] == "missing" and out["data"]["i1"] == "observed"
    assert main(["explain", "D", str(spec), str(data)]) == 0
    assert "no index score" in capsys.readouterr().out


def test_explain_marks_imputed_values(capsys, monkeypatch):
    from airank import ogai

    monkeypatch.setenv("COLUMNS", "100")
    res = ogai.build()
    imputed = [c for c in res.spec.indicator_codes if bool(res.imputed.loc["RUS", c])]
    assert imputed  # the OGAI imputes some of Russia's values
    assert main(["explain", "RUS"]) == 0
    lines = capsys.readouterr().out.splitlines()
    for c in imputed:
        row = next(ln for ln in lines if ln.strip().startswith(c + " "))
        assert row.rstrip().endswith("imputed"), row
    assert any(ln.startswith(f"Imputed ({len(imputed)}): ") for ln in lines)


def test_json_outputs_carry_provenance(capsys):
    import airank

    for argv in (["rank", "--format", "json"],
                 ["uncertainty", "--example", "asem", "--n", "50", "--format", "json"],
                 ["bounds", "--example", "asem", "--format", "json"],
                 ["explain", "CHE", "--example", "asem", "--format", "json"],
                 ["trend", "RUS", "--format", "json"]):
        assert main(argv) == 0, argv
        man = json.loads(capsys.readouterr().out)["manifest"]
        assert man["airank_version"] == airank.__version__
        assert len(man["data_hash"]) == 64 and len(man["spec_hash"]) == 64
        spec = airank.IndexSpec.from_dict(man["spec"])
        assert spec.fingerprint() == man["spec_hash"]


def test_data_sources(capsys):
    from airank.ogai import catalogue

    assert main(["data", "sources", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["notice"] == catalogue.notice()
    assert [s["source"] for s in doc["sources"]] == list(catalogue.sources().index)
    assert main(["data", "sources"]) == 0
    text = capsys.readouterr().out
    first = catalogue.sources().iloc[0]
    assert first["publisher"].split()[0] in text and str(first.name).split("/")[0] in text


def test_trend_of_every_country_is_the_comparable_series(capsys):
    """No country + csv: every country ranked in some edition, every edition, headline
    and chain-linked (comparable) scores, exactly the series the dashboard charts."""
    from airank import ogai

    assert main(["trend", "--format", "csv"]) == 0
    frame = pd.read_csv(io.StringIO(capsys.readouterr().out), keep_default_na=False,
                        na_values=[""])
    s = ogai.series("scale")
    ever = set(s.loc[s["ranked"], "iso3"])
    assert set(frame["iso3"]) == ever
    assert {"iso3", "edition", "rank", "score", "comparable_score",
            "comparable_rank"} <= set(frame.columns)
    assert sorted(frame["edition"].unique()) == list(ogai.EDITIONS)
    mine = frame[frame["iso3"] == "RUS"].set_index("edition")
    one = ogai.trend("RUS").set_index("edition")
    assert (mine["comparable_score"] - one["comparable_score"]).abs().max() < 1e-4
    assert mine["rank"].tolist() == one["rank"].astype(int).tolist()
    # a table needs a country: exit 2, saying how to get them all
    assert main(["trend"]) == 2
    assert "--format csv" in capsys.readouterr().err
    assert main(["trend", "--format", "json", "--licence", "open"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["manifest"]["licence"] == "open" and doc["editions"] == list(ogai.EDITIONS)
