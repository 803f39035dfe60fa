"""Curated (published) figures from data/curated/plan_figures.csv."""
from __future__ import annotations

import pandas as pd
from pathlib import Path
from typing import Any

from ...errors import IngestError
from ...report import Report
from ...schemas import validate
from .converters import _int
from .hdx_csv import _csv_rows
from .model import ROW
from .tidy import _frame, _percent


CURATED_COLUMNS = ["plan_id", "plan_code", "plan_name", "plan_type", "year", "start_date", "end_date",
                   "countries_iso3", "is_regional", "context_iso3", "fts_name_pattern", "requirements_usd",
                   "funding_usd", "percent_funded", "people_in_need", "people_targeted", "source",
                   "source_date", "source_url", "notes"]


def read_published(curated_csv: Path, report: Report | None = None) -> pd.DataFrame:
    """data/curated/plan_figures.csv as the validated `published_plan_figures` table: figures published
    outside FTS, each with its source, date and URL. FTS tables never hold them."""
    rows = _read_curated(Path(curated_csv))
    table = pd.DataFrame({
        "figure_id": pd.array([r["plan_id"] for r in rows], dtype="int64"),
        # A row for an FTS plan (positive id) completes that plan; a negative id is a plan FTS lacks.
        "fts_plan_id": pd.array([r["plan_id"] if r["plan_id"] > 0 else None for r in rows], dtype="Int64"),
        **{c: [r.get(c) for r in rows] for c in PUBLISHED_COLUMNS},
    })
    table["start_date"] = pd.to_datetime(table["start_date"], format="%Y-%m-%d", errors="coerce")
    table["end_date"] = pd.to_datetime(table["end_date"], format="%Y-%m-%d", errors="coerce")
    if report is not None:
        report.count("published_plan_figures: curated rows read", len(table))
    return validate("published_plan_figures", table, str(curated_csv))


def combine(plans: pd.DataFrame, published: pd.DataFrame, report: Report | None = None) -> pd.DataFrame:
    """FTS plans with published figures where FTS has none, each labelled "published figure: <source>".

    A published row for an FTS plan (fts_plan_id) only fills blank people_in_need / people_targeted
    (people_source says so). A row for a plan FTS lacks (negative figure_id) is added as a whole plan
    only when `plans` holds a plan of that year for its context country and no FTS plan of that year
    matches its fts_name_pattern (so it never duplicates FTS data). FTS values are never replaced.
    For pages that show both; the stored FTS tables and their API routes hold FTS data only."""
    report = report if report is not None else Report()
    out = plans.copy()
    added = []
    for row in _published_rows(published):
        source = f"published figure: {row['source']}"
        match = out.index[out["plan_id"] == row["plan_id"]]
        if len(match):
            _fill_people(out, match[0], row, source, report)
        elif row["plan_id"] < 0:
            new = _published_plan(out, row, source, report)
            if new is not None:
                added.append(new)
        else:
            report.count("curated figures: row for an FTS plan not in this data (not used)")
    if added:
        out = pd.concat([out, _frame("fts_plans", added)], ignore_index=True)
    return validate("fts_plans", out, "published figures")


def apply_curated(plans: pd.DataFrame, curated_csv: Path, report: Report | None = None) -> pd.DataFrame:
    """`combine(plans, read_published(curated_csv))`: FTS plans with the curated published figures."""
    return combine(plans, read_published(curated_csv), report)


PUBLISHED_COLUMNS = ["plan_code", "plan_name", "plan_type", "year", "start_date", "end_date", "countries_iso3",
                     "is_regional", "context_iso3", "fts_name_pattern", "requirements_usd", "funding_usd",
                     "percent_funded", "people_in_need", "people_targeted", "source", "source_date", "source_url",
                     "notes"]


