"""Which store a data directory names (a folder or an object store URL), and the tables the dashboard
loads: what was ingested, else the bundled snapshot."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..settings import Settings
from .backend import is_url, location
from .local import Store
from .objects import ObjectStore


def default_data_dir() -> Path | str:
    """--data-dir default: $HUMDASH_DATA_DIR, else ./data (an object store URL such as s3://bucket/prefix
    stays a string; see ingest.objectstore)."""
    return location(Settings.from_env().data_dir)


def snapshot_dir() -> Path:
    """The bundled snapshot: $HUMDASH_SNAPSHOT_DIR, else data/snapshot in the repository."""
    return Settings.from_env().snapshot_dir


def open_store(data_dir: str | Path) -> Store | ObjectStore:
    """The store of a data directory: `ObjectStore` for a URL, the local `Store` otherwise."""
    return ObjectStore(str(data_dir)) if is_url(data_dir) else Store(data_dir)


def load_for_app(data_dir: Path | str) -> tuple[dict[str, pd.DataFrame], dict[str, dict[str, Any]]]:
    """Tables for the dashboard, table by table: what was ingested into `data_dir`, else the bundled
    snapshot. Returns (tables, provenance) where provenance[table] is its manifest entry plus
    `origin` ("ingested" or "snapshot") and `version`; every table is checked against its manifest
    first (see `Store.load`): `problem` says what was wrong with the current copy of a table served
    from an older version (or from the snapshot, or not at all), `recovered` that the pointer to the
    current version was lost."""
    tables: dict[str, pd.DataFrame] = {}
    provenance: dict[str, dict[str, Any]] = {}
    stores: tuple[tuple[str, Store | ObjectStore], ...] = (("snapshot", Store(snapshot_dir())),
                                                           ("ingested", open_store(data_dir)))
    for origin, store in stores:
        if isinstance(store, Store) and store.root.resolve() == snapshot_dir().resolve() and origin == "ingested":
            continue
        found, entries = store.load()
        for name, entry in entries.items():
            entry = dict(entry, origin=origin, data_dir=store.label)
            if name in found:
                tables[name] = found[name]
                provenance[name] = entry
            elif name in provenance:  # damaged everywhere here: the snapshot's copy, saying why
                provenance[name] = dict(provenance[name], problem=entry["problem"],
                                        current_version=entry["version"], problem_origin=origin)
            else:
                provenance[name] = dict(entry, origin="missing", rows=0)
    return tables, provenance
