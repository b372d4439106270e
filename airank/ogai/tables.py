"""The OGAI's headline ranking, its data-quality flags, and the list of units it cannot rank.

Two rules decide what a reader sees (``docs/ogai.md``, section 5):

* **Coverage** (the JRC rule): a unit is in the headline ranking only if at least 65% of the
  edition's indicators are *observed* for it (imputed and inferred values are not data).
  The others are listed by :func:`unranked` with their partial scores -- computed with the
  same goalposts -- and what they lack; no unit is ranked by a hand-made exception.
* **Insufficient data**: a ranked unit with more than 20% of its indicators imputed is
  flagged, naming the imputed indicators, in every output (CLI, API, dashboard).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from ..results import Result
from .catalogue import check_licence
from .index import THRESHOLD, _check_edition, _check_view, build, dataset, fitted, spec

__all__ = ["IMPUTED_FLAG", "levels", "ranking", "unranked"]

#: A ranked unit with more than this share of its indicators imputed is flagged.
IMPUTED_FLAG = 0.20


def levels(result: Result) -> tuple[list[str], list[str]]:
    """The pillar and sub-pillar codes of an OGAI spec, in tree order."""
    s = result.spec
    pillars = list(s.children[s.index_code])
    return pillars, [c for p in pillars for c in s.children[p]]


def _quality(result: Result, units: pd.Index) -> pd.DataFrame:
    q = result.data_quality().reindex(units)
    return pd.DataFrame({"coverage": q["coverage"].to_numpy(),
                         "imputed_share": q["imputed_share"].to_numpy(),
                         "insufficient_data": (q["imputed_share"] > IMPUTED_FLAG).to_numpy(),
                         "imputed": q["imputed"].to_numpy(),
                         "inferred": q["n_inferred"].to_numpy()}, index=units)


def ranking(edition: int | None = None, view: str = "scale", *,
            licence: str = "all") -> pd.DataFrame:
    """The headline ranking of an edition, best first (units with >= 65% observed data).

    Columns: ``rank, iso3, country, score``, the pillar and sub-pillar scores (codes as
    column names), ``coverage`` (observed share of the edition's indicators),
    ``imputed_share``, ``insufficient_data`` (more than 20% imputed), ``imputed`` (the
    imputed indicators, comma-separated), ``inferred`` (count of inferred values).
    """
    r = build(edition, view, licence=licence)
    pillars, subs = levels(r)
    t = r.ranking().rename(columns={"unit": "iso3", "name": "country"})
    for c in subs:
        t[c] = r.scores.loc[t["iso3"], c].to_numpy()
    t = t[["rank", "iso3", "country", "score", *pillars, *subs]]
    q = _quality(r, pd.Index(t["iso3"]))
    return pd.concat([t.reset_index(drop=True), q.reset_index(drop=True)], axis=1)


def unranked(edition: int | None = None, view: str = "scale", *,
             licence: str = "all") -> pd.DataFrame:
    """Units with data in the edition but below the coverage rule: not ranked.

    Columns: ``iso3, country, coverage, n_observed, n_available``, ``score`` and the pillar
    and sub-pillar scores as *partial* scores (same goalposts, missing values imputed as
    for ranked units; not comparable as a rank), ``missing`` (indicators without an
    observed value). Sorted by coverage, highest first.
    """
    _check_view(view)
    return _unranked(_check_edition(edition), view, check_licence(licence)).copy()


@cache
def _unranked(year: int, view: str, licence: str) -> pd.DataFrame:
    head = build(year, view, licence=licence)
    s = spec(view, licence=licence).with_changes({"methodology.screen.min_coverage": 0.0})
    from ..pipeline import build as _build

    full = _build(s, dataset(view, licence=licence), year=year,
                  fitted=fitted(view, licence=licence))
    q = full.data_quality()
    out_units = [u for u in full.units if u not in set(head.units)]
    pillars, subs = levels(full)
    t = pd.DataFrame({"iso3": out_units,
                      "country": [full.names.get(u, u) for u in out_units]})
    qq = q.reindex(out_units)
    t["coverage"] = qq["coverage"].to_numpy()
    t["n_observed"] = qq["n_observed"].to_numpy()
    t["n_available"] = qq["n_available"].to_numpy()
    for c in (s.index_code, *pillars, *subs):
        t["score" if c == s.index_code else c] = full.scores.loc[out_units, c].to_numpy(
            dtype=float) if out_units else np.array([], dtype=float)
    t["missing"] = qq["missing"].to_numpy()
    assert (t["coverage"] < THRESHOLD).all()
    return t.sort_values(["coverage", "iso3"], ascending=[False, True]).reset_index(drop=True)
