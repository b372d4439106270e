"""Random seeds, resolved in one place: same seed, same bytes.

Every random analysis takes ``seed: int | None``. ``None`` draws a seed from the operating
system and reports it (so the run can be repeated); an integer must be in
0 .. 2**32 - 1. Streams derive from it with :class:`numpy.random.SeedSequence`, never from
numpy's global generator.
"""

from __future__ import annotations

from typing import cast

import numpy as np

from .errors import FactorError, Issue

__all__ = ["MAX_SEED", "resolve_seed"]

MAX_SEED = 2**32 - 1


def resolve_seed(seed: int | None) -> int:
    """``seed`` checked, or a fresh one drawn from the OS when None.

    Raises
    ------
    FactorError
        For a seed that is not a whole number in 0 .. 2**32 - 1.
    """
    if seed is None:
        # entropy drawn from the OS is an int (the stubs allow the Sequence a caller may pass)
        return int(cast(int, np.random.SeedSequence().entropy) % (MAX_SEED + 1))
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not (
            0 <= int(seed) <= MAX_SEED):
        raise FactorError([Issue(("seed",), "bad_seed", f"The seed must be a whole number "
                                 f"in 0..{MAX_SEED}. Got {seed!r}.", str(seed))])
    return int(seed)
