"""Filter-change benchmark in a real browser: how long from the click on a filter option to the last
chart redrawn and the page quiet, on /migration, /crisis, /funding and /, against a minimal Dash page
(bench/minimal_app.py: one dropdown, one plotly chart, one server callback) measured interleaved, and
against the same minimal page with as many charts as ours draws (`/?charts=N`: what Dash and plotly cost
for N charts, so that what our page adds is seen apart from what the number of charts costs).

    python -m bench.filter_change                         # bundled snapshot, 10 changes per page
    python -m bench.filter_change --data-dir /tmp/perfdata  # data ingested with `python -m ingest ...`
    python -m bench.filter_change --app-root /tmp/old     # another checkout of the app (before/after)
    python -m bench.filter_change --changes 3 --pages /migration --json out.json

Servers: gunicorn (`python -m gunicorn dashboard.wsgi:server -w 1`, run from the app root so its
gunicorn.conf.py applies; the minimal page the same way), headless Chromium via Playwright, one tab per
page, opened once and left to settle. A change is a click on the next option of the page's dropdown
(year on /migration, /crisis and /; country on /funding; year on the minimal page), the pages taking
turns with the minimal page. Per change:

- time: the option's pointerdown to the last DOM mutation (MutationObserver on the whole document:
  children, attributes, text), once every callback request has answered, no element is marked
  `data-dash-is-loading` and the DOM has been quiet for QUIET_MS. The mutations of one task whose
  attribute changes cancel out are not a change: dcc.Graph's resize check, 50 ms after a chart's box
  changed, adds and removes a class on a chart already drawn at its size, which nobody sees;
- long tasks (PerformanceObserver "longtask", main-thread tasks over 50 ms) that started after the click:
  their number, total and longest;
- the Dash callback requests (POST /_dash-update-component) the change caused, and their bytes
  (response body + headers, request body, as Chromium counts them);
- server CPU: utime + stime of the gunicorn workers (/proc/<pid>/stat) before and after the change;
- the charts the change left aside, far from the 1280 x 900 window (assets/charts.js redraws a chart as it
  comes near the window): how many, and, once the change is quiet, the time to draw them all at once
  (window.humdashCharts.drawAll(), as printing does). Not in the change's time: a reader meets them one
  at a time as they scroll, each drawn before it is in view.

Medians over the changes; the ratio is the page's median time over the minimal page's.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from bench.browser import chromium
from bench.servers import REPO, Gunicorn

QUIET_MS = 500
TIMEOUT_S = 180
CALLBACK = "/_dash-update-component"

# page -> (path to open, the dropdown whose options are clicked in turn)
PAGES: dict[str, tuple[str, str]] = {
    "/migration": ("/migration", "#mig-year"),
    "/crisis": ("/crisis", "#cr-year"),
    "/funding": ("/funding", "#fund-country"),
    "/": ("/", "#ov-year"),
}
MINIMAL = ("/", "#year")

INSTRUMENT = """
(() => {
  const p = window.__perf = {longtasks: [], lastMut: 0, t0: null, armed: false, console: []};
  try {
    new PerformanceObserver(list => { for (const e of list.getEntries()) p.longtasks.push([e.startTime, e.duration]); })
      .observe({type: 'longtask', buffered: true});
  } catch (e) {}
  document.addEventListener('pointerdown', e => { if (p.armed) { p.t0 = performance.now(); p.armed = false; } }, true);
  // The mutations of one task whose attribute changes cancel out change nothing on screen and are not
  // counted: dcc.Graph's resize check adds a class to a chart already at its size and removes it a few
  // microtasks later (two observer callbacks, one task). Records are gathered until the task is over.
  const changes = records => {
    const old = new Map();
    for (const r of records) {
      if (r.type !== 'attributes') return true;
      const seen = old.get(r.target) || new Map();
      if (!seen.has(r.attributeName)) seen.set(r.attributeName, r.oldValue);
      old.set(r.target, seen);
    }
    for (const [target, seen] of old) {
      for (const [name, value] of seen) { if (target.getAttribute(name) !== value) return true; }
    }
    return false;
  };
  let pending = [], at = 0;
  const settle = () => { const records = pending; pending = []; if (changes(records)) p.lastMut = at; };
  p.unsettled = () => pending.length;  // records not weighed yet: lastMut may be about to move
  const start = () => new MutationObserver(records => {
      if (!pending.length) setTimeout(settle, 0);
      for (const r of records) pending.push(r);
      at = performance.now();
    })
    .observe(document.documentElement, {childList: true, subtree: true, attributes: true, characterData: true,
                                        attributeOldValue: true});
  if (document.documentElement) start(); else document.addEventListener('DOMContentLoaded', start);
})();
"""


@contextmanager
def running(root: Path, module: str, env: dict[str, str]) -> Iterator[Gunicorn]:
    """`python -m gunicorn <module>:server -w 1` from `root` on a free port, ready."""
    log = Path(tempfile.mkstemp(prefix="humdash-filter-bench-", suffix=".log")[1])
    server = Gunicorn(None, log, env, args=("--timeout", "600"), app=f"{module}:server", root=root)
    try:
        server.wait()
        yield server
    finally:
        server.stop()
        log.unlink(missing_ok=True)


class Tab:
    """One page open in its own browser context, with its requests and console watched."""

    def __init__(self, browser: Any, server: Gunicorn, path: str, dropdown: str) -> None:
        self.server, self.dropdown = server, dropdown
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.page.add_init_script(INSTRUMENT)
        self.pending: set[Any] = set()
        self.finished: list[Any] = []
        self.console: list[str] = []
        self.page.on("request", self._request)
        self.page.on("requestfinished", self._done)
        self.page.on("requestfailed", self._done)
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}") if m.type in (
            "warning", "error") else None)
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        self.turn = 0
        self.page.goto(server.base + path, timeout=TIMEOUT_S * 1000)
        self.page.wait_for_selector(".js-plotly-plot .main-svg", state="attached", timeout=TIMEOUT_S * 1000)
        s = self._quiet(time.monotonic() + TIMEOUT_S, need_request=False)
        self.first_load_console = list(self.console)
        tasks = [d for _start, d in self.page.evaluate("() => window.__perf.longtasks")]
        # the first load: navigation start to the last DOM mutation, and its main-thread long tasks
        self.load = {"seconds": s["lastMut"] / 1000, "longtasks": len(tasks), "longtask_total": sum(tasks) / 1000,
                     "longtask_max": max(tasks, default=0) / 1000}

    def _request(self, request: Any) -> None:
        if CALLBACK in request.url:
            self.pending.add(request)

    def _done(self, request: Any) -> None:
        if request in self.pending:
            self.pending.discard(request)
            self.finished.append(request)

    def _state(self) -> dict[str, Any]:
        return self.page.evaluate("""() => ({now: performance.now(), lastMut: window.__perf.lastMut,
            unsettled: window.__perf.unsettled(),
            loading: !!document.querySelector('[data-dash-is-loading="true"]')})""")

    def _quiet(self, deadline: float, need_request: bool = True) -> dict[str, Any]:
        while True:
            if time.monotonic() > deadline:
                raise TimeoutError("the page did not settle")
            s = self._state()
            if (not self.pending and (self.finished or not need_request) and not s["loading"] and not s["unsettled"]
                    and s["now"] - s["lastMut"] >= QUIET_MS):
                return s
            self.page.wait_for_timeout(100)

    def options(self) -> list[str]:
        return [t.strip() for t in self.page.locator(".dash-dropdown-option").all_inner_texts() if t.strip()]

    def change(self) -> dict[str, Any]:
        """Pick the next option of the dropdown; measure until the page is quiet again."""
        page = self.page
        current = page.locator(self.dropdown).inner_text().strip()
        page.locator(self.dropdown).click()
        page.locator(".dash-dropdown-option").first.wait_for(timeout=30000)
        # the open menu settles first: a long list renders only the options near the selected one, after
        # it has scrolled there (options read before that may be gone when clicked)
        self._quiet(time.monotonic() + 30, need_request=False)
        options = [o for o in self.options() if o != current]
        choice = options[self.turn % len(options)]
        self.turn += 1
        self.finished.clear()
        cpu0 = self.server.workers_cpu()
        page.evaluate("() => { window.__perf.armed = true; window.__perf.t0 = null; }")
        page.locator(".dash-dropdown-option", has_text=choice).first.click()
        page.mouse.move(2, 2)  # off the charts: no hover labels
        s = self._quiet(time.monotonic() + TIMEOUT_S)
        cpu1 = self.server.workers_cpu()
        perf = page.evaluate("() => ({t0: window.__perf.t0, longtasks: window.__perf.longtasks})")
        t0 = perf["t0"]
        tasks = [d for start, d in perf["longtasks"] if start >= t0 - 1]
        sizes = [r.sizes() for r in self.finished]
        kept, rest = self._draw_kept()
        return {"choice": choice, "seconds": (s["lastMut"] - t0) / 1000, "requests": len(self.finished),
                "bytes": sum(z["responseBodySize"] + z["responseHeadersSize"] + z["requestBodySize"] for z in sizes),
                "longtasks": len(tasks), "longtask_total": sum(tasks) / 1000,
                "longtask_max": max(tasks, default=0) / 1000, "server_cpu": cpu1 - cpu0,
                "kept": kept, "kept_seconds": rest}

    def _draw_kept(self) -> tuple[int, float]:
        """The charts the change left aside (far from the window, assets/charts.js), drawn now all at once
        as printing would: how many, and the seconds from the call to the DOM quiet again (0 if none).
        Not part of the change's time: a reader meets them one at a time, as each comes near the window."""
        kept = self.page.evaluate("() => window.humdashCharts ? window.humdashCharts.kept() : 0")
        if not kept:
            return 0, 0.0
        t1 = self.page.evaluate("async () => { const t = performance.now(); await window.humdashCharts.drawAll();"
                                " return t; }")
        s = self._quiet(time.monotonic() + TIMEOUT_S, need_request=False)
        return kept, max(s["lastMut"] - t1, 0.0) / 1000

    def close(self) -> None:
        self.context.close()


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def summarise(samples: list[dict[str, Any]]) -> dict[str, float]:
    keys = ("seconds", "requests", "bytes", "longtasks", "longtask_total", "longtask_max", "server_cpu", "kept",
            "kept_seconds")
    out = {k: median([s[k] for s in samples]) for k in keys}
    out["max_seconds"] = max(s["seconds"] for s in samples)
    out["max_longtask"] = max(s["longtask_max"] for s in samples)
    return out


