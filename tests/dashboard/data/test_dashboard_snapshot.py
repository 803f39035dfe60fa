"""The dashboard on the bundled snapshot (data/snapshot: FTS aggregates and IOM incidents): the published Venezuela
2019 figures come through the API and the overview, and the missing breakdowns say so."""
from __future__ import annotations

import csv
import io
import json

import pytest
from tests.fixtures.dashboard.plotly_view import as_go  # noqa: E402

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
    assert plan["people_in_need"] == "" and plan["people_targeted"] == ""  # FTS has none for HVEN19
    published = list(csv.DictReader(io.StringIO(
        client.get("/api/published_plan_figures.csv?plan_id=827").get_data(as_text=True))))
    assert [(int(r["people_in_need"]), int(r["people_targeted"])) for r in published] == [(7_000_000, 2_600_000)]


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


def test_venezuela_clusters_add_up_to_the_plan(client):
    rows = client.get("/api/fts/clusters.json?plan_id=827").get_json()["data"]
    assert {r["row_type"] for r in rows} == {"cluster", "not_specified", "shared"}
    assert sum(r["funding_usd"] for r in rows) == 76_925_346


def test_no_cluster_breakdown_is_said_in_words(client):
    from dashboard.data import current_dataset
    from dashboard.pages import funding

    app = client.application
    with app.test_request_context():
        ds = current_dataset()
        plans, clusters = ds.tables["fts_plans"], ds.tables["fts_clusters"]
        bare = plans[~plans["plan_id"].isin(clusters["plan_id"]) & plans["countries_iso3"].notna()].iloc[0]
        country = str(bare["countries_iso3"]).split(";")[0]
        assert client.get(f"/api/fts/clusters.json?plan_id={bare['plan_id']}").get_json()["data"] == []
        fig = as_go(funding.update_chart("clusters", country, [], int(bare["plan_id"]), [], "cluster")[0])
    label = bare["plan_code"] if isinstance(bare["plan_code"], str) else bare["plan_name"]
    assert f"No cluster breakdown in this data for {label}" in fig.layout.annotations[0].text.replace("<br>", " ")
    assert client.get("/api/fts/clusters.json?plan_id=929").get_json()["data"]  # Afghanistan has one


def test_migration_on_the_snapshot_incidents(client):
    """The snapshot ships IOM's incidents: day precision, the map has points, the incidents table rows."""
    body = client.get("/api/mmp/deaths-by-origin.json?year=2019&region_group=Americas").get_json()
    assert body["meta"]["precision"] == "day" and body["meta"]["licence"] == "CC BY 4.0"
    incidents = client.get("/api/mmp_incidents.json?year=2019&region_group=Americas").get_json()["data"]
    assert len(incidents) == 500  # the Americas 2019 incidents of the 2025 release (README)
    assert sum(r["dead_and_missing"] for r in incidents) == 866 and all(r["lat"] is not None for r in incidents[:50])
    groups = {r["origin_group"] for r in body["data"]}
    assert {"single", "unknown"} <= groups
    totals = [r["dead_and_missing"] for r in body["data"]]
    assert totals == sorted(totals, reverse=True) and sum(totals) > 0
