"""A page's first charts travel with the page (dashboard/render/prefill.py): the pages router's answer
holds every chart's figure, summary, table, source and links, equal to what the charts callback answers
for the same controls; the charts callback is not called on the first render; a chart that fails does
not keep the page from opening. And the page's HTML preloads the dcc chunks and base map it uses."""
from __future__ import annotations

import json
import re

import pytest

from load import dashflow as flow
from tests.fixtures.dashboard.dashboard_synth import dispatch

PAGES = ["/", "/migration", "/crisis", "/funding"]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """The app on the bundled snapshot (an empty data directory falls back to it table by table)."""
    from dashboard.app import create_app

    return create_app(tmp_path_factory.mktemp("empty-data")).server.test_client()


def _page(client, path: str, search: str = "") -> list:
    client.get(path + search)
    out = dispatch(client, "_pages_content", {"_pages_location.pathname": path, "_pages_location.search": search})
    return out["_pages_content"]["children"]


def _charts_callback(client, vals: dict, shown: bool = True) -> tuple[dict, dict]:
    """The callback that draws the page's charts, and its request for a change of a control they read;
    `shown=False`: from a page whose store of what it shows is empty (everything is answered)."""
    from dashboard.render import prefill

    deps = client.get("/_dash-dependencies").get_json()
    dep = next(d for d in flow.server_side(deps) if flow.in_page(d, vals) and "-graph.figure" in d["output"])
    charts = next(p for p in prefill.CALLBACKS.values() if all(f"{c}.{p}" in vals for c, p in p.controls))
    assert f"{charts.shown}.data" in vals and any(s["id"] == charts.shown for s in dep["state"])
    if not shown:
        vals = {**vals, f"{charts.shown}.data": None}
    return dep, flow.payload(dep, vals, [f"{charts.controls[0][0]}.{charts.controls[0][1]}"])


@pytest.mark.parametrize("search", ["", "?lang=es"])
@pytest.mark.parametrize("path", PAGES)
def test_the_page_answer_carries_what_the_charts_callback_answers(client, path, search):
    page = _page(client, path, search)
    vals = flow.values(page)
    dep, body = _charts_callback(client, vals, shown=False)
    headers = {"Referer": f"http://localhost{path}{search}"}
    response = client.post("/_dash-update-component", json=body, headers=headers)
    assert response.status_code == 200, response.data[:300]
    answer = response.get_json()["response"]
    graphs = [cid for cid in answer if cid.endswith("-graph")]
    assert graphs
    shown = {c["props"]["id"]: c["props"] for c in flow.walk(page) if isinstance(c["props"].get("id"), str)}
    for cid, props in answer.items():
        if cid.endswith("-url"):  # the page's URL sync writes the address; the page has none to show
            continue
        for prop, value in props.items():
            # the same JSON the callback sends: the page shows what a filter change back to it would show
            assert json.dumps(shown[cid].get(prop), sort_keys=True) == json.dumps(value, sort_keys=True), \
                (path, search, cid, prop)
    for cid in graphs:
        figure = vals[f"{cid}.figure"]
        assert figure["data"] or figure["layout"].get("annotations"), cid  # drawn, or says why it cannot be
        assert shown[f"{cid.removesuffix('-graph')}-summary"]["children"], cid


@pytest.mark.parametrize("search", ["", "?lang=es"])
@pytest.mark.parametrize("path", PAGES)
def test_a_page_is_not_sent_again_what_it_shows(client, path, search):
    """The page's store holds a digest of each chart output it was opened with (render/shown.py): the
    charts callback, asked for the same controls, sends none of them again, and leaves the store as it is."""
    from dashboard.render import prefill

    page = _page(client, path, search)
    vals = flow.values(page)
    dep, body = _charts_callback(client, vals)
    shown_id = next(s["id"] for s in dep["state"] if s["id"].endswith("shown"))
    digests = vals[f"{shown_id}.data"]
    assert isinstance(digests, list) and len(digests) > 5 and all(isinstance(d, str) for d in digests)
    charted = {cid for cid, _prop in next(p for p in prefill.CALLBACKS.values() if p.shown == shown_id).outputs}
    response = client.post("/_dash-update-component", json=body, headers={"Referer": f"http://localhost{path}{search}"})
    assert response.status_code == 200
    sent = response.get_json()["response"]
    assert not [cid for cid in sent if cid in charted or cid == shown_id], response.data[:300]
    # the same request from a page whose store is empty is answered every chart output
    _dep, body = _charts_callback(client, vals, shown=False)
    sent = client.post("/_dash-update-component", json=body, headers={"Referer": f"http://localhost{path}{search}"})
    assert {cid for cid in sent.get_json()["response"] if cid in charted} == charted - {
        cid for cid, _p in next(p for p in prefill.CALLBACKS.values() if p.shown == shown_id).outputs
        if cid.endswith("-tools")}
    assert sent.get_json()["response"][shown_id]["data"] == digests


def test_the_charts_callback_is_not_called_on_the_first_render(client):
    deps = client.get("/_dash-dependencies").get_json()
    charts = [d for d in flow.server_side(deps) if "-graph.figure" in d["output"]]
    assert len(charts) >= len(PAGES)
    assert all(d["prevent_initial_call"] for d in charts), [d["output"][:60] for d in charts]


