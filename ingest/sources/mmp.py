"""IOM Missing Migrants Project: any downloaded MMP file, or the live per-year feed, as tidy tables.

Flow: fetch/read bytes -> parse into raw text cells -> map the detected layout onto canonical fields
-> tidy (ids, dates, counts, countries, regions, coordinates) -> validate as `mmp_incidents`.
`aggregate` turns incidents into the `mmp_deaths` table the dashboard charts.
"""
from __future__ import annotations

import csv
import html
import io
import json
import math
import re
import warnings
import zipfile
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from ..countries import non_country_kind, split_names, to_iso3
from ..errors import IngestError
from ..http import Client
from ..report import Report
from ..schemas import SCHEMAS, empty, validate

FEED_PATH = "global-figures/{year}/json"

# How IOM groups incident regions on missingmigrants.iom.int; the old (up to 2020) names are included
# so files from every release land in the same groups.
REGION_GROUPS: dict[str, str] = {
    **dict.fromkeys(["North America", "Central America", "Caribbean", "South America", "US-Mexico Border"],
                    "Americas"),
    "Mediterranean": "Mediterranean",
    "Europe": "Europe",
    **dict.fromkeys(["Northern Africa", "Eastern Africa", "Middle Africa", "Southern Africa", "Western Africa",
                     "North Africa", "Horn of Africa", "Sub-Saharan Africa"], "Africa"),
    **dict.fromkeys(["Western Asia", "Central Asia", "Eastern Asia", "Southern Asia", "South-eastern Asia",
                     "Middle East", "East Asia", "South Asia", "Southeast Asia"], "Asia"),
}
MULTIPLE_GROUPS = "Multiple"

# Canonical field -> the column holding it, for every layout IOM has published (see the reference README).
_COMMON_COUNTS = {
    "missing": "Minimum Estimated Number of Missing", "survivors": "Number of Survivors",
    "females": "Number of Females", "males": "Number of Males", "children": "Number of Children",
}
LAYOUTS: dict[str, dict[str, str]] = {
    # Current "Global Figures allData" xlsx and its CSV twin (25 columns).
    "current full schema": {
        "main_id": "Main ID", "alt_id": "Incident ID", "region": "Region of Incident", "date": "Incident Date",
        "year": "Incident Year", "month": "Month", "dead": "Number of Dead",
        "total": "Total Number of Dead and Missing", **_COMMON_COUNTS, "origin": "Country of Origin",
        "cause": "Cause of Death", "country": "Country of Incident", "route": "Migration Route",
        "coords": "Coordinates", "url": "URL", "quality": "Source Quality",
    },
    # Kaggle "Global Missing Migrants Dataset" (19 columns): no ids, dates, URL or country of incident.
    "Kaggle 19-column": {
        "year": "Incident year", "month": "Reported Month", "region": "Region of Incident",
        "origin": "Country of Origin", "dead": "Number of Dead", "total": "Total Number of Dead and Missing",
        **_COMMON_COUNTS, "cause": "Cause of Death", "route": "Migration route", "coords": "Coordinates",
    },
    # Site download up to early 2020 (20 columns, Web ID, no nationality).
    "old 2020 schema": {
        "main_id": "Web ID", "region": "Region of Incident", "date": "Reported Date", "year": "Reported Year",
        "month": "Reported Month", "dead": "Number Dead", "total": "Total Dead and Missing", **_COMMON_COUNTS,
        "cause": "Cause of Death", "coords": "Location Coordinates", "route": "Migration Route", "url": "URL",
        "quality": "Source Quality",
    },
    # 2022 intermediate schema (24 columns, WKT POINT coordinates, no nationality; often cp1252).
    "2022 schema": {
        "main_id": "Main ID", "alt_id": "Incident ID", "region": "Region of Incident", "date": "Incident Date",
        "year": "Incident year", "month": "Reported Month", "dead": "Number of Dead",
        "total": "Total Number of Dead and Missing", **_COMMON_COUNTS, "cause": "Cause of Death",
        "route": "Migration route", "coords": "Coordinates", "quality": "Source Quality", "url": "URL",
    },
    # Current missingmigrants.iom.int export (22 columns, `Region`, no total column).
    "current site export": {
        "main_id": "Main ID", "alt_id": "Incident ID", "region": "Region", "date": "Incident Date",
        "year": "Year", "month": "Reported Month", "dead": "Number Dead", **_COMMON_COUNTS,
        "origin": "Country of Origin", "cause": "Cause of Death", "coords": "Coordinates",
        "route": "Migration route", "url": "URL", "quality": "Source Quality",
    },
    # The 2022 site export: like the current one but no nationality and a typo in the route header.
    "2022 site export": {
        "main_id": "Main ID", "alt_id": "Incident ID", "region": "Region", "date": "Incident Date",
        "year": "Year", "month": "Reported Month", "dead": "Number Dead", **_COMMON_COUNTS,
        "cause": "Cause of Death", "coords": "Coordinates", "route": "Migrantion route", "url": "URL",
        "quality": "Source Quality",
    },
    # The per-year JSON feed, and HDX's CSV copy of it (same keys as columns, usually with an HXL row).
    "JSON feed": {
        "main_id": "web_id", "region": "region", "date": "reported_date", "dead": "number_dead",
        "missing": "number_missing", "total": "total_dead_and_missing", "survivors": "number_of_survivors",
        "females": "number_of_female", "males": "number_of_male", "children": "number_of_children",
        "cause": "cause_death", "country": "country_of_incident", "coords": "location_coodinates",
        "route": "migration_route", "url": "url", "quality": "source_quality", "origin": "country_origin",
    },
}
# Columns a layout may lack without being another layout: the feed added country_origin in 2025.
_OPTIONAL = {"JSON feed": {"origin"}}
_FIELDS = ["main_id", "alt_id", "date", "year", "month", "region", "dead", "missing", "total", "survivors",
           "females", "males", "children", "origin", "country", "cause", "route", "coords", "quality", "url"]