def run(app_root: Path, data_dir: Path | None, pages: list[str], changes: int, log=print) -> dict[str, Any]:
    env = {"HUMDASH_DATA_DIR": str(data_dir)} if data_dir else {"HUMDASH_DATA_DIR": tempfile.mkdtemp(
        prefix="humdash-empty-")}  # an empty data dir: the bundled snapshot, table by table
    results: dict[str, Any] = {"pages": {}, "minimal": {}, "minimal_same_charts": {}, "console": {}}
    with ExitStack() as stack:
        ours = stack.enter_context(running(app_root, "dashboard.wsgi", env))
        minimal = stack.enter_context(running(REPO, "bench.minimal_app", {}))
        browser = stack.enter_context(chromium())
        ref = Tab(browser, minimal, *MINIMAL)
        stack.callback(ref.close)
        for name in pages:
            log(f"{name}: opening")
            tab = Tab(browser, ours, *PAGES[name])
            charts = tab.page.locator(".js-plotly-plot").count()
            # the minimal page with as many charts as ours draws (one callback, one request for all)
            same = Tab(browser, minimal, f"{MINIMAL[0]}?charts={charts}", MINIMAL[1])
            try:
                for each in (tab, ref, same):
                    each.change()  # warm-up (not counted): first use of the dropdown, server-side caches
                samples: tuple[list[dict[str, Any]], ...] = ([], [], [])
                for i in range(changes):
                    turn = [(samples[0], tab), (samples[1], ref), (samples[2], same)]
                    for side, tab_ in turn[i % 3:] + turn[:i % 3]:  # each side first in turn
                        side.append(tab_.change())
                    mine, base, base_n = (s[-1] for s in samples)
                    log(f"  change {i + 1}/{changes}: {mine['choice']!r} {mine['seconds']:.2f} s, "
                        f"{mine['requests']} requests, long tasks {mine['longtask_total']:.2f} s "
                        f"(max {mine['longtask_max']:.2f}); minimal {base['seconds']:.2f} s, "
                        f"with {charts} charts {base_n['seconds']:.2f} s")
                results["pages"][name] = {"summary": summarise(samples[0]), "samples": samples[0], "charts": charts}
                results["minimal"][name] = {"summary": summarise(samples[1]), "samples": samples[1]}
                results["minimal_same_charts"][name] = {"summary": summarise(samples[2]), "samples": samples[2],
                                                        "charts": charts}
                results["console"][name] = sorted(set(tab.console))[:20]
                results["pages"][name]["load"] = tab.load
            finally:
                tab.close()
                same.close()
    return results


