"""The command line: `python -m ingest {fts,mmp,snapshot,status,verify}`. Its --help is the documentation."""
from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Sequence

import pandas as pd

from .errors import IngestError, for_user
from .merge import Merged
from .merge import merge as merge_tables
from .pipeline import finish_fts
from .report import Report
from .objectstore import ObjectStore, is_url, location, redact
from .store import DEFAULT_KEEP, Store, default_data_dir, input_record, sha256_file, snapshot_dir

FTS_API_BASE = "https://api.hpc.tools"
MMP_BASE_URL = "https://missingmigrants.iom.int"
CURATED_DIR = Path(__file__).resolve().parents[1] / "data" / "curated"
SNAPSHOT_TABLES = ["fts_plans", "fts_clusters", "fts_plan_locations", "fts_donors", "published_plan_figures",
                   "mmp_incidents",
                   "mmp_deaths"]
# The most complete MMP release (2014 to April 2025) plus the newest site export (2026).
SNAPSHOT_MMP_FILES = ["mmp/mmp_global_fullschema_2014-2025-04.xlsx",
                      "mmp/mmp_global_siteexport_2026-01-to-2026-05.csv"]

EPILOG = """\
examples:
  python -m ingest fts --country VEN --year 2019 --year 2020      live pull from api.hpc.tools
  python -m ingest fts --file plans.json --file funding.json       files you saved
  python -m ingest mmp --year 2019                                 live pull of the MMP feed
  python -m ingest mmp --file Missing_Migrants_Global_Figures_allData.xlsx
  python -m ingest snapshot --from ../shared/reference             rebuild data/snapshot
  python -m ingest status                                          what is in the data directory
  python -m ingest verify                                          check every version's files

Tables are written to DATA_DIR/tables/<table>.parquet with DATA_DIR/manifest.json (source, file or
URL with sha256, retrieved_at, rows, schema version, licence). Every ingest is a new numbered version
under DATA_DIR/versions/ (the newest --keep N are kept); a failed ingest leaves the previous version
untouched. Exit status: 0 on success, 1 on a failed ingest or damaged data (the message says what to
do), 2 on bad usage.
"""