_COUNT_FIELDS = ["dead", "missing", "survivors", "females", "males", "children"]
_TEXT_FIELDS = ["region", "origin", "country", "cause", "route", "quality", "url"]

_DATE_FORMATS = ("%Y-%m-%d", "%B %d, %Y", "%a, %m/%d/%Y - %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S",
                 "%b %d, %Y", "%d %B %Y")
_MONTHS = {m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                      "nov", "dec"], start=1)}
_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)"
_WKT_POINT = re.compile(rf"^POINT\s*\(\s*({_NUM})\s+({_NUM})\s*\)$", re.IGNORECASE)
_LAT_LON = re.compile(rf"^({_NUM})\s*,\s*({_NUM})$")
_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+$")
_EXCEL_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# An HXL hashtag ("#affected+killed"): what tells HDX's tag row from a data row whose cells start with '#'.
_HXL_TAG = re.compile(r"^#[A-Za-z][A-Za-z0-9_]*(\s*\+\s*[A-Za-z][A-Za-z0-9_]*)*$")
_INTEGER = re.compile(r"^[-+]?[0-9]+(\.0*)?$")
_DECIMAL = re.compile(r"^[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$")
_TOO_LARGE = object()  # a whole number beyond MAX_COUNT (see _whole_number)

# Largest file read_file accepts (bytes on disk; for an xlsx, the unzipped size of its parts). Reading
# costs about 10x the file size in memory (measured: 1.0 GB peak for a 100 MB CSV of the full schema,
# read in ~11 s); the largest MMP release, every incident since 2014, is about 10 MB as CSV and 2 MB as
# xlsx. 200 MB is 20x that and keeps a read under ~2-3 GB of memory on a laptop; anything larger is not
# an MMP download (or several concatenated), and is refused before it is read rather than exhausting memory.
MAX_FILE_BYTES = 200 * 1024 * 1024
# A count of people in one incident beyond this is a corrupt cell or a typo, not a count (the deadliest
# recorded shipwrecks are in the hundreds); such cells are left blank and counted. The bound also keeps
# dead + missing and any sum over rows far inside int64 (no silent overflow), and every accepted value
# is exact (below 2**53, so one read as a float, e.g. '1e3', is still the number written).
MAX_COUNT = 10**9
# The table's year range (from the schema, so the message and the check cannot drift apart).
_YEAR_RANGE = SCHEMAS["mmp_incidents"].columns["year"].checks[0].statistics
YEAR_MIN, YEAR_MAX = int(_YEAR_RANGE["min_value"]), int(_YEAR_RANGE["max_value"])

