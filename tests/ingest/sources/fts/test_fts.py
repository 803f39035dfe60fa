"""FTS parser on small hand-written fixtures (tests/fixtures/fts) and a live pull against a local HTTP server.

Expected numbers below are written from the fixture files themselves, not computed by the parser.
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pandas as pd
import pytest

from ingest.errors import IngestError
from ingest.http import Client
from ingest.report import Report
from ingest.sources import fts

FIX = Path(__file__).resolve().parents[3] / "fixtures" / "fts"
PLAN_COUNTRY = FIX / "plan_country_VEN.json"
GROUPBY_PLAN = FIX / "flow_planId-9001-9002-9004_groupby-plan.json"
CLUSTER_JSON = FIX / "flow_planid-9001_groupby-cluster.json"
LOCATION_JSON = FIX / "flow_planid-9004_groupby-location.json"
PAGE_1, PAGE_2 = FIX / "flow_planId-9001_page-1.json", FIX / "flow_planId-9001_page-2.json"
FLOWS_9004 = FIX / "flow_planId-9004.json"
PROGRESS = FIX / "plan_overview_progress_2020.json"
PLAN_YEAR = FIX / "plan_year_2020.json"
OLD_FLAT = FIX / "plan_list_old_flat.json"
PLAN_CSV = FIX / "fts_requirements_funding_ven.csv"
CLUSTER_CSV = FIX / "fts_requirements_funding_cluster_ven.csv"
CLUSTER_CSV_HXL = FIX / "fts_requirements_funding_cluster_ven_hxl.csv"
FLOW_CSV = FIX / "fts_incoming_funding_ven.csv"
CURATED = FIX / "plan_figures.csv"


def read(*paths: Path) -> tuple[dict[str, pd.DataFrame], Report]:
    report = Report()
    return fts.read_files(list(paths), report), report


def plan(tables: dict, plan_id: int) -> pd.Series:
    plans = tables["fts_plans"]
    rows = plans[plans["plan_id"] == plan_id]
    assert len(rows) == 1, f"plan {plan_id}: {len(rows)} rows"
    return rows.iloc[0]


def counted(report: Report, fragment: str) -> int:
    return sum(n for what, n in report.counts.items() if fragment in what)


def write(tmp_path: Path, name: str, content: str | bytes | dict) -> Path:
    path = tmp_path / name
    if isinstance(content, dict):
        content = json.dumps(content)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


# --------------------------------------------------------------------------------------------------
# read_files: plans and funding
# --------------------------------------------------------------------------------------------------

def test_plan_country_and_groupby_plan_combine_on_plan_id():
    tables, report = read(PLAN_COUNTRY, GROUPBY_PLAN)
    assert set(tables) == {"fts_plans"}
    assert sorted(tables["fts_plans"]["plan_id"]) == [9001, 9002, 9004, 9005]  # 9003 OCOVD20 left out
    p = plan(tables, 9001)
    assert (p.plan_code, p.year, p.plan_type) == ("HVEN19", 2019, "Humanitarian response plan")
    assert p.requirements_usd == 1_200_000 and p.requirements_original_usd == 1_000_000
    assert p.funding_usd == 600_000  # report3, not report2's 650,000 nor report1
    assert p.pledges_usd == 25_000
    assert p.percent_funded == pytest.approx(50.0) and p.unmet_usd == 600_000
    assert p.countries_iso3 == "VEN" and not p.is_regional  # the adminLevel 1 location is not a country
    assert p.start_date == pd.Timestamp("2019-01-01") and p.figures_source == "FTS api.hpc.tools"
    regional = plan(tables, 9004)
    assert regional.is_regional and regional.countries_iso3 == "COL;VEN"
    assert regional.funding_usd == 250_000 and regional.percent_funded == pytest.approx(250_000 / 3_000_000 * 100)
    assert counted(report, "global 'O...' plan left out") == 1
    assert counted(report, "id 'undefined'") == 1


def test_plan_missing_from_report3_has_zero_funding_not_unknown():
    tables, _ = read(PLAN_COUNTRY, GROUPBY_PLAN)
    p = plan(tables, 9002)
    assert p.funding_usd == 0 and p.pledges_usd == 0
    assert p.percent_funded == 0.0 and p.unmet_usd == 2_000_000


def test_plan_no_funding_file_is_flagged():
    tables, report = read(PLAN_COUNTRY, GROUPBY_PLAN)
    p = plan(tables, 9005)  # in plan/country, not asked in groupby=plan
    assert p.funding_usd == 0 and "funding not in the data read" in p.figures_source
    assert counted(report, "no funding figure") == 1


@pytest.mark.parametrize("path", [PLAN_COUNTRY, GROUPBY_PLAN], ids=["origRequirements 0", "origRequirements absent"])
def test_no_original_requirement_is_blank_and_counted(path):
    tables, report = read(path)
    p = plan(tables, 9002)
    assert pd.isna(p.requirements_original_usd) and p.requirements_usd == 2_000_000
    assert counted(report, "no original requirement") >= 1


def test_groupby_plan_alone_takes_year_and_name_from_the_name():
    tables, _ = read(GROUPBY_PLAN)
    p = plan(tables, 9004)
    assert p.year == 2020 and p.plan_name == "Regional Refugee and Migrant Response Plan 2020"
    assert pd.isna(p.plan_code) and p.is_regional  # no code, no countries: 'Regional' in the name


def test_old_flat_plan_rows():
    tables, report = read(OLD_FLAT)
    chad, sahel = plan(tables, 8001), plan(tables, 8002)
    assert (chad.plan_name, chad.plan_code, chad.plan_type, chad.year) == (
        "Chad 2019", "HTCD19", "Humanitarian response plan", 2019)
    assert chad.countries_iso3 == "TCD" and chad.end_date == pd.Timestamp("2019-12-31")
    assert chad.requirements_usd == 476_582_121
    assert sahel.is_regional and pd.isna(sahel.requirements_usd)  # revisedRequirements 0 = no value
    assert sahel.requirements_original_usd == 250_000_000 and pd.isna(sahel.percent_funded)
    assert counted(report, "requirements of 0") == 1


def test_later_file_wins_a_disagreement_and_it_is_counted():
    tables, report = read(GROUPBY_PLAN, PLAN_CSV)
    assert plan(tables, 9002).funding_usd == 700_000
    assert counted(report, "funding_usd differs between files") == 1
    tables, _ = read(PLAN_CSV, GROUPBY_PLAN)
    assert plan(tables, 9002).funding_usd == 0


def test_a_filtered_groupby_plan_only_fills_blanks(tmp_path):
    body = json.loads(GROUPBY_PLAN.read_text(encoding="utf-8"))
    del body["data"]["requirements"]  # as covid-viz's emergencyid=911 query
    filtered = write(tmp_path, "groupby_plan_emergency.json", body)
    tables, report = read(PLAN_CSV, filtered)
    assert plan(tables, 9001).funding_usd == 600_000  # the CSV has it too: same value
    assert plan(tables, 9002).funding_usd == 700_000  # CSV figure kept over the filtered file's 0
    assert report.warnings and "without requirements" in report.warnings[0]


def test_people_from_overview_progress():
    tables, report = read(PROGRESS)
    p = plan(tables, 9002)
    assert (p.people_in_need, p.people_targeted) == (3_000_000, 1_500_000)
    assert p.people_source.startswith("FTS api.hpc.tools") and p.funding_usd == 0  # no funding key = 0
    regional = plan(tables, 9004)
    assert (regional.people_in_need, regional.people_targeted) == (4_000_000, 2_000_000)  # customReference "1"
    assert regional.countries_iso3 == "COL;VEN" and regional.funding_usd == 250_000
    assert pd.isna(plan(tables, 7777).people_in_need)
    assert counted(report, "several caseloads") == 1


# --------------------------------------------------------------------------------------------------
# read_files: clusters, locations, HDX CSVs
# --------------------------------------------------------------------------------------------------

def test_cluster_rows_add_up_to_the_plan_total():
    tables, report = read(CLUSTER_JSON)
    c = tables["fts_clusters"].set_index("cluster_name")
    assert list(c.index) == ["Educación", "Protección", "Salud", "Seguridad alimentaria", "Not specified",
                             fts.SHARED_CLUSTERS]
    assert (c["plan_id"] == 9001).all() and (c["cluster_type"] == "cluster").all()
    assert c.loc["Salud", "funding_usd"] == 250_000 and c.loc["Salud", "percent_funded"] == pytest.approx(50.0)
    assert pd.isna(c.loc["Protección", "requirements_original_usd"])  # key absent (added after launch)
    assert c.loc["Protección", "funding_usd"] == 0
    assert c.loc["Educación", "funding_usd"] == 0 and pd.isna(c.loc["Educación", "requirements_original_usd"])
    assert pd.isna(c.loc["Seguridad alimentaria", "requirements_usd"])
    assert c.loc["Not specified", "row_type"] == "not_specified" and c.loc["Not specified", "funding_usd"] == 200_000
    assert c.loc[fts.SHARED_CLUSTERS, "row_type"] == "shared" and c.loc[fts.SHARED_CLUSTERS, "funding_usd"] == 50_000
    assert c["funding_usd"].sum() == 600_000  # = plan 9001's report3 funding
    assert counted(report, "requirements but no funding") == 1


def test_cluster_file_without_plan_id_in_its_name_is_refused(tmp_path):
    path = write(tmp_path, "clusters.json", CLUSTER_JSON.read_bytes())
    with pytest.raises(IngestError, match=r"clusters\.json.*plan id"):
        read(path)


def test_hdx_cluster_csv_with_and_without_hxl_row_give_the_same_table():
    plain, report = read(CLUSTER_CSV)
    hxl, hxl_report = read(CLUSTER_CSV_HXL)
    pd.testing.assert_frame_equal(plain["fts_clusters"], hxl["fts_clusters"])
    assert counted(hxl_report, "HXL") == 1 and counted(report, "HXL") == 0
    c = plain["fts_clusters"].set_index("cluster_name")
    assert c["funding_usd"].sum() == 600_000
    assert c.loc["Agua, saneamiento e higiene", "funding_usd"] == 0  # blank in the CSV
    assert c.loc["Multiple clusters/sectors (shared)", "row_type"] == "shared"
    assert c.loc["Not specified", "row_type"] == "not_specified"
    assert counted(report, "blank funding") == 2


def test_hdx_plan_csv():
    tables, report = read(PLAN_CSV)
    assert sorted(tables["fts_plans"]["plan_id"]) == [8999, 9001, 9002, 9003]
    p = plan(tables, 9002)
    assert (p.requirements_usd, p.funding_usd, p.year, p.plan_type) == (2_000_000, 700_000, 2020,
                                                                       "Humanitarian response plan")
    assert p.figures_source == "FTS HDX export" and p.countries_iso3 == "VEN"
    old = plan(tables, 8999)
    assert pd.isna(old.requirements_usd) and pd.isna(old.percent_funded) and old.funding_usd == 5_000
    assert counted(report, "HDX plan rows: dropped: 'Not specified'") == 3
    # OCOVD20's row is Venezuela's share of a worldwide plan: a plan-location figure; the plan is kept,
    # marked partial, with its total blank (never Venezuela's share shown as the plan's total)
    share = tables["fts_plan_locations"].iloc[0]
    assert (share.plan_id, share.location_iso3, share.funding_usd) == (9003, "VEN", 120_000)
    assert pd.isna(share.share_of_funding_percent)
    covid = plan(tables, 9003)
    assert covid.coverage == "partial" and pd.isna(covid.funding_usd) and pd.isna(covid.requirements_usd)
    assert pd.isna(covid.percent_funded) and covid.countries_iso3 == "VEN" and covid.plan_type == "Other"
    assert p.coverage == "plan" and p.plan_type_id == 4
    rows = {k.removeprefix("HDX plan rows: "): v for k, v in report.counts.items() if k.startswith("HDX plan rows")}
    assert sum(rows.values()) == 7  # every data row accounted for: kept, summed or dropped with its reason


def test_locations_of_a_regional_plan():
    tables, _ = read(LOCATION_JSON)
    loc = tables["fts_plan_locations"].set_index("location_iso3")
    assert loc.loc["COL", "requirements_usd"] == 2_000_000 and loc.loc["COL", "funding_usd"] == 200_000
    assert loc.loc["VEN", "location_id"] == "242" and loc.loc["VEN", "funding_usd"] == 50_000
    assert loc["requirements_original_usd"].isna().all()  # given as 0


# --------------------------------------------------------------------------------------------------
# read_files: flows and donors
# --------------------------------------------------------------------------------------------------

def test_flow_pages_keep_every_flow():
    tables, _ = read(PAGE_1, PAGE_2)
    flows = tables["fts_flows"].set_index("flow_id")
    n = sum(len(json.loads(p.read_text(encoding="utf-8"))["data"]["flows"]) for p in (PAGE_1, PAGE_2))
    assert len(flows) == n == 5
    f = flows.loc["500001"]
    assert (f.plan_id, f.status, f.amount_usd, f.donor_name, f.donor_type, f.donor_iso3) == (
        9001, "paid", 300_000, "Norway, Government of", "Government", "NOR")
    assert (f.original_amount, f.original_currency, f.recipient_name, f.recipient_type) == (
        2_700_000.0, "NOK", "World Food Programme", "UN agency")
    assert f.date == pd.Timestamp("2019-05-02") and f.decision_date == pd.Timestamp("2019-04-30")
    assert flows.loc["500002", "cluster_name"] == "Salud; Protección" and pd.isna(flows.loc["500002", "donor_iso3"])
    child = flows.loc["500003"]
    assert child.boundary == "internal" and child.parent_flow_id == "499999" and child.donor_iso3 == "VEN"
    assert flows.loc["500004", "status"] == "pledge"


def test_donors_count_incoming_flows_only():
    tables, _ = read(PAGE_1, PAGE_2)
    d = tables["fts_donors"].set_index("donor_name")
    assert "Venezuela Humanitarian Fund" not in d.index  # internal child flow: money already counted
    norway = d.loc["Norway, Government of"]
    assert (norway.funding_usd, norway.pledges_usd, norway.flows, norway.donor_iso3) == (300_000, 25_000, 2, "NOR")
    assert d["funding_usd"].sum() == 500_000  # 300,000 + 150,000 + 50,000
    assert norway.share_percent == pytest.approx(60.0)
    pd.testing.assert_frame_equal(fts.donors(tables["fts_flows"]), tables["fts_donors"])


def test_hdx_flow_csv():
    tables, report = read(FLOW_CSV)
    flows = tables["fts_flows"].set_index("flow_id")
    assert len(flows) == 3 and counted(report, "HXL") == 1
    f = flows.loc["700001"]
    assert (f.plan_id, f.donor_iso3, f.cluster_name, f.original_currency) == (
        9002, "DEU", "Housing, Land and Property; Protection", "EUR")
    assert pd.isna(flows.loc["700003", "plan_id"]) and pd.isna(flows.loc["700002", "original_amount"])
    assert set(tables["fts_donors"]["plan_id"]) == {9002}


# --------------------------------------------------------------------------------------------------
# read_files: what is skipped, what is refused
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, body, why", [
    ("manifest.json", [{"file": "00.txt", "url": "https://api.hpc.tools/v1/public/plan/country/VEN"}], "manifest"),
    ("package.json", {"name": "x", "resources": [], "license_id": "cc-by-igo"}, "CKAN"),
    ("locations.json", {"status": "ok", "data": [{"id": 1, "iso3": "AFG", "name": "Afghanistan", "adminLevel": 0}]},
     "location list"),
    ("trends.json", {"status": "ok", "data": [{"year": 2020, "totalFunding": 5}]}, "summary trends"),
])
def test_files_without_our_data_are_skipped(tmp_path, name, body, why):
    tables, report = read(write(tmp_path, name, json.dumps(body)))
    assert tables == {}
    assert any(what.startswith("skipped:") and why in what for what in report.counts)


@pytest.mark.parametrize("name, content, message", [
    ("unknown.json", '{"status": "ok", "data": {"foo": 1}}', r"unknown\.json: unrecognised JSON shape"),
    ("page.json", "<!DOCTYPE html><html><body>Service unavailable</body></html>", r"page\.json: got an HTML page"),
    ("cut.json", '{"status": "ok", "data": [{"id": 1', r"cut\.json: malformed or truncated JSON"),
    ("refused.json", '{"status": "error", "message": "rate limited"}', r"refused\.json: field status is 'error'"),
    ("empty.json", "", r"empty\.json: the file is empty"),
    ("other.csv", "a,b,c\n1,2,3\n", r"other\.csv: unrecognised CSV header"),
    ("short.csv", PLAN_CSV.read_text(encoding="utf-8").replace(",35\n", "\n"), r"short\.csv row 4: 11 cells"),
])
def test_unrecognised_or_malformed_files_name_the_file(tmp_path, name, content, message):
    with pytest.raises(IngestError, match=message):
        read(write(tmp_path, name, content))


def test_missing_field_names_file_and_field(tmp_path):
    body = json.loads(GROUPBY_PLAN.read_text(encoding="utf-8"))
    del body["data"]["report3"]
    with pytest.raises(IngestError, match=r"groupby_plan\.json: field data\.report3 missing"):
        read(write(tmp_path, "groupby_plan.json", body))
    flows = json.loads(PAGE_1.read_text(encoding="utf-8"))
    del flows["data"]["flows"][1]["amountUSD"]
    with pytest.raises(IngestError, match=r"page\.json flow #1: field amountUSD missing"):
        read(write(tmp_path, "page.json", flows))


# --------------------------------------------------------------------------------------------------
# fetch: a real HTTP server on 127.0.0.1
# --------------------------------------------------------------------------------------------------

class FakeAPI:
    """A tiny api.hpc.tools: routes keyed by path and sorted query; records what was served."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, str, bytes]] = {}
        self.served: list[tuple[str, int]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server API)
                key = api.key(self.path)
                status, content_type, body = api.routes.get(key, (404, "text/plain", b"not found"))
                api.served.append((key, status))
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    @staticmethod
    def key(path: str) -> str:
        parts = urlsplit(path)
        query = urlencode(sorted(parse_qsl(parts.query)))
        return parts.path + (f"?{query}" if query else "")

    def add(self, path: str, body: bytes | str | dict | Path, status: int = 200,
            content_type: str = "application/json; charset=utf-8") -> None:
        if isinstance(body, Path):
            body = body.read_text(encoding="utf-8")
        if isinstance(body, dict):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.replace("https://api.hpc.tools", self.base).encode("utf-8")
        self.routes[self.key(path)] = (status, content_type, body)

    def client(self) -> Client:
        return Client(self.base, min_interval=0, retries=0, timeout=5)


