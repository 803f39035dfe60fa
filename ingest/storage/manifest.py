"""The provenance records of a data directory: a table's manifest entry, a version's manifest, an input."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from ..schemas import LICENCES, SCHEMA_VERSION, SOURCE_OF
from .layout import table_file


def table_entry(name: str, frame: pd.DataFrame, size: int, sha256: str, inputs: list[dict[str, Any]],
                now: datetime, notes: list[str]) -> dict[str, Any]:
    """The manifest entry of table `name` just written (`size` bytes with that checksum)."""
    lic = LICENCES[SOURCE_OF[name]]
    return {
        "rows": int(len(frame)),
        "columns": list(frame.columns),
        "schema_version": SCHEMA_VERSION,
        "source": lic["source"],
        "licence": lic["licence"],
        "licence_url": lic["licence_url"],
        "attribution": lic["attribution"],
        "inputs": inputs,
        "written_at": now.isoformat(timespec="seconds"),
        "file": table_file(name),
        "bytes": size,
        "sha256": sha256,
        "notes": notes,
    }


def version_manifest(name: str, entries: dict[str, Any], now: datetime, *, sequence: int | None = None,
                     previous: str | None = None) -> dict[str, Any]:
    """A version's manifest: `sequence` and `previous` (the version it was built on) for a numbered
    version, neither for the flat snapshot (whose `name` is its stamp)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "version": name,
        **({"sequence": sequence, "previous": previous} if sequence is not None else {}),
        "written_at": now.isoformat(timespec="seconds"),
        "tables": dict(sorted(entries.items())),
    }


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    """A manifest as written: indented JSON, UTF-8, one final newline."""
    return (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def input_record(*, file: Path | None = None, url: str | None = None, sha256: str,
                 retrieved_at: str) -> dict[str, Any]:
    """One provenance entry for the manifest."""
    record: dict[str, Any] = {"file": file.name} if file is not None else {"url": url}
    record.update(sha256=sha256, retrieved_at=retrieved_at)
    return record
