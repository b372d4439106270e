"""The atomic writer under faults: bad targets, read-only and full file systems, leftovers.

The read-only and full-disk cases run in a private mount namespace (``unshare``) on a
read-only bind mount or a tiny tmpfs, so they are real EROFS and ENOSPC from the kernel;
where that is not allowed they are skipped with the reason.
"""

from __future__ import annotations

import errno
import json
import os
import pickle
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import airank.output as output
from airank.cli import main
from airank.errors import AirankError, OutputError
from airank.export import write_result
from airank.output import staged_folder, verify_output, write_file, write_folder


def _codes(exc: pytest.ExceptionInfo[OutputError]) -> list[str]:
    return [i.code for i in exc.value.issues]


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# -- targets that cannot be an output -----------------------------------------------------
def test_output_naming_an_existing_file_is_refused(tmp_path, asem_result):
    f = tmp_path / "ranks.csv"
    f.write_text("keep me")
    with pytest.raises(OutputError) as exc:
        write_result(asem_result, f)
    assert _codes(exc) == ["not_a_folder"]
    assert exc.value.issues[0].loc == (str(f),)
    assert "it is a file, not a folder" in str(exc.value)
    assert isinstance(exc.value, OSError) and exc.value.errno == errno.ENOTDIR
    assert f.read_text() == "keep me" and _listing(tmp_path) == ["ranks.csv"]


def test_cli_build_exits_2_on_an_output_fault(tmp_path, capsys):
    f = tmp_path / "taken"
    f.write_text("x")
    assert main(["build", "--example", "asem", "-o", str(f)]) == 2
    err = capsys.readouterr().err
    assert "Cannot write the output folder" in err and str(f) in err
    assert "Traceback" not in err


def test_path_under_a_file(tmp_path, asem_result):
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputError) as exc:
        write_result(asem_result, tmp_path / "f" / "out")
    assert _codes(exc) == ["path_under_file"]
    assert f"'{tmp_path / 'f'}' is a file" in str(exc.value)
    with pytest.raises(OutputError) as exc:
        write_file(tmp_path / "f" / "report.html", "x")
    assert _codes(exc) == ["path_under_file"]


def test_a_folder_that_is_not_an_output_is_never_replaced(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "thesis.tex").write_text("years of work")
    with pytest.raises(OutputError) as exc:
        write_folder(home, {"a.csv": "x\n"})
    assert _codes(exc) == ["not_an_output"]
    assert _listing(home) == ["thesis.tex"] and _listing(tmp_path) == ["home"]
    empty = tmp_path / "empty"
    empty.mkdir()
    write_folder(empty, {"a.csv": "x\n"})
    assert _listing(empty) == ["a.csv", "manifest.json"]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
def test_dev_full(tmp_path, asem_result):
    with pytest.raises(OutputError) as exc:
        write_file("/dev/full", "some report\n")
    assert _codes(exc) == ["no_space"] and exc.value.errno == errno.ENOSPC
    assert "'/dev/full'" not in exc.value.issues[0].message  # the path is the loc
    assert exc.value.issues[0].loc == ("/dev/full",)
    with pytest.raises(OutputError) as exc:
        write_result(asem_result, "/dev/full")
    assert _codes(exc) == ["not_a_folder"]
    assert "a character device" in str(exc.value)
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)  # never replaced by a file


def test_write_file_onto_a_folder(tmp_path):
    with pytest.raises(OutputError) as exc:
        write_file(tmp_path, "x")
    assert _codes(exc) == ["is_a_folder"]


# -- read-only and full file systems --------------------------------------------------------
def _in_namespace(tmp_path: Path, setup: str, code: str) -> dict[str, object]:
    """Run ``code`` in a private mount namespace after the shell ``setup``; its JSON."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare is not installed")
    script = tmp_path / "probe.py"
    script.write_text(code)
    shell = f"{setup} || exit 97; exec {sys.executable} {script}"
    p = subprocess.run(["unshare", "-rm", "sh", "-c", shell], capture_output=True,
                       text=True, timeout=120)
    if p.returncode == 97 or (p.returncode != 0 and "unshare:" in p.stderr):
        pytest.skip(f"cannot mount in a private namespace here: {p.stderr.strip()}")
    assert p.returncode == 0, p.stderr
    return dict(json.loads(p.stdout.strip().splitlines()[-1]))


_PROBE = """
import json, os, pickle, sys
from pathlib import Path
from airank.errors import OutputError
from airank.export import write_result
from airank.output import verify_output, write_file
base = Path({base!r})
result = pickle.loads(Path({pickled!r}).read_bytes())
out = {{}}
def attempt(key, fn):
    try:
        fn()
        out[key] = "ok"
    except OutputError as e:
        out[key] = [e.errno, [i.code for i in e.issues], str(e)]
