"""The dashboard on the bundled snapshot (data/snapshot, aggregates only): the published Venezuela
2019 figures come through the API and the overview, and the missing breakdowns say so."""
from __future__ import annotations

import csv
import io
import json

import pytest

from ingest.store import SNAPSHOT_DIR


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    assert (SNAPSHOT_DIR / "manifest.json").exists(), "the bundled snapshot is part of the repository"
    from dashboard.app import create_app

    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("HUMDASH_SNAPSHOT_DIR", raising=False)
        test_client = create_app(tmp_path_factory.mktemp("empty-data")).server.test_client()
        assert test_client.get("/").status_code == 200
        yield test_client


def test_venezuela_2019_on_the_api(client):
    rows = list(csv.DictReader(io.StringIO(
        client.get("/api/fts/plans.csv?country=VEN&year=2019&regional=0").get_data(as_text=True))))
    plan = next(r for r in rows if r["plan_code"] == "HVEN19")
    assert plan["plan_id"] == "827"
    assert int(plan["requirements_usd"]) == 222_724_387
    assert int(plan["funding_usd"]) == 76_925_346
    assert f"{float(plan['percent_funded']):.1f}" == "34.5"
    assert int(plan["people_in_need"]) == 7_000_000 and int(plan["people_targeted"]) == 2_600_000


def test_venezuela_plans_2019_to_2026(client):
    rows = client.get("/api/fts/plans.json?country=VEN&regional=0").get_json()["data"]
    codes = {r["plan_code"] for r in rows}
    assert {f"HVEN{y % 100:02d}" for y in range(2019, 2027)} <= codes


def test_overview_defaults_show_the_published_numbers(client):
    out = client.post("/_dash-update-component", json={
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
        "inputs": [{"id": "_pages_location", "property": "pathname", "value": "/"},
                   {"id": "_pages_location", "property": "search", "value": ""}],
        "state": [], "changedPropIds": ["_pages_location.pathname"]})
    text = json.dumps(out.get_json())
    for number in ("222,724,387", "76,925,346", "34.5 %", "7,000,000", "2,600,000"):
        assert number in text, number
    assert "bundled snapshot" in text


def test_no_cluster_or_donor_breakdown_for_venezuela_is_said_in_words(client):
    assert client.get("/api/fts/clusters.json?plan_id=827").get_json()["data"] == []
    from dashboard.pages import funding

    app = client.application
    with app.test_request_context():
        fig = funding.update_chart("clusters", "VEN", [], 827, [], "cluster")[0]
    assert "No cluster breakdown in this data for HVEN19" in fig.layout.annotations[0].text.replace("<br>", " ")
    assert client.get("/api/fts/clusters.json?plan_id=929").get_json()["data"]  # Afghanistan has one


def test_migration_on_monthly_snapshot(client):
    body = client.get("/api/mmp/deaths-by-origin.json?year=2019&region_group=Americas").get_json()
    assert body["meta"]["precision"] == "month" and body["meta"]["licence"] == "CC BY 4.0"
    groups = {r["origin_group"] for r in body["data"]}
    assert {"single", "unknown"} <= groups
    totals = [r["dead_and_missing"] for r in body["data"]]
    assert totals == sorted(totals, reverse=True) and sum(totals) > 0
