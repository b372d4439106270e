"""Imputation methods: fill missing values of a units x indicators frame.

Signature of every method: ``f(frame, *, params, context, learned=None) -> (frame, learned)``
where ``frame`` (index: unit; columns: the indicator codes the method applies to) is not
modified, and ``learned`` maps each code to the values used (group means, ...).
Imputed cells are found afterwards by comparing NaN masks, so every imputation is visible
in the result.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import pandas as pd

from .errors import DataError, Issue
from .fitted import Fit, GroupFit, LatestFit, ModelFit
from .impute_intensity import impute_intensity
from .methods import (
    GroupStatParams,
    IntensityParams,
    IterativeParams,
    KnnParams,
    LatestParams,
    NoParams,
)

__all__ = ["IMPUTERS", "ImputeContext"]


@dataclass(frozen=True)
class ImputeContext:
    """What imputers may need besides the frame: unit groups, earlier years, the
    edition's denominators (units x codes) and the indicators' directions."""

    groups: pd.DataFrame
    history: pd.DataFrame | None = None  # long: unit, code, year, value
    year: int | None = None
    denominators: pd.DataFrame | None = None
    directions: Mapping[str, int] = field(default_factory=dict)
    ranked: pd.Index | None = None  # the units the screen will keep, when known


Learned = dict[str, Fit]  # code -> what was learned for it
Imputer = Callable[..., tuple[pd.DataFrame, Learned]]


def none(frame: pd.DataFrame, *, params: NoParams, context: ImputeContext,
         learned: Learned | None = None) -> tuple[pd.DataFrame, Learned]:
    """Leave missing values missing."""
    return frame.copy(), {}


def _group_stat(frame: pd.DataFrame, params: GroupStatParams, context: ImputeContext,
                stat: str, learned: Learned | None) -> tuple[pd.DataFrame, Learned]:
    if params.by is None:
        key = pd.Series("*", index=frame.index)
    else:
        key = context.groups[params.by].reindex(frame.index).astype(object)
    if learned:
        fill = {c: dict(f.values) for c, f in learned.items() if isinstance(f, GroupFit)}
        fill = {c: fill.get(c, {}) for c in frame.columns}
    else:
        stats = frame.groupby(key, sort=True).agg(stat)
        fill = {c: {str(g): float(v) for g, v in stats[c].items()} for c in frame.columns}
    labels = sorted({g for f in fill.values() for g in f})
    table = np.array([[fill[c].get(g, np.nan) for c in frame.columns] for g in labels]
                     ).reshape(len(labels), frame.shape[1])
    pos = pd.Index(labels).get_indexer(pd.Index(key.astype(str).where(key.notna(), None)))
    values = frame.to_numpy(dtype=float)
    guess = np.where(pos[:, None] >= 0, table[np.maximum(pos, 0)] if labels else np.nan, np.nan)
    filled = np.where(np.isnan(values), guess, values)
    return (pd.DataFrame(filled, index=frame.index, columns=frame.columns),
            {c: GroupFit(method=stat, values=v) for c, v in fill.items()})


def mean(frame: pd.DataFrame, *, params: GroupStatParams, context: ImputeContext,
         learned: Learned | None = None) -> tuple[pd.DataFrame, Learned]:
    """Mean of the indicator over all units, or within the unit's group (``by``)."""
    return _group_stat(frame, params, context, "mean", learned)


def median(frame: pd.DataFrame, *, params: GroupStatParams, context: ImputeContext,
           learned: Learned | None = None) -> tuple[pd.DataFrame, Learned]:
    """Median of the indicator over all units, or within the unit's group (``by``)."""
    return _group_stat(frame, params, context, "median", learned)


