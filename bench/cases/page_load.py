"""page_weight and time_to_first_chart: cold first loads of `/` in headless Chromium (bench/browser.py),
the app as deployed against default Dash; measured once per run and shared by the two benchmarks."""
from __future__ import annotations

from typing import Any

from bench import browser
from bench.harness import Context, Result, Stats, bytes_at_most, fmt_bytes, fmt_timing, register, timing_result


def _browser_loads(ctx: Context) -> dict[str, list[dict[str, Any]]]:
    """Cold loads of `/` in headless Chromium on ours, default Dash and full-plotly-compressed servers
    (bench/browser.py), measured once per run and shared by page_weight and time_to_first_chart."""
    if "browser_loads" not in ctx.shared:
        ctx.shared["browser_loads"] = browser.measure(ctx.empty_dir(), ctx.n(7, 3), log=ctx.log)
    return ctx.shared["browser_loads"]


BROWSER_SETUP = ("Headless Chromium (Playwright, /usr/bin/chromium), a fresh context (empty cache) per load, "
                 "Accept-Encoding: gzip, br; `python -m dashboard` on the bundled snapshot. ours = the app as "
                 "deployed (partial plotly.js from dashboard/vendor, flask-compress on). baseline = default Dash: the "
                 "same app with HUMDASH_FULL_PLOTLYJS=1 HUMDASH_COMPRESS=0 (plotly.js from the plotly package, "
                 "lazy-loaded by dcc.Graph; Dash's compress=False). All servers up at once, loads rotated, one "
                 "warm-up load each not counted.")


@register("page_weight")
def bench_page_weight(ctx: Context) -> list[Result]:
    """Compressed bytes of a first load of `/`: every request until all charts are drawn and the network
    is idle (body as transferred + response headers, as Chromium counts them)."""
    loads = _browser_loads(ctx)
    ours, base, full = (browser.median_bytes(loads[k]) for k in ("ours", "baseline", "full_compressed"))
    detail = {k: f"{len(loads[k][0]['requests'])} requests; largest: {browser.largest(loads[k][0]['requests'])}"
              for k in loads}
    return [
        Result("page_weight / first load (compressed)", ours=ours, baseline=base, ours_text=fmt_bytes(ours),
               baseline_text=f"default Dash {fmt_bytes(base)}", targets=(bytes_at_most(1e6),),
               note=BROWSER_SETUP + " Bytes: sum over every request of Chromium's transferred body + response "
                    "headers (request.sizes()), median over the loads.", detail=detail),
        Result("page_weight / vs full plotly.js compressed", ours=ours, baseline=full, ours_text=fmt_bytes(ours),
               baseline_text=f"full plotly.js, compressed {fmt_bytes(full)}",
               note="Context: the same app with HUMDASH_FULL_PLOTLYJS=1 and compression on, so only the plotly.js "
                    "bundle differs."),
    ]


@register("time_to_first_chart")
def bench_time_to_first_chart(ctx: Context) -> list[Result]:
    """Time from navigation start to the first chart's `.main-svg` in the DOM (a MutationObserver's
    performance.now()), cold loads of `/` in headless Chromium, ours vs default Dash."""
    loads = _browser_loads(ctx)
    stats = {k: Stats.of([load["ttfc"] for load in v if load["ttfc"] is not None]) for k, v in loads.items()}
    return [
        timing_result("time_to_first_chart (headless Chromium)", stats["ours"], stats["baseline"],
                      baseline_label="default Dash",
                      note=BROWSER_SETUP + " Time: performance.now() when the first `.js-plotly-plot .main-svg` "
                           "enters the DOM (init-script MutationObserver), i.e. since navigation start; "
                           "localhost, no network throttling, so download size matters less than parse time.",
                      detail={"full plotly.js, compressed": fmt_timing(stats["full_compressed"])}),
    ]
