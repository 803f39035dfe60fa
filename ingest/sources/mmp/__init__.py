"""IOM Missing Migrants Project: any downloaded MMP file, or the live per-year feed, as tidy tables.

Flow: fetch (`fetch.py`, HTTP) or read (`read.py`, a user's file) bytes -> raw text cells -> map the
columns onto canonical fields (`columns.py`) -> tidy (`tidy.py`: ids, dates, counts, countries,
regions, coordinates, parsed by `converters.py`) -> validate as `mmp_incidents`.
`aggregate` turns incidents into the `mmp_deaths` table the dashboard charts.
"""
from __future__ import annotations

from .columns import _FIELDS, _OPTIONAL, ALIASES, LAYOUTS, NEEDED, _canonical, _norm, field_of, map_columns
from .converters import (MAX_COUNT, YEAR_MAX, YEAR_MIN, _THOUSANDS, _coordinates, _counts, _dates,
                         _whole_number, _whole_numbers)
from .fetch import FEED_PATH, fetch
from .read import MAX_FILE_BYTES, read_file, stamped_time
from .tidy import AGG_COUNTS, AGG_KEYS, MULTIPLE_GROUPS, REGION_GROUPS, _countries, _tidy, aggregate

__all__ = ["ALIASES", "NEEDED", "field_of", "map_columns", "AGG_COUNTS", "AGG_KEYS", "FEED_PATH", "LAYOUTS", "MAX_COUNT", "MAX_FILE_BYTES", "MULTIPLE_GROUPS",
           "REGION_GROUPS", "YEAR_MAX", "YEAR_MIN", "aggregate", "fetch", "read_file", "stamped_time"]
