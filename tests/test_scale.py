"""Scale (issue 14): exact fast orders, slices of bounded size, a sound default design,
ranks within groups and percentiles in builds, intervals and exports."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import airank
from airank import IndexSpec
from airank.analysis.robustness import _draws, _feed, _order, batch
from airank.analysis.robustness import _montecarlo as mc
from airank.analysis.robustness._order import ascending_order
from airank.analysis.robustness._scores import score_quantiles
from airank.analysis.robustness.batch import Plan
from airank.analysis.robustness.designs import default_factors
from airank.analysis.robustness.factors import parse_factors
from airank.analysis.robustness.uncertainty import uncertainty
from airank.export import write_result
from airank.pipeline import renormalise


def skewed(n_units: int = 300, n_ind: int = 8, seed: int = 0, groups: int = 5
           ) -> tuple[IndexSpec, pd.DataFrame]:
    """Lognormal indicators (some higher-is-worse: long left tails), two pillars."""
    rng = np.random.default_rng(seed)
    spec = IndexSpec.from_dict({
        "name": "skewed", "units": {"kind": "custom", "groups": ["state"]},
        "nodes": [{"code": "index"}, {"code": "a", "parent": "index"},
                  {"code": "b", "parent": "index"}],
        "indicators": [{"code": f"i{j}", "parent": "a" if j < n_ind // 2 else "b",
                        "direction": -1 if j % 3 == 0 else 1} for j in range(n_ind)],
        "methodology": {"screen": {"method": "none"},
                        "normalise": {"method": "minmax", "lower": 1, "upper": 100}}})
    values = rng.lognormal(1.0, rng.uniform(0.8, 1.5, n_ind), size=(n_units, n_ind))
    frame = pd.DataFrame(values, columns=[f"i{j}" for j in range(n_ind)])
    frame.insert(0, "unit", [f"U{u:04d}" for u in range(n_units)])
    frame.insert(1, "state", [f"S{u % groups}" for u in range(n_units)])
    return spec, frame


@pytest.fixture(scope="module")
def skewed_edition():
    spec, frame = skewed()
    return airank.Edition.of(spec, airank.read_data(frame, spec))


# -- exact orders ---------------------------------------------------------------------
rows = hnp.arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 70)),
                  elements=st.one_of(st.floats(-1e6, 1e6), st.sampled_from(
                      [0.0, -0.0, 1.0, 1.0 + 2**-40, np.inf, -np.inf, 5e-324])))


@settings(max_examples=300, deadline=None)
@given(rows)
def test_ascending_order_is_exact(x):
    order, tied = ascending_order(x)
    np.testing.assert_array_equal(np.take_along_axis(x, order, axis=1), np.sort(x, axis=1))
    assert (np.sort(order, axis=1) == np.arange(x.shape[1])).all()
    s = np.sort(x, axis=1)
    np.testing.assert_array_equal(tied, (s[:, 1:] == s[:, :-1]).any(axis=1))
    if np.isfinite(x).all():  # told so, the same orders without the check
        o2, t2 = ascending_order(x, finite=True)
        np.testing.assert_array_equal(o2, order)
        np.testing.assert_array_equal(t2, tied)


def test_ascending_order_near_ties_at_scale():
    rng = np.random.default_rng(0)
    x = rng.random((3, 100_000)) * 50 + 10
    x[1, :500] = x[1, 0] * (1 + 1e-14 * np.arange(500))  # agree in every kept bit
    order, tied = ascending_order(x)
    np.testing.assert_array_equal(np.take_along_axis(x, order, axis=1), np.sort(x, axis=1))
    assert not tied.any()


@pytest.mark.parametrize("n", [2, 3, 51])
def test_equal_scores_in_two_rows_are_no_tie(n, monkeypatch):
    """Neighbours are compared flat: a row's highest score equal to the next row's
    lowest (and a pass boundary inside the rows) must not make either row tied."""
    monkeypatch.setattr(_order, "_CACHE_CELLS", 4 * n)  # passes of 4 rows
    rng = np.random.default_rng(n)
    x = np.sort(rng.random((11, n)), axis=1)
    x[1:, 0] = x[:-1, -1]  # each row starts at the score the row above ends with
    x = x[:, rng.permutation(n)] if n > 2 else x[:, ::-1]
    order, tied = ascending_order(x)
    np.testing.assert_array_equal(np.take_along_axis(x, order, axis=1), np.sort(x, axis=1))
    assert not tied.any()
    counts = np.zeros(n * n, dtype=np.int64)
    assert not _order.count_ascending(x, counts).any() and counts.sum() == x.size


@pytest.mark.parametrize("dtype", [np.intp, np.int32])
def test_runs_of_near_ties_are_mended_in_place(dtype):
    """Neighbouring runs of keys that agree in every kept bit, shuffled, both signs,
    with and without exact ties: each run is sorted by its scores, ties reported."""
    rng = np.random.default_rng(5)
    n = 70_000
    x = rng.random((6, n)) * 200 - 100
    for r in range(6):
        for start in rng.choice(n - 40, 30, replace=False):
            base = x[r, start]
            x[r, start:start + 8] = base * (1 + 1e-15 * rng.permutation(8))  # one run
            x[r, start + 8:start + 12] = base * (1 + 1e-13 + 1e-15 * rng.permutation(4))
        x[r] = x[r, rng.permutation(n)]
    x[2, 10] = x[2, 20]  # an exact tie (and -0.0 against 0.0 in another row)
    x[4, 3], x[4, 9] = 0.0, -0.0
    order, tied = ascending_order(x, dtype)
    assert order.dtype == dtype
    np.testing.assert_array_equal(np.take_along_axis(x, order, axis=1), np.sort(x, axis=1))
    s = np.sort(x, axis=1)
    np.testing.assert_array_equal(tied, (s[:, 1:] == s[:, :-1]).any(axis=1))
    assert tied[2] and tied[4] and not tied[0]


# -- the engine in slices -------------------------------------------------------------
def test_slices_of_any_size_give_the_same_bytes(skewed_edition, monkeypatch):
    fs = default_factors(skewed_edition.spec)
    whole = uncertainty(skewed_edition, fs, n=700, seed=4, by="state").to_frame()
    monkeypatch.setattr(batch, "CHUNK_CELLS", 300 * 7)  # 7 replications a slice
    sliced = uncertainty(skewed_edition, fs, n=700, seed=4, by="state").to_frame()
    pd.testing.assert_frame_equal(whole, sliced)


@pytest.mark.parametrize("name", ["asem", "skewed"])
def test_effective_weights_shared_across_options_give_the_same_scores(name, skewed_edition,
                                                                      monkeypatch):
    """A block's effective weights, found once and shared by every variant and
    aggregation option (Bound.shared_form), give the scores of finding them option by
    option -- to the byte -- and the shared path is the one taken."""
    from airank.analysis.robustness.uncertainty import draw
    from airank.kernel import Bound

    if name == "asem":
        spec, data = airank.datasets.asem()
        ed = airank.Edition.of(spec, data)
    else:
        ed = skewed_edition
    plan = Plan(ed, default_factors(ed.spec))
    d = draw(plan, 5, 0, 3000)
    used: list[int] = []
    real = Bound.from_effective

    def spy(self, E, red):
        used.append(len(E))
        return real(self, E, red)

    monkeypatch.setattr(Bound, "from_effective", spy)
    shared, fails = plan.scorer.evaluate(d)
    assert sum(used) == 3000 and not fails
    monkeypatch.setattr(Bound, "shared_form", lambda self, W, const: None)
    each, _ = plan.scorer.evaluate(d)
    np.testing.assert_array_equal(shared, each)
    assert sum(used) == 3000  # the second time, option by option


@pytest.mark.parametrize("doc", [
    None,  # the default design
    [{"name": "w2", "type": "weights", "level": 2, "noise": 0.0},  # touched, yet constant
     {"name": "w1", "type": "weights", "level": 1, "noise": 0.0}],
    [{"name": "drop", "type": "exclude", "codes": ["LPI", "Ship"]},
     {"name": "cw", "type": "choice", "path": "Conn.weight", "options": [1.0, 2.0]},
     {"name": "w3", "type": "weights", "level": 3, "distribution": "dirichlet",
      "concentration": 50}],
])
def test_columns_no_factor_sets_are_known_constant_and_the_rest_checked_in_full(doc):
    """Draws carry the nodes no factor sets (Scorer.fixed_columns); the columns found
    constant with that knowledge are those the full check finds, a column a factor
    touches but leaves unchanged (zero noise) included, and the scores are the same
    bytes as when nothing is known."""
    from airank.analysis.robustness.sensitivity import design_draws
    from airank.analysis.robustness.uncertainty import draw

    spec, data = airank.datasets.asem()
    ed = airank.Edition.of(spec, data)
    if doc is None:
        fs = default_factors(spec)
    else:
        fs = parse_factors(doc, spec)
    plan = Plan(ed, fs)
    fixed = plan.fixed_columns()
    assert not fixed.flags.writeable and fixed.any() and not fixed.all()
    rng = np.random.default_rng(0)
    for d in (draw(plan, 3, 0, 700),
              design_draws(plan, rng.random((300, len(fs))), n_alternatives=16, seed=1)):
        W = d.weights
        assert d.fixed is fixed and (W[:, fixed] == W[:1, fixed]).all()
        full = (W == W[:1]).all(axis=0)
        np.testing.assert_array_equal(_draws.constant_columns(W, d.fixed), full)
        if doc is not None and doc[0]["name"] == "w2":
            assert full[~fixed].any()  # zero noise: touched, found constant by the check
        known, _ = plan.evaluate(d)
        unknown, _ = plan.evaluate(batch.Draws(d.options, W))
        np.testing.assert_array_equal(known, unknown)
    assert (_draws.constant_columns(W, None) == full).all()


def test_counting_thread_gives_the_same_bytes_and_raises_its_errors(skewed_edition,
                                                                     monkeypatch):
    """A local run counts ranks on a second thread, several passes in flight; the same
    run counted inline (as on a Dask worker) gives the same bytes, and an error raised
    while counting reaches the caller once every pass has finished."""
    from concurrent.futures import ThreadPoolExecutor

    from airank.analysis.robustness import uncertainty as unc
    from airank.analysis.robustness._rankstats import RankStats
    from airank.errors import DataError

    feed_cells = _feed.FEED_CELLS
    monkeypatch.setattr(unc, "THREAD_CELLS", 0)  # small runs too count on the thread
    monkeypatch.setattr(_feed, "FEED_CELLS", 300 * 5)  # many small passes
    fs = default_factors(skewed_edition.spec)
    threaded = uncertainty(skewed_edition, fs, n=900, seed=6, by="state")
    monkeypatch.setattr(unc, "THREAD_CELLS", 2**62)  # inline: no thread from here
    monkeypatch.setattr(unc, "ThreadPoolExecutor", None)  # any use would fail
    plain = uncertainty(skewed_edition, fs, n=900, seed=6, by="state")
    pd.testing.assert_frame_equal(threaded.to_frame(), plain.to_frame())
    assert threaded.mean_abs_shift == plain.mean_abs_shift

    calls: list[int] = []

    def fails_on(call):
        def add_orders(self, order, **kw):
            calls.append(len(order))
            if len(calls) == call:
                raise DataError([], "planted")
            return 0.0
        return add_orders

    monkeypatch.setattr(RankStats, "add_orders", fails_on(3))
    job = unc._job(Plan(skewed_edition, fs), 6, 900, None, 1 << 30)
    stats, gstats = job.new_stats()
    with ThreadPoolExecutor(max_workers=1) as pool, pytest.raises(DataError, match="planted"):
        mc.run_task(job, 0, job.tasks()[0], stats=stats, gstats=gstats, executor=pool)
    assert len(calls) > 3  # the passes after the failing one were still counted

    # through a whole local run: tasks of one block and one pass each, a task's pass
    # counted while the next task scores; the first task's failure is raised when it
    # is folded in, after the second task has run, and nothing is left counting
    monkeypatch.setattr(unc, "THREAD_CELLS", 0)
    monkeypatch.setattr(unc, "ThreadPoolExecutor", ThreadPoolExecutor)
    monkeypatch.setattr(_feed, "FEED_CELLS", feed_cells)
    calls.clear()
    monkeypatch.setattr(RankStats, "add_orders", fails_on(1))
    with pytest.raises(DataError, match="planted"):
        uncertainty(skewed_edition, fs, n=3 * mc.BLOCK, seed=6)
    assert len(calls) == 2  # the second task's pass counted, the third never scored


def test_small_runs_count_inline(skewed_edition, monkeypatch):
    """Below THREAD_CELLS ranks a local run starts no thread (an interval request on a
    busy server); above it, one."""
    from airank.analysis.robustness import uncertainty as unc

    made = []
    real = unc.ThreadPoolExecutor

    def counting(*a, **kw):
        made.append(1)
        return real(*a, **kw)

    monkeypatch.setattr(unc, "ThreadPoolExecutor", counting)
    fs = default_factors(skewed_edition.spec)
    small = uncertainty(skewed_edition, fs, n=300, seed=2)
    assert not made
    monkeypatch.setattr(unc, "THREAD_CELLS", 300 * 300)
    big = uncertainty(skewed_edition, fs, n=300, seed=2)
    assert made == [1]
    pd.testing.assert_frame_equal(small.to_frame(), big.to_frame())


def test_renormalised_variants_equal_full_builds(skewed_edition):
    plan = Plan(skewed_edition, default_factors(skewed_edition.spec))
    for combo in plan.scorer.pre_combos():
        spec = skewed_edition.spec.with_changes(plan.scorer.changes(plan.scorer.pre, combo))
        full = skewed_edition.build(spec=spec).stages["normalised"].to_numpy()
        np.testing.assert_array_equal(renormalise(skewed_edition.baseline, spec).to_numpy(),
                                      full)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 300), st.integers(1, 30), st.booleans(), st.floats(0, 0.3),
       st.integers(1, 7), st.integers(0, 2**32 - 1))
def test_score_quantiles_equal_numpy_on_any_sample(R, U, coarse, holes, per, seed):
    """Float32 partition, numpy's interpolation: equal to ``np.quantile`` on float64,
    ties (a coarse grid), failed rows and units without a score in some rows included,
    in slices of any width."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(R, U)) * 10
    if coarse:
        x = np.round(x)
    sample = x.astype(np.float32)
    sample[rng.random((R, U)) < holes * 0.2] = np.nan
    sample[rng.random(R) < holes] = np.nan  # failed replications
    q05, q95 = score_quantiles(sample, units_per_pass=per)
    ok = sample[~np.isnan(sample).all(axis=1)].astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        want = np.nanquantile(ok, [0.05, 0.95], axis=0) if len(ok) else np.full((2, U), np.nan)
    np.testing.assert_array_equal(q05, want[0])
    np.testing.assert_array_equal(q95, want[1])
    if not np.isnan(sample).any():  # told it is complete: the same, unchecked
        c05, c95 = score_quantiles(sample, units_per_pass=per, complete=True)
        np.testing.assert_array_equal(c05, want[0])
        np.testing.assert_array_equal(c95, want[1])


