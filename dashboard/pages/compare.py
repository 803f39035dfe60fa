"""/funding/compare: every plan in the data side by side, for donors comparing crises: search by name or
code, filter by year, plan type and country, sort by the funding gap (unmet requirements) or any
figure. A plain GET form (the view is its URL); the same rows as CSV at /funding/compare.csv.

A multi-country plan read only as some countries' shares has no known total (coverage "partial"):
it is listed with its totals blank and says so, never with a country's share as its total."""
from __future__ import annotations

from typing import Any, Mapping
from urllib.parse import urlencode

import pandas as pd
from dash import dcc, html
from flask import Response, request

from dashboard.data import current_dataset
from dashboard.i18n import N_, _, lang_pairs
from dashboard.pages.state import first
from dashboard.queries import contains_code, plan_countries
from dashboard.queries.views import country_label
from dashboard.render import fmt
from dashboard.render.components import notice

PREFIX = "cmp-"
PATH = "/funding/compare"
PAGE_ROWS = 50
SORTS = {
    "gap": ("unmet_usd", False, N_("largest funding gap (unmet requirements)")),
    "requirements": ("requirements_usd", False, N_("largest requirements")),
    "funding": ("funding_usd", False, N_("most funding")),
    "percent": ("percent_funded", True, N_("lowest percent funded")),
    "year": ("year", False, N_("newest first")),
}
COVERAGE = {"plan": N_("plan total"), "sum of country shares": N_("sum of its countries' shares"),
            "partial": N_("partial: only some countries' shares in the data; total unknown")}
# FTS's plan types (typeName), so that the Spanish page names them in Spanish
PLAN_TYPES = [N_("Humanitarian response plan"), N_("Humanitarian needs and response plan"), N_("Flash appeal"),
              N_("Regional response plan"), N_("Consolidated appeals process"), N_("Consolidated inter-agency appeal"),
              N_("Strategic response plan"), N_("Other")]
CSV_COLUMNS = ["plan_id", "plan_code", "plan_name", "plan_type", "year", "countries_iso3", "is_regional",
               "requirements_usd", "funding_usd", "percent_funded", "unmet_usd", "coverage", "figures_source"]


def parse(query: Mapping[str, Any]) -> dict[str, Any]:
    """The page's choices from its query string; unknown values fall back to 'all'."""
    def text(name: str) -> str:
        value = first(query.get(name))
        return str(value).strip()[:100] if value is not None else ""

    year = text("year")
    page = text("page")
    sort = text("sort")
    return {"q": text("q"), "year": int(year) if year.isdigit() else None, "type": text("type"),
            "country": text("country").upper()[:3], "sort": sort if sort in SORTS else "gap",
            "page": max(int(page), 1) if page.isdigit() else 1}


def rows(choice: dict[str, Any]) -> pd.DataFrame:
    """The plans matching the choices, sorted; unmet and percent filled in where the data allow."""
    plans = current_dataset().tables["fts_plans"]
    mask = pd.Series(True, index=plans.index)
    if choice["q"]:
        needle = choice["q"].lower()
        mask &= (plans["plan_name"].str.lower().str.contains(needle, regex=False).fillna(False)
                 | plans["plan_code"].str.lower().str.contains(needle, regex=False).fillna(False)).astype(bool)
    if choice["year"]:
        mask &= plans["year"] == choice["year"]
    if choice["type"]:
        mask &= (plans["plan_type"] == choice["type"]).fillna(False).astype(bool)
    if choice["country"]:
        mask &= contains_code(plans["countries_iso3"], [choice["country"]])
    out = plans[mask].copy()
    req, fund = out["requirements_usd"].astype("Float64"), out["funding_usd"].astype("Float64")
    out["percent_funded"] = out["percent_funded"].fillna((fund / req.where(req > 0) * 100).astype("float64"))
    out["unmet_usd"] = out["unmet_usd"].fillna((out["requirements_usd"] - out["funding_usd"]).clip(lower=0))
    column, ascending, _label = SORTS[choice["sort"]]
    out = out.sort_values([column, "year", "plan_id"], ascending=[ascending, False, True], na_position="last",
                          kind="mergesort")
    return out[CSV_COLUMNS].reset_index(drop=True)


def _href(choice: dict[str, Any], **change: Any) -> str:
    merged = {**choice, **change}
    pairs = [(k, str(v)) for k, v in merged.items() if v and not (k == "page" and v == 1)
             and not (k == "sort" and v == "gap")]
    return f"{PATH}?{urlencode(pairs + lang_pairs())}" if pairs or lang_pairs() else PATH


def _money(value: Any, coverage: str) -> str:
    if pd.isna(value):
        return _("unknown") if coverage == "partial" else "–"
    return fmt.usd(value)


