"""The partial plotly.js bundle (dashboard/vendor, built by tools/plotly-bundle): served by the app itself
in place of plotly's full bundle, fingerprinted, compressed, of plotly's own plotly.js version, loaded
only by pages that draw a chart (preloaded there), and enough to draw every chart (bar, scatter,
scattergeo) in real Chromium with no console errors. HUMDASH_FULL_PLOTLYJS=1 brings back Dash's default
(the full bundle)."""
from __future__ import annotations

import re
from pathlib import Path

import plotly
import pytest
from plotly.offline import get_plotlyjs_version

from dashboard import vendor

# the browser tests reuse test_browser_dashboard's fixtures (a module-scoped server each)
from tests.dashboard.browser.test_browser_dashboard import (  # noqa: F401  (pytest fixtures)
    Watch, browser_page, dashboard_url, expect, incident_url, settle,
)

FULL_JS = Path(plotly.__file__).with_name("package_data") / "plotly.min.js"
PARTIAL = r'/_dash-component-suites/dashboard\.vendor/plotly-partial\.v[^"]+\.min\.js'
PARTIAL_URL = re.compile(f'<meta name="humdash-plotly" content="({PARTIAL})"')  # read by assets/charts.js
PARTIAL_SCRIPT = re.compile(f'<script[^>]+src="{PARTIAL}"')
PARTIAL_PRELOAD = re.compile(f'<link rel="preload" as="script" href="({PARTIAL})"')
CHART_PAGES = ["/", "/funding", "/migration"]  # pages that draw at least one chart on the bundled snapshot
ALL_PAGES = CHART_PAGES + ["/crisis", "/data", "/changes", "/about", "/?lang=es", "/migration?lang=es"]


@pytest.fixture
def app_client(tmp_path, monkeypatch):
    monkeypatch.delenv(vendor.ENV_FULL, raising=False)
    from dashboard.app import create_app

    yield create_app(tmp_path, check_every=1e9).server.test_client()
    vendor.use_partial_plotlyjs()  # dcc._js_dist is module-global: leave it as the environment says


def test_the_grid_bundle_is_loaded_only_where_a_grid_is_drawn(app_client):
    """AG Grid's bundle (350 kB gzip) is not one of the page's scripts; its fingerprinted address is in a
    <meta> for assets/lazy-components.js, and served with the year-long cache of Dash's own bundles."""
    html = app_client.get("/").get_data(as_text=True)
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', html)
    assert scripts and not [s for s in scripts if "dash_ag_grid" in s]
    assert [s for s in scripts if s.startswith("/assets/lazy-components.js")]
    url = re.search(r'<meta name="humdash-lazy-dash_ag_grid" content="([^"]+)"', html).group(1)
    bundle = app_client.get(url)
    assert bundle.status_code == 200 and "max-age=31536000" in bundle.headers["Cache-Control"]
    assert b"AgGrid" in bundle.get_data()


def test_bundle_is_built_and_of_plotlys_version():
    assert vendor.PARTIAL_PATH.is_file(), "run `npm ci && npm run build` in tools/plotly-bundle"
    assert vendor.__version__ == get_plotlyjs_version()
    head = vendor.PARTIAL_PATH.read_bytes()[:300].decode()
    assert f"plotly.js v{get_plotlyjs_version()} partial bundle" in head
    assert vendor.PARTIAL_PATH.stat().st_size < FULL_JS.stat().st_size / 2


def test_app_serves_the_partial_bundle(app_client):
    page = app_client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    urls = PARTIAL_URL.findall(html)
    assert len(urls) == 1, "one fingerprinted address for the partial bundle"
    assert not PARTIAL_SCRIPT.search(html), "not a page script: loaded when a chart is drawn"
    assert PARTIAL_PRELOAD.findall(html) == urls, "a page with charts preloads it"
    assert "package_data/plotly.min.js" not in html and "cdn.plot.ly" not in html
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]  # same origin: no new CSP source

    js = app_client.get(urls[0])
    assert js.status_code == 200
    assert js.headers["Content-Type"].startswith("text/javascript")
    assert "max-age=31536000" in js.headers["Cache-Control"]  # fingerprinted: cached for a year
    body = js.get_data()
    assert body == vendor.PARTIAL_PATH.read_bytes()
    assert len(body) < FULL_JS.stat().st_size
    assert f'version:"{get_plotlyjs_version()}"'.encode() in body or get_plotlyjs_version().encode() in body[:300]

    for encoding in ("gzip", "br"):
        squeezed = app_client.get(urls[0], headers={"Accept-Encoding": encoding})
        assert squeezed.headers.get("Content-Encoding") == encoding
        assert len(squeezed.get_data()) < 700_000  # ~0.48 MB against ~1.47 MB for the full bundle


