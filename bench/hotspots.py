"""Profile our side of one benchmark with cProfile, to find why a target is missed.

    python bench/hotspots.py mmp_csv_ingest
    python bench/hotspots.py queries --scale 100      # builds the x100 data first (about a minute)
    python bench/hotspots.py fts_flows_parse --top 40

Prints the functions with the most cumulative time, first those in ingest/ and dashboard/, then all.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench import benchmarks as b  # noqa: E402
from bench import synth  # noqa: E402


def workload(name: str, scale: int, ctx: b.Context) -> tuple[Callable[[], Any], Callable[[], Any]]:
    """(warm-up, profiled workload) for a benchmark's own side."""
    if name == "mmp_xlsx_ingest":
        path = synth.reference_file(synth.MMP_XLSX)
        return (lambda: b._ingest_mmp(path)), (lambda: b._ingest_mmp(path))
    if name == "mmp_csv_ingest":
        path, _enc = b.largest_mmp_csv()
        return (lambda: b._ingest_mmp(path)), (lambda: [b._ingest_mmp(path) for _ in range(5)])
    if name == "fts_flows_parse":
        pages = synth.flow_pages()
        return (lambda: b.parse_flow_pages(pages)), (lambda: [b.parse_flow_pages(pages) for _ in range(10)])
    if name == "queries":
        from dashboard.queries.views import VIEWS

        ds = ctx.dataset(scale)
        work = [(VIEWS[q.view], q.filters(ds)) for q in b.QUERIES if q.view in VIEWS]

        def run() -> None:
            for view, filters in work:
                for f in filters:
                    view.compute(ds, f)
        return run, run
    raise SystemExit(f"no profile workload for {name!r}; choose from mmp_xlsx_ingest, mmp_csv_ingest, "
                     "fts_flows_parse, queries")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python bench/hotspots.py", description=__doc__.split("\n\n")[0])
    p.add_argument("name")
    p.add_argument("--scale", type=int, default=100, help="incident scale for `queries` (1, 10 or 100)")
    p.add_argument("--top", type=int, default=30)
    args = p.parse_args(argv)
    ctx = b.Context()
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
