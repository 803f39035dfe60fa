"""Fuzzing /api and the pages' query strings with hypothesis, driven by /api/openapi.json.

Every operation and parameter in the OpenAPI description (generated from params.SPECS and the view
registry) is exercised through `app.server.test_client()`:

* good values (from each parameter's schema, free-text ones from the data) -> 200 and CSV/JSON;
* one bad value (wrong type, out of range, unknown, repeated, control characters, too many) or an
  unknown parameter -> 400 with JSON naming that parameter;
* arbitrary keys, values and raw bytes -> 200, 400 or 414, never 500, always JSON on error;
* paths: unknown tables, traversal and NUL attempts -> 404 (or 400), never a file;
* page query strings (/, /funding, /migration, /data, /about), through the page request and the
  Dash callbacks that read them (the pages router and each page's URL-sync callback) -> never 500.

Case counts are printed by `pytest --hypothesis-show-statistics`; CASES below sets them
(HUMDASH_FUZZ_CASES scales them, e.g. 5 for a long run).
"""
from __future__ import annotations

import json
import os
import string
from urllib.parse import quote, unquote, urlencode

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.fixtures.dashboard import dashboard_synth as synth  # noqa: E402

SCALE = float(os.environ.get("HUMDASH_FUZZ_CASES", "1"))
CASES = {"good": 400, "bad": 400, "arbitrary": 400, "raw": 250, "paths": 250, "pages": 120}
PAGES = ("/", "/funding", "/migration", "/data", "/about")


def cases(kind: str) -> settings:
    return settings(max_examples=max(10, int(CASES[kind] * SCALE)), deadline=None, derandomize=False,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                           HealthCheck.data_too_large])


# ------------------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    """The dashboard over every synthetic table (incidents and flows included), reload check off."""
    root = tmp_path_factory.mktemp("fuzz")
    snap = root / "snapshot"
    snap.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HUMDASH_SNAPSHOT_DIR", str(snap))
        synth.write_tables(root / "data", synth.all_tables())
        from dashboard.app import create_app

        app = create_app(root / "data", check_every=3600)
        client = app.server.test_client()
        assert client.get("/").status_code == 200  # first request: pages and callbacks set up
        yield app


@pytest.fixture(scope="module")
def client(fuzz_app):
    return fuzz_app.server.test_client()


@pytest.fixture(scope="module")
def spec(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.get_json()


@pytest.fixture(scope="module")
def known(fuzz_app):
    from dashboard.queries.views import known_values

    ds = fuzz_app.server.extensions["humdash"].current()
    return {k: sorted(v) for k, v in known_values(ds).items()}


def operations(spec: dict) -> list[tuple[str, list[dict]]]:
    """(path, parameters) of every data operation (the ones that take query parameters)."""
    return [(path, op["get"]["parameters"]) for path, op in spec["paths"].items() if op["get"]["parameters"]]


# ------------------------------------------------------------------------------------------ strategies


def good_value(param: dict, known: dict) -> st.SearchStrategy[str]:
    schema = param["schema"]
    one = schema.get("items", schema)
    kind = param["x-humdash-kind"]
    if kind == "int":
        low = max(one["minimum"], 1)
        high = min(one["maximum"], 10**6)  # beyond the data is still valid, just empty
        single = st.integers(low, high).map(str)
    elif kind == "iso3":
        single = st.text(string.ascii_uppercase, min_size=3, max_size=3)
    elif kind == "date":
        single = st.dates(min_value=__import__("datetime").date(1900, 1, 1),
                          max_value=__import__("datetime").date(2100, 12, 31)).map(lambda d: d.isoformat())
    elif kind == "text":
        values = known[param["x-humdash-known-values"]]
        single = st.sampled_from(values) if values else st.nothing()
    else:
        single = st.sampled_from(one["enum"])
    if schema.get("type") == "array":
        if kind in ("int", "iso3"):
            return st.one_of(single, st.lists(single, min_size=1, max_size=4).map(",".join))
        return single
    return single


def bad_value(param: dict, known: dict) -> st.SearchStrategy[str]:
    """Values that are wrong for this parameter whatever else is in the query."""
    kind = param["x-humdash-kind"]
    schema = param["schema"]
    one = schema.get("items", schema)
    common = st.one_of(
        st.text(min_size=1, max_size=5).map(lambda t: "ok" + t + "\x00"),          # control character
        st.text(alphabet="x", min_size=201, max_size=260),                           # too long
    )
    if kind == "int":
        specific = st.one_of(
            st.integers(max_value=one["minimum"] - 1).map(str),
            st.integers(min_value=one["maximum"] + 1, max_value=10**12).map(str),
            # not a number with spaces around it (" 1"): the API strips each value, as it does after a comma
            st.from_regex(r"\A[0-9]{0,3}[a-zA-Z.\-+ ][0-9]{0,3}\Z").filter(
                lambda t: t.strip(" ,") != "" and not t.strip().isdigit()),
        )
    elif kind == "iso3":
        specific = st.one_of(
            st.text(string.ascii_lowercase, min_size=3, max_size=3),
            st.text(string.ascii_uppercase, min_size=4, max_size=8),
            st.from_regex(r"\A[A-Z]{0,2}[0-9a-z_\-][A-Z]{0,2}\Z"),
        )
    elif kind == "date":
        specific = st.one_of(
            st.sampled_from(["2019-02-30", "2019-13-01", "2019-00-10", "19-01-01", "2019/01/01", "01-01-2019",
                             "1899-12-31", "2101-01-01", "2019-1-1", "yesterday", "2019-01-01T00:00"]),
            st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}[a-z]\Z"),
        )
    elif kind == "text":
        values = set(known[param["x-humdash-known-values"]])
        specific = st.text(min_size=1, max_size=40).map(lambda t: "zz " + t.strip()).filter(
            lambda t: t not in values and all(ord(c) >= 32 and c != "\x7f" for c in t))
    else:
        enum = set(one["enum"])
        specific = st.text(min_size=1, max_size=10).filter(lambda t: t.strip() != "" and t.strip().lower()
                                                           not in enum)
    return st.one_of(specific, common)


