"""A unit's strengths and weaknesses: its best- and worst-ranked indicators (COINr's
``get_str_weak``, with its ``min_discard`` and ``unq_discard`` options).

``Result.strengths_weaknesses`` gives the plain version (ranks among all units); this
one adds what an audit's unit profile needs: ranks within the unit's group, indicators
where the unit only shares the last place (``min_discard``) or that take few distinct
values (``unq_discard``) left out, ranks of raw values adjusted for direction, and the
group each indicator belongs to.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ...errors import DataError, Issue
from ...results import STAGES, Result

__all__ = ["strengths_weaknesses"]


def strengths_weaknesses(result: Result, unit: str, *, stage: str = "aggregated", n: int = 5,
                         min_discard: bool = True, unq_discard: float | None = None,
                         groups: pd.Series | None = None, adjust_direction: bool | None = None,
                         report_level: int = 2, codes: Sequence[str] | None = None
                         ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``n`` indicators where ``unit`` ranks best and the ``n`` where it ranks worst.

    Parameters
    ----------
    result : Result
    unit : str
    stage : str
        The values ranked: ``aggregated`` (the normalised scores, default), ``raw``, ...
    n : int
        Rows in each table.
    min_discard : bool
        Leave out indicators where the unit has the worst rank (e.g. shares a zero with
        many others): they say little about it.
    unq_discard : float, optional
        Keep only indicators whose share of distinct values over all units of the stage
        (a missing value counting as one value, as COINr) exceeds this.
    groups : Series, optional
        Unit -> group label (e.g. ``dataset.groups["region"]``): rank within the unit's
        group instead of among all units.
    adjust_direction : bool, optional
        Multiply by the direction before ranking (default: True for ``raw`` and
        ``denominated``, whose values are not yet direction-adjusted; False otherwise).
    report_level : int
        The level of the group named in column ``group`` (2 = the indicator's parent).
    codes : sequence of str, optional
        The indicators considered, in the order that breaks ties (default: the spec's).

    Returns
    -------
    (strengths, weaknesses) : tuple of DataFrame
        Columns ``code``, ``name``, ``group``, ``rank`` (1 = best), ``value`` (as in the
        stage, not direction-adjusted) and ``indicator_unit``. Strengths best first;
        weaknesses in increasing rank (the worst last), as COINr.
    """
    spec = result.spec
    if stage not in STAGES:
        raise DataError([Issue(("stage",), "unknown_stage", f"stage must be one of "
                               f"{list(STAGES)}. Got {stage!r}.", stage)])
    codes = list(spec.indicator_codes) if codes is None else list(codes)
    data = result.stages[stage][codes]
    if unit not in data.index:
        raise DataError([Issue(("unit",), "unknown_unit", f"'{unit}' is not in the "
                               f"'{stage}' stage.", unit)])
    if adjust_direction is None:
        adjust_direction = stage in ("raw", "denominated")
    signed = data * [spec.indicator(c).direction for c in codes] if adjust_direction else data
    if groups is None:
        ranks = signed.rank(ascending=False, method="min", na_option="keep")
    else:  # every unit ranked within its group (the worst rank is the largest over all)
        g = groups.reindex(data.index)
        ranks = signed.groupby(g.to_numpy(), dropna=False).rank(ascending=False,
                                                                method="min")
    mine = ranks.loc[unit].to_numpy(dtype=float)
    keep = [c for c, r in zip(codes, mine, strict=True) if not np.isnan(r)]
    if unq_discard is not None:
        share = {c: data[c].nunique(dropna=False) / len(data) for c in codes}
        keep = [c for c in keep if share[c] > unq_discard]
    if min_discard:
        keep = [c for c in keep if ranks.at[unit, c] != ranks[c].max()]
    order = sorted(keep, key=lambda c: (ranks.at[unit, c], keep.index(c)))
    table = pd.DataFrame({
        "code": order,
        "name": [spec.node(c).name or c for c in order],
        "group": [_ancestor(result, c, report_level) for c in order],
        "rank": np.array([ranks.at[unit, c] for c in order], dtype=float),
        "value": np.array([data.at[unit, c] for c in order], dtype=float),
        "indicator_unit": [spec.indicator(c).unit for c in order]})
    return (table.head(n).reset_index(drop=True),
            table.tail(n).reset_index(drop=True))


def _ancestor(result: Result, code: str, level: int) -> str | None:
    spec = result.spec
    c: str | None = code
    while c is not None and spec.levels[c] < level:
        c = spec.parent[c]
    return c
