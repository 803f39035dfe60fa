"""`python -m ingest` end to end against a real HTTP server on 127.0.0.1 replaying recorded responses:
the live path writes the source's figures, and a failing pull leaves the last good data byte-identical."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pandas as pd
import pytest

from ingest.store import Store

pytestmark = pytest.mark.slow  # every test runs `python -m ingest` in a subprocess against a local server

REPO = Path(__file__).resolve().parents[2]
VIGIA_PLANS = "fts/vigia_v1_public_plan_country_VEN_2026-09-25.json"
VIGIA_FUNDING = "fts/vigia_v1_public_fts_flow_planId-VEN-HRPs_groupby-plan_2026-09-25.json"
EMPTY_GROUPBY = {"status": "ok", "data": {"requirements": {"objects": []},
                                          "report3": {"fundingTotals": {"total": 0, "objects": []},
                                                      "pledgeTotals": {"total": 0, "objects": []}}},
                 "meta": {"language": "en"}}
EMPTY_FLOWS = {"status": "ok", "data": {"incoming": {"flowCount": 0}, "outgoing": {"flowCount": 0},
                                        "internal": {"flowCount": 0}, "flows": []},
               "meta": {"language": "en", "count": 0}}


def run_ingest(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ingest", *args, "--quiet"], cwd=REPO,
                          capture_output=True, text=True, timeout=300)


def tree_hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != ".lock"}


def fts_replay(reference: Path, fail_funding: bool = False):
    """A request handler answering like api.hpc.tools from the recorded Venezuela responses."""
    plans = (reference / VIGIA_PLANS).read_bytes()
    funding = (reference / VIGIA_FUNDING).read_bytes()

    def handle(handler):
        parts = urlsplit(handler.path)
        query = dict(parse_qsl(parts.query))
        status, body = 200, None
        if parts.path == "/v1/public/plan/country/VEN":
            body = plans
        elif parts.path == "/v1/public/fts/flow" and query.get("groupby") == "plan":
            status, body = (503, b"Service Unavailable") if fail_funding else (200, funding)
        elif parts.path == "/v1/public/fts/flow" and query.get("groupby") in {"cluster", "location"}:
            body = json.dumps(EMPTY_GROUPBY).encode()
        elif parts.path == "/v1/public/fts/flow":
            body = json.dumps(EMPTY_FLOWS).encode()
        else:
            status, body = 404, b'{"status":"error","message":"not found"}'
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return handle


@pytest.mark.reference
def test_live_fts_pull_of_venezuela_2019(reference, local_server, tmp_path):
    base, script = local_server
    replay = fts_replay(reference)
    for path in ("/v1/public/plan/country/VEN", "/v1/public/fts/flow", "/v1/public/plan/year/2019",
                 "/v2/fts/flow/plan/overview/progress/2019"):
        script.add(path, replay)
    result = run_ingest("fts", "--country", "VEN", "--year", "2019", "--api-base", base,
                        "--data-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    plan = Store(tmp_path).read("fts_plans").set_index("plan_id").loc[827]
    assert (plan["plan_code"], plan["requirements_usd"], plan["funding_usd"]) == ("HVEN19", 222_724_387, 76_925_346)
    assert plan["pledges_usd"] == 1_023_541 and pd.isna(plan["people_in_need"])  # FTS has no caseloads for it
    published = Store(tmp_path).read("published_plan_figures").set_index("figure_id")
    assert published.loc[827, "people_in_need"] == 7_000_000  # the published figure, in a table of its own
    entry = Store(tmp_path).manifest()["tables"]["fts_plans"]
    assert any(i["url"].startswith(f"{base}/v1/public/plan/country/VEN") for i in entry["inputs"])
    raw = list((tmp_path / "raw" / "fts").glob("*/fetched.json"))
    assert raw and json.loads(raw[0].read_text())[0]["sha256"] == entry["inputs"][0]["sha256"]
    # fts_plans holds FTS data only: HVEN19 (the curated RMRP 2019 row is in published_plan_figures)
    sources = Store(tmp_path).read("fts_plans").set_index("plan_id")["figures_source"]
    assert list(sources.index) == [827] and sources.loc[827].startswith("FTS")
    assert -1 in published.index


def test_worldwide_live_pull(local_server, tmp_path):
    """--world: every plan of a year from plan/year, funding from groupby=plan in chunks, each
    multi-country plan's country split from groupby=location; requests recorded by the server."""
    fixtures = REPO / "tests" / "fixtures" / "fts"
    plan_year = json.loads((fixtures / "plan_year_2020.json").read_text())
    funding = json.loads((fixtures / "flow_planId-9001-9002-9004_groupby-plan.json").read_text())
    locations = (fixtures / "flow_planid-9004_groupby-location.json").read_bytes()
    seen: list[str] = []

    def handle(handler):
        parts = urlsplit(handler.path)
        query = dict(parse_qsl(parts.query))
        seen.append(handler.path)
        if parts.path == "/v1/public/plan/year/2020":
            body = json.dumps(plan_year).encode()
        elif query.get("groupby") == "plan":
            body = json.dumps(funding).encode()
        elif query.get("groupby") == "location" and query.get("planId") == "9004":
            body = locations
        else:
            body = json.dumps(EMPTY_GROUPBY).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    base, script = local_server
    for path in ("/v1/public/plan/year/2020", "/v1/public/fts/flow"):
        script.add(path, handle)
    result = run_ingest("fts", "--world", "--year", "2020", "--api-base", base, "--data-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    plans = Store(tmp_path).read("fts_plans").set_index("plan_id")
    listed = {p["id"] for p in plan_year["data"]}
    assert set(plans.index) == listed and (plans["coverage"] == "plan").all()
    assert sum(1 for p in seen if "groupby=plan" in p) == 1  # one chunk for three plans
    loc = Store(tmp_path).read("fts_plan_locations")
    assert set(loc["plan_id"]) <= listed and 9004 in set(loc["plan_id"])


@pytest.mark.reference
def test_failed_live_pull_keeps_the_last_good_data(reference, local_server, tmp_path):
    good = run_ingest("mmp", "--file", str(reference / "mmp" / "mmp_global_siteexport_2026-01-to-2026-05.csv"),
                      "--data-dir", str(tmp_path))
    assert good.returncode == 0, good.stderr
    before = tree_hashes(tmp_path)
    base, script = local_server
    replay = fts_replay(reference, fail_funding=True)
    for path in ("/v1/public/plan/country/VEN", "/v1/public/fts/flow", "/v1/public/plan/year/2019"):
        script.add(path, replay)
    result = run_ingest("fts", "--country", "VEN", "--year", "2019", "--api-base", base,
                        "--retries", "1", "--data-dir", str(tmp_path))
    assert result.returncode == 1
    assert "HTTP 503" in result.stderr and "groupby=plan" in result.stderr and "Traceback" not in result.stderr
    after = tree_hashes(tmp_path)
    assert {k: v for k, v in after.items() if not k.startswith("raw/")} == before
    assert not [p for p in tmp_path.rglob("*") if ".tmp" in p.name]


@pytest.mark.reference
def test_live_mmp_pull_from_the_recorded_feed(reference, local_server, tmp_path):
    base, script = local_server
    for year in (2019, 2020):
        body = (reference / "mmp" / "feed" / f"mmp_feed_{year}.json").read_bytes()
        script.add(f"/global-figures/{year}/json", (200, body, None))
    result = run_ingest("mmp", "--year", "2019", "--year", "2020", "--base-url", base, "--data-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    incidents = Store(tmp_path).read("mmp_incidents")
    assert incidents.groupby("year").size().to_dict() == {2019: 1832, 2020: 1352}
    feed = json.loads((reference / "mmp" / "feed" / "mmp_feed_2019.json").read_text())
    expected = sum(int(r["total_dead_and_missing"].replace(",", "") or 0) for r in feed)
    assert incidents.loc[incidents["year"] == 2019, "dead_and_missing"].sum() == expected


def test_fts_credentials_never_go_to_the_iom_site(local_server, tmp_path, monkeypatch):
    """FTS_BASIC_AUTH is an FTS client's login: a live MMP pull must not send it to another site."""
    base, script = local_server
    seen: list[str | None] = []

    def feed(handler):
        seen.append(handler.headers.get("Authorization"))
        body = b"[]"
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    script.add("/global-figures/2019/json", feed)
    monkeypatch.setenv("FTS_BASIC_AUTH", "fts-user:fts-secret")
    run_ingest("mmp", "--year", "2019", "--base-url", base, "--data-dir", str(tmp_path), "--retries", "0")
    assert seen, "the MMP site was not asked"
    assert seen == [None] * len(seen)


def test_unreachable_mmp_site_is_a_clear_error(tmp_path):
    result = run_ingest("mmp", "--year", "2019", "--base-url", "http://127.0.0.1:9", "--retries", "0",
                        "--data-dir", str(tmp_path))
    assert result.returncode == 1
    assert "127.0.0.1:9/global-figures/2019/json" in result.stderr and "connection failed" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "tables").exists()


def test_hdx_worldwide_exports_downloaded(reference, local_server, tmp_path):
    """--hdx-global: CKAN package_show names the resources, both CSVs are downloaded and read; every
    multi-country plan's total is the sum of its country rows (the real February-2026 export, replayed)."""
    plans_csv = (reference / "fts" / "global" / "hdx_download_fts_requirements_funding_global_2026-02.csv").read_bytes()
    clusters_csv = (reference / "fts" / "global" /
                    "hdx_download_fts_requirements_funding_cluster_global_2026.csv").read_bytes()
    base, script = local_server
    package = {"success": True, "result": {"name": "world-requirements-and-funding-data", "resources": [
        {"name": "fts_requirements_funding_global.csv", "download_url": f"{base}/dl/plans.csv"},
        {"name": "fts_requirements_funding_cluster_global.csv", "download_url": f"{base}/dl/clusters.csv"}]}}
    bodies = {"/api/3/action/package_show": (json.dumps(package).encode(), "application/json"),
              "/dl/plans.csv": (plans_csv, "text/csv"), "/dl/clusters.csv": (clusters_csv, "text/csv")}

    def handle(handler):
        parts = urlsplit(handler.path)
        body, kind = bodies[parts.path]
        status = 200
        if parts.path.endswith("package_show") and dict(parse_qsl(parts.query)).get("id") != package["result"]["name"]:
            status, body = 404, json.dumps({"success": False, "error": {"message": "Not found"}}).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", kind)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    for path in bodies:
        script.add(path, handle)
    result = run_ingest("fts", "--hdx-global", "--hdx-base", base, "--data-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    plans = Store(tmp_path).read("fts_plans").set_index("plan_id")
    assert len(plans) > 800 and plans.loc[1069, "coverage"] == "sum of country shares"
    assert plans.loc[1069, "funding_usd"] == 612_511_840  # the 17 country rows of the RMRP 2022, by hand
    assert len(Store(tmp_path).read("fts_clusters")) > 8000
    inputs = Store(tmp_path).manifest()["tables"]["fts_plans"]["inputs"]
    assert any(i["url"].endswith("/dl/plans.csv") for i in inputs)
    missing = run_ingest("fts", "--hdx-global", "--hdx-base", base, "--hdx-dataset", "no-such-dataset",
                         "--data-dir", str(tmp_path / "other"), "--retries", "0")
    assert missing.returncode == 1 and "no-such-dataset" in missing.stderr
