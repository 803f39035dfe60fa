"""Profile our side of one benchmark with cProfile, to find why a target is missed.

    python -m bench.hotspots mmp_csv_ingest
    python -m bench.hotspots queries --scale 100      # builds the x100 data first (about a minute)
    python -m bench.hotspots fts_flows_parse --top 40

Prints the functions with the most cumulative time, first those in ingest/ and dashboard/, then all.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
from typing import Any, Callable

from bench import synth
from bench.cases.fts_flows import parse_flow_pages
from bench.cases.mmp_ingest import ingest_mmp, largest_mmp_csv
from bench.cases.queries import QUERIES
from bench.harness import Context


def workload(name: str, scale: int, ctx: Context) -> tuple[Callable[[], Any], Callable[[], Any]]:
    """(warm-up, profiled workload) for a benchmark's own side."""
    if name == "mmp_xlsx_ingest":
        path = synth.reference_file(synth.MMP_XLSX)
        return (lambda: ingest_mmp(path)), (lambda: ingest_mmp(path))
    if name == "mmp_csv_ingest":
        path, _enc = largest_mmp_csv()
        return (lambda: ingest_mmp(path)), (lambda: [ingest_mmp(path) for _ in range(5)])
    if name == "fts_flows_parse":
        pages = synth.flow_pages()
        return (lambda: parse_flow_pages(pages)), (lambda: [parse_flow_pages(pages) for _ in range(10)])
    if name == "queries":
        from dashboard.queries.views import VIEWS

        ds = ctx.dataset(scale)
        work = [(VIEWS[q.view], q.filters(ds)) for q in QUERIES if q.view in VIEWS]

        def run() -> None:
            for view, filters in work:
                for f in filters:
                    view.compute(ds, f)
        return run, run
    raise SystemExit(f"no profile workload for {name!r}; choose from mmp_xlsx_ingest, mmp_csv_ingest, "
                     "fts_flows_parse, queries")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.hotspots", description=__doc__.split("\n\n")[0])
    p.add_argument("name")
    p.add_argument("--scale", type=int, default=100, help="incident scale for `queries` (1, 10 or 100)")
    p.add_argument("--top", type=int, default=30)
    args = p.parse_args(argv)
    ctx = Context()
    try:
        warm, work = workload(args.name, args.scale, ctx)
        warm()
        prof = cProfile.Profile()
        prof.enable()
        work()
        prof.disable()
    finally:
        ctx.close()
    for title, pattern in (("project code (ingest/, dashboard/)", r"/(ingest|dashboard)/"), ("everything", "")):
        out = io.StringIO()
        stats = pstats.Stats(prof, stream=out).sort_stats("cumulative")
        stats.print_stats(pattern, args.top) if pattern else stats.print_stats(args.top)
        print(f"==== {args.name}: {title}")
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