AGG_KEYS = ["year", "month", "region", "region_group", "country_of_incident_iso3", "origin", "origin_iso3",
            "origin_group", "cause_of_death", "migration_route"]
AGG_COUNTS = ["dead", "missing", "dead_and_missing", "survivors", "females", "males", "children"]


# ---------------------------------------------------------------------------------------------- public API

def read_file(path: Path, report: Report) -> pd.DataFrame:
    """Read any MMP file a user downloaded (xlsx, CSV, JSON feed, HDX copy) into validated mmp_incidents."""
    path = Path(path)
    raw, first_row = _parse_file(path, report)
    if raw is None:
        return empty("mmp_incidents")
    layout = _detect_layout(raw.columns, path)  # also for a header alone: one line of anything is not MMP
    if raw.empty:
        report.warn(f"{path.name}: the file has a header but no incident rows")
        return empty("mmp_incidents")
    has_origin = "origin" in LAYOUTS[layout] and _norm(LAYOUTS[layout]["origin"]) in {_norm(c) for c in raw.columns}
    frame = _canonical(raw, layout, source=path.name, has_origin=has_origin)
    def labels() -> pd.Series:
        return pd.Series([f"{path.stem}:{first_row + i}" for i in range(len(frame))], index=frame.index)
    if layout == "Kaggle 19-column":
        report.warn(f"{path.name}: the Kaggle copy filled unknown counts with 0, so 0 survivors/females/males/"
                    "children there may mean 'not known'; it has no incident ids (synthesised from row numbers)")
    return _tidy(frame, labels, report, where=path.name, unescape_html=layout == "JSON feed")


def fetch(client: Client, years: list[int], report: Report,
          progress: Callable[[int], Any] | None = None) -> pd.DataFrame:
    """Pull the per-year JSON feed for `years` and return validated mmp_incidents (source_file = URL)."""
    frames, labels = [], []
    for year in years:
        records, fetched = client.get_json(FEED_PATH.format(year=int(year)))
        frame = _feed_frame(records, fetched.url, report)
        if frame is not None:
            frames.append(frame)
            labels += [f"mmp-feed-{year}:{i + 1}" for i in range(len(frame))]
        if progress is not None:
            progress(1)
    if not frames:
        return empty("mmp_incidents")
    frame = _canonical(pd.concat(frames, ignore_index=True), "JSON feed", source="", has_origin=False)
    where = f"MMP feed {client.url(FEED_PATH.format(year='<year>'))}"
    return _tidy(frame, lambda: pd.Series(labels, index=frame.index), report, where=where, unescape_html=True)


def aggregate(incidents: pd.DataFrame) -> pd.DataFrame:
    """Sum incidents into validated mmp_deaths: one row per distinct key combination, NA keys kept."""
    if incidents.empty:
        return empty("mmp_deaths")
    counts = incidents[AGG_COUNTS].astype("Int64").fillna(0)  # blank = 0 in the sums
    frame = pd.concat([incidents[AGG_KEYS], counts], axis=1)
    grouped = frame.groupby(AGG_KEYS, dropna=False, sort=True)
    out = grouped[AGG_COUNTS].sum().join(grouped.size().rename("incidents")).reset_index()
    # dropna=False makes this impossible, but a lost row must never pass silently.
    if int(out["incidents"].sum()) != len(incidents):
        raise IngestError(f"aggregate: {len(incidents) - int(out['incidents'].sum())} incident(s) fell out of the "
                          "grouping; this is a bug, please report it with the input file")
    return validate("mmp_deaths", out[list(SCHEMAS["mmp_deaths"].columns)], "mmp_deaths aggregate")


