"""/funding: requirements vs funding per plan over the years, and for one plan its coverage by cluster,
its donors and its funding over time (OCHA Financial Tracking Service). Filters live in the URL."""
from __future__ import annotations

from typing import Any, Mapping

from dash import Output, dcc, html

from dashboard.data import Dataset, current_dataset
from dashboard.i18n import N_, _, current
from dashboard.pages.state import PageState
from dashboard.queries import (
    Filters,
    choose_plan,
    country_names,
    default_plans,
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
    lenient_filters,
    notice,
    page_top,
    register_chart_callbacks,
    render,
)
from dashboard.render.figures import (
    cluster_coverage,
    funding_timeline,
    requirements_vs_funding,
    summary_clusters,
    summary_donors,
    summary_requirements,
    summary_timeline,
    top_donors,
)
from dashboard.render.text import DEFINITIONS
from dashboard.web.params import to_pairs

PREFIX = "fund-"
PATH = "/funding"
DEFAULT = Filters(countries=("VEN",), include_regional=False, cluster_type="cluster")
PARAMS = ("country", "year", "plan_id", "regional", "cluster_type")

CHARTS = [
    Chart("plans", N_("Requirements and funding per plan"), VIEWS["fts/plans"], requirements_vs_funding,
          summary_requirements, N_("Each bar is a plan's requirements: the funded part and the unmet rest.")),
    Chart("clusters", N_("Coverage by cluster"), VIEWS["fts/clusters"], cluster_coverage, summary_clusters,
          DEFINITIONS["cluster_row_type"]),
    Chart("donors", N_("Top donors"), VIEWS["fts/donors"], top_donors, summary_donors, DEFINITIONS["share_percent"]),
    Chart("timeline", N_("Funding over time"), VIEWS["fts/funding-timeline"], funding_timeline, summary_timeline,
          N_("Cumulative paid and committed funding by flow date; pledges are not included.")),
]
CHART = {c.key: c for c in CHARTS}

COUNTRY, YEARS, PLAN, REGIONAL, CLUSTER_TYPE, HXL, HEADING, ISSUES = (
    f"{PREFIX}{k}" for k in ("country", "years", "plan", "regional", "cluster-type", "hxl", "heading", "issues"))
CONTROLS = [(COUNTRY, "value"), (YEARS, "value"), (PLAN, "value"), (REGIONAL, "value"), (CLUSTER_TYPE, "value")]


def _default_plan(ds: Dataset, country: str | None, years: tuple[int, ...]) -> int | None:
    """The country's plan to open on: its latest own plan that has a cluster breakdown (so the page opens
    on a view with data), else its latest own plan."""
    with_clusters = ds.memo(("plans-with-clusters",), lambda: frozenset(
        int(p) for p in ds.tables["fts_clusters"]["plan_id"].unique()))
    year = max(years) if years else None
    if year is None and country and ";" not in country:  # every country's at once, the first time one is asked
        return ds.memo(("default plans",), lambda: default_plans(ds.tables["fts_plans"], with_clusters)).get(country)
    return ds.memo(("default plan", country, year), lambda: choose_plan(ds.tables["fts_plans"], country, year,
                                                                       prefer=with_clusters))


def query_filters(query: Mapping[str, Any]) -> tuple[Filters, list[str]]:
    """Filters from the query string (lenient); without plan_id the country's latest own plan."""
    ds = current_dataset()
    f, messages, _bad = lenient_filters(ds, query, PARAMS, DEFAULT, ("countries", "plan_ids"),
                                        _("this page shows one country and one plan; the first of each is used"))
    if not f.plan_ids:
        plan = _default_plan(ds, f.countries[0] if f.countries else None, f.years)
        f = f.but(plan_ids=(plan,) if plan else ())
    return f, messages


