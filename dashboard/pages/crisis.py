"""/crisis?country=VEN&year=2019: one country on one time axis.

* the humanitarian plans that relate to it, all years: its own plans, regional plans for its people
  (named after it while their countries are the hosts, e.g. the RMRP for Venezuelans) and regional or
  global plans that include it, with the country's part where FTS breaks a plan down by location;
  published figures (not FTS data, e.g. the RMRP 2019) are hatched and labelled;
* its nationals recorded dead and missing per month (IOM MMP): "at least N" people of that
  nationality alone, and incidents with several nationalities including it beside them, never split;
* where they died in the chosen year: region, migration route and cause;
* a plain-language summary of the year, every number from the same rows as the charts
  (queries.crisis_facts -> figures.crisis_sentence).

Default view: Venezuela 2019 (as the overview: the year of Venezuela's first humanitarian response
plan and of the RMRP 2019, and the issue's reference case). For any other country without a year in
the URL, the latest year with both a related plan and recorded deaths of its nationals (else the
latest year with either). A bad or unknown country code is reported and the default view is shown.
"""
from __future__ import annotations

from typing import Any, Mapping

import pandas as pd
from dash import Output, dcc, html

from dashboard.data import Dataset, current_dataset
from dashboard.i18n import N_, _, current, lang_pairs, with_lang
from dashboard.pages.state import PageState
from dashboard.queries import Filters, crisis_default_year, crisis_facts, crisis_years, is_published_figure
from dashboard.queries.views import VIEWS, coco_short_names, country_label, country_name_variants
from dashboard.render import fmt
from dashboard.render.components import (
    Chart,
    api_href,
    chart_block,
    choice_field,
    download,
    download_options,
    field,
    lenient_filters,
    notice,
    page_top,
    register_chart_callbacks,
    source_text,
    table_json,
)
from dashboard.render.figures import (
    crisis_breakdown,
    crisis_plan_table,
    crisis_plans,
    crisis_sentence,
    crisis_trend,
    group_label,
    nationality,
    summary_crisis_breakdown,
    summary_crisis_plans,
    summary_crisis_trend,
    with_year,
)
from dashboard.render.text import DEFINITIONS, FIGURE_KIND_LABELS, RELATION_LABELS, RELATION_SHORT
from dashboard.web.params import to_pairs

PREFIX = "cr-"
PATH = "/crisis"
PARAMS = ("country", "year")
DEFAULT_COUNTRY = "VEN"
DEFAULT_YEARS = {"VEN": 2019}  # see the module docstring
DEFAULT = Filters(countries=(DEFAULT_COUNTRY,), years=(DEFAULT_YEARS[DEFAULT_COUNTRY],))

# key -> (chart, breakdown column or None); titles are set per country and year by the callbacks.
CHARTS = {
    "plans": Chart("plans", N_("Humanitarian plans, all years"), VIEWS["crisis/plans"], crisis_plans,
                   summary_crisis_plans, DEFINITIONS["relation"]),
    "trend": Chart("trend", N_("Dead and missing by month"), VIEWS["crisis/deaths-trend"], crisis_trend,
                   summary_crisis_trend, DEFINITIONS["crisis_multiple"]),
    "region": Chart("region", N_("Where: region of incident"), VIEWS["crisis/deaths-by-region"], crisis_breakdown,
                    summary_crisis_breakdown, DEFINITIONS["crisis_multiple"]),
    "route": Chart("route", N_("Where: migration route"), VIEWS["crisis/deaths-by-route"], crisis_breakdown,
                   summary_crisis_breakdown, DEFINITIONS["crisis_multiple"]),
    "cause": Chart("cause", N_("Cause of death"), VIEWS["crisis/deaths-by-cause"], crisis_breakdown,
                   summary_crisis_breakdown, DEFINITIONS["crisis_multiple"]),
}
BREAKDOWN_KEY = {"region": "region", "route": "migration_route", "cause": "cause_of_death"}
TITLES = {
    "plans": N_("Humanitarian plans related to {country}, all years"),
    "trend": N_("{people} dead and missing, by month"),
    "region": N_("Where {people} died or went missing in {year}: region"),
    "route": N_("{people} dead and missing in {year}, by migration route"),
    "cause": N_("{people} dead and missing in {year}, by cause of death"),
}
TITLES_NO_YEAR = {  # a country without any data has no year
    "region": N_("Where {people} died or went missing: region"),
    "route": N_("{people} dead and missing, by migration route"),
    "cause": N_("{people} dead and missing, by cause of death"),
}

