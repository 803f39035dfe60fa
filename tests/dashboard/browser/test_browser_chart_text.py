"""No chart text runs past its chart on a phone, in either language (real headless Chromium, bundled snapshot).

plotly centres an axis title under the plot area and never wraps it; long bar labels push the plot area to
the right, and at 390 px "Muertos y desaparecidos" and "dólares estadounidenses" ran 9-15 px past the
chart's right edge (cut off) until figures.common.axis_title broke long titles into lines.
"""
from __future__ import annotations

import pytest

from tests.fixtures.dashboard.browser_pages import settle

pytestmark = [pytest.mark.browser, pytest.mark.flaky(reruns=2, reruns_delay=3)]

TIMEOUT = 30_000
PAGES = ["/", "/migration", "/crisis", "/funding"]

# Every title, legend entry, annotation and tick label of every chart that lies, even in part, outside its
# chart's box: [chart id, class, text, px past the left edge, px past the right edge].
OUTSIDE = """() => {
  const out = [];
  for (const svg of document.querySelectorAll('.js-plotly-plot .main-svg')) {
    const box = svg.getBoundingClientRect();
    const chart = svg.closest('[id]');
    for (const t of svg.querySelectorAll(
        '.xtitle, .ytitle, .gtitle, .legendtext, .annotation-text, .xtick text, .ytick text')) {
      const r = t.getBoundingClientRect();
      if (r.width && (r.left < box.left - 1 || r.right > box.right + 1)) {
        out.push([chart && chart.id, t.getAttribute('class'), t.textContent,
                  Math.round(box.left - r.left), Math.round(r.right - box.right)]);
      }
    }
  }
  return out;
}"""


@pytest.fixture(scope="module")
def dashboard_url(module_dashboard_url):
    return module_dashboard_url


@pytest.mark.parametrize("lang", ["en", "es"])
def test_no_chart_text_is_cut_off_on_a_phone(chromium, dashboard_url, lang):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    checked = 0
    try:
        for path in PAGES:
            page.goto(f"{dashboard_url}{path}?lang={lang}")
            settle(page, 2)
            assert page.evaluate(OUTSIDE) == [], path
            checked += page.evaluate("() => document.querySelectorAll('.js-plotly-plot .xtitle').length")
    finally:
        context.close()
    assert checked >= 8  # the axis titles were there to be checked
