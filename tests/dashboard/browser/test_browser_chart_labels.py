"""Room for a horizontal bar chart's labels is measured before the chart is drawn (assets/charts.js), in real
headless Chromium: the left margin set before drawing is at least the one plotly.js's own automargin gives
the same figure, and at most 2 px more (so plotly.js finds the labels fit and lays the chart out once, where
it used to lay it out again for every change of the labels' width), every label is inside the chart, and
the room follows the labels from one filter change to the next."""
from __future__ import annotations


import pytest

from tests.fixtures.dashboard.browser_pages import migration_page, pick_migration_year  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.flaky(reruns=2, reruns_delay=3)]

GD = "id => document.querySelector('#' + id + ' .js-plotly-plot') || document.getElementById(id)"

# The chart's left margin (as set, as laid out), the margin plotly.js alone gives the same figure with the
# server's margin (Plotly.newPlot is not wrapped) in a box as wide, and where each label starts.
COMPARE = """async id => {
    const gd = (""" + GD + """)(id);
    const box = document.createElement('div');
    box.style.width = gd.getBoundingClientRect().width + 'px';
    document.body.appendChild(box);
    await window.Plotly.newPlot(box, gd.data, Object.assign({}, gd.layout, {margin: gd._humdashMargin}), {});
    const alone = box._fullLayout._size.l;
    window.Plotly.purge(box); box.remove();
    const svg = gd.querySelector('.main-svg').getBoundingClientRect();
    const labels = [...gd.querySelectorAll('.ytick text')].map(t => t.getBoundingClientRect().left - svg.left);
    return {ours: gd._fullLayout._size.l, set: gd.layout.margin.l, alone, labels}; }"""

def _original_margin(page, graph: str) -> None:
    """The margin the server sends with the origin chart (base_layout's 8 px), kept on it to draw it alone."""
    page.evaluate("""id => { const gd = (""" + GD + """)(id);
        gd._humdashMargin = Object.assign({}, gd.layout.margin, {l: 8}); }""", graph)


def _pick_year(page, year: str) -> None:
    pick_migration_year(page, year, "mig-origin-summary", 400)


def test_the_labels_room_is_plotlys_own_and_the_chart_is_drawn_once(migration_page):
    page = migration_page()
    graph = "mig-origin-graph"
    _original_margin(page, graph)
    first = page.evaluate(COMPARE, graph)
    assert first["set"] > 8  # the room was set before drawing
    assert 0 <= first["set"] - first["alone"] <= 2 and first["ours"] == first["set"], first
    assert first["labels"] and min(first["labels"]) >= 0, first  # no label cut at the left edge

    widths = {first["set"]}
    for year in ("2015", "2021", "2017"):
        _pick_year(page, year)
        _original_margin(page, graph)
        now = page.evaluate(COMPARE, graph)
        assert 0 <= now["set"] - now["alone"] <= 2 and now["ours"] == now["set"], (year, now)
        assert min(now["labels"]) >= 0, (year, now)
        widths.add(now["set"])
    assert len(widths) > 1  # the labels changed width with the year, and the room with them