"""


def test_read_only_file_system(tmp_path, asem_result):
    base = tmp_path / "ro"
    write_result(asem_result, base / "out", formats=("csv",))
    pickled = tmp_path / "result.pkl"
    pickled.write_bytes(pickle.dumps(asem_result))
    code = _PROBE.format(base=str(base), pickled=str(pickled)) + """
attempt("replace", lambda: write_result(result, base / "out"))
attempt("new", lambda: write_result(result, base / "new"))
attempt("file", lambda: write_file(base / "report.html", "x"))
out["old_intact"] = sorted(verify_output(base / "out")["files"])
print(json.dumps(out))
"""
    got = _in_namespace(tmp_path, f"mount --bind {base} {base} && "
                                  f"mount -o remount,bind,ro {base}", code)
    for key in ("replace", "new", "file"):
        num, codes, text = got[key]
        assert num == errno.EROFS and codes == ["read_only"], got[key]
        assert "the file system is read-only" in text
    assert got["old_intact"] == ["coverage.csv", "ranking.csv", "ranks.csv", "scores.csv"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores permission bits; "
                    "test_read_only_file_system covers a folder that cannot be written")
def test_folder_without_write_permission(tmp_path):
    base = tmp_path / "locked"
    base.mkdir()
    base.chmod(0o555)
    try:
        with pytest.raises(OutputError) as exc:
            write_folder(base / "out", {"a.csv": "x\n"})
        assert _codes(exc) == ["permission_denied"]
    finally:
        base.chmod(0o755)


def test_full_disk_on_a_tiny_tmpfs(tmp_path, asem_result):
    base = tmp_path / "tiny"
    base.mkdir()
    pickled = tmp_path / "result.pkl"
    pickled.write_bytes(pickle.dumps(asem_result))
    code = _PROBE.format(base=str(base), pickled=str(pickled)) + """
