"""Pure filter/aggregate functions over the tidy tables and the migration cube (no Dash, no I/O).

Every function takes DataFrames and a frozen `Filters` and returns a new DataFrame (or a small dict);
none mutates its input. Caching lives one level up (`data.Dataset.memo`), keyed on the loaded data
version and the (hashable) filters, so these stay trivially testable.

Migration queries run against the cube built at load time (see `data.build_cube`): one row per
period and dimension combination, with `date` and `date_end` bounding the period the row counts
(a day for incident data, a month for the monthly snapshot, a year when the month is unknown).
"""
from __future__ import annotations

import calendar
import re
import threading
import weakref
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

# ------------------------------------------------------------------------------------------ filters


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

# ------------------------------------------------------------------------------------------ helpers


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


# ------------------------------------------------------------------------------------------ fast path
#
# A cube built at load (data.build_cube / build_geo) is registered with `index_cube`: every dimension
# is dictionary-encoded once (integer codes, -1 for NA), dates become int64 arrays and the counts plain
# int64 numpy arrays. The migration queries then select rows with boolean masks on the codes and sum
# with np.bincount over group codes instead of filtering and grouping strings per request. Frames that
# were not registered (e.g. an ad-hoc incident table) take the plain pandas path; both give the same
# answer (tests/test_cube.py checks that on random filters).

_INDEXES: dict[int, "CubeIndex"] = {}
_NAT = np.iinfo(np.int64).min
_LUT_CACHE = 256
_BIN_SIZES = (1, 2, 5, 10, 30)


def _month_number(ns: np.ndarray) -> np.ndarray:
    """year * 12 + month - 1 of datetime64[ns] values given as int64."""
    return ns.view("datetime64[ns]").astype("datetime64[M]").astype(np.int64) + 1970 * 12


class Level:
    """The arrays of one level of a cube: its own rows ("day"), or those rows summed per month ("month").

    A month row sums the rows that share every dimension, the year, the precision and the month of their
    start and end; a row whose period spans several months (a year-only row) keeps its exact dates.
    `first` is the position in the day level of a row's first member, so groups can be ordered by first
    appearance in the day rows whichever level their rows come from.
    """

    def __init__(self, codes: dict[str, np.ndarray], date: np.ndarray, date_end: np.ndarray, year: np.ndarray,
                 measures: dict[str, np.ndarray], extra: dict[str, np.ndarray], first: np.ndarray | None) -> None:
        self.n = len(date)
        self.codes, self.date, self.date_end, self.year = codes, date, date_end, year
        self.measures, self.extra = measures, extra
        self.first = first  # None for the day level itself: a row's position is its own
        months = _month_number(date)
        self.spans = months != _month_number(date_end)
        self.months = months.astype(np.int32)

    def positions(self, sel: np.ndarray) -> np.ndarray:
        """Day-level position of the first member of each selected row."""
        return sel if self.first is None else self.first[sel]

    def date_years(self) -> np.ndarray:
        """The year of each row's start date."""
        return self.date.view("datetime64[ns]").astype("datetime64[Y]").astype(np.int64) + 1970


class CubeIndex:
    """Integer encodings of one cube frame (read-only; built once per load)."""

    def __init__(self, cube: pd.DataFrame) -> None:
        self.ref = weakref.ref(cube)
        self.n = len(cube)
        self.dims: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.dtypes = {c: _plain_dtype(cube[c].dtype) for c in cube.columns}
        for col in cube.columns:
            if col in MMP_DIMS or col == "precision":
                if isinstance(cube[col].dtype, pd.CategoricalDtype):  # the codes are already there (-1 = NA)
                    codes = cube[col].cat.codes.to_numpy()
                    uniques = np.asarray(cube[col].cat.categories.astype(object))
                else:
                    codes, uniques = pd.factorize(cube[col], use_na_sentinel=True)
                    uniques = np.asarray(uniques.astype(object))
                small = np.int16 if len(uniques) < np.iinfo(np.int16).max else np.int32
                self.dims[col] = (codes if codes.dtype.itemsize <= np.dtype(small).itemsize else codes.astype(small),
                                  uniques)
        self.date = cube["date"].to_numpy("datetime64[ns]").view("int64")
        self.date_end = cube["date_end"].to_numpy("datetime64[ns]").view("int64")
        self.year = cube["year"].to_numpy("int64")
        known = (self.date != _NAT) & (self.date_end != _NAT)
        # Sorted by date (as build_cube/build_geo make it): a date range is a searchsorted slice; a row
        # starting before the range still counts while its period (at most `span` long) reaches into it.
        self.sorted = bool(known.all() and (np.diff(self.date) >= 0).all() and (self.date_end >= self.date).all())
        self.span = int((self.date_end - self.date).max()) if self.sorted and self.n else 0
        self.measures = {c: cube[c].to_numpy("int64") for c in MMP_COUNTS if c in cube}
        self.extra = {c: cube[c].to_numpy("int64") for c in ("lat_bin", "lon_bin") if c in cube}
        self.day = Level({c: codes for c, (codes, _u) in self.dims.items()}, self.date, self.date_end, self.year,
                         self.measures, self.extra, None)
        self.month = self._month_level() if self.sorted and self.n else None
        self._groups: dict[tuple[str, ...], tuple[np.ndarray, dict[str, np.ndarray], int]] = {}
        self._level_groups: dict[tuple[int, tuple[str, ...]], np.ndarray] = {}
        self._luts: dict[tuple[Any, ...], np.ndarray] = {}
        self._lock = threading.Lock()

    def _month_level(self) -> Level:
        """The day rows summed per month (see Level); rows stay in date order."""
        day = self.day
        start = np.where(day.spans, day.date, day.months)
        end = np.where(day.spans, day.date_end, _month_number(day.date_end))
        keys = {"spans": day.spans, "start": start, "end": end, "year": day.year, **day.codes, **day.extra}
        gid = pd.DataFrame(keys).groupby(list(keys), sort=False, dropna=False).ngroup().to_numpy()
        _u, first = np.unique(gid, return_index=True)  # groups are numbered in order of first appearance
        n_groups = len(first)
        date_end = np.full(n_groups, np.iinfo(np.int64).min, dtype=np.int64)
        np.maximum.at(date_end, gid, day.date_end)
        measures = {}
        for c, values in day.measures.items():
            sums = np.zeros(n_groups, dtype=np.int64)
            np.add.at(sums, gid, values)
            measures[c] = sums
        return Level({c: codes[first] for c, codes in day.codes.items()}, day.date[first], date_end,
                     day.year[first], measures, {c: v[first] for c, v in day.extra.items()}, first.astype(np.int64))

    # ---- per-request building blocks (cached per index) --------------------------------------
    def lut(self, col: str, kind: str, wanted: tuple[Any, ...]) -> np.ndarray:
        """A boolean lookup table over the column's codes (+1 slot at the end for NA, always False):
        kind "isin" (value in `wanted`), "code" (a ';'-joined code list holding one of `wanted`) or
        "eq" (value == wanted[0])."""
        key = (col, kind, wanted)
        table = self._luts.get(key)
        if table is not None:
            return table
        _codes, uniques = self.dims[col]
        table = np.zeros(len(uniques) + 1, dtype=bool)
        if len(uniques):
            values = pd.Series(uniques, dtype=self.dtypes[col])
            if kind == "isin":
                keep = values.isin(list(wanted))
            elif kind == "code":
                keep = contains_code(values, wanted)
            else:
                keep = values == wanted[0]
            table[:-1] = np.asarray(keep.fillna(False).astype(bool), dtype=bool)
        with self._lock:
            if len(self._luts) >= _LUT_CACHE:
                self._luts.clear()
            self._luts[key] = table
        return table

    def matches(self, level: Level, col: str, kind: str, wanted: tuple[Any, ...], rows: Any = slice(None)
                ) -> np.ndarray:
        """`lut` applied to the level's rows (`rows`: a slice or positions)."""
        return self.lut(col, kind, wanted)[level.codes[col][rows]]  # code -1 (NA) reads the last slot: False

    def group(self, keys: tuple[str, ...]) -> tuple[np.ndarray, dict[str, np.ndarray], int]:
        """Row -> group code for a key set, and each group's key values (object arrays, None for NA)."""
        with self._lock:
            hit = self._groups.get(keys)
        if hit is not None:
            return hit
        combo = np.zeros(self.n, dtype=np.int64)
        for k in keys:
            codes, uniques = self.dims[k]
            combo = combo * (len(uniques) + 1) + (codes.astype(np.int64) + 1)
        uniq, inverse = np.unique(combo, return_inverse=True)
        values: dict[str, np.ndarray] = {}
        rest = uniq.copy()
        for k in reversed(keys):
            _codes, uniques = self.dims[k]
            base = len(uniques) + 1
            code = rest % base - 1
            rest = rest // base
            vals = np.empty(len(uniq), dtype=object)
            vals[:] = None
            known = code >= 0
            vals[known] = uniques[code[known]]
            values[k] = vals
        hit = (inverse.reshape(-1).astype(np.int32), values, len(uniq))
        with self._lock:
            self._groups[keys] = hit
        return hit

    def group_codes(self, level: Level, keys: tuple[str, ...]) -> np.ndarray:
        """Group codes (of `group(keys)`) of a level's rows: a month row is in its members' group."""
        codes = self.group(keys)[0]
        if level is self.day:
            return codes
        key = (id(level), keys)
        hit = self._level_groups.get(key)
        if hit is None:
            hit = self._level_groups[key] = codes[level.positions(np.arange(level.n))]
        return hit

    # kept for callers of the day-level helpers
    def months(self) -> np.ndarray:
        return self.day.months

    def date_years(self) -> np.ndarray:
        return self.day.date_years()


