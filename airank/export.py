"""Write a :class:`~airank.results.Result` to files, atomically.

``write_result(result, dir)`` writes ``scores.csv`` and ``ranks.csv`` (first column
``unit``, one column per indicator code with its normalised value or rank, then one per
aggregate code), ``stages.xlsx`` (a sheet per stage, plus ranks, coverage, records and
the manifest), ``stages.parquet`` (every stage in long form), ``result.json`` and
``manifest.json``. Each carries the spec, the data hash and the airank version: the JSON
in its ``manifest`` key, the Parquet file in its schema metadata, the workbook in its
``manifest`` sheet; the CSVs stay plain tables that any tool reads, and ``manifest.json``
beside them holds the provenance and the SHA-256 of each of them.

Every file is written to a temporary name in the same folder and renamed into place, so a
failure never leaves a half-written file.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .results import STAGES, Result

__all__ = ["atomic_write", "result_to_dict", "write_result"]


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _csv_text(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, float_format="%.15g", lineterminator="\n")


def _table(result: Result, frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.reset_index()
    out.columns = ["unit", *frame.columns]
    return out


def _json_default(obj: Any) -> Any:
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return None if np.isnan(obj) else float(obj)
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    raise TypeError(f"not JSON-serialisable: {type(obj).__name__}")


def _clean(obj: Any) -> Any:
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_clean(v) for v in obj]
    return obj


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [_clean(r) for r in json.loads(frame.to_json(orient="records", double_precision=15))]


def result_to_dict(result: Result) -> dict[str, Any]:
    """A JSON-ready dict: manifest, ranking, scores, ranks, coverage and step records."""
    ranks = result.ranks.astype(float)
    return {
        "manifest": result.manifest(),
        "ranking": _records(result.ranking()),
        "scores": _records(_table(result, result.scores)),
        "ranks": _records(_table(result, ranks)),
        "coverage": _records(result.coverage()),
        "records": [_clean(r.to_dict()) for r in result.records],
    }


def _dumps(obj: Any) -> str:
    return json.dumps(obj, indent=1, default=_json_default, allow_nan=False) + "\n"


def write_result(result: Result, directory: str | Path, *,
                 formats: tuple[str, ...] = ("csv", "xlsx", "parquet", "json")) -> list[Path]:
    """Write the result files into ``directory``; returns the paths written."""
    d = Path(directory)
    written: list[Path] = []
    texts: dict[str, str] = {}
    if "csv" in formats:
        texts["scores.csv"] = _csv_text(_table(result, result.scores))
        texts["ranks.csv"] = _csv_text(_table(result, result.ranks))
        texts["ranking.csv"] = _csv_text(result.ranking())
        texts["coverage.csv"] = _csv_text(result.coverage())
    if "json" in formats:
        texts["result.json"] = _dumps(result_to_dict(result))
    for name, text in texts.items():
        atomic_write(d / name, partial(Path.write_text, data=text, encoding="utf-8"))
        written.append(d / name)
    if "xlsx" in formats:
        atomic_write(d / "stages.xlsx", lambda p: _write_excel(result, p))
        written.append(d / "stages.xlsx")
    if "parquet" in formats:
        atomic_write(d / "stages.parquet", lambda p: _write_parquet(result, p))
        written.append(d / "stages.parquet")
    manifest = result.manifest()
    manifest["files"] = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in written
                         if p.suffix in (".csv", ".json")}
    atomic_write(d / "manifest.json", lambda p: p.write_text(_dumps(manifest), encoding="utf-8"))
    return [*written, d / "manifest.json"]


def _write_excel(result: Result, path: Path) -> None:
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        for name in STAGES:
            _table(result, result.stages[name]).to_excel(xl, sheet_name=name, index=False)
        _table(result, result.ranks).to_excel(xl, sheet_name="ranks", index=False)
        result.coverage().to_excel(xl, sheet_name="coverage", index=False)
        recs = pd.DataFrame([{**r.to_dict(), "params": json.dumps(r.params),
                              "learned": json.dumps(_clean(r.to_dict()["learned"]),
                                                    default=_json_default)}
                             for r in result.records])
        recs.to_excel(xl, sheet_name="records", index=False)
        man = result.manifest()
        meta = pd.DataFrame({"key": ["airank_version", "data_hash", "year", "index", "spec"],
                             "value": [man["airank_version"], man["data_hash"], man["year"],
                                       man["index"], result.spec.to_yaml()]})
        meta.to_excel(xl, sheet_name="manifest", index=False)


def _write_parquet(result: Result, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    parts = []
    for name in STAGES:
        long = result.stages[name].rename_axis("unit").reset_index().melt(
            id_vars="unit", var_name="code", value_name="value")
        long.insert(0, "stage", name)
        parts.append(long)
    frame = pd.concat(parts, ignore_index=True)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    man = result.manifest()
    meta = {b"airank_version": man["airank_version"].encode(),
            b"data_hash": man["data_hash"].encode(),
            b"spec": json.dumps(man["spec"]).encode()}
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **meta})
    pq.write_table(table, path)
