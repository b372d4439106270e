"""The record a step leaves: what it did to which indicator, and what it learned."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .fitted import Fit

__all__ = ["StepRecord"]


@dataclass(frozen=True)
class StepRecord:
    """One step applied to one indicator (or to the whole table when ``code`` is None).

    ``learned`` holds the fitted parameters (min and max, winsor bounds, imputed means)
    that a later edition can pass back to :func:`airank.build` as ``fitted`` to reuse the
    same goalposts.
    """

    step: str
    code: str | None
    method: str
    params: dict[str, Any] = field(default_factory=dict)
    learned: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    fit: Fit | None = None  # the typed, replayable form of ``learned`` (impute/treat/normalise)

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "code": self.code, "method": self.method,
                "params": self.params, "learned": _plain(self.learned), "note": self.note}


def _plain(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if hasattr(obj, "item"):
        return obj.item()
    return obj