RETRIEVED_AT_HELP = ("with --file: when the file was downloaded (ISO date or time), recorded as its retrieval "
                     "time; default: the time the source wrote into the file name, else unknown")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (kept separate so tests and the README can inspect it)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", type=location, default=None,
                        help="where tables are written: a folder or an object store URL such as "
                             "s3://bucket/prefix (default: $HUMDASH_DATA_DIR or ./data)")
    common.add_argument("--quiet", action="store_true", help="no progress bars")

    parser = argparse.ArgumentParser(
        prog="python -m ingest",
        description="Pull OCHA FTS funding and IOM Missing Migrants data into validated, tidy tables.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="{fts,mmp,snapshot,status,verify}")

    def subcommand(name: str, **texts: str) -> argparse.ArgumentParser:
        """A subcommand with the common options; its description and epilog keep their line breaks."""
        return sub.add_parser(name, parents=[common], formatter_class=argparse.RawDescriptionHelpFormatter, **texts)

    fts = subcommand(
        "fts",
        help="OCHA Financial Tracking Service: plans, funding by cluster, flows, donors",
        description="Pull response plans, requirements, funding (per plan and cluster), flows and donor "
                    "totals from the FTS public API (no key needed), or read files you saved: recorded JSON "
                    "responses of those endpoints and HDX FTS CSV exports (with or without the HXL row).",
        epilog="Tables: fts_plans, fts_clusters, fts_plan_locations, fts_flows, fts_donors.\n"
               "The API allows about one request per second; a live pull of one country-year takes about a minute.")
    src = fts.add_mutually_exclusive_group(required=True)
    src.add_argument("--country", metavar="ISO3", help="country code, e.g. VEN (live pull)")
    src.add_argument("--file", type=Path, action="append", metavar="PATH",
                     help="a saved JSON response or HDX CSV; repeat for several")
    src.add_argument("--world", action="store_true",
                     help="every plan of every country (live pull): the plans of the years asked "
                          "(default: 2000 to this year), their funding and each multi-country plan's split "
                          "by country; about 20 requests a year")
    src.add_argument("--hdx-global", action="store_true",
                     help="download HDX's worldwide FTS exports (every country's plans and every plan's clusters; "
                          "one row per country x plan, summed into each multi-country plan's total)")
    fts.add_argument("--hdx-base", default=None, metavar="URL",
                     help="with --hdx-global: HDX base URL (default: $HDX_BASE or https://data.humdata.org)")
    fts.add_argument("--hdx-dataset", default=None, metavar="NAME",
                     help="with --hdx-global: the CKAN dataset of the worldwide exports (default: "
                          "world-requirements-and-funding-data)")
    fts.add_argument("--clusters", action="store_true",
                     help="with --world: also every plan's cluster coverage (one request per plan)")
    fts.add_argument("--year", type=int, action="append", metavar="YYYY",
                     help="plan year to pull (repeatable; default: every year)")
    fts.add_argument("--retrieved-at", type=_retrieved_at, metavar="ISO", help=RETRIEVED_AT_HELP)
    _add_http_options(fts, "--api-base", f"API base URL (default: $FTS_API_BASE or {FTS_API_BASE})", timeout=30)
    _add_keep(fts)

    mmp = subcommand(
        "mmp",
        help="IOM Missing Migrants Project: incidents of migrants dead and missing",
        description="Pull the Missing Migrants Project's yearly feed, or read files you downloaded: the "
                    "current CSV/XLSX (Global Figures allData), the site export, the 2020 and 2022 schemas, "
                    "the Kaggle 19-column file, the JSON feed, and HDX copies with an HXL row.",
        epilog="Tables: mmp_incidents (one row per incident) and mmp_deaths (counts by month and dimension).\n"
               "All counts are minimum estimates; dead_and_missing is the source's own total.")
    msrc = mmp.add_mutually_exclusive_group()
    msrc.add_argument("--year", type=int, action="append", metavar="YYYY",
                      help="year to pull from the live feed (repeatable; default: 2014 to this year)")
    msrc.add_argument("--file", type=Path, action="append", metavar="PATH",
                      help="a downloaded MMP file; repeat for files that do not overlap")
    mmp.add_argument("--retrieved-at", type=_retrieved_at, metavar="ISO", help=RETRIEVED_AT_HELP)
    _add_http_options(mmp, "--base-url", f"MMP site (default: $MMP_BASE_URL or {MMP_BASE_URL})", timeout=60)
    _add_keep(mmp)

    snap = subcommand(
        "snapshot",
        help="rebuild the bundled offline snapshot (aggregates only) from a folder of source files",
        description="Rebuild data/snapshot from a folder laid out like ../shared/reference: every FTS file "
                    "under fts/, and the most complete MMP release plus the newest site export under mmp/. "
                    "The snapshot holds aggregated figures only (no incident or flow records).",
        epilog="Tables: " + ", ".join(SNAPSHOT_TABLES))
    snap.add_argument("--from", dest="source", type=Path, required=True, metavar="DIR",
                      help="folder with fts/ and mmp/ subfolders")
    snap.add_argument("--out", type=Path, default=None, help="snapshot folder (default: data/snapshot)")
    snap.add_argument("--as-of", default=None, metavar="YYYY-MM-DD",
                      help="date recorded as the snapshot's build date (default: today, UTC)")

    sub.add_parser("status", parents=[common], help="list the tables in the data directory with provenance",
                   description="Print the manifest of the current version in the data directory and the snapshot. "
                               "Exits 1, naming the file, when a table of the current version is damaged or the "
                               "pointer to the current version is lost.")
    sub.add_parser("verify", parents=[common], help="check every kept version's files against its manifest",
                   description="Check every table file of every version in the data directory (and the bundled "
                               "snapshot) against its manifest: size, sha256 and row count. Prints each file's "
                               "state; exits 1 when any file is damaged or the pointer to the current version is "
                               "lost.")
    return parser


def _add_keep(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--replace", action="store_true",
                        help="write this ingest's tables as they are (a clean rebuild); by default new rows are "
                             "merged by key into the current tables: a file replaces only the plans, flows or "
                             "years it holds, and the report counts rows added, changed and removed")
    parser.add_argument("--keep", type=int, default=DEFAULT_KEEP, metavar="N",
                        help=f"versions to keep after this ingest (default {DEFAULT_KEEP}; 0 keeps all); the "
                             "current one and the one it falls back to are never removed")


def _add_http_options(parser: argparse.ArgumentParser, base_flag: str, base_help: str, timeout: int) -> None:
    """The options of a live pull (base URL, timeout, retries), the same for every source but for defaults.

    Added after the source's own options rather than through a parent parser: argparse lists a parent's
    options first, which would reorder the subcommand's usage and --help.
    """
    parser.add_argument(base_flag, default=None, help=base_help)
    parser.add_argument("--timeout", type=float, default=float(timeout),
                        help=f"seconds per request (default {timeout})")
    parser.add_argument("--retries", type=int, default=4, help="retries per request (default 4)")


def _progress(total: int | None, desc: str, quiet: bool) -> tuple[Callable[[int], None], Callable[[], None]]:
    """A tqdm progress bar on stderr (nothing when quiet or not a terminal)."""
    if quiet:
        return (lambda n=1: None), (lambda: None)
    from tqdm import tqdm
    bar = tqdm(total=total, desc=desc, unit="req" if total is None else "file", file=sys.stderr,
               disable=None, leave=False)
    return (lambda n=1: bar.update(n)), bar.close


def _file_inputs(paths: Sequence[Path], given: str | None = None) -> list[dict[str, Any]]:
    """Provenance records for files a user gave. retrieved_at is when the data were retrieved: the
    --retrieved-at the user gave, else the published record of a known file, else the time a source
    writes into its file name, else unknown (null). Never the file's modification time (a copy resets it)."""
    from .sources.mmp import stamped_time
    known = _known_source_files()
    records = []
    for path in paths:
        digest = sha256_file(path)
        stamp = stamped_time(path.name)
        if given is not None:
            record = input_record(file=path, sha256=digest, retrieved_at=given)
            record["retrieved_at_note"] = "given with --retrieved-at"
        elif digest in known:
            record = dict(known[digest])
        else:
            record = input_record(file=path, sha256=digest, retrieved_at=stamp)
            record["retrieved_at_note"] = ("written by the source in the file name" if stamp else
                                           "unknown: give --retrieved-at when you know when the file was downloaded")
        records.append(record)
    return records


def _retrieved_at(text: str) -> str:
    """--retrieved-at: an ISO date or date and time, as given (checked, not converted)."""
    try:
        datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO date or time, e.g. 2024-04-10 or "
                                         "2024-04-10T23:23:37") from None
    return text


