"""Changed copies of a dataset (scenarios): the written copy equals the rewritten panel,
its carried caches equal a fresh dataset's, and a rebuild that reuses the baseline's
imputation equals a full build."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import airank
from airank import IndexSpec
from airank.analysis.scenarios import panel as copies
from airank.analysis.scenarios.shocks import Scenario, Shock, apply_scenario, preset, presets
from airank.edition import Edition
from airank.pipeline import _by_method, build

CODES = ["i0", "i1", "i2", "i3", "pop"]
UNITS = [f"u{k}" for k in range(8)]
YEARS = [2018, 2019, 2020]
SPEC = IndexSpec.from_dict({
    "name": "Panel",
    "units": {"kind": "custom", "groups": ["g"]},
    "denominators": [{"code": "pop"}],
    "nodes": [{"code": "index"}, {"code": "p1", "parent": "index"},
              {"code": "p2", "parent": "index"}],
    "indicators": [
        {"code": "i0", "parent": "p1", "methods": {"impute": {"method": "latest"}}},
        {"code": "i1", "parent": "p1", "methods": {"impute": {"method": "latest"}}},
        {"code": "i2", "parent": "p2", "denominator": "pop",
         "methods": {"impute": {"method": "mean", "by": "g"}}},
        {"code": "i3", "parent": "p2", "methods": {"impute": {"method": "median"}}}],
    "methodology": {"screen": {"method": "coverage", "min_coverage": 0.5,
                               "min_nonzero": 0.3},
                    "normalise": {"method": "minmax"}, "aggregate": {"method": "arithmetic"}},
})


def _data(seed: int = 0) -> airank.Dataset:
    """Three years of values with gaps, zeros and a few inferred values."""
    rng = np.random.default_rng(seed)
    rows = [(u, c, y, float(rng.integers(0, 6)) if c != "pop" else 10.0 + k)
            for k, u in enumerate(UNITS) for c in CODES for y in YEARS
            if c == "pop" or rng.random() > 0.3]
    frame = pd.DataFrame(rows, columns=["unit", "indicator", "year", "value"])
    frame["status"] = np.where(rng.random(len(frame)) < 0.1, "inferred", "observed")
    groups = pd.DataFrame({"g": ["a", "a", "a", "b", "b", "b", "c", "c"]},
                          index=pd.Index(UNITS, name="unit"))
    return airank.read_data(frame, SPEC, groups=groups)


def _same(a: airank.Dataset, b: airank.Dataset) -> None:
    pd.testing.assert_frame_equal(a.panel, b.panel, check_exact=True)
    assert (a.hash, a.source, a.notes, a.names) == (b.hash, b.source, b.notes, b.names)


def _fresh(d: airank.Dataset) -> airank.Dataset:
    """The same dataset without any cached state."""
    return airank.Dataset(d.panel, d.groups, d.names, d.source, d.hash, d.notes)


edits = st.lists(st.tuples(st.sampled_from(UNITS), st.sampled_from(CODES),
                           st.sampled_from([0.0, 1.5, 7.0, np.nan])), max_size=8)


@given(edits, st.sampled_from([2019, 2020, 2021]), st.booleans())
def test_written_copy_equals_the_rewritten_panel(changes, year, warm):
    data = _data()
    if warm:  # carried caches: the history a build reads
        data.history(SPEC.indicator_codes, until=max(data.years))
    vals, yrs = data.wide(CODES, year=year, lookback=1)
    for u, c, v in changes:
        vals.loc[u, c] = v
    fast = copies.with_values(data, vals, yrs, year, label="t")
    _same(fast, copies._rewritten(data, vals, yrs, year, "t"))
    fresh = _fresh(fast)
    for y in (2019, 2020, 2021):
        for a, b in zip(fast.select(CODES, year=y, lookback=1),
                        fresh.select(CODES, year=y, lookback=1), strict=True):
            pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert (fast.years, fast.units) == (fresh.years, fresh.units)
    pd.testing.assert_frame_equal(fast.history(SPEC.indicator_codes, until=2020),
                                  fresh.history(SPEC.indicator_codes, until=2020))
    pd.testing.assert_frame_equal(fast.history(SPEC.indicator_codes, until=max(fast.years)),
                                  fresh.history(SPEC.indicator_codes, until=max(fast.years)))


def test_a_panel_out_of_order_is_rewritten():
    data = _data()
    shuffled = airank.Dataset(data.panel.iloc[::-1].reset_index(drop=True), data.groups,
                              data.names, data.source, data.hash, data.notes)
    vals, yrs = shuffled.wide(CODES, year=2020, lookback=1)
    vals.loc["u1", "i0"] = 99.0
    assert shuffled.values_at(vals.index, vals.columns, yrs.to_numpy()) is None
    out = copies.with_values(shuffled, vals, yrs, 2020, label="t")
    _same(out, copies._rewritten(shuffled, vals, yrs, 2020, "t"))
    _same(out, copies.with_values(data, vals, yrs, 2020, label="t"))  # sorted either way


def test_a_copy_knows_what_changed_from_its_origin():
    data = _data()
    vals, yrs = data.wide(["i0", "i2"], year=2020, lookback=1)
    vals.loc["u0", ["i0", "i2"]] = [50.0, 60.0]
    copy = copies.with_values(data, vals, yrs, 2020, label="t")
    assert copy.changed_from(data) == {"i0", "i2"}
    assert data.changed_from(data) is None and copy.changed_from(_data(1)) is None
    again = copies.with_values(copy, vals * 2, yrs, 2020, label="t2")
    assert again.changed_from(copy) == {"i0", "i2"} and again.changed_from(data) is None
    back = pickle.loads(pickle.dumps(copy))  # a cached edition's data: its origin is gone
    _same(back, copy)
    assert back.changed_from(data) is None
    assert not back.panel.equals(data.panel) and data.panel.equals(_data().panel)


def _full(ed: Edition, data: airank.Dataset) -> airank.Result:
    return build(ed.spec, data, year=ed.year, fitted=ed.fitted)


def _same_build(a: airank.Result, b: airank.Result) -> None:
    for k in b.stages:
        pd.testing.assert_frame_equal(a.stages[k], b.stages[k], check_exact=True, obj=k)
    assert repr(a.records) == repr(b.records)
    assert [r.to_dict() for r in a.records] == [r.to_dict() for r in b.records]
    pd.testing.assert_series_equal(a.unit_coverage, b.unit_coverage, check_exact=True)
    pd.testing.assert_frame_equal(a.inferred, b.inferred)
    pd.testing.assert_frame_equal(a.groups, b.groups)
    assert a.data_hash == b.data_hash


def _imputations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every imputer run from now on, by method."""
    from airank import impute

    runs: list[str] = []
    for name, f in list(impute.IMPUTERS.items()):
        def counted(*a, _f=f, _name=name, **k):
            runs.append(_name)
            return _f(*a, **k)
        monkeypatch.setitem(impute.IMPUTERS, name, counted)
    return runs


