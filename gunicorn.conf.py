"""gunicorn settings for the dashboard: `gunicorn dashboard.wsgi:server` run from the repository root reads
this file (command-line flags override it, e.g. `-w 2 -b 127.0.0.1:8050`).

- Threaded workers (gthread, 4 threads each): a worker keeps serving assets, layouts and short callbacks
  while another request runs a query, and connections are kept alive between a page's requests. With
  `bash load/run.sh --users 20 --seconds 15` (2 workers, 2 shared CPUs, load average 6-8), five runs
  each, alternating with `--worker-class sync`: medians 24.2 vs 20.3 requests/s, p50 270 vs 380 ms,
  p95 1.1 vs 1.5 s; gthread ahead in 4 of the 5 pairs. The work is CPU-bound (one GIL per worker), so
  threads do not add capacity; they stop short requests from queueing behind long ones.
- keepalive 5 s: longer than the pauses between a visitor's requests in the load test (0.5-2 s), so a
  client rarely reuses a connection the server is closing at that very moment. With the default 2 s,
  3 of 5 gthread runs had 1-2 connection errors ("HTTP 0" in locust); with 5 s and the warm-up below,
  none in 5 runs.
- Every worker answers one request itself before it accepts connections: Dash sets the app up on its
  first request and marks that done before it has finished (dash 4.x, plotly/dash#2925), so two requests
  arriving together at a fresh threaded worker (those queued while it loaded the data) raced: a 500,
  "dictionary changed size during iteration", in 2 of 5 gthread runs without the warm-up.
- limit_request_line 8190 (gunicorn's maximum; its default is 4094): the app answers a query string over
  8 KB with a JSON 414 itself (security.MAX_QUERY_BYTES), so a request line gunicorn refuses first would get
  gunicorn's own plain-text/HTML error instead. Lines over 8190 bytes still get gunicorn's page: it cannot
  be made JSON from here (a reverse proxy in front can map it, e.g. nginx `large_client_header_buffers`
  plus an `error_page 414` returning JSON).
- The queries of the changes a reader is likeliest to make first (each year of /migration's menu from the page
  as it opens) are worked out once, in the master before the fork (data.warm, 0.1-0.2 s on the full IOM file),
  so every worker starts with them; a later load (a new ingest) is worked out in a background thread.
- Memory (issue 15): `preload_app`: the master imports the libraries and loads the data once, then
  `gc.freeze()` moves every object it holds out of the collector's reach, so the workers forked from it
  share those pages copy-on-write instead of each touching (and so copying) them at its first collection;
  glibc is held to 2 malloc arenas (a gthread worker otherwise grows one arena per thread, each keeping
  freed memory) and to a fixed mmap threshold (large arrays are mapped and unmapped, not left as holes in
  the heap), and what the load freed is handed back (malloc_trim) before the fork. A worker's own cost
  is then its PSS/USS, not its RSS (`python bench/probe_memory.py --mode served` measures all three after
  200 filter changes). `max_requests` with jitter restarts a worker now and then (a fork of the master:
  no data to load), a safety net against slow growth. A new ingest is still picked up by each worker
  (DataSource reloads on its own); it then holds its own copy until it is restarted.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import gc

worker_class = "gthread"
threads = 4
keepalive = 5
limit_request_line = 8190
preload_app = True
max_requests = 5000
max_requests_jitter = 500
MALLOC_ARENAS = 2
M_ARENA_MAX = -8  # glibc's mallopt parameter numbers
M_MMAP_THRESHOLD, M_TRIM_THRESHOLD = -3, -1
# Blocks of 128 KiB and more (the arrays of a query's intermediate frames) come from their own mmap and go
# back to the system when freed. glibc starts at this threshold but raises it to the size of each large block
# freed (up to 32 MiB), after which such arrays are carved from the heap and leave holes it keeps: fixed here,
# 200 filter changes leave a worker at RSS 139 MiB (145-146 MB) instead of 143-147 MiB (150-154 MB), in the
# same time (bench/probe_memory.py --mode served, production install, full ingest).
MMAP_THRESHOLD = 128 * 1024


def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:  # not glibc
        return None


_LIBC = _libc()
if _LIBC is not None and hasattr(_LIBC, "mallopt"):
    _LIBC.mallopt(M_ARENA_MAX, MALLOC_ARENAS)  # before any worker thread exists; inherited by the fork
    _LIBC.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)  # fixed: glibc no longer raises it as large blocks are freed
    _LIBC.mallopt(M_TRIM_THRESHOLD, 2 * MMAP_THRESHOLD)  # free memory over this at the heap's top goes back


def when_ready(server):  # gunicorn hook: in the master, after the (preloaded) app, before the first fork
    if server.cfg.preload_app:  # Dash's first-request set-up done once, shared by every worker
        _warm_up(server.app.wsgi(), server.log)
    gc.collect()
    gc.freeze()
    if _LIBC is not None and hasattr(_LIBC, "malloc_trim"):
        _LIBC.malloc_trim(0)


def post_worker_init(worker):  # gunicorn hook: after the app is loaded, before the worker accepts requests
    _warm_up(worker.wsgi, worker.log)


def _warm_up(wsgi, log):
    try:
        response = wsgi.test_client().get("/_dash-layout")
        if response.status_code != 200:
            log.warning("warm-up GET /_dash-layout answered %s", response.status_code)
        source = wsgi.extensions.get("humdash")
        if source is not None and not source.warm_reloads:  # once: in the master with preload_app, else per worker
            from dashboard.data.dataset import warm

            warm(source.current())
            source.warm_reloads = True  # a new ingest, loaded later by a worker, is worked out in the background
    except Exception:  # noqa: BLE001 (a failed warm-up must not stop the worker; requests will show it)
        log.exception("warm-up request failed")