# ---------------------------------------------------------------------------------------------- parse

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
    if size > MAX_FILE_BYTES:
        raise IngestError(f"{path}: the file{what} is {size / 2**20:,.0f} MB, more than the "
                          f"{MAX_FILE_BYTES // 2**20} MB this tool reads (the whole MMP dataset is about 10 MB); "
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
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = content.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise IngestError(f"{path}: neither UTF-8 nor Windows-1252 text (byte 0x{content[exc.start]:02X} at "
                          f"offset {exc.start}); save the file again as UTF-8 CSV") from None
    report.count("file decoded as Windows-1252 (not UTF-8)")
    return text


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
    known = {_norm(c) for layout in LAYOUTS.values() for c in layout.values()}
    for key in dict.fromkeys(keys):
        if key in known and keys.count(key) > 1:
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


def _feed_frame(records: Any, where: str, report: Report) -> pd.DataFrame | None:
    """Check a feed response (array of flat objects with the feed's keys) and frame it; None when empty."""
    if not isinstance(records, list):
        raise IngestError(f"{where}: expected a JSON array of incident objects, got a JSON "
                          f"{_json_type(records)}; check the URL (the feed is /global-figures/<year>/json)")
    if not records:
        report.warn(f"{where}: no incidents in this feed response (empty array)")
        return None
    layout = LAYOUTS["JSON feed"]
    required = {col for field, col in layout.items() if field not in _OPTIONAL["JSON feed"]}
    for i, record in enumerate(records):
        if not isinstance(record, dict):
            raise IngestError(f"{where}: record {i} is a JSON {_json_type(record)}, expected an object "
                              "with the feed's fields")
        lacking = required.difference(record)
        if lacking:
            raise IngestError(f"{where}: record {i} (web_id {record.get('web_id')!r}) lacks field(s) "
                              f"{', '.join(sorted(lacking))}; the feed format may have changed")
        nested = [key for key in layout.values() if isinstance(record.get(key), (dict, list))]
        if nested:
            # Every feed field is a string, number or null; an object or array there is another format.
            raise IngestError(f"{where}: record {i} (web_id {record.get('web_id')!r}) field {nested[0]} is a "
                              f"JSON {_json_type(record[nested[0]])}, expected a string, number or null; the feed "
                              "format may have changed")
    frame = pd.DataFrame.from_records(records)
    frame["source_file"] = where
    # The feed added nationality in 2025; earlier records lack the key, which is "not recorded", not "unknown".
    frame["_has_origin"] = [layout["origin"] in r for r in records]
    return frame


def _json_type(value: Any) -> str:
    """A decoded JSON value's type for messages: 'null', else the Python name (dict, list, str, int, ...)."""
    return "null" if value is None else type(value).__name__


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


def _detect_layout(columns: pd.Index, path: Path) -> str:
    """Name of the layout whose columns the header holds (the most specific one), else IngestError."""
    found = {_norm(c) for c in columns}
    verbatim = {str(c) for c in columns}
    candidates = []
    for name, layout in LAYOUTS.items():
        needed = {_norm(col) for field, col in layout.items() if field not in _OPTIONAL.get(name, ())}
        candidates.append((len(needed - found), -len(needed), name, needed - found))
    candidates.sort()
    lacking, _, name, missing = candidates[0]
    if lacking:
        # "Closest" for the message: the layout with most headers spelled exactly as in the file
        # (case-insensitive matching makes e.g. the full schema look like the 2022 one).
        overlap, _, name, missing = max(
            ((len(set(LAYOUTS[c[2]].values()) & verbatim), -c[0], c[2], c[3]) for c in candidates),
            key=lambda c: (c[0], c[1]))
        if overlap < 3:  # nothing alike: show what the current download looks like
            name = "current full schema"
            missing = {_norm(col) for col in LAYOUTS[name].values()} - found
        expected = [col for col in LAYOUTS[name].values() if _norm(col) in missing]
        raise IngestError(f"{path}: not a Missing Migrants Project file this tool knows. Columns found: "
                          f"{', '.join(map(str, columns))}. The closest layout ({name}) also needs: "
                          f"{', '.join(expected)}. Known layouts: {', '.join(LAYOUTS)}. Download the data again "
                          "from missingmigrants.iom.int/downloads (xlsx or CSV)")
    return name


def _norm(column: object) -> str:
    """Header key for matching: case and runs of spaces do not matter."""
    return " ".join(str(column).split()).casefold()


def _canonical(raw: pd.DataFrame, layout: str, source: str, has_origin: bool) -> pd.DataFrame:
    """Raw cells renamed to canonical fields (absent fields blank), plus source_file and _has_origin."""
    by_norm = {_norm(c): c for c in raw.columns}
    mapping = LAYOUTS[layout]
    out: dict[str, pd.Series] = {}
    for field in _FIELDS:
        column = by_norm.get(_norm(mapping[field])) if field in mapping else None
        out[field] = raw[column].astype("string") if column is not None else pd.Series(pd.NA, index=raw.index,
                                                                                         dtype="string")
    out["source_file"] = raw["source_file"] if "source_file" in raw.columns else pd.Series(source, index=raw.index)
    out["_has_origin"] = (raw["_has_origin"] if "_has_origin" in raw.columns
                          else pd.Series(has_origin, index=raw.index, dtype=bool))
    return pd.DataFrame(out, index=raw.index)


# ---------------------------------------------------------------------------------------------- tidy

def _tidy(frame: pd.DataFrame, labels: Callable[[], pd.Series], report: Report, where: str,
          unescape_html: bool = False) -> pd.DataFrame:
    """Canonical text fields -> validated mmp_incidents, recording every repair in `report`.

    `labels()` gives each row a 'file:row' label, the id of last resort (built only when an id is blank).
    """
    text = pd.DataFrame({field: _blank_to_na(frame[field].astype("string")) for field in _FIELDS}, index=frame.index)
    if unescape_html:
        text = _unescape(text, report)
    out: dict[str, pd.Series] = {}
    out["incident_id"] = _incident_ids(text["main_id"], text["alt_id"], labels, report)
    date = _dates(text["date"], report)
    out["incident_date"] = date
    out["year"] = _years(date, text["year"], out["incident_id"], report, where)
    out["month"] = _month_numbers(date, text["month"], report)
    out["region"] = text["region"]
    out["region_group"] = _region_groups(text["region"], report, where)
    out["country_of_incident"] = text["country"]
    out["country_of_incident_iso3"], _ = _countries(text["country"], report)
    out["origin"] = text["origin"]
    out["origin_iso3"], out["origin_group"] = _countries(text["origin"], report)
    if not frame["_has_origin"].all():
        # No Country of Origin in this release: the group is "not recorded", not "unknown".
        not_recorded = ~frame["_has_origin"].astype(bool).to_numpy()
        out["origin_iso3"], out["origin_group"] = out["origin_iso3"].mask(not_recorded), \
            out["origin_group"].mask(not_recorded)
        report.warn(f"{where}: {int(not_recorded.sum()):,} row(s) come from a release "
                    "without Country of Origin; nationality is blank for them")
    for field in _COUNT_FIELDS:
        out[field] = _counts(text[field], field, report)
    out["dead_and_missing"] = _totals(_counts(text["total"], "total", report), out["dead"], out["missing"], report)
    out["cause_of_death"] = text["cause"]
    out["migration_route"] = text["route"]
    out["lat"], out["lon"] = _coordinates(text["coords"], report)
    out["source_quality"] = text["quality"]
    out["url"] = text["url"]
    out["source_file"] = frame["source_file"].astype("string")
    columns = SCHEMAS["mmp_incidents"].columns
    # Text columns and the (by now complete) year get the schema's dtypes here, as pandera's coercion
    # would (astype), so validate finds a table it need not coerce.
    table = pd.DataFrame({name: out[name].astype(column.dtype.type) if name == "year" or column.dtype.type == "str"
                          else out[name] for name, column in columns.items()}).reset_index(drop=True)
    return validate("mmp_incidents", table, where)


def _blank_to_na(s: pd.Series) -> pd.Series:
    """Cell text without surrounding spaces; empty cells become <NA>."""
    s = s.str.strip()
    return s.mask(s.eq("").fillna(False).to_numpy(bool))  # an ndarray mask: same result, a third of the time


def _unescape(text: pd.DataFrame, report: Report) -> pd.DataFrame:
    """Decode HTML entities the feed leaves in text (e.g. 'Côte d&#039;Ivoire')."""
    text = text.copy()
    n = 0
    for field in _TEXT_FIELDS:
        has = text[field].str.contains("&", regex=False).fillna(False)
        if has.any():
            decoded = text.loc[has, field].map(html.unescape)
            n += int((decoded != text.loc[has, field]).sum())
            text.loc[has, field] = decoded
    report.count("HTML entities decoded in feed text", n)
    return text


def _incident_ids(main: pd.Series, alt: pd.Series, labels: Callable[[], pd.Series], report: Report) -> pd.Series:
    """Unique ids: Main ID (BOM stripped), Incident ID when Main ID repeats, '#n' suffix on repeats."""
    main_boms = main.str.contains("\ufeff", regex=False).fillna(False)
    alt_boms = alt.str.contains("\ufeff", regex=False).fillna(False)
    report.count("BOM (U+FEFF) stripped from incident id", int((main_boms | alt_boms).sum()))
    # (The cells are already trimmed, blanks <NA>: only a column with a BOM changes here.)
    if main_boms.any():
        main = _blank_to_na(main.str.replace("\ufeff", "", regex=False))
    if alt_boms.any():
        alt = _blank_to_na(alt.str.replace("\ufeff", "", regex=False))
    ids = main.fillna(alt)
    if ids.dropna().duplicated().any() and alt.notna().all() and not alt.duplicated().any():
        # Site exports repeat Main ID across split incidents; their Incident ID is the unique one.
        report.count("incident id taken from Incident ID (Main ID repeats)", len(alt))
        ids = alt
    blank = ids.isna()
    report.count("incident id synthesised from file and row (no id in source)", int(blank.sum()))
    if blank.any():
        ids = ids.fillna(labels().astype("string"))
    if not ids.duplicated().any():
        return ids
    nth = ids.groupby(ids, sort=False).cumcount()
    # Split incidents share an id in the feed: keep each one, numbered in file order ("#2", "#3", ...).
    report.count("repeated incident id suffixed #n", int((nth > 0).sum()))
    return ids.where(nth == 0, ids + "#" + (nth + 1).astype("string"))


def _dates(s: pd.Series, report: Report) -> pd.Series:
    """Calendar dates from every format MMP has used; unreadable text is counted and left blank."""
    parsed = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    todo = s.notna()
    outside = pd.Series(False, index=s.index)
    for fmt in _DATE_FORMATS:
        if not todo.any():
            break
        attempt = pd.to_datetime(s[todo].astype(object), format=fmt, errors="coerce")
        # pandas reads any year here (1066, 9999); only the table's years fit it (and datetime64[ns]).
        far = attempt.notna() & ~attempt.dt.year.between(YEAR_MIN, YEAR_MAX)
        outside.loc[far[far].index] = True
        parsed.loc[todo] = attempt.where(~far).astype("datetime64[ns]")
        todo &= parsed.isna() & ~outside
    report.count("unreadable incident date (left blank)", int(todo.sum()))
    report.count(f"incident date outside {YEAR_MIN}-{YEAR_MAX} (left blank)", int(outside.sum()))
    return parsed.dt.normalize()  # the site export stamps every date 12:00; only the day is data


def _years(date: pd.Series, column: pd.Series, ids: pd.Series, report: Report, where: str) -> pd.Series:
    """Year from the date, else the year column, else the id prefix ('2020.MMP01074' -> 2020)."""
    year = date.dt.year.astype("Int64")
    from_column, _, _ = _whole_numbers(column)
    year = year.fillna(from_column)
    lacking = year.isna()
    if lacking.any():  # only then is the id's prefix read
        prefix = ids[lacking].str.extract(r"^([0-9]{4})\.", expand=False)
        from_id = pd.to_numeric(prefix, errors="coerce").astype("Int64")
        report.count("year recovered from ID", int(from_id.notna().sum()))
        year = year.fillna(from_id)
    if year.isna().any():
        bad = year.isna()
        raise IngestError(f"{where}: {int(bad.sum())} row(s) have no date, year or year-prefixed id "
                          f"(first: incident {ids[bad].iloc[0]}); fill in the year or remove those rows")
    outside = ~year.between(YEAR_MIN, YEAR_MAX)
    if outside.any():
        raise IngestError(f"{where}: {int(outside.sum())} row(s) have a year outside {YEAR_MIN}-{YEAR_MAX} "
                          f"(first: incident {ids[outside].iloc[0]}, year {year[outside].iloc[0]}); fix the year "
                          "column or remove those rows")
    return year


def _month_numbers(date: pd.Series, column: pd.Series, report: Report) -> pd.Series:
    """Month 1-12 from the date, else from a month name/abbreviation or number."""
    month = date.dt.month.astype("Int64")
    codes, cells = _distinct(column)  # a dozen or so distinct texts
    key = cells.str.strip().str[:3].str.casefold()
    named = key.map(_MONTHS).astype("Int64")
    numeric = pd.to_numeric(cells.where(cells.str.fullmatch(r"\d{1,2}").fillna(False)), errors="coerce")
    named = _spread(named.fillna(numeric.where(numeric.between(1, 12)).astype("Int64")), codes, column.index)
    unreadable = month.isna() & column.notna() & named.isna()
    report.count("unreadable month (left blank)", int(unreadable.sum()))
    return month.fillna(named)


def _counts(s: pd.Series, field: str, report: Report) -> pd.Series:
    """Whole numbers: thousands separators removed, negatives (IOM corrections) kept, blank = <NA>."""
    codes, cells = _distinct(s)  # a count column holds a few hundred distinct texts
    rows = np.bincount(codes, minlength=len(cells))  # rows per distinct text
    thousands = cells.str.fullmatch(_THOUSANDS.pattern).fillna(False)
    report.count("thousands separator removed from a count", int(rows[thousands.to_numpy(bool)].sum()))
    cleaned = cells.where(~thousands, cells.str.replace(",", "", regex=False))
    number, unreadable, too_large = _whole_numbers_of(cleaned)
    report.count(f"unreadable number in {field} (left blank)", int(rows[unreadable.to_numpy(bool)].sum()))
    report.count(f"number beyond {MAX_COUNT:,} in {field} (left blank)", int(rows[too_large.to_numpy(bool)].sum()))
    number = _spread(number, codes, s.index)
    # Negative cells net a correction into the source's total; taking absolute values would double count.
    report.count(f"negative {field} kept (IOM correction)", int((number < 0).fillna(False).sum()))
    return number


def _whole_numbers(s: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Exact whole numbers of text cells (Int64), and masks of the unreadable and the too-large ones."""
    codes, cells = _distinct(s)
    number, unreadable, too_large = _whole_numbers_of(cells)
    return _spread(number, codes, s.index), _spread(unreadable, codes, s.index), _spread(too_large, codes, s.index)


def _whole_numbers_of(cells: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """_whole_numbers cell by cell (for distinct cells, see _distinct)."""
    blank = cells.isna().to_numpy(bool)
    parsed = [None if is_blank else _whole_number(cell) for cell, is_blank in zip(cells.tolist(), blank)]
    # Built from Python ints, not via Series.map: map would turn them into floats (inexact beyond 2**53).
    number = pd.Series(pd.array([v if type(v) is int else None for v in parsed], dtype="Int64"), index=cells.index)
    too_large = pd.Series([v is _TOO_LARGE for v in parsed], index=cells.index, dtype=bool)
    unreadable = ~pd.Series(blank, index=cells.index) & number.isna() & ~too_large
    return number, unreadable, too_large


def _distinct(s: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Each row's code and the distinct cells (<NA> included), to do per-cell work once per distinct text."""
    codes, cells = pd.factorize(s, use_na_sentinel=False)
    return codes, pd.Series(cells.array, dtype=s.dtype)


def _spread(per_cell: pd.Series, codes: np.ndarray, index: pd.Index) -> pd.Series:
    """Values computed per distinct cell (see _distinct) put back on every row."""
    return pd.Series(per_cell.array.take(codes), index=index)


def _whole_number(cell: str) -> int | object | None:
    """'12', '-3', '+4', '7.0', '1e3' -> int; beyond MAX_COUNT -> _TOO_LARGE; anything else -> None."""
    if _INTEGER.match(cell):
        digits = cell.split(".")[0]
        if len(digits.lstrip("+-0")) > 18:  # also keeps int() clear of Python's 4,300-digit limit
            return _TOO_LARGE
        value = int(digits)  # exact (no float rounding)
    elif _DECIMAL.match(cell):
        number = float(cell)
        if not math.isfinite(number):
            return _TOO_LARGE
        if number != math.floor(number):
            return None  # 2.5 people is not a count
        value = int(number)
    else:
        return None
    return value if abs(value) <= MAX_COUNT else _TOO_LARGE


def _totals(total: pd.Series, dead: pd.Series, missing: pd.Series, report: Report) -> pd.Series:
    """The source's own total when it has one, else dead + missing with blanks as 0."""
    computed = dead.fillna(0) + missing.fillna(0)
    has = total.notna()
    report.count("total computed as dead + missing (no total in source)", int((~has).sum()))
    report.count("source total differs from dead + missing (source total kept)",
                 int((has & (total != computed)).fillna(False).sum()))
    return total.where(has, computed).astype("Int64")


def _region_groups(region: pd.Series, report: Report, where: str) -> pd.Series:
    """IOM's region group per incident region; multi-region cells get the shared group or 'Multiple'."""
    lookup = {k.casefold(): v for k, v in REGION_GROUPS.items()}
    groups: dict[str, str | None] = {}
    for cell, n in region.value_counts().items():  # once per distinct region string
        parts = [p.strip() for p in cell.split(",") if p.strip()]
        found = {lookup.get(p.casefold()) for p in parts}
        if None in found:
            unknown = [p for p in parts if p.casefold() not in lookup]
            report.warn(f"{where}: unknown incident region {', '.join(map(repr, unknown))} in {n:,} row(s); "
                        "region_group left blank (add it to REGION_GROUPS if IOM introduced a new region)")
            groups[cell] = None
            continue
        if len(parts) > 1:
            report.count("multi-region incident", int(n))
            if len(found) > 1:
                report.count(f"multi-region incident across region groups ({MULTIPLE_GROUPS})", int(n))
        groups[cell] = found.pop() if len(found) == 1 else MULTIPLE_GROUPS
    return region.map(groups).astype("string")


def _countries(cells: pd.Series, report: Report) -> tuple[pd.Series, pd.Series]:
    """';'-joined ISO3 codes and the origin group (single/multiple/unknown/mixed) per cell."""
    distinct = cells.value_counts()
    parts = {cell: split_names(cell) for cell in distinct.index}
    codes = to_iso3(name for names in parts.values() for name in names)
    iso3: dict[Any, Any] = {}
    group: dict[Any, Any] = {}
    for cell, names in parts.items():
        real = list(dict.fromkeys(n for n in names if non_country_kind(n) is None))
        kinds = {non_country_kind(n) for n in names} - {None}
        for name in real:
            if codes[name] is None:  # never guessed: the name stays in `origin`, only its code is blank
                report.count(f"unmatched country name: {name}", int(distinct[cell]))
        matched = list(dict.fromkeys(codes[n] for n in real if codes[n]))
        iso3[cell] = ";".join(matched) if matched else pd.NA
        if not real:
            group[cell] = "mixed" if "mixed" in kinds else "unknown"
        elif len(real) == 1 and not kinds:
            group[cell] = "single"
        else:
            group[cell] = "multiple"
    # A blank cell is "unknown" nationality (its code stays blank).
    row_codes, each = _distinct(cells)
    blank = each.isna().tolist()
    iso3_of = pd.Series([pd.NA if b else iso3[c] for c, b in zip(each.tolist(), blank)], dtype="string")
    group_of = pd.Series(["unknown" if b else group[c] for c, b in zip(each.tolist(), blank)], dtype="string")
    return _spread(iso3_of, row_codes, cells.index), _spread(group_of, row_codes, cells.index)


def _coordinates(s: pd.Series, report: Report) -> tuple[pd.Series, pd.Series]:
    """Latitude and longitude from "lat, lon" or WKT "POINT (lon lat)" (longitude first in WKT)."""
    lat_text, lon_text = [], []
    for cell in s.to_numpy(dtype=object, na_value=None):  # a plain loop: str.extract costs 10x more here
        found = None if cell is None else _WKT_POINT.search(cell)
        if found:
            lon_cell, lat_cell = found.groups()
        else:
            found = None if cell is None else _LAT_LON.search(cell)
            lat_cell, lon_cell = found.groups() if found else (None, None)
        lat_text.append(lat_cell)
        lon_text.append(lon_cell)
    lat = pd.to_numeric(pd.Series(lat_text, index=s.index, dtype=s.dtype), errors="coerce").astype("float64")
    lon = pd.to_numeric(pd.Series(lon_text, index=s.index, dtype=s.dtype), errors="coerce").astype("float64")
    unreadable = s.notna() & (lat.isna() | lon.isna())
    report.count("unreadable coordinates (left blank)", int(unreadable.sum()))
    out_of_range = (lat.abs() > 90) | (lon.abs() > 180)
    report.count("coordinates out of range (left blank)", int(out_of_range.sum()))
    keep = ~out_of_range & lat.notna() & lon.notna()
    return lat.where(keep), lon.where(keep)
