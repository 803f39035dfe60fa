"""The command line: `python -m ingest {fts,mmp,snapshot,status,verify}`. Its --help is the documentation.

Only the arguments live here; what each command does is in ingest.pipeline (fts, mmp, snapshot) and
ingest.checks (status, verify)."""
from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence, TypeAlias

import pandas as pd

from . import checks, pipeline
from .errors import IngestError, for_user
from .pipeline import SNAPSHOT_TABLES, Ingest, Live
from .report import Report
from .settings import FTS_API_BASE, MMP_BASE_URL, Settings
from .storage.backend import location
from .storage.layout import DEFAULT_KEEP
from .storage.local import Store
from .storage.open import default_data_dir, snapshot_dir

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


Sub: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"  # what add_subparsers returns


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
    _fts_parser(sub, common)
    _mmp_parser(sub, common)
    _snapshot_parser(sub, common)
    _check_parsers(sub, common)
    return parser


def _subcommand(sub: Sub, common: argparse.ArgumentParser, name: str, *, help: str, description: str,
                epilog: str) -> argparse.ArgumentParser:
    """A subcommand with the common options; its description and epilog keep their line breaks."""
    return sub.add_parser(name, parents=[common], formatter_class=argparse.RawDescriptionHelpFormatter,
                          help=help, description=description, epilog=epilog)


def _fts_parser(sub: Sub, common: argparse.ArgumentParser) -> None:
    fts = _subcommand(
        sub, common, "fts",
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


def _mmp_parser(sub: Sub, common: argparse.ArgumentParser) -> None:
    mmp = _subcommand(
        sub, common, "mmp",
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


def _snapshot_parser(sub: Sub, common: argparse.ArgumentParser) -> None:
    snap = _subcommand(
        sub, common, "snapshot",
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


def _check_parsers(sub: Sub, common: argparse.ArgumentParser) -> None:
    sub.add_parser("status", parents=[common], help="list the tables in the data directory with provenance",
                   description="Print the manifest of the current version in the data directory and the snapshot. "
                               "Exits 1, naming the file, when a table of the current version is damaged or the "
                               "pointer to the current version is lost.")
    sub.add_parser("verify", parents=[common], help="check every kept version's files against its manifest",
                   description="Check every table file of every version in the data directory (and the bundled "
                               "snapshot) against its manifest: size, sha256 and row count. Prints each file's "
                               "state; exits 1 when any file is damaged or the pointer to the current version is "
                               "lost.")


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


def _retrieved_at(text: str) -> str:
    """--retrieved-at: an ISO date or date and time, as given (checked, not converted)."""
    try:
        datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO date or time, e.g. 2024-04-10 or "
                                         "2024-04-10T23:23:37") from None
    return text


def cmd_fts(args: argparse.Namespace, report: Report, now: datetime, settings: Settings) -> Ingest:
    country = (args.country or "").strip().upper()
    if args.country is not None and (len(country) != 3 or not country.isalpha()):
        raise IngestError(f"--country {args.country!r}: give a three-letter ISO3 code such as VEN")
    if args.file:
        return pipeline.fts_files(args.file, args.retrieved_at, report)
    if args.hdx_global:
        from .sources.fts.hdx_fetch import GLOBAL_DATASET
        live = _live(args, args.hdx_base or settings.hdx_base, None)
        return pipeline.fts_live(live, report, now, hdx_dataset=args.hdx_dataset or GLOBAL_DATASET)
    live = _live(args, args.api_base or settings.fts_api_base, settings.fts_basic_auth)
    return pipeline.fts_live(live, report, now, country=country, years=args.year, world=args.world,
                             clusters=args.clusters)


def cmd_mmp(args: argparse.Namespace, report: Report, now: datetime, settings: Settings) -> Ingest:
    if args.file:
        return pipeline.mmp_files(args.file, args.retrieved_at, report, args.quiet)
    # FTS_BASIC_AUTH is an FTS credential: never sent to the IOM site
    live = _live(args, args.base_url or settings.mmp_base_url, None)
    return pipeline.mmp_live(live, args.year, report, now)


def cmd_snapshot(args: argparse.Namespace, report: Report, now: datetime) -> Ingest:
    return pipeline.snapshot(args.source, report)


def _live(args: argparse.Namespace, base: str, auth: str | None) -> Live:
    return Live(base, timeout=args.timeout, retries=args.retries, quiet=args.quiet, data_dir=args.data_dir, auth=auth)


def _run(args: argparse.Namespace, report: Report, now: datetime) -> tuple[dict[str, pd.DataFrame], Path | str]:
    """Run an ingest command and write its tables: (the tables written, where)."""
    if args.command == "snapshot":
        if args.as_of:
            try:
                now = datetime.strptime(args.as_of, "%Y-%m-%d").replace(tzinfo=timezone.utc)
            except ValueError:
                raise IngestError(f"--as-of {args.as_of!r}: give a date as YYYY-MM-DD") from None
        target: Path | str = args.out or snapshot_dir()
        ingest = cmd_snapshot(args, report, now)
        Store(target).write(ingest.tables, ingest.inputs, now=now, notes=ingest.notes, layout="flat")
        return ingest.tables, target
    target = args.data_dir
    settings = Settings.from_env()
    ingest = (cmd_fts if args.command == "fts" else cmd_mmp)(args, report, now, settings)
    tables = pipeline.write(Store.for_url(target), ingest, report, now, keep=args.keep, replace=args.replace)
    return tables, target


def main(argv: Sequence[str] | None = None, *, now: datetime | None = None) -> int:
    """Run the CLI; returns the exit status."""
    args = build_parser().parse_args(argv)
    args.data_dir = args.data_dir or default_data_dir()
    now = now or datetime.now(timezone.utc)
    report = Report()
    try:
        if args.command == "status":
            return checks.status(args.data_dir)
        if args.command == "verify":
            return checks.verify(args.data_dir)
        tables, target = _run(args, report, now)
    except (IngestError, OSError) as exc:
        print(f"ingest {args.command}: error: {for_user(str(exc))}", file=sys.stderr)
        print("nothing was written; the previous tables are unchanged.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"ingest {args.command}: interrupted; nothing was written.", file=sys.stderr)
        return 130
    print("\n".join(pipeline.summary(tables, report, target)))
    return 0