def _table(frame: pd.DataFrame) -> html.Table:
    # the money first after the plan (on a phone the table scrolls sideways: what a donor compares shows)
    heads = [N_("Year"), N_("Plan"), N_("Requirements"), N_("Funding"), N_("% funded"), N_("Unmet (gap)"),
             N_("Countries"), N_("Type"), N_("Figures")]
    head = html.Thead(html.Tr([html.Th(_(h), scope="col") for h in heads]))
    body = []
    for r in frame.itertuples():
        codes = [c for c in str(r.countries_iso3 or "").split(";") if c and r.countries_iso3 is not pd.NA]
        where = fmt.country(codes[0], country_label(current_dataset(), codes[0])) if len(codes) == 1 else (
            _("{n} countries").format(n=len(codes)) if codes else "–")
        plan = f"{r.plan_code} – {r.plan_name}" if isinstance(r.plan_code, str) else str(r.plan_name)
        body.append(html.Tr([
            html.Td(str(r.year)), html.Td(html.A(plan, href=f"/funding?plan_id={r.plan_id}")),
            html.Td(_money(r.requirements_usd, r.coverage), className="num"),
            html.Td(_money(r.funding_usd, r.coverage), className="num"),
            html.Td(fmt.percent(r.percent_funded) if not pd.isna(r.percent_funded) else "–", className="num"),
            html.Td(_money(r.unmet_usd, r.coverage), className="num"),
            html.Td(where), html.Td(_(r.plan_type) if isinstance(r.plan_type, str) else "–"),
            html.Td(_(COVERAGE.get(r.coverage, r.coverage))),
        ]))
    return html.Table([head, html.Tbody(body)], className="data", id=f"{PREFIX}table")


def _select(name: str, label: str, options: list[tuple[str, str]], value: Any) -> html.Div:
    """A plain <select> of the GET form (its choice is submitted with the form, so the view is a URL)."""
    chosen = str(value or "")
    return html.Div(className="field", children=[
        html.Label(label, htmlFor=f"{PREFIX}{name}"),
        html.Select(id=f"{PREFIX}{name}", name=name, children=[
            html.Option(lab, value=val, selected=True) if val == chosen else html.Option(lab, value=val)
            for val, lab in options]),
    ])


def layout(**query: Any) -> html.Div:
    ds = current_dataset()
    choice = parse(query)
    plans = ds.tables["fts_plans"]
    found = rows(choice)
    pages = max((len(found) - 1) // PAGE_ROWS + 1, 1)
    page = min(choice["page"], pages)
    shown = found.iloc[(page - 1) * PAGE_ROWS: page * PAGE_ROWS]
    years = sorted({int(y) for y in plans["year"]}, reverse=True)
    types = sorted({str(t) for t in plans["plan_type"].dropna()})
    names = {c: fmt.country(c, country_label(ds, c)) for c in plan_countries(plans)}  # in the interface language
    countries = sorted(names, key=lambda c: fmt.sort_key(names[c]))
    partial = int((found["coverage"] == "partial").sum())
    csv_href = f"/funding/compare.csv?{urlencode([(k, str(v)) for k, v in choice.items() if v and k != 'page'])}"
    form = html.Form(method="get", action=PATH, className="filters", role="search", children=[
        html.Div(className="field", children=[
            html.Label(_("Search plans by name or code"), htmlFor=f"{PREFIX}q"),
            dcc.Input(id=f"{PREFIX}q", name="q", type="search", value=choice["q"], debounce=True)]),
        _select("year", _("Year"), [("", _("All years"))] + [(str(y), str(y)) for y in years], choice["year"]),
        _select("type", _("Plan type"), [("", _("All types"))] + [(t, _(t)) for t in types], choice["type"]),
        _select("country", _("Country"), [("", _("All countries"))] +
                [(c, f"{names[c]} ({c})") for c in countries], choice["country"]),
        _select("sort", _("Sort by"), [(k, _(v[2])) for k, v in SORTS.items()], choice["sort"]),
        *([dcc.Input(type="hidden", name="lang", value=v) for _k, v in lang_pairs()]),
        html.Button(_("Show"), type="submit", className="button"),
    ])
    summary = _("{n} plan(s) match; {k} shown, sorted by {sort}.").format(
        n=fmt.integer(len(found)), k=fmt.integer(len(shown)), sort=_(SORTS[choice["sort"]][2]))
    if partial:
        summary += " " + _("{n} multi-country plan(s) are known here only by some countries' shares: their "
                           "totals are unknown and they are listed last.").format(n=partial)
    nav = []
    if page > 1:
        nav.append(html.A(_("Previous page"), href=_href(choice, page=page - 1), rel="prev"))
    if page < pages:
        nav.append(html.A(_("Next page"), href=_href(choice, page=page + 1), rel="next"))
    return html.Div(className="page page-compare", children=[
        html.H1(_("Compare all plans")),
        html.P(_("Every response plan in the data, with what it asked for, what it received and what is "
                 "missing. A multi-country plan's total is its own (FTS) figure or the sum of its countries' "
                 "shares; the figures column says which."), className="lead"),
        form,
        html.P(summary, id=f"{PREFIX}summary", **{"aria-live": "polite"}),
        html.P([html.A(_("These plans as CSV"), href=csv_href, className="api-link"),
                " · " + _("Page {page} of {pages}").format(page=page, pages=pages)]),
        html.Div(_table(shown) if len(shown) else notice(_("No plans match this selection.")),
                 className="table-wrap"),
        html.Nav(nav, className="pager", **{"aria-label": _("Pages")}) if nav else None,
    ])


def csv_response() -> Response:
    """/funding/compare.csv: every plan the page's choices select (all pages), in the page's order."""
    from dashboard.web.exports import to_csv
    frame = rows(parse(request.args.to_dict(flat=True)))
    response = Response(to_csv(frame), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="fts_plans_compare.csv"'
    return response


def register(app: Any) -> None:
    import dash

    dash.register_page(__name__, path=PATH, name=_("Compare plans"), title=_("Compare all plans"), order=1.5,
                       layout=layout)
    app.server.add_url_rule("/funding/compare.csv", "funding_compare_csv", csv_response)
