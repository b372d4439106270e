"""What every output records about how it was made: library versions, the methodology release.

Outputs are byte-identical for the same inputs and seed *given the same versions* of
Python, airank, numpy, pandas, scipy and SALib; :func:`versions` lists them for manifests.
"""

from __future__ import annotations

import importlib.metadata
import platform
from functools import cache

__all__ = ["versions"]

_PACKAGES = ("numpy", "pandas", "scipy", "SALib")


@cache
def versions() -> dict[str, str]:
    """The versions byte-identity depends on: Python, airank, numpy, pandas, scipy, SALib."""
    from . import __version__

    out = {"python": platform.python_version(), "airank": __version__}
    out.update({name: importlib.metadata.version(name) for name in _PACKAGES})
    return dict(out)
