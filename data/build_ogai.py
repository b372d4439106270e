"""Build the Open Global AI Index (OGAI) data shipped in ``airank/datasets/ogai``.

Run from the project root::

    python data/build_ogai.py                      # every output below
    python data/build_ogai.py --copy-sources RAW [--extra-raw EXTRA]
                                                   # first re-copy data/sources

Inputs are only the files under ``data/sources`` (see ``data/sources/SOURCES.md``), the
indicator catalogue ``data/indicators.csv`` and the source catalogue
``airank/datasets/ogai/sources.csv``. Outputs:

- ``indicators.csv``: the long table ``iso3,indicator,year,value,source,status``;
  ``source`` is the file under ``data/sources`` and the key of the row(s) the value was
  read from; ``status`` is ``observed``, or ``inferred`` for a 0 inferred from a
  country's absence from a census-like source (:data:`CENSUS`).
- ``units.csv``: ``iso3,name,region,income_group`` for every unit in the table.
- ``spec_scale.yaml`` and ``spec_intensity.yaml``: generated from the catalogue.
- ``NOTICE.md``: the data notice, generated from ``sources.csv``.
- ``validation.csv``: published scores of other indices (Oxford Insights 2019-2025, IMF
  AIPI 2023), for validation only; never an input of the index.

Every value is read from a source row; nothing is filled in by hand and a missing value
stays missing (no row). Country names and codes go through
``airank.countries.reconcile``; aggregates are dropped by the explicit rules in
:data:`AGGREGATES` and :func:`ogai_readers.wb_aggregates`; any other name that does not
match exactly one country stops the build.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for p in (ROOT, HERE):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import ogai_compute as oc  # noqa: E402
import ogai_readers as rd  # noqa: E402
from ogai_copy import copy_sources  # noqa: E402
from ogai_notice import read_sources, write_notice  # noqa: E402
from ogai_readers import FIRST_EDITION, LOOKBACK, MIN_YEAR, Record  # noqa: E402, F401
from ogai_spec import PILLARS, build_units, make_spec, methodology, write_spec  # noqa: E402, F401

from airank.countries import load_aliases, reconcile  # noqa: E402

SOURCES_DIR = ROOT / "data" / "sources"
CATALOGUE = ROOT / "data" / "indicators.csv"
ALIASES = ROOT / "data" / "aliases.csv"
OUT_DIR = ROOT / "airank" / "datasets" / "ogai"
COLUMNS = ["iso3", "indicator", "year", "value", "source", "status"]
_wb_aggregates = rd.wb_aggregates  # the name the tests use

# Entities that are not countries, by the exact spelling of the files used. Each is
# dropped before reconciliation; anything else that fails to match stops the build.
AGGREGATES: dict[str, str] = {
    # ETO country activity tracker: regions, alliances, organisations
    "ASEAN": "regional group", "Africa": "continent", "Asia": "continent",
    "EU": "European Union", "Europe": "continent", "Five Eyes": "alliance",
    "Global Partnership on Artificial Intelligence": "intergovernmental group",
    "NATO": "alliance", "North America and the Caribbean": "region",
    "OECD": "intergovernmental group", "Oceania": "continent", "Quad": "alliance",
    "South and Central America": "region",
    "European Patent Organization": "patent office (EPO)",
    "Eurasian Patent Organization": "patent office (EAPO)",
    "International Bureau of WIPO": "patent office (WIPO, PCT receiving office)",
    "World Intellectual Property Organization (WIPO)": "patent office (WIPO)",
    # IMF AIPI country groups
    "ADVEC": "IMF advanced economies", "APQ": "IMF Asia and Pacific",
    "AS5": "IMF ASEAN-5", "EME": "IMF emerging market economies",
    "EUQ": "IMF Europe", "EURO": "IMF euro area", "LIC": "IMF low-income countries",
    "MAE": "IMF Middle East and Central Asia", "MECA": "IMF Middle East and Central Asia",
    "NMQ": "IMF Western Hemisphere", "SSQ": "IMF sub-Saharan Africa",
    "WE": "IMF Western Europe",
    # World Bank economy that is two territories without an ISO 3166-1 code
    "CHI": "Channel Islands (Jersey and Guernsey combined)",
}

# Census-like sources: a unit of the table that is absent from the source in a year the
# source covers has none, written as 0 with status 'inferred' (never counted as data in
# coverage, never imputed over). A unit present with a value of unknown size gets no 0.
CENSUS: dict[str, Callable[[Path, int], str]] = {
    "notable_ai_models": lambda s, y: (f"{rd.EPOCH_MODELS}[no model of an organisation in "
                                       f"the country, {y - 2}-{y}]"),
    "large_scale_ai_models": lambda s, y: (f"{rd.EPOCH_LARGE}[no model of an organisation "
                                           f"in the country, {y - 2}-{y}]"),
    "ai_compute": lambda s, y: (f"{oc.CLUSTERS}[no cluster in the country counted at "
                                f"{y}-12-31 (rule ai_compute)]"),
    "top500_rmax": lambda s, y: oc.top500_absent_key(s, y),
}
# Counts that enter the index as rates in both views: code -> (denominator, factor). The
# talent sub-pillar measures density (like tertiary enrolment): GitHub developers per
# 1,000 people; as a count it duplicates the size of AI publications (|r| 0.953, 2020)
RATES: dict[str, tuple[str, float]] = {"github_developers": ("population", 1000.0)}
LAST_YEAR = 2025  # latest edition; later (projected) years of the sources are dropped
COMPUTE_YEARS = range(MIN_YEAR, LAST_YEAR + 1)  # the cluster file is a Dec-2025 vintage


# ---------------------------------------------------------------- extractors
_WB = "world_bank_wdi/"
_OI24 = "oxford_insights_gairi/gairi_2024_pillars_dimensions.csv"
_OI25 = "oxford_insights_gairi/gairi_2025_pillars_dimensions.csv"
_IMF = "imf_aipi/imf_aipi_2023_from_futuregrid.csv"
_MS = "microsoft_ai_diffusion/ai_diffusion_pct_working_age_by_economy_from_futuregrid.csv"
_OWID_BILLS = "owid_ai/cumulative-number-artificial-intelligence-bills-passed.csv"
_OWID_VIEWS = "owid_ai/views-ai-impact-society-next-20-years.csv"


def spliced(*parts: Callable[[Path], Record]) -> Callable[[Path], Record]:
    return lambda src: pd.concat([p(src) for p in parts], ignore_index=True)


def _oi(file: str, column: str, year: int, code: str) -> Callable[[Path], Record]:
    return lambda s: rd.by_column(s, file, "Country", column, year, code)


def _wbl(file: str, code: str) -> Callable[[Path], Record]:
    return lambda s: rd.wb_long(s, _WB + file, code)


def _eto(file: str, column: str, code: str) -> Callable[[Path], Record]:
    return lambda s: rd.eto(s, "eto_cat/" + file, column, code)


def _imf(column: str, code: str) -> Callable[[Path], Record]:
    return lambda s: rd.by_column(s, _IMF, "iso3", column, 2023, code)


def _compute(s: Path) -> Record:
    a = oc.ai_compute(s, COMPUTE_YEARS)
    return rd.records(a["name"], "ai_compute", a["year"], a["value"], a["source"],
                      keep_na=True)


def _top500(s: Path) -> Record:
    t = oc.top500_rmax(s)
    return rd.records(t["name"], "top500_rmax", t["year"], t["value"], t["source"])


# code -> how to read it; the catalogue (data/indicators.csv) holds the metadata
EXTRACTORS: dict[str, Callable[[Path], Record]] = {
    "population": spliced(_wbl("sp.pop.totl.csv", "population"), rd.taiwan_population),
    "gdp": spliced(_wbl("ny.gdp.mktp.cd.csv", "gdp"),
                   lambda s: rd.weo_gdp(s)[lambda r: r["year"] <= LAST_YEAR]),
    "tertiary_enrolment": _wbl("se.ter.enrr.csv", "tertiary_enrolment"),
    "github_developers": lambda s: rd.github(s, "github_innovation_graph/developers.csv",
                                             "developers", "github_developers"),
    "ai_diffusion": lambda s: rd.by_column(s, _MS, "iso3", "h2_2025", 2025, "ai_diffusion"),
    "imf_human_capital": _imf("HCLMP_human_capital_labor_market_policies", "imf_human_capital"),
    "internet_users": lambda s: rd.wb_wide(
        s, _WB + "IT.NET.USER.ZS_internet_users_pct_wide.csv", "internet_users"),
    "fixed_broadband": _wbl("it.net.bbnd.p2.csv", "fixed_broadband"),
    "secure_servers": _wbl("it.net.secr.p6.csv", "secure_servers"),
    "ai_compute": _compute,
    "top500_rmax": _top500,
    "ai_bills_passed": lambda s: rd.owid(
        s, _OWID_BILLS, "Cumulative AI-related bills passed into law since 2016, as of 2024",
        "ai_bills_passed"),
    "ai_views_help": lambda s: rd.owid(s, _OWID_VIEWS, "Mostly help", "ai_views_help"),
    "ai_views_harm": lambda s: rd.owid(s, _OWID_VIEWS, "Mostly harm", "ai_views_harm"),
    "imf_regulation_ethics": _imf("RE_regulation_ethics", "imf_regulation_ethics"),
    "data_availability": spliced(_oi(_OI24, "Data Availability", 2024, "data_availability"),
                                 _oi(_OI25, "Data quality", 2025, "data_availability")),
    "ai_publications": _eto("publications_yearly_articles.csv", "num_articles",
                            "ai_publications"),
    "rd_expenditure": _wbl("gb.xpd.rsdv.gd.zs.csv", "rd_expenditure"),
    "ai_citation_impact": rd.citation_impact,
    "ai_patent_applications": _eto("patents_yearly_applications.csv",
                                   "num_patent_applications", "ai_patent_applications"),
    "notable_ai_models": rd.notable_models,
    "large_scale_ai_models": lambda s: rd.notable_models(s, rd.EPOCH_LARGE,
                                                         "large_scale_ai_models"),
    "gov_ai_strategy": spliced(_oi(_OI24, "Vision", 2024, "gov_ai_strategy"),
                               _oi(_OI25, "Policy vision", 2025, "gov_ai_strategy")),
    "gov_ai_governance": spliced(
        _oi(_OI24, "Governance and Ethics", 2024, "gov_ai_governance"),
        _oi(_OI25, "Governance principles", 2025, "gov_ai_governance")),
    "gov_ai_commitment": _oi(_OI25, "Policy commitment", 2025, "gov_ai_commitment"),
    "ai_investment": _eto("companies_yearly_estimated.csv", "estimated_investment",
                          "ai_investment"),
    "ip_receipts": _wbl("bx.gsr.royl.cd.csv", "ip_receipts"),
    "hightech_exports": _wbl("tx.val.tech.cd.csv", "hightech_exports"),
}


# ---------------------------------------------------------------- the table
def read_catalogue(path: Path = CATALOGUE) -> pd.DataFrame:
    """The indicator catalogue: one row per indicator or denominator."""
    cat = pd.read_csv(path, dtype=str, keep_default_na=False)
    unknown = sorted(set(cat["code"]) ^ set(EXTRACTORS))
    if unknown:
        raise ValueError(f"Catalogue and EXTRACTORS disagree on codes: {unknown}.")
    return cat


def _to_iso3(names: Sequence[str], aliases: dict[str, str]) -> dict[str, str]:
    rec = reconcile(sorted(set(names)), aliases=aliases)
    if not rec.ok:
        raise ValueError(
            "Names that are neither a country nor a listed aggregate (add them to "
            f"data/aliases.csv or AGGREGATES): unmatched {list(rec.unmatched)}, "
            f"ambiguous {rec.ambiguous}.")
    return rec.mapping


def build_table(sources_dir: str | Path = SOURCES_DIR) -> pd.DataFrame:
    """Read every source and return the long table.

    Returns
    -------
    DataFrame
        Columns ``iso3, indicator, year, value, source, status``; one row per
        (iso3, indicator, year), sorted by those keys; values finite floats.

    Raises
    ------
    ValueError
        If a name matches no country (and is not in :data:`AGGREGATES`), matches
        several, or two source rows land on the same (iso3, indicator, year).
    """
    src = Path(sources_dir)
    cat = read_catalogue()
    raw = pd.concat([EXTRACTORS[c](src) for c in cat["code"]], ignore_index=True)
    raw["name"] = raw["name"].astype(str).str.strip()
    raw = raw[~raw["name"].isin(AGGREGATES)]
    mapping = _to_iso3(raw["name"].tolist(), load_aliases(ALIASES))
    raw["iso3"] = raw["name"].map(mapping)
    raw["status"] = "observed"
    raw = rates(raw)
    raw = pd.concat([raw, census_zeros(raw, src)], ignore_index=True)
    dup = raw[raw.duplicated(["iso3", "indicator", "year"], keep=False)]
    if len(dup):
        raise ValueError("Several source rows for one (iso3, indicator, year):\n"
                         + dup.sort_values(["iso3", "indicator", "year"]).to_string())
    raw = raw[raw["value"].notna()]  # census rows of unknown size: no value, no 0
    values = raw["value"].astype(float)
    bad = raw[~values.map(math.isfinite)]
    if len(bad):
        raise ValueError(f"Non-finite values:\n{bad.to_string()}")
    out = raw.assign(value=values)[COLUMNS].sort_values(["iso3", "indicator", "year"])
    return out.reset_index(drop=True)


def rates(raw: pd.DataFrame) -> pd.DataFrame:
    """Divide the :data:`RATES` counts by their denominator of the same unit and year;
    a count without a denominator row is dropped (it has no rate)."""
    out = [raw[~raw["indicator"].isin(RATES)]]
    for code, (den, factor) in RATES.items():
        d = raw[raw["indicator"] == den].set_index(["iso3", "year"])
        x = raw[raw["indicator"] == code]
        key = list(zip(x["iso3"], x["year"], strict=True))
        have = [k in d.index for k in key]
        x, key = x[have], [k for k, h in zip(key, have, strict=True) if h]
        dv = d.loc[key, "value"].to_numpy(float)
        ds = d.loc[key, "source"].to_numpy()
        out.append(x.assign(value=x["value"].to_numpy(float) / dv * factor,
                            source=[f"{a} / {b} x {factor:g}" for a, b in
                                    zip(x["source"], ds, strict=True)]))
    return pd.concat(out, ignore_index=True)


def census_zeros(raw: pd.DataFrame, src: Path) -> pd.DataFrame:
    """Inferred zeros for the :data:`CENSUS` sources: every unit of the table without a
    row in a year the source covers (units = those with any value of any indicator)."""
    units = sorted(raw.loc[raw["value"].notna(), "iso3"].unique())
    rows = []
    for code, key in CENSUS.items():
        have = raw[raw["indicator"] == code]
        for y in sorted(have.loc[have["value"].notna(), "year"].unique()):
            done = set(have.loc[have["year"] == y, "iso3"])
            k = key(src, int(y))
            rows += [(u, u, code, int(y), 0.0, k, "inferred") for u in units if u not in done]
    return pd.DataFrame(rows, columns=["name", "iso3", "indicator", "year", "value", "source",
                                       "status"])


def write_table(table: pd.DataFrame, path: str | Path) -> None:
    """Write the table with fixed formatting: repr floats, '\\n' line ends."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(COLUMNS)
        for row in table.itertuples(index=False):
            w.writerow([row.iso3, row.indicator, int(row.year), repr(float(row.value)),
                        row.source, row.status])