@pytest.fixture(scope="module", params=["scale", "intensity"])
def ogai(request) -> Edition:
    return Edition.ogai(view=request.param)


@pytest.mark.parametrize("name,params", [(p, {}) for p in presets(index="ogai")] + [
    ("sanctions", {"countries": ["RUS", "CHN", "IRN"], "strength": 0.9}),
    ("partnership", {"countries": ["IND", "BRA"], "partner": "USA", "strength": 0.7})])
def test_reused_imputation_equals_a_full_build_for_every_preset(ogai, name, params,
                                                                monkeypatch):
    scenario = preset(name, **params)
    data, _ = apply_scenario(scenario, ogai.data, ogai.spec, year=ogai.year)
    runs = _imputations(monkeypatch)
    fast = ogai.build(data)
    n_fast = len(runs)
    _same_build(fast, _full(ogai, data))
    # a group of indicators without a shocked one is reused unless coverage moved (a value
    # written is observed: an inferred zero moved toward a partner counts)
    groups = [set(codes) for cfg, codes in _by_method(ogai.spec, "impute")
              if cfg.method != "none"]
    same = fast.unit_coverage.equals(ogai.baseline.unit_coverage)
    hit = [g for g in groups if not same or g & set(scenario.indicators)]
    assert (n_fast, len(runs) - n_fast) == (len(hit), len(groups))


def test_reuse_only_where_nothing_the_imputer_sees_changed(monkeypatch):
    data = _data()
    ed = Edition.of(SPEC, data, goalposts="fixed")
    runs = _imputations(monkeypatch)
    raw = data.wide(CODES, year=ed.year)[0]
    ok = raw.notna() & (raw != 0) & ~data.inferred(CODES, year=ed.year)

    def unit(code: str) -> str:  # the first with an observed value other than 0
        return str(ok.index[ok[code].to_numpy()][0])

    cases = {  # shock -> imputation groups run again ('latest' i0/i1, 'mean' i2, 'median' i3)
        (unit("i0"), "i0", "reduce", 0.5): ["latest"],
        (unit("i3"), "i3", "multiply", 3.0): ["median"],
        (unit("pop"), "pop", "multiply", 2.0): ["latest", "mean", "median"],  # denominator
        (unit("i2"), "i2", "multiply", 0.0): ["latest", "mean", "median"],  # zero share moved
    }
    for (u, c, op, v), again in cases.items():
        shocked, _ = apply_scenario(Scenario("s", (Shock((u,), (c,), op, v),)), data, SPEC)
        runs.clear()
        got = ed.build(shocked)
        assert runs == again, (u, c, op)
        _same_build(got, _full(ed, shocked))
    filled = ed.baseline.stages["raw"].isna().stack()
    (u, c), _ = next(iter(filled[filled].items()))
    shocked, _ = apply_scenario(Scenario("s", (Shock((u,), (c,), "set", 4.0),)), data, SPEC)
    runs.clear()
    got = ed.build(shocked)
    assert runs == ["latest", "mean", "median"]  # coverage changed: no reuse
    _same_build(got, _full(ed, shocked))
