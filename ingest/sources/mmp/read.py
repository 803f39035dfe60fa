"""Reading a file a user downloaded: file-kind detection (xlsx, CSV, JSON feed, HDX copy) and raw cells."""
from __future__ import annotations

import csv
import io
import json
import re
import sys
import warnings
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from ...errors import IngestError
from ...textdecode import decode_text
from ...report import Report
from ...schemas import empty
from .columns import _canonical, _norm, field_of, map_columns, release_of
from .fetch import _feed_frame
from .tidy import _tidy

_EXCEL_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# An HXL hashtag ("#affected+killed"): what tells HDX's tag row from a data row whose cells start with '#'.
_HXL_TAG = re.compile(r"^#[A-Za-z][A-Za-z0-9_]*(\s*\+\s*[A-Za-z][A-Za-z0-9_]*)*$")


# Largest file read_file accepts (bytes on disk; for an xlsx, the unzipped size of its parts). Reading
# costs about 10x the file size in memory (measured: 1.0 GB peak for a 100 MB CSV of the full schema,
# read in ~11 s); the largest MMP release, every incident since 2014, is about 10 MB as CSV and 2 MB as
# xlsx. 200 MB is 20x that and keeps a read under ~2-3 GB of memory on a laptop; anything larger is not
# an MMP download (or several concatenated), and is refused before it is read rather than exhausting memory.
MAX_FILE_BYTES = 200 * 1024 * 1024


# The site's downloads carry their export time in the name: MissingMigrants-Global-2024-04-10--23_23_37.csv
# (and, in 2020, MissingMigrants-Global-2020-01-08T14-05-32.csv).
_NAME_STAMP = re.compile(r"MissingMigrants-[A-Za-z]+-(\d{4}-\d{2}-\d{2})(?:--|T)(\d{2})[-_:](\d{2})[-_:](\d{2})")


def stamped_time(name: str) -> str | None:
    """The export time the MMP site writes into a download's file name, as ISO text
    ('2024-04-10T23:23:37', the site's clock, no time zone), else None."""
    found = _NAME_STAMP.search(name)
    if found is None:
        return None
    day, hh, mm, ss = found.groups()
    try:
        return datetime.fromisoformat(f"{day}T{hh}:{mm}:{ss}").isoformat()
    except ValueError:  # e.g. month 13: not a time
        return None


def read_file(path: Path, report: Report) -> pd.DataFrame:
    """Read any MMP file a user downloaded (xlsx, CSV, JSON feed, HDX copy) into validated mmp_incidents."""
    path = Path(path)
    raw, first_row = _parse_file(path, report)
    if raw is None:
        return empty("mmp_incidents")
    mapping = map_columns(raw.columns, path)  # also for a header alone: one line of anything is not MMP
    if raw.empty:
        report.warn(f"{path.name}: the file has a header but no incident rows")
        return empty("mmp_incidents")
    frame, extras = _canonical(raw, mapping, source=path.name)
    def labels() -> pd.Series:
        return pd.Series([f"{path.stem}:{first_row + i}" for i in range(len(frame))], index=frame.index)
    release = release_of(mapping)
    if release == "Kaggle 19-column":
        report.warn(f"{path.name}: the Kaggle copy filled unknown counts with 0, so 0 survivors/females/males/"
                    "children there may mean 'not known'; it has no incident ids (synthesised from row numbers)")
    return _tidy(frame, labels, report, where=path.name, unescape_html=release == "JSON feed", extras=extras)



def _parse_file(path: Path, report: Report) -> tuple[pd.DataFrame | None, int]:
    """Raw text cells of a file and the row number of its first data row (None for an empty feed)."""
    try:
        _check_size(path.stat().st_size, path, "")
        content = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"{path}: cannot read the file ({exc.strerror or exc}); check the path") from None
    if not content.strip():
        raise IngestError(f"{path}: the file is empty; download it again from missingmigrants.iom.int/downloads")
    if content.startswith(_EXCEL_MAGIC):
        raw = _read_excel(content, path)
    else:
        text = _decode(content, path, report)
        if not text.strip():  # e.g. nothing but a BOM
            raise IngestError(f"{path}: the file is empty; download it again from missingmigrants.iom.int/downloads")
        if text.lstrip()[:1] in ("[", "{"):
            return _feed_frame(_load_json(text, path), path.name, report), 1
        raw = _read_csv(text, path, report)
    if len(raw.columns) == 0:
        raise IngestError(f"{path}: no header row found (empty sheet?); download the data again")
    raw.columns = [_clean_header(c) for c in raw.columns]
    _check_duplicate_columns(raw.columns, path)
    raw, dropped = _drop_hxl_row(raw, report)
    return raw, 2 + dropped  # spreadsheet numbering: the header is row 1


