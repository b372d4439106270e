"""Write a :class:`~airank.results.Result` to an output folder, atomically and reproducibly.

``write_result(result, dir)`` writes ``scores.csv`` and ``ranks.csv`` (first column
``unit``, one column per indicator code with its normalised value or rank, then one per
aggregate code), ``ranking.csv`` (with the ``percentile`` rank and, for every unit-group
column of the spec, the unit's group, rank and percentile within it:
:meth:`~airank.results.Result.group_ranking`), ``coverage.csv``, ``stages.xlsx`` (a sheet per stage,
plus ranks, coverage, records and the manifest), ``stages.parquet`` (every stage in long
form), ``result.json`` and ``manifest.json``. Each carries the spec, the data hash, the
airank version and the versions of Python, numpy, pandas, scipy and SALib (see
:func:`versions`): the JSON in its ``manifest`` key, the Parquet file in its schema
metadata, the workbook in its ``manifest`` sheet; the CSVs stay plain tables that any
tool reads, and ``manifest.json`` beside them holds the provenance and the SHA-256 of
every file (:func:`airank.output.verify_output` checks them).

The folder is written by :func:`airank.output.staged_folder`: staged beside the target
and swapped in whole, so a reader sees the complete old output or the complete new one.
Every file is byte-reproducible: the same inputs and the same library versions give the
same bytes (the workbook's dates and its zip entries' times are fixed).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import AirankError, Issue
from .output import MANIFEST, staged_folder
from .provenance import versions
from .results import STAGES, Result

__all__ = ["FORMATS", "result_manifest", "result_to_dict", "versions", "write_result"]

FORMATS = ("csv", "xlsx", "parquet", "json")
#: The creation and modification time written into every workbook (the zip epoch).
FIXED_TIME = dt.datetime(1980, 1, 1)


def result_manifest(result: Result) -> dict[str, Any]:
    """``result.manifest()`` (it carries the library :func:`versions`)."""
    return result.manifest()


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


def _ranking(result: Result) -> pd.DataFrame:
    """The ranking with percentiles and ranks within every unit-group column."""
    by = [c for c in result.spec.units.groups if c in result.groups.columns]
    return result.group_ranking(by)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [_clean(r) for r in json.loads(frame.to_json(orient="records", double_precision=15))]


def result_to_dict(result: Result) -> dict[str, Any]:
    """A JSON-ready dict: manifest, ranking, scores, ranks, coverage and step records."""
    ranks = result.ranks.astype(float)
    return {
        "manifest": result_manifest(result),
        "ranking": _records(_ranking(result)),
        "scores": _records(_table(result, result.scores)),
        "ranks": _records(_table(result, ranks)),
        "coverage": _records(result.coverage()),
        "records": [_clean(r.to_dict()) for r in result.records],
    }


def _dumps(obj: Any) -> str:
    return json.dumps(obj, indent=1, default=_json_default, allow_nan=False) + "\n"


def write_result(result: Result, directory: str | Path, *,
                 formats: tuple[str, ...] = FORMATS) -> list[Path]:
    """Write the result files into the folder ``directory``, replacing it as a whole.

    Parameters
    ----------
    result : Result
        The build to write.
    directory : str or Path
        The output folder: created if missing; an existing one must be empty or an
        earlier output (see :func:`airank.output.staged_folder`).
    formats : tuple of str
        Any of ``"csv"``, ``"xlsx"``, ``"parquet"``, ``"json"``.

    Returns
    -------
    list of Path
        The files written, ``manifest.json`` last.

    Raises
    ------
    AirankError
        ``formats`` names an unknown format.
    OutputError
        The folder cannot be written (the old output, if any, is left as it was).
    """
    unknown = [f for f in formats if f not in FORMATS]
    AirankError.collect([Issue(("formats",), "unknown_format",
                               f"Unknown output format '{f}'; expected one of "
                               f"{list(FORMATS)}.", f) for f in unknown])
    manifest = result_manifest(result)
    render: dict[str, Callable[[], bytes | str]] = {}
    if "csv" in formats:
        render["scores.csv"] = lambda: _csv_text(_table(result, result.scores))
        render["ranks.csv"] = lambda: _csv_text(_table(result, result.ranks))
        render["ranking.csv"] = lambda: _csv_text(_ranking(result))
        render["coverage.csv"] = lambda: _csv_text(result.coverage())
    if "json" in formats:
        render["result.json"] = lambda: _dumps(result_to_dict(result))
    if "xlsx" in formats:
        render["stages.xlsx"] = lambda: _excel_bytes(result, manifest)
    if "parquet" in formats:
        render["stages.parquet"] = lambda: _parquet_bytes(result, manifest)
    with staged_folder(directory, manifest=manifest) as stage:  # checks the folder first
        written = [stage.write(name, make()) for name, make in render.items()]
    return [*written, stage.target / MANIFEST]


def _excel_bytes(result: Result, man: dict[str, Any]) -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        for name in STAGES:
            _table(result, result.stages[name]).to_excel(xl, sheet_name=name, index=False)
        _table(result, result.ranks).to_excel(xl, sheet_name="ranks", index=False)
        result.coverage().to_excel(xl, sheet_name="coverage", index=False)
        recs = pd.DataFrame([{**r.to_dict(), "params": json.dumps(r.params),
                              "learned": json.dumps(_clean(r.to_dict()["learned"]),
                                                    default=_json_default)}
                             for r in result.records])
        recs.to_excel(xl, sheet_name="records", index=False)
        meta = pd.DataFrame({"key": ["airank_version", "data_hash", "year", "index", "spec",
                                     "versions"],
                             "value": [man["airank_version"], man["data_hash"], man["year"],
                                       man["index"], result.spec.to_yaml(),
                                       json.dumps(man["versions"])]})
        meta.to_excel(xl, sheet_name="manifest", index=False)
    return _fixed_times(buf.getvalue())


def _fixed_times(xlsx: bytes) -> bytes:
    """The workbook with fixed document dates and zip entry times (same bytes each run).

    openpyxl stamps the current time into ``docProps/core.xml`` and every zip entry.
    """
    from openpyxl.packaging.core import DocumentProperties
    from openpyxl.xml.functions import tostring

    core = tostring(DocumentProperties(creator="airank", created=FIXED_TIME,
                                       modified=FIXED_TIME).to_tree())
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            data = core if info.filename == "docProps/core.xml" else src.read(info)
            dst.writestr(entry, data)
    return out.getvalue()


def _parquet_bytes(result: Result, man: dict[str, Any]) -> bytes:
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
    meta = {b"airank_version": man["airank_version"].encode(),
            b"data_hash": man["data_hash"].encode(),
            b"spec": json.dumps(man["spec"]).encode(),
            b"versions": json.dumps(man["versions"]).encode()}
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **meta})
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return bytes(sink.getvalue().to_pybytes())
