"""Strengths and weaknesses against COINr 1.1.14's ``get_str_weak`` (``min_discard``,
``unq_discard``, ``use_group``; reference values in ``tests/data/golden/coinr/str_weak/``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import airank
from airank.analysis.audit.profile import strengths_weaknesses

WANT = pd.read_csv(Path(__file__).parent / "data" / "golden" / "coinr" / "str_weak" /
                   "str_weak.csv", keep_default_na=False, na_values=[""])
KEYS = ["usel", "dset", "min_discard", "unq_discard", "use_group", "sig_figs"]


def _coinr_order(spec: airank.IndexSpec) -> list[str]:
    # COINr keeps its indicator metadata sorted by parent code (stable); ties in rank
    # keep that order
    return sorted(spec.indicator_codes, key=lambda c: str(spec.parent[c]))


@pytest.mark.parametrize("key", sorted({k for k, _ in WANT.groupby(KEYS, dropna=False)},
                                       key=str))
def test_strengths_weaknesses_equal_coinr(asem, asem_result, key):
    usel, dset, md, uq, grp, sig = key
    want = WANT.set_index(KEYS).loc[key]
    _, data = asem
    s, w = strengths_weaknesses(
        asem_result, usel, stage="raw" if dset == "Raw" else "aggregated", min_discard=md,
        unq_discard=None if pd.isna(uq) else float(uq),
        groups=None if pd.isna(grp) else data.groups[grp],
        codes=_coinr_order(asem_result.spec))
    for table, got in (("Strengths", s), ("Weaknesses", w)):
        t = want[want["table"] == table].sort_values("position")
        assert got["code"].tolist() == t["Code"].tolist(), table
        assert got["group"].tolist() == t["Pillar"].tolist()
        np.testing.assert_array_equal(got["rank"], t["Rank"])
        values = got["value"].to_numpy()
        if not pd.isna(sig):  # COINr's default sig_figs = 3 (R's signif)
            from airank.analysis.audit.dftools import signif
            values = signif(values, int(sig))
        np.testing.assert_allclose(values, t["Value"], rtol=1e-15)
        assert got["name"].tolist() == t["Name"].tolist()
        assert got["indicator_unit"].tolist() == t["Unit"].tolist()


def test_unknown_unit(asem_result):
    with pytest.raises(airank.DataError, match="'XYZ' is not in"):
        strengths_weaknesses(asem_result, "XYZ")
