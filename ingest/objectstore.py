"""Tidy tables in an object store: `--data-dir s3://bucket/prefix` (or any other fsspec URL).

Layout under the prefix (the same versions as a local data directory, with a pointer object instead
of symlinks):

    PREFIX/versions/<seq>-<stamp>/tables/<table>.parquet   one folder per ingest, never changed once written
    PREFIX/versions/<seq>-<stamp>/manifest.json            provenance: rows, bytes, sha256, inputs (written last)
    PREFIX/versions/<seq>-<stamp>/COMMITTED                written once the version was made current
    PREFIX/CURRENT                                         the current version's name, one line

An ingest uploads a complete new version folder, checks what it uploaded, and only then replaces the
one small CURRENT object (a single PUT, atomic in S3). Readers read CURRENT, then that version's
manifest and tables, so they never see a half-written version, and one load reads one version only.
A killed ingest leaves the last good version current; its partial folder is removed by the next ingest.

S3 has no lock. Two ingests into the same URL at once are kept apart by a conditional PUT of CURRENT
(If-Match the pointer read when the ingest started, If-None-Match for the first one): the second to
finish fails with a message and removes its folder, so neither ingest's rows are lost by the other's
merge. Backends without conditional writes (memory://, file://) fall back to a plain PUT: the last
ingest to finish wins.

Credentials and endpoint come from the standard AWS variables and files (AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_ENDPOINT_URL, AWS_REGION, AWS_PROFILE, ~/.aws/...), as
botocore reads them. They are never part of what is shown: `redact` drops user info and query from a URL.
"""
from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import time
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Any, Callable
from urllib.parse import urlsplit, urlunsplit

import pandas as pd
import pyarrow.parquet as pq

from .errors import IngestError
from .schemas import SCHEMA_VERSION, validate
from .store import COMMITTED, MANIFEST, _NUMBERED, _utc_stamp, _warn_once, version_key

CURRENT = "CURRENT"
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_NO_LISTING_CACHE = {"s3", "s3a", "gs", "gcs", "abfs", "az", "adl"}
PAUSE_ENV = "HUMDASH_TEST_UPLOAD_PAUSE"
"""Tests only: seconds to sleep after the first table of a new version is uploaded (to kill an ingest half way)."""

log = logging.getLogger(__name__)


def is_url(location: Any) -> bool:
    """True for an object store URL (scheme://...), False for a local path."""
    return isinstance(location, str) and bool(_URL.match(location))


def location(text: str | Path) -> str | Path:
    """A --data-dir / HUMDASH_DATA_DIR value: a URL stays a string, anything else is a Path."""
    return text if is_url(text) else Path(text)


