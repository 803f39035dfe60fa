"""Incidents with a year but no date: the year filter and the date filters agree (they count in their
year, and in a range holding that whole year), and a range that leaves them out says so in the chart
summaries, the page note, and the API's provenance (JSON meta, CSV header)."""
from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from dashboard import queries as q
from dashboard.data import build_cube
from dashboard.render.figures import undated_sentence
from ingest.cli import main
from ingest.report import Report
from ingest.sources import mmp

from tests.fixtures.dashboard.dashboard_synth import dispatch, empty_snapshot, snapshot_only  # noqa: E402,F401

ROWS = [  # Main ID, Incident Date, Incident Year, Month, dead
    ("2020.MMP0001", "2020-01-15", "2020", "January", 1),
    ("2020.MMP0002", "2020-04-02", "2020", "April", 2),
    ("2020.MMP0003", "", "2020", "April", 4),          # month, no day
    ("2020.MMP0004", "", "", "", 8),                   # year from the id only (as IOM's 13 such 2020 rows)
    ("2020.MMP0005", "", "2020", "", 16),              # year only
    ("2021.MMP0001", "2021-06-30", "2021", "June", 32),
]


def write(path: Path) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["Main ID", "Incident Date", "Incident Year", "Month", "Number of Dead",
                     "Minimum Estimated Number of Missing", "Region of Incident"])
    for main_id, day, year, month, dead in ROWS:
        writer.writerow([main_id, day, year, month, dead, 0, "Mediterranean"])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


@pytest.fixture()
def cube(tmp_path):
    incidents = mmp.read_file(write(tmp_path / "undated.csv"), Report())
    built, precision = build_cube({"mmp_incidents": incidents, "mmp_deaths": mmp.aggregate(incidents)})
    assert precision == "day"
    return built


def dead(cube: pd.DataFrame, **filters) -> int:
    return q.migration_totals(cube, q.Filters(**filters))["dead"]


def test_year_and_whole_year_range_agree(cube):
    assert dead(cube, years=(2020,)) == 1 + 2 + 4 + 8 + 16
    assert dead(cube, date_from=date(2020, 1, 1), date_to=date(2020, 12, 31)) == dead(cube, years=(2020,))
    assert dead(cube, date_from=date(2019, 6, 1), date_to=date(2021, 12, 31)) == 1 + 2 + 4 + 8 + 16 + 32
    assert q.undated_outside(cube, q.Filters(date_from=date(2020, 1, 1), date_to=date(2020, 12, 31))) == []


def test_part_of_a_year_leaves_year_only_incidents_out_and_says_so(cube):
    spring = q.Filters(date_from=date(2020, 3, 1), date_to=date(2020, 5, 31))
    assert q.migration_totals(cube, spring)["dead"] == 2 + 4  # the dated April one and the April-only one
    assert q.undated_outside(cube, spring) == [(2020, 2)]
    assert undated_sentence([(2020, 2)]) == "2 undated incidents in 2020 are not in this range."
    assert undated_sentence([(2020, 1)]) == "1 undated incident in 2020 is not in this range."
    # only a range that cuts the year: one after it says nothing about 2020
    assert q.undated_outside(cube, q.Filters(date_from=date(2021, 1, 1))) == []
    assert q.undated_outside(cube, q.Filters(date_to=date(2020, 6, 30))) == [(2020, 2)]


def test_fast_and_plain_paths_agree(cube):
    plain = pd.DataFrame(cube.copy())  # not registered: the plain pandas path
    for f in (q.Filters(date_from=date(2020, 3, 1), date_to=date(2020, 5, 31)), q.Filters(date_to=date(2020, 6, 30)),
              q.Filters(date_from=date(2020, 4, 10)), q.Filters(date_from=date(2020, 1, 1), date_to=date(2020, 12, 31))):
        assert q.migration_totals(cube, f) == {c: int(q.filter_cube(plain, f)[c].sum()) for c in q.MMP_COUNTS}, f


def test_spanning_rows_answer_as_the_whole_cube(cube):
    """undated_outside asks only the rows spanning months, kept with the cube's index once per load: the
    same answers as a plain frame's (not registered: computed afresh each time)."""
    plain = pd.DataFrame(cube.copy())
    cube = q.index_cube(cube)  # as a loaded Dataset's
    few = q.spanning_rows(cube)
    assert len(few) < len(cube) and set(few["year"]) == {2020}
    assert q.spanning_rows(cube) is few  # kept with the index
    assert q.spanning_rows(plain) is not q.spanning_rows(plain)
    for f in (q.Filters(date_from=date(2020, 3, 1), date_to=date(2020, 5, 31)), q.Filters(date_to=date(2020, 6, 30)),
              q.Filters(date_from=date(2021, 1, 1)), q.Filters(date_from=date(2020, 4, 10), regions=("Mediterranean",)),
              q.Filters(date_from=date(2020, 2, 1), regions=("Sahara Desert",))):
        assert q.undated_outside(few, f) == q.undated_outside(cube, f), f
        assert q.undated_outside(plain, f) == q.undated_outside(cube, f), f


def test_api_provenance_names_the_undated_incidents(tmp_path, monkeypatch):
    snapshot = tmp_path / "snapshot"
    snapshot.mkdir()
    monkeypatch.setenv("HUMDASH_SNAPSHOT_DIR", str(snapshot))
    data = tmp_path / "data"
    assert main(["mmp", "--file", str(write(tmp_path / "undated.csv")), "--data-dir", str(data), "--quiet"]) == 0
    from dashboard.app import create_app

    api = create_app(data, check_every=0).server.test_client()
    query = "date_from=2020-03-01&date_to=2020-05-31"
    meta = api.get(f"/api/mmp/trend.json?{query}").get_json()["meta"]
    assert meta["notes"] == ["2 undated incidents in 2020 are not in this range."]
    response = api.get(f"/api/mmp/deaths-by-origin.csv?{query}")
    assert response.headers["X-Undated-Excluded"] == "2020=2"
    rows = api.get(f"/api/mmp_incidents.csv?{query}").get_data(as_text=True)
    assert "2020.MMP0005" not in rows and "2020.MMP0003" in rows
    whole = api.get("/api/mmp/trend.json?year=2020")
    assert "notes" not in whole.get_json()["meta"] and "X-Undated-Excluded" not in whole.headers


def test_chart_summaries_and_page_note_say_what_the_range_leaves_out(snapshot_only):
    from dashboard.app import create_app

    client = create_app(snapshot_only, check_every=0).server.test_client()
    assert client.get("/").status_code == 200
    # the monthly snapshot's Haiti row (2019) has a year but no month
    controls = {"mig-dates.start_date": "2019-01-01", "mig-dates.end_date": "2019-08-15",
                "mig-group.value": "Americas", "mig-region.value": [], "mig-origin.value": [],
                "mig-cause.value": [], "mig-route.value": [], "mig-freq.value": "month"}
    out = dispatch(client, "mig-origin-graph", controls)
    assert out["mig-origin-summary"]["children"].endswith("1 undated incident in 2019 is not in this range.")
    whole = dispatch(client, "mig-origin-graph", {**controls, "mig-dates.end_date": "2019-12-31"})
    assert "undated" not in whole["mig-origin-summary"]["children"]
    # the page's period note comes with the nationality chart's answer
    assert "1 undated incident in 2019 is not in this range." in str(out["mig-note"])
