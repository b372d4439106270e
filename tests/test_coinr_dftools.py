"""R's rounding (COINr's ``round_df`` and ``signif_df``), bit for bit, signed zeros too.

Reference values: ``tests/data/golden/coinr/dftools/round_signif.csv`` (R 4.2.2): the
ASEM aggregates and 20 edge cases (halves, 0.15, 2.675, 1.005, 99.995, 1e-300 ...).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from airank.analysis.audit.dftools import round_df, rround, signif, signif_df

FILE = Path(__file__).parent / "data" / "golden" / "coinr" / "dftools" / "round_signif.csv"
# read as text: pandas' parser drops the sign of "-0"
T = pd.read_csv(FILE, dtype=str, keep_default_na=False)
VALUE = T["value"].map(float).to_numpy()


def _col(name: str) -> np.ndarray:
    return T[name].map(float).to_numpy()


@pytest.mark.parametrize("digits", [-1, 0, 1, 2, 3])
def test_round_equals_r(digits):
    got, want = rround(VALUE, digits), _col(f"round_{digits}")
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


@pytest.mark.parametrize("digits", [1, 2, 3, 5])
def test_signif_equals_r(digits):
    got, want = signif(VALUE, digits), _col(f"signif_{digits}")
    np.testing.assert_array_equal(got, want)


def test_r_rounding_is_not_numpys():
    # 0.15 is stored as 0.1499999999999999944...: R gives 0.1, numpy (scale by 10, round
    # half to even) 0.2; the same for 2.675 (R 2.67, numpy 2.68)
    assert rround([0.15], 1)[0] == 0.1 and np.round(0.15, 1) == 0.2
    assert rround([2.675], 2)[0] == 2.67 and np.round(2.675, 2) == 2.68
    assert rround([2.5], 0)[0] == 2.0


def test_frames_round_numeric_columns_only():
    f = pd.DataFrame({"code": ["a", "b"], "x": [1.2345, np.nan], "n": [1, 2]})
    assert round_df(f, 2)["x"].tolist()[0] == 1.23
    assert signif_df(f, 2)["code"].tolist() == ["a", "b"]
    assert np.isnan(signif_df(f, 2)["x"].iloc[1])
