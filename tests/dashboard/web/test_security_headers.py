"""Security headers on every response, the embedding switch, no debug pages or tracebacks in
production, and real Chromium rendering every page under the CSP with zero violations."""
from __future__ import annotations

import base64
import hashlib
import re
import textwrap
from pathlib import Path

import pytest

from tests.fixtures.dashboard.dashboard_synth import app, client, data_dir, empty_snapshot  # noqa: E402,F401

from conftest import start_server  # noqa: E402
from dashboard.web import security  # noqa: E402

PAGES = ("/", "/funding", "/migration", "/data", "/about")


def directives(csp: str) -> dict[str, list[str]]:
    out = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def inline_script_hashes(html: str) -> list[str]:
    """sha256 of every executable inline <script> in a page."""
    out = []
    for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
        if "src=" in attrs or "application/json" in attrs:
            continue
        out.append("'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'")
    return out


def assert_headers(response, framing: str = "'none'") -> dict[str, list[str]]:
    h = response.headers
    csp = directives(h["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"][0] == "'self'"
    assert all(s.startswith("'sha256-") for s in csp["script-src"][1:]), csp["script-src"]
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in " ".join(sum(csp.values(), []))
    assert csp["style-src"] == ["'self'", "'unsafe-inline'"]
    assert csp["img-src"] == ["'self'", "data:", "blob:"]
    assert csp["connect-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'self'"]
    assert csp["frame-ancestors"] == framing.split()
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "same-origin"
    if framing == "'none'":
        assert h["X-Frame-Options"] == "DENY"
    else:
        assert "X-Frame-Options" not in h
    return csp


def _callback_payload(client) -> dict:
    deps = client.get("/_dash-dependencies").get_json()
    # the plans chart's callback (its answer carries the plan heading too)
    dep = next(d for d in deps if "fund-plans-graph.figure" in d["output"] and "fund-heading" in d["output"])
    values = {"fund-country.value": "VEN", "fund-years.value": [2019], "fund-plan.value": 827,
              "fund-regional.value": [], "fund-cluster-type.value": "cluster"}
    outputs = [dict(zip(("id", "property"), o.split(".", 1))) for o in dep["output"].strip(".").split("...")]
    return {"output": dep["output"], "outputs": outputs,
            "inputs": [{"id": i["id"], "property": i["property"], "value": values.get(f"{i['id']}.{i['property']}")}
                       for i in dep["inputs"]],
            # the page's store of what it shows (render/shown.py), empty: every chart output is answered
            "state": [{"id": s["id"], "property": s["property"], "value": None} for s in dep.get("state", [])],
            "changedPropIds": ["fund-country.value"]}


# ------------------------------------------------------------------------------------------ headers


def test_headers_on_pages_assets_api_callbacks_and_errors(client):
    html = client.get("/").get_data(as_text=True)
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts, "no script tags in the index"
    urls = list(PAGES) + ["/funding?country=VEN&year=2019", "/assets/style.css", "/_dash-layout",
                          "/_dash-dependencies", "/_favicon.ico", "/api/tables", "/api/openapi.json",
                          "/api/fts_plans.csv", "/api/mmp/trend.json?year=2019", "/api/nope.csv",
                          "/api/fts_plans.csv?year=x", "/assets/nope.css", "/_dash-component-suites/dash/nope.js",
                          "/?" + "x" * 10_000, *scripts[:3]]
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 400, 404, 414), (url, response.status_code)
        assert_headers(response)
    callback = client.post("/_dash-update-component", json=_callback_payload(client))
    assert callback.status_code == 200
    assert_headers(callback)
    assert_headers(client.post("/_dash-update-component", data=b"junk", content_type="application/json"))
    assert_headers(client.post("/api/tables"))  # 405, JSON


def test_csp_allows_exactly_the_inline_scripts_dash_writes(client, app):
    for path in PAGES:
        response = client.get(path)
        csp = directives(response.headers["Content-Security-Policy"])
        inline = inline_script_hashes(response.get_data(as_text=True))
        assert inline, "Dash writes its renderer bootstrap inline"
        assert sorted(set(csp["script-src"][1:])) == sorted(set(inline)), path
        assert set(inline) <= set(app.csp_hashes())


