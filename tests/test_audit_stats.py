"""Audit statistics against COINr 1.1.14: ``get_stats``, ``Screen()$DataSummary`` (with the
zero-share rule) and ``get_cronbach`` (pairwise and complete cases).

Reference values: ``tests/data/golden/coinr/{stats,screen,cronbach}/`` (README there).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import airank
from airank.analysis.audit.importance import cronbach_alpha
from airank.analysis.audit.stats import indicator_stats, result_stats, screen_summary

GOLD = Path(__file__).parent / "data" / "golden"
COINR = GOLD / "coinr"
RAW = pd.read_csv(airank.datasets.path("asem", "ASEM_iData.csv")).set_index("uCode")
SPEC = airank.datasets.asem_spec()
RAW_IND = RAW[list(SPEC.indicator_codes)]

NAMES = {"Min": "min", "Max": "max", "Mean": "mean", "Median": "median", "Std": "sd",
         "Skew": "skew", "Kurt": "kurtosis", "N.Avail": "n", "N.NonZero": "n_nonzero",
         "N.Unique": "n_unique", "N.Same": "n_same", "Frc.Avail": "share_available",
         "Frc.NonZero": "share_nonzero", "Frc.Unique": "share_unique", "Frc.Same": "share_same"}
FLAGS = {"Flag.Avail": "flag_availability", "Flag.NonZero": "flag_nonzero",
         "Flag.Unique": "flag_unique", "Flag.SkewKurt": "flag_skew_kurtosis"}


def _stage(name: str) -> pd.DataFrame:
    return pd.read_csv(GOLD / "asem" / "default" / f"{name}.csv", index_col=0)


@pytest.mark.parametrize(("file", "frame"), [("stats_raw", RAW_IND),
                                             ("stats_normalised", _stage("normalised"))])
def test_indicator_stats_equal_coinr(file, frame):
    want = pd.read_csv(COINR / "stats" / f"{file}.csv", index_col=0)
    got = indicator_stats(frame[list(want.index)])
    for theirs, ours in NAMES.items():
        np.testing.assert_allclose(got[ours].to_numpy(dtype=float),
                                   want[theirs].to_numpy(dtype=float), rtol=1e-12, atol=1e-13,
                                   err_msg=theirs)
    for theirs, ours in FLAGS.items():
        flagged = want[theirs].isin(["LOW", "OUT"]).to_numpy()
        assert (got[ours].astype(bool).to_numpy() == flagged).all(), theirs


def test_printed_stats_are_signif_3():
    """COINr prints get_stats through signif_df(, 3): the same with airank's R rounding."""
    from airank.analysis.audit.dftools import signif_df

    want = pd.read_csv(COINR / "stats" / "stats_raw_signif3.csv", index_col=0)
    got = signif_df(indicator_stats(RAW_IND[list(want.index)]), 3)
    for theirs, ours in NAMES.items():
        np.testing.assert_array_equal(got[ours].to_numpy(dtype=float),
                                      want[theirs].to_numpy(dtype=float), err_msg=theirs)


def test_stats_of_a_build_stage(asem_result):
    t = result_stats(asem_result, "normalised")
    assert t.loc["LPI", "min"] == 0 and t.loc["LPI", "max"] == 100
    with pytest.raises(airank.DataError, match="stage must be one of"):
        result_stats(asem_result, "cooked")


SCREEN_CALLS = {
    "byNA_default": {"min_coverage": 2 / 3},
    "byNA_0.9": {"min_coverage": 0.9},
    "byNA_0.95": {"min_coverage": 0.95},
    "byzeros_0.95": {"min_nonzero": 0.95, "rule": "zeros"},
    "byNAandzeros_0.9_0.95": {"min_coverage": 0.9, "min_nonzero": 0.95, "rule": "both"},
    "byNA_0.9_force": {"min_coverage": 0.9, "include": ["BRN"], "exclude": ["AUT"]},
}


