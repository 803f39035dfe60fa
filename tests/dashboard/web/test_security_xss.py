"""Text from the sources is shown as text everywhere: titles, headings, dropdowns, tables, chart axis
labels, legends, hover labels and messages.

A tiny FTS + MMP data directory whose names contain a script tag, an image with an onerror handler,
markdown with a javascript: link and the HTML that plotly renders in labels (<a href>, <b>) is written with the real store (validated frames), a real
server is started on it, and every page is opened in headless Chromium: no dialog may fire, no
injected element or attribute may exist in the DOM (SVG included), and the strings must appear
literally. A fast in-process check covers every figure function as well.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.dashboard import dashboard_synth as synth  # noqa: E402

from conftest import start_server  # noqa: E402

# Real-browser tests on 2 shared cores: a rare timing failure is retried; a real one fails all 3 runs.
pytestmark = pytest.mark.flaky(reruns=2, reruns_delay=3)

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
MARKDOWN = "**bold** [link](javascript:alert(1))"
# Tags plotly itself would render (a link and bold text) if they reached a label unescaped.
HTML = '<a href="https://example.org/">link</a> <b>bold</b>'
EVIL = (SCRIPT, IMG, MARKDOWN, HTML)
JS_URL = "javascript:alert(1)"


def evil_tables() -> dict:
    """The synthetic tables with source names replaced by markup (frames re-validated on write)."""
    tables = synth.all_tables()
    plans = tables["fts_plans"].copy()
    ven19 = plans["plan_id"] == 827
    afg = plans["plan_id"] == 929
    plans.loc[ven19, "plan_name"] = SCRIPT
    plans.loc[ven19, "plan_code"] = IMG
    plans.loc[afg, "plan_name"] = IMG
    plans.loc[afg, "plan_code"] = HTML
    plans.loc[plans["plan_id"] == 950, "plan_code"] = HTML
    tables["fts_plans"] = plans
    clusters = tables["fts_clusters"].copy()
    clusters["cluster_name"] = clusters["cluster_name"].replace({"Health": IMG, "Food Security": MARKDOWN,
                                                                 "Education": HTML})
    tables["fts_clusters"] = clusters
    donors = tables["fts_donors"].copy()
    donors["donor_name"] = donors["donor_name"].replace({"Donor A": SCRIPT, "Donor B": MARKDOWN, "Donor C": HTML})
    tables["fts_donors"] = donors
    flows = tables["fts_flows"].copy()
    flows["donor_name"] = flows["donor_name"].astype("object")
    flows.loc[flows.index[0], "donor_name"] = SCRIPT
    flows["donor_name"] = flows["donor_name"].astype("string")
    tables["fts_flows"] = flows
    deaths = tables["mmp_deaths"].copy()
    deaths["origin"] = deaths["origin"].replace({"Honduras": IMG})
    deaths["cause_of_death"] = deaths["cause_of_death"].replace({"Violence": SCRIPT})
    deaths["migration_route"] = deaths["migration_route"].replace({"Venezuela to Caribbean": MARKDOWN})
    deaths["region"] = deaths["region"].replace({"North America": MARKDOWN})
    tables["mmp_deaths"] = deaths
    incidents = tables["mmp_incidents"].copy()
    incidents["cause_of_death"] = incidents["cause_of_death"].astype("object")
    incidents.loc[incidents.index[0], "cause_of_death"] = SCRIPT
    incidents["cause_of_death"] = incidents["cause_of_death"].astype("string")
    incidents["url"] = pd_string([JS_URL] + [MARKDOWN] * (len(incidents) - 1))
    # the migration charts are drawn from incidents when they are loaded (day precision)
    by_id = incidents.set_index("incident_id").index
    # a published name that matched no country code: shown as published (rows with a code show its name)
    incidents.loc[by_id == "i2", "origin"] = IMG
    incidents.loc[by_id == "i2", "origin_iso3"] = None
    incidents.loc[by_id == "i3", "migration_route"] = MARKDOWN
    incidents.loc[by_id == "i4", "region"] = MARKDOWN
    incidents.loc[by_id == "i4", "cause_of_death"] = HTML
    tables["mmp_incidents"] = incidents
    return tables


def pd_string(values: list) -> object:
    import pandas as pd

    return pd.array(values, dtype="string")


def write_evil(directory: Path) -> Path:
    from datetime import datetime, timezone

    from ingest.store import Store

    tables = evil_tables()
    inputs = synth.inputs_for(tables)
    inputs["mmp_incidents"] = [{"url": JS_URL, "sha256": "ef" * 32, "retrieved_at": synth.RETRIEVED_MMP},
                               {"file": IMG, "sha256": "01" * 32, "retrieved_at": synth.RETRIEVED_MMP}]
    return Store(directory).write(tables, inputs=inputs, now=datetime.now(timezone.utc),
                                  notes={"fts_plans": [SCRIPT, MARKDOWN]})


@pytest.fixture(scope="module")
def evil_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("xss")
    (root / "snapshot").mkdir()
    write_evil(root / "data")
    proc, base = start_server(["dashboard", "--data-dir", str(root / "data")],
                              env={"HUMDASH_SNAPSHOT_DIR": str(root / "snapshot")})
    yield base
    proc.terminate()
    proc.wait(10)


# Injected markup anywhere in the DOM (HTML and SVG): event-handler attributes, javascript: URLs,
# the image, a script holding the payload, rendered markdown, or plotly-rendered bold/links.
FIND_INJECTED = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of Array.from(el.attributes)) {
      if (/^on/i.test(a.name)) bad.push(el.tagName + '[' + a.name + ']');
      if (/(^|:)(href|src|action|formaction)$/i.test(a.name) && /^\\s*javascript:/i.test(a.value))
        bad.push(el.tagName + '[' + a.name + '=' + a.value + ']');
    }
    const tag = el.tagName.toLowerCase();
    if (tag === 'img' && el.getAttribute('src') === 'x') bad.push('img src=x');
    if (tag === 'a' && el.closest('svg')) bad.push('link inside a chart: ' + el.textContent);
    if (tag === 'script' && el.type !== 'application/json' && el.textContent.includes('alert(1)'))
      bad.push('script with payload');
    if ((tag === 'strong' || tag === 'b' || tag === 'em') && el.textContent.includes('bold')) bad.push('markdown bold');
    if (tag === 'tspan' && /bold/.test(el.getAttribute('style') || '') && el.textContent.includes('bold'))
      bad.push('plotly bold');
  }
  return bad;
}"""

