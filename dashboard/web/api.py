"""Plain-GET data API on the app's Flask server.

    /api/openapi.json                this API as OpenAPI 3 (generated from the registries: openapi.py)
    /api/tables                      every stored table: row count, provenance, links (JSON list)
    /api/views                       the chart views below, with their parameters (JSON list)
    /api/status                      migration precision (day/month), data versions, last reload error,
                                     damaged tables served from an older version, a recovered pointer
    /api/<table>.csv|.json           a stored table, filtered (see views.TABLE_PARAMS)
    /api/mmp/<view>.csv|.json        e.g. /api/mmp/deaths-by-origin.csv?year=2019&region_group=Americas
    /api/fts/<view>.csv|.json        e.g. /api/fts/plans.csv?country=VEN&year=2019

Every parameter is validated (params.SPECS); a bad one gives HTTP 400 with JSON naming it, an unknown
table or view 404, and nothing gives a traceback (security.install: errors are logged, the answer is JSON).
Table names come from a fixed registry and are never used to build a file path.
"""
from __future__ import annotations

from typing import Any, Callable

from flask import Blueprint, Flask, Response, jsonify, request

from dashboard.data import Dataset, retrieved_at
from dashboard.queries import coverage, undated_outside
from dashboard.queries.views import TABLE_PARAMS, VIEWS, View, known_values, table_view
from dashboard.render.figures import undated_sentence
from dashboard.render.text import SOURCES
from dashboard.web import exports, httpcache, openapi, package
from dashboard.web.params import ParamError, describe, parse
from dashboard.web.security import json_error
from ingest.schemas import TABLES

FORMATS = ("csv", "json", "zip")
_PUBLIC_PROVENANCE = ("rows", "columns", "source", "licence", "licence_url", "attribution", "inputs",
                      "written_at", "sha256", "origin", "version", "notes")


class NotFound(Exception):
    """An unknown table, view or format (HTTP 404)."""


def provenance(ds: Dataset, name: str) -> dict[str, Any]:
    """What /api/tables says about one table (no local paths)."""
    entry = ds.provenance[name]
    out = {k: entry[k] for k in _PUBLIC_PROVENANCE if k in entry}
    out["rows"] = ds.rows(name)  # a lazy table is not read for its count
    out["retrieved_at"] = retrieved_at(entry)
    return out


def _split(filename: str) -> tuple[str, str]:
    stem, dot, ext = filename.rpartition(".")
    if not dot or ext not in FORMATS:
        raise NotFound(f"unknown format in {filename[:80]!r}; use .csv or .json")
    return stem, ext


def serve(ds: Dataset, view: View, ext: str, args: Any) -> Response:
    """Rows of `view` for the request's query parameters, as CSV or JSON."""
    query = {k: args.getlist(k) for k in args.keys()}
    f, options, _ = parse(query, set(view.params) | {"hxl"}, known_values(ds))
    frame = view.rows(ds, f)
    as_of = ds.as_of(*view.tables)
    name = exports.file_stem(view.name)  # in the request's language (?lang=es)
    fname = exports.filename(name, describe(f, view.params), as_of, ext)
    headers = {"Content-Disposition": f'attachment; filename="{fname}"', "Cache-Control": "no-cache",
               "X-Rows": str(len(frame))}
    # Provenance of what a date range leaves out (incidents with only a year count in their year).
    undated = undated_outside(ds.cube, f) if view.source == "mmp" else []
    if undated:
        headers["X-Undated-Excluded"] = ", ".join(f"{year}={n}" for year, n in undated)
    cov = coverage.of(ds) if view.source == "mmp" else None
    if cov is not None and cov.header():
        headers["X-Data-Coverage"] = cov.header()  # first/last day of the migration data loaded
    headers["Link"] = package.link_header(view, request.full_path if request else "")
    if ext == "zip":  # the CSV with datapackage.json and README.md (source, licence, coverage, filters)
        csv_name = exports.filename(name, describe(f, view.params), as_of, "csv")
        first = ds.provenance[view.tables[0]]
        src = SOURCES["mmp" if view.source == "mmp" else "fts"]
        body = package.build(name, csv_name, exports.to_csv(frame, hxl=options.get("hxl", False),
                                                            headers=options.get("headers")), frame, {
            "title": view.title, "rows": int(len(frame)), "source": first.get("source") or src["name"],
            "url": src["url"], "licence": first.get("licence") or src["licence"],
            "licence_url": first.get("licence_url") or src["licence_url"],
            "attribution": first.get("attribution") or src["attribution"], "retrieved_at": as_of,
            "coverage": cov.as_dict() if cov is not None else None, "filters": dict(describe(f, view.params)),
            "created": as_of})
        headers.pop("Link", None)
        return Response(body, mimetype="application/zip", headers=headers)
    if ext == "csv":
        return Response(exports.to_csv(frame, hxl=options.get("hxl", False), headers=options.get("headers")),
                        mimetype="text/csv",
                        headers=headers)
    first = ds.provenance[view.tables[0]]
    meta = {"name": view.name, "filters": dict(describe(f, view.params)), "rows": int(len(frame)),
            "source": first.get("source"), "licence": first.get("licence"), "licence_url": first.get("licence_url"),
            "attribution": first.get("attribution"), "retrieved_at": as_of, "origin": first.get("origin"),
            "precision": ds.precision if view.source == "mmp" else None}
    if undated:
        meta["notes"] = [undated_sentence(undated)]
    if cov is not None:
        meta["coverage"] = cov.as_dict()
    return Response(exports.to_json(frame, meta), mimetype="application/json", headers=headers)


