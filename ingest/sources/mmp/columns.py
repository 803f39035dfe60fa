"""Which source column holds which quantity: the layouts IOM has published, and header matching."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ...errors import IngestError

# Canonical field -> the column holding it, for every layout IOM has published (see the reference README).
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
_FIELDS = ["main_id", "alt_id", "date", "year", "month", "region", "dead", "missing", "total", "survivors",
           "females", "males", "children", "origin", "country", "cause", "route", "coords", "quality", "url"]
_COUNT_FIELDS = ["dead", "missing", "survivors", "females", "males", "children"]
_TEXT_FIELDS = ["region", "origin", "country", "cause", "route", "quality", "url"]


def _detect_layout(columns: pd.Index, path: Path) -> str:
    """Name of the layout whose columns the header holds (the most specific one), else IngestError."""
    found = {_norm(c) for c in columns}
    verbatim = {str(c) for c in columns}
    candidates = []
    for name, layout in LAYOUTS.items():
        needed = {_norm(col) for field, col in layout.items() if field not in _OPTIONAL.get(name, ())}
        candidates.append((len(needed - found), -len(needed), name, needed - found))
    candidates.sort()
    lacking, _, name, missing = candidates[0]
    if lacking:
        # "Closest" for the message: the layout with most headers spelled exactly as in the file
        # (case-insensitive matching makes e.g. the full schema look like the 2022 one).
        overlap, _, name, missing = max(
            ((len(set(LAYOUTS[c[2]].values()) & verbatim), -c[0], c[2], c[3]) for c in candidates),
            key=lambda c: (c[0], c[1]))
        if overlap < 3:  # nothing alike: show what the current download looks like
            name = "current full schema"
            missing = {_norm(col) for col in LAYOUTS[name].values()} - found
        expected = [col for col in LAYOUTS[name].values() if _norm(col) in missing]
        raise IngestError(f"{path}: not a Missing Migrants Project file this tool knows. Columns found: "
                          f"{', '.join(map(str, columns))}. The closest layout ({name}) also needs: "
                          f"{', '.join(expected)}. Known layouts: {', '.join(LAYOUTS)}. Download the data again "
                          "from missingmigrants.iom.int/downloads (xlsx or CSV)")
    return name


def _norm(column: object) -> str:
    """Header key for matching: case and runs of spaces do not matter."""
    return " ".join(str(column).split()).casefold()


def _canonical(raw: pd.DataFrame, layout: str, source: str, has_origin: bool) -> pd.DataFrame:
    """Raw cells renamed to canonical fields (absent fields blank), plus source_file and _has_origin."""
    by_norm = {_norm(c): c for c in raw.columns}
    mapping = LAYOUTS[layout]
    out: dict[str, pd.Series] = {}
    for field in _FIELDS:
        column = by_norm.get(_norm(mapping[field])) if field in mapping else None
        out[field] = raw[column].astype("string") if column is not None else pd.Series(pd.NA, index=raw.index,
                                                                                         dtype="string")
    out["source_file"] = raw["source_file"] if "source_file" in raw.columns else pd.Series(source, index=raw.index)
    out["_has_origin"] = (raw["_has_origin"] if "_has_origin" in raw.columns
                          else pd.Series(has_origin, index=raw.index, dtype=bool))
    return pd.DataFrame(out, index=raw.index)