SVG_TEXT = "() => Array.from(document.querySelectorAll('svg text, svg tspan')).map(e => e.textContent).join('\\n')"


def open_page(browser, url: str) -> tuple[object, list[str], list[str]]:
    page = browser.new_page()
    dialogs: list[str] = []
    errors: list[str] = []

    def on_dialog(dialog) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url)
    page.wait_for_load_state("networkidle")
    # every initial callback answered (charts and tables drawn), however busy the cores are
    page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=60000)
    # and every chart's table rows arrived (they come as a data-table attribute, built into a table on opening)
    page.wait_for_function("() => !document.querySelector('.table-wrap[data-table=\"\"]')", timeout=60000)
    page.wait_for_timeout(300)
    return page, dialogs, errors


# (path, strings that must appear literally in the page text, prefixes that must appear in SVG text)
PAGES = [
    ("/", [SCRIPT, IMG], ["<img src=x onerror=aler"]),
    ("/funding?country=VEN", [IMG, HTML], ["2019 " + IMG, "2020 " + HTML]),
    ("/funding?country=VEN&plan_id=827&year=2019", [SCRIPT, IMG], [IMG]),  # "no breakdown for <img…>" messages
    ("/funding?country=AFG&plan_id=929", [IMG, MARKDOWN, SCRIPT, HTML],
     ["<img src=x onerror=aler", "**bold** [link](javascr", "<script>alert(1)</scrip", HTML]),  # HTML: legend
    ("/migration?year=2019", [SCRIPT, IMG, MARKDOWN],
     ["<img src=x onerror=aler", "<script>alert(1)</scrip", "**bold** [link](javascr"]),
    ("/data?table=fts_donors", [SCRIPT, MARKDOWN], []),
    ("/data?table=mmp_incidents", [JS_URL, IMG], []),
    ("/data?table=fts_plans", [SCRIPT, IMG, HTML], []),
    ("/about", [], []),
]


