"""Every schema IOM has published, read through one table of header aliases: each release's header
(as CSV and as xlsx), the May-2022 allData with `Website Date`, respelled headers, unknown extra
columns, and refusals that name the quantity a file truly lacks."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from ingest.errors import IngestError
from ingest.report import Report
from ingest.sources import mmp

# One incident, by canonical field; each schema below writes the fields it has, under its own headers.
VALUES = {
    "main_id": "2021.MMP0042", "alt_id": "2021.MMP0042", "date": None, "year": "2021", "month": "March",
    "region": "Mediterranean", "dead": "3", "missing": "4", "total": "7", "survivors": "10", "females": "1",
    "males": "2", "children": "0", "origin": "Eritrea,Somalia", "country": "Libya",
    "cause": "Drowning", "route": "Central Mediterranean", "coords": "32.9, 13.1", "url": "https://example.org/a",
    "quality": "4",
}
DATES = {"%Y-%m-%d": "2021-03-09", "%B %d, %Y": "March 09, 2021", "site": "Tue, 03/09/2021 - 12:00"}

# The May-2022 allData release: its date column is `Website Date`, with `Incident year` and `Number of Dead`.
WEBSITE_DATE = {
    "main_id": "Main ID", "alt_id": "Incident ID", "region": "Region of Incident", "date": "Website Date",
    "year": "Incident year", "month": "Reported Month", "dead": "Number of Dead",
    "missing": "Minimum Estimated Number of Missing", "total": "Total Number of Dead and Missing",
    "survivors": "Number of Survivors", "females": "Number of Females", "males": "Number of Males",
    "children": "Number of Children", "origin": "Country of Origin", "cause": "Cause of Death",
    "route": "Migration route", "coords": "Coordinates", "url": "URL", "quality": "Source Quality",
}
SCHEMAS = {**{name: dict(layout) for name, layout in mmp.LAYOUTS.items()}, "May-2022 allData": WEBSITE_DATE}


def cells(layout: dict[str, str]) -> tuple[list[str], list[str]]:
    """Header and the one row of a schema."""
    date_text = DATES["site"] if layout.get("date") == "Incident Date" and layout.get("region") == "Region" else (
        DATES["%B %d, %Y"] if layout.get("date") == "Reported Date" else DATES["%Y-%m-%d"])
    row = [date_text if field == "date" else VALUES[field] for field in layout]
    return list(layout.values()), row


def write(tmp_path: Path, name: str, header: list[str], rows: list[list[object]], kind: str) -> Path:
    if kind == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        path = tmp_path / f"{name}.csv"
        path.write_text(buffer.getvalue(), encoding="utf-8")
        return path
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    path = tmp_path / f"{name}.xlsx"
    book.save(path)
    return path


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize("schema", list(SCHEMAS))
def test_every_published_schema_is_read(tmp_path, schema, kind):
    layout = SCHEMAS[schema]
    header, row = cells(layout)
    frame = mmp.read_file(write(tmp_path, schema.replace(" ", "_"), header, [row], kind), Report())
    assert len(frame) == 1
    got = frame.iloc[0]
    assert got["year"] == 2021
    if "date" in layout:
        assert got["incident_date"] == pd.Timestamp("2021-03-09")
    if "month" in layout or "date" in layout:
        assert got["month"] == 3
    for field, column in (("dead", "dead"), ("missing", "missing"), ("survivors", "survivors")):
        if field in layout:
            assert got[column] == int(VALUES[field])
    assert got["dead_and_missing"] == 7
    for field, column in (("region", "region"), ("cause", "cause_of_death"), ("url", "url")):
        if field in layout:
            assert got[column] == VALUES[field]
    if "origin" in layout:
        assert got["origin_iso3"] == "ERI;SOM"
    if "coords" in layout:
        assert (got["lat"], got["lon"]) == (32.9, 13.1)


def test_website_date_is_the_incident_date(tmp_path):
    header, row = cells(WEBSITE_DATE)
    frame = mmp.read_file(write(tmp_path, "allData_2022-05", header, [row], "xlsx"), Report())
    assert frame.loc[0, "incident_date"] == pd.Timestamp("2021-03-09")


@pytest.mark.parametrize("spelling", [
    lambda h: h.upper(), lambda h: h.lower().replace(" ", "_"), lambda h: f"  {h}  ", lambda h: h.replace(" ", "-"),
    lambda h: h.replace(" ", ".") + ":",
])
def test_header_case_spacing_underscores_and_punctuation_do_not_matter(tmp_path, spelling):
    header, row = cells(mmp.LAYOUTS["current full schema"])
    frame = mmp.read_file(write(tmp_path, "respelled", [spelling(h) for h in header], [row], "csv"), Report())
    assert (frame.loc[0, "dead"], frame.loc[0, "missing"], frame.loc[0, "origin_iso3"]) == (3, 4, "ERI;SOM")


def test_every_published_header_maps_to_its_field():
    for name, layout in mmp.LAYOUTS.items():
        for field, header in layout.items():
            assert mmp.field_of(header) == field, (name, header)
    assert mmp.field_of("Website Date") == "date" and mmp.field_of("number_of_dead") == "dead"


def test_minimal_file_with_only_what_is_needed(tmp_path):
    path = write(tmp_path, "minimal", ["Incident year", "Number Dead"], [["2019", "2"], ["2020", ""]], "csv")
    frame = mmp.read_file(path, Report())
    assert list(frame["year"]) == [2019, 2020] and list(frame["dead_and_missing"]) == [2, 0]


@pytest.mark.parametrize("header, lacking, present", [
    (["Incident Date", "Country of Origin"], "number of dead or missing", "incident date or year"),
    (["Number of Dead", "Country of Origin"], "incident date or year", "number of dead or missing"),
])
def test_refusal_names_the_quantity_truly_absent(tmp_path, header, lacking, present):
    path = write(tmp_path, "lacking", header, [["2020-01-01" if "Date" in h else "2" for h in header]], "csv")
    with pytest.raises(IngestError) as err:
        mmp.read_file(path, Report())
    message = str(err.value)
    assert "lacking.csv" in message and f"no column for the {lacking}" in message and present not in message
