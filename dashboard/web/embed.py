"""Embeds and images of single charts, registered on the app's Flask server.

    /embed/<chart>?<filters>              one chart alone (for an iframe): its source line and a link
                                          back to the full view with the same filters and `lang`; the only
                                          routes other sites may frame (security.install embed_paths)
    /embed/static/<file>                  plotly.js and the script that draws the embedded chart
    /api/chart/<chart>.png|.svg?<filters> the chart as an image with title, source and date drawn on it

<chart> is a name from the views registry (e.g. mmp/trend); the filters are the view's API
parameters (a bad one: 400 JSON for the image, an error page for the embed). An image that cannot be
rendered gives 503 JSON.
"""
from __future__ import annotations

import html as htmlesc
from pathlib import Path
from typing import Any

import plotly
from flask import Blueprint, Flask, Response, request, send_from_directory

from dashboard import i18n
from dashboard.i18n import _
from dashboard.queries.views import VIEWS
from dashboard.render import charts
from dashboard.render.components import source_text
from dashboard.web import exports, images
from dashboard.web.params import ParamError, describe
from dashboard.web.security import json_error

STATIC = Path(__file__).with_name("embed_static")
PLOTLY_JS = Path(plotly.__file__).with_name("package_data")
EMBED_PREFIX = "/embed/"
EMBED_PATHS = (EMBED_PREFIX,)
# plotly.js locales for the embed pages (plotly's package_data bundle has English only); the Dash pages
# get theirs from the partial bundle (dashboard/vendor, tools/plotly-bundle/index.js)
PLOTLY_LOCALES = {"es": "plotly-locale-es.js"}

PAGE = """<!DOCTYPE html>
<html lang="{lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><link rel="icon" href="/_favicon.ico">
<style>body{{font-family:system-ui,sans-serif;margin:0;padding:8px;color:#222}}
h1{{font-size:1.05rem;margin:0 0 4px}} .source{{font-size:.8rem;color:#444;margin:4px 0}}
#chart{{width:100%;min-height:380px}} a{{color:#0b5394}}</style>
</head>
<body>
<main class="embed">
<h1>{title}</h1>
<div id="chart" class="embed-chart" role="img" aria-label="{title}"{locale_attr}></div>
<script type="application/json" id="figure-data">{figure}</script>
<p class="source" id="embed-source">{source}</p>
<p class="source"><a id="embed-full" href="{full}" target="_top">{full_label}</a></p>
</main>
<script src="/embed/static/plotly.min.js"></script>
{locale_script}<script src="/embed/static/embed.js"></script>
</body>
</html>"""

ERROR_PAGE = """<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title><link rel="icon" href="/_favicon.ico"></head>
<body><main><h1>{title}</h1><p>{message}</p></main></body></html>"""


def _query() -> dict[str, list[str]]:
    return {k: request.args.getlist(k) for k in request.args.keys()}


def _error_page(status: int, title: str, message: str) -> Response:
    body = ERROR_PAGE.format(lang=htmlesc.escape(i18n.current()), title=htmlesc.escape(title),
                             message=htmlesc.escape(message))
    return Response(body, status=status, mimetype="text/html")


def _figure_json(figure: Any) -> str:
    # inside <script type="application/json">: no "<" may close the element early
    return figure.to_json().replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def embed_snippet(src: str, title: str) -> str:
    """The <iframe> code for a chart."""
    return (f'<iframe src="{htmlesc.escape(src)}" title="{htmlesc.escape(title)}" width="100%" height="520" '
            f'style="border:0" loading="lazy"></iframe>')


def tools_links(api_href: str | None, host_url: str, title: str) -> dict[str, str] | None:
    """PNG, SVG and embed URLs from a chart's API link (/api/<view>.csv?filters), with the page's
    `lang` when links carry it (i18n.lang_pairs), so a Spanish page offers a Spanish embed and image."""
    if not api_href or not api_href.startswith("/api/"):
        return None
    path, _q, query = api_href.partition("?")
    name = path[len("/api/"):].rsplit(".", 1)[0]
    if name not in VIEWS:
        return None
    pairs = [(k, v) for k, v in (p.split("=", 1) if "=" in p else (p, "") for p in query.split("&") if p)
             if k != "hxl"]
    if not any(k == "lang" for k, _v in pairs):  # the embed and the image in the page's language
        pairs += i18n.lang_pairs()
    q = ("?" + "&".join(f"{k}={v}" for k, v in pairs)) if pairs else ""
    embed = f"{host_url.rstrip('/')}{EMBED_PREFIX}{name}{q}"
    return {"png": f"/api/chart/{name}.png{q}", "svg": f"/api/chart/{name}.svg{q}", "embed": embed,
            "snippet": embed_snippet(embed, title), "name": name}


