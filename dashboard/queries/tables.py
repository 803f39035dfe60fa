"""Raw tables for /data and the API: rows of a table for a selection, and the table browser's sorting
and filtering (AG Grid's filter and sort models, and a short text syntax), applied on the server."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

import pandas as pd

from dashboard.i18n import _

from .filters import Filters, contains_code, period_columns
from .funding import _plan_ids
from .migration import filter_cube


def mmp_table_rows(frame: pd.DataFrame, f: Filters, day: str | None = None) -> pd.DataFrame:
    """Rows of a raw MMP table matching `f`, with the same period rule as the cube."""
    periods = period_columns(frame["year"], frame["month"], frame[day] if day else None)
    keep = filter_cube(pd.concat([frame, periods.drop(columns=[c for c in periods if c in frame])], axis=1), f).index
    return frame.loc[keep].reset_index(drop=True)


def table_rows(tables: Mapping[str, pd.DataFrame], name: str, f: Filters) -> pd.DataFrame:
    """Rows of one stored table matching the filters that apply to it (see api.TABLE_PARAMS)."""
    frame = tables[name]
    plans = tables["fts_plans"]
    if name == "fts_plans":
        mask = pd.Series(True, index=frame.index)
        if f.countries:
            mask &= contains_code(frame["countries_iso3"], f.countries)
        if f.years:
            mask &= frame["year"].isin(list(f.years))
        if f.plan_ids:
            mask &= frame["plan_id"].isin(list(f.plan_ids))
        if not f.include_regional:
            mask &= ~frame["is_regional"].astype(bool)
        return frame[mask].reset_index(drop=True)
    if name == "fts_plan_locations":
        mask = pd.Series(True, index=frame.index)
        if f.countries:
            mask &= frame["location_iso3"].isin(list(f.countries)).fillna(False).astype(bool)
        ids = _plan_ids(plans, f.but(countries=()))
        if ids is not None:
            mask &= frame["plan_id"].isin(ids)
        return frame[mask].reset_index(drop=True)
    if name in ("fts_clusters", "fts_donors", "fts_flows"):
        mask = pd.Series(True, index=frame.index)
        ids = _plan_ids(plans, f)
        if ids is not None:
            mask &= frame["plan_id"].isin(ids).fillna(False).astype(bool)
        if name == "fts_flows":
            if f.date_from is not None:
                mask &= (frame["date"] >= pd.Timestamp(f.date_from)).fillna(False).astype(bool)
            if f.date_to is not None:
                mask &= (frame["date"] <= pd.Timestamp(f.date_to)).fillna(False).astype(bool)
        return frame[mask].reset_index(drop=True)
    if name == "published_plan_figures":
        mask = pd.Series(True, index=frame.index)
        if f.countries:
            mask &= (contains_code(frame["countries_iso3"], f.countries)
                     | frame["context_iso3"].isin(list(f.countries)).fillna(False).astype(bool))
        if f.years:
            mask &= frame["year"].isin(list(f.years)).fillna(False).astype(bool)
        if f.plan_ids:
            mask &= (frame["fts_plan_id"].isin(list(f.plan_ids)).fillna(False).astype(bool)
                     | frame["figure_id"].isin(list(f.plan_ids)))
        return frame[mask].reset_index(drop=True)
    if name == "mmp_incidents":
        return mmp_table_rows(frame, f, day="incident_date")
    if name == "mmp_deaths":
        return mmp_table_rows(frame, f)
    raise KeyError(name)
_GRID_PART = re.compile(
    r"^\s*\{(?P<col>[^}]+)\}\s*(?P<op>[si]?(?:contains|datestartswith|eq|ne|le|ge|lt|gt|=|!=|<=|>=|<|>))\s*"
    r"(?P<val>.*?)\s*$", re.IGNORECASE)
_GRID_OPS = {"=": "eq", "!=": "ne", "<=": "le", ">=": "ge", "<": "lt", ">": "gt", "datestartswith": "startsWith"}
_GRID_WORDS = {"contains", "datestartswith", "eq", "ne", "le", "ge", "lt", "gt"}


@dataclass(frozen=True)
class Clause:
    """One column's filter: conditions (op, value) joined by AND or OR; a row must pass every clause."""

    column: str
    conditions: tuple[tuple[str, Any], ...]
    join: str = "AND"
    label: str = ""  # how the user wrote it, for a problem message


