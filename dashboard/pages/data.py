"""/data: browse every stored table (sorted, filtered and paged on the server) with its provenance:
source, URL or file, sha256, retrieval time, licence and attribution; whole-table downloads."""
from __future__ import annotations

from typing import Any, Mapping
from urllib.parse import urlencode

from dash import Input, Output, State, ctx, dash_table, dcc, html, no_update

from dashboard.data import Dataset, current_dataset, retrieved_at
from dashboard.i18n import _
from dashboard.pages.state import PageState, first
from dashboard.queries import grid_rows
from dashboard.render import fmt
from dashboard.render.components import choice_field, field, notice, page_top
from dashboard.render.text import COLUMN_LABELS, DEFINITIONS
from dashboard.web.params import LANG_PARAMS
from ingest.schemas import TABLES

PREFIX = "data-"
PATH = "/data"
DEFAULT_TABLE = "fts_plans"
PAGE_SIZE = 25
MAX_CELL = 200

TABLE, HXL, PROV, LINKS, GRID, GRID_NOTE, ISSUES = (
    f"{PREFIX}{k}" for k in ("table", "hxl", "provenance", "links", "grid", "grid-note", "issues"))
ROWS_CSV, ROWS_ZIP, ROWS_DOWNLOAD = (f"{PREFIX}{k}" for k in ("rows-csv", "rows-zip", "rows-download"))
CONTROLS = [(TABLE, "value")]

def _table_of(query: Mapping[str, Any]) -> tuple[str, list[str]]:
    name = first(query.get("table")) or DEFAULT_TABLE
    if name not in TABLES:
        return DEFAULT_TABLE, [_("table: unknown table {name!r}; showing {default}").format(
            name=str(name)[:40], default=DEFAULT_TABLE)]
    unknown = [k for k in query if k not in ("table", *LANG_PARAMS)]
    return name, [_("{param}: unknown parameter here").format(param=k[:40]) for k in unknown]


STATE = PageState(
    PREFIX, CONTROLS,
    from_query=lambda q: _table_of(q)[0],
    from_controls=lambda values, trigger: values[f"{TABLE}.value"] or DEFAULT_TABLE,
    to_controls=lambda name: {f"{TABLE}.value": name},
    to_pairs=lambda name: [] if name == DEFAULT_TABLE else [("table", name)],
)


def provenance_panel(ds: Dataset, name: str) -> html.Div:
    """Where a table comes from: source, inputs (URL or file, sha256, retrieved), licence, attribution."""
    entry = ds.provenance[name]
    origin = {"snapshot": _("bundled snapshot"), "ingested": _("ingested into this data directory"),
              "missing": _("not loaded: no data for this table")}.get(entry.get("origin", ""), entry.get("origin"))
    inputs = entry.get("inputs") or []
    rows = [html.Tr([html.Td(html.A(i["url"], href=i["url"]) if i.get("url") else i.get("file", "")),
                     html.Td(html.Code(i.get("sha256", "")), className="hash"), html.Td(i.get("retrieved_at", "")),
                     html.Td(i.get("origin", ""))])
            for i in inputs]
    return html.Div(className="provenance", children=[
        html.H2(_("Provenance of {name}").format(name=name)),
        html.Dl([
            html.Dt(_("Rows")), html.Dd(f"{ds.rows(name):,}"),
            html.Dt(_("Source")), html.Dd(_(entry["source"]) if entry.get("source") else ""),
            html.Dt(_("Licence")), html.Dd(html.A(entry.get("licence", ""), href=entry.get("licence_url", "#"))),
            html.Dt(_("Attribution")), html.Dd(entry.get("attribution", "")),
            html.Dt(_("Retrieved")), html.Dd(retrieved_at(entry) or "–"),
            html.Dt(_("Written")), html.Dd(entry.get("written_at", "–")),
            html.Dt(_("Origin")), html.Dd(f"{origin}" + (f" ({entry['version']})" if entry.get("version") else "")),
            html.Dt(_("Table file sha256")), html.Dd(html.Code(entry.get("sha256", "–")), className="hash"),
        ]),
        html.Div(className="table-wrap", children=html.Table(className="data", children=[
            html.Thead(html.Tr([html.Th(_("URL or file"), scope="col"), html.Th("sha256", scope="col"),
                                html.Th(_("Retrieved at"), scope="col"), html.Th(_("Where it came from"), scope="col")])),
            html.Tbody(rows or [html.Tr(html.Td(_("No inputs recorded."), colSpan=4))]),
        ])),
        html.Ul([html.Li(_public(n)) for n in entry.get("notes") or []]) if entry.get("notes") else None,
    ])


