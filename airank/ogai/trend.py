"""The OGAI over time: the comparable, chain-linked series of every country.

Editions are back-casts under the current methodology release: every edition is scored
with the release's frozen goalposts, but the indicator set differs between editions
(sources start in different years). The headline score of an edition uses every indicator
it has; the *comparable* score chains, edition to edition, the changes measured on the
indicators both editions share (:mod:`airank.analysis.trend`), so its moves come from the
data, not from indicators entering. ``airank trend`` and the dashboard's trend chart show
both.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pandas as pd

from ..analysis.trend import chain_linked
from ..errors import DataError, Issue
from .catalogue import check_licence
from .index import EDITIONS, _check_view, build, dataset, fitted, spec, units

__all__ = ["series", "trend"]


def series(view: str = "scale", *, licence: str = "all") -> pd.DataFrame:
    """Every country's series over all editions (long form).

    Columns: ``iso3, country, edition, ranked, rank, n_ranked, score`` (headline),
    ``comparable_score, comparable_rank``, ``full_score`` (all indicators, also for units
    below the coverage rule), ``link``, ``n_indicators``, ``added``, ``removed``.
    """
    _check_view(view)
    return _series(view, check_licence(licence)).copy()


@cache
def _series(view: str, licence: str) -> pd.DataFrame:
    heads = [build(e, view, licence=licence) for e in EDITIONS]
    t = chain_linked(spec(view, licence=licence), dataset(view, licence=licence), EDITIONS,
                     fitted=fitted(view, licence=licence), headline=heads)
    t = t.rename(columns={"unit": "iso3"})
    t.insert(1, "country", t["iso3"].map(units()["name"]).fillna(t["iso3"]))
    return t


def trend(iso3: str, view: str = "scale", *, licence: str = "all") -> pd.DataFrame:
    """One row per edition for one country: headline rank and score (``rank``, ``n_ranked``,
    ``score``), the comparable series (``comparable_score``, ``comparable_rank``), the
    indicator set (``n_indicators``, ``added``, ``removed``) and the pillar and sub-pillar
    scores of the headline build.

    Raises
    ------
    DataError
        If ``iso3`` has no score in any edition; the message names close codes.
    """
    s = series(view, licence=licence)
    code = iso3.strip().upper()
    mine = s[s["iso3"] == code]
    if mine.empty:
        raise DataError([Issue(("iso3",), "unknown_unit", f"'{iso3}' has no score in any "
                               f"OGAI edition ({view} view). Expected an ISO3 code such as "
                               f"{', '.join(sorted(s['iso3'].unique())[:12])} ...", iso3)])
    rows = []
    for e in EDITIONS:
        r = build(e, view, licence=licence)
        row = mine[mine["edition"] == e]
        base: dict[str, Any] = {"edition": e, "n_ranked": len(r.units)}
        if len(row):
            base.update({str(k): v for k, v in row.iloc[0].drop(
                ["iso3", "country", "edition", "n_ranked"]).items()})
        if code in r.scores.index:
            kids = [c for p in r.spec.children[r.spec.index_code]
                    for c in (p, *r.spec.children[p])]
            base.update({str(k): v for k, v in r.scores.loc[code, kids].items()})
        rows.append(base)
    out = pd.DataFrame(rows)
    for c in ("rank", "comparable_rank"):
        if c in out:
            out[c] = out[c].astype("Int64")
    return out