EMPTY_GROUPBY = {"status": "ok", "data": {"requirements": {"objects": []},
                                          "report3": {"fundingTotals": {"total": 0, "objects": []},
                                                      "pledgeTotals": {"total": 0, "objects": []}}},
                 "meta": {"language": "en"}}
EMPTY_FLOWS = {"status": "ok",
               "data": {"incoming": {"flowCount": 0}, "outgoing": {"flowCount": 0}, "internal": {"flowCount": 0},
                        "flows": []},
               "meta": {"language": "en", "count": 0}}


@pytest.fixture
def api():
    server = FakeAPI()
    server.add("/v1/public/plan/country/VEN", PLAN_COUNTRY)
    server.add("/v1/public/fts/flow?planId=9001,9002,9004&groupby=plan", GROUPBY_PLAN)
    server.add("/v1/public/fts/flow?planId=9001&groupby=cluster", CLUSTER_JSON)
    server.add("/v1/public/fts/flow?planId=9002&groupby=cluster", EMPTY_GROUPBY)
    server.add("/v1/public/fts/flow?planId=9004&groupby=cluster", EMPTY_GROUPBY)
    server.add("/v1/public/fts/flow?planId=9004&groupby=location", LOCATION_JSON)
    server.add("/v1/public/fts/flow?planId=9001", PAGE_1)
    server.add("/v1/public/fts/flow?planId=9001&page=2", PAGE_2)
    server.add("/v1/public/fts/flow?planId=9002", EMPTY_FLOWS)
    server.add("/v1/public/fts/flow?planId=9004", FLOWS_9004)
    server.add("/v2/fts/flow/plan/overview/progress/2020", PROGRESS)
    # progress/2019 is not registered: a 404, which must only be a warning
    yield server
    server.server.shutdown()
    server.server.server_close()


