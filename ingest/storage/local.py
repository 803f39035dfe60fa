"""Tidy tables on disk: atomic, versioned writes with a provenance manifest; verified reads.

Layout of a data directory:

    DIR/versions/<seq>-<stamp>/tables/<table>.parquet   one folder per ingest, e.g. 000012-20260102T030405000000Z
    DIR/versions/<seq>-<stamp>/manifest.json            provenance of every table: rows, bytes, sha256, inputs
    DIR/versions/<seq>-<stamp>/COMMITTED                written once the version was made current
    DIR/tables        -> versions/<seq>-<stamp>/tables  (symlink to the current version)
    DIR/manifest.json -> versions/<seq>-<stamp>/manifest.json

Versions are ordered by commit: `seq` is taken under the writer lock (DIR/.lock), so a version
committed later always has a higher number whatever its stamp (the ingest's start time) says, and
each manifest records its `previous` version. Older folders named by stamp alone are still read
(they sort before every numbered one).

A write validates the tables, builds a new version folder under a temporary name, checks what it
wrote, renames it into place and only then swaps the symlinks (os.replace is atomic), so a reader
sees either the complete old or the complete new set of tables, and a failed ingest leaves the
previous version untouched. Tables not written by an ingest are copied from the previous version
(a reflink where the file system can): no two versions share a file, so damaging one file damages
one version only.

Every read checks a table against its manifest entry (size, sha256, row count) before it is used.
`load_for_app` serves a damaged table from the newest older version where it is intact, and when the
pointer (DIR/manifest.json) is lost it recovers the current version from the folders on disk (the
highest committed sequence number whose tables verify); both are logged and reported in the
provenance (`problem`, `recovered`) so the app can say so.

The bundled snapshot (data/snapshot/) has the same layout without the versions folder: plain
DIR/tables/ and DIR/manifest.json files.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
from pathlib import Path
from typing import Any, Iterator

from ..errors import IngestError
from .backend import LocalFiles
from .integrity import check_written
from .layout import COMMITTED, MANIFEST, table_file, utc_stamp, version_key
from .versions import Batch, Merge, VersionedStore, warn_once


class Store(VersionedStore[Path]):
    """Reads and writes the tidy tables of one data directory."""

    MANIFEST_HINT = "re-run the ingest or remove the data directory to fall back to the bundled snapshot"
    TIDYING = "pruning"
    log = logging.getLogger("ingest.store")  # the name logging configurations and tests know

    @staticmethod
    def for_url(data_dir: Path | str) -> VersionedStore[Any]:
        """The store of `data_dir`: an `ingest.objectstore.ObjectStore` for a URL (s3://bucket/prefix),
        else a local Store."""
        from .open import open_store

        return open_store(data_dir)

    def __init__(self, root: Path | str) -> None:
        super().__init__(Path(root), LocalFiles(Path(root)))

    # ---- finding the current version ---------------------------------------------------------
    def pointer(self) -> Path | None:
        """The folder DIR/manifest.json points to (DIR itself for the flat snapshot); None when lost or
        when the manifest it leads to is unreadable."""
        manifest = self.root / MANIFEST
        try:
            resolved = manifest.resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        if not resolved.is_file():
            return None
        try:
            json.loads(resolved.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:  # a damaged manifest is as good as no pointer
            warn_once(self.log, self.label, f"{MANIFEST} is unreadable ({type(exc).__name__}); not used")
            return None
        folder, base = resolved.parent, self.root.resolve()
        if folder == base:
            return self.root
        if folder.parent == base / "versions":  # as a path below self.root, as versions() names it
            return self.root / "versions" / folder.name
        return folder

    def version_token(self) -> str | None:
        """Changes whenever a new version is written (cheap: one readlink/stat)."""
        manifest = self.root / MANIFEST
        try:
            resolved = manifest.resolve(strict=True)
            return f"{resolved}:{resolved.stat().st_mtime_ns}"
        except OSError:
            try:  # pointer lost: follow what is on disk
                return f"lost:{(self.root / 'versions').stat().st_mtime_ns}"
            except OSError:
                return None

    def versions(self) -> list[Path]:
        """Every kept version folder, oldest first by commit (sequence number; old stamp-only names first)."""
        base = self.root / "versions"
        if not base.is_dir():
            return []
        return sorted((p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")), key=version_key)

    def _doomed(self, folder: Path, current: Path | None) -> bool:
        return (current is not None and version_key(folder) > version_key(current)
                and not (folder / COMMITTED).exists())

    def _leftovers(self) -> list[str]:
        return [f"leftover {folder.name}: an interrupted ingest's folder, removed by the next ingest"
                for folder in sorted((self.root / "versions").glob(".tmp-*"))]

    def _protected(self, current: Path) -> set[Path]:
        """Also where the current version's damaged tables are served from."""
        protect = super()._protected(current)
        for name, problem in self.verify(current).items():
            if problem and name != MANIFEST:
                found = self.intact(name, current)
                if found is not None:
                    protect.add(found[0])
        return protect

    # ---- writing -----------------------------------------------------------------------------
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

    def _write_batch(self, batch: Batch, versioned: bool, keep: int, merge: Merge | None) -> Path:
        """`_write` under the lock; a data directory that cannot be written to is an IngestError saying so."""
        try:
            with self.lock():
                return self._write(batch, versioned, keep, merge)
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT):
                raise IngestError(f"cannot write to {self.root}: {exc.strerror or exc}; nothing was written") from None
            raise

    def _write(self, batch: Batch, versioned: bool, keep: int, merge: Merge | None) -> Path:
        """`write` with the lock held: build the version under a temporary name, check it, make it current."""
        self.warnings = []
        if versioned:
            self.clean()
        previous = self.current_dir() if versioned else None
        old_manifest = self.manifest(previous) if previous else {}
        if merge is not None:
            batch = self._merged(batch, previous, old_manifest, merge)
        sequence = self._next_sequence(previous)
        name = f"{sequence:06d}-{utc_stamp(batch.now)}"
        tmp = self.root / ("versions" if versioned else ".") / f".tmp-{name}-{os.getpid()}"
        try:
            (tmp / "tables").mkdir(parents=True)
            entries = self._fill(tmp, batch, previous, old_manifest, name if versioned else utc_stamp(batch.now),
                                 sequence if versioned else None)
            # Check what the new version holds before making it current: the tables written now
            # were validated above, so their footers suffice; carried-over ones are read and validated.
            for table in entries:
                if table in batch.tables:
                    check_written(tmp / table_file(table), batch.tables[table])
                else:
                    self.read(table, tmp)
            if not versioned:
                return self._swap_flat(tmp)
            final = self.root / "versions" / name
            os.rename(tmp, final)
            self._point(f"versions/{name}/tables", self.root / "tables")
            self._point(f"versions/{name}/{MANIFEST}", self.root / MANIFEST)
        finally:
            if tmp.exists():
                self.files.remove(tmp)
        self._after_commit(final, sequence, keep)
        return final

    def clean(self) -> list[str]:
        """Remove what interrupted ingests left (call with the lock held): versions/.tmp-* folders, and
        versions never made current that are newer than the current one. Returns the names removed."""
        base = self.root / "versions"
        if not base.is_dir():
            return []
        removed = []
        for folder in base.iterdir():
            if folder.name.startswith(".tmp-") and folder.is_dir():
                self.files.remove(folder)
                removed.append(folder.name)
        current = self.current_dir()
        if current is not None and base in current.parents:
            for folder in self.versions():
                if self._doomed(folder, current):
                    self.files.remove(folder)
                    removed.append(folder.name)
        for name in removed:
            self.log.warning("%s: removed %s, left by an interrupted ingest", self.root, name)
        return removed

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
        self.files.remove(old)
        return self.root
