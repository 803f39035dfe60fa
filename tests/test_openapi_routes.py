"""/api/openapi.json describes every Flask route under /api/ (walked from app.server.url_map), so a new
route cannot be added without its description; and every described path is a real route."""
from __future__ import annotations

import pytest

from tests.fixtures.dashboard.dashboard_synth import app, client, data_dir, empty_snapshot  # noqa: E402,F401

from dashboard.queries.views import VIEWS  # noqa: E402

# Endpoints of the catch-alls that only answer 404 JSON for unknown /api/ addresses (nothing to describe).
NOT_FOUND_PROBES = ("/api/", "/api/a/b/c/d")


def endpoint(adapter, path: str) -> str:
    return adapter.match(path, method="GET")[0]


@pytest.fixture
def spec(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_every_api_route_is_in_the_openapi_description(app, spec):
    server = app.server
    adapter = server.url_map.bind("localhost")
    catch_all = {endpoint(adapter, p) for p in NOT_FOUND_PROBES}
    routes = {r.endpoint: r.rule for r in server.url_map.iter_rules()
              if r.rule.startswith("/api/") and "GET" in r.methods and r.endpoint not in catch_all}
    described = {}
    for path in spec["paths"]:
        found = endpoint(adapter, path)
        assert found not in catch_all, f"{path} is described but no route serves it"
        described.setdefault(found, []).append(path)
    missing = {e: rule for e, rule in routes.items() if e not in described}
    assert not missing, f"routes under /api/ missing from /api/openapi.json (dashboard/web/openapi.py): {missing}"
    # the two routes the description used to leave out, with every format and chart
    paths = set(spec["paths"])
    assert {"/api/changes.csv", "/api/changes.json"} <= paths
    assert {f"/api/chart/{v}.{fmt}" for v in VIEWS for fmt in ("png", "svg")} <= paths


def test_changes_and_images_have_parameters_and_responses(spec):
    for kind in ("csv", "json"):
        item = spec["paths"][f"/api/changes.{kind}"]
        params = {p["name"]: p for p in item["parameters"]}
        assert set(params) == {"table", "since", "part"} and params["table"]["required"] is True
        assert "mmp_deaths" in params["table"]["schema"]["enum"]
        assert params["part"]["schema"]["enum"] == ["rows", "totals"]
        assert {"200", "400", "404", "409"} <= set(item["get"]["responses"])
    assert "text/csv" in spec["paths"]["/api/changes.csv"]["get"]["responses"]["200"]["content"]
    for view in VIEWS.values():
        for fmt, mime in (("png", "image/png"), ("svg", "image/svg+xml")):
            item = spec["paths"][f"/api/chart/{view.name}.{fmt}"]
            assert [p["name"] for p in item["parameters"]] == list(view.params)
            responses = item["get"]["responses"]
            assert mime in responses["200"]["content"] and {"400", "404", "503"} <= set(responses)
    from openapi_spec_validator import validate

    validate(spec)


def test_described_paths_answer(client, spec):
    """Every described path is served (an unexpected parameter: 400 naming it, never the 404 of an
    unknown address) — without rendering images or computing anything."""
    for path in spec["paths"]:
        response = client.get(path, query_string={"zz_unexpected": "1"})
        if path in ("/api/tables", "/api/views", "/api/status", "/api/openapi.json"):
            assert response.status_code == 200, path
            continue
        assert response.status_code == 400, (path, response.status_code, response.data[:200])
        assert response.get_json()["param"] == "zz_unexpected", path
