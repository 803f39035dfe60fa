"""The app's data: tables read through the store, the migration cube built once per load, and a
cheap reload when a new ingest (or a new bundled snapshot) lands.

`DataSource.current()` is what pages and the API call; it checks the store's version tokens at most
once every `check_every` seconds per process and swaps in a freshly loaded `Dataset` when they
change. A failed reload keeps serving the previous data (and logs why).
"""
from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from dashboard.i18n import N_, _
from dashboard.queries import country_names, index_cube, keep_plan_rows, migration_options
from ingest.errors import IngestError, for_user
from ingest.objectstore import location, shown
from ingest.schemas import LICENCES, SOURCE_OF, TABLES, empty
from ingest.store import Store, default_data_dir, load_for_app, snapshot_dir

from .cube import build_cube, build_geo, compact
from .lazy import LAZY_TABLES, LazyTable, Tables, release_memory

log = logging.getLogger(__name__)
CHECK_EVERY_SECONDS = 5.0
CACHE_SIZE = 128  # query results kept per load: a few dozen selections of every page (a worker holds 2-3 MiB)
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
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_NOTHING = object()
_WARMING = threading.local()  # .on while this thread runs warm(): memo keeps what it computes apart
WARMERS: dict[str, Callable[["Dataset"], None]] = {}
"""What pages work out for a load before anyone asks (see warm), by page; each puts query results in ds.memo."""


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
    _warmed: dict[Any, Any] = field(default_factory=dict, repr=False)  # what warm() worked out (see memo)

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
        if "fts_plans" in frames:
            keep_plan_rows(frames["fts_plans"])
        return cls(tables=Tables(frames, kept), provenance=prov, cube=index_cube(cube), geo=index_cube(geo),
                   precision=precision, token=token, error=error)

    def has(self, name: str) -> bool:
        """True when the table holds at least one row."""
        return self.rows(name) > 0

    def rows(self, name: str) -> int:
        """Rows of a table (a lazy one is not read for this)."""
        return self.tables.rows(name)

    def memo(self, key: Any, compute: Callable[[], Any]) -> Any:
        """`compute()` once per key for this load (LRU); results must be treated as read-only. What warm()
        worked out is kept apart, for the whole load: requests never push it out of the LRU."""
        warmed = self._warmed.get(key, _NOTHING)
        if warmed is not _NOTHING:
            return warmed
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        value = compute()
        if getattr(_WARMING, "on", False):
            self._warmed[key] = value
            return value
        with self._lock:
            self._cache[key] = value
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return value

    def warmed(self, key: Any, compute: Callable[[], Any]) -> Any:
        """What warm() worked out for `key`; else `compute()`, kept only while warming (the LRU keeps its room
        for query results: a chart's table, for instance, is cheap next to its query)."""
        value = self._warmed.get(key, _NOTHING)
        if value is not _NOTHING:
            return value
        value = compute()
        if getattr(_WARMING, "on", False):
            self._warmed[key] = value
        return value

    @property
    def plans(self) -> pd.DataFrame:
        """FTS plans with published figures where FTS has none (people figures FTS lacks, plans FTS
        lacks such as the RMRP 2019), each labelled "published figure: <source>" in people_source or
        figures_source; for the pages that show both. The fts_plans table itself holds FTS data only."""
        def build() -> pd.DataFrame:
            from ingest.sources.fts.curated import combine
            return keep_plan_rows(combine(self.tables["fts_plans"], self.tables["published_plan_figures"]))
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
        self.warm_reloads = False  # set by a serving process: each later load is warmed in the background
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
            if self.warm_reloads:
                warm_in_background(self._data)
        except (IngestError, OSError) as exc:
            log.error("reload from %s failed, still serving the previous data: %s", shown(self.data_dir), exc)
            self._data.error = for_user(str(exc))
        return self._data


def warm(ds: Dataset) -> float:
    """Run every page's warmer on `ds`: the query results of the changes a reader is likeliest to make first
    (on /migration, each year of the menu) go into ds.memo, so those changes answer without querying. A
    warmer that fails is logged and skipped: warming never stops the app. Returns the seconds taken."""
    start = time.perf_counter()
    _WARMING.on = True
    try:
        for name, warmer in list(WARMERS.items()):
            try:
                warmer(ds)
            except Exception:  # noqa: BLE001 (a page's own requests will show its problem)
                log.exception("warming the %s page's queries failed", name)
    finally:
        _WARMING.on = False
    took = time.perf_counter() - start
    log.info("worked out the likeliest selections' queries in %.2f s", took)
    return took


def warm_in_background(ds: Dataset) -> threading.Thread:
    """warm(ds) in a daemon thread (a reload in a serving process: requests go on meanwhile)."""
    thread = threading.Thread(target=warm, args=(ds,), name="humdash-warm", daemon=True)
    thread.start()
    return thread


def current_dataset() -> Dataset:
    """The Dataset of the app handling this request (pages and callbacks call this)."""
    from flask import current_app

    return current_app.extensions["humdash"].current()
