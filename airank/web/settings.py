"""The web app's settings: which indices to serve, and the limits on what clients may ask.

Settings are set by whoever starts the server (``airank serve`` options, or environment
variables ``AIRANK_WEB_<FIELD>``; the options win), never by clients: in particular no file
path comes from a request.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import AirankError, Issue

__all__ = ["LOOPBACK", "Settings"]

LOOPBACK = ("localhost", "127.0.0.1", "::1")

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
    allowed_hosts : tuple of str
        ``Host`` header values served (any port); others get 400 ``bad_host``, which
        stops DNS-rebinding pages. Default the loopback names; ``*`` allows any.
    budget_seconds : float
        Most work one request may ask for, in estimated seconds on one core
        (:mod:`airank.analysis.robustness.cost`); beyond, 422 ``over_budget``.
    max_runs : int
        Runs (POST requests) computed at once by each worker; 429 ``busy`` beyond.
        0 = no cap.
    run_tokens : float
        Tokens of the rate limit's bucket that a run takes (any other request takes 1).
    request_timeout : float
        Seconds a client has to send a whole request (headers and body) once connected.
    keep_alive_timeout : int
        Seconds an idle keep-alive connection is kept.
    workers : int
        Server processes. Each keeps its own rate-limit buckets and run count, so each
        applies ``1/workers`` of ``rate_limit``, ``rate_burst`` and ``max_runs``: the
        total over the workers never exceeds the settings (see docs/reliability.md).
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
    allowed_hosts: tuple[str, ...] = LOOPBACK
    budget_seconds: float = Field(default=10.0, gt=0, allow_inf_nan=False)
    max_runs: int = Field(default=4, ge=0)
    run_tokens: float = Field(default=5.0, ge=1, allow_inf_nan=False)
    request_timeout: float = Field(default=10.0, gt=0, le=3600, allow_inf_nan=False)
    keep_alive_timeout: int = Field(default=5, ge=1, le=3600)
    workers: int = Field(default=1, ge=1, le=64)

    def to_env(self) -> dict[str, str]:
        """These settings as ``AIRANK_WEB_<FIELD>`` variables: how ``airank serve``
        hands them to worker processes (:meth:`from_env` reads them back)."""
        out = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, tuple):
                text = ",".join(map(str, value))
            elif isinstance(value, bool):
                text = "true" if value else "false"
            else:
                text = str(value)
            out[_ENV + name.upper()] = text
        return out

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """Settings from ``AIRANK_WEB_<FIELD>`` variables (lists comma-separated), then
        ``overrides`` (None values ignored).

        Raises
        ------
        AirankError
            Naming every variable or option with a bad value (``bad_setting``).
        """
        values: dict[str, Any] = {}
        origin: dict[str, str] = {}
        for name, field in cls.model_fields.items():
            raw = os.environ.get(_ENV + name.upper())
            if raw is None:
                continue
            is_tuple = "tuple" in str(field.annotation)
            values[name] = tuple(filter(None, raw.split(","))) if is_tuple else raw
            origin[name] = _ENV + name.upper()
        given = {k: v for k, v in overrides.items() if v is not None}
        origin.update({k: f"--{k.replace('_', '-')}" for k in given})
        try:
            return cls(**{**values, **given})
        except ValidationError as exc:
            raise AirankError([_issue(e, origin) for e in exc.errors()],
                              "bad server settings") from None


def _issue(error: Any, origin: dict[str, str]) -> Issue:
    name = str(error["loc"][0]) if error.get("loc") else "settings"
    where = origin.get(name, name)
    return Issue((where,), "bad_setting", f"{error['msg']}. Got "
                 f"{error.get('input')!r}.", str(error.get("input")))
