"""A comparable time series across editions: chain-linked on the indicators both share.

When indicators enter or leave an index between editions (a source starts later, a series
ends), the headline scores of two editions are not comparable: part of a change is
composition, not data. The chain-linked series removes that part. For consecutive editions
E-1 and E, the *link* of a unit is the change of its index score computed, in both
editions, on every indicator that has data in both (the weights of the others set to 0,
their siblings sharing them -- the missing-children rule), with the same fixed goalposts:

    link_E(u) = I_E^S(u) - I_{E-1}^S(u),   S = indicators with data in both E-1 and E
                                              and no series break at E

and the series is anchored at the first edition and chained:

    C_first(u) = I_first(u) (its full score),   C_E(u) = C_{E-1}(u) + link_E(u).

So a change of C comes from the data only; adding an edition never changes earlier values
(each link uses only its two editions, and the goalposts are frozen); a panel where only the
composition changes has a flat series. A unit first scored in a later edition enters the
chain at its score there plus the median offset ``C - I`` of the units already in the chain
(its level is put on the chain's scale). Scores are computed for every unit with data (no
coverage screen: a unit below the coverage rule still has a score), and comparable ranks are
ranks of ``C`` among the units ranked in each edition.

This is the approach of chain-linked index numbers in official statistics (each link
uses the overlap of two periods; Eurostat/OECD practice for indicator sets that change), as
the INFORM risk index re-computes earlier years under the current methodology.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..fitted import FitLike
from ..kernel import Kernel
from ..pipeline import build
from ..results import Result
from ..spec import IndexSpec

__all__ = ["chain_linked"]


def _unscreened(spec: IndexSpec) -> IndexSpec:
    cfg = spec.methodology.screen
    if cfg.method == "coverage":
        return spec.with_changes({"methodology.screen.min_coverage": 0.0})
    return spec


def chain_linked(spec: IndexSpec, data: object, years: Sequence[int], *,
                 fitted: FitLike | None = None,
                 headline: Sequence[Result] | None = None) -> pd.DataFrame:
    """The chain-linked series of every unit over ``years`` (see the module notes).

    Parameters
    ----------
    spec, data
        The index and its panel data.
    years : sequence of int
        The editions, in order.
    fitted : Fitted, optional
        Fixed goalposts (frozen release); without them every edition refits its own, and
        the links then also carry goalpost changes.
    headline : sequence of Result, optional
        The headline builds of the editions (default: built here with the spec's screen);
        their ranked units define ``ranked`` and the comparable ranks.

    Returns
    -------
    DataFrame
        One row per (unit, edition) with a score: ``unit, edition, ranked`` (in the
        headline ranking), ``score`` (its headline score, NaN when not ranked),
        ``rank``, ``n_ranked``, ``full_score`` (every indicator of the edition, no screen),
        ``comparable_score``, ``comparable_rank`` (among the ranked units),
        ``link`` (the change from the previous edition on the shared indicators),
        ``n_indicators``, ``added``, ``removed`` (indicators that entered or left since the
        previous edition, comma-separated).
    """
    years = [int(y) for y in years]
    heads = list(headline) if headline is not None else [
        build(spec, data, year=y, fitted=fitted) for y in years]  # type: ignore[arg-type]
    open_spec = _unscreened(spec)
    full = [build(open_spec, data, year=y, fitted=fitted) for y in years]  # type: ignore[arg-type]
    kernel = Kernel.compile(spec)
    units = sorted(set().union(*(r.units for r in full)))
    X = [r.stages["normalised"].reindex(units).to_numpy(dtype=float) for r in full]
    alive = [~r.stages["raw"].isna().all(axis=0).to_numpy() for r in full]
    codes = list(spec.indicator_codes)
    comparable = np.full((len(years), len(units)), np.nan)
    link = np.full((len(years), len(units)), np.nan)
    first = full[0].index.reindex(units).to_numpy(dtype=float)
    comparable[0] = first
    rows_meta: list[tuple[int, str, str]] = [(int(alive[0].sum()), "", "")]
    for i in range(1, len(years)):
        broken = np.array([years[i] in spec.indicator(c).breaks for c in codes])
        shared = alive[i] & alive[i - 1] & ~broken
        W = kernel.weights.copy()[None, :]
        dead = np.zeros(len(kernel.nodes), dtype=bool)
        dead[: kernel.n_ind] = ~shared
        a = kernel.evaluate(X[i - 1], W, dead=_dead(kernel, dead)).index[0]
        b = kernel.evaluate(X[i], W, dead=_dead(kernel, dead)).index[0]
        link[i] = b - a
        comparable[i] = comparable[i - 1] + link[i]
        own = full[i].index.reindex(units).to_numpy(dtype=float)
        enter = np.isnan(comparable[i]) & ~np.isnan(own)
        both = ~np.isnan(comparable[i]) & ~np.isnan(own)
        if enter.any() and both.any():
            comparable[i, enter] = own[enter] + float(np.median((comparable[i] - own)[both]))
        added = [c for c, j in zip(codes, alive[i] & ~alive[i - 1], strict=True) if j]
        removed = [c for c, j in zip(codes, alive[i - 1] & ~alive[i], strict=True) if j]
        rows_meta.append((int(alive[i].sum()), ", ".join(added), ", ".join(removed)))
    return _frame(years, units, heads, full, comparable, link, rows_meta)


def _dead(kernel: Kernel, ind_dead: np.ndarray) -> np.ndarray:
    """Indicator dead mask extended to groups whose children are all dead."""
    out = ind_dead.copy()
    for gi, j in enumerate(kernel.group_node):
        out[j] = out[kernel.kids[gi]].all()
    return out


def _frame(years: list[int], units: list[str], heads: list[Result], full: list[Result],
           comparable: np.ndarray, link: np.ndarray,
           meta: list[tuple[int, str, str]]) -> pd.DataFrame:
    parts = []
    for i, y in enumerate(years):
        head = heads[i]
        ranked = head.index.dropna()
        t = pd.DataFrame({"unit": units, "edition": y})
        t["ranked"] = t["unit"].isin(ranked.index)
        t["score"] = ranked.reindex(units).to_numpy()
        t["rank"] = ranked.rank(ascending=False, method="min").reindex(units).to_numpy()
        t["n_ranked"] = len(ranked)
        t["full_score"] = full[i].index.reindex(units).to_numpy(dtype=float)
        t["comparable_score"] = comparable[i]
        cr = pd.Series(np.where(t["ranked"], comparable[i], np.nan)).rank(
            ascending=False, method="min")
        t["comparable_rank"] = cr.to_numpy()
        t["link"] = link[i]
        t["n_indicators"], t["added"], t["removed"] = meta[i]
        parts.append(t[t["full_score"].notna() | t["ranked"]])
    out = pd.concat(parts, ignore_index=True)
    for c in ("rank", "comparable_rank"):
        out[c] = out[c].astype("Int64")
    return out
