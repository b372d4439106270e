"""FastAPI dependencies: the cached settings, the index registry, shared query parameters.

Tests swap ``get_settings`` (or ``get_registry``) through ``app.dependency_overrides``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import Depends, Path, Query

from ..errors import Issue, SpecError
from .cache import ServedIndex, example_index, ogai_index, spec_index
from .settings import Settings
from .shape import parse_weights

__all__ = ["Registry", "get_registry", "get_settings", "get_source", "get_weights"]

Registry = dict[str, ServedIndex]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings from the environment, read once."""
    return Settings.from_env()


@lru_cache(maxsize=8)
def registry_for(settings: Settings) -> Registry:
    """The sources named by ``settings`` (built once per settings)."""
    from .. import datasets, load_spec, read_data

    if settings.spec_path is not None:
        if settings.data_path is None:
            raise SpecError("Give both a spec and a data file to serve.")
        spec = load_spec(settings.spec_path)
        src = spec_index(spec, read_data(settings.data_path, spec),
                          key=_slug(settings.spec_path.stem))
        return {src.key: src}
    out: Registry = {}
    for name in settings.indices:
        if name == "ogai":
            out[name] = ogai_index()
        elif name in datasets.EXAMPLES:
            out[name] = example_index(name)
        else:
            raise SpecError(f"Unknown index '{name}'. Expected 'ogai' or one of "
                            f"{list(datasets.EXAMPLES)}.")
    return out


def _slug(text: str) -> str:
    s = "".join(ch if ch.isalnum() else "-" for ch in text.lower()).strip("-")
    return s[:40] or "custom"


def get_registry(settings: Annotated[Settings, Depends(get_settings)]) -> Registry:
    return registry_for(settings)


IndexKey = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$",
                               description="An index key from GET /api/indices")]


def get_source(index: IndexKey, registry: Annotated[Registry, Depends(get_registry)]
               ) -> ServedIndex:
    """The index named in the path; 422 listing the served ones if unknown."""
    if index not in registry:
        raise SpecError([Issue(("path", "index"), "unknown_index",
                               f"No index '{index}'. Expected one of {sorted(registry)}.",
                               index)])
    return registry[index]


WeightsQuery = Annotated[str, Query(
    max_length=4000, pattern=r"^[A-Za-z0-9_:.,\- ]*$",
    description="Custom weights, 'code:weight' comma-separated, at any level "
                "(e.g. 'talent:2,research:0.5'); others keep their spec weight.")]


def get_weights(weights: WeightsQuery = "") -> dict[str, float]:
    return parse_weights(weights)
