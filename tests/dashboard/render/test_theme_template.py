"""The template every figure carries is read from dashboard/render/plotly_template.json, so a server never
builds a go.Figure for it: the file must stay what plotly makes (after a plotly upgrade that changes it,
`write_template()` writes it again), and a server process that draws charts loads no plotly validators."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from dashboard.render import theme

REPO = Path(__file__).resolve().parents[3]


def test_the_template_file_is_what_plotly_makes():
    assert theme.template_json() == json.loads(json.dumps(theme.plotly_template()))


def test_go_figures_start_from_the_same_template():
    import plotly.graph_objects as go

    theme.install_template()
    assert go.Figure().layout.template.to_plotly_json() == theme.template_json()


def test_drawing_the_charts_loads_no_plotly_validators(tmp_path):
    """A page rendered with its charts, and every chart decorated for an image export, in a fresh process:
    plotly's validators (a JSON file of parameters and the validators built from it, about 20 MB resident
    for the template alone) are never loaded."""
    code = f"""
import sys
from dashboard.app import create_app
from tests.fixtures.dashboard.dashboard_synth import dispatch
client = create_app({str(tmp_path)!r}).server.test_client()
assert client.get("/migration?year=2018").status_code == 200
out = dispatch(client, "_pages_content", {{"_pages_location.pathname": "/migration",
                                            "_pages_location.search": "?year=2018"}})
assert "mig-origin-graph" in str(out)[:10**7]
# and what the image route does before kaleido draws: every chart decorated with its title and source
from dashboard.data.dataset import DataSource
from dashboard.queries import Filters
from dashboard.queries.views import VIEWS
from dashboard.render import charts
from dashboard.web import images
ds = DataSource({str(tmp_path)!r})._data
for name in VIEWS:
    if charts.known(name):
        images.decorate(charts.figure(ds, name, Filters()), charts.title(name), "Source: X", "2024-01-02")
cache = sys.modules.get("plotly.validator_cache")
loaded = cache is not None and cache.ValidatorCache._json_cache is not None
print("plotly's validators were loaded" if loaded else "no validators")
sys.exit(1 if loaded else 0)
"""
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr[-2000:]


def test_a_page_holds_the_template_once_and_its_figures_name_it(tmp_path):
    """The template travels once per page (a JSON block assets/charts.js reads), not in every figure of every
    answer; an image export or an embed (which draw without charts.js) still carries it whole."""
    import re

    from dashboard.app import create_app
    from dashboard.render.figures.builder import Figure
    from tests.fixtures.dashboard.dashboard_synth import dispatch

    client = create_app(tmp_path).server.test_client()
    html = client.get("/migration").get_data(as_text=True)
    block = re.search(r'<script type="application/json" id="humdash-template">(.*?)</script>', html, re.S)
    assert block and json.loads(block.group(1)) == theme.template_json()
    assert html.count('id="humdash-template"') == 1
    out = dispatch(client, "_pages_content", {"_pages_location.pathname": "/migration",
                                               "_pages_location.search": "?year=2018"})
    figures = re.findall(r'"template": ?("humdash"|\{)', json.dumps(out))
    assert figures and set(figures) == {'"humdash"'}, figures[:5]  # every prefilled figure names it
    assert Figure().to_plotly_json()["layout"]["template"] == theme.template_json()  # exports: whole


def test_with_plotly_s_full_bundle_the_figures_carry_the_template(tmp_path, monkeypatch):
    """HUMDASH_FULL_PLOTLYJS=1 (Dash's own way: assets/charts.js may not wrap plotly.js in time): no name."""
    from dashboard.app import create_app
    from dashboard.render.figures.builder import Figure

    monkeypatch.setenv("HUMDASH_FULL_PLOTLYJS", "1")
    try:
        client = create_app(tmp_path).server.test_client()
        assert Figure().for_page()["layout"]["template"] == theme.template_json()
        assert 'id="humdash-template"' not in client.get("/migration").get_data(as_text=True)
    finally:
        monkeypatch.delenv("HUMDASH_FULL_PLOTLYJS")
        create_app(tmp_path)  # the partial bundle again, for the tests after this one
    assert Figure().for_page()["layout"]["template"] == theme.TEMPLATE_NAME
