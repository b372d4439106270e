"""BLAS on one thread for the batched engine's products (its work is many small GEMMs,
where threads cost more than they give; parallelism comes from tasks instead).

``threadpoolctl.threadpool_limits`` inspects the loaded libraries on every call (several
milliseconds); one controller, made on first use, is reused.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from functools import cache
from typing import Any

__all__ = ["one_blas_thread"]


@cache
def _controller() -> Any:
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def one_blas_thread() -> AbstractContextManager[Any]:
    """A context in which BLAS runs on one thread."""
    limit: AbstractContextManager[Any] = _controller().limit(limits=1, user_api="blas")
    return limit