def test_score_quantiles_equal_numpy():
    rng = np.random.default_rng(1)
    sample = rng.normal(size=(200, 30)).astype(np.float32)
    sample[5] = np.nan  # a failed replication
    sample[7:9, 3] = np.nan  # a unit without a score in two replications
    q05, q95 = score_quantiles(sample)
    ok = sample[~np.isnan(sample).all(axis=1)].astype(float)
    np.testing.assert_array_equal(q05, np.nanquantile(ok, 0.05, axis=0))
    np.testing.assert_array_equal(q95, np.nanquantile(ok, 0.95, axis=0))


def test_tasks_depend_on_n_alone():
    job = mc.Job(None, None, 1, 300 * mc.BLOCK, np.zeros(3))  # type: ignore[arg-type]
    tasks = job.tasks()
    assert len(tasks) <= mc.MAX_TASKS and tasks[0].start == 0
    assert sum(len(t) for t in tasks) == 300
    assert all(a.stop == b.start for a, b in itertools.pairwise(tasks))


# -- the default design ---------------------------------------------------------------
def test_default_design_never_fails_on_skewed_data(skewed_edition):
    plain = [dict(f) for f in ({"name": "norm", "type": "choice", "path":
                                "methodology.normalise",
                                "options": [{"method": "zscore", "mean": 10, "sd": 2}]},
                               {"name": "agg", "type": "choice", "path": "methodology.aggregate",
                                "options": [{"method": "geometric"}]})]
    bare = uncertainty(skewed_edition, parse_factors(plain, skewed_edition.spec), n=50, seed=1)
    assert bare.n_failed == 50  # COINr's z-score (10, 2) meets values <= 0 here
    res = uncertainty(skewed_edition, n=3000, seed=1)
    assert res.n_failed == 0 and res.first_error is None


