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
import hashlib
import json
import logging
import os
import re
import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Any, Iterator

import pandas as pd
import pyarrow.parquet as pq

from .errors import IngestError
from .schemas import LICENCES, SCHEMA_VERSION, SOURCE_OF, validate

REPO_ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT_DIR = REPO_ROOT / "data" / "snapshot"
MANIFEST = "manifest.json"
COMMITTED = "COMMITTED"
DEFAULT_KEEP = 10
_NUMBERED = re.compile(r"^(\d{6,})-(\d{8}T\d+Z)$")
_logged: set[tuple[str, str]] = set()

log = logging.getLogger(__name__)


def default_data_dir() -> Path | str:
    """--data-dir default: $HUMDASH_DATA_DIR, else ./data (an object store URL such as s3://bucket/prefix
    stays a string; see ingest.objectstore)."""
    from .objectstore import location

    return location(os.environ.get("HUMDASH_DATA_DIR") or "data")


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


def version_key(folder: Path | str) -> tuple[int, str]:
    """Sort key of a version folder: its sequence number (-1 for the older stamp-only names), then its name."""
    name = Path(folder).name
    match = _NUMBERED.match(name)
    return (int(match.group(1)) if match else -1, name)


def version_stamp(name: str) -> str:
    """The stamp part of a version name ('000012-20260102T...Z' -> '20260102T...Z'; old names are stamps)."""
    match = _NUMBERED.match(name)
    return match.group(2) if match else name


def copy_file(source: Path, target: Path) -> None:
    """Copy a file's bytes into a new file (a reflink or in-kernel copy where the system offers one)."""
    with open(source, "rb") as src, open(target, "xb") as dst:
        size = os.fstat(src.fileno()).st_size
        try:
            done = 0
            while done < size:
                n = os.copy_file_range(src.fileno(), dst.fileno(), size - done)
                if n == 0:
                    break
                done += n
            if done == size:
                return
        except (AttributeError, OSError):
            pass
        src.seek(0)
        dst.seek(0)
        dst.truncate()
        shutil.copyfileobj(src, dst, 1 << 20)


def _warn_once(root: Path, message: str) -> None:
    """logging.warning once per process and message (the app checks the store every few seconds)."""
    key = (str(root), message)
    if key not in _logged:
        _logged.add(key)
        log.warning("%s: %s", root, message)


