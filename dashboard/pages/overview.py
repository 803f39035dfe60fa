"""/ : one crisis at a glance (default Venezuela 2019): the plan's people in need and targeted,
requirements, funding, % funded and unmet; migrants recorded dead and missing in the chosen period
and region group, and the nationalities most affected. Every number says its source and date."""
from __future__ import annotations

from datetime import date
from typing import Any, Mapping
from urllib.parse import urlencode

from dash import Output, dcc, html

from dashboard.data import Dataset, current_dataset
from dashboard.data.regions import groups as region_groups
from dashboard.i18n import N_, _, with_lang
from dashboard.pages.state import PageState
from dashboard.queries import (
    Filters,
    choose_plan,
    country_names,
    coverage,
    migration_totals,
    plan_countries,
    plan_figures,
    plan_rows,
)
from dashboard.queries.views import VIEWS
from dashboard.render import fmt
from dashboard.render.components import (
    Chart,
    chart_block,
    choice_field,
    download,
    download_options,
    field,
    kpi,
    lenient_filters,
    notice,
    page_top,
    register_chart_callbacks,
    render,
    source_text,
)
from dashboard.render.figures import deaths_by_origin, summary_origin
from dashboard.render.text import DEFINITIONS
from dashboard.web.params import to_pairs

PREFIX = "ov-"
PATH = "/"
DEFAULT = Filters(countries=("VEN",), years=(2019,), date_from=date(2019, 1, 1), date_to=date(2019, 12, 31),
                  region_groups=("Americas",))
PARAMS = ("country", "year", "plan_id", "date_from", "date_to", "region_group")
TOP = 5

CHART = Chart("origin", N_("Nationalities most affected"), VIEWS["mmp/deaths-by-origin"],
              lambda rows, **kw: deaths_by_origin(rows, top=TOP, **kw), summary_origin,
              N_("The largest groups by nationality as published; unknown and mixed are shown as such."))

COUNTRY, YEAR, PLAN, DATES, GROUP, HXL, FUNDING, MIGRATION, ISSUES = (
    f"{PREFIX}{k}" for k in ("country", "year", "plan", "dates", "group", "hxl", "funding", "migration", "issues"))
CONTROLS = [(COUNTRY, "value"), (YEAR, "value"), (PLAN, "value"), (DATES, "start_date"), (DATES, "end_date"),
            (GROUP, "value")]


def query_filters(query: Mapping[str, Any]) -> tuple[Filters, list[str]]:
    """Filters from the query string (lenient). A year without dates sets the period to that year;
    without plan_id the country's own plan for the year is chosen."""
    ds = current_dataset()
    # The default region group applies to the bare page only: a link with filters means what it says
    # (no region_group = every region), and the address always shows what was applied.
    f, messages, bad = lenient_filters(ds, query, PARAMS, DEFAULT, ("years", "countries"),
                                       _("the overview shows one country and one year; the first of each is used"))
    if "region_group" not in query and any(k in PARAMS and k not in bad for k in query):
        f = f.but(region_groups=())
    if "year" in query and f.years and "date_from" not in query and "date_to" not in query:
        f = f.but(date_from=date(f.years[0], 1, 1), date_to=date(f.years[0], 12, 31))
    if f.plan_ids and plan_figures(ds.tables["fts_plans"], f.plan_ids[0]) is None:
        messages.append(_("plan_id: there is no FTS plan with id {id} in the loaded data; the plan of the "
                          "country and year is shown").format(id=f.plan_ids[0]))
        f = f.but(plan_ids=())
    if not f.plan_ids:
        plan = choose_plan(ds.plans, f.countries[0] if f.countries else None,
                           f.years[0] if f.years else None)
        f = f.but(plan_ids=(plan,) if plan else ())
    return f, messages


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def controls_filters(values: dict[str, Any], trigger: str | None) -> Filters:
    """Filters from the controls; a new country or year picks that crisis's plan and period."""
    country, year = values[f"{COUNTRY}.value"], values[f"{YEAR}.value"]
    start, end = _date(values[f"{DATES}.start_date"]), _date(values[f"{DATES}.end_date"])
    plan = values[f"{PLAN}.value"]
    if trigger == YEAR and year:
        start, end = date(int(year), 1, 1), date(int(year), 12, 31)
    if trigger in (COUNTRY, YEAR):
        plan = choose_plan(current_dataset().plans, country, int(year) if year else None)
    if start and end and start > end:
        start, end = end, start
    group = values[f"{GROUP}.value"]
    return DEFAULT.but(countries=(country,) if country else (), years=(int(year),) if year else (),
                       plan_ids=(int(plan),) if plan else (), date_from=start, date_to=end,
                       region_groups=(group,) if group else ())


