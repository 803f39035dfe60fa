"""Property-based tests: the MMP and FTS file readers fed malformed files (hypothesis).

Every generated file must end in one of two ways:

* an IngestError whose message names the file and says what is wrong, or
* validated tables with exactly as many rows as the generator wrote data rows (a row left out only
  through a documented, counted repair), counts and amounts as written (negative corrections kept,
  never abs()), every blanked cell counted in the report, and text cells kept as text: formula-like
  text ('=HYPERLINK(...)', '+1', '@SUM', a leading tab or CR) is stored verbatim apart from the
  documented trim of surrounding spaces; neutralising it is the exporters' job, not the readers'.

Any other exception fails the test with its traceback. Generators start from the real layouts
(`mmp.LAYOUTS`, the HDX FTS CSV headers and API JSON shapes of tests/fixtures) and mutate them:
dropped, renamed, repeated and extra columns, junk in cells, wrong encodings, wrong JSON shapes.
The number of generated cases tried per reader is printed when the module finishes (see `CASES`).
Locally each run explores new examples; in CI (CI set) the examples are derandomised so a red run
is reproducible.
"""
from __future__ import annotations

import copy
import csv
import html
import io
import itertools
import json
import math
import os
import re
import time
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any, Callable

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from ingest.errors import IngestError
from ingest.report import Report
from ingest.schemas import SCHEMAS
from ingest.sources import fts, mmp

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
MMP_FIX, FTS_FIX = FIXTURES / "mmp", FIXTURES / "fts"

CASES: Counter = Counter()  # reader -> files fed to it; 'reader read' / 'reader refused' -> outcomes
_names = itertools.count()


# HUMDASH_FUZZ_SCALE=10 tries ten times as many examples (a longer hunt; the default keeps this module
# near a minute on two cores).
SCALE = float(os.environ.get("HUMDASH_FUZZ_SCALE") or 1)


def fuzz(examples: int) -> settings:
    """Hypothesis settings: no deadline (pandas warms up), no example database in the work tree."""
    return settings(max_examples=max(1, round(examples * SCALE)), deadline=None, database=None,
                    derandomize=bool(os.environ.get("CI")),
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large, HealthCheck.filter_too_much])


@pytest.fixture(scope="module", autouse=True)
def _report_cases(request):
    """Print the number of cases tried per reader once the module is done."""
    yield
    line = "fuzzed reader cases: " + ", ".join(f"{k}={v:,}" for k, v in sorted(CASES.items()))
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if capture is not None:
        with capture.global_and_fixture_disabled():  # shown even though pytest captures output
            print("\n" + line)
    else:
        print(line)


def write(tmp_path: Path, suffix: str, content: bytes) -> Path:
    path = tmp_path / f"case{next(_names)}{suffix}"
    path.write_bytes(content)
    return path


def attempt(reader: str, path: Path, call: Callable[[Report], Any]) -> tuple[Any, Report, str | None]:
    """Run a reader; an IngestError must name the file and say more than that; anything else propagates."""
    CASES[reader] += 1
    report = Report()
    try:
        result = call(report)
    except IngestError as exc:
        CASES[f"{reader} refused"] += 1
        message = str(exc)
        assert path.name in message, f"message does not name the file: {message}"
        assert len(message) >= len(path.name) + 25 and "Traceback" not in message, message
        if currently_in_test_context():
            note(f"IngestError: {message}")
        return None, report, message
    CASES[f"{reader} read"] += 1
    return result, report, None


def read_mmp(path: Path) -> tuple[pd.DataFrame | None, Report, str | None]:
    frame, report, error = attempt("mmp", path, lambda r: mmp.read_file(path, r))
    if frame is not None:
        known = list(SCHEMAS["mmp_incidents"].columns)
        assert list(frame.columns[:len(known)]) == known  # then any source column no alias names, as text
        assert all(frame[c].dtype == frame["url"].dtype for c in frame.columns[len(known):])
        SCHEMAS["mmp_incidents"].validate(frame)  # returned tables are valid as returned
    return frame, report, error


def read_fts(path: Path) -> tuple[dict | None, Report, str | None]:
    tables, report, error = attempt("fts", path, lambda r: fts.read_files([path], r))
    if tables is not None:
        for name, table in tables.items():
            SCHEMAS[name].validate(table)
    return tables, report, error


def blank(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT


def same(got: Any, expected: Any) -> bool:
    return blank(expected) and blank(got) or (not blank(got) and got == expected)


# --------------------------------------------------------------------------------------------------
# Cell strategies: each draws (cell as written, what the table must hold)
# --------------------------------------------------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://example.invalid/x","click me")', "+1", "-1+1", "@SUM(A1:A9)", "\t=1+2",
            "\r=1+2", "=cmd|' /C calc'!A0", "#REF!", "'=quoted", "=1+1\n+2"]
REAL_TEXT = ["Drowning", "Venezuela (Bolivarian Republic of)", "Côte d'Ivoire", "Mixed", "Ethiopia,Somalia",
             "Central Mediterranean", "Türkiye", " Pima County, Arizona ", "Unknown", "Sickness and lack of access"]
# No surrogates (not text), no NUL (refused as binary), no C1 controls (latin-1 files are read as cp1252).
ALPHABET = st.characters(exclude_categories=("Cs",),
                         exclude_characters="\x00" + "".join(map(chr, range(0x80, 0xA0))))
HXL_LIKE = re.compile(r"^\s*#[A-Za-z]")


def _not_hxl(text: str) -> str:
    # A first row of hashtags only would be HDX's tag row (dropped, counted); keep data from looking so.
    return "x" + text if HXL_LIKE.match(text) else text


TEXT = st.one_of(st.sampled_from(REAL_TEXT), st.sampled_from(FORMULAS), st.text(ALPHABET, max_size=12),
                 st.just("")).map(_not_hxl)

HUGE = st.one_of(st.integers(min_value=2**63, max_value=10**40), st.integers(min_value=mmp.MAX_COUNT + 1,
                                                                             max_value=2**63))


@st.composite
def count_cell(draw) -> tuple[str, int | None, str]:
    """(cell, value the table must hold, what the reader must count: '' | 'unreadable' | 'large')."""
    kind = draw(st.sampled_from(["int", "int", "int", "thousands", "float", "padded", "blank", "huge", "junk",
                                 "fraction", "formula"]))
    value = draw(st.integers(min_value=-60, max_value=5000))
    if kind == "int":
        return str(value), value, ""
    if kind == "thousands":
        value = draw(st.integers(min_value=1000, max_value=99_999))
        return f"{value:,}", value, ""
    if kind == "float":
        return f"{value}.0", value, ""
    if kind == "padded":
        return f"  {value} ", value, ""
    if kind == "blank":
        return draw(st.sampled_from(["", "  "])), None, ""
    if kind == "huge":
        return str(draw(HUGE) * draw(st.sampled_from([1, -1]))), None, "large"
    if kind == "fraction":
        return f"{value}.5", None, "unreadable"
    if kind == "formula":
        return draw(st.sampled_from(["=1+1", "@SUM(A1)", "+1+1", "=HYPERLINK(\"x\")"])), None, "unreadable"
    return draw(st.sampled_from(["unknown", "n/a", "12 people", "NaN", "inf", "1O", "١٢", "1_000", "0x10"])), None, \
        "unreadable"


@st.composite
def date_cell(draw) -> tuple[str, pd.Timestamp | None, str]:
    """(cell, date the table must hold, '' | 'unreadable' | 'outside')."""
    kind = draw(st.sampled_from(["ok", "ok", "ok", "outside", "invalid", "blank"]))
    if kind == "ok":
        day = draw(st.dates(min_value=pd.Timestamp("2014-01-01").date(), max_value=pd.Timestamp("2025-12-31").date()))
        return day.isoformat(), pd.Timestamp(day), ""
    if kind == "outside":
        return draw(st.sampled_from(["1066-10-14", "9999-12-31", "1900-01-01", "2101-01-01", "1677-01-01"])), None, \
            "outside"
    if kind == "invalid":
        return draw(st.sampled_from(["2019-02-30", "2019-13-01", "0000-00-00", "yesterday", "=TODAY()",
                                     "2019-1-1x"])), None, "unreadable"
    return "", None, ""


# --------------------------------------------------------------------------------------------------
# MMP: CSV in every layout
# --------------------------------------------------------------------------------------------------

MMP_ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"]
MMP_TEXT_FIELDS = {"region": "region", "origin": "origin", "country": "country_of_incident",
                   "cause": "cause_of_death", "route": "migration_route", "quality": "source_quality", "url": "url"}
MMP_COUNT_FIELDS = ["dead", "missing", "survivors", "females", "males", "children"]


