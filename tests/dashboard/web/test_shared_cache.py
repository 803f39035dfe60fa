"""The shared cache (dashboard/web/sharedcache.py) on a real redis-server: what one worker computes another serves,
keyed by data version; Redis down or hung costs no request and is logged once. Skips without redis-server
unless CI=true."""
from __future__ import annotations

import logging
import os
import signal
import threading
import time

import pytest

from bench import servers
from conftest import need
from tests.fixtures.dashboard.dashboard_synth import all_tables, data_dir, empty_snapshot, write_tables  # noqa: F401

import dashboard.web.api as api  # noqa: E402
from dashboard.web import sharedcache  # noqa: E402


@pytest.fixture
def redis_url(tmp_path):
    need("redis-server", "redis-server")
    proc, url = servers.redis(tmp_path)
    yield url
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGCONT)
    servers.stop(proc)


def test_lru_is_bounded_by_bytes():
    lru = sharedcache.LRUBytes(1000)
    for i in range(10):
        lru.set(f"k{i}", bytes(200))
    assert lru.size <= 1000 and lru.get("k0") is None and lru.get("k9") == bytes(200)
    lru.get("k5")  # recently used: kept over older ones
    lru.set("k10", bytes(200))
    assert lru.get("k5") is not None and lru.get("k6") is None
    lru.set("big", bytes(251))  # over a quarter of the budget: not kept
    assert lru.get("big") is None


