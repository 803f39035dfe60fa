"""The benchmark harness: the registry of benchmarks, the shared Context, side-by-side timing, and the
results, targets and the one table the suite prints (plain text) and writes (Markdown).

A benchmark is a function `(Context) -> list[Result]` in a module of bench/cases/, registered with
`@register(name)`. A `Result` is one row: what we measured (`ours`), what we compare it with
(`baseline`), their ratio (ours / baseline), the targets and a verdict. Timings carry median and p95
(`Stats`); a target can check the ratio, our median or our p95. Rows that nobody has measured yet
(hooks) and rows that failed to run say so instead of a verdict, so the table always has the same shape.

Every timing compares ours with its baseline in the same process, alternating the two call by call
(ours/baseline, then baseline/ours, ...) after one warm-up call of each, so both see the same machine.
"""
from __future__ import annotations

import gc
import hashlib
import math
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Sequence

from bench import synth

PASS = "pass"
FAIL = "FAIL"
INFO = "info"  # measured, no target (context for another row)
NOT_MEASURED = "not yet measured"
ERROR = "error"

COLUMNS = ["benchmark", "ours", "baseline", "ratio", "target", "pass/fail"]


# ------------------------------------------------------------------------------------------ numbers


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between closest ranks (numpy's default)."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    pos = (len(ordered) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


@dataclass(frozen=True)
class Stats:
    """Summary of repeated measurements of one thing (seconds, bytes, ... as the caller decides)."""

    median: float
    p95: float
    n: int

    @classmethod
    def of(cls, samples: Sequence[float]) -> "Stats":
        return cls(statistics.median(samples), percentile(samples, 95), len(samples))


def fmt_seconds(s: float | None) -> str:
    """A duration with a unit that keeps three significant digits."""
    if s is None or (isinstance(s, float) and math.isnan(s)):
        return "—"
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.3g} ms"
    return f"{s * 1e6:.3g} µs"


def fmt_timing(stats: Stats | None) -> str:
    """'median 1.23 s, p95 1.31 s (n=7)'."""
    if stats is None:
        return "—"
    return f"median {fmt_seconds(stats.median)}, p95 {fmt_seconds(stats.p95)} (n={stats.n})"


def fmt_bytes(n: float | None) -> str:
    """Decimal units (1 kB = 1000 B, 1 MB = 10^6 B): the stricter reading of a "150 KB" target."""
    if n is None:
        return "—"
    if n >= 1e6:
        return f"{n / 1e6:.1f} MB"
    if n >= 1e3:
        return f"{n / 1e3:.1f} kB"
    return f"{int(n)} B"


def fmt_ratio(r: float | None) -> str:
    if r is None or math.isnan(r):
        return "—"
    if r >= 100:
        return f"{r:.0f}"
    if r >= 10:
        return f"{r:.1f}"
    if r >= 0.01:
        return f"{r:.2f}"
    return f"{r:.2g}"


# ------------------------------------------------------------------------------------------ targets


@dataclass(frozen=True)
class Target:
    """One pass condition: `on` (ratio | median | p95 | value) `op` (<= | >=) `limit`.

    `label` is what the table shows, e.g. "≤ 0.5" for a ratio or "p95 ≤ 20 ms".
    """

    on: str
    op: str
    limit: float
    label: str

    def __post_init__(self) -> None:
        if self.on not in ("ratio", "median", "p95", "value") or self.op not in ("<=", ">="):
            raise ValueError(f"bad target {self.on} {self.op} {self.limit}")

    def met(self, result: "Result") -> bool | None:
        """True/False, or None when the row lacks the number this target needs."""
        value = {"ratio": result.ratio, "median": result.ours, "p95": result.ours_p95,
                 "value": result.ours}[self.on]
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        return value <= self.limit if self.op == "<=" else value >= self.limit


def ratio_at_most(limit: float) -> Target:
    return Target("ratio", "<=", limit, f"ratio ≤ {limit:g}")


def p95_at_most(seconds: float) -> Target:
    return Target("p95", "<=", seconds, f"p95 ≤ {fmt_seconds(seconds)}")


def bytes_at_most(n: float, what: str = "") -> Target:
    label = f"{n / 1e6:g} MB" if n >= 1e6 else f"{n / 1e3:g} kB"
    return Target("value", "<=", n, f"{what}≤ {label}")


# ------------------------------------------------------------------------------------------ rows


