"""The app's data: tables read through the store, the migration cube built once per load, and a
cheap reload when a new ingest (or a new bundled snapshot) lands.

`DataSource.current()` is what pages and the API call; it checks the store's version tokens at most
once every `check_every` seconds per process and swaps in a freshly loaded `Dataset` when they
change. A failed reload keeps serving the previous data (and logs why).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import gc
import hashlib
import io
import logging
import re
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Callable

import pandas as pd

from ingest.errors import IngestError, for_user
from ingest.objectstore import is_url, location, shown
from ingest.schemas import LICENCES, SOURCE_OF, TABLES, empty
from ingest.store import Store, default_data_dir, load_for_app, snapshot_dir

from .i18n import N_, _
from .queries import (CUBE_COLUMNS, MMP_COUNTS, MMP_DIMS, country_names, index_cube, migration_options,
                      period_columns)

log = logging.getLogger(__name__)

GEO_COUNTS = ["incidents", "dead", "missing", "dead_and_missing"]  # what the map sums (queries.SUMMED)
GEO_COLUMNS = ["date", "date_end", "precision", "year", "month", *MMP_DIMS, "lat_bin", "lon_bin", *GEO_COUNTS]
CHECK_EVERY_SECONDS = 5.0
CACHE_SIZE = 512
LAZY_TABLES = ("mmp_incidents",)
"""Tables not kept in memory after a load from the store: the cube and the map grid hold everything the
charts need; the incident rows themselves are read again from their Parquet file when a download, the
API or the table browser asks for them (see `LazyTable`)."""
LAZY_KEEP_SECONDS = 30.0

DAMAGED_OLDER = N_("Data problem: the stored {table} table of version {current} is damaged ({problem}); it is "
                   "shown from version {version}, the newest intact copy. Run `python -m ingest verify` on the server.")
DAMAGED_SNAPSHOT = N_("Data problem: the stored {table} table of version {current} is damaged ({problem}) and no "
                      "intact copy is kept; the bundled snapshot's {table} is shown instead.")
DAMAGED_GONE = N_("Data problem: the stored {table} table of version {current} is damaged ({problem}) and no intact "
                  "copy is kept; it is not shown. Re-run its ingest.")
DAMAGED_SINCE_LOAD = N_("Data problem: the stored {table} table changed on disk after it was loaded; the newest "
                        "intact copy is shown. Run `python -m ingest verify` on the server.")
POINTER_LOST = N_("Data problem: the pointer to the current data version was lost; version {version}, the newest "
                  "one that is intact, is shown. The next ingest restores the pointer.")


# ------------------------------------------------------------------------------------------ cube


def _counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Count columns as int64 with blanks as 0 (a blank count adds nothing to a sum)."""
    return pd.DataFrame({c: frame[c].astype("Int64").fillna(0).astype("int64") for c in MMP_COUNTS if c in frame},
                        index=frame.index)