@pytest.mark.browser
@pytest.mark.parametrize("path,texts,svg_texts", PAGES, ids=[p[0] for p in PAGES])
def test_source_markup_is_shown_as_text_in_the_browser(chromium, evil_server, path, texts, svg_texts):
    page, dialogs, errors = open_page(chromium, evil_server + path)
    try:
        # open every "show the numbers as a table" so their rows render too
        page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
        page.wait_for_timeout(200)
        assert page.evaluate(FIND_INJECTED) == []
        text = page.evaluate("() => document.body.textContent")
        for expected in texts:
            assert expected in text, (path, expected)
        svg = page.evaluate(SVG_TEXT)
        for expected in svg_texts:
            assert expected in svg, (path, expected, svg[:2000])
        assert dialogs == [] and errors == []
    finally:
        page.close()


@pytest.mark.slow
def test_page_html_escapes_the_data_it_embeds(evil_server):
    """Dash embeds the first layout in the page as JSON: '<' must be escaped there (no raw tags)."""
    import urllib.request

    for path, _texts, _svg in PAGES:
        with urllib.request.urlopen(evil_server + path, timeout=30) as response:
            html = response.read().decode("utf-8")
        for evil in (SCRIPT, IMG):
            assert evil not in html, (path, evil)
        assert "</script>" not in html.split('id="_dash-config"', 1)[1].split("</script>", 1)[0]


@pytest.mark.browser
def test_hover_labels_show_markup_as_text(chromium, evil_server):
    page, dialogs, _errors = open_page(chromium, evil_server + "/migration?year=2019")
    try:
        points = page.evaluate("""() => {
          const out = [];
          document.querySelectorAll('.js-plotly-plot').forEach((gd, g) => gd.data.forEach((trace, c) =>
            Array.from(trace.customdata || []).forEach((cd, i) => {
              if (typeof cd === 'string' && cd.includes('&lt;')) out.push([g, c, i]);
            })));
          return out;
        }""")
        shown = []
        for g, c, i in points:  # one at a time: plotly ignores hovers less than 50 ms apart
            page.evaluate("""([g, c, i]) => {
              const gd = document.querySelectorAll('.js-plotly-plot')[g];
              window.Plotly.Fx.hover(gd, [{curveNumber: c, pointNumber: i}]);
            }""", [g, c, i])
            page.wait_for_timeout(80)
            shown.append(page.evaluate("""(g) => {
              const layer = document.querySelectorAll('.js-plotly-plot')[g].querySelector('.hoverlayer');
              return layer ? layer.textContent : '';
            }""", g))
        assert shown, "no hover label with markup was found"
        assert any(IMG in s for s in shown) and any(SCRIPT in s for s in shown), shown
        assert any(HTML in s for s in shown), shown
        assert page.evaluate(FIND_INJECTED) == [] and dialogs == []
    finally:
        page.close()


@pytest.mark.browser
def test_dropdown_options_show_markup_as_text(chromium, evil_server):
    page, dialogs, _errors = open_page(chromium, evil_server + "/migration?year=2019")
    try:
        page.click("#mig-route")
        page.wait_for_timeout(300)
        options = page.locator(".dash-dropdown-option").all_text_contents()
        assert any(MARKDOWN in o for o in options), options
        assert page.evaluate(FIND_INJECTED) == [] and dialogs == []
    finally:
        page.close()


