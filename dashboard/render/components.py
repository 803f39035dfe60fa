"""Building blocks shared by the pages: the chart block (graph, summary, table view, download,
source line), headline numbers with source and definition, and the thin render/download helpers
the callbacks call. Knows Dash, but not Flask or the data layout.
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urlencode

import pandas as pd
from dash import Input, Output, State, dcc, get_asset_url, html

from dashboard.data import Dataset, current_dataset, has_retrieval_date
from dashboard.i18n import _, current, lang_pairs
from dashboard.queries import Filters
from dashboard.queries.views import View, known_values
from dashboard.render import fmt, prefill
from dashboard.render.figures.builder import Figure
from dashboard.render.shown import forget as forget_digests
from dashboard.render.shown import remember as remember_digests
from dashboard.render.text import COLUMN_LABELS, DEFINITIONS, SOURCES
from dashboard.render.theme import GRAPH_CONFIG
from dashboard.web import exports
from dashboard.web.params import describe, parse, to_pairs

TABLE_ROWS = 300
ANSWERS_CACHED = 16  # page answers kept (AnswerCache): every chart of a page for one selection


@dataclass(frozen=True)
class Chart:
    """A chart on a page: the view its rows come from, the figure and the summary drawn from them."""

    key: str
    title: str
    view: View
    figure: Callable[..., Figure]
    summary: Callable[..., str]
    help: str = ""


def ids(prefix: str, key: str) -> dict[str, str]:
    """Component ids of one chart block, prefixed per page."""
    base = f"{prefix}{key}"
    return {name: f"{base}-{name}" for name in ("title", "graph", "summary", "table", "csv", "download", "api",
                                                 "source", "tools")}


def topojson_url() -> str:
    """Where plotly.js fetches base maps (`<url>world_110m.json`): our own assets, no CDN."""
    try:
        return str(get_asset_url("topojson/"))
    except Exception:  # outside a running app (unit tests): the default assets path
        return "/assets/topojson/"


def graph_config() -> dict[str, Any]:
    """dcc.Graph config: responsive, base maps from our own assets (no CDN), and plotly's locale in
    the page's language (Spanish month names on date axes, modebar tooltips; the partial plotly.js
    bundle registers `es`; the full one of HUMDASH_FULL_PLOTLYJS=1 does not and stays in English)."""
    config = {**GRAPH_CONFIG, "topojsonURL": topojson_url()}
    if current() != "en":
        config["locale"] = current()
    return config


def chart_block(prefix: str, chart: Chart) -> html.Section:
    """Title, one-sentence summary, the graph, a table view, CSV download and the source line."""
    i = ids(prefix, chart.key)
    return html.Section(className="chart", **{"aria-labelledby": i["title"]}, children=[
        html.H2(_(chart.title), id=i["title"], title=_(chart.help) or None),
        html.P(id=i["summary"], className="summary", **{"aria-live": "polite"}),
        html.Div(role="figure", className="graph-wrap", **{"aria-labelledby": i["title"],
                                                            "aria-describedby": i["summary"]}, children=[
            # responsive="auto": width follows the container, the figure's own height is kept
            dcc.Loading(dcc.Graph(id=i["graph"], config=graph_config(), responsive="auto", className="graph",
                                  figure=Figure().for_page()), type="dot", delay_show=300),
        ]),
        # The rows arrive as one JSON attribute (table_json); assets/tables.js builds the <table> when the
        # <details> is opened, so a closed table costs the page no components and no DOM.
        html.Details(className="table-view", children=[
            html.Summary(_("Show the numbers as a table")),
            html.Div(id=i["table"], className="table-wrap", **{"data-table": ""}),
        ]),
        html.Div(className="chart-tools", children=[
            html.Button(_("Download CSV"), id=i["csv"], n_clicks=0, className="button",
                        title=_("The exact rows behind this chart, with the current filters")),
            html.A(_("Same data from the API"), id=i["api"], href="#", className="api-link"),
            dcc.Download(id=i["download"]),
        ]),
        html.Div(id=i["tools"], className="chart-tools image-tools"),  # PNG, SVG, embed code (embed.py)
        html.P(id=i["source"], className="source"),
    ])


def source_text(ds: Dataset, tables: tuple[str, ...]) -> str:
    """'Source: … (licence), retrieved YYYY-MM-DD, bundled snapshot.' for the first table present."""
    present = [t for t in tables if ds.has(t)] or list(tables[:1])
    entry = ds.provenance[present[0]]
    source = SOURCES["mmp" if present[0].startswith("mmp_") else "fts"]
    when = ds.as_of(*present)
    origin = {"snapshot": _("bundled snapshot"), "ingested": _("ingested data"),
              "missing": _("not loaded")}.get(entry.get("origin", ""), entry.get("origin", ""))
    text = _("Source: {name} ({licence})").format(name=_(source["attribution"]), licence=source["licence"])
    if when:
        dated = any(has_retrieval_date(ds.provenance[t]) for t in present)
        text += ", " + (_("retrieved {date}") if dated else
                        _("retrieval date not recorded, table written {date}")).format(
                            date=when if current() == "en" else fmt.day(when))  # es: "25 sept 2026"
    return f"{text}; {origin}."


def data_table(frame: pd.DataFrame, max_rows: int = TABLE_ROWS) -> html.Div:
    """A plain HTML table of the rows (numbers formatted, headers with definitions on hover)."""
    if frame.empty:
        return html.Div(html.P(_("No rows.")))
    shown = frame.head(max_rows)
    columns = [c for c in shown.columns if not str(c).startswith("_")]
    head = html.Thead(html.Tr([html.Th(_(COLUMN_LABELS.get(c, c)), scope="col",
                                       title=_(DEFINITIONS[c]) if c in DEFINITIONS else None) for c in columns]))
    kinds = ["num" if _numeric(shown.dtypes.iloc[i]) else None for i, _c in _shown_columns(shown)]
    body = html.Tbody([html.Tr([html.Td(text, className=kind) for text, kind in zip(row, kinds)])
                       for row in _rows(shown)])
    parts: list[Any] = [html.Table([head, body], className="data")]
    if len(frame) > max_rows:
        parts.append(html.P(_("First {n} of {total} rows; the CSV has all of them.").format(
            n=fmt.integer(max_rows), total=fmt.integer(len(frame)))))
    return html.Div(parts)


def table_data(frame: pd.DataFrame, max_rows: int = TABLE_ROWS) -> dict[str, Any]:
    """What data_table shows, as data for the browser to build the table from (assets/tables.js):
    {"columns": [{"label", "title", "num"}], "rows": [[cell text]], "note": text or None, "empty": text
    or None}; the cells formatted exactly as data_table formats them, in the request's language."""
    if frame.empty:
        return {"columns": [], "rows": [], "note": None, "empty": _("No rows.")}
    shown = frame.head(max_rows)
    dtypes = shown.dtypes  # by position: a column name may repeat
    columns = [{"label": _(COLUMN_LABELS.get(c, c)), "title": _(DEFINITIONS[c]) if c in DEFINITIONS else None,
                "num": _numeric(dtypes.iloc[i])} for i, c in _shown_columns(shown)]
    rows = _rows(shown)
    note = (_("First {n} of {total} rows; the CSV has all of them.").format(
        n=fmt.integer(max_rows), total=fmt.integer(len(frame))) if len(frame) > max_rows else None)
    return {"columns": columns, "rows": rows, "note": note, "empty": None}


