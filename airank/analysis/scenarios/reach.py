"""What would it take: the smallest change in a unit's indicators that reaches a target.

The target is a rank (``rank=k``: rank k or better) or another unit to overtake. The
question is solved on the values as the pipeline transforms them, then every answer is
verified by rebuilding the index through the normal pipeline.

Method
------
1. **Curves.** For each indicator the unit has a value for, a grid of raw values runs
   from today's value to its plausibility bound (default: the best value observed in
   the edition by a ranked unit, in the indicator's direction; denominated indicators
   move through their numerator, the denominator held). Each grid point is mapped by
   the pipeline's own steps -- denominate, the treatment (winsorisation bounds, log shift) and the
   normalisation, with the edition's learned parameters -- to the unit's normalised
   score, so treatment is respected exactly at the grid points.
2. **Score model.** The unit's index score as a function of its normalised scores is
   evaluated on the spec's tree with the spec's aggregation. With arithmetic means at
   every level it is linear (slope = the unit's effective weight). With geometric means
   at every level, the log of the score is linear in the log scores (slope = effective
   weight), so the programme runs on log scores, exactly. Mixed trees are linearised at
   the current point and re-linearised at each proposal (sequential linear programming);
   ``to_index`` is then in log points for geometric trees.
3. **Programme.** The cost of each indicator's move is piecewise linear along its
   curve (``relative``: |change| / |today's value| summed over indicators, the default;
   ``squared``: the sum of squared changes of normalised scores, in hundredths). Both
   costs are convex along the curves, so the linear programme over curve segments
   (``scipy.optimize.linprog``, HiGHS) fills the cheapest segments first and is exact
   at the grid. It minimises the cost subject to ``model score >= bar + margin``, where
   the bar is the score of the unit now at rank k (or of the unit to overtake).
4. **Verification.** The proposed raw values are written into the data and the index is
   rebuilt. If the target is missed (other units' imputed values, refitted goalposts or
   the linearisation moved the bar), the shortfall is added to the requirement and the
   programme is solved again, up to ``max_iter`` times.

A value of 0 today has no relative change: its cost is scaled by 1% of the distance to
its bound and its share of today's value is reported as missing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd

from ...aggregate import aggregator
from ...edition import Edition
from ...errors import Issue, ScenarioError
from ...kernel import Kernel
from ...normalise import NORMALISERS
from ...results import Result
from ._reach_curves import Curve, Objective, curves_of, solve
from .panel import with_values
from .shocks import Scenario, Shock

__all__ = ["MAX_ITER", "ReachResult", "reach"]

MAX_ITER = 8  # rebuild-and-repair rounds, each a build (what the cost model counts)


@dataclass(frozen=True, eq=False)
class ReachResult:
    """The answer to 'what would it take for ``unit`` to reach ``target``'.

    ``plan`` lists the indicators to move (``code, name, measure, raw_now, raw_needed,
    change, change_share, bound, score_now, score_needed, to_index``), largest effect
    first; ``rank_reached``/``score_reached`` come from the verifying rebuild (``result``).
    When not reachable, ``plan`` holds every movable indicator at its bound and
    ``rank_reached`` is the best rank the bounds allow.
    """

    unit: str
    target: str
    reachable: bool
    verified: bool
    plan: pd.DataFrame
    rank_now: int
    score_now: float
    rank_reached: int
    score_reached: float
    bar: float
    objective: str
    iterations: int
    result: Result | None
    message: str

    @property
    def scenario(self) -> Scenario:
        """The proposal as a scenario of ``set`` shocks (replay it with run_scenario)."""
        shocks = tuple(Shock((self.unit,), (str(r.code),), "set", float(cast(float, r.raw_needed)))
                       for r in self.plan.itertuples())
        return Scenario(f"reach-{self.unit}", shocks, title=f"{self.unit}: {self.target}")


def _check(ed: Edition, unit: str, rank: int | None, overtake: str | None
           ) -> tuple[str, str | None]:
    res = ed.baseline
    unit = ed.check_unit(unit)
    n = len(res.units)
    issues = []
    if (rank is None) == (overtake is None):
        issues.append(Issue(("target",), "bad_target", "Give exactly one target: a rank "
                            "(rank=k) or a unit to overtake (overtake=V)."))
    if rank is not None and not 1 <= rank <= n:
        issues.append(Issue(("rank",), "bad_rank", f"The target rank must be in 1..{n}. "
                            f"Got {rank}.", rank))
    ScenarioError.collect(issues)
    if overtake is not None:
        v = ed.check_unit(overtake, "overtake")
        if v == unit:
            raise ScenarioError([Issue(("overtake",), "self_target", f"'{unit}' cannot "
                                       "overtake itself.", overtake)])
        return unit, v
    return unit, None


def _bar(res: Result, unit: str, rank: int | None, overtake: str | None) -> float:
    scores = res.index.drop(unit).dropna().sort_values(ascending=False)
    if overtake is not None:
        return float(scores[overtake])
    assert rank is not None
    return float(scores.iloc[rank - 1]) if rank <= len(scores) else -np.inf


def _met(res: Result, unit: str, rank: int | None, overtake: str | None) -> bool:
    s = res.index
    if overtake is not None:
        return bool(s[unit] > s[overtake])
    assert rank is not None
    return _rank(res, unit) <= rank


def _rank(res: Result, unit: str) -> int:
    """``unit``'s index rank (Int64; a ranked unit always has one)."""
    return int(cast(int, res.ranks.at[unit, res.spec.index_code]))