COUNTRY, YEAR, HXL, ISSUES, SUMMARY, PLANS_YEAR = (
    f"{PREFIX}{k}" for k in ("country", "year", "hxl", "issues", "summary-section", "plans-year"))
SENTENCE = f"{PREFIX}sentence"
CONTROLS = [(COUNTRY, "value"), (YEAR, "value")]


# ------------------------------------------------------------------------------------------ state


def known_country(ds: Dataset, code: str) -> bool:
    """True for a code country_converter knows or the data use."""
    return code in country_name_variants(ds) or code in coco_short_names()


def plan_filters(country: str) -> Filters:
    return Filters(countries=(country,))


def trend_filters(country: str) -> Filters:
    return Filters(origins=(country,))


def year_filters(country: str, year: int | None) -> Filters:
    return Filters(origins=(country,), years=(year,) if year is not None else ())


def _years(ds: Dataset, country: str) -> dict[str, list[int]]:
    return crisis_years(VIEWS["crisis/plans"].rows(ds, plan_filters(country)),
                        VIEWS["crisis/deaths-trend"].rows(ds, trend_filters(country)))


def default_year(ds: Dataset, country: str) -> int | None:
    """2019 for Venezuela; otherwise the latest year with a related plan and recorded deaths (see above)."""
    if country in DEFAULT_YEARS:
        return DEFAULT_YEARS[country]
    return crisis_default_year(VIEWS["crisis/plans"].rows(ds, plan_filters(country)),
                               VIEWS["crisis/deaths-trend"].rows(ds, trend_filters(country)))


def query_filters(query: Mapping[str, Any]) -> tuple[Filters, list[str]]:
    """Filters from the query string (lenient): one country, one year; bad values are reported and
    the default view (Venezuela 2019) is shown instead."""
    ds = current_dataset()
    f, messages, bad = lenient_filters(ds, query, PARAMS, DEFAULT, ("countries", "years"),
                                       _("this page shows one country and one year; the first of each is used"))
    country_ok = bool(f.countries) and known_country(ds, f.countries[0])
    if f.countries and not country_ok:
        messages.append(_("country: unknown country code {code!r}; showing {name} instead").format(
            code=f.countries[0], name=country_label(ds, DEFAULT_COUNTRY)))
    if not country_ok or "country" in bad:
        return DEFAULT, messages
    if "year" not in query or "year" in bad or not f.years:
        year = default_year(ds, f.countries[0])
        f = f.but(years=(year,) if year is not None else ())
    return f, messages


def controls_filters(values: dict[str, Any], trigger: str | None) -> Filters:
    """Filters from the controls; a new country keeps the year when it has data that year, else
    opens on its default year."""
    ds = current_dataset()
    country = values[f"{COUNTRY}.value"] or DEFAULT_COUNTRY
    year = values[f"{YEAR}.value"]
    year = int(year) if year not in (None, "") else None
    if trigger == COUNTRY:
        years = _years(ds, country)
        if year not in set(years["plans"]) | set(years["deaths"]):
            year = default_year(ds, country)
    return Filters(countries=(country,), years=(year,) if year is not None else ())


def filters_controls(f: Filters) -> dict[str, Any]:
    return {f"{COUNTRY}.value": f.countries[0] if f.countries else DEFAULT_COUNTRY,
            f"{YEAR}.value": f.years[0] if f.years else None}


def year_options(f: Filters) -> list[dict[str, Any]]:
    """Years with a related plan or a recorded death of the country's nationals (and the chosen one)."""
    ds = current_dataset()
    country = f.countries[0] if f.countries else DEFAULT_COUNTRY
    years = _years(ds, country)
    plans, deaths = set(years["plans"]), set(years["deaths"])
    choices = plans | deaths | set(f.years)
    if not choices:
        choices = set(ds.options()["years"]) | {int(y) for y in ds.plans["year"]}
    out = []
    for y in sorted(choices, reverse=True):
        what = (_("plans and deaths") if y in plans and y in deaths else _("plans") if y in plans
                else _("deaths") if y in deaths else _("no data"))
        out.append({"label": f"{y} ({what})", "value": y})
    return out