def filters_controls(f: Filters) -> dict[str, Any]:
    return {
        f"{COUNTRY}.value": f.countries[0] if f.countries else None,
        f"{YEAR}.value": f.years[0] if f.years else None,
        f"{PLAN}.value": f.plan_ids[0] if f.plan_ids else None,
        f"{DATES}.start_date": f.date_from.isoformat() if f.date_from else None,
        f"{DATES}.end_date": f.date_to.isoformat() if f.date_to else None,
        f"{GROUP}.value": f.region_groups[0] if f.region_groups else "",
    }


def plan_options(f: Filters) -> list[dict[str, Any]]:
    """The country's plans for the year (regional ones marked)."""
    rows = plan_rows(current_dataset().plans, Filters(countries=f.countries, years=f.years))
    return [{"label": f"{r.plan_name} ({r.plan_code})" + (f" – {_('regional')}" if r.is_regional else ""),
             "value": int(r.plan_id)} for r in rows.itertuples()]


def query_pairs(f: Filters) -> list[tuple[str, str]]:
    """Every applied filter, defaults included (a missing region_group means every region)."""
    return to_pairs(f, PARAMS) or [("region_group", "")]


STATE = PageState(PREFIX, CONTROLS, lambda q: query_filters(q)[0], controls_filters, filters_controls,
                  query_pairs, extras=[(PLAN, "options")],
                  extras_for=lambda f: [plan_options(f)])


def migration_filters(f: Filters) -> Filters:
    """The overview's period and region group as migration filters (the plan's country is not the
    country of incidents, so it is not applied); the period is cut to the data's coverage."""
    start, end = coverage.cut_end(coverage.of(current_dataset()), f.date_from, f.date_to)
    return Filters(date_from=start, date_to=end, region_groups=f.region_groups)


def _filters(country: Any, year: Any, plan: Any, start: Any, end: Any, group: Any) -> Filters:
    keys = [f"{c}.{p}" for c, p in CONTROLS]
    return controls_filters(dict(zip(keys, [country, year, plan, start, end, group])), None)


# ------------------------------------------------------------------------------------------ content


def funding_label(ds: Dataset, plan: Mapping[str, Any]) -> str:
    """'Funding', or for a plan still running when the data were retrieved 'Funding to date (retrieved …)'."""
    retrieved = ds.as_of("fts_plans")
    end = plan.get("end_date")
    try:
        running = bool(retrieved and end is not None and str(end)[:10] > retrieved)
    except TypeError:
        running = False
    if not running:
        return _("Funding")
    return _("Funding to date (retrieved {date})").format(date=fmt.day(date.fromisoformat(retrieved)))


