"""The web app's settings: which indices to serve, and the limits on what clients may ask.

Settings are set by whoever starts the server (``airank serve`` options, or environment
variables ``AIRANK_WEB_<FIELD>``), never by clients: in particular no file path comes
from a request.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Settings"]

_ENV = "AIRANK_WEB_"


class Settings(BaseModel):
    """Frozen settings of one app.

    Attributes
    ----------
    indices : tuple of str
        Shipped indices to serve: ``ogai`` and the examples (``asem``). Ignored when
        ``spec_path`` is set.
    spec_path, data_path : Path, optional
        Serve this index (``airank serve SPEC DATA``) instead.
    rate_limit : float
        Requests per second per client address on ``/api`` (token bucket refill);
        0 disables the limit.
    rate_burst : int
        Bucket size: requests a client may send at once.
    max_body_bytes : int
        Largest request body accepted (413 beyond).
    max_replications : int
        Largest ``n`` of an uncertainty run.
    max_projection_replications : int
        Largest ``n`` of a projection (each replication is a full rebuild).
    live_replications : int
        Default replications for the rank intervals of a ranking (the dashboard's).
    max_live_replications : int
        Largest replications a ranking may ask for.
    cors_origins : tuple of str
        Origins allowed by CORS; empty (default) = CORS off.
    warm : bool
        Build the latest edition and its plan at start-up.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    indices: tuple[str, ...] = ("ogai", "asem")
    spec_path: Path | None = None
    data_path: Path | None = None
    rate_limit: float = Field(default=20.0, ge=0)
    rate_burst: int = Field(default=40, ge=1)
    max_body_bytes: int = Field(default=64_000, ge=1_000)
    max_replications: int = Field(default=5_000, ge=1)
    max_projection_replications: int = Field(default=200, ge=0)
    live_replications: int = Field(default=300, ge=0)
    max_live_replications: int = Field(default=2_000, ge=0)
    cors_origins: tuple[str, ...] = ()
    warm: bool = True

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """Settings from ``AIRANK_WEB_<FIELD>`` variables (lists comma-separated)."""
        values: dict[str, Any] = {}
        for name, field in cls.model_fields.items():
            raw = os.environ.get(_ENV + name.upper())
            if raw is None:
                continue
            is_tuple = "tuple" in str(field.annotation)
            values[name] = tuple(filter(None, raw.split(","))) if is_tuple else raw
        return cls(**{**values, **overrides})
