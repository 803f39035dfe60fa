"""The OpenAPI 3 description of /api, served at /api/openapi.json.

Generated, not written by hand: the paths come from the table and view registries (views.py), the
query parameters from the parameter registry (params.SPECS), and the JSON columns of each stored
table from its schema (ingest.schemas), so the description cannot drift from what the API accepts.
The fuzz tests (tests/dashboard/web/test_api_fuzz.py) drive every operation and parameter from this document.

/api/changes.csv|json (whatchanged.py) and the chart images /api/chart/<view>.png|svg (embed.py) are
described too. Their query parameters sit on the path item, not the operation: `table`, `since` and
`part` are not filters of params.SPECS, and an image is not a CSV/JSON answer, so they stay out of
the data operations the fuzz tests feed good and bad filter values to (they still reach every path).
"""
from __future__ import annotations

from typing import Any

from dashboard.i18n import _
from dashboard.queries.views import TABLE_PARAMS, VIEWS
from dashboard.web.images import FORMATS as IMAGE_FORMATS
from dashboard.web.params import MAX_PARAMS, MAX_VALUE_LENGTH, MAX_VALUES, SPECS, Spec
from dashboard.web.whatchanged import TABLES as CHANGE_TABLES
from dashboard.web.whatchanged import TOTALS_TABLES
from ingest.schemas import ISO3_PATTERN, SCHEMAS, TABLES

OPENAPI_VERSION = "3.0.3"
_CONTROL_FREE = r"^[^\x00-\x1f\x7f]*$"