def reach(edition: Edition | None, unit: str, *, rank: int | None = None,
          overtake: str | None = None, indicators: Sequence[str] | None = None,
          bounds: Mapping[str, tuple[float | None, float | None]] | None = None,
          max_change: float | None = None, objective: Objective = "relative",
          margin: float | None = None, max_iter: int = MAX_ITER) -> ReachResult:
    """The smallest change in ``unit``'s indicators that reaches rank ``rank`` or better,
    or overtakes ``overtake``.

    Parameters
    ----------
    edition : Edition, optional
        Default the latest OGAI edition, scale view.
    unit : str
    rank, overtake
        Exactly one target.
    indicators : sequence of str, optional
        Only these may move (default: every indicator the unit has a value for).
    bounds : mapping, optional
        ``{code: (low, high)}`` in raw units, replacing the default bound (the best
        value observed in the edition) on the side the indicator improves.
    max_change : float, optional
        Cap on each change as a share of today's value (0.5 = at most +-50%).
    objective : {'relative', 'squared'}
        Sum of relative raw changes, or sum of squared normalised changes.
    margin : float, optional
        Points by which the bar must be cleared (default 0.1% of the score range).
    max_iter : int
        Rebuild-and-repair rounds.

    Returns
    -------
    ReachResult
        Verified by a rebuild through the normal pipeline, or 'not reachable'.

    Raises
    ------
    ScenarioError
        Unknown unit or indicator, a bad target, or a method the solver cannot model.
    """
    ed = edition or Edition.ogai()
    unit, overtake = _check(ed, unit, rank, overtake)
    res = ed.baseline
    spec = res.spec
    target = f"rank {rank} or better" if rank is not None else f"overtake {overtake}"
    _check_methods(ed, indicators)
    rank_now, score_now = _rank(res, unit), float(res.index[unit])
    bar = _bar(res, unit, rank, overtake)
    if _met(res, unit, rank, overtake):
        empty = _plan(res, unit, [], {}, np.empty(0), [], None)
        return ReachResult(unit, target, True, True, empty, rank_now, score_now, rank_now,
                           score_now, bar, objective, 0, res, "already met: no change needed")
    raw = res.stages["raw"].loc[unit]
    codes = [c for c in (indicators or spec.indicator_codes) if pd.notna(raw[c])]
    # all-geometric trees are linear in log scores: solve in logs (the module notes)
    log = all(spec.aggregation(spec.levels[g]).method == "geometric" for g in spec.group_codes)
    curves, limit = curves_of(ed, res, unit, codes, bounds or {}, objective, max_change, log)
    y0 = res.stages["normalised"].loc[unit].to_dict()
    span = float(res.index.max() - res.index.min())
    margin = 1e-3 * span if margin is None else margin
    goal = bar + margin
    y_t = {c: float(y0[c]) for c in spec.indicator_codes}
    dy = np.zeros(len(curves))
    new_raw = np.array([cv.raw[0] for cv in curves])
    for it in range(1, max_iter + 1):
        f_t, grad = _linearise(res, y_t, curves, log)
        need = (np.log(goal) if log else goal) - f_t + float(grad @ dy)
        sol = solve(curves, grad, need)
        if sol is None:
            return _unreachable(ed, res, unit, target, curves, limit, rank_now, score_now,
                                bar, objective, it, rank, overtake)
        dy, new_raw = sol
        y_t = {**y_t, **{cv.code: cv.natural(cv.y[0] + dy[i]) for i, cv in enumerate(curves)}}
        built = _rebuild(ed, unit, curves, new_raw)
        if _met(built, unit, rank, overtake):
            plan = _plan(res, unit, curves, limit, new_raw, list(grad * dy), built)
            return ReachResult(unit, target, True, True, plan, rank_now, score_now,
                               _rank(built, unit), float(built.index[unit]), bar,
                               objective, it, built, "reached and verified by a rebuild")
        short = _bar(built, unit, rank, overtake) + margin - float(built.index[unit])
        goal += max(short, margin)
    plan = _plan(res, unit, curves, limit, new_raw, list(grad * dy), built)
    return ReachResult(unit, target, True, False, plan, rank_now, score_now,
                       _rank(built, unit), float(built.index[unit]), bar,
                       objective, max_iter, built, f"not verified after {max_iter} rounds: "
                       "the last proposal misses the target")


