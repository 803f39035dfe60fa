"""Cell parsers for MMP text cells: dates, years, months, whole-number counts, coordinates."""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from ...errors import IngestError
from ...report import Report
from ...schemas import SCHEMAS

_DATE_FORMATS = ("%Y-%m-%d", "%B %d, %Y", "%a, %m/%d/%Y - %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S",
                 "%b %d, %Y", "%d %B %Y")
_MONTHS = {m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                      "nov", "dec"], start=1)}
_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)"
_WKT_POINT = re.compile(rf"^POINT\s*\(\s*({_NUM})\s+({_NUM})\s*\)$", re.IGNORECASE)
_LAT_LON = re.compile(rf"^({_NUM})\s*,\s*({_NUM})$")
_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+$")
_INTEGER = re.compile(r"^[-+]?[0-9]+(\.0*)?$")
_DECIMAL = re.compile(r"^[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$")
_TOO_LARGE = object()  # a whole number beyond MAX_COUNT (see _whole_number)

# A count of people in one incident beyond this is a corrupt cell or a typo, not a count (the deadliest
# recorded shipwrecks are in the hundreds); such cells are left blank and counted. The bound also keeps
# dead + missing and any sum over rows far inside int64 (no silent overflow), and every accepted value
# is exact (below 2**53, so one read as a float, e.g. '1e3', is still the number written).
MAX_COUNT = 10**9
# The table's year range (from the schema, so the message and the check cannot drift apart).
_YEAR_RANGE = SCHEMAS["mmp_incidents"].columns["year"].checks[0].statistics
YEAR_MIN, YEAR_MAX = int(_YEAR_RANGE["min_value"]), int(_YEAR_RANGE["max_value"])


def _blank_to_na(s: pd.Series) -> pd.Series:
    """Cell text without surrounding spaces; empty cells become <NA>."""
    s = s.str.strip()
    return s.mask(s.eq("").fillna(False).to_numpy(bool))  # an ndarray mask: same result, a third of the time


def _dates(s: pd.Series, report: Report) -> pd.Series:
    """Calendar dates from every format MMP has used; unreadable text is counted and left blank."""
    parsed = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    todo = s.notna()
    outside = pd.Series(False, index=s.index)
    for fmt in _DATE_FORMATS:
        if not todo.any():
            break
        attempt = pd.to_datetime(s[todo].astype(object), format=fmt, errors="coerce")
        # pandas reads any year here (1066, 9999); only the table's years fit it (and datetime64[ns]).
        far = attempt.notna() & ~attempt.dt.year.between(YEAR_MIN, YEAR_MAX)
        outside.loc[far[far].index] = True
        parsed.loc[todo] = attempt.where(~far).astype("datetime64[ns]")
        todo &= parsed.isna() & ~outside
    report.count("unreadable incident date (left blank)", int(todo.sum()))
    report.count(f"incident date outside {YEAR_MIN}-{YEAR_MAX} (left blank)", int(outside.sum()))
    return parsed.dt.normalize()  # the site export stamps every date 12:00; only the day is data


def _years(date: pd.Series, column: pd.Series, ids: pd.Series, report: Report, where: str) -> pd.Series:
    """Year from the date, else the year column, else the id prefix ('2020.MMP01074' -> 2020)."""
    year = date.dt.year.astype("Int64")
    from_column, _, _ = _whole_numbers(column)
    year = year.fillna(from_column)
    lacking = year.isna()
    if lacking.any():  # only then is the id's prefix read
        prefix = ids[lacking].str.extract(r"^([0-9]{4})\.", expand=False)
        from_id = pd.to_numeric(prefix, errors="coerce").astype("Int64")
        report.count("year recovered from ID", int(from_id.notna().sum()))
        year = year.fillna(from_id)
    if year.isna().any():
        bad = year.isna()
        raise IngestError(f"{where}: {int(bad.sum())} row(s) have no date, year or year-prefixed id "
                          f"(first: incident {ids[bad].iloc[0]}); fill in the year or remove those rows")
    outside = ~year.between(YEAR_MIN, YEAR_MAX)
    if outside.any():
        raise IngestError(f"{where}: {int(outside.sum())} row(s) have a year outside {YEAR_MIN}-{YEAR_MAX} "
                          f"(first: incident {ids[outside].iloc[0]}, year {year[outside].iloc[0]}); fix the year "
                          "column or remove those rows")
    return year


def _month_numbers(date: pd.Series, column: pd.Series, report: Report) -> pd.Series:
    """Month 1-12 from the date, else from a month name/abbreviation or number."""
    month = date.dt.month.astype("Int64")
    codes, cells = _distinct(column)  # a dozen or so distinct texts
    key = cells.str.strip().str[:3].str.casefold()
    named = key.map(_MONTHS).astype("Int64")
    numeric = pd.to_numeric(cells.where(cells.str.fullmatch(r"\d{1,2}").fillna(False)), errors="coerce")
    named = _spread(named.fillna(numeric.where(numeric.between(1, 12)).astype("Int64")), codes, column.index)
    unreadable = month.isna() & column.notna() & named.isna()
    report.count("unreadable month (left blank)", int(unreadable.sum()))
    return month.fillna(named)