# ------------------------------------------------------------------------------------------ in-process


def _strings(obj) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for v in obj.values() for s in _strings(v)]
    if isinstance(obj, (list, tuple)):
        return [s for v in obj for s in _strings(v)]
    return []


def test_every_figure_escapes_data_text(tmp_path, monkeypatch):
    """Every chart of every page, built from the evil data: no raw '<' from the data reaches plotly
    (only the entities plotly turns back into text), and no data inside a hovertemplate."""
    from dashboard.app import create_app
    from dashboard.render import prefill

    (tmp_path / "snapshot").mkdir()
    monkeypatch.setenv("HUMDASH_SNAPSHOT_DIR", str(tmp_path / "snapshot"))
    write_evil(tmp_path / "data")
    app = create_app(tmp_path / "data", check_every=3600)
    client = app.server.test_client()
    assert client.get("/").status_code == 200
    deps = client.get("/_dash-dependencies").get_json()
    inputs = {
        "ov-": {"ov-country.value": "VEN", "ov-year.value": 2019, "ov-plan.value": 827,
                "ov-dates.start_date": "2019-01-01", "ov-dates.end_date": "2019-12-31", "ov-group.value": "Americas"},
        "fund-": {"fund-country.value": "AFG", "fund-years.value": [], "fund-plan.value": 929,
                  "fund-regional.value": [], "fund-cluster-type.value": "cluster"},
        "fund-827": {"fund-country.value": "VEN", "fund-years.value": [2019], "fund-plan.value": 827,
                     "fund-regional.value": [], "fund-cluster-type.value": "cluster"},
        "mig-": {"mig-year.value": [2019], "mig-dates.start_date": None, "mig-dates.end_date": None,
                 "mig-group.value": "", "mig-region.value": [], "mig-origin.value": [], "mig-cause.value": [],
                 "mig-route.value": [], "mig-freq.value": "month"},
        "cr-": {"cr-country.value": "VEN", "cr-year.value": 2019},
    }
    checked = expected = 0
    for dep in deps:
        if "-graph.figure" not in dep["output"]:
            continue
        prefix = dep["output"].lstrip(".").split("-")[0] + "-"
        for key in [k for k in inputs if k.startswith(prefix)]:
            values = inputs[key]
            expected += dep["output"].count("-graph.figure")
            payload = {"output": dep["output"],
                       "outputs": [dict(zip(("id", "property"), o.split(".", 1)))
                                   for o in dep["output"].strip(".").split("...")],
                       "inputs": [{"id": i["id"], "property": i["property"],
                                   "value": values.get(f"{i['id']}.{i['property']}")} for i in dep["inputs"]],
                       # the page's store of what it shows (render/shown.py), empty: every output is answered
                       "state": [{"id": s["id"], "property": s["property"], "value": None}
                                 for s in dep.get("state", [])],
                       "changedPropIds": [next(f"{c}.{p}" for c, p in prefill.CALLBACKS[prefix].controls)]}
            response = client.post("/_dash-update-component", json=payload)
            assert response.status_code == 200, response.data[:300]
            out = response.get_json()["response"]
            graphs = [k for k in out if k.endswith("-graph")]  # one callback draws every chart of a page
            assert graphs, out.keys()
            for graph in graphs:
                figure = out[graph]["figure"]
                for text in _strings(figure):
                    for evil in (SCRIPT, IMG, HTML):
                        assert evil not in text, (graph, text)  # only the escaped form may reach plotly
                    assert "<script" not in text and "<img" not in text and "<a " not in text, (graph, text)
                for trace in figure["data"]:
                    template = trace.get("hovertemplate") or ""
                    assert "alert" not in template and "&lt;" not in template, (graph, template)
                checked += 1
    assert checked == expected and checked >= 15, (checked, expected)  # every chart of 4 pages