write_result(result, base / "out", formats=("csv",))
old = verify_output(base / "out")["files"]
attempt("replace", lambda: write_result(result, base / "out"))
out["old_intact"] = verify_output(base / "out")["files"] == old
out["listing"] = sorted(os.listdir(base))
print(json.dumps(out))
"""
    got = _in_namespace(tmp_path, f"mount -t tmpfs -o size=256k tmpfs {base}", code)
    num, codes, text = got["replace"]
    assert num == errno.ENOSPC and codes == ["no_space"], got
    assert "while writing" in text
    assert got["old_intact"] is True and got["listing"] == ["out"]


def test_disk_full_midway_leaves_the_old_output(tmp_path, asem_result, monkeypatch):
    # the audit's case: the disk filled after 3 of the 8 files; no kernel help needed
    out = tmp_path / "out"
    write_result(asem_result, out, formats=("json",))
    before = verify_output(out)
    real_write, calls = os.write, []

    def write(fd: int, data: bytes) -> int:
        calls.append(fd)
        if len(calls) > 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)
    with pytest.raises(OutputError) as exc:
        write_result(asem_result, out)
    monkeypatch.undo()
    assert _codes(exc) == ["no_space"] and exc.value.errno == errno.ENOSPC
    assert verify_output(out) == before
    assert _listing(tmp_path) == ["out"]


# -- leftovers, the fallback swap and its repair ----------------------------------------------
def test_stale_leftovers_of_killed_runs_are_removed(tmp_path):
    out = tmp_path / "out"
    write_folder(out, {"a.csv": "1\n"})
    stale = tmp_path / ".out.airank-staging-dead1"
    stale.mkdir()
    (stale / "scores.csv").write_text("half")
    (tmp_path / ".report.html.airank-k1ll.tmp").write_text("half")
    (tmp_path / ".keep").write_text("not ours")
    write_folder(out, {"a.csv": "2\n"})
    assert _listing(tmp_path) == [".keep", "out"]
    assert (out / "a.csv").read_text() == "2\n"
    write_file(tmp_path / "report.html", "r")
    (tmp_path / ".report.html.airank-k1ll.tmp").write_text("half")
    write_file(tmp_path / "report.html", "r2")
    assert _listing(tmp_path) == [".keep", "out", "report.html"]


def test_two_rename_swap_and_the_repair_of_a_crash_between(tmp_path, monkeypatch):
    monkeypatch.setattr(output, "exchange", lambda a, b: False)
    out = tmp_path / "out"
    write_folder(out, {"a.csv": "old\n"})
    write_folder(out, {"a.csv": "new\n"})
    assert (out / "a.csv").read_text() == "new\n" and _listing(tmp_path) == ["out"]
    # a crash between the renames: no target, the old output under the old name
    os.rename(out, tmp_path / ".out.airank-old-crash")
    (tmp_path / ".out.airank-staging-crash").mkdir()
    with pytest.raises(RuntimeError), staged_folder(out) as stage:
        stage.write("a.csv", "never\n")
        raise RuntimeError("fails after the repair")
    assert (out / "a.csv").read_text() == "new\n"
    verify_output(out)
    assert _listing(tmp_path) == ["out"]


def test_nested_writes_beside_a_live_staging_folder(tmp_path):
    # the lock is re-entrant in one process; the cleanup must spare this process's own
    # staging folder and temporary file
    def report(path: Path) -> None:
        write_folder(tmp_path / "plots", {"p.html": "<p>"})
        path.write_text("report")

    with staged_folder(tmp_path / "out") as stage:
        stage.write("a.csv", "1\n")
        write_file(tmp_path / "report.md", report)
        stage.write("b.csv", "2\n")
    assert set(verify_output(tmp_path / "out")["files"]) == {"a.csv", "b.csv"}
    verify_output(tmp_path / "plots")
    assert (tmp_path / "report.md").read_text() == "report"
    assert _listing(tmp_path) == ["out", "plots", "report.md"]


def test_an_error_in_the_block_keeps_the_old_output(tmp_path):
    out = tmp_path / "out"
    write_folder(out, {"a.csv": "old\n"})
    with pytest.raises(KeyError), staged_folder(out) as stage:
        stage.write("a.csv", "new\n")
        raise KeyError("bug")
    assert (out / "a.csv").read_text() == "old\n" and _listing(tmp_path) == ["out"]


def test_an_input_error_in_the_block_passes_unchanged(tmp_path):
    with pytest.raises(FileNotFoundError), staged_folder(tmp_path / "out"):
        (tmp_path / "no-such-input.csv").read_text()
    assert _listing(tmp_path) == []


def test_concurrent_writers_to_one_folder(tmp_path):
    out = tmp_path / "out"
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            for i in range(5):
                write_folder(out, {"who.txt": f"{k}-{i}\n", "n.txt": str(i)})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    verify_output(out)
    assert _listing(tmp_path) == ["out"]


def test_output_error_pickles_with_its_errno(tmp_path):
    with pytest.raises(OutputError) as exc:
        write_file(tmp_path, "x")
    err = exc.value
    err.errno = errno.EISDIR
    back = pickle.loads(pickle.dumps(err))
    assert back.issues == err.issues and back.errno == errno.EISDIR
    assert isinstance(back, AirankError) and isinstance(back, OSError)


_names = st.text(alphabet="abcxyz_-.", min_size=1, max_size=8).filter(
    lambda s: s not in (".", "..", "manifest.json"))


@given(st.dictionaries(st.lists(_names, min_size=1, max_size=3).map("/".join),
                       st.binary(max_size=300), max_size=6))
def test_any_files_round_trip_and_verify(files):
    paths = list(files)
    if any(a != b and b.startswith(a + "/") for a in paths for b in paths):
        return  # a name cannot be both a file and a folder
    with tempfile.TemporaryDirectory() as td:
        out = Path(td) / "out"
        write_folder(out, files)
        man = verify_output(out)
        assert set(man["files"]) == set(files)
        for name, data in files.items():
            assert (out / name).read_bytes() == data
