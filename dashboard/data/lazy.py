"""Tables read on first use and released when idle (the incident table is the largest and only /data
and the incident downloads need it), checked against the manifest's digest when read: a damaged file is
replaced by its last intact copy, never served as empty."""
from __future__ import annotations

import ctypes
import ctypes.util
import gc
import hashlib
import io
import logging
import threading
import time
import weakref
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO, Callable

import pandas as pd

from ingest.errors import IngestError
from ingest.objectstore import ObjectStore, is_url
from ingest.store import Store
from ingest.storage import parquet

log = logging.getLogger(__name__)
LAZY_TABLES = ("mmp_incidents",)


"""Tables not kept in memory after a load from the store: the cube and the map grid hold everything the
charts need; the incident rows themselves are read again from their Parquet file when a download, the
API or the table browser asks for them (see `LazyTable`)."""
LAZY_KEEP_SECONDS = 30.0


class LazyTable:
    """One stored table kept on disk: row count and columns known, the rows read on demand.

    The Parquet file is opened at load and the handle kept, so a later ingest (a new version folder, or
    the snapshot's tables folder swapped) never changes what this load serves. The file was checked
    against the manifest's sha256 at load, and the frame read back gets the dtypes the validated load
    had, so it equals what `Store.read` returned then. A read frame is shared while anyone holds it
    (weak reference) and kept for `LAZY_KEEP_SECONDS` after its last use, so one page or request that
    looks at the table several times reads it once.
    """

    def __init__(self, name: str, handle: BinaryIO, frame: pd.DataFrame, clock: Callable[[], float] = time.monotonic,
                 sha256: str | None = None, fallback: Callable[[], pd.DataFrame] | None = None) -> None:
        self.name = name
        self.sha256 = sha256
        self.fallback = fallback
        self.problem: str | None = None  # set when the file no longer matches its manifest
        self.rows = int(len(frame))
        self.columns = list(frame.columns)
        self.dtypes = frame.dtypes.to_dict()
        self._handle = handle
        self._lock = threading.Lock()
        self._clock = clock
        self._weak: "weakref.ref[pd.DataFrame] | None" = None
        self._kept: pd.DataFrame | None = None
        self._used = 0.0
        weakref.finalize(self, handle.close)

    @classmethod
    def open(cls, name: str, entry: dict[str, Any], frame: pd.DataFrame) -> "LazyTable | None":
        """The lazy version of `frame`, just read from the store as `entry` (a provenance entry) says;
        None when the file cannot be matched to the manifest (then the frame stays in memory)."""
        path = _table_path(entry)
        if path is None:
            handle = _object_handle(entry)
            if handle is None:
                return None
        else:
            try:
                handle = open(path, "rb")
            except OSError:
                return None
        if entry.get("sha256") and _sha256(handle) != entry["sha256"]:
            handle.close()  # not the file that was loaded (e.g. replaced since): keep the frame instead
            return None
        return cls(name, handle, frame, sha256=entry.get("sha256"), fallback=lambda: _intact_copy(name, entry))

    def frame(self) -> pd.DataFrame:
        """The table's rows (read from the file unless a recent read is still around)."""
        with self._lock:
            frame = self._weak() if self._weak is not None else None
            if frame is None:
                frame = self._read()
                if frame.dtypes.to_dict() != self.dtypes:
                    frame = frame.astype(self.dtypes)
                self._weak = weakref.ref(frame)
            self._kept, self._used = frame, self._clock()
            return frame

    def _read(self) -> pd.DataFrame:
        """The rows from the file, checked against the manifest's sha256 every time: a file damaged in
        place since the load is not served; the newest intact copy is (and the next check reloads)."""
        self._handle.seek(0)
        content = self._handle.read()
        if self.sha256 is None or hashlib.sha256(content).hexdigest() == self.sha256:
            return parquet.read(io.BytesIO(content))
        del content
        self.problem = "checksum (sha256) differs from the manifest"
        log.warning("%s: the stored table changed since it was loaded (%s); serving the newest intact copy",
                    self.name, self.problem)
        if self.fallback is None:
            raise IngestError(f"{self.name}: the stored table is damaged; run `python -m ingest verify`")
        return self.fallback()

    def expire(self) -> None:
        """Drop the kept frame when it was not used for LAZY_KEEP_SECONDS."""
        with self._lock:
            if self._kept is not None and self._clock() - self._used > LAZY_KEEP_SECONDS:
                self._kept = None

    def loaded(self) -> bool:
        """True while a read frame is held (by the keep timer or by a caller)."""
        return self._weak is not None and self._weak() is not None


