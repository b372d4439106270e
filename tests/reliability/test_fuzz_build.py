"""A fuzzer over spec + data through ``airank.build``: airank's own errors, or sound results.

Hypothesis draws a spec -- a tree of 1-3 groups of 1-4 indicators, weights that may be
zero, huge, negative, NaN or text, directions, and for every step a registered method
with parameters that may be out of range, NaN, infinite or text -- and a table of 1-12
units whose cells may be extreme finite numbers (up to +-1e300), zeros, negatives,
missing, infinite or text. Every draw is validated and built. Allowed outcomes:

* an :class:`airank.AirankError` (any subclass): a spec or data problem, reported;
* a result whose every score is finite or missing (never infinite), and whose ranks are
  exactly the ranks of the scores (1 = highest, ties at the best place, missing where
  the score is missing).

Anything else -- another exception, a numpy warning, an infinite score, a wrong rank --
fails with the draw that caused it (hypothesis shrinks it).
"""

from __future__ import annotations

import math
import os
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import airank
from airank.errors import AirankError, AirankWarning
from airank.methods import METHOD_PARAMS

#: Draws per run (about 15 s); AIRANK_FUZZ_EXAMPLES=5000 for a long hunt.
EXAMPLES = int(os.environ.get("AIRANK_FUZZ_EXAMPLES", "300"))


def _rarely(common: st.SearchStrategy[Any], rare: st.SearchStrategy[Any],
            one_in: int) -> st.SearchStrategy[Any]:
    """``rare`` about once in ``one_in`` draws (hypothesis favours simple values, so the
    rare branch is an arbitrary middle number, not 0)."""
    return st.integers(0, one_in - 1).flatmap(lambda k: rare if k == one_in // 2 else common)


_ODD = [0, -1, 1e300, -1e300, float("nan"), float("inf"), "x", 2, 0.5, 1, 10]
_BAD_WEIGHTS = [1e300, -1, float("nan"), float("inf"), "w", "2"]
_NUMBERS = st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.floats(-1e300, 1e300),
                     st.sampled_from([0.0, 1e300, -1e300, 1e-300, 1e155, 1e308, -1e308]))
_VALUES = _rarely(_rarely(_NUMBERS, st.just(float("nan")), 8),
                  st.sampled_from([float("inf"), "text"]), 60)


def _weight() -> st.SearchStrategy[Any]:
    """Mostly valid weights; one in forty bad (huge, negative, NaN, infinite, text)."""
    good = st.one_of(st.floats(0.01, 10), st.sampled_from([0, 1, 1e12]))
    return _rarely(good, st.sampled_from(_BAD_WEIGHTS), 40)


@st.composite
def _params(draw: Any, step: str, method: str) -> dict[str, Any]:
    fields = METHOD_PARAMS[step][method].model_fields
    out: dict[str, Any] = {}
    for name in fields:
        if name in ("by", "include", "exclude", "on", "fallback", "cap", "trunc"):
            continue  # names and switches: their errors are covered by the catalogue
        pick = draw(st.integers(0, 11))
        if pick == 5:  # now and then an odd value; usually the default
            out[name] = draw(st.sampled_from(_ODD))
        elif pick == 6:
            out[name] = draw(st.floats(0.01, 100))
    return out


@st.composite
def specs(draw: Any) -> tuple[dict[str, Any], list[str]]:
    n_groups = draw(st.integers(1, 3))
    nodes: list[dict[str, Any]] = [{"code": "index"}]
    indicators: list[dict[str, Any]] = []
    for g in range(n_groups):
        nodes.append({"code": f"g{g}", "parent": "index", "weight": draw(_weight())})
        for i in range(draw(st.integers(1, 4))):
            indicators.append({"code": f"i{g}_{i}", "parent": f"g{g}",
                               "weight": draw(_weight()),
                               "direction": draw(_rarely(st.sampled_from([1, -1]),
                                                         st.just(2), 40))})
    methodology: dict[str, Any] = {}
    for step in ("impute", "screen", "treat", "normalise", "aggregate"):
        if draw(st.booleans()):
            method = draw(st.sampled_from(sorted(METHOD_PARAMS[step])))
            methodology[step] = {"method": method, **draw(_params(step, method))}
    doc = {"name": "Fuzz", "units": {"kind": "custom"}, "nodes": nodes,
           "indicators": indicators, "methodology": methodology}
    return doc, [i["code"] for i in indicators]


