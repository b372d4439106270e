"""PCA and correlations against COINr 1.1.14: ``get_PCA``, ``get_pvals``, ``get_corr``,
``get_corr_flags`` and ``get_denom_corr``.

Reference values: ``tests/data/golden/coinr/{pca,correlations}/`` (README there). The
builds are airank's reproduction of COINr's example coin (``asem_result``), whose stages
equal COINr's to 1e-12 (``test_asem_coinr.py``); Raw is COINr's raw data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import airank
from airank.analysis.audit.correlations import (
    corr_flags,
    correlation_pvalues,
    denominator_correlations,
    family_correlations,
    result_correlations,
)
from airank.analysis.audit.multivariate import pca, result_pca

COINR = Path(__file__).parent / "data" / "golden" / "coinr"
GOLD = COINR.parent / "asem" / "default"
LEVEL_NAMES = {2: "Pillar", 3: "Sub-index", 4: "Index"}


@pytest.fixture(scope="module")
def raw_result(asem):
    """A build whose 'raw' stage is COINr's Raw data set (all 51 units)."""
    spec, data = asem
    return airank.build(spec, data)


PCA_CALLS = {"normalised_L1_groups": ("normalised", 1, True),
             "normalised_L1_all": ("normalised", 1, False),
             "aggregated_L2_groups": ("aggregated", 2, True),
             "raw_L1_groups": ("raw", 1, True)}


@pytest.mark.parametrize("call", sorted(PCA_CALLS))
def test_pca_equals_coinr_up_to_sign(asem_result, call):
    stage, level, by = PCA_CALLS[call]
    got = result_pca(asem_result, stage=stage, level=level, by_groups=by)
    var = pd.read_csv(COINR / "pca" / "variance.csv")
    var = var[var["call"] == call]
    g = got.variance.copy()
    if not by:
        g["group"] = "All"
    m = var.merge(g, on=["group", "component"], suffixes=("", "_ours"), validate="1:1")
    assert len(m) == len(var)
    assert (m["n_rows"] == m["n_rows_ours"]).all()
    np.testing.assert_allclose(m["sdev_ours"], m["sdev"], rtol=1e-10)
    np.testing.assert_allclose(m["prop_var_ours"], m["prop_var"], rtol=1e-10, atol=1e-14)
    load = pd.read_csv(COINR / "pca" / "loadings.csv")
    load = load[load["call"] == call].assign(component=lambda t: t["component"].str[2:]
                                             .astype(int))
    ours = got.loadings.assign(group="All") if not by else got.loadings
    m = load.merge(ours, left_on=["group", "iCode", "component"],
                   right_on=["group", "code", "component"], suffixes=("", "_ours"))
    assert len(m) == len(load)
    for _, part in m.groupby(["group", "component"]):
        sdev = var.set_index(["group", "component"]).loc[(part["group"].iloc[0],
                                                           part["component"].iloc[0]), "sdev"]
        if sdev < 1e-6:  # a null component: its direction is not identified
            continue
        sign = np.sign(np.dot(part["loading"], part["loading_ours"]))
        np.testing.assert_allclose(sign * part["loading_ours"], part["loading"], atol=1e-9)


def test_pca_weights_are_pc1_with_a_fixed_sign(asem_result):
    got = result_pca(asem_result)
    want = pd.read_csv(COINR / "pca" / "weights.csv")
    want = want[want["call"] == "normalised_L1_groups"].set_index("iCode")["Weight"]
    ours = got.weights.reindex(want.index)
    parents = asem_result.spec.parent
    for _, codes in want.groupby([parents[c] for c in want.index]).groups.items():
        s = np.sign(np.dot(want[codes], ours[codes]))
        np.testing.assert_allclose(s * ours[codes], want[codes], atol=1e-10)
        assert ours[codes].sum() >= 0  # airank's sign rule
    assert got.first.loc["Physical", "n_columns"] == 8


def test_pca_by_hand_and_errors():
    f = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [4.0, 3.0, 2.0, 1.0], "c": [1.0, np.nan,
                                                                                1.0, 2.0]})
    t = pca(f, {"ab": ["a", "b"]})
    # perfectly anti-correlated: PC1 carries everything, loadings +-1/sqrt(2)
    assert t.first.loc["ab", "prop_var"] == pytest.approx(1.0)
    assert sorted(np.abs(t.weights)) == pytest.approx([2**-0.5, 2**-0.5])
    with pytest.raises(airank.DataError, match="'zz'"):
        pca(f, {"g": ["a", "zz"]})
    with pytest.raises(airank.DataError, match="constant columns"):
        pca(f.iloc[[0, 2]], {"g": ["a", "c"]})


@pytest.mark.parametrize(("dset", "method"), [("Raw", "pearson"), ("Normalised", "pearson"),
                                              ("Normalised", "spearman")])
