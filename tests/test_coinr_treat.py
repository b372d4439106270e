"""COINr 1.1.14 parity of the outlier treatments: transformations and ``Treat()`` variants.

Reference values: ``tests/data/golden/coinr/treat/`` (computed by COINr itself; its
README gives every call). ``functions.csv`` holds each transformation applied to whole
columns; ``treated.csv`` and ``log_<variant>.csv`` hold ``Treat()`` on the screened ASEM
data in ten variants.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import airank
from airank.fitted import Fitted, TreatFit
from airank.methods import JrcParams, TransformParams
from airank.treat import (
    TREATERS,
    boxcox,
    jrc,
    log_ct,
    log_ct_orig,
    log_ct_plus,
    log_gii,
    transform_column,
)

GOLD = Path(__file__).parent / "data" / "golden"
TREAT = GOLD / "coinr" / "treat"
SCREENED = pd.read_csv(GOLD / "asem" / "default" / "screened.csv", index_col=0)
FUNCS = pd.read_csv(TREAT / "functions.csv")
TREATED = pd.read_csv(TREAT / "treated.csv", keep_default_na=False, na_values=[""])

# COINr's global_specs as airank's JrcParams (the README's table of variants)
VARIANTS = {
    "f2_log_CT_plus": {"max_points": 1, "fallback": "log_ct_plus"},
    "f2_log_CT_orig": {"max_points": 1, "fallback": "log_ct_orig"},
    "f2_boxcox_0.5": {"max_points": 1, "fallback": "boxcox", "lam": 0.5},
    "f1_log": {"first": "log_plain"},
    "f2_log": {"max_points": 1, "fallback": "log_plain"},
    "combine_winmax1": {"max_points": 1, "combine": True},
    "no_f2": {"max_points": 1, "fallback": "none"},
}
# indiv_specs: Bord = "none", Services winmax 3, ForPort f1 = log_CT_plus
INDIV = {"Bord": None, "Services": {"max_points": 3}, "ForPort": {"first": "log_ct_plus"}}


def _close(got, want, rtol=1e-12, lam=None):
    """Equal to ``rtol``; for Box-Cox ``(z^lam - 1) / lam`` also within the error of its
    power: R's and numpy's ``pow`` may differ by an ulp or two of ``z^lam`` (numpy's SIMD
    power on AVX-512, say), which the subtraction of 1 keeps as an absolute error of
    ``ulp(z^lam) / |lam|`` -- a large relative one where ``z^lam`` is close to 1."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    ok = ~np.isnan(want)
    g, w = got[ok], want[ok]
    atol = 0.0 if not lam else 4 * np.spacing(np.abs(lam * w + 1)) / abs(lam)
    bad = ~(np.abs(g - w) <= rtol * np.abs(w) + atol)
    assert not bad.any(), f"{g[bad]} != {w[bad]} (rtol {rtol}, lam {lam})"


@pytest.mark.parametrize(("column", "func", "lam"), [
    ("log_CT", log_ct, None), ("log_CT_orig", log_ct_orig, None),
    ("log_CT_plus", log_ct_plus, None),
    ("boxcox_m1", lambda x: boxcox(x, -1), -1), ("boxcox_m0.5", lambda x: boxcox(x, -0.5), -0.5),
    ("boxcox_0", lambda x: boxcox(x, 0), None), ("boxcox_0.5", lambda x: boxcox(x, 0.5), 0.5),
    ("boxcox_1", lambda x: boxcox(x, 1), 1), ("boxcox_2", lambda x: boxcox(x, 2), 2),
    ("boxcox_0.5_nopos", lambda x: boxcox(x, 0.5, shift=False), 0.5)])
def test_transformations_equal_coinr(column, func, lam):
    # 23 columns (17 screened, 6 raw with NAs); R's and numpy's pow differ in the last bits
    for _, g in FUNCS.groupby(["dset", "iCode"], sort=False):
        _close(func(g["x"].to_numpy(dtype=float)), g[column], rtol=1e-12, lam=lam)


