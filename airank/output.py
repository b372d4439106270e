"""The one atomic writer for every airank output: builds, reports, plots and caches.

Two writers, one promise: a reader sees the complete old output or the complete new
one, never a mix and never a half-written file, and a failure is an
:class:`~airank.errors.OutputError` naming the path and the reason (so the CLI exits 2).

:func:`staged_folder` (and :func:`write_folder`, which wraps it) writes a whole folder.
Files go into a staging folder beside the target (``.NAME.airank-staging-XXXX``, on the
same file system). On success the writer adds ``manifest.json`` (the caller's manifest
plus ``files``: the SHA-256 of every file), fsyncs every file and folder, and swaps the
staging folder in: the old folder is replaced as a whole. On any failure the staging
folder is deleted and the old output is left as it was. An existing folder is replaced
only if it is empty or holds a ``manifest.json`` with a ``files`` table (an output this
writer made); any other folder is refused, so ``-o ~`` never deletes a home folder.

:func:`write_file` writes one file: a temporary file in the same folder
(``.NAME.airank-XXXX.tmp``), fsynced, then renamed over the target. A target that
exists and is not a regular file (``/dev/stdout``, ``/dev/full``, a pipe) is written in
place, since a rename cannot replace it; write errors are still reported as above.

Guarantees and their limits:

- **The swap.** On Linux (glibc 2.28 or later, and a file system that supports it:
  ext4, xfs, btrfs, tmpfs) the staging folder and the old folder trade places in one
  ``renameat2(RENAME_EXCHANGE)`` call, so the target always names a complete output.
  Elsewhere the swap is two renames (old → ``.NAME.airank-old-XXXX``, staging →
  target); a crash between them leaves no target, the old output under the ``old``
  name and the complete new one under the ``staging`` name. The next write to the same
  folder repairs that first: it renames the old output back, then goes on as usual.
- **Leftovers.** A killed writer leaves at most a staging folder, an ``old`` folder or a
  ``.tmp`` file beside its target. Every write takes an exclusive ``flock`` on the
  parent folder (the kernel drops it when a process dies, so a killed run never blocks
  the next), and under it removes every such leftover it finds in that folder: while
  the lock is held no other airank writer is at work there, so all of them are stale.
  Writers into one parent folder are therefore serialised; within one process the
  lock is re-entrant and the cleanup spares the process's own temporary names, so a
  write may nest inside another. Without ``fcntl`` (Windows) there is no lock and no
  cleanup of leftovers.
- **Durability.** Files and folders are fsynced before the swap and the parent after
  it, so after a power cut the target holds the old or the new output. File systems
  that do not honour fsync weaken this; nothing here can help that.
- **Permissions.** Files are made ``0o644`` and folders ``0o755`` (the temporary names
  are private until then). Parent folders are created as needed and stay after a
  failure; only temporary names are removed.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from ._fs import OLD, STAGING, TMP, Data, digests, exchange, fsync, live, locked, put, tidy
from .errors import Issue, OutputError

__all__ = ["MANIFEST", "Data", "Staging", "staged_folder", "verify_output", "write_file",
           "write_folder"]

MANIFEST = "manifest.json"
_REASONS = {
    errno.ENOSPC: ("no_space", "no space left on the device; free some space or write "
                               "elsewhere"),
    errno.EDQUOT: ("no_space", "the disk quota is exhausted; free some space or write "
                               "elsewhere"),
    errno.EROFS: ("read_only", "the file system is read-only; write elsewhere"),
    errno.EACCES: ("permission_denied", "permission denied; write elsewhere or change the "
                                        "folder's permissions"),
    errno.EPERM: ("permission_denied", "operation not permitted; write elsewhere"),
    errno.ENOTDIR: ("path_under_file", "a part of the path is a file, not a folder"),
    errno.EISDIR: ("is_a_folder", "it is a folder, not a file"),
    errno.ENAMETOOLONG: ("name_too_long", "the name is too long"),
    errno.EIO: ("io_error", "the device reported an input/output error"),
    errno.ENOENT: ("not_found", "a folder on the path does not exist or cannot hold files"),
}


# -- errors ----------------------------------------------------------------------------
def _error(target: Path, what: str, code: str, reason: str, err: int | None = None,
           value: object = None) -> OutputError:
    issue = Issue((str(target),), code, f"{reason}.", str(target) if value is None else value)
    return OutputError([issue], f"Cannot write {what}", errno=err)


def _os_error(exc: OSError, target: Path, what: str, during: str = "") -> OutputError:
    """The OutputError for an OS error met while writing ``target``."""
    if isinstance(exc, OutputError):
        return exc
    num = exc.errno if isinstance(exc.errno, int) else None
    code, reason = _REASONS.get(num or -1, ("os_error", exc.strerror or str(exc)))
    blocker = _file_ancestor(target.parent) if num in (errno.ENOTDIR, errno.EEXIST) else None
    if blocker is not None:
        code, reason = "path_under_file", f"'{blocker}' is a file, so it cannot hold a folder"
    name = errno.errorcode.get(num or -1)
    tail = ", ".join(p for p in (name, during and f"while writing {during}") if p)
    return _error(target, what, code, f"{reason}{f' ({tail})' if tail else ''}", num)


def _file_ancestor(path: Path) -> Path | None:
    for p in [path, *path.parents]:
        if p.exists() or p.is_symlink():
            return p if not p.is_dir() else None
    return None


def _inside(exc: OSError, folder: Path) -> bool:
    """Whether ``exc`` concerns ``folder`` (or names no file, as a failed write does)."""
    names = [os.fsdecode(n) for n in (exc.filename, getattr(exc, "filename2", None))
             if isinstance(n, (str, bytes))]
    return not names or any(n.startswith(str(folder)) for n in names)


def write_file(path: str | Path, data: Data) -> Path:
    """Write one file atomically: a temporary file beside it, fsynced, then renamed.

    Parameters
    ----------
    path : str or Path
        The file. Its folder is created if missing. A symbolic link is followed (the
        file it names is replaced). A target that exists and is not a regular file (a
        device, a pipe) is written in place.
    data : bytes, str or callable
        The content (text is written as UTF-8), or a function that writes the file at
        the path it is given.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    OutputError
        The file cannot be written: the path, the reason and the OS error name.
    """
    target = Path(os.path.realpath(path))
    what = "the file"
    try:
        if target.is_dir():
            raise _error(target, what, "is_a_folder", "it is a folder; give a file path")
        if target.exists() and not target.is_file():
            put(target, data, os.O_WRONLY | os.O_TRUNC)
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        with locked(target.parent):
            tidy(target.parent)
            fd, name = tempfile.mkstemp(prefix=f".{target.name}{TMP}", suffix=".tmp",
                                        dir=target.parent)
            os.close(fd)
            tmp = Path(name)
            with live(tmp):
                try:
                    put(tmp, data, os.O_WRONLY | os.O_TRUNC)
                    os.chmod(tmp, 0o644)
                    os.replace(tmp, target)
                    fsync(target.parent)
                finally:
                    tmp.unlink(missing_ok=True)
    except OSError as exc:
        raise _os_error(exc, target, what) from None
    return target


# -- writing folders ---------------------------------------------------------------------
class Staging:
    """A folder being written; it becomes the target when :func:`staged_folder` exits.

    Write files with :meth:`write`, or have any library write into :attr:`path`.
    :attr:`manifest` is written to ``manifest.json`` with the files' SHA-256 added.
    """

    def __init__(self, path: Path, target: Path, manifest: Mapping[str, Any]) -> None:
        self.path = path
        self.target = target
        self.manifest: dict[str, Any] = dict(manifest)

    def write(self, name: str, data: Data) -> Path:
        """Write ``data`` to the relative POSIX path ``name``; returns its final path."""
        rel = PurePosixPath(name)
        if rel.is_absolute() or not rel.parts or ".." in rel.parts or name == MANIFEST:
            raise ValueError(f"'{name}' must be a relative path inside the folder, not "
                             f"'..' nor '{MANIFEST}' (the writer makes that one).")
        dest = self.path.joinpath(*rel.parts)
        if not self.path.is_dir():  # never re-create a staging folder removed under us
            raise FileNotFoundError(errno.ENOENT, "the staging folder is gone", str(self.path))
        dest.parent.mkdir(parents=True, exist_ok=True)
        put(dest, data)
        return self.target.joinpath(*rel.parts)


def _check_folder(target: Path) -> None:
    """Refuse a target that is not a folder, or a folder that is not an output."""
    what = "the output folder"
    if not target.name:
        raise _error(target, what, "not_an_output", "the root folder cannot be an output")
    if target.exists() and not target.is_dir():
        raise _error(target, what, "not_a_folder",
                     f"it is {_kind(target)}, not a folder; give a folder path (it is "
                     "created if missing)", errno.ENOTDIR)
    if target.is_dir() and any(target.iterdir()) and _files_table(target) is None:
        raise _error(target, what, "not_an_output",
                     f"it is a folder that holds other files and no {MANIFEST} of an "
                     "airank output; an output folder is replaced as a whole, so choose a "
                     "new or empty folder")


def _kind(path: Path) -> str:
    st = path.stat().st_mode
    kinds = [(stat.S_ISREG, "a file"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a pipe"),
             (stat.S_ISSOCK, "a socket")]
    return next((name for test, name in kinds if test(st)), "not a regular file")


def _files_table(folder: Path) -> dict[str, str] | None:
    try:
        doc = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    files = doc.get("files") if isinstance(doc, dict) else None
    ok = isinstance(files, dict) and all(isinstance(v, str) for v in files.values())
    return files if ok else None


def _commit(stage: Staging) -> None:
    """Write the manifest, fsync everything and swap the staging folder in."""
    files = {k: v for k, v in digests(stage.path, seal=True).items() if k != MANIFEST}
    doc = {**stage.manifest, "files": files}
    text = json.dumps(doc, indent=1, allow_nan=False, default=_plain) + "\n"
    put(stage.path / MANIFEST, text)
    os.chmod(stage.path / MANIFEST, 0o644)
    fsync(stage.path)
    target, parent = stage.target, stage.target.parent
    if not target.exists():
        os.rename(stage.path, target)
    elif exchange(stage.path, target):
        shutil.rmtree(stage.path)  # it now holds the old output
    else:
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}{OLD}", dir=parent))
        os.rmdir(old)
        os.rename(target, old)
        os.rename(stage.path, target)
        shutil.rmtree(old)
    fsync(parent)


def _plain(obj: Any) -> Any:
    if hasattr(obj, "item"):  # numpy scalars
        return obj.item()
    raise TypeError(f"not JSON-serialisable: {type(obj).__name__}")


@contextlib.contextmanager
def staged_folder(path: str | Path, *,
                  manifest: Mapping[str, Any] | None = None) -> Iterator[Staging]:
    """Stage a whole output folder; swap it in, complete, when the block ends.

    Parameters
    ----------
    path : str or Path
        The output folder. Created if missing; if it exists it must be empty or an
        output this writer made (it holds a ``manifest.json`` with ``files``).
    manifest : mapping, optional
        Provenance for ``manifest.json`` (JSON-ready); ``files`` is added.

    Yields
    ------
    Staging
        Write into it; nothing is visible at ``path`` until the block ends without an
        exception. On an exception the staging folder is removed and the old output
        stays as it was.

    Raises
    ------
    OutputError
        The folder cannot be written: the path, the reason and the OS error name. An
        OS error in the block about another path (an input file) passes unchanged.
    """
    target = Path(os.path.realpath(path))
    stage: Staging | None = None
    foreign: OSError | None = None
    with contextlib.ExitStack() as held:
        try:
            _check_folder(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            held.enter_context(locked(target.parent))
            tidy(target.parent)
            _check_folder(target)  # _tidy may have put an old output back
            tmp = tempfile.mkdtemp(prefix=f".{target.name}{STAGING}", dir=target.parent)
            stage = Staging(Path(tmp), target, manifest or {})
            held.enter_context(live(tmp))
            try:
                yield stage
            except OSError as exc:
                foreign = None if _inside(exc, stage.path) else exc
                raise
            _commit(stage)
            stage = None
        except OSError as exc:
            if exc is foreign:
                raise
            raise _os_error(exc, target, "the output folder", _during(exc, stage)) from None
        finally:
            if stage is not None:
                shutil.rmtree(stage.path, ignore_errors=True)


def _during(exc: OSError, stage: Staging | None) -> str:
    if stage is None or not isinstance(exc.filename, str):
        return ""
    try:
        rel = Path(exc.filename).relative_to(stage.path).as_posix()
    except ValueError:
        return ""
    return f"'{rel}'" if rel != "." else ""


def write_folder(path: str | Path, files: Mapping[str, Data], *,
                 manifest: Mapping[str, Any] | None = None) -> list[Path]:
    """Write ``files`` (relative name → data) as one output folder, atomically.

    See :func:`staged_folder` for the parameters and guarantees. Returns the final path
    of every file, ``manifest.json`` last.
    """
    with staged_folder(path, manifest=manifest) as stage:
        written = [stage.write(name, data) for name, data in files.items()]
    return [*written, stage.target / MANIFEST]


# -- reading back -------------------------------------------------------------------------
def verify_output(folder: str | Path) -> dict[str, Any]:
    """Check an output folder against its ``manifest.json``; return the manifest.

    Every file listed must be there with its SHA-256, and no other file may be.

    Raises
    ------
    OutputError
        Every problem found: a missing or unreadable manifest, a missing file, a file
        whose hash differs, a file the manifest does not list.
    """
    d = Path(folder)
    man = d / MANIFEST
    try:
        doc = json.loads(man.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise OutputError([Issue((str(man),), "no_manifest",
                                 f"'{man}' cannot be read as JSON: {exc}.")]) from None
    files = _files_table(d)
    if files is None:
        raise OutputError([Issue((str(man),), "no_manifest",
                                 f"'{man}' has no 'files' table of SHA-256 hashes.")])
    try:
        found = {k: v for k, v in digests(d).items() if k != MANIFEST}
    except OSError as exc:
        raise OutputError([Issue((str(d),), "unreadable", f"'{d}' cannot be read: {exc}.")]
                          ) from None
    issues = [Issue((str(d / name),), "missing_file", f"'{name}' is listed in {MANIFEST} "
                    "but missing.") for name in files if name not in found]
    issues += [Issue((str(d / name),), "hash_mismatch", f"'{name}' has SHA-256 {got}, "
                     f"{MANIFEST} says {files[name]}.", got)
               for name, got in found.items() if name in files and got != files[name]]
    issues += [Issue((str(d / name),), "unlisted_file", f"'{name}' is not listed in "
                     f"{MANIFEST}.") for name in found if name not in files]
    OutputError.collect(issues, f"{len(issues)} problem(s) in the output folder '{d}'")
    return dict(doc)