def latest(frame: pd.DataFrame, *, params: LatestParams, context: ImputeContext,
           learned: Learned | None = None) -> tuple[pd.DataFrame, Learned]:
    """The unit's latest earlier value of the same indicator within ``window`` years."""
    out = frame.copy()
    if context.history is None or context.year is None:
        return out, {}
    h = context.history
    h = h[(h["year"] >= context.year - params.window) & (h["year"] <= context.year)
          & h["code"].isin(frame.columns) & h["unit"].isin(frame.index)]
    last = h.sort_values("year").drop_duplicates(["unit", "code"], keep="last")
    fill = last.pivot(index="unit", columns="code", values="value")
    years = last.pivot(index="unit", columns="code", values="year")
    out = out.fillna(fill.reindex(index=frame.index, columns=frame.columns))
    used = {str(c): {str(u): int(y) for u, y in years[c].dropna().items()
                if pd.isna(cast(float, frame.at[u, c]))}
            for c in years.columns if c in frame.columns}
    return out, {c: LatestFit(method="latest", from_year=v) for c, v in used.items() if v}


def knn(frame: pd.DataFrame, *, params: KnnParams, context: ImputeContext,
        learned: Learned | None = None) -> tuple[pd.DataFrame, Learned]:
    """k nearest neighbours over the other indicators (scikit-learn ``KNNImputer``).

    Columns are standardised first so that no indicator dominates the distance.
    """
    from sklearn.impute import KNNImputer

    mu, sd = frame.mean(), frame.std(ddof=1).replace(0, 1).fillna(1)
    z = (frame - mu) / sd
    filled = KNNImputer(n_neighbors=params.k, keep_empty_features=True).fit_transform(z)
    out = pd.DataFrame(filled, index=frame.index, columns=frame.columns) * sd + mu
    out = frame.fillna(out)
    return out, {c: ModelFit(method="knn", k=params.k) for c in frame.columns}


def iterative(frame: pd.DataFrame, *, params: IterativeParams, context: ImputeContext,
              learned: Learned | None = None) -> tuple[pd.DataFrame, Learned]:
    """Multivariate imputation by chained equations (scikit-learn ``IterativeImputer``)."""
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401
    from sklearn.impute import IterativeImputer

    imp = IterativeImputer(max_iter=params.max_iter, random_state=params.seed,
                           keep_empty_features=True)
    # scaled to [-1, 1] first (by each column's largest magnitude: no squares, so no
    # overflow for magnitudes near 1e155); the result is scaled back
    scale = frame.abs().max().replace(0, 1).fillna(1)
    z = (frame / scale).to_numpy(dtype=float, copy=True)
    with warnings.catch_warnings():
        # convergence warnings are expected on small tables; the record notes n_iter
        warnings.simplefilter("ignore")
        filled = imp.fit_transform(z)
    back = pd.DataFrame(filled, index=frame.index, columns=frame.columns) * scale
    out = frame.fillna(back)
    return out, {c: ModelFit(method="iterative", n_iter=int(imp.n_iter_))
                 for c in frame.columns}


def intensity(frame: pd.DataFrame, *, params: IntensityParams, context: ImputeContext,
              learned: Learned | None = None) -> tuple[pd.DataFrame, Learned]:
    """Group medians in intensity space, scaled back and capped
    (:mod:`airank.impute_intensity`)."""
    per = None
    if params.per is not None:
        den = context.denominators
        if den is None or params.per not in den.columns:
            raise DataError([Issue(("methodology", "impute", "per"), "unknown_denominator",
                                   f"The intensity imputer's 'per' denominator "
                                   f"'{params.per}' is not a denominator of the spec.",
                                   params.per)])
        per = den[params.per]
    missing = [b for b in params.by if b not in context.groups.columns]
    if missing:
        raise DataError([Issue(("methodology", "impute", "by"), "unknown_group",
                               f"Unit-group columns {missing} are not in the data's groups "
                               f"{list(context.groups.columns)}.", missing[0])])
    return impute_intensity(frame, by=params.by, per=per, min_group=params.min_group,
                            cap_rank=params.cap_rank,
                            directions=pd.Series(dict(context.directions), dtype=float),
                            groups=context.groups, ranked=context.ranked)


IMPUTERS: dict[str, Imputer] = {
    "none": none,
    "mean": mean,
    "median": median,
    "latest": latest,
    "knn": knn,
    "iterative": iterative,
    "intensity": intensity,
}

