"""CSV/JSON of exactly the frame behind a chart or table: one helper for downloads and the API.

Optional HXL hashtag row (https://hxlstandard.org) as the second line; FTS tags follow OCHA's own
HDX exports, MMP tags follow the HDX Missing Migrants dataset. A column without a tag gets an empty
cell, so the row always has as many cells as the header.

CSV/spreadsheet formula injection: every CSV this app writes (chart downloads, /api/*.csv, whole
tables) goes through `to_csv`, which passes the frame through `neutralise_formulas`: a text cell
starting with =, +, -, @, a tab or a carriage return gets a leading single quote (OWASP's advice),
so a spreadsheet shows it as text instead of running it. A cell holding a separator (; or ,) followed
by one of those characters ("Iraq;=cmd|' /C calc'!A0", which Excel in a ;-locale splits into two cells,
whatever the CSV quoting) gets the quote after the separator: "Iraq;'=cmd|' /C calc'!A0". Quoting the
whole cell instead would not do: in a ;-locale a comma CSV's line is one field, and quotes only count
at the start of a ;-separated piece. Numbers, negative ones included, stay
numbers; JSON is data, not a spreadsheet, and is left as it is.
"""
from __future__ import annotations

import json
import re
from typing import Any

import pandas as pd

from dashboard.i18n import _, use_lang
from dashboard.render.text import COLUMN_LABELS, FILE_DATA, FILE_STEMS, FILE_UNDATED

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


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_CR = re.compile(r"\r\n?")
# A separator a spreadsheet may split on (Excel in a ;-locale, or a , file opened as text) followed by a
# formula start: "Iraq;=cmd|' /C calc'!A0" becomes a formula in the cell after the split.
_AFTER_SEPARATOR = re.compile(r"[;,][=+\-@\t\r]")
_SEPARATOR_BEFORE_FORMULA = re.compile(r"([;,])(?=[=+\-@\t\r])")


def neutralise(value: Any) -> Any:
    """A text value made safe for a CSV opened in a spreadsheet; anything else (numbers, blanks)
    unchanged. Text starting with =, +, -, @, tab or CR gets a leading single quote (OWASP), and so does
    the text after a separator (; or ,) that is followed by one of them ("Iraq;'=cmd..."): a spreadsheet
    that splits on that separator starts a new cell there, quoted or not. A
    carriage return inside the text becomes a line feed, so the CSV writer quotes the cell (a bare CR
    in an unquoted cell would start a new row in some readers, and that row could be a formula)."""
    if not isinstance(value, str):
        return value
    if _AFTER_SEPARATOR.search(value):
        value = _SEPARATOR_BEFORE_FORMULA.sub(r"\1'", value)
    if value.startswith(FORMULA_STARTS):
        value = "'" + value
    return _CR.sub("\n", value) if "\r" in value else value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with `neutralise` applied to every text cell: the one CSV safety step every download
    path shares (through `to_csv`). Numeric, boolean and date columns are left alone, so -13 stays
    the number -13; the frame itself is not modified."""
    out = frame
    for col in frame.columns:
        series = frame[col]
        if pd.api.types.is_object_dtype(series.dtype):
            risky = any(isinstance(v, str) and (v.startswith(FORMULA_STARTS) or "\r" in v
                                                 or _AFTER_SEPARATOR.search(v) is not None) for v in series)
            if risky:
                out = out.copy() if out is frame else out
                out[col] = series.map(neutralise)
        elif pd.api.types.is_string_dtype(series.dtype):
            text = series.astype("string")
            risky = (text.str.startswith(FORMULA_STARTS) | text.str.contains("\r", regex=False)
                     | text.str.contains(_AFTER_SEPARATOR)).fillna(False)
            if risky.any():
                out = out.copy() if out is frame else out
                out[col] = text.map(neutralise, na_action="ignore").astype("string")
    return out


def hxl_row(columns: list[str]) -> list[str]:
    """The HXL hashtag of each column ('' where none applies)."""
    return [HXL_TAGS.get(c, "") for c in columns]


def to_csv(frame: pd.DataFrame, hxl: bool = False, headers: str | None = None) -> str:
    """CSV text (UTF-8, comma, LF, header, optional HXL row); blanks stay empty cells; text cells
    that a spreadsheet would run as formulas are neutralised (see `neutralise`). `headers="es"`
    writes the column labels in that language instead of the tidy names (the HXL row is unchanged)."""
    plain = neutralise_formulas(_plain(frame))
    text = header_labels(plain, headers).to_csv(index=False, lineterminator="\n")
    if not hxl:
        return text
    header, _sep, body = text.partition("\n")
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


def file_stem(name: str) -> str:
    """The file name stem of a view or table in the current language ('crisis/plans' -> 'crisis-plans',
    Spanish 'crisis-planes'); tables keep their names."""
    return _(FILE_STEMS[name]) if name in FILE_STEMS else name.replace("/", "-")


def header_labels(frame: pd.DataFrame, lang: str | None) -> pd.DataFrame:
    """`frame` with its columns renamed to the readable labels in `lang` (None: the tidy names,
    which the API documents and the HXL row follows)."""
    if not lang:
        return frame
    with use_lang(lang):
        names = {c: _(COLUMN_LABELS[c]) for c in frame.columns if c in COLUMN_LABELS}
    return frame.rename(columns=names)


def filename(name: str, filters: list[tuple[str, str]], data_date: str | None, ext: str) -> str:
    """'mmp-deaths-by-origin_date_from-2019-01-01_region_group-Americas_data-2025-04-30.csv'.

    Says which table, which filters and which data; only [A-Za-z0-9._-], at most 180 characters.
    """
    parts = [_UNSAFE.sub("-", name).strip("-")]
    for key, value in filters:
        parts.append(_UNSAFE.sub("-", f"{key}-{value}").strip("-"))
    parts.append(_(FILE_DATA).format(date=data_date) if data_date else _(FILE_UNDATED))
    stem = "_".join(p for p in parts if p)
    if len(stem) > 170:
        stem = stem[:170].rstrip("-_") + "_etc"
    return f"{stem}.{ext}"