def index_cube(cube: pd.DataFrame) -> pd.DataFrame:
    """Register the fast path for `cube` (built once per load; the frame must not be mutated after)."""
    if not isinstance(cube.index, pd.RangeIndex) or not {"date", "date_end", "year"} <= set(cube.columns):
        return cube
    key = id(cube)
    _INDEXES[key] = CubeIndex(cube)
    weakref.finalize(cube, _INDEXES.pop, key, None)
    return cube


def _index_of(cube: pd.DataFrame) -> CubeIndex | None:
    idx = _INDEXES.get(id(cube))
    if idx is None or idx.ref() is not cube or idx.n != len(cube):
        return None
    return idx


def _bounds(f: Filters) -> tuple[int | None, int | None]:
    start = pd.Timestamp(f.date_from).as_unit("ns").value if f.date_from is not None else None
    stop = pd.Timestamp(f.date_to).as_unit("ns").value if f.date_to is not None else None
    return start, stop


def _fast_window(idx: CubeIndex, f: Filters) -> tuple[int, int, np.ndarray | None]:
    """Day rows lo:hi that can match the date range, and the date mask within them (None: all match)."""
    lo, hi = 0, idx.n
    start, stop = _bounds(f)
    if not idx.sorted:
        mask = np.ones(idx.n, dtype=bool)
        if start is not None:
            mask &= idx.date_end != _NAT
        if stop is not None:
            mask &= idx.date != _NAT
        return lo, hi, mask & _within(idx.date, idx.date_end, idx.day.spans, start, stop)
    if stop is not None:
        hi = int(np.searchsorted(idx.date, stop, side="right"))
    if start is None and stop is None:
        return lo, hi, None
    if start is not None:
        lo = min(int(np.searchsorted(idx.date, start - idx.span, side="left")), hi)
    return lo, hi, _within(idx.date[lo:hi], idx.date_end[lo:hi], idx.day.spans[lo:hi], start, stop)


def _within(date: Any, date_end: Any, spans: Any, start: Any, stop: Any) -> Any:
    """Rows a date range holds: a row's period overlaps the range, except a row spanning months (an
    incident with a year but no month or day), which counts only when its whole year is in the range."""
    overlap = np.ones(len(date), dtype=bool)
    inside = np.ones(len(date), dtype=bool)
    if start is not None:
        overlap &= np.asarray(date_end >= start, dtype=bool)
        inside &= np.asarray(date >= start, dtype=bool)
    if stop is not None:
        overlap &= np.asarray(date <= stop, dtype=bool)
        inside &= np.asarray(date_end <= stop, dtype=bool)
    return np.where(np.asarray(spans, dtype=bool), inside, overlap)


def _fast_mask(idx: CubeIndex, f: Filters) -> np.ndarray:
    """filter_cube's mask, on the encoded columns."""
    mask = np.zeros(idx.n, dtype=bool)
    lo, hi, window = _fast_window(idx, f)
    mask[lo:hi] = _level_mask(idx, idx.day, f, slice(lo, hi), window)
    return mask


def _level_mask(idx: CubeIndex, level: Level, f: Filters, rows: slice, mask: np.ndarray | None) -> np.ndarray:
    """filter_cube's non-date conditions for a level's rows `rows`, and-ed into `mask` (None: all)."""
    if mask is None:
        mask = np.ones(len(level.date[rows]), dtype=bool)
    if f.years:
        mask &= np.isin(level.year[rows], np.asarray(list(f.years), dtype=np.int64))
    for col, wanted in (("region_group", f.region_groups), ("region", f.regions), ("cause_of_death", f.causes),
                        ("migration_route", f.routes)):
        if wanted:
            mask &= idx.matches(level, col, "isin", tuple(wanted), rows)
    if f.origins:
        mask &= idx.matches(level, "origin_iso3", "code", tuple(f.origins), rows)
    if f.countries:
        mask &= idx.matches(level, "country_of_incident_iso3", "code", tuple(f.countries), rows)
    return mask


Parts = list[tuple[Level, np.ndarray]]


def _parts(idx: CubeIndex, f: Filters) -> Parts:
    """The selected rows as (level, positions) pairs: whole months from the month level, and the day
    rows of the months a date range cuts (the first and last month of the range, unless whole)."""
    month = idx.month
    if month is None:
        lo, hi, window = _fast_window(idx, f)
        return [(idx.day, lo + np.flatnonzero(_level_mask(idx, idx.day, f, slice(lo, hi), window)))]
    start, stop = _bounds(f)
    if start is None and stop is None:
        return [(month, np.flatnonzero(_level_mask(idx, month, f, slice(None), None)))]
    # Whole months m_lo..m_hi: those starting on or after `start` and ending on or before `stop`.
    m_lo = -(1 << 30) if f.date_from is None else (
        _period_number(pd.Timestamp(f.date_from), "M") + (0 if f.date_from.day == 1 else 1))
    m_hi = (1 << 30) if f.date_to is None else (
        _period_number(pd.Timestamp(f.date_to), "M") - (0 if f.date_to == month_end(f.date_to) else 1))
    # Month level: rows of whole months, and rows spanning months (kept with their exact dates) that overlap.
    lo = 0 if start is None else int(np.searchsorted(month.date, start - idx.span, side="left"))
    hi = month.n if stop is None else int(np.searchsorted(month.date, stop, side="right"))
    lo = min(lo, hi)
    rows = slice(lo, hi)
    spans = month.spans[rows]
    months = month.months[rows]
    held = _within(month.date[rows], month.date_end[rows], spans, start, stop)
    mask = np.where(spans, held, (months >= m_lo) & (months <= m_hi))
    parts = [(month, lo + np.flatnonzero(_level_mask(idx, month, f, rows, mask)))]
    # Day level: the rows of the cut months (start's and stop's month when not whole), date range applied.
    bounds = [int(_month_number(np.asarray([b], dtype=np.int64))[0]) for b in (start, stop) if b is not None]
    edges = sorted({m for m in bounds if not m_lo <= m <= m_hi})
    day = idx.day
    for e in edges:
        first_day = np.datetime64(int(e - 1970 * 12), "M").astype("datetime64[ns]").astype(np.int64)
        next_first = np.datetime64(int(e + 1 - 1970 * 12), "M").astype("datetime64[ns]").astype(np.int64)
        a = int(np.searchsorted(day.date, first_day, side="left"))
        b = int(np.searchsorted(day.date, next_first, side="left"))
        rows = slice(a, b)
        mask = ~day.spans[rows]
        if start is not None:
            mask &= day.date_end[rows] >= start
        if stop is not None:
            mask &= day.date[rows] <= stop
        parts.append((day, a + np.flatnonzero(_level_mask(idx, day, f, rows, mask))))
    return parts


def _gather(parts: Parts, values: Any) -> np.ndarray:
    """`values(level)` at the selected positions of every part, concatenated."""
    arrays = [values(level)[sel] for level, sel in parts]
    return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)


def _keep(idx: CubeIndex, parts: Parts, col: str, kind: str, wanted: tuple[Any, ...], negate: bool = False
          ) -> Parts:
    """Parts restricted to rows whose `col` matches (or, with negate, does not)."""
    out = []
    for level, sel in parts:
        hit = idx.matches(level, col, kind, wanted, sel)
        out.append((level, sel[~hit if negate else hit]))
    return out


def _count(parts: Parts) -> int:
    return sum(len(sel) for _level, sel in parts)


def _sums(codes: np.ndarray, parts: Parts, counts: Iterable[str], n: int | None = None) -> dict[str, np.ndarray]:
    """Per group code, the sum of each count over the selected rows (exact int64)."""
    # float64 weights for np.bincount are exact: every sum stays far below 2**53
    return {c: np.rint(np.bincount(codes, weights=_gather(parts, lambda lv, c=c: lv.measures[c]).astype(np.float64),
                                   minlength=n or 0)).astype("int64") for c in counts}