def parameter_schema(spec: Spec) -> dict[str, Any]:
    """JSON schema of one value of a parameter."""
    if spec.kind == "int":
        return {"type": "integer", "minimum": spec.low, "maximum": spec.high}
    if spec.kind == "iso3":
        return {"type": "string", "pattern": f"^{ISO3_PATTERN}$"}
    if spec.kind == "date":
        return {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
    if spec.kind == "choice":
        return {"type": "string", "enum": list(spec.choices)}
    if spec.kind == "bool":
        return {"type": "string", "enum": ["1", "0", "true", "false", "yes", "no", "on", "off"]}
    return {"type": "string", "minLength": 1, "maxLength": MAX_VALUE_LENGTH, "pattern": _CONTROL_FREE}


def parameter(name: str) -> dict[str, Any]:
    """The OpenAPI parameter object for a query parameter in params.SPECS."""
    spec = SPECS[name]
    one = parameter_schema(spec)
    description = spec.help
    if spec.kind == "text" and spec.known:
        description += _(" (must be a value that occurs in the data)")
    if spec.multi:
        schema: dict[str, Any] = {"type": "array", "items": one, "maxItems": MAX_VALUES}
        description += _("; repeat the parameter for several values")
        if spec.kind in ("int", "iso3"):
            description += _(" (or separate them with commas)")
    else:
        schema = one
    out = {"name": name, "in": "query", "required": False, "description": description, "schema": schema,
           "x-humdash-kind": spec.kind}
    if spec.multi:
        out.update(style="form", explode=True)
    if spec.known:
        out["x-humdash-known-values"] = spec.known
    return out


def _column_schema(dtype: Any) -> dict[str, Any]:
    text = str(dtype).lower()
    if "int" in text:
        return {"type": "integer", "nullable": True}
    if "float" in text:
        return {"type": "number", "nullable": True}
    if "bool" in text:
        return {"type": "boolean", "nullable": True}
    if "datetime" in text:
        return {"type": "string", "format": "date", "nullable": True}
    return {"type": "string", "nullable": True}


def _row_schema(table: str | None) -> dict[str, Any]:
    if table is None:
        return {"type": "object", "additionalProperties": True}
    columns = SCHEMAS[table].columns
    return {"type": "object", "properties": {c: _column_schema(col.dtype) for c, col in columns.items()},
            "additionalProperties": True}


def _responses(kind: str, table: str | None) -> dict[str, Any]:
    error = {"$ref": "#/components/responses/Error"}
    if kind == "csv":
        ok = {"description": _("The rows as CSV (UTF-8, header row; with hxl=1 the HXL hashtag row second). "
                               "Text cells that a spreadsheet would run as a formula start with a single quote."),
              "content": {"text/csv": {"schema": {"type": "string"}}}}
    else:
        ok = {"description": _("The rows as JSON, with provenance"),
              "content": {"application/json": {"schema": {
                  "type": "object", "required": ["meta", "columns", "data"],
                  "properties": {"meta": {"$ref": "#/components/schemas/Meta"},
                                 "columns": {"type": "array", "items": {"type": "string"}},
                                 "data": {"type": "array", "items": _row_schema(table)}}}}}}
    return {"200": ok, "400": error, "404": error, "414": error}


def _operation(path_name: str, title: str, params: tuple[str, ...], kind: str, table: str | None,
               tag: str) -> dict[str, Any]:
    names = list(params) + ["hxl"]  # accepted by both; only CSV has the HXL row
    return {"get": {
        "operationId": f"{tag}_{path_name.replace('/', '_').replace('-', '_')}_{kind}",
        "summary": f"{_(title)} ({kind.upper()})",
        "tags": [tag],
        "parameters": [parameter(n) for n in names],
        "responses": _responses(kind, table),
    }}


def _json_list(description: str) -> dict[str, Any]:
    return {"get": {"summary": description, "tags": ["catalogue"], "parameters": [],
                    "responses": {"200": {"description": description, "content": {"application/json": {
                        "schema": {"type": "array", "items": {"type": "object"}}}}}}}}


def _error_responses(*codes: str) -> dict[str, Any]:
    return {code: {"$ref": "#/components/responses/Error"} for code in codes}


def _changes(kind: str) -> dict[str, Any]:
    """/api/changes.csv|json: what changed between two ingests of a table (whatchanged.py)."""
    if kind == "csv":
        content: dict[str, Any] = {"text/csv": {"schema": {"type": "string"}}}
        what = _("The changed figures as CSV (one row per revised, added or removed figure; with part=totals "
                 "dead and missing per year and region group in both versions)")
    else:
        content = {"application/json": {"schema": {
            "type": "object", "required": ["meta", "columns", "data"],
            "properties": {"meta": {"type": "object", "properties": {
                "name": {"type": "string"}, "part": {"type": "string", "enum": ["rows", "totals"]},
                "old_version": {"type": "string"}, "new_version": {"type": "string"},
                "since": {"type": "string", "nullable": True}, "rows": {"type": "integer"}}},
                "columns": {"type": "array", "items": {"type": "string"}},
                "data": {"type": "array", "items": {"type": "object", "additionalProperties": True}}}}}}
        what = _("The changed figures as JSON, with both versions named")
    return {
        "parameters": [
            {"name": "table", "in": "query", "required": True, "description": _("The table to compare"),
             "schema": {"type": "string", "enum": list(CHANGE_TABLES)}},
            {"name": "since", "in": "query", "required": False,
             "description": _("Compare the newest version with the one current at the end of this day "
                              "(default: the previous version)"),
             "schema": {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}},
            {"name": "part", "in": "query", "required": False,
             "description": _("totals: dead and missing per year and region group in both versions ({names} "
                              "only)").format(names=", ".join(TOTALS_TABLES)),
             "schema": {"type": "string", "enum": ["rows", "totals"], "default": "rows"}},
        ],
        "get": {
            "operationId": f"changes_{kind}",
            "summary": _("What changed between two ingests of a table") + f" ({kind.upper()})",
            "tags": ["changes"],
            "parameters": [],  # on the path item above (not filters of the parameter registry)
            "responses": {
                "200": {"description": what, "content": content, "headers": {
                    "X-Rows": {"description": _("Number of rows"), "schema": {"type": "integer"}}}},
                **_error_responses("400", "404", "414"),
                "409": {"description": _("Fewer than two versions of the table, or none at or before since: "
                                         "nothing to compare (ingest twice)"), "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            },
        },
    }


def _image(view_name: str, title: str, params: tuple[str, ...], fmt: str) -> dict[str, Any]:
    """/api/chart/<view>.png|svg: the chart drawn with title, filters, source and date (embed.py)."""
    return {
        "parameters": [parameter(n) for n in params],
        "get": {
            "operationId": f"chart_{view_name.replace('/', '_').replace('-', '_')}_{fmt}",
            "summary": f"{_(title)} ({fmt.upper()})",
            "tags": ["images"],
            "parameters": [],  # on the path item above: the view's filters, an image rather than rows
            "responses": {
                "200": {"description": _("The chart as an image, with its title, filters, source and data date "
                                         "drawn on it (same filters as its CSV)"),
                        "content": {IMAGE_FORMATS[fmt]: {"schema": {"type": "string", "format": "binary"}}}},
                **_error_responses("400", "404", "414"),
                "503": {"description": _("The image cannot be rendered now (no Chromium, or it took too long)"),
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            },
        },
    }


def _paths() -> dict[str, Any]:
    """Every route under /api: the catalogue, tables, views, changes and images."""
    paths: dict[str, Any] = {
        "/api/tables": _json_list(_("Every stored table: rows, provenance, parameters and links")),
        "/api/views": _json_list(_("The chart views with their parameters and links")),
        "/api/status": {"get": {"summary": _("Migration precision, data versions and the last reload error"),
                                "tags": ["catalogue"], "parameters": [],
                                "responses": {"200": {"description": "status", "content": {"application/json": {
                                    "schema": {"type": "object"}}}}}}},
        "/api/openapi.json": {"get": {"summary": _("This description"), "tags": ["catalogue"], "parameters": [],
                                      "responses": {"200": {"description": "OpenAPI 3", "content": {
                                          "application/json": {"schema": {"type": "object"}}}}}}},
    }
    for name in TABLES:
        for kind in ("csv", "json"):
            paths[f"/api/{name}.{kind}"] = _operation(name, name, TABLE_PARAMS[name], kind, name, "tables")
    for view in VIEWS.values():
        for kind in ("csv", "json"):
            paths[f"/api/{view.name}.{kind}"] = _operation(view.name, view.title, view.params, kind, None, "views")
    for kind in ("csv", "json"):
        paths[f"/api/changes.{kind}"] = _changes(kind)
    for view in VIEWS.values():
        for fmt in IMAGE_FORMATS:
            paths[f"/api/chart/{view.name}.{fmt}"] = _image(view.name, view.title, view.params, fmt)
    for item in paths.values():  # every route: conditional requests and the rate limit (httpcache, ratelimit)
        item["get"]["responses"].update({"304": {"$ref": "#/components/responses/NotModified"},
                                         "429": {"$ref": "#/components/responses/TooManyRequests"}})
    return paths


def _components() -> dict[str, Any]:
    """The shared schemas and responses the routes refer to."""
    return {
        "schemas": {
            "Error": {"type": "object", "required": ["error", "message", "status"], "properties": {
                "error": {"type": "string"}, "message": {"type": "string"}, "status": {"type": "integer"},
                "param": {"type": "string", "description": _("the parameter at fault (400 only)")}}},
            "Meta": {"type": "object", "properties": {
                "name": {"type": "string"}, "filters": {"type": "object"}, "rows": {"type": "integer"},
                "source": {"type": "string", "nullable": True}, "licence": {"type": "string", "nullable": True},
                "licence_url": {"type": "string", "nullable": True},
                "attribution": {"type": "string", "nullable": True},
                "retrieved_at": {"type": "string", "nullable": True},
                "origin": {"type": "string", "nullable": True},
                "precision": {"type": "string", "nullable": True}}},
        },
        "responses": {"Error": {"description": _("Bad request, unknown table or view, or too long"), "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            "NotModified": {"description": "The ETag given in If-None-Match is still current: use your copy"},
            "TooManyRequests": {
                "description": "Too many requests from this address: wait the seconds in Retry-After",
                "headers": {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}},
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}},
    }


def spec() -> dict[str, Any]:
    """The OpenAPI document (a plain dict, ready for JSON)."""
    paths = _paths()
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": _("Humanitarian funding and migrant deaths: data API"),
            "version": "1",
            "description": _("Plain GET, CSV or JSON. Repeat a parameter for several values; integer and ISO3 "
                             "lists may also be comma-separated. A bad or unexpected parameter gives HTTP 400 "
                             "naming it; an unknown table or view 404; a query string over 8 KB 414. At most "
                             "{n} parameters per request.").format(n=MAX_PARAMS),
            "license": {"name": _("Data: OCHA FTS and IOM Missing Migrants Project; see /api/tables for each "
                                  "table's licence")},
        },
        "paths": paths,
        "components": _components(),
    }
