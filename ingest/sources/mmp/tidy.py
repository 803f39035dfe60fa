"""Canonical text fields -> typed, validated `mmp_incidents`; incidents -> the `mmp_deaths` aggregate."""
from __future__ import annotations

import html
from typing import Any, Callable

import pandas as pd

from ...countries import non_country_kind, split_many, to_iso3
from ...errors import IngestError
from ...report import Report
from ...schemas import SCHEMAS, empty, validate
from .columns import _COUNT_FIELDS, _FIELDS, _TEXT_FIELDS, extra_name
from .converters import (_blank_to_na, _coordinates, _counts, _dates, _distinct, _month_numbers, _spread,
                         _totals, _years)

# How IOM groups incident regions on missingmigrants.iom.int; the old (up to 2020) names are included
# so files from every release land in the same groups.
REGION_GROUPS: dict[str, str] = {
    **dict.fromkeys(["North America", "Central America", "Caribbean", "South America", "US-Mexico Border"],
                    "Americas"),
    "Mediterranean": "Mediterranean",
    "Europe": "Europe",
    **dict.fromkeys(["Northern Africa", "Eastern Africa", "Middle Africa", "Southern Africa", "Western Africa",
                     "North Africa", "Horn of Africa", "Sub-Saharan Africa"], "Africa"),
    **dict.fromkeys(["Western Asia", "Central Asia", "Eastern Asia", "Southern Asia", "South-eastern Asia",
                     "Middle East", "East Asia", "South Asia", "Southeast Asia"], "Asia"),
}
MULTIPLE_GROUPS = "Multiple"

# Source columns kept as published (text), under fixed names: canonical field -> tidy column.
KEPT = {"main_id": "main_id", "alt_id": "source_incident_id", "location": "location",
        "information_source": "information_source", "region_of_origin": "region_of_origin",
        "unsd_geographical_grouping": "unsd_geographical_grouping", "incident_type": "incident_type",
        "article_title": "article_title"}

AGG_KEYS = ["year", "month", "region", "region_group", "country_of_incident_iso3", "origin", "origin_iso3",
            "origin_group", "cause_of_death", "migration_route"]
AGG_COUNTS = ["dead", "missing", "dead_and_missing", "survivors", "females", "males", "children"]


def aggregate(incidents: pd.DataFrame) -> pd.DataFrame:
    """Sum incidents into validated mmp_deaths: one row per distinct key combination, NA keys kept."""
    if incidents.empty:
        return empty("mmp_deaths")
    counts = incidents[AGG_COUNTS].astype("Int64").fillna(0)  # blank = 0 in the sums
    frame = pd.concat([incidents[AGG_KEYS], counts], axis=1)
    grouped = frame.groupby(AGG_KEYS, dropna=False, sort=True)
    out = grouped[AGG_COUNTS].sum().join(grouped.size().rename("incidents")).reset_index()
    # dropna=False makes this impossible, but a lost row must never pass silently.
    if int(out["incidents"].sum()) != len(incidents):
        raise IngestError(f"aggregate: {len(incidents) - int(out['incidents'].sum())} incident(s) fell out of the "
                          "grouping; this is a bug, please report it with the input file")
    return validate("mmp_deaths", out[list(SCHEMAS["mmp_deaths"].columns)], "mmp_deaths aggregate")