@pytest.mark.parametrize("call", sorted(SCREEN_CALLS))
def test_screen_summary_equals_coinr(call):
    want = pd.read_csv(COINR / "screen" / "screen_summary.csv")
    want = want[want["call"] == call].set_index("uCode")
    got = screen_summary(RAW_IND.loc[want.index], **SCREEN_CALLS[call])
    for theirs, ours in {"N_missing": "n_missing", "N_zero": "n_zero",
                         "N_miss_or_zero": "n_missing_or_zero", "Dat_Avail": "availability",
                         "Non_Zero": "nonzero"}.items():
        np.testing.assert_allclose(got[ours].to_numpy(dtype=float),
                                   want[theirs].to_numpy(dtype=float), rtol=1e-15)
    for theirs, ours in {"LowData": "low_data", "LowNonZero": "low_nonzero",
                         "LowDatOrZeroFlag": "flagged", "Included": "included"}.items():
        assert got[ours].tolist() == want[theirs].tolist(), theirs


@pytest.mark.parametrize("call", sorted(SCREEN_CALLS))
def test_screen_in_a_build_keeps_coinrs_units(asem, call):
    """The spec's screen (coverage + zero-share rule + include/exclude) keeps the units
    COINr's Screen() includes, on raw data (no denomination, no imputation)."""
    spec, data = asem
    args = dict(SCREEN_CALLS[call])
    rule = args.pop("rule", "missing")
    params = {"min_coverage": args.get("min_coverage", 2 / 3) if rule != "zeros" else 0.0,
              "min_nonzero": args.get("min_nonzero", 0.0) if rule != "missing" else 0.0,
              "include": args.get("include", []), "exclude": args.get("exclude", [])}
    doc = spec.to_dict()
    doc["methodology"].update({"denominate": {"method": "none"}, "impute": {"method": "none"},
                               "screen": {"method": "coverage", **params}})
    result = airank.build(airank.IndexSpec.from_dict(doc), data)
    want = pd.read_csv(COINR / "screen" / "screen_summary.csv")
    want = want[(want["call"] == call) & want["Included"]]
    assert sorted(result.units) == sorted(want["uCode"])


def _members(group: str, level: int) -> list[str]:
    out, todo = [], [group]
    while todo:
        code = todo.pop(0)
        if SPEC.levels[code] == level:
            out.append(code)
        elif SPEC.levels[code] > level:
            todo = [*SPEC.children[code], *todo]
    return out


@pytest.fixture(scope="module")
def no_impute(asem):
    spec, data = asem
    doc = spec.to_dict()
    doc["methodology"].update({"impute": {"method": "none"}, "screen": {"method": "none"},
                               "treat": {"method": "none"}})
    return airank.build(airank.IndexSpec.from_dict(doc), data).stages["normalised"]


def test_cronbach_pairwise_and_complete_equal_coinr(no_impute):
    want = pd.read_csv(COINR / "cronbach" / "cronbach.csv")
    frames = {("example", "Raw"): RAW_IND, ("example", "Denominated"): _stage("denominated"),
              ("example", "Normalised"): _stage("normalised"),
              ("example", "Aggregated"): _stage("aggregated"), ("no_impute", "Normalised"):
              no_impute}
    for row in want.itertuples(index=False):
        frame = frames[(row.coin, row.dset)][_members(row.iCodes, row.Level)]
        assert frame.shape[1] == row.k
        pair, comp = cronbach_alpha(frame), cronbach_alpha(frame, use="complete")
        assert pair.alpha == pytest.approx(row.alpha_pairwise, rel=1e-10, abs=1e-13)
        assert comp.alpha == pytest.approx(row.alpha_complete, rel=1e-10, abs=1e-13)
        assert pair.n_units == row.n_complete
        assert int(frame.isna().sum().sum()) == row.n_missing


def test_the_issues_physical_raw_alpha():
    physical = RAW_IND[_members("Physical", 1)]
    assert cronbach_alpha(physical).alpha == pytest.approx(0.61988, abs=5e-6)
    assert cronbach_alpha(physical, use="complete").alpha == pytest.approx(0.59416, abs=5e-6)
    with pytest.raises(airank.DataError, match="use must be"):
        cronbach_alpha(physical, use="everything")  # type: ignore[arg-type]
