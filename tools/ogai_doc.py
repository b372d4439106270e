"""Write ``docs/ogai.md`` from the shipped data and the library: no figure typed by hand.

Run from the project root (a source checkout)::

    python tools/ogai_doc.py            # rewrite docs/ogai.md
    python tools/ogai_doc.py --check    # exit 1 if docs/ogai.md is out of date

Every number in the document is computed here, through the public API (``airank.ogai``,
``airank.analysis.trend``, ``airank.ogai.validation``) and the catalogues in ``data/``;
a test (``tests/test_ogai_doc.py``) runs ``--check``, so the document cannot go stale.
Tortoise's table is not shipped: its row appears only when ``AIRANK_TORTOISE_DIR`` is set
(the committed document is generated with it set; the check ignores that row).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "data"))

from ogai_doc_text import TEXT  # noqa: E402

import airank  # noqa: E402
from airank import ogai  # noqa: E402
from airank.kernel import Kernel  # noqa: E402
from airank.ogai import catalogue, validation  # noqa: E402

DOC = ROOT / "docs" / "ogai.md"
WATCH = ("USA", "CHN", "RUS", "IND")


def md(frame: pd.DataFrame, floatfmt: str = ".2f") -> str:
    """A Markdown table (no index)."""
    def cell(v: object) -> str:
        if isinstance(v, (float, np.floating)):
            return "" if pd.isna(v) else format(float(v), floatfmt)
        if v is None or v is pd.NA:
            return ""
        return str(v).replace("|", "/")
    head = "| " + " | ".join(map(str, frame.columns)) + " |"
    sep = "|" + "|".join("---" for _ in frame.columns) + "|"
    rows = ["| " + " | ".join(cell(v) for v in r) + " |" for r in frame.itertuples(index=False)]
    return "\n".join([head, sep, *rows])


def catalogue_rows() -> pd.DataFrame:
    return pd.read_csv(ROOT / "data" / "indicators.csv", dtype=str, keep_default_na=False)


# -- sections --------------------------------------------------------------------------
def indicators_table() -> str:
    cat = catalogue_rows().set_index("code")
    lic = catalogue.indicator_sources().set_index("indicator")
    t = catalogue.table()
    years = t.groupby("indicator")["year"].agg(lambda y: f"{y.astype(int).min()}-"
                                               f"{y.astype(int).max()}")
    s = ogai.spec()
    rows = []
    for code in s.indicator_codes:
        ind = s.indicator(code)
        rows.append({"sub-pillar": ind.parent, "code": code, "name": ind.name,
                     "unit": ind.unit, "family": cat.at[code, "family"],
                     "licence": lic.at[code, "licences"], "years": years.get(code, "")})
    return md(pd.DataFrame(rows))


def dating_table() -> str:
    src = catalogue.sources().reset_index()
    used = {f for s in catalogue.table()["source"].unique() for f in catalogue.source_files(s)}
    src = src[src["source"].isin(used)]
    return md(src[["source", "publisher", "reference_period", "first_published"]])


def notability_table() -> str:
    import dating_report  # data/dating_report.py

    models = pd.read_csv(ROOT / "data" / "sources" / "epoch_ai_models" /
                         "notable_ai_models_subset_2025-12.csv", dtype=str,
                         keep_default_na=False)
    t = dating_report.notability_shares(models).reset_index()
    t["share_any"] = (100 * t["share_any"]).map("{:.1f}%".format)
    t["share_only"] = (100 * t["share_only"]).map("{:.1f}%".format)
    return md(t.rename(columns={"band": "publication years", "cited_any": "highly cited",
                                "cited_only": "highly cited only",
                                "share_any": "share", "share_only": "share (only)"}))


def _eff(result: airank.Result) -> pd.Series:
    k = Kernel.compile(result.spec)
    dead = k.dead(result.stages["normalised"].to_numpy(dtype=float))
    W = k.weights.copy()[None, :]
    W[:, dead] = 0.0
    return pd.Series(k.effective(W)[0], index=list(result.spec.indicator_codes))


def editions_table(view: str = "scale") -> str:
    cat = catalogue_rows().set_index("code")
    rows = []
    for e in ogai.EDITIONS:
        r = ogai.build(e, view)
        eff = _eff(r)
        fam = eff.groupby(cat.loc[eff.index, "family"]).sum()
        borrowed = eff[cat.loc[eff.index, "borrowed"].str.lower() == "true"].sum()
        imp = r.imputed.loc[r.units]
        alive = [c for c in r.spec.indicator_codes if r.stages["raw"][c].notna().any()]
        rows.append({
            "edition": e, "ranked": len(r.units), "not ranked": len(ogai.unranked(e, view)),
            "indicators": len(alive),
            "imputed %": 100 * imp[alive].to_numpy().mean(),
            "inferred %": 100 * r.inferred.loc[r.units, alive].to_numpy().mean(),
            "borrowed %": 100 * borrowed,
            "weight by source family (%)": ", ".join(
                f"{k} {100 * v:.1f}" for k, v in fam.sort_values(ascending=False).items()
                if v > 0)})
    return md(pd.DataFrame(rows), ".1f")


def imputation_effect() -> str:
    """The release-0.1 rule (regional mean of levels) against the shipped one."""
    s = ogai.spec().with_changes({"methodology.screen.min_coverage": 0.0})
    old = s.to_dict()
    old["methodology"]["impute"] = {"method": "mean", "by": "region"}
    for i in old["indicators"]:
        i.pop("methods", None)
    old_spec = airank.IndexSpec.from_dict(old)
    d, f = ogai.dataset(), ogai.fitted()
    new_r = airank.build(s, d, year=2025, fitted=f)
    old_r = airank.build(old_spec, d, year=2025, fitted=f)
    code = "ai_investment"
    rows = []
    for u in ("PNG", "LAO", "KHM", "FJI", "BRN", "TWN"):
        if u not in new_r.units:
            continue
        row = {"unit": u}
        for tag, r in (("regional mean (0.1)", old_r), ("intensity median (2026.1)", new_r)):
            x = r.stages["imputed"][code]
            row[f"{tag}: US$ m"] = float(x[u])
            row[f"{tag}: rank"] = int(x.rank(ascending=False, method="min")[u])
        row["imputed"] = bool(new_r.imputed.at[u, code])
        rows.append(row)
    return md(pd.DataFrame(rows), ",.0f")


def treatment_table(view: str = "scale") -> str:
    rows = []
    for code, fit in ogai.fitted(view)["treat"].items():
        if fit.action == "none" and not fit.still_fails:
            continue
        rows.append({"indicator": code, "action": fit.action,
                     "skew before": fit.skew_before, "kurtosis before": fit.kurtosis_before,
                     "skew after": fit.skew_after, "kurtosis after": fit.kurtosis_after,
                     "passes": "no (named exception)" if fit.still_fails else "yes"})
    return md(pd.DataFrame(rows))


def _pair(s: pd.DataFrame, e: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.Index]:
    a = s[(s["edition"] == e - 1) & s["ranked"]].set_index("iso3")
    b = s[(s["edition"] == e) & s["ranked"]].set_index("iso3")
    return a, b, a.index.intersection(b.index)


def series_table(view: str = "scale") -> str:
    from scipy.stats import spearmanr

    s = ogai.series(view)
    rows = []
    for e in ogai.EDITIONS[1:]:
        a, b, c = _pair(s, e)
        out = {"editions": f"{e - 1}-{e}", "countries in both": len(c)}
        for tag, col in (("headline", "score"), ("comparable", "comparable_score")):
            ra = a.loc[c, col].rank(ascending=False, method="min")
            rb = b.loc[c, col].rank(ascending=False, method="min")
            out[f"{tag}: moves of 10+"] = int(((ra - rb).abs() >= 10).sum())
            out[f"{tag}: Spearman"] = float(spearmanr(ra, rb).statistic)
        out["indicators entering"] = b["added"].iloc[0] or "-"
        out["leaving"] = b["removed"].iloc[0] or "-"
        rows.append(out)
    return md(pd.DataFrame(rows), ".3f")


def moves_table(view: str = "scale") -> str:
    """Every move of 10+ places in the comparable series, with what drove it."""
    s = ogai.series(view)
    spec = ogai.spec(view)
    k = Kernel.compile(spec)
    codes = list(spec.indicator_codes)
    open_spec = spec.with_changes({"methodology.screen.min_coverage": 0.0})
    full = {e: airank.build(open_spec, ogai.dataset(view), year=e, fitted=ogai.fitted(view))
            for e in ogai.EDITIONS}
    rows = []
    for e in ogai.EDITIONS[1:]:
        a, b, c = _pair(s, e)
        ra = a.loc[c, "comparable_score"].rank(ascending=False, method="min")
        rb = b.loc[c, "comparable_score"].rank(ascending=False, method="min")
        moved = (ra - rb)[(ra - rb).abs() >= 10]
        xa = full[e - 1].stages["normalised"]
        xb = full[e].stages["normalised"]
        shared = [cd for cd in codes if full[e - 1].stages["raw"][cd].notna().any()
                  and full[e].stages["raw"][cd].notna().any()
                  and e not in spec.indicator(cd).breaks]
        for u, d in moved.sort_values().items():
            present = np.array([cd in shared and pd.notna(xb.at[u, cd]) for cd in k.nodes[
                : k.n_ind]] + [True] * (len(k.nodes) - k.n_ind))
            _, eff = k.unit_weights(present[None, :])
            delta = (xb.loc[u, codes] - xa.loc[u, codes]).fillna(0.0).to_numpy()
            contrib = pd.Series(eff[0, : k.n_ind] * delta, index=codes)
            top = contrib.reindex(contrib.abs().sort_values(ascending=False).index).head(2)
            rows.append({"editions": f"{e - 1}-{e}", "country": b.at[u, "country"],
                         "places": f"{int(d):+d}",
                         "drivers (index points)": ", ".join(
                             f"{cd} {v:+.2f}" for cd, v in top.items() if abs(v) > 1e-9)})
    return md(pd.DataFrame(rows)) if rows else "None."


def watch_table(view: str = "scale") -> str:
    s = ogai.series(view)
    rows = []
    for u in WATCH:
        m = s[s["iso3"] == u].set_index("edition")
        row = {"country": u}
        for e in ogai.EDITIONS:
            if e in m.index and bool(m.at[e, "ranked"]):
                row[str(e)] = (f"{int(m.at[e, 'rank'])} / {int(m.at[e, 'comparable_rank'])}"
                               f" of {int(m.at[e, 'n_ranked'])}")
            else:
                row[str(e)] = "not ranked"
        rows.append(row)
    return md(pd.DataFrame(rows))


def licence_table() -> str:
    src = catalogue.sources().reset_index()
    used = {f for s in catalogue.table()["source"].unique() for f in catalogue.source_files(s)}
    src = src[src["source"].isin(used)]
    t = src[["source", "publisher", "licence", "open", "shipped", "terms"]].copy()
    t["open"] = t["open"].map({True: "yes", False: "no"})
    t["shipped"] = t["shipped"].map({True: "yes", False: "no"})
    return md(t)


def open_build() -> str:
    from scipy.stats import spearmanr

    a, b = ogai.ranking(), ogai.ranking(licence="open")
    common = sorted(set(a["iso3"]) & set(b["iso3"]))
    rho = spearmanr(a.set_index("iso3").loc[common, "score"],
                    b.set_index("iso3").loc[common, "score"]).statistic
    top = b.head(15)[["rank", "iso3", "country", "score"]].merge(
        a[["iso3", "rank"]].rename(columns={"rank": "rank (all sources)"}), on="iso3",
        how="left")
    top["rank (all sources)"] = top["rank (all sources)"].astype("Int64")
    return (f"{len(b)} countries ranked from open sources alone ({len(a)} with all), "
            f"Spearman's rho with the full index over the {len(common)} in both: "
            f"**{rho:.3f}**. Top 15:\n\n" + md(top))


def agreement_table() -> str:
    rows = [{"published index": a.index, "edition": a.edition, "countries": a.n,
             "rho": a.rho, "rho without shared inputs": a.rho_without_shared,
             "shared inputs": ", ".join(a.shared) or "none"}
            for a in validation.agreement("scale")]
    return md(pd.DataFrame(rows), ".3f")


def face_table() -> str:
    return md(validation.face_validity(units=("RUS",)))


# -- the document ------------------------------------------------------------------------
def render() -> str:
    parts = {
        "release": ogai.RELEASE, "first": ogai.FIRST, "latest": ogai.LATEST,
        "indicators": indicators_table(), "dating": dating_table(),
        "notability": notability_table(), "editions": editions_table("scale"),
        "editions_intensity": editions_table("intensity"),
        "imputation": imputation_effect(), "treatment": treatment_table("scale"),
        "exceptions": md(pd.DataFrame({"indicator": list(ogai.TREATMENT_EXCEPTIONS),
                                       "why": list(ogai.TREATMENT_EXCEPTIONS.values())})),
        "series": series_table("scale"), "series_intensity": series_table("intensity"),
        "moves": moves_table("scale"), "moves_intensity": moves_table("intensity"),
        "watch": watch_table("scale"), "watch_intensity": watch_table("intensity"),
        "licences": licence_table(), "open": open_build(),
        "agreement": agreement_table(), "face": face_table(),
        "threshold": f"{ogai.THRESHOLD:.0%}", "flag": f"{ogai.IMPUTED_FLAG:.0%}",
    }
    return TEXT.format(**parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if out of date")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        return 0 if _comparable(DOC.read_text(encoding="utf-8")) == _comparable(text) else 1
    from airank.output import write_file

    write_file(DOC, text)
    print(f"wrote {DOC}")
    return 0


def _comparable(text: str) -> str:
    """The document without the rows that depend on the unshipped Tortoise table."""
    return "\n".join(ln for ln in text.splitlines() if not ln.startswith("| tortoise |"))


if __name__ == "__main__":
    raise SystemExit(main())
