"""Reading data: the four sources and two forms agree, country reconciliation, every cell
rule and error, duplicates, coverage of the spec's codes, years and the data hash."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from airank import DataError, IndexSpec, read_data
from airank.cli import main
from airank.datasets import path

SPEC = {
    "name": "Mini AI index",
    "denominators": [{"code": "population"}],
    "nodes": [{"code": "ai_index"}],
    "indicators": [
        {"code": "ai_papers", "parent": "ai_index", "denominator": "population"},
        {"code": "compute", "parent": "ai_index"},
    ],
}

# The same small table, wide, every cell as text (as a CSV holds it).
WIDE = pd.DataFrame({
    "country": ["Russian Federation", "Korea, Rep.", "NA"],   # NA: Namibia's ISO2 code
    "year": ["2022", "2022", "2023"],
    "ai_papers": ["1,234", "12%", "n/a"],
    "compute": ["2.5", "", "7"],
    "population": ["144", "52", "2.6"],
})
EXPECTED = pd.DataFrame({
    "unit": ["KOR"] * 3 + ["NAM"] * 3 + ["RUS"] * 3,
    "code": ["ai_papers", "compute", "population"] * 3,
    "year": [2022] * 3 + [2023] * 3 + [2022] * 3,
    "value": [12.0, np.nan, 52.0, np.nan, 7.0, 2.6, 1234.0, 2.5, 144.0],
    "inferred": [False] * 9,
})


def spec(**units) -> IndexSpec:
    return IndexSpec.from_dict({**SPEC, "units": units} if units else SPEC)


def long_of(wide: pd.DataFrame) -> pd.DataFrame:
    return wide.melt(id_vars=["country", "year"], var_name="indicator", value_name="value")


def read_error(source, s=None, **kw) -> DataError:
    with pytest.raises(DataError) as info:
        read_data(source, s or spec(), **kw)
    return info.value


def codes(err: DataError) -> list[str]:
    return [i.code for i in err.issues]


def check_panel(panel: pd.DataFrame) -> None:
    got = panel.assign(unit=panel["unit"].astype(object), code=panel["code"].astype(object))
    pd.testing.assert_frame_equal(got, EXPECTED, check_dtype=False)


# -- sources and forms ------------------------------------------------------------------
def test_csv_excel_parquet_and_frame_agree(tmp_path):
    WIDE.to_csv(tmp_path / "t.csv", index=False)
    WIDE.to_excel(tmp_path / "t.xlsx", index=False)
    WIDE.to_parquet(tmp_path / "t.parquet")
    typed = WIDE.assign(compute=[2.5, np.nan, 7.0], year=[2022, 2022, 2023],
                        population=[144, 52, 2.6])  # a frame with real numbers and NaN
    sets = [read_data(s, spec()) for s in (tmp_path / "t.csv", tmp_path / "t.xlsx",
                                           tmp_path / "t.parquet", WIDE, typed)]
    check_panel(sets[0].panel)
    for d in sets[1:]:
        pd.testing.assert_frame_equal(d.panel, sets[0].panel)
        assert d.hash == sets[0].hash
        assert d.notes == sets[0].notes
        assert d.names == {"KOR": "South Korea", "NAM": "Namibia", "RUS": "Russia"}
    assert sets[0].source == str(tmp_path / "t.csv") and sets[3].source == "DataFrame"
    assert sets[0].units == ["KOR", "NAM", "RUS"] and sets[0].years == [2022, 2023]


def test_long_and_wide_agree(tmp_path):
    wide = read_data(WIDE, spec())
    long = read_data(long_of(WIDE), spec())
    pd.testing.assert_frame_equal(long.panel, wide.panel)
    assert long.hash == wide.hash
    long_of(WIDE).to_csv(tmp_path / "long.csv", index=False)
    assert read_data(tmp_path / "long.csv", spec()).hash == wide.hash


def test_panel_reads_back(tmp_path):
    d = read_data(WIDE, spec())  # the panel's own columns: unit, code, year, value
    d.panel.to_csv(tmp_path / "panel.csv", index=False)
    again = read_data(tmp_path / "panel.csv", spec())
    pd.testing.assert_frame_equal(again.panel, d.panel)


def test_units_in_the_index_and_utf8_bom(tmp_path):
    frame = WIDE.set_index("country")
    frame.index.name = "country"
    assert read_data(frame, spec()).hash == read_data(WIDE, spec()).hash
    f = tmp_path / "bom.csv"
    f.write_bytes(WIDE.to_csv(index=False).encode("utf-8-sig"))
    assert read_data(f, spec()).hash == read_data(WIDE, spec()).hash


def test_tsv(tmp_path):
    f = tmp_path / "t.tsv"
    WIDE.to_csv(f, sep="\t", index=False)
    assert read_data(f, spec()).hash == read_data(WIDE, spec()).hash


# -- countries ------------------------------------------------------------------------
def test_country_names_and_codes_reconciled():
    frame = pd.DataFrame({"country": ["Russian Federation", "Korea, Rep.", "Namibia",
                                      "United States", "DE", "FRA"],
                          "ai_papers": 1, "compute": 2, "population": 3})
    d = read_data(frame, spec())
    assert d.units == ["DEU", "FRA", "KOR", "NAM", "RUS", "USA"]


def test_unmatched_and_ambiguous_listed_together():
    frame = pd.DataFrame({"country": ["Belgium-Luxembourg", "Ireland and United Kingdom",
                                      "France", "Atlantis"],
                          "ai_papers": 1, "compute": 2, "population": 3})
    err = read_error(frame)
    by = {(i.code, i.value): i for i in err.issues}
    assert set(by) == {("unmatched_unit", "Belgium-Luxembourg"), ("unmatched_unit", "Atlantis"),
                       ("ambiguous_unit", "Ireland and United Kingdom")}
    assert "'Ireland and United Kingdom' (row 3) matches several countries ['IRL', 'GBR']" \
        in str(err)
    assert "'Atlantis' (row 5) matches no country. Add it to the alias file" in str(err)


def test_alias_file_overrides(tmp_path):
    aliases = tmp_path / "aliases.csv"
    aliases.write_text("name,iso3\nBelgium-Luxembourg,BEL\nIreland and United Kingdom,GBR\n"
                       "Korea,prk\n", encoding="utf-8")
    frame = pd.DataFrame({"country": ["Belgium-Luxembourg", "Ireland and United Kingdom",
                                      "Korea"],
                          "ai_papers": 1, "compute": 2, "population": 3})
    assert read_data(frame, spec(), aliases=aliases).units == ["BEL", "GBR", "PRK"]
    assert read_data(frame, spec(), aliases={"Belgium-Luxembourg": "BEL",
                                             "Ireland and United Kingdom": "IRL",
                                             "Korea": "KOR"}).units == ["BEL", "IRL", "KOR"]
    # named in the spec, relative to the spec file's folder
    s = IndexSpec.from_dict({**SPEC, "units": {"aliases": "aliases.csv"}}, base_dir=tmp_path)
    assert read_data(frame, s).units == ["BEL", "GBR", "PRK"]


def test_two_spellings_of_one_country_are_duplicates():
    frame = pd.DataFrame({"country": ["Russia", "Russian Federation"], "ai_papers": [1, 2],
                          "compute": 2, "population": 3})
    err = read_error(frame)
    assert codes(err) == ["duplicate_row"]
    assert "2 rows for unit 'RUS'" in str(err) and "rows 2, 3" in str(err)


def test_custom_units_pass_through():
    frame = pd.DataFrame({"uCode": ["EU27", "Atlantis", "NA"], "uName": ["EU", "", None],
                          "ai_papers": 1, "compute": 2, "population": 3})
    d = read_data(frame, spec(kind="custom"))
    assert d.units == ["Atlantis", "EU27", "NA"]
    assert d.names == {"Atlantis": "Atlantis", "EU27": "EU", "NA": "NA"}


def test_unit_groups_read_and_checked():
    frame = WIDE.assign(region=["Europe", "Asia", "Africa"])
    d = read_data(frame, spec(groups=["region"]))
    assert d.groups["region"].to_dict() == {"KOR": "Asia", "NAM": "Africa", "RUS": "Europe"}
    assert "region" not in set(d.panel["code"])
    err = read_error(WIDE, spec(groups=["region"]))
    assert codes(err) == ["missing_group_column"]
    given = pd.DataFrame({"region": ["x", "y", "z"]}, index=["KOR", "NAM", "RUS"])
    assert read_data(WIDE, spec(groups=["region"]), groups=given).groups["region"]["NAM"] == "y"


# -- cell rules -----------------------------------------------------------------------------
def test_cell_rules_are_counted_in_the_notes():
    frame = pd.DataFrame({
        "unit": list("ABCDEFGH"),
        "ai_papers": ["n/a", "NA", "..", "—", "", None, "-", "5"],
        "compute": ["1,234", "12,345,678.5", "12%", "1,234.5 %", "3", "4", "5", "6"],
        "population": 1,
    })
    d = read_data(frame, spec(kind="custom"))
    v = d.panel.set_index(["unit", "code"])["value"]
    assert v[("A", "compute")] == 1234 and v[("B", "compute")] == 12345678.5
    assert v[("C", "compute")] == 12 and v[("D", "compute")] == 1234.5
    assert v.xs("ai_papers", level="code").isna().sum() == 7
    assert d.notes == (
        "7 empty or missing-marker cells read as missing (markers: ['-', '..', 'NA', 'n/a', "
        "'—'])",
        "2 cells with thousands separators read as numbers (e.g. '1,234')",
        "2 cells with a trailing '%' read as percent values (e.g. '12%' -> 12)",
    )


@pytest.mark.parametrize("cell", ["abc", "1.234,5", "5 000", "1,5%", "12 %x", "$5"])
def test_non_numeric_cell_named(tmp_path, cell):
    f = tmp_path / "data.csv"
    WIDE.assign(compute=["2.5", cell, "7"]).to_csv(f, index=False)
    err = read_error(f)
    assert codes(err) == ["non_numeric"]
    issue = err.issues[0]
    assert issue.loc == (str(f), "row 3", "compute") and issue.value == cell
    assert f"{f}.row 3.compute: Expected a number for unit 'Korea, Rep.', indicator " \
           f"'compute'. Got {cell!r}." in str(err)


def test_non_numeric_in_long_form_names_the_value_column(tmp_path):
    f = tmp_path / "long.csv"
    long = long_of(WIDE)
    long.loc[long["indicator"] == "compute", "value"] = ["x", "1", "2"]
    long.to_csv(f, index=False)
    err = read_error(f)
    assert [i.loc for i in err.issues] == [(str(f), "row 5", "value")]
    assert "indicator 'compute'. Got 'x'" in str(err)


@pytest.mark.parametrize("inf", ["inf", "-inf", "Infinity", np.inf, -np.inf])
def test_infinity_is_an_error(inf):
    frame = WIDE.astype(object)
    frame.loc[2, "population"] = inf
    err = read_error(frame)
    assert codes(err) == ["infinite"]
    assert err.issues[0].loc == ("DataFrame", "row 4", "population")
    assert "Infinite value for unit 'NA', indicator 'population'. Expected a finite" in str(err)


def test_every_cell_problem_reported_together(tmp_path):
    f = tmp_path / "data.csv"
    WIDE.assign(compute=["abc", "inf", "7"], year=["2022", "2022.5", "2023"]).to_csv(f,
                                                                                  index=False)
    err = read_error(f)
    assert sorted(codes(err)) == ["bad_year", "infinite", "non_numeric"]
    assert "The year must be a whole number. Got '2022.5'" in str(err)


def test_missing_unit_cells_are_an_error():
    frame = WIDE.assign(country=["Russian Federation", None, " "])
    err = read_error(frame)
    assert codes(err) == ["missing_unit"]
    assert "2 rows have no unit in column 'country' (rows 3, 4)" in str(err)


# -- codes and duplicates ---------------------------------------------------------------
def test_spec_indicator_missing_from_data():
    err = read_error(WIDE.drop(columns=["compute", "population"]))
    assert sorted((i.code, i.value) for i in err.issues) == [
        ("missing_denominator", "population"), ("missing_indicator", "compute")]
    assert "The spec's indicator 'compute' is not in the data" in str(err)


def test_extra_data_column_is_noted_and_ignored():
    d = read_data(WIDE.assign(gdp=["x", "y", "z"], ai_jobs=1), spec())
    assert set(d.panel["code"]) == {"ai_papers", "compute", "population"}
    assert d.notes[-1] == ("2 data columns/indicators not in the spec were ignored: "
                           "['ai_jobs', 'gdp']")
    assert d.hash == read_data(WIDE, spec()).hash


def test_duplicate_rows_listed_in_long_form():
    long = long_of(WIDE)
    long = pd.concat([long, long.iloc[[0, 3]].assign(value="9")], ignore_index=True)
    err = read_error(long)
    assert codes(err) == ["duplicate_row", "duplicate_row"]
    assert sorted(i.loc for i in err.issues) == [("DataFrame", "RUS", "ai_papers"),
                                                 ("DataFrame", "RUS", "compute")]
    assert "2 rows for unit 'RUS', year 2022, indicator 'ai_papers': rows 2, 11." in str(err)


def test_duplicate_unit_rows_in_wide_form_one_issue():
    err = read_error(pd.concat([WIDE, WIDE.iloc[[1]]], ignore_index=True))
    assert codes(err) == ["duplicate_row"]
    assert err.issues[0].value == [3, 5]
    assert "indicators ['ai_papers', 'compute', 'population']: rows 3, 5" in str(err)


def test_same_unit_in_several_years_is_not_a_duplicate():
    frame = pd.concat([WIDE, WIDE.assign(year="2021")], ignore_index=True)
    assert read_data(frame, spec()).years == [2021, 2022, 2023]


# -- loading errors ---------------------------------------------------------------------
def test_missing_file_and_unknown_format(tmp_path):
    assert codes(read_error(tmp_path / "nope.csv")) == ["no_file"]
    (tmp_path / "t.json").write_text("{}", encoding="utf-8")
    with pytest.raises(DataError, match=r"Unknown data format '\.json'"):
        read_data(tmp_path / "t.json", spec())


@pytest.mark.parametrize(("name", "content"), [
    ("t.xlsx", b"not a workbook"), ("t.xlsx", b"PK\x03\x04 truncated"),
    ("t.parquet", b"x"), ("t.csv", b"unit,compute\n\xff\xfe,1\n"),
])
def test_unreadable_file(tmp_path, name, content):
    f = tmp_path / name
    f.write_bytes(content)
    err = read_error(f)
    assert codes(err) == ["unreadable"] and f"Cannot read '{f}'" in str(err)


def test_no_unit_column():
    with pytest.raises(DataError, match=r"No unit column found.*got columns \['nation'"):
        read_data(WIDE.rename(columns={"country": "nation"}), spec())


# -- years and the hash -----------------------------------------------------------------
def test_wide_takes_the_latest_value_within_the_window():
    rows = [("A", 2018, 1.0), ("A", 2020, 2.0), ("A", 2021, np.nan),
            ("B", 2017, 5.0), ("B", 2022, 6.0),
            ("C", 2021, 9.0)]
    long = pd.DataFrame([(u, "compute", y, v) for u, y, v in rows] +
                        [(u, "ai_papers", 2021, 1.0) for u in "ABC"] +
                        [(u, "population", 2021, 1.0) for u in "ABC"],
                        columns=["unit", "indicator", "year", "value"])
    d = read_data(long, spec(kind="custom"))
    # year 2021, two years back: A's latest in 2019-2021 is 2020 (2021 is empty); B has
    # nothing in the window (2017 too old, 2022 too new); C has 2021
    vals, years = d.wide(["compute", "nope"], year=2021, lookback=2)
    assert vals["compute"].to_dict() == pytest.approx({"A": 2.0, "B": np.nan, "C": 9.0},
                                                      nan_ok=True)
    assert years["compute"].to_dict() == pytest.approx({"A": 2020, "B": np.nan, "C": 2021},
                                                       nan_ok=True)
    assert vals["nope"].isna().all()  # an unknown code: all missing
    v0, _ = d.wide(["compute"], year=2021)  # no lookback: that year only
    assert v0["compute"].tolist() == pytest.approx([np.nan, np.nan, 9.0], nan_ok=True)
    latest, y = d.wide(["compute"])  # default: the latest year of the data
    assert latest["compute"].tolist() == pytest.approx([np.nan, 6.0, np.nan], nan_ok=True)
    assert y["compute"]["B"] == 2022
    wide5, _ = d.wide(["compute"], year=2021, lookback=5)
    assert wide5["compute"].tolist() == [2.0, 5.0, 9.0]
    hist = d.history(["compute"], until=2020)
    assert sorted(zip(hist["unit"], hist["year"], strict=True)) == [
        ("A", 2018), ("A", 2020), ("B", 2017)]


def test_hash_is_stable_and_tracks_values(tmp_path):
    f = tmp_path / "t.csv"
    WIDE.to_csv(f, index=False)
    first = read_data(f, spec())
    assert read_data(f, spec()).hash == first.hash == read_data(WIDE, spec()).hash
    assert len(first.hash) == 64
    changed = WIDE.copy()
    changed.loc[0, "compute"] = "2.50000001"
    assert read_data(changed, spec()).hash != first.hash
    assert read_data(WIDE.iloc[::-1], spec()).hash == first.hash  # row order does not count


# -- the shipped example ------------------------------------------------------------------
def test_cli_validate_asem(capsys):
    code = main(["validate", str(path("asem", "spec.yaml")),
                 str(path("asem", "ASEM_iData.csv"))])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "(51 units)" in out and "note: 64 empty or missing-marker cells" in out
    assert err == ""


def test_cli_validate_bad_data(tmp_path, capsys):
    f = tmp_path / "data.csv"
    WIDE.assign(compute=["abc", "2", "3"]).drop(columns="population").to_csv(f, index=False)
    s = tmp_path / "spec.yaml"
    s.write_text(spec().to_yaml(), encoding="utf-8")
    assert main(["validate", str(s), str(f)]) == 2
    err = capsys.readouterr().err
    assert "2 problem(s) in the data" in err and "Traceback" not in err
    assert "Got 'abc'" in err and "'population' is not in the data" in err


# -- column roles -------------------------------------------------------------------------
def test_code_is_the_indicator_of_a_long_table(tmp_path):
    long = long_of(WIDE).rename(columns={"indicator": "code"})  # country, year, code, value
    d = read_data(long, spec())
    check_panel(d.panel)
    assert d.notes[0] == ("columns read as: unit 'country', indicator 'code', value 'value' "
                          "(a long table)")
    f = tmp_path / "long.csv"
    long.to_csv(f, index=False)
    assert read_data(f, spec()).hash == read_data(WIDE, spec()).hash


def test_code_and_value_only_says_which_column_was_taken_as_what():
    err = read_error(pd.DataFrame({"code": ["ai_papers"], "value": [1]}))
    assert codes(err) == ["missing_column"]
    assert "('code' was taken as the indicator column: with a 'value' column the table is " \
           "read as long.)" in str(err)


def test_code_is_the_unit_of_a_wide_table():
    d = read_data(WIDE.rename(columns={"country": "code"}), spec())
    check_panel(d.panel)


def test_conflicting_unit_columns_are_named_in_the_error_title():
    frame = WIDE.assign(iso3=["RUS", "KOR", "Atlantis"])  # iso3 wins over country
    err = read_error(frame)
    assert codes(err) == ["unmatched_unit"]
    assert "columns read as: unit 'iso3', one column per indicator (a wide table); not read " \
           "as the unit: ['country']" in str(err)


def test_repeated_csv_column_is_an_error(tmp_path):
    f = tmp_path / "t.csv"
    f.write_text("country,year,compute,ai_papers,compute,population\n"
                 "France,2022,1,2,3,4\n", encoding="utf-8")
    err = read_error(f)
    assert [(i.code, i.loc, i.value) for i in err.issues] == [
        ("duplicate_column", (str(f), "compute"), "compute")]
    assert "The column 'compute' is given 2 times (columns 3 (C), 5 (E))" in str(err)


def test_repeated_column_in_excel_and_frame(tmp_path):
    frame = pd.DataFrame([["France", 1, 2, 3]],
                         columns=["country", "compute", "compute", "population"])
    assert codes(read_error(frame)) == ["duplicate_column"]
    f = tmp_path / "t.xlsx"
    frame.to_excel(f, index=False)
    assert codes(read_error(f)) == ["duplicate_column"]
    spaced = pd.DataFrame([["France", 1, 2]], columns=["country", "compute", " compute "])
    assert codes(read_error(spaced)) == ["duplicate_column"]  # equal once stripped


# -- booleans: the same error from every source ------------------------------------------------
def test_booleans_are_an_error_whatever_the_source(tmp_path):
    frame = WIDE.assign(compute=[True, False, True])
    f = tmp_path / "t.csv"
    frame.to_csv(f, index=False)
    frame.to_parquet(tmp_path / "t.parquet")
    frame.to_excel(tmp_path / "t.xlsx", index=False)
    mixed = WIDE.assign(compute=pd.Series([2.5, True, "7"], dtype=object))
    found = []
    for source in (frame, f, tmp_path / "t.parquet", tmp_path / "t.xlsx", mixed):
        err = read_error(source)
        assert set(codes(err)) == {"non_numeric"}
        found.append([(i.loc[1:], i.value) for i in err.issues])
    assert found[0] == [(("row 2", "compute"), "True"), (("row 3", "compute"), "False"),
                        (("row 4", "compute"), "True")]
    assert found[1] == found[2] == found[3] == found[0]
    assert found[4] == [(("row 3", "compute"), "True")]
    assert "Expected a number for unit 'Korea, Rep.', indicator 'compute'. Got 'False'." \
        in str(read_error(frame))


# -- files ------------------------------------------------------------------------------------
def test_a_directory_is_not_a_data_file(tmp_path):
    err = read_error(tmp_path)
    assert codes(err) == ["no_file"]
    assert f"'{tmp_path}' is a directory, not a data file" in str(err)


def test_text_named_xlsx_is_not_an_excel_workbook(tmp_path):
    f = tmp_path / "t.xlsx"
    WIDE.to_csv(f, index=False)
    err = read_error(f)
    assert codes(err) == ["unreadable"]
    assert f"Cannot read '{f}': it is not an Excel workbook (text;" in str(err)
    assert "rename it to .csv" in str(err) and "engine" not in str(err)


@pytest.fixture
def workbook(tmp_path):
    f = tmp_path / "book.xlsx"
    with pd.ExcelWriter(f) as w:
        pd.DataFrame({"About": ["Mini AI index, 2024 edition"]}).to_excel(
            w, sheet_name="Cover", index=False)
        WIDE.to_excel(w, sheet_name="Data", index=False)
    return f


def test_cover_sheet_lists_the_sheets(workbook):
    err = read_error(workbook)
    assert codes(err) == ["missing_column"]
    assert "This is sheet 'Cover' of a workbook with sheets ['Cover', 'Data']: pass sheet= " \
           "(airank: --sheet) to read another." in str(err)


def test_sheet_by_name_or_position(workbook):
    base = read_data(WIDE, spec()).hash
    assert read_data(workbook, spec(), sheet="Data").hash == base
    assert read_data(workbook, spec(), sheet=1).hash == base
    assert read_data(workbook, spec(), sheet=-1).hash == base


@pytest.mark.parametrize("sheet", ["Nope", 2, "data"])
def test_unknown_sheet_lists_the_sheets(workbook, sheet):
    err = read_error(workbook, sheet=sheet)
    assert [(i.code, i.value) for i in err.issues] == [("unknown_sheet", sheet)]
    assert f"The workbook has no sheet {sheet!r}. Its sheets: ['Cover', 'Data'] (or a " \
           "position 0-1)." in str(err)


def test_latin1_file_names_the_encoding_line_and_byte(tmp_path):
    f = tmp_path / "t.csv"
    f.write_bytes(WIDE.assign(country=["Russian Federation", "Côte d'Ivoire", "NA"])
                  .to_csv(index=False).encode("latin-1"))
    err = read_error(f)
    assert codes(err) == ["unreadable"] and err.issues[0].value == "UTF-8"
    assert f"Cannot read '{f}': it is not UTF-8 text at line 3 (byte 0xF4). It was probably " \
           "saved as Latin-1/Windows-1252" in str(err)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_utf16_and_utf32_with_a_byte_order_mark_are_read(tmp_path, encoding):
    f = tmp_path / "t.csv"
    f.write_bytes(WIDE.to_csv(index=False).encode(encoding))  # Python writes the BOM
    d = read_data(f, spec())
    assert d.hash == read_data(WIDE, spec()).hash
    assert d.notes[0] == (f"read as {encoding.upper()} text (the file starts with a "
                          "byte-order mark)")


def test_a_row_longer_than_the_header_is_an_error(tmp_path):
    f = tmp_path / "t.csv"
    f.write_text("country,ai_papers,compute,population\nFrance,1,2,3\nSpain,1,2,3,4\n",
                 encoding="utf-8")
    err = read_error(f)
    assert [i.loc for i in err.issues] == [(str(f), "line 3")]
    assert "line 3 has 5 cells but the header has 4" in str(err)


# -- countries ----------------------------------------------------------------------------------
def test_ambiguous_country_names_are_errors_with_candidates():
    frame = pd.DataFrame({"country": ["Congo", "Korea", "France"], "ai_papers": 1,
                          "compute": 2, "population": 3})
    err = read_error(frame)
    assert [(i.code, i.value) for i in err.issues] == [("ambiguous_unit", "Congo"),
                                                       ("ambiguous_unit", "Korea")]
    assert "'Congo' (row 2) matches several countries ['COD', 'COG'] (DR Congo, Congo " \
           "Republic)" in str(err)
    assert "'Korea' (row 3) matches several countries ['KOR', 'PRK'] (South Korea, North " \
           "Korea)" in str(err)


# -- years --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("cell", "why"), [
    ("1e20", "between 1000 and 9999"), ("inf", "a whole number"), ("-inf", "a whole number"),
    ("999", "between 1000 and 9999"), ("10000", "between 1000 and 9999"),
    ("2022.5", "a whole number"), ("", "a whole number"), ("abc", "a whole number"),
    ("nan", "a whole number"),
])
def test_bad_years_named_with_row_and_value(tmp_path, cell, why):
    f = tmp_path / "t.csv"
    WIDE.assign(year=["2022", cell, "2023"]).to_csv(f, index=False)
    err = read_error(f)
    assert [(i.code, i.loc, i.value) for i in err.issues] == [
        ("bad_year", (str(f), "row 3", "year"), cell)]
    assert f"The year must be {why}. Got {cell!r}." in str(err)


def test_every_bad_year_reported_and_whole_floats_accepted():
    frame = WIDE.assign(year=[np.inf, 1e20, 2023.0])
    err = read_error(frame)
    assert [(i.loc[1], i.value) for i in err.issues] == [("row 2", "inf"), ("row 3", "1e+20")]
    assert read_data(WIDE.assign(year=[2022.0, 2022.0, 2023.0]), spec()).years == [2022, 2023]
    long = long_of(WIDE)
    long["year"] = ["1e20"] * len(long)
    assert len(read_error(long).issues) == len(long)  # one issue per row, each named


# -- status ---------------------------------------------------------------------------------------
def test_status_marks_inferred_values(tmp_path):
    long = long_of(WIDE).assign(status="observed")
    long.loc[0, "status"] = "inferred"
    long.loc[1, "status"] = " Inferred "
    long.loc[2, "status"] = ""
    d = read_data(long, spec())
    flagged = d.panel[d.panel["inferred"]]
    assert sorted(zip(flagged["unit"], flagged["code"], strict=True)) == [
        ("KOR", "ai_papers"), ("RUS", "ai_papers")]
    assert d.panel["inferred"].dtype == bool
    assert d.hash != read_data(long_of(WIDE), spec()).hash  # the flag is part of the data
    d.panel.to_csv(tmp_path / "panel.csv", index=False)  # the panel reads back, flags kept
    again = read_data(tmp_path / "panel.csv", spec())
    pd.testing.assert_frame_equal(again.panel, d.panel)
    assert again.hash == d.hash


def test_without_status_nothing_is_inferred():
    assert not read_data(long_of(WIDE), spec()).panel["inferred"].any()
    assert not read_data(WIDE, spec()).panel["inferred"].any()


def test_bad_status_names_the_rows():
    long = long_of(WIDE).assign(status="observed")
    long.loc[[1, 4], "status"] = "guess"
    long.loc[6, "status"] = "zero"
    err = read_error(long)
    assert [(i.code, i.value) for i in err.issues] == [("bad_status", "guess"),
                                                       ("bad_status", "zero")]
    assert "Rows 3, 6 have status 'guess'. Expected 'observed' or 'inferred' (empty: " \
           "observed)." in str(err)
    assert "Row 8 has status 'zero'." in str(err)


# -- the hash: array buffers, stable for equal data ------------------------------------------
def test_hash_ignores_row_and_column_order_and_tracks_every_value():
    base = read_data(WIDE, spec())
    shuffled = WIDE.iloc[[2, 0, 1], [3, 0, 4, 1, 2]]
    assert read_data(shuffled, spec()).hash == base.hash
    long = long_of(WIDE).sample(frac=1, random_state=3)[["value", "indicator", "country",
                                                          "year"]]
    assert read_data(long, spec()).hash == base.hash
    for col, row, cell in (("population", 2, "2.6000000000000001"), ("population", 2, "2.7"),
                           ("compute", 1, "0"), ("year", 2, "2024")):
        changed = WIDE.copy()
        changed.loc[row, col] = cell
        if cell == "2.6000000000000001":  # the same float64 as 2.6: the same data
            assert read_data(changed, spec()).hash == base.hash
        else:
            assert read_data(changed, spec()).hash != base.hash, (col, cell)
    grouped = spec(groups=["region"])
    one = read_data(WIDE.assign(region=["Europe", "Asia", "Africa"]), grouped).hash
    assert one != base.hash
    assert read_data(WIDE.assign(region=["Europe", "Asia", "Asia"]), grouped).hash != one
    assert read_data(WIDE.assign(name=["x", "y", "z"]), spec()).hash != base.hash


def test_negative_zero_and_nan_spellings_hash_alike():
    zero = WIDE.assign(compute=["0", "", "7"])
    assert read_data(zero.assign(compute=["-0", "nan", "7"]), spec()).hash == read_data(
        zero, spec()).hash


@given(st.permutations(range(6)), st.permutations(range(4)), st.integers(0, 5),
       st.integers(0, 2))
def test_hash_property(rows, cols, row, col):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(6, 3)).round(3),
                         columns=["ai_papers", "compute", "population"])
    frame.insert(0, "unit", list("ABCDEF"))
    custom = spec(kind="custom")
    base = read_data(frame, custom).hash
    assert read_data(frame.iloc[list(rows), list(cols)], custom).hash == base
    changed = frame.copy()
    changed.iloc[row, col + 1] += 0.5
    assert read_data(changed, custom).hash != base


# -- many bad cells: each named, the message summarised ------------------------------------------
def test_every_bad_cell_is_named_and_the_report_is_summarised(tmp_path):
    n = 2000
    frame = pd.DataFrame({"unit": [f"U{i}" for i in range(n)], "ai_papers": "abc",
                          "compute": "1", "population": "x"})
    frame.loc[5, "compute"] = "inf"
    f = tmp_path / "bad.csv"
    frame.to_csv(f, index=False)
    err = read_error(f, spec(kind="custom"))
    assert len(err.issues) == 2 * n + 1
    assert {i.loc[1:] for i in err.issues if i.code == "non_numeric"} == {
        (f"row {r}", c) for r in range(2, n + 2) for c in ("ai_papers", "population")}
    text = str(err)
    assert text.count("\n") == 21 and len(text) < 21 * (len(str(f)) + 120)
    assert text.endswith(f"... and {2 * n + 1 - 20} more ({2 * n - 20} non_numeric, "
                         "1 infinite)")


# -- Arrow's fast path and the general path parse alike ------------------------------------
NUMBERS = ["1", "+1", "-1", ".5", "5.", "1e5", "1E5", "1e+05", "00012", "1e-400",
           "0.1000000000000000055511151231257827", "2.2250738585072011e-308",
           "4.9406564584124654e-324", "9007199254740993", "0.30000000000000004",
           "123456789012345678901234567890", "-0"]


def test_fast_and_general_cell_paths_agree():
    clean = pd.DataFrame({"unit": [f"U{i}" for i in range(len(NUMBERS))], "ai_papers": NUMBERS,
                          "compute": "1", "population": "1"})
    marked = pd.concat([clean, pd.DataFrame({"unit": ["Z"], "ai_papers": ["n/a"],
                                             "compute": "1", "population": "1"})])
    custom = spec(kind="custom")
    fast = read_data(clean, custom).wide(["ai_papers"])[0]["ai_papers"]
    general = read_data(marked, custom).wide(["ai_papers"])[0]["ai_papers"]
    want = {f"U{i}": float(t) for i, t in enumerate(NUMBERS)}  # Python's correct rounding
    assert fast.to_dict() == want
    assert general.drop("Z").to_dict() == want
    # "nan" written out is a missing marker on both paths
    with_nan = clean.assign(compute=["nan"] + ["1"] * (len(NUMBERS) - 1))
    assert read_data(with_nan, custom).notes == (
        "1 empty or missing-marker cells read as missing (markers: ['nan'])",)


def test_hash_is_the_same_under_other_hash_seeds(tmp_path):
    f = tmp_path / "t.csv"
    long_of(WIDE).assign(status="observed").to_csv(f, index=False)
    code = ("import sys; from airank import IndexSpec, read_data; from tests.test_data import "
            "SPEC; print(read_data(sys.argv[1], IndexSpec.from_dict(SPEC)).hash)")
    seen = {subprocess.run([sys.executable, "-c", code, str(f)], capture_output=True,
                           text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout
            for seed in ("1", "2", "12345")}
    assert seen == {read_data(f, spec()).hash + "\n"}