def _check_size(size: int, path: Path, what: str) -> None:
    """Refuse a file over MAX_FILE_BYTES before reading it (see MAX_FILE_BYTES)."""
    # Read through the package so `mmp.MAX_FILE_BYTES` stays the one setting (tests lower it).
    limit = getattr(sys.modules[__package__], "MAX_FILE_BYTES", MAX_FILE_BYTES)
    if size > limit:
        raise IngestError(f"{path}: the file{what} is {size / 2**20:,.0f} MB, more than the "
                          f"{limit // 2**20} MB this tool reads (the whole MMP dataset is about 10 MB); "
                          "check it is an MMP download, or split it by year")


def _read_excel(content: bytes, path: Path) -> pd.DataFrame:
    """First sheet of an xlsx/xls workbook, every cell as text (calamine: several times faster than openpyxl)."""
    if content.startswith(b"PK"):
        # An xlsx is a zip: its parts are unpacked in memory, so their unzipped size is what counts.
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                unzipped = sum(info.file_size for info in archive.infolist())
        except (zipfile.BadZipFile, ValueError, OSError):
            unzipped = 0  # not a readable zip: calamine says so below
        _check_size(unzipped, path, " unzipped")
    try:
        return pd.read_excel(io.BytesIO(content), sheet_name=0, engine="calamine", dtype=str, keep_default_na=False)
    except Exception as exc:  # calamine raises its own error types for corrupt workbooks
        raise IngestError(f"{path}: cannot read the workbook ({exc}); re-download it or save it again "
                          "as .xlsx (a .zip download must be unzipped first)") from None


def _decode(content: bytes, path: Path, report: Report) -> str:
    """Text of a CSV/JSON file: UTF-8 (BOM allowed), UTF-16 with a BOM, else Windows-1252 as IOM's 2022 files use."""
    if content.startswith(_UTF16_BOMS):
        # Excel's "Unicode text" and some editors save UTF-16; its BOM says so unambiguously.
        try:
            text = content.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise IngestError(f"{path}: starts like UTF-16 text but byte offset {exc.start} is not UTF-16; "
                              "save the file again as UTF-8 CSV") from None
        report.count("file decoded as UTF-16 (not UTF-8)")
        return text
    nul = content.find(b"\x00")
    if nul >= 0:
        # No text encoding IOM uses has NUL bytes: UTF-16 without its BOM, or not a text file at all.
        raise IngestError(f"{path}: NUL byte at offset {nul}: not a CSV or JSON text file (UTF-16 without a "
                          "byte-order mark, or a binary file); save it again as UTF-8 CSV or xlsx")
    # Strict UTF-8; a few stray bytes in a UTF-8 file are repaired and reported with examples (never
    # mojibake for the whole file); a wholly Windows-1252 file (IOM's 2022 files) is decoded as such.
    return decode_text(content, path.name, report)


