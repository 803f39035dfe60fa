"""The "Show the numbers as a table" views in real headless Chromium (bundled snapshot): no table in the
page until its <details> is opened; opened (by mouse or keyboard) it is a real <table> with column headers
(<th scope="col">, definitions as titles) and exactly the cells the former component table
(components.data_table) gave for the same rows, in English and in Spanish; new filters rebuild it while
it is open."""
from __future__ import annotations

import pytest

from dashboard.render.components import data_table
from dashboard.i18n import use_lang

pytestmark = [pytest.mark.browser, pytest.mark.flaky(reruns=2, reruns_delay=3)]

TIMEOUT = 30_000
SELECTION = {"start": "2019-01-01", "end": "2019-12-31", "group": "Americas"}

try:
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT)
except ImportError:  # the `chromium` fixture skips (or, in CI, fails) these tests first
    expect = None


@pytest.fixture(scope="module")
def dashboard_url(module_dashboard_url):
    return module_dashboard_url


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """The same app in this process, on the same bundled snapshot: what the former table showed."""
    from dashboard.app import create_app

    return create_app(tmp_path_factory.mktemp("empty-data"))


def expected(app, lang: str, key: str, group: str) -> tuple[list[str], list[list[str]]]:
    """Header labels and cell texts of components.data_table (the former rendering) for a chart's rows."""
    from dashboard.data import current_dataset
    from dashboard.pages import migration

    with app.server.test_request_context(), use_lang(lang):
        f = migration._filters(SELECTION["start"], SELECTION["end"], group, [], [], [], [], "month")
        div = data_table(migration.CHART[key].view.rows(current_dataset(), f))
    head, body = div.children[0].children
    return [th.children for th in head.children.children], [[td.children for td in tr.children] for tr in body.children]


def _open(chromium, url: str):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')")
    page.locator("#mig-origin-table[data-table^='{']").wait_for(state="attached")
    return context, page, errors


def _cells(page, key: str) -> list[list[str]]:
    return page.evaluate("""(id) => [...document.querySelectorAll(`#${id} tbody tr`)]
        .map(tr => [...tr.querySelectorAll('td')].map(td => td.textContent))""", f"mig-{key}-table")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_table_is_built_on_opening_with_the_former_cells(chromium, dashboard_url, app, lang):
    # a link with filters but no region_group means every region: name the group the expectation uses
    context, page, errors = _open(chromium, f"{dashboard_url}/migration?year=2019&region_group=Americas&lang={lang}")
    try:
        assert page.locator(".table-view table").count() == 0  # nothing built while closed
        heads, rows = expected(app, lang, "origin", "Americas")
        assert rows  # the selection has rows to compare
        page.locator("#mig-origin-table").locator("xpath=..").locator("summary").click()
        table = page.locator("#mig-origin-table table.data")
        expect(table).to_be_visible()
        assert table.locator("thead th[scope='col']").all_inner_texts() == heads
        assert table.locator("thead th[title]").count() >= 1  # definitions on hover
        assert _cells(page, "origin") == rows
        # numbers right-aligned as before
        assert table.locator("tbody tr").first.locator("td.num").count() >= 1
        # only the opened table exists
        assert page.locator(".table-view table").count() == 1
        # keyboard: focus another summary, Enter opens it
        summary = page.locator("#mig-cause-table").locator("xpath=..").locator("summary")
        summary.focus()
        page.keyboard.press("Enter")
        expect(page.locator("#mig-cause-table table.data")).to_be_visible()
        assert _cells(page, "cause") == expected(app, lang, "cause", "Americas")[1]
        assert errors == []
    finally:
        context.close()


def test_open_table_follows_the_filters(chromium, dashboard_url, app):
    context, page, errors = _open(chromium, f"{dashboard_url}/migration?year=2019")
    try:
        page.locator("#mig-origin-table").locator("xpath=..").locator("summary").click()
        expect(page.locator("#mig-origin-table table.data")).to_be_visible()
        europe = expected(app, "en", "origin", "Europe")[1]
        assert europe != _cells(page, "origin")
        page.locator("#mig-group label", has_text="Europe").click()
        page.wait_for_function("""([id, rows]) => JSON.stringify([...document.querySelectorAll(`#${id} tbody tr`)]
            .map(tr => [...tr.querySelectorAll('td')].map(td => td.textContent))) === JSON.stringify(rows)""",
                               arg=["mig-origin-table", europe])
        assert _cells(page, "origin") == europe
        # closed and opened again: the same table, once
        summary = page.locator("#mig-origin-table").locator("xpath=..").locator("summary")
        summary.click()
        summary.click()
        assert page.locator("#mig-origin-table table").count() == 1 and _cells(page, "origin") == europe
        assert errors == []
    finally:
        context.close()


@pytest.mark.parametrize("lang,text", [("en", "Loading…"), ("es", "Cargando…")])
def test_loading_state_until_the_page_arrives(chromium, dashboard_url, lang, text):
    """Never a blank page: while the app's layout (with the page's content) is on its way (held back here),
    the page says it is loading, in its language; the message goes once the content is there."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    held = []
    try:
        page.route("**/_dash-layout*", lambda route: held.append(route))
        page.goto(f"{dashboard_url}/crisis?lang={lang}")
        for _i in range(300):  # until the layout has been asked for (and held)
            if held:
                break
            page.wait_for_timeout(100)
        loading = page.locator("._dash-loading")
        expect(loading).to_be_visible()
        shown = loading.evaluate("e => getComputedStyle(e, '::after').content")
        assert shown == f'"{text}"', shown  # in the page's language (style.css, by <html lang>)
        assert page.locator("main h1").count() == 0 and held
        for route in held:
            route.continue_()
        page.unroute("**/_dash-layout*")
        expect(page.locator("main h1")).to_be_visible()
        expect(loading).to_have_count(0)
        expect(page.locator(".page-loading")).to_be_hidden()  # the shell's message: the content is there
    finally:
        context.close()
