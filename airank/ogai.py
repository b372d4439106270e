"""The Open Global AI Index (OGAI): every edition, both views, with fixed goalposts.

One spec per view (``airank/datasets/ogai/spec_{view}.yaml``) serves every edition; an
edition E uses the latest value of each indicator dated E-2 .. E (the spec's
``data.lookback``) and nothing dated after E. Indicators without data in an edition drop
out of coverage and are aggregated as missing children.

Scores compare across editions because every edition is normalised with the same
goalposts (the OGAI rule, see ``docs/ogai.md``):

1. each edition is built once as the spec says, to get its screened (imputed) values;
2. the outlier treatment of each indicator is fitted once, on its values pooled over all
   editions (the JRC skew/kurtosis rule), and replayed in every edition;
3. min-max goalposts are the minimum and maximum of the treated, direction-applied values
   pooled over all editions; every edition is rebuilt with
   ``fitted={"treat": ..., "normalise": ...}``.

Taiwan and Hong Kong are ranked whatever their data coverage (the spec's
``screen.include``); :func:`ranking` flags every unit below 65% coverage and names the
indicators it lacks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from . import datasets
from .data import Dataset, read_data
from .errors import DataError, Issue, SpecError
from .fitted import Fitted
from .pipeline import build as _build
from .pipeline import fit_pooled
from .results import Result
from .spec import IndexSpec, load_spec

__all__ = ["EDITIONS", "LATEST", "VIEWS", "Comparison", "build", "compare", "dataset",
           "fitted", "ranking", "spec", "trend"]

FIRST = 2019
LATEST: int = 2025  # the latest year with data (a test checks it against the table)
EDITIONS: tuple[int, ...] = tuple(range(FIRST, LATEST + 1))
VIEWS = ("scale", "intensity")
THRESHOLD = 0.65  # the JRC coverage rule: below it a ranked unit is flagged


def _check_view(view: str) -> None:
    if view not in VIEWS:
        raise SpecError([Issue(("view",), "unknown_view",
                               f"Unknown OGAI view '{view}'. Expected one of {list(VIEWS)}.",
                               view)])


def _check_edition(edition: int | None) -> int:
    if edition is None:
        return LATEST
    if edition not in EDITIONS:
        raise SpecError([Issue(("edition",), "unknown_edition",
                               f"No OGAI edition {edition}. Expected one of {list(EDITIONS)}.",
                               edition)])
    return int(edition)


@cache
def spec(view: str = "scale") -> IndexSpec:
    """The index spec of ``view`` ('scale' or 'intensity'), the same for every edition."""
    _check_view(view)
    return load_spec(datasets.path("ogai", f"spec_{view}.yaml"))


@lru_cache(maxsize=1)
def units() -> pd.DataFrame:
    """``units.csv``: index iso3; columns name, region, income_group ('' -> missing)."""
    u = pd.read_csv(datasets.path("ogai", "units.csv"), dtype=str, keep_default_na=False)
    return u.set_index("iso3").replace("", np.nan)


def dataset(view: str = "scale") -> Dataset:
    """The shipped indicator table, checked against ``spec(view)``, with unit groups.

    Both views use the same indicators and denominators, so the table is read once.
    """
    _check_view(view)
    return _dataset()


@lru_cache(maxsize=1)
def _dataset() -> Dataset:
    s = spec("scale")
    u = units()
    d = read_data(datasets.path("ogai", "indicators.csv"), s,
                  groups=u[list(s.units.groups)])
    names = {k: v for k, v in u["name"].items() if k in d.names}
    return Dataset(d.panel, d.groups, {**d.names, **names}, d.source, d.hash, d.notes)


def fitted(view: str = "scale") -> Fitted:
    """The fixed treatment and goalposts of a view, for ``build(..., fitted=...)``."""
    _check_view(view)
    return _fitted(view)


@cache
def _fitted(view: str) -> Fitted:
    """Treatment fitted on all editions pooled, and the pooled goalposts (module doc)."""
    return fit_pooled(spec(view), dataset(view), EDITIONS)


def build(edition: int | None = None, view: str = "scale") -> Result:
    """Build one edition (the latest when None) of one view, with fixed goalposts.

    Raises
    ------
    SpecError
        For an unknown edition or view; the message lists the valid ones.
    """
    _check_view(view)
    return _built(_check_edition(edition), view)


@cache
def _built(year: int, view: str) -> Result:
    return _build(spec(view), dataset(view), year=year, fitted=_fitted(view))


def _missing(result: Result) -> pd.Series:
    """Per unit: indicators available in the edition that the unit lacks (before
    imputation), comma-separated."""
    den = result.stages["denominated"]
    avail = [c for c in den.columns if result.stages["raw"][c].notna().any()]
    lack = den[avail].isna()
    return pd.Series([", ".join(c for c in avail if lack.at[u, c]) for u in den.index],
                     index=den.index)


def ranking(edition: int | None = None, view: str = "scale") -> pd.DataFrame:
    """The ranking table of an edition, best first.

    Columns: ``rank, iso3, country, score``, the pillar scores, the sub-pillar scores
    (codes as column names), ``coverage`` (share of the edition's indicators with data),
    ``low_coverage`` (coverage below 65%: ranked anyway, e.g. Taiwan and Hong Kong) and
    ``missing`` (for flagged units, the indicators they lack; '' otherwise).
    """
    r = build(edition, view)
    s = r.spec
    pillars = list(s.children[s.index_code])
    subs = [c for p in pillars for c in s.children[p]]
    t = r.ranking().rename(columns={"unit": "iso3", "name": "country"})
    for c in subs:
        t[c] = r.scores.loc[t["iso3"], c].to_numpy()
    t = t[["rank", "iso3", "country", "score", *pillars, *subs, "coverage"]]
    t["low_coverage"] = t["coverage"] < THRESHOLD - 1e-12
    miss = _missing(r).reindex(t["iso3"]).to_numpy()
    t["missing"] = np.where(t["low_coverage"], miss, "")
    return t


def trend(iso3: str, view: str = "scale") -> pd.DataFrame:
    """One row per edition: ``edition, rank, n_ranked, score``, pillar and sub-pillar
    scores, ``coverage`` and ``low_coverage``. Editions in which the unit was not ranked
    have missing rank and scores.

    Raises
    ------
    DataError
        If ``iso3`` is not ranked in any edition; the message lists the valid codes.
    """
    _check_view(view)
    code = iso3.strip().upper()
    rows = []
    for e in EDITIONS:
        t = ranking(e, view).set_index("iso3")
        row: dict[str, Any] = {"edition": e, "n_ranked": len(t)}
        if code in t.index:
            row.update({str(k): v for k, v in
                        t.loc[code].drop(["country", "missing"]).items()})
        rows.append(row)
    if all("rank" not in r for r in rows):
        ranked = sorted(ranking(None, view)["iso3"])
        raise DataError([Issue(("iso3",), "unknown_unit",
                               f"'{iso3}' is not ranked in any OGAI edition ({view} view). "
                               f"Expected an ISO3 code, one of: {', '.join(ranked)}.", iso3)])
    cols = ["edition", "rank", "n_ranked", "score", *[c for c in ranking(None, view).columns
                                                       if c not in ("rank", "iso3", "country",
                                                                    "score", "missing")]]
    out = pd.DataFrame(rows).reindex(columns=cols)
    out["rank"] = out["rank"].astype("Int64")
    return out


@dataclass(frozen=True)
class Comparison:
    """Spearman rank correlation of OGAI scores with another index's, common units only."""

    rho: float
    n: int
    table: pd.DataFrame  # index iso3; columns ogai_rank, other_rank, diff (ogai - other)

    def disagreements(self, k: int = 5) -> pd.DataFrame:
        """The ``k`` units whose two ranks differ most (rank among the common units)."""
        order = self.table["diff"].abs().sort_values(ascending=False, kind="stable").index
        return self.table.loc[order[:k]]


def compare(other: Mapping[str, float] | pd.Series, edition: int | None = None,
            view: str = "scale") -> Comparison:
    """Spearman correlation between an edition's scores and ``other`` (iso3 -> score).

    Both are re-ranked among the units they have in common (1 = best).
    """
    other = pd.Series(other, dtype=float).dropna()
    ours = build(edition, view).index.dropna()
    common = sorted(set(ours.index) & set(other.index))
    if len(common) < 3:
        raise DataError([Issue(("other",), "too_few_common",
                               f"Only {len(common)} units in common with the OGAI. Expected "
                               "ISO3 codes as the index of 'other'.", len(common))])
    a, b = ours[common], other[common]
    rho = float(spearmanr(a, b).statistic)
    ra = a.rank(ascending=False, method="min")
    rb = b.rank(ascending=False, method="min")
    table = pd.DataFrame({"ogai_rank": ra.astype(int), "other_rank": rb.astype(int),
                          "diff": (ra - rb).astype(int)})
    return Comparison(rho, len(common), table)