# ------------------------------------------------------------------------------------------ checks


def assert_json_error(response, status: tuple[int, ...], param: str | None = None) -> dict:
    assert response.status_code in status, (response.status_code, response.data[:300])
    assert response.mimetype == "application/json", response.mimetype
    body = response.get_json()
    assert {"error", "message", "status"} <= set(body), body
    assert body["status"] == response.status_code
    if param is not None:
        assert body.get("param") == param, body
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "File \"" not in text
    return body


def assert_ok(response, path: str) -> None:
    assert response.status_code == 200, (path, response.status_code, response.data[:300])
    if path.endswith(".csv"):
        assert response.mimetype == "text/csv"
        assert response.get_data(as_text=True).count("\n") >= 1
    else:
        body = response.get_json()
        assert set(body) == {"meta", "columns", "data"}
        assert all(set(row) <= set(body["columns"]) for row in body["data"][:5])


# ------------------------------------------------------------------------------------------ the spec


def test_openapi_describes_every_api_route_and_parameter(fuzz_app, spec):
    from dashboard.web.params import SPECS
    from dashboard.queries.views import TABLE_PARAMS, VIEWS

    paths = set(spec["paths"])
    assert spec["openapi"].startswith("3.")
    for name, params in TABLE_PARAMS.items():
        for kind in ("csv", "json"):
            op = spec["paths"][f"/api/{name}.{kind}"]["get"]
            assert [p["name"] for p in op["parameters"]] == list(params) + ["hxl"]
            assert {"200", "400", "404"} <= set(op["responses"])
    for view in VIEWS.values():
        assert f"/api/{view.name}.csv" in paths and f"/api/{view.name}.json" in paths
    used = {p["name"] for _path, params in operations(spec) for p in params}
    assert used == set(SPECS), set(SPECS) ^ used
    static = [r.rule for r in fuzz_app.server.url_map.iter_rules()
              if r.rule.startswith("/api/") and "<" not in r.rule and r.rule != "/api/"]  # "/api/": the 404
    assert set(static) <= paths, set(static) - paths
    try:  # a full validation where the validator is installed; the structure is checked above anyway
        from openapi_spec_validator import validate
    except ImportError:
        validate = None
    if validate is not None:
        validate(spec)


def test_openapi_parameters_match_the_registry(spec):
    from dashboard.web.params import MAX_VALUES, SPECS

    for _path, params in operations(spec):
        for p in params:
            s = SPECS[p["name"]]
            assert p["in"] == "query" and p["x-humdash-kind"] == s.kind
            if s.multi:
                assert p["schema"]["type"] == "array" and p["schema"]["maxItems"] == MAX_VALUES
            if s.kind == "int":
                one = p["schema"].get("items", p["schema"])
                assert (one["minimum"], one["maximum"]) == (s.low, s.high)
            if s.kind == "choice":
                assert p["schema"]["enum"] == list(s.choices)


