"""The data API through Flask's test client: content equals the query output, strict errors, no 500s."""
from __future__ import annotations

import csv
import io
from datetime import date

import pandas as pd
import pytest

from tests.fixtures.dashboard.dashboard_synth import (AMERICAS_2019_TOTAL, RETRIEVED_FTS, VEN19, app, client, data_dir,  # noqa: E402,F401
                             dispatch, empty_snapshot, snapshot_only)

from ingest.schemas import TABLES  # noqa: E402

from dashboard.web import exports  # noqa: E402
from dashboard import queries as q  # noqa: E402
from dashboard.queries import Filters  # noqa: E402


def _rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_tables_lists_every_table_with_provenance(client):
    body = client.get("/api/tables").get_json()
    assert isinstance(body, list)
    names = [t["name"] for t in body]
    assert names == TABLES
    plans = body[0]
    assert plans["rows"] == 5 and plans["origin"] == "ingested"
    assert plans["licence"] == "CC BY-IGO 3.0" and "OCHA Financial Tracking Service" in plans["attribution"]
    assert plans["inputs"][0]["sha256"] == "ab" * 32 and plans["retrieved_at"] == RETRIEVED_FTS
    assert "data_dir" not in plans  # no local paths on the wire
    mmp = next(t for t in body if t["name"] == "mmp_deaths")
    assert mmp["licence"] == "CC BY 4.0" and "IOM Missing Migrants Project" in mmp["attribution"]
    views = client.get("/api/views").get_json()
    assert "mmp/deaths-by-origin" in [v["name"] for v in views]
    for view in views:
        assert client.get(view["csv"]).status_code == 200, view["name"]
    status = client.get("/api/status").get_json()
    assert status["migration_precision"] == "day" and status["data_error"] is None


def test_table_csv_equals_query_output(app, client):
    response = client.get("/api/fts_plans.csv?country=VEN&year=2019")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    ds = app.server.extensions["humdash"].current()
    expected = q.table_rows(ds.tables, "fts_plans", Filters(countries=("VEN",), years=(2019,)))
    assert response.get_data(as_text=True) == exports.to_csv(expected)
    disposition = response.headers["Content-Disposition"]
    assert 'filename="fts_plans_country-VEN_year-2019_data-2026-09-25.csv"' in disposition


def test_table_json(client):
    body = client.get("/api/mmp_incidents.json?origin_iso3=COL").get_json()
    assert [r["incident_id"] for r in body["data"]] == ["i3"]
    assert body["meta"]["licence"] == "CC BY 4.0" and body["meta"]["rows"] == 1


def test_venezuela_2019_plan_figures(client):
    rows = _rows(client.get("/api/fts/plans.csv?country=VEN&year=2019&regional=0"))
    assert len(rows) == 1
    plan = rows[0]
    assert plan["plan_id"] == str(VEN19["plan_id"]) and plan["plan_code"] == "HVEN19"
    assert int(plan["requirements_usd"]) == VEN19["requirements_usd"]
    assert int(plan["funding_usd"]) == VEN19["funding_usd"]
    assert round(float(plan["percent_funded"]), 1) == 34.5


def test_deaths_by_origin_csv_columns_order_and_filters(app, client):
    response = client.get("/api/mmp/deaths-by-origin.csv?date_from=2019-01-01&date_to=2019-12-31"
                          "&region_group=Americas")
    rows = _rows(response)
    assert list(rows[0]) == ["origin", "origin_iso3", "origin_group", "dead", "missing", "dead_and_missing",
                             "incidents"]
    totals = [int(r["dead_and_missing"]) for r in rows]
    assert totals == sorted(totals, reverse=True)
    ds = app.server.extensions["humdash"].current()
    f = Filters(date_from=date(2019, 1, 1), date_to=date(2019, 12, 31), region_groups=("Americas",))
    assert response.get_data(as_text=True) == exports.to_csv(q.deaths_by_origin(ds.cube, f))


def test_hxl_option(client):
    lines = client.get("/api/mmp/deaths-by-origin.csv?year=2019&hxl=1").get_data(as_text=True).splitlines()
    assert lines[1].startswith("#country+name+origin,#country+code+origin,")


def test_nationality_chart_csv_equals_the_api(client):
    """The download under the nationality chart and /api/mmp/deaths-by-origin.csv are the same bytes."""
    controls = {"mig-dates.start_date": "2019-01-01", "mig-dates.end_date": "2019-08-15",
                "mig-group.value": "Americas", "mig-region.value": [], "mig-origin.value": ["VEN"],
                "mig-cause.value": [], "mig-route.value": [], "mig-freq.value": "month"}
    for hxl in ([], ["hxl"]):
        out = dispatch(client, "mig-origin-download", {"mig-origin-csv.n_clicks": 1},
                       {"mig-hxl.value": hxl, **controls})
        chart_csv = out["mig-origin-download"]["data"]["content"]
        api = client.get("/api/mmp/deaths-by-origin.csv?date_from=2019-01-01&date_to=2019-08-15"
                         "&region_group=Americas&origin_iso3=VEN" + ("&hxl=1" if hxl else ""))
        assert chart_csv == api.get_data(as_text=True)
        # the shared Colombian-Venezuelan incident counts towards both nationalities
        assert "\nColombia,COL,multiple," in chart_csv and "),VEN,multiple," in chart_csv
    chart = dispatch(client, "mig-origin-graph", controls)
    href = chart["mig-origin-api"]["href"]
    assert href.startswith("/api/mmp/deaths-by-origin.csv?")
    assert client.get(href).get_data(as_text=True) == chart_csv.replace(chart_csv.splitlines()[1] + "\n", "")