def controls_filters(values: dict[str, Any], trigger: str | None) -> Filters:
    """Filters from the controls; a new country (or years that exclude the plan) picks a new plan."""
    ds = current_dataset()
    country = values[f"{COUNTRY}.value"]
    years = tuple(sorted(int(y) for y in values[f"{YEARS}.value"] or ()))
    plan = values[f"{PLAN}.value"]
    if trigger == COUNTRY or (trigger == YEARS and plan is not None and years and
                              int(plan) not in set(plan_rows(ds.tables["fts_plans"], Filters(years=years))["plan_id"])):
        plan = _default_plan(ds, country, years)
    return DEFAULT.but(countries=(country,) if country else (), years=years, plan_ids=(int(plan),) if plan else (),
                       include_regional="regional" in (values[f"{REGIONAL}.value"] or []),
                       cluster_type=values[f"{CLUSTER_TYPE}.value"] or "cluster")


def filters_controls(f: Filters) -> dict[str, Any]:
    return {
        f"{COUNTRY}.value": f.countries[0] if f.countries else None,
        f"{YEARS}.value": list(f.years),
        f"{PLAN}.value": f.plan_ids[0] if f.plan_ids else None,
        f"{REGIONAL}.value": ["regional"] if f.include_regional else [],
        f"{CLUSTER_TYPE}.value": f.cluster_type,
    }


def plan_options(f: Filters) -> list[dict[str, Any]]:
    """Plans of the country within the years (regional plans marked, always selectable); kept per country,
    years and language for the load (read-only)."""
    ds = current_dataset()

    def build() -> list[dict[str, Any]]:
        rows = plan_rows(ds.tables["fts_plans"], Filters(countries=f.countries, years=f.years))
        return [{"label": f"{r.year} {r.plan_code or ''} – {r.plan_name}" +
                 (f" ({_('regional')})" if r.is_regional else ""), "value": int(r.plan_id)}
                for r in rows.sort_values("year", ascending=False).itertuples()]
    return ds.memo(("plan options", f.countries, f.years, current()), build)


STATE = PageState(PREFIX, CONTROLS, lambda q: query_filters(q)[0], controls_filters, filters_controls,
                  lambda f: to_pairs(f, PARAMS, base=DEFAULT), extras=[(PLAN, "options")],
                  extras_for=lambda f: [plan_options(f)])


def _filters(country: Any, years: Any, plan: Any, regional: Any, cluster_type: Any) -> Filters:
    keys = [f"{c}.{p}" for c, p in CONTROLS]
    return controls_filters(dict(zip(keys, [country, years, plan, regional, cluster_type])), None)


def chart_filters(key: str, f: Filters) -> Filters:
    """What each chart is about: the plans over the years, or the one selected plan."""
    if key == "plans":
        return Filters(countries=f.countries, years=f.years, include_regional=f.include_regional)
    plan = f.plan_ids[:1]
    if key == "clusters":
        return Filters(plan_ids=plan, cluster_type=f.cluster_type)
    return Filters(plan_ids=plan)


def _plan(ds: Dataset, f: Filters) -> dict[str, Any] | None:
    """plan_figures of the selected plan, kept per plan for the load (read-only): every chart's empty
    message and the heading name it, each filter change."""
    plan_id = f.plan_ids[0] if f.plan_ids else None
    return ds.memo(("plan figures", plan_id), lambda: plan_figures(ds.tables["fts_plans"], plan_id))


def empty_message(ds: Dataset, key: str, f: Filters) -> str | None:
    """An honest message naming the plan when a breakdown is absent from the data."""
    if key == "plans":
        return _("No plans for this country and years in the loaded data.")
    plan = _plan(ds, f)
    label = f"{plan['plan_code'] or plan['plan_name']} ({plan['year']})" if plan else _("the selected plan")
    if key == "clusters":
        return _("No cluster breakdown in this data for {plan}.").format(plan=label)
    if key == "donors":
        return _("No donor breakdown in this data for {plan}.").format(plan=label)
    if not ds.has("fts_flows"):
        return _("Funding over time needs flow-level data, which the loaded data do not have "
                 "(the bundled snapshot holds aggregates only).")
    return _("No dated paid or committed flows for {plan} in the loaded data.").format(plan=label)