def _fast_sum_by(idx: CubeIndex, parts: Parts, keys: list[str], counts: list[str]) -> pd.DataFrame:
    """_sum_by(cube rows selected, keys, counts) with np.bincount: groups in order of first appearance
    in the day rows."""
    _rows, values, n_groups = idx.group(tuple(keys))
    codes = _gather(parts, lambda lv: idx.group_codes(lv, tuple(keys)))
    first = np.full(n_groups, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, codes, np.concatenate([lv.positions(sel) for lv, sel in parts]))
    groups = np.flatnonzero(first != np.iinfo(np.int64).max)
    groups = groups[np.argsort(first[groups], kind="stable")]
    out = pd.DataFrame({k: pd.array(values[k][groups], dtype=idx.dtypes[k]) for k in keys})
    for c, sums in _sums(codes, parts, counts, n_groups).items():
        out[c] = sums[groups]
    return out


def _selected(cube: pd.DataFrame, f: Filters) -> tuple[CubeIndex, Parts] | None:
    """(index, selected rows) when `cube` has a fast path and the selection is not empty."""
    idx = _index_of(cube)
    if idx is None:
        return None
    parts = _parts(idx, f)
    return (idx, parts) if _count(parts) else None


def _grouped(cube: pd.DataFrame, f: Filters, keys: list[str], counts: list[str],
             only_groups: tuple[str, ...] | None = None) -> pd.DataFrame:
    """_sum_by(filter_cube(cube, f), keys, counts) (restricted to origin_group in `only_groups` when
    given), through the fast path when the cube has one."""
    hit = _selected(cube, f)
    if hit is not None:
        idx, parts = hit
        if only_groups is not None:
            parts = _keep(idx, parts, "origin_group", "isin", tuple(only_groups))
        if _count(parts):
            return _fast_sum_by(idx, parts, keys, counts)
    rows = filter_cube(cube, f)
    if only_groups is not None:
        rows = rows[rows["origin_group"].isin(list(only_groups)).fillna(False).astype(bool)]
    return _sum_by(rows, keys, counts)


def _period_number(t: pd.Timestamp, code: str) -> int:
    return t.year * 12 + t.month - 1 if code == "M" else t.year


def _period_starts(numbers: np.ndarray, code: str) -> np.ndarray:
    if code == "M":
        return (np.asarray(numbers, dtype=np.int64) - 1970 * 12).astype("datetime64[M]").astype("datetime64[ns]")
    return (np.asarray(numbers, dtype=np.int64) - 1970).astype("datetime64[Y]").astype("datetime64[ns]")


def _period_labels(numbers: np.ndarray, code: str) -> list[str]:
    if code == "M":
        return [f"{n // 12:04d}-{n % 12 + 1:02d}" for n in numbers.tolist()]
    return [f"{n:04d}" for n in numbers.tolist()]