@st.composite
def cases(draw: Any) -> tuple[dict[str, Any], pd.DataFrame]:
    doc, codes = draw(specs())
    n = draw(st.integers(1, 12))
    rows = [[f"U{u:02d}", *[draw(_VALUES) for _ in codes]] for u in range(n)]
    return doc, pd.DataFrame(rows, columns=["unit", *codes])


def _check(result: airank.Result) -> None:
    scores = result.scores
    values = scores.to_numpy(dtype=float)
    assert not np.isinf(values).any(), scores[np.isinf(scores).any(axis=1)]
    for code in scores.columns:
        s, r = scores[code], result.ranks[code]
        assert (s.isna().to_numpy() == r.isna().to_numpy()).all(), code
        expect = s.rank(ascending=False, method="min")
        got = r.astype(float)
        ok = s.notna()
        assert (got[ok] == expect[ok]).all(), (code, s, r)
        assert ((got[ok] >= 1) & (got[ok] <= ok.sum())).all()


def _build(doc: dict[str, Any], frame: pd.DataFrame) -> airank.Result | None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's overflow and invalid-value warnings too
        warnings.simplefilter("ignore", AirankWarning)  # airank's own notes are fine
        try:
            spec = airank.IndexSpec.from_dict(doc)
            return airank.build(spec, airank.read_data(frame, spec))
        except AirankError as exc:
            assert exc.issues and all(i.message for i in exc.issues)
            str(exc)  # the message renders
            event(f"{type(exc).__name__}: {exc.issues[0].code}")
            return None


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(cases())
def test_fuzz_spec_and_data(case):
    doc, frame = case
    result = _build(doc, frame)
    if result is not None:
        event("built")
        _check(result)


@pytest.mark.parametrize("values", [
    [1e308, -1e308, 0.0], [1e300, -1e300, 1.0, 2.0], [1e-300, 0.0, -1e-300],
    [1e155, 2e155, 3e155],
])
def test_extreme_finite_values_build_correctly(values):
    """Issue 13's extremes: min-max on [1e308, -1e308, 0] ranks the best unit first."""
    doc = {"name": "X", "units": {"kind": "custom"}, "nodes": [{"code": "index"}],
           "indicators": [{"code": "a", "parent": "index"}, {"code": "b", "parent": "index"}],
           "methodology": {"normalise": {"method": "minmax", "lower": 0, "upper": 100}}}
    frame = pd.DataFrame({"unit": [f"U{i}" for i in range(len(values))], "a": values,
                          "b": [float(i) for i in range(len(values))]})
    result = _build(doc, frame)
    assert result is not None
    _check(result)
    a = result.scores["a"]
    assert a.notna().all() and math.isclose(a.max(), 100) and math.isclose(a.min(), 0)
    assert a.idxmax() == frame.loc[frame["a"].idxmax(), "unit"]


@pytest.mark.parametrize("values", [
    [-1.0, 0.0, -2.0],  # higher-is-worse: the maximum of -x is 0, x / 0
    [-1e300, -5e-293, -1.0],  # a maximum of 5e-293: ratios beyond the float range
])
def test_fracmax_without_a_usable_maximum_is_refused(values):
    """Fuzzer finding: fracmax (COINr's n_fracmax, which returns Inf there) gave infinite
    scores; a build refuses them, naming the indicator, the count and a value."""
    doc = {"name": "X", "units": {"kind": "custom"}, "nodes": [{"code": "index"}],
           "indicators": [{"code": "a", "parent": "index", "direction": -1},
                          {"code": "b", "parent": "index"}],
           "methodology": {"screen": {"method": "none"}, "normalise": {"method": "fracmax"}}}
    frame = pd.DataFrame({"unit": ["U0", "U1", "U2"], "a": [-v for v in values],
                          "b": [1.0, 2.0, 3.0]})
    spec = airank.IndexSpec.from_dict(doc)
    with pytest.raises(airank.DataError) as info:
        airank.build(spec, airank.read_data(frame, spec))
    (issue,) = info.value.issues
    assert issue.loc == ("indicators", "a", "normalise") and issue.code == "not_finite"
    assert "fracmax" in issue.message and "'a'" in issue.message
