"""The app: pages render from their query strings, thin callbacks (called directly and through Dash's
endpoint), URL state both ways, local assets only, data reload, and the command line."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import plotly.utils
from dash import no_update

from tests.fixtures.dashboard import dashboard_synth as synth  # noqa: E402
from tests.fixtures.dashboard.dashboard_synth import app, client, data_dir, dispatch, empty_snapshot, find, snapshot_only  # noqa: E402,F401
from tests.fixtures.dashboard.plotly_view import as_go  # noqa: E402

from dashboard.data import DataSource  # noqa: E402
from dashboard.pages import data as data_page  # noqa: E402
from dashboard.pages import funding, migration, overview  # noqa: E402

REPO = Path(__file__).resolve().parents[3]
MIG = {"mig-dates.start_date": "2019-01-01", "mig-dates.end_date": "2019-12-31", "mig-group.value": "Americas",
       "mig-region.value": [], "mig-origin.value": [], "mig-cause.value": [], "mig-route.value": [],
       "mig-freq.value": "month"}


def page(client, path: str, search: str = "") -> str:
    """The page content the router returns for a URL, as JSON text."""
    out = dispatch(client, "_pages_content", {"_pages_location.pathname": path, "_pages_location.search": search})
    return json.dumps(out["_pages_content"]["children"])


# ------------------------------------------------------------------------------------------ pages

def test_every_page_renders(client):
    for path in ("/", "/funding", "/migration", "/data", "/about"):
        text = page(client, path)
        assert len(text) > 500, path
    assert "404" in page(client, "/no-such-page")


def test_overview_defaults_to_venezuela_2019_with_sources(client):
    text = page(client, "/")
    for number in ("222,724,387", "76,925,346", "34.5 %", "7,000,000", "2,600,000", "145,799,041"):
        assert number in text, number
    assert "retrieved 2026-09-25" in text and "OCHA Financial Tracking Service" in text
    assert "Percent funded = funding" in text  # definition as title attribute
    tree = json.loads(text)
    assert "Percent funded" in find(tree, "ov-kpi-percent")["title"]
    assert find(tree, "ov-kpi-dead-missing") is not None
    assert find(tree, "ov-group")["value"] == "Americas"


def test_overview_cards_callback(app):
    with app.server.test_request_context():
        funding_cards, migration_cards = overview.update_cards("VEN", 2019, 827, "2019-01-01", "2019-12-31", "Americas")
    text = json.dumps(funding_cards, cls=plotly.utils.PlotlyJSONEncoder) + json.dumps(
        migration_cards, cls=plotly.utils.PlotlyJSONEncoder)
    assert "222,724,387" in text
    # day-precision cube (incidents ingested): Americas 2019 = i1 3 + i2 3 + i3 6 + i4 1
    assert '"13"' in text
    with app.server.test_request_context():
        empty, _ = overview.update_cards("AFG", 2015, None, "2015-01-01", "2015-12-31", "")
    assert "No FTS plan for AFG 2015" in json.dumps(empty, cls=plotly.utils.PlotlyJSONEncoder)


def test_page_layout_is_a_function_of_the_query(app):
    with app.server.test_request_context():
        tree = migration.layout(date_from="2019-01-01", date_to="2019-08-15", region_group="", origin_iso3=["VEN", "COL"])
    props = json.loads(json.dumps(tree, cls=plotly.utils.PlotlyJSONEncoder))
    assert find(props, "mig-dates")["start_date"] == "2019-01-01"
    assert find(props, "mig-dates")["end_date"] == "2019-08-15"
    assert find(props, "mig-group")["value"] == ""
    assert find(props, "mig-origin")["value"] == ["VEN", "COL"]
    with app.server.test_request_context():
        tree = migration.layout(year="2020")
    props = json.loads(json.dumps(tree, cls=plotly.utils.PlotlyJSONEncoder))
    assert (find(props, "mig-dates")["start_date"], find(props, "mig-year")["value"]) == ("2020-01-01", 2020)


def test_bad_query_values_fall_back_and_are_reported(client):
    text = page(client, "/migration", "?year=abc&region=Atlantis&colour=red")
    assert "Ignored in the address: year" in text and "Atlantis" in text and "colour" in text
    assert find(json.loads(text), "mig-group")["value"] == "Americas"


def test_funding_page_for_venezuela_says_no_cluster_or_donor_breakdown(app):
    with app.server.test_request_context():
        values = ("VEN", [], 827, [], "cluster")
        clusters = funding.update_chart("clusters", *values)
        donors = funding.update_chart("donors", *values)
        plans = funding.update_chart("plans", *values)
    clusters, donors, plans = ((as_go(answer[0]), *answer[1:]) for answer in (clusters, donors, plans))
    assert "No cluster breakdown in this data for HVEN19 (2019)" in clusters[0].layout.annotations[0].text.replace("<br>", " ")
    assert "No donor breakdown in this data for HVEN19" in donors[0].layout.annotations[0].text.replace("<br>", " ")
    assert list(plans[0].data[0].x) == ["2019 HVEN19", "2020 HVEN20", "2021 HVEN21"]
    assert plans[4] == "/api/fts/plans.csv?country=VEN&regional=0"
    with app.server.test_request_context():
        afg = funding.update_chart("clusters", "AFG", [], 929, [], "cluster")
    assert "150 %" in list(as_go(afg[0]).data[1].text)


def test_migration_chart_callback_returns_figure_summary_table_source_link(app):
    with app.server.test_request_context():
        fig, summary, table, source, href = migration.update_chart("origin", *MIG.values())
        fig = as_go(fig)
        note = migration.update_note("2019-01-01", "2019-08-15", "Americas", [], [], [], [], "month")
    assert fig.data and "recorded dead or missing" in summary
    # the table travels as one JSON attribute (built in the browser when opened): unescape it once
    cells = json.dumps(table, cls=plotly.utils.PlotlyJSONEncoder).replace('\\"', '"')
    # the Colombian-Venezuelan incident counts towards each nationality's row, never as a combined row
    assert '"COL"' in cells and '"VEN"' in cells and "Colombia,Venezuela" not in cells
    assert "IOM Missing Migrants Project (CC BY 4.0), retrieved 2025-04-30" in source
    # the period is cut where the fixture's data end (the last incident's day), not drawn on as zeros
    with app.server.test_request_context():
        last = migration.coverage.of(migration.current_dataset()).last
    assert last < date(2019, 12, 31)
    assert href == ("/api/mmp/deaths-by-origin.csv?date_from=2019-01-01&date_to="
                    f"{last.isoformat()}&region_group=Americas")
    assert note is None  # day precision: no month caveat


def test_month_precision_note_on_snapshot(snapshot_only):
    from dashboard.app import create_app

    app = create_app(snapshot_only)
    with app.server.test_request_context():
        note = migration.update_note("2019-01-01", "2019-08-15", "Americas", [], [], [], [], "month")
        _fig, _s, _t, _src, _href = migration.update_chart("map", *MIG.values())
        _fig = as_go(_fig)
    text = json.dumps(note, cls=plotly.utils.PlotlyJSONEncoder)
    assert "1 Jan 2019 to 15 Aug 2019 includes all of August 2019" in text
    assert "needs incident-level data" in _fig.layout.annotations[0].text.replace("<br>", " ")


def test_every_chart_callback_answers_through_dash(client):
    deps = client.get("/_dash-dependencies").get_json()
    # one callback per page answers all of its charts (components.register_chart_callbacks)
    graphs = [o.split(".")[0] for d in deps for o in d["output"].strip(".").split("...") if o.endswith("-graph.figure")]
    assert len(graphs) == 1 + 4 + 5 + 5
    chart_callbacks = [d["output"].strip(".").split(".")[0] for d in deps if "-graph.figure" in d["output"]]
    assert len(chart_callbacks) == 4  # one per page: /, /crisis, /funding, /migration
    fund = {"fund-country.value": "VEN", "fund-years.value": [2019], "fund-plan.value": 827,
            "fund-regional.value": [], "fund-cluster-type.value": "cluster"}
    ov = {"ov-country.value": "VEN", "ov-year.value": 2019, "ov-plan.value": 827, "ov-dates.start_date": "2019-01-01",
          "ov-dates.end_date": "2019-12-31", "ov-group.value": "Americas"}
    cr = {"cr-country.value": "VEN", "cr-year.value": 2019}
    out = {}
    for first in chart_callbacks:
        inputs = (MIG if first.startswith("mig-") else fund if first.startswith("fund-") else
                  cr if first.startswith("cr-") else ov)
        out.update(dispatch(client, first, inputs))
    for graph in graphs:
        assert "figure" in out[graph], graph
        key = graph.replace("-graph", "")
        assert out[f"{key}-summary"]["children"], graph
        assert out[f"{key}-source"]["children"].startswith("Source:"), graph
        assert out[f"{key}-api"]["href"].startswith("/api/"), graph


def test_downloads_are_csv_named_after_filters(client):
    out = dispatch(client, "fund-clusters-download", {"fund-clusters-csv.n_clicks": 1},
                   {"fund-hxl.value": [], "fund-country.value": "AFG", "fund-years.value": [], "fund-plan.value": 929,
                    "fund-regional.value": [], "fund-cluster-type.value": "cluster"})
    data = out["fund-clusters-download"]["data"]
    assert data["filename"] == "fts-clusters_plan_id-929_data-2026-09-25.csv"
    assert data["content"].startswith("plan_id,plan_code,year,cluster_type,row_type,")
    assert client.get("/api/fts/clusters.csv?plan_id=929&cluster_type=cluster").get_data(as_text=True) == \
        data["content"]


# ------------------------------------------------------------------------------------------ URL state

def test_control_change_writes_the_query_string(app):
    values = list(MIG.values())
    with app.server.test_request_context():
        out = migration.STATE.sync("mig-group", "", 2019, *values[:2], "", *values[3:])
    *controls, search = out
    # every applied filter is in the address; no region_group = every region
    assert search == "?date_from=2019-01-01&date_to=2019-12-31"
    assert all(v is no_update for v in controls)
    with app.server.test_request_context():
        out = migration.STATE.sync("mig-year", "", 2020, *values)
    *controls, search = out
    assert search == "?date_from=2020-01-01&date_to=2020-12-31&region_group=Americas"
    assert controls[1:3] == ["2020-01-01", "2020-12-31"]


def test_back_forward_sets_controls_from_the_query_string(app):
    values = [2019, *MIG.values()]
    with app.server.test_request_context():
        out = migration.STATE.sync("mig-url", "?date_from=2019-03-01&date_to=2019-08-15&origin_iso3=VEN&freq=year",
                                   *values)
    *controls, search = out
    assert search is no_update
    year, start, end, group, region, origin, cause, route, freq = controls
    assert (year, start, end, origin, freq) == (None, "2019-03-01", "2019-08-15", ["VEN"], "year")
    assert group == "" and region is no_update  # no region_group in a query with filters: every region
    with app.server.test_request_context():  # the same state: nothing to do (no loops)
        again = migration.STATE.sync("mig-url", "", *values)
    assert all(v is no_update for v in again)


def test_url_sync_through_dash(client):
    out = dispatch(client, "ov-country", {"ov-country.value": "AFG", "ov-year.value": 2020, "ov-plan.value": 827,
                                          "ov-dates.start_date": "2020-01-01", "ov-dates.end_date": "2020-12-31",
                                          "ov-group.value": "Americas", "ov-url.search": ""},
                   changed=["ov-country.value"])
    assert out["ov-plan"]["value"] == 929
    assert {o["value"] for o in out["ov-plan"]["options"]} == {929}
    assert out["ov-url"]["search"] == ("?country=AFG&year=2020&plan_id=929&date_from=2020-01-01&date_to=2020-12-31"
                                       "&region_group=Americas")


def _charts_for(client, **dates) -> dict:
    """The migration charts' answer for these control values, from a change of a control they read."""
    return dispatch(client, "mig-origin-graph", {**MIG, **dates, "mig-year.value": None, "mig-url.search": ""},
                    changed=["mig-dates.start_date"])


