"""Which source column holds which quantity: one table of known header aliases, matched by meaning."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ...errors import IngestError

# Canonical field -> every header IOM (or HDX, or the feed) has used for it, preferred first; headers
# are compared after `_norm` (case, spaces, underscores and punctuation do not matter). A file's column
# that matches none of these is kept as an extra column (see `extra_name`), never dropped.
ALIASES: dict[str, tuple[str, ...]] = {
    "main_id": ("Main ID", "Web ID", "web_id"),
    "alt_id": ("Incident ID",),
    "date": ("Incident Date", "Reported Date", "Website Date", "reported_date"),
    "year": ("Incident Year", "Reported Year", "Year"),
    "month": ("Month", "Reported Month", "Incident Month"),
    "region": ("Region of Incident", "Region", "Incident Region"),
    "dead": ("Number of Dead", "Number Dead", "Dead"),
    "missing": ("Minimum Estimated Number of Missing", "Number Missing", "Number of Missing", "Missing"),
    "total": ("Total Number of Dead and Missing", "Total Dead and Missing", "Total Number of Dead and Missing Migrants"),
    "survivors": ("Number of Survivors", "Survivors"),
    "females": ("Number of Females", "Number of Female"),
    "males": ("Number of Males", "Number of Male"),
    "children": ("Number of Children",),
    "origin": ("Country of Origin", "Country Origin", "Affected Nationality"),
    "country": ("Country of Incident",),
    "cause": ("Cause of Death", "Cause Death"),
    "route": ("Migration Route", "Migrantion Route"),
    "coords": ("Coordinates", "Location Coordinates", "Location Coodinates"),
    "url": ("URL", "Link"),
    "quality": ("Source Quality",),
    # Kept as published (text), with fixed names in the tidy table (see tidy.KEPT).
    "location": ("Location of Incident", "Location of Death", "Location Description"),
    "information_source": ("Information Source",),
    "region_of_origin": ("Region of Origin", "Region Origin"),
    "unsd_geographical_grouping": ("UNSD Geographical Grouping", "UNSD Geographic Grouping"),
    "incident_type": ("Incident Type",),
    "article_title": ("Article Title",),
}
# What a file must hold to be read at all: a count, and something that dates the incident.
NEEDED: dict[str, tuple[str, ...]] = {
    "number of dead or missing": ("dead", "missing", "total"),
    "incident date or year": ("date", "year", "main_id", "alt_id"),
}

# The headers of every release IOM has published (see the reference README), as examples: reading maps
# columns through ALIASES, never through these; tests check each maps to its field, and messages name them.
_COMMON_COUNTS = {
    "missing": "Minimum Estimated Number of Missing", "survivors": "Number of Survivors",
    "females": "Number of Females", "males": "Number of Males", "children": "Number of Children",
}
LAYOUTS: dict[str, dict[str, str]] = {
    # Current "Global Figures allData" xlsx and its CSV twin (25 columns).
    "current full schema": {
        "main_id": "Main ID", "alt_id": "Incident ID", "region": "Region of Incident", "date": "Incident Date",
        "year": "Incident Year", "month": "Month", "dead": "Number of Dead",
        "total": "Total Number of Dead and Missing", **_COMMON_COUNTS, "origin": "Country of Origin",
        "cause": "Cause of Death", "country": "Country of Incident", "route": "Migration Route",
        "coords": "Coordinates", "url": "URL", "quality": "Source Quality",
    },
    # Kaggle "Global Missing Migrants Dataset" (19 columns): no ids, dates, URL or country of incident.
    "Kaggle 19-column": {
        "year": "Incident year", "month": "Reported Month", "region": "Region of Incident",
        "origin": "Country of Origin", "dead": "Number of Dead", "total": "Total Number of Dead and Missing",
        **_COMMON_COUNTS, "cause": "Cause of Death", "route": "Migration route", "coords": "Coordinates",
    },
    # Site download up to early 2020 (20 columns, Web ID, no nationality).
    "old 2020 schema": {
        "main_id": "Web ID", "region": "Region of Incident", "date": "Reported Date", "year": "Reported Year",
        "month": "Reported Month", "dead": "Number Dead", "total": "Total Dead and Missing", **_COMMON_COUNTS,
        "cause": "Cause of Death", "coords": "Location Coordinates", "route": "Migration Route", "url": "URL",
        "quality": "Source Quality",
    },
    # 2022 intermediate schema (24 columns, WKT POINT coordinates, no nationality; often cp1252).
    "2022 schema": {
        "main_id": "Main ID", "alt_id": "Incident ID", "region": "Region of Incident", "date": "Incident Date",
        "year": "Incident year", "month": "Reported Month", "dead": "Number of Dead",
        "total": "Total Number of Dead and Missing", **_COMMON_COUNTS, "cause": "Cause of Death",
        "route": "Migration route", "coords": "Coordinates", "quality": "Source Quality", "url": "URL",
    },
    # Current missingmigrants.iom.int export (22 columns, `Region`, no total column).
    "current site export": {
        "main_id": "Main ID", "alt_id": "Incident ID", "region": "Region", "date": "Incident Date",
        "year": "Year", "month": "Reported Month", "dead": "Number Dead", **_COMMON_COUNTS,
        "origin": "Country of Origin", "cause": "Cause of Death", "coords": "Coordinates",
        "route": "Migration route", "url": "URL", "quality": "Source Quality",
    },
    # The 2022 site export: like the current one but no nationality and a typo in the route header.
    "2022 site export": {
        "main_id": "Main ID", "alt_id": "Incident ID", "region": "Region", "date": "Incident Date",
        "year": "Year", "month": "Reported Month", "dead": "Number Dead", **_COMMON_COUNTS,
        "cause": "Cause of Death", "coords": "Coordinates", "route": "Migrantion route", "url": "URL",
        "quality": "Source Quality",
    },
    # The per-year JSON feed, and HDX's CSV copy of it (same keys as columns, usually with an HXL row).
    "JSON feed": {
        "main_id": "web_id", "region": "region", "date": "reported_date", "dead": "number_dead",
        "missing": "number_missing", "total": "total_dead_and_missing", "survivors": "number_of_survivors",
        "females": "number_of_female", "males": "number_of_male", "children": "number_of_children",
        "cause": "cause_death", "country": "country_of_incident", "coords": "location_coodinates",
        "route": "migration_route", "url": "url", "quality": "source_quality", "origin": "country_origin",
    },
}
# Columns a layout may lack without being another layout: the feed added country_origin in 2025.
_OPTIONAL = {"JSON feed": {"origin"}}
_FIELDS = list(ALIASES)
_COUNT_FIELDS = ["dead", "missing", "survivors", "females", "males", "children"]
_TEXT_FIELDS = ["region", "origin", "country", "cause", "route", "quality", "url", "location",
                "information_source", "region_of_origin", "unsd_geographical_grouping", "incident_type",
                "article_title"]
_BY_KEY = {}
for _field, _names in ALIASES.items():
    for _name in _names:
        _BY_KEY.setdefault(" ".join(re.sub(r"[^0-9a-z]+", " ", _name.casefold()).split()), _field)


def _norm(column: object) -> str:
    """Header key for matching: case, spaces, underscores and punctuation do not matter."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", str(column).casefold()).split())


