"""Number and date formatting for people (one place, so a locale can be plugged in later)."""
from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from .i18n import _


def is_missing(value: Any) -> bool:
    """None, NA and NaN all mean 'no value'."""
    if value is None or value is pd.NA:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def integer(value: Any) -> str:
    """1234567 -> '1,234,567'; missing -> '–'."""
    return "–" if is_missing(value) else f"{int(value):,}"


def usd(value: Any) -> str:
    """Whole US dollars with separators: 'US$222,724,387'."""
    return "–" if is_missing(value) else f"US${int(value):,}"


def usd_short(value: Any) -> str:
    """Compact dollars for sentences and labels: 'US$222.7 million', 'US$1.2 billion'."""
    if is_missing(value):
        return "–"
    v = float(value)
    for size, word in ((1e9, _("billion")), (1e6, _("million"))):
        if abs(v) >= size:
            return f"US${v / size:,.1f} {word}"
    return f"US${v:,.0f}"


def percent(value: Any, digits: int = 1) -> str:
    """34.538 -> '34.5 %'; missing -> '–'."""
    return "–" if is_missing(value) else f"{float(value):,.{digits}f} %"


def day(value: Any) -> str:
    """A date as '1 Jan 2019'."""
    if is_missing(value):
        return "–"
    d = pd.Timestamp(value).date() if not isinstance(value, date) else value
    return f"{d.day} {d.strftime('%b')} {d.year}"


def month(value: Any) -> str:
    """A date as 'August 2019'."""
    if is_missing(value):
        return "–"
    d = pd.Timestamp(value)
    return f"{d.strftime('%B')} {d.year}"


def truncate(text: str, width: int = 28) -> str:
    """Shorten long labels for narrow screens (the full text stays in hover and tables)."""
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"
