"""CSV/JSON of exactly the frame behind a chart or table: one helper for downloads and the API.

Optional HXL hashtag row (https://hxlstandard.org) as the second line; FTS tags follow OCHA's own
HDX exports, MMP tags follow the HDX Missing Migrants dataset. A column without a tag gets an empty
cell, so the row always has as many cells as the header.
"""
from __future__ import annotations

import json
import re
from typing import Any

import pandas as pd

HXL_TAGS: dict[str, str] = {
    # FTS (as in OCHA's HDX "fts_requirements_funding_*" and "fts_incoming_funding_*" files)
    "plan_id": "#activity+appeal+id+fts_internal",
    "plan_code": "#activity+appeal+id+external",
    "plan_name": "#activity+appeal+name",
    "plan_type": "#activity+appeal+type+name",
    "year": "#date+year",
    "start_date": "#date+start",
    "end_date": "#date+end",
    "countries_iso3": "#country+code+list",
    "location_iso3": "#country+code",
    "location_name": "#country+name",
    "location_id": "#country+id+fts_internal",
    "requirements_usd": "#value+funding+required+usd",
    "requirements_original_usd": "#value+funding+required+original+usd",
    "funding_usd": "#value+funding+total+usd",
    "pledges_usd": "#value+funding+pledged+usd",
    "unmet_usd": "#value+funding+unmet+usd",
    "percent_funded": "#value+funding+pct",
    "people_in_need": "#inneed",
    "people_targeted": "#targeted",
    "cluster_id": "#sector+cluster+code",
    "cluster_name": "#sector+cluster+name",
    "donor_name": "#org+name+funder",
    "donor_type": "#org+type+funder",
    "donor_iso3": "#country+iso3+funder+list",
    "share_percent": "#value+funding+pct+share",
    "flow_id": "#activity+id+fts_internal",
    "date": "#date",
    "decision_date": "#date+decision",
    "status": "#status+text",
    "amount_usd": "#value+funding+total+usd",
    "original_amount": "#value+funding+total",
    "original_currency": "#value+funding+total+currency",
    "boundary": "#financial+direction",
    "recipient_name": "#org+name+impl",
    "recipient_type": "#org+type+impl",
    "cumulative_usd": "#value+funding+total+usd+cumulative",
    # MMP (as in the HDX "iom-missing-migrants-project-data" dataset, plus origin tags)
    "incident_id": "#event+id",
    "incident_date": "#date+reported",
    "region": "#region+name",
    "region_group": "#region+name+group",
    "country_of_incident": "#country+name+event",
    "country_of_incident_iso3": "#country+code+event",
    "origin": "#country+name+origin",
    "origin_iso3": "#country+code+origin",
    "origin_group": "#meta+origin+group",
    "dead": "#affected+killed",
    "missing": "#affected+missing",
    "dead_and_missing": "#affected+killed+missing+total",
    "survivors": "#affected+survivors",
    "females": "#affected+f",
    "males": "#affected+m",
    "children": "#affected+children",
    "incidents": "#event+num",
    "cause_of_death": "#cause+type",
    "migration_route": "#route+description",
    "lat": "#geo+lat",
    "lon": "#geo+lon",
    "source_quality": "#meta+source+quality",
    "url": "#meta+url",
    "month": "#date+month",
    "period": "#date+period",
    "period_start": "#date+start",
}


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Dates as YYYY-MM-DD text (no times, no time zones), everything else as is."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d").astype("string")
    return out.drop(columns=[c for c in out.columns if str(c).startswith("_")])


def hxl_row(columns: list[str]) -> list[str]:
    """The HXL hashtag of each column ('' where none applies)."""
    return [HXL_TAGS.get(c, "") for c in columns]


def to_csv(frame: pd.DataFrame, hxl: bool = False) -> str:
    """CSV text (UTF-8, comma, LF, header, optional HXL row); blanks stay empty cells."""
    plain = _plain(frame)
    text = plain.to_csv(index=False, lineterminator="\n")
    if not hxl:
        return text
    header, _, body = text.partition("\n")
    tags = pd.DataFrame([hxl_row(list(plain.columns))]).to_csv(index=False, header=False, lineterminator="\n")
    return header + "\n" + tags + body


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (dates as text, blanks as None)."""
    return json.loads(_plain(frame).to_json(orient="records", force_ascii=False))


def to_json(frame: pd.DataFrame, meta: dict[str, Any] | None = None) -> str:
    """{"meta": …, "columns": […], "data": [rows]}: the rows plus what they are and where they come from."""
    plain = _plain(frame)
    body = {"meta": meta or {}, "columns": list(plain.columns), "data": records(plain)}
    return json.dumps(body, ensure_ascii=False, default=str)


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def filename(name: str, filters: list[tuple[str, str]], data_date: str | None, ext: str) -> str:
    """'mmp-deaths-by-origin_date_from-2019-01-01_region_group-Americas_data-2025-04-30.csv'.

    Says which table, which filters and which data; only [A-Za-z0-9._-], at most 180 characters.
    """
    parts = [_UNSAFE.sub("-", name).strip("-")]
    for key, value in filters:
        parts.append(_UNSAFE.sub("-", f"{key}-{value}").strip("-"))
    parts.append(f"data-{data_date}" if data_date else "data-undated")
    stem = "_".join(p for p in parts if p)
    if len(stem) > 170:
        stem = stem[:170].rstrip("-_") + "_etc"
    return f"{stem}.{ext}"
