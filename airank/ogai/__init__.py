"""The Open Global AI Index (OGAI): every edition, both views, one frozen methodology.

* :mod:`~airank.ogai.index` -- specs, the shipped table, builds and rankings;
* :mod:`~airank.ogai.release` -- the methodology release whose goalposts every edition uses;
* :mod:`~airank.ogai.catalogue` -- the source catalogue: publisher, licence, terms, dates;
* :mod:`~airank.ogai.tables` -- the headline ranking with its flags, the unranked list;
* :mod:`~airank.ogai.trend` -- the comparable (chain-linked) series over editions.

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
    TREATMENT_EXCEPTIONS,
    VIEWS,
    Comparison,
    build,
    compare,
    dataset,
    fitted,
    spec,
    units,
)
from .release import RELEASE, RELEASE_EDITIONS, freeze
from .tables import IMPUTED_FLAG, ranking, unranked
from .trend import series, trend

__all__ = ["EDITIONS", "FIRST", "IMPUTED_FLAG", "LATEST", "LICENCE_MODES", "RELEASE",
           "RELEASE_EDITIONS", "THRESHOLD", "TREATMENT_EXCEPTIONS", "VIEWS", "Comparison",
           "build", "compare", "dataset", "fitted", "freeze", "notice", "ranking", "series",
           "sources", "spec", "trend", "units", "unranked"]
