"""Names in a data directory: version folders, their commit order, and the files of a version."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import PurePath

MANIFEST = "manifest.json"
COMMITTED = "COMMITTED"
CURRENT = "CURRENT"
DEFAULT_KEEP = 10
NUMBERED = re.compile(r"^(\d{6,})-(\d{8}T\d+Z)$")


def utc_stamp(now: datetime) -> str:
    """The stamp part of a version's name: `now` in UTC to the microsecond."""
    return now.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")


def version_key(folder: PurePath | str) -> tuple[int, str]:
    """Sort key of a version folder: its sequence number (-1 for the older stamp-only names), then its name."""
    name = PurePath(folder).name
    match = NUMBERED.match(name)
    return (int(match.group(1)) if match else -1, name)


def version_stamp(name: str) -> str:
    """The stamp part of a version name ('000012-20260102T...Z' -> '20260102T...Z'; old names are stamps)."""
    match = NUMBERED.match(name)
    return match.group(2) if match else name


def table_file(name: str) -> str:
    """A table's file inside a version folder."""
    return f"tables/{name}.parquet"


def member(name: str) -> str:
    """A manifest check's name as a file of its version: the manifest itself, or a table's file."""
    return name if name == MANIFEST else table_file(name)
