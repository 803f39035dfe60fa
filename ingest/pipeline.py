"""What an ingest does between the command line and the store: read files or pull a live source,
tidy what came in, then write it (merged by key into the current tables unless replacing)."""
from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, NamedTuple, Sequence

import pandas as pd

from .errors import IngestError
from .inputs import CURATED_DIR, by_retrieval, check_files, fetched_inputs, file_inputs, save_raw
from .merge import Merged
from .merge import merge as merge_tables
from .report import Report
from .storage.backend import shown
from .storage.versions import VersionedStore

if TYPE_CHECKING:
    from .http import Client

SNAPSHOT_TABLES = ["fts_plans", "fts_clusters", "fts_plan_locations", "fts_donors", "published_plan_figures",
                   "mmp_incidents",
                   "mmp_deaths"]
# The most complete MMP release (2014 to April 2025) plus the newest site export (2026).
SNAPSHOT_MMP_FILES = ["mmp/mmp_global_fullschema_2014-2025-04.xlsx",
                      "mmp/mmp_global_siteexport_2026-01-to-2026-05.csv"]


class Ingest(NamedTuple):
    """What one ingest writes: its tables, and for each table its inputs (provenance) and notes."""

    tables: dict[str, pd.DataFrame]
    inputs: dict[str, list[dict[str, Any]]]
    notes: dict[str, list[str]]


@dataclass(frozen=True)
class Live:
    """A live pull: the source's base URL, per-request timeout and retries, progress bars or not, where
    the fetched bytes are kept (DATA_DIR/raw/), and the FTS client's "user:password" if any."""

    base: str
    timeout: float
    retries: int
    quiet: bool
    data_dir: Path | str
    auth: str | None = None

    def client(self) -> Client:
        """An HTTP client for the pull (its `fetched` list keeps every response)."""
        from .http import Client
        user, colon, password = (self.auth or "").partition(":")
        return Client(self.base, timeout=self.timeout, retries=self.retries,
                      auth=(user, password) if colon else None)


def finish_fts(tables: dict[str, pd.DataFrame], report: Report, curated_dir: Path = CURATED_DIR
               ) -> dict[str, pd.DataFrame]:
    """Add `published_plan_figures` (curated figures published outside FTS, kept apart from FTS data)
    whenever FTS plans were read, and `fts_donors` from `fts_flows` when the input gave flows."""
    from .sources import fts
    curated = curated_dir / "plan_figures.csv"
    out = dict(tables)
    if "fts_plans" in out and curated.exists():
        out["published_plan_figures"] = fts.read_published(curated, report)
    if "fts_flows" in out and "fts_donors" not in out:
        out["fts_donors"] = fts.donors(out["fts_flows"])
    return out


def progress(total: int | None, desc: str, quiet: bool) -> tuple[Callable[[int], None], Callable[[], None]]:
    """A tqdm progress bar on stderr (nothing when quiet or not a terminal)."""
    if quiet:
        return (lambda n=1: None), (lambda: None)
    from tqdm import tqdm
    bar = tqdm(total=total, desc=desc, unit="req" if total is None else "file", file=sys.stderr,
               disable=None, leave=False)
    return (lambda n=1: bar.update(n)), bar.close


def _each(tables: dict[str, pd.DataFrame], inputs: list[dict[str, Any]], report: Report) -> Ingest:
    """Every table with the same inputs and the report's lines as notes."""
    return Ingest(tables, {name: inputs for name in tables}, {name: report.lines() for name in tables})


def fts_files(paths: Sequence[Path], retrieved_at: str | None, report: Report) -> Ingest:
    """FTS files a user saved: recorded API responses and HDX CSV exports."""
    check_files(paths)
    from .sources import fts
    tables = fts.read_files(list(paths), report)
    inputs = file_inputs(paths, retrieved_at)
    return _each(_fts_tables(tables, report), inputs, report)


def fts_live(live: Live, report: Report, now: datetime, *, country: str = "", years: list[int] | None = None,
             world: bool = False, clusters: bool = False, hdx_dataset: str | None = None) -> Ingest:
    """A live FTS pull: HDX's worldwide exports (`hdx_dataset`), every plan of the world, or one country."""
    from .sources import fts
    client = live.client()
    tick, close = progress(None, "FTS requests", live.quiet)
    try:
        if hdx_dataset is not None:
            from .sources.fts.hdx_fetch import fetch_hdx_global
            tables = fetch_hdx_global(client, report, hdx_dataset, progress=tick)
        elif world:
            from .sources.fts.api_world import FIRST_YEAR, fetch_world
            tables = fetch_world(client, years or list(range(FIRST_YEAR, now.year + 1)), report, progress=tick,
                                 clusters=clusters)
        else:
            tables = fts.fetch(client, country, years, report, progress=tick)
    finally:
        close()
    save_raw(live.data_dir, "fts", client.fetched, now.strftime("%Y%m%dT%H%M%SZ"))
    return _each(_fts_tables(tables, report), fetched_inputs(client.fetched), report)


def _fts_tables(tables: dict[str, pd.DataFrame], report: Report) -> dict[str, pd.DataFrame]:
    tables = finish_fts(tables, report, CURATED_DIR)
    if not tables:
        raise IngestError("the input held no plans, funding or flows; check the files or the query")
    return tables


