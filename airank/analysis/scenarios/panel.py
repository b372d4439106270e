"""Changed copies of a dataset: new values written into its panel, with a new hash.

Scenarios, "what would it take" and projections change some values of an edition and build
it again; these functions make that copy (the original is never modified). A value the
copy sets is observed (its ``inferred`` flag is cleared).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...data import Dataset, derived_hash

__all__ = ["with_panel", "with_values"]


def with_values(data: Dataset, values: pd.DataFrame, years: pd.DataFrame, year: int, *,
                label: str) -> Dataset:
    """``data`` with ``values`` (index unit; columns codes) written where they differ.

    A value goes to its source year (``years``), or to ``year`` where there was none.
    On a canonical panel (:meth:`Dataset.with_cells`) only the changed cells are
    written; otherwise the panel is rewritten and sorted (the same dataset).
    """
    src = years.reindex(index=values.index, columns=values.columns).to_numpy(dtype=float)
    new = values.to_numpy(dtype=float)
    before = data.values_at(values.index, values.columns, src)
    if before is None:
        return _rewritten(data, values, years, year, label)
    diff = ~((new == before) | (np.isnan(new) & np.isnan(before))) & ~np.isnan(new)
    if not diff.any():
        return data
    i, j = np.nonzero(diff)  # row-major: the stacked order
    cells = pd.DataFrame({"unit": values.index[i], "code": values.columns[j],
                          "year": np.where(np.isnan(src[i, j]), year, src[i, j]),
                          "value": new[i, j]})
    source, notes = _provenance(data, label)
    out = data.with_cells(cells, source=source, notes=notes)
    return _rewritten(data, values, years, year, label) if out is None else out


def _rewritten(data: Dataset, values: pd.DataFrame, years: pd.DataFrame, year: int,
               label: str) -> Dataset:
    """:func:`with_values` by rewriting the whole panel (any panel)."""
    stacked = values.stack(future_stack=True)
    src = years.stack(future_stack=True).reindex(stacked.index)
    before = _edition_values(data, years).reindex(stacked.index)
    diff = ~((stacked == before) | (stacked.isna() & before.isna())) & stacked.notna()
    if not diff.any():
        return data
    idx = stacked.index[diff.to_numpy()]
    key = ["unit", "code", "year"]
    upd = pd.Series(stacked[idx].to_numpy(dtype=float), index=pd.MultiIndex.from_arrays(
        [idx.get_level_values(0), idx.get_level_values(1),
         [int(src[i]) if pd.notna(src[i]) else int(year) for i in idx]], names=key))
    panel = data.panel.set_index(key)
    common = panel.index.intersection(upd.index)
    panel.loc[common, "value"] = upd[common].to_numpy()
    if "inferred" in panel.columns:  # a value the scenario sets is an assumption, not inferred
        panel.loc[common, "inferred"] = False
    panel = pd.concat([panel, upd.drop(common).rename("value").to_frame()])
    return with_panel(data, panel.sort_index().reset_index(), label)


def _edition_values(data: Dataset, years: pd.DataFrame) -> pd.Series:
    """The values at the given source years (NaN where the year is NaN)."""
    p = data.panel.set_index(["unit", "code", "year"])["value"]
    src = years.stack(future_stack=True)
    keys = [(u, c, int(y)) if pd.notna(y) else (u, c, -1)
            for (u, c), y in zip(src.index, src, strict=True)]
    return pd.Series(p.reindex(keys).to_numpy(), index=src.index)


def _provenance(data: Dataset, label: str) -> tuple[str, tuple[str, ...]]:
    """The source and notes of a copy of ``data`` changed by ``label``."""
    return f"{data.source} + {label}", (*data.notes, f"values changed by {label}")


def with_panel(data: Dataset, panel: pd.DataFrame, label: str) -> Dataset:
    """``data`` with a new long ``panel`` (unit, code, year, value[, inferred]) and a new
    hash; rows without an ``inferred`` flag are observed."""
    panel = panel.assign(inferred=panel["inferred"].fillna(False).astype(bool)
                         if "inferred" in panel.columns else False)
    rows = pd.util.hash_pandas_object(panel, index=False).to_numpy()
    source, notes = _provenance(data, label)
    return Dataset(panel, data.groups, dict(data.names), source,
                   derived_hash(data.hash, rows), notes)
