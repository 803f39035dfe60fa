"""The migration cube, built once per load: incidents summed per day (or month, or year when that is
all the source gives) and dimension combination, with text dimensions as categoricals; and the map's
grid of incident bins."""
from __future__ import annotations

import logging

import pandas as pd

from dashboard.queries import CUBE_COLUMNS, MMP_COUNTS, MMP_DIMS, period_columns

log = logging.getLogger(__name__)
GEO_COUNTS = ["incidents", "dead", "missing", "dead_and_missing"]  # what the map sums (queries.SUMMED)
GEO_COLUMNS = ["date", "date_end", "precision", "year", "month", *MMP_DIMS, "lat_bin", "lon_bin", *GEO_COUNTS]


def _counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Count columns as int64 with blanks as 0 (a blank count adds nothing to a sum)."""
    return pd.DataFrame({c: frame[c].astype("Int64").fillna(0).astype("int64") for c in MMP_COUNTS if c in frame},
                        index=frame.index)


def _aggregate(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    counts = [c for c in MMP_COUNTS if c != "incidents"]
    grouped = frame.groupby(keys, dropna=False, sort=True)
    out = grouped[counts].sum().join(grouped.size().rename("incidents")).reset_index()
    for c in MMP_COUNTS:
        out[c] = out[c].astype("int64")
    return out


def build_cube(tables: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, str]:
    """The pre-aggregated frame every migration query runs on, and its precision ("day"/"month").

    From mmp_incidents when it was ingested (one row per day and dimension combination; incidents
    without a date fall back to their month, else their year), otherwise from mmp_deaths (one row
    per month, date = first of the month).
    """
    incidents = tables.get("mmp_incidents")
    if incidents is not None and not incidents.empty:
        periods = period_columns(incidents["year"], incidents["month"], incidents["incident_date"])
        frame = pd.concat([periods, incidents[["year", "month", *MMP_DIMS]],
                           _counts(incidents.drop(columns=["incidents"], errors="ignore"))], axis=1)
        cube = _aggregate(frame, ["date", "date_end", "precision", "year", "month", *MMP_DIMS])
        return _typed(cube[CUBE_COLUMNS]), "day"
    deaths = tables.get("mmp_deaths")
    if deaths is None or deaths.empty:
        return _typed(pd.DataFrame({c: [] for c in CUBE_COLUMNS})), "month"
    periods = period_columns(deaths["year"], deaths["month"])
    cube = pd.concat([periods, deaths[["year", "month", *MMP_DIMS]], _counts(deaths)], axis=1)
    return _typed(cube[CUBE_COLUMNS].reset_index(drop=True)), "month"


def build_geo(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Incidents with coordinates summed on a 1-degree grid per day and dimension (empty without
    incident data): the map is drawn from this, never from one marker per incident."""
    incidents = tables.get("mmp_incidents")
    if incidents is None or incidents.empty:
        return _typed(pd.DataFrame({c: [] for c in GEO_COLUMNS}))
    located = incidents[incidents["lat"].notna() & incidents["lon"].notna()]
    periods = period_columns(located["year"], located["month"], located["incident_date"])
    bins = pd.DataFrame({"lat_bin": located["lat"].astype("float64").floordiv(1).astype("int64"),
                         "lon_bin": located["lon"].astype("float64").floordiv(1).astype("int64")},
                        index=located.index)
    frame = pd.concat([periods, located[["year", "month", *MMP_DIMS]], bins,
                       _counts(located.drop(columns=["incidents"], errors="ignore"))], axis=1)
    geo = _aggregate(frame, ["date", "date_end", "precision", "year", "month", *MMP_DIMS, "lat_bin", "lon_bin"])
    return _typed(geo[GEO_COLUMNS])


def compact(frame: pd.DataFrame) -> pd.DataFrame:
    """The cube's text dimensions as categoricals (a code per row instead of the text: the x100 cube and
    map grid shrink by about half). Categories are the sorted values, so sorting and comparing behave as
    on the text; the queries give the dimensions back as text (queries._plain_dtype)."""
    out = frame.copy()
    for c in ("precision", *MMP_DIMS):
        if c in out:
            out[c] = out[c].astype("category")
    return out


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Stable dtypes, also for an empty cube (so queries behave the same with no data)."""
    out = frame.copy()
    for c in ("date", "date_end"):
        out[c] = pd.to_datetime(out[c]).astype("datetime64[ns]")
    out["precision"] = out["precision"].astype("string")
    out["year"] = out["year"].astype("int64")
    out["month"] = out["month"].astype("Int64")
    for c in MMP_DIMS:
        out[c] = out[c].astype("string")
    for c in MMP_COUNTS:
        if c in out:
            out[c] = out[c].astype("int64")
    for c in ("lat_bin", "lon_bin"):
        if c in out:
            out[c] = out[c].astype("int64")
    return out