# ------------------------------------------------------------------------------------------ /api


@pytest.mark.slow
@cases("good")
@given(data=st.data())
def test_good_values_give_200(client, spec, known, data):
    path, params = data.draw(st.sampled_from(operations(spec)), label="operation")
    chosen = data.draw(st.lists(st.sampled_from(params), unique_by=lambda p: p["name"], max_size=4), label="params")
    query: list[tuple[str, str]] = []
    for p in chosen:
        value = data.draw(good_value(p, known), label=p["name"])
        if p["schema"].get("type") == "array" and data.draw(st.booleans(), label="repeat"):
            query.append((p["name"], data.draw(good_value(p, known), label=p["name"] + "-again")))
        query.append((p["name"], value))
    names = dict(query)
    if "date_from" in names and "date_to" in names and names["date_from"] > names["date_to"]:
        query = [(k, names["date_to"] if k == "date_from" else names["date_from"] if k == "date_to" else v)
                 for k, v in query]
    response = client.get(path, query_string=urlencode(query))
    assert_ok(response, path)


@pytest.mark.slow
@cases("bad")
@given(data=st.data())
def test_one_bad_value_gives_400_naming_the_parameter(client, spec, known, data):
    path, params = data.draw(st.sampled_from(operations(spec)), label="operation")
    bad = data.draw(st.sampled_from(params), label="bad param")
    others = [p for p in params if p["name"] != bad["name"] and p["name"] not in ("date_from", "date_to")]
    good = data.draw(st.lists(st.sampled_from(others), unique_by=lambda p: p["name"], max_size=2)) if others else []
    query = [(p["name"], data.draw(good_value(p, known), label=p["name"])) for p in good]
    how = data.draw(st.sampled_from(["value", "value", "repeat-single", "too-many", "unknown-param"]), label="how")
    expected = bad["name"]
    if how == "repeat-single" and bad["schema"].get("type") != "array":
        value = data.draw(good_value(bad, known), label="value")
        query += [(bad["name"], value), (bad["name"], value)]
    elif how == "too-many" and bad["schema"].get("type") == "array":
        query += [(bad["name"], data.draw(good_value(bad, known)))] * 51
    elif how == "unknown-param":
        expected = data.draw(st.from_regex(r"\A[a-z][a-z0-9_]{0,20}\Z").filter(
            lambda k: k not in {p["name"] for p in params}), label="unknown name")
        query.append((expected, "1"))
    else:
        query.append((bad["name"], data.draw(bad_value(bad, known), label="bad value")))
    response = client.get(path, query_string=urlencode(query))
    assert_json_error(response, (400,), expected)


PARAM_NAMES = ["year", "date_from", "date_to", "country", "plan_id", "region", "region_group", "origin_iso3",
               "cause", "route", "regional", "cluster_type", "freq", "hxl", "table", "", "YEAR", "year[]"]


@pytest.mark.slow
@cases("arbitrary")
@given(data=st.data())
def test_arbitrary_queries_never_give_500(client, spec, data):
    path = data.draw(st.sampled_from(list(spec["paths"])), label="path")
    pairs = data.draw(st.lists(st.tuples(st.one_of(st.sampled_from(PARAM_NAMES), st.text(max_size=12)),
                                         st.text(max_size=60)), max_size=8), label="query")
    response = client.get(path, query_string=urlencode(pairs))
    if response.status_code == 200:
        return
    # an image that cannot be rendered (no Chromium for kaleido on this machine) is a JSON 503
    assert_json_error(response, (400, 414, 503) if path.startswith("/api/chart/") else (400, 414))


@pytest.mark.slow
@cases("raw")
@given(path=st.sampled_from(["/api/fts_plans.csv", "/api/mmp/deaths-by-origin.json", "/api/mmp_incidents.csv",
                             "/api/fts/funding-timeline.csv", "/api/tables", "/api/mmp/trend.csv"]),
       raw=st.binary(max_size=300))
def test_raw_query_bytes_never_give_500(client, path, raw):
    # arbitrary bytes, percent-encoded where they would break the request line, '&' and '=' kept
    encoded = "".join(chr(b) if chr(b) in "&=,%+" or chr(b).isalnum() else f"%{b:02X}" for b in raw)
    response = client.get(path + "?" + encoded)
    if response.status_code != 200:
        assert_json_error(response, (400, 414))


