"""The projection's bootstrap as array work: all replications refitted and scored at once.

Refit: every replication's resampled series are refitted by Theil-Sen together, the
medians taken by :func:`nanmedian` (one sort per row instead of numpy's masked-array
path; equal to ``np.nanmedian`` to the bit).

Scores: the replications' raw values are stacked (replication x unit rows) and pass the
pipeline's own steps once -- the registered denominator, imputer, treatment, normaliser
and the scoring kernel, with the edition's fixed parameters -- instead of a full build
per replication. That is the same as building each replication on its own when every
step works unit by unit, or within groups the stacking keeps apart; :func:`stackable`
checks it: imputation ``none`` or a group ``mean``/``median`` (each replication's groups
on their own; over all units = within the replication); treatment and normalisation
replayed from the edition's fixed parameters value by value (a pointwise normaliser with
its learned goalposts); the units kept by the screen taken from the central projection
(every replication has the same cells present, checked, so the same coverage).
Otherwise -- or when a check fails -- :func:`~airank.analysis.scenarios.projection.project`
builds replication by replication. ``tests/test_scale_interactive.py`` checks both
paths agree to 1e-9 (on the OGAI they agree to the bit).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...denominate import DENOMINATORS
from ...edition import Edition
from ...impute_intensity import impute_intensity
from ...kernel import Kernel
from ...normalise import NORMALISERS, normalise_column
from ...results import Result
from ...spec import IndexSpec, StepConfig
from ...treat import TREATERS
from .shocks import Scenario, _shocked

__all__ = ["nanmedian", "scores", "stackable", "theil_sen"]

REP = "__replication"  # the stacked rows' replication, as a unit-group column



def nanmedian(a: np.ndarray) -> np.ndarray:
    """Median over the last axis ignoring NaN (NaN where a row has no value), equal to
    ``np.nanmedian`` to the bit: one sort of every row (NaN sort last), then the middle
    of its ``c`` values -- without numpy's masked-array path, ten times slower."""
    x = np.sort(np.asarray(a, dtype=float), axis=-1)
    c = x.shape[-1] - np.isnan(x).sum(axis=-1)
    lo = np.take_along_axis(x, np.maximum(c - 1, 0)[..., None] // 2, axis=-1)[..., 0]
    hi = np.take_along_axis(x, (c // 2)[..., None], axis=-1)[..., 0]
    return np.where(c > 0, np.where(c % 2 == 0, (lo + hi) / 2, lo), np.nan)


def theil_sen(z: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Slope and intercept of every row of ``z`` (..., T; NaN = missing) against ``t``.

    Rows with the same number of points are taken together, each through its own pairs
    of present points only (the replications of a bootstrap share the rows' patterns,
    so the NaN-free slopes are sorted once per row, no NaN among them).
    """
    z = np.asarray(z, dtype=float)
    pattern = ~np.isnan(z).reshape(-1, z.shape[-1])[: z.shape[-2]] if z.ndim > 1 else None
    if z.ndim < 2 or not (np.isnan(z) == np.isnan(z[(0,) * (z.ndim - 2)])).all():
        return _theil_sen_nan(z, t)
    assert pattern is not None
    i, j = np.triu_indices(len(t), k=1)
    ok = pattern[:, i] & pattern[:, j]  # (rows, pairs) present pairs of each row
    b = np.full(z.shape[:-1], np.nan)
    lead = z.shape[:-2]
    for k in np.unique(ok.sum(axis=1)):
        rows = np.flatnonzero(ok.sum(axis=1) == k)
        if k == 0:
            continue
        pi = np.broadcast_to(i, ok.shape)[rows][ok[rows]].reshape(rows.size, k)
        pj = np.broadcast_to(j, ok.shape)[rows][ok[rows]].reshape(rows.size, k)
        zr = z[..., rows, :]
        slopes = (np.take_along_axis(zr, np.broadcast_to(pj, (*lead, *pj.shape)), axis=-1)
                  - np.take_along_axis(zr, np.broadcast_to(pi, (*lead, *pi.shape)), axis=-1)
                  ) / (t[pj] - t[pi])
        slopes.sort(axis=-1)
        b[..., rows] = (slopes[..., (k - 1) // 2] + slopes[..., k // 2]) / 2 if k % 2 == 0 \
            else slopes[..., k // 2]
    with np.errstate(invalid="ignore"):
        a = nanmedian(z - b[..., None] * t)
    return b, a


def _theil_sen_nan(z: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    i, j = np.triu_indices(len(t), k=1)
    with np.errstate(invalid="ignore"):
        b = nanmedian((z[..., j] - z[..., i]) / (t[j] - t[i]))
        a = nanmedian(z - b[..., None] * t)
    return b, a


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
    units = pd.Index(sorted(set(keys.get_level_values(0))))
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
    for cfg, codes in _by_config(spec):
        if cfg.method == "none":
            continue
        cols = [ind.index(c) for c in codes]
        part = _impute(ed, cfg, X[:, cols], den, units, n, kept) if cfg.method != \
            "intensity" else _intensity(ed, cfg, X[:, cols], codes, den, units, n, kept)
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
               den: np.ndarray, units: pd.Index, n: int, kept: np.ndarray
               ) -> np.ndarray | None:
    """The intensity imputer (:mod:`airank.impute_intensity`) on the stacked rows, each
    replication on its own: every ``by`` column and one more, the replication, labelled
    per replication, so its cells narrow to widen exactly as one replication's (its last
    cell, all units, is the replication's while every indicator has ``min_group``
    values there, or none in any replication -- checked); the cap, set among the
    replication's ranked units, is applied per replication (:func:`_bounds`: the rule of
    :func:`airank.impute_intensity._cap`, vectorised over the replications)."""
    p = cfg.options("impute")
    U = len(units)
    gaps = np.isnan(X).reshape(n, U, -1)
    if not (gaps == gaps[0]).all():
        return None  # a denominator <= 0 in some replication: cells differ
    frame = pd.DataFrame(X, columns=codes)
    per = None
    if p.per is not None:
        pos = [d.code for d in ed.spec.denominators].index(p.per)
        per = pd.Series(den[:, pos])
        ratio = X / np.where(den[:, pos] > 0, den[:, pos], np.nan)[:, None]
    else:
        ratio = X
    for values in (ratio, X):  # per replication, the widest cell needs min_group values
        count = np.isfinite(values).reshape(n, U, -1).sum(axis=1)  # (replications, codes)
        if not ((count >= p.min_group) | (count == 0).all(axis=0)).all():
            return None  # (or none in any replication: then nothing is imputed either way)
    rep = pd.Series(np.repeat(np.arange(n), U).astype(str))
    base = ed.data.groups.reindex(units).reset_index(drop=True)
    groups = pd.DataFrame({REP: rep})
    for b in p.by:
        col = pd.concat([base[b]] * n, ignore_index=True).astype(object)
        groups[b] = (col.astype(str) + "|" + rep).where(col.notna())
    directions = pd.Series({c: ed.spec.indicator(c).direction for c in codes}, dtype=float)
    out, _ = impute_intensity(frame, by=(*p.by, REP), per=per, min_group=p.min_group,
                              cap_rank=None, directions=directions, groups=groups)
    filled = out.to_numpy(dtype=float, copy=True)  # capped in place below
    if p.cap_rank is not None:
        for j, c in enumerate(codes):
            d = float(directions[c])
            col = filled[:, j].reshape(n, U)  # a view: capped in place
            todo = np.isnan(X[:, j]).reshape(n, U)
            if todo.any():
                bound = _bounds(X[:, j].reshape(n, U)[:, kept] * d, p.cap_rank)
                if bound is not None:
                    col[todo] = (np.minimum(col * d, bound[:, None]) * d)[todo]
    return filled


def _bounds(obs: np.ndarray, rank: int) -> np.ndarray | None:
    """Per replication (rows of ``obs``: ranked units' observed values, direction
    applied), the cap of :func:`airank.impute_intensity._cap`: the value ranked ``rank``,
    one step below it when it ties the value ranked ``rank - 1``; None when fewer than
    ``rank`` values are observed (no cap). Every row has the same values present."""
    srt = np.sort(obs, axis=1)  # ascending, NaN last
    c = int((~np.isnan(obs[0])).sum())
    if c < rank:
        return None
    bound = srt[:, c - rank]
    if rank >= 2:
        bound = np.where(srt[:, c - rank + 1] == bound, np.nextafter(bound, -np.inf), bound)
    return bound
