"""/data: browse every stored table (sorted, filtered and paged on the server) with its provenance:
source, URL or file, sha256, retrieval time, licence and attribution; whole-table downloads.

The table is an AG Grid (dash-ag-grid) on its infinite row model: the grid asks for rows
(`getRowsRequest`: the rows wanted, its filterModel and sortModel), `update_grid` answers with one
page (`getRowsResponse`) and the "N of M rows match" note; the download buttons send the rows of the
grid's last request, all of them."""
from __future__ import annotations

from typing import Any, Mapping
from urllib.parse import urlencode

import dash_ag_grid as dag
from dash import Input, Output, State, ctx, dcc, html

from dashboard.data import Dataset, current_dataset, retrieved_at
from dashboard.i18n import N_, _
from dashboard.pages.state import PageState, first
from dashboard.queries import ag_grid_rows, column_kind
from dashboard.queries.tables import AG_OPTIONS, ag_grid_query
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

TABLE, HXL, PROV, LINKS, GRID, GRID_BOX, GRID_NOTE, ISSUES = (
    f"{PREFIX}{k}" for k in ("table", "hxl", "provenance", "links", "grid", "grid-box", "grid-note", "issues"))
ROWS_CSV, ROWS_ZIP, ROWS_DOWNLOAD = (f"{PREFIX}{k}" for k in ("rows-csv", "rows-zip", "rows-download"))
CONTROLS = [(TABLE, "value")]
MAX_BLOCK = 100  # rows one grid request may ask for (it asks for PAGE_SIZE)
_FILTERS = {"number": "agNumberColumnFilter", "date": "agDateColumnFilter", "text": "agTextColumnFilter"}
# AG Grid's own words (filter menus, pager, screen-reader labels), in the interface language
GRID_TEXT = {
    "filterOoo": N_("Filter..."), "empty": N_("Choose one"), "equals": N_("Equals"),
    "notEqual": N_("Does not equal"), "lessThan": N_("Less than"), "greaterThan": N_("Greater than"),
    "lessThanOrEqual": N_("Less than or equal to"), "greaterThanOrEqual": N_("Greater than or equal to"),
    "inRange": N_("Between"), "inRangeStart": N_("From"), "inRangeEnd": N_("To"), "contains": N_("Contains"),
    "notContains": N_("Does not contain"), "startsWith": N_("Begins with"), "endsWith": N_("Ends with"),
    "blank": N_("Blank"), "notBlank": N_("Not blank"), "before": N_("Before"), "after": N_("After"),
    "andCondition": N_("AND"), "orCondition": N_("OR"), "dateFormatOoo": N_("yyyy-mm-dd"),
    "textFilter": N_("Text Filter"), "numberFilter": N_("Number Filter"), "dateFilter": N_("Date Filter"),
    "page": N_("Page"), "of": N_("of"), "to": N_("to"), "firstPage": N_("First Page"),
    "previousPage": N_("Previous Page"), "nextPage": N_("Next Page"), "lastPage": N_("Last Page"),
    "loadingOoo": N_("Loading..."), "noRowsToShow": N_("No Rows To Show"), "noMatchingRows": N_("No Matching Rows"),
    "ariaFilterInput": N_("Filter Input"), "ariaFilteringOperator": N_("Filtering operator"),
    "ariaFilterValue": N_("Filter Value"), "ariaFilterFromValue": N_("Filter from value"),
    "ariaFilterToValue": N_("Filter to Value"), "ariaDateFilterInput": N_("Date Filter Input"),
    "ariaFilterMenuOpen": N_("Open Filter Menu"), "ariaLabelColumnFilter": N_("Column Filter"),
    "ariaLabelColumnMenu": N_("Column Menu"), "ariaColumnFiltered": N_("Column Filtered"),
    "ariaFilterColumn": N_("Press CTRL ENTER to open filter"), "ariaSortableColumn": N_("Press ENTER to sort"),
    "ariaMenuColumn": N_("Press ALT DOWN to open column menu"), "ariaSkeletonCellLoading": N_("Row data is loading"),
    "ariaSkeletonCellLoadingFailed": N_("Row failed to load"), "ariaLabelTooltip": N_("Tooltip"),
    "pageSizeSelectorLabel": N_("Page Size:"), "ariaPageSizeSelectorLabel": N_("Page Size"),
}

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
    """The grid's column definitions: headers and their definitions in the interface language, and the
    filter that fits each column (number, date or text; the server applies it, see queries.ag_grid_rows)."""
    dtypes = ds.tables.dtypes(name)  # not the rows: a lazy table (incidents) stays on disk
    out = []
    for c, dtype in dtypes.items():
        kind = column_kind(dtype)
        out.append({
            "field": c, "colId": c, "headerName": _(COLUMN_LABELS[c]) if c in COLUMN_LABELS else c,
            **({"headerTooltip": _(DEFINITIONS[c])} if c in DEFINITIONS else {}),
            "filter": _FILTERS[kind], **({"type": "rightAligned"} if kind == "number" else {"tooltipField": c}),
            "filterParams": {"filterOptions": AG_OPTIONS[kind], "maxNumConditions": 2, "inRangeInclusive": True,
                             "debounceMs": 400},
        })
    return out


