"""A page's figures name the template (render/figures/builder.py Figure.for_page) and assets/charts.js puts the
page's one copy back in before plotly.js draws, in real headless Chromium: every chart is drawn with it (its
grid colour, not plotly.js's own), after a filter change as on opening, and plotly.js never sees the name."""
from __future__ import annotations

import pytest

from dashboard.render import theme
from tests.fixtures.dashboard.browser_pages import migration_page, pick_migration_year  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.flaky(reruns=2, reruns_delay=3)]

DRAWN = """() => [...document.querySelectorAll('.js-plotly-plot')].filter(gd => gd._fullLayout).map(gd => ({
    id: gd.closest('[id$="-graph"]') ? gd.closest('[id$="-graph"]').id : gd.id,
    template: typeof gd.layout.template === 'object' ? gd.layout.template : String(gd.layout.template),
    grid: gd._fullLayout.yaxis ? gd._fullLayout.yaxis.gridcolor : null}))"""


def test_every_chart_is_drawn_with_the_page_s_template(migration_page):
    page = migration_page()
    expected = theme.template_json()
    grid = expected["layout"]["yaxis"]["gridcolor"]
    for step in ("opened", "2016"):
        if step != "opened":
            pick_migration_year(page, step)
        drawn = page.evaluate(DRAWN)
        assert len(drawn) >= 2, drawn  # the charts in view (the others wait to come near it)
        for chart in drawn:
            assert chart["template"] == expected, (step, chart["id"])
            assert chart["grid"] in (grid, None), (step, chart)  # None: the map has no y axis
        assert any(chart["grid"] == grid for chart in drawn), drawn