def _public(note: str) -> str:
    """A provenance note without the folder it was ingested from (a development path says nothing public)."""
    return _LOCAL_PATH.sub(lambda m: m.group(1), str(note))


_LOCAL_PATH = __import__("re").compile(r"(?:\.{1,2}/|/)(?:[\w.-]+/)+([\w.-]+)")


def links(name: str, hxl: list[str] | None) -> list[Any]:
    """Whole-table download links (served by the API)."""
    pairs = ([("hxl", "1")] if "hxl" in (hxl or []) else []) + ([("headers", "es")] if "headers-es" in (hxl or []) else [])
    suffix = "?" + urlencode(pairs) if pairs else ""
    return [
        html.A(_("Download {name}.csv").format(name=name), href=f"/api/{name}.csv{suffix}", className="button",
               download=f"{name}.csv"),
        " ",
        html.A(_("Download {name}.json").format(name=name), href=f"/api/{name}.json", className="button",
               download=f"{name}.json"),
    ]


def columns(ds: Dataset, name: str) -> list[dict[str, Any]]:
    dtypes = ds.tables.dtypes(name)  # not the rows: a lazy table (incidents) stays on disk
    out = []
    for c, dtype in dtypes.items():
        numeric = str(dtype) in ("int64", "Int64", "float64", "Float64")
        out.append({"name": _(COLUMN_LABELS[c]) if c in COLUMN_LABELS else c, "id": c,
                    "type": "numeric" if numeric else "text"})
    return out


def layout(**query: Any) -> html.Div:
    ds = current_dataset()
    name, messages = _table_of(query)
    return html.Div(className="page page-data", children=[
        *page_top(STATE, _("Data"),
                  _("Every table the dashboard uses, as stored, with where it comes from. Sort by clicking a column "
                    "header; filter by typing in the row under the headers (e.g. 2019, > 1000000, or text)."),
                  messages, ISSUES, _("Table"), canonical=STATE.canonical([("table", name)]), controls=[
            field(_("Table"), dcc.Dropdown(id=TABLE, options=[
                {"label": _("{table} ({n} rows)").format(table=t, n=fmt.integer(ds.rows(t))), "value": t}
                for t in TABLES], value=name, clearable=False), TABLE),
            choice_field(_("Downloads"), dcc.Checklist(id=HXL, options=[
                {"label": _("add the HXL hashtag row to CSV"), "value": "hxl"},
                {"label": _("Spanish column headers"), "value": "headers-es"}], value=[]), HXL, radio=False),
        ]),
        html.Div(className="chart-tools", children=[
            html.Button(_("Download the rows shown (CSV)"), id=ROWS_CSV, n_clicks=0, className="button",
                        title=_("Exactly the rows that match the filters typed under the headers, in the order shown")),
            html.Button(_("Same rows as a data package (zip)"), id=ROWS_ZIP, n_clicks=0, className="button",
                        title=_("The CSV with datapackage.json and a README: source, licence, retrieval time, "
                                "coverage and filters")),
            dcc.Download(id=ROWS_DOWNLOAD),
        ]),
        html.Div(id=LINKS, className="chart-tools", children=links(name, [])),
        html.Div(id=GRID_NOTE, **{"aria-live": "polite"}),
        html.Div(className="grid-wrap", children=dash_table.DataTable(
            id=GRID, columns=columns(ds, name), data=[], page_current=0, page_size=PAGE_SIZE, page_action="custom",
            sort_action="custom", sort_mode="multi", sort_by=[], filter_action="custom", filter_query="",
            style_table={"overflowX": "auto"}, style_cell={"textAlign": "left", "maxWidth": "24rem",
                                                           "whiteSpace": "normal", "height": "auto"},
            style_header={"fontWeight": "bold"},
            tooltip_header={c: _(DEFINITIONS[c]) for c in ds.tables.columns(name) if c in DEFINITIONS},
        )),
        html.Div(id=PROV, children=provenance_panel(ds, name)),
    ])


def _jsonable(frame: Any) -> list[dict[str, Any]]:
    from dashboard.web.exports import records

    rows = records(frame)
    for row in rows:
        for k, v in row.items():
            if isinstance(v, str) and len(v) > MAX_CELL:
                row[k] = v[:MAX_CELL] + "…"
    return rows


