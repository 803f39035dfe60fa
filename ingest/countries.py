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

from .schemas import is_iso3

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

# Several nationalities in one cell: IOM joins them with a bare comma ("Ethiopia,Somalia"), the site
# export with ", ", and other tools with ";", "/", "&" or " and ". Some single names hold one of these
# too ("Congo, Democratic Republic of the", "Bosnia and Herzegovina"), so a cell is split into pieces
# at every separator and adjacent pieces are joined back wherever together they name one country
# (see `split_many`).
_SEPARATOR = re.compile(r"(\s*[,;/&]\s*|\s+and\s+)", re.IGNORECASE)
# Names whose pieces are each a country on their own, so no rule can tell them from a list: UN (M49)
# and ISO 3166 names, casefolded. ("China, Hong Kong ..." is one place, "Sudan, South Sudan" two.)
KNOWN_NAMES: frozenset[str] = frozenset({
    "china, hong kong special administrative region", "china, macao special administrative region",
    "hong kong, china", "macao, china", "taiwan, province of china", "bonaire, sint eustatius and saba",
    "congo, the democratic republic of the", "congo, democratic republic of the",
})
_MAX_JOIN = 5  # pieces one name may span (the longest known: "Bonaire, Sint Eustatius and Saba")

_NOT_FOUND = "\x00not found"
_CACHE: dict[str, str | None] = {}
_LOG = logging.getLogger("country_converter")


def split_names(cell: object) -> list[str]:
    """The names in one multi-value cell (see `split_many`); blanks give []."""
    return split_many([cell]).get(cell, []) if _text(cell) is not None else []


def split_many(cells: Iterable[object]) -> dict[object, list[str]]:
    """Each distinct non-blank cell -> the names in it, in order.

    The whole cell is tried as one name first; otherwise it is split at every separator style and
    adjacent pieces are joined back where together they are one name: a known name (KNOWN_NAMES), or
    text that resolves to exactly one country while its last piece is no country on its own ("Korea,
    Republic of") or every piece is that same country ("Trinidad and Tobago"). Fewest names win.
    """
    pieces = {cell: _pieces(text) for cell in dict.fromkeys(cells) if (text := _text(cell)) is not None}
    spans: dict[object, dict[tuple[int, int], str]] = {}
    for cell, p in pieces.items():
        n = len(p)
        spans[cell] = {(i, j): _join(p, i, j) for i in range(n) for j in range(i + 1, min(n, i + _MAX_JOIN) + 1)}
        spans[cell][(0, n)] = _join(p, 0, n)
    # One matcher call for every candidate name of every cell (the matcher is slow per call).
    codes = to_iso3(text for texts in spans.values() for text in texts.values())
    return {cell: _segment(p, spans[cell], codes) for cell, p in pieces.items()}


def _text(cell: object) -> str | None:
    """A cell's text, or None when blank."""
    if cell is None or cell is pd.NA or (isinstance(cell, float) and cell != cell):
        return None
    text = str(cell).strip()
    return text if any(ch.isalnum() for ch in text) else None


def _pieces(text: str) -> list[tuple[str, str]]:
    """(separator before, piece) pairs; pieces with no letter or digit (", ," debris) are dropped."""
    parts = _SEPARATOR.split(text)
    out = [("", parts[0])] + list(zip(parts[1::2], parts[2::2]))
    return [(sep, piece.strip()) for sep, piece in out if any(ch.isalnum() for ch in piece)]


def _join(pieces: list[tuple[str, str]], i: int, j: int) -> str:
    """Pieces i..j-1 joined back with their own separators."""
    return pieces[i][1] + "".join(sep + piece for sep, piece in pieces[i + 1:j])


def _one_name(pieces: list[tuple[str, str]], i: int, j: int, text: str, codes: dict[str, str | None]) -> bool:
    """Whether pieces i..j-1 (`text`) are one name rather than a list (see split_many)."""
    if j - i == 1 or non_country_kind(text) is not None or text.casefold() in KNOWN_NAMES:
        return True
    code = codes.get(text)
    own = [piece for _sep, piece in pieces[i:j]]
    if code is None or any(non_country_kind(p) is not None for p in own):
        return False
    alone = [codes.get(p) for p in own]
    # A trailing piece that is no country is a descriptor of the name before it ("Korea, Republic of").
    return alone[-1] is None or all(c == code for c in alone)


def _segment(pieces: list[tuple[str, str]], texts: dict[tuple[int, int], str],
             codes: dict[str, str | None]) -> list[str]:
    """The fewest names the pieces split into (whole cell first, then shortest-path over the pieces)."""
    n = len(pieces)
    if _one_name(pieces, 0, n, texts[(0, n)], codes):
        return [texts[(0, n)]]
    best: list[list[str] | None] = [[]] + [None] * n  # best[j]: names of pieces 0..j-1
    for j in range(1, n + 1):
        for i in range(max(0, j - _MAX_JOIN), j):
            prior = best[i]
            if prior is not None and (i, j) in texts and _one_name(pieces, i, j, texts[(i, j)], codes):
                if best[j] is None or len(prior) + 1 < len(best[j]):
                    best[j] = prior + [texts[(i, j)]]
    return best[n] or [p for _s, p in pieces]


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
            codes = [c for c in result if is_iso3(c)]
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
