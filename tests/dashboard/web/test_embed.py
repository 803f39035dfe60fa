"""Embeds (/embed/<chart>), chart images (/api/chart/<chart>.png|svg) and their headers."""
from __future__ import annotations

import pytest

from tests.fixtures.dashboard.dashboard_synth import app, client, data_dir, empty_snapshot  # noqa: E402,F401

from dashboard.web import embed
from dashboard.web import images  # noqa: E402
from dashboard.queries.views import VIEWS  # noqa: E402


def framing(response) -> str:
    csp = response.headers["Content-Security-Policy"]
    return next(p.split(None, 1)[1] for p in csp.split("; ") if p.startswith("frame-ancestors"))


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_every_view_has_an_embed(client, name):
    r = client.get(f"/embed/{name}")
    assert r.status_code == 200, r.data[:300]
    page = r.data.decode()
    assert 'id="figure-data"' in page and "/embed/static/plotly.min.js" in page
    assert "Source: " in page and 'target="_top"' in page
    assert framing(r) == "*" and "X-Frame-Options" not in r.headers


def test_embed_link_back_keeps_the_filters(client):
    page = client.get("/embed/mmp/trend?year=2019&region_group=Americas").data.decode()
    assert 'href="/migration?year=2019&amp;region_group=Americas' in page


def test_spanish_embed_links_back_in_spanish(client):
    """?lang=es: html lang, title, source line and link label in Spanish; the link back keeps lang=es;
    plotly gets the es locale (its script from /embed/static/)."""
    page = client.get("/embed/mmp/trend?year=2019&region_group=Americas&lang=es").data.decode()
    assert '<html lang="es">' in page
    assert "<title>Muertos y desaparecidos a lo largo del tiempo</title>" in page
    assert '<p class="source" id="embed-source">Fuente: ' in page and "Source: " not in page
    assert 'href="/migration?year=2019&amp;region_group=Americas&amp;freq=month&amp;lang=es"' in page
    assert "Abrir la vista completa en el panel" in page
    assert 'data-locale="es"' in page and '<script src="/embed/static/plotly-locale-es.js">' in page
    locale = client.get("/embed/static/plotly-locale-es.js")
    assert locale.status_code == 200 and b'name:"es"' in locale.data
    # Accept-Language alone: Spanish page, and the link says so (the full view would otherwise follow
    # the reader's own browser)
    spanish = client.get("/embed/mmp/trend?year=2019", headers={"Accept-Language": "es-ES,es;q=0.9"}).data.decode()
    assert '<html lang="es">' in spanish and "&amp;lang=es" in spanish
    english = client.get("/embed/mmp/trend?year=2019").data.decode()
    assert '<html lang="en">' in english and 'href="/migration?year=2019&amp;freq=month"' in english
    assert "data-locale" not in english
    assert "plotly-locale-es.js" not in english
    explicit = client.get("/embed/mmp/trend?year=2019&lang=en").data.decode()
    assert 'href="/migration?year=2019&amp;freq=month&amp;lang=en"' in explicit
    assert '<html lang="es">' in client.get("/embed/mmp/nothing?lang=es").data.decode()  # error page too


def test_tools_links_keep_the_page_language():
    from dashboard.i18n import use_lang

    with use_lang("es", explicit=False):
        links = embed.tools_links("/api/mmp/trend.csv?year=2019&hxl=1", "http://h:1/", "T")
    assert links["embed"] == "http://h:1/embed/mmp/trend?year=2019&lang=es"
    assert links["png"] == "/api/chart/mmp/trend.png?year=2019&lang=es"
    with use_lang("es"):
        assert embed.tools_links("/api/mmp/trend.csv?lang=es", "http://h/", "T")["svg"].count("lang=") == 1
    with use_lang("en", explicit=False):
        assert "lang" not in embed.tools_links("/api/mmp/trend.csv?year=2019", "http://h/", "T")["embed"]


def test_unknown_chart_and_bad_params(client):
    r = client.get("/embed/mmp/nothing")
    assert r.status_code == 404 and b"no chart called" in r.data.lower()
    assert client.get("/embed/mmp/trend?year=abc").status_code == 400
    assert client.get("/embed/mmp/trend?bogus=1").status_code == 400


def test_embed_page_escapes_figure_json(client):
    page = client.get("/embed/fts/plans").data.decode()
    start = page.index('id="figure-data">')
    body = page[start:page.index("</script>", start)]
    assert "<" not in body.split(">", 1)[1]


@pytest.mark.parametrize("url", ["/", "/funding", "/migration", "/about", "/api/tables", "/api/chart/nope.png",
                                 "/embedx", "/assets/style.css"])
def test_only_embed_routes_may_be_framed(client, url):
    r = client.get(url)
    assert framing(r) == "'none'" and r.headers["X-Frame-Options"] == "DENY"


def test_embed_static_files(client):
    assert client.get("/embed/static/embed.js").status_code == 200
    assert client.get("/embed/static/plotly.min.js").status_code == 200
    assert client.get("/embed/static/../app.py").status_code == 404
    assert client.get("/embed/static/other.js").status_code == 404


