"""Number and date formatting for people, in the current language (Babel: `1,234.5` in English,
`1.234,5` in Spanish; dates `15 Aug 2019` / `15 ago 2019`). Dollars are always "US$"."""
from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from babel import Locale
from babel.dates import format_date
from babel.numbers import NumberPattern, parse_pattern

from dashboard.i18n import _, current
from dashboard.queries import is_missing  # noqa: F401 (re-exported: one definition of 'no value')


def integer(value: Any) -> str:
    """1234567 -> '1,234,567'; missing -> '–'."""
    return "–" if is_missing(value) else number(int(value), 0)


def number(value: Any, digits: int = 1) -> str:
    """1234.5 -> '1,234.5' (en) / '1.234,5' (es); `digits` decimals."""
    if is_missing(value):
        return "–"
    lang = current()
    symbols = _plain_symbols(lang)
    if symbols is not None and isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        if isinstance(value, (int, np.integer)):
            if digits == 0:
                return f"{int(value):,}".translate(symbols)
            return format(Decimal(int(value)), f",.{digits}f").translate(symbols)
        if math.isfinite(value):
            return format(Decimal(repr(float(value))), f",.{digits}f").translate(symbols)
    # babel.numbers.format_decimal(value, format=pattern, locale=...) without parsing the locale and the
    # pattern on every call
    return _pattern(digits).apply(value, _locale(lang))


def numbers(values: list[Any], digits: int, missing: str = "–") -> list[str]:
    """number(value, digits) of each value of a column, `missing` for a missing one."""
    return [missing if is_missing(value) else number(value, digits) for value in values]


@lru_cache(maxsize=None)
def _plain_symbols(lang: str) -> dict[int, str] | None:
    """How to turn Python's "{:,.Nf}" into the locale's number (its group and decimal signs), if that gives
    what Babel writes, else None (Babel formats: minimum grouping digits, other group sizes, ...). Babel
    rounds the float's shortest decimal text half to even, as Decimal(repr(value)) does. A chart's table
    formats hundreds of cells per answer; Babel's per-call machinery was the largest single item in a
    sampling profile of them (a few ms per answer in plain timing)."""
    locale = _locale(lang)
    signs = locale.number_symbols["latn"]
    table = str.maketrans({",": signs["group"], ".": signs["decimal"]})
    probes = (0, 7, 999, 1000, 1234, 12345, 1234567, -1234, 10**12, 0.05, 0.15, 0.25, 2.5, -0.04, 1234.56,
              12345.65, 999.95, 1e6 + 0.05, -98765.4321)
    for digits in (0, 1, 2):
        pattern = _pattern(digits)
        for n in probes:
            plain = format(Decimal(n) if isinstance(n, int) else Decimal(repr(n)), f",.{digits}f").translate(table)
            if pattern.apply(n, locale) != plain:
                return None
    return table


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


# ------------------------------------------------------------------------------------------ countries


@lru_cache(maxsize=1)
def _iso2() -> dict[str, str]:
    """ISO3 -> ISO2 from country_converter's bundled table (read as text: Namibia's "NA" is no blank)."""
    import country_converter as coco

    table = pd.read_csv(coco.country_converter.COUNTRY_DATA_FILE, sep="\t", encoding="utf-8", dtype=str,
                        keep_default_na=False, usecols=["ISO3", "ISO2"])
    return {a: b for a, b in zip(table["ISO3"], table["ISO2"]) if a and b}


def country(iso3: str, fallback: str | None = None) -> str:
    """The country's name in the interface language (Babel's CLDR names: 'Afganistán'), else `fallback`
    (a name from the data), else the code."""
    code = _iso2().get(iso3)
    name = _locale(current()).territories.get(code) if code else None
    return name or fallback or iso3


def sort_key(text: str) -> str:
    """Alphabetical order for people: accents and case do not move a name ('Él' beside 'El')."""
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


def country_options(codes: Any, fallback: dict[str, str] | None = None, show_code: bool = False) -> list[dict[str, str]]:
    """Dropdown options for ISO3 codes: the name in the interface language, searchable by that name, the
    English name, a name from the data and the code; sorted by name."""
    fallback = fallback or {}
    out = []
    for code in codes:
        name = country(code, fallback.get(code))
        english = _locale("en").territories.get(_iso2().get(code, ""), "")
        out.append({"label": f"{name} ({code})" if show_code else name, "value": code,
                    "search": " ".join(dict.fromkeys(x for x in (name, english, fallback.get(code, ""), code) if x))})
    return sorted(out, key=lambda o: sort_key(o["label"]))


def place(value: Any) -> str:
    """A published name (region group, region, route, cause; 'Central America,North America' lists two)
    in the interface language; names without a translation as published."""
    from dashboard.render.text import PLACE_NAMES

    if is_missing(value):
        return "–"
    parts = _LIST.split(str(value))  # "A,B" lists several; "shelter, food, water" is one name
    return ", ".join(_(PLACE_NAMES[p]) if p in PLACE_NAMES else p for p in parts)


_LIST = __import__("re").compile(r",(?! )")


def published_source(source: Any) -> str:
    """'published figure: R4V, …' (as curated) with its kind in the interface language."""
    from dashboard.render.text import FIGURE_KIND_LABELS

    text = str(source)
    kind, sep, rest = text.partition(":")
    return f"{_(FIGURE_KIND_LABELS[kind.strip()])}: {rest.strip()}" if sep and kind.strip() in FIGURE_KIND_LABELS \
        else text