def _tidy(frame: pd.DataFrame, labels: Callable[[], pd.Series], report: Report, where: str,
          unescape_html: bool = False, extras: pd.DataFrame | None = None) -> pd.DataFrame:
    """Canonical text fields -> validated mmp_incidents, recording every repair in `report`.

    `labels()` gives each row a 'file:row' label, the id of last resort (built only when an id is blank).
    """
    text = pd.DataFrame({field: _blank_to_na(frame[field].astype("string")) for field in _FIELDS}, index=frame.index)
    if unescape_html:
        text = _unescape(text, report)
    out: dict[str, pd.Series] = {}
    out["incident_id"] = _incident_ids(text["main_id"], text["alt_id"], labels, report)
    date = _dates(text["date"], report)
    out["incident_date"] = date
    out["year"] = _years(date, text["year"], out["incident_id"], report, where)
    out["month"] = _month_numbers(date, text["month"], report)
    out["region"] = text["region"]
    out["region_group"] = _region_groups(text["region"], report, where)
    out["country_of_incident"] = text["country"]
    out["country_of_incident_iso3"], _ = _countries(text["country"], report)
    out["origin"] = text["origin"]
    out["origin_iso3"], out["origin_group"] = _countries(text["origin"], report)
    if not frame["_has_origin"].all():
        # No Country of Origin in this release: the group is "not recorded", not "unknown".
        not_recorded = ~frame["_has_origin"].astype(bool).to_numpy()
        out["origin_iso3"], out["origin_group"] = out["origin_iso3"].mask(not_recorded), \
            out["origin_group"].mask(not_recorded)
        report.warn(f"{where}: {int(not_recorded.sum()):,} row(s) come from a release "
                    "without Country of Origin; nationality is blank for them")
    for field in _COUNT_FIELDS:
        out[field] = _counts(text[field], field, report)
    out["total_dead_and_missing_source"] = _counts(text["total"], "total", report)
    out["dead_and_missing"] = _totals(out["total_dead_and_missing_source"], out["dead"], out["missing"],
                                      out["incident_id"], report, where)
    out["cause_of_death"] = text["cause"]
    out["migration_route"] = text["route"]
    out["lat"], out["lon"] = _coordinates(text["coords"], report)
    out["source_quality"] = text["quality"]
    out["url"] = text["url"]
    out["source_file"] = frame["source_file"].astype("string")
    for field, column in KEPT.items():
        out[column] = text[field]
    return validate("mmp_incidents", _table(out, extras), where)


def _table(out: dict[str, pd.Series], extras: pd.DataFrame | None) -> pd.DataFrame:
    """The schema's columns in order, then every source column no alias names, as text under the
    snake_case of its header (see columns.extra_name)."""
    columns = SCHEMAS["mmp_incidents"].columns
    # Text columns and the (by now complete) year get the schema's dtypes here, as pandera's coercion
    # would (astype), so validate finds a table it need not coerce.
    table = pd.DataFrame({name: out[name].astype(column.dtype.type) if name == "year" or column.dtype.type == "str"
                          else out[name] for name, column in columns.items()})
    taken = set(columns)
    for header in ([] if extras is None else extras.columns):
        name = extra_name(header, taken)
        taken.add(name)
        table[name] = _blank_to_na(extras[header].astype("string")).astype(columns["url"].dtype.type)
    return table.reset_index(drop=True)



def _unescape(text: pd.DataFrame, report: Report) -> pd.DataFrame:
    """Decode HTML entities the feed leaves in text (e.g. 'Côte d&#039;Ivoire')."""
    text = text.copy()
    n = 0
    for field in _TEXT_FIELDS:
        has = text[field].str.contains("&", regex=False).fillna(False)
        if has.any():
            decoded = text.loc[has, field].map(html.unescape)
            n += int((decoded != text.loc[has, field]).sum())
            text.loc[has, field] = decoded
    report.count("HTML entities decoded in feed text", n)
    return text