def table_json(frame: pd.DataFrame, max_rows: int = TABLE_ROWS) -> str:
    """table_data as the JSON text of a chart block's `data-table` attribute."""
    return json.dumps(table_data(frame, max_rows), ensure_ascii=False, separators=(",", ":"))


def _numeric(dtype: Any) -> bool:
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)


def _shown_columns(shown: pd.DataFrame) -> list[tuple[int, Any]]:
    """(position, name) of the columns a table shows (not the "_" helper columns)."""
    return [(i, c) for i, c in enumerate(shown.columns) if not str(c).startswith("_")]


def _rows(shown: pd.DataFrame) -> list[list[str]]:
    """The shown columns' cells as text, each column formatted by its own type: a count is "1,234" even
    when every other column holds decimals (rows of shown.to_numpy() came out in one common dtype, and the
    map's counts as "112.0"). A year or an identifier (`year`, `*_id`) is written without digit grouping
    ("2019", not "2,019"; "1517", not "1,517")."""
    columns = [_column_cells(shown.iloc[:, i], str(c) == "year" or str(c).endswith("_id"))
               for i, c in _shown_columns(shown)]
    return [list(row) for row in zip(*columns)] if columns else [[] for _ in range(len(shown))]


def _column_cells(column: pd.Series, plain: bool) -> list[str]:
    """_cell of each value of one column (as Python scalars, each formatted by the column's own type)."""
    values = column.tolist()
    if not plain and column.dtype.kind in "fi":  # numpy floats or integers: no NA but NaN
        return fmt.numbers(values, 1 if column.dtype.kind == "f" else 0, missing="")
    return [_cell(value, plain) for value in values]


