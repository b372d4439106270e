"""What every figure shares: sizes, colours, the modebar, and the inputs it accepts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..countries import resolve_units
from ..errors import DataError, Issue

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from ..edition import Edition
    from ..results import Result
    from ..spec import IndexSpec

__all__ = ["CONFIG", "HEIGHT", "WIDTH", "as_result", "as_spec", "base_layout", "check_codes",
           "check_stage", "check_units", "display_name"]

#: Figure width in CSS pixels: the printable width of an A4 page with 15 mm margins, so a
#: figure prints at its own size and a static export matches what the report shows.
WIDTH = 700
#: Default height; no figure is taller than :data:`MAX_HEIGHT` (one printed page).
HEIGHT = 420
MAX_HEIGHT = 940

#: The modebar: no plotly logo, no cloud or Chart Studio button, a PNG download at 2x.
CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "showSendToCloud": False,
    "modeBarButtonsToRemove": ["sendDataToCloud", "select2d", "lasso2d"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
    "responsive": False,
}

#: Colours: highlighted units, the others, and a qualitative palette for groups.
HIGHLIGHT = "#c2410c"
MUTED = "#94a3b8"
BASE = "#2563eb"
PALETTE = ("#2563eb", "#059669", "#d97706", "#7c3aed", "#db2777", "#0891b2", "#65a30d",
           "#dc2626", "#4b5563", "#9333ea")


def as_result(obj: Result | Edition) -> Result:
    """The result behind ``obj``: an Edition's baseline, or the Result itself."""
    from ..edition import Edition

    return obj.baseline if isinstance(obj, Edition) else obj


def as_spec(obj: IndexSpec | Result | Edition) -> IndexSpec:
    """The spec behind ``obj``."""
    from ..spec import IndexSpec

    return obj if isinstance(obj, IndexSpec) else obj.spec


def display_name(spec: IndexSpec, code: str) -> str:
    """A node's name, or its code when it has none."""
    return spec.node(code).name or code


def check_codes(spec: IndexSpec, codes: Sequence[str], what: str = "codes") -> list[str]:
    """``codes`` if every one is an indicator or group of ``spec``; else a DataError."""
    known = set(spec.codes)
    DataError.collect([Issue((what, c), "unknown_code", f"'{c}' is not an indicator or group "
                             f"of {spec.name}. Expected one of: {', '.join(spec.codes[:30])}"
                             f"{' ...' if len(spec.codes) > 30 else ''}.", c)
                       for c in codes if c not in known])
    return [str(c) for c in codes]


def check_stage(result: Result, stage: str) -> str:
    """``stage`` if the result kept it; else a DataError listing the stages."""
    if stage not in result.stages:
        raise DataError([Issue(("stage",), "unknown_stage", f"Unknown stage '{stage}'. "
                               f"Expected one of {list(result.stages)}.", stage)])
    return stage


def check_units(result: Result, units: Sequence[str] | str | None,
                what: str = "highlight") -> list[str]:
    """Unit texts (codes in any case, names, aliases) as ranked units' codes."""
    if units is None:
        return []
    texts = [units] if isinstance(units, str) else list(units)
    names = {u: result.names.get(u, u) for u in result.units}
    return resolve_units(texts, names, what=what, kind=result.spec.units.kind)


def base_layout(fig: go.Figure, title: str, *, height: int = HEIGHT, width: int = WIDTH,
                **extra: Any) -> go.Figure:
    """Give ``fig`` the shared look: size, font, margins, white background, title."""
    layout: dict[str, Any] = {
        "title": {"text": title, "x": 0.0, "xanchor": "left", "y": 1.0, "yref": "container",
                  "yanchor": "top", "pad": {"t": 14, "l": 4}, "font": {"size": 14}},
        "width": width, "height": min(int(height), MAX_HEIGHT), "template": "plotly_white",
        "font": {"family": "Helvetica, Arial, sans-serif", "size": 11},
        "margin": {"l": 60, "r": 20, "t": 50, "b": 50}}
    fig.update_layout(**{**layout, **extra})
    return fig
