"""A filter change in real headless Chromium: one callback request brings the synced controls, the address
and every chart (the URL sync and the charts are one callback, pages/state.py), and the links that carry
the filters (assets/links.js) follow the address in the same task, and the filter panel's summary follows the
controls as they change, not at the next tick of a timer."""
from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.fixtures.dashboard.browser_pages import migration_page  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.flaky(reruns=2, reruns_delay=3)]


# Installed before the page's own scripts, so links.js wraps this pushState: each push records the address
# and the language link's href once the pushing task is over (setTimeout 0), before any timer of links.js.
PUSHES = """
window.__pushes = [];
const push = window.history.pushState;
window.history.pushState = function () {
  const out = push.apply(this, arguments);
  const search = window.location.search;
  setTimeout(() => {
    const link = document.querySelector('a[data-lang="es"]');
    window.__pushes.push([search, link && link.getAttribute('href')]);
  }, 0);
  return out;
};
"""


@pytest.fixture()
def page(migration_page):
    return migration_page(PUSHES)


def test_a_year_change_is_one_request_and_the_links_follow_the_address_at_once(page):
    sent: list[str] = []
    page.on("request", lambda r: sent.append(json.loads(r.post_data)["output"])
            if r.method == "POST" and "_dash-update-component" in r.url else None)
    summary = page.locator("#mig-origin-summary").inner_text()
    page.locator("#mig-year").click()
    page.locator(".dash-dropdown-option", has_text="2020").click()
    page.wait_for_url(re.compile(r"date_from=2020-01-01"))
    page.wait_for_function("s => document.querySelector('#mig-origin-summary').innerText !== s", arg=summary)
    page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')")
    page.wait_for_timeout(200)
    assert len(sent) == 1, sent  # the dates, the address and the charts in one answer
    assert "mig-dates.start_date" in sent[0] and "mig-origin-graph.figure" in sent[0]
    pushes = page.evaluate("() => window.__pushes")
    assert pushes, "the filter change did not write the address"
    search, href = pushes[-1]
    assert parse_qs(search.lstrip("?"))["date_from"] == ["2020-01-01"]
    # the language link already carried the new filters when the pushing task ended
    assert href and parse_qs(urlsplit(href).query).get("date_from") == ["2020-01-01"], pushes


# links.js's fallback timer (every 300 ms) switched off: what is left to update the links and the summary
# is what reacts to the change itself
NO_TIMER = """
const setInterval_ = window.setInterval;
window.setInterval = function (fn, ms) { return ms === 300 ? 0 : setInterval_.apply(this, arguments); };
"""


def test_the_filter_summary_follows_the_controls_without_a_timer(migration_page):
    page = migration_page(NO_TIMER)
    summary = page.locator("details[data-collapse-narrow] .filters-current")
    page.mouse.move(5, 5)  # a pointer event: links.js refreshes (the page's first summary)
    page.mouse.move(600, 5)
    page.wait_for_function("() => document.querySelector("
                           "'details[data-collapse-narrow] .filters-current').textContent.includes('2019')")
    page.locator("#mig-year").click()
    page.locator(".dash-dropdown-option", has_text="2020").click()
    page.wait_for_url(re.compile(r"date_from=2020-01-01"))
    # the date inputs are filled after the address is written (the date picker renders them later)
    page.wait_for_function("() => document.querySelector('#mig-dates').value.includes('2020')")
    page.wait_for_function("""() => { const t = document.querySelector(
        'details[data-collapse-narrow] .filters-current').textContent;
        return t.includes('1 Jan 2020') && t.includes('31 Dec 2020'); }""", timeout=5_000)
    assert "2019" not in summary.inner_text()


TOOLS = """() => [...document.querySelectorAll('a.api-link[id$="-api"]')].map(api => {
    const tools = document.getElementById(api.id.replace(/-api$/, '-tools'));
    const images = tools.querySelectorAll('a.image-link');
    return {api: api.getAttribute('href'), png: images[0].getAttribute('href'), svg: images[1].getAttribute('href'),
            embed: tools.querySelector("a[target='_blank']").getAttribute('href'),
            snippet: tools.querySelector('textarea').value};
})"""


@pytest.mark.parametrize("lang", ["", "es"])
def test_chart_tools_follow_each_chart_s_api_link_as_the_server_writes_them(page, module_dashboard_url, lang):
    """After a filter change the image links and embed code come from assets/tools.js, not the callback:
    they must be what the server's embed.tools_links gives for the chart's new API link, in the page's
    language, on the page's host."""
    from dashboard.i18n import use_lang
    from dashboard.web import embed

    if lang:
        page.goto(module_dashboard_url + "/migration?lang=es")
        page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= 5")
    before = page.evaluate(TOOLS)
    page.locator("#mig-year").click()
    page.locator(".dash-dropdown-option", has_text="2016").click()
    page.wait_for_url(re.compile(r"date_from=2016-01-01"))
    page.wait_for_function("""() => [...document.querySelectorAll('a.api-link[id$="-api"]')]
        .every(a => a.getAttribute('href').includes('2016'))""")
    after = page.evaluate(TOOLS)
    assert len(after) == 5 and all("2016" in t["png"] and "2016" not in b["png"] for t, b in zip(after, before))
    with use_lang(lang or "en", explicit=bool(lang)):
        for shown in after:
            expected = embed.tools_links(shown["api"], module_dashboard_url + "/", "")
            assert (shown["png"], shown["svg"], shown["embed"]) == (expected["png"], expected["svg"], expected["embed"])
            src = re.search(r'src="([^"]*)"', shown["snippet"]).group(1)
            assert src == re.search(r'src="([^"]*)"', expected["snippet"]).group(1)
            assert ("lang=es" in shown["png"]) == bool(lang)
