"""Tidy tables on disk: atomic, versioned writes with a provenance manifest; validated reads.

Layout of a data directory:

    DIR/versions/<stamp>/tables/<table>.parquet   immutable, one folder per successful ingest
    DIR/versions/<stamp>/manifest.json            provenance of every table in that version
    DIR/tables        -> versions/<stamp>/tables  (symlink to the current version)
    DIR/manifest.json -> versions/<stamp>/manifest.json

A write validates the tables, builds a new version folder under a temporary name, checks what it
wrote (each file's parquet footer must hold the rows and columns written), renames it into place
and only then swaps the symlinks (os.replace is atomic), so a reader sees either the complete old
or the complete new set of tables, and a failed ingest leaves the previous version untouched.
Tables not written by an ingest are carried over (hard-linked) from the previous version.
Writers take an exclusive lock (DIR/.lock), so two ingests at once run one after the other.

The bundled snapshot (data/snapshot/) has the same layout without the versions folder: plain
DIR/tables/ and DIR/manifest.json files.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import pandas as pd
import pyarrow.parquet as pq

from .errors import IngestError
from .schemas import LICENCES, SCHEMA_VERSION, SCHEMAS, SOURCE_OF, validate

REPO_ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT_DIR = REPO_ROOT / "data" / "snapshot"
MANIFEST = "manifest.json"


def default_data_dir() -> Path:
    """--data-dir default: $HUMDASH_DATA_DIR, else ./data."""
    return Path(os.environ.get("HUMDASH_DATA_DIR") or "data")


def snapshot_dir() -> Path:
    """The bundled snapshot: $HUMDASH_SNAPSHOT_DIR, else data/snapshot in the repository."""
    return Path(os.environ.get("HUMDASH_SNAPSHOT_DIR") or SNAPSHOT_DIR)


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _utc_stamp(now: datetime) -> str:
    return now.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")


class Store:
    """Reads and writes the tidy tables of one data directory."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    # ---- reading -------------------------------------------------------------------------
    def current_dir(self) -> Path | None:
        """The folder holding the current manifest and tables/ (resolved once per read)."""
        manifest = self.root / MANIFEST
        if not manifest.exists():
            return None
        return manifest.resolve().parent

    def version_token(self) -> str | None:
        """Changes whenever a new version is written (cheap: one readlink/stat)."""
        manifest = self.root / MANIFEST
        try:
            resolved = manifest.resolve(strict=True)
            return f"{resolved}:{resolved.stat().st_mtime_ns}"
        except OSError:
            return None

    def manifest(self, folder: Path | None = None) -> dict[str, Any]:
        """The manifest of the current version ({} when nothing was ingested)."""
        folder = folder or self.current_dir()
        if folder is None:
            return {}
        path = folder / MANIFEST
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise IngestError(f"{path}: cannot read the manifest ({exc}); re-run the ingest "
                              "or remove the data directory to fall back to the bundled snapshot") from None

    def tables(self) -> list[str]:
        """Names of the tables in the current version."""
        return sorted(self.manifest().get("tables", {}))

    def read(self, name: str, folder: Path | None = None) -> pd.DataFrame:
        """Read and validate one table of the current (or given) version."""
        folder = folder or self.current_dir()
        if folder is None:
            raise IngestError(f"{self.root}: no tables here; run `python -m ingest` first")
        path = folder / "tables" / f"{name}.parquet"
        if not path.exists():
            raise IngestError(f"{path}: table {name} was not ingested into {self.root}")
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises many types for a damaged file
            raise IngestError(f"{path}: cannot read the table ({exc}); re-run the ingest") from None
        return validate(name, frame, where=str(path))

    def read_all(self) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
        """Every table of one consistent version, with that version's manifest."""
        folder = self.current_dir()
        if folder is None:
            return {}, {}
        manifest = self.manifest(folder)
        return {name: self.read(name, folder) for name in manifest.get("tables", {})}, manifest

    def versions(self) -> list[Path]:
        """Every kept version folder, oldest first."""
        base = self.root / "versions"
        if not base.is_dir():
            return []
        return sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith("."))

    # ---- writing -------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Exclusive writer lock on the data directory."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def write(
        self,
        tables: dict[str, pd.DataFrame],
        inputs: dict[str, list[dict[str, Any]]],
        *,
        now: datetime | None = None,
        notes: dict[str, list[str]] | None = None,
        layout: str = "versioned",
    ) -> Path:
        """Validate and write `tables` as a new version; returns the version folder.

        `inputs[table]` lists the files or URLs the table came from, each a dict with
        `url` or `file`, `sha256` and `retrieved_at`. `layout="flat"` writes DIR/tables and
        DIR/manifest.json directly (the bundled snapshot), replacing what was there.
        """
        now = now or datetime.now(timezone.utc)
        checked = {name: validate(name, frame) for name, frame in tables.items()}
        with self.lock():
            previous = self.current_dir() if layout == "versioned" else None
            old_manifest = self.manifest(previous) if previous else {}
            stamp = _utc_stamp(now)
            tmp = self.root / ("versions" if layout == "versioned" else ".") / f".tmp-{stamp}-{os.getpid()}"
            try:
                (tmp / "tables").mkdir(parents=True)
                entries: dict[str, Any] = {}
                for name, frame in checked.items():
                    path = tmp / "tables" / f"{name}.parquet"
                    frame.to_parquet(path, index=False)
                    entries[name] = self._entry(name, frame, path, inputs.get(name, []), now,
                                                (notes or {}).get(name, []))
                for name, entry in old_manifest.get("tables", {}).items():
                    if name not in entries and previous is not None:
                        os.link(previous / "tables" / f"{name}.parquet", tmp / "tables" / f"{name}.parquet")
                        entries[name] = entry
                manifest = {
                    "schema_version": SCHEMA_VERSION,
                    "version": stamp,
                    "written_at": now.isoformat(timespec="seconds"),
                    "tables": dict(sorted(entries.items())),
                }
                (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                            encoding="utf-8")
                # Check what the new version holds before making it current: the tables written now
                # were validated above, so their footers suffice; carried-over ones are read and validated.
                for name in entries:
                    if name in checked:
                        _check_written(tmp / "tables" / f"{name}.parquet", checked[name])
                    else:
                        self.read(name, tmp)
                if layout == "flat":
                    return self._swap_flat(tmp)
                final = self.root / "versions" / stamp
                os.rename(tmp, final)
                self._point(f"versions/{stamp}/tables", self.root / "tables")
                self._point(f"versions/{stamp}/{MANIFEST}", self.root / MANIFEST)
                return final
            finally:
                if tmp.exists():
                    shutil.rmtree(tmp, ignore_errors=True)

    def _entry(self, name: str, frame: pd.DataFrame, path: Path, inputs: list[dict[str, Any]],
               now: datetime, notes: list[str]) -> dict[str, Any]:
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
            "file": f"tables/{name}.parquet",
            "sha256": sha256_file(path),
            "notes": notes,
        }

    def _point(self, target: str, link: Path) -> None:
        """Atomically make `link` a symlink to `target` (relative to the data directory)."""
        if link.exists() and not link.is_symlink():
            raise IngestError(f"{link}: exists and is not a link made by this tool; move it away and retry")
        tmp = link.with_name(f".{link.name}.tmp-{os.getpid()}")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        os.symlink(target, tmp)
        os.replace(tmp, link)

    def _swap_flat(self, tmp: Path) -> Path:
        """Replace DIR/tables and DIR/manifest.json by the freshly written ones (snapshot layout)."""
        tables, manifest = self.root / "tables", self.root / MANIFEST
        old = self.root / f".old-{os.getpid()}"
        if tables.exists():
            os.rename(tables, old)
        os.rename(tmp / "tables", tables)
        os.replace(tmp / MANIFEST, manifest)
        shutil.rmtree(old, ignore_errors=True)
        return self.root


