"""Imputation that cannot invent leaders: group medians in intensity space, capped.

A missing count or money value is imputed as the median, over the unit's peers, of the
indicator *per unit of a denominator* (per person, per US$ of GDP), times the unit's own
denominator -- so a small economy is not handed a large region's mean of a skewed count.
Peers are the units of the same cell of the ``by`` groups (e.g. region x income group)
with at least ``min_group`` observed values; with fewer, the cell widens (the first group
alone, then the second alone, then all units). Without ``per`` (rates and scores, or a
denominated view whose values already are intensities) the median of the values is used.

``cap_rank`` keeps an imputed value out of the top of its indicator: it is capped at the
value of the observed unit ranked ``cap_rank`` (in the indicator's direction), so no
imputed value ranks better than ``cap_rank`` -- an imputed value is a guess and cannot
make a unit a leader.

Why medians and intensity space: the OGAI's counts and money are heavy-tailed (skewness
5-15); a regional *mean* of levels gave Papua New Guinea, Laos, Cambodia, Fiji and Brunei
US$3.35 bn of private AI investment each (rank 13 of 175) in release 0.1. The median of
intensities is robust to the tail and scales with the unit's size.

In arrays: a unit's cells are integer ids (:func:`cell_keys`); a cell's median is one
sort of its values, cells of about the same size sorted together, and only for the
cells and codes of entries still to fill. A stack of replications (the projection's
bootstrap) is filled replication by replication at once, the same cells in each
(:func:`fill_cells`). ``tests/test_impute_intensity.py`` holds it to the definition,
unit by unit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .fitted import Fit, GroupFit

__all__ = ["Cells", "cell_keys", "fill_cells", "impute_intensity", "median_count"]

_ALL = "*"
Cells = list[tuple[str, np.ndarray]]


def cell_keys(groups: pd.DataFrame, by: Sequence[str]) -> Cells:
    """Per unit (the rows of ``groups``), its cell id (int, -1 = no cell) from the
    narrowest cell to all units, named."""
    codes = [pd.factorize(groups[b], use_na_sentinel=True)[0].astype(np.int64) for b in by]
    keys: Cells = []
    if len(by) > 1:  # the cell of every group at once (-1 where any group is missing)
        joined = np.zeros(len(groups), dtype=np.int64)
        for k in codes:  # mixed radix: one id per combination
            joined = joined * (int(k.max(initial=0)) + 1) + np.maximum(k, 0)
        missing = np.any([k < 0 for k in codes], axis=0)
        keys.append((" x ".join(by), np.where(missing, -1, np.unique(
            joined, return_inverse=True)[1].reshape(-1))))
    keys += list(zip(by, codes, strict=True))
    keys.append((_ALL, np.zeros(len(groups), dtype=np.int64)))
    return keys


def impute_intensity(frame: pd.DataFrame, *, by: Sequence[str], per: pd.Series | None,
                     min_group: int, cap_rank: int | None, directions: pd.Series,
                     groups: pd.DataFrame, ranked: pd.Index | None = None
                     ) -> tuple[pd.DataFrame, dict[str, Fit]]:
    """Fill ``frame`` (index: unit; columns: codes) as the module describes.

    ``per`` is the denominator of every unit (None: impute the values themselves);
    ``directions`` the indicators' directions; ``groups`` the unit-group columns;
    ``ranked`` the units that will be ranked (the cap is set among their observed values;
    default all units).
    Returns the filled frame and, per code, the medians used by cell.
    """
    cells = cell_keys(groups.reindex(frame.index), by)
    vals = frame.to_numpy(dtype=float)
    den = None if per is None else per.reindex(frame.index).to_numpy(dtype=float)
    at_unit, at_code, guess, used = fill_cells(vals, den, cells, min_group)
    fill = np.full(vals.shape, np.nan)
    fill[at_unit, at_code] = guess
    if cap_rank is not None:
        among = vals if ranked is None else frame.reindex(ranked).to_numpy(dtype=float)
        for j, code in enumerate(frame.columns):
            fill[:, j] = _cap(fill[:, j], among[:, j], int(directions.get(code, 1)), cap_rank)
    out = pd.DataFrame(np.where(np.isnan(vals), fill, vals), index=frame.index,
                       columns=frame.columns)
    learned: dict[str, Fit] = {
        str(c): GroupFit(method="intensity", values={
            name: float(k) for (name, _), k in zip(cells, used[:, j], strict=True) if k})
        for j, c in enumerate(frame.columns)}
    return out, learned


def fill_cells(values: np.ndarray, per: np.ndarray | None, cells: Cells, min_group: int,
               fill: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The imputed values of the missing entries of ``values`` (..., units, codes); every
    leading index (a bootstrap replication) on its own, with the units' ``cells``.

    ``per`` (..., units) are the denominators (None: the values themselves; <= 0 or NaN:
    none); ``fill`` (bool, units) the units whose entries to fill (default all; the
    medians are of all units). Returns the entries -- units and codes (the pairs missing
    in some replication, or, with ``per``, whose intensity is) -- their guesses (...,
    entries; NaN where none) and, per cell and code, how many guesses the cell's medians
    gave (with ``per``: among the missing intensities, so the units without a
    denominator too).
    """
    mine = (np.ones(values.shape[-2], dtype=bool) if fill is None else fill)[:, None]
    if per is None:
        return _cell_medians(values, cells, min_group, np.isnan(values) & mine)
    den = np.where(per > 0, per, np.nan)
    ratio = values / den[..., None]
    u, c, guess, used = _cell_medians(ratio, cells, min_group, np.isnan(ratio) & mine)
    guess = guess * den[..., u]
    todo = np.isnan(guess) & np.isnan(values[..., u, c])
    if todo.any():  # a unit without a denominator: the median level of its peers
        mask = np.zeros(values.shape, dtype=bool)
        mask[..., u, c] = todo
        lu, lc, level, _ = _cell_medians(values, cells, min_group, mask)
        at = np.searchsorted(u * values.shape[-1] + c, lu * values.shape[-1] + lc)
        guess[..., at] = np.where(todo[..., at], level, guess[..., at])
    return u, c, guess, used


