"""/migration: migrants recorded dead and missing (IOM Missing Migrants Project), filtered by date
range, region group and region, nationality, cause and route; all filters live in the URL."""
from __future__ import annotations

from datetime import date
from typing import Any, Mapping

from dash import Output, dcc, html

from dashboard.data import Dataset, current_dataset
from dashboard.data.dataset import WARMERS
from dashboard.data.regions import groups as region_groups
from dashboard.i18n import LANGUAGES, N_, _, use_lang
from dashboard.pages.state import PageState
from dashboard.queries import Filters, coverage, period_note, undated_outside
from dashboard.queries.views import VIEWS
from dashboard.render import fmt
from dashboard.render.components import (
    Chart,
    chart_table,
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
    topojson_url,
)
from dashboard.render.figures import (
    deaths_by_cause,
    deaths_by_origin,
    deaths_by_region,
    deaths_trend,
    incident_map,
    summary_cause,
    summary_map,
    summary_origin,
    summary_region,
    summary_trend,
    undated_sentence,
)
from dashboard.render.text import DEFINITIONS
from dashboard.web.params import to_pairs

PREFIX = "mig-"
PATH = "/migration"
DEFAULT = Filters(date_from=date(2019, 1, 1), date_to=date(2019, 12, 31), region_groups=("Americas",), freq="month")
PARAMS = ("date_from", "date_to", "region_group", "region", "origin_iso3", "cause", "route", "freq")
ACCEPTED = set(PARAMS) | {"year"}

CHARTS = [
    Chart("origin", N_("Dead and missing by nationality"), VIEWS["mmp/deaths-by-origin"], deaths_by_origin,
          summary_origin, N_("An incident with several nationalities counts towards each of them, so the bars "
                             "can add up to more than the total, which counts it once. Unknown and mixed are their "
                             "own bars.")),
    Chart("trend", N_("Dead and missing over time"), VIEWS["mmp/trend"], deaths_trend, summary_trend),
    Chart("region", N_("Dead and missing by region of incident"), VIEWS["mmp/by-region"], deaths_by_region,
          summary_region),
    Chart("cause", N_("Dead and missing by cause of death"), VIEWS["mmp/by-cause"], deaths_by_cause, summary_cause),
    Chart("map", N_("Where incidents happened"), VIEWS["mmp/map-bins"], incident_map, summary_map,
          N_("Incidents are summed on a grid of cells (1° or coarser); circle area follows dead and missing.")),
]
CHART = {c.key: c for c in CHARTS}

# Control ids
YEAR, DATES, GROUP, REGION, ORIGIN, CAUSE, ROUTE, FREQ, HXL, NOTE, ISSUES = (
    f"{PREFIX}{k}" for k in ("year", "dates", "group", "region", "origin", "cause", "route", "freq", "hxl", "note",
                             "issues"))
CONTROLS = [(YEAR, "value"), (DATES, "start_date"), (DATES, "end_date"), (GROUP, "value"), (REGION, "value"),
            (ORIGIN, "value"), (CAUSE, "value"), (ROUTE, "value"), (FREQ, "value")]


def _year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def query_filters(query: Mapping[str, Any]) -> tuple[Filters, list[str]]:
    """Filters from the page's query string; bad values fall back to the defaults and are reported.

    `year=2019` is a shortcut for date_from=2019-01-01&date_to=2019-12-31 (unless dates are given).
    """
    return _query_filters(current_dataset(), query)


def _query_filters(ds: Dataset, query: Mapping[str, Any]) -> tuple[Filters, list[str]]:
    # The default period and region group apply to the bare page only: a link with filters means what it
    # says (no region_group = every region), and the address always shows what was applied.
    f, messages, bad = lenient_filters(ds, query, ACCEPTED, DEFAULT)
    if "region_group" not in query and any(k in ACCEPTED and k not in bad for k in query):
        f = f.but(region_groups=())
    if f.years:
        if "date_from" not in query and "date_to" not in query:
            f = f.but(date_from=_year_bounds(min(f.years))[0], date_to=_year_bounds(max(f.years))[1])
        f = f.but(years=())
    return f, messages