def grid(ds: Dataset, name: str) -> html.Div:
    """The table browser for `name`. Its box is keyed by the table: a new table mounts a new grid (new
    columns, no filters, first page) instead of reusing the old one's cached rows."""
    return html.Div(key=f"grid-{name}", className="grid-box", children=dag.AgGrid(
        id=GRID, rowModelType="infinite", columnDefs=columns(ds, name), className="ag-theme-quartz humdash-grid",
        defaultColDef={"sortable": True, "filter": True, "floatingFilter": True, "resizable": True,
                       "minWidth": 110, "cellDataType": False, "suppressHeaderMenuButton": True},
        dashGridOptions={"pagination": True, "paginationPageSize": PAGE_SIZE, "cacheBlockSize": PAGE_SIZE,
                         "paginationPageSizeSelector": False, "maxBlocksInCache": 20, "domLayout": "autoHeight",
                         "suppressColumnVirtualisation": True, "ensureDomOrder": True, "enableCellTextSelection": True,
                         "tooltipShowDelay": 300, "localeText": {k: _(v) for k, v in GRID_TEXT.items()}},
        style={"height": None, "width": "100%"},
    ))


def layout(**query: Any) -> html.Div:
    ds = current_dataset()
    name, messages = _table_of(query)
    return html.Div(className="page page-data", children=[
        *page_top(STATE, _("Data"),
                  _("Every table the dashboard uses, as stored, with where it comes from. Sort by clicking a column "
                    "header (shift-click to add a second column); filter by typing in the row under the headers. "
                    "The button beside each filter offers more conditions: greater than, between, before, "
                    "blank…"),
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
        html.Div(id=GRID_BOX, className="grid-wrap", children=grid(ds, name)),
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


def _request(request: Any) -> tuple[int, int, Any, Any]:
    """(start, end, filterModel, sortModel) of a grid request, whatever the browser sent: rows from
    `start` (at most MAX_BLOCK of them), models as they came (ag_grid_rows judges them)."""
    request = request if isinstance(request, dict) else {}
    start, end = request.get("startRow"), request.get("endRow")
    start = start if isinstance(start, int) and not isinstance(start, bool) and 0 <= start < 2**31 else 0
    end = end if isinstance(end, int) and not isinstance(end, bool) and start < end else start + PAGE_SIZE
    return start, min(end, start + MAX_BLOCK), request.get("filterModel"), request.get("sortModel")


def update_grid(name: str, request: Any) -> tuple[dict[str, Any], list[Any]]:
    """The rows the grid asked for (`getRowsResponse`: rowData and the filtered row count) and the
    note: how many rows match, and any filter or sort that could not be applied."""
    ds = current_dataset()
    name = name if name in TABLES else DEFAULT_TABLE
    start, end, filter_model, sort_model = _request(request)
    # Not cached: filtering even the incident table takes milliseconds, and caching every filter
    # a user types would hold many copies of large tables.
    rows, problems = ag_grid_rows(ds.tables[name], filter_model, sort_model)
    note = [notice(_("{n:,} of {total:,} rows match.").format(n=len(rows), total=ds.rows(name)))]
    if problems:
        note.append(notice(_("Could not apply: {parts}").format(parts="; ".join(problems)), "warning"))
    return {"rowData": _jsonable(rows.iloc[start:end]), "rowCount": len(rows)}, note


def update_table(name: str) -> html.Div:
    ds = current_dataset()
    return grid(ds, name if name in TABLES else DEFAULT_TABLE)


def update_side(name: str, hxl: list[str] | None) -> tuple[Any, Any]:
    ds = current_dataset()
    name = name if name in TABLES else DEFAULT_TABLE
    return provenance_panel(ds, name), links(name, hxl)


def download_rows(kind: str, name: str, request: Any, options: list[str] | None) -> dict[str, Any]:
    """The grid's rows as they are shown (filtered and sorted as in its last request), as CSV or as a
    data package (zip)."""
    from dashboard.queries import coverage
    from dashboard.render.text import SOURCES
    from dashboard.web import exports, package

    ds = current_dataset()
    name = name if name in TABLES else DEFAULT_TABLE
    _start, _end, filter_model, sort_model = _request(request)
    rows, clauses, sort, _problems = ag_grid_query(ds.tables[name], filter_model, sort_model)
    described = "; ".join(c.label for c in clauses)
    options = options or []
    text = exports.to_csv(rows, hxl="hxl" in options, headers="es" if "headers-es" in options else None)
    as_of = ds.as_of(name)
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
        "filters": {**({"filter": described} if described else {}),
                    **({"sort": "; ".join(f"{c} {'asc' if asc else 'desc'}" for c, asc in sort)} if sort else {})},
        "created": as_of})
    return dcc.send_bytes(body, csv_name[:-4] + ".zip")


def register(app: Any) -> None:
    import dash

    dash.register_page(__name__, path=PATH, name=_("Data"), title=_("Data and provenance"), order=3, layout=layout)
    STATE.register(app)

    def rows_page(request: Any, name: str) -> tuple[dict[str, Any], list[Any]]:
        return update_grid(name, request)

    app.callback([Output(GRID, "getRowsResponse"), Output(GRID_NOTE, "children")],
                 Input(GRID, "getRowsRequest"), State(TABLE, "value"), prevent_initial_call=True)(rows_page)
    app.callback(Output(GRID_BOX, "children"), Input(TABLE, "value"), prevent_initial_call=True)(update_table)

    def rows_callback(_csv: int, _zip: int, name: str, request: Any, options: Any) -> Any:
        return download_rows("zip" if ctx.triggered_id == ROWS_ZIP else "csv", name, request, options)

    app.callback(Output(ROWS_DOWNLOAD, "data"), [Input(ROWS_CSV, "n_clicks"), Input(ROWS_ZIP, "n_clicks")],
                 [State(TABLE, "value"), State(GRID, "getRowsRequest"), State(HXL, "value")],
                 prevent_initial_call=True)(rows_callback)
    app.callback([Output(PROV, "children"), Output(LINKS, "children")],
                 [Input(TABLE, "value"), Input(HXL, "value")])(update_side)