@pytest.mark.parametrize("path", ["/data", "/about", "/changes"])
def test_pages_without_charts_do_not_preload_plotly(app_client, path):
    html = app_client.get(path).get_data(as_text=True)
    assert len(PARTIAL_URL.findall(html)) == 1  # the address, should a chart be drawn later (navigation)
    assert not PARTIAL_PRELOAD.search(html) and not PARTIAL_SCRIPT.search(html)


def test_several_apps_in_one_process_give_one_script(tmp_path, monkeypatch):
    """Every dash.Dash() appends a plotly entry to the module-global dcc._js_dist: still one <script>."""
    monkeypatch.delenv(vendor.ENV_FULL, raising=False)
    from dashboard.app import create_app

    for i in range(3):
        app = create_app(tmp_path / str(i), check_every=1e9)
    assert len(PARTIAL_URL.findall(app.server.test_client().get("/").get_data(as_text=True))) == 1


def test_full_bundle_escape_hatch(tmp_path, monkeypatch):
    monkeypatch.setenv(vendor.ENV_FULL, "1")
    from dashboard.app import create_app

    try:
        client = create_app(tmp_path, check_every=1e9).server.test_client()
        html = client.get("/").get_data(as_text=True)
        assert not PARTIAL_URL.search(html)  # Dash's default: dcc.Graph lazy-loads the full bundle
        assert not PARTIAL_PRELOAD.search(html) and not PARTIAL_SCRIPT.search(html)
        full = client.get("/_dash-component-suites/plotly/package_data/plotly.min.js")
        assert full.status_code == 200 and len(full.get_data()) == FULL_JS.stat().st_size
    finally:
        monkeypatch.delenv(vendor.ENV_FULL)
        vendor.use_partial_plotlyjs()


# ------------------------------------------------------------------------------------------ real Chromium


def _plotly_requests(watch: Watch) -> list[str]:
    return [u for u in watch.requests if "plotly" in u.rsplit("/", 1)[-1]]


@pytest.mark.browser
@pytest.mark.parametrize("path", ALL_PAGES)
def test_every_page_draws_its_charts_with_the_partial_bundle(browser_page, dashboard_url, path):
    page, watch = browser_page(dashboard_url + path)
    graphs = page.locator(".js-plotly-plot")
    if path.split("?")[0] in CHART_PAGES:
        expect(graphs.first.locator(".main-svg").first).to_be_attached()
    for i in range(graphs.count()):
        expect(graphs.nth(i).locator(".main-svg").first).to_be_attached()
    settle(page)
    loaded = _plotly_requests(watch)
    if graphs.count():
        assert page.evaluate("() => window.Plotly && window.Plotly.version") == get_plotlyjs_version()
        assert len(loaded) == 1 and "/dashboard.vendor/plotly-partial." in loaded[0], loaded
    else:  # no chart on the page: plotly.js is neither fetched nor run
        assert loaded == [] and page.evaluate("() => typeof window.Plotly") == "undefined"
    assert watch.problems == []


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/data", "/about?lang=es"])
def test_a_page_without_charts_never_loads_plotly_until_a_chart_is_drawn(browser_page, dashboard_url, path):
    """/data draws no chart: no plotly.js fetched or parsed. Following a link to a page with charts
    then loads the partial bundle once and draws them."""
    page, watch = browser_page(dashboard_url + path)
    settle(page)
    assert _plotly_requests(watch) == [] and page.evaluate("() => typeof window.Plotly") == "undefined"
    page.evaluate("() => { const a = document.querySelector('a[href^=\"/migration\"]'); a.click(); }")
    expect(page.locator("#mig-trend-graph .main-svg").first).to_be_attached()
    assert page.evaluate("() => window.Plotly.version") == get_plotlyjs_version()
    assert page.evaluate("() => window.Plotly.__humdashOneTaskEach") is True  # assets/charts.js wrapped it
    loaded = _plotly_requests(watch)
    assert len(loaded) == 1 and "/dashboard.vendor/plotly-partial." in loaded[0], loaded
    settle(page)
    assert watch.problems == []


@pytest.mark.browser
def test_map_with_incident_data_draws_with_the_partial_bundle(browser_page, incident_url):
    page, watch = browser_page(incident_url + "/migration?date_from=2019-01-01&date_to=2019-08-15&region_group=Americas")
    expect(page.locator("#mig-map-graph .geo .scattergeo path.point")).to_have_count(4)
    assert page.locator("#mig-map-graph .geo .land path, #mig-map-graph .geo path.land").count() >= 1
    assert all("/dashboard.vendor/plotly-partial." in u for u in _plotly_requests(watch))
    assert watch.problems == []
