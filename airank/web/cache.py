"""The served indices and the server's cache of their editions and robustness plans.

A :class:`ServedIndex` is one index the server offers (the OGAI with its editions and
views, a shipped example, or any SPEC + DATA): its key, name, the editions and views it
has, and how to open one as an :class:`airank.Edition`. It caches, per (edition, view),
the Edition (which holds the read-only baseline) and the default uncertainty design's
:class:`~airank.analysis.robustness.batch.Plan`, so that a re-weighted ranking with rank
intervals takes milliseconds. Nothing here computes an index: the Edition does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..analysis.robustness.batch import Plan
from ..analysis.robustness.designs import default_factors
from ..analysis.robustness.uncertainty import draw
from ..edition import Edition
from ..errors import Issue, SpecError
from ..spec import IndexSpec

__all__ = ["ServedIndex", "example_index", "ogai_index", "spec_index"]

Opener = Callable[[int, str], Edition]


class ServedIndex:
    """One servable index, with its editions and plans cached per (edition, view).

    Parameters
    ----------
    key, name, description : str
        URL key (``ogai``), display name and one-line description.
    editions, views : sequence
        What can be asked for; the last edition and the first view are the defaults.
    opener : callable
        ``opener(edition, view) -> Edition``.
    """

    def __init__(self, key: str, name: str, editions: Sequence[int], views: Sequence[str],
                 opener: Opener, description: str = "") -> None:
        self.key, self.name, self.description = key, name, description
        self.editions, self.views = tuple(editions), tuple(views)
        self._open = opener
        self._lock = threading.Lock()
        self._editions: dict[tuple[int, str], Edition] = {}
        self._plans: dict[tuple[int, str], Plan] = {}

    @property
    def latest(self) -> int:
        return self.editions[-1]

    def info(self) -> dict[str, Any]:
        """What ``GET /api/indices`` lists for this index."""
        return {"key": self.key, "name": self.name, "description": self.description,
                "editions": list(self.editions), "latest": self.latest,
                "views": list(self.views)}

    def check(self, edition: int | None, view: str | None) -> tuple[int, str]:
        """The (edition, view) asked for, defaults filled; SpecError listing valid ones."""
        issues = []
        if edition is not None and edition not in self.editions:
            issues.append(Issue(("edition",), "unknown_edition", f"'{self.key}' has no edition "
                                f"{edition}. Expected one of {list(self.editions)}.", edition))
        if view is not None and view not in self.views:
            issues.append(Issue(("view",), "unknown_view", f"'{self.key}' has no view '{view}'. "
                                f"Expected one of {list(self.views)}.", view))
        SpecError.collect(issues)
        return (self.latest if edition is None else edition), (view or self.views[0])

    def edition(self, edition: int | None = None, view: str | None = None,
                weights: Mapping[str, float] | None = None) -> Edition:
        """The edition asked for (cached), re-weighted when ``weights`` are given."""
        key = self.check(edition, view)
        with self._lock:
            if key not in self._editions:
                self._editions[key] = self._open(*key)
            ed = self._editions[key]
        return ed.with_weights(weights or {})

    def plan(self, edition: int | None = None, view: str | None = None) -> Plan:
        """The default uncertainty design's plan of an edition and view (cached, warm)."""
        key = self.check(edition, view)
        ed = self.edition(*key)
        with self._lock:
            if key not in self._plans:
                plan = Plan(ed, default_factors(ed.spec))
                plan.evaluate(draw(plan, 0, 0, size=64))  # builds every variant once
                self._plans[key] = plan
            return self._plans[key]

    def warm(self) -> None:
        """Open every edition (profiles show the trend over all) and the latest plan."""
        for e in self.editions:
            self.edition(e)
        self.plan()


def ogai_index() -> ServedIndex:
    """The Open Global AI Index: every edition, both views, the release's goalposts."""
    from .. import ogai

    return ServedIndex("ogai", "Open Global AI Index", ogai.EDITIONS, ogai.VIEWS,
                       lambda e, v: Edition.ogai(e, v),
                       "Open counterpart of the Global AI Index, built only from open data.")


def spec_index(spec: IndexSpec, data: Any, key: str = "custom") -> ServedIndex:
    """Any index built by the engine: one edition (its build year), one view."""
    ed = Edition.of(spec, data, key=key)
    return ServedIndex(key, spec.name, (ed.year,), ("default",), lambda _e, _v: ed,
                       spec.description)


def example_index(name: str) -> ServedIndex:
    """A shipped example (see :data:`airank.datasets.EXAMPLES`)."""
    ed = Edition.example(name)
    return ServedIndex(name, ed.spec.name, (ed.year,), ("default",), lambda _e, _v: ed,
                       ed.spec.description)