def grid_rows(frame: pd.DataFrame, filter_query: str | None, sort_by: list[dict[str, str]] | None
              ) -> tuple[pd.DataFrame, list[str]]:
    """Rows of a table filtered with a short text syntax ({col} op value && …) and sorted by
    [{column_id, direction}]. The table browser sends AG Grid's models instead (ag_grid_rows); both
    run through `filtered`, the one place that compares values.

    Returns (rows, problems): an expression that cannot be applied is skipped and reported, never raised.
    """
    clauses: list[Clause] = []
    problems: list[str] = []
    for part in (filter_query or "").split(" && "):
        if not part.strip():
            continue
        m = _GRID_PART.match(part)
        if not m or m.group("col") not in frame.columns:
            problems.append(part.strip()[:80])
            continue
        col, op, raw = m.group("col"), m.group("op").lower(), m.group("val")
        if op[0] in "si" and op[1:] in _GRID_WORDS:  # case prefixes: treated alike (text match is case-blind)
            op = op[1:]
        op = _GRID_OPS.get(op, op)
        value = raw[1:-1] if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'`" else raw
        clauses.append(Clause(col, ((op, value),), label=part.strip()[:80]))
    sort = [(s["column_id"], s.get("direction") != "desc") for s in sort_by or [] if s.get("column_id") in frame.columns]
    rows, more = filtered(frame, clauses, sort)
    return rows, problems + more


def filtered(frame: pd.DataFrame, clauses: list[Clause], sort: list[tuple[str, bool]]
             ) -> tuple[pd.DataFrame, list[str]]:
    """`frame`'s rows passing every clause, sorted by (column, ascending) pairs (blanks last, stable);
    a clause whose value does not fit its column is skipped and its label returned as a problem."""
    rows = frame
    problems: list[str] = []
    for clause in clauses:
        try:
            hits = [_hit(rows[clause.column], op, value) for op, value in clause.conditions]
        except (ValueError, TypeError, OverflowError):
            problems.append(clause.label or clause.column)
            continue
        mask = hits[0]
        for hit in hits[1:]:
            mask = (mask | hit) if clause.join == "OR" else (mask & hit)
        rows = rows[mask]
    sort = [(c, asc) for c, asc in sort if c in rows.columns]
    if sort:
        rows = rows.sort_values([c for c, _a in sort], ascending=[a for _c, a in sort], na_position="last",
                                kind="mergesort")
    return rows, problems


def _as_text(series: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series):
        return series.dt.strftime("%Y-%m-%d").astype("string")
    return series.astype("string")


def _target(series: pd.Series, value: Any) -> Any:
    """`value` as the column's type (raises ValueError/TypeError when it is not one)."""
    if pd.api.types.is_bool_dtype(series):
        return str(value).strip().lower() in ("true", "1", "yes")
    if pd.api.types.is_numeric_dtype(series):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(value)
        return number
    if pd.api.types.is_datetime64_any_dtype(series):
        return pd.Timestamp(value)
    return str(value)