def _check_methods(ed: Edition, indicators: Sequence[str] | None) -> None:
    spec = ed.spec
    issues = [Issue(("indicators",), "unknown_indicator", f"Unknown indicator '{c}'. "
                    f"Expected one of {list(spec.indicator_codes)}.", c)
              for c in indicators or () if c not in spec.indicator_codes]
    pointwise = sorted(k for k, v in NORMALISERS.items() if v.pointwise)
    for c in spec.indicator_codes:
        m = spec.method("normalise", c).method
        if not NORMALISERS[m].pointwise:
            issues.append(Issue(("indicators", c, "normalise"), "not_pointwise",
                                f"'{c}' is normalised by '{m}', which scores a value against "
                                "all others; reach needs a method that scores each value "
                                f"alone ({pointwise}).", m))
    bad = sorted({spec.aggregation(spec.levels[g]).method for g in spec.group_codes
                  if not aggregator(spec.aggregation(spec.levels[g]).method).batched})
    if bad:
        issues.append(Issue(("methodology", "aggregate"), "not_pointwise", f"The aggregation "
                            f"method(s) {bad} are not means of each unit's own scores (e.g. "
                            "Copeland compares units); reach cannot model them.", bad[0]))
    ScenarioError.collect(issues)


def _linearise(res: Result, y: dict[str, float], curves: list[Curve], log: bool
               ) -> tuple[float, np.ndarray]:
    """The unit's index score at ``y`` (normalised scores) and its slope along each curve's
    ``y`` axis; both in logs when ``log``. One kernel call scores the point and every
    finite-difference step at once (one row each)."""
    spec = res.spec
    codes = list(spec.indicator_codes)
    norm = res.stages["normalised"].to_numpy(dtype=float)
    kernel = Kernel.compile(spec)
    row = np.array([y[c] for c in codes], dtype=float)
    X = np.tile(row, (len(curves) + 1, 1))
    steps = np.empty(len(curves))
    for i, cv in enumerate(curves):
        h = 1e-6 * max(1.0, abs(cv.y[-1] - cv.y[0]))
        u = (np.log(y[cv.code]) if log else y[cv.code]) + h
        X[i + 1, codes.index(cv.code)] = cv.natural(u)
        steps[i] = h
    scores = kernel.evaluate(X, dead=kernel.dead(norm)).index[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        phi = np.log(scores) if log else scores
    return float(phi[0]), np.maximum((phi[1:] - phi[0]) / steps, 0.0)


def _rebuild(ed: Edition, unit: str, curves: list[Curve], raw: np.ndarray) -> Result:
    """Rebuild the edition with ``unit``'s proposed raw values (the verification)."""
    codes = [cv.code for cv in curves]
    vals, yrs = ed.data.wide(codes, year=ed.year, lookback=ed.spec.data.lookback)
    vals, yrs = vals.loc[[unit]].copy(), yrs.loc[[unit]]
    vals.loc[unit, codes] = raw
    return ed.build(with_values(ed.data, vals, yrs, ed.year, label=f"reach {unit}"))


def _unreachable(ed: Edition, res: Result, unit: str, target: str, curves: list[Curve],
                 limit: dict[str, float], rank_now: int, score_now: float, bar: float,
                 objective: str, it: int, rank: int | None, overtake: str | None
                 ) -> ReachResult:
    raw = np.array([cv.raw[-1] for cv in curves])
    built = _rebuild(ed, unit, curves, raw) if curves else res
    dy = np.array([cv.y[-1] - cv.y[0] for cv in curves])
    y0 = cast(dict[str, float], res.stages["normalised"].loc[unit].to_dict())
    _, grad = _linearise(res, y0, curves, any(cv.log for cv in curves))
    best = _rank(built, unit)
    return ReachResult(unit, target, False, True, _plan(res, unit, curves, limit, raw,
                                                        list(grad * dy), built),
                       rank_now, score_now, best, float(built.index[unit]), bar, objective,
                       it, built, f"not reachable within the bounds: with every indicator at "
                       f"its bound the best rank is {best}")


def _plan(res: Result, unit: str, curves: list[Curve], limit: Mapping[str, float],
          raw: np.ndarray, gain: list[float], built: Result | None) -> pd.DataFrame:
    cols = ["code", "name", "measure", "raw_now", "raw_needed", "change", "change_share",
            "bound", "score_now", "score_needed", "to_index"]
    rows = []
    for i, cv in enumerate(curves):
        x0, x1 = float(cv.raw[0]), float(raw[i])
        if x1 == x0:
            continue
        ind = res.spec.indicator(cv.code)
        after = (float(cast(float, built.stages["normalised"].at[unit, cv.code]))
                 if built is not None else np.nan)
        rows.append([cv.code, ind.name or cv.code, ind.unit, x0, x1, x1 - x0,
                     (x1 - x0) / abs(x0) if x0 != 0 else np.nan, limit[cv.code],
                     cv.natural(cv.y[0]), after, gain[i]])
    t = pd.DataFrame(rows, columns=cols)
    return t.reindex(t["to_index"].abs().sort_values(ascending=False).index
                     ).reset_index(drop=True)
