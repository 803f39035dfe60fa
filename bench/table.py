"""Results, targets and the one table the suite prints (plain text) and writes (Markdown).

A `Result` is one row: what we measured (`ours`), what we compare it with (`baseline`), their ratio
(ours / baseline), the targets and a verdict. Timings carry median and p95 (`Stats`); a target can
check the ratio, our median or our p95. Rows that nobody has measured yet (hooks) and rows that
failed to run say so instead of a verdict, so the table always has the same shape.
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from typing import Sequence

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
    """The table as aligned plain text (what `python bench/run.py` prints)."""
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