def _cell(value: Any, plain: bool = False) -> str:
    if fmt.is_missing(value):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if plain and isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, float):
        return fmt.number(value, 1)
    if isinstance(value, int) and not isinstance(value, bool):
        return fmt.integer(value)
    return str(value)


def api_href(view: View, f: Filters, hxl: bool = False) -> str:
    """The API URL that returns the same rows as the chart."""
    pairs = [(k, v) for k, v in to_pairs(f, view.params) if v != ""]
    if hxl:
        pairs.append(("hxl", "1"))
    return f"/api/{view.name}.csv" + (f"?{urlencode(pairs)}" if pairs else "")


def render(ds: Dataset, chart: Chart, f: Filters, **figure_args: Any) -> tuple[Figure, str, str, str, str]:
    """Everything a chart block shows, from one query: figure, summary, table (table_json), source, API link."""
    rows = chart.view.rows(ds, f)
    return (chart.figure(rows, **figure_args), chart.summary(rows), chart_table(ds, chart, f, rows),
            source_text(ds, chart.view.tables), api_href(chart.view, f))


def chart_table(ds: Dataset, chart: Chart, f: Filters, rows: pd.DataFrame | None = None) -> str:
    """table_json of the chart's rows for `f` in the request's language; kept for the load when a warmer
    asked for it (data.warm), not for a view of a table that is not kept in memory."""
    def make() -> str:
        return table_json(chart.view.rows(ds, f) if rows is None else rows)
    if not chart.view.cache:
        return make()
    return ds.warmed(("table", chart.view.name, f, current()), make)


def download_options() -> list[dict[str, str]]:
    """The page's "Downloads" checklist: the HXL row, and Spanish column headers."""
    return [{"label": _("add the HXL hashtag row"), "value": "hxl"},
            {"label": _("Spanish column headers"), "value": "headers-es"}]


def download(ds: Dataset, chart: Chart, f: Filters, hxl: Any = False) -> dict[str, Any]:
    """dcc.Download payload: the chart's rows as CSV, named after view, filters and data date (in
    the page's language). `hxl`: a bool, or the "Downloads" checklist value (["hxl", "headers-es"])."""
    options = list(hxl) if isinstance(hxl, (list, tuple)) else (["hxl"] if hxl else [])
    rows = chart.view.rows(ds, f)
    name = exports.filename(exports.file_stem(chart.view.name), describe(f, chart.view.params),
                            ds.as_of(*chart.view.tables), "csv")
    content = exports.to_csv(rows, hxl="hxl" in options, headers="es" if "headers-es" in options else None)
    return {"content": content, "filename": name, "type": "text/csv"}