@pytest.mark.parametrize("value,expected", [
    ("", None), ("0", None), ("off", None), ("1", "*"), ("true", "*"),
    ("https://a.example https://b.example:8443", "https://a.example https://b.example:8443"),
    ("https://a.example,https://*.b.example", "https://a.example https://*.b.example"),
])
def test_embed_switch_values(value, expected):
    assert security.frame_ancestors(value) == expected


@pytest.mark.parametrize("value", ["javascript:x", "https://a.example; script-src *", "*.example", "'unsafe-inline'"])
def test_embed_switch_rejects_anything_but_origins(value):
    with pytest.raises(ValueError):
        security.frame_ancestors(value)


def test_embedding_is_off_unless_switched_on(data_dir, monkeypatch):
    from dashboard.app import create_app

    monkeypatch.delenv("HUMDASH_ALLOW_EMBED", raising=False)
    off = create_app(data_dir).server.test_client()
    assert_headers(off.get("/"))
    monkeypatch.setenv("HUMDASH_ALLOW_EMBED", "1")
    on = create_app(data_dir).server.test_client()
    for url in ("/", "/about", "/api/tables", "/assets/style.css"):
        assert_headers(on.get(url), framing="*")
    monkeypatch.setenv("HUMDASH_ALLOW_EMBED", "https://partner.example")
    some = create_app(data_dir).server.test_client()
    assert_headers(some.get("/funding"), framing="https://partner.example")
    monkeypatch.delenv("HUMDASH_ALLOW_EMBED")
    option = create_app(data_dir, allow_embed=True).server.test_client()
    assert_headers(option.get("/"), framing="*")
    # the planned /embed/ routes: framable on their own, the rest of the app still not
    embed = create_app(data_dir, embed_paths=("/embed/",)).server.test_client()
    assert_headers(embed.get("/embed/chart"), framing="*")
    assert_headers(embed.get("/funding"))


# ------------------------------------------------------------------------------------------ no tracebacks


TRACE_MARKERS = ("Traceback", 'File "', "RuntimeError", "boom-secret", "werkzeug", "<!doctype")


def assert_clean_500(response) -> None:
    assert response.status_code == 500
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body == {"error": "internal error", "status": 500,
                    "message": "the server could not answer this request; it has been logged"}
    text = response.get_data(as_text=True)
    assert not any(m in text for m in TRACE_MARKERS), text
    assert_headers(response)


def test_forced_exceptions_give_json_500_without_traceback(app, client, monkeypatch, caplog):
    from dashboard.web import api
    from dashboard.pages import data as data_page

    def boom(*args, **kwargs):
        raise RuntimeError("boom-secret /etc/passwd")

    assert app.server.debug is False
    monkeypatch.setattr(api, "serve", boom)  # an API route
    assert_clean_500(client.get("/api/fts_plans.csv"))
    monkeypatch.setattr(data_page, "ag_grid_rows", boom)  # a Dash callback
    deps = client.get("/_dash-dependencies").get_json()
    dep = next(d for d in deps if d["output"].startswith("..data-grid.getRowsResponse"))
    values = {"data-table.value": "fts_plans", "data-grid.getRowsRequest": {"startRow": 0, "endRow": 25}}
    payload = {"output": dep["output"],
               "outputs": [dict(zip(("id", "property"), o.split(".", 1))) for o in dep["output"].strip(".").split("...")],
               "inputs": [{"id": i["id"], "property": i["property"], "value": values[f"{i['id']}.{i['property']}"]}
                          for i in dep["inputs"]],
               "state": [{"id": i["id"], "property": i["property"], "value": values[f"{i['id']}.{i['property']}"]}
                         for i in dep["state"]], "changedPropIds": ["data-grid.getRowsRequest"]}
    assert_clean_500(client.post("/_dash-update-component", json=payload))
    monkeypatch.setattr(app, "index", boom)  # the page route itself
    assert_clean_500(client.get("/funding"))
    assert "boom-secret" in caplog.text  # the log has it


