"""Compute indicators of the OGAI: AI-cluster stock (Epoch AI) and TOP500 Rmax, by country.

Two census-like sources, each dated by its own rows, so every edition E reads only
compute that existed (and was listed) by the end of year E:

- :func:`cluster_stock`: H100-equivalents of the AI clusters of Epoch AI's "Data on GPU
  Clusters" operational at 31 December of each year (rule :data:`CLUSTER_RULE`).
- :func:`chip_stock`: Epoch AI's estimate of Nvidia AI chips acquired by owners in China
  since 2022 (H100e, median), at 31 December of each year.
- :func:`top500_rmax`: aggregate Rmax of a country's systems in the latest TOP500 list
  published in each year.

``ai_compute`` for China is the larger of its cluster stock and its chip stock
(:func:`ai_compute`): both are lower bounds of the same quantity (AI chips in the country,
in H100e) and summing them would count the clusters built from those chips twice. The rule
and its reason are in ``data/sources/SOURCES.md`` (section "Compute").
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import pandas as pd

CLUSTERS = "epoch_gpu_clusters/gpu_clusters.csv"
CHIPS = "epoch_ai_chip_counts/nvidia_owners_cumulative_totals.csv"
TOP500 = ("top500_lists/top500_lists_2019-2025_subset.csv",
          "top500_lists/top500_lists_2021-06_2022-11_2025-11_subset.csv")
CLUSTER_VINTAGE_YEAR = 2025  # the copy is Epoch's Dec-2025 vintage (latest date 2025-10-15)
H100E = "H100 equivalents"
CHIP_VALUE = "Compute estimate in H100e (median)"
RMAX = "Rmax [TFlop/s]"

CLUSTER_RULE = (
    "a row counts at Y-12-31 when Country is given, Status is not Planned, Certainty is not "
    "Unlikely, Possible Duplicate is not True, First Operational Date <= Y-12-31 (an "
    "Existing row without a date counts from the vintage year 2025), it was not "
    "decommissioned by Y-12-31 (a Decommissioned row without a date never counts), and no "
    "later phase of it (Superseded by / Builds Upon, followed transitively) counts at "
    "Y-12-31")


# ---------------------------------------------------------------- Epoch AI clusters
def read_clusters(src: Path) -> pd.DataFrame:
    d = pd.read_csv(src / CLUSTERS, dtype=str, keep_default_na=False)
    d["op"] = pd.to_datetime(d["First Operational Date"], format="%Y-%m-%d", errors="coerce")
    dec = d["Decommissioned Date (if applicable)"].str.strip()
    dec = dec.where(dec.str.len() != 7, dec + "-01")  # "2021-07" = July 2021
    d["dec"] = pd.to_datetime(dec, format="%Y-%m-%d", errors="coerce")
    d["h100e"] = pd.to_numeric(d[H100E], errors="coerce")
    return d


def successors(d: pd.DataFrame) -> dict[str, set[str]]:
    """Later phases of every cluster, transitively, from both link columns.

    ``Superseded by`` on an earlier phase and ``Builds Upon`` on a later one state the same
    relation; links to names that are not in the file are ignored (all three such links,
    in this vintage, are between Planned rows).
    """
    names = set(d["Name"])
    direct: dict[str, set[str]] = {}

    def parts(cell: str) -> list[str]:
        cell = cell.strip()
        if not cell:
            return []
        return [cell] if cell in names else [p.strip() for p in cell.split(",")]

    for name, sup, up in zip(d["Name"], d["Superseded by"], d["Builds Upon"], strict=True):
        for later in parts(sup):
            direct.setdefault(name, set()).add(later)
        for earlier in parts(up):
            direct.setdefault(earlier, set()).add(name)
    closed: dict[str, set[str]] = {}
    for name in direct:
        seen: set[str] = set()
        todo = list(direct[name])
        while todo:
            n = todo.pop()
            if n not in seen:
                seen.add(n)
                todo += direct.get(n, set())
        closed[name] = seen & names
    return closed


def counted_clusters(d: pd.DataFrame, year: int,
                     later: dict[str, set[str]] | None = None) -> pd.DataFrame:
    """The rows of the cluster file that count at ``year``-12-31 (:data:`CLUSTER_RULE`)."""
    later = successors(d) if later is None else later
    end = pd.Timestamp(year=year, month=12, day=31)
    base = ((d["Country"].str.strip() != "") & (d["Status"] != "Planned")
            & (d["Certainty"] != "Unlikely") & (d["Possible Duplicate"] != "True"))
    undated_now = (d["op"].isna() & (d["Status"] == "Existing")
                   & (year >= CLUSTER_VINTAGE_YEAR))
    started = (d["op"] <= end) | undated_now
    gone = (d["dec"] <= end) | ((d["Status"] == "Decommissioned") & d["dec"].isna())
    c = d[base & started & ~gone]
    alive = set(c["Name"])
    return c[[not (later.get(n, set()) & alive) for n in c["Name"]]]


def cluster_stock(src: Path, years: Iterable[int]) -> pd.DataFrame:
    """H100e of the clusters counted at the end of each year, by Epoch's country name.

    Returns
    -------
    DataFrame
        Columns ``name, year, value, n, unknown``: ``value`` is the sum of the known
        ``H100 equivalents`` (NaN when every counted cluster of the country is of unknown
        size, i.e. the value is unknown, not 0); ``n`` the clusters counted; ``unknown``
        those of unknown size (not in the sum).
    """
    d = read_clusters(src)
    later = successors(d)
    rows = []
    for y in years:
        c = counted_clusters(d, y, later)
        for name, g in c.groupby(c["Country"].str.strip()):
            rows.append((name, y, g["h100e"].sum(min_count=1), len(g),
                         int(g["h100e"].isna().sum())))
    return pd.DataFrame(rows, columns=["name", "year", "value", "n", "unknown"])


def cluster_records(src: Path, years: Iterable[int]) -> pd.DataFrame:
    """:func:`cluster_stock` as build records (name, year, value, source)."""
    s = cluster_stock(src, years)
    keys = [f"{CLUSTERS}[Country={n};counted at {y}-12-31 (rule ai_compute): {k} clusters"
            + (f", {u} of unknown size not summed" if u else "") + f";sum {H100E}]"
            for n, y, k, u in zip(s["name"], s["year"], s["n"], s["unknown"], strict=True)]
    return s.assign(source=keys)[["name", "year", "value", "source"]]


# ---------------------------------------------------------------- Epoch AI chip owners
def chip_stock(src: Path, owner: str = "China") -> pd.DataFrame:
    """Cumulative H100e (median) acquired by ``owner`` since 2022-01-01, at each
    31 December in the file. Columns ``name, year, value, source``."""
    d = pd.read_csv(src / CHIPS, dtype=str, keep_default_na=False)
    end = pd.to_datetime(d["End date"], format="%m/%d/%Y")
    d = d[(d["Owner"] == owner) & (end.dt.month == 12) & (end.dt.day == 31)]
    keys = [f"{CHIPS}[Owner={owner};End date={e};{CHIP_VALUE}]" for e in d["End date"]]
    return pd.DataFrame({"name": owner, "year": end[d.index].dt.year.to_numpy(),
                         "value": pd.to_numeric(d[CHIP_VALUE]).to_numpy(), "source": keys})


def ai_compute(src: Path, years: Iterable[int]) -> pd.DataFrame:
    """``ai_compute`` records: the cluster stock, and for China the larger of its cluster
    stock and its Nvidia chip stock in the same year (the source key names the one used)."""
    years = list(years)
    clusters = cluster_records(src, years)
    chips = chip_stock(src)
    chips = chips[chips["year"].isin(years)]
    out = clusters.set_index(["name", "year"])
    for r in chips.itertuples(index=False):
        key = (r.name, r.year)
        if key not in out.index or not out.at[key, "value"] >= r.value:
            prev = out.at[key, "value"] if key in out.index else float("nan")
            out.loc[key, ["value", "source"]] = [
                r.value, f"{r.source} (larger than the cluster stock, {prev:.0f})"]
    return out.reset_index()


# ---------------------------------------------------------------- TOP500
def read_top500(src: Path, files: Iterable[str] = TOP500) -> pd.DataFrame:
    """All TOP500 rows of the list files, with the file they come from."""
    return _read_top500(Path(src), tuple(files)).copy()


@lru_cache(maxsize=4)
def _read_top500(src: Path, files: tuple[str, ...]) -> pd.DataFrame:
    parts = []
    for f in files:
        d = pd.read_csv(src / f, dtype=str, keep_default_na=False)
        parts.append(d.assign(file=f))
    t = pd.concat(parts, ignore_index=True)
    t["rmax"] = pd.to_numeric(t[RMAX])
    t["list_year"] = t["list_month"].str[:4].astype(int)
    return t


def latest_lists(t: pd.DataFrame) -> pd.Series:
    """The latest list published in each year (index year, value 'YYYY-MM')."""
    return t.groupby("list_year")["list_month"].max()


def top500_rmax(src: Path, files: Iterable[str] = TOP500) -> pd.DataFrame:
    """Aggregate Rmax (TFlop/s) by country in the latest TOP500 list of each year.

    Returns records ``name, year, value, source``. Countries absent from a list get an
    inferred 0 in the build (census rule), not here.
    """
    t = read_top500(src, files)
    last = latest_lists(t)
    t = t[t["list_month"].isin(set(last))]
    g = t.groupby(["file", "list_month", "list_year", "Country"])["rmax"].agg(["sum", "size"])
    g = g.reset_index()
    keys = [f"{f}[list_month={m};Country={c};{n} systems;sum {RMAX}]"
            for f, m, c, n in zip(g["file"], g["list_month"], g["Country"], g["size"],
                                  strict=True)]
    return pd.DataFrame({"name": g["Country"], "year": g["list_year"], "value": g["sum"],
                         "source": keys})


def top500_absent_key(src: Path, year: int, files: Iterable[str] = TOP500) -> str:
    """Source key of an inferred 0: the country has no system in the latest list of
    ``year``."""
    t = read_top500(src, files)
    month = latest_lists(t)[year]
    f = t.loc[t["list_month"] == month, "file"].iloc[0]
    return f"{f}[list_month={month};no system in the country]"
