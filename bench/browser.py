"""Browser-side benchmarks: what a first visit to `/` downloads and how soon the first chart appears.

Two real servers (`python -m dashboard`, bundled snapshot, same machine, same run):

- ours: the app as deployed — partial plotly.js (dashboard/vendor), flask-compress on;
- baseline, "default Dash": the same app with `HUMDASH_FULL_PLOTLYJS=1 HUMDASH_COMPRESS=0`, i.e.
  Dash's own plotly.js handling (the full bundle from the plotly package, lazy-loaded by dcc.Graph)
  and Dash's default `compress=False`.

Headless Chromium (/usr/bin/chromium via Playwright), a fresh browser context (empty cache) per load,
`Accept-Encoding: gzip, br`.
"""
from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import contextlib
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from bench import servers

CHROMIUM_FLAGS = [  # as tests/conftest.py: offline, headless
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]
OURS_ENV: dict[str, str] = {"HUMDASH_FULL_PLOTLYJS": "0", "HUMDASH_COMPRESS": "1"}
BASELINE_ENV: dict[str, str] = {"HUMDASH_FULL_PLOTLYJS": "1", "HUMDASH_COMPRESS": "0"}
FIRST_CHART = ".js-plotly-plot .main-svg"
TIMEOUT_MS = 60_000

# Records when the first chart's SVG enters the DOM (ms since navigation start).
TTFC_SCRIPT = """
window.__humdashFirstChart = null;
new MutationObserver((_, observer) => {
    if (document.querySelector('%s')) { window.__humdashFirstChart = performance.now(); observer.disconnect(); }
}).observe(document, {childList: true, subtree: true});
""" % FIRST_CHART


@contextmanager
def server(data_dir: Path, env: dict[str, str], timeout: float = 120.0) -> Iterator[str]:
    """`python -m dashboard` on 127.0.0.1 with `env` added (no other HUMDASH_* variable); yields its base URL."""
    log = Path(tempfile.mkstemp(prefix="humdash-bench-server-", suffix=".log")[1])
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HUMDASH_")}
    proc, base = servers.module_server(["dashboard", "--data-dir", str(data_dir)], {**clean, **env}, log, timeout)
    try:
        yield base
    finally:
        servers.stop(proc)
        log.unlink(missing_ok=True)


@contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        raise RuntimeError("Chromium (/usr/bin/chromium) is not installed")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def _settle(page: Any) -> None:
    page.wait_for_selector(FIRST_CHART, state="attached", timeout=TIMEOUT_MS)
    page.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)
    page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=TIMEOUT_MS)
    page.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)


def first_load(browser: Any, base: str, path: str = "/") -> dict[str, Any]:
    """One cold load of `path` until every chart is drawn and the network is idle: transferred bytes
    (compressed body + headers, per Chromium) of every request, and the time to the first chart."""
    context = browser.new_context(viewport={"width": 1280, "height": 900},
                                  extra_http_headers={"Accept-Encoding": "gzip, br"})
    try:
        page = context.new_page()
        page.add_init_script(TTFC_SCRIPT)
        requests: list[Any] = []
        page.on("requestfinished", lambda request: requests.append(request))
        page.goto(base + path, timeout=TIMEOUT_MS)
        _settle(page)
        ttfc_ms = page.evaluate("() => window.__humdashFirstChart")
        items = []
        for request in requests:
            sizes = request.sizes()
            response = request.response()
            items.append({"url": request.url[len(base):], "body": sizes["responseBodySize"],
                          "headers": sizes["responseHeadersSize"],
                          "encoding": (response.headers.get("content-encoding") if response else None) or "identity"})
        return {"bytes": sum(i["body"] + i["headers"] for i in items), "requests": items,
                "ttfc": ttfc_ms / 1000 if ttfc_ms is not None else None}
    finally:
        context.close()


def largest(items: list[dict[str, Any]], n: int = 4) -> str:
    top = sorted(items, key=lambda i: -(i["body"] + i["headers"]))[:n]
    return ", ".join(f"{i['url'].split('?')[0].rsplit('/', 1)[-1]} {(i['body'] + i['headers']) / 1e3:.0f} kB "
                     f"({i['encoding']})" for i in top)


SIDES: dict[str, dict[str, str]] = {
    "ours": OURS_ENV,
    "baseline": BASELINE_ENV,  # default Dash: full plotly.js, no compression
    "full_compressed": {"HUMDASH_FULL_PLOTLYJS": "1", "HUMDASH_COMPRESS": "1"},  # context: only the bundle differs
}


def measure(data_dir: Path, loads: int, log=lambda msg: None, sides: dict[str, dict[str, str]] | None = None
            ) -> dict[str, list[dict[str, Any]]]:
    """`loads` cold loads of `/` on each side (one server per side, all up at once), rotating the order
    every round, after one warm-up load of each (not counted). Returns {side: [first_load() dicts]}."""
    sides = sides or SIDES
    names = list(sides)
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    with contextlib.ExitStack() as stack:
        bases = {name: stack.enter_context(server(data_dir, env)) for name, env in sides.items()}
        browser = stack.enter_context(chromium())
        for name in names:  # warm-up: server-side caches, Chromium's process pool
            first_load(browser, bases[name])
        for i in range(loads):
            for name in names[i % len(names):] + names[:i % len(names)]:
                out[name].append(first_load(browser, bases[name]))
            log(f"  load {i + 1}/{loads}: " + ", ".join(
                f"{name} {out[name][-1]['bytes'] / 1e6:.2f} MB {out[name][-1]['ttfc'] or float('nan'):.2f} s"
                for name in names))
    return out


def median_bytes(loads: list[dict[str, Any]]) -> float:
    return statistics.median(load["bytes"] for load in loads)