def test_fetch_follows_the_recipe(api):
    ticks: list[int] = []
    report = Report()
    tables = fts.fetch(api.client(), "ven", [2019, 2020], report, progress=ticks.append, regional=False)
    assert set(tables) == {"fts_plans", "fts_clusters", "fts_plan_locations", "fts_flows", "fts_donors"}
    plans = tables["fts_plans"].set_index("plan_id")
    assert sorted(plans.index) == [9001, 9002, 9004]  # OCOVD20 (worldwide) and 2021's plan left out
    assert plans.loc[9001, "funding_usd"] == 600_000 and plans.loc[9001, "pledges_usd"] == 25_000
    assert plans.loc[9002, "funding_usd"] == 0 and pd.isna(plans.loc[9002, "requirements_original_usd"])
    assert (plans.loc[9002, "people_in_need"], plans.loc[9004, "people_in_need"]) == (3_000_000, 4_000_000)
    assert pd.isna(plans.loc[9001, "people_in_need"])
    assert any("2019" in w for w in report.warnings)  # progress/2019 answered 404
    assert counted(report, "requirements of 0") == 0  # only OCOVD20 has it, and it was left out
    clusters = tables["fts_clusters"]
    assert clusters[clusters["plan_id"] == 9001]["funding_usd"].sum() == 600_000
    assert set(tables["fts_plan_locations"]["plan_id"]) == {9004}  # regional plans only
    flows = tables["fts_flows"]
    assert len(flows) == 6 and set(flows["plan_id"]) == {9001, 9004}
    ok = [key for key, status in api.served if status == 200]
    assert sum(ticks) == len(ok) == 11  # one tick per answered request
    assert not any("overview/progress/2020" in key for key, status in api.served if status != 200)


