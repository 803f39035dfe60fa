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


# /funding's plans chart (vertical bars over plan labels): its x labels' angle and its bottom and left margins
# are set before drawing; plotly.js alone (Plotly.newPlot, not wrapped) given the same figure with the
# server's margins and that angle, in a box as wide, lays it out with these margins or less.
COLUMNS = """async id => {
    const gd = (""" + GD + """)(id);
    const box = document.createElement('div');
    box.style.width = gd.getBoundingClientRect().width + 'px';
    document.body.appendChild(box);
    const margin = Object.assign({}, gd.layout.margin, {l: 8, b: 8});
    await window.Plotly.newPlot(box, gd.data, Object.assign({}, gd.layout, {margin}), {});
    const alone = {l: box._fullLayout._size.l, b: box._fullLayout._size.b};
    window.Plotly.purge(box); box.remove();
    const svg = gd.querySelector('.main-svg').getBoundingClientRect();
    const x = [...gd.querySelectorAll('.xtick text')].map(t => t.getBoundingClientRect());
    const y = [...gd.querySelectorAll('.ytick text')].map(t => t.getBoundingClientRect());
    return {set: {l: gd.layout.margin.l, b: gd.layout.margin.b}, ours: {l: gd._fullLayout._size.l,
            b: gd._fullLayout._size.b}, alone, angle: gd.layout.xaxis.tickangle, labels: x.length,
            xBottom: Math.max(...x.map(r => r.bottom)) - svg.top, height: svg.height,
            xLeft: Math.min(...x.map(r => r.left)) - svg.left, yLeft: Math.min(...y.map(r => r.left)) - svg.left}; }"""


@pytest.mark.parametrize("query, width, angle", [
    ("country=SDN", 1366, 90),  # 28 plans: upright labels
    ("country=SDN&lang=es", 390, 90),  # a phone, Spanish number signs
    ("country=TGO", 1366, 0),  # one plan: a flat label
    ("country=TGO&lang=es", 390, 0),
])
def test_the_plans_chart_has_its_axes_room_before_it_is_drawn(chromium, module_dashboard_url, query, width, angle):
    context = chromium.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{module_dashboard_url}/funding?{query}")
        page.wait_for_function("() => document.querySelector('#fund-plans-graph .main-svg')")
        page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"], .dash-graph--pending')")
        page.wait_for_timeout(300)
        got = page.evaluate(COLUMNS, "fund-plans-graph")
    finally:
        context.close()
    assert got["angle"] == angle and got["labels"], got
    assert got["set"]["l"] > 8 and got["set"]["b"] > 8, got  # the room was set before drawing
    assert got["ours"] == got["set"], got  # and plotly.js found it enough: laid out once
    assert 0 <= got["set"]["b"] - got["alone"]["b"] <= 2, got
    assert 0 <= got["set"]["l"] - got["alone"]["l"] <= 24, got  # the widest tick label the axis can have
    assert got["xLeft"] >= 0 and got["yLeft"] >= 0 and got["xBottom"] <= got["height"] + 1, got  # nothing cut
