"""Charts and resizing in real headless Chromium (assets/charts.js): a chart already drawn at its box's size
is not laid out again (plotly's resize waited 100 ms and redrew at the same size after every filter change
that changed a chart's height); a real change of width still redraws every chart at the new width."""
from __future__ import annotations

import pytest

from tests.fixtures.dashboard.browser_pages import migration_page  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.flaky(reruns=2, reruns_delay=3)]

GRAPHS = "#mig-origin-graph, #mig-trend-graph, #mig-region-graph, #mig-cause-graph, #mig-map-graph"

# Each chart's drawn width (plotly's) and its box's width, in CSS pixels.
WIDTHS = """() => [...document.querySelectorAll('.js-plotly-plot')].filter(gd => gd._fullLayout)
    .map(gd => [gd._fullLayout.width, gd.getBoundingClientRect().width])"""

# How long Plotly.Plots.resize takes to settle on the first chart, in ms (plotly's own waits 100 ms first).
RESIZE_MS = """async () => {
    const gd = document.querySelector('#mig-origin-graph .js-plotly-plot') ||
               document.querySelector('#mig-origin-graph.js-plotly-plot');
    const start = performance.now();
    await Plotly.Plots.resize(gd);
    return performance.now() - start;
}"""


@pytest.fixture()
def page(migration_page):
    return migration_page()


def test_a_chart_at_its_size_is_not_laid_out_again(page):
    assert page.evaluate(RESIZE_MS) < 60
    assert all(abs(drawn - box) < 1 for drawn, box in page.evaluate(WIDTHS))


def test_charts_follow_a_new_window_width(page):
    before = page.evaluate(WIDTHS)
    assert len(before) == 5 and all(drawn > 500 for drawn, _box in before)
    page.set_viewport_size({"width": 700, "height": 900})
    page.wait_for_function(f"""() => {{
        const w = ({WIDTHS})();
        return w.length === 5 && w.every(([drawn, box]) => drawn < 690 && Math.abs(drawn - box) < 1);
    }}""")
    assert page.evaluate(RESIZE_MS) < 60  # and, once drawn at the new width, left alone again
