"""HTTP caching (dashboard/web/httpcache.py) and the rate limit (dashboard/web/ratelimit.py) through Flask's test client
over a real data directory: ETags per data version and query, 304s, the export cache's bytes (plain, gzip,
brotli) equal to what the API computes without it, chart callbacks computed once per data version, immutable
fingerprinted assets, 429 with Retry-After, and no work for a client that has gone."""
from __future__ import annotations

import gzip
import json
import re
import socket

import brotli
import pytest

from tests.fixtures.dashboard.dashboard_synth import (all_tables, app, client, data_dir, dispatch, empty_snapshot,  # noqa: E402,F401
                             write_tables)

from ingest.schemas import TABLES  # noqa: E402

import dashboard.web.api as api  # noqa: E402
from dashboard.queries.views import table_view  # noqa: E402


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """(app, client) over the synthetic data, one for the tests that do not change the data."""
    from dashboard.app import create_app

    folder = tmp_path_factory.mktemp("caching")
    with pytest.MonkeyPatch.context() as mp:
        (folder / "snapshot").mkdir()
        mp.setenv("HUMDASH_SNAPSHOT_DIR", str(folder / "snapshot"))  # the real snapshot never leaks in
        write_tables(folder / "data", all_tables())
        dash_app = create_app(folder / "data", check_every=0)
        test_client = dash_app.server.test_client()
        assert test_client.get("/").status_code == 200
        yield dash_app, test_client


def decoded(response) -> bytes:
    data = response.get_data()
    encoding = response.headers.get("Content-Encoding")
    return gzip.decompress(data) if encoding == "gzip" else brotli.decompress(data) if encoding == "br" else data


def computed(app, url: str) -> bytes:
    """What the API's own serve() gives for `url`, without any cache in between."""
    path, _q, _query = url.partition("?")
    name, ext = path.removeprefix("/api/").rsplit(".", 1)
    with app.server.test_request_context(url):
        ds = app.server.extensions["humdash"].current()
        return api.serve(ds, table_view(name), ext, __import__("flask").request.args).get_data()


def test_whole_table_exports_are_byte_identical_in_every_encoding(shared):
    app, client = shared
    for name in TABLES:
        for url in (f"/api/{name}.csv", f"/api/{name}.csv?hxl=1", f"/api/{name}.json"):
            expected = computed(app, url)
            for accept in ("", "gzip", "br, gzip"):
                for _repeat in (1, 2):  # computed, then from the cache
                    response = client.get(url, headers={"Accept-Encoding": accept} if accept else {})
                    assert response.status_code == 200, url
                    assert decoded(response) == expected, (url, accept)
                    if accept and len(expected) >= 500:
                        assert response.headers["Content-Encoding"] == accept.split(",")[0], (url, accept)