BOOM_RUNNER = '''
"""python -m humdash_boom: the production server (python -m dashboard) with routes that fail."""
import sys

from dashboard.web import api
from dashboard.pages import data as data_page


def boom(*args, **kwargs):
    raise RuntimeError("boom-secret " + __file__)


api.serve = boom
data_page.ag_grid_rows = boom

from dashboard.__main__ import main  # noqa: E402

sys.exit(main())
'''


@pytest.fixture(scope="module")
def boom_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("boom")
    (root / "humdash_boom.py").write_text(textwrap.dedent(BOOM_RUNNER), encoding="utf-8")
    (root / "data").mkdir()
    import os

    env = {"PYTHONPATH": os.pathsep.join([str(root), str(Path(__file__).resolve().parents[3])])}
    proc, base = start_server(["humdash_boom", "--data-dir", str(root / "data")], env=env)
    yield base
    proc.terminate()
    proc.wait(10)


@pytest.mark.slow
def test_production_server_has_no_debug_pages_or_tracebacks(boom_server):
    import json
    import urllib.error
    import urllib.request

    def fetch(path: str, data: bytes | None = None) -> tuple[int, dict, str]:
        request = urllib.request.Request(boom_server + path, data=data,
                                         headers={"Content-Type": "application/json"} if data else {})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read().decode()

    status, headers, body = fetch("/api/fts_plans.csv")
    assert status == 500 and json.loads(body)["error"] == "internal error"
    assert not any(m in body for m in TRACE_MARKERS), body
    assert "Content-Security-Policy" in headers and headers["X-Frame-Options"] == "DENY"
    # werkzeug's debugger and Dash's dev tools are off: no debugger resources, no console
    for path in ("/?__debugger__=yes&cmd=resource&f=debugger.js", "/console"):
        status, _h, body = fetch(path)
        assert "Werkzeug" not in body and body.lstrip().startswith("<!DOCTYPE html>"), path
    status, _h, config = fetch("/")
    assert '"ui":false' in config and '"props_check":false' in config
    status, _h, body = fetch("/_dash-update-component", json.dumps({"output": 1}).encode())
    assert status == 400 and "Traceback" not in body


# ------------------------------------------------------------------------------------------ Chromium


WATCH_CSP = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(
  [e.violatedDirective, e.blockedURI, (e.sourceFile || '').split('/').pop(), e.lineNumber]));
