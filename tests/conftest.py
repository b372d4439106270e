"""Shared fixtures: a tiny index worked by hand, and the ASEM example."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from hypothesis import settings

import airank
from airank import IndexSpec

settings.register_profile("dev", max_examples=30, deadline=None)
settings.register_profile("ci", max_examples=60, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

TINY_SPEC = {
    "name": "Tiny",
    "units": {"kind": "custom", "groups": ["region"]},
    "nodes": [
        {"code": "index", "name": "Tiny index"},
        {"code": "p1", "parent": "index", "weight": 1},
        {"code": "p2", "parent": "index", "weight": 1},
    ],
    "indicators": [
        {"code": "i1", "parent": "p1", "weight": 1, "direction": 1},
        {"code": "i2", "parent": "p1", "weight": 1, "direction": -1},
        {"code": "i3", "parent": "p2", "weight": 1, "direction": 1},
        {"code": "i4", "parent": "p2", "weight": 3, "direction": 1},
    ],
    "methodology": {
        "screen": {"method": "coverage", "min_coverage": 0.65},
        "normalise": {"method": "minmax", "lower": 0, "upper": 100},
        "aggregate": {"method": "arithmetic"},
    },
}

# unit, region, i1, i2, i3, i4   (worked by hand in test_pipeline.py)
TINY_ROWS = [
    ("A", "north", 0.0, 10.0, 5.0, 1.0),
    ("B", "north", 10.0, 0.0, 5.0, 2.0),
    ("C", "south", 5.0, 5.0, 0.0, 3.0),
    ("D", "south", 10.0, 10.0, 10.0, np.nan),
]


@pytest.fixture
def tiny_spec() -> IndexSpec:
    return IndexSpec.from_dict(TINY_SPEC)


@pytest.fixture
def tiny_frame() -> pd.DataFrame:
    return pd.DataFrame(TINY_ROWS, columns=["unit", "region", "i1", "i2", "i3", "i4"])


@pytest.fixture
def tiny_data(tiny_spec: IndexSpec, tiny_frame: pd.DataFrame) -> airank.Dataset:
    return airank.read_data(tiny_frame, tiny_spec)


@pytest.fixture(scope="session")
def asem() -> tuple[IndexSpec, airank.Dataset]:
    return airank.datasets.asem()


@pytest.fixture(scope="session")
def asem_result(asem: tuple[IndexSpec, airank.Dataset]) -> airank.Result:
    return airank.build(*asem)


@pytest.fixture(scope="module")
def private_cache(tmp_path_factory):
    """A private cache folder of built editions for a module's CLI runs (never the
    user's): ``pytestmark = pytest.mark.usefixtures("private_cache")``."""
    old = os.environ.get("AIRANK_CACHE_DIR")
    os.environ["AIRANK_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if old is None:
        os.environ.pop("AIRANK_CACHE_DIR")
    else:
        os.environ["AIRANK_CACHE_DIR"] = old
