"""What changed between two versions of a table in the data directory (ingest/changes.py).

    /api/changes.csv|json?table=<table>&since=YYYY-MM-DD[&part=totals]

`since` picks the version current at the end of that day (default: the previous version); the
newest version is compared with it. `part=totals` gives, for the MMP tables, dead and missing per year
and region group in both versions (`totals_by_region`) instead of the changed rows.
With fewer than two versions (e.g. only the bundled snapshot) the answer is 409 JSON saying how to
get a comparison (ingest twice); an unknown table or part 404, a bad date 400.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from pathlib import Path
from typing import Callable

import pandas as pd
from flask import Blueprint, Flask, Response, request

from dashboard.i18n import N_, _
from dashboard.web import exports
from dashboard.web.params import ParamError
from dashboard.web.security import json_error
from ingest.changes import SPECS, changes, pick_versions, totals_by_region
from ingest.errors import IngestError
from ingest.store import Store, version_stamp

TABLES = tuple(SPECS)
TOTALS_TABLES = ("mmp_deaths", "mmp_incidents")
HOW_TO = N_("Run an ingest twice (for example `python -m ingest mmp --file OLD.csv` and later "
          "`python -m ingest mmp --file NEW.xlsx`, with the same --data-dir); each ingest keeps a version "
          "and this view compares them.")


class NoComparison(Exception):
    """Fewer than two versions, or none at or before `since` (HTTP 409)."""


@dataclass(frozen=True)
class Result:
    table: str
    rows: pd.DataFrame
    totals: pd.DataFrame | None
    old_version: str
    new_version: str


def parse_since(text: str | None) -> datetime | None:
    """End of the day YYYY-MM-DD in UTC (None when absent); ParamError otherwise."""
    if text is None or text == "":
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ParamError("since", _("expected a date YYYY-MM-DD")) from None
    if len(text) != 10:
        raise ParamError("since", _("expected a date YYYY-MM-DD"))
    return datetime.combine(day, time(23, 59, 59), tzinfo=timezone.utc)


def parse_table(text: str | None) -> str:
    if not text:
        raise ParamError("table", _("choose a table: {names}").format(names=", ".join(TABLES)))
    if text not in TABLES:
        raise ParamError("table", _("unknown table; known: {names}").format(names=", ".join(TABLES)))
    return text


def _reason(text: str) -> str:
    """ingest's English reason in the interface language (the common one; others as they are)."""
    import re

    match = re.search(r"only (\d+) version\(s\) kept", text)
    if match:
        return _("the data directory keeps {n} version(s) so far; ingest again to see what changed").format(
            n=match.group(1))
    return text


def compute(data_dir: str | Path, table: str, since: datetime | None) -> Result:
    """Changed rows (and MMP totals) between the version at `since` (or the previous one) and now."""
    store = Store.for_url(data_dir)
    try:
        old_dir, new_dir = pick_versions(store, since)
        rows = changes(store, table, since)
        totals = None
        if table in TOTALS_TABLES:
            new = store.read(table, new_dir)
            old_tables = store.manifest(old_dir).get("tables", {})
            old = store.read(table, old_dir) if table in old_tables else new.iloc[0:0]
            totals = totals_by_region(old, new)
    except IngestError as exc:
        raise NoComparison(_reason(str(exc).replace(str(data_dir), _("the data directory")))) from exc
    return Result(table, rows, totals, old_dir.name, new_dir.name)


def register_changes(server: Flask, data_dir: Callable[[], str | Path]) -> None:
    bp = Blueprint("humdash_changes", __name__)

    @bp.get("/api/changes.<string:ext>")
    def changes_api(ext: str) -> Response:
        if ext not in ("csv", "json"):
            return json_error(404, "not found", "unknown format; use .csv or .json")
        unknown = sorted(set(request.args) - {"table", "since", "part", "lang", "headers"})  # lang: the i18n switch
        if unknown:
            raise ParamError(unknown[0], _("unexpected parameter"))
        table = parse_table(request.args.get("table"))
        since = parse_since(request.args.get("since"))
        part = request.args.get("part", "rows")
        if part not in ("rows", "totals") or (part == "totals" and table not in TOTALS_TABLES):
            raise ParamError("part", _("part=totals is for {names} only").format(names=", ".join(TOTALS_TABLES)))
        try:
            result = compute(data_dir(), table, since)
        except NoComparison as exc:
            return json_error(409, "no comparison", f"{exc}. {_(HOW_TO)}")
        frame = result.totals if part == "totals" else result.rows
        fname = exports.filename(f"changes-{table}" + ("-totals" if part == "totals" else ""),
                                 [("since", request.args.get("since", ""))] if request.args.get("since") else [],
                                 version_stamp(result.new_version)[:8], ext)
        headers = {"Content-Disposition": f'attachment; filename="{fname}"', "Cache-Control": "no-cache",
                   "X-Rows": str(len(frame))}
        if ext == "csv":
            return Response(exports.to_csv(frame), mimetype="text/csv", headers=headers)
        meta = {"name": f"changes/{table}", "part": part, "old_version": result.old_version,
                "new_version": result.new_version, "since": request.args.get("since"), "rows": int(len(frame))}
        return Response(exports.to_json(frame, meta), mimetype="application/json", headers=headers)

    server.register_blueprint(bp)