def _published_rows(published: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of the published_plan_figures table as plain dicts keyed like the curated CSV (plan_id)."""
    rows = []
    for record in published.to_dict("records"):
        row = {k: (None if not isinstance(v, (list, tuple)) and pd.isna(v) else v) for k, v in record.items()}
        for column in ("year", "requirements_usd", "funding_usd", "people_in_need", "people_targeted"):
            row[column] = None if row[column] is None else int(row[column])
        for column in ("start_date", "end_date"):
            row[column] = None if row[column] is None else pd.Timestamp(row[column]).strftime("%Y-%m-%d")
        row["plan_id"] = int(row["figure_id"])
        rows.append(row)
    return rows


def _read_curated(path: Path) -> list[dict[str, Any]]:
    """Rows of data/curated/plan_figures.csv with typed values; a bad cell names its row and column."""
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"{path}: cannot read curated figures ({exc.strerror})") from None
    header, rows = _csv_rows(content, str(path), Report())
    missing = [c for c in ("plan_id", "source", "people_in_need", "people_targeted") if c not in header]
    if missing:
        raise IngestError(f"{path}: columns {', '.join(missing)} missing; expected {', '.join(CURATED_COLUMNS)}")
    out = []
    for row in rows:
        here = f"{path} row {row[ROW]}"
        if not row.get("source"):
            raise IngestError(f"{here}: column source is blank; every published figure needs its source")
        typed: dict[str, Any] = {k: (v or None) for k, v in row.items() if k != ROW}
        typed["plan_id"] = _int(row["plan_id"], here, "plan_id", required=True)
        for column in ("year", "requirements_usd", "funding_usd", "people_in_need", "people_targeted"):
            typed[column] = _int(row.get(column, ""), here, column)
        try:
            typed["percent_funded"] = float(row["percent_funded"]) if row.get("percent_funded") else None
        except ValueError:
            raise IngestError(f"{here}: column percent_funded {row['percent_funded']!r} is not a number") from None
        typed["is_regional"] = (row.get("is_regional") or "").lower() in ("true", "1", "yes")
        out.append(typed)
    return out


def _fill_people(out: pd.DataFrame, index: Any, row: dict[str, Any], source: str, report: Report) -> None:
    """Fill blank people figures of an FTS plan; an FTS value is never replaced."""
    filled = []
    for column in ("people_in_need", "people_targeted"):
        value = row[column]
        if value is None:
            continue
        current = out.at[index, column]
        if pd.isna(current):
            out.at[index, column] = value
            filled.append(column)
            report.count(f"fts_plans: {column} filled from a published figure")
        elif int(current) != value:
            report.count(f"fts_plans: published {column} differs from FTS; FTS value kept")
    if filled:
        current = out.at[index, "people_source"]
        out.at[index, "people_source"] = source if pd.isna(current) else f"{current}; {source}"


def _published_plan(plans: pd.DataFrame, row: dict[str, Any], source: str, report: Report) -> dict | None:
    """A whole plan row from published figures, or None when it does not belong to this data."""
    year, context = row.get("year"), row.get("context_iso3")
    same_year = plans[plans["year"] == year]
    if context:
        same_year_here = same_year[same_year["countries_iso3"].fillna("").str.contains(context, regex=False)]
        if same_year_here.empty:
            report.count("curated figures: published plan for a country-year not in this data (not added)")
            return None
    pattern = row.get("fts_name_pattern")
    if pattern and same_year["plan_name"].fillna("").str.contains(pattern, regex=True).any():
        report.count("curated figures: published plan not added (FTS has the plan)")
        return None
    missing = [c for c in ("plan_name", "year", "funding_usd") if row.get(c) is None]
    if missing:
        raise IngestError(f"published plan {row['plan_id']}: columns {', '.join(missing)} blank; a plan row "
                          "FTS lacks needs plan_name, year and funding_usd")
    requirements, funding = row.get("requirements_usd"), row["funding_usd"]
    percent = row.get("percent_funded")
    report.count("curated figures: published plan added (not FTS data)")
    return {
        "plan_id": row["plan_id"], "plan_code": row.get("plan_code"), "plan_name": row["plan_name"],
        "plan_type": row.get("plan_type"), "year": year, "start_date": row.get("start_date"),
        "end_date": row.get("end_date"), "countries_iso3": row.get("countries_iso3"),
        "is_regional": row["is_regional"], "requirements_original_usd": None, "requirements_usd": requirements,
        "funding_usd": funding, "pledges_usd": None,
        "percent_funded": percent if percent is not None else _percent(funding, requirements),
        "unmet_usd": None if not requirements else max(requirements - funding, 0),
        "people_in_need": row.get("people_in_need"), "people_targeted": row.get("people_targeted"),
        "people_source": source if row.get("people_in_need") or row.get("people_targeted") else None,
        "figures_source": source, "coverage": "plan",
    }