def test_fetch_adds_regional_plans_that_name_the_country(api):
    api.add("/v1/public/plan/year/2020", PLAN_YEAR)
    api.add("/v1/public/fts/flow?planId=9002,9004,9006&groupby=plan", GROUPBY_PLAN)
    for path in ("/v1/public/fts/flow?planId=9006&groupby=cluster", "/v1/public/fts/flow?planId=9006&groupby=location"):
        api.add(path, EMPTY_GROUPBY)
    api.add("/v1/public/fts/flow?planId=9006", EMPTY_FLOWS)
    report = Report()
    tables = fts.fetch(api.client(), "VEN", [2020], report)
    plans = tables["fts_plans"].set_index("plan_id")
    assert sorted(plans.index) == [9002, 9004, 9006]  # 9007 (Syria) not added
    assert plans.loc[9006, "plan_code"] == "RREG20b" and plans.loc[9006, "funding_usd"] == 0
    assert plans.loc[9006, "countries_iso3"] == "COL;PER" and plans.loc[9006, "is_regional"]


def test_fetch_next_link_loop_is_an_error(api):
    page2 = json.loads(PAGE_2.read_text(encoding="utf-8"))
    page2["meta"]["nextLink"] = "https://api.hpc.tools/v1/public/fts/flow?planId=9001"
    api.add("/v1/public/fts/flow?planId=9001&page=2", page2)
    with pytest.raises(IngestError, match=r"nextLink .*planId=9001 was already fetched"):
        fts.fetch(api.client(), "VEN", [2019, 2020], Report(), regional=False)


