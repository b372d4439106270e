"""Panel trends against COINr 1.1.14: ``CAGR``, ``prc_change``, ``get_trends`` and
``approx_df`` (reference values in ``tests/data/golden/coinr/trends/``; README there).

The panel is COINr's ``ASEM_iData_p`` with the gaps of ``inputs/panel_na_cells.csv``.
COINr's ``Time`` argument takes rows by position (a bug): airank uses the years asked
for, tested against the value computed by hand; ``use_latest`` equal to the number of
time points gives NA in COINr and the full-window trend in airank.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import airank
from airank.analysis.audit.trends import approx_df, cagr, prc_change, trends

COINR = Path(__file__).parent / "data" / "golden" / "coinr"
SPEC = airank.datasets.asem_spec()


def _panel() -> pd.DataFrame:
    p = pd.read_csv(COINR / "inputs" / "ASEM_iData_p.csv")
    na = pd.read_csv(COINR / "inputs" / "panel_na_cells.csv")
    p = p.set_index(["uCode", "Time"])
    for u, c, t in na[["uCode", "iCode", "Time"]].itertuples(index=False):
        p.loc[(u, t), c] = np.nan
    return p.reset_index()


@pytest.fixture(scope="module")
def panel_data():
    return airank.read_data(_panel(), SPEC)


@pytest.fixture(scope="module")
def want():
    return pd.read_csv(COINR / "trends" / "get_trends.csv").set_index(["uCode", "iCode"])


def _check(got: pd.DataFrame, want: pd.Series, column: str = "trend",
           window_at_start: pd.Index | None = None) -> None:
    g = got.set_index(["unit", "code"])[column].reindex(want.index).to_numpy(dtype=float)
    w = want.to_numpy(dtype=float).copy()
    if window_at_start is not None:
        # COINr gives NA when the use_latest window starts at the first time point (its
        # i_first > 1 test); airank computes these: compare the rest
        at = want.index.isin(window_at_start)
        assert np.isnan(w[at]).all()
        w[at], g = np.nan, np.where(at, np.nan, g)
    assert np.array_equal(np.isnan(g), np.isnan(w))
    assert np.array_equal(np.isinf(g), np.isinf(w))
    ok = np.isfinite(w)
    np.testing.assert_allclose(g[ok], w[ok], rtol=1e-9, atol=1e-12)


CALLS = {"CAGR": {}, "prc_change": {"method": "prc_change"},
         "CAGR_adjdir": {"adjust_directions": True},
         "CAGR_latest3": {"use_latest": 3},
         "prc_change_latest3": {"method": "prc_change", "use_latest": 3},
         "CAGR_interp_all": {"interpolate": True},
         "prc_change_interp_all": {"method": "prc_change", "interpolate": True}}


def _window_at_start(panel_data, n: int) -> pd.Index:
    """Series whose latest observation is the n-th year: their n-point window starts at
    the first year."""
    p = panel_data.panel.dropna(subset=["value"])
    last = p.groupby(["unit", "code"])["year"].max()
    return last[last == panel_data.years[n - 1]].index


@pytest.mark.parametrize("call", sorted(CALLS))
def test_trends_equal_coinr(panel_data, want, call):
    got = trends(panel_data, spec=SPEC, **CALLS[call])
    assert len(got) == len(want) == 2499
    start = _window_at_start(panel_data, 3) if "latest3" in call else None
    _check(got, want[call], window_at_start=start)
    if call == "CAGR":
        for c in ("Avail", "t_first", "t_latest"):
            _check(got, want[c], {"Avail": "availability"}.get(c, c))
    if call == "CAGR_latest3":
        _check(got, want["Avail_use_latest3"], "availability_latest", start)
        _check(got, want["t_first_use_latest3"], "t_first_latest", start)


def test_use_latest_all_points_is_the_full_trend(panel_data, want):
    # COINr: all NA (it requires the window to start after the first point)
    assert want["CAGR_latest5"].isna().all()
    got = trends(panel_data, spec=SPEC, use_latest=5).set_index(["unit", "code"])["trend"]
    full = trends(panel_data, spec=SPEC).set_index(["unit", "code"])["trend"]
    p = panel_data.panel.dropna(subset=["value"])
    p = p[p["code"].isin(SPEC.indicator_codes)]
    last_year = p.groupby(["unit", "code"])["year"].max()
    ends = last_year[last_year == 2022].index  # series observed in the last year
    pd.testing.assert_series_equal(got.loc[ends], full.loc[ends])


def test_years_are_years_not_positions(panel_data, want):
    got = trends(panel_data, spec=SPEC, years=[2019, 2020, 2021]).set_index(
        ["unit", "code"])["trend"]
    p = _panel().set_index("uCode")
    bord = p.loc["AUT"].set_index("Time")["Bord"]
    hand = (bord[2021] / bord[2019]) ** (1 / 2) - 1
    assert got[("AUT", "Bord")] == pytest.approx(hand, rel=1e-12)
    assert hand == pytest.approx(-0.0596, abs=5e-5)  # the README's intended value
    assert want.loc[("AUT", "Bord"), "CAGR_time_2019_2021"] == pytest.approx(0.02058,
                                                                              abs=5e-6)


def test_trend_functions_equal_coinr():
    t = pd.read_csv(COINR / "trends" / "trend_functions.csv")
    p = _panel().set_index(["uCode", "Time"])
    x = np.arange(2018, 2023)
    for r in t.itertuples(index=False):
        y = p.loc[r.uCode, r.iCode].reindex(x).to_numpy(dtype=float)
        got = [cagr(y, x), prc_change(y, x), prc_change(y, x, per=10)]
        np.testing.assert_allclose(got, [r.CAGR, r.prc_change, r.prc_change_per10],
                                   rtol=1e-9, equal_nan=True)


@pytest.mark.parametrize(("call", "t_est", "rule"), [
    ("tt_est_default", None, 1), ("tt_est_2018.5_2020_2021.25", [2018.5, 2020, 2021.25], 1),
    ("tt_est_2018.5_2020_2021.25_rule2", [2018.5, 2020, 2021.25], 2)])
def test_approx_df_equals_coinr(call, t_est, rule):
    want = pd.read_csv(COINR / "trends" / "approx_df.csv")
    want = want[want["call"] == call]
    p = _panel()
    cols = ["LPI", "Flights", "Goods", "Services", "FDI", "ForPort", "Embs", "PRemit"]
    for unit, w in want.groupby("uCode"):
        y = p[p["uCode"] == unit].sort_values("Time")
        tt, got = approx_df(y[cols].reset_index(drop=True), y["Time"], t_est, rule=rule)
        np.testing.assert_array_equal(tt, w["Time"])
        np.testing.assert_allclose(got.to_numpy(dtype=float), w[cols].to_numpy(dtype=float),
                                   rtol=1e-13, equal_nan=True)


def test_cagr_edge_cases():
    assert np.isnan(cagr([1.0, np.nan], [1, 2]))
    assert cagr([0.0, 0.0, 0.0], [1, 2, 3]) == 0
    assert cagr([0.0, 1.0], [1, 2]) == np.inf
    with pytest.raises(airank.DataError, match="equal length"):
        cagr([1.0, 2.0], [1])