def _sha256(handle: BinaryIO) -> str:
    digest = hashlib.sha256()
    handle.seek(0)
    for block in iter(lambda: handle.read(1 << 20), b""):
        digest.update(block)
    return digest.hexdigest()


def _table_path(entry: dict[str, Any]) -> Path | None:
    """The Parquet file a provenance entry describes: its version folder (or the flat snapshot's)."""
    root, version, file = entry.get("data_dir"), entry.get("version"), entry.get("file")
    if not root or not file:
        return None
    candidates = [Path(root) / "versions" / str(version) / file] if version else []
    candidates.append(Path(root) / file)
    for path in candidates:
        if path.is_file():
            return path
    return None


def _object_handle(entry: dict[str, Any]) -> BinaryIO | None:
    """For a table loaded from an object store (s3://...): its Parquet bytes, fetched once more from its
    version folder (never changed once written) and kept in memory (the compressed file, a fraction of
    the frame), like the open file handle kept for a local one. None when it cannot be fetched."""
    root, version, file = entry.get("data_dir"), entry.get("version"), entry.get("file")
    if not (is_url(root) and version and file):
        return None
    try:
        store = Store.for_url(root)
        if not isinstance(store, ObjectStore):
            return None
        return io.BytesIO(store.fs.cat_file(str(store.root / "versions" / str(version) / file)))
    except Exception as exc:  # the frame stays in memory instead
        log.warning("%s: not kept lazily (%s)", entry.get("file"), type(exc).__name__)
        return None


def _intact_copy(name: str, entry: dict[str, Any]) -> pd.DataFrame:
    """Table `name` from the newest version (at or before the one `entry` came from) where it verifies."""
    path = _table_path(entry)
    if path is None:
        raise IngestError(f"{name}: the stored table is damaged and its version folder is gone")
    store = Store(entry["data_dir"])
    found = store.intact(name, path.parent.parent)
    if found is None:
        raise IngestError(f"{name}: the stored table is damaged in every version; re-run its ingest")
    return store.read(name, found[0])


class Tables(Mapping[str, pd.DataFrame]):
    """Every table of a load by name; a lazy table is read from its file when looked up."""

    def __init__(self, frames: dict[str, pd.DataFrame], lazy: dict[str, LazyTable] | None = None) -> None:
        self._frames = dict(frames)
        self._lazy = dict(lazy or {})

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name in self._lazy:
            return self._lazy[name].frame()
        return self._frames[name]

    def __iter__(self) -> Iterator[str]:
        return iter([*self._frames, *self._lazy])

    def __len__(self) -> int:
        return len(self._frames) + len(self._lazy)

    def __contains__(self, name: object) -> bool:
        return name in self._frames or name in self._lazy

    def is_lazy(self, name: str) -> bool:
        return name in self._lazy

    def rows(self, name: str) -> int:
        """Row count without reading a lazy table."""
        return self._lazy[name].rows if name in self._lazy else int(len(self._frames[name]))

    def columns(self, name: str) -> list[str]:
        """Column names without reading a lazy table."""
        return list(self._lazy[name].columns) if name in self._lazy else list(self._frames[name].columns)

    def dtypes(self, name: str) -> dict[str, Any]:
        """Column dtypes without reading a lazy table."""
        return dict(self._lazy[name].dtypes) if name in self._lazy else self._frames[name].dtypes.to_dict()

    def expire(self) -> None:
        for table in self._lazy.values():
            table.expire()

    def damaged(self) -> dict[str, str]:
        """Lazy tables whose file stopped matching the manifest after the load: {table: problem}."""
        return {name: table.problem for name, table in self._lazy.items() if table.problem}


def release_memory() -> None:
    """Hand memory freed after a load back to the system: pyarrow's pool and glibc's malloc arenas
    (the tables read at load are much larger than what is kept)."""
    gc.collect()
    if parquet.arrow():
        try:
            import pyarrow as pa

            pa.default_memory_pool().release_unused()
        except Exception:  # pragma: no cover - an older pyarrow without release_unused
            pass
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        pass