@dataclass
class Result:
    """One row of the table.

    `ours` / `baseline` are the numbers compared (a median for timings, bytes for sizes, a factor
    for growth rows); `ours_p95` is set for timings. `ours_text` / `baseline_text` are what the table
    shows (defaults derived from the numbers). `status` forces NOT_MEASURED or ERROR.
    """

    benchmark: str
    ours: float | None = None
    baseline: float | None = None
    ours_p95: float | None = None
    ours_text: str = ""
    baseline_text: str = ""
    targets: tuple[Target, ...] = ()
    status: str | None = None
    note: str = ""
    detail: dict = field(default_factory=dict)  # anything else worth keeping in latest.md

    @property
    def ratio(self) -> float | None:
        if self.ours is None or self.baseline in (None, 0):
            return None
        return self.ours / self.baseline

    def failed_targets(self) -> list[Target]:
        return [t for t in self.targets if t.met(self) is False]

    def verdict(self) -> str:
        """pass, FAIL (which targets), info (no target), not yet measured, error."""
        if self.status in (NOT_MEASURED, ERROR):
            return self.status
        if not self.targets:
            return INFO
        checks = [t.met(self) for t in self.targets]
        if any(c is False for c in checks):
            return FAIL + (f" ({'; '.join(t.label for t in self.failed_targets())})" if len(checks) > 1 else "")
        if any(c is None for c in checks):
            return ERROR
        return PASS

    def cells(self) -> list[str]:
        return [self.benchmark, self.ours_text or _plain(self.ours), self.baseline_text or _plain(self.baseline),
                fmt_ratio(self.ratio), "; ".join(t.label for t in self.targets) or "—", self.verdict()]


def _plain(x: float | None) -> str:
    return "—" if x is None else f"{x:.4g}"


def timing_result(name: str, ours: Stats, baseline: Stats | None, targets: Sequence[Target] = (),
                  note: str = "", baseline_label: str = "", detail: dict | None = None) -> Result:
    """A row comparing two timings (ratio of medians)."""
    return Result(name, ours=ours.median, ours_p95=ours.p95, baseline=baseline.median if baseline else None,
                  ours_text=fmt_timing(ours),
                  baseline_text=(f"{baseline_label}: " if baseline_label else "") + fmt_timing(baseline),
                  targets=tuple(targets), note=note, detail=dict(detail or {}))


def not_measured(name: str, target: str = "", note: str = "") -> Result:
    """A hook row: the measurement exists in the table but nobody has implemented it yet."""
    targets = (Target("value", "<=", math.inf, target),) if target else ()
    return Result(name, ours_text=NOT_MEASURED, baseline_text="—", targets=targets, status=NOT_MEASURED, note=note)


def error_result(name: str, exc: BaseException) -> Result:
    return Result(name, ours_text=f"{type(exc).__name__}: {exc}"[:120], status=ERROR)


# ------------------------------------------------------------------------------------------ rendering


def _widths(rows: list[list[str]]) -> list[int]:
    return [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]


