"""Benchmarks of the scale-out caches, as ratios measured in one run:

* `http_304`: a conditional GET of a whole-table /api CSV answered 304 (If-None-Match with the ETag of
  the first answer) against the full 200 answer of the same URL, in process (Flask test client).
* `shared_cache`: a /migration chart callback answered by gunicorn instance B from the shared Redis
  cache, after instance A computed it, against A computing it (each selection new to both), on two real
  gunicorn processes on 127.0.0.1 sharing a real redis-server (started and stopped by PID here).
"""
from __future__ import annotations

import time
from typing import Any

from bench.dashpage import (CALLBACK_URL, callback_body, callback_selections, chart_callbacks, check_chart_answer,
                            migration_page)
from bench.servers import Gunicorn, redis, stop
from bench.harness import Context, Result, Stats, compare, ratio_at_most, register, timing_result


@register("http_304")
def bench_http_304(ctx: Context) -> list[Result]:
    from dashboard.app import create_app

    client = create_app(ctx.tmp / "http304-empty").server.test_client()
    url = "/api/mmp_deaths.csv"
    first = client.get(url)
    etag = first.headers.get("ETag")
    if first.status_code != 200 or not etag:
        raise RuntimeError(f"{url}: no ETag on the 200 answer ({first.status_code})")
    if client.get(url, headers={"If-None-Match": etag}).status_code != 304:
        raise RuntimeError(f"{url}: If-None-Match with the answer's ETag did not give 304")

    def full() -> None:
        assert client.get(url).status_code == 200

    def conditional() -> None:
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304

    c = compare(conditional, full, ctx.n(40, 10))
    # The answer a 304 saves: a full answer the app has to make (a query it has not answered yet), vs the
    # 304 of an answer it made before; distinct filtered whole-table queries, each asked once.
    years = range(2014, 2027)
    fresh, revalidated = [], []
    for i, year in enumerate(years):
        for region in ("", "&region_group=Americas", "&region_group=Africa", "&region_group=Europe"):
            q = f"/api/mmp_incidents.csv?year={year}{region}"
            t0 = time.perf_counter()
            answer = client.get(q)
            t1 = time.perf_counter()
            if answer.status_code != 200:
                raise RuntimeError(f"{q}: HTTP {answer.status_code}")
            tag = answer.headers["ETag"]
            t2 = time.perf_counter()
            again = client.get(q, headers={"If-None-Match": tag})
            t3 = time.perf_counter()
            if again.status_code != 304:
                raise RuntimeError(f"{q}: If-None-Match gave {again.status_code}")
            fresh.append(t1 - t0)
            revalidated.append(t3 - t2)
        if ctx.quick and i >= 3:
            break
    return [
        timing_result(
            "http_304_vs_full_csv", Stats.of(revalidated), Stats.of(fresh), [ratio_at_most(0.1)],
            baseline_label="full 200 answer (made for the request)",
            note=f"{len(fresh)} filtered /api/mmp_incidents.csv queries (year x region group), each asked once "
                 "(the app queries, serialises and compresses) and again with If-None-Match (304 before any "
                 "query or body); in process (Flask test client, no network)."),
        timing_result(
            "http_304_vs_cached_full_csv", c.ours, c.baseline, [], baseline_label="full 200 answer from the cache",
            detail=c.cpu_note(),
            note=f"GET {url} ({len(first.data):,} bytes of CSV) again and again: the 200 side comes from the "
                 "export cache, so this is only the cost of sending the body (no network here; over a real "
                 "link the body's transfer adds to the 200 side)."),
    ]


@register("shared_cache")
def bench_shared_cache(ctx: Context) -> list[Result]:
    import requests

    redis_server, url = redis(ctx.tmp, ctx.tmp / "redis.log")
    servers: list[Any] = []
    try:
        env = {"HUMDASH_CACHE_URL": url}
        for name in ("a", "b"):
            servers.append(Gunicorn(ctx.empty_dir(), ctx.tmp / f"gunicorn-shared-{name}.log", env,
                                    args=("--timeout", "300")))
        for server in servers:
            server.wait()
        a, b_ = servers
        session = requests.Session()
        deps, page = migration_page(session, a.base)
        charts = chart_callbacks(deps, page)
        selections = callback_selections(page, charts[0], ctx.n(24, 8))
        computed, shared = [], []
        previous = page
        for vals in selections:
            for dep in charts:
                body = callback_body(dep, vals, previous)
                t0 = time.perf_counter()
                ra = session.post(a.base + CALLBACK_URL, json=body, timeout=120)
                t1 = time.perf_counter()
                rb = session.post(b_.base + CALLBACK_URL, json=body, timeout=120)
                t2 = time.perf_counter()
                check_chart_answer(ra, dep)
                check_chart_answer(rb, dep)
                if ra.content != rb.content:
                    raise RuntimeError("instance B's answer differs from A's")
                computed.append(t1 - t0)
                shared.append(t2 - t1)
            previous = vals
    finally:
        for server in servers:
            server.stop()
        stop(redis_server, 30)
    ours, base = Stats.of(shared), Stats.of(computed)
    return [timing_result(
        "shared_cache_hit_vs_computed", ours, base, [ratio_at_most(0.3)], baseline_label="instance A computes",
        note=f"{len(computed)} /migration chart callbacks ({len(selections)} selections x {len(charts)} charts), "
             "each POSTed to gunicorn A (computes, stores the answer in Redis) then to gunicorn B (the same answer "
             "from Redis); both 1 worker, one redis-server, all on 127.0.0.1; the answers are byte-identical.")]
