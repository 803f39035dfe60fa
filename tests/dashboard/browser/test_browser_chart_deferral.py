"""Charts far from the window are redrawn as they come near it (assets/charts.js), in real headless Chromium:
after a filter change the charts in view are redrawn at once; a chart far below keeps the new figure aside
and is drawn with it (the newest, once) when it is scrolled near, before it is seen; printing draws every
chart kept aside; the summaries under every chart follow the change at once."""
from __future__ import annotations


import pytest

from tests.fixtures.dashboard.browser_pages import (  # noqa: F401 (a fixture)
    TIMEOUT, migration_page, pick_migration_year, settle)

pytestmark = [pytest.mark.browser, pytest.mark.flaky(reruns=2, reruns_delay=3)]

# What plotly has drawn on a chart: its traces' data (the map's circles), and whether it is kept aside.
DRAWN = """id => { const gd = document.querySelector('#' + id + '.js-plotly-plot, #' + id + ' .js-plotly-plot');
    return {data: JSON.stringify(gd.data.map(t => [t.lat, t.lon, t.x, t.y])),
            kept: gd.classList.contains('chart-deferred')}; }"""

# Counts plotly_afterplot on each chart (one per drawing).
COUNT_DRAWINGS = """() => { window.__drawn = {};
    for (const gd of document.querySelectorAll('.js-plotly-plot')) {
        const id = gd.id || gd.parentElement.id;
        window.__drawn[id] = 0;
        gd.on('plotly_afterplot', () => { window.__drawn[id] += 1; });
    } }"""


def _pick_year(page, year: str) -> None:
    pick_migration_year(page, year, "mig-map-summary", 300)


def _fresh(chromium, url: str, width: int = 1366) -> dict[str, dict[str, object]]:
    """What a page opened afresh at `url` draws on each chart (every chart scrolled into view first)."""
    context = chromium.new_context(viewport={"width": width, "height": 900})
    context.set_default_timeout(TIMEOUT)
    try:
        page = context.new_page()
        page.goto(url)
        settle(page, 5)
        return {key: page.evaluate(DRAWN, f"mig-{key}-graph") for key in ("origin", "map")}
    finally:
        context.close()


def test_a_chart_far_below_is_drawn_with_the_newest_figure_when_it_comes_near(migration_page, chromium):
    page = migration_page()
    page.evaluate(COUNT_DRAWINGS)
    before = page.evaluate(DRAWN, "mig-map-graph")
    assert not before["kept"]
    _pick_year(page, "2016")
    _pick_year(page, "2018")  # two changes while the map is out of sight: the newest figure wins
    assert page.evaluate("() => window.humdashCharts.kept()") >= 1
    kept = page.evaluate(DRAWN, "mig-map-graph")
    assert kept["kept"] and kept["data"] == before["data"]  # not redrawn yet, out of sight
    origin = page.evaluate(DRAWN, "mig-origin-graph")
    assert not origin["kept"]  # the chart in view was redrawn at once
    drawings = page.evaluate("() => window.__drawn")
    assert drawings["mig-map-graph"] == 0 and drawings["mig-origin-graph"] == 2, drawings

    page.locator("#mig-map-graph").scroll_into_view_if_needed()
    page.wait_for_function("() => !document.querySelector('#mig-map-graph.chart-deferred')")
    page.wait_for_timeout(300)
    now = page.evaluate(DRAWN, "mig-map-graph")
    assert page.evaluate("() => window.__drawn")["mig-map-graph"] == 1  # once, not once per change
    fresh = _fresh(chromium, page.url)
    assert now["data"] == fresh["map"]["data"] != before["data"]
    assert origin["data"] == fresh["origin"]["data"]
    assert page.evaluate("() => window.humdashCharts.kept()") == 0


def test_printing_draws_every_chart_kept_aside(migration_page, chromium):
    page = migration_page()
    _pick_year(page, "2017")
    assert page.evaluate("() => window.humdashCharts.kept()") >= 1
    page.pdf()  # Chromium fires beforeprint; charts.js draws what it kept before the page is laid out
    page.wait_for_function("() => window.humdashCharts.kept() === 0")
    assert page.locator(".chart-deferred").count() == 0
    assert page.evaluate(DRAWN, "mig-map-graph")["data"] == _fresh(chromium, page.url)["map"]["data"]


def test_on_a_phone_the_charts_below_wait_and_the_summaries_do_not(migration_page):
    page = migration_page()
    page.set_viewport_size({"width": 390, "height": 844})
    page.evaluate("() => window.scrollTo(0, 0)")
    page.wait_for_timeout(500)
    summaries = page.locator("[id^='mig-'][id$='-summary']").all_inner_texts()
    _pick_year(page, "2015")  # the filters open at the top: the charts are all below them
    kept = page.evaluate("() => [...document.querySelectorAll('.chart-deferred')].map(g => g.id || g.parentElement.id)")
    assert "mig-map-graph" in kept, kept
    after = page.locator("[id^='mig-'][id$='-summary']").all_inner_texts()
    assert len(after) == len(summaries) and all(a != b for a, b in zip(after, summaries)), (summaries, after)
    for graph in kept:  # reading down the page: each chart is drawn as it comes near
        page.locator(f"#{graph}").scroll_into_view_if_needed()
        page.wait_for_function(f"() => !document.querySelector('#{graph}.chart-deferred')")
    assert page.evaluate("() => window.humdashCharts.kept()") == 0
