"""callback_e2e: HTTP POST /_dash-update-component to the /migration chart callbacks on gunicorn (one sync
worker each) serving the bundled snapshot (x1) and x100 incidents; both servers up at once, requests
interleaved; every selection first sent once (the view's query runs), then again (LRU cache hit); against
a trivial callback on the same page and server (the floor of Dash + gunicorn + HTTP)."""
from __future__ import annotations

import os
import statistics
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from bench.dashpage import (CALLBACK_PAGE, CALLBACK_URL, callback_body, callback_selections, chart_callbacks,
                            chart_name, check_chart_answer, migration_page, trivial_callback)
from bench.harness import (TOP_SCALE, Context, Result, Stats, fmt_bytes, fmt_ratio, fmt_seconds, fmt_timing,
                           percentile, ratio_at_most, register, timing_result)
from bench.servers import Gunicorn, gunicorn_settings
from load import dashflow

CALLBACK_SCALES = (1, TOP_SCALE)
PHASES = ("first", "repeat")


@dataclass
class CallbackServer:
    """One scale's server, its page as the browser sees it and the samples taken from it."""

    k: int
    server: Gunicorn
    session: Any
    deps: list[dict[str, Any]]
    page: dict[str, Any]
    charts: list[dict[str, Any]]
    trivial: dict[str, Any]


@dataclass
class Samples:
    """Wall-clock per request by (phase, scale), also per chart; worker CPU; the floor; answer sizes."""

    samples: dict[tuple[str, int], list[float]] = field(
        default_factory=lambda: {(p, k): [] for p in PHASES for k in CALLBACK_SCALES})
    per_chart: dict[tuple[str, int], dict[str, list[float]]] = field(
        default_factory=lambda: {(p, k): {} for p in PHASES for k in CALLBACK_SCALES})
    cpu: dict[tuple[str, int], float] = field(  # worker CPU seconds, summed (then per request)
        default_factory=lambda: {(p, k): 0.0 for p in PHASES for k in CALLBACK_SCALES})
    floor: dict[int, list[float]] = field(default_factory=lambda: {k: [] for k in CALLBACK_SCALES})
    sizes: dict[int, list[int]] = field(default_factory=lambda: {k: [] for k in CALLBACK_SCALES})
    rss: dict[int, str] = field(default_factory=dict)


