"""The projection's bootstrap as array work: all replications refitted and scored at once.

Refit: every replication's resampled series are refitted by Theil-Sen together
(:class:`Slopes`: the replications share their series' gaps, so each series' pairs of
present points are planned once and gathered by flat index, the series with as many
pairs sorted together); medians of rows with gaps by :func:`nanmedian` (one sort per
row instead of numpy's masked-array path; equal to ``np.nanmedian`` to the bit).

Scores: the replications' raw values are stacked (replication x unit rows) and pass the
pipeline's own steps once -- the registered denominator, imputer, treatment, normaliser
and the scoring kernel, with the edition's fixed parameters -- instead of a full build
per replication. That is the same as building each replication on its own when every
step works unit by unit, or within groups the stacking keeps apart; :func:`stackable`
checks it: imputation ``none``, a group ``mean``/``median`` (each replication's groups
on their own; over all units = within the replication) or ``intensity`` (its cells
within each replication: :func:`~airank.impute_intensity.fill_cells`); treatment and
normalisation replayed from the edition's fixed parameters value by value (a pointwise
normaliser with its learned goalposts); the units kept by the screen taken from the
central projection (every replication has the same cells present, checked, so the same
coverage).
Otherwise -- or when a check fails -- :func:`~airank.analysis.scenarios.projection.project`
builds replication by replication. ``tests/test_scale_interactive.py`` checks both
paths agree to 1e-9 (on the OGAI they agree to the bit).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...denominate import DENOMINATORS
from ...edition import Edition
from ...impute_intensity import Cells, cell_keys, fill_cells, median_count
from ...kernel import Kernel
from ...normalise import NORMALISERS, normalise_column
from ...results import Result
from ...spec import IndexSpec, StepConfig
from ...treat import TREATERS
from .shocks import Scenario, _shocked

__all__ = ["Slopes", "nanmedian", "scores", "stackable", "theil_sen", "theil_sen_slope"]


def nanmedian(a: np.ndarray) -> np.ndarray:
    """Median over the last axis ignoring NaN (NaN where a row has no value), equal to
    ``np.nanmedian`` to the bit (:func:`airank.impute_intensity.median_count`: one sort
    of every row, without numpy's masked-array path, ten times slower)."""
    return median_count(a)[0]


def theil_sen(z: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Slope (:func:`theil_sen_slope`) and intercept (the median of ``z - slope * t``
    over each row's present points) of every row of ``z`` (..., T; NaN = missing)."""
    b = theil_sen_slope(z, t)
    with np.errstate(invalid="ignore"):
        a = nanmedian(np.asarray(z, dtype=float) - b[..., None] * t)
    return b, a


class Slopes:
    """Theil-Sen slopes (:func:`theil_sen_slope`) of stacks of rows (..., rows, T) whose
    present points follow one ``pattern`` (rows x T), as a bootstrap's replications do:
    each row's pairs of present points planned once, rows with as many pairs together
    (their flat positions, row x T + point, of each pair's later and earlier point and
    the time spans), and the slopes' buffers reused from one stack to the next of the
    same shape. A stack with other gaps takes all pairs of every row."""

    def __init__(self, pattern: np.ndarray, t: np.ndarray) -> None:
        self.pattern, self.t = pattern, t
        T = pattern.shape[1]
        i, j = np.triu_indices(T, k=1)
        ok = pattern[:, i] & pattern[:, j]  # (rows, pairs): the present pairs of each row
        count = ok.sum(axis=1)
        self.groups = []
        for k in np.unique(count[count > 0]):
            rows = np.flatnonzero(count == k)
            sel = ok[rows]
            pi = np.broadcast_to(i, sel.shape)[sel].reshape(rows.size, k)
            pj = np.broadcast_to(j, sel.shape)[sel].reshape(rows.size, k)
            off = rows[:, None] * T
            self.groups.append((int(k), rows, off + pj, off + pi, t[pj] - t[pi]))
        self._buffers: dict[tuple[int, ...], list[tuple[np.ndarray, np.ndarray]]] = {}

    def __call__(self, z: np.ndarray) -> np.ndarray:
        z = np.asarray(z, dtype=float)
        S, T = self.pattern.shape
        if z.ndim < 2 or z.shape[-2:] != (S, T) or not (np.isnan(z) != self.pattern).all():
            return _slope_all_pairs(z, self.t)
        lead = z.shape[:-2]
        if lead not in self._buffers:  # fresh memory costs its page faults every time
            self._buffers[lead] = [(np.empty((*lead, rows.size, k)),
                                    np.empty((*lead, rows.size, k)))
                                   for k, rows, *_ in self.groups]
        flat = z.reshape(*lead, S * T)
        b = np.full(z.shape[:-1], np.nan)
        for (k, rows, at_j, at_i, span), (slopes, earlier) in zip(
                self.groups, self._buffers[lead], strict=True):
            # (the flat positions are in range: no bounds checks, and no buffering)
            np.take(flat, at_j, axis=-1, mode="clip", out=slopes)
            np.take(flat, at_i, axis=-1, mode="clip", out=earlier)
            slopes -= earlier
            slopes /= span
            slopes.sort(axis=-1)
            b[..., rows] = (slopes[..., (k - 1) // 2] + slopes[..., k // 2]) / 2 \
                if k % 2 == 0 else slopes[..., k // 2]
        return b


def theil_sen_slope(z: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The Theil-Sen slope of every row of ``z`` (..., T; NaN = missing) against ``t``:
    the median of the slopes ``(z[j] - z[i]) / (t[j] - t[i])`` over the row's pairs of
    present points (NaN with fewer than two).

    When the leading axes share the rows' pattern of present points (the replications
    of a bootstrap do), the rows with the same number of pairs are taken together
    (:class:`Slopes`): each row's present pairs gathered by flat index (no NaN among
    them), sorted, the middle taken. Otherwise all pairs of every row, the missing ones
    NaN (:func:`nanmedian`).
    """
    z = np.asarray(z, dtype=float)
    if z.ndim < 2 or not z.size:
        return _slope_all_pairs(z, t)
    return Slopes(~np.isnan(z.reshape(-1, *z.shape[-2:])[0]), t)(z)


def _slope_all_pairs(z: np.ndarray, t: np.ndarray) -> np.ndarray:
    i, j = np.triu_indices(len(t), k=1)
    with np.errstate(invalid="ignore"):
        return nanmedian((z[..., j] - z[..., i]) / (t[j] - t[i]))


_IMPUTERS = ("none", "mean", "median", "intensity")


def stackable(ed: Edition, scenario: Scenario | None = None) -> bool:
    """Whether the stacked build equals building each replication (module notes)."""
    spec, fitted = ed.spec, ed.fitted
    if spec.methodology.screen.method != "none" and \
            spec.methodology.screen.options("screen").on == "imputed":
        return False  # the imputer's cap would rank among all units of the replication
    for code in spec.indicator_codes:
        if spec.method("impute", code).method not in _IMPUTERS or fitted.get_fit(
                "impute", code, spec.method("impute", code).method) is not None:
            return False
        t = spec.method("treat", code)
        if t.method != "none" and fitted.get_fit("treat", code, t.method) is None:
            return False
        n = spec.method("normalise", code)
        if n.method != "none" and not (NORMALISERS[n.method].pointwise and fitted.get_fit(
                "normalise", code, n.method) is not None):
            return False
    return Kernel.compile(spec).batched


def scores(ed: Edition, keys: pd.MultiIndex, values: np.ndarray, inferred: np.ndarray,
           year: int, scenario: Scenario | None, central: Result,
           central_values: np.ndarray) -> np.ndarray | None:
    """Index scores (replications x ``central.units``) of every replication's projected
    ``values`` (replications x series) through the pipeline's steps, all replications
    stacked; None when this replication set cannot be stacked (the caller builds them
    one by one): a replication whose cells present -- or inferred cells a scenario
    changes -- differ from the central projection's (``central_values``), whose units
    the screen kept."""
    spec = ed.spec
    n = values.shape[0]
    units = keys.get_level_values(0).unique().sort_values()
    codes = pd.Index([*spec.indicator_codes, *(d.code for d in spec.denominators)])
    ui, ci = units.get_indexer(keys.get_level_values(0)), codes.get_indexer(
        keys.get_level_values(1))
    if (ci < 0).any():
        return None
    cube = np.full((n + 1, len(units), len(codes)), np.nan)
    cube[:n, ui, ci] = values
    cube[n, ui, ci] = central_values  # the central projection, last
    if scenario is not None:
        changed = _shock(cube, scenario, units, codes, spec, ui, ci, inferred)
        if changed is None or not (changed == changed[n]).all():
            return None  # coverage (observed cells) would differ between replications
    present = ~np.isnan(cube[:, :, : len(spec.indicator_codes)])
    kept = units.get_indexer(pd.Index(central.units))
    if (kept < 0).any() or not (present == present[n]).all():
        return None
    X = _normalised(ed, cube[:n], units, kept)
    if X is None:
        return None
    out = Kernel.compile(spec).evaluate(X, precise=True)
    if out.failed.any():
        return None
    return np.asarray(out.index[0]).reshape(n, len(kept))


def _shock(cube: np.ndarray, scenario: Scenario, units: pd.Index, codes: pd.Index,
           spec: IndexSpec, ui: np.ndarray, ci: np.ndarray, inferred: np.ndarray
           ) -> np.ndarray | None:
    """Apply the scenario's shocks to every replication in place, in the order
    :func:`~.shocks.apply_scenario` applies them. Returns, per replication, which
    inferred cells it changed (they become observed); None when it cannot be done here."""
    flagged = {(int(u), int(c)) for u, c, f in zip(ui, ci, inferred, strict=True) if f}
    changed: list[np.ndarray] = []
    upos = {str(u): k for k, u in enumerate(units)}
    cpos = {str(c): k for k, c in enumerate(codes)}
    for sh in scenario.shocks:
        p = upos.get(sh.partner, -1) if sh.partner is not None else -1
        if sh.partner is not None and p < 0:
            return None
        for u in sh.units:
            for c in sh.indicators:
                if u not in upos or c not in cpos:
                    return None
                i, j = upos[u], cpos[c]
                d = spec.indicator(c).direction if c in spec.indicator_codes else 1
                before = cube[:, i, j].copy()
                for r in range(cube.shape[0]):
                    x = float(cube[r, i, j])
                    if np.isnan(x) and sh.op != "set":
                        continue
                    pv = float(cube[r, p, j]) if p >= 0 else np.nan
                    cube[r, i, j] = _shocked(sh.op, x, sh.value, pv, sh.gains_only, d)
                if (i, j) in flagged:
                    changed.append(~((cube[:, i, j] == before)
                                     | (np.isnan(before) & np.isnan(cube[:, i, j]))))
    return np.array(changed).T if changed else np.zeros((cube.shape[0], 0), dtype=bool)


def _normalised(ed: Edition, cube: np.ndarray, units: pd.Index, kept: np.ndarray
                ) -> np.ndarray | None:
    """Denominated, imputed, screened (the central build's units), treated and
    normalised values, replications stacked: ((replications x kept) x indicators); None
    when an imputation cannot be stacked."""
    spec, fitted = ed.spec, ed.fitted
    n, U, _ = cube.shape
    ind = list(spec.indicator_codes)
    den_pos = {d.code: len(ind) + k for k, d in enumerate(spec.denominators)}
    flat = cube.reshape(n * U, -1)
    X = flat[:, : len(ind)].copy()
    for j, code in enumerate(ind):
        d, cfg = spec.indicator(code).denominator, spec.method("denominate", code)
        if d is not None and cfg.method != "none":
            X[:, j], _ = DENOMINATORS[cfg.method](X[:, j], flat[:, den_pos[d]],
                                                  params=cfg.options("denominate"))
    den = flat[:, len(ind):]
    cells: dict[tuple[str, ...], Cells] = {}  # the units' cells, by the groups they cross
    for cfg, codes in _by_config(spec):
        if cfg.method == "none":
            continue
        cols = [ind.index(c) for c in codes]
        part = _impute(ed, cfg, X[:, cols], den, units, n, kept) if cfg.method != \
            "intensity" else _intensity(ed, cfg, X[:, cols], codes, den, units, n, kept,
                                        cells)
        if part is None:
            return None
        X[:, cols] = part
    X = X.reshape(n, U, -1)[:, kept].reshape(n * kept.size, -1)
    for j, code in enumerate(ind):
        t = spec.method("treat", code)
        X[:, j], _ = TREATERS[t.method](X[:, j], params=t.options("treat"),
                                        learned=fitted.get_fit("treat", code, t.method))
        ic, nm = spec.indicator(code), spec.method("normalise", code)
        X[:, j], _ = normalise_column(X[:, j], nm.method, nm.options("normalise"),
                                      direction=ic.direction, target=ic.target,
                                      learned=fitted.get_fit("normalise", code, nm.method))
    return X


def _by_config(spec: IndexSpec) -> list[tuple[StepConfig, list[str]]]:
    """Indicators grouped by their imputation settings (as the pipeline runs them)."""
    out: dict[str, tuple[StepConfig, list[str]]] = {}
    for code in spec.indicator_codes:
        cfg = spec.method("impute", code)
        out.setdefault(cfg.model_dump_json(), (cfg, []))[1].append(code)
    return list(out.values())


def _impute(ed: Edition, cfg: StepConfig, X: np.ndarray, den: np.ndarray, units: pd.Index,
            n: int, kept: np.ndarray) -> np.ndarray:
    """Group mean or median imputation, each replication's groups on their own: the
    imputer's own statistic (``frame.groupby(group).agg(stat)``, as
    :func:`airank.impute.mean` computes it) over replication x group keys."""
    by = cfg.options("impute").by
    U = len(units)
    if by is None:
        group = np.zeros(U, dtype=np.int64)
    else:
        codes_, _ = pd.factorize(ed.data.groups[by].reindex(units), use_na_sentinel=True)
        group = codes_.astype(np.int64)
    G = int(group.max()) + 1 if group.size else 1
    g = np.tile(group, n)
    key = np.where(g >= 0, np.repeat(np.arange(n), U) * G + g, -1)
    stats = pd.DataFrame(X).groupby(pd.Series(np.where(key >= 0, key, np.nan)), sort=True
                                    ).agg(cfg.method)
    table = np.full((n * G, X.shape[1]), np.nan)
    table[stats.index.to_numpy(dtype=np.int64)] = stats.to_numpy(dtype=float)
    guess = np.where(key[:, None] >= 0, table[np.maximum(key, 0)], np.nan)
    return np.where(np.isnan(X), guess, X)


def _intensity(ed: Edition, cfg: StepConfig, X: np.ndarray, codes: list[str],
               den: np.ndarray, units: pd.Index, n: int, kept: np.ndarray,
               cells: dict[tuple[str, ...], Cells]) -> np.ndarray | None:
    """The intensity imputer (:mod:`airank.impute_intensity`) on the stacked rows, each
    replication on its own (:func:`~airank.impute_intensity.fill_cells` over the
    replications, the units' cells the same in each); the cap, set among the
    replication's ranked units, is applied per replication (:func:`_bounds`: the rule of
    :func:`airank.impute_intensity._cap`, vectorised over the replications). Kept from
    the earlier stacking over all replications at once (None: built one by one): every
    replication has the same gaps, and its widest cell ``min_group`` values of every
    indicator, or no indicator values in any replication."""
    p = cfg.options("impute")
    U = len(units)
    gaps = np.isnan(X).reshape(n, U, -1)
    if not (gaps == gaps[0]).all():
        return None  # a denominator <= 0 in some replication: cells differ
    per = None
    if p.per is not None:
        per = den[:, [d.code for d in ed.spec.denominators].index(p.per)]
        ratio = X / np.where(per > 0, per, np.nan)[:, None]
    else:
        ratio = X
    for values in (ratio, X):  # per replication, the widest cell needs min_group values
        count = np.isfinite(values).reshape(n, U, -1).sum(axis=1)  # (replications, codes)
        if not ((count >= p.min_group) | (count == 0).all(axis=0)).all():
            return None  # (or none in any replication: then nothing is imputed either way)
    by = tuple(p.by)
    if by not in cells:
        cells[by] = cell_keys(ed.data.groups.reindex(units), by)
    ranked = np.zeros(U, dtype=bool)
    ranked[kept] = True  # only their gaps are filled: the others are screened out next
    u, c, value, _ = fill_cells(X.reshape(n, U, -1),
                                None if per is None else per.reshape(n, U), cells[by],
                                p.min_group, ranked)
    gap = gaps[0][u, c]  # the same gaps in every replication (the rest: no denominator)
    u, c, value = u[gap], c[gap], value[:, gap]
    if p.cap_rank is not None:
        d = np.array([float(ed.spec.indicator(code).direction) for code in codes])
        bound, capped = _bounds(X.reshape(n, U, -1)[:, kept], d, p.cap_rank)
        value = np.where(capped[c], np.minimum(value * d[c], bound[:, c]) * d[c], value)
    filled = X.copy()
    filled.reshape(n, U, -1)[:, u, c] = value
    return filled


def _bounds(x: np.ndarray, d: np.ndarray, rank: int) -> tuple[np.ndarray, np.ndarray]:
    """Per replication and code (``x``: replications x the ranked units x codes, the
    same values present in every replication; ``d`` the codes' directions), the cap of
    :func:`airank.impute_intensity._cap`: the value ranked ``rank``, one step below it
    when it ties the value ranked ``rank - 1``; and per code whether it has a cap (at
    least ``rank`` values observed). The codes with as many values are sorted together,
    their values only."""
    present = ~np.isnan(x[0])  # (units, codes)
    count = present.sum(axis=0)
    capped = count >= rank
    bound = np.zeros((len(x), x.shape[2]))
    for c in np.unique(count[capped]):
        cols = np.flatnonzero(count == c)
        v = x[:, np.nonzero(present[:, cols].T)[1].reshape(cols.size, c), cols[:, None]] \
            * d[cols, None]
        v.sort(axis=-1)  # ascending: the value ranked ``rank`` is at c - rank
        at = v[..., c - rank]
        if rank >= 2:
            at = np.where(v[..., c - rank + 1] == at, np.nextafter(at, -np.inf), at)
        bound[:, cols] = at
    return bound, capped
