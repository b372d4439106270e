"""Units table and engine specs of the OGAI, generated from the catalogue and the sources."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from ogai_readers import LOOKBACK

PILLARS = {  # pillar -> sub-pillars, as in Tortoise Media's Global AI Index
    "implementation": ("Implementation", [("talent", "Talent"),
                                          ("infrastructure", "Infrastructure"),
                                          ("operating_environment", "Operating Environment")]),
    "innovation": ("Innovation", [("research", "Research"), ("development", "Development")]),
    "investment": ("Investment", [("government_strategy", "Government Strategy"),
                                  ("commercial", "Commercial")]),
}
#: No imputed value ranks in the top 30 of an indicator (scale) or the top 20 (intensity).
CAP_RANK = {"scale": 31, "intensity": 21}


def methodology(view: str) -> dict[str, Any]:
    """The OGAI methodology of a view (docs/ogai.md, sections 4-6).

    No hand-made list of units ranked whatever their coverage: a unit below 65% goes to the
    separate low-coverage list. Missing values are imputed by group medians in intensity
    space (region x income group), capped below the top of their indicator; the JRC rule
    winsorises up to 5 points, then takes ``log(x - min + g)`` (scale-free).
    """
    return {
        "screen": {"min_coverage": 0.65},
        "impute": _impute(view, None),
        "treat": {"method": "jrc", "skew": 2.0, "kurtosis": 3.5, "max_points": 5,
                  "fallback": "log_gap"},
        "normalise": {"method": "minmax", "lower": 0, "upper": 100},
        "aggregate": {"method": "arithmetic"},
    }


def _impute(view: str, per: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {"method": "intensity", "by": ["region", "income_group"],
                           "min_group": 3, "cap_rank": CAP_RANK[view]}
    if per:
        out["per"] = per
    return out


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




def available_codes(table: pd.DataFrame, edition: int) -> set[str]:
    """Series with at least one value dated edition-LOOKBACK .. edition."""
    years = table["year"].astype(int)
    return set(table.loc[(years <= edition) & (years >= edition - LOOKBACK), "indicator"])


def make_spec(catalogue: pd.DataFrame, view: str, *, available: set[str] | None = None,
              edition: int | None = None) -> dict[str, Any]:
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
    nodes: list[dict[str, Any]] = [{"code": "ogai", "name": "Open Global AI Index"}]
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
        if r.breaks:
            item["breaks"] = [int(y) for y in r.breaks.split(";")]
        if view == "intensity" and r.denominator_intensity:
            item["denominator"] = r.denominator_intensity
        elif view == "scale" and r.denominator_intensity:
            # counts and money: imputed per person or per US$ of GDP, then scaled back
            item["methods"] = {"impute": _impute(view, r.denominator_intensity)}
        indicators.append(item)
    what = ("absolute size: counts and money enter as they are"
            if view == "scale" else
            "intensity: counts per person and money per unit of GDP")
    return {
        "name": f"Open Global AI Index ({view} view)",
        "description": (f"Open counterpart of the Global AI Index, built from public data "
                        f"(licences in sources.csv; NOTICE.md); "
                        f"{what}. Rates and scores enter both views unchanged. "
                        "Generated by data/build_ogai.py from data/indicators.csv; "
                        "see docs/ogai.md."),
        "units": {"kind": "country", "groups": ["region", "income_group"]},
        "data": {"year": edition, "lookback": LOOKBACK},
        "denominators": [{"code": r.code, "name": r.name, "unit": r.unit}
                         for r in dens.itertuples(index=False)],
        "nodes": nodes,
        "indicators": indicators,
        "methodology": methodology(view),
    }


def write_spec(spec: dict[str, Any], path: str | Path) -> None:
    head = ("# Generated by data/build_ogai.py from data/indicators.csv: do not edit.\n"
            "# One spec for every edition: build(spec, data, year=E); an indicator without\n"
            "# data in edition E drops out of coverage and aggregation (airank.ogai does this\n"
            "# with fixed goalposts). lookback 2 = the latest value in years E-2 .. E.\n")
    text = yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, width=100)
    Path(path).write_text(head + text, encoding="utf-8", newline="\n")


