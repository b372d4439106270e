"""The Open Global AI Index (OGAI): every edition, both views, with fixed goalposts.

One spec per view (``airank/datasets/ogai/spec_{view}.yaml``) serves every edition; an
edition E uses the latest value of each indicator dated E-2 .. E (the spec's
``data.lookback``) and nothing dated after E. Indicators without data in an edition drop
out of coverage and are aggregated as missing children.

Scores compare across editions because every edition is normalised with the goalposts of
one methodology release (:mod:`airank.ogai.release`): the outlier treatment and min-max
goalposts of every indicator, fitted once on its values pooled over the release's
editions, frozen and shipped; every edition is built with them (``fitted=``), so adding
an edition never rewrites a published score.

Two licence modes (:mod:`airank.ogai.catalogue`): ``all`` uses every shipped source (some
on non-open terms, see ``NOTICE.md``), ``open`` only the open-licensed ones.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from .. import datasets
from ..data import Dataset, read_data
from ..errors import DataError, Issue, SpecError
from ..fitted import Fitted
from ..pipeline import build as _build
from ..results import Result
from ..spec import IndexSpec, load_spec
from .catalogue import check_licence, open_mask, table
from .release import release_fitted

__all__ = ["EDITIONS", "LATEST", "TREATMENT_EXCEPTIONS", "VIEWS", "Comparison", "build",
           "compare", "dataset", "fitted", "prune", "spec", "units"]

FIRST = 2019
LATEST: int = 2025  # the latest year with data (a test checks it against the table)
EDITIONS: tuple[int, ...] = tuple(range(FIRST, LATEST + 1))
VIEWS = ("scale", "intensity")
THRESHOLD = 0.65  # the JRC coverage rule: below it a unit is not ranked
#: Indicators that stay outside the JRC skewness/kurtosis rule after treatment, and why.
TREATMENT_EXCEPTIONS = {
    "notable_ai_models": (
        "zero-inflated count (about 80% of country-years have no notable model): after the "
        "log, skewness 3.2 and kurtosis 10.8 (scale view). Only an extreme power "
        "transformation passes (Box-Cox lambda about -2.5), and it squeezes the leaders' "
        "counts onto almost one value, erasing the differences the indicator is there to "
        "show; the log is kept and the exception named."),
    "large_scale_ai_models": (
        "zero-inflated count (about 91% of country-years have no model trained with more "
        "than 1e23 FLOP): no log or Box-Cox transformation brings it within the rule "
        "(best: skewness 2.8, kurtosis 5.9)."),
}


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
def spec(view: str = "scale", *, licence: str = "all") -> IndexSpec:
    """The index spec of ``view`` ('scale' or 'intensity'), the same for every edition.

    ``licence='open'``: the indicators with open-licensed data only; a sub-pillar or
    pillar left without indicators leaves the tree (its siblings share its weight).
    """
    _check_view(view)
    full = load_spec(datasets.path("ogai", f"spec_{view}.yaml"))
    if check_licence(licence) == "all":
        return full
    have = set(table().loc[open_mask(table()), "indicator"])
    return prune(full, [c for c in full.indicator_codes if c in have])


def prune(full: IndexSpec, keep: Sequence[str]) -> IndexSpec:
    """``full`` with only the indicators ``keep``; groups left empty are removed."""
    doc = full.to_dict()
    doc["indicators"] = [i for i in doc["indicators"] if i["code"] in set(keep)]
    alive = {i["parent"] for i in doc["indicators"]}
    nodes = doc["nodes"]
    changed = True
    while changed:  # bottom-up: a group is alive when a child is
        grown = alive | {n["parent"] for n in nodes if n["code"] in alive and n.get("parent")}
        changed, alive = grown != alive, grown
    doc["nodes"] = [n for n in nodes if n["code"] in alive or n.get("parent") is None]
    return IndexSpec.from_dict(doc, base_dir=full.base_dir, source=f"{full.name} (pruned)")


@lru_cache(maxsize=1)
def units() -> pd.DataFrame:
    """``units.csv``: index iso3; columns name, region, income_group ('' -> missing)."""
    u = pd.read_csv(datasets.path("ogai", "units.csv"), dtype=str, keep_default_na=False)
    return u.set_index("iso3").replace("", np.nan)


def dataset(view: str = "scale", *, licence: str = "all") -> Dataset:
    """The shipped indicator table, checked against ``spec(view)``, with unit groups.

    Both views use the same indicators and denominators, so the table is read once per
    licence mode; ``licence='open'`` keeps only the rows of open-licensed sources.
    """
    _check_view(view)
    return _dataset(check_licence(licence))


@cache
def _dataset(licence: str) -> Dataset:
    s = spec("scale", licence=licence)
    u = units()
    rows = table()
    if licence == "open":
        rows = rows[open_mask(rows)]
    frame = rows.drop(columns=["source"]).rename(columns={"iso3": "unit"})
    d = read_data(frame, s, groups=u[list(s.units.groups)])
    names = {k: v for k, v in u["name"].items() if k in d.names}
    label = "airank/datasets/ogai/indicators.csv" + (" (open sources)" if licence == "open"
                                                     else "")
    return dataclasses.replace(d, names={**d.names, **names}, source=label)


def fitted(view: str = "scale", *, licence: str = "all") -> Fitted:
    """The release's fixed treatment and goalposts of a view (``build(..., fitted=...)``)."""
    _check_view(view)
    return release_fitted(view, check_licence(licence))


def build(edition: int | None = None, view: str = "scale", *,
          licence: str = "all") -> Result:
    """Build one edition (the latest when None) of one view, with the release's goalposts.

    The result is shared (cached) and read-only.

    Raises
    ------
    SpecError
        For an unknown edition, view or licence mode; the message lists the valid ones.
    """
    _check_view(view)
    return _built(_check_edition(edition), view, check_licence(licence))


@cache
def _built(year: int, view: str, licence: str) -> Result:
    return _build(spec(view, licence=licence), dataset(view, licence=licence), year=year,
                  fitted=fitted(view, licence=licence)).frozen()


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