def funding_cards(ds: Dataset, f: Filters) -> list[Any]:
    """Headline numbers of the selected plan, each with source, date and definition."""
    plan = plan_figures(ds.plans, f.plan_ids[0] if f.plan_ids else None)
    if plan is None:
        if f.plan_ids:  # an id from the address that no plan has: say that, not that the country has none
            return [html.H2(_("Humanitarian funding")),
                    notice(_("No FTS plan with id {id} in the loaded data.").format(id=f.plan_ids[0]))]
        country = f.countries[0] if f.countries else _("this country")
        year = f.years[0] if f.years else ""
        return [html.H2(_("Humanitarian funding")),
                notice(_("No FTS plan for {country} {year} in the loaded data.").format(country=country, year=year))]
    src = source_text(ds, ("fts_plans",))
    # the source is said once under the cards, not under each of them
    people_src = src if not plan.get("people_source") else _("{src} People figures: {how}.").format(
        src=src, how=fmt.published_source(plan["people_source"]))
    cards = [
        kpi(_("People in need"), fmt.integer(plan["people_in_need"]), _(DEFINITIONS["people_in_need"]), "",
            f"{PREFIX}kpi-pin"),
        kpi(_("People targeted"), fmt.integer(plan["people_targeted"]), _(DEFINITIONS["people_targeted"]), "",
            f"{PREFIX}kpi-targeted"),
        kpi(_("Requirements"), fmt.usd(plan["requirements_usd"]), _(DEFINITIONS["requirements_usd"]), "",
            f"{PREFIX}kpi-requirements"),
        kpi(funding_label(ds, plan), fmt.usd(plan["funding_usd"]), _(DEFINITIONS["funding_usd"]), "",
            f"{PREFIX}kpi-funding"),
        kpi(_("Funded"), fmt.percent(plan["percent_funded"]), _(DEFINITIONS["percent_funded"]), "",
            f"{PREFIX}kpi-percent"),
        kpi(_("Unmet requirements"), fmt.usd(plan["unmet_usd"]), _(DEFINITIONS["unmet_usd"]), "",
            f"{PREFIX}kpi-unmet"),
    ]
    link = f"/funding?country={plan['countries_iso3'].split(';')[0]}&plan_id={plan['plan_id']}" \
        if plan.get("countries_iso3") else f"/funding?plan_id={plan['plan_id']}"
    return [
        html.H2(_("Humanitarian funding: {name} ({code})").format(name=plan["plan_name"], code=plan["plan_code"] or "")),
        html.Div(cards, className="kpis"),
        html.P(people_src, className="source", id=f"{PREFIX}funding-source"),
        html.P(dcc.Link(_("Funding by year, cluster and donor →"), href=with_lang(link))),
    ]


def migration_cards(ds: Dataset, f: Filters) -> list[Any]:
    """Dead and missing in the period and region group, with source, date and definition."""
    mf = migration_filters(f)
    totals = ds.memo(("totals", mf), lambda: migration_totals(ds.cube, mf))
    src = source_text(ds, ("mmp_incidents", "mmp_deaths"))
    where = ", ".join(fmt.place(g) for g in mf.region_groups) if mf.region_groups else _("all regions")
    period = f"{fmt.day(mf.date_from) if mf.date_from else '…'} – {fmt.day(mf.date_to) if mf.date_to else '…'}"
    if mf.date_to and f.date_to and mf.date_to < f.date_to:  # the data end inside the chosen period
        period = _("{period} (partial: the data end on {last})").format(period=period, last=fmt.day(mf.date_to))
    cards = [
        kpi(_("Dead and missing"), fmt.integer(totals["dead_and_missing"]), _(DEFINITIONS["dead_and_missing"]), "",
            f"{PREFIX}kpi-dead-missing"),
        kpi(_("Dead"), fmt.integer(totals["dead"]), _(DEFINITIONS["dead"]), "", f"{PREFIX}kpi-dead"),
        kpi(_("Missing"), fmt.integer(totals["missing"]), _(DEFINITIONS["missing"]), "", f"{PREFIX}kpi-missing"),
        kpi(_("Incidents"), fmt.integer(totals["incidents"]), _(DEFINITIONS["incidents"]), "", f"{PREFIX}kpi-incidents"),
    ]
    link = "/migration?" + urlencode(to_pairs(mf, ("date_from", "date_to", "region_group")))
    return [
        html.H2(_("Migrants recorded dead and missing: {where}, {period}").format(where=where, period=period)),
        html.Div(cards, className="kpis"),
        html.P(src, className="source", id=f"{PREFIX}migration-source"),
        html.P(dcc.Link(_("By nationality, month, region, cause and on a map →"), href=with_lang(link))),
    ]