def test_a_year_change_brings_its_dates_and_charts_in_one_answer(client):
    """The URL sync and the charts are one callback: a year sets the dates, and the same answer carries
    the charts for those dates (not for the dates the browser sent, which were the last year's)."""
    out = dispatch(client, "mig-origin-graph", {"mig-year.value": 2017, **MIG, "mig-url.search": ""},
                   changed=["mig-year.value"])
    assert (out["mig-dates"]["start_date"], out["mig-dates"]["end_date"]) == ("2017-01-01", "2017-12-31")
    assert out["mig-url"]["search"] == "?date_from=2017-01-01&date_to=2017-12-31&region_group=Americas"
    direct = _charts_for(client, **{"mig-dates.start_date": "2017-01-01", "mig-dates.end_date": "2017-12-31"})
    stale = _charts_for(client)
    assert out["mig-origin-summary"] == direct["mig-origin-summary"] != stale["mig-origin-summary"]
    assert out["mig-origin-graph"] == direct["mig-origin-graph"]


def test_the_address_redraws_the_charts_only_when_it_changes_the_filters(client):
    here = {"mig-year.value": 2019, **MIG}
    search = "?date_from=2019-01-01&date_to=2019-12-31&region_group=Americas"
    # the address the page already shows (the location reports it once the page is up): nothing to send
    assert dispatch(client, "mig-origin-graph", {**here, "mig-url.search": search}, changed=["mig-url.search"]) == {}
    # back to another view: its controls and its charts, and the address left as it is
    back = dispatch(client, "mig-origin-graph",
                    {**here, "mig-url.search": "?date_from=2018-01-01&date_to=2018-12-31&region_group=Europe"},
                    changed=["mig-url.search"])
    assert back["mig-group"]["value"] == "Europe" and back["mig-dates"]["start_date"] == "2018-01-01"
    assert "mig-url" not in back
    direct = _charts_for(client, **{"mig-dates.start_date": "2018-01-01", "mig-dates.end_date": "2018-12-31",
                                    "mig-group.value": "Europe"})
    assert back["mig-origin-summary"] == direct["mig-origin-summary"]
    # a control the charts do not read, changed without changing one they read: no charts
    cleared = dispatch(client, "mig-origin-graph", {**here, "mig-year.value": None, "mig-url.search": search},
                       changed=["mig-year.value"])
    assert not [cid for cid in cleared if cid.startswith(("mig-origin", "mig-trend", "mig-map"))], cleared.keys()


