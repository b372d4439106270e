"""Build the Open Global AI Index (OGAI) data shipped in ``airank/datasets/ogai``.

Run from the project root::

    python data/build_ogai.py                      # indicators.csv, units.csv, both specs
    python data/build_ogai.py --copy-sources RAW   # re-copy data/sources from a raw mirror

Inputs are only the files under ``data/sources`` (see ``data/sources/SOURCES.md``) and
the indicator catalogue ``data/indicators.csv``. Outputs:

- ``indicators.csv``: the long table ``iso3,indicator,year,value,source``; ``source`` is the
  file under ``data/sources`` and the key of the row(s) the value was read from.
- ``units.csv``: ``iso3,name,region,income_group`` for every unit in the table.
- ``spec_scale.yaml`` and ``spec_intensity.yaml``: generated from the catalogue.

Every value is read from a source row; nothing is filled in by hand and a missing value
stays missing (no row). Country names and codes go through
``airank.countries.reconcile``; aggregates are dropped by the explicit rules in
:data:`AGGREGATES` and :func:`_wb_aggregates`; any other name that does not match exactly
one country stops the build.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from airank.countries import load_aliases, reconcile  # noqa: E402

SOURCES_DIR = ROOT / "data" / "sources"
CATALOGUE = ROOT / "data" / "indicators.csv"
ALIASES = ROOT / "data" / "aliases.csv"
OUT_DIR = ROOT / "airank" / "datasets" / "ogai"

FIRST_EDITION = 2019
LOOKBACK = 2  # an edition uses the latest value in years edition-2 .. edition
MIN_YEAR = FIRST_EDITION - LOOKBACK  # older rows are not needed by any edition
COLUMNS = ["iso3", "indicator", "year", "value", "source"]

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

# Names that one source uses for two different countries: the rows cannot be attributed.
ETO_AMBIGUOUS = {"Congo": "ETO has two entities named 'Congo' (DR Congo and Republic of the "
                          "Congo) with different values in the same year"}

# ETO continent rows, summed for the world citation rate (each article counted once per
# continent of its authors, as countries are counted once per country)
CONTINENTS = ("Africa", "Asia", "Europe", "North America and the Caribbean", "Oceania",
              "South and Central America")
MIN_ARTICLES = 30  # citation impact needs at least this many articles in the year
EPOCH_LAST_YEAR = 2023  # the 2024-12 snapshot holds 46 models for 2024, 106 for 2023
# Census sources: a country absent from them has none (0), written explicitly per year
CENSUS = {"notable_ai_models": "epoch_ai/notable_ai_models_subset_2024-12.csv"
                               "[no model of an organisation in the country, {y0}-{y}]"}

Record = pd.DataFrame  # columns: name, indicator, year, value, source


# ---------------------------------------------------------------- source readers
def _records(names, indicator, years, values, sources) -> Record:
    frame = pd.DataFrame({"name": list(names), "indicator": indicator,
                          "year": pd.array(list(years), dtype="int64"),
                          "value": pd.to_numeric(pd.Series(list(values), dtype=object),
                                                 errors="coerce"),
                          "source": list(sources)})
    return frame[frame["value"].notna() & (frame["year"] >= MIN_YEAR)]


def _wb_aggregates(src: Path) -> set[str]:
    """World Bank codes listed in WB metadata without a region are aggregates."""
    meta = pd.read_csv(src / "country_metadata/wb_country_metadata_2026-07.csv",
                       keep_default_na=False)
    return set(meta.loc[meta["Region"] == "", "Country Code"])


def wb_long(src: Path, file: str, indicator: str) -> Record:
    d = pd.read_csv(src / file, keep_default_na=False, na_values=[""])
    d = d[~d["Country Code"].isin(_wb_aggregates(src))]
    keys = [f"{file}[Country Code={c};Year={y}]"
            for c, y in zip(d["Country Code"], d["Year"], strict=True)]
    return _records(d["Country Code"], indicator, d["Year"], d["Value"], keys)


def wb_wide(src: Path, file: str, indicator: str) -> Record:
    d = pd.read_csv(src / file, keep_default_na=False, na_values=[""])
    d = d[~d["Country Code"].isin(_wb_aggregates(src))]
    years = [c for c in d.columns if c.isdigit()]
    d = d.melt(id_vars=["Country Code"], value_vars=years, var_name="Year", value_name="Value")
    keys = [f"{file}[Country Code={c};column={y}]"
            for c, y in zip(d["Country Code"], d["Year"], strict=True)]
    return _records(d["Country Code"], indicator, d["Year"].astype(int), d["Value"], keys)


def eto(src: Path, file: str, column: str, indicator: str) -> Record:
    """ETO CAT, field 'All'; rows ETO flags incomplete (``complete`` False) are dropped."""
    d = pd.read_csv(src / file)
    d = d[(d["field"] == "All") & ~d["country"].isin(ETO_AMBIGUOUS)]
    d = d[d["complete"].astype(str) == "True"]
    keys = [f"{file}[country={c};field=All;year={y}]"
            for c, y in zip(d["country"], d["year"], strict=True)]
    return _records(d["country"], indicator, d["year"], d[column], keys)


def github(src: Path, file: str, column: str, indicator: str) -> Record:
    """Annual mean of the quarterly counts; only country-years with all four quarters
    published (the economy passed GitHub's 100-developer threshold in each)."""
    d = pd.read_csv(src / file, keep_default_na=False, na_values=[""])
    g = d.groupby(["iso2_code", "year"])[column].agg(["mean", "count"]).reset_index()
    g = g[g["count"] == 4]
    keys = [f"{file}[iso2_code={c};year={y};quarters=1-4;mean]"
            for c, y in zip(g["iso2_code"], g["year"], strict=True)]
    return _records(g["iso2_code"], indicator, g["year"], g["mean"], keys)


def by_column(src: Path, file: str, key: str, column: str, year: int,
              indicator: str) -> Record:
    """One column of a one-edition file, dated ``year``."""
    d = pd.read_csv(src / file, keep_default_na=False, na_values=[""])
    d = d[d[key] != ""]
    keys = [f"{file}[{key}={n};column={column}]" for n in d[key]]
    return _records(d[key], indicator, [year] * len(d), d[column], keys)


def owid(src: Path, file: str, column: str, indicator: str) -> Record:
    d = pd.read_csv(src / file, keep_default_na=False, na_values=[""])
    keys = [f"{file}[Entity={n};Year={y}]" for n, y in zip(d["Entity"], d["Year"], strict=True)]
    return _records(d["Entity"], indicator, d["Year"], d[column], keys)


def citation_impact(src: Path) -> Record:
    """Citations per AI article relative to the world's, by publication year.

    ``(citations / articles of the country) / (citations / articles of the world)``, the
    world being the sum of ETO's six continent rows. Dividing by the world rate removes the
    citation-window truncation (recent articles have had less time to be cited), so values
    compare across years (1 = world average). Country-years with fewer than
    :data:`MIN_ARTICLES` articles are left out (a handful of papers is noise), as are years
    ETO flags incomplete for articles.
    """
    fa, fc = "eto_cat/publications_yearly_articles.csv", "eto_cat/publications_yearly_citations.csv"
    a = pd.read_csv(src / fa)
    c = pd.read_csv(src / fc)
    a = a[(a["field"] == "All") & (a["complete"].astype(str) == "True")]
    d = a.merge(c[c["field"] == "All"], on=["country", "field", "year"])
    world = d[d["country"].isin(CONTINENTS)].groupby("year")[["num_citations", "num_articles"]]
    rate = world.sum().eval("num_citations / num_articles")
    d = d[~d["country"].isin(ETO_AMBIGUOUS) & (d["num_articles"] >= MIN_ARTICLES)]
    d = d[d["year"].isin(rate.index)]
    value = d["num_citations"] / d["num_articles"] / d["year"].map(rate)
    keys = [f"{fc}[country={n};field=All;year={y}] / {fa}[same key] / world (ETO continents)"
            for n, y in zip(d["country"], d["year"], strict=True)]
    return _records(d["country"], "ai_citation_impact", d["year"], value, keys)


def notable_models(src: Path) -> Record:
    """Epoch AI notable models published in the three years to each year, by country.

    A model counts once for every distinct country of its organisations (whole counting;
    "Multinational" is not a country and is skipped). Years after :data:`EPOCH_LAST_YEAR`
    are incomplete in the snapshot and dropped. Countries with no model get an explicit 0
    in :func:`build_table` (:data:`CENSUS`): the database is a census of notable models.
    """
    f = "epoch_ai/notable_ai_models_subset_2024-12.csv"
    d = pd.read_csv(src / f, dtype=str, keep_default_na=False)
    d["year"] = d["Publication date"].str[:4].astype(int)
    # one row per (country, model, year): count distinct models, not pairs
    rows = [(c.strip(), m, y) for cs, m, y in zip(d["Country (from Organization)"], d["Model"],
                                                  d["year"], strict=True)
            for c in set(cs.split(",")) if c.strip() not in ("", "Multinational")]
    per = pd.DataFrame(rows, columns=["name", "model", "year"]).drop_duplicates()
    per = per.groupby(["name", "year"]).size()
    out = []
    for name in sorted(per.index.get_level_values(0).unique()):
        s = per.loc[name]
        for y in range(MIN_YEAR, EPOCH_LAST_YEAR + 1):
            n = int(s[(s.index >= y - 2) & (s.index <= y)].sum())
            if n:
                out.append((name, y, n, f"{f}[Country (from Organization) contains {name};"
                                        f"Publication date in {y - 2}-{y};count models]"))
    names, years, values, keys = zip(*out, strict=True)
    return _records(names, "notable_ai_models", years, values, keys)


def spliced(*parts: Callable[[Path], Record]) -> Callable[[Path], Record]:
    return lambda src: pd.concat([p(src) for p in parts], ignore_index=True)


_WB = "world_bank_wdi/"
_OI24 = "oxford_insights_gairi/gairi_2024_pillars_dimensions.csv"
_OI25 = "oxford_insights_gairi/gairi_2025_pillars_dimensions.csv"
_IMF = "imf_aipi/imf_aipi_2023_from_futuregrid.csv"
_MS = "microsoft_ai_diffusion/ai_diffusion_pct_working_age_by_economy_from_futuregrid.csv"
_OWID_BILLS = "owid_ai/cumulative-number-artificial-intelligence-bills-passed.csv"
_OWID_VIEWS = "owid_ai/views-ai-impact-society-next-20-years.csv"


def _oi(file: str, column: str, year: int, code: str) -> Callable[[Path], Record]:
    return lambda s: by_column(s, file, "Country", column, year, code)


def _wbl(file: str, code: str) -> Callable[[Path], Record]:
    return lambda s: wb_long(s, _WB + file, code)


def _eto(file: str, column: str, code: str) -> Callable[[Path], Record]:
    return lambda s: eto(s, "eto_cat/" + file, column, code)


def _imf(column: str, code: str) -> Callable[[Path], Record]:
    return lambda s: by_column(s, _IMF, "iso3", column, 2023, code)


def _gh(name: str, code: str) -> Callable[[Path], Record]:
    return lambda s: github(s, f"github_innovation_graph/{name}.csv", name, code)


# code -> how to read it; the catalogue (data/indicators.csv) holds the metadata
EXTRACTORS: dict[str, Callable[[Path], Record]] = {
    "population": _wbl("sp.pop.totl.csv", "population"),
    "gdp": _wbl("ny.gdp.mktp.cd.csv", "gdp"),
    "tertiary_enrolment": _wbl("se.ter.enrr.csv", "tertiary_enrolment"),
    "github_developers": _gh("developers", "github_developers"),
    "ai_diffusion": lambda s: by_column(s, _MS, "iso3", "h2_2025", 2025, "ai_diffusion"),
    "internet_users": lambda s: wb_wide(
        s, _WB + "IT.NET.USER.ZS_internet_users_pct_wide.csv", "internet_users"),
    "fixed_broadband": _wbl("it.net.bbnd.p2.csv", "fixed_broadband"),
    "secure_servers": _wbl("it.net.secr.p6.csv", "secure_servers"),
    "ai_compute_capacity": _oi(_OI25, "Compute capacity", 2025, "ai_compute_capacity"),
    "ai_bills_passed": lambda s: owid(
        s, _OWID_BILLS, "Cumulative AI-related bills passed into law since 2016, as of 2024",
        "ai_bills_passed"),
    "ai_views_help": lambda s: owid(s, _OWID_VIEWS, "Mostly help", "ai_views_help"),
    "ai_views_harm": lambda s: owid(s, _OWID_VIEWS, "Mostly harm", "ai_views_harm"),
    "imf_regulation_ethics": _imf("RE_regulation_ethics", "imf_regulation_ethics"),
    "imf_human_capital": _imf("HCLMP_human_capital_labor_market_policies", "imf_human_capital"),
    "imf_innovation": _imf("IEI_innovation_economic_integration", "imf_innovation"),
    "imf_digital_infrastructure": _imf("DI_digital_infrastructure",
                                       "imf_digital_infrastructure"),
    "ai_citation_impact": citation_impact,
    "notable_ai_models": notable_models,
    "oi_human_capital": spliced(_oi(_OI24, "Human Capital", 2024, "oi_human_capital"),
                                _oi(_OI25, "Human capital", 2025, "oi_human_capital")),
    "ai_sector_maturity": spliced(_oi(_OI24, "Maturity", 2024, "ai_sector_maturity"),
                                  _oi(_OI25, "AI sector maturity", 2025, "ai_sector_maturity")),
    "ai_regulatory_compliance": _oi(_OI25, "Regulatory compliance", 2025,
                                    "ai_regulatory_compliance"),
    "data_availability": spliced(_oi(_OI24, "Data Availability", 2024, "data_availability"),
                                 _oi(_OI25, "Data quality", 2025, "data_availability")),
    "ai_publications": _eto("publications_yearly_articles.csv", "num_articles",
                            "ai_publications"),
    "rd_expenditure": _wbl("gb.xpd.rsdv.gd.zs.csv", "rd_expenditure"),
    "github_repositories": _gh("repositories", "github_repositories"),
    "github_git_pushes": _gh("git_pushes", "github_git_pushes"),
    "patent_applications_resident": _wbl("ip.pat.resd.csv", "patent_applications_resident"),
    "ai_patent_applications": _eto("patents_yearly_applications.csv",
                                   "num_patent_applications", "ai_patent_applications"),
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
    "github_organizations": _gh("organizations", "github_organizations"),
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
        Columns ``iso3, indicator, year, value, source``; one row per
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
    raw = pd.concat([raw, _census_zeros(raw)], ignore_index=True)
    dup = raw[raw.duplicated(["iso3", "indicator", "year"], keep=False)]
    if len(dup):
        raise ValueError("Several source rows for one (iso3, indicator, year):\n"
                         + dup.sort_values(["iso3", "indicator", "year"]).to_string())
    values = raw["value"].astype(float)
    bad = raw[~values.map(math.isfinite)]
    if len(bad):
        raise ValueError(f"Non-finite values:\n{bad.to_string()}")
    out = raw.assign(value=values)[COLUMNS].sort_values(["iso3", "indicator", "year"])
    return out.reset_index(drop=True)


def _census_zeros(raw: pd.DataFrame) -> pd.DataFrame:
    """Explicit zeros for the :data:`CENSUS` sources: every unit of the table without a
    value in a year the source covers (units = those with any value of any indicator)."""
    units = sorted(raw["iso3"].unique())
    rows = []
    for code, key in CENSUS.items():
        have = raw[raw["indicator"] == code]
        for y in sorted(have["year"].unique()):
            done = set(have.loc[have["year"] == y, "iso3"])
            rows += [(u, u, code, int(y), 0.0, key.format(y0=int(y) - 2, y=int(y)))
                     for u in units if u not in done]
    return pd.DataFrame(rows, columns=["name", "iso3", "indicator", "year", "value", "source"])


def write_table(table: pd.DataFrame, path: str | Path) -> None:
    """Write the table with fixed formatting: repr floats, '\\n' line ends."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(COLUMNS)
        for row in table.itertuples(index=False):
            w.writerow([row.iso3, row.indicator, int(row.year), repr(float(row.value)),
                        row.source])


# ---------------------------------------------------------------- units
def build_units(sources_dir: str | Path, iso3s: Sequence[str]) -> pd.DataFrame:
    """Name, region and income group of every unit, from World Bank metadata.

    Units the World Bank does not list (Taiwan, some territories) get no income group
    and the World Bank region held by most WB-listed countries in the same UN M49
    intermediate region (or sub-region when there is none) in country-codes.csv;
    ties go to the alphabetically first region. Their name is the CLDR display name.
    """
    src = Path(sources_dir)
    wb = pd.read_csv(src / "country_metadata/wb_country_metadata_2026-07.csv",
                     keep_default_na=False)
    wb = wb[wb["Region"] != ""].set_index("Country Code")
    cc = pd.read_csv(src / "country_metadata/country-codes.csv", keep_default_na=False)
    cc = cc[cc["ISO3166-1-Alpha-3"] != ""].set_index("ISO3166-1-Alpha-3")
    area = cc["Intermediate Region Name"].where(cc["Intermediate Region Name"] != "",
                                                cc["Sub-region Name"])
    listed = area[area.index.isin(wb.index)]
    majority = {}
    for a, codes in listed.groupby(listed).groups.items():
        counts = wb.loc[list(codes), "Region"].value_counts()
        majority[a] = sorted(counts[counts == counts.max()].index)[0]
    rows = []
    for code in sorted(set(iso3s)):
        if code in wb.index:
            rows.append((code, wb.at[code, "TableName"], wb.at[code, "Region"],
                         wb.at[code, "IncomeGroup"]))
        elif code in cc.index and area[code] in majority:
            rows.append((code, cc.at[code, "CLDR display name"], majority[area[code]], ""))
        else:
            raise ValueError(f"No region for '{code}' in WB metadata or country-codes.csv.")
    return pd.DataFrame(rows, columns=["iso3", "name", "region", "income_group"])


# ---------------------------------------------------------------- specs
PILLARS = {  # pillar -> sub-pillars, as in Tortoise Media's Global AI Index
    "implementation": ("Implementation", [("talent", "Talent"),
                                          ("infrastructure", "Infrastructure"),
                                          ("operating_environment", "Operating Environment")]),
    "innovation": ("Innovation", [("research", "Research"), ("development", "Development")]),
    "investment": ("Investment", [("government_strategy", "Government Strategy"),
                                  ("commercial", "Commercial")]),
}
FORCE_INCLUDE = ("BHR", "HKG", "TWN")
METHODOLOGY = {
    # Ranked whatever their coverage, with a low-coverage flag (airank.ogai.ranking):
    # Taiwan and Hong Kong each miss a whole family of sources; Bahrain falls short in
    # the 2019 edition only (see docs/ogai.md, section 5)
    "screen": {"min_coverage": 0.65, "include": list(FORCE_INCLUDE)},
    "impute": {"method": "mean", "by": "region"},
    "treat": {"method": "jrc", "skew": 2.0, "kurtosis": 3.5, "max_points": 5},
    "normalise": {"method": "minmax", "lower": 0, "upper": 100},
    "aggregate": {"method": "arithmetic"},
}


def available_codes(table: pd.DataFrame, edition: int) -> set[str]:
    """Series with at least one value dated edition-LOOKBACK .. edition."""
    years = table["year"].astype(int)
    return set(table.loc[(years <= edition) & (years >= edition - LOOKBACK), "indicator"])


def make_spec(catalogue: pd.DataFrame, view: str, *, available: set[str] | None = None,
              edition: int | None = None) -> dict:
    """The engine spec for ``view`` 'scale' or 'intensity' (``denominator`` only there).

    The shipped specs hold every catalogue indicator and serve every edition: the engine
    leaves an indicator without data in an edition out of coverage and aggregates it as a
    missing child. ``available`` (optional) limits the spec to some indicators; sub-pillars
    and pillars left without indicators are dropped. ``edition`` goes to ``data.year``
    (None = latest in the data).
    """
    if view not in ("scale", "intensity"):
        raise ValueError(f"view must be 'scale' or 'intensity'. Got {view!r}.")
    dens = catalogue[catalogue["role"] == "denominator"]
    inds = catalogue[catalogue["role"] == "indicator"]
    if available is not None:
        inds = inds[inds["code"].isin(available)]
    used = set(inds["subpillar"])
    nodes: list[dict] = [{"code": "ogai", "name": "Open Global AI Index"}]
    for pcode, (pname, subs) in PILLARS.items():
        subs = [(c, n) for c, n in subs if c in used]
        if subs:
            nodes.append({"code": pcode, "name": pname, "parent": "ogai", "weight": 1})
            nodes += [{"code": c, "name": n, "parent": pcode, "weight": 1} for c, n in subs]
    indicators = []
    for r in inds.itertuples(index=False):
        item = {"code": r.code, "name": r.name, "parent": r.subpillar, "weight": 1,
                "direction": int(r.direction), "unit": r.unit,
                "source": f"data/sources/{r.source}"}
        if view == "intensity" and r.denominator_intensity:
            item["denominator"] = r.denominator_intensity
        indicators.append(item)
    what = ("absolute size: counts and money enter as they are"
            if view == "scale" else
            "intensity: counts per person and money per unit of GDP")
    return {
        "name": f"Open Global AI Index ({view} view)",
        "description": (f"Open counterpart of the Global AI Index, built only from open data; "
                        f"{what}. Rates and scores enter both views unchanged. "
                        "Generated by data/build_ogai.py from data/indicators.csv; "
                        "see docs/ogai.md."),
        "units": {"kind": "country", "groups": ["region", "income_group"]},
        "data": {"year": edition, "lookback": LOOKBACK},
        "denominators": [{"code": r.code, "name": r.name, "unit": r.unit}
                         for r in dens.itertuples(index=False)],
        "nodes": nodes,
        "indicators": indicators,
        "methodology": METHODOLOGY,
    }


def write_spec(spec: dict, path: str | Path) -> None:
    head = ("# Generated by data/build_ogai.py from data/indicators.csv: do not edit.\n"
            "# One spec for every edition: build(spec, data, year=E); an indicator without\n"
            "# data in edition E drops out of coverage and aggregation (airank.ogai does this\n"
            "# with fixed goalposts). lookback 2 = the latest value in years E-2 .. E.\n")
    text = yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, width=100)
    Path(path).write_text(head + text, encoding="utf-8", newline="\n")


# ---------------------------------------------------------------- copying the sources
_WB_FILES = ["sp.pop.totl.csv", "ny.gdp.mktp.cd.csv", "se.ter.enrr.csv",
             "it.net.bbnd.p2.csv", "it.net.secr.p6.csv", "gb.xpd.rsdv.gd.zs.csv",
             "ip.pat.resd.csv", "bx.gsr.royl.cd.csv",
             "tx.val.tech.cd.csv"]
_VERBATIM = [
    "github_innovation_graph/developers.csv", "github_innovation_graph/organizations.csv",
    "github_innovation_graph/repositories.csv", "github_innovation_graph/git_pushes.csv",
    "github_innovation_graph/datapackage.json", _OWID_BILLS, _OWID_VIEWS, _OI24, _OI25,
    _IMF, _MS, "epoch_ai/notable_ai_models_subset_2024-12.csv",
    "country_metadata/wb_country_metadata_2026-07.csv",
    # validation only: never read by build_table
    "tortoise_gai/AI_index_db.csv", "tortoise_gai/AI_index_db_iso3_crosswalk.csv",
]
_CC_COLUMNS = ["ISO3166-1-Alpha-3", "ISO3166-1-Alpha-2", "CLDR display name",
               "is_independent", "Region Name", "Sub-region Name", "Intermediate Region Name"]


def _filter_lines(raw: Path, out: Path, keep: Callable[[dict[str, str]], bool]) -> None:
    """Copy the header and the rows for which ``keep`` is true, byte for byte."""
    lines = raw.read_bytes().splitlines(keepends=True)
    header = next(csv.reader([lines[0].decode("utf-8-sig")]))
    kept = [lines[0]]
    for line in lines[1:]:
        row = next(csv.reader([line.decode("utf-8")]))
        if keep(dict(zip(header, row, strict=True))):
            kept.append(line)
    out.write_bytes(b"".join(kept))


def _select_columns(raw: Path, out: Path, columns: Callable[[str], bool]) -> None:
    with open(raw, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    idx = [i for i, c in enumerate(rows[0]) if columns(c)]
    with open(out, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows([[r[i] for i in idx] for r in rows])


def copy_sources(raw_dir: str | Path, sources_dir: str | Path = SOURCES_DIR) -> None:
    """Copy from a raw mirror the files the index uses, subset as SOURCES.md states."""
    raw, out = Path(raw_dir), Path(sources_dir)
    for sub in ["world_bank_wdi", "eto_cat", "github_innovation_graph", "owid_ai",
                "oxford_insights_gairi", "imf_aipi", "microsoft_ai_diffusion", "epoch_ai",
                "country_metadata", "tortoise_gai"]:
        (out / sub).mkdir(parents=True, exist_ok=True)
    for f in _WB_FILES:
        _filter_lines(raw / _WB / f, out / _WB / f, lambda r: int(r["Year"]) >= MIN_YEAR)
    wide = _WB + "IT.NET.USER.ZS_internet_users_pct_wide.csv"
    _select_columns(raw / wide, out / wide,
                    lambda c: not c.isdigit() or int(c) >= MIN_YEAR)
    for f in ["publications_yearly_articles.csv", "publications_yearly_citations.csv",
              "patents_yearly_applications.csv",
              "companies_yearly_estimated.csv"]:
        _filter_lines(raw / "eto_cat" / f, out / "eto_cat" / f, lambda r: r["field"] == "All")
    for f in _VERBATIM:
        (out / f).write_bytes((raw / f).read_bytes())
    _select_columns(raw / "country_metadata/country-codes.csv",
                    out / "country_metadata/country-codes.csv", lambda c: c in _CC_COLUMNS)


# ---------------------------------------------------------------- main
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copy-sources", metavar="RAW_DIR",
                        help="first re-copy data/sources from this raw mirror")
    args = parser.parse_args(argv)
    if args.copy_sources:
        copy_sources(args.copy_sources)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    table = build_table(SOURCES_DIR)
    write_table(table, OUT_DIR / "indicators.csv")
    units = build_units(SOURCES_DIR, table["iso3"].unique().tolist())
    units.to_csv(OUT_DIR / "units.csv", index=False, lineterminator="\n")
    cat = read_catalogue()
    for view in ("scale", "intensity"):
        write_spec(make_spec(cat, view), OUT_DIR / f"spec_{view}.yaml")
    print(f"{len(table)} rows, {table['iso3'].nunique()} units, "
          f"{table['indicator'].nunique()} series -> {OUT_DIR}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