def test_log_gii_is_the_formula_coinr_returns_its_input():
    # COINr 1.1.14's log_GII() returns x unchanged (documented bug); airank returns the
    # GII log it computes: log((max - 1)(x - min) / (max - min) + 1), worked here by hand
    for _, g in FUNCS.groupby(["dset", "iCode"], sort=False):
        x = g["x"].to_numpy(dtype=float)
        np.testing.assert_array_equal(g["log_GII"].to_numpy(dtype=float), x)  # the bug
        lo, hi = np.nanmin(x), np.nanmax(x)
        _close(log_gii(x), np.log((hi - 1) * (x - lo) / (hi - lo) + 1))


def test_log_ct_plus_mirrors_a_negative_skew():
    x = np.array([1.0, 9.0, 9.5, 10.0, 10.0, 10.0])  # long left tail
    a = 0.01 * 9
    np.testing.assert_allclose(log_ct_plus(x), -np.log(10 + a - x))
    skew = pd.read_csv(TREAT / "skew_kurt.csv")
    # COINr's label: log_CT for a positive skew, log_CT_neg otherwise (all 98 columns)
    assert set(skew["log_CT_plus_label"]) == {"log_CT", "log_CT_neg"}
    assert ((skew["skew"] > 0) == (skew["log_CT_plus_label"] == "log_CT")).all()


def _treat(code: str, params: dict) -> tuple[np.ndarray, TreatFit]:
    return jrc(SCREENED[code].to_numpy(dtype=float), params=JrcParams(**params))


def _want(variant: str) -> dict[str, pd.Series]:
    t = TREATED[TREATED["variant"] == variant]
    return {c: g.set_index("uCode")["treated"].reindex(SCREENED.index)
            for c, g in t.groupby("iCode")}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_treat_variant_equals_coinr(variant):
    want = _want(variant)
    changed = set()
    for code in SCREENED.columns:
        y, _ = _treat(code, VARIANTS[variant])
        x = SCREENED[code].to_numpy(dtype=float)
        if not np.array_equal(y, x):
            changed.add(code)
        _close(y, want[code] if code in want else x)
    assert changed == set(want), variant


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_treat_log_equals_coinr(variant):
    """Skew and kurtosis before and after, points winsorised (``Dets_Table``)."""
    log = pd.read_csv(TREAT / f"log_{variant}.csv", index_col=0)
    for code, row in log.iterrows():
        _, fit = _treat(str(code), VARIANTS[variant])
        assert fit.skew_before == pytest.approx(row["check_SkewKurt0.Skew"], rel=1e-12)
        assert fit.kurtosis_before == pytest.approx(row["check_SkewKurt0.Kurt"], rel=1e-12)
        last = next((k for k in ("2", "1") if pd.notna(row.get(f"check_SkewKurt{k}.Pass"))),
                    None)
        if last is None or fit.skew_after is None:  # passing, or left untreated (NA check)
            continue
        if "winsorise.nwin" in row and pd.notna(row["winsorise.nwin"]) and last == "1":
            assert fit.winsorised_high + fit.winsorised_low == row["winsorise.nwin"]
        assert fit.skew_after == pytest.approx(row[f"check_SkewKurt{last}.Skew"], rel=1e-10)
        assert fit.kurtosis_after == pytest.approx(row[f"check_SkewKurt{last}.Kurt"],
                                                   rel=1e-10)
        assert fit.still_fails == (str(row[f"check_SkewKurt{last}.Pass"]) != "True")


def test_plain_log_of_zeros_leaves_the_column_untreated():
    # f2_log / f1_log: log(0) = -inf, the check is NA and COINr returns the column as is
    for variant in ("f2_log", "f1_log"):
        want = _want(variant)
        for code in ("Bord", "Elec"):  # both hold zeros and fail the check
            assert (SCREENED[code] == 0).any()
            y, fit = _treat(code, VARIANTS[variant])
            assert code not in want
            np.testing.assert_array_equal(y, SCREENED[code].to_numpy())
            assert fit.action == "none"


