"""The intensity imputer in arrays against its definition, unit by unit.

The reference below walks every missing value through its cells (narrowest first) with
``np.median`` of the observed peers, as the module docstring of
:mod:`airank.impute_intensity` states it; the array version (sorted, padded or gathered
group medians over only the entries still to fill) must give the same bits, the same
counts per cell and, for a stack of replications, what each replication gives alone.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from airank.impute_intensity import cell_keys, fill_cells, impute_intensity, median_count

# few distinct values: ties in every median, zeros and negatives
VALUE = st.one_of(st.sampled_from([0.0, 1.0, 2.5, 3.0, -2.0, 1e6, np.nan, np.nan]),
                  st.floats(-1e3, 1e3, allow_nan=False))
PER = st.one_of(st.sampled_from([0.0, -1.0, np.nan, 2.0, 0.5]), st.floats(0.01, 1e3))
REGION = st.sampled_from(["a", "b", "c", None])
INCOME = st.sampled_from(["x", "y", None])


def _cells_of(row: pd.Series, by: tuple[str, ...]) -> list[tuple[str, object]]:
    """The unit's cells, narrowest first: its key in each (None: not in one)."""
    levels: list[tuple[str, object]] = []
    if len(by) > 1:
        joint = tuple(row[b] for b in by)
        levels.append((" x ".join(by), None if any(pd.isna(k) for k in joint) else joint))
    levels += [(b, None if pd.isna(row[b]) else row[b]) for b in by]
    return [*levels, ("*", 0)]


def _medians(x: pd.DataFrame, groups: pd.DataFrame, by: tuple[str, ...], min_group: int
             ) -> tuple[pd.DataFrame, dict[str, dict[str, float]]]:
    guess = pd.DataFrame(np.nan, index=x.index, columns=x.columns)
    used: dict[str, dict[str, float]] = {str(c): {} for c in x.columns}
    cells = {u: _cells_of(groups.loc[u], by) for u in x.index}
    for c in x.columns:
        for u in x.index[x[c].isna()]:
            for i, (name, key) in enumerate(cells[u]):
                if key is None:
                    continue
                peers = [v for v in x.index if cells[v][i][1] == key]
                vals = x.loc[peers, c].dropna().to_numpy()
                if len(vals) >= min_group or (i == len(cells[u]) - 1 and len(vals)):
                    guess.at[u, c] = np.median(vals)
                    used[str(c)][name] = used[str(c)].get(name, 0.0) + 1.0
                    break
    return guess, used


def _reference(frame: pd.DataFrame, *, by: tuple[str, ...], per: pd.Series | None,
               min_group: int, cap_rank: int | None, directions: pd.Series,
               groups: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, dict[str, float]]]:
    den = None if per is None else per.where(per > 0)
    guess, used = _medians(frame if den is None else frame.div(den, axis=0), groups, by,
                           min_group)
    if den is not None:
        guess = guess.mul(den, axis=0).fillna(_medians(frame, groups, by, min_group)[0])
    out = frame.copy()
    for c in frame.columns:
        d = float(directions[c])
        obs = sorted((frame[c].dropna() * d).tolist(), reverse=True)
        for u in frame.index[frame[c].isna()]:
            v = guess.at[u, c]
            if cap_rank is not None and len(obs) >= cap_rank:
                bound = obs[cap_rank - 1]
                if obs[cap_rank - 2] == bound:
                    bound = np.nextafter(bound, -np.inf)
                v = min(v * d, bound) * d if not np.isnan(v) else v
            out.at[u, c] = v
    return out, used


@st.composite
def _tables(draw: st.DrawFn) -> dict[str, object]:
    n, k = draw(st.integers(1, 14)), draw(st.integers(1, 3))
    units = [f"U{i:02d}" for i in range(n)]
    codes = [f"c{j}" for j in range(k)]
    frame = pd.DataFrame(np.array(draw(st.lists(VALUE, min_size=n * k, max_size=n * k)))
                         .reshape(n, k), index=units, columns=codes)
    groups = pd.DataFrame({"region": draw(st.lists(REGION, min_size=n, max_size=n)),
                           "income": draw(st.lists(INCOME, min_size=n, max_size=n))},
                          index=units)
    per = pd.Series(draw(st.lists(PER, min_size=n, max_size=n)), index=units) \
        if draw(st.booleans()) else None
    return {"frame": frame, "groups": groups, "per": per,
            "by": draw(st.sampled_from([("region", "income"), ("region",), ()])),
            "min_group": draw(st.integers(1, 4)),
            "cap_rank": draw(st.one_of(st.none(), st.integers(2, 5))),
            "directions": pd.Series(draw(st.lists(st.sampled_from([1.0, -1.0]), min_size=k,
                                                  max_size=k)), index=codes)}