def _cell_medians(x: np.ndarray, cells: Cells, min_group: int, todo: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per ``todo`` entry of ``x`` (..., units, codes): the median of the narrowest cell
    with ``min_group`` observed values (the last cell, all units, any number).

    The entries are the (unit, code) pairs to fill in any replication, in row-major
    order (all of them where the replications share their gaps); each replication's
    filled on its own, a cell's median of a code computed only while an entry of that
    cell and code is still to fill. Returns the entries' units and codes, their values
    (..., entries; NaN where none or not to fill) and, per cell and code, how many
    values it gave."""
    lead, last = x.shape[:-2], len(cells) - 1
    U, C = x.shape[-2:]
    x = x.reshape(-1, U, C)
    gaps = np.isnan(x)
    # the values present the same in every replication (a stack; one: fewer, larger sorts)
    shared = len(x) > 1 and bool((gaps == gaps[0]).all())
    u0, c0 = np.nonzero(todo.reshape(x.shape).any(axis=0))
    # to fill, but not for a code without values (in its replication)
    left = todo.reshape(x.shape)[:, u0, c0] & ~(gaps[:1] if shared else gaps).all(
        axis=1)[:, c0]
    value = np.full(left.shape, np.nan)
    xp = x if shared else np.concatenate([x, np.full((len(x), 1, C), np.nan)], axis=1)
    used = np.zeros((len(cells), C))
    on, got_on = np.arange(u0.size), value.copy()  # the entries still to fill, values
    for i, (_, key) in enumerate(cells):
        if not on.size:
            break
        u, c = u0[on], c0[on]
        G = max(int(key.max()), 0) + 1  # cell G: none
        pair = c * (G + 1) + np.where(key[u] >= 0, key[u], G)  # (code, cell) of each entry
        need = np.flatnonzero(np.bincount(pair, minlength=C * (G + 1)))
        need = need[need % (G + 1) < G]
        med = _group_medians(xp, ~gaps[0].T if shared else None, key, need // (G + 1),
                             need % (G + 1), min_group if i < last else 1)
        at = np.full(C * (G + 1), need.size)  # a pair's column in med (none: NaN)
        at[need] = np.arange(need.size)
        got = med[:, at[pair]]
        new = left & ~np.isnan(got)
        got_on = np.where(new, got, got_on)
        left &= ~new
        used[i] = np.bincount(c, weights=new.sum(axis=0), minlength=C)
        keep = left.any(axis=0)
        if not keep.all():  # done in every replication: set aside
            value[:, on[~keep]] = got_on[:, ~keep]
            on, left, got_on = on[keep], left[:, keep], got_on[:, keep]
    value[:, on] = got_on
    return u0, c0, value.reshape(*lead, u0.size), used


def _group_medians(x: np.ndarray, present: np.ndarray | None, key: np.ndarray,
                   codes: np.ndarray, ids: np.ndarray, min_count: int) -> np.ndarray:
    """The median of code ``codes[k]`` (the last axis of ``x``: replications x units x
    codes) over the units of cell ``ids[k]`` of ``key``, NaN with fewer than
    ``min_count`` values; shape (replications, pairs + 1), the last column NaN.

    With the values ``present`` (codes x units) the same in every replication, each
    pair's present units are gathered and pairs with as many values sorted together;
    otherwise (``x`` then has one more unit, NaN) cells of about the same size (up to a
    power of two) are padded to the largest with the NaN unit and sorted together
    (:func:`median_count`)."""
    out = np.full((len(x), ids.size + 1), np.nan)
    if present is not None:
        member = present[codes] & (key == ids[:, None])  # (pairs, units)
        count = member.sum(axis=1)
        for c in np.unique(count[count >= max(min_count, 1)]):
            sel = np.flatnonzero(count == c)
            v = x[:, np.nonzero(member[sel])[1].reshape(-1, c), codes[sel, None]]
            v.sort(axis=-1)
            out[:, sel] = (v[..., (c - 1) // 2] + v[..., c // 2]) / 2 if c % 2 == 0 \
                else v[..., c // 2]
        return out
    U = x.shape[1] - 1
    order = np.argsort(key, kind="stable")  # the units cell by cell (no cell first)
    counts = np.bincount(key + 1)
    size, start = counts[ids + 1], np.cumsum(counts)[ids]
    cls = np.where(size >= min_count, np.ceil(np.log2(np.maximum(size, 1))), -1)
    for k in np.unique(cls[cls >= 0]):
        sel = np.flatnonzero(cls == k)
        pad = np.arange(size[sel].max())
        members = np.where(pad < size[sel, None],
                           order[np.minimum(start[sel, None] + pad, U - 1)], U)
        med, n = median_count(x[:, members, codes[sel, None]])
        out[:, sel] = np.where(n >= min_count, med, np.nan)
    return out


def median_count(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Median over the last axis ignoring NaN (NaN where a row has no value) and the
    number of values: one sort of every row (NaN sort last), then the middle of its
    ``c`` values -- equal to ``np.nanmedian`` and to pandas' group median to the bit."""
    x = np.sort(np.asarray(a, dtype=float), axis=-1)
    c = x.shape[-1] - np.isnan(x).sum(axis=-1)
    if not x.shape[-1]:
        return np.full(x.shape[:-1], np.nan), c
    lo = np.take_along_axis(x, np.maximum(c - 1, 0)[..., None] // 2, axis=-1)[..., 0]
    hi = np.take_along_axis(x, (c // 2)[..., None], axis=-1)[..., 0]
    return np.where(c > 0, np.where(c % 2 == 0, (lo + hi) / 2, lo), np.nan), c


def _cap(value: np.ndarray, observed: np.ndarray, direction: int, rank: int) -> np.ndarray:
    """Imputed values no better than the observed value ranked ``rank``, strictly below
    the one ranked ``rank - 1`` (so ties cannot lift them into the top ``rank - 1``)."""
    obs = np.sort(observed[~np.isnan(observed)] * direction)[::-1]  # best first
    if obs.size < rank:
        return value
    bound = obs[rank - 1]
    if rank >= 2 and obs[rank - 2] == bound:
        bound = np.nextafter(bound, -np.inf)
    capped: np.ndarray = np.minimum(value * direction, bound) * direction
    return capped