STATE = PageState(PREFIX, CONTROLS, lambda q: query_filters(q)[0], controls_filters, filters_controls,
                  lambda f: to_pairs(f, PARAMS, base=DEFAULT), extras=[(YEAR, "options")],
                  extras_for=lambda f: [year_options(f)])


def _selection(country: Any, year: Any) -> tuple[str, int | None]:
    f = controls_filters({f"{COUNTRY}.value": country, f"{YEAR}.value": year}, None)
    return f.countries[0], (f.years[0] if f.years else None)


def country_options(ds: Dataset) -> list[dict[str, str]]:
    """Every country (ISO3 picker): country_converter's list and any code in the data, by name."""
    codes = set(coco_short_names()) | set(country_name_variants(ds))
    return fmt.country_options(codes, {c: country_label(ds, c) for c in codes})


# ------------------------------------------------------------------------------------------ content


def facts_for(ds: Dataset, country: str, year: int | None) -> dict[str, Any]:
    """The summary's facts, from the very rows the plans, region and cause charts draw."""
    yf = year_filters(country, year)
    return crisis_facts(VIEWS["crisis/plans"].rows(ds, plan_filters(country)),
                        VIEWS["crisis/deaths-by-region"].rows(ds, yf),
                        VIEWS["crisis/deaths-by-cause"].rows(ds, yf), country, year)


def sentence_for(ds: Dataset, country: str, year: int | None) -> str:
    return crisis_sentence(facts_for(ds, country, year), country_label(ds, country))


def summary_section(ds: Dataset, country: str, year: int | None) -> list[Any]:
    """Heading, the generated summary and its sources (FTS, published figures, IOM MMP, with dates)."""
    name = country_label(ds, country)
    facts = facts_for(ds, country, year)
    sources = [source_text(ds, ("fts_plans", "fts_plan_locations")),
               source_text(ds, ("mmp_incidents", "mmp_deaths"))]
    published = sorted({p["figures_source"] for p in facts["regional"] if p["published"]}
                       | ({s for s in facts["own"]["sources"] if is_published_figure(s)} if facts["own"] else set()))
    if published:
        sources.insert(1, _("Published figures (not FTS data): {sources}.").format(sources="; ".join(
            s.split(":", 1)[1].strip() if ":" in s else s for s in published)))
    heading = _("{country} in {year}").format(country=name, year=year) if year is not None else name
    return [
        html.H2(heading),
        html.P(crisis_sentence(facts, name), id=SENTENCE, className="crisis-sentence", **{"aria-live": "polite"}),
        html.P(" ".join(sources), className="source"),
        html.P([dcc.Link(_("Funding by cluster and donor →"), href=with_lang(f"/funding?country={country}")), " ",
                dcc.Link(_("All nationalities and a map →"),
                         href=with_lang(f"/migration?origin_iso3={country}" + (f"&year={year}" if year else "")
                                        + "&region_group="))],  # every region: the same people as here
               className="crisis-links"),
    ]


def _dl(items: list[tuple[str, str, str | None]]) -> html.Dl:
    children: list[Any] = []
    for label, value, definition in items:
        figure = len(value) < 24 and any(ch.isdigit() for ch in value)  # a figure never breaks inside (CSS)
        children += [html.Dt(label, title=definition), html.Dd(value, className="figure" if figure else None)]
    return html.Dl(children)