def test_etag_304_and_computing_once(shared, monkeypatch):
    app, client = shared
    calls = []
    real = api.serve
    monkeypatch.setattr(api, "serve", lambda *a: calls.append(a[1].name) or real(*a))
    first = client.get("/api/fts_plans.json?hxl=1", headers={"Accept-Encoding": "gzip"})
    assert first.status_code == 200 and calls == ["fts_plans"]
    tag = first.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}-gzip"', tag)
    assert first.headers["Cache-Control"] == "public, max-age=300"
    assert "Accept-Encoding" in first.headers["Vary"]
    again = client.get("/api/fts_plans.json?hxl=1")
    assert again.status_code == 200 and calls == ["fts_plans"]  # from the cache
    assert again.headers["ETag"] == tag.replace("-gzip", "")
    for given in (tag, again.headers["ETag"], "W/" + tag, f'"other", {tag}'):
        response = client.get("/api/fts_plans.json?hxl=1", headers={"If-None-Match": given})
        assert response.status_code == 304 and response.get_data() == b"", given
        assert response.headers["Cache-Control"] == "public, max-age=300"
    assert client.get("/api/fts_plans.json?hxl=1", headers={"If-None-Match": '"nope"'}).status_code == 200
    assert calls == ["fts_plans"]
    # another query, another ETag
    other = client.get("/api/fts_plans.json?year=2019")
    assert other.status_code == 200 and other.headers["ETag"] != again.headers["ETag"]
    # chart views and catalogue answers: ETag and 304 too
    for url in ("/api/mmp/deaths-by-origin.json?year=2019", "/api/tables", "/api/openapi.json"):
        response = client.get(url)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "public, max-age=300", url
        assert client.get(url, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304, url


def test_a_new_ingest_changes_the_etag_and_the_bytes(app, client, data_dir):
    before = client.get("/api/fts_plans.csv")
    tables = all_tables()
    tables["fts_plans"] = tables["fts_plans"].iloc[:1]
    write_tables(data_dir, tables)
    after = client.get("/api/fts_plans.csv", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    assert after.get_data().count(b"\n") == 2 < before.get_data().count(b"\n")
    assert after.get_data() == computed(app, "/api/fts_plans.csv")


def test_max_age_comes_from_the_environment(shared, monkeypatch):
    client = shared[1]
    monkeypatch.setenv("HUMDASH_CACHE_MAX_AGE", "60")
    assert client.get("/api/fts_donors.json").headers["Cache-Control"] == "public, max-age=60"
    monkeypatch.setenv("HUMDASH_CACHE_MAX_AGE", "0")
    assert client.get("/api/fts_donors.json").headers["Cache-Control"] == "public, no-cache"


def test_language_and_errors(shared):
    client = shared[1]
    english = client.get("/api/fts_plans.csv")
    spanish = client.get("/api/fts_plans.csv?lang=es")
    assert "Accept-Language" in english.headers["Vary"] and "Accept-Language" not in spanish.headers["Vary"]
    assert english.headers["ETag"] != client.get("/api/fts_plans.csv",
                                                 headers={"Accept-Language": "es"}).headers["ETag"]
    # the language taken from the page's address (Referer) is not visible to a shared cache: private
    referred = client.get("/api/fts_plans.csv", headers={"Referer": "http://x/funding?lang=es"})
    assert referred.headers["Cache-Control"].startswith("private")
    bad = client.get("/api/fts_plans.csv?year=abc")
    assert bad.status_code == 400 and bad.headers["Cache-Control"] == "no-store" and "ETag" not in bad.headers


def test_chart_callbacks_are_computed_once_per_data_version(app, client, data_dir):
    output = next(k for k in app.callback_map if "mig-origin-graph.figure" in k)
    real = app.callback_map[output]["callback"]
    calls = []

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    app.callback_map[output]["callback"] = counting
    inputs = {"mig-dates.start_date": "2019-01-01", "mig-dates.end_date": "2019-12-31"}
    first = dispatch(client, "mig-origin-graph", inputs)
    second = dispatch(client, "mig-origin-graph", inputs)
    assert first == second and first["mig-origin-graph"]["figure"]["data"]
    assert len(calls) == 1
    dispatch(client, "mig-origin-graph", {**inputs, "mig-dates.end_date": "2019-06-30"})
    assert len(calls) == 2  # other inputs: computed
    write_tables(data_dir, all_tables())  # an ingest of the very same tables: same data version, same answer
    assert dispatch(client, "mig-origin-graph", inputs) == first and len(calls) == 2
    tables = all_tables()
    tables["mmp_incidents"] = tables["mmp_incidents"].iloc[1:]  # new numbers: computed again
    write_tables(data_dir, tables)
    assert dispatch(client, "mig-origin-graph", inputs) != first
    assert len(calls) == 3


def test_fingerprinted_static_files_are_immutable(shared):
    client = shared[1]
    page = client.get("/").get_data(as_text=True)
    urls = re.findall(r'(?:src|href)="(/(?:assets|_dash-component-suites)/[^"]+)"', page)
    assert any("/assets/" in u and "?m=" in u for u in urls) and any("_dash-component-suites" in u for u in urls)
    # dcc's chunks, preloaded by the page under the one address dcc asks for, whatever its version
    chunks = [u for u in urls if re.search(r"/dcc/async-[a-z]+\.js$", u)]
    assert chunks
    for url in chunks:
        response = client.get(url)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-cache", url
        etag = response.headers["ETag"]
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304, url
    for url in set(urls) - set(chunks):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable", url
    plain = next(u for u in urls if "/assets/" in u).split("?")[0]
    assert "immutable" not in (client.get(plain).headers.get("Cache-Control") or "")
    assert "immutable" not in (client.get(plain + "?m=1").headers.get("Cache-Control") or "")


def test_rate_limit_answers_429_with_retry_after(data_dir, monkeypatch):
    from dashboard.app import create_app

    monkeypatch.setenv("HUMDASH_RATELIMIT", "4/minute")
    monkeypatch.setenv("HUMDASH_TRUSTED_PROXIES", "1")
    client = create_app(data_dir).server.test_client()
    assert client.get("/").status_code == 200  # pages are not limited
    statuses = [client.get("/api/fts_plans.json").status_code for _ in range(6)]
    assert statuses == [200] * 4 + [429] * 2
    response = client.get("/api/tables")
    assert response.status_code == 429
    body = response.get_json()
    assert body["status"] == 429 and body["error"] == "too many requests"
    assert 1 <= int(response.headers["Retry-After"]) <= 61  # the rest of the minute, rounded up
    assert response.headers["Cache-Control"] == "no-store"
    # another visitor (behind the proxy, X-Forwarded-For) has a budget of their own
    assert client.get("/api/tables", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 200
    assert client.get("/").status_code == 200


def test_openapi_documents_304_and_429(shared):
    client = shared[1]
    spec = client.get("/api/openapi.json").get_json()
    for path, item in spec["paths"].items():
        assert {"304", "429"} <= set(item["get"]["responses"]), path
    assert "Retry-After" in spec["components"]["responses"]["TooManyRequests"]["headers"]


def test_a_client_that_has_gone_is_not_computed(shared, monkeypatch):
    app, client = shared
    calls = []
    real = api.serve
    monkeypatch.setattr(api, "serve", lambda *a: calls.append(1) or real(*a))
    ours, theirs = socket.socketpair()
    try:
        response = client.get("/api/fts_flows.csv?year=2019", environ_overrides={"gunicorn.socket": ours})
        assert response.status_code == 200 and calls == [1]  # the client is there
        theirs.close()
        response = client.get("/api/fts_clusters.csv?year=2019", environ_overrides={"gunicorn.socket": ours})
        assert response.status_code == 499 and calls == [1]  # gone: nothing computed
    finally:
        ours.close()
        theirs.close()


def test_answers_worth_compressing_are_kept_compressed_only():
    """A kept answer holds its body once per encoding, not also as plain text (which took 70 % of the
    worker's cache); a client that takes no compression gets the plain body from the gzip copy."""
    from flask import Flask, Response

    from dashboard.web import httpcache

    body = json.dumps({"rows": [[i, f"row {i}"] for i in range(400)]}).encode()
    blob = httpcache.pack(Response(body, mimetype="application/json"))
    head, bodies = httpcache.unpack(blob)
    assert sorted(bodies) == sorted(httpcache.ENCODINGS) and "identity" not in bodies
    assert len(blob) < len(body) / 2
    with Flask(__name__).test_request_context(headers={"Accept-Encoding": ""}):
        plain = httpcache.respond(head, bodies, None)
        assert "Content-Encoding" not in plain.headers and b"".join(plain.response) == body
        assert plain.headers["Content-Length"] == str(len(body))
    small = httpcache.unpack(httpcache.pack(Response(b"{}", mimetype="application/json")))[1]
    assert list(small) == ["identity"]