def render_text(results: Sequence[Result]) -> str:
    """The table as aligned plain text (what `python -m bench.run` prints)."""
    rows = [COLUMNS] + [r.cells() for r in results]
    widths = _widths(rows)
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    out = [line(rows[0]), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in rows[1:]]
    return "\n".join(out)


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(results: Sequence[Result], machine: dict[str, str] | None = None, title: str = "Benchmarks",
                    preamble: str = "") -> str:
    """The same table as Markdown, with machine info, notes per row and the details kept per row."""
    parts = [f"# {title}", ""]
    if preamble:
        parts += [preamble, ""]
    if machine:
        parts += ["## Machine", ""] + [f"- **{k}**: {v}" for k, v in machine.items()] + [""]
    parts += ["## Results", "", "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    parts += ["| " + " | ".join(_md_escape(c) for c in r.cells()) + " |" for r in results]
    notes = [r for r in results if r.note or r.detail]
    if notes:
        parts += ["", "## Notes", ""]
        for r in notes:
            parts.append(f"- **{_md_escape(r.benchmark)}**" + (f": {r.note}" if r.note else ""))
            for key, value in r.detail.items():
                parts.append(f"  - {key}: {value}")
    return "\n".join(parts) + "\n"


def summary_line(results: Sequence[Result]) -> str:
    verdicts = [r.verdict() for r in results]
    n_fail = sum(v.startswith(FAIL) for v in verdicts)
    return (f"{sum(v == PASS for v in verdicts)} pass, {n_fail} fail, {sum(v == INFO for v in verdicts)} info, "
            f"{sum(v == NOT_MEASURED for v in verdicts)} not yet measured, {sum(v == ERROR for v in verdicts)} error")


# ------------------------------------------------------------------------------------------ registry

Benchmark = Callable[["Context"], list[Result]]
BENCHMARKS: dict[str, Benchmark] = {}
"""Every benchmark by name, in suite order (the order bench/cases/__init__.py imports the modules in)."""


def register(name: str) -> Callable[[Benchmark], Benchmark]:
    """Decorator: add a benchmark function to BENCHMARKS under `name` (the name --only and --list use)."""

    def add(fn: Benchmark) -> Benchmark:
        if name in BENCHMARKS:
            raise ValueError(f"benchmark {name!r} registered twice ({BENCHMARKS[name].__module__}, {fn.__module__})")
        BENCHMARKS[name] = fn
        return fn

    return add


# ------------------------------------------------------------------------------------------ context

QUERY_SCALES = (1, 10, 100)
TOP_SCALE = 100


class Context:
    """Options and everything built once and shared between benchmarks (synthetic data dirs, loads)."""

    def __init__(self, quick: bool = False, keep: bool = False, log: Callable[[str], None] | None = None) -> None:
        self.quick = quick
        self.keep = keep
        self.log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
        self.tmp = Path(tempfile.mkdtemp(prefix="humdash-bench-"))
        self._data_dirs: dict[int, Path] = {}
        self._rows: dict[int, int] = {}
        self._datasets: dict[int, Any] = {}
        self.load_seconds: dict[int, float] = {}
        self.shared: dict[str, Any] = {}  # results one benchmark measures for others (e.g. the browser loads)

    def n(self, full: int, quick: int) -> int:
        """Repeat count for this run."""
        return quick if self.quick else full

    def close(self) -> None:
        self._datasets.clear()
        if self.keep:
            self.log(f"kept temporary data in {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # ---- data ------------------------------------------------------------------------------
    def empty_dir(self) -> Path:
        """A data directory with nothing ingested: the app falls back to the bundled snapshot."""
        path = self.tmp / "empty"
        path.mkdir(exist_ok=True)
        return path

    def data_dir(self, k: int) -> Path:
        """A data directory holding the real incidents scaled xk, ingested the way `python -m ingest mmp`
        writes them (mmp_incidents + mmp_deaths through Store.write); FTS tables come from the snapshot."""
        if k not in self._data_dirs:
            from ingest.sources import mmp
            from ingest.store import Store

            real = synth.real_incidents()
            self.log(f"  writing x{k} incidents ({k * len(real):,}) to a temporary data directory ...")
            incidents = real if k == 1 else synth.scale_incidents(real, k, seed=k)
            source = synth.reference_file(synth.MMP_XLSX)
            record = {"file": f"synthetic x{k} sample of {source.name}",
                      "sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
                      "retrieved_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
            path = self.tmp / f"x{k}"
            Store(path).write({"mmp_incidents": incidents, "mmp_deaths": mmp.aggregate(incidents)},
                              {"mmp_incidents": [record], "mmp_deaths": [record]})
            self._rows[k] = len(incidents)
            self._data_dirs[k] = path
            del incidents
            gc.collect()
        return self._data_dirs[k]

    def rows(self, k: int) -> int:
        self.data_dir(k)
        return self._rows[k]

    def dataset(self, k: int) -> Any:
        """The app's loaded data for xk (dashboard.data.DataSource: read, validate, build the cube)."""
        if k not in self._datasets:
            from dashboard.data import DataSource

            path = self.data_dir(k)
            gc.collect()
            start = time.perf_counter()
            ds = DataSource(path, check_every=1e9).current()
            self.load_seconds[k] = time.perf_counter() - start
            if ds.error:
                raise RuntimeError(f"loading {path} failed: {ds.error}")
            self._datasets[k] = ds
        return self._datasets[k]

    def drop_dataset(self, k: int) -> None:
        self._datasets.pop(k, None)
        gc.collect()


# ------------------------------------------------------------------------------------------ timing


def _timed(fn: Callable[[], Any]) -> tuple[float, float]:
    """(wall-clock seconds, CPU seconds of this process) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


@dataclass
class Comparison:
    """Side-by-side timings: wall-clock (what the table shows) and process CPU time (in the notes:
    with other processes on the cores, CPU time shows how much of the wall-clock was waiting)."""

    ours: Stats
    baseline: Stats
    ours_cpu: Stats
    baseline_cpu: Stats
    first: float  # wall-clock of the very first call of ours (cold caches)

    def cpu_note(self) -> dict[str, str]:
        ratio = self.ours_cpu.median / self.baseline_cpu.median if self.baseline_cpu.median else float("nan")
        return {"CPU time (process_time), for contention": f"ours {fmt_timing(self.ours_cpu)}; baseline "
                f"{fmt_timing(self.baseline_cpu)}; ratio of medians {ratio:.2f}"}


def compare(ours: Callable[[], Any], baseline: Callable[[], Any], repeats: int, warmup: int = 1,
            collect: bool = True) -> Comparison:
    """Time both `repeats` times after `warmup` calls each, alternating which goes first."""
    first = _timed(ours)[0]
    for _ in range(warmup):
        baseline()
        if warmup > 1:
            ours()
    samples: dict[int, list[tuple[float, float]]] = {0: [], 1: []}
    for i in range(repeats):
        for which in ((0, 1) if i % 2 == 0 else (1, 0)):
            if collect:
                gc.collect()
            samples[which].append(_timed(ours if which == 0 else baseline))
    wall = {k: Stats.of([w for w, _c in v]) for k, v in samples.items()}
    cpu = {k: Stats.of([c for _w, c in v]) for k, v in samples.items()}
    return Comparison(wall[0], wall[1], cpu[0], cpu[1], first)