def test_fetch_stops_at_the_page_cap(api, monkeypatch):
    page2 = json.loads(PAGE_2.read_text(encoding="utf-8"))
    page2["meta"]["nextLink"] = "https://api.hpc.tools/v1/public/fts/flow?planId=9001&page=3"
    api.add("/v1/public/fts/flow?planId=9001&page=2", page2)
    api.add("/v1/public/fts/flow?planId=9001&groupby=plan", GROUPBY_PLAN)
    monkeypatch.setattr(fts.api_fetch, "MAX_PAGES", 2)
    with pytest.raises(IngestError, match=r"plan 9001: more than 2 pages"):
        fts.fetch(api.client(), "VEN", [2019], Report(), regional=False)


@pytest.mark.parametrize("body, message", [
    ({"status": "error", "message": "Too many requests"}, r"/v1/public/plan/country/VEN: field status is 'error'"),
    ({"data": []}, r"/v1/public/plan/country/VEN: field status missing"),
    ({"status": "ok", "data": []}, r"/v1/public/plan/country/VEN: field data is an empty list"),
    ({"status": "ok", "plans": []}, r"/v1/public/plan/country/VEN: field data missing"),
    ("<html><body>Maintenance</body></html>", r"/v1/public/plan/country/VEN: got an HTML page"),
])
def test_fetch_refuses_bad_envelopes(api, body, message):
    api.add("/v1/public/plan/country/VEN", body)
    with pytest.raises(IngestError, match=message):
        fts.fetch(api.client(), "VEN", [2019], Report(), regional=False)


