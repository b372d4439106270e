"""Compare builds, and leave elements out (COINr's ``compare_coins``,
``compare_coins_multi`` and ``remove_elements``).

:func:`compare_results` and :func:`compare_many` set the ranks or scores of one node
(default: the index) side by side across builds -- other methodologies, other data --
matched by unit, with differences to the first. :func:`remove_elements` sets the weight
of each indicator or group of one level to zero in turn and re-aggregates: how much every
unit's rank depends on each element.

References
----------
OECD/JRC (2008), Handbook on Constructing Composite Indicators, step 7 (sensitivity
to the inclusion and exclusion of indicators).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from ...errors import DataError, Issue
from ...pipeline import reaggregate
from ...results import Result, rank_frame

__all__ = ["Removal", "compare_correlations", "compare_many", "compare_results",
           "remove_elements"]

By = Literal["ranks", "scores"]


def _result(obj: Any) -> Result:
    """A Result, or an Edition's baseline."""
    base = getattr(obj, "baseline", obj)
    if not isinstance(base, Result):
        raise DataError([Issue(("result",), "not_a_result", "Expected a Result or an "
                               f"Edition. Got {type(obj).__name__}.")])
    return base


def _column(result: Result, code: str | None, by: str) -> pd.Series:
    code = code or result.spec.index_code
    if code not in result.scores.columns:
        raise DataError([Issue(("code",), "unknown_code", f"'{code}' is not a node of "
                               f"'{result.spec.name}'.", code)])
    if by not in ("ranks", "scores"):
        raise DataError([Issue(("by",), "unknown_by", "by must be 'ranks' or 'scores'. "
                               f"Got {by!r}.", by)])
    s = result.scores[code] if by == "scores" else result.ranks[code].astype(float)
    return s.astype(float)


def compare_results(a: Result, b: Result, *, code: str | None = None, by: By = "ranks",
                    labels: tuple[str, str] = ("a", "b")) -> pd.DataFrame:
    """Ranks (or scores) of one node in two builds, by unit (COINr's ``compare_coins``).

    Parameters
    ----------
    a, b : Result or Edition
    code : str, optional
        The node compared (default: ``a``'s index).
    by : {"ranks", "scores"}
        Ranks are each build's own (1 = best, ties share the best rank).
    labels : (str, str)
        Column names of the two builds.

    Returns
    -------
    DataFrame
        index: unit (the units of either build, sorted); columns ``labels[0]``,
        ``labels[1]``, ``diff`` (first minus second) and ``abs_diff``; NaN where a unit
        is in one build only.
    """
    ra, rb = _result(a), _result(b)
    code = code or ra.spec.index_code
    t = pd.concat([_column(ra, code, by).rename(labels[0]),
                   _column(rb, code, by).rename(labels[1])], axis=1).sort_index()
    t["diff"] = t[labels[0]] - t[labels[1]]
    t["abs_diff"] = t["diff"].abs()
    t.index.name = "unit"
    return t


def compare_many(results: Mapping[str, Any], *, code: str | None = None, by: By = "ranks",
                 base: str | None = None) -> dict[str, pd.DataFrame]:
    """Ranks (or scores) of one node in several named builds (``compare_coins_multi``).

    Returns
    -------
    dict
        ``values``, ``diffs`` (each build minus ``base``, default the first) and
        ``abs_diffs``: index unit (sorted by the base's values), one column per build,
        the base first.
    """
    if len(results) < 2:
        raise DataError([Issue(("results",), "too_few", "Compare needs at least two "
                               f"builds. Got {len(results)}.", len(results))])
    names = list(results)
    base = base or names[0]
    if base not in results:
        raise DataError([Issue(("base",), "unknown_base", f"base '{base}' is not one of "
                               f"{names}.", base)])
    order = [base, *[n for n in names if n != base]]
    first = _result(results[base])
    code = code or first.spec.index_code
    values = pd.concat([_column(_result(results[n]), code, by).rename(n) for n in order],
                       axis=1)
    values = values.sort_values(base, kind="stable")
    values.index.name = "unit"
    diffs = values.sub(values[base], axis=0)
    return {"values": values, "diffs": diffs, "abs_diffs": diffs.abs()}


def compare_correlations(a: Result, b: Result, *, codes: list[str] | None = None,
                         by: By = "ranks") -> pd.DataFrame:
    """Per node, the correlation of its ranks (or scores) in two builds (COINr's
    ``compare_coins_corr``), over the units in both.

    Returns
    -------
    DataFrame
        ``code``, ``level``, ``r`` (Pearson's), ``n`` (units in both); every node of
        ``a`` by default.
    """
    ra, rb = _result(a), _result(b)
    codes = list(ra.spec.codes) if codes is None else list(codes)
    rows = []
    for c in codes:
        t = compare_results(ra, rb, code=c, by=by).dropna(subset=["a", "b"])
        r = float(t["a"].corr(t["b"])) if len(t) > 1 else float("nan")
        rows.append((c, ra.spec.levels[c], r, len(t)))
    return pd.DataFrame(rows, columns=["code", "level", "r", "n"])


@dataclass(frozen=True)
class Removal:
    """What :func:`remove_elements` returns (index: unit, in the build's order).

    Attributes
    ----------
    scores, ranks : DataFrame
        Column ``nominal`` (as built), then one per element removed (its weight set to 0).
    rank_diffs : DataFrame
        Nominal rank minus the new rank (positive: the unit moves up when the element is
        removed); ``nominal`` is 0.
    mean_abs_diff : Series
        Per element: the mean absolute rank change over units (``nominal`` first, 0).
    """

    scores: pd.DataFrame
    ranks: pd.DataFrame
    rank_diffs: pd.DataFrame
    mean_abs_diff: pd.Series


def remove_elements(result: Any, *, level: int, code: str | None = None) -> Removal:
    """Leave out each element of ``level`` in turn (weight 0) and re-aggregate.

    Parameters
    ----------
    result : Result or Edition
    level : int
        1 = indicators, 2 = the groups above them, ...; below the index's level.
    code : str, optional
        The node whose scores and ranks are reported (default: the index).

    Raises
    ------
    DataError
        If ``level`` is not below the index, or ``code`` is not a node.
    """
    base = _result(result)
    spec = base.spec
    code = code or spec.index_code
    top = spec.levels[spec.index_code]
    if not 1 <= level < top:
        raise DataError([Issue(("level",), "bad_level", f"level must be from 1 (indicators) "
                               f"to {top - 1} (below the index). Got {level}.", level)])
    _column(base, code, "scores")
    elements = [c for c in spec.codes if spec.levels[c] == level]
    cols = {"nominal": base.scores[code]}
    for e in elements:
        out = reaggregate(base, spec.with_changes({f"{e}.weight": 0}))
        cols[e] = out.scores[code]
    scores = pd.DataFrame(cols)
    ranks = rank_frame(scores).astype(float)
    diffs = ranks.rsub(ranks["nominal"], axis=0)
    mad = diffs.abs().mean(axis=0, skipna=True)
    return Removal(scores, ranks, diffs, mad.rename("mean_abs_rank_change"))
