"""Number and date formatting for people, in the current language (Babel: `1,234.5` in English,
`1.234,5` in Spanish; dates `15 Aug 2019` / `15 ago 2019`). Dollars are always "US$"."""
from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

import pandas as pd
from babel.dates import format_date
from babel import Locale
from babel.numbers import NumberPattern, parse_pattern

from .i18n import _, current
from .queries import is_missing  # noqa: F401 (re-exported: one definition of 'no value')


def integer(value: Any) -> str:
    """1234567 -> '1,234,567'; missing -> '–'."""
    return "–" if is_missing(value) else number(int(value), 0)


def number(value: Any, digits: int = 1) -> str:
    """1234.5 -> '1,234.5' (en) / '1.234,5' (es); `digits` decimals."""
    if is_missing(value):
        return "–"
    # babel.numbers.format_decimal(value, format=pattern, locale=...) without parsing the locale and the
    # pattern on every call (a chart's table formats thousands of cells per callback)
    return _pattern(digits).apply(value, _locale(current()))


@lru_cache(maxsize=None)
def _pattern(digits: int) -> NumberPattern:
    return parse_pattern("#,##0" + ("." + "0" * digits if digits > 0 else ""))


@lru_cache(maxsize=None)
def _locale(lang: str) -> Locale:
    return Locale.parse(lang)


def usd(value: Any) -> str:
    """Whole US dollars with separators: 'US$222,724,387'."""
    return "–" if is_missing(value) else f"US${number(int(value), 0)}"


def usd_short(value: Any) -> str:
    """Compact dollars for sentences and labels: 'US$222.7 million', 'US$1.2 billion'."""
    if is_missing(value):
        return "–"
    v = float(value)
    for size, word in ((1e9, _("billion")), (1e6, _("million"))):
        if abs(v) >= size:
            return f"US${number(v / size, 1)} {word}"
    return f"US${number(v, 0)}"


def percent(value: Any, digits: int = 1) -> str:
    """34.538 -> '34.5 %'; missing -> '–'."""
    return "–" if is_missing(value) else f"{number(float(value), digits)} %"


def day(value: Any) -> str:
    """A date as '1 Jan 2019'."""
    if is_missing(value):
        return "–"
    d = pd.Timestamp(value).date() if not isinstance(value, date) else value
    if current() == "en":
        return f"{d.day} {d.strftime('%b')} {d.year}"
    return format_date(d, "d MMM y", locale=current()).replace(".", "")


def month(value: Any) -> str:
    """A date as 'August 2019'."""
    if is_missing(value):
        return "–"
    d = pd.Timestamp(value)
    if current() == "en":
        return f"{d.strftime('%B')} {d.year}"
    return format_date(d.date(), "LLLL 'de' y", locale=current())


def truncate(text: str, width: int = 28) -> str:
    """Shorten long labels for narrow screens (the full text stays in hover and tables)."""
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"