def test_default_design_no_failures_on_asem_and_ogai(asem):
    spec, data = asem
    assert uncertainty(airank.Edition.of(spec, data), n=2000, seed=3).n_failed == 0
    assert uncertainty(airank.Edition.ogai(), n=2000, seed=3).n_failed == 0


def test_zscore_floor_only_clips(asem):
    spec, data = asem
    z = {"methodology.normalise.method": "zscore", "methodology.normalise.mean": 10,
         "methodology.normalise.sd": 2}
    plain = airank.build(spec.with_changes(z), data)
    floored = airank.build(spec.with_changes({**z, "methodology.normalise.floor": 1}), data)
    assert plain.stages["normalised"].min().min() > 1  # nothing to clip on ASEM
    pd.testing.assert_frame_equal(plain.scores, floored.scores)
    x = np.array([-3.0, 0.0, 2.0, np.nan])
    from airank.methods import ZScoreParams
    from airank.normalise import normalise_column

    y, _ = normalise_column(x, "zscore", ZScoreParams(mean=10, sd=2, floor=9.0))
    expected = np.maximum((x - np.nanmean(x)) / np.nanstd(x, ddof=1) * 2 + 10, 9.0)
    np.testing.assert_allclose(y, expected)
    assert np.isnan(y[3])


# -- ranks within groups and percentiles ----------------------------------------------
def _tiny() -> airank.Result:
    spec = IndexSpec.from_dict({
        "name": "t", "units": {"kind": "custom", "groups": ["state"]},
        "nodes": [{"code": "index"}], "indicators": [{"code": "x", "parent": "index"}],
        "methodology": {"screen": {"method": "none"}, "normalise": {"method": "none"}}})
    frame = pd.DataFrame({"unit": list("ABCDEF"), "state": ["n", "n", "n", "s", "s", None],
                          "x": [5.0, 3.0, 5.0, 1.0, 2.0, 4.0]})
    return airank.build(spec, airank.read_data(frame, spec))


