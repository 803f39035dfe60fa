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

import logging
import time
from pathlib import PurePosixPath
from typing import Any

import pandas as pd

from ..errors import IngestError
from ..settings import Settings
from .backend import ObjectFiles, describe
from .layout import COMMITTED, CURRENT, NUMBERED, table_file, utc_stamp, version_key
from .versions import Batch, Merge, VersionedStore, warn_once


class ObjectStore(VersionedStore[PurePosixPath]):
    """Reads and writes the tidy tables under one object store URL (the local `Store`'s methods)."""

    POINTER = CURRENT
    log = logging.getLogger("ingest.objectstore")

    def __init__(self, url: str) -> None:
        files = ObjectFiles(url)
        super().__init__(files.root, files)
        self.url, self.fs, self.conditional = files.url, files.fs, files.conditional

    def __repr__(self) -> str:
        return f"ObjectStore({self.url!r})"

    # ---- the pointer -------------------------------------------------------------------------
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
            reason = describe(exc)
            if isinstance(exc, FileNotFoundError):
                reason = f"the bucket {bucket!r} does not exist (or is not visible with these credentials)"
            raise IngestError(f"{self.url}: {reason}; {then}") from None

    def _access_problem(self) -> str | None:
        try:
            self.check_access("nothing can be read")
        except IngestError as exc:
            return str(exc)
        return None

    def pointer(self) -> PurePosixPath | None:
        """The version folder CURRENT names (None when there is no CURRENT or it is garbled)."""
        name, _etag = self._pointer_object()
        if name is None:
            return None
        if not NUMBERED.match(name):
            warn_once(self.log, self.label, f"{CURRENT} holds {name[:40]!r}, not a version name; not used")
            return None
        return self.root / "versions" / name

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

    def versions(self) -> list[PurePosixPath]:
        """Every version folder (numbered), oldest first."""
        try:
            found = self.fs.ls(str(self.root / "versions"), detail=False)
        except FileNotFoundError:
            return []
        names = {PurePosixPath(p).name for p in found}
        return sorted((self.root / "versions" / n for n in names if NUMBERED.match(n)), key=version_key)

    # ---- reading -----------------------------------------------------------------------------
    def load(self) -> tuple[dict[str, pd.DataFrame], dict[str, dict[str, Any]]]:
        """Every table of the current version (CURRENT is read once, so one load is one version), each
        checked; a damaged one comes from the newest older version where it is intact. An unreachable
        store (no bucket, credentials refused) is an IngestError naming the URL."""
        try:
            return super().load()
        except IngestError:
            raise
        except Exception as exc:  # no bucket, credentials refused, endpoint down: say so, naming the URL
            raise IngestError(f"{self.url}: cannot read the data ({describe(exc)})") from None

    # ---- writing -----------------------------------------------------------------------------
    def _writable(self, layout: str) -> None:
        if layout != "versioned":
            raise IngestError(f"{self.url}: the bundled snapshot is written to a local folder, not an object store")

    def _write_batch(self, batch: Batch, versioned: bool, keep: int, merge: Merge | None) -> PurePosixPath:
        """`_write` once the bucket is known to be there; what fails is an IngestError naming the URL."""
        self.check_access()
        try:
            return self._write(batch, keep, merge)
        except IngestError:
            raise
        except Exception as exc:
            raise IngestError(f"{self.url}: the upload failed ({describe(exc)}); the current version is "
                              "unchanged") from None

    def _write(self, batch: Batch, keep: int, merge: Merge | None) -> PurePosixPath:
        """Upload the version to its final folder, check it, then make it current with one PUT of CURRENT."""
        self.warnings = []
        pointed, etag = self._pointer_object(with_etag=True)
        previous = self.current_dir()
        self._clean(previous)
        old_manifest = self.manifest(previous) if previous else {}
        if merge is not None:
            batch = self._merged(batch, previous, old_manifest, merge)
        sequence = self._next_sequence(previous)
        name = f"{sequence:06d}-{utc_stamp(batch.now)}"
        final = self.root / "versions" / name
        try:
            entries = self._fill(final, batch, previous, old_manifest, name, sequence)
            # What was uploaded, checked before it is made current: every table there, at its size.
            found = {PurePosixPath(i["name"]).name: int(i["size"])
                     for i in self.fs.ls(str(final / "tables"), detail=True)}
            for table, entry in entries.items():
                if found.get(f"{table}.parquet") != int(entry["bytes"]):
                    raise IngestError(f"{self.files.where(final / table_file(table))}: uploaded "
                                      f"{found.get(f'{table}.parquet')} bytes, not {entry['bytes']}; the current "
                                      "version is unchanged, re-run the ingest")
            self._point(name, pointed, etag)
        except BaseException:
            self.files.remove(final)
            raise
        self._after_commit(final, sequence, keep)
        return final

    def _after_first_table(self) -> None:
        pause = Settings.from_env().upload_pause
        if pause:
            time.sleep(float(pause))

    def _point(self, name: str, pointed: str | None, etag: str | None) -> None:
        """Make version `name` current: one PUT of CURRENT, conditional on S3 (no other ingest in between)."""
        key = str(self.root / CURRENT)
        body = f"{name}\n".encode()
        if not self.conditional:
            self.files.put(self.root / CURRENT, body)
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

    def _tidy(self, current: PurePosixPath) -> None:
        self._clean(current)

    def _clean(self, current: PurePosixPath | None) -> list[str]:
        """Remove folders older than `current` that were never made current (interrupted or beaten
        ingests): with the conditional pointer they can never become current. Newer ones may belong to
        an ingest still uploading and are left alone."""
        if current is None:
            return []
        protect = self._protected(current)
        removed = []
        for folder in self.versions():
            if (version_key(folder) < version_key(current) and folder not in protect
                    and not self.files.exists(folder / COMMITTED)):
                self.files.remove(folder)
                removed.append(folder.name)
                self.log.warning("%s: removed %s, left by an interrupted ingest", self.url, folder.name)
        return removed
