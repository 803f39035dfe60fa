"""What a local data directory and an object store do alike, written once over `backend.Files`:
find the current version (or recover it when the pointer is lost), check tables against their
manifest, read them (a damaged one from the newest older version where it is intact), fill a new
version, and prune old ones. How a version is made current is each store's own (local.py, objects.py)."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import PurePath
from typing import Any, Callable, Generic, TypeVar

import pandas as pd

from ..errors import IngestError
from ..schemas import validate
from . import parquet
from .backend import Files
from .layout import COMMITTED, MANIFEST, member, table_file, version_key
from .manifest import manifest_bytes, table_entry, version_manifest

F = TypeVar("F", bound=PurePath)
Merge = Callable[[str, pd.DataFrame, pd.DataFrame | None], tuple[pd.DataFrame, str]]
_logged: set[tuple[str, str]] = set()


def warn_once(log: logging.Logger, where: str, message: str) -> None:
    """logging.warning once per process and message (the app checks the store every few seconds)."""
    key = (where, message)
    if key not in _logged:
        _logged.add(key)
        log.warning("%s: %s", where, message)


@dataclass(frozen=True)
class Batch:
    """What one ingest writes: validated tables, their inputs and notes (see `Store.write`), and its time."""

    tables: dict[str, pd.DataFrame]
    inputs: dict[str, list[dict[str, Any]]]
    notes: dict[str, list[str]]
    now: datetime


class VersionedStore(Generic[F]):
    """The versions of one store; subclasses say where the pointer is and how a version is made current."""

    POINTER = MANIFEST
    """The pointer to the current version, as messages name it."""
    MANIFEST_HINT = "re-run the ingest"
    TIDYING = "removing"
    log = logging.getLogger(__name__)

    def __init__(self, root: F, files: Files) -> None:
        self.root = root
        self.files = files
        self.warnings: list[str] = []  # what the last write could not carry over
        self._recovered: tuple[Any, F | None] | None = None

    @property
    def label(self) -> str:
        """The store as named in messages: its folder, or its URL without credentials."""
        return self.files.label

    # ---- what each store says for itself ------------------------------------------------------
    def pointer(self) -> F | None:
        """The version folder the pointer names (None when lost or unreadable)."""
        raise NotImplementedError

    def versions(self) -> list[F]:
        """Every kept version folder, oldest first by commit."""
        raise NotImplementedError

    def version_token(self) -> str | None:
        """A cheap token that changes whenever the current version does (None: nothing stored)."""
        raise NotImplementedError

    def _access_problem(self) -> str | None:
        """Why nothing can be read at all (None: the store is reachable)."""
        return None

    def _doomed(self, folder: F, current: F | None) -> bool:
        """True for a version never made current that the next ingest removes."""
        return not self.files.exists(folder / COMMITTED)

    def _leftovers(self) -> list[str]:
        """verify_report's lines on what interrupted ingests left besides versions."""
        return []

    def _tidy(self, current: F) -> None:
        """Remove what is left over once `current` was made current."""

    def _after_first_table(self) -> None:
        """Called once the first table of a new version is written."""

    # ---- finding the current version ---------------------------------------------------------
    def pointer_lost(self) -> bool:
        """True when versions exist but the pointer does not lead to one."""
        return self.pointer() is None and bool(self.versions())

    def current_dir(self) -> F | None:
        """The current version: what the pointer says, else (pointer lost) the version recovered from
        the folders; None when nothing was ingested."""
        folder = self.pointer()
        return folder if folder is not None else self.recover()

    def recover(self) -> F | None:
        """The current version when the pointer is lost: the highest committed sequence number whose
        tables all verify (versions never marked committed count only when none is). Logged."""
        versions = self.versions()
        if not versions:
            return None
        key = tuple((v.name, self.files.exists(v / COMMITTED)) for v in versions)
        if self._recovered is not None and self._recovered[0] == key:  # one search per listing and store
            return self._recovered[1]
        found = None
        committed = [v for v, (_, done) in zip(versions, key) if done] or versions
        for folder in reversed(committed):
            if not any(self.verify(folder).values()):
                warn_once(self.log, self.label, f"{self.POINTER} (the pointer to the current version) is missing "
                          f"or broken; serving version {folder.name}, the newest committed one whose tables verify")
                found = folder
                break
        else:
            warn_once(self.log, self.label, f"{self.POINTER} is missing or broken and no version's tables all verify")
        self._recovered = (key, found)
        return found

    def recovered_note(self) -> str | None:
        """What the app and `status` say when the current version had to be recovered (None when not)."""
        if not self.pointer_lost():
            return None
        folder = self.recover()
        if folder is None:
            return f"the pointer to the current version ({self.POINTER}) is lost or unreadable and no version verifies"
        return (f"the pointer to the current version ({self.POINTER}) is lost or unreadable; version {folder.name} "
                "(the newest committed one whose tables verify) is served; the next ingest restores it")

    def manifest(self, folder: F | None = None) -> dict[str, Any]:
        """The manifest of the current (or given) version ({} when nothing was ingested)."""
        folder = folder or self.current_dir()
        if folder is None:
            return {}
        key = folder / MANIFEST
        try:
            return json.loads(self.files.get(key).decode("utf-8"))
        except (OSError, ValueError) as exc:  # ValueError: not JSON, or not UTF-8
            raise IngestError(f"{self.files.where(key)}: cannot read the manifest ({self.files.describe(exc)}); "
                              f"{self.MANIFEST_HINT}") from None

    def tables(self) -> list[str]:
        """Names of the tables in the current version."""
        return sorted(self.manifest().get("tables", {}))

    def previous(self, folder: F) -> F | None:
        """The version `folder` was built on (its manifest's `previous`, else the one before it by order)."""
        try:
            manifest = self.manifest(folder)
        except IngestError:
            manifest = {}
        versions = self.versions()
        if "previous" in manifest:  # None for the first version; a pruned one is gone
            name = manifest["previous"]
            return self.root / "versions" / name if name and self.root / "versions" / name in versions else None
        older = [v for v in versions if version_key(v) < version_key(folder)]  # an older release's folder
        return older[-1] if older else None

    # ---- checking ----------------------------------------------------------------------------
    def check(self, name: str, folder: F, entry: dict[str, Any]) -> str | None:
        """What is wrong with table `name` of version `folder` against its manifest entry (None: intact)."""
        return self.files.fetch(folder / table_file(name), entry)[1]

    def verify(self, folder: F) -> dict[str, str | None]:
        """Every table of version `folder` checked against its manifest: {table: problem or None}."""
        try:
            manifest = self.manifest(folder)
        except IngestError as exc:
            return {MANIFEST: str(exc)}
        return {name: self.check(name, folder, entry) for name, entry in sorted(manifest.get("tables", {}).items())}

    def problems(self) -> list[str]:
        """What is wrong with the current version, one line each naming the file (empty: all is well)."""
        unreachable = self._access_problem()
        if unreachable:
            return [unreachable]
        out = [note] if (note := self.recovered_note()) else []
        folder = self.current_dir()
        if folder is None:
            return out
        return out + [f"{self._shown(folder, name)}: damaged ({problem})"
                      for name, problem in self.verify(folder).items() if problem]

    def verify_report(self) -> tuple[list[str], bool]:
        """Every version's files checked against its manifest: (lines to print, True when all are intact)."""
        unreachable = self._access_problem()
        if unreachable:
            return [unreachable], False
        current, pointed = self.current_dir(), self.pointer()
        lines, ok = [], True
        if self.pointer_lost():
            ok = False
            lines.append(f"pointer: {self.recovered_note()}")
        for folder in self.versions() or ([current] if current is not None else []):
            label = []
            if folder == current:
                label.append("current" if pointed is not None else "current, recovered")
            elif self._doomed(folder, current):
                label.append("never made current: removed by the next ingest")
            name = folder.name if folder != self.root else self.manifest(folder).get("version", "?")
            lines.append(f"version {name}" + (f" ({', '.join(label)})" if label else ""))
            for name, problem in self.verify(folder).items():
                ok = ok and problem is None
                lines.append(f"  {'ok     ' if problem is None else 'DAMAGED'} {self._shown(folder, name)}"
                             + (f": {problem}" if problem else ""))
        return lines + self._leftovers(), ok

    def _shown(self, folder: F, name: str) -> str:
        """A table's file (or the manifest) as shown to users: relative to the store's root."""
        return self.files.shown(folder / member(name))

    # ---- reading -----------------------------------------------------------------------------
    def read(self, name: str, folder: F | None = None, *, checked: bool = False) -> pd.DataFrame:
        """Read, check against the manifest and validate one table of the current (or given) version
        (`checked=True`: the caller has just checked it)."""
        folder = folder or self.current_dir()
        if folder is None:
            raise IngestError(f"{self.label}: no tables here; run `python -m ingest` first")
        key = folder / table_file(name)
        entry = self.manifest(folder).get("tables", {}).get(name)
        if entry is None:
            raise IngestError(f"{self.files.where(key)}: table {name} was not ingested into {self.label}")
        source, problem = self.files.fetch(key, entry, check=not checked)
        if source is None or problem:
            raise IngestError(f"{self.files.where(key)}: damaged ({problem}); run `python -m ingest verify`, "
                              "then re-run the ingest")
        return self._frame(name, key, source)

    def _frame(self, name: str, key: F, source: Any) -> pd.DataFrame:
        """The table read from `source` (a path or file object) and validated; errors name `key`."""
        try:
            frame = parquet.read(source)
        except Exception as exc:  # pyarrow and fastparquet raise many types for a damaged file
            raise IngestError(f"{self.files.where(key)}: cannot read the table ({exc}); re-run the ingest") from None
        return validate(name, frame, where=self.files.where(key))

    def read_all(self) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
        """Every table of one consistent version, with that version's manifest (IngestError if one is damaged)."""
        folder = self.current_dir()
        if folder is None:
            return {}, {}
        manifest = self.manifest(folder)
        return {name: self.read(name, folder) for name in manifest.get("tables", {})}, manifest

    def intact(self, name: str, start: F) -> tuple[F, dict[str, Any]] | None:
        """The newest version at or before `start` (by commit order) whose table `name` verifies, with its entry."""
        versions = self.versions() if (self.root / "versions") in start.parents else []
        older = [v for v in versions if version_key(v) < version_key(start)]
        for folder in [start, *reversed(older)]:
            try:
                entry = self.manifest(folder).get("tables", {}).get(name)
            except IngestError:
                continue
            if entry is not None and self.check(name, folder, entry) is None:
                return folder, entry
        return None

    def load(self) -> tuple[dict[str, pd.DataFrame], dict[str, dict[str, Any]]]:
        """Every table of the current version (the pointer is read once, so one load is one version), each
        checked; a damaged one is read from the newest older version where it is intact (or left out when
        there is none). Returns (tables, entries) where entries[table] is the manifest entry it was read
        by, plus `version` (the folder it came from), `problem` (what is wrong with the current version's
        copy) and `recovered` (pointer lost)."""
        folder, recovered = self.pointer(), None
        if folder is None:
            folder = self.recover()
            recovered = self.recovered_note() if folder is not None else None
        if folder is None:
            return {}, {}
        manifest = self.manifest(folder)
        tables: dict[str, pd.DataFrame] = {}
        entries: dict[str, dict[str, Any]] = {}
        for name, entry in manifest.get("tables", {}).items():
            frame, entries[name] = self._load_table(name, folder, entry, manifest)
            if frame is not None:
                tables[name] = frame
            if recovered and "unavailable" not in entries[name]:
                entries[name]["recovered"] = recovered
        return tables, entries

    def _load_table(self, name: str, folder: F, entry: dict[str, Any], manifest: dict[str, Any]
                    ) -> tuple[pd.DataFrame | None, dict[str, Any]]:
        """One table for `load`: (the frame or None, the entry describing where it came from)."""
        source, problem = self.files.fetch(folder / table_file(name), entry)
        if not problem:
            version = folder.name if folder != self.root else manifest.get("version")
            return self._frame(name, folder / table_file(name), source), dict(entry, version=version)
        found = self.intact(name, folder)
        where = f"served from version {found[0].name}" if found else "no intact copy in any version"
        warn_once(self.log, self.label, f"{self._shown(folder, name)}: damaged ({problem}); {where}")
        if found is None:
            return None, dict(entry, version=folder.name, problem=problem, unavailable=True)
        older, used = found
        source, _ = self.files.fetch(older / table_file(name), used, check=False)
        frame = self._frame(name, older / table_file(name), source)
        return frame, dict(used, version=older.name, problem=problem, current_version=folder.name)

    # ---- writing -----------------------------------------------------------------------------
    def write(
        self,
        tables: dict[str, pd.DataFrame],
        inputs: dict[str, list[dict[str, Any]]],
        *,
        now: datetime | None = None,
        notes: dict[str, list[str]] | None = None,
        layout: str = "versioned",
        keep: int = 0,
        merge: Merge | None = None,
    ) -> F:
        """Validate and write `tables` as a new version, then make it current; returns the version folder.

        `inputs[table]` lists the files or URLs the table came from, each a dict with
        `url` or `file`, `sha256` and `retrieved_at`. `layout="flat"` writes DIR/tables and
        DIR/manifest.json directly (the bundled snapshot, local only), replacing what was there. `keep` > 0
        prunes all but that many versions afterwards (see `prune`). A store that cannot be written to
        gives an IngestError saying so (nothing was written). `merge(table, new, current)`, when given,
        runs (under the lock, locally) with the current version's table (None when there is none) and
        returns the table to write and a note for the manifest (see ingest.merge).
        """
        self._writable(layout)
        now = now or datetime.now(timezone.utc)
        batch = Batch({name: validate(name, frame) for name, frame in tables.items()}, inputs, notes or {}, now)
        return self._write_batch(batch, layout == "versioned", keep, merge)

    def _writable(self, layout: str) -> None:
        """IngestError when this store cannot hold `layout` ("versioned" or "flat")."""

    def _write_batch(self, batch: Batch, versioned: bool, keep: int, merge: Merge | None) -> F:
        """Write `batch` as a new version and make it current (each store's own transaction)."""
        raise NotImplementedError

    def _merged(self, batch: Batch, previous: F | None, old_manifest: dict[str, Any], merge: Merge) -> Batch:
        """The new tables merged into the current version's (read and checked under the lock); inputs
        and notes of a merged table keep the earlier ingests' provenance."""
        tables, inputs, notes = dict(batch.tables), dict(batch.inputs), dict(batch.notes)
        for table, frame in batch.tables.items():
            entry = old_manifest.get("tables", {}).get(table) if previous else None
            found = self.intact(table, previous) if entry else None
            current = self.read(table, found[0]) if found else None
            merged, note = merge(table, frame, current)
            tables[table] = validate(table, merged)
            if current is not None:
                seen = {i.get("sha256") for i in batch.inputs.get(table, [])}
                inputs[table] = list(batch.inputs.get(table, [])) + [i for i in found[1].get("inputs", [])
                                                                     if i.get("sha256") not in seen]
            notes[table] = [note, *batch.notes.get(table, [])]
        return replace(batch, tables=tables, inputs=inputs, notes=notes)

    def _next_sequence(self, previous: F | None) -> int:
        """The sequence number of the next version (taken while no other ingest can commit)."""
        return max([version_key(v)[0] for v in self.versions()] + [version_key(previous)[0] if previous else 0, 0]) + 1

    def _fill(self, folder: F, batch: Batch, previous: F | None, old_manifest: dict[str, Any], version: str,
              sequence: int | None) -> dict[str, Any]:
        """Write a version's files into `folder`: the batch's tables, the other tables of `previous`
        (carried over from the newest version where each is intact), then the manifest (`sequence`
        None: the flat snapshot, whose entries have no sizes). Returns the manifest's table entries."""
        entries: dict[str, Any] = {}
        for i, (table, frame) in enumerate(batch.tables.items()):
            size, digest = self.files.write_table(folder / table_file(table), frame)
            entries[table] = table_entry(table, frame, size, digest, batch.inputs.get(table, []), batch.now,
                                         batch.notes.get(table, []))
            if sequence is None:  # the bundled snapshot's manifest stays as it was (sha256 covers it)
                entries[table].pop("bytes")
            if i == 0:
                self._after_first_table()
        for table in old_manifest.get("tables", {}):
            if table not in entries and previous is not None:
                self._carry(table, previous, folder, entries)
        manifest = version_manifest(version, entries, batch.now, sequence=sequence,
                                    previous=previous.name if previous else None)
        self.files.put(folder / MANIFEST, manifest_bytes(manifest))
        return entries

    def _carry(self, table: str, previous: F, folder: F, entries: dict[str, Any]) -> None:
        """Copy table `table` from the newest version at or before `previous` where it is intact."""
        found = self.intact(table, previous)
        if found is None:
            self.warnings.append(f"{table}: damaged in every kept version, not carried over; ingest its source again")
            self.log.warning("%s: %s", self.label, self.warnings[-1])
            return
        source, entry = found
        if source != previous:
            self.warnings.append(f"{table}: damaged in version {previous.name}; carried over from version {source.name}")
        size = self.files.copy(source / table_file(table), folder / table_file(table))
        entries[table] = dict(entry) if size is None else dict(entry, bytes=size)

    def _after_commit(self, final: F, sequence: int, keep: int) -> None:
        """Mark version `final` committed, tidy and prune: it is current now, so nothing here fails the ingest."""
        try:
            self.files.put(final / COMMITTED, f"{sequence}\n".encode())
            self._tidy(final)
            if keep > 0:
                self.prune(keep)
        except self.files.errors as exc:
            self.warnings.append(f"version {final.name} is current, but marking it or {self.TIDYING} old versions "
                                 f"failed ({self.files.reason(exc)})")
            self.log.warning("%s: %s", self.label, self.warnings[-1])

    def _protected(self, current: F) -> set[F]:
        """Versions pruning never removes: the current one and the one it was built on."""
        before = self.previous(current)
        return {current} if before is None else {current, before}

    def prune(self, keep: int) -> list[str]:
        """Delete all but the newest `keep` versions up to the current one (call with the lock held);
        the current version and the ones it falls back to stay; newer folders are not touched."""
        current = self.current_dir()
        if current is None or keep <= 0:
            return []
        versions = [v for v in self.versions() if version_key(v) <= version_key(current)]
        if len(versions) <= keep:
            return []
        kept = set(versions[-keep:]) | self._protected(current)
        removed = []
        for folder in versions:
            if folder not in kept:
                self.files.remove(folder)
                removed.append(folder.name)
        return removed
