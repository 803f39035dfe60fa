"""The live per-year JSON feed of missingmigrants.iom.int (the only HTTP in this source)."""
from __future__ import annotations

from typing import Any, Callable

import pandas as pd

from ...errors import IngestError
from ...http import Client
from ...report import Report
from ...schemas import empty
from .columns import _OPTIONAL, LAYOUTS, _canonical, map_columns
from .tidy import _tidy

FEED_PATH = "global-figures/{year}/json"


def fetch(client: Client, years: list[int], report: Report,
          progress: Callable[[int], Any] | None = None) -> pd.DataFrame:
    """Pull the per-year JSON feed for `years` and return validated mmp_incidents (source_file = URL)."""
    frames, labels = [], []
    for year in years:
        records, fetched = client.get_json(FEED_PATH.format(year=int(year)))
        frame = _feed_frame(records, fetched.url, report)
        if frame is not None:
            frames.append(frame)
            labels += [f"mmp-feed-{year}:{i + 1}" for i in range(len(frame))]
        if progress is not None:
            progress(1)
    if not frames:
        return empty("mmp_incidents")
    raw = pd.concat(frames, ignore_index=True)
    frame, extras = _canonical(raw, map_columns(raw.columns, "MMP feed"), source="")
    where = f"MMP feed {client.url(FEED_PATH.format(year='<year>'))}"
    return _tidy(frame, lambda: pd.Series(labels, index=frame.index), report, where=where, unescape_html=True,
                 extras=extras)



def _feed_frame(records: Any, where: str, report: Report) -> pd.DataFrame | None:
    """Check a feed response (array of flat objects with the feed's keys) and frame it; None when empty."""
    if not isinstance(records, list):
        raise IngestError(f"{where}: expected a JSON array of incident objects, got a JSON "
                          f"{_json_type(records)}; check the URL (the feed is /global-figures/<year>/json)")
    if not records:
        report.warn(f"{where}: no incidents in this feed response (empty array)")
        return None
    layout = LAYOUTS["JSON feed"]
    required = {col for field, col in layout.items() if field not in _OPTIONAL["JSON feed"]}
    for i, record in enumerate(records):
        if not isinstance(record, dict):
            raise IngestError(f"{where}: record {i} is a JSON {_json_type(record)}, expected an object "
                              "with the feed's fields")
        lacking = required.difference(record)
        if lacking:
            raise IngestError(f"{where}: record {i} (web_id {record.get('web_id')!r}) lacks field(s) "
                              f"{', '.join(sorted(lacking))}; the feed format may have changed")
        nested = [key for key in layout.values() if isinstance(record.get(key), (dict, list))]
        if nested:
            # Every feed field is a string, number or null; an object or array there is another format.
            raise IngestError(f"{where}: record {i} (web_id {record.get('web_id')!r}) field {nested[0]} is a "
                              f"JSON {_json_type(record[nested[0]])}, expected a string, number or null; the feed "
                              "format may have changed")
    frame = pd.DataFrame.from_records(records)
    frame["source_file"] = where
    # The feed added nationality in 2025; earlier records lack the key, which is "not recorded", not "unknown".
    frame["_has_origin"] = [layout["origin"] in r for r in records]
    return frame


def _json_type(value: Any) -> str:
    """A decoded JSON value's type for messages: 'null', else the Python name (dict, list, str, int, ...)."""
    return "null" if value is None else type(value).__name__

