"""What-if commands: units resolved before the work, skipped shocks and targets said."""

from __future__ import annotations

import json

import pytest

from airank.cli import main

pytestmark = pytest.mark.usefixtures("private_cache")


def _forbid(monkeypatch, target):
    def fail(*a, **k):
        raise AssertionError(f"{target} ran before the units were resolved")

    monkeypatch.setattr(target, fail)


@pytest.mark.parametrize("argv,target", [
    (["project", "--countries", "USA,XYZ"],
     "airank.analysis.scenarios.projection.project"),
    (["project", "--scenario", "sanctions", "--targets", "Atlantis"],
     "airank.analysis.scenarios.projection.project"),
    (["sensitivity", "--unit", "XYZ"], "airank.analysis.robustness.sensitivity.sensitivity"),
    (["scenario", "sanctions", "XYZ"], "airank.analysis.scenarios.effects.run_scenario"),
    (["scenario", "partnership", "RUS", "Narnia"],
     "airank.analysis.scenarios.effects.run_scenario"),
    (["reach", "XYZ", "--rank", "3"], "airank.analysis.scenarios.reach.reach"),
    (["reach", "RUS", "--overtake", "XYZ"], "airank.analysis.scenarios.reach.reach"),
])
def test_units_are_resolved_before_any_work(monkeypatch, capsys, argv, target):
    _forbid(monkeypatch, target)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Closest ranked" in err and "Traceback" not in err


def test_scenario_by_country_names(capsys):
    assert main(["scenario", "partnership", "russia", "China", "--n", "0",
                 "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["parameters"]["countries"] == ["RUS"] and doc["parameters"]["partner"] == "CHN"


def test_scenario_says_what_it_skipped(capsys, monkeypatch):
    from airank.analysis.scenarios.shocks import apply_scenario, preset
    from airank.edition import Edition

    ed = Edition.ogai()
    _, changes = apply_scenario(preset("sanctions", countries=["RUS"]), ed.data, ed.spec,
                                year=ed.year)
    skipped = changes[changes["status"].str.startswith("skipped")]
    assert len(skipped)  # Russia lacks an observed value the preset shocks
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["scenario", "sanctions", "RUS", "--n", "0"]) == 0
    text = capsys.readouterr().out
    line = next(ln for ln in text.splitlines() if ln.startswith("Skipped"))
    assert all(f"RUS {c}" in line for c in skipped["code"])
    assert "Shocks RUS (" in text


def test_project_says_who_is_shocked(capsys):
    assert main(["project", "--scenario", "sanctions", "--countries", "usa,russia",
                 "--n", "0"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "Scenario sanctions: Shocks RUS (" in text and "reduce 0.3" in text
    assert main(["project", "--scenario", "sanctions", "--targets", "China", "--n", "0",
                 "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["shocks"].startswith("Shocks CHN (")