def test_data_page_grid_and_provenance(app, client):
    request = {"startRow": 0, "endRow": 2, "sortModel": [{"colId": "year", "sort": "desc"}],
               "filterModel": {"plan_name": {"filterType": "text", "type": "contains", "filter": "venezuela"}}}
    with app.server.test_request_context():
        response, note = data_page.update_grid("fts_plans", request)
        columns = data_page.columns(synth_dataset(), "fts_plans")
    assert [r["plan_id"] for r in response["rowData"]] == [1001, 950] and response["rowCount"] == 3
    assert "3 of" in json.dumps(note, cls=plotly.utils.PlotlyJSONEncoder)
    year = next(c for c in columns if c["field"] == "year")
    assert year["headerName"] == "Year" and year["filter"] == "agNumberColumnFilter"
    assert next(c for c in columns if c["field"] == "start_date")["filter"] == "agDateColumnFilter"
    text = page(client, "/data", "?table=mmp_deaths")
    assert "Provenance of mmp_deaths" in text and "cd" * 32 in text and "CC BY 4.0" in text
    assert "mmp_global_fullschema_2014-2025-04.xlsx" in text and "2025-04-30T10:00:00Z" in text
    assert "/api/mmp_deaths.csv" in text
    grid = find(json.loads(text), data_page.GRID)
    assert grid["rowModelType"] == "infinite" and {c["field"] for c in grid["columnDefs"]} >= {"year", "dead"}
    assert "unknown table" in page(client, "/data", "?table=../../etc/passwd")