def layout(**query: Any) -> html.Div:
    """The page for this query string."""
    ds = current_dataset()
    f, messages = query_filters(query)
    values = filters_controls(f)
    names = ds.memo(("country-names",), lambda: country_names(ds.tables))
    countries = plan_countries(ds.plans)
    years = sorted(set(int(y) for y in ds.plans["year"]) | set(ds.options()["years"]), reverse=True)
    groups = sorted(set(ds.options()["region_groups"]) | set(region_groups()), key=lambda g: (g != "Americas", g))
    opts = ds.options()
    return html.Div(className="page page-overview", children=[
        *page_top(STATE, _("Crisis overview"), None, messages, ISSUES, _("Choose the crisis"), canonical=STATE.search(f),
                  controls=[
            field(_("Country"), dcc.Dropdown(id=COUNTRY, options=fmt.country_options(countries, names),
                                             value=values[f"{COUNTRY}.value"], clearable=False), COUNTRY),
            field(_("Year"), dcc.Dropdown(id=YEAR, options=[{"label": coverage.year_label(coverage.of(ds), y),
                                                             "value": y} for y in years],
                                          value=values[f"{YEAR}.value"], clearable=False), YEAR),
            field(_("Plan"), dcc.Dropdown(id=PLAN, options=plan_options(f), value=values[f"{PLAN}.value"],
                                          clearable=False, placeholder=_("No plan")), PLAN),
            field(_("Period for migrant deaths"), dcc.DatePickerRange(
                id=DATES, start_date=values[f"{DATES}.start_date"], end_date=values[f"{DATES}.end_date"],
                min_date_allowed=opts["date_min"], max_date_allowed=opts["date_max"], display_format="D MMM YYYY",
                first_day_of_week=1), DATES),
            choice_field(_("Region group"), dcc.RadioItems(
                id=GROUP, options=[{"label": _("All regions"), "value": ""}] +
                [{"label": fmt.place(g), "value": g} for g in groups], value=values[f"{GROUP}.value"],
                className="radio-row"),
                GROUP, _(DEFINITIONS["region_group"])),
            choice_field(_("Downloads"), dcc.Checklist(id=HXL, options=download_options(), value=[]), HXL,
                         radio=False),
        ]),
        html.Section(id=FUNDING, className="overview-block", children=funding_cards(ds, f)),
        html.Section(id=MIGRATION, className="overview-block", children=migration_cards(ds, f)),
        html.Div(className="charts", children=[chart_block(PREFIX, CHART)]),
    ])


# ------------------------------------------------------------------------------------------ callbacks


def update_cards(*values: Any) -> tuple[list[Any], list[Any]]:
    """Funding and migration headline numbers for the controls."""
    ds = current_dataset()
    f = _filters(*values)
    return funding_cards(ds, f), migration_cards(ds, f)


def update_chart(*values: Any) -> tuple[Any, ...]:
    return render(current_dataset(), CHART, migration_filters(_filters(*values)))


def download_chart(n_clicks: int, hxl: Any, *values: Any) -> dict[str, Any]:
    return download(current_dataset(), CHART, migration_filters(_filters(*values)), hxl=hxl or [])


def register(app: Any) -> None:
    import dash

    dash.register_page(__name__, path=PATH, name=_("Overview"), title=_("Crisis overview"), order=0, layout=layout)
    # the headline cards come with the chart's answer: one request for a filter change, not two
    register_chart_callbacks(app, PREFIX, [CHART.key], CONTROLS, HXL, lambda _key, *values: update_chart(*values),
                             lambda _key, n_clicks, hxl, *values: download_chart(n_clicks, hxl, *values),
                             also={CHART.key: ([Output(FUNDING, "children"), Output(MIGRATION, "children")],
                                               update_cards)}, state=STATE)