def test_fts_views(client):
    clusters = _rows(client.get("/api/fts/clusters.csv?plan_id=929"))
    assert [r["row_type"] for r in clusters][-2:] == ["shared", "not_specified"]
    assert _rows(client.get("/api/fts/clusters.csv?country=VEN&year=2019")) == []
    donors = _rows(client.get("/api/fts/donors.csv?country=AFG"))
    assert len(donors) == 12 and donors[0]["donor_name"] == "Donor A"
    assert client.get("/api/fts/donors.json?plan_id=827").get_json()["data"] == []


@pytest.mark.parametrize("url,param", [
    ("/api/mmp/deaths-by-origin.csv?year=abc", "year"),
    ("/api/fts_plans.csv?country=../../etc", "country"),
    ("/api/fts_plans.csv?country=%2e%2e%2f%2e%2e%2fetc%2fpasswd", "country"),
    ("/api/mmp_deaths.csv?date_from=2019-13-01", "date_from"),
    ("/api/mmp_deaths.csv?date_from=2019-12-01&date_to=2019-01-01", "date_from"),
    ("/api/mmp_deaths.csv?region=Atlantis", "region"),
    ("/api/mmp_deaths.csv?region_group=" + "A" * 5000, "region_group"),
    ("/api/mmp_deaths.csv?plan_id=827", "plan_id"),  # does not apply to MMP tables
    ("/api/fts/plans.csv?origin_iso3=VEN", "origin_iso3"),
    ("/api/fts/plans.csv?year=2019&year=abc", "year"),
    ("/api/fts_plans.json?hxl=perhaps", "hxl"),
    ("/api/fts_plans.csv?%00=1", "\x00"),
    ("/api/mmp/deaths-by-origin.csv?cause=%00", "cause"),
    ("/api/mmp/trend.csv?freq=week", "freq"),
])
def test_bad_parameters_give_400_naming_them(client, url, param):
    response = client.get(url)
    assert response.status_code == 400, response.data[:300]
    body = response.get_json()
    assert body["error"] == "bad parameter" and body["param"] == param
    assert "Traceback" not in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/api/nope.csv", "/api/fts_plans.xml", "/api/fts_plans", "/api/mmp/nope.csv",
                                 "/api/../etc/passwd.csv", "/api/x/y/z.csv", "/api/", "/api/mmp/deaths-by-origin",
                                 "/api/" + "a" * 3000 + ".csv", "/api/%2e%2e%2fsecret.csv"])
def test_unknown_tables_and_routes_give_404_json(client, url):
    response = client.get(url)
    assert response.status_code == 404, (url, response.status_code)
    assert response.get_json()["error"] == "not found"


def test_odd_strings_never_give_500(client):
    odd = ["abc", "../../etc", "'; DROP TABLE x; --", "<script>alert(1)</script>", "%", "\u202e", "😀", " ", ",,,",
           "1e9", "NaN", "None", "-0", "0x10", "2019-02-29", "9999-12-31", "x" * 250]
    for param in ("year", "date_from", "country", "plan_id", "region", "region_group", "origin_iso3", "cause",
                  "route", "hxl", "freq", "table"):
        for value in odd:
            for url in ("/api/mmp/deaths-by-origin.csv", "/api/fts_plans.json", "/api/fts/clusters.csv"):
                response = client.get(url, query_string={param: value})
                assert response.status_code in (200, 400), (url, param, value, response.status_code)
                if response.status_code == 400:
                    assert response.get_json()["param"]


def test_empty_value_means_no_filter(client):
    everything = _rows(client.get("/api/fts_plans.csv"))
    assert _rows(client.get("/api/fts_plans.csv?country=")) == everything
    assert len(everything) == 5


def test_responses_are_compressed(client):
    response = client.get("/api/fts_plans.json", headers={"Accept-Encoding": "gzip"})
    assert response.headers.get("Content-Encoding") == "gzip"
    page = client.get("/migration", headers={"Accept-Encoding": "gzip"})
    assert page.headers.get("Content-Encoding") == "gzip"


def test_unexpected_errors_are_json_without_traceback(app, client, monkeypatch):
    import dashboard.queries.views as views

    def boom(ds, f):
        raise RuntimeError("secret internals")

    monkeypatch.setitem(views.VIEWS, "mmp/by-cause", views.View("mmp/by-cause", "x", ("mmp_deaths",), (), boom))
    response = client.get("/api/mmp/by-cause.csv")
    assert response.status_code == 500
    assert response.get_json()["error"] == "internal error"
    assert "secret internals" not in response.get_data(as_text=True)