def _incident_ids(main: pd.Series, alt: pd.Series, labels: Callable[[], pd.Series], report: Report) -> pd.Series:
    """Unique ids: Main ID (BOM stripped), Incident ID when Main ID repeats, '#n' suffix on repeats."""
    main_boms = main.str.contains("\ufeff", regex=False).fillna(False)
    alt_boms = alt.str.contains("\ufeff", regex=False).fillna(False)
    report.count("BOM (U+FEFF) stripped from incident id", int((main_boms | alt_boms).sum()))
    # (The cells are already trimmed, blanks <NA>: only a column with a BOM changes here.)
    if main_boms.any():
        main = _blank_to_na(main.str.replace("\ufeff", "", regex=False))
    if alt_boms.any():
        alt = _blank_to_na(alt.str.replace("\ufeff", "", regex=False))
    ids = main.fillna(alt)
    if ids.dropna().duplicated().any() and alt.notna().all() and not alt.duplicated().any():
        # Site exports repeat Main ID across split incidents; their Incident ID is the unique one.
        report.count("incident id taken from Incident ID (Main ID repeats)", len(alt))
        ids = alt
    blank = ids.isna()
    report.count("incident id synthesised from file and row (no id in source)", int(blank.sum()))
    if blank.any():
        ids = ids.fillna(labels().astype("string"))
    if not ids.duplicated().any():
        return ids
    nth = ids.groupby(ids, sort=False).cumcount()
    # Split incidents share an id in the feed: keep each one, numbered in file order ("#2", "#3", ...).
    report.count("repeated incident id suffixed #n", int((nth > 0).sum()))
    return ids.where(nth == 0, ids + "#" + (nth + 1).astype("string"))



def _region_groups(region: pd.Series, report: Report, where: str) -> pd.Series:
    """IOM's region group per incident region; multi-region cells get the shared group or 'Multiple'."""
    lookup = {k.casefold(): v for k, v in REGION_GROUPS.items()}
    groups: dict[str, str | None] = {}
    for cell, n in region.value_counts().items():  # once per distinct region string
        parts = [p.strip() for p in cell.split(",") if p.strip()]
        found = {lookup.get(p.casefold()) for p in parts}
        if None in found:
            unknown = [p for p in parts if p.casefold() not in lookup]
            report.warn(f"{where}: unknown incident region {', '.join(map(repr, unknown))} in {n:,} row(s); "
                        "region_group left blank (add it to REGION_GROUPS if IOM introduced a new region)")
            groups[cell] = None
            continue
        if len(parts) > 1:
            report.count("multi-region incident", int(n))
            if len(found) > 1:
                report.count(f"multi-region incident across region groups ({MULTIPLE_GROUPS})", int(n))
        groups[cell] = found.pop() if len(found) == 1 else MULTIPLE_GROUPS
    return region.map(groups).astype("string")


def _countries(cells: pd.Series, report: Report) -> tuple[pd.Series, pd.Series]:
    """';'-joined ISO3 codes and the origin group (single/multiple/unknown/mixed) per cell."""
    distinct = cells.value_counts()
    parts = split_many(distinct.index)  # every separator style (",", ", ", ";", "/", " and ")
    report.count("cell naming several countries split into names",
                 int(sum(distinct[cell] for cell, names in parts.items() if len(names) > 1)))
    codes = to_iso3(name for names in parts.values() for name in names)
    iso3: dict[Any, Any] = {}
    group: dict[Any, Any] = {}
    for cell in distinct.index:
        names = parts.get(cell, [])  # a cell with no letter or digit names nothing
        real = list(dict.fromkeys(n for n in names if non_country_kind(n) is None))
        kinds = {non_country_kind(n) for n in names} - {None}
        for name in real:
            if codes[name] is None:  # never guessed: the name stays in `origin`, only its code is blank
                report.count(f"unmatched country name: {name}", int(distinct[cell]))
        matched = list(dict.fromkeys(codes[n] for n in real if codes[n]))
        iso3[cell] = ";".join(matched) if matched else pd.NA
        if not real:
            group[cell] = "mixed" if "mixed" in kinds else "unknown"
        elif len(real) == 1 and not kinds:
            group[cell] = "single"
        else:
            group[cell] = "multiple"
    # A blank cell is "unknown" nationality (its code stays blank).
    row_codes, each = _distinct(cells)
    blank = each.isna().tolist()
    iso3_of = pd.Series([pd.NA if b else iso3[c] for c, b in zip(each.tolist(), blank)], dtype="string")
    group_of = pd.Series(["unknown" if b else group[c] for c, b in zip(each.tolist(), blank)], dtype="string")
    return _spread(iso3_of, row_codes, cells.index), _spread(group_of, row_codes, cells.index)

