"""/changes: what moved between two versions of a table in the data directory (ingest/changes.py):
revised and new funding per plan and donor, changed requirements, new or revised migrant incidents,
and dead and missing per year and region group for MMP. The same rows as /api/changes.csv."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from dash import dcc, html
from flask import current_app

from dashboard.i18n import N_, _
from dashboard.render import fmt
from dashboard.render.components import data_table, notice
from dashboard.web.params import ParamError
from dashboard.web.whatchanged import HOW_TO, TABLES, NoComparison, compute, parse_since, parse_table
from ingest.store import version_stamp

PREFIX = "changes-"
PATH = "/changes"
DEFAULT_TABLE = "fts_plans"
TABLE_NAMES = {
    "fts_plans": N_("Plans: requirements and funding"), "fts_donors": N_("Funding per plan and donor"),
    "fts_clusters": N_("Clusters"), "fts_plan_locations": N_("Plan locations"), "fts_flows": N_("Funding flows"),
    "mmp_incidents": N_("Migrant incidents"), "mmp_deaths": N_("Dead and missing per year and region"),
}


def _href(table: str, since: str | None) -> str:
    pairs = [("table", table)] + ([("since", since)] if since else [])
    return f"{PATH}?{urlencode(pairs)}"


def _totals(frame: Any) -> html.Div:
    shown = frame[["year", "region_group", "dead_and_missing_old", "dead_and_missing_new", "difference"]]
    head = html.Thead(html.Tr([html.Th(_(t), scope="col") for t in (
        N_("Year"), N_("Region group"), N_("Dead and missing (old)"), N_("Dead and missing (new)"),
        N_("Difference"))]))
    body = html.Tbody([html.Tr([html.Td(str(r.year)), html.Td(str(r.region_group)),
                                html.Td(fmt.integer(r.dead_and_missing_old), className="num"),
                                html.Td(fmt.integer(r.dead_and_missing_new), className="num"),
                                html.Td(fmt.integer(r.difference), className="num")],
                               **{"data-year": str(r.year), "data-region-group": str(r.region_group)})
                       for r in shown.itertuples()])
    return html.Div(html.Table([head, body], className="data", id=f"{PREFIX}totals"), className="table-wrap")


def layout(**query: Any) -> html.Div:
    since_text = query.get("since") or None
    messages: list[str] = []
    try:
        table = parse_table(query.get("table") or DEFAULT_TABLE)
    except ParamError as exc:
        messages.append(f"table: {exc.message}")
        table = DEFAULT_TABLE
    try:
        since = parse_since(since_text)
    except ParamError as exc:
        messages.append(f"since: {exc.message}")
        since, since_text = None, None
    head = [
        html.H1(_("What changed")),
        html.P(_("What moved between two ingests of the same table: new and revised figures, and removed rows. "
                 "The newest version is compared with the one current on the chosen date (by default the "
                 "previous version)."), className="lead"),
        html.Div([notice(_("Ignored in the address: {m}").format(m=m), "warning") for m in messages]),
        html.Nav(className="filters", **{"aria-label": _("Table")}, children=html.Ul([
            html.Li(html.A(_(TABLE_NAMES[t]), href=_href(t, since_text),
                             **({"aria-current": "page"} if t == table else {}))) for t in TABLES])),
        html.Form(method="get", action=PATH, className="filters", children=[
            dcc.Input(type="hidden", name="table", value=table),
            html.Label(_("Compare with the version current on"), htmlFor=f"{PREFIX}since"),
            dcc.Input(id=f"{PREFIX}since", name="since", type="text", value=since_text or "",
                      placeholder="YYYY-MM-DD", debounce=True),
            html.Button(_("Compare"), type="submit", className="button"),
        ]),
    ]
    data_dir = current_app.extensions["humdash"].data_dir
    try:
        result = compute(data_dir, table, since)
    except NoComparison as exc:
        return html.Div(className="page page-changes", children=[*head, html.Div(id=f"{PREFIX}result", children=[
            notice(_("No comparison yet: {reason}.").format(reason=str(exc)), "warning"),
            html.P(_(HOW_TO), id=f"{PREFIX}howto")])])
    rows = result.rows
    counts = rows["change"].value_counts()
    api = f"/api/changes.csv?{urlencode([('table', table)] + ([('since', since_text)] if since_text else []))}"
    body: list[Any] = [
        html.P(_("Version {old} compared with {new}: {revised} revised, {added} added and {removed} removed "
                 "figures.").format(old=version_stamp(result.old_version)[:15], new=version_stamp(result.new_version)[:15],
                                     revised=fmt.integer(counts.get("revised", 0)),
                                     added=fmt.integer(counts.get("added", 0)),
                                     removed=fmt.integer(counts.get("removed", 0))), id=f"{PREFIX}summary"),
        html.P([html.A(_("These rows as CSV"), href=api, className="api-link"), " · ",
                html.A(_("as JSON"), href=api.replace(".csv", ".json", 1), className="api-link")]),
    ]
    if result.totals is not None:
        body += [html.H2(_("Dead and missing per year and region group")),
                 _totals(result.totals),
                 html.P(html.A(_("Totals as CSV"), href=api + "&part=totals", className="api-link"))]
    body += [html.H2(_("Changed figures")), data_table(rows.drop(columns=["old_version", "new_version"]))]
    return html.Div(className="page page-changes", children=[*head, html.Div(id=f"{PREFIX}result", children=body)])


def register(app: Any) -> None:
    import dash

    dash.register_page(__name__, path=PATH, name=_("What changed"), title=_("What changed"), order=3.5,
                       layout=layout)
