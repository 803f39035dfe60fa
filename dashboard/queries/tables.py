"""Raw tables for /data and the API: rows of a table for a selection, and the table browser's paging,
sorting and filtering (the grid's filter language)."""
from __future__ import annotations

import re
from typing import Any, Mapping

import pandas as pd

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
_GRID_OPS = {"=": "eq", "!=": "ne", "<=": "le", ">=": "ge", "<": "lt", ">": "gt"}
_GRID_WORDS = {"contains", "datestartswith", "eq", "ne", "le", "ge", "lt", "gt"}


def grid_rows(frame: pd.DataFrame, filter_query: str | None, sort_by: list[dict[str, str]] | None
              ) -> tuple[pd.DataFrame, list[str]]:
    """Rows of a table filtered with DataTable's filter syntax ({col} op value && …) and sorted.

    Returns (rows, problems): an expression that cannot be applied is skipped and reported, never raised.
    """
    rows = frame
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
        series = rows[col]
        try:
            if op in ("contains", "datestartswith"):
                text = series.astype("string")
                if pd.api.types.is_datetime64_any_dtype(series):
                    text = series.dt.strftime("%Y-%m-%d").astype("string")
                hit = (text.str.startswith(value) if op == "datestartswith"
                       else text.str.contains(value, case=False, regex=False))
            else:
                if pd.api.types.is_bool_dtype(series):
                    target: Any = value.strip().lower() in ("true", "1", "yes")
                elif pd.api.types.is_numeric_dtype(series):
                    target = float(value)
                elif pd.api.types.is_datetime64_any_dtype(series):
                    target = pd.Timestamp(value)
                else:
                    target = value
                hit = {"eq": series == target, "ne": series != target, "lt": series < target,
                       "le": series <= target, "gt": series > target, "ge": series >= target}[op]
            rows = rows[hit.fillna(False).astype(bool)]
        except (ValueError, TypeError):
            problems.append(part.strip()[:80])
    if sort_by:
        cols = [s["column_id"] for s in sort_by if s.get("column_id") in rows.columns]
        asc = [s.get("direction") != "desc" for s in sort_by if s.get("column_id") in rows.columns]
        if cols:
            rows = rows.sort_values(cols, ascending=asc, na_position="last", kind="mergesort")
    return rows, problems
