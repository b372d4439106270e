"""Exceptions and the problem record shared by every validation in airank.

The tree::

    Exception
     └── AirankError
          ├── SpecError(AirankError, ValueError)      a spec (YAML or dict) is invalid
          ├── DataError(AirankError, ValueError)      a data table does not fit its spec
          ├── FactorError(AirankError, ValueError)    an uncertainty factor is invalid
          ├── ScenarioError(AirankError, ValueError)  a scenario file or request is invalid
          ├── OutputError(AirankError, OSError)       an output file or folder cannot be written
          ├── UnitError(AirankError, LookupError)     a unit name or code matches no ranked
                                                       unit, or several
          └── NotFound(AirankError, LookupError)      a named index, unit or edition does
                                                      not exist (the web app's 404)
    UserWarning
     └── AirankWarning                                 recoverable: reported, not fatal

Validation collects every problem as an :class:`Issue` and raises once. Errors keep
plain arguments so that they pickle (Monte Carlo workers send them across processes).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

__all__ = [
    "AirankError",
    "AirankWarning",
    "DataError",
    "FactorError",
    "Issue",
    "NotFound",
    "OutputError",
    "ScenarioError",
    "SpecError",
    "UnitError",
]

_SHOWN = 20


@dataclass(frozen=True)
class Issue:
    """One problem found in a spec, a table or a request.

    Parameters
    ----------
    loc : tuple of str or int
        Where: a key path such as ``("nodes", "talent", "weight")`` or a data cell such
        as ``("data.csv", "row 12", "ai_patents")``.
    code : str
        A stable, machine-readable reason (``"unknown_parent"``, ``"non_numeric"``).
    message : str
        What is wrong, what was expected and, when known, the fix.
    value : object, optional
        The offending value, as given.
    """

    loc: tuple[str | int, ...]
    code: str
    message: str
    value: Any = None

    def where(self) -> str:
        """The location as one dotted string."""
        return ".".join(str(p) for p in self.loc) if self.loc else "<root>"

    def __str__(self) -> str:
        return f"{self.where()}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready record: ``loc``, ``code``, ``message``, ``value``."""
        d = asdict(self)
        d["loc"] = list(self.loc)
        v = d["value"]
        if v is not None and not isinstance(v, (str, int, float, bool, list, dict)):
            d["value"] = repr(v)
        return d


class AirankError(Exception):
    """Base of every error airank raises on purpose."""

    def __init__(self, issues: Sequence[Issue] | str, title: str | None = None) -> None:
        if isinstance(issues, str):
            issues = [Issue((), "error", issues)]
        self.issues: tuple[Issue, ...] = tuple(issues)
        self.title = title or self._default_title()
        super().__init__(list(self.issues), self.title)

    def _default_title(self) -> str:
        n = len(self.issues)
        return f"{n} problem{'s' if n != 1 else ''} found"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (list(self.issues), self.title))

    def __str__(self) -> str:
        if len(self.issues) == 1 and not self.issues[0].loc:
            return self.issues[0].message
        lines = [f"{self.title}:"]
        lines += [f"  - {i}" for i in self.issues[:_SHOWN]]
        if len(self.issues) > _SHOWN:
            rest = Counter(i.code for i in self.issues[_SHOWN:]).most_common()
            lines.append(f"  ... and {len(self.issues) - _SHOWN} more ("
                         + ", ".join(f"{n} {code}" for code, n in rest) + ")")
        return "\n".join(lines)

    @classmethod
    def collect(cls, issues: Iterable[Issue], title: str | None = None) -> None:
        """Raise ``cls`` with ``issues`` if there is at least one."""
        found = list(issues)
        if found:
            raise cls(found, title)


class SpecError(AirankError, ValueError):
    """The spec is invalid."""


class DataError(AirankError, ValueError):
    """The data table does not fit its spec."""


class FactorError(AirankError, ValueError):
    """An uncertainty factor is invalid."""


class ScenarioError(AirankError, ValueError):
    """A scenario is invalid."""


class OutputError(AirankError, OSError):
    """An output file or folder cannot be written, or does not match its manifest.

    Each issue names the path and the reason; ``errno`` is the OS error number when an
    OS error was the cause (else None).
    """

    def __init__(self, issues: Sequence[Issue] | str, title: str | None = None,
                 errno: int | None = None) -> None:
        super().__init__(issues, title)
        self.errno = errno
        self.strerror = self.issues[0].message if self.issues else None
        self.filename = None

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (list(self.issues), self.title, self.errno))


class UnitError(AirankError, LookupError):
    """A unit's name or code matches no ranked unit (``unknown_unit``) or several
    (``ambiguous_unit``).

    Attributes
    ----------
    candidates : list of str
        The codes offered for the first problem: the candidates of an ambiguous name,
        or the closest ranked units of an unknown one.
    candidates_by_text : dict
        Those codes for every text that failed.
    """

    def __init__(self, issues: Sequence[Issue] | str, title: str | None = None,
                 candidates: Mapping[str, Sequence[str]] | None = None) -> None:
        super().__init__(issues, title)
        self.candidates_by_text: dict[str, list[str]] = {
            str(k): list(v) for k, v in (candidates or {}).items()}
        first = str(self.issues[0].value) if self.issues else ""
        self.candidates: list[str] = self.candidates_by_text.get(first, [])

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (list(self.issues), self.title, self.candidates_by_text))


class NotFound(AirankError, LookupError):
    """A named thing (an index, a unit, an edition) does not exist."""


class AirankWarning(UserWarning):
    """Something recoverable worth the user's attention; also noted in the step records."""
