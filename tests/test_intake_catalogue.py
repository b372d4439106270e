"""A catalogue of malformed tables: each gives a Dataset or a DataError naming the problem,
never another exception, and ``airank validate`` exits 0 or 2 without a traceback.
Random tables and random bytes (hypothesis) are held to the same rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airank import DataError, IndexSpec, read_data
from airank.cli import main

SPEC = IndexSpec.from_dict({
    "name": "Catalogue", "units": {"kind": "custom"}, "nodes": [{"code": "index"}],
    "indicators": [{"code": "a", "parent": "index"}, {"code": "b", "parent": "index"}]})
COUNTRY = IndexSpec.from_dict({**SPEC.to_dict(), "units": {"kind": "country"}})

FILES = [  # name, content, the problem codes expected (empty: reads)
    ("empty.csv", b"", ["unreadable"]),
    ("header_only.csv", b"unit,a,b\n", ["no_rows"]),
    ("ragged.csv", b"unit,a,b\nX,1,2,3\n", ["unreadable"]),
    ("ragged_later.csv", b"unit,a,b\nX,1,2\nY,1,2,3\n", ["unreadable"]),
    ("short_row.csv", b"unit,a,b\nX,1,2\nY,1\n", []),
    ("quoted_newline.csv", b'unit,a,b\n"X\nY",1,2\n', []),
    ("nul.csv", b"unit,a,b\nX,1\x00,2\n", ["non_numeric"]),
    ("binary.csv", bytes(range(256)), ["unreadable"]),
    ("latin1.csv", "unit,a,b\nCôte,1,2\n".encode("latin-1"), ["unreadable"]),
    ("utf16.csv", "unit,a,b\nCôte,1,2\n".encode("utf-16"), []),
    ("bom.csv", "unit,a,b\nX,1,2\n".encode("utf-8-sig"), []),
    ("semicolons.csv", b"unit;a;b\nX;1;2\n", ["missing_column"]),
    ("only_unit.csv", b"unit\nX\n", ["missing_indicator", "missing_indicator"]),
    ("dup_header.csv", b"unit,a,a,b\nX,1,2,3\n", ["duplicate_column"]),
    ("empty_header.csv", b"unit,,a,b\nX,9,1,2\n", []),
    ("years.csv", b"unit,year,a,b\nX,inf,1,2\nY,1e20,1,2\nZ,,1,2\n",
     ["bad_year", "bad_year", "bad_year"]),
    ("bools.csv", b"unit,a,b\nX,True,FALSE\n", ["non_numeric", "non_numeric"]),
    ("huge.csv", b"unit,a,b\nX,1e400,-1e400\n", ["infinite", "infinite"]),
    ("code_roles.csv", b"country,code,value\nX,a,1\nX,b,2\n", []),
    ("code_only.csv", b"code,value\na,1\n", ["missing_column"]),
    ("status.csv", b"unit,indicator,value,status\nX,a,0,inferred\nX,b,1,maybe\n",
     ["bad_status"]),
    ("blank_units.csv", b"unit,a,b\n,1,2\n  ,1,2\nX,1,2\n", ["missing_unit"]),
    ("dup_rows.csv", b"unit,a,b\nX,1,2\nX,1,2\n", ["duplicate_row"]),
    ("text.xlsx", b"unit,a,b\nX,1,2\n", ["unreadable"]),
    ("zip.xlsx", b"PK\x03\x04 not really", ["unreadable"]),
    ("old.xls", b"unit,a,b\n", ["unreadable"]),
    ("bad.parquet", b"PAR1 not really", ["unreadable"]),
    ("table.json", b"{}", ["bad_format"]),
]


@pytest.mark.parametrize(("name", "content", "expected"), FILES, ids=[f[0] for f in FILES])
def test_catalogue(tmp_path, capsys, name, content, expected):
    f = tmp_path / name
    f.write_bytes(content)
    try:
        read_data(f, SPEC)
        got: list[str] = []
    except DataError as err:
        got = [i.code for i in err.issues]
        assert all(str(f) in str(i.loc[0]) for i in err.issues)
    assert got == expected
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text(SPEC.to_yaml(), encoding="utf-8")
    code = main(["validate", str(spec_file), str(f)])
    out, err_text = capsys.readouterr()
    assert code == (2 if expected else 0) and "Traceback" not in out + err_text


CELLS = [np.nan, None, pd.NA, pd.NaT, True, np.bool_(False), 3, np.int64(4), 2.5,
         Decimal("1.25"), "7", " 8 ", "n/a", "1,234", "5%", "x", dt.date(2020, 1, 1),
         [1, 2], {"k": 1}, b"bytes", complex(1, 2), np.inf, float("-inf"), 10**30]


@pytest.mark.parametrize("cell", CELLS, ids=[repr(c)[:20] for c in CELLS])
def test_any_python_value_in_a_frame_cell(cell):
    frame = pd.DataFrame({"unit": ["X", "Y"], "a": pd.Series([cell, 1.0], dtype=object),
                          "b": [1.0, 2.0]})
    try:
        d = read_data(frame, SPEC)
    except DataError as err:
        assert {i.code for i in err.issues} <= {"non_numeric", "infinite"}
        assert all(i.loc[1:] == ("row 2", "a") for i in err.issues)
        return
    value = d.wide(["a"])[0].loc["X", "a"]
    assert np.isnan(value) or np.isfinite(value)


def test_any_python_value_as_a_unit_or_year():
    for cell in CELLS:
        frame = pd.DataFrame({"unit": pd.Series([cell, "Y"], dtype=object),
                              "year": pd.Series([cell, 2020], dtype=object),
                              "a": 1.0, "b": 2.0})
        for s in (SPEC, COUNTRY):
            try:
                read_data(frame, s)
            except DataError as err:
                assert err.issues


TEXT = st.text(st.sampled_from("aXé1,.;%-\" \t\nE+e0\x00"), max_size=6)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(TEXT, min_size=1, max_size=5), min_size=1, max_size=6),
       st.booleans())
def test_random_tables_never_raise_anything_else(rows, long):
    header = ["unit", "indicator", "value"] if long else ["unit", "year", "a", "b"]
    width = len(header)
    frame = pd.DataFrame([(r + [""] * width)[:width] for r in rows], columns=header)
    for s in (SPEC, COUNTRY):
        try:
            read_data(frame, s)
        except DataError as err:
            assert err.issues and str(err)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200), st.sampled_from([".csv", ".tsv", ".xlsx", ".parquet"]))
def test_random_bytes_never_raise_anything_else(tmp_path, content, suffix):
    f = tmp_path / f"t{suffix}"
    f.write_bytes(b"unit,a,b\n" + content if suffix == ".csv" else content)
    try:
        read_data(f, SPEC)
    except DataError as err:
        assert err.issues and str(err)