def _check_written(path: Path, frame: pd.DataFrame) -> None:
    """IngestError unless the parquet file at `path` is complete and holds `frame`'s rows and columns.

    The frame was validated just before it was written, so reading it back and validating it again
    would only repeat that work; the footer (written last) proves the file is whole and what it holds.
    """
    try:
        meta = pq.read_metadata(path)
        names = meta.schema.to_arrow_schema().names
    except Exception as exc:  # pyarrow raises many types for a damaged file
        raise IngestError(f"{path}: the table just written cannot be read back ({exc}); nothing was "
                          "changed, check the disk and re-run the ingest") from None
    if meta.num_rows != len(frame) or names != [str(c) for c in frame.columns]:
        raise IngestError(f"{path}: the table just written holds {meta.num_rows:,} rows and columns {names}, "
                          f"not the {len(frame):,} rows and columns {list(frame.columns)} written; nothing was "
                          "changed, check the disk and re-run the ingest")


def input_record(*, file: Path | None = None, url: str | None = None, sha256: str,
                 retrieved_at: str) -> dict[str, Any]:
    """One provenance entry for the manifest."""
    record: dict[str, Any] = {"file": file.name} if file is not None else {"url": url}
    record.update(sha256=sha256, retrieved_at=retrieved_at)
    return record


def load_for_app(data_dir: Path | str) -> tuple[dict[str, pd.DataFrame], dict[str, dict[str, Any]]]:
    """Tables for the dashboard, table by table: what was ingested into `data_dir`, else the bundled
    snapshot. Returns (tables, provenance) where provenance[table] is its manifest entry plus
    `origin` ("ingested" or "snapshot") and `version`."""
    tables: dict[str, pd.DataFrame] = {}
    provenance: dict[str, dict[str, Any]] = {}
    for origin, store in (("snapshot", Store(snapshot_dir())), ("ingested", Store(data_dir))):
        if Path(store.root).resolve() == snapshot_dir().resolve() and origin == "ingested":
            continue
        found, manifest = store.read_all()
        for name, frame in found.items():
            tables[name] = frame
            provenance[name] = dict(manifest["tables"][name], origin=origin, version=manifest.get("version"),
                                    data_dir=str(store.root))
    return tables, provenance
