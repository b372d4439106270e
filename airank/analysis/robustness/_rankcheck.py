"""Checks and conversions of rank chunks for :class:`~.ranks.RankStats` (private).

Bad input raises :class:`~airank.errors.DataError` naming the offending cells (row, unit,
value; the first 20 and a count) before anything is accumulated.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from airank.errors import DataError, Issue

__all__ = ["as_rank_matrix", "check_counts", "check_order", "check_q", "order_index",
           "ranks_from_order"]

_LISTED = 20
_ROWS = 64  # rows per scatter step of ranks_from_order (index buffer stays in cache)


def check_q(q: float | ArrayLike) -> NDArray[np.float64]:
    """q as a float array, checked to be a number or 1-D array in [0, 1]."""
    qs = np.asarray(q, dtype=np.float64)
    if qs.ndim > 1 or not np.all((qs >= 0) & (qs <= 1)):
        msg = f"q must be a number or 1-D array of numbers in [0, 1]. Got {q!r}."
        raise DataError([Issue(("q",), "out_of_range", msg, repr(q))])
    return qs


def check_counts(v: NDArray[Any], c: NDArray[Any]) -> None:
    """Check values (distinct, increasing integers) and counts (integers >= 0)."""
    issues = []
    if c.ndim not in (1, 2) or c.shape[-1] == 0 or not np.issubdtype(c.dtype, np.integer):
        issues.append(Issue(("counts",), "bad_counts",
                            f"counts must be a 1-D or 2-D integer array. Got {c.dtype} "
                            f"with shape {c.shape}.", c.shape))
    elif c.min() < 0:
        issues.append(Issue(("counts",), "negative", "counts must be >= 0.", int(c.min())))
    if v.shape not in (c.shape, c.shape[-1:]) or not np.issubdtype(v.dtype, np.integer):
        issues.append(Issue(("values",), "bad_values",
                            f"values must be integers of shape {c.shape[-1:]} or {c.shape}. "
                            f"Got {v.dtype} with shape {v.shape}.", v.shape))
    elif v.shape[-1] > 1 and np.any(np.diff(v, axis=-1) <= 0):
        issues.append(Issue(("values",), "not_increasing",
                            "values must be distinct and increasing along the last axis.",
                            None))
    DataError.collect(issues)


def order_index(n: NDArray[np.int64], qs: NDArray[np.float64]) -> NDArray[np.int64]:
    """Zero-based order statistic of the inverted-CDF q-quantile, as numpy computes it.

    numpy's ``method="inverted_cdf"`` takes index ``ceil(n * q - 1)`` (float64, clipped
    at 0); shape ``(len(qs), len(n))``.
    """
    virtual = n[None, :] * qs[:, None] - 1.0
    return np.maximum(np.ceil(virtual), 0).astype(np.int64)


def _offenders(bad: NDArray[np.bool_], values: NDArray[Any], name: str,
               expected: str, offset: int) -> DataError:
    rows, cols = np.nonzero(bad)
    total = rows.size
    issues = [Issue((name, f"row {offset + int(r)}", f"unit {int(c)}"), "out_of_range",
                    f"{expected} Got {values[r, c]!r}.", values[r, c].item())
              for r, c in zip(rows[:_LISTED], cols[:_LISTED], strict=True)]
    title = f"{total:,} bad value{'s' if total != 1 else ''} in {name}"
    return DataError(issues, title)


def as_rank_matrix(r: NDArray[Any], n: int, offset: int = 0
                   ) -> tuple[NDArray[np.int32], NDArray[np.bool_] | None]:
    """Ranks as int32 (0 where NaN) and the NaN mask (None without NaN); checks 1..n."""
    expected = f"Ranks must be integers in 1..{n} (or NaN)."
    if np.issubdtype(r.dtype, np.floating):
        missing = np.isnan(r)
        has = bool(missing.any())
        filled = np.where(missing, 1.0, r) if has else r
        bad = (filled < 1) | (filled > n)
        bad |= filled != np.floor(filled)
        if bad.any():
            raise _offenders(bad, r, "ranks", expected, offset)
        ints = filled.astype(np.int32)
        if has:
            ints[missing] = 0
        return ints, missing if has else None
    if not np.issubdtype(r.dtype, np.integer) or r.dtype == np.bool_:
        msg = f"Ranks must be numbers (int or float). Got dtype {r.dtype}."
        raise DataError([Issue(("ranks",), "bad_dtype", msg, str(r.dtype))])
    if r.size and (r.min() < 1 or r.max() > n):
        raise _offenders((r < 1) | (r > n), r, "ranks", expected, offset)
    return r.astype(np.int32), None


def check_order(o: NDArray[Any], n: int, *, full: bool, offset: int = 0) -> None:
    """Check an order chunk: integers in 0..n-1 and, if ``full``, each row a permutation."""
    if not np.issubdtype(o.dtype, np.integer) or o.dtype == np.bool_:
        msg = f"An order must hold unit indices (integers). Got dtype {o.dtype}."
        raise DataError([Issue(("order",), "bad_dtype", msg, str(o.dtype))])
    if o.size and (o.min() < 0 or o.max() >= n):
        raise _offenders((o < 0) | (o >= n), o, "order", f"Unit indices must be in 0..{n - 1}.",
                         offset)
    if not full or not o.size:
        return
    step = max(1, (1 << 24) // n)  # rows at a time: a 64 MiB int32 temporary at most
    rows = np.concatenate([np.flatnonzero(ranks_from_order(o[i:i + step], True).min(axis=1)
                                          == 0) + i for i in range(0, len(o), step)])
    if rows.size:
        issues = [Issue(("order", f"row {offset + int(r)}"), "not_permutation",
                        f"Each row of an order must list every unit 0..{n - 1} once; row "
                        f"{offset + int(r)} repeats a unit.", None) for r in rows[:_LISTED]]
        raise DataError(issues, f"{rows.size:,} order row{'s' if rows.size != 1 else ''} "
                        "not permutations")


def ranks_from_order(o: NDArray[Any], ascending: bool) -> NDArray[np.int32]:
    """Rank matrix (int32) of an order chunk; 0 where a row is not a permutation."""
    rows, n = o.shape
    rank_at = (np.arange(n, 0, -1) if ascending else np.arange(1, n + 1)).astype(np.int32)
    out = np.zeros((rows, n), dtype=np.int32)
    step = min(_ROWS, rows) or 1
    flat_vals = np.tile(rank_at, step)
    row_start = (np.arange(step, dtype=np.int64) * n)[:, None]
    index = np.empty((step, n), dtype=np.int64)
    for i in range(0, rows, step):
        part = o[i:i + step]
        k = part.shape[0]
        np.add(part, row_start[:k], out=index[:k])
        out[i:i + k].reshape(-1)[index[:k].reshape(-1)] = flat_vals[:k * n]
    return out
