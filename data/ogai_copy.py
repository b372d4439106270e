"""Re-create ``data/sources`` from the raw mirrors, subset exactly as SOURCES.md states.

``python data/build_ogai.py --copy-sources RAW [--extra-raw EXTRA]``: ``RAW`` is the
project's raw mirror (``shared/data/raw``), ``EXTRA`` the research helper's staging folder
(``staging/raw_extra``) for the files that are only there. Every operation is one of

- ``verbatim``: the bytes of the file;
- ``years``: the header and the rows whose ``Year`` >= :data:`MIN_YEAR`, byte for byte;
- ``field_all``: the header and the rows whose ``field`` is ``All``, byte for byte;
- ``columns``: parsed as CSV and written back with Python's ``csv`` writer (minimal
  quoting, ``\\n`` line ends) keeping only the named columns; cell text unchanged;
- ``wpp``: sheet ``Median`` of the UN WPP 2024 probabilistic-projection workbook, rows of
  ``Type`` "Country/Area", columns ISO3, name, location code, 2024, 2025, numbers written
  with Python's ``repr`` (a format conversion; values unchanged).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd
from ogai_readers import MIN_YEAR

WB = "world_bank_wdi/"
WB_LONG = ["sp.pop.totl.csv", "ny.gdp.mktp.cd.csv", "se.ter.enrr.csv", "it.net.bbnd.p2.csv",
           "it.net.secr.p6.csv", "gb.xpd.rsdv.gd.zs.csv",
           "bx.gsr.royl.cd.csv", "tx.val.tech.cd.csv"]
ETO = ["publications_yearly_articles.csv", "publications_yearly_citations.csv",
       "patents_yearly_applications.csv", "companies_yearly_estimated.csv"]
VERBATIM = [
    "github_innovation_graph/developers.csv", "github_innovation_graph/datapackage.json",
    "owid_ai/cumulative-number-artificial-intelligence-bills-passed.csv",
    "owid_ai/views-ai-impact-society-next-20-years.csv",
    "oxford_insights_gairi/gairi_2024_pillars_dimensions.csv",
    "oxford_insights_gairi/gairi_2025_pillars_dimensions.csv",
    # validation only (never an input of the index): published totals of every edition
    "oxford_insights_gairi_history/gairi_global_rankings_2019_2025.csv",
    "imf_aipi/imf_aipi_2023_from_futuregrid.csv",
    "microsoft_ai_diffusion/ai_diffusion_pct_working_age_by_economy_from_futuregrid.csv",
    "epoch_ai_models/notable_ai_models_subset_2025-12.csv",
    "epoch_ai_models/large_scale_ai_models_subset_2025-12.csv",
    "epoch_ai_chip_counts/nvidia_owners_cumulative_totals.csv",
    "epoch_gpu_clusters/README_from_epoch_download.md",
    "country_metadata/wb_country_metadata_2026-07.csv",
]
COLUMNS: dict[str, list[str]] = {
    "country_metadata/country-codes.csv": [
        "ISO3166-1-Alpha-3", "ISO3166-1-Alpha-2", "CLDR display name", "is_independent",
        "Region Name", "Sub-region Name", "Intermediate Region Name"],
    "epoch_gpu_clusters/gpu_clusters.csv": [
        "Name", "Status", "Certainty", "Single cluster?", "H100 equivalents",
        "Chip type (primary)", "Chip quantity (primary)", "Country", "Owner",
        "First Operational Date", "Sector", "Builds Upon", "Superseded by",
        "Possible Duplicate", "Possible Duplicate Of", "Include in Standard Analysis",
        "Decommissioned Date (if applicable)"],
    "top500_lists/top500_lists_2019-2025_subset.csv": [
        "list_edition", "list_month", "source_repo", "source_path", "Rank", "Name", "Site",
        "Country", "Year", "Segment", "Accelerator/Co-Processor", "Rmax [TFlop/s]",
        "System ID"],
}
# files only in the research helper's staging folder: (path there, path here, columns)
EXTRA: list[tuple[str, str, list[str] | None]] = [
    ("top500_lists_extra/top500_lists_2021-06_2022-11_2025-11_subset.csv",
     "top500_lists/top500_lists_2021-06_2022-11_2025-11_subset.csv",
     COLUMNS["top500_lists/top500_lists_2019-2025_subset.csv"]),
    ("imf_weo_datamapper/imf_weo_2025oct_NGDPD_datamapper_export.csv",
     "imf_weo/imf_weo_2025oct_NGDPD_datamapper_export.csv", None),
    ("owid_co2_population_twn/owid_co2_data_TWN_2015-2023_population_gdp.csv",
     "owid_population/owid_co2_data_TWN_2015-2023_population_gdp.csv", None),
]
WPP_XLSX = "un_wpp2024_ppp/UN_PPP2024_Output_PopTot.xlsx"
WPP_OUT = "un_wpp/wpp2024_ppp_poptot_median_2024-2025.csv"
WPP_COLUMNS = ["ISO3 Alpha-code", "Region, subregion, country or area *", "Location code"]


def filter_lines(raw: Path, out: Path, keep: Callable[[dict[str, str]], bool]) -> None:
    """Copy the header and the rows for which ``keep`` is true, byte for byte."""
    lines = raw.read_bytes().splitlines(keepends=True)
    header = next(csv.reader([lines[0].decode("utf-8-sig")]))
    kept = [lines[0]]
    for line in lines[1:]:
        row = next(csv.reader([line.decode("utf-8")]))
        if keep(dict(zip(header, row, strict=True))):
            kept.append(line)
    out.write_bytes(b"".join(kept))


def select_columns(raw: Path, out: Path, columns: Callable[[str], bool]) -> None:
    """Write only the columns for which ``columns(name)`` is true."""
    with open(raw, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    idx = [i for i, c in enumerate(rows[0]) if columns(c)]
    with open(out, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows([[r[i] for i in idx] for r in rows])


def _subset(raw: Path, out: Path, cols: Sequence[str]) -> None:
    with open(raw, newline="", encoding="utf-8-sig") as fh:
        header = next(csv.reader(fh))
    missing = [c for c in cols if c not in header]
    if missing:
        raise ValueError(f"{raw}: columns {missing} not found; the file has {header}.")
    select_columns(raw, out, lambda c: c in set(cols))


def _put(out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    return out


def copy_sources(raw_dir: str | Path, sources_dir: str | Path,
                 extra_dir: str | Path | None = None) -> list[str]:
    """Copy the files the index uses; returns the paths written (relative)."""
    raw, out = Path(raw_dir), Path(sources_dir)
    done: list[str] = []
    for f in WB_LONG:
        filter_lines(raw / WB / f, _put(out / WB / f), lambda r: int(r["Year"]) >= MIN_YEAR)
        done.append(WB + f)
    wide = WB + "IT.NET.USER.ZS_internet_users_pct_wide.csv"
    select_columns(raw / wide, _put(out / wide), lambda c: not c.isdigit() or int(c) >= MIN_YEAR)
    done.append(wide)
    for f in ETO:
        filter_lines(raw / "eto_cat" / f, _put(out / "eto_cat" / f),
                     lambda r: r["field"] == "All")
        done.append("eto_cat/" + f)
    for f in VERBATIM:
        _put(out / f).write_bytes((raw / f).read_bytes())
        done.append(f)
    for f, cols in COLUMNS.items():
        _subset(raw / f, _put(out / f), cols)
        done.append(f)
    if extra_dir is not None:
        done += _copy_extra(Path(extra_dir), out, EXTRA)
        wpp_median(Path(extra_dir) / WPP_XLSX, _put(out / WPP_OUT))
        done.append(WPP_OUT)
    return done


def wpp_median(xlsx: Path, out: Path) -> None:
    """The countries of sheet ``Median`` of the WPP 2024 PPP/POPTOT workbook, 2024-2025."""
    d = pd.read_excel(xlsx, sheet_name="Median", header=16, dtype=object)
    d = d[d["Type"] == "Country/Area"]
    with open(out, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow([*WPP_COLUMNS, "2024", "2025"])
        for r in d.itertuples(index=False):
            row = dict(zip(d.columns, r, strict=True))
            w.writerow([row[c] for c in WPP_COLUMNS]
                       + [repr(float(row[y])) for y in (2024, 2025)])


def _copy_extra(extra: Path, out: Path,
                items: Sequence[tuple[str, str, list[str] | None]]) -> list[str]:
    done = []
    for there, here, cols in items:
        if cols is None:
            _put(out / here).write_bytes((extra / there).read_bytes())
        else:
            _subset(extra / there, _put(out / here), cols)
        done.append(here)
    return done