def _read_csv(text: str, path: Path, report: Report) -> pd.DataFrame:
    """Every CSV cell as text; blanks stay '' so 'NA' or 'None' in a cell is never taken for missing."""
    if "\n" in text and re.search(r"\r(?!\n)", text):
        # pandas ends a row at a lone CR even inside a line that ends in LF: a CR in an unquoted cell
        # (e.g. "\r=1+2") would split one row into two, inventing a row and shifting values.
        _check_lone_carriage_returns(text, path)
    # index_col=False: by default pandas turns the first column into the index when the rows have one
    # more cell than the header (a trailing comma), shifting every value into the wrong column.
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", pd.errors.ParserWarning)
            # UTF-8 bytes: pandas parses them faster than the same text from a StringIO. (Keep dtype=str:
            # with object columns pandas drops one all-blank column beyond the header without a warning.)
            raw = pd.read_csv(io.BytesIO(text.encode("utf-8")), dtype=str, keep_default_na=False, index_col=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
        raise IngestError(f"{path}: not a readable CSV file ({str(exc).strip()}); re-download it") from None
    if any(issubclass(w.category, pd.errors.ParserWarning) for w in caught):
        # pandas dropped cells beyond the header's last column: fine when blank, data loss otherwise.
        _check_cells_beyond_header(text, path, report)
    return raw


def _check_lone_carriage_returns(text: str, path: Path) -> None:
    """IngestError naming the row when a CR that is not part of a line end sits outside quotes."""
    rows = csv.reader(io.StringIO(text))  # splits lines at LF only; a CR outside quotes is an error here
    try:
        for _ in rows:
            pass
    except csv.Error:
        raise IngestError(f"{path} row {rows.line_num}: a carriage return (CR) inside an unquoted cell, in a file "
                          "whose lines end in LF, so where a row ends is ambiguous; quote that cell or remove the "
                          "CR, and save the file again") from None


def _check_cells_beyond_header(text: str, path: Path, report: Report) -> None:
    """IngestError naming the first row with a non-blank cell beyond the header, else count the blank ones."""
    rows = csv.reader(io.StringIO(text))
    try:
        width = len(next(rows))
        blank = 0
        for number, cells in enumerate(rows, start=2):
            extra = cells[width:]
            if any(c.strip() for c in extra):
                raise IngestError(f"{path} row {number}: {len(cells)} cells for {width} columns (values beyond the "
                                  "last header column); the file is damaged or its header lost a column")
            blank += bool(extra)
    except csv.Error as exc:
        raise IngestError(f"{path}: not a readable CSV file ({exc}); re-download it") from None
    report.count("empty cells beyond the last header column ignored (trailing commas)", blank)


def _check_duplicate_columns(columns: pd.Index, path: Path) -> None:
    """IngestError when a column some layout reads appears twice (which one holds the data is unknowable)."""
    # pandas renames a repeated header 'X' to 'X.1'; case and spacing do not make columns distinct either.
    present = {str(c) for c in columns}
    keys = []
    for column in map(str, columns):
        base, dot, suffix = column.rpartition(".")
        keys.append(_norm(base if dot and suffix.isdigit() and base in present else column))
    for key in dict.fromkeys(keys):
        if field_of(key) is not None and keys.count(key) > 1:
            positions = [i for i, k in enumerate(keys) if k == key]
            raise IngestError(f"{path}: column {str(columns[positions[0]])!r} appears {len(positions)} times "
                              f"(columns {', '.join(str(i + 1) for i in positions)}); keep one and save the file "
                              "again")


def _load_json(text: str, path: Path) -> Any:
    """Decoded JSON, or an IngestError naming the file and position."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise IngestError(f"{path}: malformed or truncated JSON ({exc.msg} at line {exc.lineno}, "
                          f"column {exc.colno}); download it again") from None
    except RecursionError:
        raise IngestError(f"{path}: JSON nested too deeply to be an MMP feed (a flat array of incident "
                          "objects); download it again") from None



def _clean_header(name: object) -> str:
    """Header text without BOM (including one mis-decoded as cp1252) or surrounding spaces."""
    return str(name).replace("\ufeff", "").removeprefix("ï»¿").strip()


def _drop_hxl_row(raw: pd.DataFrame, report: Report) -> tuple[pd.DataFrame, int]:
    """Drop HDX's HXL hashtag row (the first data row, every non-empty cell a tag such as '#affected+killed')."""
    if raw.empty:
        return raw, 0
    cells = [str(c).strip() for c in raw.iloc[0].tolist() if c is not None and str(c).strip() not in ("", "nan")]
    if cells and all(_HXL_TAG.match(c) for c in cells):
        report.count("HXL hashtag row dropped")
        return raw.iloc[1:].reset_index(drop=True), 1
    return raw, 0