def kpi(label: str, value: str, definition: str, source: str, kpi_id: str | None = None) -> html.Div:
    """A headline number with its source and date; the definition on hover and for screen readers."""
    return html.Div(className="kpi", title=definition, id=kpi_id or None, children=[
        html.Div(label, className="kpi-label"),
        html.Div(value, className="kpi-value"),
        html.Div(source, className="kpi-source") if source else None,  # "": the source is said once, below
        html.Span(definition, className="visually-hidden"),
    ])


def notice(text: str, kind: str = "info") -> html.Div:
    """A short message box (role=status) for data caveats and ignored parameters."""
    return html.Div(text, className=f"notice notice-{kind}", role="status")


def filters_panel(children: list[Any], label: str) -> html.Div:
    """The filter controls of a page (changes apply at once and are written to the address bar)."""
    return html.Div(className="filters", role="search", **{"aria-label": label}, children=children)


def lenient_filters(ds: Dataset, query: Any, params: Any, default: Filters, single: tuple[str, ...] = (),
                    single_message: str = "") -> tuple[Filters, list[str], set[str]]:
    """A page's filters from its query string, leniently: bad values fall back to `default` and are
    reported as messages ("param: what is wrong"); also the names of the parameters at fault. Pages
    that show one value of each `single` field (e.g. ("countries", "years")) keep the first and say
    so with `single_message`."""
    f, _opts, errors = parse(query, params, known_values(ds), default, lenient=True)
    messages = [f"{e.param}: {e.message}" for e in errors]
    if any(len(getattr(f, name)) > 1 for name in single):
        messages.append(single_message)
        f = f.but(**{name: getattr(f, name)[:1] for name in single})
    return f, messages, {e.param for e in errors}


PAGE_TABLES: dict[str, tuple[str, ...]] = {
    "mig-": ("mmp_incidents", "mmp_deaths"),
    "fund-": ("fts_plans", "fts_clusters", "fts_plan_locations", "fts_donors", "fts_flows"),
}
"""The tables a page shows, by its PageState prefix (pages not listed show every table)."""


def data_notices(ds: Dataset, tables: tuple[str, ...] | None = None) -> list[html.Div]:
    """Warnings about stored data that is damaged or was recovered (`Dataset.notices`), for a page showing `tables`."""
    return [notice(text, "warning") for text in ds.notices(tables)]


def page_top(state: Any, title: str, lead: str | None, messages: list[str], issues_id: str, panel_label: str,
             controls: list[Any], canonical: str | None = None) -> list[Any]:
    """The start of a filtered page: its URL sync (`state`: a PageState), heading, lead paragraph, any
    problem with the stored tables the page shows, the query-string values that were ignored (warnings
    in `issues_id`) and the filter panel (a <details>,
    open on wide screens, closed on phones by assets/links.js). `canonical`: the query string of every
    filter applied, defaults included, written to the address bar on arrival (assets/links.js)."""
    return [
        *state.location(),
        *([html.Div(hidden=True, className="canonical-search", **{"data-canonical-search": canonical})]
          if canonical is not None else []),
        html.H1(title),
        *([html.P(lead, className="lead")] if lead else []),
        *data_notices(current_dataset(), PAGE_TABLES.get(state.prefix)),
        html.Div([notice(_("Ignored in the address: {m}").format(m=m), "warning") for m in messages], id=issues_id),
        html.Details(open=True, className="filters-details", **{"data-collapse-narrow": "1"}, children=[
            html.Summary([panel_label, html.Span(className="filters-current")], className="filters-summary"),
            filters_panel(label=panel_label, children=controls),
        ]),
    ]


def dropdown_labels() -> dict[str, str]:
    """dcc.Dropdown's own texts (buttons, search box, counts) in the interface language."""
    return {"select_all": _("Select all"), "deselect_all": _("Deselect all"),
            "selected_count": _("{num_selected} selected"), "search": _("Search"), "clear_search": _("Clear search"),
            "clear_selection": _("Clear selection"), "no_options_found": _("No options found")}