TRAVERSAL = [
    "/api/..%2f..%2fetc%2fpasswd.csv", "/api/fts_plans.csv/../../x", "/api/%2e%2e/%2e%2e/etc/passwd.csv",
    "/api/..%5c..%5cwindows%5cwin.ini.csv", "/api/fts_plans%00.csv", "/api/fts_plans.csv%00.json",
    "/api/%00", "/api/fts/..%2f..%2fdashboard%2fapp.py", "/api/mmp/%2e%2e%2f%2e%2e%2fREADME.md",
    "/api/fts_plans.csv%2f..%2f..%2fpyproject.toml", "/api/....//....//etc/passwd.csv", "/api//etc/passwd.csv",
    "/api/fts_plans.parquet", "/api/fts_plans.csv.bak", "/api/FTS_PLANS.csv", "/api/fts_plans.CSV",
    "/api/manifest.json", "/api/..%252f..%252fetc%252fpasswd.csv", "/api/fts_plans;.csv", "/api/fts/plans.csv/..",
]


@pytest.mark.parametrize("url", TRAVERSAL)
def test_traversal_and_nul_paths_give_404(client, url):
    response = client.get(url)
    body = assert_json_error(response, (400, 404))
    assert "root:" not in response.get_data(as_text=True) and "[project]" not in json.dumps(body)


@pytest.mark.parametrize("url", ["/assets/..%2f..%2fapp.py", "/assets/../app.py", "/assets/%2e%2e/api.py",
                                 "/assets/style.css%00.js", "/_dash-component-suites/dash/..%2f..%2f__init__.py",
                                 "/_dash-component-suites/dash/nope.js", "/_dash-component-suites/os/path.py",
                                 "/_dash-component-suites/plotly/../../etc/passwd"])
def test_traversal_outside_api_gives_404(client, url):
    response = client.get(url)
    assert response.status_code in (400, 404), (url, response.status_code)
    assert "import " not in response.get_data(as_text=True)


@pytest.mark.slow
@cases("paths")
@given(name=st.text(min_size=1, max_size=40), ext=st.sampled_from(["csv", "json", "xml", "", "csv.json"]),
       group=st.sampled_from(["", "mmp/", "fts/", "x/", "../"]))
@example(name="/\n", ext="csv", group="")  # /api/%2F%0A.csv: "//" only once %2F is decoded (CI, 2026-12-07)
def test_arbitrary_table_and_file_names_give_404(client, name, ext, group):
    from dashboard.queries.views import TABLE_PARAMS, VIEWS

    path = "/api/" + group + quote(name, safe="") + ("." + ext if ext else "")
    response = client.get(path)
    stem = (group + name) if not group.startswith("..") else None
    if stem is not None and ext in ("csv", "json") and (stem in TABLE_PARAMS or stem in VIEWS):
        assert response.status_code == 200
        return
    if response.status_code == 308:  # werkzeug merges "//" in a path (%2F decoded first) by redirecting, within /api/
        assert "//" in unquote(path) and response.headers["Location"].startswith(("/api/", "http://localhost/api/"))
        return
    assert_json_error(response, (400, 404))