def test_fetch_missing_field_names_the_url(api):
    body = json.loads(GROUPBY_PLAN.read_text(encoding="utf-8"))
    del body["data"]["report3"]["fundingTotals"]
    api.add("/v1/public/fts/flow?planId=9001&groupby=plan", body)
    with pytest.raises(IngestError, match=r"groupby=plan.*field data\.report3\.fundingTotals missing"):
        fts.fetch(api.client(), "VEN", [2019], Report(), regional=False)


def test_fetch_empty_funding_answer_is_an_error(api):
    api.add("/v1/public/fts/flow?planId=9001&groupby=plan", EMPTY_GROUPBY)
    with pytest.raises(IngestError, match=r"planId=9001&groupby=plan: fields data\.requirements\.objects .* empty"):
        fts.fetch(api.client(), "VEN", [2019], Report(), regional=False)


def test_a_multi_year_plan_is_kept_for_each_of_its_years():
    body = json.loads(PLAN_COUNTRY.read_text(encoding="utf-8"))
    body["data"][4]["years"] = [{"id": 42, "year": "2021"}, {"id": 43, "year": "2022"}]  # HVEN21 -> 2021-2022
    rows = fts._plan_rows(body["data"], "plan/country")
    assert sorted(fts._select_country_plans(rows, "VEN", [2022], Report(), "plan/country")) == [9005]
    assert fts._plan_rows(body["data"], "plan/country")[4][1]["year"] == 2021  # the table's year: the first