def _hit(series: pd.Series, op: str, value: Any) -> pd.Series:
    """Which values of `series` pass one condition (a boolean Series; blanks fail all but ne/notContains)."""
    if op in ("blank", "notBlank"):
        blank = (series.isna() | _as_text(series).str.strip().eq("")).fillna(True).astype(bool)
        return blank if op == "blank" else ~blank
    if op in ("contains", "notContains", "startsWith", "endsWith"):
        text, needle = _as_text(series).str.lower(), str(value).lower()
        hit = {"contains": text.str.contains(needle, regex=False), "notContains": ~text.str.contains(needle, regex=False),
               "startsWith": text.str.startswith(needle), "endsWith": text.str.endswith(needle)}[op]
        return hit.fillna(op == "notContains").astype(bool)
    if op == "inRange":
        low, high = (_target(series, v) for v in value)
        return ((series >= low) & (series <= high)).fillna(False).astype(bool)
    if op not in ("eq", "ne", "lt", "le", "gt", "ge"):
        raise ValueError(op)
    target = _target(series, value)
    if isinstance(target, str):  # text compares case-blind, as AG Grid's own text filter does
        series, target = series.astype("string").str.lower(), target.lower()
    hit = {"eq": series == target, "ne": series != target, "lt": series < target,
           "le": series <= target, "gt": series > target, "ge": series >= target}[op]
    return hit.fillna(op == "ne").astype(bool)


# AG Grid's filter and sort models (the /data grid) -> the clauses above. Everything in them comes from
# the browser: anything unknown is reported in the problems, never raised.
_AG_TEXT = {"contains": "contains", "notContains": "notContains", "equals": "eq", "notEqual": "ne",
            "startsWith": "startsWith", "endsWith": "endsWith", "blank": "blank", "notBlank": "notBlank"}
_AG_NUMBER = {"equals": "eq", "notEqual": "ne", "lessThan": "lt", "lessThanOrEqual": "le", "greaterThan": "gt",
              "greaterThanOrEqual": "ge", "inRange": "inRange", "blank": "blank", "notBlank": "notBlank"}
_AG_DATE = {"equals": "eq", "notEqual": "ne", "lessThan": "lt", "greaterThan": "gt", "inRange": "inRange",
            "blank": "blank", "notBlank": "notBlank"}
AG_OPTIONS = {"text": list(_AG_TEXT), "number": list(_AG_NUMBER), "date": list(_AG_DATE)}
MAX_DIGITS = 15  # a browser holds whole numbers exactly to 15 digits (2**53); no figure here has more
MAX_TEXT = 200
MAX_CONDITIONS = 10
_AG_DATE_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}:\d{2})?$")


def column_kind(dtype: Any) -> str:
    """Which AG Grid filter a column gets: "number", "date" or "text" (booleans filter as text)."""
    if pd.api.types.is_bool_dtype(dtype):
        return "text"
    if pd.api.types.is_numeric_dtype(dtype):
        return "number"
    return "date" if pd.api.types.is_datetime64_any_dtype(dtype) else "text"


def ag_grid_rows(frame: pd.DataFrame, filter_model: Any, sort_model: Any) -> tuple[pd.DataFrame, list[str]]:
    """Rows of `frame` for AG Grid's filterModel and sortModel, as grid_rows gives for its syntax:
    (rows, problems), the problems in the interface language."""
    rows, _clauses, _sort, problems = ag_grid_query(frame, filter_model, sort_model)
    return rows, problems


def ag_grid_query(frame: pd.DataFrame, filter_model: Any, sort_model: Any
                  ) -> tuple[pd.DataFrame, list[Clause], list[tuple[str, bool]], list[str]]:
    """ag_grid_rows with what was applied: (rows, clauses, sort, problems); a clause's label says it in words."""
    kinds = {str(c): column_kind(t) for c, t in frame.dtypes.items()}
    clauses, sort, problems = from_ag_grid(kinds, filter_model, sort_model)
    rows, more = filtered(frame, clauses, sort)
    applied = [c for c in clauses if (c.label or c.column) not in more]
    return rows, applied, sort, problems + [_("{column}: the value does not fit this column").format(column=m)
                                            for m in more]