def mmp_decoded(content: bytes) -> str | None:
    """The text read_file decodes (None when it refuses the bytes): to know which cells must survive."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content.decode("utf-16")
    if b"\x00" in content:
        return None
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="strict")


@st.composite
def mmp_rows(draw, layout: str, n: int) -> list[dict[str, Any]]:
    """n rows of canonical field -> (cell, expected, flag) for `layout`."""
    fields = mmp.LAYOUTS[layout]
    rows = []
    for i in range(n):
        year = draw(st.integers(min_value=2014, max_value=2025))
        row: dict[str, Any] = {}
        if "main_id" in fields:
            main = f"{year}.MMP{i:05d}"
            row["main_id"] = (main, main, "")
            row["alt_id"] = (main, main, "")
        row["date"] = draw(date_cell())
        year_kind = draw(st.sampled_from(["same", "same", "same", "blank", "junk", "huge"]))
        date_year = row["date"][1].year if row["date"][1] is not None else year
        row["year"] = {"same": (str(date_year), date_year, ""), "blank": ("", None, ""),
                       "junk": ("n/a", None, ""), "huge": (str(draw(HUGE)), None, "")}[year_kind]
        row["month"] = (draw(st.sampled_from(["January", "Feb", "3", "12", "", "13", "=MONTH(A1)"])), None, "")
        row["region"] = draw(st.one_of(st.sampled_from(sorted(mmp.REGION_GROUPS)), TEXT).map(lambda t: (t, t, "")))
        for field in MMP_COUNT_FIELDS + ["total"]:
            row[field] = draw(count_cell())
        for field in ["origin", "country", "cause", "route", "quality", "url"]:
            row[field] = draw(TEXT.map(lambda t: (t, t, "")))
        row["coords"] = (draw(st.sampled_from(["31.65, -110.36", "POINT (26.2 39.3)", "", "91, 0", "x", "+1"])),
                         None, "")
        rows.append(row)
    return rows


def expected_year(row: dict, layout: str, used: set[str] | None = None) -> int | None:
    """The year read_file must give a row: the date's, else the year column's, else the id's
    (`used`: the fields the file's header really holds, by default all of the layout's)."""
    used = set(mmp.LAYOUTS[layout]) if used is None else used
    if "date" in used and row["date"][1] is not None:
        return row["date"][1].year
    if "year" in used and row["year"][1] is not None:
        return row["year"][1]
    if "main_id" in used or "alt_id" in used:
        return int(row["main_id"][0][:4])
    return None


@st.composite
def mmp_csv_case(draw):
    layout = draw(st.sampled_from(list(mmp.LAYOUTS)))
    fields = mmp.LAYOUTS[layout]
    n = draw(st.integers(min_value=0, max_value=6))
    rows = draw(mmp_rows(layout, n))
    columns: list[tuple[str, str | None]] = [(col, field) for field, col in fields.items()]
    mutation = draw(st.sampled_from(["none", "none", "none", "shuffle", "extra", "drop", "rename", "duplicate",
                                     "trailing comma"]))
    target = draw(st.integers(min_value=0, max_value=len(columns) - 1))
    if mutation == "shuffle":
        columns = draw(st.permutations(columns))
    elif mutation == "extra":
        columns.insert(target, ("Incident Type", None))
    elif mutation == "drop":
        del columns[target]
    elif mutation == "rename":
        col, field = columns[target]
        columns[target] = (draw(st.sampled_from([col.upper() + "!", col + " (old)", "", "Unnamed: 3"])), field)
    elif mutation == "duplicate":
        columns.append(columns[target])
    header = [c for c, _ in columns]
    body = [[row[field][0] if field else "Split Incident" for _, field in columns] for row in rows]
    if mutation == "trailing comma":
        body = [cells + [draw(st.sampled_from(["", "", "extra"]))] for cells in body]
    hxl = layout == "JSON feed" and draw(st.booleans())
    buffer = io.StringIO()
    terminator = draw(st.sampled_from(["\r\n", "\n"]))
    writer = csv.writer(buffer, lineterminator=terminator)
    writer.writerow(header)
    if hxl:
        writer.writerow(["#meta+" + (re.sub(r"[^a-z]", "", c.lower()) or "x") for c in header])
    writer.writerows(body)
    text = buffer.getvalue()
    encoding = draw(st.sampled_from(MMP_ENCODINGS))
    try:
        content = text.encode(encoding)
    except UnicodeEncodeError:
        encoding, content = "utf-8", text.encode("utf-8")
    # With LF line ends Python's csv writer leaves a cell holding a CR unquoted: ambiguous, to be refused.
    # (A CR ending the last cell of a line merges with the LF into a CRLF line end: not ambiguous.)
    lone_cr = terminator == "\n" and any(
        re.search(r"\r(?!$)" if j == len(cells) - 1 else r"\r", cell) and not re.search(r'[",\n]', cell)
        for cells in body for j, cell in enumerate(cells))
    return layout, rows, columns, mutation, body, encoding, content, text, lone_cr, hxl


@pytest.mark.slow
@fuzz(220)
@given(case=mmp_csv_case())
def test_mmp_csv_malformed(tmp_path, case):
    layout, rows, columns, mutation, body, encoding, content, text, lone_cr, hxl = case
    note(f"layout={layout} mutation={mutation} encoding={encoding} rows={len(rows)}")
    path = write(tmp_path, ".csv", content)
    frame, report, error = read_mmp(path)
    # The fields the header really names: a renamed column the aliases do not know is an extra column.
    used = {f for c, f in columns if f and mmp.field_of(c) == f}
    fields = {f: c for f, c in mmp.LAYOUTS[layout].items() if f in used}
    if lone_cr and mmp_decoded(content) == text:
        assert error is not None and "carriage return" in error, "a lone CR must not split a row in two"
        return
    if mutation == "duplicate" and columns[-1][0].strip():
        assert error is not None and "appears 2 times" in error, "a repeated column must not be half-read"
        return
    if mutation == "trailing comma" and any(cells[-1] for cells in body):
        assert error is not None, "a value beyond the header must not vanish"
        return
    exact = mmp_decoded(content) == text  # the bytes read back as written (cp1252 may read as UTF-8)
    years = [expected_year(r, layout, used) for r in rows]
    # Blank cells after the last column are ignored (counted), unless an HXL row fixed the width first.
    parses = (mutation in ("none", "shuffle", "extra") + (() if hxl else ("trailing comma",)) and exact
              and all(y is not None and mmp.YEAR_MIN <= y <= mmp.YEAR_MAX for y in years))
    if parses:
        assert error is None, f"a readable file was refused: {error}"
    if error is not None:
        return
    assert len(frame) == len(rows), "rows lost or invented"
    if not exact:
        return  # the text changed in decoding: only the row count is promised
    for field in MMP_COUNT_FIELDS:
        if field not in fields:
            continue
        for i, row in enumerate(rows):
            assert same(frame.at[i, field], row[field][1]), (field, row[field], frame.at[i, field])
        flags = [r[field][2] for r in rows]
        assert report.counts[f"unreadable number in {field} (left blank)"] == flags.count("unreadable")
        assert report.counts[f"number beyond {mmp.MAX_COUNT:,} in {field} (left blank)"] == flags.count("large")
        negatives = sum(1 for r in rows if (r[field][1] or 0) < 0)
        assert report.counts[f"negative {field} kept (IOM correction)"] == negatives
    for i, row in enumerate(rows):
        if "total" in fields and row["total"][1] is not None:
            assert frame.at[i, "dead_and_missing"] == row["total"][1]  # the source's own total, as written
        else:
            dead = row["dead"][1] if "dead" in fields else None  # a renamed column is not read
            missing = row["missing"][1] if "missing" in fields else None
            assert frame.at[i, "dead_and_missing"] == (dead or 0) + (missing or 0)
        assert same(frame.at[i, "incident_date"], row["date"][1] if "date" in fields else None)
        assert frame.at[i, "year"] == years[i]
        for field, column in MMP_TEXT_FIELDS.items():
            if field not in used:  # not in the layout, or an optional column dropped (origin: not recorded)
                continue
            cell = row[field][0].strip()
            if layout == "JSON feed" and "&" in cell:
                cell = html.unescape(cell)  # the feed's documented entity decoding (counted)
            assert same(frame.at[i, column], cell or None), (field, row[field][0], frame.at[i, column])
    if "date" in fields:
        flags = [r["date"][2] for r in rows]
        assert report.counts["unreadable incident date (left blank)"] == flags.count("unreadable")
        assert report.counts[f"incident date outside {mmp.YEAR_MIN}-{mmp.YEAR_MAX} (left blank)"] == \
            flags.count("outside")


@st.composite
def mmp_xlsx_case(draw):
    """The current schema as an xlsx: numbers as numeric cells or text, dates as date cells or text."""
    import datetime

    import openpyxl

    layout = "current full schema"
    rows = draw(mmp_rows(layout, draw(st.integers(min_value=0, max_value=5))))
    for row in rows:  # xlsx cannot hold most control characters, and turns CR LF into LF
        for field in MMP_TEXT_FIELDS:
            if re.search(r"[\x00-\x1f\x7f]", row[field][0]) and row[field][0] not in FORMULAS:
                row[field] = ("Drowning", "Drowning", "")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(mmp.LAYOUTS[layout].values()))
    for row in rows:
        cells = []
        for field in mmp.LAYOUTS[layout]:
            cell, value, _ = row[field]
            numeric = draw(st.booleans())
            if field in MMP_COUNT_FIELDS + ["total"] and numeric and re.fullmatch(r"-?[0-9]+", cell.strip()):
                cells.append(int(cell))  # a number cell (huge ones become floats, as Excel stores them)
            elif field == "date" and numeric and value is not None:
                cells.append(datetime.datetime(value.year, value.month, value.day, 12))
            else:
                cells.append(cell)
        sheet.append(cells)
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, even when it looks like a formula
    buffer = io.BytesIO()
    workbook.save(buffer)
    return rows, buffer.getvalue()


@pytest.mark.slow
@fuzz(30)
@given(case=mmp_xlsx_case())
def test_mmp_xlsx_malformed(tmp_path, case):
    rows, content = case
    frame, report, error = read_mmp(write(tmp_path, ".xlsx", content))
    years = [expected_year(r, "current full schema") for r in rows]
    if all(y is not None and mmp.YEAR_MIN <= y <= mmp.YEAR_MAX for y in years):
        assert error is None, f"a readable workbook was refused: {error}"
    if error is not None:
        return
    assert len(frame) == len(rows)
    for i, row in enumerate(rows):
        for field in MMP_COUNT_FIELDS:
            assert same(frame.at[i, field], row[field][1]), (field, row[field], frame.at[i, field])
        for field, column in MMP_TEXT_FIELDS.items():
            assert same(frame.at[i, column], row[field][0].strip() or None), (field, row[field][0])
        assert same(frame.at[i, "incident_date"], row["date"][1]) and frame.at[i, "year"] == years[i]


# --------------------------------------------------------------------------------------------------
# MMP: the JSON feed
# --------------------------------------------------------------------------------------------------

FEED_KEYS = list(mmp.LAYOUTS["JSON feed"].values()) + ["location_description", "unsd_geographic_grouping"]


@st.composite
def feed_value(draw, key: str) -> tuple[Any, Any, str]:
    field = next((f for f, k in mmp.LAYOUTS["JSON feed"].items() if k == key), None)
    if field in MMP_COUNT_FIELDS or field == "total":
        kind = draw(st.sampled_from(["text", "text", "number", "null", "huge", "float"]))
        if kind == "number":
            value = draw(st.integers(min_value=-60, max_value=5000))
            return value, value, ""
        if kind == "huge":
            return draw(HUGE), None, "large"
        if kind == "null":
            return None, None, ""
        if kind == "float":
            value = draw(st.integers(min_value=0, max_value=500))
            return float(value), value, ""
        return draw(count_cell())
    if field == "date":
        return draw(date_cell())
    if field == "main_id":
        return "", "", ""  # filled in by the case
    text = draw(TEXT)
    return text, text, ""


@st.composite
def feed_case(draw):
    n = draw(st.integers(min_value=0, max_value=6))
    records, expected = [], []
    for i in range(n):
        record, row = {}, {}
        for key in FEED_KEYS:
            value = draw(feed_value(key))
            record[key], row[key] = value[0], value
        web_id = f"{draw(st.integers(min_value=2014, max_value=2025))}.MMP{i:04d}"
        record["web_id"], row["web_id"] = web_id, (web_id, web_id, "")
        records.append(record)
        expected.append(row)
    mutation = draw(st.sampled_from(["none", "none", "none", "drop key", "nested", "record type", "top level",
                                     "truncate", "no origin", "extra keys", "nulls"]))
    doc: Any = records
    if records and mutation == "drop key":
        del records[draw(st.integers(0, n - 1))][draw(st.sampled_from(FEED_KEYS))]
    elif records and mutation == "nested":  # in a field the reader uses ("extra keys" covers the others)
        key = draw(st.sampled_from(list(mmp.LAYOUTS["JSON feed"].values())))
        records[draw(st.integers(0, n - 1))][key] = draw(st.sampled_from([{"value": 1}, [1, 2], {}, []]))
    elif records and mutation == "record type":
        records[draw(st.integers(0, n - 1))] = draw(st.sampled_from([None, "record", 3, [1]]))
    elif mutation == "top level":
        doc = draw(st.sampled_from([{"data": records}, {"error": "not found"}, None, "text", 1.5]))
    elif mutation == "no origin":
        for record in records:
            record.pop("country_origin")
    elif mutation == "extra keys":
        for record in records:
            record["unexpected"] = {"nested": [1, 2, 3]}
    elif records and mutation == "nulls":
        for record in records:
            record["region"] = None
    text = json.dumps(doc, ensure_ascii=draw(st.booleans()))
    if mutation == "truncate" and len(text) > 2:
        text = text[:draw(st.integers(min_value=1, max_value=len(text) - 2))]
    return mutation, expected, text


@pytest.mark.slow
@fuzz(120)
@given(case=feed_case())
def test_mmp_feed_malformed(tmp_path, case):
    mutation, rows, text = case
    note(f"mutation={mutation} rows={len(rows)}")
    path = write(tmp_path, ".json", text.encode("utf-8"))
    frame, report, error = read_mmp(path)
    if mutation in ("none", "no origin", "extra keys", "nulls"):
        assert error is None, f"a readable feed was refused: {error}"
    if mutation == "nested" and rows:
        assert error is not None and "expected a string, number or null" in error
    if error is not None:
        return
    assert len(frame) == len(rows)
    if mutation != "none":
        return
    layout = mmp.LAYOUTS["JSON feed"]
    for i, row in enumerate(rows):
        for field in MMP_COUNT_FIELDS:
            assert same(frame.at[i, field], row[layout[field]][1]), (field, row[layout[field]], frame.at[i, field])
        for field, column in MMP_TEXT_FIELDS.items():
            cell = (row[layout[field]][0] or "").strip()
            cell = html.unescape(cell) if "&" in cell else cell
            assert same(frame.at[i, column], cell or None), (field, row[layout[field]], frame.at[i, column])
        assert same(frame.at[i, "incident_date"], row["reported_date"][1])


# --------------------------------------------------------------------------------------------------
# FTS: HDX CSV exports
# --------------------------------------------------------------------------------------------------

def _csv_lines(name: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO((FTS_FIX / name).read_text(encoding="utf-8-sig"))))


FLOW_LINES = _csv_lines("fts_incoming_funding_ven.csv")
FLOW_HEADER, FLOW_HXL, FLOW_ROW = FLOW_LINES[0], FLOW_LINES[1], FLOW_LINES[2]
PLAN_LINES = _csv_lines("fts_requirements_funding_ven.csv")
PLAN_HEADER, PLAN_HXL = PLAN_LINES[0], PLAN_LINES[1]
CLUSTER_HEADER = _csv_lines("fts_requirements_funding_cluster_ven.csv")[0]


@st.composite
def money_cell(draw, required: bool, negative_ok: bool) -> tuple[str, int | None, str]:
    """(cell, value, 'error' when the reader must refuse the file, 'negative' when it blanks it)."""
    kind = draw(st.sampled_from(["int", "int", "int", "negative", "blank", "huge", "junk", "float"]))
    value = draw(st.integers(min_value=0, max_value=10**12))
    if kind == "int":
        return str(value), value, ""
    if kind == "float":
        return f"{value}.0", value, ""
    if kind == "negative":
        return str(-value - 1), -value - 1, "" if negative_ok else "negative"
    if kind == "blank":
        return "", None, "error" if required else ""
    if kind == "huge":
        return str(draw(st.integers(min_value=2**63, max_value=10**40))), None, "error"
    return draw(st.sampled_from(["n/a", "1,000", "12 USD", "=1+1", "1e5", "inf"])), None, "error"


def fts_date(draw) -> tuple[str, str]:
    """(cell, 'bad' when the reader must blank and count it)."""
    cell, value, flag = draw(date_cell())
    if cell == "1900-01-01":
        return cell, ""  # inside FTS's date range
    return cell, "bad" if flag else ""


def _mutate_header(draw, header: list[str], required: set[str]) -> tuple[list[str], str, int]:
    mutation = draw(st.sampled_from(["none", "none", "none", "drop", "rename", "duplicate", "extra"]))
    target = draw(st.integers(min_value=0, max_value=len(header) - 1))
    header = list(header)
    if mutation == "drop":
        del header[target]
    elif mutation == "rename":
        header[target] = header[target] + "_x"
    elif mutation == "duplicate":
        header.append(header[target])
    elif mutation == "extra":
        header.append("extraColumn")
    harmless = mutation in ("none", "extra") or (mutation in ("drop", "rename")
                                                 and FLOW_HEADER[target] not in required)
    return header, mutation if not harmless else "none", target


def encode_csv(draw, header: list[str], rows: list[list[str]], hxl: list[str] | None) -> tuple[bytes, str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    if hxl is not None:
        writer.writerow(hxl)
    writer.writerows(rows)
    text = buffer.getvalue()
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    try:
        return text.encode(encoding), encoding
    except UnicodeEncodeError:
        return text.encode("utf-8"), "utf-8"


def utf8(content: bytes) -> bool:
    try:
        content.decode("utf-8-sig")
        return True
    except UnicodeDecodeError:
        return False


@st.composite
def flow_csv_case(draw):
    n = draw(st.integers(min_value=0, max_value=6))
    index = {name: i for i, name in enumerate(FLOW_HEADER)}
    rows, expected = [], []
    for i in range(n):
        cells = list(FLOW_ROW)
        amount = draw(money_cell(required=True, negative_ok=True))
        status = draw(st.sampled_from(["paid", "paid", "commitment", "pledge", "Paid", "refunded", ""]))
        plan = draw(st.sampled_from(["9002", "", "Multiple", "abc", str(2**64)]))
        date, decision = fts_date(draw), fts_date(draw)
        original = draw(st.sampled_from(["400000", "", "1e400", "abc", "12.5", "-3"]))
        donor, recipient = draw(TEXT), draw(TEXT)
        flow_id = draw(st.sampled_from([str(700000 + i)] * 5 + [""]))
        for name, value in [("amountUSD", amount[0]), ("status", status), ("destPlanId", plan), ("date", date[0]),
                            ("decisionDate", decision[0]), ("originalAmount", original), ("id", flow_id),
                            ("srcOrganization", donor), ("destOrganization", recipient),
                            ("description", draw(TEXT))]:
            cells[index[name]] = value
        fails = (amount[2] == "error" or status.lower() not in fts.FLOW_STATUSES or plan in ("abc", str(2**64))
                 or not flow_id)
        rows.append(cells)
        expected.append({"id": flow_id, "amount": amount[1], "donor": donor.strip() or None,
                         "recipient": recipient.strip() or None, "fails": fails,
                         "bad date": date[1] == "bad", "bad decision": decision[1] == "bad",
                         "bad original": original in ("1e400", "abc"),
                         "plan": int(plan) if plan == "9002" else None})
    header, mutation, target = _mutate_header(draw, FLOW_HEADER, fts.HDX_FLOW_COLUMNS)
    if header != FLOW_HEADER:
        # Cells follow their column, so a dropped column drops its cell and a repeated one repeats it.
        source = [FLOW_HEADER.index(h) if h in FLOW_HEADER else None for h in header]
        rows = [[cells[j] if j is not None else "x" for j in source] for cells in rows]
        if mutation == "duplicate":
            rows = [cells[:-1] + ["9999"] for cells in rows]
    content, encoding = encode_csv(draw, header, rows, FLOW_HXL if draw(st.booleans()) and header == FLOW_HEADER
                                   else None)
    return mutation, header, expected, content, encoding


@pytest.mark.slow
@fuzz(220)
@given(case=flow_csv_case())
def test_fts_flow_csv_malformed(tmp_path, case):
    mutation, header, rows, content, encoding = case
    note(f"mutation={mutation} encoding={encoding} rows={len(rows)}")
    path = write(tmp_path, "_fts_incoming_funding_ven.csv", content)
    tables, report, error = read_fts(path)
    if mutation == "duplicate" and utf8(content):
        assert error is not None and "more than once" in error, "a repeated column must not be half-read"
        return
    if mutation == "none" and utf8(content) and not any(r["fails"] for r in rows):
        assert error is None, f"a readable file was refused: {error}"
    if error is not None:
        return
    assert mutation == "none"
    flows = tables.get("fts_flows", pd.DataFrame(columns=["flow_id"]))
    assert len(flows) == len(rows), "flows lost or invented"
    for i, row in enumerate(rows):
        got = flows.iloc[i]
        assert got["flow_id"] == row["id"]
        assert got["amount_usd"] == row["amount"]  # negative corrections kept
        assert same(got["donor_name"], row["donor"]) and same(got["recipient_name"], row["recipient"])
        assert same(got["plan_id"], row["plan"])
    # Dates and original amounts are not essential: an unreadable one is left blank and counted.
    assert report.counts["fts_flows: date: unreadable or out-of-range date (left blank)"] == sum(
        r["bad date"] for r in rows)
    assert report.counts["fts_flows: decisionDate: unreadable or out-of-range date (left blank)"] == sum(
        r["bad decision"] for r in rows) * ("decisionDate" in header)
    assert report.counts["fts_flows: originalAmount: unreadable number (left blank)"] == sum(
        r["bad original"] for r in rows) * ("originalAmount" in header)


@st.composite
def plan_csv_case(draw):
    n = draw(st.integers(min_value=0, max_value=6))
    rows, expected = [], []
    for i in range(n):
        year = draw(st.sampled_from(["2019", "2020", "2100", "1066", "20x9", "", str(2**70)]))
        requirements = draw(money_cell(required=False, negative_ok=False))
        funding = draw(money_cell(required=False, negative_ok=True))  # a net correction keeps its sign
        name = draw(TEXT)
        start, end = fts_date(draw), fts_date(draw)
        code = f"HVEN{i:02d}"
        cells = dict(zip(PLAN_HEADER, ["VEN", str(9100 + i), name, code, "4", draw(TEXT), start[0], end[0], year,
                                       requirements[0], funding[0], draw(st.sampled_from(["35", "", "x"]))]))
        fails = year not in ("2019", "2020", "2100") or requirements[2] == "error" or funding[2] == "error"
        rows.append([cells[h] for h in PLAN_HEADER])
        expected.append({"id": 9100 + i, "name": name.strip() or code, "fails": fails,
                         "requirements": None if requirements[2] == "negative" or not requirements[1]
                         else requirements[1], "funding": funding[1] or 0,
                         "bad dates": [start[1], end[1]].count("bad"), "negative": requirements[2] == "negative"})
    content, encoding = encode_csv(draw, PLAN_HEADER, rows, PLAN_HXL if draw(st.booleans()) else None)
    return expected, content, encoding


@pytest.mark.slow
@fuzz(120)
@given(case=plan_csv_case())
def test_fts_plan_csv_malformed(tmp_path, case):
    rows, content, encoding = case
    note(f"encoding={encoding} rows={len(rows)}")
    path = write(tmp_path, "_fts_requirements_funding_ven.csv", content)
    tables, report, error = read_fts(path)
    if utf8(content) and not any(r["fails"] for r in rows):
        assert error is None, f"a readable file was refused: {error}"
    if error is not None:
        return
    plans = tables.get("fts_plans", pd.DataFrame(columns=["plan_id"]))
    assert len(plans) == len(rows)
    for i, row in enumerate(rows):
        got = plans.iloc[i]
        assert got["plan_id"] == row["id"] and got["plan_name"] == row["name"]
        assert same(got["requirements_usd"], row["requirements"]) and got["funding_usd"] == row["funding"]
    assert report.counts["fts_plans: startDate: unreadable or out-of-range date (left blank)"] + report.counts[
        "fts_plans: endDate: unreadable or out-of-range date (left blank)"] == sum(r["bad dates"] for r in rows)
    assert report.counts["fts_plans: negative requirements (a net correction) stored blank"] == sum(
        r["negative"] for r in rows)


@st.composite
def cluster_csv_case(draw):
    n = draw(st.integers(min_value=0, max_value=6))
    rows, expected = [], []
    for i in range(n):
        requirements = draw(money_cell(required=False, negative_ok=False))
        funding = draw(money_cell(required=False, negative_ok=True))  # a net correction keeps its sign
        name = draw(TEXT)
        cells = dict(zip(CLUSTER_HEADER, ["VEN", "9001", "Plan 2019", "HVEN19", "2019-01-01", "2019-12-31", "2019",
                                          str(100 + i), name, requirements[0], funding[0], ""]))
        rows.append([cells[h] for h in CLUSTER_HEADER])
        expected.append({"fails": requirements[2] == "error" or funding[2] == "error",
                         "name": name or f"cluster {100 + i}", "funding": funding[1] or 0})
    content, encoding = encode_csv(draw, CLUSTER_HEADER, rows, None)
    return expected, content, encoding


@pytest.mark.slow
@fuzz(80)
@given(case=cluster_csv_case())
def test_fts_cluster_csv_malformed(tmp_path, case):
    rows, content, encoding = case
    path = write(tmp_path, "_fts_requirements_funding_cluster_ven.csv", content)
    tables, report, error = read_fts(path)
    if utf8(content) and not any(r["fails"] for r in rows):
        assert error is None, f"a readable file was refused: {error}"
    if error is not None:
        return
    clusters = tables.get("fts_clusters", pd.DataFrame(columns=["cluster_id", "cluster_name"]))
    assert len(clusters) == len(rows)
    by_code = clusters.set_index("cluster_id")
    for i, row in enumerate(rows):
        got = by_code.loc[str(100 + i)]
        assert got["cluster_name"] == (row["name"].strip() or f"cluster {100 + i}")
        assert same(got["funding_usd"], row["funding"])


# --------------------------------------------------------------------------------------------------
# FTS: API JSON of the right and the wrong shape
# --------------------------------------------------------------------------------------------------

FLOW_PAGE = json.loads((FTS_FIX / "flow_planId-9004.json").read_text())
FLOW_TEMPLATE = FLOW_PAGE["data"]["flows"][0]
PLAN_LIST = json.loads((FTS_FIX / "plan_country_VEN.json").read_text())
PLAN_TEMPLATE = PLAN_LIST["data"][0]  # HVEN19
JUNK = st.sampled_from([None, "", "text", "=HYPERLINK(\"x\")", -1, 0, 2**64, 1e308, float("nan"), True, [], {},
                        [None], {"a": None}, [[[[1]]]]])


@st.composite
def flow_json_case(draw):
    n = draw(st.integers(min_value=0, max_value=5))
    flows, expected = [], []
    for i in range(n):
        flow = copy.deepcopy(FLOW_TEMPLATE)
        flow["id"] = draw(st.sampled_from([str(800000 + i), 800000 + i]))
        kind = draw(st.sampled_from(["int", "int", "negative", "string", "float", "huge", "null", "junk", "bool"]))
        value = draw(st.integers(min_value=0, max_value=10**12))
        flow["amountUSD"], amount, fails = {
            "int": (value, value, False), "negative": (-value, -value, False), "string": (str(value), value, False),
            "float": (float(value), value, False), "huge": (2**64, None, True), "null": (None, None, True),
            "junk": ("lots", None, True), "bool": (True, None, True)}[kind]
        donor = draw(TEXT)
        flow["sourceObjects"][0]["name"] = donor
        mutation = draw(st.sampled_from(["none"] * 6 + ["organizationTypes", "sourceObjects", "date", "original",
                                                        "plan id", "status", "id", "field junk"]))
        bad_date = bad_original = False
        if mutation == "organizationTypes":
            junk = draw(st.sampled_from([None, "NGO", 3, ["NGO", None, 7, {"a": 1}], {"a": 1}]))
            flow["sourceObjects"][0]["organizationTypes"] = junk
            fails |= not (junk is None or isinstance(junk, list))
        elif mutation == "sourceObjects":
            flow["sourceObjects"] = draw(st.sampled_from([None, "x", {"type": "Organization"}, 5]))
            fails = True
            donor = ""
        elif mutation == "date":
            flow["date"] = draw(st.sampled_from(["2019-02-30T00:00:00Z", "9999-12-31", "soon", 20190101, None]))
            bad_date = flow["date"] is not None
        elif mutation == "original":
            flow["originalAmount"] = draw(st.sampled_from([10**400, "12.5", "abc", None, float("inf"), True]))
            bad_original = flow["originalAmount"] in (10**400, "abc", True) or flow["originalAmount"] == float("inf")
        elif mutation == "plan id":
            junk = draw(st.sampled_from([2**64, [9004], "abc", None, "9004"]))
            flow["destinationObjects"][0]["id"] = junk
            fails |= junk not in (None, "9004")
        elif mutation == "status":
            flow["status"] = draw(st.sampled_from(["refunded", None, 1, "PAID"]))
            fails |= flow["status"] != "PAID"
        elif mutation == "id":
            flow["id"] = draw(st.sampled_from([None, "", "  "]))
            fails = True
        elif mutation == "field junk":
            flow[draw(st.sampled_from(["decisionDate", "boundary", "parentFlowId", "description", "keywords",
                                       "childFlowIds"]))] = draw(JUNK)
            mutation = "none*"  # outcome not predicted (a junk date is counted, junk text kept as text)
        flows.append(flow)
        expected.append({"id": str(flow["id"]).strip() if flow["id"] is not None else None, "amount": amount,
                         "donor": donor.strip() or None, "fails": fails, "bad date": bad_date,
                         "bad original": bad_original, "mutation": mutation})
    page = copy.deepcopy(FLOW_PAGE)
    page["data"]["flows"] = flows
    shape = draw(st.sampled_from(["ok"] * 5 + ["flows null", "flows dict", "data list", "status", "no data",
                                              "list", "truncate"]))
    doc: Any = page
    if shape == "flows null":
        page["data"]["flows"] = None
    elif shape == "flows dict":
        page["data"]["flows"] = {"0": flows}
    elif shape == "data list":
        page["data"] = [page["data"]]
    elif shape == "status":
        page["status"] = draw(st.sampled_from(["error", None, 500]))
    elif shape == "no data":
        del page["data"]
    elif shape == "list":
        doc = [page]
    text = json.dumps(doc)
    if shape == "truncate":
        text = text[:draw(st.integers(min_value=1, max_value=len(text) - 2))]
    return shape, expected, text


@pytest.mark.slow
@fuzz(200)
@given(case=flow_json_case())
def test_fts_flow_json_malformed(tmp_path, case):
    shape, rows, text = case
    note(f"shape={shape} mutations={[r['mutation'] for r in rows]}")
    path = write(tmp_path, "_flow.json", text.encode("utf-8"))
    tables, report, error = read_fts(path)
    if shape == "ok" and not any(r["fails"] for r in rows):
        assert error is None, f"a readable file was refused: {error}"
    if shape != "ok":
        assert error is not None, "a response of the wrong shape was read"
    if error is not None:
        return
    flows = tables.get("fts_flows", pd.DataFrame(columns=["flow_id"]))
    assert len(flows) == len(rows)
    for i, row in enumerate(rows):
        got = flows.iloc[i]
        assert got["flow_id"] == row["id"] and got["amount_usd"] == row["amount"]
        assert same(got["donor_name"], row["donor"])
    if all(r["mutation"] != "none*" for r in rows):
        assert report.counts["fts_flows: date: unreadable or out-of-range date (left blank)"] == sum(
            r["bad date"] for r in rows)
        assert report.counts["fts_flows: originalAmount: unreadable number (left blank)"] == sum(
            r["bad original"] for r in rows)


@st.composite
def plan_json_case(draw):
    n = draw(st.integers(min_value=0, max_value=5))
    plans, expected = [], []
    for i in range(n):
        plan = copy.deepcopy(PLAN_TEMPLATE)
        plan["id"] = 9200 + i
        plan["planVersion"]["code"] = f"HVEN{19 + i % 3}"
        name = draw(TEXT)
        plan["planVersion"]["name"] = name
        revised = draw(st.sampled_from([1_200_000, 0, -5, None, "1200000", 2**64, "lots", 3.0]))
        plan["revisedRequirements"] = revised
        fails = revised in ("lots",) or revised == 2**64
        kept_revised = {1_200_000: 1_200_000, "1200000": 1_200_000, 3.0: 3}.get(revised)
        mutation = draw(st.sampled_from(["none"] * 5 + ["years", "categories", "locations", "startDate",
                                                        "planVersion", "orig"]))
        bad_dates = 0
        if mutation == "years":
            junk = draw(st.sampled_from([5, "2019", None, {"year": 2019}, [{"year": "1066"}], [{"year": None}],
                                         [{"year": "2101"}], [5]]))
            plan["years"] = junk
            fails |= not (junk is None or isinstance(junk, list)) or junk in ([{"year": "1066"}],
                                                                              [{"year": "2101"}])
        elif mutation == "categories":
            junk = draw(st.sampled_from([5, "HRP", None, [5, "x"], [{"name": {"a": 1}}]]))
            plan["categories"] = junk
            fails |= not (junk is None or isinstance(junk, list))
        elif mutation == "locations":
            junk = draw(st.sampled_from([5, "VEN", None, [None], [{"iso3": ["VEN"], "adminLevel": [0]}]]))
            plan["locations"] = junk
            fails |= not (junk is None or isinstance(junk, list))
        elif mutation == "startDate":
            plan["planVersion"]["startDate"] = draw(st.sampled_from(["2019-02-30", "1066-01-01", 5, "tbd"]))
            bad_dates = 1
        elif mutation == "planVersion":
            plan["planVersion"] = draw(st.sampled_from([None, "x", 5, []]))
            name = ""
        elif mutation == "orig":
            plan["origRequirements"] = draw(st.sampled_from([-1, 2**64, "x", None]))
            fails |= plan["origRequirements"] in (2**64, "x")
        original = plan.get("origRequirements")
        keeps = bool(kept_revised) or (isinstance(original, int) and original > 0)
        plans.append(plan)
        expected.append({"id": 9200 + i, "fails": fails, "kept": keeps, "requirements": kept_revised,
                         "name": name.strip() or None, "bad dates": bad_dates, "mutation": mutation})
    doc = copy.deepcopy(PLAN_LIST)
    doc["data"] = plans
    return expected, json.dumps(doc)


@pytest.mark.slow
@fuzz(120)
@given(case=plan_json_case())
def test_fts_plan_json_malformed(tmp_path, case):
    rows, text = case
    note(f"mutations={[r['mutation'] for r in rows]}")
    path = write(tmp_path, "_plan_country.json", text.encode("utf-8"))
    tables, report, error = read_fts(path)
    if rows and not any(r["fails"] for r in rows):
        assert error is None, f"a readable file was refused: {error}"
    if not rows:
        assert error is not None and "empty list" in error  # nothing to read is said, not returned empty
    if error is not None:
        return
    plans = tables.get("fts_plans", pd.DataFrame(columns=["plan_id"])).set_index("plan_id")
    kept = [r for r in rows if r["kept"]]
    assert len(plans) == len(kept)
    # A plan with no money figure at all is left out, and counted (documented in _plan_table_row).
    assert report.counts["fts_plans: plan with no requirements or funding in the data read left out"] == \
        len(rows) - len(kept)
    for row in kept:
        got = plans.loc[row["id"]]
        assert same(got["requirements_usd"], row["requirements"])
        if row["name"] is not None:
            assert got["plan_name"] == row["name"]
    assert report.counts["fts_plans: startDate: unreadable or out-of-range date (left blank)"] == sum(
        r["bad dates"] for r in rows)


# --------------------------------------------------------------------------------------------------
# Any JSON fixture with one node replaced, any bytes
# --------------------------------------------------------------------------------------------------

JSON_FIXTURES = sorted(FTS_FIX.glob("*.json")) + sorted(MMP_FIX.glob("*.json"))
_JSON_DOCS = {p: json.loads(p.read_text(encoding="utf-8")) for p in JSON_FIXTURES}


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node[:3]):
            out += _paths(value, prefix + (i,))
    return out


_JSON_PATHS = {p: _paths(doc) for p, doc in _JSON_DOCS.items()}


@st.composite
def mutated_json(draw):
    source = draw(st.sampled_from(JSON_FIXTURES))
    doc = copy.deepcopy(_JSON_DOCS[source])
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = _paths(doc)
        where = draw(st.sampled_from(paths))
        replacement = draw(st.one_of(JUNK, st.text(ALPHABET, max_size=5),
                                     st.integers(min_value=-(2**70), max_value=2**70)))
        action = draw(st.sampled_from(["replace", "replace", "delete", "wrap"]))
        if not where:
            doc = replacement if action == "replace" else [doc]
            continue
        parent = doc
        for key in where[:-1]:
            parent = parent[key]
        key = where[-1]
        if action == "delete":
            del parent[key]
        elif action == "wrap":
            parent[key] = {"value": parent[key]} if draw(st.booleans()) else [parent[key]]
        else:
            parent[key] = replacement
    return source, json.dumps(doc)


@pytest.mark.slow
@fuzz(260)
@given(case=mutated_json())
def test_any_json_fixture_with_junk_nodes(tmp_path, case):
    source, text = case
    note(f"from {source.name}")
    # Keep the fixture's name: FTS takes the plan id of a groupby=cluster/location file from it.
    path = tmp_path / f"case{next(_names)}_{source.name}"
    path.write_text(text, encoding="utf-8")
    if source.parent == MMP_FIX:
        read_mmp(path)
    else:
        read_fts(path)


BYTE_PREFIXES = [b"", b"{", b"[", b"PK\x03\x04", b"\xef\xbb\xbf", b"\xff\xfe", b"\xd0\xcf\x11\xe0", b"<html>",
                 b'{"status":"ok","data":', ",".join(FLOW_HEADER).encode() + b"\n",
                 ",".join(mmp.LAYOUTS["current full schema"].values()).encode() + b"\n"]


@pytest.mark.slow
@fuzz(200)
@given(prefix=st.sampled_from(BYTE_PREFIXES), body=st.binary(max_size=600), reader=st.sampled_from(["mmp", "fts"]))
def test_random_bytes(tmp_path, prefix, body, reader):
    path = write(tmp_path, ".csv", prefix + body)
    frame, _, _ = read_mmp(path) if reader == "mmp" else read_fts(path)


# --------------------------------------------------------------------------------------------------
# Hand-written malformed files: empty, header only, truncated, nested, wrong shape
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("content", [b"", b"   \n\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n", b"\xff\xfe"],
                         ids=["empty", "blank lines", "BOM only", "BOM and newline", "UTF-16 BOM only"])
@pytest.mark.parametrize("reader", ["mmp", "fts"])
def test_empty_files_are_refused(tmp_path, content, reader):
    path = write(tmp_path, ".csv", content)
    result, _, error = read_mmp(path) if reader == "mmp" else read_fts(path)
    assert error is not None, "an empty file must be refused, not read as no data"


@pytest.mark.parametrize("layout", list(mmp.LAYOUTS))
def test_mmp_header_only_file_is_an_empty_table_with_a_warning(tmp_path, layout):
    path = write(tmp_path, ".csv", (",".join(mmp.LAYOUTS[layout].values()) + "\r\n").encode())
    frame, report, error = read_mmp(path)
    assert error is None and frame.empty
    assert any("header but no incident rows" in w for w in report.warnings)


@pytest.mark.parametrize("header", [FLOW_HEADER, PLAN_HEADER, CLUSTER_HEADER], ids=["flows", "plans", "clusters"])
def test_fts_header_only_file_gives_no_tables_and_a_warning(tmp_path, header):
    path = write(tmp_path, "_fts.csv", (",".join(header) + "\n").encode())
    tables, report, error = read_fts(path)
    assert error is None and tables == {}
    assert any("header but no data rows" in w for w in report.warnings)


@pytest.mark.parametrize("source", JSON_FIXTURES, ids=[p.name for p in JSON_FIXTURES])
def test_truncated_json_is_refused(tmp_path, source):
    text = source.read_text(encoding="utf-8")
    for cut in sorted({1, len(text) // 3, len(text) // 2, len(text) - 2}):
        path = tmp_path / f"cut{cut}_{source.name}"
        path.write_text(text[:cut], encoding="utf-8")
        _, _, error = read_mmp(path) if source.parent == MMP_FIX else read_fts(path)
        assert error is not None and ("truncated" in error or "malformed" in error), error


@pytest.mark.parametrize("depth", [50, 5_000, 200_000])
@pytest.mark.parametrize("reader", ["mmp", "fts"])
def test_deeply_nested_json_is_refused(tmp_path, depth, reader):
    for opening, closing in (("[", "]"), ('{"a":', "}")):
        path = write(tmp_path, ".json", (opening * depth + "1" + closing * depth).encode())
        _, _, error = read_mmp(path) if reader == "mmp" else read_fts(path)
        assert error is not None, depth


@pytest.mark.parametrize("doc", [None, 1, "text", [], {}, [None], [[1]], {"data": []}, {"status": "ok", "data": None},
                                 {"status": "ok", "data": "x"}, {"status": "ok", "data": [None]},
                                 {"status": "ok", "data": {"flows": [None]}}, {"status": "ok", "data": [1, 2]}],
                         ids=repr)
@pytest.mark.parametrize("reader", ["mmp", "fts"])
def test_json_of_the_wrong_shape_is_refused(tmp_path, doc, reader):
    path = write(tmp_path, ".json", json.dumps(doc).encode())
    result, report, error = read_mmp(path) if reader == "mmp" else read_fts(path)
    if reader == "mmp" and doc == []:
        assert error is None and result.empty and report.warnings  # an empty feed year: warned
    else:
        assert error is not None


# --------------------------------------------------------------------------------------------------
# Size: a ~100 MB file is read in full; anything over MAX_FILE_BYTES is refused before reading
# --------------------------------------------------------------------------------------------------

def _repeat_rows(path: Path, header: list[str], row: list[str], id_column: int, target: int,
                 make_id: Callable[[int], str]) -> int:
    """Write header + `row` repeated with unique ids until the file is about `target` bytes; rows written."""
    row = list(row)
    row[id_column] = "@@ID@@"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerow(row)
    head, template = buffer.getvalue().split("\n", 1)
    n = target // len(template.encode())
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(head + "\n")
        for start in range(0, n, 10_000):
            out.write("".join(template.replace("@@ID@@", make_id(i)) for i in range(start, min(n, start + 10_000))))
    return n


@pytest.mark.slow
def test_mmp_100mb_file_is_read_in_full(tmp_path):
    lines = list(csv.reader(io.StringIO((MMP_FIX / "full_schema.csv").read_text(encoding="utf-8-sig"))))
    header, row = lines[0], list(lines[1])
    row[0] = row[1] = "2019.MMP00001"  # a real row of the current schema (its BOM-free id)
    path = tmp_path / "mmp_100mb.csv"
    n = _repeat_rows(path, header, row, 0, 100 * 2**20, lambda i: f"2019.MMP{i:07d}")
    assert 95 * 2**20 < path.stat().st_size < mmp.MAX_FILE_BYTES
    started = time.monotonic()
    frame, report, error = read_mmp(path)
    assert error is None and len(frame) == n  # every row, none lost
    assert frame["incident_id"].is_unique and (frame["dead"] == int(row[7])).all()
    assert time.monotonic() - started < 60


@pytest.mark.slow
def test_fts_100mb_file_is_read_in_full(tmp_path):
    path = tmp_path / "fts_incoming_funding_ven_100mb.csv"
    n = _repeat_rows(path, FLOW_HEADER, FLOW_ROW, FLOW_HEADER.index("id"), 100 * 2**20, lambda i: str(10**6 + i))
    assert 95 * 2**20 < path.stat().st_size < fts.MAX_FILE_BYTES
    started = time.monotonic()
    tables, report, error = read_fts(path)
    assert error is None and len(tables["fts_flows"]) == n
    assert (tables["fts_flows"]["amount_usd"] == int(FLOW_ROW[FLOW_HEADER.index("amountUSD")])).all()
    assert time.monotonic() - started < 60


@pytest.mark.parametrize("reader", ["mmp", "fts"])
def test_file_over_the_size_limit_is_refused_before_reading(tmp_path, reader):
    path = tmp_path / "huge.csv"
    with path.open("wb") as out:  # sparse: takes no disk space, and must never be read into memory
        out.truncate((mmp.MAX_FILE_BYTES if reader == "mmp" else fts.MAX_FILE_BYTES) + 1)
    _, _, error = read_mmp(path) if reader == "mmp" else read_fts(path)
    assert error is not None and "MB this tool reads" in error


def test_xlsx_that_unzips_over_the_size_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(mmp, "MAX_FILE_BYTES", 2**20)
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<row/>" * 400_000)  # 2.4 MB, zips to a few KB
    assert path.stat().st_size < 2**20
    _, _, error = read_mmp(path)
    assert error is not None and "unzipped" in error


# --------------------------------------------------------------------------------------------------
# Regressions: each bug the fuzzing found, as a concrete file
# --------------------------------------------------------------------------------------------------

FULL = mmp.LAYOUTS["current full schema"]
FULL_ROW = {"main_id": "2019.MMP00001", "alt_id": "2019.MMP00001", "region": "Mediterranean",
            "date": "2019-05-01", "year": "2019", "month": "May", "dead": "3", "total": "5", "missing": "2",
            "survivors": "", "females": "", "males": "", "children": "", "origin": "Mixed", "cause": "Drowning",
            "country": "Greece", "route": "Eastern Mediterranean", "coords": "39.3, 26.2", "url": "",
            "quality": "5"}


def mmp_csv(tmp_path: Path, *rows: dict, extra: list[str] | None = None, terminator: str = "\r\n") -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=terminator)
    writer.writerow(list(FULL.values()))
    for i, row in enumerate(rows):
        writer.writerow([{**FULL_ROW, **row}[field] for field in FULL] + (extra[i:i + 1] if extra else []))
    return write(tmp_path, ".csv", buffer.getvalue().encode())


def read_ok(path: Path) -> tuple[pd.DataFrame, Report]:
    frame, report, error = read_mmp(path)
    assert error is None, error
    return frame, report


def refused(path: Path, reader: str = "mmp") -> str:
    _, _, error = read_mmp(path) if reader == "mmp" else read_fts(path)
    assert error is not None
    return error


def test_mmp_trailing_comma_does_not_shift_columns(tmp_path):
    # pandas made Main ID the index when every row had one more cell, shifting each value one column left.
    frame, report = read_ok(mmp_csv(tmp_path, {}, {"main_id": "2019.MMP00002"}, extra=["", ""]))
    assert frame["incident_id"].tolist() == ["2019.MMP00001", "2019.MMP00002"]
    assert frame["region"].tolist() == ["Mediterranean"] * 2 and frame["dead"].tolist() == [3, 3]
    assert report.counts["empty cells beyond the last header column ignored (trailing commas)"] == 2
    error = refused(mmp_csv(tmp_path, {}, {"main_id": "2019.MMP00002"}, extra=["", "7"]))
    assert "row 3: 21 cells for 20 columns" in error


def test_mmp_count_beyond_int64_is_blank_and_counted_not_negative(tmp_path):
    # 99999999999999999999999 used to wrap to a negative number, read as an IOM correction.
    frame, report = read_ok(mmp_csv(tmp_path, {"dead": "99999999999999999999999"}, {"main_id": "2019.MMP2",
                                                                                    "dead": "-4"}))
    assert pd.isna(frame.at[0, "dead"]) and frame.at[1, "dead"] == -4
    assert report.counts[f"number beyond {mmp.MAX_COUNT:,} in dead (left blank)"] == 1
    assert report.counts["negative dead kept (IOM correction)"] == 1
    assert frame.at[0, "dead_and_missing"] == 5  # the source's total, as written


@pytest.mark.parametrize("cell", ["1066-10-14", "9999-12-31", "1900-01-01"])
def test_mmp_date_out_of_range_is_blank_and_counted(tmp_path, cell):
    # 1066 and 9999 crashed with OutOfBoundsDatetime; 1900 failed the schema's year check.
    frame, report = read_ok(mmp_csv(tmp_path, {"date": cell}))
    assert pd.isna(frame.at[0, "incident_date"]) and frame.at[0, "year"] == 2019  # from the Incident Year
    assert report.counts["incident date outside 1990-2100 (left blank)"] == 1


def test_mmp_year_out_of_range_names_the_incident(tmp_path):
    error = refused(mmp_csv(tmp_path, {"date": "", "year": "1900"}))
    assert "year outside 1990-2100" in error and "2019.MMP00001" in error and "year 1900" in error


def test_mmp_impossible_date_is_counted(tmp_path):
    frame, report = read_ok(mmp_csv(tmp_path, {"date": "2019-02-30"}))
    assert pd.isna(frame.at[0, "incident_date"]) and report.counts["unreadable incident date (left blank)"] == 1


def test_mmp_repeated_column_is_refused(tmp_path):
    # The second 'Number of Dead' was silently ignored (pandas renamed it 'Number of Dead.1').
    buffer = io.StringIO()
    csv.writer(buffer).writerows([[*FULL.values(), "Number of Dead"], [*(FULL_ROW[f] for f in FULL), "7"]])
    path = write(tmp_path, ".csv", buffer.getvalue().encode())
    assert "column 'Number of Dead' appears 2 times (columns 7, 21)" in refused(path)


def test_mmp_utf16_is_decoded_and_nul_bytes_refused(tmp_path):
    frame, report = read_ok(write(tmp_path, ".csv", mmp_csv(tmp_path, {"cause": "Ahogamiento en el río"})
                                  .read_text(encoding="utf-8").encode("utf-16")))
    assert frame.at[0, "cause_of_death"] == "Ahogamiento en el río"
    assert report.counts["file decoded as UTF-16 (not UTF-8)"] == 1
    utf16_without_bom = mmp_csv(tmp_path, {}).read_text(encoding="utf-8").encode("utf-16-le")
    assert "NUL byte" in refused(write(tmp_path, ".csv", utf16_without_bom))


def test_mmp_lone_cr_in_an_unquoted_cell_is_refused_quoted_kept(tmp_path):
    # pandas split the row at the CR: one incident became two rows.
    text = mmp_csv(tmp_path, {"url": "@@"}, terminator="\n").read_text()
    assert "carriage return" in refused(write(tmp_path, ".csv", text.replace("@@", "\r=1+2").encode()))
    frame, _ = read_ok(write(tmp_path, ".csv", text.replace("@@", '"=1+2\r+3"').encode()))
    assert frame["url"].tolist() == ["=1+2\r+3"]  # formula-like text kept verbatim


def test_mmp_formula_like_text_is_kept_verbatim(tmp_path):
    cells = {"cause": '=HYPERLINK("http://example.invalid","x")', "route": "+1", "country": "@SUM(A1)",
             "url": "\t=1+2", "quality": "-2+3"}
    frame, _ = read_ok(mmp_csv(tmp_path, cells))
    assert frame.at[0, "cause_of_death"] == cells["cause"] and frame.at[0, "migration_route"] == "+1"
    assert frame.at[0, "country_of_incident"] == "@SUM(A1)" and frame.at[0, "source_quality"] == "-2+3"
    assert frame.at[0, "url"] == "=1+2"  # only the documented trim of surrounding spaces


def test_mmp_data_row_of_hash_cells_is_not_taken_for_hxl_tags(tmp_path):
    frame, report = read_ok(write(tmp_path, ".csv", (",".join(FULL.values()) + "\n" + "2019.MMP1,#REF!"
                                                     + ",#N/A" * 18 + "\n").encode()))
    assert len(frame) == 1 and "HXL hashtag row dropped" not in report.counts


def test_mmp_feed_nested_value_and_deep_json_are_refused(tmp_path):
    record = {key: "" for key in mmp.LAYOUTS["JSON feed"].values()} | {"web_id": "2019.MMP1", "region": {"a": 1}}
    assert "field region is a JSON dict" in refused(write(tmp_path, ".json", json.dumps([record]).encode()))
    assert "nested too deeply" in refused(write(tmp_path, ".json", b"[" * 100_000 + b"]" * 100_000))


def test_mmp_one_line_of_anything_is_not_an_empty_mmp_file(tmp_path):
    # 'null' was read as a header with no rows: an empty table, as if the download had no incidents.
    assert "not a Missing Migrants Project file" in refused(write(tmp_path, ".json", b"null"))


def fts_csv(tmp_path: Path, header: list[str], *rows: dict, base: list[str] = FLOW_ROW,
            name: str = "_fts_incoming_funding_ven.csv") -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(h, cell) for h, cell in zip(header, base)])
    return write(tmp_path, name, buffer.getvalue().encode())


def fts_ok(path: Path) -> tuple[dict, Report]:
    tables, report, error = read_fts(path)
    assert error is None, error
    return tables, report


def test_fts_unreadable_original_amount_and_date_are_blank_and_counted(tmp_path):
    # 'abc' in originalAmount crashed with ValueError; '2019-02-30' with a pandas ValueError.
    tables, report = fts_ok(fts_csv(tmp_path, FLOW_HEADER, {"originalAmount": "abc", "date": "2019-02-30",
                                                            "amountUSD": "-500"}))
    flow = tables["fts_flows"].iloc[0]
    assert pd.isna(flow["original_amount"]) and pd.isna(flow["date"]) and flow["amount_usd"] == -500
    assert report.counts["fts_flows: originalAmount: unreadable number (left blank)"] == 1
    assert report.counts["fts_flows: date: unreadable or out-of-range date (left blank)"] == 1


@pytest.mark.parametrize("column", ["amountUSD", "destPlanId"])
def test_fts_number_beyond_int64_names_row_and_field(tmp_path, column):
    # Crashed with OverflowError when the table was built.
    error = refused(fts_csv(tmp_path, FLOW_HEADER, {column: "99999999999999999999"}), "fts")
    assert f"row 2: field {column} is '99999999999999999999'; too large" in error


def test_fts_csv_errors_are_ingest_errors(tmp_path):
    # csv.Error ('field larger than field limit') escaped; a repeated column silently kept the last.
    assert "not a readable CSV" in refused(fts_csv(tmp_path, FLOW_HEADER, {"description": "x" * 200_000}), "fts")
    assert "'amountUSD' appears more than once" in refused(
        fts_csv(tmp_path, FLOW_HEADER + ["amountUSD"], {}, base=FLOW_ROW + ["1"]), "fts")


def test_fts_json_with_bom_is_read_as_json(tmp_path):
    # The BOM sent it to the CSV reader: "2 cells for 1 columns".
    content = b"\xef\xbb\xbf" + (FTS_FIX / "flow_planId-9004.json").read_bytes()
    tables, _ = fts_ok(write(tmp_path, "_flow.json", content))
    assert len(tables["fts_flows"]) == 1


def fts_json(tmp_path: Path, doc: Any, name: str = "_flow.json") -> Path:
    return write(tmp_path, name, json.dumps(doc).encode())


def page_with(**changes) -> dict:
    page = copy.deepcopy(FLOW_PAGE)
    page["data"]["flows"][0].update(changes)
    return page


def test_fts_flow_json_regressions(tmp_path):
    # 10**400 crashed float(); a null id collapsed flows; a string organizationTypes split into letters;
    # an int one crashed; a list as a Location name crashed the ISO3 lookup.
    tables, report = fts_ok(fts_json(tmp_path, page_with(originalAmount=10**400, date="9999-12-31")))
    assert report.counts["fts_flows: originalAmount: unreadable number (left blank)"] == 1
    assert report.counts["fts_flows: date: unreadable or out-of-range date (left blank)"] == 1
    assert "field id is blank" in refused(fts_json(tmp_path, page_with(id=None)), "fts")
    assert "too large" in refused(fts_json(tmp_path, page_with(amountUSD=10**30)), "fts")
    for junk in ("NGO", 5):
        page = page_with()
        page["data"]["flows"][0]["sourceObjects"][0]["organizationTypes"] = junk
        assert "field organizationTypes is a JSON" in refused(fts_json(tmp_path, page), "fts")
    page = page_with()
    page["data"]["flows"][0]["sourceObjects"][1]["name"] = ["Canada"]
    tables, _ = fts_ok(fts_json(tmp_path, page))
    assert pd.isna(tables["fts_flows"].iloc[0]["donor_iso3"])


def test_fts_plan_json_regressions(tmp_path):
    def plans_with(**changes) -> dict:
        doc = copy.deepcopy(PLAN_LIST)
        doc["data"] = [dict(PLAN_TEMPLATE, **changes)]
        return doc

    for field in ("years", "categories", "locations"):
        assert f"field {field} is a JSON int, expected a list" in refused(
            fts_json(tmp_path, plans_with(**{field: 5}), "_plan.json"), "fts")
    error = refused(fts_json(tmp_path, plans_with(years=[{"year": "1066"}]), "_plan.json"), "fts")
    assert "field years[].year is 1066; expected a year between 1990 and 2100" in error
    tables, report = fts_ok(fts_json(tmp_path, plans_with(revisedRequirements=-5), "_plan.json"))
    assert pd.isna(tables["fts_plans"].iloc[0]["requirements_usd"])  # failed the schema, unnamed file, before
    assert report.counts["negative revisedRequirements (no requirement is below 0) stored blank"] == 1


def test_fts_groupby_and_progress_regressions(tmp_path):
    grouped = json.loads((FTS_FIX / "flow_planId-9001-9002-9004_groupby-plan.json").read_text())
    grouped["data"]["requirements"]["objects"][0]["objectType"] = ["Plan"]  # crashed: unhashable list
    tables, _ = fts_ok(fts_json(tmp_path, grouped, "_groupby-plan.json"))
    assert len(tables["fts_plans"]) == 3
    grouped["data"]["report3"]["fundingTotals"]["objects"] = [5]  # crashed: int has no .get
    assert "objects[0] is a JSON int" in refused(fts_json(tmp_path, grouped, "_groupby-plan.json"), "fts")
    progress = json.loads((FTS_FIX / "plan_overview_progress_2020.json").read_text())
    progress["data"]["plans"][0]["caseLoads"] = [{"totals": 5}]  # crashed: int not iterable
    assert "field caseLoads[].totals is a JSON int" in refused(fts_json(tmp_path, progress, "_progress.json"), "fts")
    progress["data"]["plans"][0]["caseLoads"] = []
    progress["data"]["plans"][0]["funding"] = {"totalFunding": -1}  # a net correction: kept with its sign
    tables, _ = fts_ok(fts_json(tmp_path, progress, "_progress.json"))
    assert -1 in set(tables["fts_plans"]["funding_usd"])


def test_fts_plan_csv_year_and_funding(tmp_path):
    row = dict(zip(PLAN_HEADER, PLAN_LINES[3]))
    error = refused(fts_csv(tmp_path, PLAN_HEADER, {"year": "1066"}, base=PLAN_LINES[3],
                            name="_fts_requirements_funding_ven.csv"), "fts")
    assert "row 2: field year is 1066" in error
    tables, report = fts_ok(fts_csv(tmp_path, PLAN_HEADER, {"funding": "-3"}, base=PLAN_LINES[3],
                                    name="_fts_requirements_funding_ven.csv"))
    assert tables["fts_plans"].iloc[0]["funding_usd"] == -3  # a net correction keeps its sign, counted
    assert report.counts["fts_plans: negative funding (a net correction) kept"] == 1
    tables, report = fts_ok(fts_csv(tmp_path, PLAN_HEADER, {"requirements": "-3"}, base=PLAN_LINES[3],
                                    name="_fts_requirements_funding_ven.csv"))
    assert pd.isna(tables["fts_plans"].iloc[0]["requirements_usd"]) and row["code"] == "HVEN20"
    assert report.counts["fts_plans: negative requirements (a net correction) stored blank"] == 1