def _by_year(idx: CubeIndex, parts: Parts, extra: np.ndarray | None = None, base: int = 1
             ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Rows without a month summed per year (and `extra` code < base, e.g. a nationality group's
    rank): the sorted keys year * base + extra, and the SUMMED counts per key."""
    key = _gather(parts, lambda lv: lv.year) * base + (0 if extra is None else extra)
    uniq, inv = np.unique(key, return_inverse=True)
    return uniq, _sums(inv.reshape(-1), parts, SUMMED, len(uniq))


def _fast_trend(cube: pd.DataFrame, f: Filters) -> pd.DataFrame | None:
    """deaths_trend through the fast path (None: no fast path or nothing selected)."""
    hit = _selected(cube, f)
    if hit is None:
        return None
    idx, parts = hit
    code = "M" if f.freq == "month" else "Y"
    if code == "M":
        placed = _keep(idx, parts, "precision", "eq", ("year",), negate=True)
        unplaced = _keep(idx, parts, "precision", "eq", ("year",))
    else:
        placed, unplaced = parts, []
    periods: list[str] = []
    starts: list[np.ndarray] = []
    sums: dict[str, list[np.ndarray]] = {c: [] for c in SUMMED}
    if _count(placed):
        per = _gather(placed, (lambda lv: lv.months) if code == "M" else (lambda lv: lv.date_years()))
        lo = int(per.min())
        offs = per - lo
        present = np.bincount(offs)
        first = _period_number(pd.Timestamp(f.date_from), code) if f.date_from else lo
        last = (_period_number(pd.Timestamp(f.date_to), code) if f.date_to
                else _period_number(pd.Timestamp(int(_gather(placed, lambda lv: lv.date_end).max())), code))
        numbers = np.union1d(np.arange(first, last + 1, dtype=np.int64), lo + np.flatnonzero(present))
        inside = (numbers >= lo) & (numbers < lo + len(present))
        for c, s in _sums(offs, placed, SUMMED).items():
            col = np.zeros(len(numbers), dtype="int64")
            col[inside] = s[numbers[inside] - lo]
            sums[c].append(col)
        periods += _period_labels(numbers, code)
        starts.append(_period_starts(numbers, code))
    if _count(unplaced):
        uniq, by_year = _by_year(idx, unplaced)
        for c in SUMMED:
            sums[c].append(by_year[c])
        periods += [f"{y} (month unknown)" for y in uniq.tolist()]
        starts.append(np.full(len(uniq), np.datetime64("NaT"), dtype="datetime64[ns]"))
    out = pd.DataFrame({"period": pd.Series(periods, dtype="string"),
                        "period_start": pd.Series(np.concatenate(starts), dtype="datetime64[ns]")})
    for c in SUMMED:
        out[c] = np.concatenate(sums[c]).astype("int64")
    return out[TREND_COLUMNS]


def _fast_crisis_trend(cube: pd.DataFrame, f: Filters) -> pd.DataFrame | None:
    """crisis_deaths_trend through the fast path (None: no fast path or nothing selected)."""
    hit = _selected(cube, f)
    if hit is None:
        return None
    idx, parts = hit
    _codes, uniques = idx.dims["origin_group"]
    position = np.full(len(uniques) + 1, -1, dtype=np.int64)  # code -> index in CRISIS_GROUPS
    for i, value in enumerate(uniques.tolist()):
        if value in CRISIS_GROUPS:
            position[i] = CRISIS_GROUPS.index(value)
    parts = _keep(idx, parts, "origin_group", "isin", CRISIS_GROUPS)
    if not _count(parts):
        return None
    ng = len(CRISIS_GROUPS)
    periods: list[str] = []
    groups_out: list[str] = []
    starts: list[np.ndarray] = []
    sums: dict[str, list[np.ndarray]] = {c: [] for c in SUMMED}
    placed = _keep(idx, parts, "precision", "eq", ("year",), negate=True)
    unplaced = _keep(idx, parts, "precision", "eq", ("year",))
    if _count(placed):
        pg = _gather(placed, lambda lv: position[lv.codes["origin_group"]])
        months = _gather(placed, lambda lv: lv.months)
        lo = int(months.min())
        n_months = int(months.max()) - lo + 1
        key = (months - lo) * ng + pg
        groups = sorted(set(np.unique(pg).tolist()))  # CRISIS_GROUPS order
        cells = (np.arange(n_months)[:, None] * ng + np.asarray(groups)[None, :]).reshape(-1)
        for c, s in _sums(key, placed, SUMMED, n_months * ng).items():
            sums[c].append(s[cells])
        numbers = np.repeat(np.arange(lo, lo + n_months, dtype=np.int64), len(groups))
        periods += _period_labels(numbers, "M")
        starts.append(_period_starts(numbers, "M"))
        groups_out += [CRISIS_GROUPS[g] for g in groups] * n_months
    if _count(unplaced):
        # groupby(["year", "origin_group"]) order: year, then the group's name
        rank = np.asarray([sorted(CRISIS_GROUPS).index(g) for g in CRISIS_GROUPS], dtype=np.int64)
        uniq, by_year = _by_year(idx, unplaced, _gather(unplaced, lambda lv: rank[position[lv.codes["origin_group"]]]),
                                 ng)
        for c in SUMMED:
            sums[c].append(by_year[c])
        periods += [f"{k // ng} (month unknown)" for k in uniq.tolist()]
        groups_out += [sorted(CRISIS_GROUPS)[k % ng] for k in uniq.tolist()]
        starts.append(np.full(len(uniq), np.datetime64("NaT"), dtype="datetime64[ns]"))
    out = pd.DataFrame({"period": pd.Series(periods, dtype="string"),
                        "period_start": pd.Series(np.concatenate(starts), dtype="datetime64[ns]"),
                        "origin_group": pd.Series(groups_out, dtype="string")})
    for c in SUMMED:
        out[c] = np.concatenate(sums[c]).astype("int64")
    return out[CRISIS_TREND_COLUMNS]


def _fast_bins(geo: pd.DataFrame, f: Filters, max_bins: int) -> pd.DataFrame | None:
    """incident_bins through the fast path, before sorting (None: no fast path or nothing selected)."""
    hit = _selected(geo, f)
    if hit is None or "lat_bin" not in geo.columns:
        return None
    idx, parts = hit
    lat_all = _gather(parts, lambda lv: lv.extra["lat_bin"])
    lon_all = _gather(parts, lambda lv: lv.extra["lon_bin"])
    for size in _BIN_SIZES:
        lat, lon = lat_all // size, lon_all // size
        la0, lo0 = int(lat.min()), int(lon.min())
        width = int(lon.max()) - lo0 + 1
        key = (lat - la0) * width + (lon - lo0)
        present = np.bincount(key)
        cells = np.flatnonzero(present)
        if len(cells) <= max_bins:
            break
    out = pd.DataFrame({"lat": ((cells // width + la0) * size + size / 2).astype("float64"),
                        "lon": ((cells % width + lo0) * size + size / 2).astype("float64")})
    for c, s in _sums(key, parts, SUMMED, len(present)).items():
        out[c] = s[cells]
    out["bin_degrees"] = pd.Series([float(size)] * len(out), dtype="float64", index=out.index)
    return out


# ------------------------------------------------------------------------------------------ migration


def filter_cube(cube: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """Rows of the cube (or any frame with date/date_end and MMP dimensions) matching `f`.

    A row counts when its period overlaps the date range: for a month-precision row, 1 Jan to 15 Aug
    includes all of August (see `period_note`). A row with a year but no month counts in its year
    (`years`) and in a range holding that whole year, never in part of one (see `undated_outside`).
    Nationality and incident-country filters match any
    code of a multi-country row, which stays one row (never split, never counted twice).
    """
    idx = _index_of(cube)
    if idx is not None:
        return cube[_fast_mask(idx, f)]
    mask = pd.Series(True, index=cube.index)
    if f.date_from is not None or f.date_to is not None:
        start = pd.Timestamp(f.date_from) if f.date_from is not None else None
        stop = pd.Timestamp(f.date_to) if f.date_to is not None else None
        spans = cube["date"].dt.to_period("M") != cube["date_end"].dt.to_period("M")
        mask &= pd.Series(_within(cube["date"], cube["date_end"], spans, start, stop), index=cube.index)
    if f.years:
        mask &= cube["year"].isin(list(f.years))
    if f.region_groups:
        mask &= cube["region_group"].isin(list(f.region_groups)).fillna(False).astype(bool)
    if f.regions:
        mask &= cube["region"].isin(list(f.regions)).fillna(False).astype(bool)
    if f.causes:
        mask &= cube["cause_of_death"].isin(list(f.causes)).fillna(False).astype(bool)
    if f.routes:
        mask &= cube["migration_route"].isin(list(f.routes)).fillna(False).astype(bool)
    if f.origins:
        mask &= contains_code(cube["origin_iso3"], f.origins)
    if f.countries:
        mask &= contains_code(cube["country_of_incident_iso3"], f.countries)
    return cube[mask]


def deaths_by_origin(cube: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """Dead and missing per nationality (origin, origin_iso3, origin_group), largest first.

    An incident with several nationalities counts towards each of them (its row's origin_group is then
    "multiple"), so the rows can add up to more than the selection; `attrs["totals"]` holds the totals
    that count every incident once. "Unknown", "Mixed" and names without a code stay rows as published.
    """
    published = _grouped(cube, f, ["origin", "origin_iso3", "origin_group"], SUMMED)
    out = _per_nationality(published)
    out = _sorted_desc(out, "dead_and_missing", ["origin", "origin_iso3"])[ORIGIN_COLUMNS]
    out.attrs["totals"] = {c: int(published[c].sum()) for c in SUMMED}
    return out


def _per_nationality(published: pd.DataFrame) -> pd.DataFrame:
    """Sums per published nationality cell -> one row per ISO3 code (a cell with several codes counts
    towards each); rows without a code are kept as they are."""
    codes = published["origin_iso3"].astype("string")
    coded = codes.notna().to_numpy(bool)
    if not coded.any():
        return published
    rows = published[coded].assign(_code=codes[coded].str.split(";"),
                                   _shared=(published["origin_group"][coded] == "multiple").fillna(False))
    rows = rows.explode("_code")
    names = _origin_names(rows)
    grouped = rows.groupby("_code", sort=False)
    out = grouped[SUMMED].sum().astype("int64")
    out["origin_group"] = grouped["_shared"].any().map({True: "multiple", False: "single"})
    out = out.reset_index().rename(columns={"_code": "origin_iso3"})
    out["origin"] = out["origin_iso3"].map(names)
    for c in ("origin", "origin_iso3", "origin_group"):
        out[c] = out[c].astype("string")
    return pd.concat([out[published.columns], published[~coded]], ignore_index=True)


def _origin_names(rows: pd.DataFrame) -> dict[str, str]:
    """ISO3 code -> a published name: the largest single-nationality row's, else the name a
    multi-nationality cell gives it (split the way ingest split it), else the code itself."""
    single = rows[~rows["_shared"]].sort_values("dead_and_missing", ascending=False, kind="mergesort")
    names = dict(zip(single["_code"][::-1], single["origin"][::-1]))
    lacking = set(rows["_code"]) - set(names)
    if lacking:
        from ingest.countries import split_many, to_iso3  # the same splitting and matching as at ingest

        cells = [str(c) for c in rows.loc[rows["_code"].isin(lacking), "origin"].dropna().unique()]
        parts = split_many(cells)
        found = to_iso3(n for each in parts.values() for n in each)
        for each in parts.values():
            for name in each:
                if found.get(name) in lacking:
                    names.setdefault(found[name], name)
    return {code: names.get(code, code) for code in set(rows["_code"])}


def deaths_trend(cube: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """Dead and missing per month (f.freq == "month") or year, with empty periods as zero rows.

    Rows whose month is unknown cannot be placed in a month: in a monthly trend they come last, one
    row per year labelled "YYYY (month unknown)" with no period_start, so nothing is dropped.
    """
    fast = _fast_trend(cube, f)
    if fast is not None:
        return fast
    rows = filter_cube(cube, f)
    if rows.empty:
        return pd.DataFrame({"period": pd.Series([], dtype="string"),
                             "period_start": pd.Series([], dtype="datetime64[ns]"),
                             **{c: pd.Series([], dtype="int64") for c in SUMMED}})[TREND_COLUMNS]
    code = "M" if f.freq == "month" else "Y"
    unplaced = rows[(rows["precision"] == "year").fillna(False).astype(bool)] if code == "M" else rows.iloc[:0]
    placed = rows.drop(index=unplaced.index)
    parts = []
    if not placed.empty:
        starts = placed["date"].dt.to_period(code).dt.start_time
        summed = placed.assign(period_start=starts).groupby("period_start")[SUMMED].sum()
        first = pd.Timestamp(f.date_from) if f.date_from else starts.min()
        last = pd.Timestamp(f.date_to) if f.date_to else placed["date_end"].max()
        full = pd.period_range(first, last, freq=code).start_time
        summed = summed.reindex(full.union(summed.index), fill_value=0)
        out = summed.rename_axis("period_start").reset_index()
        out["period"] = out["period_start"].dt.strftime("%Y-%m" if code == "M" else "%Y")
        parts.append(out)
    if not unplaced.empty:
        by_year = unplaced.groupby("year")[SUMMED].sum().reset_index()
        by_year["period"] = by_year["year"].astype(str) + " (month unknown)"
        by_year["period_start"] = pd.NaT
        parts.append(by_year.drop(columns=["year"]))
    out = pd.concat(parts, ignore_index=True)
    out["period"] = out["period"].astype("string")
    out["period_start"] = pd.to_datetime(out["period_start"]).astype("datetime64[ns]")
    for c in SUMMED:
        out[c] = out[c].astype("int64")
    return out[TREND_COLUMNS]


def deaths_by_region(cube: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """Dead and missing per incident region (with its group), largest first."""
    out = _grouped(cube, f, ["region_group", "region"], SUMMED)
    return _sorted_desc(out, "dead_and_missing", ["region_group", "region"])[REGION_COLUMNS]


def deaths_by_cause(cube: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """Dead and missing per published cause of death (combined causes stay one row), largest first."""
    out = _grouped(cube, f, ["cause_of_death"], SUMMED)
    return _sorted_desc(out, "dead_and_missing", ["cause_of_death"])[CAUSE_COLUMNS]


def incident_bins(geo: pd.DataFrame, f: Filters, max_bins: int = 1500) -> pd.DataFrame:
    """Incidents aggregated on a lat/lon grid (1°, coarsened until at most `max_bins` cells)."""
    fast = _fast_bins(geo, f, max_bins)
    if fast is not None:
        return _sorted_desc(fast, "dead_and_missing", ["lat", "lon"])[BIN_COLUMNS]
    rows = filter_cube(geo, f)
    for size in (1, 2, 5, 10, 30):
        lat = (rows["lat_bin"] // size) * size + size / 2
        lon = (rows["lon_bin"] // size) * size + size / 2
        cells = rows.assign(lat=lat.astype("float64"), lon=lon.astype("float64"))
        out = _sum_by(cells, ["lat", "lon"], SUMMED)
        if len(out) <= max_bins:
            break
    out["bin_degrees"] = pd.Series([float(size)] * len(out), dtype="float64", index=out.index)
    out["lat"] = out["lat"].astype("float64")
    out["lon"] = out["lon"].astype("float64")
    return _sorted_desc(out, "dead_and_missing", ["lat", "lon"])[BIN_COLUMNS]


def migration_totals(cube: pd.DataFrame, f: Filters) -> dict[str, int]:
    """Sums of every count over the selection (dead, missing, dead_and_missing, incidents, …)."""
    idx = _index_of(cube)
    if idx is not None:
        parts = _parts(idx, f)
        return {c: int(_gather(parts, lambda lv, c=c: lv.measures[c]).sum()) if _count(parts) else 0
                for c in MMP_COUNTS}
    rows = filter_cube(cube, f)
    return {c: int(rows[c].sum()) for c in MMP_COUNTS}


def period_note(cube: pd.DataFrame, f: Filters, precision: str) -> dict[str, Any] | None:
    """What the date range really counts when the data are coarser than a day, or None.

    With month precision a range that cuts a month counts that whole month (1 Jan-15 Aug counts all
    of August); rows that only have a year count only when the range holds that whole year. Returns
    {"date_from", "date_to", "counted_from", "counted_to", "cut_months": [first days],
     "undated": undated_outside(cube, f)}.
    """
    if f.date_from is None and f.date_to is None:
        return None
    cut: list[date] = []
    counted_from, counted_to = f.date_from, f.date_to
    if precision == "month":
        if f.date_from is not None and f.date_from.day != 1:
            cut.append(f.date_from.replace(day=1))
            counted_from = f.date_from.replace(day=1)
        if f.date_to is not None and f.date_to != month_end(f.date_to):
            if f.date_to.replace(day=1) not in cut:
                cut.append(f.date_to.replace(day=1))
            counted_to = month_end(f.date_to)
    undated = undated_outside(cube, f)
    if not cut and not undated:
        return None
    return {"date_from": f.date_from, "date_to": f.date_to, "counted_from": counted_from,
            "counted_to": counted_to, "cut_months": cut, "undated": undated}


def undated_outside(cube: pd.DataFrame, f: Filters) -> list[tuple[int, int]]:
    """(year, incidents) of the incidents with a year but no month or day that match `f` but for its
    date range, whose year the range only partly covers: they count in their year (a year filter,
    or a range holding the whole year), never in part of it. [] without a date range."""
    if f.date_from is None and f.date_to is None:
        return []
    rows = filter_cube(cube, f.but(date_from=None, date_to=None))
    rows = rows[(rows["date"].dt.to_period("M") != rows["date_end"].dt.to_period("M")).to_numpy(bool)]
    start = pd.Timestamp(f.date_from or date.min)
    stop = pd.Timestamp(f.date_to or date.max)
    cut = rows[((rows["date_end"] >= start) & (rows["date"] <= stop)
                & ((rows["date"] < start) | (rows["date_end"] > stop))).to_numpy(bool)]
    counted = cut.groupby("year")["incidents"].sum() if "incidents" in cut else cut.groupby("year").size()
    return [(int(y), int(n)) for y, n in counted.items() if n]


def migration_options(cube: pd.DataFrame, names: dict[str, str] | None = None) -> dict[str, Any]:
    """Choices for the filters, from the data: groups, regions (with group), nationalities, causes,
    routes; `names` gives readable names for ISO3 codes seen only inside multi-country rows."""
    def distinct(col: str) -> list[str]:
        return sorted(str(v) for v in cube[col].dropna().unique())

    regions = (cube[["region", "region_group"]].dropna(subset=["region"]).drop_duplicates()
               .sort_values(["region_group", "region"], na_position="last"))
    singles = cube[(cube["origin_group"] == "single").fillna(False).astype(bool) & cube["origin_iso3"].notna()]
    published = (singles.groupby(["origin_iso3", "origin"])["dead_and_missing"].size().reset_index()
                 .sort_values(["origin_iso3", "dead_and_missing"], ascending=[True, False])
                 .drop_duplicates("origin_iso3"))
    # ISO3 codes that occur only inside multi-country rows still deserve an option.
    codes = set(published["origin_iso3"])
    for value in cube["origin_iso3"].dropna().unique():
        codes.update(str(value).split(";"))
    name_of = {**(names or {}), **dict(zip(published["origin_iso3"], published["origin"]))}
    origins = sorted(((c, name_of.get(c, c)) for c in codes if c), key=lambda p: p[1])
    has_dates = not cube.empty
    return {
        "region_groups": distinct("region_group"),
        "regions": [(str(r), None if pd.isna(g) else str(g)) for r, g in zip(regions["region"], regions["region_group"])],
        "origins": origins,
        "causes": distinct("cause_of_death"),
        "routes": distinct("migration_route"),
        "countries": sorted({c for v in cube["country_of_incident_iso3"].dropna().unique() for c in str(v).split(";")}),
        "date_min": cube["date"].min().date() if has_dates else None,
        "date_max": cube["date_end"].max().date() if has_dates else None,
        "years": sorted(int(y) for y in cube["year"].unique()) if has_dates else [],
    }


# ------------------------------------------------------------------------------------------ funding


def _percent(funding: pd.Series, requirements: pd.Series) -> pd.Series:
    req = requirements.astype("Float64")
    return (funding.astype("Float64") / req.where(req > 0) * 100).astype("float64")


def plan_rows(plans: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """Plans of the selected countries, years and ids, oldest first, with percent and unmet filled in."""
    mask = pd.Series(True, index=plans.index)
    if f.countries:
        mask &= contains_code(plans["countries_iso3"], f.countries)
    if f.years:
        mask &= plans["year"].isin(list(f.years))
    if f.plan_ids:
        mask &= plans["plan_id"].isin(list(f.plan_ids))
    if not f.include_regional:
        mask &= ~plans["is_regional"].astype(bool)
    out = plans[mask].copy()
    # Prefer the source's own figures; compute only where the source left them blank.
    out["percent_funded"] = out["percent_funded"].fillna(_percent(out["funding_usd"], out["requirements_usd"]))
    unmet = (out["requirements_usd"] - out["funding_usd"]).clip(lower=0)
    out["unmet_usd"] = out["unmet_usd"].fillna(unmet).astype("Int64")
    return out.sort_values(["year", "plan_code", "plan_id"], na_position="last", kind="mergesort")[PLAN_COLUMNS] \
        .reset_index(drop=True)


def choose_plan(plans: pd.DataFrame, country: str | None, year: int | None = None,
                prefer: Iterable[int] = ()) -> int | None:
    """The plan to show by default: the country's own (not regional) plan of `year` (else the latest)
    with the largest requirements; regional plans only when the country has no plan of its own. With
    `prefer` (e.g. plans that have a cluster breakdown), the latest such plan comes first."""
    rows = plan_rows(plans, Filters(countries=(country,) if country else ()))
    if year is not None:
        rows = rows[rows["year"] == year]
    if rows.empty:
        return None
    wanted = set(prefer)
    rows = rows.assign(_own=~rows["is_regional"].astype(bool),
                       _pref=rows["plan_id"].isin(wanted) if wanted else False,
                       _req=rows["requirements_usd"].astype("Float64").fillna(-1))
    best = rows.sort_values(["_own", "_pref", "year", "_req"], ascending=False, kind="mergesort").iloc[0]
    return int(best["plan_id"])


def plan_figures(plans: pd.DataFrame, plan_id: int | None) -> dict[str, Any] | None:
    """Headline numbers of one plan (None when the plan is not in the data)."""
    if plan_id is None:
        return None
    rows = plan_rows(plans, Filters(plan_ids=(plan_id,)))
    if rows.empty:
        return None
    row = rows.iloc[0]
    return {k: (None if pd.isna(v) else (v.item() if hasattr(v, "item") else v)) for k, v in row.items()}


def _plan_ids(plans: pd.DataFrame, f: Filters) -> list[int] | None:
    """Plan ids selected by country/year/plan_id (None when nothing restricts the plans); the plans
    plan_rows(plans, f) would give with regional plans included, in any order."""
    if not (f.countries or f.years or f.plan_ids):
        return None
    if not (f.countries or f.years):
        # Plan ids alone select a plan's rows in any table, whether or not fts_plans holds the plan (a
        # cluster export ingested without its plan export is still served).
        return [int(p) for p in f.plan_ids]
    mask = np.ones(len(plans), dtype=bool)
    if f.countries:
        mask &= contains_code(plans["countries_iso3"], f.countries).to_numpy(dtype=bool)
    if f.years:
        mask &= plans["year"].isin(list(f.years)).to_numpy(dtype=bool)
    if f.plan_ids:
        mask &= plans["plan_id"].isin(list(f.plan_ids)).to_numpy(dtype=bool)
    return [int(p) for p in plans["plan_id"].to_numpy()[mask]]


def _with_plan(frame: pd.DataFrame, plans: pd.DataFrame) -> pd.DataFrame:
    keys = plans[["plan_id", "plan_code", "year"]]
    return frame.merge(keys, on="plan_id", how="left")


def cluster_rows(clusters: pd.DataFrame, plans: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """Coverage by cluster for the selected plans: clusters by requirements, then shared, then
    not specified. Percent can exceed 100 and is blank where there is no requirement."""
    rows = clusters[clusters["cluster_type"] == f.cluster_type]
    ids = _plan_ids(plans, f)
    if ids is not None:
        rows = rows[rows["plan_id"].isin(ids)]
    rows = _with_plan(rows, plans)
    rows["percent_funded"] = rows["percent_funded"].fillna(_percent(rows["funding_usd"], rows["requirements_usd"]))
    rows["unmet_usd"] = (rows["requirements_usd"] - rows["funding_usd"].fillna(0)).clip(lower=0).astype("Int64")
    order = {"cluster": 0, "shared": 1, "not_specified": 2}
    rows = rows.assign(_order=rows["row_type"].map(order).astype("int64"),
                       _req=rows["requirements_usd"].astype("Float64").fillna(-1))
    rows = rows.sort_values(["year", "plan_id", "_order", "_req", "cluster_name"],
                            ascending=[True, True, True, False, True], kind="mergesort")
    return rows[CLUSTER_COLUMNS].reset_index(drop=True)


def donor_rows(donors: pd.DataFrame, plans: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """Donors of the selected plans, largest funding first, with each donor's share of the plan."""
    rows = donors
    ids = _plan_ids(plans, f)
    if ids is not None:
        rows = rows[rows["plan_id"].isin(ids)]
    rows = _with_plan(rows, plans)
    total = rows.groupby("plan_id")["funding_usd"].transform("sum")
    computed = (rows["funding_usd"].astype("Float64") / total.astype("Float64").where(total > 0) * 100)
    rows["share_percent"] = rows["share_percent"].fillna(computed.astype("float64"))
    rows = rows.sort_values(["year", "plan_id", "funding_usd", "donor_name"],
                            ascending=[True, True, False, True], kind="mergesort")
    return rows[DONOR_COLUMNS].reset_index(drop=True)


def funding_timeline(flows: pd.DataFrame, plans: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """Paid and committed incoming funding per plan and flow date, with the running total.

    Pledges are left out (they are not funding); flows without a date cannot be placed in time."""
    rows = flows[flows["status"].isin(["paid", "commitment"]) & flows["date"].notna() & flows["plan_id"].notna()]
    boundary = rows["boundary"].astype("string")
    rows = rows[boundary.isna() | (boundary == "incoming")]
    ids = _plan_ids(plans, f)
    if ids is not None:
        rows = rows[rows["plan_id"].isin(ids)]
    if f.date_from is not None:
        rows = rows[rows["date"] >= pd.Timestamp(f.date_from)]
    if f.date_to is not None:
        rows = rows[rows["date"] <= pd.Timestamp(f.date_to)]
    daily = (rows.assign(plan_id=rows["plan_id"].astype("int64"), date=rows["date"].dt.normalize())
             .groupby(["plan_id", "date"])["amount_usd"].sum().rename("funding_usd").reset_index())
    daily["funding_usd"] = daily["funding_usd"].astype("Int64")
    daily["cumulative_usd"] = daily.groupby("plan_id")["funding_usd"].cumsum().astype("Int64")
    daily["date"] = daily["date"].astype("datetime64[ns]")
    out = daily.merge(plans[["plan_id", "plan_code"]], on="plan_id", how="left")
    return out.sort_values(["plan_id", "date"], kind="mergesort")[TIMELINE_COLUMNS].reset_index(drop=True)


def country_names(tables: Mapping[str, pd.DataFrame]) -> dict[str, str]:
    """ISO3 -> a readable country name, from the plan locations and MMP nationalities."""
    names: dict[str, str] = {}
    locations = tables.get("fts_plan_locations")
    if locations is not None and not locations.empty:
        for code, name in zip(locations["location_iso3"], locations["location_name"]):
            if isinstance(code, str) and isinstance(name, str):
                names.setdefault(code, name)
    deaths = tables.get("mmp_deaths")
    if deaths is not None and not deaths.empty:
        single = deaths[(deaths["origin_group"] == "single").fillna(False).astype(bool)]
        for code, name in zip(single["origin_iso3"], single["origin"]):
            if isinstance(code, str) and isinstance(name, str):
                names.setdefault(code, name)
    return names


def plan_countries(plans: pd.DataFrame) -> list[str]:
    """Every ISO3 code that has at least one plan."""
    return sorted({c for v in plans["countries_iso3"].dropna() for c in str(v).split(";") if c})


# ------------------------------------------------------------------------------------------ raw tables

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


# ------------------------------------------------------------------------------------------ table browser

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


# ------------------------------------------------------------------------------------------ crisis
# One country on one time axis (/crisis): the humanitarian plans that relate to it (its own, and
# regional plans that cover it or are for its people), and its nationals recorded dead or missing.

RELATIONS = ("country", "named", "covers")
"""How a plan relates to a country: its own plan ("country"), a regional plan for that country's
people that names it while its countries are the host countries ("named", e.g. the RMRP for
Venezuelans), or a regional/global plan whose countries include it ("covers")."""
PUBLISHED_PREFIX = "published figure"
CRISIS_PLAN_COLUMNS = [
    "country_iso3", "plan_id", "plan_code", "plan_name", "plan_type", "year", "is_regional", "relation",
    "figure_kind", "requirements_usd", "funding_usd", "unmet_usd", "percent_funded", "people_in_need",
    "people_targeted", "country_requirements_usd", "country_funding_usd", "country_share_percent",
    "country_funding_share_percent", "countries_iso3", "figures_source", "people_source"]
CRISIS_GROUPS = ("single", "multiple")
CRISIS_TREND_COLUMNS = ["period", "period_start", "origin_group", "dead", "missing", "dead_and_missing", "incidents"]

_NAME_SUFFIX = r"(?:n|ns)?"  # "Venezuela" also matches "Venezuelan(s)", "Syria" "Syrian(s)"


def clean_country_names(names: Iterable[str]) -> list[str]:
    """Usable spellings of a country's names: parentheses and ", …of" tails removed as extra variants
    ("Venezuela (Bolivarian Republic of)" -> also "Venezuela"); codes and blanks dropped."""
    out: list[str] = []
    for name in names:
        if not isinstance(name, str) or not any(ch.islower() for ch in name):
            continue  # "AFG" in a location column is a code, not a name
        for variant in (name, re.sub(r"\s*\(.*?\)\s*", " ", name).strip(), name.split(", ")[0].strip()):
            if variant and variant not in out and any(ch.islower() for ch in variant):
                out.append(variant)
    return out


def _name_regex(name: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + re.escape(name) + _NAME_SUFFIX + r"(?!\w)", re.IGNORECASE)


def named_countries(text: str, names: dict[str, tuple[str, ...]]) -> set[str]:
    """ISO3 codes whose name occurs in `text` as whole words ("Venezuelan" counts for Venezuela).

    A match inside a longer match of another country's name does not count, so "Sudan" is not
    found in "South Sudan", "Guinea" in "Papua New Guinea" or "Dominica" in "Dominican Republic".
    """
    if not isinstance(text, str) or not text:
        return set()
    hits: list[tuple[int, int, str]] = []
    lowered = text.casefold()
    for code, variants in names.items():
        for variant in variants:
            if variant.casefold() not in lowered:  # cheap pre-check before the regex
                continue
            hits.extend((m.start(), m.end(), code) for m in _name_regex(variant).finditer(text))
    return {code for start, end, code in hits
            if not any(s <= start and end <= e and (e - s) > (end - start) and c != code for s, e, c in hits)}


def plan_relation(row: Any, country: str, names: dict[str, tuple[str, ...]]) -> str | None:
    """How the plan `row` relates to `country` (one of RELATIONS), or None when it does not."""
    codes = [c for c in str(row["countries_iso3"]).split(";") if c] if not pd.isna(row["countries_iso3"]) else []
    regional = bool(row["is_regional"])
    if country in codes:
        return "covers" if regional else "country"
    if regional and country in named_countries(str(row["plan_name"]), names):
        return "named"
    return None


def is_published_figure(source: Any) -> bool:
    """True for a curated figure ("published figure: <source>"), False for FTS data."""
    return isinstance(source, str) and source.strip().lower().startswith(PUBLISHED_PREFIX)


@dataclass(frozen=True)
class PlanRelations:
    """What crisis_plans needs of every plan, worked out once per load: all plans as plan_rows gives
    them (no filter) and, per row, its ISO3 codes, whether it is regional and the countries its name
    names (the regex part of plan_relation)."""

    rows: pd.DataFrame
    codes: tuple[frozenset[str], ...]
    regional: tuple[bool, ...]
    named: tuple[frozenset[str], ...]
    years: np.ndarray

    def relation(self, i: int, country: str) -> str | None:
        """plan_relation of row i (same rules, without re-reading the name)."""
        if country in self.codes[i]:
            return "covers" if self.regional[i] else "country"
        if self.regional[i] and country in self.named[i]:
            return "named"
        return None


def plan_relations(plans: pd.DataFrame, names: dict[str, tuple[str, ...]]) -> PlanRelations:
    """PlanRelations of `plans` for the country names `names`."""
    rows = plan_rows(plans, Filters())
    codes = tuple(frozenset(c for c in str(v).split(";") if c) if not pd.isna(v) else frozenset()
                  for v in rows["countries_iso3"])
    regional = tuple(bool(v) for v in rows["is_regional"])
    named = tuple(frozenset(named_countries(str(n), names)) if r else frozenset()
                  for n, r in zip(rows["plan_name"], regional))
    return PlanRelations(rows, codes, regional, named, rows["year"].to_numpy())


def crisis_plans(plans: pd.DataFrame, locations: pd.DataFrame, country: str,
                 names: dict[str, tuple[str, ...]], years: Iterable[int] = (),
                 relations: PlanRelations | None = None) -> pd.DataFrame:
    """Every plan that relates to `country`, oldest first (own plan, then plans for its people, then
    plans covering it): relation, FTS or published figure, percent and unmet filled in, and the
    country's part of a plan where FTS gives a per-location breakdown (fts_plan_locations):
    its requirements and funding, and their share of the plan's. `relations` (plan_relations of the
    same plans and names) saves working out every plan's relations again."""
    rel = relations if relations is not None else plan_relations(plans, names)
    years = tuple(years)
    related = [(i, r) for i in range(len(rel.codes)) if (r := rel.relation(i, country)) is not None]
    if years:
        wanted = set(years)
        related = [(i, r) for i, r in related if int(rel.years[i]) in wanted]
    rows = rel.rows.iloc[[i for i, _r in related]].reset_index(drop=True)
    rows = rows.assign(relation=pd.Series([r for _i, r in related], index=rows.index, dtype="object"))
    mine = locations[(locations["location_iso3"] == country).fillna(False).astype(bool)]
    part = (mine.groupby("plan_id")[["requirements_usd", "funding_usd"]].sum(min_count=1)
            .rename(columns={"requirements_usd": "country_requirements_usd", "funding_usd": "country_funding_usd"})
            .reset_index())
    rows = rows.merge(part, on="plan_id", how="left")
    for col in ("country_requirements_usd", "country_funding_usd"):
        rows[col] = rows[col].astype("Int64")
    rows["country_share_percent"] = _percent(rows["country_requirements_usd"], rows["requirements_usd"])
    rows["country_funding_share_percent"] = _percent(rows["country_funding_usd"], rows["funding_usd"])
    rows["figure_kind"] = pd.Series(["published figure" if is_published_figure(s) else "FTS"
                                     for s in rows["figures_source"]], index=rows.index, dtype="string")
    rows["country_iso3"] = pd.Series([country] * len(rows), index=rows.index, dtype="string")
    rows["relation"] = rows["relation"].astype("string")
    order = {r: i for i, r in enumerate(RELATIONS)}
    rows = rows.assign(_rel=rows["relation"].map(order).astype("int64"),
                       _req=rows["requirements_usd"].astype("Float64").fillna(-1))
    rows = rows.sort_values(["year", "_rel", "_req", "plan_id"], ascending=[True, True, False, True],
                            kind="mergesort")
    return rows[CRISIS_PLAN_COLUMNS].reset_index(drop=True)


class CrisisPlanIndex:
    """crisis_plans for any country, from work done once per load: the related-plan rules per plan
    (PlanRelations), every column that does not depend on the country, and each country's part of
    each plan (fts_plan_locations summed per country and plan). A request only picks rows."""

    def __init__(self, plans: pd.DataFrame, locations: pd.DataFrame, names: dict[str, tuple[str, ...]]) -> None:
        self.relations = plan_relations(plans, names)
        rows = self.relations.rows
        self.base = rows.assign(figure_kind=pd.Series(["published figure" if is_published_figure(s) else "FTS"
                                                       for s in rows["figures_source"]], index=rows.index,
                                                      dtype="string"))
        self.req = rows["requirements_usd"].astype("Float64").fillna(-1).to_numpy(dtype="float64")
        self.year = rows["year"].to_numpy(dtype="int64")
        self.plan_id = rows["plan_id"].to_numpy(dtype="int64")
        self.parts: dict[str, pd.DataFrame] = {}
        for code, mine in locations.groupby("location_iso3", sort=False, dropna=True):
            self.parts[str(code)] = (
                mine.groupby("plan_id")[["requirements_usd", "funding_usd"]].sum(min_count=1)
                .rename(columns={"requirements_usd": "country_requirements_usd",
                                 "funding_usd": "country_funding_usd"}).reset_index())
        self.no_part = (locations.iloc[:0].groupby("plan_id")[["requirements_usd", "funding_usd"]].sum(min_count=1)
                        .rename(columns={"requirements_usd": "country_requirements_usd",
                                         "funding_usd": "country_funding_usd"}).reset_index())

    def rows(self, country: str, years: Iterable[int] = ()) -> pd.DataFrame:
        """crisis_plans(plans, locations, country, names, years), the same frame."""
        rel = self.relations
        wanted = set(years)
        related = [(i, r) for i in range(len(rel.codes)) if (r := rel.relation(i, country)) is not None
                   and (not wanted or int(self.year[i]) in wanted)]
        pos = np.asarray([i for i, _r in related], dtype=np.int64)
        order = {r: k for k, r in enumerate(RELATIONS)}
        rank = np.asarray([order[r] for _i, r in related], dtype=np.int64)
        # sort_values(["year", "_rel", "_req", "plan_id"], ascending=[T, T, F, T], kind="mergesort")
        sort = np.lexsort((self.plan_id[pos], -self.req[pos], rank, self.year[pos])) if len(pos) else pos
        rows = self.base.iloc[pos[sort]].reset_index(drop=True)
        rows["relation"] = pd.Series([related[k][1] for k in sort.tolist()], index=rows.index, dtype="string")
        part = self.parts.get(country, self.no_part)
        rows = rows.merge(part, on="plan_id", how="left")
        for col in ("country_requirements_usd", "country_funding_usd"):
            rows[col] = rows[col].astype("Int64")
        rows["country_share_percent"] = _percent(rows["country_requirements_usd"], rows["requirements_usd"])
        rows["country_funding_share_percent"] = _percent(rows["country_funding_usd"], rows["funding_usd"])
        rows["country_iso3"] = pd.Series([country] * len(rows), index=rows.index, dtype="string")
        return rows[CRISIS_PLAN_COLUMNS]


def plans_rows_of(frame: pd.DataFrame, plans: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """The rows of `frame` (cluster_rows or donor_rows of every plan, computed once per load) for the
    plans `f` selects: the same as computing them for those plans, since every row depends only on
    its own plan (a donor's share is of its plan's total) and a subset keeps the sorted order."""
    ids = _plan_ids(plans, f)
    if ids is None:
        return frame
    out = frame[frame["plan_id"].isin(ids).to_numpy(dtype=bool)].reset_index(drop=True)
    # Rows of plans missing from fts_plans made the merged plan columns nullable floats in `frame`; the
    # picked rows all have their plan, as they would have had when computed alone.
    for col in ("plan_code", "year"):
        if col in out and out[col].dtype != plans[col].dtype and not out[col].isna().any():
            out[col] = out[col].astype(plans[col].dtype)
    return out


def _crisis_rows(cube: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """Cube rows of the selection with a known nationality: one nationality ("single") or an incident
    with several ("multiple"; kept whole, never split between its nationalities)."""
    rows = filter_cube(cube, f)
    return rows[rows["origin_group"].isin(list(CRISIS_GROUPS)).fillna(False).astype(bool)]


def crisis_deaths_by(cube: pd.DataFrame, f: Filters, keys: list[str]) -> pd.DataFrame:
    """Dead and missing of the selected nationalities (f.origins) per `keys` (e.g. region, route or
    cause) and nationality group: 'single' rows are people of that nationality (at least N of them),
    'multiple' rows are incidents with several nationalities including it, kept apart and never split.
    Single first, then largest first."""
    out = _grouped(cube, f, ["origin_group", *keys], SUMMED, only_groups=CRISIS_GROUPS)
    out = out.assign(_g=out["origin_group"].map({g: i for i, g in enumerate(CRISIS_GROUPS)}).astype("int64"))
    out = out.sort_values(["_g", "dead_and_missing", *keys], ascending=[True, False] + [True] * len(keys),
                          na_position="last", kind="mergesort")
    return out[[*keys, "origin_group", *SUMMED]].reset_index(drop=True)


def crisis_deaths_trend(cube: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """Dead and missing of the selected nationalities per month and nationality group ('single',
    'multiple'), every month from the first to the last with a record (zeros in between). Rows
    without a month come last as "YYYY (month unknown)" with no period_start."""
    fast = _fast_crisis_trend(cube, f)
    if fast is not None:
        return fast
    rows = _crisis_rows(cube, f)
    empty = pd.DataFrame({"period": pd.Series([], dtype="string"),
                          "period_start": pd.Series([], dtype="datetime64[ns]"),
                          "origin_group": pd.Series([], dtype="string"),
                          **{c: pd.Series([], dtype="int64") for c in SUMMED}})
    if rows.empty:
        return empty[CRISIS_TREND_COLUMNS]
    known = (rows["precision"] != "year").fillna(True).astype(bool)
    parts = []
    placed = rows[known]
    if not placed.empty:
        starts = placed["date"].dt.to_period("M").dt.start_time
        summed = placed.assign(period_start=starts).groupby(["period_start", "origin_group"])[SUMMED].sum()
        months = pd.period_range(starts.min(), starts.max(), freq="M").start_time
        groups = sorted(set(placed["origin_group"].astype(str)), key=CRISIS_GROUPS.index)
        full = pd.MultiIndex.from_product([months, groups], names=["period_start", "origin_group"])
        out = summed.reindex(full, fill_value=0).reset_index()
        out["period"] = out["period_start"].dt.strftime("%Y-%m")
        parts.append(out)
    unplaced = rows[~known]
    if not unplaced.empty:
        by_year = unplaced.groupby(["year", "origin_group"])[SUMMED].sum().reset_index()
        by_year["period"] = by_year["year"].astype(str) + " (month unknown)"
        by_year["period_start"] = pd.NaT
        parts.append(by_year.drop(columns=["year"]))
    out = pd.concat(parts, ignore_index=True)
    out["period"] = out["period"].astype("string")
    out["origin_group"] = out["origin_group"].astype("string")
    out["period_start"] = pd.to_datetime(out["period_start"]).astype("datetime64[ns]")
    for c in SUMMED:
        out[c] = out[c].astype("int64")
    return out[CRISIS_TREND_COLUMNS]


def crisis_years(plans: pd.DataFrame, trend: pd.DataFrame) -> dict[str, list[int]]:
    """Years with a related plan, years with a recorded death of the nationality, and years with both."""
    plan_years = sorted({int(y) for y in plans["year"]})
    counted = trend[trend["dead_and_missing"] != 0]
    death_years = sorted({int(str(p)[:4]) for p in counted["period"]})
    return {"plans": plan_years, "deaths": death_years, "both": sorted(set(plan_years) & set(death_years))}


def crisis_default_year(plans: pd.DataFrame, trend: pd.DataFrame) -> int | None:
    """The year the crisis view opens on: the latest year with both a related plan and recorded
    deaths of the nationality; else the latest year with a plan; else with deaths; else None."""
    years = crisis_years(plans, trend)
    for key in ("both", "plans", "deaths"):
        if years[key]:
            return years[key][-1]
    return None


def _share(n: Any, total: Any) -> float | None:
    return float(n) / float(total) * 100 if total else None


def _top(rows: pd.DataFrame, key: str, skip: tuple[str, ...] = ()) -> dict[str, Any] | None:
    """The largest value of `key` among single-nationality rows (summed over other keys), with its share."""
    single = rows[(rows["origin_group"] == "single").fillna(False).astype(bool)]
    if single.empty:
        return None
    total = int(single["dead_and_missing"].sum())
    by = single.groupby(key, dropna=False)["dead_and_missing"].sum().reset_index()
    by = by[~by[key].isin(list(skip)).fillna(False).astype(bool)]
    by = by[by[key].notna() & (by["dead_and_missing"] > 0)]
    if by.empty:
        return None
    by = by.sort_values(["dead_and_missing", key], ascending=[False, True], kind="mergesort")
    first = by.iloc[0]
    share = _share(first["dead_and_missing"], total)
    return {"value": str(first[key]), "n": int(first["dead_and_missing"]), "share_percent": share,
            "most": share is not None and share > 50}


UNKNOWN_CAUSES = ("Mixed or unknown",)


def crisis_facts(plans: pd.DataFrame, by_region: pd.DataFrame, by_cause: pd.DataFrame, country: str,
                 year: int | None) -> dict[str, Any]:
    """The numbers behind the crisis summary sentence, taken from the same rows as the charts:
    `plans` from crisis_plans, `by_region` and `by_cause` from crisis_deaths_by for the year.

    Returns {"country", "year", "own": {...} | None, "regional": [{...}], "deaths": {...}}:
    own = the country's own plan(s) of the year summed (percent as published for a single plan);
    regional = plans for its people or covering it (relation, figures, the country's part);
    deaths = single-nationality dead and missing ("at least N"), incidents with several nationalities
    including it (kept apart), the top region and cause ("most" when above half).
    """
    year_rows = plans[plans["year"] == year] if year is not None else plans.iloc[:0]
    own_rows = year_rows[year_rows["relation"] == "country"]
    own = None
    if not own_rows.empty:
        req = own_rows["requirements_usd"].astype("Float64").sum(min_count=1)
        fund = own_rows["funding_usd"].astype("Float64").sum(min_count=1)
        pct = (own_rows["percent_funded"].iloc[0] if len(own_rows) == 1
               else (fund / req * 100 if not pd.isna(req) and req else None))
        own = {"plans": len(own_rows), "plan_ids": [int(p) for p in own_rows["plan_id"]],
               "plan_codes": [None if pd.isna(c) else str(c) for c in own_rows["plan_code"]],
               "requirements_usd": None if pd.isna(req) else int(req),
               "funding_usd": None if pd.isna(fund) else int(fund),
               "percent_funded": None if pct is None or pd.isna(pct) else float(pct),
               "published": bool((own_rows["figure_kind"] == "published figure").any()),
               "sources": sorted(set(str(s) for s in own_rows["figures_source"].dropna()))}
    regional = []
    for r in year_rows[year_rows["relation"] != "country"].itertuples():
        regional.append({k: (None if is_missing(v) else (v.item() if hasattr(v, "item") else v)) for k, v in {
            "plan_id": r.plan_id, "plan_code": r.plan_code, "plan_name": r.plan_name, "relation": r.relation,
            "requirements_usd": r.requirements_usd, "funding_usd": r.funding_usd, "percent_funded": r.percent_funded,
            "people_in_need": r.people_in_need, "people_targeted": r.people_targeted,
            "country_requirements_usd": r.country_requirements_usd, "country_funding_usd": r.country_funding_usd,
            "country_share_percent": r.country_share_percent, "figures_source": r.figures_source}.items()})
        regional[-1]["published"] = r.figure_kind == "published figure"
    groups = {g: by_region[(by_region["origin_group"] == g).fillna(False).astype(bool)] for g in CRISIS_GROUPS}
    deaths = {
        "single": int(groups["single"]["dead_and_missing"].sum()),
        "single_incidents": int(groups["single"]["incidents"].sum()),
        "multiple": int(groups["multiple"]["dead_and_missing"].sum()),
        "multiple_incidents": int(groups["multiple"]["incidents"].sum()),
        "region": _top(by_region, "region"),
        "cause": _top(by_cause, "cause_of_death", skip=UNKNOWN_CAUSES),
    }
    return {"country": country, "year": year, "own": own, "regional": regional, "deaths": deaths}


def is_missing(value: Any) -> bool:
    """None, NA and NaN all mean 'no value' (fmt re-exports this for the UI layer)."""
    if value is None or value is pd.NA:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