def synth_dataset():
    from dashboard.data import current_dataset

    return current_dataset()


def test_data_grid_callback_through_dash_answers_hostile_requests(client):
    """The grid's request comes from the browser: through Dash's endpoint, bad models and row ranges
    give rows and a message saying what was not applied, never an error."""
    def ask(request, table="fts_plans"):
        out = dispatch(client, "data-grid.getRowsResponse", {"data-grid.getRowsRequest": request},
                       state={"data-table.value": table})
        note = json.dumps(out["data-grid-note"]["children"])
        return out["data-grid"]["getRowsResponse"], note

    total = len(synth.plans())
    response, note = ask({"startRow": 0, "endRow": 25, "filterModel": {
        "plan_id": {"type": "greaterThan", "filter": 10**400}, "nope": {"type": "contains", "filter": "x"},
        "plan_code": {"type": "regex", "filter": ".*"}}, "sortModel": [{"colId": "year", "sort": "sideways"}]})
    assert response["rowCount"] == total and len(response["rowData"]) == min(25, total)
    for words in ("Could not apply", "plan_id: number too large: at most 15 digits", "nope: no such column",
                  "plan_code: unknown condition", "year: cannot sort by this"):
        assert words in note, words
    for request in ("not a request", None, [], {"startRow": -5, "endRow": 10**12},
                    {"startRow": "0", "endRow": True, "filterModel": "x", "sortModel": {"a": 1}}):
        response, note = ask(request, table="../etc/passwd")
        assert response["rowCount"] == total and 0 < len(response["rowData"]) <= data_page.MAX_BLOCK, request
    response, _note = ask({"startRow": 0, "endRow": 10**6})
    assert len(response["rowData"]) == min(total, data_page.MAX_BLOCK)  # one request cannot ask for everything