def test_indiv_specs_through_a_build(asem):
    """``indiv_specs`` as per-indicator methods in the spec, through ``airank.build``."""
    spec, data = asem
    doc = spec.to_dict()
    doc["methodology"]["treat"] = {"method": "jrc", "max_points": 1}
    for ind in doc["indicators"]:
        over = INDIV.get(ind["code"], {}) if ind["code"] in INDIV else None
        if ind["code"] in INDIV:
            ind["methods"] = {"treat": {"method": "none"} if over is None
                              else {"method": "jrc", "max_points": 1, **over}}
    result = airank.build(airank.IndexSpec.from_dict(doc), data)
    want = _want("indiv")
    got = result.stages["treated"].loc[SCREENED.index]
    for code in SCREENED.columns:
        _close(got[code], want[code] if code in want else SCREENED[code])
    assert "Bord" not in want and "ForPort" in want


@pytest.mark.parametrize("params", [
    {"max_points": 1, "fallback": "log_ct_plus"}, {"max_points": 1, "fallback": "boxcox",
                                                   "lam": -0.5},
    {"max_points": 1, "fallback": "log_gii"}, {"max_points": 1, "combine": True},
    {"first": "log_ct_orig"}, {"max_points": 1, "combine": True, "fallback": "log_gii"}])
def test_every_treatment_replays_from_its_fit(params):
    """A fit (as frozen goalposts are) replays exactly, also after a JSON round trip."""
    for code in ("Flights", "Gas", "Services", "FDI", "Forest", "FemLab"):
        x = SCREENED[code].to_numpy(dtype=float)
        y, fit = jrc(x, params=JrcParams(**params))
        back = Fitted.from_json(Fitted({"treat": {code: fit}}).to_json())["treat"][code]
        again, same = jrc(x, params=JrcParams(**params), learned=back)
        np.testing.assert_allclose(again, y, rtol=1e-12)
        assert same == fit


def test_transform_method_applies_to_every_column():
    x = SCREENED["Goods"].to_numpy(dtype=float)  # passes the JRC check
    y, fit = TREATERS["transform"](x, params=TransformParams(transform="boxcox", lam=0.0))
    np.testing.assert_allclose(y, np.log(x - x.min() + 1))
    assert fit.action == "boxcox" and fit.lam == 0.0
    np.testing.assert_allclose(transform_column(x, "log_ct_orig"), np.log(x - x.min() + 1))


def test_skew_kurtosis_and_check_equal_coinr():
    """COINr's skew(), kurt() and check_SkewKurt() on all 49 indicators, screened and raw."""
    from airank.treat import kurtosis2, skewness2

    t = pd.read_csv(TREAT / "skew_kurt.csv")
    raw = pd.read_csv(airank.datasets.path("asem", "ASEM_iData.csv")).set_index("uCode")
    for r in t.itertuples(index=False):
        x = (SCREENED if r.dset == "Screened" else raw)[r.iCode].to_numpy(dtype=float)
        assert skewness2(x) == pytest.approx(r.skew, rel=1e-12, abs=1e-14)
        assert kurtosis2(x) == pytest.approx(r.kurt, rel=1e-12, abs=1e-14)
        passes = abs(skewness2(x)) < 2 or kurtosis2(x) < 3.5
        assert passes == bool(r.Pass)


def test_f2_log_gii_where_coinr_is_right_and_where_it_is_not():
    """f2 = log_GII: columns that pass after winsorising one point equal COINr's; for the
    others COINr returns the column untreated (its log_GII returns x), airank the GII log."""
    want = _want("f2_log_GII")
    params = {"max_points": 1, "fallback": "log_gii"}
    logged = 0
    for code in SCREENED.columns:
        x = SCREENED[code].to_numpy(dtype=float)
        y, fit = _treat(code, params)
        if fit.action == "log_gii":
            logged += 1
            assert code not in want  # COINr: x unchanged
            _close(y, log_gii(x))
        else:
            _close(y, want[code] if code in want else x)
    assert logged == 11 and len(want) == 4