def test_group_ranks_and_svi_percentiles_by_hand():
    r = _tiny()
    g = r.group_ranks("state")["index"]
    assert g.drop("F").to_dict() == {"A": 1, "B": 3, "C": 1, "D": 2, "E": 1}
    assert pd.isna(g["F"])  # no group
    # SVI: (ascending rank - 1) / (N - 1), ties share the lowest: A, C tie at the top
    p = r.percentiles()["index"]
    np.testing.assert_allclose(p.loc[list("ABCDEF")], [4 / 5, 2 / 5, 4 / 5, 0, 1 / 5, 3 / 5])
    pg = r.percentiles("state")["index"]
    np.testing.assert_allclose(pg.loc[list("ABCDE")], [1 / 2, 0, 1 / 2, 0, 1])
    assert np.isnan(pg["F"])
    t = r.group_ranking("state")
    assert list(t.columns[:8]) == ["rank", "unit", "name", "score", "percentile", "state",
                                   "rank_state", "percentile_state"]
    with pytest.raises(airank.DataError, match="'region' is not a unit-group column"):
        r.group_ranks("region")


def test_group_ranks_from_orders_equal_ranking_within_groups():
    rng = np.random.default_rng(2)
    groups = rng.integers(-1, 6, 40)
    job = mc.Job(None, None, 1, 10, np.zeros(40), groups)  # type: ignore[arg-type]
    S = rng.normal(size=(25, 40))
    order, tied = ascending_order(S)
    assert not tied.any()
    np.testing.assert_array_equal(mc._group_ranks(job, order), mc._group_ranks_slow(job, S))