def test_pvalues_equal_coinr(raw_result, asem_result, dset, method):
    frame = (raw_result.stages["raw"] if dset == "Raw"
             else asem_result.stages["normalised"])
    want = pd.read_csv(COINR / "correlations" / "pvals.csv")
    want = want[(want["dset"] == dset) & (want["method"] == method)]
    got = correlation_pvalues(frame, method=method).rename(columns={"p": "p_ours"})
    # COINr's column order differs (its own sort); a pair is a pair in either order
    got = pd.concat([got, got.rename(columns={"var1": "var2", "var2": "var1"})])
    m = want.merge(got, left_on=["Var1", "Var2"], right_on=["var1", "var2"], validate="1:1")
    assert len(m) == len(want) == 1176
    # Spearman without ties: the exact null (AS 89's Edgeworth series), as R's cor.test
    np.testing.assert_allclose(m["p_ours"], m["p"], rtol=1e-9, atol=0)


def _corr(name: str) -> pd.DataFrame:
    return pd.read_csv(COINR / "correlations" / f"get_corr_{name}.csv")


CORR_CALLS = {
    "normalised_L1_grouplev2": ("normalised", (1, 1), 2, False, "pearson", 0.05),
    "normalised_L1_grouplev2_p0": ("normalised", (1, 1), 2, False, "pearson", 0.0),
    "normalised_L1_spearman": ("normalised", (1, 1), 2, False, "spearman", 0.0),
    "aggregated_L1_L2_parent": ("aggregated", (1, 2), None, True, "pearson", 0.0),
    "aggregated_L2_L4": ("aggregated", (2, 4), None, False, "pearson", 0.0),
}


@pytest.mark.parametrize("call", sorted(CORR_CALLS))
def test_result_correlations_equal_coinr(asem_result, call):
    stage, levels, within, parent, method, pval = CORR_CALLS[call]
    got = result_correlations(asem_result, stage=stage, levels=levels, within=within,
                              with_parent=parent, method=method, pval=pval)
    _same_pairs(got, _corr(call))


def test_raw_correlations_with_significance(raw_result):
    got = result_correlations(raw_result, stage="raw", within=2)
    _same_pairs(got, _corr("raw_L1_grouplev2"))


def _same_pairs(got: pd.DataFrame, want: pd.DataFrame) -> None:
    m = want.merge(got, left_on=["Var1", "Var2"], right_on=["var1", "var2"], how="outer",
                   indicator=True)
    assert (m["_merge"] == "both").all(), m[m["_merge"] != "both"].head()
    assert np.array_equal(m["Correlation"].isna(), m["r"].isna())
    ok = m["r"].notna()
    np.testing.assert_allclose(m.loc[ok, "r"], m.loc[ok, "Correlation"], rtol=1e-12,
                               atol=1e-14)


def test_family_correlations_equal_coinr(asem_result):
    got = family_correlations(asem_result)
    got = got.assign(Var1=got["ancestor_level"].map(LEVEL_NAMES), Var2=got["code"])
    want = _corr("aggregated_L1_family")
    m = want.merge(got, on=["Var1", "Var2"], validate="1:1")
    assert len(m) == len(want) == 3 * 49
    np.testing.assert_allclose(m["r"], m["Correlation"], rtol=1e-12)


FLAG_CALLS = {"default": {}, "high_0.5": {"threshold": 0.5},
              "low_m0.3": {"threshold": -0.3, "kind": "low"},
              "grouplev3_0.8": {"threshold": 0.8, "group_level": 3},
              "raw_directions_low_m0.3": {"stage": "raw", "threshold": -0.3, "kind": "low",
                                          "use_directions": True}}


@pytest.mark.parametrize("call", sorted(FLAG_CALLS))
def test_corr_flags_equal_coinr(asem_result, raw_result, call):
    args = FLAG_CALLS[call]
    got = corr_flags(raw_result if args.get("stage") == "raw" else asem_result, **args)
    want = pd.read_csv(COINR / "correlations" / "corr_flags.csv")
    want = want[want["call"] == call]
    key = lambda a, b: tuple(sorted((a, b)))  # noqa: E731
    w = {key(a, b): (g, r) for g, a, b, r in want[["Group", "Ind1", "Ind2", "Corr"]]
         .itertuples(index=False)}
    o = {key(a, b): (g, r) for g, a, b, r in got.itertuples(index=False)}
    assert set(o) == set(w)
    for k, (g, r) in w.items():
        assert o[k][0] == g and o[k][1] == pytest.approx(r, rel=1e-12)


def test_denominator_correlations_equal_coinr(asem, raw_result):
    _, data = asem
    got = denominator_correlations(raw_result, data, threshold=0)
    want = pd.read_csv(COINR / "correlations" / "denom_corr_all.csv")
    m = want.merge(got, left_on=["Ind", "Denom"], right_on=["code", "denominator"],
                   validate="1:1")
    assert len(m) == len(want) == len(got)
    np.testing.assert_allclose(m["r"], m["Corr"], rtol=1e-12)
    high = denominator_correlations(raw_result, data)  # |r| > 0.6
    want = pd.read_csv(COINR / "correlations" / "denom_corr_default.csv")
    assert sorted(zip(high["code"], high["denominator"], strict=True)) == sorted(
        zip(want["Ind"], want["Denom"], strict=True))
    np.testing.assert_allclose(high.set_index(["code", "denominator"])["r"].round(2)
                               .loc[list(zip(want["Ind"], want["Denom"], strict=True))],
                               want["Corr"])
