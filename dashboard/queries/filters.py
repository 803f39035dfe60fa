"""The selection every query takes (`Filters`, frozen and hashable, so it can key a cache), the column
lists of each answer, and the small helpers the query modules share (code matching, sums, periods)."""
from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Iterable

import pandas as pd


@dataclass(frozen=True)
class Filters:
    """One selection, shared by pages, downloads and the API (hashable, so it can key a cache).

    `countries` means the plan's country for FTS tables and the country of the incident for MMP
    tables. Empty tuples mean "no restriction".
    """

    years: tuple[int, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    countries: tuple[str, ...] = ()
    plan_ids: tuple[int, ...] = ()
    regions: tuple[str, ...] = ()
    region_groups: tuple[str, ...] = ()
    origins: tuple[str, ...] = ()
    causes: tuple[str, ...] = ()
    routes: tuple[str, ...] = ()
    include_regional: bool = True
    cluster_type: str = "cluster"
    freq: str = "month"

    def but(self, **changes: Any) -> "Filters":
        """A copy with some fields changed."""
        return replace(self, **changes)
MMP_COUNTS = ["incidents", "dead", "missing", "dead_and_missing", "survivors", "females", "males", "children"]
MMP_DIMS = ["region", "region_group", "country_of_incident_iso3", "origin", "origin_iso3", "origin_group",
            "cause_of_death", "migration_route"]
CUBE_COLUMNS = ["date", "date_end", "precision", "year", "month", *MMP_DIMS, *MMP_COUNTS]
SUMMED = ["dead", "missing", "dead_and_missing", "incidents"]
ORIGIN_COLUMNS = ["origin", "origin_iso3", "origin_group", "dead", "missing", "dead_and_missing", "incidents"]
TREND_COLUMNS = ["period", "period_start", "dead", "missing", "dead_and_missing", "incidents"]
REGION_COLUMNS = ["region_group", "region", "dead", "missing", "dead_and_missing", "incidents"]
CAUSE_COLUMNS = ["cause_of_death", "dead", "missing", "dead_and_missing", "incidents"]
BIN_COLUMNS = ["lat", "lon", "bin_degrees", "dead", "missing", "dead_and_missing", "incidents"]
PLAN_COLUMNS = ["plan_id", "plan_code", "plan_name", "plan_type", "year", "countries_iso3", "is_regional",
                "requirements_usd", "funding_usd", "unmet_usd", "percent_funded", "pledges_usd",
                "people_in_need", "people_targeted", "people_source", "figures_source"]
CLUSTER_COLUMNS = ["plan_id", "plan_code", "year", "cluster_type", "row_type", "cluster_id", "cluster_name",
                   "requirements_usd", "funding_usd", "unmet_usd", "percent_funded"]
DONOR_COLUMNS = ["plan_id", "plan_code", "year", "donor_name", "donor_type", "donor_iso3", "funding_usd",
                 "pledges_usd", "flows", "share_percent"]
TIMELINE_COLUMNS = ["plan_id", "plan_code", "date", "funding_usd", "cumulative_usd"]


def contains_code(codes: pd.Series, wanted: Iterable[str]) -> pd.Series:
    """True where a ';'-joined ISO3 list holds any of `wanted` (NA counts as no match)."""
    wrapped = ";" + codes.astype("string").fillna("") + ";"
    mask = pd.Series(False, index=codes.index)
    for code in wanted:
        mask |= wrapped.str.contains(f";{code};", regex=False).astype(bool)
    return mask


def _plain_dtype(dtype: Any) -> Any:
    """A categorical column's values dtype (the app's cube stores its text dimensions as categoricals;
    answers carry them as the text they are), any other dtype unchanged."""
    return dtype.categories.dtype if isinstance(dtype, pd.CategoricalDtype) else dtype


def _sum_by(rows: pd.DataFrame, keys: list[str], counts: list[str]) -> pd.DataFrame:
    """Group with NA keys kept (an unknown is a bar, never dropped) and sum counts as int64."""
    if rows.empty:
        out = pd.DataFrame({k: pd.Series([], dtype=_plain_dtype(rows[k].dtype) if k in rows else "string")
                            for k in keys})
        for c in counts:
            out[c] = pd.Series([], dtype="int64")
        return out
    grouped = rows.groupby(keys, dropna=False, sort=False, observed=True)[counts].sum().reset_index()
    for k in keys:
        if isinstance(grouped[k].dtype, pd.CategoricalDtype):
            grouped[k] = grouped[k].astype(_plain_dtype(grouped[k].dtype))
    for c in counts:
        grouped[c] = grouped[c].astype("int64")
    return grouped


def _sorted_desc(frame: pd.DataFrame, by: str, then: list[str]) -> pd.DataFrame:
    """Largest first; ties broken by `then` ascending so the order is stable across runs."""
    return (frame.sort_values([by, *then], ascending=[False] + [True] * len(then), na_position="last",
                              kind="mergesort")
            .reset_index(drop=True))


def month_end(d: date) -> date:
    """Last day of d's month."""
    return date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])


def period_columns(year: pd.Series, month: pd.Series, day: pd.Series | None = None) -> pd.DataFrame:
    """`date`, `date_end` and `precision` of each row: its day, else its month, else its year."""
    y = year.astype("int64")
    m = month.astype("Int64")
    month_start = pd.to_datetime(pd.DataFrame({"year": y, "month": m.fillna(1).astype("int64"), "day": 1}))
    start = month_start.where(m.notna(), pd.to_datetime(pd.DataFrame({"year": y, "month": 1, "day": 1})))
    end = (month_start + pd.offsets.MonthEnd(0)).where(
        m.notna(), pd.to_datetime(pd.DataFrame({"year": y, "month": 12, "day": 31})))
    precision = pd.Series("year", index=year.index, dtype="string").mask(m.notna(), "month")
    if day is not None:
        known = day.notna()
        start = start.mask(known, day)
        end = end.mask(known, day)
        precision = precision.mask(known, "day")
    return pd.DataFrame({"date": start.astype("datetime64[ns]"), "date_end": end.astype("datetime64[ns]"),
                         "precision": precision})


def is_missing(value: Any) -> bool:
    """None, NA and NaN all mean 'no value' (fmt re-exports this for the UI layer)."""
    if value is None or value is pd.NA:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
