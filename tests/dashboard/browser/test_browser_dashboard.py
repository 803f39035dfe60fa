"""End-to-end tests in real headless Chromium against a real `python -m dashboard` process.

What a reader sees and does: the overview's headline numbers, filters that redraw charts and write
the URL, permalinks and back/forward, "Download CSV" equal to the API, pages that fit a 390 px phone,
no console errors or foreign requests, keyboard use, and (with incident-level data ingested) day
precision and the map. Expected numbers come from the API of the same server or were checked by hand
against the source files; assertions are on rendered text and DOM, never on raw figure JSON.

Screenshots go to $HUMDASH_SCREENSHOTS (default: pytest's temporary directory, `screenshots0`).
"""
from __future__ import annotations

import calendar
import csv
import io
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from conftest import REPO, start_server

# Real-browser tests on 2 shared cores: a rare timing failure is retried; a real one fails all 3 runs.
pytestmark = [pytest.mark.browser, pytest.mark.flaky(reruns=2, reruns_delay=3)]

TIMEOUT = 30_000  # ms: a first render runs every chart callback; 2 shared cores can be slow under load

try:
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT)  # expect() has its own default of 5 s
except ImportError:  # the `chromium` fixture skips (or, in CI, fails) these tests before expect is needed
    expect = None

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
PAGES = ["/", "/funding", "/migration", "/data", "/about"]
YEAR_2019 = {"date_from": "2019-01-01", "date_to": "2019-12-31"}


# ------------------------------------------------------------------------------------------ helpers


class Watch:
    """Everything that went wrong on a page: console errors, uncaught exceptions, failed requests,
    HTTP errors, and any request to a host other than 127.0.0.1."""

    def __init__(self, page, base: str) -> None:
        self.problems: list[str] = []
        self.requests: list[str] = []
        host = urlsplit(base).hostname
        page.on("console", lambda m: self.problems.append(f"console {m.type}: {m.text}")
                if m.type == "error" else None)
        page.on("pageerror", lambda e: self.problems.append(f"uncaught: {e}"))
        page.on("requestfailed", lambda r: self.problems.append(f"request failed: {r.url} ({r.failure})"))
        page.on("response", lambda r: self.problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)

        def on_request(request) -> None:
            self.requests.append(request.url)
            if urlsplit(request.url).scheme in ("http", "https", "ws", "wss") and urlsplit(request.url).hostname != host:
                self.problems.append(f"request to another host: {request.url}")

        page.on("request", on_request)


def serve(args: list[str]):
    """A real server process on 127.0.0.1 (its log goes to proc.log_path)."""
    return start_server(args)


@pytest.fixture(scope="module")
def dashboard_url(module_dashboard_url):
    """conftest's bundled-snapshot server, but one per module (this module's pages only)."""
    return module_dashboard_url


@pytest.fixture
def browser_page(chromium):
    """A fresh browser context per test: `open_page(url, viewport, **context_args)` gives (page, watch)."""
    contexts = []

    def open_page(url: str, viewport: dict | None = None, **context_args):
        context = chromium.new_context(viewport=viewport or DESKTOP, accept_downloads=True, **context_args)
        context.set_default_timeout(TIMEOUT)
        contexts.append(context)
        page = context.new_page()
        watch = Watch(page, url)
        page.goto(url)
        settle(page)
        return page, watch

    yield open_page
    for context in contexts:
        context.close()


