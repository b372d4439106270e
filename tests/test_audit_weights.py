"""Weight optimisation against COINr 1.1.14's ``get_opt_weights`` and a known answer.

COINr stops its Nelder-Mead after 9-15 evaluations (relative tolerance 0.1), so its
weights are not an optimum to reproduce. What is comparable (README of
``tests/data/golden/coinr/weights/``): the importance (correlation with the index) at
COINr's returned weights, the objective value there, and that airank's optimum is at
least as good.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import airank
from airank.analysis.audit.weights import importance_at, optimise_weights

W = Path(__file__).parent / "data" / "golden" / "coinr" / "weights"
OPT = pd.read_csv(W / "opt_weights.csv")
SUMMARY = pd.read_csv(W / "opt_summary.csv", index_col=0)
CALLS = {"L2_balance_equal": (2, "balance"), "L3_balance_equal": (3, "balance"),
         "L2_infomax": (2, "infomax")}


@pytest.mark.parametrize("call", sorted(CALLS))
def test_importance_at_coinrs_weights_equals_coinr(asem_result, call):
    level, kind = CALLS[call]
    t = OPT[OPT["call"] == call].set_index("iCode")
    imp = importance_at(asem_result, t["OptWeight"].to_dict(), level=level)
    np.testing.assert_allclose(imp.loc[t.index], t["corr_at_OptWeight"], rtol=1e-12)
    # COINr's objective at its weights (its $OptResults$value)
    if kind == "balance":
        obj = np.log(np.mean((t["Desired"] - imp / imp.sum()) ** 2))
    else:
        obj = -imp.sum()
    assert obj == pytest.approx(SUMMARY.loc[call, "value"], rel=1e-12)


@pytest.mark.parametrize("call", sorted(CALLS))
def test_optimum_is_at_least_as_good_as_coinrs(asem_result, call):
    level, kind = CALLS[call]
    fit = optimise_weights(asem_result, level=level, kind=kind)
    assert fit.objective <= SUMMARY.loc[call, "value"] + 1e-12
    assert fit.objective <= fit.objective_nominal
    t = fit.table
    assert t.groupby("parent")["weight"].sum().round(12).eq(1).all()
    assert t["achieved"].sum() == pytest.approx(1)
    if kind == "balance":  # closer to equal importance than the nominal weights
        nominal = t["importance_nominal"] / t["importance_nominal"].sum()
        assert ((t["achieved"] - t["target"]) ** 2).sum() < ((nominal - t["target"]) ** 2).sum()


def _two_component_index(seed: int, n: int = 400):
    """index = w1 x1 + w2 x2 with independent x1 (sd 1) and x2 (sd 2), no normalisation."""
    rng = np.random.default_rng(seed)
    x = np.column_stack([rng.normal(10, 1, n), rng.normal(10, 2, n)])
    spec = airank.IndexSpec.from_dict({
        "name": "two", "units": {"kind": "custom"},
        "nodes": [{"code": "index"}],
        "indicators": [{"code": "x1", "parent": "index"}, {"code": "x2", "parent": "index"}],
        "methodology": {"screen": {"method": "none"}, "normalise": {"method": "none"}}})
    frame = pd.DataFrame(x, columns=["x1", "x2"]).assign(unit=[f"u{i}" for i in range(n)])
    return airank.build(spec, airank.read_data(frame, spec)), x


def test_equal_importance_known_answer():
    """corr(x1, y) = corr(x2, y) for y = w1 x1 + w2 x2 solves, with the sample moments
    s1^2, s2^2, c: w1 (s1^2 s2 - c s1) = w2 (s2^2 s1 - c s2); about w = (2/3, 1/3)."""
    result, x = _two_component_index(3)
    cov = np.cov(x.T)
    s1, s2, c = np.sqrt(cov[0, 0]), np.sqrt(cov[1, 1]), cov[0, 1]
    ratio = (s2**2 * s1 - c * s2) / (s1**2 * s2 - c * s1)  # w1 / w2
    want = ratio / (1 + ratio)
    fit = optimise_weights(result, level=1)
    got = fit.table.set_index("code")["weight"]
    assert got["x1"] == pytest.approx(want, abs=1e-4)
    assert abs(want - 2 / 3) < 0.05
    imp = fit.table.set_index("code")["importance"]
    assert imp["x1"] == pytest.approx(imp["x2"], abs=1e-6)
    # an unequal target: x1 twice as important as x2 (on the correlation scale)
    fit2 = optimise_weights(result, level=1, target={"x1": 2, "x2": 1})
    a = fit2.table.set_index("code")["achieved"]
    assert a["x1"] == pytest.approx(2 / 3, abs=1e-4)


def test_target_errors(asem_result):
    with pytest.raises(airank.DataError, match="no value for"):
        optimise_weights(asem_result, level=3, target={"Conn": 1})
    with pytest.raises(airank.DataError, match="level must be"):
        optimise_weights(asem_result, level=4)
