"""What an ingest read, with its provenance: the files a user gave (checked, with when they were
retrieved), and the bytes a live pull fetched (kept under DATA_DIR/raw/ before they are transformed)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import pandas as pd

from .errors import IngestError
from .settings import REPO_ROOT
from .storage.integrity import sha256_file
from .storage.manifest import input_record
from .storage.objects import ObjectStore
from .storage.open import open_store

if TYPE_CHECKING:
    from .http import Fetched

CURATED_DIR = REPO_ROOT / "data" / "curated"


def check_files(paths: Sequence[Path]) -> None:
    """IngestError naming the first path that is not a file."""
    for path in paths:
        if not path.is_file():
            raise IngestError(f"{path}: no such file; check the path")


def file_inputs(paths: Sequence[Path], given: str | None = None) -> list[dict[str, Any]]:
    """Provenance records for files a user gave. retrieved_at is when the data were retrieved: the
    --retrieved-at the user gave, else the published record of a known file, else the time a source
    writes into its file name, else unknown (null). Never the file's modification time (a copy resets it)."""
    from .sources.mmp import stamped_time
    known = known_source_files()
    records = []
    for path in paths:
        digest = sha256_file(path)
        stamp = stamped_time(path.name)
        if given is not None:
            record = input_record(file=path, sha256=digest, retrieved_at=given)
            record["retrieved_at_note"] = "given with --retrieved-at"
        elif digest in known:
            record = dict(known[digest])
        else:
            record = input_record(file=path, sha256=digest, retrieved_at=stamp)
            record["retrieved_at_note"] = ("written by the source in the file name" if stamp else
                                           "unknown: give --retrieved-at when you know when the file was downloaded")
        records.append(record)
    return records


def fetched_inputs(fetched: list[Fetched]) -> list[dict[str, Any]]:
    """Provenance records for what a live pull fetched (`ingest.http.Client.fetched`)."""
    return [{"url": f.url, "sha256": f.sha256, "retrieved_at": f.retrieved_at} for f in fetched]


def known_source_files(curated_dir: Path = CURATED_DIR) -> dict[str, dict[str, Any]]:
    """Published provenance (origin, retrieval date) of known source files, keyed by sha256."""
    path = curated_dir / "source_files.csv"
    if not path.exists():
        return {}
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return {row["sha256"]: {"file": row["file"], "sha256": row["sha256"], "retrieved_at": row["retrieved_at"],
                            "origin": row["origin"]} for _, row in frame.iterrows()}


def by_retrieval(paths: list[Path]) -> list[Path]:
    """Files in the order they were retrieved (data/curated/source_files.csv), so a newer file's figures
    win. Files of unknown date come first, by name; of those, the worldwide exports (fts/global/, known
    to be of 2026) last, after the older API recordings of test suites."""
    known = {row["file"]: row.get("retrieved_at") or "" for row in known_source_files().values()}

    def key(path: Path) -> tuple[str, bool, str]:
        date = known.get(path.name, "unknown")
        return ("" if date == "unknown" else date, path.parent.name == "global", path.name)
    return sorted(paths, key=key)


def save_raw(data_dir: Path | str, source: str, fetched: list[Fetched], stamp: str) -> None:
    """Keep the bytes fetched, with provenance, before they are transformed (PREFIX/raw/... in an object store)."""
    store = open_store(data_dir)
    if isinstance(store, ObjectStore):
        store.check_access()
    folder = store.root / "raw" / source / stamp
    index = []
    for i, item in enumerate(fetched):
        name = f"{i:04d}.{'json' if 'json' in item.content_type or item.content[:1] in b'[{' else 'bin'}"
        store.files.put(folder / name, item.content)
        index.append({"file": name, "url": item.url, "sha256": item.sha256, "retrieved_at": item.retrieved_at,
                      "status": item.status, "content_type": item.content_type})
    store.files.put(folder / "fetched.json", (json.dumps(index, indent=2) + "\n").encode("utf-8"))
