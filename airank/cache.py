"""The on-disk cache of built editions, so that a repeated command answers in a blink.

Building the OGAI reads and checks the shipped table and reconciles every country name
(about two seconds); a cached build loads in milliseconds. Two kinds of entry live in
the user cache folder (:func:`platformdirs.user_cache_dir`, or ``$AIRANK_CACHE_DIR``),
named by the SHA-256 of their key:

* ``<key>.edition.pickle`` -- an :class:`Entry`: the :class:`~airank.Edition` and the
  tables derived from it (its ranking), pickled;
* ``<key>.<name>.json`` -- a plain JSON document derived from an entry (the ranking as
  ``airank rank`` prints it), which loads without numpy or pandas: a repeated
  ``airank rank`` never imports them.

The key holds everything a build depends on:

* the versions :func:`airank.provenance.versions` lists (Python, airank, numpy,
  pandas, scipy, SALib) and a fingerprint of airank's code (name, size and modification
  time of every module: an edited checkout never serves stale numbers);
* what was built, as the caller states it -- for the OGAI the edition, view, licence
  mode, methodology release and the SHA-256 of every shipped file; for any other index
  the spec hash (:meth:`~airank.IndexSpec.fingerprint`) and the SHA-256 of the data file
  and alias table.

Entries are written atomically through :func:`airank.output.write_file`; one that
cannot be read back (truncated, from another version, not an entry) is deleted and
rebuilt. Writing is best effort: a cache folder that cannot be written costs speed,
never a result. The newest :data:`KEEP` entries of each kind are kept.

Pickles run code when loaded: the cache folder must be the user's own (the default
is); never point ``AIRANK_CACHE_DIR`` at a folder others can write.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import OutputError

if TYPE_CHECKING:
    import pandas as pd

    from .edition import Edition

__all__ = ["ENV", "KEEP", "Entry", "cache_dir", "cached", "cached_doc", "code_fingerprint",
           "file_digest", "key_name", "load", "store"]

ENV = "AIRANK_CACHE_DIR"
KEEP = 32
FORMAT = 1  # bump when an entry changes shape
_PICKLE = ".edition.pickle"


@dataclass(frozen=True, eq=False)
class Entry:
    """A built edition and the tables derived from it (``ranking``)."""

    edition: Edition
    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)


def cache_dir() -> Path:
    """``$AIRANK_CACHE_DIR``, else the user cache folder of airank."""
    env = os.environ.get(ENV)
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("airank", appauthor=False))


def file_digest(path: str | Path) -> str:
    """SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def code_fingerprint() -> str:
    """A digest of the name, size and modification time of every airank module."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for p in sorted(root.rglob("*.py")):
        st = p.stat()
        h.update(f"{p.relative_to(root)}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def key_name(key: Mapping[str, Any]) -> str:
    """The file name stem of ``key``: the key, the versions and the code, hashed."""
    from .provenance import versions

    doc = {"format": FORMAT, "versions": versions(), "code": code_fingerprint(), **key}
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()[:32]


# -- pickled editions --------------------------------------------------------------
def load(path: Path) -> Entry | None:
    """The entry at ``path``; None when missing, and when unreadable (then deleted)."""
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    try:
        entry = pickle.loads(blob)
        if not isinstance(entry, Entry):
            raise TypeError(f"not a cache entry: {type(entry).__name__}")
        entry.edition.baseline.frozen()
    except Exception:
        _remove(path)
        return None
    return entry


def store(path: Path, entry: Entry) -> str | None:
    """Write ``entry`` to ``path`` atomically; the reason when it could not be written."""
    ed = entry.edition
    # a frozen result holds its stages in a read-only mapping, which does not pickle
    thawed = replace(ed, baseline=replace(ed.baseline, stages=dict(ed.baseline.stages)))
    return _write(path, pickle.dumps(Entry(thawed, dict(entry.tables)),
                                     protocol=pickle.HIGHEST_PROTOCOL))


def cached(key: Mapping[str, Any], make: Callable[[], Entry], *, use: bool = True
           ) -> tuple[Entry, str | None]:
    """The entry of ``key`` from the cache, or made by ``make()`` and stored.

    Returns the entry and, when it could not be stored, why (else None). With
    ``use=False`` the cache is neither read nor written.
    """
    if not use:
        return make(), None
    path = cache_dir() / f"{key_name(key)}{_PICKLE}"
    entry = load(path)
    if entry is not None:
        return entry, None
    entry = make()
    return entry, store(path, entry)


# -- plain documents ---------------------------------------------------------------
def cached_doc(key: Mapping[str, Any], name: str, make: Callable[[], dict[str, Any]], *,
               use: bool = True) -> tuple[dict[str, Any], str | None]:
    """A JSON document derived from the entry of ``key``: read, or made and stored.

    ``make`` returns a JSON-ready mapping (no NaN: use None). Returns the document and,
    when it could not be stored, why (else None).
    """
    if not use:
        return make(), None
    path = cache_dir() / f"{key_name(key)}.{name}.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(doc, dict) and doc.get("_format") == FORMAT:
            return doc, None
        raise ValueError("not a cache document")
    except FileNotFoundError:
        pass
    except (OSError, ValueError):  # damaged: rebuild (JSONDecodeError is a ValueError)
        _remove(path)
    doc = make()
    text = json.dumps({**doc, "_format": FORMAT}, allow_nan=False, sort_keys=True)
    return doc, _write(path, text)


# -- files ---------------------------------------------------------------------------
def _write(path: Path, data: str | bytes) -> str | None:
    from .output import write_file

    try:
        write_file(path, data)
    except OutputError as exc:
        return str(exc)
    _prune(path.parent, path.name.split(".", 1)[1])
    return None


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass


def _prune(folder: Path, suffix: str) -> None:
    """Keep the newest :data:`KEEP` entries ending in ``suffix``."""
    try:
        entries = sorted(folder.glob(f"*.{suffix}"), key=lambda p: p.stat().st_mtime_ns,
                         reverse=True)
    except OSError:
        return
    for p in entries[KEEP:]:
        _remove(p)