def _aggregate(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    counts = [c for c in MMP_COUNTS if c != "incidents"]
    grouped = frame.groupby(keys, dropna=False, sort=True)
    out = grouped[counts].sum().join(grouped.size().rename("incidents")).reset_index()
    for c in MMP_COUNTS:
        out[c] = out[c].astype("int64")
    return out


def build_cube(tables: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, str]:
    """The pre-aggregated frame every migration query runs on, and its precision ("day"/"month").

    From mmp_incidents when it was ingested (one row per day and dimension combination; incidents
    without a date fall back to their month, else their year), otherwise from mmp_deaths (one row
    per month, date = first of the month).
    """
    incidents = tables.get("mmp_incidents")
    if incidents is not None and not incidents.empty:
        periods = period_columns(incidents["year"], incidents["month"], incidents["incident_date"])
        frame = pd.concat([periods, incidents[["year", "month", *MMP_DIMS]],
                           _counts(incidents.drop(columns=["incidents"], errors="ignore"))], axis=1)
        cube = _aggregate(frame, ["date", "date_end", "precision", "year", "month", *MMP_DIMS])
        return _typed(cube[CUBE_COLUMNS]), "day"
    deaths = tables.get("mmp_deaths")
    if deaths is None or deaths.empty:
        return _typed(pd.DataFrame({c: [] for c in CUBE_COLUMNS})), "month"
    periods = period_columns(deaths["year"], deaths["month"])
    cube = pd.concat([periods, deaths[["year", "month", *MMP_DIMS]], _counts(deaths)], axis=1)
    return _typed(cube[CUBE_COLUMNS].reset_index(drop=True)), "month"


def build_geo(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Incidents with coordinates summed on a 1-degree grid per day and dimension (empty without
    incident data): the map is drawn from this, never from one marker per incident."""
    incidents = tables.get("mmp_incidents")
    if incidents is None or incidents.empty:
        return _typed(pd.DataFrame({c: [] for c in GEO_COLUMNS}))
    located = incidents[incidents["lat"].notna() & incidents["lon"].notna()]
    periods = period_columns(located["year"], located["month"], located["incident_date"])
    bins = pd.DataFrame({"lat_bin": located["lat"].astype("float64").floordiv(1).astype("int64"),
                         "lon_bin": located["lon"].astype("float64").floordiv(1).astype("int64")},
                        index=located.index)
    frame = pd.concat([periods, located[["year", "month", *MMP_DIMS]], bins,
                       _counts(located.drop(columns=["incidents"], errors="ignore"))], axis=1)
    geo = _aggregate(frame, ["date", "date_end", "precision", "year", "month", *MMP_DIMS, "lat_bin", "lon_bin"])
    return _typed(geo[GEO_COLUMNS])


def compact(frame: pd.DataFrame) -> pd.DataFrame:
    """The cube's text dimensions as categoricals (a code per row instead of the text: the x100 cube and
    map grid shrink by about half). Categories are the sorted values, so sorting and comparing behave as
    on the text; the queries give the dimensions back as text (queries._plain_dtype)."""
    out = frame.copy()
    for c in ("precision", *MMP_DIMS):
        if c in out:
            out[c] = out[c].astype("category")
    return out


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Stable dtypes, also for an empty cube (so queries behave the same with no data)."""
    out = frame.copy()
    for c in ("date", "date_end"):
        out[c] = pd.to_datetime(out[c]).astype("datetime64[ns]")
    out["precision"] = out["precision"].astype("string")
    out["year"] = out["year"].astype("int64")
    out["month"] = out["month"].astype("Int64")
    for c in MMP_DIMS:
        out[c] = out[c].astype("string")
    for c in MMP_COUNTS:
        if c in out:
            out[c] = out[c].astype("int64")
    for c in ("lat_bin", "lon_bin"):
        if c in out:
            out[c] = out[c].astype("int64")
    return out


# ------------------------------------------------------------------------------------------ lazy tables


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
            return pd.read_parquet(io.BytesIO(content))
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


# ------------------------------------------------------------------------------------------ dataset


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def retrieved_at(entry: dict[str, Any]) -> str | None:
    """The latest retrieval time among a table's inputs (values such as "unknown" are skipped),
    else when the table was written."""
    times = [str(i["retrieved_at"]) for i in entry.get("inputs", []) if _ISO_DATE.match(str(i.get("retrieved_at")))]
    return max(times) if times else entry.get("written_at")


def has_retrieval_date(entry: dict[str, Any]) -> bool:
    """True when at least one input of the table says when it was retrieved."""
    return any(_ISO_DATE.match(str(i.get("retrieved_at"))) for i in entry.get("inputs", []))


@dataclass
class Dataset:
    """One consistent load: every table (empty when absent), provenance, the cube, a query cache."""

    tables: Tables
    provenance: dict[str, dict[str, Any]]
    cube: pd.DataFrame
    geo: pd.DataFrame
    precision: str
    token: tuple[Any, ...] = ()
    error: str | None = None
    loaded_at: float = field(default_factory=time.time)
    _cache: "OrderedDict[Any, Any]" = field(default_factory=OrderedDict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _options: dict[str, Any] | None = field(default=None, repr=False)

    @classmethod
    def from_tables(cls, tables: dict[str, pd.DataFrame], provenance: dict[str, dict[str, Any]] | None = None,
                    token: tuple[Any, ...] = (), error: str | None = None, lazy: tuple[str, ...] = ()
                    ) -> "Dataset":
        """Fill in absent tables as empty ones and build the cube. Tables named in `lazy` that were read
        from the store (their provenance says which file) are dropped from memory once the cube is built
        and read again on demand (`LazyTable`)."""
        full = {name: tables[name] if name in tables else empty(name) for name in TABLES}
        prov = {}
        for name in TABLES:
            entry = dict((provenance or {}).get(name) or {})
            if not entry:
                lic = LICENCES[SOURCE_OF[name]]
                entry = {**lic, "rows": 0, "inputs": [], "origin": "missing"}
            prov[name] = entry
        cube, precision = build_cube(full)
        cube, geo = compact(cube), compact(build_geo(full))
        kept: dict[str, LazyTable] = {}
        for name in lazy:
            if name in tables and not full[name].empty and prov[name].get("origin") != "missing":
                table = LazyTable.open(name, prov[name], full[name])
                if table is not None:
                    kept[name] = table
        frames = {name: frame for name, frame in full.items() if name not in kept}
        del full
        return cls(tables=Tables(frames, kept), provenance=prov, cube=index_cube(cube), geo=index_cube(geo),
                   precision=precision, token=token, error=error)

    def has(self, name: str) -> bool:
        """True when the table holds at least one row."""
        return self.rows(name) > 0

    def rows(self, name: str) -> int:
        """Rows of a table (a lazy one is not read for this)."""
        return self.tables.rows(name)

    def memo(self, key: Any, compute: Callable[[], Any]) -> Any:
        """`compute()` once per key for this load (LRU); results must be treated as read-only."""
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        value = compute()
        with self._lock:
            self._cache[key] = value
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return value

    @property
    def plans(self) -> pd.DataFrame:
        """FTS plans with published figures where FTS has none (people figures FTS lacks, plans FTS
        lacks such as the RMRP 2019), each labelled "published figure: <source>" in people_source or
        figures_source; for the pages that show both. The fts_plans table itself holds FTS data only."""
        def build() -> pd.DataFrame:
            from ingest.sources.fts.curated import combine
            return combine(self.tables["fts_plans"], self.tables["published_plan_figures"])
        return self.memo(("plans with published figures",), build)

    def options(self) -> dict[str, Any]:
        """Filter choices derived from the cube (computed once per load)."""
        if self._options is None:
            self._options = migration_options(self.cube, country_names(self.tables))
        return self._options

    def problems(self) -> dict[str, str]:
        """Tables not served from the current version as stored: {table: what is wrong} (for /api/status)."""
        out = {n: str(e["problem"]) for n, e in self.provenance.items() if e.get("problem")}
        return {**out, **self.tables.damaged()}

    def recovered(self) -> str | None:
        """Why the current version had to be found from the folders on disk (None: the pointer is fine)."""
        return next((str(e["recovered"]) for e in self.provenance.values() if e.get("recovered")), None)

    def notices(self, names: Iterable[str] | None = None) -> list[str]:
        """Warnings for the pages showing the tables `names` (all when None): a damaged table served from
        an older version or the snapshot (or not at all), and a lost pointer, in the request's language."""
        names = list(TABLES if names is None else names)
        out = []
        for name in names:
            entry = self.provenance.get(name, {})
            if name in self.tables.damaged():
                out.append(_(DAMAGED_SINCE_LOAD).format(table=name))
            elif entry.get("problem"):
                text = (DAMAGED_OLDER if entry.get("origin") == "ingested" else
                        DAMAGED_SNAPSHOT if entry.get("origin") == "snapshot" else DAMAGED_GONE)
                out.append(_(text).format(table=name, current=entry.get("current_version"),
                                          problem=entry["problem"], version=entry.get("version")))
        recovered = [self.provenance[n] for n in names if self.provenance.get(n, {}).get("recovered")]
        if recovered:
            out.append(_(POINTER_LOST).format(version=recovered[0].get("version")))
        return out

    def as_of(self, *names: str) -> str | None:
        """The latest retrieval date (YYYY-MM-DD) among the named tables' inputs."""
        stamps = [retrieved_at(self.provenance[n]) for n in names if self.provenance[n].get("origin") != "missing"]
        stamps = [s for s in stamps if s]
        return max(stamps)[:10] if stamps else None


class DataSource:
    """Serves the current Dataset of one data directory, reloading when the store changes."""

    def __init__(self, data_dir: Path | str | None = None, *, check_every: float = CHECK_EVERY_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.data_dir = location(data_dir) if data_dir is not None else default_data_dir()
        self.check_every = check_every
        self.clock = clock
        self._lock = threading.Lock()
        self._checked = clock()
        # Start empty so the app always starts; reload() records why the first load failed, if it did.
        self._data = Dataset.from_tables({}, {}, token=())
        self.reload()

    def token(self) -> tuple[Any, ...]:
        """Version tokens of the data directory and the bundled snapshot (cheap: a readlink/stat; for an
        object store one small GET of its CURRENT pointer)."""
        try:
            ingested = Store.for_url(self.data_dir).version_token()
        except IngestError as exc:  # e.g. s3:// without s3fs installed: the reload says why
            ingested = f"unavailable: {exc}"
        return (ingested, Store(snapshot_dir()).version_token(), str(snapshot_dir()))

    def _load(self) -> Dataset:
        token = self.token()
        tables, provenance = load_for_app(self.data_dir)
        try:
            return Dataset.from_tables(tables, provenance, token=token, lazy=LAZY_TABLES)
        finally:
            del tables
            release_memory()

    def current(self) -> Dataset:
        """The loaded data, reloaded first if a check is due and a version token changed."""
        now = self.clock()
        self._data.tables.expire()
        if now - self._checked < self.check_every:
            return self._data
        with self._lock:
            if now - self._checked < self.check_every:  # another thread just checked
                return self._data
            self._checked = now
            if self.token() != self._data.token or self._data.tables.damaged():
                self.reload()
        return self._data

    def reload(self) -> Dataset:
        """Load again now; on failure keep the previous data and record the error."""
        try:
            self._data = self._load()
            log.info("loaded data from %s (%s rows in %s tables)", shown(self.data_dir),
                     f"{sum(self._data.rows(n) for n in TABLES):,}", sum(self._data.has(n) for n in TABLES))
        except (IngestError, OSError) as exc:
            log.error("reload from %s failed, still serving the previous data: %s", shown(self.data_dir), exc)
            self._data.error = for_user(str(exc))
        return self._data


def current_dataset() -> Dataset:
    """The Dataset of the app handling this request (pages and callbacks call this)."""
    from flask import current_app

    return current_app.extensions["humdash"].current()
