"""Source readers of the OGAI build: one function per file format under ``data/sources``.

Every reader returns *records*: a DataFrame with columns ``name, indicator, year, value,
source``, where ``name`` is the country name or code as the file writes it and ``source``
the file and the key of the row(s) the value was read from. Rows older than
:data:`MIN_YEAR` are dropped; missing values are dropped unless ``keep_na`` (a census
source uses a NaN row to say "present in the source, size unknown": no value and no
inferred 0).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

FIRST_EDITION = 2019
LOOKBACK = 2  # an edition uses the latest value in years edition-2 .. edition
MIN_YEAR = FIRST_EDITION - LOOKBACK  # older rows are not needed by any edition

# Names that one source uses for two different countries: the rows cannot be attributed.
ETO_AMBIGUOUS = {"Congo": "ETO has two entities named 'Congo' (DR Congo and Republic of the "
                          "Congo) with different values in the same year"}
# ETO continent rows, summed for the world citation rate (each article counted once per
# continent of its authors, as countries are counted once per country)
CONTINENTS = ("Africa", "Asia", "Europe", "North America and the Caribbean", "Oceania",
              "South and Central America")
MIN_ARTICLES = 30  # citation impact needs at least this many articles in the year

EPOCH_MODELS = "epoch_ai_models/notable_ai_models_subset_2025-12.csv"
EPOCH_LARGE = "epoch_ai_models/large_scale_ai_models_subset_2025-12.csv"
EPOCH_COUNTRY = "Country (of organization)"
# the 2025-12 vintage holds 99 models for 2024 and 79 for 2025 (to 2025-11-24; models
# enter the list with a lag), so 2025 is incomplete and the series ends in 2024
EPOCH_LAST_YEAR = 2024

Record = pd.DataFrame  # columns: name, indicator, year, value, source


def records(names: Iterable[object], indicator: str, years: Iterable[object],
            values: Iterable[object], sources: Iterable[str], *,
            keep_na: bool = False) -> Record:
    """Assemble records; non-numeric values become NaN and are dropped unless ``keep_na``."""
    frame = pd.DataFrame({"name": list(names), "indicator": indicator,
                          "year": pd.array(list(years), dtype="int64"),
                          "value": pd.to_numeric(pd.Series(list(values), dtype=object),
                                                 errors="coerce"),
                          "source": list(sources)})
    keep = frame["year"] >= MIN_YEAR
    if not keep_na:
        keep &= frame["value"].notna()
    return frame[keep]


def wb_aggregates(src: Path) -> set[str]:
    """World Bank codes listed in WB metadata without a region are aggregates."""
    meta = pd.read_csv(src / "country_metadata/wb_country_metadata_2026-07.csv",
                       keep_default_na=False)
    return set(meta.loc[meta["Region"] == "", "Country Code"])


def wb_long(src: Path, file: str, indicator: str) -> Record:
    """A WDI file in long form (``Country Code, Year, Value``); aggregates dropped."""
    d = pd.read_csv(src / file, keep_default_na=False, na_values=[""])
    d = d[~d["Country Code"].isin(wb_aggregates(src))]
    keys = [f"{file}[Country Code={c};Year={y}]"
            for c, y in zip(d["Country Code"], d["Year"], strict=True)]
    return records(d["Country Code"], indicator, d["Year"], d["Value"], keys)


def wb_wide(src: Path, file: str, indicator: str) -> Record:
    """A WDI file in wide form (one column per year); aggregates dropped."""
    d = pd.read_csv(src / file, keep_default_na=False, na_values=[""])
    d = d[~d["Country Code"].isin(wb_aggregates(src))]
    years = [c for c in d.columns if c.isdigit()]
    d = d.melt(id_vars=["Country Code"], value_vars=years, var_name="Year", value_name="Value")
    keys = [f"{file}[Country Code={c};column={y}]"
            for c, y in zip(d["Country Code"], d["Year"], strict=True)]
    return records(d["Country Code"], indicator, d["Year"].astype(int), d["Value"], keys)


def eto(src: Path, file: str, column: str, indicator: str) -> Record:
    """ETO CAT, field 'All'; rows ETO flags incomplete (``complete`` False) are dropped."""
    d = pd.read_csv(src / file)
    d = d[(d["field"] == "All") & ~d["country"].isin(ETO_AMBIGUOUS)]
    d = d[d["complete"].astype(str) == "True"]
    keys = [f"{file}[country={c};field=All;year={y}]"
            for c, y in zip(d["country"], d["year"], strict=True)]
    return records(d["country"], indicator, d["year"], d[column], keys)


def github(src: Path, file: str, column: str, indicator: str) -> Record:
    """Annual mean of the quarterly counts; only country-years with all four quarters
    published (the economy passed GitHub's 100-developer threshold in each)."""
    d = pd.read_csv(src / file, keep_default_na=False, na_values=[""])
    g = d.groupby(["iso2_code", "year"])[column].agg(["mean", "count"]).reset_index()
    g = g[g["count"] == 4]
    keys = [f"{file}[iso2_code={c};year={y};quarters=1-4;mean]"
            for c, y in zip(g["iso2_code"], g["year"], strict=True)]
    return records(g["iso2_code"], indicator, g["year"], g["mean"], keys)


def by_column(src: Path, file: str, key: str, column: str, year: int,
              indicator: str) -> Record:
    """One column of a one-edition file, dated ``year``."""
    d = pd.read_csv(src / file, keep_default_na=False, na_values=[""])
    d = d[d[key] != ""]
    keys = [f"{file}[{key}={n};column={column}]" for n in d[key]]
    return records(d[key], indicator, [year] * len(d), d[column], keys)


def owid(src: Path, file: str, column: str, indicator: str) -> Record:
    """An Our World in Data grapher download (``Entity, Year``, value columns)."""
    d = pd.read_csv(src / file, keep_default_na=False, na_values=[""])
    keys = [f"{file}[Entity={n};Year={y}]" for n, y in zip(d["Entity"], d["Year"], strict=True)]
    return records(d["Entity"], indicator, d["Year"], d[column], keys)


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
    return records(d["country"], "ai_citation_impact", d["year"], value, keys)


def model_countries(src: Path, file: str = EPOCH_MODELS) -> pd.DataFrame:
    """One row per (country, model, publication year) of Epoch's notable models.

    A model counts once for every distinct country of its organisations (whole counting);
    "Multinational" is not a country and is skipped.
    """
    d = pd.read_csv(src / file, dtype=str, keep_default_na=False)
    d = d[d["Publication date"] != ""]
    d["year"] = d["Publication date"].str[:4].astype(int)
    rows = [(c.strip(), m, y) for cs, m, y in zip(d[EPOCH_COUNTRY], d["Model"], d["year"],
                                                  strict=True)
            for c in set(cs.split(",")) if c.strip() not in ("", "Multinational")]
    return pd.DataFrame(rows, columns=["name", "model", "year"]).drop_duplicates()


def notable_models(src: Path, file: str = EPOCH_MODELS,
                   indicator: str = "notable_ai_models") -> Record:
    """Epoch AI models published in the three years to each year, by country.

    Years after :data:`EPOCH_LAST_YEAR` are incomplete in the snapshot and dropped.
    Countries with no model get an inferred 0 in the build (census rule).
    """
    per = model_countries(src, file).groupby(["name", "year"]).size()
    out = []
    for name in sorted(per.index.get_level_values(0).unique()):
        s = per.loc[name]
        for y in range(MIN_YEAR, EPOCH_LAST_YEAR + 1):
            n = int(s[(s.index >= y - 2) & (s.index <= y)].sum())
            if n:
                out.append((name, y, n, f"{file}[{EPOCH_COUNTRY} contains {name};"
                                        f"Publication date in {y - 2}-{y};count models]"))
    names, years, values, keys = zip(*out, strict=True)
    return records(names, indicator, years, values, keys)


# ---------------------------------------------------------------- Taiwan's denominators
# The World Bank does not list Taiwan. Its population and GDP are spliced onto the WDI
# series from sources on the same concept (tests/test_ogai_data.py checks the concepts
# agree on the economies both cover): population = UN WPP 2024 (via OWID to 2023, the WPP
# probabilistic median for 2024-2025), GDP = IMF WEO October 2025 (current US$).
OWID_POP = "owid_population/owid_co2_data_TWN_2015-2023_population_gdp.csv"
WPP = "un_wpp/wpp2024_ppp_poptot_median_2024-2025.csv"
WEO = "imf_weo/imf_weo_2025oct_NGDPD_datamapper_export.csv"
WEO_TAIWAN = "Taiwan Province of China"


def taiwan_population(src: Path) -> Record:
    """TWN population: OWID (UN WPP 2024 estimates) to 2023, WPP 2024 median after."""
    o = pd.read_csv(src / OWID_POP, dtype=str, keep_default_na=False)
    o = o[o["iso_code"] == "TWN"]
    keys = [f"{OWID_POP}[iso_code=TWN;year={y};column=population]" for y in o["year"]]
    a = records(o["iso_code"], "population", o["year"].astype(int), o["population"], keys)
    w = pd.read_csv(src / WPP, dtype=str, keep_default_na=False)
    w = w[w["ISO3 Alpha-code"] == "TWN"].melt(id_vars=["ISO3 Alpha-code"],
                                              value_vars=["2024", "2025"])
    keys = [f"{WPP}[ISO3 Alpha-code=TWN;column={y}] x 1000" for y in w["variable"]]
    b = records(w["ISO3 Alpha-code"], "population", w["variable"].astype(int),
                pd.to_numeric(w["value"]) * 1000, keys)
    return pd.concat([a, b], ignore_index=True)


def weo_gdp(src: Path, names: Iterable[str] = (WEO_TAIWAN,)) -> Record:
    """GDP in current US$ from the IMF WEO DataMapper export (billions x 1e9)."""
    d = pd.read_csv(src / WEO, dtype=str, keep_default_na=False)
    label = d.columns[0]
    d = d[d[label].isin(list(names))]
    years = [c for c in d.columns if c.isdigit()]
    d = d.melt(id_vars=[label], value_vars=years, var_name="year")
    d = d[d["value"] != "no data"]
    keys = [f"{WEO}[{label}={n};column={y}] x 1e9" for n, y in zip(d[label], d["year"],
                                                                  strict=True)]
    return records(d[label], "gdp", d["year"].astype(int),
                   pd.to_numeric(d["value"]) * 1e9, keys)
