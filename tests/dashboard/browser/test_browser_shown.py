"""A filter change sends only the chart outputs that change on screen (dashboard/render/shown.py), in real
headless Chromium: after changes made one after the other, two made before the first was answered, and a
change back to where the page started, every chart's figure, summary, title, source line, API link and table
is what a page opened afresh at the same address shows; and a year change on /crisis is answered without the
outputs that a year does not change (the plan and trend charts' summaries and tables, every source line)."""
from __future__ import annotations

import json

import pytest

from tests.fixtures.dashboard.browser_pages import TIMEOUT, settle

pytestmark = [pytest.mark.browser, pytest.mark.flaky(reruns=2, reruns_delay=3)]

CHARTS = ("plans", "trend", "region", "route", "cause")

# Everything a chart block shows, once every chart kept aside (assets/charts.js) has been drawn.
SHOWN = """keys => { window.humdashCharts.drawAll();
    const text = id => { const e = document.getElementById(id); return e ? e.innerText : null; };
    const out = {};
    for (const k of keys) {
        const gd = document.querySelector('#cr-' + k + '-graph .js-plotly-plot, #cr-' + k + '-graph.js-plotly-plot');
        const table = document.getElementById('cr-' + k + '-table');
        out[k] = {data: JSON.stringify(gd.data.map(t => [t.x, t.y, t.name, t.hovertext])),
                  shapes: JSON.stringify((gd.layout.shapes || []).map(s => [s.x0, s.x1])),
                  summary: text('cr-' + k + '-summary'), title: text('cr-' + k + '-title'),
                  source: text('cr-' + k + '-source'),
                  api: document.getElementById('cr-' + k + '-api').getAttribute('href'),
                  table: table && table.getAttribute('data-table')};
    }
    out.sentence = text('cr-summary-section');
    out.cards = text('cr-plans-year');
    return out; }"""


def _open(chromium, url: str) -> tuple:
    context = chromium.new_context(viewport={"width": 1366, "height": 900})
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    answers: list[dict] = []
    page.on("response", lambda r: answers.append(r) if "_dash-update-component" in r.url else None)
    page.goto(url)
    settle(page, 2)
    return context, page, answers


def _shown(page) -> dict:
    page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"], .dash-graph--pending')")
    page.wait_for_timeout(300)
    return page.evaluate(SHOWN, list(CHARTS))


def _fresh(chromium, url: str) -> dict:
    context, page, _answers = _open(chromium, url)
    try:
        return _shown(page)
    finally:
        context.close()


def _pick(page, year: str, wait: bool = True) -> None:
    before = page.url
    page.locator("#cr-year").click()
    page.locator(".dash-dropdown-option", has_text=f"{year} (").first.click()
    if wait:  # the address changes with the answer (the page's default year is left out of it)
        page.wait_for_function("u => location.href !== u", arg=before)


def test_every_chart_output_is_what_a_fresh_page_shows_after_changes(chromium, module_dashboard_url):
    context, page, answers = _open(chromium, module_dashboard_url + "/crisis?country=VEN&year=2019")
    try:
        start = _shown(page)
        _pick(page, "2021")
        after = _shown(page)
        assert after == _fresh(chromium, page.url)
        assert after["region"]["title"] != start["region"]["title"]
        sent = answers[-1].json()["response"]
        # a year does not change the plan and trend charts' summaries and tables, nor any source line
        for key in ("plans", "trend"):
            assert f"cr-{key}-summary" not in sent and f"cr-{key}-table" not in sent, sorted(sent)
        assert not [cid for cid in sent if cid.endswith("-source")], sorted(sent)
        assert "cr-plans-graph" in sent and "cr-region-graph" in sent  # the shading and the year's deaths
        assert "cr-shown" in sent

        # two changes, the second before the first is answered: the page ends as a fresh one at the second
        _pick(page, "2020", wait=False)
        _pick(page, "2022")
        assert _shown(page) == _fresh(chromium, page.url)

        # and back to where it started: what the first answer left unsent is still right
        _pick(page, "2019")
        assert _shown(page) == start
        assert json.loads(page.evaluate("() => JSON.stringify(window.humdashCharts.kept())")) == 0
    finally:
        context.close()