def _counts(s: pd.Series, field: str, report: Report) -> pd.Series:
    """Whole numbers: thousands separators removed, negatives (IOM corrections) kept, blank = <NA>."""
    codes, cells = _distinct(s)  # a count column holds a few hundred distinct texts
    rows = np.bincount(codes, minlength=len(cells))  # rows per distinct text
    thousands = cells.str.fullmatch(_THOUSANDS.pattern).fillna(False)
    report.count("thousands separator removed from a count", int(rows[thousands.to_numpy(bool)].sum()))
    cleaned = cells.where(~thousands, cells.str.replace(",", "", regex=False))
    number, unreadable, too_large = _whole_numbers_of(cleaned)
    report.count(f"unreadable number in {field} (left blank)", int(rows[unreadable.to_numpy(bool)].sum()))
    report.count(f"number beyond {MAX_COUNT:,} in {field} (left blank)", int(rows[too_large.to_numpy(bool)].sum()))
    number = _spread(number, codes, s.index)
    # Negative cells net a correction into the source's total; taking absolute values would double count.
    report.count(f"negative {field} kept (IOM correction)", int((number < 0).fillna(False).sum()))
    return number


def _whole_numbers(s: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Exact whole numbers of text cells (Int64), and masks of the unreadable and the too-large ones."""
    codes, cells = _distinct(s)
    number, unreadable, too_large = _whole_numbers_of(cells)
    return _spread(number, codes, s.index), _spread(unreadable, codes, s.index), _spread(too_large, codes, s.index)


def _whole_numbers_of(cells: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """_whole_numbers cell by cell (for distinct cells, see _distinct)."""
    blank = cells.isna().to_numpy(bool)
    parsed = [None if is_blank else _whole_number(cell) for cell, is_blank in zip(cells.tolist(), blank)]
    # Built from Python ints, not via Series.map: map would turn them into floats (inexact beyond 2**53).
    number = pd.Series(pd.array([v if type(v) is int else None for v in parsed], dtype="Int64"), index=cells.index)
    too_large = pd.Series([v is _TOO_LARGE for v in parsed], index=cells.index, dtype=bool)
    unreadable = ~pd.Series(blank, index=cells.index) & number.isna() & ~too_large
    return number, unreadable, too_large


def _distinct(s: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Each row's code and the distinct cells (<NA> included), to do per-cell work once per distinct text."""
    codes, cells = pd.factorize(s, use_na_sentinel=False)
    return codes, pd.Series(cells.array, dtype=s.dtype)


def _spread(per_cell: pd.Series, codes: np.ndarray, index: pd.Index) -> pd.Series:
    """Values computed per distinct cell (see _distinct) put back on every row."""
    return pd.Series(per_cell.array.take(codes), index=index)


def _whole_number(cell: str) -> int | object | None:
    """'12', '-3', '+4', '7.0', '1e3' -> int; beyond MAX_COUNT -> _TOO_LARGE; anything else -> None."""
    if _INTEGER.match(cell):
        digits = cell.split(".")[0]
        if len(digits.lstrip("+-0")) > 18:  # also keeps int() clear of Python's 4,300-digit limit
            return _TOO_LARGE
        value = int(digits)  # exact (no float rounding)
    elif _DECIMAL.match(cell):
        number = float(cell)
        if not math.isfinite(number):
            return _TOO_LARGE
        if number != math.floor(number):
            return None  # 2.5 people is not a count
        value = int(number)
    else:
        return None
    return value if abs(value) <= MAX_COUNT else _TOO_LARGE


def _totals(total: pd.Series, dead: pd.Series, missing: pd.Series, ids: pd.Series, report: Report,
            where: str) -> pd.Series:
    """The source's own total when it has one, else dead + missing with blanks as 0; totals that
    disagree with dead + missing are counted and the first few named (by incident id)."""
    computed = dead.fillna(0) + missing.fillna(0)
    has = total.notna()
    report.count("total computed as dead + missing (no total in source)", int((~has).sum()))
    differs = (has & (total != computed)).fillna(False).astype(bool)
    report.count("source total differs from dead + missing (source total kept)", int(differs.sum()))
    if differs.any():
        shown = [f"{i} ({t} vs {d} + {m})" for i, t, d, m in zip(
            ids[differs].head(5), total[differs].head(5), dead[differs].head(5).astype(object).fillna("blank"),
            missing[differs].head(5).astype(object).fillna("blank"))]
        report.warn(f"{where}: {int(differs.sum()):,} incident(s) whose Total Number of Dead and Missing is not "
                    f"dead + missing, e.g. {', '.join(shown)}; the source's total is used and kept in "
                    "total_dead_and_missing_source")
    return total.where(has, computed).astype("Int64")


def _coordinates(s: pd.Series, report: Report) -> tuple[pd.Series, pd.Series]:
    """Latitude and longitude from "lat, lon" or WKT "POINT (lon lat)" (longitude first in WKT)."""
    lat_text, lon_text = [], []
    for cell in s.to_numpy(dtype=object, na_value=None):  # a plain loop: str.extract costs 10x more here
        found = None if cell is None else _WKT_POINT.search(cell)
        if found:
            lon_cell, lat_cell = found.groups()
        else:
            found = None if cell is None else _LAT_LON.search(cell)
            lat_cell, lon_cell = found.groups() if found else (None, None)
        lat_text.append(lat_cell)
        lon_text.append(lon_cell)
    lat = pd.to_numeric(pd.Series(lat_text, index=s.index, dtype=s.dtype), errors="coerce").astype("float64")
    lon = pd.to_numeric(pd.Series(lon_text, index=s.index, dtype=s.dtype), errors="coerce").astype("float64")
    unreadable = s.notna() & (lat.isna() | lon.isna())
    report.count("unreadable coordinates (left blank)", int(unreadable.sum()))
    out_of_range = (lat.abs() > 90) | (lon.abs() > 180)
    report.count("coordinates out of range (left blank)", int(out_of_range.sum()))
    keep = ~out_of_range & lat.notna() & lon.notna()
    return lat.where(keep), lon.where(keep)