def _static_file(filename: str) -> Response:
    """The embed pages' scripts: plotly.js, embed.js and plotly's locale files, nothing else."""
    if filename == "plotly.min.js":
        return send_from_directory(PLOTLY_JS, filename, max_age=3600)
    if filename == "embed.js" or filename in PLOTLY_LOCALES.values():
        return send_from_directory(STATIC, filename, max_age=300)
    return _error_page(404, _("Not found"), _("No such file."))


def register_embed(server: Flask, current: Any) -> None:
    """Add /embed/... and /api/chart/... to `server`; `current()` gives the loaded data."""
    bp = Blueprint("humdash_embed", __name__)
    bp.add_url_rule("/embed/static/<string:filename>", view_func=_static_file, methods=["GET"])

    @bp.get("/embed/<path:name>")
    def embed(name: str) -> Response:
        if not charts.known(name):
            return _error_page(404, _("Chart not found"),
                               _("There is no chart called {name}. Known charts: {names}.").format(
                                   name=name[:80], names=", ".join(VIEWS)))
        ds = current()
        try:
            f = charts.parse_filters(ds, name, _query())
        except ParamError as exc:
            return _error_page(400, _("Bad parameter"), f"{exc.param}: {exc.message}")
        view = VIEWS[name]
        figure = charts.figure(ds, name, f)
        figure.update_layout(height=420, margin={"t": 20})
        lang = i18n.current()
        locale = PLOTLY_LOCALES.get(lang)
        body = PAGE.format(lang=htmlesc.escape(lang), title=htmlesc.escape(charts.title(name)), figure=_figure_json(figure),
                           locale_attr=f' data-locale="{htmlesc.escape(lang)}"' if locale else "",
                           locale_script=f'<script src="/embed/static/{locale}"></script>\n' if locale else "",
                           source=htmlesc.escape(source_text(ds, view.tables)),
                           full=htmlesc.escape(i18n.with_lang(charts.full_view_href(name, f))),
                           full_label=htmlesc.escape(_("Open the full view on the dashboard")))
        return Response(body, mimetype="text/html", headers={"Cache-Control": "no-cache"})

    @bp.get("/api/chart/<path:filename>")
    def image(filename: str) -> Response:
        name, dot, ext = filename.rpartition(".")
        if not dot or ext not in images.FORMATS:
            return json_error(404, "not found", "unknown image format; use .png or .svg")
        if not charts.known(name):
            return json_error(404, "not found", f"unknown chart {name[:80]!r}; known charts: {', '.join(VIEWS)}")
        ds = current()
        f = charts.parse_filters(ds, name, _query())  # ParamError -> 400 JSON (api.py's handler)
        view = VIEWS[name]
        as_of = ds.as_of(*view.tables)
        try:
            figure = images.decorate(charts.figure(ds, name, f), charts.title(name), source_text(ds, view.tables),
                                     _("Data as of {date}").format(date=as_of) if as_of else None,
                                     ", ".join(f"{k}: {v}" for k, v in describe(f, view.params)))
            data = images.render(figure, ext)
        except images.RenderError as exc:
            return json_error(503, "image unavailable", str(exc))
        fname = exports.filename(name.replace("/", "-"), describe(f, view.params), as_of, ext)
        return Response(data, mimetype=images.FORMATS[ext],
                        headers={"Content-Disposition": f'attachment; filename="{fname}"',
                                 "Cache-Control": "no-cache"})

    server.register_blueprint(bp)


def tools_children(links: dict[str, str] | None, title: str, tools_id: str) -> list[Any]:
    """PNG / SVG links and the copyable <iframe> code under a chart."""
    from dash import dcc, html

    if not links:
        return []
    snippet_id = f"{tools_id}-snippet"
    return [
        html.A(_("PNG image"), href=links["png"], className="image-link", download=""),
        html.A(_("SVG image"), href=links["svg"], className="image-link", download=""),
        html.Details(className="embed-code", children=[
            html.Summary(_("Embed")),
            html.P(_("Copy this code into a web page to show the chart with the current filters:")),
            dcc.Textarea(id=snippet_id, value=links["snippet"], readOnly=True, rows=3, className="embed-snippet",
                         style={"width": "100%"}),
            dcc.Clipboard(target_id=snippet_id, title=_("Copy the embed code"), className="copy-button"),
            html.A(_("Preview the embedded chart"), href=links["embed"], target="_blank", rel="noopener"),
        ]),
    ]


def tools_for(api_href: Any, tools_id: str) -> list[Any]:
    """The image links and embed code under a chart block, from its API link (which carries exactly the
    chart's filters), for the request's host and language. Sent with the chart's own callback answer
    (components.register_chart_callbacks), so a filter change costs no extra request for them."""
    from flask import request as flask_request

    links = tools_links(api_href, flask_request.host_url, "")
    if not links:
        return []
    title = _(VIEWS[links["name"]].title)
    links["snippet"] = embed_snippet(links["embed"], title)
    return tools_children(links, title, tools_id)