def test_tools_links_follow_the_api_link():
    links = embed.tools_links("/api/mmp/trend.csv?year=2019&region_group=Americas&hxl=1", "http://h:1/", "T")
    assert links["png"] == "/api/chart/mmp/trend.png?year=2019&region_group=Americas"
    assert links["svg"] == "/api/chart/mmp/trend.svg?year=2019&region_group=Americas"
    assert links["embed"] == "http://h:1/embed/mmp/trend?year=2019&region_group=Americas"
    assert links["snippet"].startswith('<iframe src="http://h:1/embed/mmp/trend?year=2019&amp;region_group=Americas"')
    assert embed.tools_links("#", "http://h/", "T") is None
    assert embed.tools_links("/api/unknown.csv", "http://h/", "T") is None


def test_image_errors_are_json(client, monkeypatch):
    assert client.get("/api/chart/mmp/trend.png?year=abc").status_code == 400
    assert client.get("/api/chart/mmp/trend.png?bogus=1").json["param"] == "bogus"
    assert client.get("/api/chart/mmp/nothing.png").status_code == 404
    assert client.get("/api/chart/mmp/trend.gif").status_code == 404

    def broken(figure, fmt):
        raise images.RenderError("no Chromium found for rendering images")

    monkeypatch.setattr(images, "render", broken)
    r = client.get("/api/chart/mmp/trend.png")
    assert r.status_code == 503 and r.is_json and "Chromium" in r.json["message"]
    assert b"Traceback" not in r.data


def test_decorate_adds_title_source_and_date_to_a_copy():
    import plotly.graph_objects as go

    shown = go.Figure(go.Bar(x=[1], y=[2]))
    out = images.decorate(shown, "My title", "Source: X (CC BY 4.0)", "Data as of 2024-01-02")
    assert out.layout.title.text == "My title"
    assert "Source: X" in out.layout.title.subtitle.text and "2024-01-02" in out.layout.title.subtitle.text
    assert not shown.layout.annotations and shown.layout.title.text is None


def test_decorating_a_dashboard_figure_is_what_plotly_would_make_of_it():
    """Every chart the image route exports, decorated as a dashboard figure (no go.Figure, so no validators
    in the worker), reads through plotly exactly as the go.Figure it used to build; the figure drawn on the
    page is left as it was."""
    import json

    import plotly.graph_objects as go

    from dashboard.data import Dataset
    from dashboard.queries import Filters
    from dashboard.render import charts
    from dashboard.render.figures.builder import Figure
    from tests.fixtures.dashboard import dashboard_synth as synth

    ds = Dataset.from_tables(synth.all_tables())
    names = [name for name in VIEWS if charts.known(name)]
    assert len(names) >= 10
    for name in names:
        shown = charts.figure(ds, name, Filters())
        before = json.dumps(shown.to_plotly_json(), sort_keys=True, default=str)
        args = (charts.title(name), "Source: X (CC BY 4.0)", "Data as of 2024-01-02", "year: 2019")
        ours = images.decorate(shown, *args)
        assert isinstance(ours, Figure)
        theirs = images.decorate(go.Figure(shown.to_plotly_json()), *args)
        assert go.Figure(ours.to_plotly_json()).to_plotly_json() == theirs.to_plotly_json(), name
        assert json.dumps(shown.to_plotly_json(), sort_keys=True, default=str) == before, name
        assert ours.layout["title"]["text"] == charts.title(name) + " (year: 2019)"


@pytest.mark.browser
def test_png_and_svg_are_rendered(client):
    if images.chromium_path() is None:
        from tests.conftest import _need
        _need("Chromium (/usr/bin/chromium), which kaleido drives")  # skips locally, fails in CI
    r = client.get("/api/chart/mmp/trend.png?year=2019")
    assert r.status_code == 200, r.data[:300]
    assert r.data[:8] == b"\x89PNG\r\n\x1a\n" and len(r.data) > 10_000
    assert r.headers["Content-Disposition"].endswith('.png"')
    svg = client.get("/api/chart/fts/plans.svg").data.decode()
    assert svg.lstrip().startswith("<svg") and "Requirements and funding per plan" in svg and "Source:" in svg


def test_renders_are_serialised_and_time_out(monkeypatch):
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    import kaleido
    import plotly.graph_objects as go

    running, peak = [0], [0]

    def slow(figure, opts=None, topojson=None):
        running[0] += 1
        peak[0] = max(peak[0], running[0])
        time.sleep(0.2 if opts["format"] == "png" else 2)
        running[0] -= 1
        return b"\x89PNG..."

    monkeypatch.setattr(images, "_started", True)
    monkeypatch.setattr(images, "_executor", ThreadPoolExecutor(max_workers=4))  # the lock alone must serialise
    monkeypatch.setattr(kaleido, "calc_fig_sync", slow)
    threads = [threading.Thread(target=images.render, args=(go.Figure(), "png")) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] == 1
    monkeypatch.setattr(images, "TIMEOUT_SECONDS", 0.3)
    with pytest.raises(images.RenderError, match="longer than"):
        images.render(go.Figure(), "svg")
