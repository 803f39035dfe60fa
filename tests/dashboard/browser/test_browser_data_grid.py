"""The /data table browser (an AG Grid on its infinite row model) in real headless Chromium against a
real `python -m dashboard` on the bundled snapshot: filter, sort (mouse and keyboard), page, and download
exactly the filtered rows, in English and Spanish, at phone (390 px) and laptop (1366 px) widths, with
every request going to the dashboard's own server. The expected rows come from pandas over the same
snapshot in this process, not from the grid's code."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from dashboard.i18n import _, use_lang

pytestmark = [pytest.mark.browser, pytest.mark.flaky(reruns=2, reruns_delay=3)]

TIMEOUT = 30_000
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}

try:
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT)
except ImportError:  # the `chromium` fixture skips (or, in CI, fails) these tests first
    expect = None


@pytest.fixture(scope="module")
def base(module_dashboard_url):
    return module_dashboard_url


@pytest.fixture(scope="module")
def plans(tmp_path_factory):
    """fts_plans of the bundled snapshot, as the server reads it."""
    from dashboard.app import create_app
    from dashboard.data import current_dataset

    app = create_app(tmp_path_factory.mktemp("empty-data"))
    with app.server.test_request_context():
        return current_dataset().tables["fts_plans"].copy()


def text_of(lang: str, message: str, **fields) -> str:
    with use_lang(lang):
        return _(message).format(**fields)


def open_grid(chromium, base: str, lang: str, viewport: dict):
    context = chromium.new_context(viewport=viewport, accept_downloads=True)
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    outside: list[str] = []
    problems: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((base, "data:", "blob:")) else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(f"{base}/data?table=fts_plans&lang={lang}")
    page.locator("#data-grid .ag-row[row-index='0'] .ag-cell").first.wait_for()
    return context, page, outside, problems


def column(page, col: str) -> list[str]:
    """The texts of one column in the rows on screen, in row order."""
    return page.evaluate("""(col) => Array.from(document.querySelectorAll('#data-grid .ag-center-cols-container .ag-row'))
        .sort((a, b) => +a.getAttribute('row-index') - +b.getAttribute('row-index'))
        .map(r => (r.querySelector(`[col-id="${col}"]`) || {}).textContent)""", col)


def downloaded(page, button: str) -> list[dict]:
    with page.expect_download() as info:
        page.locator(button).click()
    return list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8"))))


@pytest.mark.parametrize("lang,viewport", [("en", DESKTOP), ("es", PHONE)], ids=["en-1366", "es-390"])
def test_filter_sort_page_and_download_the_filtered_rows(chromium, base, plans, lang, viewport):
    context, page, outside, problems = open_grid(chromium, base, lang, viewport)
    try:
        note, total = page.locator("#data-grid-note"), len(plans)
        expect(note).to_contain_text(text_of(lang, "{n:,} of {total:,} rows match.", n=total, total=total))
        # sort by year, newest first, with the keyboard: Tab into the grid's headers, Right to Year, Enter twice
        page.focus("a[href='/api/fts_plans.json']")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.getAttribute('col-id')") == "plan_id"
        for _i in range(list(plans.columns).index("year")):
            page.keyboard.press("ArrowRight")
        page.keyboard.press("Enter")
        page.keyboard.press("Enter")
        header = page.locator("#data-grid [role=columnheader][col-id='year']")
        expect(header).to_have_attribute("aria-sort", "descending")
        by_year = plans.sort_values("year", ascending=False, kind="mergesort")
        expect(page.locator("#data-grid .ag-row[row-index='0'] [col-id='plan_code']")).to_have_text(
            str(by_year["plan_code"].iloc[0]))
        # every row of the page drawn before reading them
        expect(page.locator("#data-grid .ag-center-cols-container .ag-row")).to_have_count(25)
        assert column(page, "plan_code") == list(by_year["plan_code"].iloc[:25])
        # the next page (the pager's button, named in the interface language), from the server
        page.locator(f"#data-grid .ag-paging-button[aria-label='{text_of(lang, 'Next Page')}']").click()
        expect(page.locator("#data-grid .ag-row[row-index='25'] [col-id='plan_code']")).to_have_text(
            str(by_year["plan_code"].iloc[25]))
        expect(page.locator("#data-grid .ag-center-cols-container .ag-row")).to_have_count(25)
        assert column(page, "plan_code") == list(by_year["plan_code"].iloc[25:50])
        expect(page.locator("#data-grid .ag-paging-row-summary-panel")).to_contain_text(
            f"26 {text_of(lang, 'to')} 50 {text_of(lang, 'of')}")
        # filter: plan codes containing "hven" (case-blind), typed in the row under the headers
        label = f"{text_of(lang, 'Plan code')} {text_of(lang, 'Filter Input')}"
        page.get_by_role("textbox", name=label).fill("hven")
        matching = by_year[by_year["plan_code"].str.contains("hven", case=False, na=False)]
        assert 0 < len(matching) < 25
        expect(note).to_contain_text(text_of(lang, "{n:,} of {total:,} rows match.", n=len(matching), total=total))
        expect(page.locator("#data-grid .ag-row[row-index='0'] [col-id='plan_code']")).to_have_text(
            str(matching["plan_code"].iloc[0]))  # back on the first page
        expect(page.locator("#data-grid .ag-center-cols-container .ag-row")).to_have_count(len(matching))
        assert column(page, "plan_code") == list(matching["plan_code"])
        # the download is exactly the filtered rows, in the order shown
        rows = downloaded(page, "#data-rows-csv")
        assert [r["plan_code"] for r in rows] == list(matching["plan_code"])
        assert [int(r["year"]) for r in rows] == list(matching["year"])
        assert outside == [] and problems == []
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366", "390"])
def test_headers_pager_and_filters_speak_the_interface_language(chromium, base, lang, viewport):
    from dashboard.render.text import COLUMN_LABELS

    context, page, outside, problems = open_grid(chromium, base, lang, viewport)
    try:
        headers = page.evaluate("""() => Array.from(document.querySelectorAll('#data-grid .ag-header-cell[col-id]'))
            .filter(h => h.querySelector('.ag-header-cell-text'))
            .map(h => [h.getAttribute('col-id'), h.querySelector('.ag-header-cell-text').textContent])""")
        with use_lang(lang):
            wanted = {c: _(COLUMN_LABELS[c]) for c, _label in headers if c in COLUMN_LABELS}
        assert len(wanted) > 10 and {c: t for c, t in headers if c in wanted} == wanted
        pager = page.locator("#data-grid .ag-paging-panel")
        expect(pager).to_contain_text(f"{text_of(lang, 'Page')} 1 {text_of(lang, 'of')}")
        for name in ("First Page", "Previous Page", "Next Page", "Last Page"):
            assert pager.locator(f"[aria-label='{text_of(lang, name)}']").count() == 1, name
        assert page.locator(f"#data-grid input[aria-label$='{text_of(lang, 'Filter Input')}']").count() > 10
        # usable at this width: the page does not scroll sideways; the grid scrolls inside its box, and its
        # pager fits on screen
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        box = pager.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
        assert outside == [] and problems == []
    finally:
        context.close()


def test_a_new_table_gets_a_fresh_grid_and_a_bad_filter_a_message(chromium, base):
    context, page, outside, problems = open_grid(chromium, base, "en", DESKTOP)
    try:
        page.get_by_role("textbox", name="Plan code Filter Input").fill("HVEN")
        expect(page.locator("#data-grid-note")).not_to_contain_text("880 of 880")
        page.locator("#data-table").click()
        page.locator(".dash-dropdown-option", has_text="mmp_deaths").first.click()
        expect(page.locator("#data-grid [role=columnheader][col-id='dead']")).to_have_count(1)
        # every row of the new table matches: no filter carried over from the other table
        expect(page.locator("#data-grid-note")).to_have_text(re.compile(r"^([\d,]+) of \1 rows match"))
        assert not page.locator("#data-grid-note").inner_text().startswith("880 ")
        # the number filter takes what the browser lets through; the server says what it could not apply
        page.get_by_role("spinbutton", name="Dead Filter Input").fill("1e300")
        expect(page.locator("#data-grid-note")).to_contain_text("Could not apply: dead")
        expect(page.locator("#data-grid-note")).to_contain_text("at most 15 digits")
        assert outside == [] and problems == []
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_grid_is_a_named_grid_and_every_control_in_it_has_a_name(chromium, base, plans, lang):
    context, page, _outside, _problems = open_grid(chromium, base, lang, DESKTOP)
    try:
        grid = page.locator("#data-grid [role=grid], #data-grid [role=treegrid]")
        assert grid.count() == 1
        # the row count screen readers announce: the table's rows (+ 2 header rows: titles and filters)
        expect(grid).to_have_attribute("aria-rowcount", str(len(plans) + 2))
        unnamed = page.evaluate("""() => Array.from(document.querySelectorAll(
              '#data-grid input, #data-grid button, #data-grid [role=button], #data-grid [role=columnheader]'))
            .filter(e => e.offsetParent !== null && !e.disabled)
            .filter(e => !(e.getAttribute('aria-label') || e.textContent || '').trim())
            .map(e => e.outerHTML.slice(0, 120))""")
        assert unnamed == []
        labels = page.evaluate("""() => Array.from(document.querySelectorAll('#data-grid .ag-paging-button'))
            .map(b => b.getAttribute('aria-label'))""")
        with use_lang(lang):
            assert labels == [_("First Page"), _("Previous Page"), _("Next Page"), _("Last Page")]
    finally:
        context.close()