def _known_source_files() -> dict[str, dict[str, Any]]:
    """Published provenance (origin, retrieval date) of known source files, keyed by sha256."""
    path = CURATED_DIR / "source_files.csv"
    if not path.exists():
        return {}
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return {row["sha256"]: {"file": row["file"], "sha256": row["sha256"], "retrieved_at": row["retrieved_at"],
                            "origin": row["origin"]} for _, row in frame.iterrows()}


def _check_files(paths: Sequence[Path]) -> None:
    for path in paths:
        if not path.is_file():
            raise IngestError(f"{path}: no such file; check the path")


def _summary(tables: dict[str, pd.DataFrame], report: Report, target: Path) -> list[str]:
    lines = [f"wrote {len(tables)} table(s) to {redact(target) if is_url(target) else target}"]
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


def _save_raw(data_dir: Path | str, source: str, fetched: list, stamp: str) -> None:
    """Keep the bytes fetched, with provenance, before they are transformed (PREFIX/raw/... in an object store)."""
    if is_url(data_dir):
        store = ObjectStore(str(data_dir))
        store.check_access()
        folder = store.root / "raw" / source / stamp
        put = lambda name, data: store.fs.pipe_file(str(folder / name), data)  # noqa: E731
    else:
        folder = data_dir / "raw" / source / stamp
        folder.mkdir(parents=True, exist_ok=True)
        put = lambda name, data: (folder / name).write_bytes(data)  # noqa: E731
    index = []
    for i, item in enumerate(fetched):
        name = f"{i:04d}.{'json' if 'json' in item.content_type or item.content[:1] in b'[{' else 'bin'}"
        put(name, item.content)
        index.append({"file": name, "url": item.url, "sha256": item.sha256, "retrieved_at": item.retrieved_at,
                      "status": item.status, "content_type": item.content_type})
    put("fetched.json", (json.dumps(index, indent=2) + "\n").encode("utf-8"))


def _client(base: str, args: argparse.Namespace, fts_auth: bool = True):
    from .http import Client
    # "user:password", for FTS's registered clients; never sent to another service
    auth = os.environ.get("FTS_BASIC_AUTH") if fts_auth else None
    return Client(base, timeout=args.timeout, retries=args.retries,
                  auth=tuple(auth.split(":", 1)) if auth and ":" in auth else None)