def localize_control(control: Any) -> Any:
    """Dropdown texts and date formats in the interface language (the date picker's month and day names
    come from assets/datepicker-es.js; typed dates are read as 31/12/2019 in Spanish)."""
    if isinstance(control, dcc.Dropdown) and getattr(control, "labels", None) is None:
        control.labels = dropdown_labels()
    if isinstance(control, dcc.DatePickerRange) and current() != "en":
        control.display_format = "DD/MM/YYYY"
        control.month_format = "MMMM YYYY"
        control.first_day_of_week = 1
    return control


def field(label: str, control: Any, control_id: str, hint: str | None = None) -> html.Div:
    """A labelled control (the label is tied to the control for screen readers)."""
    control = localize_control(control)
    return html.Div(className="field", children=[
        html.Label(label, htmlFor=control_id),
        control,
        html.Small(hint, className="hint") if hint else None,
    ])


def choice_field(label: str, control: Any, control_id: str, hint: str | None = None, radio: bool = True) -> html.Fieldset:
    """A group of radio buttons (dcc.RadioItems) or checkboxes (dcc.Checklist) with an accessible name:
    a fieldset named by its legend (a <label for> cannot name a group, and the dcc components take no
    aria-* props). Radio groups are role=radiogroup, named by the legend through aria-labelledby too."""
    legend_id, hint_id = f"{control_id}-legend", f"{control_id}-hint"
    aria = {"aria-labelledby": legend_id, **({"role": "radiogroup"} if radio else {}),
            **({"aria-describedby": hint_id} if hint else {})}
    return html.Fieldset(className="field field-choices", **aria, children=[
        html.Legend(label, id=legend_id),
        control,
        html.Small(hint, className="hint", id=hint_id) if hint else None,
    ])


