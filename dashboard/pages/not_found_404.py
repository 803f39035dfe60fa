"""Any address that is no page: says so (HTTP 404, set in app.py) and links home, in the page's language."""
from __future__ import annotations

from typing import Any

from dash import dcc, html

from dashboard.i18n import _, with_lang

PREFIX = "nf-"


def layout(**query: Any) -> html.Div:
    return html.Div(className="page page-not-found", children=[
        html.H1(_("Page not found")),
        html.P(_("Error 404: there is no page at this address. It may have been mistyped, or the link may be out "
                 "of date.")),
        html.P(dcc.Link(_("Go to the crisis overview"), href=with_lang("/"))),
    ])


def register(app: Any) -> None:
    import dash

    dash.register_page(__name__, path="/404", name=_("Page not found"), title=_("Page not found"), order=99,
                       layout=layout)
