"""Fill the generated blocks of ``docs/scenarios.md``: what the compute data say, and the
figures of the presets, "what would it take" and the 2030 projection.

Run from the project root (a source checkout)::

    python tools/scenarios_doc.py            # rewrite the generated blocks
    python tools/scenarios_doc.py --check    # exit 1 if they are out of date

A block sits between ``<!-- generated:NAME -->`` and ``<!-- /generated:NAME -->``; the
prose around it is edited by hand. Every figure comes from the library (seed 1).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "data"))
sys.path.insert(0, str(ROOT / "tools"))

from ogai_doc import md  # noqa: E402

from airank import Edition  # noqa: E402
from airank.analysis.scenarios.effects import run_scenario  # noqa: E402
from airank.analysis.scenarios.projection import project  # noqa: E402
from airank.analysis.scenarios.reach import reach  # noqa: E402
from airank.analysis.scenarios.shocks import preset  # noqa: E402

DOC = ROOT / "docs" / "scenarios.md"
N = 1000  # robustness replications of the intervals
N_PROJECT = 100


def compute_block() -> str:
    import compute_report  # data/compute_report.py

    parts = []
    for iso3, name in (("CHN", "China"), ("RUS", "Russia")):
        f = compute_report.figures(iso3).reset_index()
        cols = [c for c in ("year", "list", "top500_systems", "top500_rmax_pf",
                            "top500_new_systems", "clusters", "cluster_h100e", "chips_h100e",
                            "ai_compute") if c in f.columns]
        parts.append(f"**{name}** (TOP500: the November list of each year, Rmax in PFlop/s; "
                     "Epoch AI clusters: H100-equivalents operational at 31 December; "
                     "`ai_compute`: the indicator the index uses)\n\n" + md(f[cols], ",.0f"))
    return "\n\n".join(parts)


def _row(res: object, unit: str) -> str:
    t = res.index_table().set_index("unit")  # type: ignore[attr-defined]
    r = t.loc[unit]
    return (f"{int(r['rank_change']):+d} places ({int(r['rank_base'])} -> "
            f"{int(r['rank_scenario'])}); 90% interval {r['change_q05']:+.0f} to "
            f"{r['change_q95']:+.0f}; score {r['score_base']:.2f} -> {r['score_scenario']:.2f}")


def figures_block() -> str:
    ed = Edition.ogai()
    rows = []
    ec = run_scenario(preset("export-controls"), ed, n=N, seed=1)
    rows += [("export controls (strength 0.5), China", _row(ec, "CHN")),
             ("export controls (strength 0.5), Russia", _row(ec, "RUS"))]
    sa = run_scenario(preset("sanctions"), ed, n=N, seed=1)
    rows.append(("sanctions (strength 0.3), Russia", _row(sa, "RUS")))
    pa = run_scenario(preset("partnership"), ed, n=N, seed=1)
    rows.append(("partnership RUS-CHN (strength 0.25), Russia", _row(pa, "RUS")))
    r = reach(ed, "RUS", rank=20)
    moves = ", ".join(f"{x.code} {x.raw_now:.3g} -> {x.raw_needed:.3g} "
                      f"({x.change_share:+.0%})" if pd.notna(x.change_share) else
                      f"{x.code} {x.raw_now:.3g} -> {x.raw_needed:.3g}"
                      for x in r.plan.head(5).itertuples())
    rows.append(("reach: Russia to rank 20", f"{r.message}; rank {r.rank_now} -> "
                 f"{r.rank_reached}; {moves}"))
    pr = project(ed, year=2030, n=N_PROJECT, seed=1).summary
    for u in ("USA", "CHN", "RUS"):
        s = pr.loc[u]
        rows.append((f"2030, {u}", f"rank {int(s['rank'])} (90% interval "
                     f"{int(s['rank_q05'])}-{int(s['rank_q95'])}), score {s['score']:.1f} "
                     f"({s['score_q05']:.1f}-{s['score_q95']:.1f})"))
    ps = project(ed, year=2030, n=N_PROJECT, seed=1, scenario=preset("sanctions")).summary
    s = ps.loc["RUS"]
    rows.append(("2030, Russia under sanctions (0.3)", f"rank {int(s['rank'])} (90% interval "
                 f"{int(s['rank_q05'])}-{int(s['rank_q95'])}), score {s['score']:.1f}"))
    return (f"OGAI {ed.year}, scale view, release {ed.release}; {N} robustness replications, "
            f"{N_PROJECT} bootstrap replications for 2030, seed 1.\n\n"
            + md(pd.DataFrame(rows, columns=["question", "result"])))


BLOCKS = {"compute": compute_block, "figures": figures_block}


def render(text: str) -> str:
    for name, fn in BLOCKS.items():
        pat = re.compile(rf"(<!-- generated:{name} -->\n).*?(<!-- /generated:{name} -->)",
                         re.S)
        if not pat.search(text):
            raise SystemExit(f"docs/scenarios.md has no generated:{name} block")
        body = fn()
        text = pat.sub(lambda m, b=body: m.group(1) + b + "\n" + m.group(2), text)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if out of date")
    args = parser.parse_args(argv)
    old = DOC.read_text(encoding="utf-8")
    new = render(old)
    if args.check:
        return 0 if new == old else 1
    from airank.output import write_file

    write_file(DOC, new)
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
