"""Tables for people and for programs: CSV, JSON, or a rich table that fits the terminal.

A table printed for people fits the console's width (``COLUMNS``, else the terminal's):
names wrap, codes and numbers never are cut, and columns that do not fit are left out
from the right -- never the first ``keep`` -- with a note naming them. Ranks print as
whole numbers (one decimal when a median falls between two ranks), scores with two
decimals, very large or very small values in three significant digits.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console

__all__ = ["RANKS", "cell", "print_frame", "print_rows", "write_csv"]

#: Columns holding ranks or rank changes (printed as whole numbers).
RANKS = frozenset({
    "rank", "now", "nominal", "median", "q05", "q95", "rank_base", "rank_scenario", "rank_change",
    "rank_now", "rank_median", "rank_q05", "rank_q95", "best", "worst", "change_median",
    "change_q05", "change_q95", "gain_median", "gain_q05", "gain_q95", "level", "n_ranked",
    "edition", "nominal_rank", "best_rank", "worst_rank", "ogai_rank", "other_rank", "diff"})
_WRAP_MIN = 14  # a wrapped text column is at least this wide (or its longest word)
_GAP = 3  # between columns: a padding space, the (blank) divider, a padding space


def _num(v: float) -> str:
    if v == 0 or 0.01 <= abs(v) < 1e5:
        return f"{v:.2f}"
    return f"{v:.3g}"


def cell(v: Any, column: str = "") -> str:
    """One value as table text: '' for missing, 'yes' for True, ranks whole."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if type(v).__name__ in ("NAType", "NaTType"):
        return ""
    if isinstance(v, bool) or type(v).__name__ in ("bool", "bool_"):
        return "yes" if v else ""
    if isinstance(v, int) or type(v).__name__.startswith(("int", "uint")):
        return str(int(v))
    if isinstance(v, float) or type(v).__name__.startswith("float"):
        f = float(v)
        if column in RANKS:
            return str(int(f)) if f.is_integer() else f"{f:.1f}"
        return _num(f)
    return str(v)


def print_frame(frame: pd.DataFrame, fmt: str, title: str = "", *, console: Console,
                keep: int = 2, notes: Iterable[str] = ()) -> None:
    """Print ``frame`` as ``csv``, ``json`` (records) or a table fitting ``console``."""
    if fmt == "csv":
        sys.stdout.write(frame.to_csv(index=False, float_format="%.6g", lineterminator="\n"))
    elif fmt == "json":
        sys.stdout.write(frame.to_json(orient="records", double_precision=10, indent=1) + "\n")
    else:
        cols = [str(c) for c in frame.columns]
        numeric = [frame[c].dtype.kind in "fiub" for c in frame.columns]
        rows = [list(r) for r in frame.itertuples(index=False, name=None)]
        print_rows(cols, rows, numeric, title, console=console, keep=keep, notes=notes)


def print_rows(cols: Sequence[str], rows: Sequence[Sequence[Any]], numeric: Sequence[bool],
               title: str = "", *, console: Console, keep: int = 2,
               notes: Iterable[str] = ()) -> None:
    """A table of plain rows fitting ``console``: columns left out from the right (never
    the first ``keep``) when they do not fit, and named in a note."""
    from rich import box
    from rich.table import Table

    text = {c: [cell(r[i], c) for r in rows] for i, c in enumerate(cols)}
    num = dict(zip(cols, numeric, strict=True))
    shown = _fit(list(cols), text, num, console.width, keep)
    t = Table(title=title or None, box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False,
              title_justify="left", expand=False)
    for c in shown:
        wide = _wraps(text[c], num[c])
        t.add_column(c, justify="right" if num[c] else "left", overflow="fold",
                     no_wrap=not wide, min_width=None if wide else len(c))
    for i in range(len(rows)):
        t.add_row(*[text[c][i] for c in shown])
    console.print(t)
    dropped = [c for c in cols if c not in shown]
    lines = list(notes)
    if dropped:
        lines.insert(0, f"Not shown at {console.width} columns: {', '.join(dropped)} (a "
                        "wider terminal, or --format csv, shows them).")
    for n in lines:
        console.print(n, markup=False, highlight=False)


def write_csv(cols: Sequence[str], records: Iterable[Mapping[str, Any]]) -> None:
    """Records as CSV on stdout, as ``DataFrame.to_csv(float_format="%.6g")`` writes
    them (missing values empty)."""
    import csv

    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(cols)
    for r in records:
        w.writerow(["" if r.get(c) is None else (f"{r[c]:.6g}" if isinstance(r[c], float)
                                                 else r[c]) for c in cols])


def _wraps(values: Sequence[str], numeric: bool) -> bool:
    return not numeric and any(" " in v for v in values)


def _need(c: str, values: Sequence[str], numeric: bool) -> int:
    longest = max((len(v) for v in values), default=0)
    if not _wraps(values, numeric):
        return max(len(c), longest)
    word = max((len(w) for v in values for w in v.split()), default=0)
    return max(len(c), word, min(longest, _WRAP_MIN))


def _fit(cols: list[str], text: dict[str, list[str]], numeric: dict[str, bool], width: int,
         keep: int) -> list[str]:
    """The columns that fit ``width``: drop from the right, never the first ``keep``."""
    need = {c: _need(c, text[c], numeric[c]) for c in cols}
    shown = list(cols)
    while len(shown) > keep and sum(need[c] for c in shown) + _GAP * (len(shown) - 1) > width:
        shown.pop()
    return shown
