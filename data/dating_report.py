"""Dating of the OGAI sources: reference period against first publication, and Epoch's
selection of notable models by later citations.

Run from the project root: ``python data/dating_report.py``.

Every edition E uses only data *dated* E-2 .. E, but most sources were published later
than the years they describe (a back-cast): the first table lists, per source file, the
reference period and the first publication of the vintage used (``sources.csv``). The
second measures one consequence for Epoch AI's notable models: a model can enter the
list by being "Highly cited", which takes years, so older years hold models chosen with
hindsight. Shares are of the models published in each band whose ``Notability criteria``
include "Highly cited" (any), and whose only criterion is "Highly cited" (only).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_ogai as b
import ogai_readers as rd

BANDS = ((2015, 2016), (2017, 2019), (2020, 2021), (2022, 2023), (2024, 2024), (2025, 2025))
CITED = "Highly cited"


def notability_shares(models: pd.DataFrame, bands: tuple[tuple[int, int], ...] = BANDS
                      ) -> pd.DataFrame:
    """Share of models chosen by citations, by publication-year band.

    Parameters
    ----------
    models
        Columns ``Publication date`` (YYYY-MM-DD) and ``Notability criteria``
        (comma-separated criteria).

    Returns
    -------
    DataFrame
        Index ``band`` ('2017-2019'); columns ``models``, ``cited_any`` and ``cited_only``
        (counts), ``share_any`` and ``share_only``.
    """
    year = models["Publication date"].str[:4].astype(int)
    crit = models["Notability criteria"].fillna("").str.split(",").map(
        lambda xs: {x.strip() for x in xs if x.strip()})
    rows = []
    for lo, hi in bands:
        c = crit[(year >= lo) & (year <= hi)]
        any_ = int(c.map(lambda s: CITED in s).sum())
        only = int(c.map(lambda s: s == {CITED}).sum())
        n = len(c)
        rows.append((f"{lo}-{hi}" if lo != hi else str(lo), n, any_, only,
                     any_ / n if n else float("nan"), only / n if n else float("nan")))
    return pd.DataFrame(rows, columns=["band", "models", "cited_any", "cited_only",
                                       "share_any", "share_only"]).set_index("band")


def dating_table() -> pd.DataFrame:
    """Per source file: publisher, reference period, first publication (sources.csv)."""
    s = pd.read_csv(b.OUT_DIR / "sources.csv", dtype=str, keep_default_na=False)
    return s[["source", "publisher", "reference_period", "first_published"]]


def main() -> int:
    pd.set_option("display.width", 220)
    pd.set_option("display.max_colwidth", 90)
    print("Reference period vs first publication of the vintage used (sources.csv):")
    print(dating_table().to_string(index=False))
    models = pd.read_csv(b.SOURCES_DIR / rd.EPOCH_MODELS, dtype=str, keep_default_na=False)
    print(f"\nEpoch AI notable models ({rd.EPOCH_MODELS}): chosen by later citations, "
          "by publication year")
    print(notability_shares(models).to_string(float_format=lambda v: f"{v:.1%}"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
