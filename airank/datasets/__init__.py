"""Indices shipped with airank: the ASEM example (COINr's) and the Open Global AI Index."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ..data import Dataset, read_data
from ..spec import IndexSpec, load_spec

__all__ = ["EXAMPLES", "asem", "asem_spec", "example", "path"]

EXAMPLES = ("asem",)


def path(*parts: str) -> Path:
    """The path of a file shipped under ``airank/datasets``."""
    return Path(str(resources.files("airank").joinpath("datasets", *parts)))


def asem_spec() -> IndexSpec:
    """The spec that reproduces COINr's ``build_example_coin()``."""
    return load_spec(path("asem", "spec.yaml"))


def asem() -> tuple[IndexSpec, Dataset]:
    """COINr's ASEM Sustainable Connectivity example: (spec, data)."""
    spec = asem_spec()
    return spec, read_data(path("asem", "ASEM_iData.csv"), spec)


def example(name: str) -> tuple[IndexSpec, Dataset]:
    """A shipped example by name (see :data:`EXAMPLES`)."""
    if name == "asem":
        return asem()
    from ..errors import SpecError

    raise SpecError(f"Unknown example '{name}'. Expected one of {list(EXAMPLES)}.")
