"""/funding/compare: every plan side by side, searchable, filterable and sorted by the funding gap, on
the bundled snapshot and on data holding a partial multi-country plan. Expected rows are recomputed
from the stored parquet tables with plain pandas."""
from __future__ import annotations

import csv
import io
import json

import pytest
from plotly.utils import PlotlyJSONEncoder

from dashboard.app import create_app
from ingest.cli import main as ingest
from ingest.store import SNAPSHOT_DIR, Store

HEADER = "countryCode,id,name,code,typeId,typeName,startDate,endDate,year,requirements,funding,percentFunded"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    app = create_app(tmp_path_factory.mktemp("no-ingest"))
    return app.server.test_client()


def csv_rows(client, query: str) -> list[dict[str, str]]:
    response = client.get(f"/funding/compare.csv?{query}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_all_plans_sorted_by_gap(client):
    plans = Store(SNAPSHOT_DIR).read("fts_plans")
    rows = csv_rows(client, "")
    assert len(rows) == len(plans) > 800
    gaps = [int(r["unmet_usd"]) for r in rows if r["unmet_usd"]]
    assert gaps == sorted(gaps, reverse=True)
    top = plans.assign(gap=(plans["requirements_usd"] - plans["funding_usd"]).clip(lower=0)).sort_values(
        "gap", ascending=False).iloc[0]
    assert int(rows[0]["plan_id"]) == int(top["plan_id"])


def test_search_type_year_and_country_filters(client):
    plans = Store(SNAPSHOT_DIR).read("fts_plans")
    rows = csv_rows(client, "q=rmrp&type=Regional+response+plan&sort=year")
    expected = plans[plans["plan_name"].str.contains("RMRP", case=False) &
                     (plans["plan_type"] == "Regional response plan")]
    assert {int(r["plan_id"]) for r in rows} == set(expected["plan_id"]) and len(rows) >= 7
    assert [int(r["year"]) for r in rows] == sorted((int(r["year"]) for r in rows), reverse=True)
    col = csv_rows(client, "country=COL&year=2022")
    assert {r["plan_code"] for r in col} >= {"RREG22"} and all(r["year"] == "2022" for r in col)
    assert all("COL" in r["countries_iso3"].split(";") for r in col)


def test_page_renders_the_table_and_pages(client):
    html = client.get("/funding/compare?sort=requirements").get_data(as_text=True)
    assert "Compare all plans" in html
    page = client.get("/funding/compare?page=2&sort=requirements")
    assert page.status_code == 200


def test_partial_plan_listed_with_unknown_total(tmp_path):
    path = tmp_path / "fts_requirements_funding_col.csv"
    path.write_text("\n".join([
        HEADER,
        "COL,1069,Venezuela RMRP 2022,RREG22,111,Regional response plan,2022-01-01,2022-12-31,2022,802903743,330009667,41",
        "COL,1520,Colombia HRP 2022,HCOL22,4,Humanitarian response plan,2022-01-01,2022-12-31,2022,283000000,120000000,42",
    ]) + "\n")
    data = tmp_path / "data"
    assert ingest(["fts", "--file", str(path), "--data-dir", str(data), "--quiet"]) == 0
    client = create_app(data).server.test_client()
    rows = csv_rows(client, "country=COL&year=2022")
    by_id = {int(r["plan_id"]): r for r in rows}
    assert by_id[1069]["coverage"] == "partial" and by_id[1069]["requirements_usd"] == ""
    assert by_id[1069]["funding_usd"] == "" and by_id[1069]["unmet_usd"] == ""
    assert int(rows[-1]["plan_id"]) == 1069  # unknown gaps sort last
    from dashboard.pages import compare
    with client.application.test_request_context("/funding/compare?country=COL&year=2022"):
        text = json.dumps(compare.layout(country="COL", year="2022").to_plotly_json(), cls=PlotlyJSONEncoder)
    assert "known here only by some countries' shares" in text and "unknown" in text
    assert "partial: only some countries' shares in the data; total unknown" in text
    assert "802,903,743" not in text  # Colombia's share is never shown as the plan's requirements
    # never the country's share as the plan's total, anywhere the API serves plans
    api = list(csv.DictReader(io.StringIO(client.get("/api/fts/plans.csv?country=COL&regional=1")
                                          .get_data(as_text=True))))
    rmrp = next(r for r in api if r["plan_id"] == "1069")
    assert rmrp["requirements_usd"] == "" and rmrp["funding_usd"] == ""
    assert "plan total unknown" in rmrp["figures_source"]


def test_country_names_follow_the_interface_language(client):
    import json

    from plotly.utils import PlotlyJSONEncoder

    from dashboard.i18n import use_lang
    from dashboard.pages import compare

    def render(lang: str, **query: str) -> str:
        with client.application.test_request_context(f"/funding/compare?lang={lang}"), use_lang(lang):
            return json.dumps(compare.layout(**query), cls=PlotlyJSONEncoder, ensure_ascii=False)

    english, spanish = render("en", q="FPSE26"), render("es", q="FPSE26")
    assert "Palestinian Territories" in english  # CLDR's names, as the other pages' pickers
    assert "Territorios Palestinos" in spanish and "Palestinian" not in spanish and "Palestine" not in spanish
    picker = render("es")
    assert "Afganistán (AFG)" in picker and "Afghanistan (AFG)" not in picker