def cmd_fts(args: argparse.Namespace, report: Report, now: datetime) -> tuple[dict, dict]:
    country = (args.country or "").strip().upper()
    if args.country is not None and (len(country) != 3 or not country.isalpha()):
        raise IngestError(f"--country {args.country!r}: give a three-letter ISO3 code such as VEN")
    if args.file:
        _check_files(args.file)
    from .sources import fts
    if args.file:
        tables = fts.read_files(list(args.file), report)
        inputs = _file_inputs(args.file, args.retrieved_at)
    else:
        if args.hdx_global:
            from .sources.fts.hdx_fetch import GLOBAL_DATASET, HDX_BASE
            base = args.hdx_base or os.environ.get("HDX_BASE") or HDX_BASE
        else:
            base = args.api_base or os.environ.get("FTS_API_BASE") or FTS_API_BASE
        client = _client(base, args, fts_auth=not args.hdx_global)
        tick, close = _progress(None, "FTS requests", args.quiet)
        try:
            if args.hdx_global:
                from .sources.fts.hdx_fetch import fetch_hdx_global
                tables = fetch_hdx_global(client, report, args.hdx_dataset or GLOBAL_DATASET, progress=tick)
            elif args.world:
                from .sources.fts.api_world import FIRST_YEAR, fetch_world
                years = args.year or list(range(FIRST_YEAR, now.year + 1))
                tables = fetch_world(client, years, report, progress=tick, clusters=args.clusters)
            else:
                tables = fts.fetch(client, country, args.year, report, progress=tick)
        finally:
            close()
        _save_raw(args.data_dir, "fts", client.fetched, now.strftime("%Y%m%dT%H%M%SZ"))
        inputs = [{"url": f.url, "sha256": f.sha256, "retrieved_at": f.retrieved_at} for f in client.fetched]
    tables = finish_fts(tables, report, CURATED_DIR)
    if not tables:
        raise IngestError("the input held no plans, funding or flows; check the files or the query")
    return tables, {name: inputs for name in tables}, {name: report.lines() for name in tables}


def cmd_mmp(args: argparse.Namespace, report: Report, now: datetime) -> tuple[dict, dict]:
    if args.file:
        _check_files(args.file)
    from .sources import mmp
    if args.file:
        tick, close = _progress(len(args.file), "MMP files", args.quiet)
        frames = []
        try:
            for path in args.file:
                frames.append(mmp.read_file(path, report))
                tick(1)
        finally:
            close()
        incidents = _concat_incidents(frames, args.file)
        inputs = _file_inputs(args.file, args.retrieved_at)
    else:
        years = args.year or list(range(2014, now.year + 1))
        base = args.base_url or os.environ.get("MMP_BASE_URL") or MMP_BASE_URL
        client = _client(base, args)
        tick, close = _progress(len(years), "MMP feed years", args.quiet)
        try:
            incidents = mmp.fetch(client, years, report, progress=tick)
        finally:
            close()
        _save_raw(args.data_dir, "mmp", client.fetched, now.strftime("%Y%m%dT%H%M%SZ"))
        inputs = [{"url": f.url, "sha256": f.sha256, "retrieved_at": f.retrieved_at} for f in client.fetched]
    tables = {"mmp_incidents": incidents, "mmp_deaths": mmp.aggregate(incidents)}
    return tables, {name: inputs for name in tables}, {name: report.lines() for name in tables}


def _concat_incidents(frames: list[pd.DataFrame], paths: Sequence[Path]) -> pd.DataFrame:
    """Several non-overlapping files into one table; an incident in two files is refused."""
    incidents = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    dup = incidents["incident_id"].duplicated(keep=False)
    if dup.any():
        first = incidents.loc[dup, "incident_id"].iloc[0]
        files = sorted(set(incidents.loc[incidents["incident_id"] == first, "source_file"]))
        raise IngestError(f"incident {first} appears in {' and '.join(files)}: these files overlap "
                          "(different releases of the same data?); ingest one release at a time")
    return incidents


def cmd_snapshot(args: argparse.Namespace, report: Report, now: datetime) -> tuple[dict, dict]:
    from .sources import fts, mmp
    source = args.source
    fts_files = _by_retrieval([p for folder in (source / "fts", source / "fts" / "global") for p in folder.glob("*")
                               if p.suffix in {".json", ".csv"}])
    mmp_files = [source / rel for rel in SNAPSHOT_MMP_FILES]
    _check_files(fts_files + mmp_files)
    if not fts_files:
        raise IngestError(f"{source / 'fts'}: no FTS files (*.json, *.csv) found")
    fts_report, mmp_report = Report(), Report()
    tables = finish_fts(fts.read_files(fts_files, fts_report), fts_report, CURATED_DIR)
    incidents = _concat_incidents([mmp.read_file(p, mmp_report) for p in mmp_files], mmp_files)
    # IOM's incident records (CC BY 4.0) ship too: the map, the incidents table and day precision need them
    tables["mmp_incidents"] = incidents
    tables["mmp_deaths"] = mmp.aggregate(incidents)
    tables = {name: frame for name, frame in tables.items() if name in SNAPSHOT_TABLES}
    for part in (fts_report, mmp_report):
        report.counts.update(part.counts)
        report.warnings += part.warnings
    fts_inputs, mmp_inputs = _file_inputs(fts_files), _file_inputs(mmp_files)
    pick = {name: name.startswith("mmp_") for name in tables}
    return (tables, {name: (mmp_inputs if pick[name] else fts_inputs) for name in tables},
            {name: (mmp_report if pick[name] else fts_report).lines() for name in tables})