"""


@pytest.fixture(scope="module")
def snapshot_server():
    """python -m dashboard on the bundled snapshot (the real data) in production mode."""
    import tempfile

    with tempfile.TemporaryDirectory() as empty:
        proc, base = start_server(["dashboard", "--data-dir", empty])
        yield base
        proc.terminate()
        proc.wait(10)


def _open(browser, url: str):
    page = browser.new_page(accept_downloads=True)
    console: list[str] = []
    page.add_init_script(WATCH_CSP)
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return page, console


def _violations(page, console) -> list:
    return page.evaluate("window.__csp") + [m for m in console if "Content Security Policy" in m
                                            or "Content-Security-Policy" in m]


@pytest.mark.browser
@pytest.mark.flaky(reruns=2, reruns_delay=3)
@pytest.mark.parametrize("path", PAGES + ("/funding?country=AFG&year=2020", "/migration?year=2019&freq=year",
                                          "/data?table=mmp_deaths"))
def test_every_page_renders_with_zero_csp_violations(chromium, snapshot_server, path):
    page, console = _open(chromium, snapshot_server + path)
    try:
        page.locator("main h1").first.wait_for(timeout=60000)
        assert page.locator("main h1").count() == 1, "the page did not render"
        if path.split("?")[0] in ("/", "/funding", "/migration"):
            # charts arrive with their callbacks, which can lag the page load on busy cores
            page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60000)
            assert page.locator(".js-plotly-plot .main-svg").count() > 0, "no chart was drawn"
            # hover a chart, open the modebar: plotly's run-time styles and icons
            page.locator(".js-plotly-plot").first.hover()
            page.mouse.move(400, 500)
        if path.startswith("/data"):
            page.locator("#data-grid .ag-cell").first.wait_for(timeout=60000)
            assert page.locator("#data-grid .ag-cell").count() > 0
        assert _violations(page, console) == []
        assert [m for m in console if m.startswith("pageerror")] == []
    finally:
        page.close()


@pytest.mark.browser
@pytest.mark.flaky(reruns=2, reruns_delay=3)
def test_interactions_cause_no_csp_violations(chromium, snapshot_server):
    page, console = _open(chromium, snapshot_server + "/migration")
    try:
        page.click("#mig-cause")  # a dropdown
        page.wait_for_timeout(200)
        page.locator(".dash-dropdown-option").first.click()
        page.wait_for_load_state("networkidle")
        with page.expect_download():
            page.locator("button", has_text="Download CSV").first.click()
        page.locator("details summary").first.click()  # the table view
        page.evaluate("() => { const gd = document.querySelector('.js-plotly-plot');"
                      " window.Plotly.Fx.hover(gd, [{curveNumber: 0, pointNumber: 0}]); }")
        page.goto(snapshot_server + "/data?table=fts_plans")
        page.wait_for_load_state("networkidle")
        page.locator("#data-grid .ag-header-cell-label").first.click()  # server-side sort
        page.wait_for_load_state("networkidle")
        assert _violations(page, console) == []
    finally:
        page.close()


@pytest.mark.browser
@pytest.mark.flaky(reruns=2, reruns_delay=3)
def test_csp_is_enforced(chromium, snapshot_server):
    """The policy is live: an injected inline script does not run and is reported."""
    page, _console = _open(chromium, snapshot_server + "/about")
    try:
        page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1';"
                      " document.body.appendChild(s); }")
        page.wait_for_timeout(200)
        assert page.evaluate("window.__ran") is None
        assert any(v[0].startswith("script-src") for v in page.evaluate("window.__csp"))
    finally:
        page.close()


def _framed(browser, local_server, target: str):
    """Open a page on another origin (a local server on another port) that frames `target`."""
    base, script = local_server
    html = f'<html><body><iframe id="f" src="{target}" width="600" height="400"></iframe></body></html>'
    script.add("/parent.html", (200, html.encode(), {"Content-Type": "text/html"}))
    page = browser.new_page()
    page.goto(base + "/parent.html")
    page.wait_for_timeout(1500)
    for _ in range(240):  # until the frame has navigated (to the page, or to Chromium's error page)
        if len(page.frames) > 1 and page.frames[1].url not in ("", "about:blank"):
            break
        page.wait_for_timeout(250)
    return page, page.frames[1]


@pytest.mark.browser
@pytest.mark.flaky(reruns=2, reruns_delay=3)
def test_other_sites_cannot_frame_the_dashboard(chromium, snapshot_server, local_server):
    page, child = _framed(chromium, local_server, snapshot_server + "/about")
    try:
        # blocked by frame-ancestors 'none' / X-Frame-Options: DENY: Chromium shows its own error page
        assert not child.url.startswith(snapshot_server), child.url
        assert child.locator(".site-header").count() == 0
    finally:
        page.close()


@pytest.mark.browser
@pytest.mark.flaky(reruns=2, reruns_delay=3)
def test_embedding_switched_on_lets_other_sites_frame_it(chromium, local_server, tmp_path):
    proc, base = start_server(["dashboard", "--data-dir", str(tmp_path)], env={"HUMDASH_ALLOW_EMBED": "1"})
    try:
        page, child = _framed(chromium, local_server, base + "/about")
        assert child.url == base + "/about"
        child.wait_for_selector(".site-header")
        page.close()
    finally:
        proc.terminate()
        proc.wait(10)