def update_grid(name: str, page: int | None, size: int | None, sort_by: list[dict[str, str]] | None,
                filter_query: str | None, trigger: str | None = None) -> tuple[Any, ...]:
    """One page of the table: data, columns, page count, and (on a table change) reset paging,
    sorting and filtering; plus a note on filters that could not be applied."""
    ds = current_dataset()
    name = name if name in TABLES else DEFAULT_TABLE
    reset = trigger == TABLE
    if reset:
        page, sort_by, filter_query = 0, [], ""
    frame = ds.tables[name]
    # Not cached: filtering even the incident table takes milliseconds, and caching every filter
    # string a user types would hold many copies of large tables.
    rows, problems = grid_rows(frame, filter_query, sort_by)
    size = size or PAGE_SIZE
    count = max(1, -(-len(rows) // size))
    page = min(max(page or 0, 0), count - 1)
    data = _jsonable(rows.iloc[page * size:(page + 1) * size])
    note = [notice(_("{n:,} of {total:,} rows match.").format(n=len(rows), total=ds.rows(name)))]
    if problems:
        note.append(notice(_("Could not apply: {parts}").format(parts="; ".join(problems)), "warning"))
    return (data, columns(ds, name), count, page if reset or page != 0 else no_update,
            [] if reset else no_update, "" if reset else no_update, note)


def update_side(name: str, hxl: list[str] | None) -> tuple[Any, Any]:
    ds = current_dataset()
    name = name if name in TABLES else DEFAULT_TABLE
    return provenance_panel(ds, name), links(name, hxl)


def download_rows(kind: str, name: str, filter_query: str | None, sort_by: Any, options: list[str] | None
                  ) -> dict[str, Any]:
    """The grid's rows as they are shown (filtered and sorted), as CSV or as a data package (zip)."""
    from dashboard.queries import coverage
    from dashboard.render.text import SOURCES
    from dashboard.web import exports, package

    ds = current_dataset()
    name = name if name in TABLES else DEFAULT_TABLE
    rows, _problems = grid_rows(ds.tables[name], filter_query or "", sort_by or [])
    options = options or []
    text = exports.to_csv(rows, hxl="hxl" in options, headers="es" if "headers-es" in options else None)
    as_of = ds.as_of(name)
    described = [("filter", filter_query)] if filter_query else []
    csv_name = exports.filename(name, [("rows", str(len(rows)))] if described else [], as_of, "csv")
    if kind == "csv":
        return {"content": text, "filename": csv_name, "type": "text/csv"}
    entry = ds.provenance[name]
    src = SOURCES["mmp" if name.startswith("mmp_") else "fts"]
    cov = coverage.of(ds) if name.startswith("mmp_") else None
    body = package.build(name, csv_name, text, rows, {
        "title": name, "rows": int(len(rows)), "source": entry.get("source") or src["name"], "url": src["url"],
        "licence": entry.get("licence") or src["licence"], "licence_url": entry.get("licence_url") or src["licence_url"],
        "attribution": entry.get("attribution") or src["attribution"], "retrieved_at": as_of,
        "coverage": cov.as_dict() if cov else None,
        "filters": {**({"filter": filter_query} if filter_query else {}),
                    **({"sort": "; ".join(f"{s['column_id']} {s['direction']}" for s in sort_by)} if sort_by else {})},
        "created": as_of})
    return dcc.send_bytes(body, csv_name[:-4] + ".zip")


def register(app: Any) -> None:
    import dash

    dash.register_page(__name__, path=PATH, name=_("Data"), title=_("Data and provenance"), order=3, layout=layout)
    STATE.register(app)

    def grid_callback(name: str, page: int, size: int, sort_by: Any, filter_query: str) -> tuple[Any, ...]:
        return update_grid(name, page, size, sort_by, filter_query, ctx.triggered_id)

    app.callback([Output(GRID, "data"), Output(GRID, "columns"), Output(GRID, "page_count"),
                  Output(GRID, "page_current"), Output(GRID, "sort_by"), Output(GRID, "filter_query"),
                  Output(GRID_NOTE, "children")],
                 [Input(TABLE, "value"), Input(GRID, "page_current"), Input(GRID, "page_size"),
                  Input(GRID, "sort_by"), Input(GRID, "filter_query")])(grid_callback)
    def rows_callback(_csv: int, _zip: int, name: str, filter_query: str, sort_by: Any, options: Any) -> Any:
        return download_rows("zip" if ctx.triggered_id == ROWS_ZIP else "csv", name, filter_query, sort_by, options)

    app.callback(Output(ROWS_DOWNLOAD, "data"), [Input(ROWS_CSV, "n_clicks"), Input(ROWS_ZIP, "n_clicks")],
                 [State(TABLE, "value"), State(GRID, "filter_query"), State(GRID, "sort_by"), State(HXL, "value")],
                 prevent_initial_call=True)(rows_callback)
    app.callback([Output(PROV, "children"), Output(LINKS, "children")],
                 [Input(TABLE, "value"), Input(HXL, "value")])(update_side)