def test_two_workers_share_through_redis_and_make_once(redis_url):
    one = sharedcache.SharedCache(sharedcache.LRUBytes(10_000), sharedcache.RedisBytes(redis_url))
    two = sharedcache.SharedCache(sharedcache.LRUBytes(10_000), sharedcache.RedisBytes(redis_url))
    one.set("a", b"made by one")
    assert two.get("a") == b"made by one"
    made = []

    def make() -> bytes:
        made.append(1)
        time.sleep(0.2)
        return b"once"

    threads = [threading.Thread(target=lambda: one.get_or_make("b", make)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert made == [1] and two.get_or_make("b", make) == b"once" and made == [1]


def test_redis_down_or_hung_is_logged_once_and_costs_little(redis_url, tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="dashboard.web.sharedcache")
    dead = sharedcache.RedisBytes(f"redis://127.0.0.1:{servers.free_port()}/0", timeout=0.2)
    start = time.monotonic()
    for i in range(20):
        assert dead.get(f"k{i}") is None
        dead.set(f"k{i}", b"x")
    assert time.monotonic() - start < 1.0
    assert sum("unavailable" in r.getMessage() for r in caplog.records) == 1

    # hung: SIGSTOP the server; the first call waits at most the timeout, the next ones not at all
    now = [0.0]
    hung = sharedcache.RedisBytes(redis_url, timeout=0.2, clock=lambda: now[0])
    hung.set("k", b"v")
    assert hung.get("k") == b"v"
    pid = _pid_of(redis_url)
    os.kill(pid, signal.SIGSTOP)
    try:
        start = time.monotonic()
        assert hung.get("k") is None and hung.get("k") is None
        assert time.monotonic() - start < 0.6
    finally:
        os.kill(pid, signal.SIGCONT)
    now[0] += sharedcache.RETRY_SECONDS + 1  # after the rest, Redis is asked again
    assert hung.get("k") == b"v"
    assert any("is back" in r.getMessage() for r in caplog.records)


def _pid_of(url: str) -> int:
    import redis

    return int(redis.Redis.from_url(url).info("server")["process_id"])


def test_app_workers_share_exports_and_rate_limits_per_data_version(data_dir, redis_url, monkeypatch):  # noqa: F811
    from dashboard.app import create_app

    monkeypatch.setenv("HUMDASH_CACHE_URL", redis_url)
    monkeypatch.setenv("HUMDASH_RATELIMIT", "4/minute")  # and the rate limit's counts, shared too
    monkeypatch.setenv("HUMDASH_RATELIMIT_STORAGE_URL", redis_url.replace("/0", "/1"))
    one = create_app(data_dir, check_every=0).server.test_client()
    two = create_app(data_dir, check_every=0).server.test_client()
    calls = []
    real = api.serve
    monkeypatch.setattr(api, "serve", lambda *a: calls.append(1) or real(*a))
    first = one.get("/api/fts_plans.json", headers={"Accept-Encoding": "gzip"})
    assert first.status_code == 200 and len(calls) == 1
    shared = two.get("/api/fts_plans.json", headers={"Accept-Encoding": "gzip"})
    assert shared.status_code == 200 and len(calls) == 1  # the other worker computed it
    assert shared.get_data() == first.get_data() and shared.headers["ETag"] == first.headers["ETag"]
    tables = all_tables()
    tables["fts_plans"] = tables["fts_plans"].iloc[:1]
    write_tables(data_dir, tables)  # a new ingest: never the old numbers
    fresh = two.get("/api/fts_plans.json")
    assert fresh.status_code == 200 and len(calls) == 2 and fresh.get_json()["meta"]["rows"] == 1
    assert one.get("/api/tables").status_code == 200  # the 4th request of this address, in either worker
    assert two.get("/api/tables").status_code == 429  # one budget for both workers


def test_app_with_redis_unreachable_serves(data_dir, monkeypatch):  # noqa: F811
    from dashboard.app import create_app

    monkeypatch.setenv("HUMDASH_CACHE_URL", f"redis://127.0.0.1:{servers.free_port()}/0")
    monkeypatch.setenv("HUMDASH_RATELIMIT", "100/second")
    monkeypatch.setenv("HUMDASH_RATELIMIT_STORAGE_URL", f"redis://127.0.0.1:{servers.free_port()}/1")
    client = create_app(data_dir).server.test_client()
    for url in ("/api/fts_plans.csv", "/api/fts_plans.csv", "/api/mmp_deaths.json", "/api/tables"):
        assert client.get(url).status_code == 200, url


def test_stopping_redis_under_load_fails_no_request(redis_url, tmp_path):
    """gunicorn, 2 workers sharing Redis for the cache and the rate limit, no cache of their own (so every
    answer asks Redis); Redis hangs, then dies, mid-run."""
    from load import heavy

    log = tmp_path / "gunicorn.log"
    proc, base = servers.gunicorn(tmp_path / "data", log, workers=2,
                                  env={"HUMDASH_CACHE_URL": redis_url, "HUMDASH_CACHE_BYTES": "0",
                                       "HUMDASH_RATELIMIT": "1000/second",
                                       "HUMDASH_RATELIMIT_STORAGE_URL": redis_url.replace("/0", "/1")})
    pid = _pid_of(redis_url)
    try:
        result: dict = {}
        runner = threading.Thread(target=lambda: result.update(heavy.run(base, clients=8, seconds=6, requests=40,
                                                                           timeout=30)))
        runner.start()
        import redis as redis_py

        store = redis_py.Redis.from_url(redis_url)
        deadline = time.monotonic() + 20
        while store.dbsize() < 2 and time.monotonic() < deadline:  # the load is on and Redis is in use
            time.sleep(0.1)
        assert store.dbsize() >= 2
        os.kill(pid, signal.SIGSTOP)  # hung
        time.sleep(1.0)
        os.kill(pid, signal.SIGKILL)  # gone
        os.kill(pid, signal.SIGCONT)
        runner.join(60)
        assert result["total"]["errors"] == 0, result["errors"]
        assert result["total"]["requests"] >= 8, result["total"]  # at least one each; all answered
        text = log.read_text(errors="replace")
        assert "Traceback" not in text
        warned = text.count("shared cache redis:")
        assert 1 <= warned <= 2, (warned, text[-3000:])  # once per worker at most
        assert heavy.Client("127.0.0.1", int(base.rsplit(":", 1)[1]), 10).request("GET", "/api/tables")[0] == 200
    finally:
        servers.stop(proc)



# Every test here but a few starts real server processes (moto, redis-server, nginx, gunicorn, the dashboard):
# the whole module is slow, so the fast lane leaves it out (the full suite runs it). At the end of the file so
# that the server code above can change without touching this line.
pytestmark = pytest.mark.slow