def mmp_files(paths: Sequence[Path], retrieved_at: str | None, report: Report, quiet: bool) -> Ingest:
    """MMP files a user downloaded (several only when they do not overlap)."""
    check_files(paths)
    from .sources import mmp
    tick, close = progress(len(paths), "MMP files", quiet)
    frames = []
    try:
        for path in paths:
            frames.append(mmp.read_file(path, report))
            tick(1)
    finally:
        close()
    incidents = concat_incidents(frames)
    inputs = file_inputs(paths, retrieved_at)
    return _each({"mmp_incidents": incidents, "mmp_deaths": mmp.aggregate(incidents)}, inputs, report)


def mmp_live(live: Live, years: list[int] | None, report: Report, now: datetime) -> Ingest:
    """A live pull of the MMP feed, year by year (default: 2014 to this year)."""
    from .sources import mmp
    years = years or list(range(2014, now.year + 1))
    client = live.client()
    tick, close = progress(len(years), "MMP feed years", live.quiet)
    try:
        incidents = mmp.fetch(client, years, report, progress=tick)
    finally:
        close()
    save_raw(live.data_dir, "mmp", client.fetched, now.strftime("%Y%m%dT%H%M%SZ"))
    return _each({"mmp_incidents": incidents, "mmp_deaths": mmp.aggregate(incidents)},
                 fetched_inputs(client.fetched), report)


def concat_incidents(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Several non-overlapping files into one table; an incident in two files is refused."""
    incidents = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    dup = incidents["incident_id"].duplicated(keep=False)
    if dup.any():
        first = incidents.loc[dup, "incident_id"].iloc[0]
        files = sorted(set(incidents.loc[incidents["incident_id"] == first, "source_file"]))
        raise IngestError(f"incident {first} appears in {' and '.join(files)}: these files overlap "
                          "(different releases of the same data?); ingest one release at a time")
    return incidents


def snapshot(source: Path, report: Report) -> Ingest:
    """The bundled snapshot's tables from a folder laid out like ../shared/reference (fts/, mmp/)."""
    from .sources import fts, mmp
    fts_files_ = by_retrieval([p for folder in (source / "fts", source / "fts" / "global") for p in folder.glob("*")
                               if p.suffix in {".json", ".csv"}])
    mmp_files_ = [source / rel for rel in SNAPSHOT_MMP_FILES]
    check_files(fts_files_ + mmp_files_)
    if not fts_files_:
        raise IngestError(f"{source / 'fts'}: no FTS files (*.json, *.csv) found")
    fts_report, mmp_report = Report(), Report()
    tables = finish_fts(fts.read_files(fts_files_, fts_report), fts_report, CURATED_DIR)
    incidents = concat_incidents([mmp.read_file(p, mmp_report) for p in mmp_files_])
    # IOM's incident records (CC BY 4.0) ship too: the map, the incidents table and day precision need them
    tables["mmp_incidents"] = incidents
    tables["mmp_deaths"] = mmp.aggregate(incidents)
    tables = {name: frame for name, frame in tables.items() if name in SNAPSHOT_TABLES}
    for part in (fts_report, mmp_report):
        report.counts.update(part.counts)
        report.warnings += part.warnings
    fts_inputs, mmp_inputs = file_inputs(fts_files_), file_inputs(mmp_files_)
    pick = {name: name.startswith("mmp_") for name in tables}
    return Ingest(tables, {name: (mmp_inputs if pick[name] else fts_inputs) for name in tables},
                  {name: (mmp_report if pick[name] else fts_report).lines() for name in tables})


def write(store: VersionedStore[Any], ingest: Ingest, report: Report, now: datetime, *, keep: int, replace: bool
          ) -> dict[str, pd.DataFrame]:
    """Write `ingest` as a new version of `store`, merged by key into the current tables unless `replace`;
    returns the tables as written, with the merges and the store's warnings counted in `report`."""
    merged: dict[str, Merged] = {}

    def by_key(name: str, new: pd.DataFrame, current: pd.DataFrame | None) -> tuple[pd.DataFrame, str]:
        merged[name] = merge_tables(name, new, current)
        return merged[name].frame, merged[name].note()

    store.write(ingest.tables, ingest.inputs, now=now, notes=ingest.notes, keep=keep,
                merge=None if replace else by_key)
    for name, result in sorted(merged.items()):
        report.count(f"{name}: {result.note()}")
    report.warnings += store.warnings
    return {name: merged[name].frame if name in merged else frame for name, frame in ingest.tables.items()}


def summary(tables: dict[str, pd.DataFrame], report: Report, target: Path | str) -> list[str]:
    """The lines printed after an ingest: each table's rows and totals, then repairs and warnings."""
    lines = [f"wrote {len(tables)} table(s) to {shown(target)}"]
    for name, frame in sorted(tables.items()):
        totals = []
        for col in ("requirements_usd", "funding_usd", "amount_usd", "dead_and_missing"):
            if col in frame.columns and name != "fts_clusters":
                totals.append(f"{col} {int(frame[col].fillna(0).sum()):,}")
        lines.append(f"  {name}: {len(frame):,} rows" + (f" ({', '.join(totals)})" if totals else ""))
    if report.counts or report.warnings:
        lines.append("repairs and warnings:")
        lines += [f"  {line}" for line in report.lines()]
    return lines
