"""File-system primitives for :mod:`airank.output`: lock, tidy, swap, fsync, write.

Private: :mod:`airank.output` documents the guarantees they make up.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import hashlib
import os
import shutil
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeAlias

from .errors import OutputError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows has no flock
    fcntl = None  # type: ignore[assignment]

#: What a writer accepts: bytes, text (written as UTF-8), or a function that writes the
#: file at the path it is given (for libraries that write to a path).
Data: TypeAlias = bytes | str | Callable[[Path], object]

STAGING, OLD, TMP = ".airank-staging-", ".airank-old-", ".airank-"

_GUARD = threading.Lock()
_RLOCKS: dict[tuple[int, int], threading.RLock] = {}
_DEPTH: dict[tuple[int, int], int] = {}
_LIVE: set[str] = set()


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive flock on ``folder``: across processes, and re-entrant within one."""
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        st = os.fstat(fd)
        key = (st.st_dev, st.st_ino)
        with _GUARD:
            rlock = _RLOCKS.setdefault(key, threading.RLock())
        with rlock:
            depth = _DEPTH.get(key, 0)
            if depth == 0 and fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            _DEPTH[key] = depth + 1
            try:
                yield
            finally:
                _DEPTH[key] -= 1
                if _DEPTH[key] == 0:
                    del _DEPTH[key]
                    if fcntl is not None:
                        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextlib.contextmanager
def live(path: Path | str) -> Iterator[None]:
    """Mark ``path`` as a temporary name this process is writing: :func:`tidy` skips it."""
    key = os.path.realpath(path)
    with _GUARD:
        _LIVE.add(key)
    try:
        yield
    finally:
        with _GUARD:
            _LIVE.discard(key)


def tidy(parent: Path) -> None:
    """Repair a swap cut short and remove every writer's leftovers in ``parent``.

    Call with the lock on ``parent`` held: then no other process writes there, and
    this one's own temporary names are marked :func:`live`, so every other one is stale.
    """
    if fcntl is None:  # pragma: no cover - no lock, so a leftover may be another's work
        return
    with _GUARD:
        mine = set(_LIVE)
    entries = sorted((e for e in os.scandir(parent)
                      if os.path.realpath(e.path) not in mine), key=lambda e: e.name)
    for e in entries:
        if e.name.startswith(".") and OLD in e.name and e.is_dir(follow_symlinks=False):
            target = parent / e.name[1:e.name.rindex(OLD)]
            if not target.exists() and not target.is_symlink():
                os.rename(e.path, target)  # the crash fell between the two renames
            else:
                shutil.rmtree(e.path)
    for e in entries:
        if not e.name.startswith(".") or not os.path.lexists(e.path):
            continue
        if STAGING in e.name and e.is_dir(follow_symlinks=False):
            shutil.rmtree(e.path)
        elif TMP in e.name and e.name.endswith(".tmp") and e.is_file(follow_symlinks=False):
            os.unlink(e.path)


def fsync(path: Path | str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as exc:  # some file systems cannot fsync a folder
        if exc.errno not in (errno.EINVAL, errno.EBADF):
            raise
    finally:
        os.close(fd)


@functools.cache
def _renameat2() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    fn = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if fn is not None:
        fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                       ctypes.c_uint]
        fn.restype = ctypes.c_int
    return fn


def exchange(a: Path, b: Path) -> bool:
    """Swap the names ``a`` and ``b`` in one step; False where the system cannot."""
    fn = _renameat2()
    if fn is None:
        return False
    at_fdcwd, renameexchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), renameexchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def put(path: Path, data: Data, flags: int = os.O_WRONLY | os.O_CREAT | os.O_EXCL) -> None:
    """Write ``data`` to ``path`` (or have ``data(path)`` write it), then fsync it.

    An OS error that names no file is given ``path``, so that it can be reported.
    """
    try:
        _put(path, data, flags)
    except OSError as exc:
        if exc.filename is None and isinstance(exc.errno, int) and not isinstance(exc, OutputError):
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise


def _put(path: Path, data: Data, flags: int) -> None:
    if callable(data):
        data(path)
        if path.is_file():
            fsync(path)
        return
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd = os.open(path, flags, 0o600)
    try:
        view = memoryview(raw)
        while view:
            view = view[os.write(fd, view):]
        if path.is_file():
            os.fsync(fd)
    finally:
        os.close(fd)


def digests(folder: Path, *, seal: bool = False) -> dict[str, str]:
    """SHA-256 of every file under ``folder`` by relative POSIX path.

    With ``seal``, also fsync every file and folder and set their permissions.
    """
    out: dict[str, str] = {}
    for dirpath, dirs, files in os.walk(folder, onerror=_raise):
        dirs.sort()
        for f in sorted(files):
            p = Path(dirpath, f)
            with open(p, "rb") as fh:
                out[p.relative_to(folder).as_posix()] = hashlib.file_digest(
                    fh, "sha256").hexdigest()
                if seal:
                    os.fsync(fh.fileno())
                    os.chmod(p, 0o644)
        if seal:
            os.chmod(dirpath, 0o755)
            fsync(dirpath)
    return out


def _raise(exc: OSError) -> None:
    raise exc