def test_interval_within_groups(skewed_edition):
    fs = parse_factors([{"name": "w", "type": "weights", "level": 2, "noise": 0.0}],
                       skewed_edition.spec)
    t = uncertainty(skewed_edition, fs, n=300, seed=1, by="state").summary
    nominal = skewed_edition.baseline.group_ranks("state")["index"]
    assert (t["group_q05"] == t["group_nominal"]).all()
    assert (t["group_q95"].astype(int) == nominal.loc[t.index].astype(int)).all()
    n_g = t.groupby("group")["group_nominal"].transform("count")
    np.testing.assert_allclose(t["group_pct_q05"], (n_g - t["group_q95"]) / (n_g - 1))
    np.testing.assert_allclose(t["pct_q95"], (len(t) - t["q05"]) / (len(t) - 1))
    t = uncertainty(skewed_edition, n=2000, seed=1, by="state").summary
    assert (t["group_q05"] <= t["group_median"]).all()
    assert (t["group_median"] <= t["group_q95"]).all()
    assert (t["group_q95"] <= n_g.max()).all() and (t["q05"] <= t["q95"]).all()


def test_exports_carry_percentiles_and_group_ranks(tmp_path, skewed_edition):
    write_result(skewed_edition.baseline, tmp_path / "o", formats=("csv",))
    t = pd.read_csv(tmp_path / "o" / "ranking.csv")
    assert {"percentile", "state", "rank_state", "percentile_state"} <= set(t.columns)
    expected = skewed_edition.baseline.group_ranks("state")["index"]
    assert (t.set_index("unit")["rank_state"] == expected.loc[t["unit"]].to_numpy()).all()