def from_ag_grid(kinds: Mapping[str, str], filter_model: Any, sort_model: Any
                 ) -> tuple[list[Clause], list[tuple[str, bool]], list[str]]:
    """(clauses, sort, problems) for AG Grid's models, given each column's kind (column_kind)."""
    problems: list[str] = []
    clauses: list[Clause] = []
    if not isinstance(filter_model, (dict, type(None))):
        problems.append(_("filter: not understood"))
        filter_model = None
    for column, model in (filter_model or {}).items():
        name = str(column)[:40]
        if column not in kinds:
            problems.append(_("{column}: no such column").format(column=name))
            continue
        try:
            clauses.append(_ag_clause(column, kinds[column], model))
        except ValueError as exc:
            problems.append(f"{name}: {exc}")
    sort: list[tuple[str, bool]] = []
    for item in sort_model if isinstance(sort_model, list) else []:
        column = item.get("colId") if isinstance(item, dict) else None
        if column not in kinds or item.get("sort") not in ("asc", "desc"):
            problems.append(_("{column}: cannot sort by this").format(column=str(column)[:40]))
        elif column not in (c for c, _a in sort):
            sort.append((column, item["sort"] == "asc"))
    if sort_model is not None and not isinstance(sort_model, list):
        problems.append(_("sort: not understood"))
    return clauses, sort, problems


def _ag_clause(column: str, kind: str, model: Any) -> Clause:
    if not isinstance(model, dict):
        raise ValueError(_("filter not understood"))
    conditions, join = [model], "AND"
    if "conditions" in model:
        conditions, join = model["conditions"], model.get("operator", "AND")
        if join not in ("AND", "OR") or not isinstance(conditions, list) or not conditions:
            raise ValueError(_("filter not understood"))
        if len(conditions) > MAX_CONDITIONS:
            raise ValueError(_("more than {n} conditions").format(n=MAX_CONDITIONS))
    parts = tuple(_ag_condition(kind, c) for c in conditions)
    label = f" {join.lower()} ".join(f"{c['type']} {_shown(v)}".strip() for c, (_op, v) in zip(conditions, parts))
    return Clause(column, parts, join, label=f"{column} {label}")


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):
        return " – ".join(_shown(v) for v in value)
    if isinstance(value, pd.Timestamp):
        return value.isoformat()[:10]
    return repr(value) if isinstance(value, str) else f"{value:g}"


def _ag_condition(kind: str, condition: Any) -> tuple[str, Any]:
    if not isinstance(condition, dict):
        raise ValueError(_("filter not understood"))
    ops = {"number": _AG_NUMBER, "date": _AG_DATE}.get(kind, _AG_TEXT)
    kind_of = condition.get("type")
    if not isinstance(kind_of, str) or kind_of not in ops:
        raise ValueError(_("unknown condition {name}").format(name=repr(kind_of)[:40]))
    op = ops[kind_of]
    if op in ("blank", "notBlank"):
        return op, None
    if kind == "number":
        value = _ag_number(condition.get("filter"))
        return op, ((value, _ag_number(condition.get("filterTo"))) if op == "inRange" else value)
    if kind == "date":
        value = _ag_date(condition.get("dateFrom"))
        return op, ((value, _ag_date(condition.get("dateTo"))) if op == "inRange" else value)
    text = condition.get("filter")
    if not isinstance(text, str) or not text or len(text) > MAX_TEXT:
        raise ValueError(_("expected a text of 1 to {n} characters").format(n=MAX_TEXT))
    return op, text


def _ag_number(value: Any) -> float | int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(_("expected a number"))
    if isinstance(value, float) and not math.isfinite(value) or abs(value) >= 10**MAX_DIGITS:
        raise ValueError(_("number too large: at most {n} digits").format(n=MAX_DIGITS))
    return value


def _ag_date(value: Any) -> pd.Timestamp:
    if not isinstance(value, str) or not _AG_DATE_TEXT.match(value):
        raise ValueError(_("expected a date (YYYY-MM-DD)"))
    try:  # Python's own calendar (years 1-9999): pandas takes year 0 and more that nothing else can print
        return pd.Timestamp(datetime.fromisoformat(value))
    except ValueError:
        raise ValueError(_("expected a date (YYYY-MM-DD)")) from None
