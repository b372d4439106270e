"""Load a data table from a file or a DataFrame, its header exactly as written.

The one job: turn a source into a frame of cells, or a :class:`~airank.errors.DataError`
that says why not in the user's terms (a folder, a text file named ``.xlsx``, a sheet
that does not exist, a file that is not UTF-8, a column given twice). What the cells
mean is decided by :mod:`airank.data` and :mod:`airank.cells`.

CSV files are read with pandas' pyarrow engine (several times faster than the C
engine on large tables), falling back to the C engine for what pyarrow does not parse
(ragged rows, line breaks inside quotes); both keep every cell as text.
"""

from __future__ import annotations

import csv
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import DataError, Issue

__all__ = ["Table", "load_table"]

_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
         (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
_MAGIC = {".xlsx": b"PK\x03\x04", ".xlsm": b"PK\x03\x04", ".xls": b"\xd0\xcf\x11\xe0"}
_FORMATS = ".csv, .tsv, .txt, .xlsx, .xlsm, .xls or .parquet"


@dataclass(frozen=True)
class Table:
    """Cells as read, and where they came from.

    Attributes
    ----------
    frame : DataFrame
        One column per column of the source, named as its header cell (spaces stripped);
        text sources keep every cell as text.
    label : str
        The path, or ``"DataFrame"``.
    sheets : tuple of str
        Every sheet of an Excel workbook (empty for other sources).
    sheet : str or None
        The sheet read.
    notes : tuple of str
        How the source was read, when it is worth saying (an encoding other than UTF-8).
    """

    frame: pd.DataFrame
    label: str
    sheets: tuple[str, ...] = ()
    sheet: str | None = None
    notes: tuple[str, ...] = ()


def load_table(source: str | Path | pd.DataFrame, *, sheet: str | int = 0,
               index_names: tuple[str, ...] = ()) -> Table:
    """Read ``source`` into a :class:`Table`.

    Parameters
    ----------
    source : path or DataFrame
        A ``.csv``/``.tsv``/``.txt`` (UTF-8, or UTF-16/32 with a byte-order mark),
        ``.xlsx``/``.xlsm``/``.xls`` or ``.parquet`` file, or a DataFrame.
    sheet : str or int
        The Excel sheet, by name or position (0 = the first).
    index_names : tuple of str
        A DataFrame whose index has one of these names gets it back as a column.

    Raises
    ------
    DataError
        ``no_file``, ``unreadable``, ``bad_format``, ``unknown_sheet`` or
        ``duplicate_column`` (every repeated header listed).
    """
    if isinstance(source, pd.DataFrame):
        frame = source.reset_index() if source.index.name in index_names else source.copy()
        table = Table(frame, "DataFrame")
    else:
        table = _read_file(Path(source), sheet)
    table.frame.columns = [str(c).strip() for c in table.frame.columns]
    DataError.collect(_duplicate_columns(list(table.frame.columns), table.label),
                      f"Repeated column names in {table.label}")
    return table


def _read_file(p: Path, sheet: str | int) -> Table:
    if p.is_dir():
        raise DataError([Issue((str(p),), "no_file", f"'{p}' is a directory, not a data file. "
                               f"Give the path of a {_FORMATS} file.", str(p))])
    if not p.is_file():
        raise DataError([Issue((str(p),), "no_file", f"Data file '{p}' does not exist.",
                               str(p))])
    suffix = p.suffix.lower()
    try:
        if suffix in (".csv", ".txt", ".tsv"):
            return _read_csv(p, "\t" if suffix == ".tsv" else ",")
        if suffix in _MAGIC:
            return _read_excel(p, suffix, sheet)
        if suffix == ".parquet":
            return Table(pd.read_parquet(p), str(p))
    except DataError:
        raise
    except (ValueError, OSError, ImportError, KeyError, zipfile.BadZipFile) as exc:
        raise DataError([Issue((str(p),), "unreadable", f"Cannot read '{p}': {exc}")]) from None
    raise DataError([Issue((str(p),), "bad_format", f"Unknown data format '{suffix}'. "
                           f"Expected {_FORMATS}.", suffix)])


def _read_csv(p: Path, sep: str) -> Table:
    with p.open("rb") as fh:
        head = fh.read(4)
    encoding = "utf-8-sig"
    notes: tuple[str, ...] = ()
    for bom, enc in _BOMS:
        if head.startswith(bom):
            encoding, notes = enc, (f"read as {enc.upper()} text (the file starts with a "
                                    "byte-order mark)",)
            break
    # keep_default_na=False: "NA" is Namibia's ISO2 code; the cell rules find missing
    kw = {"dtype": str, "keep_default_na": False, "encoding": encoding, "sep": sep}
    try:
        try:
            frame = pd.read_csv(p, engine="pyarrow", **kw)  # type: ignore[call-overload]
        except UnicodeDecodeError:
            raise
        except Exception:  # what pyarrow cannot parse, the C engine reads or explains
            # index_col=False: a row with more cells than the header is an error, not
            # a hint that the first column is an index
            with warnings.catch_warnings():
                warnings.simplefilter("error", pd.errors.ParserWarning)
                try:
                    frame = pd.read_csv(p, index_col=False, **kw)  # type: ignore[call-overload]
                except (pd.errors.ParserWarning, pd.errors.ParserError) as exc:
                    raise _ragged(p, encoding, sep, exc) from None
        header = pd.read_csv(p, header=None, nrows=1, **kw)  # type: ignore[call-overload]
    except UnicodeDecodeError:
        raise _not_text(p, encoding) from None
    if header.shape[1] == frame.shape[1]:  # pandas renames a repeated header 'x' to 'x.1'
        frame.columns = [str(c) for c in header.iloc[0]]
    return Table(frame, str(p), notes=notes)


def _ragged(p: Path, encoding: str, sep: str, exc: Exception) -> DataError:
    """The first row with more cells than the header (else pandas' own message)."""
    with p.open(encoding=encoding, newline="") as fh:
        reader = csv.reader(fh, delimiter=sep)
        width = len(next(reader, []))
        line, n = next(((reader.line_num, len(r)) for r in reader if len(r) > width), (0, 0))
    if not line:
        return DataError([Issue((str(p),), "unreadable", f"Cannot read '{p}': {exc}")])
    return DataError([Issue((str(p), f"line {line}"), "unreadable", (
        f"Cannot read '{p}': line {line} has {n} cells but the header has {width}. Every "
        "row needs at most one cell per column (quote cells that contain the separator)."),
        n)])


def _not_text(p: Path, encoding: str) -> DataError:
    """Where the bytes stop being ``encoding`` text, and what to do about it."""
    data = p.read_bytes()
    try:
        data.decode(encoding)
        where, byte = "", ""
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        where, byte = f" at line {line}", f" (byte 0x{data[exc.start]:02X})"
    name = "UTF-8" if encoding == "utf-8-sig" else encoding.upper()
    return DataError([Issue((str(p),), "unreadable", (
        f"Cannot read '{p}': it is not {name} text{where}{byte}. It was probably saved as "
        "Latin-1/Windows-1252: save it again as 'CSV UTF-8' (Excel) or convert it, e.g. "
        f"`iconv -f cp1252 -t utf-8 '{p.name}'`."), name)])


def _read_excel(p: Path, suffix: str, sheet: str | int) -> Table:
    with p.open("rb") as fh:
        head = fh.read(8)
    if not head.startswith(_MAGIC[suffix]):
        kind = "text" if _is_text(head) else "not a workbook"
        raise DataError([Issue((str(p),), "unreadable", (
            f"Cannot read '{p}': it is not an Excel workbook ({kind}; it starts with "
            f"{head!r}). If it is a CSV table, rename it to .csv."), suffix)])
    with pd.ExcelFile(p) as book:
        sheets = tuple(str(s) for s in book.sheet_names)
        name = _sheet_name(sheet, sheets, str(p))
        frame = pd.read_excel(book, sheet_name=name, dtype=object, keep_default_na=False)
        header = pd.read_excel(book, sheet_name=name, header=None, nrows=1, dtype=object,
                               keep_default_na=False)
    if header.shape[1] == frame.shape[1]:
        frame.columns = [str(c) for c in header.iloc[0]]
    return Table(frame, str(p), sheets, name)


def _is_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(b >= 9 for b in head)


def _sheet_name(sheet: str | int, sheets: tuple[str, ...], label: str) -> str:
    """The sheet's name; a name not in the workbook or a position past its end: error."""
    if isinstance(sheet, int) and not isinstance(sheet, bool) and -len(sheets) <= sheet < len(
            sheets):
        return sheets[sheet]
    if isinstance(sheet, str) and sheet in sheets:
        return sheet
    if isinstance(sheet, str) and sheet.isdigit() and int(sheet) < len(sheets):
        return sheets[int(sheet)]  # "--sheet 1" from a command line
    raise DataError([Issue((label, "sheet"), "unknown_sheet", (
        f"The workbook has no sheet {sheet!r}. Its sheets: {list(sheets)} (or a position "
        f"0-{len(sheets) - 1})."), sheet)])


def _duplicate_columns(cols: list[str], label: str) -> list[Issue]:
    where: dict[str, list[int]] = {}
    for i, c in enumerate(cols, start=1):
        where.setdefault(c, []).append(i)
    return [Issue((label, c), "duplicate_column", (
        f"The column '{c}' is given {len(pos)} times (columns "
        + ", ".join(f"{i} ({_letter(i)})" for i in pos)
        + "). Column names must be unique: rename or remove the repeats."), c)
        for c, pos in where.items() if len(pos) > 1]


def _letter(i: int) -> str:
    """A spreadsheet column letter: 1 -> A, 27 -> AA."""
    out = ""
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out
