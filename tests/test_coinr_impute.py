"""Panel imputation against COINr 1.1.14's ``impute_panel`` (``latest``, ``constant``,
``linear``; reference values in ``tests/data/golden/coinr/impute_panel/``, README there).

COINr's ``latest`` only looks back (a missing first year stays missing); ``constant``
fills both ways; ``linear`` interpolates and fails as a whole on a series with one
observation, where airank leaves that series as it is with a note.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import airank
from airank.fitted import InterpFit, LatestFit
from airank.impute import impute_panel

COINR = Path(__file__).parent / "data" / "golden" / "coinr"
WANT = pd.read_csv(COINR / "impute_panel" / "panel_imputed.csv")
SPEC = airank.datasets.asem_spec()


@pytest.fixture(scope="module")
def dp() -> pd.DataFrame:
    """``dp`` of the README: uCode, Time and the 49 indicators, with the gaps set."""
    p = pd.read_csv(COINR / "inputs" / "ASEM_iData_p.csv")
    p = p[["uCode", "Time", *SPEC.indicator_codes]].set_index(["uCode", "Time"])
    na = pd.read_csv(COINR / "inputs" / "panel_na_cells.csv")
    for u, c, t in na[["uCode", "iCode", "Time"]].itertuples(index=False):
        p.loc[(u, t), c] = np.nan
    return p.reset_index()


def _long(frame: pd.DataFrame) -> pd.Series:
    return frame.set_index(["uCode", "Time"]).stack(future_stack=True).rename_axis(
        ["uCode", "Time", "iCode"])


def _compare(dp: pd.DataFrame, got: pd.DataFrame, column: str) -> None:
    g = _long(got)
    w = WANT.set_index(["uCode", "Time", "iCode"])[column]
    np.testing.assert_allclose(g.loc[w.index].to_numpy(dtype=float), w.to_numpy(dtype=float),
                               rtol=0, atol=0, equal_nan=True, err_msg=column)
    # every cell not listed is unchanged
    rest = ~g.index.isin(w.index)
    pd.testing.assert_series_equal(g[rest], _long(dp)[rest])


@pytest.mark.parametrize(("column", "kw"), [
    ("latest", {"method": "latest"}), ("latest_max1", {"method": "latest", "max_time": 1}),
    ("constant", {"method": "constant"}),
    # COINr ignores max_time for constant (constant_max1 = constant)
    ("constant_max1", {"method": "constant"})])
def test_panel_imputation_equals_coinr(dp, column, kw):
    res = impute_panel(dp, **kw)
    _compare(dp, res.data, column)
    if column.startswith("latest"):
        f = res.from_year.assign(uCode=dp["uCode"], Time=dp["Time"])
        _compare(dp.assign(**{c: dp["Time"].where(dp[c].notna()) for c in SPEC.indicator_codes}),
                 f, f"{column}_from")


def test_linear_equals_coinr_and_leaves_one_observation_series(dp):
    # COINr's call leaves PRemit out (cols = ...), as its linear fails on DNK's series
    cols = [c for c in SPEC.indicator_codes if c != "PRemit"]
    _compare(dp, impute_panel(dp, method="linear", cols=cols).data, "linear")
    # airank with every column: DNK PRemit (one observation) left as it is, with a note;
    # the other PRemit gaps are interpolated
    res = impute_panel(dp, method="linear")
    assert [n for n in res.notes if "PRemit" in n] == [
        "DNK/PRemit: one observation, cannot interpolate; left as it is"]
    assert res.data.loc[(dp["uCode"] == "DNK"), "PRemit"].notna().sum() == 1
    assert res.data["PRemit"].isna().sum() == 4 + dp.groupby("uCode")["PRemit"].apply(
        lambda s: s.isna().all() * len(s)).sum()


def test_latest_never_fills_the_first_year_constant_does(dp):
    first = WANT[(WANT["uCode"] == "AUT") & (WANT["iCode"] == "LPI")].set_index("Time")
    assert first.loc[2018, "pattern"] == "first_year"
    assert np.isnan(first.loc[2018, "latest"])
    assert first.loc[2018, "constant"] == first.loc[2019, "input"]
    res = impute_panel(dp, method="constant")
    aut = res.data[(res.data["uCode"] == "AUT") & (res.data["Time"] == 2018)]["LPI"]
    assert aut.iloc[0] == first.loc[2019, "input"]


def test_window_limits_constant_and_linear(dp):
    cze = dp[dp["uCode"] == "BEL"].set_index("Time")["Flights"]  # 2018-19 missing
    assert cze.loc[[2018, 2019]].isna().all()
    got = impute_panel(dp, method="constant", max_time=1)
    bel = got.data[got.data["uCode"] == "BEL"].set_index("Time")["Flights"]
    assert np.isnan(bel[2018]) and bel[2019] == cze[2020]


def test_panel_errors(dp):
    with pytest.raises(airank.DataError, match="method must be"):
        impute_panel(dp, method="cubic")
    with pytest.raises(airank.DataError, match="appears more than once"):
        impute_panel(pd.concat([dp, dp.head(1)]), method="latest")
    with pytest.raises(airank.DataError, match="no column 'Year'"):
        impute_panel(dp, time="Year")


@pytest.mark.parametrize("method", ["constant", "linear"])
def test_panel_imputers_in_a_build(dp, method):
    """``impute: {method: constant|linear}`` fills an edition's gaps from the unit's other
    years, both directions (no denominators, so the panel values are the build's)."""
    doc = SPEC.to_dict()
    doc["denominators"] = []
    for ind in doc["indicators"]:
        ind.pop("denominator", None)
    doc["units"]["groups"] = []
    doc["methodology"].update({"impute": {"method": method}, "screen": {"method": "none"}})
    spec = airank.IndexSpec.from_dict(doc)
    data = airank.read_data(dp, spec)
    res = airank.build(spec, data, year=2018)
    want = impute_panel(dp, method=method).data
    want = want[want["Time"] == 2018].set_index("uCode")[list(spec.indicator_codes)]
    got = res.stages["imputed"].loc[want.index]
    pd.testing.assert_frame_equal(got, want, check_names=False, check_dtype=False)
    fit = res.fitted["impute"]["LPI"]
    if method == "constant":
        assert isinstance(fit, LatestFit) and fit.from_year["AUT"] == 2019
    else:
        assert isinstance(fit, InterpFit) and fit.between["AUT"] == (2019, 2019)