def test_api_on_snapshot_only(snapshot_only):
    from dashboard.app import create_app

    client = create_app(snapshot_only).server.test_client()
    body = client.get("/api/tables").get_json()
    origins = {t["name"]: t["origin"] for t in body}
    assert origins["fts_plans"] == "snapshot" and origins["mmp_incidents"] == "missing"
    assert client.get("/api/status").get_json()["migration_precision"] == "month"
    assert client.get("/api/mmp_incidents.csv").get_data(as_text=True).startswith("incident_id,")
    rows = _rows(client.get("/api/mmp/deaths-by-origin.csv?year=2019&region_group=Americas"))
    # per nationality, the Colombian-Venezuelan incident (6) counts towards both; the trend counts it once
    assert sum(int(r["dead_and_missing"]) for r in rows) == AMERICAS_2019_TOTAL + 6
    trend = _rows(client.get("/api/mmp/trend.csv?year=2019&region_group=Americas"))
    assert sum(int(r["dead_and_missing"]) for r in trend) == AMERICAS_2019_TOTAL
    assert client.get("/api/mmp/map-bins.json").get_json()["data"] == []


# ------------------------------------------------------------------------------------------ lazy incident table


def test_lazy_incident_table_reads_back_identical(data_dir):
    """mmp_incidents is dropped after the cube is built and read again from its Parquet file on demand:
    same rows and dtypes as the validated load, row count without a read, and a later ingest does not
    change what the loaded data serve."""
    from datetime import datetime, timedelta, timezone

    from tests.fixtures.dashboard.dashboard_synth import incidents, write_tables

    import dashboard.data as data_module
    from dashboard.data import DataSource
    from ingest.store import Store

    stored = Store(data_dir).read("mmp_incidents")
    ds = DataSource(data_dir, check_every=1e9).current()
    assert ds.tables.is_lazy("mmp_incidents") and not ds.tables.is_lazy("mmp_deaths")
    lazy = ds.tables._lazy["mmp_incidents"]
    clock = [0.0]
    lazy._clock = lambda: clock[0]
    assert not lazy.loaded()  # nothing read after the load
    assert ds.rows("mmp_incidents") == len(stored) and ds.has("mmp_incidents")
    assert ds.tables.columns("mmp_incidents") == list(stored.columns)
    assert not lazy.loaded()
    frame = ds.tables["mmp_incidents"]
    pd.testing.assert_frame_equal(frame, stored, check_exact=True)
    assert ds.tables["mmp_incidents"] is frame  # one read shared while in use
    del frame
    clock[0] += data_module.LAZY_KEEP_SECONDS + 1
    ds.tables.expire()
    assert not lazy.loaded()  # released once unused
    # A new ingest writes a new version; this load still serves the file it loaded.
    changed = incidents().iloc[:2]
    write_tables(data_dir, {"mmp_incidents": changed}, now=datetime.now(timezone.utc) + timedelta(seconds=1))
    pd.testing.assert_frame_equal(ds.tables["mmp_incidents"], stored, check_exact=True)
    assert dict(ds.tables).keys() == set(TABLES)


def test_incident_exports_unchanged_by_lazy_loading(data_dir, monkeypatch):
    """The whole-table CSV/JSON of mmp_incidents is byte-identical with the table kept in memory."""
    from dashboard.app import create_app
    import dashboard.data.dataset as data_module

    urls = ["/api/mmp_incidents.csv", "/api/mmp_incidents.csv?hxl=1", "/api/mmp_incidents.json",
            "/api/mmp_incidents.csv?origin_iso3=VEN&date_from=2019-08-15", "/api/mmp_incidents.csv?headers=es"]
    lazy_client = create_app(data_dir).server.test_client()
    lazy = [lazy_client.get(u).get_data() for u in urls]
    monkeypatch.setattr(data_module, "LAZY_TABLES", ())
    eager_app = create_app(data_dir)
    assert not eager_app.server.extensions["humdash"].current().tables.is_lazy("mmp_incidents")
    eager = [eager_app.server.test_client().get(u).get_data() for u in urls]
    assert lazy == eager and all(len(b) > 100 for b in lazy)
    ds = lazy_client.application.extensions["humdash"].current()
    assert not any(key[:2] == ("view", "mmp_incidents") for key in ds._cache)  # big exports are not cached


def test_data_and_about_pages_do_not_read_the_lazy_incident_table(data_dir):
    """The /data table picker, column list and provenance, and /about's table list, take row counts and
    columns from the load, not by reading the incident table (at x100 a read takes seconds)."""
    from dashboard.app import create_app
    from dashboard.pages import about, data

    app = create_app(data_dir, check_every=1e9)
    assert app.server.test_client().get("/").status_code == 200
    ds = app.server.extensions["humdash"].current()
    lazy = ds.tables._lazy["mmp_incidents"]
    rows = f"{ds.rows('mmp_incidents'):,}"
    for path, page, query in (("/data", data, {"table": "mmp_incidents"}), ("/about", about, {})):
        with app.server.test_request_context(path):
            text = str(page.layout(**query))
        assert rows in text, path
        assert not lazy.loaded(), path
