"""The chain-linked comparable series: composition changes alone leave it flat."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import airank
from airank.analysis.trend import chain_linked
from airank.pipeline import fit_pooled

SPEC = airank.IndexSpec.from_dict({
    "name": "panel", "units": {"kind": "custom"}, "data": {"lookback": 0},
    "nodes": [{"code": "index"}, {"code": "p", "parent": "index"},
              {"code": "q", "parent": "index"}],
    "indicators": [{"code": "a", "parent": "p"}, {"code": "b", "parent": "p"},
                   {"code": "c", "parent": "q"}, {"code": "d", "parent": "q"}],
    "methodology": {"denominate": "none", "screen": {"method": "coverage",
                                                     "min_coverage": 0.5}}})
YEARS = [2019, 2020, 2021, 2022]


def _panel(change: dict[tuple[str, str, int], float] | None = None) -> airank.Dataset:
    rng = np.random.default_rng(5)
    base = rng.uniform(1, 100, (12, 4))
    rows = []
    for y in YEARS:
        for i, u in enumerate([f"U{k:02d}" for k in range(12)]):
            for j, code in enumerate("abcd"):
                if code == "c" and y < 2021:  # 'c' enters in 2021: composition only
                    continue
                if code == "d" and y == 2022:  # 'd' leaves in 2022
                    continue
                v = base[i, j] + (change or {}).get((u, code, y), 0.0)
                rows.append((u, code, y, v))
    frame = pd.DataFrame(rows, columns=["unit", "indicator", "year", "value"])
    return airank.read_data(frame, SPEC)


def _series(data: airank.Dataset, years: list[int] = YEARS) -> pd.DataFrame:
    return chain_linked(SPEC, data, years, fitted=fit_pooled(SPEC, data, YEARS))


def test_composition_only_changes_give_a_flat_series():
    s = _series(_panel())
    wide = s.pivot(index="unit", columns="edition", values="comparable_score")
    np.testing.assert_allclose(wide.to_numpy() - wide[[2019]].to_numpy(), 0, atol=1e-9)
    heads = s.pivot(index="unit", columns="edition", values="score")
    assert (heads[2021] - heads[2020]).abs().max() > 1  # the headline jumps when c enters
    assert set(s.loc[s["edition"] == 2021, "added"]) == {"c"}
    assert set(s.loc[s["edition"] == 2022, "removed"]) == {"d"}
    ranks = s.pivot(index="unit", columns="edition", values="comparable_rank")
    assert (ranks.nunique(axis=1) == 1).all()


def test_a_data_change_moves_the_series_by_its_link():
    moved = _panel({("U03", "a", y): 40.0 for y in (2021, 2022)})
    s = _series(moved).set_index(["unit", "edition"])
    flat = _series(_panel()).set_index(["unit", "edition"])
    gap = s["comparable_score"] - flat["comparable_score"]
    assert gap.loc[("U03", 2020)] == pytest.approx(0, abs=1e-9)
    assert gap.loc[("U03", 2021)] > 0
    assert gap.loc[("U03", 2022)] == pytest.approx(gap.loc[("U03", 2021)], abs=1e-9)
    others = gap.drop(index="U03", level="unit")
    assert np.allclose(others, 0, atol=1e-9)  # fixed goalposts: nobody else moves


def test_adding_an_edition_never_changes_earlier_values():
    d = _panel()
    short, full = _series(d, YEARS[:3]), _series(d, YEARS)
    a = short.set_index(["unit", "edition"])["comparable_score"]
    b = full.set_index(["unit", "edition"])["comparable_score"].loc[a.index]
    assert a.to_csv() == b.to_csv()


def test_a_series_break_is_not_linked_across():
    """A value change at a declared break is composition, not change."""
    spec = SPEC.with_changes({"a.breaks": [2021]})
    d = _panel({(f"U{k:02d}", "a", y): 30.0 * (k % 3) for k in range(12)
                for y in (2021, 2022)})
    s = chain_linked(spec, d, YEARS, fitted=fit_pooled(spec, d, YEARS))
    wide = s.pivot(index="unit", columns="edition", values="comparable_score")
    np.testing.assert_allclose(wide[2021], wide[2020], atol=1e-9)
