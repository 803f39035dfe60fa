"""Small value helpers shared by the FTS parsers: typed cells, dates, years, names and lists."""
from __future__ import annotations

import datetime
import math
import pandas as pd
import re
from typing import Any, Callable, Iterable

from ...errors import IngestError
from ...report import Report
from ...schemas import is_iso3
from .model import DATE_YEARS, INT64_MAX, YEAR_MAX, YEAR_MIN, _DATE, _LIST_SEPARATOR


def _need(obj: Any, key: str, where: str, path: str) -> Any:
    """obj[key], or an IngestError naming the place and the field."""
    if not isinstance(obj, dict) or key not in obj:
        raise IngestError(f"{where}: field {path} missing; the API response changed or this is not the "
                          "expected FTS endpoint")
    return obj[key]


def _int(value: Any, where: str, name: str, required: bool = False) -> int | None:
    """An integer from JSON or a CSV cell ('' and null are blank); anything else is an error."""
    if type(value) is str and value.isdigit() and len(value) < 19:  # noqa: E721 - the common case, fast
        return int(value)
    if value is None or value == "":
        if required:
            raise IngestError(f"{where}: field {name} is blank; expected a whole number")
        return None
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,30}(\.0+)?", value.strip()):
        number = int(value.strip().split(".")[0])  # exact: no float rounding of long numbers
    elif isinstance(value, str) and re.fullmatch(r"-?[0-9]+(\.0+)?", value.strip()):
        number = INT64_MAX + 1  # more digits than any amount; only the range message below applies
    if number is None:
        raise IngestError(f"{where}: field {name} is {_show(value)}; expected a whole number")
    if abs(number) > INT64_MAX:
        # Tables hold 64-bit integers; a larger amount is a corrupt value, never a real one.
        raise IngestError(f"{where}: field {name} is {_show(value)}; too large for a whole number "
                          f"(the limit is {INT64_MAX:,})")
    return number


def _show(value: Any) -> str:
    """A value for a message, cut to 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _json_type(value: Any) -> str:
    """A decoded JSON value's type for messages: 'null', else the Python name (dict, list, str, int, ...)."""
    return "null" if value is None else type(value).__name__


def _list(value: Any, where: str, name: str) -> list:
    """A JSON array field ([] when absent or null); anything else is an IngestError naming the field."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise IngestError(f"{where}: field {name} is a JSON {_json_type(value)}, expected a list; the API "
                          "response changed or this is not the expected FTS endpoint")
    return value


def _amount(value: Any, count: Callable[[str], None], what: str) -> float | None:
    """An optional decimal amount (originalAmount); unreadable or non-finite values are blank, counted."""
    if value is None or value == "":
        return None
    number = None
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        try:
            number = float(value)
        except (ValueError, OverflowError):
            number = None
    if number is None or not math.isfinite(number):
        count(f"{what}: unreadable number (left blank)")
        return None
    return number


def _signed_funding(value: int | None, report: Report, table: str) -> int | None:
    """Funding as FTS gives it: a negative amount is a net correction and keeps its sign (counted)."""
    if value is not None and value < 0:
        report.count(f"{table}: negative funding (a net correction) kept")
    return value


def _non_negative(value: int | None, report: Report, table: str, what: str = "funding") -> int | None:
    """Money for a table that allows no negatives: a negative (a net correction) becomes blank, counted."""
    if value is not None and value < 0:
        report.count(f"{table}: negative {what} (a net correction) stored blank")
        return None
    return value


def _text(value: Any) -> str | None:
    """A trimmed string, or None for blank."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _date(value: Any, count: Callable[[str], None], what: str) -> str | None:
    """'YYYY-MM-DD' from an ISO date or datetime string (the calendar date as written); blank gives None.

    Anything else ('2019-02-30', '9999-12-31', 'soon') is left blank and counted as '<what>: unreadable
    or out-of-range date (left blank)': a date is never essential, and the year range is DATE_YEARS.
    """
    text = _text(value)
    if text is None:
        return None
    if _DATE.match(text):
        try:
            day = datetime.date.fromisoformat(text[:10])
        except ValueError:
            day = None
        if day is not None and DATE_YEARS[0] <= day.year <= DATE_YEARS[1]:
            return text[:10]
    count(f"{what}: unreadable or out-of-range date (left blank)")
    return None


