"""Coverage of the Open Global AI Index data, edition by edition (JRC rule).

Run from the project root: ``python data/coverage_report.py``.

An edition E uses, for each country and indicator, the latest value dated E-2 .. E
(``LOOKBACK`` in build_ogai.py). An indicator with no value at all in that window is
unavailable in the edition. A country passes when it has values for at least 65% of
the indicators available in the edition, counted before imputation. An inferred value
(status ``inferred``: a 0 inferred from absence in a census-like source) is not data and
never counts as present. In the intensity view an indicator with a denominator counts as
present only when the denominator is present too (latest within the same window).

The Tortoise Global AI Index country list (proprietary, not in this repository) is read
from the folder in the environment variable ``AIRANK_TORTOISE_DIR`` (file
``AI_index_db_iso3_crosswalk.csv``), e.g. ``shared/data/raw/tortoise_gai``; without it
the Tortoise column is skipped.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_ogai as b

THRESHOLD = 0.65
TORTOISE_ENV = "AIRANK_TORTOISE_DIR"
TORTOISE_FILE = "AI_index_db_iso3_crosswalk.csv"


@dataclass(frozen=True)
class Coverage:
    """Coverage of one edition and view."""

    edition: int
    view: str
    available: tuple[str, ...]      # indicators with any value in the window
    present: pd.DataFrame           # index iso3, columns available codes, bool
    share: pd.Series                # observed / (available - inferred), by iso3
    inferred: pd.DataFrame          # index iso3, columns available codes: value inferred

    @property
    def passing(self) -> list[str]:
        return sorted(self.share.index[self.share >= THRESHOLD])

    def indicator_coverage(self) -> pd.Series:
        """Share of passing countries with a value (observed or inferred), by indicator."""
        have = self.present | self.inferred
        return have.loc[self.passing].mean().sort_values()


def latest(table: pd.DataFrame, edition: int, lookback: int = b.LOOKBACK, *,
           column: str = "value") -> pd.DataFrame:
    """Latest row in years edition-lookback .. edition: index iso3, columns codes; the
    cells hold ``column`` of that row (``value``, or ``status``)."""
    win = table[(table["year"] <= edition) & (table["year"] >= edition - lookback)]
    win = win.sort_values("year").drop_duplicates(["iso3", "indicator"], keep="last")
    return win.pivot(index="iso3", columns="indicator", values=column)


def coverage(table: pd.DataFrame, catalogue: pd.DataFrame, edition: int,
             view: str = "scale") -> Coverage:
    """Coverage of an edition and view.

    A unit's share is its observed values over the available indicators, leaving out of
    both counts the indicators whose value for the unit is inferred: an inferred 0 is
    neither data (it does not count as present) nor a gap (it is not imputed).
    """
    inds = catalogue[catalogue["role"] == "indicator"]
    units = sorted(table["iso3"].unique())
    wide = latest(table, edition).reindex(index=units)
    status = (latest(table, edition, column="status").reindex(index=units)
              if "status" in table else pd.DataFrame(index=units))
    available = tuple(c for c in inds["code"] if c in wide)
    present = pd.DataFrame({c: wide[c].notna() for c in available}, index=wide.index)
    inferred = pd.DataFrame({c: status[c].eq("inferred") if c in status else False
                             for c in available}, index=wide.index)
    present &= ~inferred
    if view == "intensity":
        for code, den in zip(inds["code"], inds["denominator_intensity"], strict=True):
            if den and code in present:
                has_den = wide[den].notna() if den in wide else False
                present[code] = present[code] & has_den
    counted = (~inferred).sum(axis=1)
    share = present.sum(axis=1) / counted.where(counted > 0)
    return Coverage(edition, view, available, present, share.fillna(0.0), inferred)


def editions(table: pd.DataFrame) -> list[int]:
    return list(range(b.FIRST_EDITION, int(table["year"].max()) + 1))


def tortoise_dir() -> Path | None:
    """The folder named by ``AIRANK_TORTOISE_DIR``, or None when it is unset."""
    d = os.environ.get(TORTOISE_ENV, "").strip()
    return Path(d) if d else None


def tortoise_countries() -> list[str]:
    """The 62 countries of the Tortoise table (needs ``AIRANK_TORTOISE_DIR``)."""
    d = tortoise_dir()
    if d is None or not (d / TORTOISE_FILE).is_file():
        raise FileNotFoundError(f"Set {TORTOISE_ENV} to the folder holding {TORTOISE_FILE} "
                                f"(e.g. shared/data/raw/tortoise_gai); got {d}.")
    return sorted(pd.read_csv(d / TORTOISE_FILE, keep_default_na=False)["iso3"])


def main() -> int:
    table = pd.read_csv(b.OUT_DIR / "indicators.csv", keep_default_na=False)
    cat = b.read_catalogue()
    t62 = tortoise_countries() if tortoise_dir() is not None else []
    print("Edition  view       indicators  units  passing  Tortoise-62 failing")
    for ed in editions(table):
        for view in ("scale", "intensity"):
            cov = coverage(table, cat, ed, view)
            fail = [c for c in t62 if c not in cov.passing] if t62 else ["(not read)"]
            print(f"{ed}     {view:<10} {len(cov.available):>10}  {len(cov.share):>5}  "
                  f"{len(cov.passing):>7}  {' '.join(fail) or '-'}")
    last = editions(table)[-1]
    for view in ("scale", "intensity"):
        cov = coverage(table, cat, last, view)
        print(f"\nIndicator coverage, edition {last}, {view} view "
              f"(share of the {len(cov.passing)} passing countries; all units with data):")
        allunits = cov.present.sum()
        zeros = cov.inferred.sum()
        for code, share in cov.indicator_coverage().items():
            flag = "" if share >= THRESHOLD else "  < 65%"
            extra = f" (+{zeros[code]} inferred 0)" if zeros[code] else ""
            print(f"  {code:<30} {share:6.1%}  {allunits[code]:>4}{extra}{flag}")
        missing = sorted(set(cat.loc[cat['role'] == 'indicator', 'code']) - set(cov.available))
        print(f"  unavailable in {last}: {', '.join(missing) or '-'}")
        for iso in ("TWN", "HKG"):
            row = cov.present.loc[iso] | cov.inferred.loc[iso]
            print(f"  {iso}: {cov.share[iso]:.1%} present; missing: "
                  f"{', '.join(row.index[~row]) or '-'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