def test_fetch_without_plans_for_the_years_asked(api):
    with pytest.raises(IngestError, match=r"no VEN plans for 2030"):
        fts.fetch(api.client(), "VEN", [2030], Report(), regional=False)


# --------------------------------------------------------------------------------------------------
# apply_curated
# --------------------------------------------------------------------------------------------------

def test_curated_figures_fill_blanks_only():
    tables, _ = read(PLAN_COUNTRY, GROUPBY_PLAN, PROGRESS)
    report = Report()
    out = fts.apply_curated(tables["fts_plans"], CURATED, report).set_index("plan_id")
    assert (out.loc[9001, "people_in_need"], out.loc[9001, "people_targeted"]) == (7_000_000, 2_600_000)
    assert out.loc[9001, "people_source"] == "published figure: Test plan, fill row"
    assert out.loc[9002, "people_in_need"] == 3_000_000  # FTS value kept over the curated 9,999,999
    assert out.loc[9002, "people_source"].startswith("FTS api.hpc.tools")
    assert counted(report, "people_in_need filled") == 1 and counted(report, "people_targeted filled") == 1
    assert counted(report, "differs from FTS; FTS value kept") == 1
    # FTS columns untouched
    before = tables["fts_plans"].set_index("plan_id")
    cols = [c for c in before.columns if c not in ("people_in_need", "people_targeted", "people_source")]
    pd.testing.assert_frame_equal(out.loc[before.index, cols], before[cols])


