"""Methodology releases: the OGAI's goalposts and treatment, frozen and shipped.

A release (``ogai-2026.1``) fixes the methodology -- the specs, and the outlier treatment
and min-max goalposts of every indicator, fitted once on values pooled over the editions
it names -- and ships them as ``airank/datasets/ogai/releases/<release>.json`` (the
:class:`~airank.fitted.Fitted` schema, one entry per view and licence mode). Every
edition is scored with them, so:

* scores compare across editions (one set of goalposts);
* adding an edition, or a new year of data, never rewrites a published score: the
  goalposts change only with a new release, which is announced (``docs/ogai.md``,
  revisions policy) and named in every output's manifest.

``python data/build_ogai.py --freeze`` (or :func:`freeze`) recomputes a release file from
the data and the editions the release names; a test checks that the shipped file is
exactly that.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from .. import datasets
from ..errors import Issue, SpecError
from ..fitted import Fitted

__all__ = ["RELEASE", "RELEASE_EDITIONS", "freeze", "release_doc", "release_fitted",
           "write_release"]

RELEASE = "ogai-2026.1"
#: The editions whose pooled values fixed this release's goalposts.
RELEASE_EDITIONS: tuple[int, ...] = tuple(range(2019, 2026))


def _path(release: str) -> Path:
    return datasets.path("ogai", "releases", f"{release}.json")


@cache
def release_doc(release: str = RELEASE) -> dict[str, Any]:
    """The release file as a mapping (``release``, ``editions``, ``fitted``, ...)."""
    p = _path(release)
    if not p.is_file():
        raise SpecError([Issue(("release",), "unknown_release", f"No OGAI release "
                               f"'{release}' is shipped (expected {p}).", release)])
    doc: dict[str, Any] = json.loads(p.read_text(encoding="utf-8"))
    return doc


@cache
def release_fitted(view: str, licence: str, release: str = RELEASE) -> Fitted:
    """The frozen treatment and goalposts of ``view`` in licence mode ``licence``."""
    doc = release_doc(release)
    key = f"{view}/{licence}"
    if key not in doc["fitted"]:
        raise SpecError([Issue(("release", key), "not_in_release", f"Release '{release}' "
                               f"has no goalposts for {key}.", key)])
    return Fitted.from_dict(doc["fitted"][key])


def freeze(editions: Sequence[int] = RELEASE_EDITIONS, release: str = RELEASE) -> str:
    """The release file's text, recomputed from the shipped data (same data, same bytes)."""
    from ..pipeline import fit_pooled
    from . import index

    fitted: dict[str, Any] = {}
    hashes: dict[str, str] = {}
    for licence in ("all", "open"):
        for view in index.VIEWS:
            d = index.dataset(view, licence=licence)
            s = index.spec(view, licence=licence)
            fitted[f"{view}/{licence}"] = fit_pooled(s, d, editions).to_dict()
            hashes[licence] = d.hash
    doc = {"release": release, "editions": list(editions), "data_hash": hashes,
           "method": "treatment (JRC rule) and min-max goalposts fitted on each indicator's "
                     "values pooled over the editions (airank.pipeline.fit_pooled)",
           "fitted": fitted}
    return json.dumps(doc, indent=1, sort_keys=True) + "\n"


def write_release(release: str = RELEASE) -> Path:
    """Recompute the release file and write it (atomically) into the package data."""
    from ..output import write_file

    return write_file(_path(release), freeze(release=release))