def redact(url: str) -> str:
    """`url` as shown to people and logs: no user info (credentials), query or fragment."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def shown(data_dir: str | Path) -> str:
    """A data directory as logged and shown: a URL without credentials, a path as it is."""
    return redact(data_dir) if is_url(data_dir) else str(data_dir)


def open_store(data_dir: str | Path):
    """The store of a data directory: `ObjectStore` for a URL, the local `Store` otherwise."""
    from .store import Store

    return ObjectStore(str(data_dir)) if is_url(data_dir) else Store(data_dir)


def _describe(exc: BaseException) -> str:
    """One line saying what went wrong talking to the object store (no credentials in it)."""
    name = type(exc).__name__
    text = str(exc).splitlines()[0] if str(exc) else name
    if isinstance(exc, FileNotFoundError):
        return f"not found ({text})"
    if isinstance(exc, PermissionError) or name in ("NoCredentialsError", "PartialCredentialsError"):
        return f"access denied ({text}); check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the AWS profile"
    if name in ("EndpointConnectionError", "ConnectTimeoutError", "ClientConnectorError"):
        return f"cannot connect ({text}); check AWS_ENDPOINT_URL"
    return text


class ObjectStore:
    """Reads and writes the tidy tables under one object store URL (the local `Store`'s methods)."""

    def __init__(self, url: str) -> None:
        self.url = redact(url.rstrip("/"))
        try:
            import fsspec
        except ImportError:  # pragma: no cover - fsspec comes with s3fs
            raise IngestError(f"{self.url}: an object store needs fsspec and s3fs: pip install 'humdash[s3]'") from None
        protocol = url.split("://", 1)[0].lower()
        options: dict[str, Any] = {"use_listings_cache": False} if protocol in _NO_LISTING_CACHE else {}
        if protocol == "file":
            options["auto_mkdir"] = True
        try:
            self.fs, path = fsspec.core.url_to_fs(url.rstrip("/"), **options)
        except ImportError as exc:
            raise IngestError(f"{self.url}: {protocol}:// needs an extra package ({exc}); for S3: "
                              "pip install 'humdash[s3]'") from None
        except Exception as exc:
            raise IngestError(f"{self.url}: cannot open ({_describe(exc)})") from None
        self.root = PurePosixPath(path.rstrip("/") or "/")
        self.conditional = protocol in ("s3", "s3a")
        self.warnings: list[str] = []

    def __repr__(self) -> str:
        return f"ObjectStore({self.url!r})"

    # ---- low level ---------------------------------------------------------------------------
    def _shown(self, key: PurePosixPath | str) -> str:
        """An object's key as shown to users: relative to the store's URL."""
        try:
            return str(PurePosixPath(key).relative_to(self.root))
        except ValueError:
            return str(key)

    def _get(self, key: PurePosixPath | str) -> bytes:
        return self.fs.cat_file(str(key))

    def _put(self, key: PurePosixPath | str, data: bytes) -> None:
        self.fs.pipe_file(str(key), data)

    def _pointer_object(self, with_etag: bool = False) -> tuple[str | None, str | None]:
        """(CURRENT's content, its etag when asked for and the backend has them); (None, None) when
        there is none. The etag is read before and after the content, so the two go together."""
        key = str(self.root / CURRENT)
        try:
            etag = self.fs.info(key).get("ETag") if with_etag and self.conditional else None
            data = self.fs.cat_file(key)
            if etag is not None and self.fs.info(key).get("ETag") != etag:  # replaced in between: again
                return self._pointer_object(with_etag)
        except FileNotFoundError:
            return None, None
        return data.decode("utf-8", "replace").strip(), etag

    def check_access(self, then: str = "nothing was written") -> None:
        """IngestError naming the URL when the bucket is missing or the credentials are refused."""
        bucket = self.root.parts[0] if self.root.parts else ""
        try:
            if self.conditional:
                self.fs.call_s3("head_bucket", Bucket=bucket)
            elif not self.fs.exists(str(self.root)) and not self.fs.exists(bucket):
                raise FileNotFoundError(bucket)
        except Exception as exc:
            reason = _describe(exc)
            if isinstance(exc, FileNotFoundError):
                reason = f"the bucket {bucket!r} does not exist (or is not visible with these credentials)"
            raise IngestError(f"{self.url}: {reason}; {then}") from None

    # ---- finding the current version ---------------------------------------------------------
    def pointer(self) -> PurePosixPath | None:
        """The version folder CURRENT names (None when there is no CURRENT or it is garbled)."""
        name, _etag = self._pointer_object()
        if name is None:
            return None
        if not _NUMBERED.match(name):
            _warn_once(Path(self.url), f"{CURRENT} holds {name[:40]!r}, not a version name; not used")
            return None
        return self.root / "versions" / name

    def pointer_lost(self) -> bool:
        return self.pointer() is None and bool(self.versions())

    def current_dir(self) -> PurePosixPath | None:
        folder = self.pointer()
        return folder if folder is not None else self.recover()

    def recover(self) -> PurePosixPath | None:
        """The current version when CURRENT is lost: the highest committed version whose tables verify."""
        versions = self.versions()
        committed = [v for v in versions if self.fs.exists(str(v / COMMITTED))] or versions
        for folder in reversed(committed):
            if not any(self.verify(folder).values()):
                _warn_once(Path(self.url), f"{CURRENT} (the pointer to the current version) is missing or "
                                           f"broken; serving version {folder.name}, the newest committed one "
                                           "whose tables verify")
                return folder
        return None

    def recovered_note(self) -> str | None:
        if not self.pointer_lost():
            return None
        folder = self.recover()
        if folder is None:
            return f"the pointer to the current version ({CURRENT}) is lost or unreadable and no version verifies"
        return (f"the pointer to the current version ({CURRENT}) is lost or unreadable; version {folder.name} "
                "(the newest committed one whose tables verify) is served; the next ingest restores it")

    def version_token(self) -> str | None:
        """Changes whenever a new version is made current: CURRENT's content and etag (one small GET).
        Never raises: an unreachable store gives a token of its own (the app then tries to reload and
        keeps serving what it has, saying why)."""
        try:
            name, _etag = self._pointer_object()
            if name is None:
                names = [v.name for v in self.versions()]
                return f"lost:{','.join(names)}" if names else None
            return f"{self.url}:{name}"
        except Exception as exc:
            return f"unreachable:{type(exc).__name__}"

    def manifest(self, folder: PurePosixPath | None = None) -> dict[str, Any]:
        folder = folder or self.current_dir()
        if folder is None:
            return {}
        key = folder / MANIFEST
        try:
            return json.loads(self._get(key).decode("utf-8"))
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            raise IngestError(f"{self.url}/{self._shown(key)}: cannot read the manifest ({_describe(exc)}); "
                              "re-run the ingest") from None

    def tables(self) -> list[str]:
        return sorted(self.manifest().get("tables", {}))

    def versions(self) -> list[PurePosixPath]:
        """Every version folder (numbered), oldest first."""
        try:
            found = self.fs.ls(str(self.root / "versions"), detail=False)
        except FileNotFoundError:
            return []
        names = {PurePosixPath(p).name for p in found}
        return sorted((self.root / "versions" / n for n in names if _NUMBERED.match(n)), key=version_key)

    def previous(self, folder: PurePosixPath) -> PurePosixPath | None:
        try:
            manifest = self.manifest(folder)
        except IngestError:
            manifest = {}
        versions = self.versions()
        if "previous" in manifest:
            name = manifest["previous"]
            return self.root / "versions" / name if name and self.root / "versions" / name in versions else None
        older = [v for v in versions if version_key(v) < version_key(folder)]
        return older[-1] if older else None

    # ---- checking ----------------------------------------------------------------------------
    def _fetch(self, name: str, folder: PurePosixPath, entry: dict[str, Any]) -> tuple[bytes | None, str | None]:
        """(the table's bytes, what is wrong with them against the manifest entry or None)."""
        try:
            data = self._get(folder / "tables" / f"{name}.parquet")
        except FileNotFoundError:
            return None, "file missing"
        except OSError as exc:
            return None, f"cannot read ({_describe(exc)})"
        if "bytes" in entry and len(data) != entry["bytes"]:
            return data, f"{len(data):,} bytes, the manifest says {entry['bytes']:,}"
        if entry.get("sha256") and hashlib.sha256(data).hexdigest() != entry["sha256"]:
            return data, "checksum (sha256) differs from the manifest"
        try:
            rows = pq.read_metadata(io.BytesIO(data)).num_rows
        except Exception:  # pyarrow raises many types for a damaged file
            return data, "not a readable Parquet file"
        if "rows" in entry and rows != entry["rows"]:
            return data, f"{rows:,} rows, the manifest says {entry['rows']:,}"
        return data, None

    def check(self, name: str, folder: PurePosixPath, entry: dict[str, Any]) -> str | None:
        return self._fetch(name, folder, entry)[1]

    def verify(self, folder: PurePosixPath) -> dict[str, str | None]:
        try:
            manifest = self.manifest(folder)
        except IngestError as exc:
            return {MANIFEST: str(exc)}
        return {name: self.check(name, folder, entry) for name, entry in sorted(manifest.get("tables", {}).items())}

    def problems(self) -> list[str]:
        try:
            self.check_access("nothing can be read")
        except IngestError as exc:
            return [str(exc)]
        out = [note] if (note := self.recovered_note()) else []
        folder = self.current_dir()
        if folder is None:
            return out
        for name, problem in self.verify(folder).items():
            if problem:
                out.append(f"{self._shown(folder / 'tables' / f'{name}.parquet')}: damaged ({problem})")
        return out

    def verify_report(self) -> tuple[list[str], bool]:
        try:
            self.check_access("nothing can be read")
        except IngestError as exc:
            return [str(exc)], False
        current, pointed = self.current_dir(), self.pointer()
        lines, ok = [], True
        if self.pointer_lost():
            ok = False
            lines.append(f"pointer: {self.recovered_note()}")
        for folder in self.versions():
            label = []
            if folder == current:
                label.append("current" if pointed is not None else "current, recovered")
            elif not self.fs.exists(str(folder / COMMITTED)):
                label.append("never made current: removed by the next ingest")
            lines.append(f"version {folder.name}" + (f" ({', '.join(label)})" if label else ""))
            for name, problem in self.verify(folder).items():
                ok = ok and problem is None
                shown = self._shown(folder / (name if name == MANIFEST else f"tables/{name}.parquet"))
                lines.append(f"  {'ok     ' if problem is None else 'DAMAGED'} {shown}"
                             + (f": {problem}" if problem else ""))
        return lines, ok

    # ---- reading -----------------------------------------------------------------------------
    def _frame(self, name: str, key: PurePosixPath, data: bytes) -> pd.DataFrame:
        try:
            frame = pd.read_parquet(io.BytesIO(data))
        except Exception as exc:  # pyarrow raises many types for a damaged file
            raise IngestError(f"{self.url}/{self._shown(key)}: cannot read the table ({exc}); "
                              "re-run the ingest") from None
        return validate(name, frame, where=f"{self.url}/{self._shown(key)}")

    def read(self, name: str, folder: PurePosixPath | None = None, *, checked: bool = False) -> pd.DataFrame:
        """Read, check against the manifest and validate one table of the current (or given) version."""
        folder = folder or self.current_dir()
        if folder is None:
            raise IngestError(f"{self.url}: no tables here; run `python -m ingest` first")
        key = folder / "tables" / f"{name}.parquet"
        entry = self.manifest(folder).get("tables", {}).get(name)
        if entry is None:
            raise IngestError(f"{self.url}/{self._shown(key)}: table {name} was not ingested into {self.url}")
        data, problem = self._fetch(name, folder, entry)
        if data is None or (problem and not checked):
            raise IngestError(f"{self.url}/{self._shown(key)}: damaged ({problem}); run `python -m ingest verify`, "
                              "then re-run the ingest")
        return self._frame(name, key, data)

    def read_all(self) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
        folder = self.current_dir()
        if folder is None:
            return {}, {}
        manifest = self.manifest(folder)
        return {name: self.read(name, folder) for name in manifest.get("tables", {})}, manifest

    def intact(self, name: str, start: PurePosixPath) -> tuple[PurePosixPath, dict[str, Any]] | None:
        older = [v for v in self.versions() if version_key(v) < version_key(start)]
        for folder in [start, *reversed(older)]:
            try:
                entry = self.manifest(folder).get("tables", {}).get(name)
            except IngestError:
                continue
            if entry is not None and self.check(name, folder, entry) is None:
                return folder, entry
        return None

    def load(self) -> tuple[dict[str, pd.DataFrame], dict[str, dict[str, Any]]]:
        """Every table of the current version (CURRENT is read once, so one load is one version), each
        checked; a damaged one comes from the newest older version where it is intact. An unreachable
        store (no bucket, credentials refused) is an IngestError naming the URL."""
        try:
            return self._load()
        except IngestError:
            raise
        except Exception as exc:  # no bucket, credentials refused, endpoint down: say so, naming the URL
            raise IngestError(f"{self.url}: cannot read the data ({_describe(exc)})") from None

    def _load(self) -> tuple[dict[str, pd.DataFrame], dict[str, dict[str, Any]]]:
        folder, recovered = self.pointer(), None  # CURRENT is read once: everything below is that version
        if folder is None:
            folder = self.recover()
            recovered = self.recovered_note() if folder is not None else None
        if folder is None:
            return {}, {}
        manifest = self.manifest(folder)
        tables: dict[str, pd.DataFrame] = {}
        entries: dict[str, dict[str, Any]] = {}
        for name, entry in manifest.get("tables", {}).items():
            key = folder / "tables" / f"{name}.parquet"
            data, problem = self._fetch(name, folder, entry)
            source, used = folder, entry
            if problem:
                found = self.intact(name, folder)
                where = f"served from version {found[0].name}" if found else "no intact copy in any version"
                _warn_once(Path(self.url), f"{self._shown(key)}: damaged ({problem}); {where}")
                if found is None:
                    entries[name] = dict(entry, version=folder.name, problem=problem, unavailable=True)
                    continue
                source, used = found
                data, _ = self._fetch(name, source, used)
            tables[name] = self._frame(name, source / "tables" / f"{name}.parquet", data)
            entries[name] = dict(used, version=source.name)
            if problem:
                entries[name]["problem"] = problem
                entries[name]["current_version"] = folder.name
            if recovered:
                entries[name]["recovered"] = recovered
        return tables, entries

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
        merge: Callable[[str, pd.DataFrame, pd.DataFrame | None], tuple[pd.DataFrame, str]] | None = None,
    ) -> PurePosixPath:
        """Validate and upload `tables` as a new version, then point CURRENT at it (see the module doc)."""
        if layout != "versioned":
            raise IngestError(f"{self.url}: the bundled snapshot is written to a local folder, not an object store")
        now = now or datetime.now(timezone.utc)
        checked = {name: validate(name, frame) for name, frame in tables.items()}
        self.check_access()
        try:
            return self._write(checked, inputs, now, notes or {}, keep, merge)
        except IngestError:
            raise
        except Exception as exc:
            raise IngestError(f"{self.url}: the upload failed ({_describe(exc)}); the current version is "
                              "unchanged") from None

    def _write(self, checked: dict[str, pd.DataFrame], inputs: dict[str, list[dict[str, Any]]], now: datetime,
               notes: dict[str, list[str]], keep: int,
               merge: Callable[[str, pd.DataFrame, pd.DataFrame | None], tuple[pd.DataFrame, str]] | None
               ) -> PurePosixPath:
        from .store import Store

        self.warnings = []
        pointed, etag = self._pointer_object(with_etag=True)
        previous = self.current_dir()
        self._clean(previous)
        old_manifest = self.manifest(previous) if previous else {}
        if merge is not None:  # the local Store's merge, with this store's reads
            checked, inputs, notes = Store._merged(self, checked, inputs, notes, previous, old_manifest, merge)
        versions = self.versions()
        sequence = max([version_key(v)[0] for v in versions] + [version_key(previous)[0] if previous else 0, 0]) + 1
        name = f"{sequence:06d}-{_utc_stamp(now)}"
        final = self.root / "versions" / name
        try:
            entries: dict[str, Any] = {}
            sizes: dict[str, int] = {}
            for i, (table, frame) in enumerate(checked.items()):
                buffer = io.BytesIO()
                frame.to_parquet(buffer, index=False)
                data = buffer.getvalue()
                self._put(final / "tables" / f"{table}.parquet", data)
                sizes[table] = len(data)
                entries[table] = self._entry(table, frame, data, inputs.get(table, []), now, notes.get(table, []))
                if i == 0 and os.environ.get(PAUSE_ENV):
                    time.sleep(float(os.environ[PAUSE_ENV]))
            for table in old_manifest.get("tables", {}):
                if table in entries or previous is None:
                    continue
                found = self.intact(table, previous)
                if found is None:
                    self.warnings.append(f"{table}: damaged in every kept version, not carried over; "
                                         "ingest its source again")
                    log.warning("%s: %s", self.url, self.warnings[-1])
                    continue
                source, entry = found
                if source != previous:
                    self.warnings.append(f"{table}: damaged in version {previous.name}; carried over "
                                         f"from version {source.name}")
                self.fs.copy(str(source / "tables" / f"{table}.parquet"), str(final / "tables" / f"{table}.parquet"))
                entries[table] = dict(entry)
                sizes[table] = int(entry["bytes"])
            manifest = {
                "schema_version": SCHEMA_VERSION,
                "version": name,
                "sequence": sequence,
                "previous": previous.name if previous else None,
                "written_at": now.isoformat(timespec="seconds"),
                "tables": dict(sorted(entries.items())),
            }
            self._put(final / MANIFEST, (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
            # What was uploaded, checked before it is made current: every table there, at its size.
            found = {PurePosixPath(i["name"]).name: int(i["size"])
                     for i in self.fs.ls(str(final / "tables"), detail=True)}
            for table, size in sizes.items():
                if found.get(f"{table}.parquet") != size:
                    raise IngestError(f"{self.url}/{self._shown(final / 'tables' / f'{table}.parquet')}: "
                                      f"uploaded {found.get(f'{table}.parquet')} bytes, not {size}; the current "
                                      "version is unchanged, re-run the ingest")
            self._point(name, pointed, etag)
        except BaseException:
            self._remove(final)
            raise
        # The version is current now: what follows must not fail the ingest.
        try:
            self._put(final / COMMITTED, f"{sequence}\n".encode())
            self._clean(final)
            if keep > 0:
                self.prune(keep)
        except Exception as exc:
            self.warnings.append(f"version {name} is current, but marking it or removing old versions failed "
                                 f"({_describe(exc)})")
            log.warning("%s: %s", self.url, self.warnings[-1])
        return final

    def _point(self, name: str, pointed: str | None, etag: str | None) -> None:
        """Make version `name` current: one PUT of CURRENT, conditional on S3 (no other ingest in between)."""
        key = str(self.root / CURRENT)
        body = f"{name}\n".encode()
        if not self.conditional:
            self._put(key, body)
            return
        bucket, _, object_key = key.partition("/")
        condition = {"IfMatch": etag} if pointed is not None and etag else {"IfNoneMatch": "*"}
        try:
            self.fs.call_s3("put_object", Bucket=bucket, Key=object_key, Body=body, **condition)
        except (FileExistsError, OSError) as exc:
            if "pre-condition" in str(exc) or "PreconditionFailed" in str(exc) or isinstance(exc, FileExistsError):
                now_current, _ = self._pointer_object()
                raise IngestError(f"{self.url}: another ingest made version {now_current} current while this one "
                                  "was uploading; nothing was changed, re-run this ingest (it merges into that "
                                  "version)") from None
            raise
        self.fs.invalidate_cache()

    def _remove(self, folder: PurePosixPath) -> None:
        try:
            if self.fs.exists(str(folder)):
                self.fs.rm(str(folder), recursive=True)
        except Exception as exc:  # best effort: the next ingest removes it
            log.warning("%s: could not remove %s (%s)", self.url, folder.name, _describe(exc))

    def _clean(self, current: PurePosixPath | None) -> list[str]:
        """Remove folders older than `current` that were never made current (interrupted or beaten
        ingests): with the conditional pointer they can never become current. Newer ones may belong to
        an ingest still uploading and are left alone."""
        if current is None:
            return []
        protect = {current}
        before = self.previous(current)
        if before is not None:
            protect.add(before)
        removed = []
        for folder in self.versions():
            if (version_key(folder) < version_key(current) and folder not in protect
                    and not self.fs.exists(str(folder / COMMITTED))):
                self._remove(folder)
                removed.append(folder.name)
                log.warning("%s: removed %s, left by an interrupted ingest", self.url, folder.name)
        return removed

    def prune(self, keep: int) -> list[str]:
        """Delete all but the newest `keep` versions up to the current one; the current version and the
        one it was built on stay; newer folders (an ingest still uploading) are not touched."""
        current = self.current_dir()
        if current is None or keep <= 0:
            return []
        versions = [v for v in self.versions() if version_key(v) <= version_key(current)]
        if len(versions) <= keep:
            return []
        protect = {current}
        before = self.previous(current)
        if before is not None:
            protect.add(before)
        kept = set(versions[-keep:]) | protect
        removed = []
        for folder in versions:
            if folder not in kept:
                self._remove(folder)
                removed.append(folder.name)
        return removed

    def _entry(self, name: str, frame: pd.DataFrame, data: bytes, inputs: list[dict[str, Any]],
               now: datetime, notes: list[str]) -> dict[str, Any]:
        from .schemas import LICENCES, SOURCE_OF

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
            "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "notes": notes,
        }