def _date(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def controls_filters(values: dict[str, Any], trigger: str | None) -> Filters:
    """Filters from the control values; picking a year sets the date range to that year."""
    start, end = _date(values[f"{DATES}.start_date"]), _date(values[f"{DATES}.end_date"])
    if trigger == YEAR and values[f"{YEAR}.value"]:
        start, end = _year_bounds(int(values[f"{YEAR}.value"]))
    if start and end and start > end:
        start, end = end, start
    group = values[f"{GROUP}.value"]
    return DEFAULT.but(
        date_from=start, date_to=end, region_groups=(group,) if group else (),
        regions=tuple(values[f"{REGION}.value"] or ()), origins=tuple(values[f"{ORIGIN}.value"] or ()),
        causes=tuple(values[f"{CAUSE}.value"] or ()), routes=tuple(values[f"{ROUTE}.value"] or ()),
        freq=values[f"{FREQ}.value"] or "month")


def filters_controls(f: Filters) -> dict[str, Any]:
    """Control values showing `f`."""
    whole_year = (f.date_from and f.date_to and f.date_from.year == f.date_to.year
                  and (f.date_from, f.date_to) == _year_bounds(f.date_from.year))
    return {
        f"{YEAR}.value": f.date_from.year if whole_year else None,
        f"{DATES}.start_date": f.date_from.isoformat() if f.date_from else None,
        f"{DATES}.end_date": f.date_to.isoformat() if f.date_to else None,
        f"{GROUP}.value": f.region_groups[0] if f.region_groups else "",
        f"{REGION}.value": list(f.regions), f"{ORIGIN}.value": list(f.origins),
        f"{CAUSE}.value": list(f.causes), f"{ROUTE}.value": list(f.routes), f"{FREQ}.value": f.freq,
    }


def query_pairs(f: Filters) -> list[tuple[str, str]]:
    """Every applied filter (trend by month is the default and left out); never empty, because an
    empty query string means the page's defaults."""
    return to_pairs(f, PARAMS, base=Filters(freq="month")) or [("region_group", "")]


STATE = PageState(PREFIX, CONTROLS, lambda q: query_filters(q)[0], controls_filters, filters_controls, query_pairs)


def _filters(start: Any, end: Any, group: Any, region: Any, origin: Any, cause: Any, route: Any,
             freq: Any) -> Filters:
    values = dict(zip([f"{c}.{p}" for c, p in CONTROLS],
                      [None, start, end, group, region, origin, cause, route, freq]))
    return controls_filters(values, None)


# ------------------------------------------------------------------------------------------ layout


def _region_options(group: str | None) -> list[dict[str, str]]:
    regions = current_dataset().options()["regions"]
    return [{"label": fmt.place(r) if not g or group else f"{fmt.place(r)} ({fmt.place(g)})", "value": r}
            for r, g in regions if not group or g == group]


def layout(**query: Any) -> html.Div:
    """The page for this query string."""
    ds = current_dataset()
    f, messages = query_filters(query)
    values = filters_controls(f)
    opts = ds.options()
    group_values = sorted(set(opts["region_groups"]) | set(region_groups()), key=lambda g: (g != "Americas", g))
    cov = coverage.of(ds)
    precision_hint = (_("Day precision (incident data).") if ds.precision == "day"
                      else _(DEFINITIONS["month_precision"]))
    return html.Div(className="page page-migration", children=[
        *page_top(STATE, _("Migrants recorded dead and missing"),
                  _("Counts from the IOM Missing Migrants Project. All figures are minimum estimates: many deaths "
                    "are never recorded."), messages, ISSUES, _("Filters"), canonical=STATE.search(f), controls=[
            field(_("Year"), dcc.Dropdown(id=YEAR, options=[{"label": coverage.year_label(cov, y), "value": y}
                                                            for y in opts["years"]],
                                          value=values[f"{YEAR}.value"], clearable=True, placeholder=_("Any")),
                  YEAR, _("Shortcut: sets the dates to the whole year.")),
            field(_("Dates"), dcc.DatePickerRange(
                id=DATES, start_date=values[f"{DATES}.start_date"], end_date=values[f"{DATES}.end_date"],
                min_date_allowed=opts["date_min"], max_date_allowed=opts["date_max"], display_format="D MMM YYYY",
                first_day_of_week=1, clearable=True, start_date_placeholder_text=_("From"),
                end_date_placeholder_text=_("To")), DATES, precision_hint),
            choice_field(_("Region group"), dcc.RadioItems(
                id=GROUP, options=[{"label": _("All regions"), "value": ""}] +
                [{"label": fmt.place(g), "value": g} for g in group_values], value=values[f"{GROUP}.value"],
                className="radio-row", inputClassName="radio-input"), GROUP, _(DEFINITIONS["region_group"])),
            field(_("Region"), dcc.Dropdown(id=REGION, options=_region_options(values[f"{GROUP}.value"]), multi=True,
                                            value=values[f"{REGION}.value"], placeholder=_("All regions in the group")),
                  REGION),
            field(_("Nationality"), dcc.Dropdown(
                id=ORIGIN, options=fmt.country_options([code for code, _name in opts["origins"]], dict(opts["origins"])),
                multi=True, value=values[f"{ORIGIN}.value"], placeholder=_("All nationalities")), ORIGIN,
                _("Includes incidents where this nationality was one of several.")),
            field(_("Cause of death"), dcc.Dropdown(id=CAUSE, options=[{"label": fmt.place(c), "value": c}
                                                                    for c in opts["causes"]], multi=True,
                                                    value=values[f"{CAUSE}.value"], placeholder=_("All causes")), CAUSE),
            field(_("Migration route"), dcc.Dropdown(id=ROUTE, options=[{"label": fmt.place(r), "value": r}
                                                                     for r in opts["routes"]], multi=True,
                                                     value=values[f"{ROUTE}.value"], placeholder=_("All routes")), ROUTE),
            choice_field(_("Trend by"), dcc.RadioItems(id=FREQ, options=[{"label": _("month"), "value": "month"},
                                                                  {"label": _("year"), "value": "year"}],
                                                value=values[f"{FREQ}.value"], className="radio-row"), FREQ),
            choice_field(_("Downloads"), dcc.Checklist(id=HXL, options=download_options(), value=[]), HXL,
                         radio=False),
        ]),
        html.Div(id=NOTE, **{"aria-live": "polite"}),
        html.Div(className="charts", children=[chart_block(PREFIX, c) for c in CHARTS]),
    ])


# ------------------------------------------------------------------------------------------ callbacks

FILTER_INPUTS = [(DATES, "start_date"), (DATES, "end_date"), (GROUP, "value"), (REGION, "value"), (ORIGIN, "value"),
                 (CAUSE, "value"), (ROUTE, "value"), (FREQ, "value")]


def update_chart(key: str, *values: Any) -> tuple[Any, ...]:
    """Figure, summary, table, source and API link of one chart for the control values."""
    ds = current_dataset()
    f = covered(ds, _filters(*values))
    empty = None
    if key == "map" and not ds.has("mmp_incidents"):
        empty = _("The map needs incident-level data with coordinates; the loaded data are monthly totals only "
                  "(ingest MMP incident files to see it).")
    if empty:  # the summary says why there is no map, not that the filters matched nothing
        figure, _summary, *rest = render(ds, CHART[key], f, empty_message=empty)
        return (figure, empty, *rest)
    figure, summary, *rest = render(ds, CHART[key], f)
    # what the date range leaves out, said once per chart (computed once per selection, not once per chart)
    undated = undated_sentence(_undated(ds, f))
    return (figure, f"{summary} {undated}" if undated else summary, *rest)


def download_chart(key: str, n_clicks: int, hxl: list[str] | None, *values: Any) -> dict[str, Any]:
    """The CSV of exactly the rows behind one chart."""
    ds = current_dataset()
    return download(ds, CHART[key], covered(ds, _filters(*values)), hxl=hxl or [])


def _undated(ds: Any, f: Filters) -> list[tuple[int, int]]:
    """`undated_outside` for `f`, once per selection (the chart callbacks and the note ask for it)."""
    return ds.memo(("undated_outside", f), lambda: undated_outside(ds.cube, f))


def warm(ds: Dataset) -> None:
    """Into ds.memo (see data.warm), for each year of the year menu, latest first, every chart's rows, its table
    in each language and the undated count, as picking the year on the page as it opens asks for them (the
    other filters at their defaults, through the same functions as the page's callback): the first year changes
    answer without querying, where a year not asked for before spent 12-15 ms of a 25-36 ms answer on its
    queries and tables (full IOM file)."""
    f, _messages = _query_filters(ds, {})
    opened = filters_controls(f)
    for year in sorted(ds.options()["years"], reverse=True):
        shown = filters_controls(controls_filters({**opened, f"{YEAR}.value": year}, YEAR))
        cut = covered(ds, _filters(*[shown[f"{cid}.{prop}"] for cid, prop in FILTER_INPUTS]))
        for chart in CHARTS:
            chart.view.rows(ds, cut)
            for lang in LANGUAGES:
                with use_lang(lang, explicit=False):
                    chart_table(ds, chart, cut)
        _undated(ds, cut)


def covered(ds: Any, f: Filters) -> Filters:
    """`f` with its period cut to the data's coverage: months after the data end are not drawn as zero."""
    start, end = coverage.cut_end(coverage.of(ds), f.date_from, f.date_to)
    return f.but(date_from=start, date_to=end)


def update_note(*values: Any) -> Any:
    """Say what the date range really counts when the data are coarser than the range, or end inside it."""
    ds = current_dataset()
    f = _filters(*values)
    partial = coverage.period_note(coverage.of(ds), f.date_from, f.date_to, f.freq)
    cut = covered(ds, f)
    note = period_note(ds.cube, cut, ds.precision, undated=_undated(ds, cut))
    if not note:
        return notice(partial, "info") if partial else None
    parts = [partial] if partial else []
    for first_day in note["cut_months"]:
        parts.append(_("Month precision: {a} to {b} includes all of {month}.").format(
            a=fmt.day(note["date_from"]) if note["date_from"] else "…", b=fmt.day(note["date_to"]) if note["date_to"]
            else "…", month=fmt.month(first_day)))
    if note["undated"]:
        parts.append(undated_sentence(note["undated"]) + " " +
                     _("They count in their year: choose the whole year to include them."))
    return notice(" ".join(parts), "info")


def update_regions(group: str | None) -> list[dict[str, str]]:
    """Region choices for the selected group."""
    return _region_options(group)


def register(app: Any) -> None:
    """Register the page and its callbacks on `app`: one callback for the URL sync and all the charts, whose
    answer also carries the period note and the region choices for the group."""
    import dash

    WARMERS["migration"] = warm
    dash.register_page(__name__, path=PATH, name=_("Migration"), title=_("Missing migrants"), order=2, layout=layout,
                       preload=(topojson_url() + "world_110m.json",))  # the map's base map
    register_chart_callbacks(app, PREFIX, [chart.key for chart in CHARTS], FILTER_INPUTS, HXL, update_chart,
                             download_chart, also={
                                 "origin": ([Output(NOTE, "children")], lambda *values: [update_note(*values)]),
                                 "region": ([Output(REGION, "options")], lambda start, end, group, *rest: [
                                     update_regions(group)])}, state=STATE)