def _check_year(year: int | None, where: str, name: str) -> int | None:
    """A plan year read from a file, or an IngestError when it is outside the tables' range."""
    if year is not None and not YEAR_MIN <= year <= YEAR_MAX:
        raise IngestError(f"{where}: field {name} is {year}; expected a year between {YEAR_MIN} and {YEAR_MAX}")
    return year


def _plan_year(years: list[str], code: str | None, name: str | None) -> tuple[int | None, set[str]]:
    """The plan's (first) year from years[], else guessed from its name or code (a weak value)."""
    found = sorted(int(y) for y in years if re.fullmatch(r"[0-9]{4}", y))
    if found:
        return found[0], set()  # firm: callers check its range (_check_year)
    for match in re.finditer(r"\b(19[0-9]{2}|20[0-9]{2})\b", name or ""):
        if YEAR_MIN <= int(match.group(1)) <= YEAR_MAX:  # a guess outside the range is no guess
            return int(match.group(1)), {"year"}
    match = re.search(r"(\d{2})(\d{2})?[a-z]?$", code or "")
    if match:
        return 2000 + int(match.group(1)), {"year"}
    return None, set()


def _plan_type(categories: Any) -> str | None:
    """The planType category's name (old rows: the first category's name)."""
    items = [c for c in categories or [] if isinstance(c, dict)]
    for item in items:
        if item.get("group") == "planType":
            return _text(item.get("name"))
    return _text(items[0].get("name")) if items and "group" not in items[0] else None


def _location_names(locations: Any) -> dict[str, list[str]]:
    """Location names per ISO3 (used to recognise regional plans that name the country)."""
    names: dict[str, list[str]] = {}
    for loc in locations or []:
        if isinstance(loc, dict) and isinstance(loc.get("iso3"), str) and loc.get("name"):
            names.setdefault(loc["iso3"], []).append(str(loc["name"]))
    return names


def _countries(locations: Any) -> set[str]:
    """ISO3 codes of a plan's country-level (adminLevel 0) locations."""
    codes = set()
    for loc in locations or []:
        if isinstance(loc, dict) and loc.get("adminLevel") in (0, "0", None):
            iso3 = loc.get("iso3")
            if is_iso3(iso3):
                codes.add(iso3)
    return codes


def _objects(flow: dict, key: str, where: str) -> list[dict]:
    """A flow's sourceObjects / destinationObjects list."""
    objects = _need(flow, key, where, key)
    if not isinstance(objects, list):
        raise IngestError(f"{where}: field {key} is not a list")
    return [o for o in objects if isinstance(o, dict)]


def _names(objects: list[dict]) -> str | None:
    """Names of flow objects, '; '-joined in order, without repeats."""
    names = list(dict.fromkeys(n for n in (_text(o.get("name")) for o in objects) if n))
    return "; ".join(names) or None


def _org_types(objects: list[dict]) -> str | None:
    """organizationTypes of flow organisations, '; '-joined without repeats."""
    types = list(dict.fromkeys(t.strip() for o in objects for t in o.get("organizationTypes") or []
                               if isinstance(t, str) and t.strip()))
    return "; ".join(types) or None


def _hdx_list(cell: str | None) -> str | None:
    """An HDX comma-joined list cell as a '; '-joined string."""
    parts = [p.strip() for p in _LIST_SEPARATOR.split(cell or "") if p.strip()]
    return "; ".join(parts) or None


def _joined(values: pd.Series, sep: str = "; ") -> str | None:
    """Distinct non-blank values of a column, sorted and joined (parts of joined values split first)."""
    parts = sorted({p.strip() for v in values.dropna() for p in str(v).split(sep.strip()) if p.strip()})
    return sep.join(parts) or None


def _iso3_lookup(names: Iterable[str]) -> dict[str, str | None]:
    """Country names (FTS Location names) to ISO3; names that are not one country map to None."""
    names = {n for n in names if n}
    if not names:
        return {}
    from ...countries import to_iso3  # shared with the MMP parser (country_converter, cached)
    return to_iso3(names)