def test_data_rows_download_is_the_grid_request(app):
    request = {"startRow": 25, "endRow": 50, "sortModel": [{"colId": "plan_id", "sort": "desc"}],
               "filterModel": {"plan_name": {"filterType": "text", "type": "contains", "filter": "venezuela"}}}
    with app.server.test_request_context():
        csv_out = data_page.download_rows("csv", "fts_plans", request, ["headers-es"])
        zipped = data_page.download_rows("zip", "fts_plans", request, [])
    lines = csv_out["content"].strip().splitlines()
    venezuela = synth.plans()[synth.plans()["plan_name"].str.contains("Venezuela", case=False)]
    assert len(lines) - 1 == len(venezuela)  # every matching row, not the page asked for
    assert lines[0].startswith("ID del plan") and "rows" in csv_out["filename"]
    ids = [int(line.split(",")[0]) for line in lines[1:]]
    assert ids == sorted(venezuela["plan_id"], reverse=True)
    import base64
    import io
    import zipfile

    archive = zipfile.ZipFile(io.BytesIO(base64.b64decode(zipped["content"])))
    readme = archive.read("README.md").decode()
    assert "plan_name contains 'venezuela'" in readme and "plan_id desc" in readme


def test_about_page_has_definitions_sources_and_licences(client):
    text = page(client, "/about")
    for needle in ("Percent funded = funding", "CC BY-IGO 3.0", "CC BY 4.0", "OCHA Financial Tracking Service",
                   "IOM Missing Migrants Project", "US-Mexico Border", "minimum estimates", "Multiple: A, B"):
        assert needle in text, needle


# ------------------------------------------------------------------------------------------ serving

def test_index_uses_only_local_assets(client):
    html = client.get("/migration").get_data(as_text=True)
    assert '<html lang="en">' in html and 'name="viewport"' in html
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls and all(not u.startswith(("http:", "https:", "//")) for u in urls), urls
    assert any("style.css" in u for u in urls)
    for url in urls:
        assert client.get(url).status_code == 200, url
    assert client.get("/assets/topojson/world_110m.json").status_code == 200


def test_graphs_use_the_local_base_map(app):
    with app.server.test_request_context():
        tree = json.loads(json.dumps(migration.layout(), cls=plotly.utils.PlotlyJSONEncoder))
    graph = find(tree, "mig-map-graph")
    assert graph["config"]["topojsonURL"] == "/assets/topojson/" and graph["config"]["responsive"] is True


def test_debug_is_off_by_default(app):
    assert app.server.debug is False
    assert not app._dev_tools.get("ui")


# ------------------------------------------------------------------------------------------ reload

