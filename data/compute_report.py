"""What the compute data say about China and Russia (and the USA for scale), 2019-2025.

Run from the project root: ``python data/compute_report.py [ISO3 ...]``. Figures for
``docs/scenarios.md`` (export controls): for each country and year,

- TOP500, latest list of the year: systems, aggregate Rmax (PFlop/s), and systems newly
  installed in the year (``Year`` column = the list year) over the year's lists;
- Epoch AI GPU clusters counted at 31 December (rule of ``ogai_compute``): clusters and
  H100e, and clusters first operational in the year;
- Epoch AI chip owners (China only): Nvidia H100e acquired since 2022-01-01 (median, 5th
  and 95th percentiles);
- ``ai_compute`` as the index uses it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_ogai as b
import ogai_compute as oc

YEARS = range(2019, 2026)
NAMES = {"CHN": ("China", "China"), "RUS": ("Russia", "Russia"),
         "USA": ("United States", "United States of America")}  # TOP500, Epoch spelling


def top500_figures(src: Path, top500_name: str) -> pd.DataFrame:
    """Per year: systems and Rmax (PF) in the latest list, systems newly installed."""
    t = oc.read_top500(src)
    last = oc.latest_lists(t)
    c = t[t["Country"] == top500_name]
    rows = []
    for y in YEARS:
        cur = c[c["list_month"] == last[y]]
        new = c[(c["list_year"] == y) & (c["Year"] == str(y))]["System ID"].nunique()
        rows.append((y, last[y], len(cur), cur["rmax"].sum() / 1000, new))
    return pd.DataFrame(rows, columns=["year", "list", "top500_systems", "top500_rmax_pf",
                                       "top500_new_systems"]).set_index("year")


def cluster_figures(src: Path, epoch_name: str) -> pd.DataFrame:
    """Per year: clusters counted at 31 December, their H100e, clusters started."""
    d = oc.read_clusters(src)
    later = oc.successors(d)
    rows = []
    for y in YEARS:
        c = oc.counted_clusters(d, y, later)
        c = c[c["Country"].str.strip() == epoch_name]
        started = int((c["op"].dt.year == y).sum())
        rows.append((y, len(c), c["h100e"].sum(), started))
    return pd.DataFrame(rows, columns=["year", "clusters", "cluster_h100e",
                                       "clusters_started"]).set_index("year")


def chip_figures(src: Path) -> pd.DataFrame:
    """China's Nvidia chip stock at 31 December (median, 5th, 95th percentiles)."""
    d = pd.read_csv(src / oc.CHIPS, dtype=str, keep_default_na=False)
    end = pd.to_datetime(d["End date"], format="%m/%d/%Y")
    d = d[(d["Owner"] == "China") & (end.dt.month == 12) & (end.dt.day == 31)]
    cols = [oc.CHIP_VALUE, "H100e (5th percentile)", "H100e (95th percentile)"]
    out = d[cols].apply(pd.to_numeric)
    out.columns = ["chips_h100e", "chips_p5", "chips_p95"]
    out.index = end[d.index].dt.year.rename("year")
    return out


def figures(iso3: str, src: Path = b.SOURCES_DIR) -> pd.DataFrame:
    """All compute figures of one country, one row per year."""
    t5, ep = NAMES[iso3]
    f = top500_figures(src, t5).join(cluster_figures(src, ep))
    if iso3 == "CHN":
        f = f.join(chip_figures(src))
    table = pd.read_csv(b.OUT_DIR / "indicators.csv", keep_default_na=False)
    ai = table[(table["iso3"] == iso3) & (table["indicator"] == "ai_compute")]
    return f.join(ai.set_index("year")["value"].rename("ai_compute"))


def main(argv: list[str] | None = None) -> int:
    codes = (argv if argv is not None else sys.argv[1:]) or ["CHN", "RUS", "USA"]
    pd.set_option("display.width", 200)
    for code in codes:
        f = figures(code)
        print(f"\n== {code}")
        print(f.round(1).to_string())
        base, end = f.loc[2022], f.loc[2025]
        print(f"  2022 -> 2025: TOP500 systems {base['top500_systems']:.0f} -> "
              f"{end['top500_systems']:.0f}, Rmax {base['top500_rmax_pf']:.0f} -> "
              f"{end['top500_rmax_pf']:.0f} PF, new TOP500 systems 2022-2025 "
              f"{f.loc[2022:2025, 'top500_new_systems'].sum():.0f}; cluster H100e "
              f"{base['cluster_h100e']:.0f} -> {end['cluster_h100e']:.0f}; ai_compute "
              f"{base['ai_compute']:.0f} -> {end['ai_compute']:.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