class AnswerCache:
    """The last `size` chart callback answers, per callback, filter values, language (and whether links
    carry it), host (the embed code's absolute URL) and data version (the load's token): a filter
    selection seen before is answered without querying or building figures again. Figures are kept as
    plain dicts (what Dash sends, the template named: Figure.for_page); answers must be treated as read-only."""

    def __init__(self, size: int = ANSWERS_CACHED) -> None:
        self.size = size
        self._items: OrderedDict[Any, tuple[Any, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any, compute: Callable[[], tuple[Any, ...]]) -> tuple[Any, ...]:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = tuple(v.for_page() if isinstance(v, Figure) else v for v in compute())
        remember_digests(value)  # its outputs' digests, for the page's store of what it shows
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                forget_digests(self._items.popitem(last=False)[1])
        return value


ANSWERS = AnswerCache()


def _answer_key(name: str, values: tuple[Any, ...]) -> tuple[Any, ...]:
    from flask import request as flask_request

    ds = current_dataset()
    return (name, json.dumps(values, sort_keys=True, default=str), current(), tuple(lang_pairs()),
            flask_request.host_url, id(ds), ds.token)


def _chart_outputs(prefix: str, keys: list[str], extra_children: tuple[str, ...],
                   also: dict[str, tuple[list[Any], Any]]) -> tuple[list[Any], dict[str, int]]:
    """The outputs of a page's charts callback, and where each chart's API link is among them."""
    outputs: list[Any] = []
    api_at: dict[str, int] = {}
    for key in keys:
        i = ids(prefix, key)
        api_at[key] = len(outputs) + 4
        outputs += [Output(i["graph"], "figure"), Output(i["summary"], "children"), Output(i["table"], "data-table"),
                    Output(i["source"], "children"), Output(i["api"], "href"),
                    *[Output(i[extra], "children") for extra in extra_children], *also.get(key, ([], None))[0]]
    return outputs, api_at


def _register_downloads(app: Any, prefix: str, keys: list[str], controls: list[tuple[str, str]], hxl_id: str,
                        download_chart: Any) -> None:
    """Each chart's Download CSV button: the file for the filters the page shows."""
    states = [State(c, p) for c, p in controls]
    for key in keys:
        i = ids(prefix, key)

        def download_callback(n_clicks: int, hxl: Any, *values: Any, _key: str = key) -> dict[str, Any]:
            return download_chart(_key, n_clicks, hxl, *values)

        download_callback.__name__ = f"{prefix.strip('-')}_{key}_download"
        app.callback(Output(i["download"], "data"), [Input(i["csv"], "n_clicks"), State(hxl_id, "value"), *states],
                     prevent_initial_call=True)(download_callback)


def register_chart_callbacks(app: Any, prefix: str, keys: Any, controls: list[tuple[str, str]], hxl_id: str,
                             update_chart: Any, download_chart: Any, extra_children: tuple[str, ...] = (),
                             also: dict[str, tuple[list[Any], Any]] | None = None, state: Any = None) -> None:
    """Wire every chart block of a page: redraw them all when a filter changes, and each Download CSV button.

    `update_chart(key, *filter values)` returns figure, summary, table (table_json), source, API link (and
    the children of `extra_children` blocks); `download_chart(key, n_clicks, hxl, *filter values)` the file.
    Every chart of the page is answered by **one** callback (one request and one pass of the Dash renderer
    for a filter change: five answers arriving one by one cost the browser five store updates, each walking
    every component, and five rounds of layout). The chart's image links and embed code (embed.tools_for)
    come with the page (prefill) and follow its API link in the browser (assets/tools.js), and `also`
    ({key: ([Output, ...], function(*filter values) -> values)}) adds a page's other outputs that follow the
    same filters (a note, a heading): nothing else is requested.
    With the page's `state` (pages.state.PageState), that one callback is the page's URL sync too."""
    from dashboard.web.embed import tools_for

    inputs = [Input(c, p) for c, p in controls]
    also = also or {}
    keys = list(keys)
    outputs, api_at = _chart_outputs(prefix, keys, extra_children, also)
    _register_downloads(app, prefix, keys, controls, hxl_id, download_chart)

    def one_chart(key: str, values: tuple[Any, ...]) -> tuple[Any, ...]:
        out = tuple(update_chart(key, *values))
        more = also.get(key, ([], None))[1]
        extra = tuple(more(*values)) if more is not None else ()
        return (*out, *extra)

    def charts_callback(*values: Any) -> tuple[Any, ...]:
        return ANSWERS.get(_answer_key(prefix, values),
                           lambda: tuple(v for key in keys for v in one_chart(key, values)))

    def page_answer(*values: Any) -> tuple[Any, ...]:
        """The charts and, under each, its image links and embed code: a page carries them as it opens;
        after a filter change assets/tools.js rewrites them from the chart's new API link in the browser,
        so the callback's answer holds no component trees for them (each one the Dash renderer had to walk)."""
        answer = charts_callback(*values)
        return (*answer, *(tools_for(answer[api_at[key]], ids(prefix, key)["tools"]) for key in keys))

    charts_callback.__name__ = f"{prefix.strip('-')}_charts"
    summaries = tuple(ids(prefix, key)["summary"] for key in keys)
    charts = prefill.Prefill(tuple(controls), tuple((o.component_id, o.component_property) for o in outputs),
                             charts_callback, summaries)
    # no initial call: the pages router's answer already carries the first charts (render/prefill.py)
    if state is None:
        app.callback(outputs, inputs, prevent_initial_call=True)(charts_callback)
    else:
        state.register(app, charts)
    tools = tuple((ids(prefix, key)["tools"], "children") for key in keys)
    prefill.register(prefix, prefill.Prefill(charts.controls, charts.outputs + tools, page_answer, summaries,
                                             shown=state.shown_id if state is not None else None,
                                             described=len(outputs)))