def test_designs_of_more_option_combinations_than_int64_holds_run():
    """Ten factors of 100 options each: 1e20 combinations, past int64, so the rows are
    grouped by their distinct option rows instead of a mixed-radix number (which
    wrapped to negative codes, a ValueError); each replication still scores as its
    rebuild through the pipeline."""
    spec, data = airank.datasets.asem()
    fs = parse_factors([{"name": f"cov{j}", "type": "choice",
                         "path": "methodology.screen.min_coverage", "range": [0.5, 0.9],
                         "steps": 100} for j in range(10)], spec)
    res = uncertainty(airank.Edition.of(spec, data), fs, n=3, seed=4)
    assert res.n_failed == 0
    for rep in range(3):
        batch_scores = res.replication_scores(rep)
        rebuilt = res.rebuild(rep)
        np.testing.assert_allclose(rebuilt.index.loc[batch_scores.index], batch_scores,
                                   rtol=1e-10)


@settings(max_examples=60, deadline=None)
@given(radix=st.lists(st.integers(1, 6), min_size=1, max_size=4),
       rows=st.integers(0, 300), seed=st.integers(0, 2**32 - 1))
def test_option_combinations_group_alike_by_number_or_by_distinct_rows(radix, rows, seed):
    """The two ways of numbering option combinations group the same rows, in the same
    (lexicographic) order."""
    rng = np.random.default_rng(seed)
    keys = np.stack([rng.integers(r, size=rows) for r in radix], axis=1).astype(np.int64)
    code, groups = batch._combination_codes(keys, radix)
    distinct, inverse = np.unique(keys, axis=0, return_inverse=True)
    huge = [10**6] * len(radix)  # the same keys, read as of many options: distinct rows
    code2, groups2 = batch._combination_codes(keys, huge)
    np.testing.assert_array_equal(code2, inverse.reshape(-1))
    assert list(groups2) == list(range(distinct.shape[0]))
    assert [list(np.flatnonzero(code == c)) for c in groups] == \
        [list(np.flatnonzero(code2 == c)) for c in groups2]
