"""/changes and /api/changes.csv|json over a data directory with two versions (and with none)."""
from __future__ import annotations

import io
from datetime import datetime, timezone

import pandas as pd
import pytest

from tests.fixtures.dashboard.dashboard_synth import all_tables, empty_snapshot, write_tables  # noqa: E402,F401

from ingest.store import Store  # noqa: E402


@pytest.fixture
def two_versions(tmp_path, empty_snapshot):
    """The synthetic tables written twice: the second time with one plan's funding and MMP totals moved."""
    from dashboard.app import create_app

    first = all_tables()
    store = Store(tmp_path / "data")
    store.write(first, {}, now=datetime(2026, 1, 1, tzinfo=timezone.utc))
    second = {k: v.copy() for k, v in first.items()}
    plans = second["fts_plans"]
    plans.loc[plans.index[0], "funding_usd"] = plans["funding_usd"].iloc[0] + 1000
    deaths = second["mmp_deaths"]
    deaths.loc[deaths.index[0], "dead"] = deaths["dead"].iloc[0] + 5
    deaths.loc[deaths.index[0], "dead_and_missing"] = deaths["dead_and_missing"].iloc[0] + 5
    store.write(second, {}, now=datetime(2026, 2, 1, tzinfo=timezone.utc))
    app = create_app(tmp_path / "data", check_every=0)
    client = app.server.test_client()
    assert client.get("/").status_code == 200
    return client, first, second


def test_changes_api_csv_and_json(two_versions):
    client, first, second = two_versions
    r = client.get("/api/changes.csv?table=fts_plans")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    frame = pd.read_csv(io.StringIO(r.data.decode()))
    revised = frame[(frame["change"] == "revised") & (frame["field"] == "funding_usd")]
    assert revised["difference"].tolist() == [1000]
    body = client.get("/api/changes.json?table=fts_plans&since=2026-01-15").json
    assert body["meta"]["old_version"].startswith("000001-20260101") and body["meta"]["rows"] == len(frame)
    totals = pd.read_csv(io.StringIO(client.get("/api/changes.csv?table=mmp_deaths&part=totals").data.decode()))
    assert totals["difference"].sum() == 5


def test_changes_api_errors(two_versions):
    client, *_ = two_versions
    assert client.get("/api/changes.csv").status_code == 400
    assert client.get("/api/changes.csv?table=nope").json["param"] == "table"
    assert client.get("/api/changes.csv?table=fts_plans&since=2026-02").json["param"] == "since"
    assert client.get("/api/changes.csv?table=fts_plans&bogus=1").json["param"] == "bogus"
    assert client.get("/api/changes.csv?table=fts_plans&part=totals").status_code == 400
    r = client.get("/api/changes.csv?table=fts_plans&since=2025-01-01")
    assert r.status_code == 409 and "on or before 2025-01-01" in r.json["message"]
    assert client.get("/api/changes.xml?table=fts_plans").status_code == 404


def test_changes_page(two_versions):
    client, *_ = two_versions
    html = client.get("/changes?table=mmp_deaths").data.decode()
    assert "What changed" in html  # registered page title


def test_changes_without_versions(tmp_path, empty_snapshot):
    from dashboard.app import create_app
    from dashboard.pages import changes as page

    directory = tmp_path / "data"
    directory.mkdir()
    app = create_app(directory, check_every=0)
    client = app.server.test_client()
    assert client.get("/changes").status_code == 200
    r = client.get("/api/changes.json?table=mmp_deaths")
    assert r.status_code == 409 and "ingest" in r.json["message"].lower()
    assert str(directory) not in r.json["message"]
    with app.server.test_request_context("/changes"):
        text = str(page.layout(table="mmp_deaths"))
    assert "No comparison yet" in text and "python -m ingest" in text
