"""Effective weights, source families and redundancy of the OGAI, edition by edition.

Run from the project root: ``python data/weights_report.py [--edition E]``.

- **Effective weight** of an indicator in edition E: the index's weights are equal within
  each parent (pillars 1/3; sub-pillars equal within their pillar; indicators equal within
  their sub-pillar); an indicator without any value dated E-2 .. E drops out and its
  siblings share its weight, as does a sub-pillar left without indicators.
- **Borrowed share**: the effective weight of indicators that are other organisations'
  composite scores (catalogue column ``borrowed``: Oxford Insights dimensions, IMF AIPI
  pillars). The OGAI's rule: at most :data:`MAX_BORROWED` in every edition.
- **Largest |r|**: over all pairs of indicators in the edition, in both views, the larger
  of the Spearman rank correlation and the Pearson correlation of the values after the
  index's own outlier treatment (the JRC rule with the spec's settings, fitted once per
  indicator on all editions pooled, as ``airank.ogai`` does), over the units with both
  values (at least :data:`MIN_COMMON`);
  inferred zeros count as values, as they do in the index. The rule: at most
  :data:`MAX_R` ("one indicator per concept").
- **Open-only**: sub-pillars that keep an indicator with rows from openly licensed files
  (``sources.csv`` column ``open``) in the edition.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_ogai as b
import coverage_report as cr

from airank.methods import JrcParams
from airank.treat import TREATERS

MAX_BORROWED = 0.30
MAX_R = 0.95
MIN_COMMON = 20


def available(table: pd.DataFrame, edition: int) -> set[str]:
    """Indicators with any value dated edition-LOOKBACK .. edition."""
    y = table["year"].astype(int)
    return set(table.loc[(y <= edition) & (y >= edition - b.LOOKBACK), "indicator"])


def effective_weights(catalogue: pd.DataFrame, codes: set[str]) -> pd.Series:
    """Effective weight of each indicator in ``codes`` (equal weights, missing drop out)."""
    inds = catalogue[(catalogue["role"] == "indicator") & catalogue["code"].isin(codes)]
    pillars = {p: [s for s, _ in subs if s in set(inds["subpillar"])]
               for p, (_, subs) in b.PILLARS.items()}
    pillars = {p: s for p, s in pillars.items() if s}
    w = {}
    for subs in pillars.values():
        for s in subs:
            kids = inds.loc[inds["subpillar"] == s, "code"]
            for c in kids:
                w[c] = 1 / len(pillars) / len(subs) / len(kids)
    return pd.Series(w, dtype=float).sort_index()


def values(table: pd.DataFrame, catalogue: pd.DataFrame, edition: int,
           view: str) -> pd.DataFrame:
    """The edition's values (latest in the window), divided by the denominator in the
    intensity view: index iso3, one column per available indicator."""
    wide = cr.latest(table, edition)
    inds = catalogue[(catalogue["role"] == "indicator") & catalogue["code"].isin(wide.columns)]
    out = {}
    for code, den in zip(inds["code"], inds["denominator_intensity"], strict=True):
        x = wide[code]
        if view == "intensity" and den:
            x = x / wide[den] if den in wide else x * np.nan
        out[code] = x
    return pd.DataFrame(out)


def fit_treatment(table: pd.DataFrame, catalogue: pd.DataFrame,
                  view: str) -> dict[str, dict[str, Any]]:
    """The JRC rule (the spec's settings) fitted per indicator on its values pooled over
    all editions, as ``airank.ogai`` fits it (there on the imputed values of ranked units,
    here on the values of every unit that has one)."""
    treat = b.methodology("scale")["treat"]
    params = JrcParams(**{k: v for k, v in treat.items() if k != "method"})
    pooled = pd.concat([values(table, catalogue, e, view) for e in cr.editions(table)])
    learned = {}
    for c in pooled.columns:
        v = pooled[c].to_numpy(float)
        v = v[~np.isnan(v)]
        if len(v) >= 3 and np.std(v) > 0:
            learned[c] = TREATERS["jrc"](v, params=params)[1]
    return learned


def treated(x: pd.DataFrame, learned: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """Each column with its pooled treatment replayed, NaN kept."""
    params = JrcParams()
    out = x.copy()
    for c in x.columns:
        if c in learned:
            out[c] = TREATERS["jrc"](x[c].to_numpy(float), params=params,
                                     learned=learned[c])[0]
    return out


@dataclass(frozen=True)
class Pair:
    """The most correlated pair of an edition."""

    r: float
    a: str
    b: str
    view: str
    kind: str  # 'spearman' or 'pearson (treated)'


def correlations(table: pd.DataFrame, catalogue: pd.DataFrame, edition: int, view: str,
                 learned: dict[str, dict[str, Any]]) -> dict[str, pd.DataFrame]:
    """Spearman and treated-Pearson correlation matrices of an edition and view."""
    x = values(table, catalogue, edition, view)
    return {"spearman": x.corr("spearman", min_periods=MIN_COMMON),
            "pearson (treated)": treated(x, learned).corr(min_periods=MIN_COMMON)}


def largest_r(table: pd.DataFrame, catalogue: pd.DataFrame, edition: int,
              learned: dict[str, dict[str, dict[str, Any]]] | None = None) -> Pair:
    """The pair with the largest |r| over both views and both correlations."""
    best = Pair(0.0, "", "", "", "")
    for view in ("scale", "intensity"):
        fit = (learned or {}).get(view) or fit_treatment(table, catalogue, view)
        for kind, m in correlations(table, catalogue, edition, view, fit).items():
            m = m.where(np.triu(np.ones(m.shape, dtype=bool), 1)).stack()
            if len(m):
                (a, c), r = m.abs().idxmax(), float(m.abs().max())
                if r > abs(best.r):
                    best = Pair(float(m[(a, c)]), a, c, view, kind)
    return best


def open_codes(catalogue: pd.DataFrame, sources: pd.DataFrame) -> set[str]:
    """Indicators with at least one openly licensed source file."""
    is_open = dict(zip(sources["source"], sources["open"] == "true", strict=True))
    return {r.code for r in catalogue.itertuples()
            if any(is_open.get(f.strip(), False) for f in r.source.split(";"))}


@dataclass(frozen=True)
class Edition:
    """The figures of one edition."""

    edition: int
    weights: pd.Series           # code -> effective weight
    families: pd.Series          # family -> effective weight
    borrowed: float              # share of the weight from other organisations' scores
    largest: Pair
    open_missing: tuple[str, ...]  # sub-pillars with no open indicator in the edition


def edition_report(table: pd.DataFrame, catalogue: pd.DataFrame, sources: pd.DataFrame,
                   edition: int,
                   learned: dict[str, dict[str, dict[str, Any]]] | None = None) -> Edition:
    codes = available(table, edition)
    w = effective_weights(catalogue, codes)
    cat = catalogue.set_index("code")
    fam = w.groupby(cat.loc[w.index, "family"]).sum().sort_values(ascending=False)
    borrowed = float(w[cat.loc[w.index, "borrowed"] == "true"].sum())
    subs = set(cat.loc[w.index, "subpillar"])
    open_subs = set(cat.loc[sorted(codes & open_codes(catalogue, sources) & set(w.index)),
                            "subpillar"])
    return Edition(edition, w, fam, borrowed, largest_r(table, catalogue, edition, learned),
                   tuple(sorted(subs - open_subs)))


def load() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    table = pd.read_csv(b.OUT_DIR / "indicators.csv", keep_default_na=False)
    return table, b.read_catalogue(), pd.read_csv(b.OUT_DIR / "sources.csv", dtype=str,
                                                  keep_default_na=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--edition", type=int, help="one edition only")
    args = parser.parse_args(argv)
    table, cat, sources = load()
    eds = [args.edition] if args.edition else cr.editions(table)
    learned = {v: fit_treatment(table, cat, v) for v in ("scale", "intensity")}
    for e in eds:
        r = edition_report(table, cat, sources, e, learned)
        print(f"\n== Edition {e}: {len(r.weights)} indicators; borrowed share "
              f"{r.borrowed:.1%} (rule <= {MAX_BORROWED:.0%}); largest |r| "
              f"{abs(r.largest.r):.3f} ({r.largest.a} ~ {r.largest.b}, {r.largest.kind}, "
              f"{r.largest.view} view; rule <= {MAX_R})")
        print("  effective weight by source family:")
        for f, v in r.families.items():
            print(f"    {f:<34} {v:6.1%}")
        print("  indicators (effective weight):")
        sub = cat.set_index("code")["subpillar"]
        for s, g in r.weights.groupby(sub[r.weights.index]):
            print(f"    {s:<22} " + ", ".join(f"{c} {v:.1%}" for c, v in g.items()))
        print(f"  sub-pillars without an open indicator: {', '.join(r.open_missing) or '-'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
