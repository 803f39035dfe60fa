"""create_app(): the Dash app (Dash Pages, local assets only, compressed responses) and its data API."""
from __future__ import annotations

import logging
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

import dash
from dash import dcc, html
from dash._pages import _parse_query_string, _path_to_page

from dashboard import i18n, vendor
from dashboard.data import CHECK_EVERY_SECONDS, DataSource
from dashboard.i18n import _, with_lang
from dashboard.pages import PAGES
from dashboard.render import prefill
from dashboard.render.text import APP_TITLE, SOURCES
from dashboard.render.theme import name_template, template_script
from dashboard.web import httpcache, ratelimit, security
from dashboard.web.api import register_api
from dashboard.web.embed import EMBED_PATHS, register_embed
from dashboard.web.whatchanged import register_changes
from ingest.objectstore import shown

ASSETS = Path(__file__).with_name("assets")

INDEX = """<!DOCTYPE html>
<html lang="en">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""


def shell() -> html.Div:
    """Header with navigation, the page container, and the attribution footer."""
    pages = sorted((p for p in dash.page_registry.values() if not p["module"].endswith("not_found_404")),
                   key=lambda p: p.get("order") or 0)
    fts, mmp = SOURCES["fts"], SOURCES["mmp"]
    return html.Div(className="shell", children=[
        html.A(_("Skip to main content"), href="#main", className="skip-link"),
        html.Header(className="site-header", children=[
            dcc.Link(_(APP_TITLE), href=with_lang("/"), className="brand"),
            html.Nav(**{"aria-label": _("Main")}, children=html.Ul([
                # data-carry: the filters this page takes, carried over from the current page (assets/links.js)
                html.Li(dcc.Link(_(p["name"]), href=with_lang(p["relative_path"])),
                        **{"data-carry": " ".join(CARRY.get(p["path"], ()))}) for p in pages])),
            html.Nav(className="lang-switch", **{"aria-label": _("Language")}, children=html.Ul([
                html.Li(html.A(name, href=f"?lang={code}", lang=code, hrefLang=code, className="lang-link",
                               **{"data-lang": code}, **({"aria-current": "true"} if code == i18n.current() else {})))
                for code, name in i18n.LANGUAGE_NAMES.items()])),
        ]),
        # "Loading…" until the page's content has arrived (style.css hides it then): never a blank page
        html.Main(id="main", tabIndex="-1", children=[
            page_container(), html.P(_("Loading…"), className="page-loading", role="status")]),
        html.Footer(className="site-footer", children=[
            html.P([_("Funding: "), html.A(_(fts["attribution"]), href=fts["url"]), " (",
                    html.A(fts["licence"], href=fts["licence_url"]), "). ",
                    _("Migrant deaths and disappearances: "), html.A(_(mmp["attribution"]), href=mmp["url"]), " (",
                    html.A(mmp["licence"], href=mmp["licence_url"]), "). ",
                    dcc.Link(_("Definitions and sources"), href=with_lang("/about")), "."]),
        ]),
    ])


def page_container() -> html.Div:
    """Dash's page container, with the page the browser is opening already in it when the layout is
    requested from that page (its address is the request's Referer): the browser draws the page and its
    first charts from the layout, without waiting for the pages router's round trip. The location
    component starts with that address, so it does not call the router on mount; links inside the app
    still go through the router. Without a Referer (or from another page): Dash's empty container."""
    from flask import has_request_context, request

    if not (has_request_context() and request.path.endswith("/_dash-layout") and request.referrer):
        return dash.page_container
    address = urlsplit(request.referrer)
    # the same host; the port may differ behind a proxy (nginx's `proxy_set_header Host $host` drops it)
    if address.hostname != urlsplit(f"//{request.host}").hostname:
        return dash.page_container
    search = f"?{address.query}" if address.query else ""
    page, variables = _path_to_page(dash.get_app().strip_relative_path(address.path) or "")
    if not page:
        page = next(p for p in dash.page_registry.values() if p["module"].endswith("not_found_404"))
    layout, title = page.get("layout", ""), page.get("title", "")
    token = prefill.FOR_BROWSER.set(True)  # the page with its first charts, as the router would answer
    try:
        content = layout(**{**(variables or {}), **_parse_query_string(search)}) if callable(layout) else layout
    except Exception:  # the header, footer and navigation still load; the router tries the page again
        logging.getLogger(__name__).exception("page %s could not be put in the layout", address.path)
        return dash.page_container
    finally:
        prefill.FOR_BROWSER.reset(token)
    return html.Div([
        dcc.Location(id="_pages_location", refresh="callback-nav", pathname=address.path, search=search),
        html.Div(id="_pages_content", disable_n_clicks=True, children=content),
        dcc.Store(id="_pages_store", data={"title": title(**(variables or {})) if callable(title) else title}),
        html.Div(id="_pages_dummy", disable_n_clicks=True),
    ])


def _carry() -> dict[str, tuple[str, ...]]:
    """Page path -> the query parameters it takes, which header links carry over from the current page."""
    from dashboard.pages import crisis, funding, migration, overview
    return {overview.PATH: overview.PARAMS, funding.PATH: funding.PARAMS, crisis.PATH: crisis.PARAMS,
            migration.PATH: tuple(sorted(migration.ACCEPTED))}


CARRY = _carry()


def _not_found_status(response):  # noqa: ANN001 - a Flask response
    """An address that is no page (nor API, asset or Dash route) answers 404: Dash serves its
    index, with the not-found page, for any path."""
    from flask import request

    path = request.path.rstrip("/") or "/"
    if (request.method == "GET" and response.status_code == 200 and response.mimetype == "text/html"
            and not path.startswith(("/_dash", "/_reload", "/assets", "/api", "/embed", "/_favicon"))
            and path not in {(p["path"].rstrip("/") or "/") for p in dash.page_registry.values()
                             if not p["module"].endswith("not_found_404")}):
        response.status_code = 404
    return response


_CHUNKS: dict[str, tuple[list[str], dict[str, str]]] = {}  # page path -> dcc chunks, lazy bundles its components load
LAZY_URLS: dict[str, str] = {}  # namespace -> address of the bundles loaded on demand (vendor.load_on_demand)


def _preloads(app: dash.Dash) -> str:
    """<link rel=preload> for the dcc chunks the requested page uses (its graphs, dropdowns, date
    pickers), found once per page from its default layout, and for the files its page registration
    names under `preload` (addresses): fetched with the page's scripts, not after its charts arrive."""
    from flask import request

    path = app.strip_relative_path(request.path) or ""
    page = next((p for p in dash.page_registry.values() if p["path"].strip("/") == path.strip("/")), None)
    if page is None:
        return ""
    if page["path"] not in _CHUNKS:
        layout = page["layout"]
        try:
            tree = layout() if callable(layout) else layout
        except Exception:  # the page itself reports its problem; preloading is only a head start
            logging.getLogger(__name__).exception("chunks of %s", page["path"])
            return ""
        lazy = {namespace for namespace, _type in vendor.component_types(tree)} & set(LAZY_URLS)
        _CHUNKS[page["path"]] = (vendor.async_chunks(tree), {n: LAZY_URLS[n] for n in lazy})
    fetches = "".join(f'<link rel="preload" as="fetch" crossorigin="anonymous" href="{escape(url)}">'
                      for url in page.get("preload", ()))  # e.g. the map's base map (topojson)
    return vendor.preload_links(app.config.requests_pathname_prefix, *_CHUNKS[page["path"]]) + fetches


def create_app(data_dir: str | Path | None = None, *, check_every: float = CHECK_EVERY_SECONDS,
               allow_embed: bool | str | None = None, embed_paths: tuple[str, ...] = ()) -> dash.Dash:
    """The dashboard for `data_dir` (default $HUMDASH_DATA_DIR or ./data; falls back to the bundled
    snapshot table by table). Tables reload when a new ingest lands (checked every `check_every` s).

    Security headers, limits and JSON errors: see security.py. `allow_embed` (default
    $HUMDASH_ALLOW_EMBED) lets other sites frame the pages: True/"1" any site, or a string of origins;
    `embed_paths` are path prefixes that may be framed even when it is off."""
    source = DataSource(data_dir, check_every=check_every)
    app = dash.Dash(
        __name__,
        use_pages=True,
        pages_folder="",  # pages are registered explicitly below, once per app
        assets_folder=str(ASSETS),
        serve_locally=True,  # Dash's own JS from this server: no CDN
        compress=vendor.compress_requested(),  # flask-compress (gzip) for pages, JSON and assets
        title=_(APP_TITLE),
        update_title=None,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"},
                   {"name": "description", "content": _("OCHA FTS humanitarian funding and IOM Missing Migrants "
                                                        "Project data, with sources and licences.")}],
        suppress_callback_exceptions=False,
    )
    partial = vendor.use_partial_plotlyjs()  # our partial plotly.js (HUMDASH_FULL_PLOTLYJS=1: the full one)
    name_template(partial)  # figures name the template where assets/charts.js is sure to put it back
    app.index_string = INDEX
    app.server.extensions["humdash"] = source
    for page in PAGES:
        page.register(app)
    for entry in dash.page_registry.values():  # `lang` in a page's address sets the language
        entry["layout"] = i18n.localized(prefill.prefilled(entry["layout"]))  # with its first charts
        if isinstance(entry.get("title"), str):  # the tab title in the request's language
            entry["title"] = lambda _title=entry["title"], **_kw: _(_title)
    plain_index = app.interpolate_index
    LAZY_URLS.update(vendor.load_on_demand())
    lazy = vendor.lazy_meta(LAZY_URLS)  # AG Grid's bundle only where a grid is drawn
    lazy += vendor.plotly_meta(app.config.requests_pathname_prefix)  # plotly.js only where a chart is drawn
    lazy += template_script() if partial else ""  # the charts' template, once (Figure.for_page)
    app.interpolate_index = lambda **kw: plain_index(**kw).replace(  # <html lang> for screen readers
        '<html lang="en">', f'<html lang="{i18n.current()}">', 1).replace(
        "</head>", lazy + _preloads(app) + "</head>", 1)
    app.layout = shell  # per request: the header and footer in the request's language
    i18n.install(app.server)
    app.server.after_request(_not_found_status)
    register_api(app.server, source.current)
    register_embed(app.server, source.current)
    register_changes(app.server, lambda: source.data_dir)
    security.install(app, allow_embed=allow_embed, embed_paths=tuple(embed_paths) + EMBED_PATHS)
    httpcache.install(app)  # ETags, Cache-Control, the export and chart caches (HUMDASH_CACHE_*)
    ratelimit.install(app.server)  # 429 past HUMDASH_RATELIMIT per client on /api
    logging.getLogger(__name__).info("dashboard for %s ready", shown(source.data_dir))
    return app
