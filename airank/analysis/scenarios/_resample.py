"""The projection's bootstrap (:func:`~.projection.project`): residuals resampled row by
row, the slopes refitted, the series carried to the target year -- in slices of
:data:`REFIT_ROWS` replications whose arrays are reused, half of them on a helper thread.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import numpy as np

from . import _bootstrap as boot

__all__ = ["REFIT_ROWS", "refit", "resampler"]

REFIT_ROWS = 8  # bootstrap replications refitted at once (their pairwise slopes in cache)

ToValues = Callable[[np.ndarray], np.ndarray]


def resampler(resid: np.ndarray) -> Callable[[np.random.Generator, np.ndarray], np.ndarray]:
    """A draw filling ``out`` (n, rows, size) with ``size`` residuals per row drawn with
    replacement from the row's own (non-NaN; none: 0), for ``n`` replications at once;
    draws one after another give what one draw for all their replications would."""
    ok = ~np.isnan(resid)
    cnt = np.maximum(ok.sum(axis=1), 1)[:, None]
    order = np.argsort(~ok, axis=1, kind="stable")  # present positions first
    packed = np.where(ok.any(axis=1)[:, None], np.take_along_axis(resid, order, axis=1),
                      0.0).ravel()
    offset = (np.arange(resid.shape[0]) * resid.shape[1])[:, None]  # the rows' flat offsets
    work: dict[tuple[int, ...], tuple[np.ndarray, np.ndarray]] = {}  # reused: see refit

    def draw(rng: np.random.Generator, out: np.ndarray) -> np.ndarray:
        if out.shape not in work:
            work[out.shape] = np.empty(out.shape), np.empty(out.shape, dtype=np.intp)
        at, pick = work[out.shape]
        rng.random(out=at)
        at *= cnt
        np.copyto(pick, at, casting="unsafe")  # truncated: the position among the row's
        pick += offset  # present residuals, in the flat packed rows
        return np.take(packed, pick, mode="clip", out=out)  # (in range: no checks)

    return draw


def refit(zf: np.ndarray, resid: np.ndarray, t: np.ndarray, rng: np.random.Generator,
          n: int, z_last: np.ndarray, step: np.ndarray, to_values: ToValues,
          n_series: int) -> np.ndarray:
    """The values at the target year (n x ``n_series``) of ``n`` bootstrap replications:
    each adds resampled residuals to the fitted lines ``zf - resid`` (rows x ``t``),
    refits their Theil-Sen slopes, projects ``z_last + slope * step``, adds one more
    residual and maps the result to every series with ``to_values``. In slices of
    :data:`REFIT_ROWS` replications, their arrays reused (fresh memory costs its page
    faults every time).

    The second half of the slices runs on a helper thread (numpy's work here releases
    the GIL), its random stream ``rng``'s own advanced past the first half's draws (one
    64-bit step a uniform), so the values are those of one pass over every slice."""
    vals = np.empty((n, n_series))
    per = resid.shape[0] * (resid.shape[1] + 1)  # uniforms a replication draws
    half = (n // REFIT_ROWS // 2) * REFIT_ROWS
    args = (zf, resid, t, z_last, step, to_values)
    if half and isinstance(rng.bit_generator, np.random.PCG64):
        late = np.random.PCG64()
        late.state = rng.bit_generator.state
        late.advance(half * per)
        job = _helper().submit(_refit_rows, *args, np.random.Generator(late), vals[half:])
        _refit_rows(*args, rng, vals[:half])
        job.result()
    else:
        _refit_rows(*args, rng, vals)
    return vals


@cache
def _helper() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="airank-refit")


def _refit_rows(zf: np.ndarray, resid: np.ndarray, t: np.ndarray, z_last: np.ndarray,
                step: np.ndarray, to_values: ToValues, rng: np.random.Generator,
                vals: np.ndarray) -> None:
    """:func:`refit` of ``len(vals)`` replications into ``vals`` (its own buffers)."""
    draw, slopes = resampler(resid), boot.Slopes(~np.isnan(zf), t)
    gaps, line = np.isnan(zf), zf - resid
    n = len(vals)
    rows = min(n, REFIT_ROWS)
    e, z = np.empty((rows, *zf.shape[:-1], len(t) + 1)), np.empty((rows, *zf.shape))
    for r0 in range(0, n, REFIT_ROWS):
        k = min(REFIT_ROWS, n - r0)
        er = draw(rng, e[:k])
        zr = np.add(line, er[..., :-1], out=z[:k])
        np.copyto(zr, np.nan, where=gaps)
        vals[r0:r0 + k] = to_values(z_last + slopes(zr) * step + er[..., -1])