@settings(max_examples=300, deadline=None)
@given(_tables())
def test_impute_intensity_equals_its_definition(case):
    out, learned = impute_intensity(**case)
    expected, used = _reference(**case)
    pd.testing.assert_frame_equal(out, expected, check_exact=True)
    assert {c: fit.values for c, fit in learned.items()} == used


@settings(max_examples=150, deadline=None)
@given(_tables(), st.integers(2, 5), st.booleans(), st.booleans(), st.integers(0, 2**32 - 1))
def test_a_stack_of_replications_fills_each_on_its_own(case, reps, shared, some, seed):
    """Same gaps in every replication (the gathered medians) or not (the padded ones);
    all units' gaps filled, or ``some`` units' only (the others' left NaN)."""
    frame, groups, per = case["frame"], case["groups"], case["per"]
    rng = np.random.default_rng(seed)
    base = frame.to_numpy()
    values = base + rng.integers(-2, 3, size=(reps, *base.shape)) * 0.5  # ties too
    if not shared:
        values[rng.random(values.shape) < 0.2] = np.nan
    dens = None if per is None else per.to_numpy() * rng.choice([1.0, 2.0, -1.0],
                                                                  size=(reps, len(per)))
    fill = rng.random(len(frame)) < 0.5 if some else np.ones(len(frame), dtype=bool)
    cells = cell_keys(groups, case["by"])
    u, c, guesses, counts = fill_cells(values, dens, cells, case["min_group"],
                                       fill if some else None)
    guess = np.full(values.shape, np.nan)
    guess[:, u, c] = guesses
    assert np.isnan(guess[:, ~fill]).all()
    total: dict[str, dict[str, float]] = {}
    for r in range(reps):
        one = pd.DataFrame(values[r], index=frame.index, columns=frame.columns)
        expected, used = _reference(one, by=case["by"], min_group=case["min_group"],
                                    cap_rank=None, directions=case["directions"],
                                    groups=groups,
                                    per=None if dens is None else pd.Series(dens[r],
                                                                            index=frame.index))
        got = np.where(np.isnan(values[r]), guess[r], values[r])
        np.testing.assert_array_equal(got[fill], expected.to_numpy()[fill])
        for code, d in used.items():
            for name, k in d.items():
                total.setdefault(code, {})[name] = total.get(code, {}).get(name, 0.0) + k
    names = [name for name, _ in cells]
    if not some:
        assert {str(c): {names[i]: counts[i, j] for i in range(len(names)) if counts[i, j]}
                for j, c in enumerate(frame.columns)} == {str(c): total.get(str(c), {})
                                                            for c in frame.columns}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(VALUE, min_size=0, max_size=9), min_size=1, max_size=6))
def test_median_count_equals_numpy(rows):
    a = np.full((len(rows), max(len(r) for r in rows)), np.nan)
    for i, r in enumerate(rows):
        a[i, : len(r)] = r
    med, count = median_count(a)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows
        np.testing.assert_array_equal(med, np.nanmedian(a, axis=-1))
    np.testing.assert_array_equal(count, (~np.isnan(a)).sum(axis=1))


def test_cells_are_the_groups_then_all_units():
    groups = pd.DataFrame({"region": ["a", "a", "b", None], "income": ["x", "y", "x", "x"]})
    cells = cell_keys(groups, ("region", "income"))
    assert [name for name, _ in cells] == ["region x income", "region", "income", "*"]
    joint, region, income, everyone = (key for _, key in cells)
    assert joint[3] == -1 and len(set(joint[:3])) == 3
    assert region[0] == region[1] != region[2] and region[3] == -1
    assert income[0] == income[2] == income[3] != income[1]
    assert (everyone == 0).all()
