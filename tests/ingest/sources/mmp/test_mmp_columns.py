"""Every source column kept (items: the tidy incident table keeps every MMP column, known ones under
fixed names and unknown ones under the snake_case of their header), served by the API; and the
source's own total cross-checked against dead + missing, with disagreements reported by incident."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pytest

from ingest.cli import main
from ingest.report import Report
from ingest.sources import mmp
from tests.conftest import reference_dir, require_reference

REFERENCE = reference_dir() / "mmp"  # ../shared/reference beside the repository, or $HUMDASH_REFERENCE
FULL = REFERENCE / "mmp_global_fullschema_2014-2025-04.xlsx"

HEADER = ["Main ID", "Incident ID", "Incident Type", "Region of Incident", "Incident Date", "Incident Year",
          "Month", "Number of Dead", "Minimum Estimated Number of Missing", "Total Number of Dead and Missing",
          "Country of Origin", "Region of Origin", "Location of Incident", "Information Source",
          "UNSD Geographical Grouping", "Article title", "Website Date", "Reviewer's Note (2024)"]
ROWS = [
    ["2021.MMP0001", "2021.MMP0001", "Incident", "Mediterranean", "2021-01-03", "2021", "January", "2", "1", "3",
     "Eritrea", "Eastern Africa", "Off Zuwara, Libya", "Alarm Phone", "Northern Africa", "Boat sinks",
     "2021-01-05", "checked"],
    ["2021.MMP0002", "2021.MMP0002", "Split Incident", "Mediterranean", "2021-01-04", "2021", "January", "5", "",
     "9", "Unknown", "Uncategorized", " Lampedusa ", "UNHCR", "Southern Europe", "", "2021-01-06", ""],
    ["2021.MMP0003", "2021.MMP0003", "Incident", "Mediterranean", "2021-01-07", "2021", "January", "", "4", "4",
     "Mali", "Sub-Saharan Africa (P)", "Ceuta", "Press", "Northern Africa", "", "", "=1+1"],
]


def write(path: Path) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(ROWS)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def test_every_source_column_is_kept(tmp_path):
    frame = mmp.read_file(write(tmp_path / "incidents.csv"), Report())
    assert len(frame) == 3
    # known columns: fixed names, text as published (trimmed), blanks as <NA>
    assert list(frame["main_id"]) == ["2021.MMP0001", "2021.MMP0002", "2021.MMP0003"]
    assert list(frame["source_incident_id"]) == list(frame["main_id"])
    assert list(frame["incident_type"]) == ["Incident", "Split Incident", "Incident"]
    assert list(frame["location"]) == ["Off Zuwara, Libya", "Lampedusa", "Ceuta"]
    assert list(frame["information_source"]) == ["Alarm Phone", "UNHCR", "Press"]
    assert list(frame["region_of_origin"]) == ["Eastern Africa", "Uncategorized", "Sub-Saharan Africa (P)"]
    assert list(frame["unsd_geographical_grouping"]) == ["Northern Africa", "Southern Europe", "Northern Africa"]
    assert frame.loc[0, "article_title"] == "Boat sinks" and pd.isna(frame.loc[1, "article_title"])
    # unknown columns: snake_case of the header, after the schema's columns, nothing capped
    assert list(frame.columns[-2:]) == ["website_date", "reviewer_s_note_2024"]
    assert list(frame["website_date"].fillna("")) == ["2021-01-05", "2021-01-06", ""]
    assert list(frame["reviewer_s_note_2024"].fillna("")) == ["checked", "", "=1+1"]
    # the Incident Date is the date (Website Date only when a release has no Incident Date)
    assert frame.loc[0, "incident_date"] == pd.Timestamp("2021-01-03")


def test_source_total_kept_and_disagreements_reported(tmp_path):
    report = Report()
    frame = mmp.read_file(write(tmp_path / "incidents.csv"), report)
    assert list(frame["total_dead_and_missing_source"]) == [3, 9, 4]
    assert list(frame["dead_and_missing"]) == [3, 9, 4]  # the source's total is the figure used
    assert report.counts["source total differs from dead + missing (source total kept)"] == 1
    warning = next(w for w in report.warnings if "Total Number of Dead and Missing" in w)
    assert "1 incident(s)" in warning and "2021.MMP0002 (9 vs 5 + blank)" in warning
    assert "2021.MMP0001" not in warning


def test_no_total_column_leaves_the_source_total_blank(tmp_path):
    path = tmp_path / "site.csv"
    path.write_text("Main ID,Incident Date,Number Dead,Minimum Estimated Number of Missing\n"
                    "2026.MMP0001,\"Thu, 01/01/2026 - 12:00\",1,2\n", encoding="utf-8")
    report = Report()
    frame = mmp.read_file(path, report)
    assert frame["total_dead_and_missing_source"].isna().all() and frame.loc[0, "dead_and_missing"] == 3
    assert not any("Total Number" in w for w in report.warnings)


def test_extra_columns_are_served_by_the_api(tmp_path, monkeypatch):
    snapshot = tmp_path / "snapshot"
    snapshot.mkdir()
    monkeypatch.setenv("HUMDASH_SNAPSHOT_DIR", str(snapshot))
    data = tmp_path / "data"
    assert main(["mmp", "--file", str(write(tmp_path / "incidents.csv")), "--data-dir", str(data), "--quiet"]) == 0
    from dashboard.app import create_app

    client = create_app(data, check_every=0).server.test_client()
    text = client.get("/api/mmp_incidents.csv").get_data(as_text=True)
    header = next(csv.reader(io.StringIO(text)))
    for column in ("main_id", "location", "information_source", "region_of_origin", "unsd_geographical_grouping",
                   "incident_type", "article_title", "total_dead_and_missing_source", "website_date",
                   "reviewer_s_note_2024"):
        assert column in header
    assert "'=1+1" in text  # the kept free text is neutralised in CSV like any other text
    body = json.loads(client.get("/api/mmp_incidents.json").get_data(as_text=True))
    assert body["data"][0]["location"] == "Off Zuwara, Libya" and body["data"][0]["website_date"] == "2021-01-05"


@pytest.mark.slow  # reads the 2014-2025 xlsx twice (the parser's way and plain pandas): ~25 s
def test_real_xlsx_keeps_every_column_and_its_totals_agree():
    require_reference(f"mmp/{FULL.name}")
    report = Report()
    frame = mmp.read_file(FULL, report)
    raw = pd.read_excel(FULL, dtype=str)
    assert len(frame) == len(raw) == 19_255
    for column in ("main_id", "source_incident_id", "incident_type", "location", "information_source",
                   "region_of_origin", "unsd_geographical_grouping", "total_dead_and_missing_source"):
        assert frame[column].notna().any(), column
    assert frame["location"].notna().sum() == raw["Location of Incident"].notna().sum()
    # the README: the total is never blank and always equals dead + missing (blanks as 0)
    assert frame["total_dead_and_missing_source"].notna().all()
    assert report.counts["source total differs from dead + missing (source total kept)"] == 0
