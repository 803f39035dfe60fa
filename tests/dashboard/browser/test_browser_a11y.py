"""Accessibility of the filter controls in real Chromium: every group of radio buttons on every page has
an accessible name (as computed by the browser), in English and in Spanish."""
from __future__ import annotations

import re

import pytest

# Real-browser tests on 2 shared cores: a rare timing failure is retried; a real one fails all 3 runs.
pytestmark = [pytest.mark.browser, pytest.mark.flaky(reruns=2, reruns_delay=3)]

PAGES = ["/", "/crisis", "/funding", "/migration", "/data", "/changes", "/about"]
# page -> the radio groups it must have, by accessible name (English)
EXPECTED = {"/": {"Region group"}, "/funding": {"Clusters"}, "/migration": {"Region group", "Trend by"}}

# For every radio button: its nearest group (role radiogroup, or a fieldset/role=group) and that group's id.
GROUPS_JS = """() => Array.from(document.querySelectorAll('input[type=radio]')).map(input => {
    const group = input.closest('[role=radiogroup], [role=group], fieldset');
    return {value: input.value, group: group ? (group.id || group.getAttribute('aria-labelledby') || '?') : null,
            role: group ? (group.getAttribute('role') || group.tagName.toLowerCase()) : null};
})"""


def open_page(chromium, url: str):
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.locator("main h1").first.wait_for(timeout=60000)
    page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=60000)
    return page


def radiogroup_names(page) -> list[str]:
    """The accessible names Chromium computes for the page's radio groups (from the ARIA snapshot)."""
    snapshot = page.locator("main").aria_snapshot()
    return re.findall(r'- radiogroup(?: "([^"]*)")?', snapshot)


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("path", PAGES)
def test_every_radio_group_has_an_accessible_name(chromium, dashboard_url, path, lang):
    page = open_page(chromium, f"{dashboard_url}{path}?lang={lang}")
    try:
        radios = page.evaluate(GROUPS_JS)
        if path in EXPECTED:
            page.locator("input[type=radio]").first.wait_for(timeout=60000)
            radios = page.evaluate(GROUPS_JS)
            assert radios, f"{path}: no radio buttons drawn"
        loose = [r for r in radios if r["role"] != "radiogroup"]
        assert not loose, f"{path}: radio buttons outside a role=radiogroup: {loose}"
        names = radiogroup_names(page)
        assert len(names) == len({r["group"] for r in radios}), (names, radios)
        assert all(name and name.strip() for name in names), f"{path}: radio group without a name: {names}"
        for group in {r["group"] for r in radios}:  # each group found by its name holds its radio buttons
            legend = page.locator(f"[role=radiogroup][aria-labelledby='{group}'] legend").inner_text().strip()
            named = page.get_by_role("radiogroup", name=legend, exact=True)
            assert named.count() == 1 and named.get_by_role("radio").count() == \
                sum(1 for r in radios if r["group"] == group), (path, legend)
        if lang == "en":
            assert set(names) == EXPECTED.get(path, set()), (path, names)
    finally:
        page.close()


def test_radio_groups_are_named_in_spanish(chromium, dashboard_url):
    page = open_page(chromium, f"{dashboard_url}/migration?lang=es")
    try:
        page.locator("input[type=radio]").first.wait_for(timeout=60000)
        group = page.get_by_role("radiogroup", name="Grupo de regiones")
        assert group.get_by_role("radio").count() >= 2
        trend = page.get_by_role("radiogroup", name=re.compile("^Tendencia"))
        assert trend.get_by_role("radio").count() == 2
    finally:
        page.close()