@pytest.mark.parametrize("size", [9 * 1024, 100 * 1024])
def test_very_long_query_strings_give_414(client, size):
    for path in ("/api/fts_plans.csv", "/api/mmp/trend.json", "/", "/funding", "/no-such-page"):
        for query in ("year=" + "1" * size, "&".join(["year=2019"] * (size // 10)), "x=" + "%41" * (size // 3)):
            assert_json_error(client.get(f"{path}?{query}"), (414,), "query")


@pytest.fixture(scope="module")
def gunicorn_url(tmp_path_factory):
    """gunicorn dashboard.wsgi:server (the production setup) on 127.0.0.1, bundled snapshot."""
    from bench import servers

    folder = tmp_path_factory.mktemp("gunicorn")
    (folder / "data").mkdir()
    proc, base = servers.gunicorn(folder / "data", folder / "gunicorn.log", timeout=90)
    yield base
    servers.stop(proc)


@pytest.mark.slow
@pytest.mark.parametrize("server", ["dashboard_url", "gunicorn_url"])
def test_very_long_query_on_a_real_server_gives_414_or_400(request, server):
    """Through the real servers too (their HTTP layer may refuse the request line before the app)."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(request.getfixturevalue(server))
    for path in ("/api/fts_plans.csv", "/"):
        for query in ("year=" + "1" * (100 * 1024), "x=" + "1" * (9 * 1024)):
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            conn.request("GET", f"{path}?{query}")
            response = conn.getresponse()
            assert response.status in (400, 414), (server, path, response.status)
            assert b"Traceback" not in response.read()
            conn.close()


def test_callback_endpoint_rejects_malformed_requests(client):
    for body in (b"", b"xx", b"[]", b'{"output": 1}', b'{"output": "nope.children"}',
                 b'{"output": "fund-heading.children", "outputs": {}, "inputs": 5}',
                 b'{"output": "fund-heading.children", "outputs": {}, "inputs": [1, 2]}',
                 b'{"output": "fund-heading.children", "outputs": {}, "inputs": [{"id": "x"}]}'):
        response = client.post("/_dash-update-component", data=body, content_type="application/json")
        assert_json_error(response, (400,))
    big = b'{"output": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    assert_json_error(client.post("/_dash-update-component", data=big, content_type="application/json"), (413,))


# ------------------------------------------------------------------------------------------ pages


def _callbacks(client) -> list[dict]:
    return client.get("/_dash-dependencies").get_json()


def _payload(dep: dict, values: dict, changed: str) -> dict:
    out = dep["output"]
    outputs = ([dict(zip(("id", "property"), o.split(".", 1))) for o in out.strip(".").split("...")]
               if out.startswith("..") else dict(zip(("id", "property"), out.split(".", 1))))
    fill = lambda specs: [{"id": s["id"], "property": s["property"],  # noqa: E731
                           "value": values.get(f"{s['id']}.{s['property']}")} for s in specs]
    return {"output": out, "outputs": outputs, "inputs": fill(dep["inputs"]), "state": fill(dep["state"]),
            "changedPropIds": [changed]}


QUERY_KEYS = ["year", "date_from", "date_to", "country", "plan_id", "region", "region_group", "origin_iso3",
              "cause", "route", "regional", "cluster_type", "freq", "table", "hxl", "", "a", "year[]"]
QUERY_VALUES = st.one_of(st.text(max_size=30), st.sampled_from(
    ["2019", "2019,2020", "VEN", "ven", "827", "-1", "99999999999", "2019-02-30", "2019-01-01", "Americas",
     "Caribbean", "fts_plans", "mmp_incidents", "../etc", "<script>alert(1)</script>", "1", "0", "cluster",
     "globalcluster", "month", "year", "Drowning", "%00", "\x00", "😀", " ", ",", ",,,"]))


@pytest.mark.slow
@cases("pages")
@given(page=st.sampled_from(PAGES), pairs=st.lists(st.tuples(st.sampled_from(QUERY_KEYS), QUERY_VALUES),
                                                   max_size=6), raw_tail=st.text(max_size=20))
def test_page_query_strings_never_give_500(client, page, pairs, raw_tail):
    search = "?" + urlencode(pairs) + ("&" + quote(raw_tail, safe="=&") if raw_tail else "")
    # the page itself (Dash serves the same index for every page; the query is read by callbacks)
    response = client.get(page + search)
    assert response.status_code == 200, (page, search, response.status_code)
    # the pages router: layout(**query)
    deps = {d["output"]: d for d in _callbacks(client)}
    router = deps[".._pages_content.children..._pages_store.data.."]
    response = client.post("/_dash-update-component", json=_payload(
        router, {"_pages_location.pathname": page, "_pages_location.search": search}, "_pages_location.search"))
    assert response.status_code == 200, (page, search, response.status_code, response.data[:300])
    assert "_pages_content" in response.get_json()["response"]
    # the page's URL-sync callback, as after back/forward
    prefix = {"/": "ov-", "/funding": "fund-", "/migration": "mig-", "/data": "data-"}.get(page)
    if prefix is None:
        return
    sync = next(d for d in deps.values() if d["output"].endswith(f"...{prefix}url.search.."))
    response = client.post("/_dash-update-component", json=_payload(
        sync, {f"{prefix}url.search": search}, f"{prefix}url.search"))
    assert response.status_code in (200, 204), (page, search, response.status_code, response.data[:300])


def test_too_many_query_parameters_on_a_page_fall_back_to_defaults(client):
    search = "?" + "&".join(f"p{i}=1" for i in range(60))
    deps = {d["output"]: d for d in _callbacks(client)}
    router = deps[".._pages_content.children..._pages_store.data.."]
    for page in PAGES:
        response = client.post("/_dash-update-component", json=_payload(
            router, {"_pages_location.pathname": page, "_pages_location.search": search}, "_pages_location.search"))
        assert response.status_code == 200, (page, response.data[:300])