def register_api(server: Flask, current: Callable[[], Dataset]) -> None:
    """Add the /api routes and JSON error handlers to `server`; `current()` gives the loaded data."""
    bp = Blueprint("humdash_api", __name__)

    description = openapi.spec()

    @bp.get("/api/openapi.json")
    def openapi_json() -> Response:
        return jsonify(description)

    @bp.get("/api/tables")
    def tables() -> Response:
        ds = current()
        return jsonify([{"name": n, **provenance(ds, n), "params": list(TABLE_PARAMS[n]),
                         "csv": f"/api/{n}.csv", "json": f"/api/{n}.json"} for n in TABLES])

    @bp.get("/api/views")
    def views() -> Response:
        return jsonify([{"name": v.name, "title": v.title, "tables": list(v.tables), "params": list(v.params),
                         "csv": f"/api/{v.name}.csv", "json": f"/api/{v.name}.json"} for v in VIEWS.values()])

    @bp.get("/api/status")
    def status() -> Response:
        ds = current()
        return jsonify({"migration_precision": ds.precision, "data_error": ds.error,
                        "versions": {n: ds.provenance[n].get("version") for n in TABLES},
                        "origins": {n: ds.provenance[n].get("origin") for n in TABLES},
                        "data_problems": ds.problems(), "recovered": ds.recovered()})

    @bp.get("/api/<string:filename>")
    def table(filename: str) -> Response:
        stem, ext = _split(filename)
        if stem not in TABLE_PARAMS:
            raise NotFound(f"unknown table {stem[:80]!r}; known tables: {', '.join(TABLES)}")
        ds = current()  # whole tables: kept per data version and query (httpcache.py)
        return httpcache.answer(ds, lambda: serve(ds, table_view(stem), ext, request.args), keep=True)

    @bp.get("/api/<string:group>/<string:filename>")
    def view(group: str, filename: str) -> Response:
        stem, ext = _split(filename)
        name = f"{group}/{stem}"
        if name not in VIEWS:
            raise NotFound(f"unknown view {name[:80]!r}; known views: {', '.join(VIEWS)}")
        ds = current()
        return httpcache.answer(ds, lambda: serve(ds, VIEWS[name], ext, request.args), keep=False)

    @bp.get("/api/", defaults={"rest": ""})
    @bp.get("/api/<path:rest>")
    def anything_else(rest: str) -> Response:
        raise NotFound(f"no such API route: /api/{rest[:80]}; see /api/tables and /api/views")

    server.register_blueprint(bp)

    @server.errorhandler(ParamError)
    def bad_param(exc: ParamError) -> Response:
        return json_error(400, "bad parameter", exc.message, param=exc.param)

    @server.errorhandler(NotFound)
    def not_found(exc: NotFound) -> Response:
        return json_error(404, "not found", str(exc))
