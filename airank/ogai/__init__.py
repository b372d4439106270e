"""The Open Global AI Index (OGAI): every edition, both views, one frozen methodology.

* :mod:`~airank.ogai.index` -- specs, the shipped table, builds and rankings;
* :mod:`~airank.ogai.release` -- the methodology release whose goalposts every edition uses;
* :mod:`~airank.ogai.catalogue` -- the source catalogue: publisher, licence, terms, dates.

>>> from airank import ogai
>>> ogai.ranking(2025, "scale").loc[0, "iso3"]
'USA'
"""

from .catalogue import LICENCE_MODES, notice, sources
from .index import (
    EDITIONS,
    FIRST,
    LATEST,
    THRESHOLD,
    VIEWS,
    Comparison,
    build,
    compare,
    dataset,
    fitted,
    ranking,
    spec,
    trend,
    units,
)
from .release import RELEASE, RELEASE_EDITIONS, freeze

__all__ = ["EDITIONS", "FIRST", "LATEST", "LICENCE_MODES", "RELEASE", "RELEASE_EDITIONS",
           "THRESHOLD", "VIEWS", "Comparison", "build", "compare", "dataset", "fitted",
           "freeze", "notice", "ranking", "sources", "spec", "trend", "units"]