def field_of(column: object) -> str | None:
    """The canonical field a header names (see ALIASES), or None for a column this tool does not know."""
    return _BY_KEY.get(_norm(column))


def map_columns(columns: pd.Index, path: Path | str) -> dict[str, str]:
    """Canonical field -> the file's column holding it (earlier aliases win); IngestError naming what a
    file lacks when it has no count of dead or missing, or nothing that dates an incident."""
    found: dict[str, tuple[int, str]] = {}
    for column in columns:
        field = field_of(column)
        if field is None:
            continue
        rank = [_norm(a) for a in ALIASES[field]].index(_norm(column))
        if field not in found or rank < found[field][0]:
            found[field] = (rank, column)
    mapping = {field: column for field, (_rank, column) in found.items()}
    lacking = [what for what, fields in NEEDED.items() if not any(f in mapping for f in fields)]
    if lacking:
        wanted = "; ".join(f"{what} (a column named e.g. "
                           f"{' or '.join(repr(ALIASES[f][0]) for f in NEEDED[what])})" for what in lacking)
        raise IngestError(f"{path}: not a Missing Migrants Project file this tool can read: no column for the "
                          f"{wanted}. Columns found: {', '.join(map(str, columns))}. Download the data again "
                          "from missingmigrants.iom.int/downloads (xlsx or CSV)")
    return mapping


def release_of(mapping: dict[str, str]) -> str | None:
    """The published release (a LAYOUTS name) whose headers the file has exactly, for release-specific
    notes (the Kaggle copy's zeros, the feed's HTML entities); None for any other arrangement."""
    have = {_norm(c) for c in mapping.values()}
    fits = []
    for name, layout in LAYOUTS.items():
        needed = {_norm(c) for f, c in layout.items() if f not in _OPTIONAL.get(name, ())}
        if needed <= have:
            fits.append((len(needed), name))
    return max(fits)[1] if fits else None  # the most specific


def extra_name(column: object, taken: set[str]) -> str:
    """snake_case of an unknown header ('Website Date' -> 'website_date'), made unique among `taken`."""
    base = "_".join(_norm(column).split()) or "column"
    if base[0].isdigit():
        base = "column_" + base
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}_{n}"
    return name


def _canonical(raw: pd.DataFrame, mapping: dict[str, str], source: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Raw cells as canonical fields (absent fields blank) plus source_file and _has_origin, and the
    columns no alias names (extras), as text."""
    out: dict[str, pd.Series] = {}
    for field in _FIELDS:
        column = mapping.get(field)
        out[field] = (raw[column].astype("string") if column is not None
                      else pd.Series(pd.NA, index=raw.index, dtype="string"))
    out["source_file"] = raw["source_file"] if "source_file" in raw.columns else pd.Series(source, index=raw.index)
    out["_has_origin"] = (raw["_has_origin"] if "_has_origin" in raw.columns
                          else pd.Series("origin" in mapping, index=raw.index, dtype=bool))
    used = set(mapping.values()) | {"source_file", "_has_origin"}
    extras = raw[[c for c in raw.columns if c not in used]].astype("string")
    return pd.DataFrame(out, index=raw.index), extras