def test_a_page_built_outside_the_router_has_no_charts_computed(client):
    """Dash builds a validation layout from every page once: that must not run every page's queries."""
    import dash

    from dashboard.render import prefill

    entry = next(p for p in dash.page_registry.values() if p["path"] == "/migration")
    with client.application.test_request_context("/migration"):
        assert not prefill.rendering_for_browser()
        page = entry["layout"]()
    figures = [c.figure for c in page._traverse() if getattr(c, "_type", "") == "Graph"]
    assert figures and not any(getattr(f, "data", None) for f in figures)


def test_a_chart_that_fails_leaves_the_page_open_and_says_so(client, monkeypatch, caplog):
    from dashboard.render import prefill

    broken = prefill.CALLBACKS["mig-"]

    def fail(*_values):
        raise RuntimeError("query failed")

    monkeypatch.setitem(prefill.CALLBACKS, "mig-", prefill.Prefill(broken.controls, broken.outputs, fail,
                                                                    broken.summaries))
    page = _page(client, "/migration", "?lang=es")
    text = json.dumps(page, ensure_ascii=False)
    assert text.count("No se pudo dibujar este gráfico") == len(broken.summaries)
    assert "charts of mig- could not be drawn" in caplog.text
    assert "mig-year" in text  # the filters are there: the next change draws the charts


@pytest.mark.parametrize("path, chunks, fetches", [
    ("/migration", {"async-graph.js", "async-dropdown.js", "async-datepicker.js", "plotly-partial.min.js"},
     {"/assets/topojson/world_110m.json"}),
    ("/funding?country=AFG", {"async-graph.js", "async-dropdown.js", "plotly-partial.min.js"}, set()),
    ("/data", {"async-dropdown.js", "dash_ag_grid.min.js", "async-community.js"}, set()),  # AG Grid: /data only
    ("/about", set(), set()),
    ("/no-such-page", set(), set()),
])
def test_the_page_preloads_the_chunks_and_files_it_uses(client, path, chunks, fetches):
    html = client.get(path).data.decode()
    preloads = re.findall(r'<link rel="preload" as="(script|fetch)"(?: crossorigin="anonymous")? href="([^"]+)">', html)
    # file names without Dash's fingerprint (.v35_3_0m1796623754)
    assert {re.sub(r"\.v[\w]+m\d+", "", href.rsplit("/", 1)[1]) for kind, href in preloads if kind == "script"} == chunks
    assert {href for kind, href in preloads if kind == "fetch"} == fetches
    for _kind, href in preloads:
        assert client.get(href).status_code == 200, href


def _layout(client, referrer: str | None) -> dict:
    headers = {"Referer": referrer} if referrer else {}
    return client.get("/_dash-layout", headers=headers).get_json()


def _by_id(tree) -> dict:
    return {c["props"]["id"]: c for c in flow.walk(tree) if isinstance(c["props"].get("id"), str)}


@pytest.mark.parametrize("search, host", [("?lang=es", "localhost"), ("?year=2018", "localhost:8080")])
def test_the_layout_carries_the_page_the_browser_opens(client, search, host):
    """The first layout holds the page of its Referer with its charts, and a location that will not call
    the pages router on mount; the same content the router would answer. Behind a proxy the Referer's port
    may differ from the Host header's."""
    found = _by_id(_layout(client, f"http://{host}/migration{search}"))
    location = found["_pages_location"]["props"]
    assert (location["pathname"], location["search"]) == ("/migration", search)
    content = found["_pages_content"]["props"]["children"]
    assert content == _page(client, "/migration", search)  # what the router answers for the same address
    assert found["mig-origin-graph"]["props"]["figure"]["data"]
    assert found["_pages_store"]["props"]["data"]["title"] == ("Migrantes desaparecidos" if "es" in search
                                                               else "Missing migrants")


@pytest.mark.parametrize("referrer", [None, "http://elsewhere.example/migration", "http://localhost/_dash-layout"])
def test_without_the_page_address_the_layout_leaves_the_page_to_the_router(client, referrer):
    found = _by_id(_layout(client, referrer))
    if referrer and referrer.endswith("_dash-layout"):  # no such page: the not-found page, as the router would
        assert "Page not found" in json.dumps(found["_pages_content"]["props"].get("children"))
        return
    assert not found["_pages_content"]["props"].get("children")
    assert "pathname" not in found["_pages_location"]["props"]


def test_a_page_that_fails_in_the_layout_is_left_to_the_router(client, monkeypatch, caplog):
    """The header, navigation and footer still load; the router renders the page (or its error) later."""
    import dash

    entry = next(p for p in dash.page_registry.values() if p["path"] == "/about")

    def fail(**_query):
        raise RuntimeError("layout failed")

    monkeypatch.setitem(entry, "layout", fail)
    response = client.get("/_dash-layout", headers={"Referer": "http://localhost/about"})
    assert response.status_code == 200
    found = _by_id(response.get_json())
    assert not found["_pages_content"]["props"].get("children") and "pathname" not in found["_pages_location"]["props"]
    assert "page /about could not be put in the layout" in caplog.text