def plan_card(row: pd.Series, country: str) -> html.Article:
    """One plan of the year: relation, FTS or published figure, the numbers, the source."""
    published = row["figure_kind"] == "published figure"
    code = "" if fmt.is_missing(row["plan_code"]) else f" ({row['plan_code']})"
    items = [
        (_("Requirements"), fmt.usd(row["requirements_usd"]), _(DEFINITIONS["requirements_usd"])),
        (_("Funding"), fmt.usd(row["funding_usd"]), _(DEFINITIONS["funding_usd"])),
        (_("Funded"), fmt.percent(row["percent_funded"]), _(DEFINITIONS["percent_funded"])),
        (_("Unmet"), fmt.usd(row["unmet_usd"]), _(DEFINITIONS["unmet_usd"])),
        (_("People in need"), fmt.integer(row["people_in_need"]), _(DEFINITIONS["people_in_need"])),
        (_("People targeted"), fmt.integer(row["people_targeted"]), _(DEFINITIONS["people_targeted"])),
    ]
    if not fmt.is_missing(row["country_requirements_usd"]) and row["relation"] != "country":
        part = _("{amount} of the requirements ({share})").format(amount=fmt.usd(row["country_requirements_usd"]),
                                                                  share=fmt.percent(row["country_share_percent"]))
    elif row["relation"] == "named":
        part = _("not applicable: the plan serves {people} in the host countries").format(
            people=nationality(str(row["country_iso3"]), country))
    elif row["relation"] == "covers":
        part = _("no per-country breakdown in FTS for this plan")
    else:
        part = None
    if part is not None:
        items.append((_("{country}'s part").format(country=country), part, _(DEFINITIONS["country_share_percent"])))
    notes = [html.P(_("Relation: {relation}.").format(relation=_(RELATION_LABELS[str(row["relation"])])),
                    className="relation"),
             html.P(_("Figures: {source}").format(source=fmt.published_source(row["figures_source"])), className="source")]
    if not fmt.is_missing(row["people_source"]) and is_published_figure(row["people_source"]) and not published:
        notes.append(html.P(_("People figures: {source}").format(source=row["people_source"]), className="source"))
    badges = [html.Span(_(RELATION_SHORT[str(row["relation"])]), className=f"badge badge-{row['relation']}",
                        title=_(RELATION_LABELS[str(row["relation"])]))]
    if published:
        badges.append(html.Span(_(FIGURE_KIND_LABELS["published figure"]), className="badge badge-published"))
    return html.Article(className="crisis-plan" + (" crisis-plan-published" if published else ""), children=[
        html.H3(f"{row['plan_name']}{code}"), html.Div(badges, className="badges"), _dl(items), *notes])


def plans_year_section(ds: Dataset, country: str, year: int | None) -> list[Any]:
    name = country_label(ds, country)
    rows = VIEWS["crisis/plans"].rows(ds, plan_filters(country))
    rows = rows[rows["year"] == year] if year is not None else rows.iloc[:0]
    heading = html.H2(_("Plans in {year}").format(year=year) if year is not None else _("Plans"))
    if rows.empty:
        return [heading, notice(_("No humanitarian plan related to {country} in {year} in the loaded data.").format(
            country=name, year=year if year is not None else ""))]
    return [heading, html.Div([plan_card(r, name) for _i, r in rows.iterrows()], className="crisis-plan-grid")]


