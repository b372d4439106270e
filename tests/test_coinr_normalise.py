"""COINr 1.1.14 parity of the Borda, distance-to-reference and fraction-of-max normalisers.

Reference values: ``tests/data/golden/coinr/normalise/`` (COINr's ``Normalise()`` on the
ASEM example's treated data and on its raw data with NAs; README there). COINr multiplies
each indicator by its direction, then applies the function, as airank does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import airank
from airank.datasets import asem_spec
from airank.fitted import Fitted
from airank.methods import METHOD_PARAMS
from airank.normalise import normalise_column

GOLD = Path(__file__).parent / "data" / "golden"
NORM = GOLD / "coinr" / "normalise"
SPEC = asem_spec()
TREATED = pd.read_csv(GOLD / "asem" / "default" / "treated.csv", index_col=0)
RAW = pd.read_csv(Path(airank.datasets.path("asem", "ASEM_iData.csv"))).set_index("uCode")[
    list(SPEC.indicator_codes)]

CASES = {
    "treated_borda": (TREATED, "borda", {}),
    "treated_borda_average": (TREATED, "borda", {"ties": "average"}),
    "treated_dist2ref_DEU": (TREATED, "dist2ref", {"ref": "DEU"}),
    "treated_dist2ref_DEU_cap": (TREATED, "dist2ref", {"ref": "DEU", "cap": True}),
    "treated_fracmax": (TREATED, "fracmax", {}),
    "raw_borda": (RAW, "borda", {}),
    "raw_dist2ref_DEU_cap": (RAW, "dist2ref", {"ref": "DEU", "cap": True}),
    "raw_fracmax": (RAW, "fracmax", {}),
}


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(NORM / f"{name}.csv", index_col=0)  # reads inf, -inf and NaN


def _normalise(frame: pd.DataFrame, method: str, params: dict) -> pd.DataFrame:
    p = METHOD_PARAMS["normalise"][method].model_validate(params)
    out = {c: normalise_column(frame[c].to_numpy(dtype=float), method, p,
                               direction=SPEC.indicator(c).direction, units=frame.index)[0]
           for c in frame.columns}
    return pd.DataFrame(out, index=frame.index)


@pytest.mark.parametrize("case", sorted(CASES))
def test_normaliser_equals_coinr(case):
    frame, method, params = CASES[case]
    want = _read(case)
    got = _normalise(frame.loc[want.index], method, params)[list(want.columns)]
    g, w = got.to_numpy(dtype=float), want.to_numpy(dtype=float)
    assert np.array_equal(np.isnan(g), np.isnan(w)), case
    assert np.array_equal(np.isinf(g) & (g > 0), np.isinf(w) & (w > 0)), case
    ok = np.isfinite(w)
    np.testing.assert_allclose(g[ok], w[ok], rtol=1e-14, atol=0)


def test_dist2ref_in_a_build_and_replayed(asem):
    """dist2ref through the spec, with the reference unit; its fit replays the goalposts."""
    spec, data = asem
    doc = spec.to_dict()
    doc["methodology"]["normalise"] = {"method": "dist2ref", "ref": "DEU", "cap": True}
    s = airank.IndexSpec.from_dict(doc)
    result = airank.build(s, data)
    want = _read("treated_dist2ref_DEU_cap")
    got = result.stages["normalised"].loc[want.index, list(want.columns)]
    np.testing.assert_allclose(got.to_numpy(dtype=float), want.to_numpy(dtype=float),
                               rtol=1e-12, equal_nan=True)
    fit = result.fitted["normalise"]["LPI"]
    assert fit.ref_unit == "DEU" and fit.ref == pytest.approx(TREATED.at["DEU", "LPI"])
    again = airank.build(s, data, fitted=Fitted.from_json(result.fitted.to_json()))
    pd.testing.assert_frame_equal(again.scores, result.scores)


def test_dist2ref_unknown_reference_is_a_clear_error():
    p = METHOD_PARAMS["normalise"]["dist2ref"].model_validate({"ref": "XXX"})
    with pytest.raises(airank.DataError, match="reference unit 'XXX'"):
        normalise_column(np.array([1.0, 2.0]), "dist2ref", p, units=["A", "B"])


def test_borda_and_fracmax_by_hand():
    x = np.array([3.0, 1.0, np.nan, 3.0, 6.0])
    b = METHOD_PARAMS["normalise"]["borda"].model_validate({})
    np.testing.assert_array_equal(normalise_column(x, "borda", b)[0], [1, 0, np.nan, 1, 3])
    f = METHOD_PARAMS["normalise"]["fracmax"].model_validate({})
    np.testing.assert_allclose(normalise_column(x, "fracmax", f)[0],
                               [0.5, 1 / 6, np.nan, 0.5, 1.0])
