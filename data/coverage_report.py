"""Coverage of the Open Global AI Index data, edition by edition (JRC rule).

Run from the project root: ``python data/coverage_report.py``.

An edition E uses, for each country and indicator, the latest value dated E-2 .. E
(``LOOKBACK`` in build_ogai.py). An indicator with no value at all in that window is
unavailable in the edition. A country passes when it has values for at least 65% of
the indicators available in the edition, counted before imputation. In the intensity
view an indicator with a denominator counts as present only when the denominator is
present too (latest within the same window).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_ogai as b

THRESHOLD = 0.65
TORTOISE = b.SOURCES_DIR / "tortoise_gai" / "AI_index_db_iso3_crosswalk.csv"


@dataclass(frozen=True)
class Coverage:
    """Coverage of one edition and view."""

    edition: int
    view: str
    available: tuple[str, ...]      # indicators with any value in the window
    present: pd.DataFrame           # index iso3, columns available codes, bool
    share: pd.Series                # share of available indicators present, by iso3

    @property
    def passing(self) -> list[str]:
        return sorted(self.share.index[self.share >= THRESHOLD])

    def indicator_coverage(self) -> pd.Series:
        """Share of passing countries with a value, by indicator."""
        return self.present.loc[self.passing].mean().sort_values()


def latest(table: pd.DataFrame, edition: int, lookback: int = b.LOOKBACK) -> pd.DataFrame:
    """Latest value in years edition-lookback .. edition: index iso3, columns codes."""
    win = table[(table["year"] <= edition) & (table["year"] >= edition - lookback)]
    win = win.sort_values("year").drop_duplicates(["iso3", "indicator"], keep="last")
    return win.pivot(index="iso3", columns="indicator", values="value")


def coverage(table: pd.DataFrame, catalogue: pd.DataFrame, edition: int,
             view: str = "scale") -> Coverage:
    inds = catalogue[catalogue["role"] == "indicator"]
    wide = latest(table, edition).reindex(index=sorted(table["iso3"].unique()))
    present = pd.DataFrame({c: wide[c].notna() if c in wide else False for c in inds["code"]},
                           index=wide.index)
    if view == "intensity":
        for code, den in zip(inds["code"], inds["denominator_intensity"], strict=True):
            if den:
                has_den = wide[den].notna() if den in wide else False
                present[code] = present[code] & has_den
    available = tuple(c for c in inds["code"] if present[c].any())
    present = present[list(available)]
    return Coverage(edition, view, available, present, present.mean(axis=1))


def editions(table: pd.DataFrame) -> list[int]:
    return list(range(b.FIRST_EDITION, int(table["year"].max()) + 1))


def tortoise_countries() -> list[str]:
    return sorted(pd.read_csv(TORTOISE, keep_default_na=False)["iso3"])


def main() -> int:
    table = pd.read_csv(b.OUT_DIR / "indicators.csv", keep_default_na=False)
    cat = b.read_catalogue()
    t62 = tortoise_countries()
    print("Edition  view       indicators  units  passing  Tortoise-62 failing")
    for ed in editions(table):
        for view in ("scale", "intensity"):
            cov = coverage(table, cat, ed, view)
            fail = [c for c in t62 if c not in cov.passing]
            print(f"{ed}     {view:<10} {len(cov.available):>10}  {len(cov.share):>5}  "
                  f"{len(cov.passing):>7}  {' '.join(fail) or '-'}")
    last = editions(table)[-1]
    for view in ("scale", "intensity"):
        cov = coverage(table, cat, last, view)
        print(f"\nIndicator coverage, edition {last}, {view} view "
              f"(share of the {len(cov.passing)} passing countries; all units with data):")
        allunits = cov.present.sum()
        for code, share in cov.indicator_coverage().items():
            flag = "" if share >= THRESHOLD else "  < 65%"
            print(f"  {code:<30} {share:6.1%}  {allunits[code]:>4}{flag}")
        missing = sorted(set(cat.loc[cat['role'] == 'indicator', 'code']) - set(cov.available))
        print(f"  unavailable in {last}: {', '.join(missing) or '-'}")
        for iso in ("TWN", "HKG"):
            row = cov.present.loc[iso]
            print(f"  {iso}: {cov.share[iso]:.1%} present; missing: "
                  f"{', '.join(row.index[~row]) or '-'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