def _post(s: CallbackServer, body: dict[str, Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    response = s.session.post(s.server.base + CALLBACK_URL, json=body, timeout=120)
    return time.perf_counter() - start, response


def _rss(pid: int | None) -> str:
    """'RSS <now>, peak <VmHWM>' of a process, from /proc."""
    try:
        status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                      if ":" in line)
        rss, peak = (int(status[key].split()[0]) * 1024 for key in ("VmRSS", "VmHWM"))
        return f"{fmt_bytes(rss)}, peak {fmt_bytes(peak)}"
    except (OSError, KeyError, ValueError):
        return "—"


@contextmanager
def _servers(ctx: Context) -> Iterator[dict[int, CallbackServer]]:
    """Both scales' gunicorn (started at once: the loads overlap), ready, with their /migration page read."""
    import requests

    dirs = {1: ctx.empty_dir(), TOP_SCALE: ctx.data_dir(TOP_SCALE)}
    gunicorns: dict[int, Gunicorn] = {}
    try:
        for k in CALLBACK_SCALES:
            gunicorns[k] = Gunicorn(dirs[k], ctx.tmp / f"gunicorn-x{k}.log", args=("--timeout", "300"))
        servers = {}
        for k, server in gunicorns.items():
            ctx.log(f"  waiting for gunicorn x{k} ({server.base}) to load its data ...")
            server.wait()
            session = requests.Session()
            deps, page = migration_page(session, server.base)
            servers[k] = CallbackServer(k, server, session, deps, page, chart_callbacks(deps, page),
                                        trivial_callback(deps, page))
        yield servers
    finally:
        for server in gunicorns.values():
            server.stop()


def _measure(servers: dict[int, CallbackServer], charts: list[dict[str, Any]],
             selections: list[dict[str, Any]]) -> Samples:
    """Warm up (the page's first render and the floor), then every selection and chart callback: first time,
    then the very same POST again, both scales taking turns (order alternating)."""
    for s in servers.values():
        for dep in charts + [s.trivial]:
            _wall, response = _post(s, dashflow.payload(dep, s.page, []))
            response.raise_for_status()
    out = Samples()
    n = 0
    previous = servers[1].page
    for vals in selections:
        for dep in charts:
            # First time (the view's query runs), then the very same POST again (LRU hit): both phases
            # and both scales take turns, so they all see the same machine state.
            for phase in PHASES:
                order = CALLBACK_SCALES if n % 2 == 0 else CALLBACK_SCALES[::-1]
                n += 1
                for k in order:
                    s = servers[k]
                    before = s.server.worker_cpu()
                    wall, response = _post(s, callback_body(dep, vals, previous if phase == "first" else vals))
                    out.cpu[phase, k] += s.server.worker_cpu() - before
                    size = check_chart_answer(response, dep)
                    out.samples[phase, k].append(wall)
                    out.per_chart[phase, k].setdefault(chart_name(dep), []).append(wall)
                    if phase == "first":
                        out.sizes[k].append(size)
        for k in (CALLBACK_SCALES if n % 2 == 0 else CALLBACK_SCALES[::-1]):  # the floor, once per selection
            wall, response = _post(servers[k], callback_body(servers[k].trivial, vals, previous))
            response.raise_for_status()
            out.floor[k].append(wall)
        previous = vals
    out.cpu = {key: total / len(out.samples[key]) for key, total in out.cpu.items()}
    out.rss = {k: _rss(s.server.worker) for k, s in servers.items()}
    return out


def _setup_note(ctx: Context, charts: list[dict[str, Any]], selections: list[dict[str, Any]]) -> str:
    return (f"POST {CALLBACK_URL} to the {len(charts)} {CALLBACK_PAGE} chart callbacks "
            f"({', '.join(chart_name(d) for d in charts)}: figure, summary, table, source, API link), bodies "
            "built as dash-renderer does from the server's own /_dash-dependencies and the page layout from "
            f"its pages router (load/dashflow.py); `python -m gunicorn dashboard.wsgi:server -w 1` per scale "
            f"({gunicorn_settings()}) "
            f"on 127.0.0.1, both up at once; one requests.Session each, requests sequential, x1 and x{TOP_SCALE} "
            "taking turns (order alternating); requests' default Accept-Encoding (the app compresses). "
            f"{len(selections)} distinct filter selections (migration_filters(), then year x region group from "
            "the page's own options; never the page default, which is the warm-up with every chart). Each "
            "answer checked: 200 and a figure for the chart's graph.")


def _timing_rows(ctx: Context, got: Samples, charts: list[dict[str, Any]],
                 selections: list[dict[str, Any]]) -> list[Result]:
    """first time and repeat, x1 and x100: each against the floor of the same server."""
    from dashboard.data import CACHE_SIZE

    floor_stats = {k: Stats.of(v) for k, v in got.floor.items()}
    what = {1: "The bundled snapshot (empty data dir; MMP monthly totals only, so the map callback answers "
               "with its 'needs incident-level data' message)",
            TOP_SCALE: f"{ctx.rows(TOP_SCALE):,} incidents (x{TOP_SCALE}) ingested into a temp data dir"}
    results = []
    for phase in PHASES:
        for k in CALLBACK_SCALES:
            charts_detail = ", ".join(f"{name} {fmt_timing(Stats.of(v))}" for name, v in got.per_chart[phase, k].items())
            detail = {"per chart callback": charts_detail,
                      "gunicorn worker CPU per request (mean; /proc ticks)": fmt_seconds(got.cpu[phase, k])}
            if phase == "first":
                detail["answer size (decoded JSON), median"] = fmt_bytes(statistics.median(got.sizes[k]))
                detail["gunicorn worker memory after the run (VmRSS, VmHWM)"] = got.rss[k]
                note = (f"{what[k]}. First time each selection is sent: every chart's view misses the per-filter "
                        f"LRU cache (Dataset.memo, {CACHE_SIZE} entries; no selection was sent before) and runs "
                        "its query, then builds the figure, summary and table and serialises the answer.")
                if k == 1:
                    note = _setup_note(ctx, charts, selections) + " " + note
            else:
                note = (f"{what[k]}. Each chart POST of the first-time row sent again right after (the same "
                        "body, so the same filters): the view's rows come from the LRU cache "
                        f"({len(selections) * len(charts)} entries used of {CACHE_SIZE}, none evicted); figure, "
                        "summary, table and JSON are still built per request.")
            name = (f"callback_e2e x{k} (gunicorn POST)" if phase == "first"
                    else f"callback_e2e x{k} repeat (cache hit)")
            results.append(timing_result(name, Stats.of(got.samples[phase, k]), floor_stats[k], [], note=note,
                                         detail=detail, baseline_label="floor: region-options callback"))
    return results


def _ratio_rows(got: Samples) -> list[Result]:
    """p95 x100 / p95 x1, first time and repeat, with the target."""
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    results = []
    for phase, label in (("first", "first time"), ("repeat", "repeat")):
        top, one = Stats.of(got.samples[phase, TOP_SCALE]), Stats.of(got.samples[phase, 1])
        results.append(Result(
            f"callback_e2e p95 x{TOP_SCALE} / x1 ({label})", ours=top.p95, baseline=one.p95,
            ours_text=f"x{TOP_SCALE} p95 {fmt_seconds(top.p95)}", baseline_text=f"x1 p95 {fmt_seconds(one.p95)}",
            targets=(ratio_at_most(2),),
            note=("Target: x100 within 2x of x1, read as p95(x100) / p95(x1) ≤ 2, for both the first-time and the "
                  f"repeated selections. Load average (1/5/15 min) at the end: {load} on "
                  f"{os.cpu_count()} CPUs shared with other work." if phase == "first" else ""),
            detail={"ratio of medians": fmt_ratio(top.median / one.median),
                    "p95 x100 / x1 per chart callback": ", ".join(
                        f"{name} {fmt_ratio(percentile(v, 95) / percentile(got.per_chart[phase, 1][name], 95))}"
                        for name, v in got.per_chart[phase, TOP_SCALE].items()),
                    "worker CPU per request x1 -> x100": f"{fmt_seconds(got.cpu[phase, 1])} -> "
                                                         f"{fmt_seconds(got.cpu[phase, TOP_SCALE])}"}))
    return results


@register("callback_e2e")
def bench_callback_e2e(ctx: Context) -> list[Result]:
    """HTTP POST /_dash-update-component to the /migration chart callbacks on gunicorn (one sync worker
    each) serving the bundled snapshot (x1) and x100 incidents; both servers up at once, requests
    interleaved; every selection first sent once (the view's query runs), then again (LRU cache hit)."""
    from dashboard.data import CACHE_SIZE

    with _servers(ctx) as servers:
        charts = servers[1].charts
        if [d["output"] for d in charts] != [d["output"] for d in servers[TOP_SCALE].charts]:
            raise RuntimeError("the two servers disagree on the chart callbacks")
        # Distinct selections, all of them in the LRU cache at once (every chart view memoises one entry each).
        limit = min(ctx.n(90, 16), (CACHE_SIZE - 16) // len(charts))
        selections = callback_selections(servers[1].page, charts[0], limit)
        ctx.log(f"  {len(selections)} selections x {len(charts)} chart callbacks, first time then repeated, "
                f"x1 and x{TOP_SCALE} interleaved ...")
        got = _measure(servers, charts, selections)
    return _timing_rows(ctx, got, charts, selections) + _ratio_rows(got)
