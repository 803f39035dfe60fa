"""Country names (UN style, as IOM publishes them) to ISO3 codes through country_converter."""
from __future__ import annotations

import html
import logging
import re
from contextlib import contextmanager
from functools import lru_cache
from typing import Iterable, Iterator

import country_converter as coco
import pandas as pd

# MMP's non-country tokens: they say "nationality not known" or "several nationalities", so they
# must never reach the matcher (which would report them as unmatched) nor count as a country.
NON_COUNTRY: dict[str, str] = {
    "unknown": "unknown",
    "mixed": "mixed",
    # Kaggle copy and 2024+ site data: an undifferentiated "mixed or unknown"; nobody's nationality is known.
    "mixed/unknown": "unknown",
}

# Explicit overrides, for names country_converter gets wrong or cannot know. Keys are casefolded.
# Empty on purpose: every name in the MMP releases we have seen matches correctly. Add here, never guess.
OVERRIDES: dict[str, str] = {}

# Multi-value cells are joined with a bare comma ("Ethiopia,Somalia"); a comma followed by a space
# belongs to a single name ("China, Hong Kong Special Administrative Region").
_LIST_SEPARATOR = re.compile(r",(?! )")

_NOT_FOUND = "\x00not found"
_CACHE: dict[str, str | None] = {}
_LOG = logging.getLogger("country_converter")


def split_names(cell: object) -> list[str]:
    """Split an MMP multi-value cell on commas not followed by a space; blanks give []."""
    if cell is None or cell is pd.NA or (isinstance(cell, float) and cell != cell):
        return []
    # Parts with no letter or digit (", ," debris) are empty, not names.
    return [part.strip() for part in _LIST_SEPARATOR.split(str(cell)) if any(ch.isalnum() for ch in part)]


def non_country_kind(name: str) -> str | None:
    """'unknown' or 'mixed' for MMP's placeholder tokens (and blanks), else None."""
    key = name.strip().casefold()
    return "unknown" if not key else NON_COUNTRY.get(key)


def to_iso3(names: Iterable[str]) -> dict[str, str | None]:
    """Map each distinct name to its ISO3 code, or None when it is a placeholder or not matched.

    Each distinct name is matched once per process (cached); ambiguous matches count as not
    matched because a wrong country is worse than none. Use `unmatched()` to list the failures.
    """
    distinct = {str(n) for n in names if n is not None and n is not pd.NA}
    todo = sorted(n for n in distinct if n not in _CACHE)
    to_match: list[str] = []
    for name in todo:
        key = html.unescape(name).strip().casefold()
        if non_country_kind(name) is not None:
            _CACHE[name] = None
        elif key in OVERRIDES:
            _CACHE[name] = OVERRIDES[key]
        else:
            to_match.append(name)
    if to_match:
        # One call for all new names: the matcher runs ~300 regexes per name, so per-row calls would be slow.
        with _quiet():
            found = _converter().convert([html.unescape(n).strip() for n in to_match], src="regex", to="ISO3",
                                         enforce_list=True, not_found=_NOT_FOUND)
        for name, result in zip(to_match, found):
            codes = [c for c in result if isinstance(c, str) and re.fullmatch(r"[A-Z]{3}", c)]
            # A sentinel (not None, which echoes the input, e.g. "XYZ") marks misses; several codes = ambiguous.
            _CACHE[name] = codes[0] if len(codes) == 1 and len(result) == 1 else None
    return {name: _CACHE[name] for name in distinct}


def unmatched(mapping: dict[str, str | None]) -> list[str]:
    """Names in a `to_iso3` result that are real names (not Unknown/Mixed/blank) but got no code."""
    return sorted(n for n, code in mapping.items() if code is None and non_country_kind(n) is None)


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence country_converter's own 'not found' warnings; callers report unmatched names themselves."""
    level = _LOG.level
    _LOG.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        _LOG.setLevel(level)


@lru_cache(maxsize=1)
def _converter() -> coco.CountryConverter:
    """A CountryConverter built from its bundled table, read so that Namibia's ISO2 'NA' stays text.

    country_converter 1.3's own loader lets pandas 3 turn 'NA' into a missing value, which breaks its
    constructor; passing the table as a DataFrame is its documented alternative.
    """
    from pandas._libs.parsers import STR_NA_VALUES

    table = pd.read_csv(coco.country_converter.COUNTRY_DATA_FILE, sep="\t", encoding="utf-8", dtype=str,
                        keep_default_na=False, na_values=sorted(STR_NA_VALUES - {"NA"}))
    with _quiet():
        return coco.CountryConverter(country_data=table)


def names_of(codes: Iterable[str]) -> dict[str, str]:
    """ISO3 code -> country_converter's short English name ("COL" -> "Colombia"); unknown codes are left out."""
    table = _converter().data
    known = dict(zip(table["ISO3"], table["name_short"]))
    return {code: known[code] for code in codes if code in known and isinstance(known[code], str)}
