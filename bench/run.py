"""Run the benchmark suite and print one table (benchmark, ours, baseline, ratio, target, pass/fail).

    python -m bench.run                          # everything (about 15-25 minutes on 2 cores)
    python -m bench.run --quick                  # fewer repeats
    python -m bench.run --only queries,memory    # some benchmarks
    python -m bench.run --list                   # names

From the repository root (`python bench/run.py ...` does the same).

The table is also written as Markdown, with machine info and per-row notes, to bench/out/latest.md.
Ratios are ours / baseline, both measured side by side in this process (memory: in fresh subprocesses).
See bench/README.md.
"""
from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

if __name__ == "__main__" and not __package__:
    # Run as a file (`python bench/run.py`): bench/ is then not importable as a package, so run the module
    # instead, with this checkout first on PYTHONPATH (what the Makefile sets); same arguments, same process id.
    os.execve(sys.executable, [sys.executable, "-m", "bench.run", *sys.argv[1:]],
              {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))})

from bench.cases import BENCHMARKS  # noqa: E402
from bench.harness import Context, Result, error_result, render_markdown, render_text, summary_line  # noqa: E402

OUT = REPO / "bench" / "out" / "latest.md"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _version(module: str) -> str:
    try:
        from importlib.metadata import version

        return version(module)
    except Exception:
        return "not installed"


def _git() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True,
                              timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return head + (" (working tree has uncommitted changes)" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def machine_info() -> dict[str, str]:
    """CPU model, cores, RAM, OS, Python and library versions, and the commit measured."""
    cores = os.cpu_count() or 0
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    return {
        "CPU": _cpu_model(),
        "cores": f"{cores} logical ({usable} usable by this process)",
        "RAM": _ram(),
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "pandas": _version("pandas"),
        "numpy": _version("numpy"),
        "pyarrow": _version("pyarrow"),
        "pandera": _version("pandera"),
        "plotly": _version("plotly"),
        "dash": _version("dash"),
        "openpyxl": _version("openpyxl"),
        "python-calamine": _version("python-calamine"),
        "psutil": _version("psutil"),
        "commit": _git(),
        "load average at start (1/5/15 min)": _loadavg(),
    }


def _loadavg() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg()) + " (other processes share the cores)"
    except OSError:
        return "unknown"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    p.add_argument("--only", metavar="NAME[,NAME]", default="",
                   help="run only these benchmarks (comma-separated; see --list)")
    p.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run; p95 is then rough)")
    p.add_argument("--list", action="store_true", help="print the benchmark names and exit")
    p.add_argument("--out", type=Path, default=OUT, help=f"Markdown output (default {OUT.relative_to(REPO)})")
    p.add_argument("--keep-data", action="store_true", help="keep the temporary synthetic data directories")
    p.add_argument("--strict", action="store_true", help="exit 1 when a target is missed or a benchmark errors")
    return p.parse_args(argv)


def selected(only: str) -> list[str]:
    """Benchmark names to run, in suite order; SystemExit(2) for an unknown name."""
    if not only.strip():
        return list(BENCHMARKS)
    names = [n.strip() for n in only.split(",") if n.strip()]
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}", file=sys.stderr)
        raise SystemExit(2)
    return [n for n in BENCHMARKS if n in names]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list:
        print("\n".join(BENCHMARKS))
        return 0
    names = selected(args.only)
    machine = machine_info()
    ctx = Context(quick=args.quick, keep=args.keep_data)
    results: list[Result] = []
    started, started_at = time.perf_counter(), datetime.now(timezone.utc)
    try:
        for name in names:
            ctx.log(f"[{name}] ...")
            t0 = time.perf_counter()
            try:
                rows = BENCHMARKS[name](ctx)
            except Exception as exc:  # one broken benchmark must not hide the others
                traceback.print_exc()
                rows = [error_result(name, exc)]
            results += rows
            ctx.log(f"[{name}] done in {time.perf_counter() - t0:.0f} s")
    finally:
        ctx.close()
    elapsed = time.perf_counter() - started
    table = render_text(results)
    print(table)
    print()
    print(summary_line(results))
    mode = "quick" if args.quick else "full"
    preamble = (f"`python -m bench.run{' --quick' if args.quick else ''}"
                f"{' --only ' + args.only if args.only else ''}` ({mode} run, {elapsed / 60:.1f} min), started "
                f"{started_at.isoformat(timespec='seconds')}. Ratios are ours ÷ baseline measured "
                f"side by side in the same process; absolute times depend on the machine.\n\n"
                f"{summary_line(results)}")
    machine["load average at end (1/5/15 min)"] = _loadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render_markdown(results, machine, preamble=preamble), encoding="utf-8")
    print(f"\nwritten: {args.out}", file=sys.stderr)
    failed = any(r.verdict().startswith(("FAIL", "error")) for r in results)
    return 1 if (args.strict and failed) else 0


if __name__ == "__main__":
    sys.exit(main())