def source_files(table: pd.DataFrame) -> set[str]:
    """Files under data/sources that the table's ``source`` keys name."""
    files: set[str] = set()
    for key in table["source"].unique():
        for part in key.split(" / "):
            f = part.split("[", 1)[0].strip()
            if f.endswith((".csv", ".json")):
                files.add(f)
    return files


# ---------------------------------------------------------------- validation
OI_HISTORY = "oxford_insights_gairi_history/gairi_global_rankings_2019_2025.csv"
IMF_FILE = "imf_aipi/imf_aipi_2023_from_futuregrid.csv"


def validation_table(sources_dir: str | Path = SOURCES_DIR) -> pd.DataFrame:
    """Published scores of other indices, for validation only (never an input):
    Oxford Insights' totals of every edition (0-100) and the IMF's AI Preparedness Index.

    Columns ``index, edition, iso3, score, source`` (source: file and row key).
    """
    src = Path(sources_dir)
    oi = pd.read_csv(src / OI_HISTORY, keep_default_na=False, na_values=[""])
    oi = pd.DataFrame({"index": "oxford_insights", "edition": oi["year"].astype(int),
                       "iso3": oi["iso3"], "score": oi["score_100"].astype(float),
                       "source": [f"{OI_HISTORY}[iso3={c};year={y};score_100]"
                                  for c, y in zip(oi["iso3"], oi["year"], strict=True)]})
    imf = pd.read_csv(src / IMF_FILE, keep_default_na=False, na_values=[""])
    imf = imf[~imf["iso3"].isin(AGGREGATES) & imf["AI_PI"].notna()]
    imf = pd.DataFrame({"index": "imf_aipi", "edition": 2023, "iso3": imf["iso3"],
                        "score": imf["AI_PI"].astype(float),
                        "source": [f"{IMF_FILE}[iso3={c};column=AI_PI]" for c in imf["iso3"]]})
    out = pd.concat([oi, imf], ignore_index=True).dropna(subset=["score"])
    return out.sort_values(["index", "edition", "iso3"]).reset_index(drop=True)


