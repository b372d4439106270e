"""Audit tables of a built index: importance against weights, consistency, rank bounds.

These wrap the kernels of :mod:`~airank.analysis.audit.importance` and
:mod:`~airank.analysis.audit.bounds` for a :class:`~airank.results.Result`.

References
----------
Paruolo, Saisana & Saltelli (2013), Ratings and rankings: voodoo or science?,
JRSS A 176(3): the main effect (Pearson's correlation ratio) of each component measures
its importance, to be set against its nominal weight.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...errors import DataError, Issue
from ...results import Result
from .bounds import rank_bounds
from .importance import correlation_ratio, cronbach_alpha, main_effects

__all__ = ["consistency", "importance", "weight_bounds"]


def importance(result: Result, *, ratio: float = 2.0, gap: float = 0.1, n_boot: int = 500,
               seed: int | None = 0) -> pd.DataFrame:
    """Main effect of every indicator and group on its parent and on the index.

    Columns: ``code``, ``parent``, ``level``; from
    :func:`~airank.analysis.audit.importance.main_effects`: ``nominal_weight`` (rescaled
    within the parent over the children with data in this edition), ``eta2`` (main
    effect on the parent), ``eta2_low``/``eta2_high`` (its 90% bootstrap interval,
    ``n_boot`` resamples), ``eta2_normalised`` (rescaled to sum to 1 within the
    parent), ``pearson_r`` and ``flag`` (importance and weight differ by more than a factor
    ``ratio`` or ``gap`` in absolute share); then ``weight_in_index`` (effective weight in
    the index, children without data weighing 0), ``eta2_index`` (main effect on the
    index) and ``importance_index`` (eta2_index rescaled to sum to 1 over the nodes of the
    same level).

    A node without any value in this edition (an indicator whose source starts later)
    has no row, and its nominal weight goes to its siblings, as in the aggregation.
    """
    spec, scores = result.spec, result.scores
    eff = result.effective_weights()  # children without data weigh 0 (the kernel's rule)
    local: dict[str, float] = {}
    for c in eff.index:  # the share of its parent, as the aggregation weighs it
        parent = spec.parent[str(c)]
        up = float(eff[parent]) if parent is not None else 0.0
        local[str(c)] = float(eff[c]) / up if up > 0 else float(parent is None)
    parts = []
    for parent, kids in spec.children.items():
        frame = scores[list(kids)]
        live = [k for k in kids if frame[k].notna().sum() >= 3]
        if not live:
            continue
        t = main_effects(frame[live], scores[parent], {k: local[k] for k in live},
                         ratio=ratio, gap=gap, n_boot=n_boot, seed=seed)
        t = t.rename(columns={"child": "code"})
        t.insert(1, "parent", parent)
        parts.append(t)
    out = pd.concat(parts, ignore_index=True).drop(columns="effective_weight")
    out.insert(2, "level", [spec.levels[c] for c in out["code"]])
    index = scores[spec.index_code]
    out["weight_in_index"] = [float(eff[c]) for c in out["code"]]
    out["eta2_index"] = [correlation_ratio(scores[c], index) for c in out["code"]]
    out["importance_index"] = out["eta2_index"] / out.groupby("level")["eta2_index"].transform(
        "sum")
    return out


def consistency(result: Result) -> pd.DataFrame:
    """Per group: Cronbach's alpha of its children, their mean and lowest pairwise
    correlation, and the lowest correlation of a child with the group score."""
    spec, scores = result.spec, result.scores
    rows = []
    for parent, kids in spec.children.items():
        frame = scores[list(kids)].dropna(axis=1, how="all")
        if frame.shape[1] < 2:
            continue
        a = cronbach_alpha(frame)
        corr = frame.corr().to_numpy()
        off = corr[~np.eye(len(corr), dtype=bool)]
        with_parent = frame.corrwith(scores[parent])
        rows.append({"group": parent, "level": spec.levels[parent], "n_children": frame.shape[1],
                     "alpha": a.alpha, "mean_r": float(np.nanmean(off)),
                     "min_r": float(np.nanmin(off)),
                     "min_r_parent": float(with_parent.min()),
                     "weakest_child": str(with_parent.idxmin())})
    return pd.DataFrame(rows)


def weight_bounds(result: Result, *, rel: float | None = 0.5, group: str | None = None,
                  units: list[str] | None = None) -> pd.DataFrame:
    """Best and worst rank of every unit over admissible weights of ``group``'s children.

    The children of ``group`` (default the index: its pillars) are the components; their
    weights may each move by ``rel`` (0.5 = +-50%) around nominal, or be any non-negative
    weights when ``rel`` is None. Exact for arithmetic aggregation of that group; lower
    levels stay as built. Units missing a component are left out (listed in ``attrs``).
    """
    spec = result.spec
    group = group or spec.index_code
    if group not in spec.children:
        raise DataError([Issue(("group",), "unknown_group",
                               f"'{group}' is not a group. Groups: {list(spec.children)}.",
                               group)])
    method = spec.aggregation(spec.levels[group]).method
    if method != "arithmetic":
        raise DataError([Issue(("group",), "not_arithmetic",
                               f"Rank bounds need arithmetic aggregation; '{group}' uses "
                               f"'{method}'.", method)])
    X = result.scores[list(spec.children[group])].dropna(axis=1, how="all")
    complete = X.dropna()
    w0 = pd.Series({c: spec.node(c).weight for c in X.columns})
    out = rank_bounds(complete, w0, rel=rel, units=units)
    out.attrs["left_out"] = sorted(set(X.index) - set(complete.index))
    return out