def test_reload_when_a_new_ingest_lands(data_dir):
    clock = [1000.0]
    source = DataSource(data_dir, check_every=5, clock=lambda: clock[0])
    first = source.current()
    assert int(first.tables["fts_plans"].set_index("plan_id").loc[827, "funding_usd"]) == 76_925_346
    plans = synth.plans()
    plans.loc[plans["plan_id"] == 827, "funding_usd"] = 80_000_000
    synth.write_tables(data_dir, {"fts_plans": plans}, now=datetime.now(timezone.utc) + timedelta(seconds=1))
    clock[0] += 1
    assert source.current() is first  # not checked again within check_every
    clock[0] += 5
    second = source.current()
    assert second is not first
    assert int(second.tables["fts_plans"].set_index("plan_id").loc[827, "funding_usd"]) == 80_000_000
    assert len(second.tables["mmp_incidents"]) == len(first.tables["mmp_incidents"])  # carried over
    clock[0] += 10
    assert source.current() is second  # token unchanged: no reload


def test_app_serves_new_data_without_restart(data_dir):
    from dashboard.app import create_app

    client = create_app(data_dir, check_every=0).server.test_client()
    before = client.get("/api/fts/plans.csv?plan_id=827").get_data(as_text=True)
    plans = synth.plans()
    plans.loc[plans["plan_id"] == 827, "requirements_usd"] = 300_000_000
    synth.write_tables(data_dir, {"fts_plans": plans}, now=datetime.now(timezone.utc) + timedelta(seconds=1))
    after = client.get("/api/fts/plans.csv?plan_id=827").get_data(as_text=True)
    assert "222724387" in before and "300000000" in after


def test_failed_reload_keeps_serving(data_dir, monkeypatch):
    clock = [0.0]
    source = DataSource(data_dir, check_every=1, clock=lambda: clock[0])
    first = source.current()
    import dashboard.data.dataset as data_module
    from ingest.errors import IngestError

    def broken(_dir):
        raise IngestError("manifest.json: cannot read")

    monkeypatch.setattr(data_module, "load_for_app", broken)
    monkeypatch.setattr(source, "token", lambda: ("changed",))
    clock[0] += 2
    assert source.current() is first and "cannot read" in first.error


def test_starts_with_no_data_at_all(tmp_path, empty_snapshot):
    from dashboard.app import create_app

    client = create_app(tmp_path / "nothing").server.test_client()
    assert client.get("/").status_code == 200
    assert "No FTS plan" in page(client, "/")
    assert client.get("/api/mmp/deaths-by-origin.csv").get_data(as_text=True).startswith("origin,")


# ------------------------------------------------------------------------------------------ command line

def test_cli_help_documents_the_options():
    out = subprocess.run([sys.executable, "-m", "dashboard", "--help"], cwd=REPO, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0
    for option in ("--data-dir", "--host", "--port", "--debug", "HUMDASH_DATA_DIR", "gunicorn dashboard.wsgi:server"):
        assert option in out.stdout, option


def test_cli_defaults():
    from dashboard.__main__ import parser

    args = parser().parse_args([])
    assert (args.host, args.port, args.debug) == ("127.0.0.1", 8050, False)


def test_wsgi_exposes_server(data_dir, monkeypatch):
    monkeypatch.setenv("HUMDASH_DATA_DIR", str(data_dir))
    sys.modules.pop("dashboard.wsgi", None)
    import dashboard.wsgi as wsgi

    assert wsgi.server is wsgi.app.server
    assert wsgi.server.test_client().get("/api/tables").status_code == 200


def test_readme_agrees_with_the_cli_and_the_routes(client):
    readme = (REPO / "dashboard" / "README.md").read_text(encoding="utf-8")
    help_text = subprocess.run([sys.executable, "-m", "dashboard", "--help"], cwd=REPO, capture_output=True,
                               text=True, timeout=60).stdout
    other_programs = ("babel.messages.frontend", "python tools/", "python -m bench.")  # gettext, tools, benchmarks
    cli_lines = "\n".join(line for line in readme.splitlines() if not any(p in line for p in other_programs))
    for option in re.findall(r"(?<![-\w])--[a-z][a-z-]+", cli_lines):
        assert option in help_text, option
    for route in re.findall(r"(/api/[a-z_/-]+\.csv)", readme):
        assert client.get(route).status_code == 200, route
    for route in ("/api/tables", "/api/views", "/api/status"):
        assert client.get(route).status_code == 200, route
    from dashboard.web.params import SPECS

    for name in re.findall(r"`([a-z_0-9]+)`", readme.split("Filters:")[1].split("Repeat")[0]):
        assert name in SPECS, name
