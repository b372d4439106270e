"""Validation against published indices, untuned: Spearman's rho, with and without shared inputs.

The OGAI is compared with Oxford Insights' Government AI Readiness Index (every edition
2019-2025), the IMF's AI Preparedness Index (2023) and Tortoise Media's Global AI Index
(2021). Oxford Insights and the IMF also publish dimensions the OGAI uses as inputs, which
makes a plain correlation partly circular, so each comparison is also made on the OGAI
rebuilt without the indicators it shares with that index (same goalposts; the weights of
the indicators left out go to their siblings). Tortoise's table is proprietary and not
shipped: it is read from the folder named by ``AIRANK_TORTOISE_DIR`` and skipped when unset.
Nothing here feeds back into the index: the weights are not tuned to agree.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from .. import datasets
from ..pipeline import build as _build
from ..results import Result
from .catalogue import indicator_sources, sources
from .index import EDITIONS, build, dataset, fitted, prune, spec

__all__ = ["PUBLISHERS", "Agreement", "agreement", "face_validity", "published",
           "tortoise", "without_shared"]

#: Published index -> the publisher whose sources the OGAI shares with it.
PUBLISHERS = {"oxford_insights": "Oxford Insights", "imf_aipi": "International Monetary Fund",
              "tortoise": "Tortoise Media"}
TORTOISE_ENV = "AIRANK_TORTOISE_DIR"


def published(index: str, edition: int | None = None) -> pd.Series:
    """The published scores of ``index`` (iso3 -> score) in ``edition`` (its latest when
    None); Tortoise's from :func:`tortoise`. Empty when not available."""
    if index == "tortoise":
        return tortoise()
    t = _validation()
    t = t[t["index"] == index]
    if t.empty:
        return pd.Series(dtype=float)
    e = int(t["edition"].max()) if edition is None else edition
    t = t[t["edition"] == e]
    return pd.Series(t["score"].to_numpy(dtype=float), index=t["iso3"].to_numpy(), name=index)


@cache
def _validation() -> pd.DataFrame:
    return pd.read_csv(datasets.path("ogai", "validation.csv"), keep_default_na=False)


def tortoise() -> pd.Series:
    """Tortoise's 2021 total scores (iso3 -> score) from ``$AIRANK_TORTOISE_DIR``
    (``AI_index_db.csv`` and ``AI_index_db_iso3_crosswalk.csv``); empty when unset."""
    folder = os.environ.get(TORTOISE_ENV)
    if not folder or not (Path(folder) / "AI_index_db.csv").is_file():
        return pd.Series(dtype=float, name="tortoise")
    cw = pd.read_csv(Path(folder) / "AI_index_db_iso3_crosswalk.csv", keep_default_na=False)
    t = pd.read_csv(Path(folder) / "AI_index_db.csv").merge(cw, on="Country")
    return pd.Series(t["Total score"].to_numpy(dtype=float), index=t["iso3"], name="tortoise")


def shared_indicators(index: str) -> list[str]:
    """The OGAI indicators read from ``index``'s publisher (the circular part)."""
    pub = PUBLISHERS[index]
    src = sources()
    files = set(src.index[src["publisher"] == pub])
    t = indicator_sources()
    codes = set(spec("scale").indicator_codes)
    return sorted(c for c in t.loc[t["sources"].map(
        lambda s: bool(files & set(s.split("; ")))), "indicator"] if c in codes)


def without_shared(index: str, edition: int, view: str = "scale") -> Result:
    """The OGAI edition rebuilt without the indicators it shares with ``index``."""
    drop = set(shared_indicators(index))
    full = spec(view)
    s = prune(full, [c for c in full.indicator_codes if c not in drop])
    return _build(s, dataset(view), year=edition, fitted=fitted(view))


@dataclass(frozen=True)
class Agreement:
    """Rank correlation of the OGAI with a published index in one edition."""

    index: str
    edition: int
    n: int
    rho: float
    rho_without_shared: float
    shared: tuple[str, ...]


def _rho(ours: pd.Series, other: pd.Series) -> tuple[int, float]:
    common = sorted(set(ours.dropna().index) & set(other.dropna().index))
    if len(common) < 3:
        return len(common), float("nan")
    return len(common), float(spearmanr(ours[common], other[common]).statistic)


def agreement(view: str = "scale") -> list[Agreement]:
    """Spearman's rho with every published index and edition available (and Tortoise
    2021 when ``$AIRANK_TORTOISE_DIR`` is set), with and without the shared inputs."""
    jobs = [("oxford_insights", e) for e in EDITIONS
            if not published("oxford_insights", e).empty]
    jobs += [("imf_aipi", 2023)]
    if not tortoise().empty:
        jobs.append(("tortoise", 2021))
    out = []
    for index, e in jobs:
        other = published(index, e)
        head = build(e, view)
        n, rho = _rho(head.index, other)
        ranked = head.units
        _, rho2 = _rho(without_shared(index, e, view).index.reindex(ranked), other)
        out.append(Agreement(index, e, n, rho, rho2, tuple(shared_indicators(index))))
    return out


def face_validity(index: str = "oxford_insights", edition: int | None = None,
                  view: str = "scale", units: tuple[str, ...] = ("RUS",), top: int = 30,
                  around: int = 5, large: int = 10) -> pd.DataFrame:
    """The top ``top`` and the ranks around ``units``, beside ``index``'s ranks.

    Columns: ``iso3, country, ogai_rank, other_rank`` (both among the common units),
    ``diff`` (ogai - other), and for a disagreement of ``large`` places or more the
    ``driver``: the indicator that most lifts (or lowers) the unit against the units the
    other index ranks beside it (effective weight x score gap), with that gap in index
    points (``driver_points``).
    """
    e = max(EDITIONS) if edition is None else edition
    head = build(e, view)
    other = published(index, e) if index != "tortoise" else tortoise()
    common = sorted(set(head.index.dropna().index) & set(other.dropna().index))
    ours = head.index[common].rank(ascending=False, method="min").astype(int)
    theirs = other[common].rank(ascending=False, method="min").astype(int)
    pick = set(ours[ours <= top].index)
    for u in units:
        if u in ours.index:
            pick |= set(ours[(ours - ours[u]).abs() <= around].index)
    codes = list(head.spec.indicator_codes)
    X = head.scores.loc[common, codes]
    eff = pd.Series(head.spec.effective_weights)[codes]
    rows = []
    for u in sorted(pick, key=lambda v: ours[v]):
        d = int(ours[u] - theirs[u])
        row = {"iso3": u, "country": head.names.get(u, u), "ogai_rank": int(ours[u]),
               "other_rank": int(theirs[u]), "diff": d, "driver": "", "driver_points": np.nan}
        if abs(d) >= large:
            peers = theirs[(theirs - theirs[u]).abs() <= around].index.drop(u, errors="ignore")
            gap = (X.loc[u] - X.loc[peers].mean()) * eff
            j = gap.idxmin() if d > 0 else gap.idxmax()  # ranked lower: what holds it down
            row.update(driver=str(j), driver_points=float(gap[j]))
        rows.append(row)
    return pd.DataFrame(rows)