class Store:
    """Reads and writes the tidy tables of one data directory."""

    @staticmethod
    def for_url(data_dir: Path | str) -> "Store | Any":
        """The store of `data_dir`: an `ingest.objectstore.ObjectStore` for a URL (s3://bucket/prefix),
        else a local Store."""
        from .objectstore import open_store

        return open_store(data_dir)

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.warnings: list[str] = []  # what the last write could not carry over
        self._recovered: tuple[Any, Path | None] | None = None

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
            _warn_once(self.root, f"{MANIFEST} is unreadable ({type(exc).__name__}); not used")
            return None
        folder, base = resolved.parent, self.root.resolve()
        if folder == base:
            return self.root
        if folder.parent == base / "versions":  # as a path below self.root, as versions() names it
            return self.root / "versions" / folder.name
        return folder

    def pointer_lost(self) -> bool:
        """True when versions exist on disk but DIR/manifest.json does not lead to one."""
        return self.pointer() is None and bool(self.versions())

    def current_dir(self) -> Path | None:
        """The folder holding the current manifest and tables/: what the pointer says, else (pointer
        lost) the version recovered from the folders on disk; None when nothing was ingested."""
        folder = self.pointer()
        if folder is not None:
            return folder
        return self.recover()

    def recover(self) -> Path | None:
        """The current version when the pointer is lost: the highest committed sequence number whose
        tables all verify (versions never marked committed count only when none is). Logged."""
        versions = self.versions()
        if not versions:
            return None
        key = tuple((v.name, (v / COMMITTED).exists()) for v in versions)
        if self._recovered is not None and self._recovered[0] == key:  # one search per listing and Store
            return self._recovered[1]
        found = None
        committed = [v for v in versions if (v / COMMITTED).exists()] or versions
        for folder in reversed(committed):
            if not any(self.verify(folder).values()):
                _warn_once(self.root, f"{MANIFEST} (the pointer to the current version) is missing or broken; "
                                      f"serving version {folder.name}, the newest committed one whose tables verify")
                found = folder
                break
        else:
            _warn_once(self.root, f"{MANIFEST} is missing or broken and no version's tables all verify")
        self._recovered = (key, found)
        return found

    def recovered_note(self) -> str | None:
        """What the app and `status` say when the current version had to be recovered (None when not)."""
        if not self.pointer_lost():
            return None
        folder = self.recover()
        if folder is None:
            return f"the pointer to the current version ({MANIFEST}) is lost or unreadable and no version verifies"
        return (f"the pointer to the current version ({MANIFEST}) is lost or unreadable; version {folder.name} "
                "(the newest committed one whose tables verify) is served; the next ingest restores it")

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

    def manifest(self, folder: Path | None = None) -> dict[str, Any]:
        """The manifest of the current (or given) version ({} when nothing was ingested)."""
        folder = folder or self.current_dir()
        if folder is None:
            return {}
        path = folder / MANIFEST
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise IngestError(f"{path}: cannot read the manifest ({exc}); re-run the ingest "
                              "or remove the data directory to fall back to the bundled snapshot") from None

    def tables(self) -> list[str]:
        """Names of the tables in the current version."""
        return sorted(self.manifest().get("tables", {}))

    def versions(self) -> list[Path]:
        """Every kept version folder, oldest first by commit (sequence number; old stamp-only names first)."""
        base = self.root / "versions"
        if not base.is_dir():
            return []
        return sorted((p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")), key=version_key)

    def previous(self, folder: Path) -> Path | None:
        """The version `folder` was built on (its manifest's `previous`, else the one before it by order)."""
        try:
            manifest = self.manifest(folder)
        except IngestError:
            manifest = {}
        if "previous" in manifest:  # None for the first version; a pruned one is gone
            name = manifest["previous"]
            return self.root / "versions" / name if name and (self.root / "versions" / name).is_dir() else None
        older = [v for v in self.versions() if version_key(v) < version_key(folder)]  # an older release's folder
        return older[-1] if older else None

    # ---- checking ----------------------------------------------------------------------------
    def check(self, name: str, folder: Path, entry: dict[str, Any]) -> str | None:
        """What is wrong with table `name` of version `folder` against its manifest entry (None: intact)."""
        path = folder / "tables" / f"{name}.parquet"
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            return "file missing"
        except OSError as exc:
            return f"cannot read ({exc.strerror})"
        if "bytes" in entry and size != entry["bytes"]:
            return f"{size:,} bytes, the manifest says {entry['bytes']:,}"
        try:
            digest = sha256_file(path)
        except OSError as exc:
            return f"cannot read ({exc.strerror})"
        if entry.get("sha256") and digest != entry["sha256"]:
            return "checksum (sha256) differs from the manifest"
        try:
            rows = pq.read_metadata(path).num_rows
        except Exception:  # pyarrow raises many types for a damaged file
            return "not a readable Parquet file"
        if "rows" in entry and rows != entry["rows"]:
            return f"{rows:,} rows, the manifest says {entry['rows']:,}"
        return None

    def verify(self, folder: Path) -> dict[str, str | None]:
        """Every table of version `folder` checked against its manifest: {table: problem or None}."""
        try:
            manifest = self.manifest(folder)
        except IngestError as exc:
            return {MANIFEST: str(exc)}
        return {name: self.check(name, folder, entry) for name, entry in sorted(manifest.get("tables", {}).items())}

    def problems(self) -> list[str]:
        """What is wrong with the current version, one line each naming the file (empty: all is well)."""
        out = [note] if (note := self.recovered_note()) else []
        folder = self.current_dir()
        if folder is None:
            return out
        for name, problem in self.verify(folder).items():
            if problem:
                out.append(f"{self._shown(folder, name)}: damaged ({problem})")
        return out

    def verify_report(self) -> tuple[list[str], bool]:
        """Every version's files checked against its manifest: (lines to print, True when all are intact)."""
        current, pointed = self.current_dir(), self.pointer()
        lines, ok = [], True
        if self.pointer_lost():
            ok = False
            lines.append(f"pointer: {self.recovered_note()}")
        folders = self.versions() if self.versions() or current is None else [current]
        for folder in folders:
            label = []
            if folder == current:
                label.append("current" if pointed is not None else "current, recovered")
            elif (current is not None and version_key(folder) > version_key(current)
                  and not (folder / COMMITTED).exists()):
                label.append("never made current: removed by the next ingest")
            name = folder.name if folder != self.root else self.manifest(folder).get("version", "?")
            lines.append(f"version {name}" + (f" ({', '.join(label)})" if label else ""))
            for name, problem in self.verify(folder).items():
                ok = ok and problem is None
                lines.append(f"  {'ok     ' if problem is None else 'DAMAGED'} {self._shown(folder, name)}"
                             + (f": {problem}" if problem else ""))
        for folder in sorted((self.root / "versions").glob(".tmp-*")):
            lines.append(f"leftover {folder.name}: an interrupted ingest's folder, removed by the next ingest")
        return lines, ok

    def _shown(self, folder: Path, name: str) -> str:
        """A table's file as shown to users: relative to the data directory."""
        path = folder / (name if name == MANIFEST else f"tables/{name}.parquet")
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    # ---- reading -----------------------------------------------------------------------------
    def read(self, name: str, folder: Path | None = None, *, checked: bool = False) -> pd.DataFrame:
        """Read, check against the manifest and validate one table of the current (or given) version
        (`checked=True`: the caller has just checked it)."""
        folder = folder or self.current_dir()
        if folder is None:
            raise IngestError(f"{self.root}: no tables here; run `python -m ingest` first")
        path = folder / "tables" / f"{name}.parquet"
        entry = self.manifest(folder).get("tables", {}).get(name)
        if entry is None or not path.exists():
            raise IngestError(f"{path}: table {name} was not ingested into {self.root}")
        problem = None if checked else self.check(name, folder, entry)
        if problem:
            raise IngestError(f"{path}: damaged ({problem}); run `python -m ingest verify`, then re-run the ingest")
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises many types for a damaged file
            raise IngestError(f"{path}: cannot read the table ({exc}); re-run the ingest") from None
        return validate(name, frame, where=str(path))

    def read_all(self) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
        """Every table of one consistent version, with that version's manifest (IngestError if one is damaged)."""
        folder = self.current_dir()
        if folder is None:
            return {}, {}
        manifest = self.manifest(folder)
        return {name: self.read(name, folder) for name in manifest.get("tables", {})}, manifest

    def intact(self, name: str, start: Path) -> tuple[Path, dict[str, Any]] | None:
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
        """Every table of the current version, each checked; a damaged one is read from the newest older
        version where it is intact (or left out when there is none). Returns (tables, entries) where
        entries[table] is the manifest entry it was read by, plus `version` (the folder it came from),
        `problem` (what is wrong with the current version's copy) and `recovered` (pointer lost)."""
        folder = self.current_dir()
        if folder is None:
            return {}, {}
        manifest = self.manifest(folder)
        recovered = self.recovered_note()
        tables: dict[str, pd.DataFrame] = {}
        entries: dict[str, dict[str, Any]] = {}
        for name, entry in manifest.get("tables", {}).items():
            problem = self.check(name, folder, entry)
            source, used = folder, entry
            if problem:
                path = folder / "tables" / f"{name}.parquet"
                found = self.intact(name, folder)
                where = f"served from version {found[0].name}" if found else "no intact copy in any version"
                _warn_once(self.root, f"{path.relative_to(self.root)}: damaged ({problem}); {where}")
                if found is None:
                    entries[name] = dict(entry, version=folder.name, problem=problem, unavailable=True)
                    continue
                source, used = found
            tables[name] = self.read(name, source, checked=True)
            entries[name] = dict(used, version=source.name if source != self.root else manifest.get("version"))
            if problem:
                entries[name]["problem"] = problem
                entries[name]["current_version"] = folder.name
            if recovered:
                entries[name]["recovered"] = recovered
        return tables, entries

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

    def write(
        self,
        tables: dict[str, pd.DataFrame],
        inputs: dict[str, list[dict[str, Any]]],
        *,
        now: datetime | None = None,
        notes: dict[str, list[str]] | None = None,
        layout: str = "versioned",
        keep: int = 0,
        merge: Callable[[str, pd.DataFrame, pd.DataFrame | None], tuple[pd.DataFrame, str]] | None = None,
    ) -> Path:
        """Validate and write `tables` as a new version; returns the version folder.

        `inputs[table]` lists the files or URLs the table came from, each a dict with
        `url` or `file`, `sha256` and `retrieved_at`. `layout="flat"` writes DIR/tables and
        DIR/manifest.json directly (the bundled snapshot), replacing what was there. `keep` > 0
        prunes all but that many versions afterwards (see `prune`). A data directory that cannot be
        written to gives an IngestError saying so (nothing was written). `merge(table, new, current)`,
        when given, runs under the lock with the current version's table (None when there is none) and
        returns the table to write and a note for the manifest (see ingest.merge).
        """
        now = now or datetime.now(timezone.utc)
        checked = {name: validate(name, frame) for name, frame in tables.items()}
        try:
            return self._write(checked, inputs, now, notes or {}, layout, keep, merge)
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT):
                raise IngestError(f"cannot write to {self.root}: {exc.strerror or exc}; nothing was written") from None
            raise

    def _merged(self, checked: dict[str, pd.DataFrame], inputs: dict[str, list[dict[str, Any]]],
                notes: dict[str, list[str]], previous: Path | None, old_manifest: dict[str, Any],
                merge: Callable[[str, pd.DataFrame, pd.DataFrame | None], tuple[pd.DataFrame, str]]
                ) -> tuple[dict[str, pd.DataFrame], dict[str, list[dict[str, Any]]], dict[str, list[str]]]:
        """The new tables merged into the current version's (read and checked under the lock); inputs
        and notes of a merged table keep the earlier ingests' provenance."""
        out_tables, out_inputs, out_notes = dict(checked), dict(inputs), dict(notes)
        for table, frame in checked.items():
            entry = old_manifest.get("tables", {}).get(table) if previous else None
            found = self.intact(table, previous) if entry else None
            current = self.read(table, found[0]) if found else None
            merged, note = merge(table, frame, current)
            out_tables[table] = validate(table, merged)
            if current is not None:
                seen = {i.get("sha256") for i in inputs.get(table, [])}
                out_inputs[table] = list(inputs.get(table, [])) + [i for i in found[1].get("inputs", [])
                                                                   if i.get("sha256") not in seen]
            out_notes[table] = [note, *notes.get(table, [])]
        return out_tables, out_inputs, out_notes

    def _write(self, checked: dict[str, pd.DataFrame], inputs: dict[str, list[dict[str, Any]]], now: datetime,
               notes: dict[str, list[str]], layout: str, keep: int,
               merge: Callable[[str, pd.DataFrame, pd.DataFrame | None], tuple[pd.DataFrame, str]] | None = None
               ) -> Path:
        self.warnings = []
        with self.lock():
            versioned = layout == "versioned"
            if versioned:
                self.clean()
            previous = self.current_dir() if versioned else None
            old_manifest = self.manifest(previous) if previous else {}
            if merge is not None:
                checked, inputs, notes = self._merged(checked, inputs, notes, previous, old_manifest, merge)
            stamp = _utc_stamp(now)
            sequence = max([version_key(v)[0] for v in self.versions()] + [0]) + 1
            name = f"{sequence:06d}-{stamp}"
            tmp = self.root / ("versions" if versioned else ".") / f".tmp-{name}-{os.getpid()}"
            try:
                (tmp / "tables").mkdir(parents=True)
                entries: dict[str, Any] = {}
                for table, frame in checked.items():
                    path = tmp / "tables" / f"{table}.parquet"
                    frame.to_parquet(path, index=False)
                    entries[table] = self._entry(table, frame, path, inputs.get(table, []), now,
                                                 notes.get(table, []))
                    if not versioned:  # the bundled snapshot's manifest stays as it was (sha256 covers it)
                        entries[table].pop("bytes")
                for table in old_manifest.get("tables", {}):
                    if table in entries or previous is None:
                        continue
                    found = self.intact(table, previous)
                    if found is None:
                        self.warnings.append(f"{table}: damaged in every kept version, not carried over; "
                                             "ingest its source again")
                        log.warning("%s: %s", self.root, self.warnings[-1])
                        continue
                    source, entry = found
                    if source != previous:
                        self.warnings.append(f"{table}: damaged in version {previous.name}; carried over "
                                             f"from version {source.name}")
                    copy_file(source / "tables" / f"{table}.parquet", tmp / "tables" / f"{table}.parquet")
                    entries[table] = dict(entry, bytes=(tmp / "tables" / f"{table}.parquet").stat().st_size)
                manifest = {
                    "schema_version": SCHEMA_VERSION,
                    "version": name if versioned else stamp,
                    **({"sequence": sequence, "previous": previous.name if previous else None} if versioned else {}),
                    "written_at": now.isoformat(timespec="seconds"),
                    "tables": dict(sorted(entries.items())),
                }
                (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                            encoding="utf-8")
                # Check what the new version holds before making it current: the tables written now
                # were validated above, so their footers suffice; carried-over ones are read and validated.
                for table in entries:
                    if table in checked:
                        _check_written(tmp / "tables" / f"{table}.parquet", checked[table])
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
                    shutil.rmtree(tmp, ignore_errors=True)
            # The version is current now: what follows must not fail the ingest.
            try:
                (final / COMMITTED).write_text(f"{sequence}\n", encoding="utf-8")
                if keep > 0:
                    self.prune(keep)
            except OSError as exc:
                self.warnings.append(f"version {name} is current, but marking it or pruning old versions failed "
                                     f"({exc.strerror or exc})")
                log.warning("%s: %s", self.root, self.warnings[-1])
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
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder.name)
        current = self.current_dir()
        if current is not None and base in current.parents:
            for folder in self.versions():
                if version_key(folder) > version_key(current) and not (folder / COMMITTED).exists():
                    shutil.rmtree(folder, ignore_errors=True)
                    removed.append(folder.name)
        for name in removed:
            log.warning("%s: removed %s, left by an interrupted ingest", self.root, name)
        return removed

    def prune(self, keep: int) -> list[str]:
        """Delete all but the newest `keep` versions (call with the lock held); the current version and
        the ones it falls back to (its previous version, and where a damaged table is served from) stay."""
        current = self.current_dir()
        versions = self.versions()
        if current is None or keep <= 0 or len(versions) <= keep:
            return []
        protect = {current}
        before = self.previous(current)
        if before is not None:
            protect.add(before)
        for name, problem in self.verify(current).items():
            if problem and name != MANIFEST:
                found = self.intact(name, current)
                if found is not None:
                    protect.add(found[0])
        kept = set(versions[-keep:]) | protect
        removed = []
        for folder in versions:
            if folder not in kept:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder.name)
        return removed

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
            "bytes": path.stat().st_size,
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
    `origin` ("ingested" or "snapshot") and `version`; every table is checked against its manifest
    first (see `Store.load`): `problem` says what was wrong with the current copy of a table served
    from an older version (or from the snapshot, or not at all), `recovered` that the pointer to the
    current version was lost."""
    tables: dict[str, pd.DataFrame] = {}
    provenance: dict[str, dict[str, Any]] = {}
    for origin, store in (("snapshot", Store(snapshot_dir())), ("ingested", Store.for_url(data_dir))):
        if isinstance(store, Store) and Path(store.root).resolve() == snapshot_dir().resolve() and origin == "ingested":
            continue
        found, entries = store.load()
        for name, entry in entries.items():
            entry = dict(entry, origin=origin, data_dir=str(getattr(store, "url", store.root)))
            if name in found:
                tables[name] = found[name]
                provenance[name] = entry
            elif name in provenance:  # damaged everywhere here: the snapshot's copy, saying why
                provenance[name] = dict(provenance[name], problem=entry["problem"],
                                        current_version=entry["version"], problem_origin=origin)
            else:
                provenance[name] = dict(entry, origin="missing", rows=0)
    return tables, provenance