def _by_retrieval(paths: list[Path]) -> list[Path]:
    """Files in the order they were retrieved (data/curated/source_files.csv), so a newer file's figures
    win. Files of unknown date come first, by name; of those, the worldwide exports (fts/global/, known
    to be of 2026) last, after the older API recordings of test suites."""
    known = {row["file"]: row.get("retrieved_at") or "" for row in _known_source_files().values()}

    def key(path: Path) -> tuple[str, bool, str]:
        date = known.get(path.name, "unknown")
        return ("" if date == "unknown" else date, path.parent.name == "global", path.name)
    return sorted(paths, key=key)


def cmd_status(args: argparse.Namespace) -> int:
    problems: list[str] = []
    for label, store in (("ingested", Store.for_url(args.data_dir)), ("bundled snapshot", Store(snapshot_dir()))):
        manifest = store.manifest()
        print(f"{label}: {getattr(store, 'url', store.root)}"
              + (f" (version {manifest.get('version')})" if manifest else " (empty)"))
        for name, entry in manifest.get("tables", {}).items():
            dates = sorted({str(i.get("retrieved_at") or "unknown")[:10] for i in entry.get("inputs", [])})
            print(f"  {name}: {entry['rows']:,} rows, {entry['source']}, {entry['licence']}, "
                  f"retrieved {', '.join(dates) or 'unknown'}")
        problems += [f"{label}: {line}" for line in store.problems()]
    for line in problems:
        print(f"ingest status: {line}; run `python -m ingest verify`", file=sys.stderr)
    return 1 if problems else 0


def cmd_verify(args: argparse.Namespace) -> int:
    ok = True
    for label, store in (("ingested", Store.for_url(args.data_dir)), ("bundled snapshot", Store(snapshot_dir()))):
        lines, fine = store.verify_report()
        ok = ok and fine
        print(f"{label}: {getattr(store, 'url', store.root)}" + ("" if lines else " (empty)"))
        for line in lines:
            print(f"  {line}")
    if not ok:
        print("ingest verify: damaged data (see DAMAGED above); the app serves each damaged table from the newest "
              "version where it is intact; re-run the ingest of its source to replace it", file=sys.stderr)
    return 0 if ok else 1


def main(argv: Sequence[str] | None = None, *, now: datetime | None = None) -> int:
    """Run the CLI; returns the exit status."""
    args = build_parser().parse_args(argv)
    args.data_dir = args.data_dir or default_data_dir()
    now = now or datetime.now(timezone.utc)
    report = Report()
    try:
        if args.command == "status":
            return cmd_status(args)
        if args.command == "verify":
            return cmd_verify(args)
        if args.command == "snapshot":
            if args.as_of:
                try:
                    now = datetime.strptime(args.as_of, "%Y-%m-%d").replace(tzinfo=timezone.utc)
                except ValueError:
                    raise IngestError(f"--as-of {args.as_of!r}: give a date as YYYY-MM-DD") from None
            target = args.out or snapshot_dir()
            tables, inputs, notes = cmd_snapshot(args, report, now)
            Store(target).write(tables, inputs, now=now, notes=notes, layout="flat")
        else:
            target = args.data_dir
            tables, inputs, notes = (cmd_fts if args.command == "fts" else cmd_mmp)(args, report, now)
            store = Store.for_url(target)
            merged: dict[str, Merged] = {}

            def by_key(name: str, new: pd.DataFrame, current: pd.DataFrame | None) -> tuple[pd.DataFrame, str]:
                merged[name] = merge_tables(name, new, current)
                return merged[name].frame, merged[name].note()

            store.write(tables, inputs, now=now, notes=notes, keep=args.keep,
                        merge=None if args.replace else by_key)
            tables = {name: merged[name].frame if name in merged else frame for name, frame in tables.items()}
            for name, result in sorted(merged.items()):
                report.count(f"{name}: {result.note()}")
            report.warnings += store.warnings
    except (IngestError, OSError) as exc:
        print(f"ingest {args.command}: error: {for_user(str(exc))}", file=sys.stderr)
        print("nothing was written; the previous tables are unchanged.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"ingest {args.command}: interrupted; nothing was written.", file=sys.stderr)
        return 130
    print("\n".join(_summary(tables, report, target)))
    return 0