def write_validation(table: pd.DataFrame, path: str | Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["index", "edition", "iso3", "score", "source"])
        for r in table.itertuples(index=False):
            w.writerow([r.index, int(r.edition), r.iso3, repr(float(r.score)), r.source])


# ---------------------------------------------------------------- main
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--copy-sources", metavar="RAW_DIR",
                        help="first re-copy data/sources from this raw mirror")
    parser.add_argument("--extra-raw", metavar="EXTRA_DIR",
                        help="with --copy-sources: the staging folder of the extra files")
    args = parser.parse_args(argv)
    if args.copy_sources:
        copy_sources(args.copy_sources, SOURCES_DIR, args.extra_raw)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    table = build_table(SOURCES_DIR)
    write_table(table, OUT_DIR / "indicators.csv")
    units = build_units(SOURCES_DIR, table["iso3"].unique().tolist())
    units.to_csv(OUT_DIR / "units.csv", index=False, lineterminator="\n")
    cat = read_catalogue()
    for view in ("scale", "intensity"):
        write_spec(make_spec(cat, view), OUT_DIR / f"spec_{view}.yaml")
    write_notice(read_sources(OUT_DIR / "sources.csv"), OUT_DIR / "NOTICE.md")
    write_validation(validation_table(SOURCES_DIR), OUT_DIR / "validation.csv")
    inferred = int((table["status"] == "inferred").sum())
    print(f"{len(table)} rows ({inferred} inferred zeros), {table['iso3'].nunique()} units, "
          f"{table['indicator'].nunique()} series -> {OUT_DIR}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
