"""Checking a table's bytes against its manifest entry, and a freshly written table against its frame."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from ..errors import IngestError
from . import parquet as parquet_file


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def table_problem(entry: dict[str, Any], size: int, sha256: Callable[[], str], parquet: Any) -> str | None:
    """What is wrong with a table's bytes against its manifest entry (None: intact), checked cheapest
    first: size, then checksum (`sha256()` computes it; it may raise OSError), then the Parquet footer
    of `parquet` (a path or a file object) and its row count."""
    if "bytes" in entry and size != entry["bytes"]:
        return f"{size:,} bytes, the manifest says {entry['bytes']:,}"
    digest = sha256()
    if entry.get("sha256") and digest != entry["sha256"]:
        return "checksum (sha256) differs from the manifest"
    try:
        rows, _ = parquet_file.footer(parquet)
    except Exception:  # pyarrow and fastparquet raise many types for a damaged file
        return "not a readable Parquet file"
    if "rows" in entry and rows != entry["rows"]:
        return f"{rows:,} rows, the manifest says {entry['rows']:,}"
    return None


def check_written(path: Path, frame: pd.DataFrame) -> None:
    """IngestError unless the parquet file at `path` is complete and holds `frame`'s rows and columns.

    The frame was validated just before it was written, so reading it back and validating it again
    would only repeat that work; the footer (written last) proves the file is whole and what it holds.
    """
    try:
        rows, names = parquet_file.footer(path)
    except Exception as exc:  # pyarrow and fastparquet raise many types for a damaged file
        raise IngestError(f"{path}: the table just written cannot be read back ({exc}); nothing was "
                          "changed, check the disk and re-run the ingest") from None
    if rows != len(frame) or names != [str(c) for c in frame.columns]:
        raise IngestError(f"{path}: the table just written holds {rows:,} rows and columns {names}, "
                          f"not the {len(frame):,} rows and columns {list(frame.columns)} written; nothing was "
                          "changed, check the disk and re-run the ingest")
