"""HDX FTS CSVs as a spreadsheet re-saves them: ';' separators, dd/mm/yyyy dates, thousands separators,
CRLF, UTF-16 or Windows-1252. Read right where the layout is unambiguous (the same tables as the
original), otherwise refused with a message naming the separator or encoding and how to re-export."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from ingest.errors import IngestError
from ingest.report import Report
from ingest.sources import fts

HEADER = ["countryCode", "id", "name", "code", "typeId", "typeName", "startDate", "endDate", "year", "requirements",
          "funding", "percentFunded"]
ROWS = [
    ["VEN", "9001", "Venezuela Plan de Respuesta Humanitaria 2019 (Protección)", "HVEN19", "4",
     "Humanitarian response plan", "2019-01-01", "2019-12-31", "2019", "222724387", "76925346", "35"],
    ["VEN", "9002", "Venezuela 2020 – Türkiye appeal", "HVEN20", "4", "Humanitarian response plan", "2020-03-01",
     "2020-12-31", "2020", "762509363", "-155027", "0"],
    ["VEN", "", "Not specified", "", "", "", "", "", "2020", "", "900000", ""],
]


def european(value: str, column: str) -> str:
    """A cell as Excel in a Spanish locale writes it."""
    if column in ("startDate", "endDate") and value:
        y, m, d = value.split("-")
        return f"{d}/{m}/{y}"
    if column in ("requirements", "funding") and value and len(value.lstrip("-")) > 3:
        sign, digits = ("-", value[1:]) if value.startswith("-") else ("", value)
        groups = re.findall(r"\d{1,3}(?=(?:\d{3})*$)", digits)
        return sign + ".".join(groups)
    return value


def write(tmp_path: Path, name: str, text: str, encoding: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def plans(path: Path) -> tuple[pd.DataFrame, Report]:
    report = Report()
    return fts.read_files([path], report)["fts_plans"], report


@pytest.fixture
def original(tmp_path):
    text = "\n".join(",".join(f'"{c}"' if "," in c else c for c in row) for row in [HEADER, *ROWS]) + "\n"
    return plans(write(tmp_path, "fts_requirements_funding_ven.csv", text, "utf-8"))[0]


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16", "utf-8-sig"])
def test_excel_european_export_reads_the_same(tmp_path, original, encoding):
    lines = [";".join(HEADER)] + [";".join(european(v, c) for v, c in zip(row, HEADER)) for row in ROWS]
    text = "\r\n".join(lines) + "\r\n"
    if encoding == "cp1252":
        text = text.replace("–", "-").replace("ü", "ü")  # cp1252 has ü; keep the dash representable
    got, report = plans(write(tmp_path, "fts_requirements_funding_ven.csv", text, encoding))
    expected = original.copy()
    if encoding == "cp1252":
        expected["plan_name"] = expected["plan_name"].str.replace("–", "-")
    pd.testing.assert_frame_equal(got, expected)
    assert report.counts["CSV: semicolon-separated (a spreadsheet's export) read as such"] == 1
    assert report.counts["CSV: day-first dates (dd/mm/yyyy style) read as such"] == 1
    assert report.counts["CSV: requirements: spreadsheet number format (thousands or decimal separator) read"] == 2
    assert got.set_index("plan_id").loc[9002, "funding_usd"] == -155_027


def test_latin1_without_any_utf8_is_read_and_said(tmp_path, original):
    text = "\n".join(",".join(row) for row in [HEADER, *ROWS]).replace("–", "-") + "\n"
    got, report = plans(write(tmp_path, "fts_requirements_funding_ven.csv", text, "latin-1"))
    assert got.set_index("plan_id").loc[9001, "plan_name"].endswith("(Protección)")
    assert any("Windows-1252" in k for k in list(report.counts) + report.warnings)


def test_a_stray_byte_in_utf8_is_repaired_and_reported(tmp_path):
    text = "\n".join(",".join(row) for row in [HEADER, *ROWS]) + "\n"
    content = text.encode("utf-8").replace("Protección".encode(), "Protección".encode("latin-1"))
    path = tmp_path / "fts_requirements_funding_ven.csv"
    path.write_bytes(content)
    got, report = plans(path)
    names = got.set_index("plan_id")["plan_name"]
    assert names.loc[9001].endswith("(Protección)") and names.loc[9002] == "Venezuela 2020 – Türkiye appeal"
    assert any("Windows-1252" in line or "invalid" in line.lower() for line in report.lines())


def test_dates_whose_day_and_month_cannot_be_told_apart_are_refused(tmp_path):
    rows = [[*row[:6], "01/02/2019", "03/04/2019", *row[8:]] for row in ROWS[:1]]
    text = "\n".join(";".join(r) for r in [HEADER, *rows]) + "\n"
    with pytest.raises(IngestError, match=r"column startDate has dates like '01/02/2019'.*YYYY-MM-DD"):
        plans(write(tmp_path, "fts_requirements_funding_ven.csv", text, "utf-8"))


def test_month_first_dates_are_read_when_a_day_tells(tmp_path, original):
    rows = [[*row[:6], *(f"{v[5:7]}/{v[8:]}/{v[:4]}" if v else v for v in row[6:8]), *row[8:]] for row in ROWS]
    text = "\n".join(",".join(f'"{c}"' if "," in c else c for c in r) for r in [HEADER, *rows]) + "\n"
    got, report = plans(write(tmp_path, "fts_requirements_funding_ven.csv", text, "utf-8"))
    pd.testing.assert_frame_equal(got, original)
    assert report.counts["CSV: month-first dates (dd/mm/yyyy style) read as such"] == 1


def test_unknown_header_names_the_separators_found(tmp_path):
    path = write(tmp_path, "fts_requirements_funding_ven.csv", "pais;plan;monto\nVEN;1;2\n", "utf-8")
    with pytest.raises(IngestError, match=r"unrecognised CSV header.*2 semicolon.*CSV UTF-8"):
        plans(path)