def _x_range(ds: Dataset, country: str) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The shared time axis: 1 Jan of the first year with a plan or a death to 31 Dec of the last."""
    years = _years(ds, country)
    every = years["plans"] + years["deaths"]
    if not every:
        return None
    return pd.Timestamp(min(every), 1, 1), pd.Timestamp(max(every), 12, 31)


def chart_filters(key: str, country: str, year: int | None) -> Filters:
    if key == "plans":
        return plan_filters(country)
    if key == "trend":
        return trend_filters(country)
    return year_filters(country, year)


def _every_year(ds: Dataset, key: str, country: str) -> tuple[Any, ...]:
    """The plan or trend chart of a country (every year; `year` only shades one of them): figure without
    the shading, summary, table, source and API link, built once per country and language for this load."""
    def build() -> tuple[Any, ...]:
        chart = CHARTS[key]
        f = chart_filters(key, country, None)
        rows = chart.view.rows(ds, f)
        name = country_label(ds, country)
        if key == "plans":
            fig = crisis_plans(rows, x_range=_x_range(ds, country), country=name)
            summary = summary_crisis_plans(rows, name)
            table = crisis_plan_table(rows, name)
        else:
            fig = crisis_trend(rows, x_range=_x_range(ds, country), code=country, country=name)
            summary = summary_crisis_trend(rows, country, name)
            table = rows[(rows["dead_and_missing"] != 0) | (rows["incidents"] != 0)]
            table = table.assign(origin_group=[group_label(g, country, name) for g in table["origin_group"]])
        return fig, summary, table_json(table), source_text(ds, chart.view.tables), api_href(chart.view, f)
    return ds.memo(("crisis every year", key, country, current(), tuple(lang_pairs())), build)


def render_chart(ds: Dataset, key: str, country: str, year: int | None) -> tuple[Any, ...]:
    """Figure, summary, table, source, API link and title of one chart, all from one query."""
    chart = CHARTS[key]
    name = country_label(ds, country)
    people = nationality(country, name)
    template = TITLES[key] if year is not None or key not in TITLES_NO_YEAR else TITLES_NO_YEAR[key]
    title = _(template).format(country=name, people=people[:1].upper() + people[1:] if key != "region" else people,
                               year=year)
    if key in ("plans", "trend"):
        fig, *rest = _every_year(ds, key, country)
        return (with_year(fig, year), *rest, title)
    f = chart_filters(key, country, year)
    rows = chart.view.rows(ds, f)
    column = BREAKDOWN_KEY[key]
    fig = crisis_breakdown(rows, column, country, name)
    summary = summary_crisis_breakdown(rows, column, country, name)
    table = rows.assign(origin_group=[group_label(g, country, name) for g in rows["origin_group"]])
    return (fig, summary, table_json(table), source_text(ds, chart.view.tables), api_href(chart.view, f), title)


def layout(**query: Any) -> html.Div:
    """The page for this query string."""
    ds = current_dataset()
    f, messages = query_filters(query)
    country, year = f.countries[0], (f.years[0] if f.years else None)
    values = filters_controls(f)
    blocks = []
    for key, chart in CHARTS.items():
        block = chart_block(PREFIX, chart)
        block.className = "chart chart-wide" if key in ("plans", "trend") else "chart"
        blocks.append(block)
    return html.Div(className="page page-crisis", children=[
        *page_top(STATE, _("Crisis: humanitarian plans and migrant deaths for one country"),
                  _("The plans for a country, for its people abroad and for its region, and its nationals recorded "
                    "dead or missing on migration routes, on one time axis."), messages, ISSUES,
                  _("Choose the country and year"), canonical=STATE.canonical(to_pairs(f, PARAMS)), controls=[
            field(_("Country"), dcc.Dropdown(id=COUNTRY, options=country_options(ds), value=values[f"{COUNTRY}.value"],
                                             clearable=False, searchable=True), COUNTRY,
                  _("Any country: type its name or ISO3 code; plans and deaths are shown where the data have them.")),
            field(_("Year"), dcc.Dropdown(id=YEAR, options=year_options(f), value=values[f"{YEAR}.value"],
                                          clearable=False, placeholder=_("No year with data")), YEAR,
                  _("The year of the summary, the plan cards and the 'where' charts; shaded in the time charts.")),
            choice_field(_("Downloads"), dcc.Checklist(id=HXL, options=download_options(), value=[]), HXL,
                         radio=False),
        ]),
        html.Section(id=SUMMARY, className="crisis-summary", children=summary_section(ds, country, year)),
        html.Section(id=PLANS_YEAR, className="crisis-plans-year", children=plans_year_section(ds, country, year)),
        html.Div(className="charts crisis-charts", children=blocks),
    ])


# ------------------------------------------------------------------------------------------ callbacks


def update_content(country: Any, year: Any) -> tuple[list[Any], list[Any]]:
    """The summary and the plan cards for the controls."""
    ds = current_dataset()
    c, y = _selection(country, year)
    return summary_section(ds, c, y), plans_year_section(ds, c, y)


def update_chart(key: str, country: Any, year: Any) -> tuple[Any, ...]:
    c, y = _selection(country, year)
    return render_chart(current_dataset(), key, c, y)


def download_chart(key: str, n_clicks: int, hxl: Any, country: Any, year: Any) -> dict[str, Any]:
    c, y = _selection(country, year)
    return download(current_dataset(), CHARTS[key], chart_filters(key, c, y), hxl=hxl or [])


def register(app: Any) -> None:
    """The page and its one callback: the URL sync and all the charts, whose answer also carries the summary
    and the plan cards (one request on a change of country or year)."""
    import dash

    dash.register_page(__name__, path=PATH, name=_("Crisis"), title=_("Crisis: plans and migrant deaths"), order=0.5,
                       layout=layout)
    register_chart_callbacks(app, PREFIX, list(CHARTS), CONTROLS, HXL, update_chart, download_chart,
                             extra_children=("title",),
                             also={"plans": ([Output(SUMMARY, "children"), Output(PLANS_YEAR, "children")],
                                             update_content)}, state=STATE)
