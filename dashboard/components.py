"""Building blocks shared by the pages: the chart block (graph, summary, table view, download,
source line), headline numbers with source and definition, and the thin render/download helpers
the callbacks call. Knows Dash, but not Flask or the data layout.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urlencode

import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, State, dcc, get_asset_url, html

from . import exports, fmt
from .data import Dataset, current_dataset, has_retrieval_date
from .i18n import _, current
from .params import describe, parse, to_pairs
from .queries import Filters
from .text import COLUMN_LABELS, DEFINITIONS, SOURCES
from .theme import GRAPH_CONFIG
from .views import View, known_values

TABLE_ROWS = 300


@dataclass(frozen=True)
class Chart:
    """A chart on a page: the view its rows come from, the figure and the summary drawn from them."""

    key: str
    title: str
    view: View
    figure: Callable[..., go.Figure]
    summary: Callable[..., str]
    help: str = ""


def ids(prefix: str, key: str) -> dict[str, str]:
    """Component ids of one chart block, prefixed per page."""
    base = f"{prefix}{key}"
    return {name: f"{base}-{name}" for name in ("title", "graph", "summary", "table", "csv", "download", "api",
                                                 "source", "tools")}


def graph_config() -> dict[str, Any]:
    """dcc.Graph config: responsive, base maps from our own assets (no CDN), and plotly's locale in
    the page's language (Spanish month names on date axes, modebar tooltips; the partial plotly.js
    bundle registers `es`; the full one of HUMDASH_FULL_PLOTLYJS=1 does not and stays in English)."""
    try:
        topojson = get_asset_url("topojson/")
    except Exception:  # outside a running app (unit tests): the default assets path
        topojson = "/assets/topojson/"
    config = {**GRAPH_CONFIG, "topojsonURL": topojson}
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
                                  figure=go.Figure()), type="dot", delay_show=300),
        ]),
        html.Details(className="table-view", children=[
            html.Summary(_("Show the numbers as a table")),
            html.Div(id=i["table"], className="table-wrap"),
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
    # the cells as iterrows() gives them (rows of shown.to_numpy(), one common dtype), without a Series per row
    cells = [(i, "num" if _numeric(shown.iloc[:, i]) else None) for i, c in enumerate(shown.columns)
             if not str(c).startswith("_")]
    body = html.Tbody([html.Tr([html.Td(_cell(row[i]), className=kind) for i, kind in cells])
                       for row in shown.to_numpy()])
    parts: list[Any] = [html.Table([head, body], className="data")]
    if len(frame) > max_rows:
        parts.append(html.P(_("First {n} of {total} rows; the CSV has all of them.").format(
            n=fmt.integer(max_rows), total=fmt.integer(len(frame)))))
    return html.Div(parts)


def _numeric(col: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)


def _cell(value: Any) -> str:
    if fmt.is_missing(value):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float):
        return fmt.number(value, 1)
    if isinstance(value, (int,)) and not isinstance(value, bool):
        return fmt.integer(value)
    return str(value)


def api_href(view: View, f: Filters, hxl: bool = False) -> str:
    """The API URL that returns the same rows as the chart."""
    pairs = [(k, v) for k, v in to_pairs(f, view.params) if v != ""]
    if hxl:
        pairs.append(("hxl", "1"))
    return f"/api/{view.name}.csv" + (f"?{urlencode(pairs)}" if pairs else "")


def render(ds: Dataset, chart: Chart, f: Filters, **figure_args: Any) -> tuple[go.Figure, str, html.Div, str, str]:
    """Everything a chart block shows, from one query: figure, summary, table, source, API link."""
    rows = chart.view.rows(ds, f)
    return (chart.figure(rows, **figure_args), chart.summary(rows), data_table(rows),
            source_text(ds, chart.view.tables), api_href(chart.view, f))


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
        html.Div(source, className="kpi-source"),
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
             controls: list[Any]) -> list[Any]:
    """The start of a filtered page: its URL sync (`state`: a PageState), heading, lead paragraph, any
    problem with the stored tables the page shows, the query-string values that were ignored (warnings
    in `issues_id`) and the filter panel."""
    return [
        state.location(),
        html.H1(title),
        *([html.P(lead, className="lead")] if lead else []),
        *data_notices(current_dataset(), PAGE_TABLES.get(state.prefix)),
        html.Div([notice(_("Ignored in the address: {m}").format(m=m), "warning") for m in messages], id=issues_id),
        filters_panel(label=panel_label, children=controls),
    ]


def field(label: str, control: Any, control_id: str, hint: str | None = None) -> html.Div:
    """A labelled control (the label is tied to the control for screen readers)."""
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


def register_chart_callbacks(app: Any, prefix: str, keys: Any, controls: list[tuple[str, str]], hxl_id: str,
                             update_chart: Any, download_chart: Any, extra_children: tuple[str, ...] = ()) -> None:
    """Wire every chart block of a page: redraw it when a filter changes, and its Download CSV button.

    `update_chart(key, *filter values)` returns figure, summary, table, source, API link (and the
    children of `extra_children` blocks); `download_chart(key, n_clicks, hxl, *filter values)` the file."""
    inputs = [Input(c, p) for c, p in controls]
    states = [State(c, p) for c, p in controls]
    for key in keys:
        i = ids(prefix, key)

        def chart_callback(*values: Any, _key: str = key) -> tuple[Any, ...]:
            return update_chart(_key, *values)

        def download_callback(n_clicks: int, hxl: Any, *values: Any, _key: str = key) -> dict[str, Any]:
            return download_chart(_key, n_clicks, hxl, *values)

        name = prefix.strip("-")
        chart_callback.__name__ = f"{name}_{key}_chart"
        download_callback.__name__ = f"{name}_{key}_download"
        outputs = [Output(i["graph"], "figure"), Output(i["summary"], "children"), Output(i["table"], "children"),
                   Output(i["source"], "children"), Output(i["api"], "href"),
                   *[Output(i[extra], "children") for extra in extra_children]]
        app.callback(outputs, inputs)(chart_callback)
        app.callback(Output(i["download"], "data"), [Input(i["csv"], "n_clicks"), State(hxl_id, "value"), *states],
                     prevent_initial_call=True)(download_callback)
