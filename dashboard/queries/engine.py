"""The fast path of the migration queries: a numpy index over a cube built at load.

A cube built at load (data.build_cube / build_geo) is registered with `index_cube`: every dimension is
dictionary-encoded once (integer codes, -1 for NA), dates become int64 arrays and the counts plain int64
numpy arrays. The migration queries then select rows with boolean masks on the codes and sum with
np.bincount over group codes instead of filtering and grouping strings per request. Frames that were not
registered (e.g. an ad-hoc incident table) take the plain pandas path; both give the same answer
(tests/dashboard/data/test_cube.py checks that on random filters).
"""
from __future__ import annotations

import threading
import weakref
from typing import Any, Iterable

import numpy as np
import pandas as pd

from .filters import MMP_COUNTS, MMP_DIMS, Filters, _plain_dtype, contains_code, month_end

_INDEX_ATTRIBUTE = "_humdash_cube_index"
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
        self.origin_names: dict[str, str] | None = None  # migration._table_names, on first use
        self.spanning_rows: pd.DataFrame | None = None  # migration.spanning_rows, on first use
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
    # The index lives on the frame object itself (not a column, not `attrs`: frames derived from this one
    # do not inherit it), so it is owned by whoever holds the cube (the loaded Dataset) and goes with it.
    object.__setattr__(cube, _INDEX_ATTRIBUTE, CubeIndex(cube))
    return cube


def _index_of(cube: pd.DataFrame) -> CubeIndex | None:
    idx = vars(cube).get(_INDEX_ATTRIBUTE)
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


def _period_number(t: pd.Timestamp, code: str) -> int:
    return t.year * 12 + t.month - 1 if code == "M" else t.year