def table(results: dict[str, Any]) -> str:
    lines = [("| page | median s | max s | minimal median s | ratio | minimal with as many charts, median s | "
              "ratio to it | requests | kB | long tasks (n, total s, max s) | server CPU s | "
              "charts kept aside, drawing them s |"),
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, entry in results["pages"].items():
        s, m = entry["summary"], results["minimal"][name]["summary"]
        same = results.get("minimal_same_charts", {}).get(name)
        n = (f"{same['summary']['seconds']:.2f} ({same['charts']} charts) | "
             f"{s['seconds'] / same['summary']['seconds']:.1f}×") if same else "– | –"
        lines.append(f"| {name} | {s['seconds']:.2f} | {s['max_seconds']:.2f} | {m['seconds']:.2f} | "
                     f"{s['seconds'] / m['seconds']:.1f}× | {n} | {s['requests']:.0f} | {s['bytes'] / 1e3:.0f} | "
                     f"{s['longtasks']:.0f}, {s['longtask_total']:.2f}, {s['max_longtask']:.2f} | "
                     f"{s['server_cpu']:.2f} | {s.get('kept', 0):.0f}, {s.get('kept_seconds', 0):.2f} |")
    lines += ["", "First load of each page (navigation start to the DOM quiet; main-thread long tasks):", "",
              "| page | load s | long tasks (n, total s, max s) |", "|---|---|---|"]
    for name, entry in results["pages"].items():
        load = entry.get("load", {})
        if load:
            lines.append(f"| {name} | {load['seconds']:.2f} | {load['longtasks']}, {load['longtask_total']:.2f}, "
                         f"{load['longtask_max']:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.filter_change", description=__doc__.split("\n\n")[0])
    p.add_argument("--app-root", type=Path, default=REPO, help="the checkout whose dashboard is served")
    p.add_argument("--data-dir", type=Path, default=None, help="HUMDASH_DATA_DIR (default: the bundled snapshot)")
    p.add_argument("--pages", default=",".join(PAGES), help="comma-separated, from: " + ", ".join(PAGES))
    p.add_argument("--changes", type=int, default=10, help="measured changes per page (default 10)")
    p.add_argument("--json", type=Path, default=None, help="write every sample here")
    args = p.parse_args(argv)
    pages = [x.strip() for x in args.pages.split(",") if x.strip()]
    results = run(args.app_root.resolve(), args.data_dir, pages, args.changes)
    results["load average"] = os.getloadavg()
    print(table(results))
    for name, messages in results["console"].items():
        if messages:
            print(f"{name} console: {messages}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