# ------------------------------------------------------------------------------------------ layout


def heading(ds: Dataset, f: Filters) -> list[Any]:
    plan = _plan(ds, f)
    if plan is None:
        return [notice(_("No plan selected: there is no FTS plan for this country in the loaded data."))]
    return [html.P(_("Breakdowns below are for {name} ({code}, {year}).").format(
        name=plan["plan_name"], code=plan["plan_code"] or plan["plan_id"], year=plan["year"]), className="lead")]


def layout(**query: Any) -> html.Div:
    """The page for this query string."""
    ds = current_dataset()
    f, messages = query_filters(query)
    values = filters_controls(f)
    names = ds.memo(("country-names",), lambda: country_names(ds.tables))
    plans = ds.tables["fts_plans"]
    country_plans = plan_rows(plans, Filters(countries=f.countries))
    years = sorted({int(y) for y in country_plans["year"]}, reverse=True)
    return html.Div(className="page page-funding", children=[
        *page_top(STATE, _("Humanitarian funding"), None, messages, ISSUES, _("Filters"),
                  canonical=STATE.canonical(to_pairs(f, PARAMS)), controls=[
            field(_("Country"), dcc.Dropdown(id=COUNTRY, options=fmt.country_options(plan_countries(plans), names),
                                             value=values[f"{COUNTRY}.value"], clearable=False), COUNTRY),
            field(_("Years"), dcc.Dropdown(id=YEARS, options=[{"label": str(y), "value": y} for y in years],
                                           value=values[f"{YEARS}.value"], multi=True, placeholder=_("All years")),
                  YEARS),
            field(_("Plan (for the breakdowns)"), dcc.Dropdown(id=PLAN, options=plan_options(f),
                                                               value=values[f"{PLAN}.value"], clearable=False), PLAN),
            choice_field(_("Regional plans"), dcc.Checklist(
                id=REGIONAL, options=[{"label": _("include regional plans in the yearly chart"), "value": "regional"}],
                value=values[f"{REGIONAL}.value"]), REGIONAL,
                _("A regional plan's requirements cover several countries."), radio=False),
            choice_field(_("Clusters"), dcc.RadioItems(id=CLUSTER_TYPE, options=[
                {"label": _("plan clusters"), "value": "cluster"},
                {"label": _("global clusters"), "value": "globalcluster"}], value=values[f"{CLUSTER_TYPE}.value"],
                className="radio-row"), CLUSTER_TYPE),
            choice_field(_("Downloads"), dcc.Checklist(id=HXL, options=download_options(), value=[]), HXL,
                         radio=False),
        ]),
        html.Div(id=HEADING, children=heading(ds, f)),
        html.Div(className="charts", children=[chart_block(PREFIX, c) for c in CHARTS]),
    ])


# ------------------------------------------------------------------------------------------ callbacks


def update_chart(key: str, *values: Any) -> tuple[Any, ...]:
    """Figure, summary, table, source and API link of one chart for the control values."""
    ds = current_dataset()
    f = _filters(*values)
    return render(ds, CHART[key], chart_filters(key, f), empty_message=empty_message(ds, key, f))


def download_chart(key: str, n_clicks: int, hxl: Any, *values: Any) -> dict[str, Any]:
    return download(current_dataset(), CHART[key], chart_filters(key, _filters(*values)), hxl=hxl or [])


def update_heading(*values: Any) -> list[Any]:
    return heading(current_dataset(), _filters(*values))


def register(app: Any) -> None:
    """The page and its one callback: the URL sync and all the charts, whose answer also carries the plan
    heading."""
    import dash

    dash.register_page(__name__, path=PATH, name=_("Funding"), title=_("Humanitarian funding"), order=1,
                       layout=layout)
    register_chart_callbacks(app, PREFIX, [chart.key for chart in CHARTS], CONTROLS, HXL, update_chart, download_chart,
                             also={"plans": ([Output(HEADING, "children")], lambda *values: [update_heading(*values)])},
                             state=STATE)