def test_curated_published_plan_rows_are_marked_and_scoped():
    tables, _ = read(PLAN_COUNTRY, GROUPBY_PLAN, PROGRESS)
    report = Report()
    out = fts.apply_curated(tables["fts_plans"], CURATED, report).set_index("plan_id")
    assert -1 in out.index  # VEN has 2019 plans, FTS has no 2019 refugee and migrant plan
    rmrp = out.loc[-1]
    assert rmrp.figures_source == "published figure: Test regional end-year report"
    assert (rmrp.requirements_usd, rmrp.funding_usd, rmrp.percent_funded, rmrp.people_targeted) == (
        738_000_000, 383_760_000, 52.0, 2_700_000)
    assert rmrp.is_regional and rmrp.unmet_usd == 354_240_000
    assert -2 not in out.index  # FTS's 9004 matches the pattern in 2020
    assert -3 not in out.index  # no COL plans in this data
    assert counted(report, "published plan added") == 1


def test_curated_file_needs_a_source(tmp_path):
    bad = write(tmp_path, "plan_figures.csv", CURATED.read_text(encoding="utf-8").replace(
        '"Test plan, fill row"', ""))
    tables, _ = read(PLAN_COUNTRY, GROUPBY_PLAN)
    with pytest.raises(IngestError, match=r"plan_figures\.csv row 2: column source is blank"):
        fts.apply_curated(tables["fts_plans"], bad)


def test_repository_curated_figures():
    curated = Path(__file__).resolve().parents[4] / "data" / "curated" / "plan_figures.csv"
    plans = fts._frame("fts_plans", [{
        "plan_id": 827, "plan_code": "HVEN19", "plan_name": "Venezuela 2019", "year": 2019, "countries_iso3": "VEN",
        "is_regional": False, "requirements_usd": 222_724_387, "funding_usd": 76_925_346,
        "figures_source": "FTS api.hpc.tools"}])
    report = Report()
    out = fts.apply_curated(plans, curated, report).set_index("plan_id")
    assert (out.loc[827, "people_in_need"], out.loc[827, "people_targeted"]) == (7_000_000, 2_600_000)
    assert "Venezuela Humanitarian Response Plan July-December 2019" in out.loc[827, "people_source"]
    assert out.loc[827, "funding_usd"] == 76_925_346
    rmrp = out.loc[-1]
    assert rmrp.figures_source.startswith("published figure: R4V")
    assert (rmrp.requirements_usd, rmrp.percent_funded, rmrp.people_targeted) == (738_000_000, 52.0, 2_700_000)