def settle(page) -> None:
    """Wait until the page has loaded, every initial callback has answered and no component is loading."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')")


def api_csv(base: str, path: str, params: dict | list | None = None) -> bytes:
    query = urlencode(params or {}, doseq=True)
    with urllib.request.urlopen(f"{base}{path}" + (f"?{query}" if query else ""), timeout=30) as resp:
        assert resp.status == 200
        return resp.read()


def api_rows(base: str, path: str, params: dict | list | None = None) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(api_csv(base, path, params).decode("utf-8"))))


def origin_total(base: str, **params: str) -> int:
    """Dead and missing for these filters, each incident once, from the API (the number every origin
    summary starts with). By-region rows hold each incident once; by-nationality rows count an incident
    of several nationalities towards each of them, so their sum can exceed the total."""
    return sum(int(r["dead_and_missing"]) for r in api_rows(base, "/api/mmp/by-region.csv", params))


def query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def origin_summary(total: int) -> re.Pattern:
    return re.compile(rf"^{total:,} people recorded dead or missing")


def group_radio(page, value: str, prefix: str = "mig-"):
    return page.locator(f"#{prefix}group input[type=radio][value='{value}']")


def tick_labels(page, graph_id: str) -> list[str]:
    return page.locator(f"#{graph_id} .ytick text").all_text_contents()


def wrapped(page, selector: str) -> dict[str, int]:
    """Matching elements whose text is laid out on more than one line: text -> number of lines."""
    return page.evaluate("""sel => Object.fromEntries([...document.querySelectorAll(sel)].map(e => {
        const r = document.createRange(); r.selectNodeContents(e);
        return [e.textContent, new Set([...r.getClientRects()].map(x => Math.round(x.top))).size]; })
        .filter(([text, lines]) => lines > 1))""", selector)


OVERFLOW_JS = """() => {
    // Elements whose visible part sticks out of the viewport. An element clipped by an ancestor that
    // scrolls or hides overflow (a table in its scroll box, a dropdown's ellipsis) only counts as far
    // as that ancestor reaches; <body>'s overflow-x: hidden safety net is deliberately NOT a clip here.
    // Elements wholly left of the screen (skip link, plotly's measuring node) are off-screen by design.
    const W = document.documentElement.clientWidth, out = [];
    for (const el of document.body.querySelectorAll('*')) {
        const rect = el.getBoundingClientRect();
        if (rect.width === 0 || rect.height === 0) continue;
        const style = getComputedStyle(el);
        if (style.visibility === 'hidden' || style.position === 'fixed') continue;
        let left = rect.left, right = rect.right;
        for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
            if (getComputedStyle(a).overflowX !== 'visible') {
                const r = a.getBoundingClientRect();
                left = Math.max(left, r.left); right = Math.min(right, r.right);
            }
        }
        if (right <= 0 || right <= left) continue;
        if (right > W + 1 || left < -1) {
            const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
            out.push(`${name} [${Math.round(left)}, ${Math.round(right)}]`);
        }
    }
    return out;
}"""


TOOLBAR_OVER_LEGEND_JS = """() => [...document.querySelectorAll('.js-plotly-plot')].filter(plot => {
    // a plotly toolbar that is shown (on a touch screen it is, permanently) and covers the chart's legend
    const bar = plot.querySelector('.modebar-group'), legend = plot.querySelector('.legend');
    if (!bar || !legend || !bar.checkVisibility({opacityProperty: true, visibilityProperty: true})) return false;
    const a = plot.querySelector('.modebar').getBoundingClientRect(), b = legend.getBoundingClientRect();
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}).map(plot => plot.closest('[id]').id)"""


CUT_TEXT_JS = """() => { const out = [];
    // chart text (legend, title, message annotations) that runs past the edge of its chart and is cut off
    for (const svg of document.querySelectorAll('.js-plotly-plot .main-svg:first-of-type')) {
        const box = svg.getBoundingClientRect();
        for (const t of svg.parentElement.querySelectorAll('.annotation-text, .legendtext, .gtitle')) {
            const r = t.getBoundingClientRect();
            if (r.width && (r.left < box.left - 1 || r.right > box.right + 1))
                out.push(`${svg.closest('[id]').id}: ${t.textContent} [${Math.round(r.left)}, ${Math.round(r.right)}]` +
                         ` in [${Math.round(box.left)}, ${Math.round(box.right)}]`);
        }
    }
    return out; }"""


# ------------------------------------------------------------------------------------------ 1. overview


def test_overview_headline_numbers_venezuela_2019(browser_page, dashboard_url):
    """Venezuela 2019 (HVEN19): 7,000,000 in need, 2,600,000 targeted, US$222,724,387 required,
    US$76,925,346 funded (34.5 %); Americas 2019: 866 dead and missing (732 dead, 134 missing,
    500 incidents), checked by hand against the MMP xlsx."""
    page, watch = browser_page(dashboard_url + "/")
    expected = {
        "ov-kpi-pin": "7,000,000", "ov-kpi-targeted": "2,600,000", "ov-kpi-requirements": "US$222,724,387",
        "ov-kpi-funding": "US$76,925,346", "ov-kpi-percent": "34.5 %", "ov-kpi-unmet": "US$145,799,041",
        "ov-kpi-dead-missing": "866", "ov-kpi-dead": "732", "ov-kpi-missing": "134", "ov-kpi-incidents": "500",
    }
    shown = {kpi_id: page.locator(f"#{kpi_id} .kpi-value").inner_text() for kpi_id in expected}
    assert shown == expected
    assert 222_724_387 - 76_925_346 == 145_799_041 and round(76_925_346 / 222_724_387 * 100, 1) == 34.5
    expect(page.locator("#ov-funding h2")).to_contain_text("(HVEN19)")
    expect(page.locator("#ov-migration h2")).to_contain_text("Americas, 1 Jan 2019 – 31 Dec 2019")
    # every headline number says where it comes from, and its definition is there on hover
    expect(page.locator("#ov-funding-source")).to_contain_text("OCHA Financial Tracking Service")  # once, under the cards
    expect(page.locator("#ov-migration-source")).to_contain_text("IOM Missing Migrants Project")
    assert "Percent funded" in page.locator("#ov-kpi-percent").get_attribute("title")
    # the nationality chart under the cards counts the same 866
    expect(page.locator("#ov-origin-summary")).to_have_text(origin_summary(866))
    # a number is read as one piece: "US$222,72 / 4,387" split over two lines is misread
    assert wrapped(page, ".kpi-value") == {}
    assert watch.problems == []


# ------------------------------------------------------------------------------------------ 2. filters


def test_migration_filter_updates_chart_and_url(browser_page, dashboard_url):
    page, watch = browser_page(dashboard_url + "/migration")
    americas = origin_total(dashboard_url, **YEAR_2019, region_group="Americas")
    assert americas == 866
    expect(page.locator("#mig-origin-summary")).to_have_text(origin_summary(americas))
    assert group_radio(page, "Americas").is_checked()
    # the bundled snapshot ships IOM's incidents: the map has points (500 incidents in the Americas, 2019)
    expect(page.locator("#mig-map-summary")).not_to_contain_text("needs incident-level data")
    before_ticks = tick_labels(page, "mig-origin-graph")
    assert any(t.startswith("Venezuela") for t in before_ticks), before_ticks

    # region group: Europe
    page.locator("#mig-group label", has_text="Europe").click()
    page.wait_for_url(re.compile(r"/migration\?date_from=2019-01-01&date_to=2019-12-31&region_group=Europe$"))
    europe = origin_total(dashboard_url, **YEAR_2019, region_group="Europe")
    assert europe != americas
    expect(page.locator("#mig-origin-summary")).to_have_text(origin_summary(europe))
    top = api_rows(dashboard_url, "/api/mmp/deaths-by-origin.csv", {**YEAR_2019, "region_group": "Europe"})
    named = [r["origin"] for r in top if r["origin_group"] == "single"][:3]  # e.g. Viet Nam, Afghanistan, Pakistan
    page.wait_for_function("""([id, names]) => { const t = [...document.querySelectorAll(`#${id} .ytick text`)]
        .map(e => e.textContent); return names.every(n => t.includes(n)) && !t.some(x => x.startsWith('Venezuela')); }""",
                           arg=["mig-origin-graph", named])
    expect(page.locator("#mig-origin-api")).to_have_attribute(
        "href", "/api/mmp/deaths-by-origin.csv?" + urlencode({**YEAR_2019, "region_group": "Europe"}))
    # the table view shows the same rows as the API
    page.locator("#mig-origin-table").locator("xpath=..").locator("summary").click()
    first_cells = page.locator("#mig-origin-table tbody tr td:first-child").all_inner_texts()
    assert first_cells == [r["origin"] for r in top]
    # the other charts follow the same filter
    by_region = api_rows(dashboard_url, "/api/mmp/by-region.csv", {**YEAR_2019, "region_group": "Europe"})
    expect(page.locator("#mig-region-summary")).to_contain_text(
        f"({int(by_region[0]['dead_and_missing']):,} of {europe:,})")

    # year: 2020 from the dropdown sets the whole year
    page.locator("#mig-year").click()
    page.locator(".dash-dropdown-option", has_text="2020").click()
    page.wait_for_url(re.compile(r"date_from=2020-01-01"))
    assert query_of(page.url) == {"date_from": "2020-01-01", "date_to": "2020-12-31", "region_group": "Europe"}
    expect(page.locator("#mig-dates")).to_have_value("1 Jan 2020")
    expect(page.locator("#mig-dates-end-date")).to_have_value("31 Dec 2020")
    europe_2020 = origin_total(dashboard_url, date_from="2020-01-01", date_to="2020-12-31", region_group="Europe")
    assert europe_2020 != europe
    expect(page.locator("#mig-origin-summary")).to_have_text(origin_summary(europe_2020))
    assert watch.problems == []


# ------------------------------------------------------------------------------------------ 3. permalinks


def test_permalink_restores_view_and_history_works(browser_page, dashboard_url):
    view = {"date_from": "2019-03-01", "date_to": "2019-06-30", "region_group": "Europe", "freq": "year"}
    page, watch = browser_page(dashboard_url + "/migration?" + urlencode(view))
    europe = origin_total(dashboard_url, **{k: v for k, v in view.items() if k != "freq"})
    assert group_radio(page, "Europe").is_checked() and not group_radio(page, "Americas").is_checked()
    expect(page.locator("#mig-dates")).to_have_value("1 Mar 2019")
    expect(page.locator("#mig-dates-end-date")).to_have_value("30 Jun 2019")
    expect(page.locator("#mig-year-value")).not_to_contain_text("2019")  # not a whole year
    assert page.locator("#mig-freq input[value='year']").is_checked()
    expect(page.locator("#mig-origin-summary")).to_have_text(origin_summary(europe))
    # opening the link does not rewrite it
    assert query_of(page.url) == view
    # the trend is by year: one bar labelled 2019 in the table
    trend = api_rows(dashboard_url, "/api/mmp/trend.csv", view)
    assert [r["period"] for r in trend if r["period_start"]] == ["2019"]

    page.locator("#mig-group label", has_text="Mediterranean").click()
    page.wait_for_url(re.compile(r"region_group=Mediterranean"))
    med = origin_total(dashboard_url, date_from="2019-03-01", date_to="2019-06-30", region_group="Mediterranean")
    expect(page.locator("#mig-origin-summary")).to_have_text(origin_summary(med))

    page.go_back()
    page.wait_for_url(re.compile(r"region_group=Europe"))
    assert query_of(page.url) == view
    expect(group_radio(page, "Europe")).to_be_checked()
    expect(page.locator("#mig-origin-summary")).to_have_text(origin_summary(europe))
    expect(page.locator("#mig-dates")).to_have_value("1 Mar 2019")

    page.go_forward()
    page.wait_for_url(re.compile(r"region_group=Mediterranean"))
    expect(group_radio(page, "Mediterranean")).to_be_checked()
    expect(page.locator("#mig-origin-summary")).to_have_text(origin_summary(med))
    assert watch.problems == []


def test_overview_permalink_restores_year(browser_page, dashboard_url):
    page, watch = browser_page(dashboard_url + "/?year=2020&region_group=Europe")
    expect(page.locator("#ov-year-value")).to_have_text("2020")
    expect(page.locator("#ov-funding h2")).to_contain_text("(HVEN20)")
    assert group_radio(page, "Europe", "ov-").is_checked()
    europe_2020 = origin_total(dashboard_url, date_from="2020-01-01", date_to="2020-12-31", region_group="Europe")
    expect(page.locator("#ov-kpi-dead-missing .kpi-value")).to_have_text(f"{europe_2020:,}")
    expect(page.locator("#ov-migration h2")).to_contain_text("Europe, 1 Jan 2020 – 31 Dec 2020")
    assert watch.problems == []


# ------------------------------------------------------------------------------------------ 4. downloads


@pytest.mark.parametrize("path, prefix, filters", [
    ("/migration?region_group=Europe", "mig-", {**YEAR_2019, "region_group": "Europe"}),
    ("/", "ov-", {**YEAR_2019, "region_group": "Americas"}),
])
def test_download_csv_is_the_api_answer(browser_page, dashboard_url, path, prefix, filters):
    page, watch = browser_page(dashboard_url + path)
    api = api_csv(dashboard_url, "/api/mmp/deaths-by-origin.csv", filters)
    assert api.startswith(b"origin,origin_iso3,origin_group,dead,missing,dead_and_missing,incidents")
    # the chart's callback has answered once its API link is filled in (on loaded cores it can lag the load)
    expect(page.locator(f"#{prefix}origin-api")).not_to_have_attribute("href", "#")
    with page.expect_download() as info:
        page.locator(f"#{prefix}origin-csv").click()
    download = info.value
    assert Path(download.path()).read_bytes() == api
    assert download.suggested_filename.endswith(".csv") and "deaths-by-origin" in download.suggested_filename
    # the "Same data from the API" link is that very URL
    href = page.locator(f"#{prefix}origin-api").get_attribute("href")
    assert api_csv(dashboard_url, href) == api

    # with the HXL option the file gains the hashtag row, and is still the API's answer
    page.locator(f"#{prefix}hxl label", has_text="HXL").click()
    expect(page.locator(f"#{prefix}hxl input[value='hxl']")).to_be_checked()
    with page.expect_download() as info:
        page.locator(f"#{prefix}origin-csv").click()
    hxl_bytes = Path(info.value.path()).read_bytes()
    assert hxl_bytes == api_csv(dashboard_url, "/api/mmp/deaths-by-origin.csv", {**filters, "hxl": "1"})
    lines = hxl_bytes.decode("utf-8").splitlines()
    assert lines[0] == api.decode("utf-8").splitlines()[0]
    assert lines[1].startswith("#") and all(cell.startswith("#") or cell == "" for cell in lines[1].split(","))
    assert lines[2:] == api.decode("utf-8").splitlines()[1:]
    assert watch.problems == []


# ------------------------------------------------------------------------------------------ 5. phone width


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    where = os.environ.get("HUMDASH_SCREENSHOTS")
    if where:
        Path(where).mkdir(parents=True, exist_ok=True)
        return Path(where)
    return tmp_path_factory.mktemp("screenshots")


@pytest.mark.parametrize("path", PAGES)
def test_page_fits_a_390px_phone(browser_page, dashboard_url, screenshots, path):
    page, watch = browser_page(dashboard_url + path, PHONE, device_scale_factor=1, is_mobile=True, has_touch=True)
    assert page.evaluate("window.innerWidth") == 390
    widths = page.evaluate("[document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[2] and widths[1] <= widths[2], widths
    assert page.evaluate(OVERFLOW_JS) == []
    if path == "/":
        assert wrapped(page, ".kpi-value") == {}
    assert page.evaluate(TOOLBAR_OVER_LEGEND_JS) == []
    assert page.evaluate(CUT_TEXT_JS) == []
    # The whole page as a phone shows it, for a person to look at. (A full_page screenshot drops the
    # touch emulation while it captures, so plotly's toolbar would appear; a tall viewport keeps it.)
    page.set_viewport_size({"width": 390, "height": page.evaluate("document.documentElement.scrollHeight")})
    page.screenshot(path=str(screenshots / f"{path.strip('/') or 'overview'}-390.png"))
    page.set_viewport_size(PHONE)
    # the check itself can fail: an element wider than the screen is reported
    page.evaluate("""() => { const d = document.createElement('div'); d.id = 'too-wide';
        d.style.width = '600px'; d.style.height = '10px'; document.querySelector('main').appendChild(d); }""")
    assert page.evaluate(OVERFLOW_JS) == ["div#too-wide [8, 608]"]
    assert watch.problems == []


@pytest.mark.parametrize("path, messages", [
    ("/funding", 2),  # HVEN26 has clusters (HDX's worldwide export) but no donor breakdown, and no flows
    ("/migration?region_group=Multiple", 5),  # nothing recorded in 2019; the map needs incident data
])
def test_chart_messages_fit_a_360px_phone(browser_page, dashboard_url, path, messages):
    """Message-only charts ("No cluster breakdown in this data for HVEN26 (2026).") are not cut off."""
    page, watch = browser_page(dashboard_url + path, {"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    expect(page.locator(".js-plotly-plot .annotation-text")).to_have_count(messages)
    assert page.evaluate(CUT_TEXT_JS) == []
    assert page.evaluate(OVERFLOW_JS) == []
    assert watch.problems == []


# ------------------------------------------------------------------------------------------ 6. clean loads


@pytest.mark.parametrize("path", PAGES + ["/data?table=mmp_deaths", "/no-such-page"])
def test_no_console_errors_failed_or_foreign_requests(browser_page, dashboard_url, path):
    page, watch = browser_page(dashboard_url + path)
    # an unknown page answers 404 (on purpose): that one response is not a problem
    assert [p for p in watch.problems if not (path == "/no-such-page" and "404" in p)] == []
    assert watch.requests and all(urlsplit(u).hostname == "127.0.0.1" for u in watch.requests
                                  if urlsplit(u).scheme in ("http", "https"))
    # the page's content is drawn (not an empty shell): it comes with the layout (app.page_container)
    assert page.locator("#_pages_content > *").count() > 0 and page.locator("main h1").count() == 1
    if path == "/no-such-page":
        expect(page.locator("main")).to_contain_text("404")


# ------------------------------------------------------------------------------------------ 7. keyboard


def test_region_group_by_keyboard(browser_page, dashboard_url):
    page, watch = browser_page(dashboard_url + "/migration")
    page.locator("#mig-dates-end-date").focus()
    for _press in range(5):  # Tab reaches the group (on its checked option, as native radios do)
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "mig-group":
            break
    assert page.evaluate("[document.activeElement.name, document.activeElement.value]") == ["mig-group", "Americas"]
    # the focused option is visibly marked
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") not in ("none", "")

    page.keyboard.press("ArrowRight")
    page.wait_for_url(re.compile(r"region_group=Africa"))
    expect(group_radio(page, "Africa")).to_be_checked()
    africa = origin_total(dashboard_url, **YEAR_2019, region_group="Africa")
    expect(page.locator("#mig-origin-summary")).to_have_text(origin_summary(africa))

    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    page.wait_for_url(lambda url: "region_group" not in url)  # all regions: no group in a query with filters
    expect(group_radio(page, "")).to_be_checked()
    everywhere = origin_total(dashboard_url, **YEAR_2019)
    expect(page.locator("#mig-origin-summary")).to_have_text(origin_summary(everywhere))

    page.keyboard.press("ArrowRight")  # back to Americas: the default, so the query string empties
    page.keyboard.press("Space")
    expect(group_radio(page, "Americas")).to_be_checked()
    expect(page.locator("#mig-origin-summary")).to_have_text(origin_summary(866))
    assert page.evaluate("[document.activeElement.name, document.activeElement.value]") == ["mig-group", "Americas"]
    assert watch.problems == []


# ------------------------------------------------------------------------------------------ 8. incident data

# A small incident-level file in the current MMP layout (the columns of tests/fixtures/mmp/full_schema.csv):
# Americas 2019 = 1 + 2 + 4 + 8 + 16 + 32 = 63; 1 Jan to 15 Aug = 1 + 2 + 4 + 8 = 15 (dead 12, missing 3,
# 4 incidents). A month-precision count would wrongly add the 16 of 16 August.
INCIDENTS = [
    # id, region, date, dead, missing, origin, cause, country, coordinates
    ("2019.MMP90001", "North America", "2019-01-05", 1, 0, "Mexico", "Violence", "United States of America",
     "31.65, -110.37"),
    ("2019.MMP90002", "Central America", "2019-03-10", 2, 0, "Guatemala", "Vehicle accident", "Mexico", "16.2, -93.9"),
    ("2019.MMP90003", "Caribbean", "2019-08-10", 1, 3, "Haiti", "Drowning", "Bahamas", "25.0, -77.4"),
    ("2019.MMP90004", "North America", "2019-08-15", 8, 0, "Honduras", "Harsh environmental conditions",
     "United States of America", "26.1, -98.3"),
    ("2019.MMP90005", "South America", "2019-08-16", 10, 6, "Venezuela (Bolivarian Republic of)", "Drowning",
     "Trinidad and Tobago", "10.7, -61.5"),
    ("2019.MMP90006", "Mediterranean", "2019-06-01", 20, 30, "Unknown", "Drowning", "Libya", "33.0, 12.5"),
    ("2019.MMP90007", "North America", "2019-12-01", 32, 0, "El Salvador", "Violence", "Mexico", "25.7, -100.3"),
]


@pytest.fixture(scope="module")
def incident_url(tmp_path_factory):
    """A dashboard on a temporary data dir where that MMP incident file was ingested (`python -m ingest
    mmp --file`); FTS tables still come from the bundled snapshot."""
    tmp = tmp_path_factory.mktemp("incidents")
    with open(REPO / "tests" / "fixtures" / "mmp" / "full_schema.csv", encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh))
    source = tmp / "incidents_2019.csv"
    with open(source, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(header)
        for ident, region, day, dead, missing, origin, cause, country, coords in INCIDENTS:
            year, month = int(day[:4]), int(day[5:7])
            values = {"Main ID": ident, "Incident ID": ident, "Incident Type": "Incident", "Region of Incident": region,
                      "Incident Date": day, "Incident Year": year, "Month": calendar.month_name[month],
                      "Number of Dead": dead, "Minimum Estimated Number of Missing": missing or "",
                      "Total Number of Dead and Missing": dead + missing, "Country of Origin": origin,
                      "Region of Origin": "Unknown", "Cause of Death": cause, "Country of Incident": country,
                      "Location of Incident": "somewhere", "Coordinates": coords,
                      "UNSD Geographical Grouping": "Uncategorized", "Information Source": "IOM", "Source Quality": 4}
            out.writerow([values.get(column, "") for column in header])
    data_dir = tmp / "data"
    done = subprocess.run([sys.executable, "-m", "ingest", "mmp", "--file", str(source), "--data-dir", str(data_dir),
                           "--quiet"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    proc, base = serve(["dashboard", "--data-dir", str(data_dir)])
    yield base
    proc.terminate()
    proc.wait(10)


def test_day_precision_and_map_with_incident_data(browser_page, incident_url):
    page, watch = browser_page(incident_url + "/migration")
    expect(page.locator(".page-migration .filters")).to_contain_text("Day precision (incident data).")
    expect(page.locator("#mig-origin-summary")).to_have_text(origin_summary(63))

    # type the end of the range, as a reader would: 1 Jan to 15 Aug 2019
    page.locator("#mig-dates-end-date").fill("15 Aug 2019")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"date_to=2019-08-15"))
    assert query_of(page.url) == {"date_from": "2019-01-01", "date_to": "2019-08-15", "region_group": "Americas"}
    expect(page.locator("#mig-origin-summary")).to_have_text(origin_summary(15))
    expect(page.locator("#mig-dates")).to_have_value("1 Jan 2019")
    expect(page.locator("#mig-dates-end-date")).to_have_value("15 Aug 2019")
    expect(page.locator("#mig-note")).to_have_text("")  # no "month precision includes all of August" caveat
    page.locator("#mig-origin-table").locator("xpath=..").locator("summary").click()
    assert page.locator("#mig-origin-table tbody tr td:first-child").all_inner_texts() == [
        "Honduras", "Haiti", "Guatemala", "Mexico"]  # not Venezuela, 16 August

    # the map: one circle per 1° cell with incidents, drawn on the locally served world map
    bins = api_rows(incident_url, "/api/mmp/map-bins.csv", {"date_from": "2019-01-01", "date_to": "2019-08-15",
                                                             "region_group": "Americas"})
    assert len(bins) == 4
    expect(page.locator("#mig-map-summary")).to_have_text(re.compile(r"^4 incidents in 4 map cells of 1°"))
    page.locator("#mig-map-graph").scroll_into_view_if_needed()  # redrawn as it comes near (assets/charts.js)
    expect(page.locator("#mig-map-graph .geo .scattergeo path.point")).to_have_count(4)
    assert page.locator("#mig-map-graph .geo path.countries, #mig-map-graph .geo .countries path").count() >= 1
    assert page.locator("#mig-map-graph .geo .land path, #mig-map-graph .geo path.land").count() >= 1
    assert any(u.startswith(incident_url + "/assets/topojson/") for u in watch.requests)

    # the overview counts the same day range
    # (the same population as the migration page: a query with filters and no region_group means every region)
    page.goto(incident_url + "/?date_from=2019-01-01&date_to=2019-08-15&region_group=Americas")
    settle(page)
    shown = {k: page.locator(f"#ov-kpi-{k} .kpi-value").inner_text() for k in ("dead-missing", "dead", "missing",
                                                                               "incidents")}
    assert shown == {"dead-missing": "15", "dead": "12", "missing": "3", "incidents": "4"}
    expect(page.locator("#ov-migration h2")).to_contain_text("1 Jan 2019 – 15 Aug 2019")
    assert watch.problems == []
