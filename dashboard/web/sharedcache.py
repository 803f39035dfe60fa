"""Byte caches: a worker's own LRU (bounded by bytes) and, with HUMDASH_CACHE_URL=redis://…, one Redis shared
by every worker and host.

Keys carry the code and data versions (httpcache.py builds them), so a new ingest or a new release never
reads an old entry; entries only expire to free memory. Redis is a help, never a dependency: every call has
short socket timeouts (HUMDASH_CACHE_TIMEOUT, default 0.25 s); on the first failure the cache logs one
warning, stops asking Redis for RETRY_SECONDS, and the worker goes on from its own memory (or computes).

    HUMDASH_CACHE_URL     redis://host:6379/0 (unset: this worker's memory only)
    HUMDASH_CACHE_BYTES   the worker's LRU budget in bytes (default 32 MiB; 0 turns it off)
    HUMDASH_CACHE_TTL     seconds an entry lives in Redis (default 86400)
"""
from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from typing import Any, Callable

from dashboard.settings import settings

log = logging.getLogger(__name__)

DEFAULT_BYTES = 32 * 1024 * 1024
DEFAULT_TIMEOUT = 0.25
DEFAULT_TTL = 86400
RETRY_SECONDS = 30.0
PREFIX = "humdash:"


def _env_number(name: str, text: str, default: float, cast: Callable[[str], Any] = float) -> Any:
    try:
        value = cast(text or str(default))
    except ValueError:
        log.warning("%s=%r is not a number; using %s", name, text, default)
        return default
    return max(value, 0)


class LRUBytes:
    """Least-recently-used bytes, at most `max_bytes` in all (an entry over a quarter of that is not kept)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def set(self, key: str, value: bytes) -> None:
        if len(value) > self.max_bytes // 4:
            return
        with self._lock:
            old = self._items.pop(key, None)
            self.size -= len(old) if old is not None else 0
            self._items[key] = value
            self.size += len(value)
            while self.size > self.max_bytes:
                _key, dropped = self._items.popitem(last=False)
                self.size -= len(dropped)


class RedisBytes:
    """GET/SET on Redis that never raise: on an error or a timeout it logs once and rests RETRY_SECONDS."""

    def __init__(self, url: str, timeout: float = DEFAULT_TIMEOUT, ttl: int = DEFAULT_TTL,
                 clock: Callable[[], float] = time.monotonic) -> None:
        import redis

        self.url = url
        self.ttl = ttl
        self.clock = clock
        self.client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout,
                                           retry_on_timeout=False, health_check_interval=0)
        self.down_until = 0.0
        self._lock = threading.Lock()

    def _safe(self, call: Callable[[], Any]) -> Any:
        started = self.clock()
        if self.down_until and started < self.down_until:
            return None
        try:
            result = call()
        except Exception as exc:  # noqa: BLE001 (redis raises many kinds; none may reach a request)
            with self._lock:
                if not self.down_until:
                    log.warning("shared cache %s unavailable (%s: %s); answering from this worker's own cache "
                                "or computing, retrying every %.0f s", _redacted(self.url), type(exc).__name__, exc,
                                RETRY_SECONDS)
                self.down_until = self.clock() + RETRY_SECONDS
            return None
        if self.down_until and started >= self.down_until:  # a retry after the rest, not a call already in flight
            with self._lock:
                if self.down_until and started >= self.down_until:
                    log.warning("shared cache %s is back", _redacted(self.url))
                    self.down_until = 0.0
        return result

    def get(self, key: str) -> bytes | None:
        return self._safe(lambda: self.client.get(PREFIX + key))

    def set(self, key: str, value: bytes) -> None:
        self._safe(lambda: self.client.set(PREFIX + key, value, ex=self.ttl or None))


def _redacted(url: str) -> str:
    """The URL without a password (for the log)."""
    scheme, sep, rest = url.partition("://")
    return f"{scheme}{sep}{rest.rpartition('@')[2]}" if "@" in rest else url


class SharedCache:
    """This worker's LRU in front of an optional Redis; `get_or_make` computes a missing key once per worker
    even when many threads ask for it at the same moment."""

    def __init__(self, local: LRUBytes | None, remote: RedisBytes | None = None) -> None:
        self.local = local
        self.remote = remote
        self._inflight: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        value = self.local.get(key) if self.local else None
        if value is None and self.remote is not None:
            value = self.remote.get(key)
            if value is not None and self.local:
                self.local.set(key, value)
        return value

    def set(self, key: str, value: bytes) -> None:
        if self.local:
            self.local.set(key, value)
        if self.remote is not None:
            self.remote.set(key, value)

    def get_or_make(self, key: str, make: Callable[[], bytes | None]) -> bytes | None:
        """The cached bytes for `key`, else `make()` (cached unless None); exceptions pass through uncached."""
        value = self.get(key)
        if value is not None:
            return value
        with self._lock:
            lock = self._inflight.setdefault(key, threading.Lock())
        try:
            with lock:
                value = self.get(key)  # made by the thread we waited for
                if value is None:
                    value = make()
                    if value is not None:
                        self.set(key, value)
                return value
        finally:
            with self._lock:
                if self._inflight.get(key) is lock:
                    del self._inflight[key]


def from_env() -> SharedCache:
    """The cache the environment asks for (see the module docstring)."""
    env = settings()
    max_bytes = _env_number("HUMDASH_CACHE_BYTES", env.cache_bytes, DEFAULT_BYTES, int)
    url = env.cache_url
    remote = None
    if url:
        try:
            remote = RedisBytes(url, timeout=_env_number("HUMDASH_CACHE_TIMEOUT", env.cache_timeout, DEFAULT_TIMEOUT),
                                ttl=_env_number("HUMDASH_CACHE_TTL", env.cache_ttl, DEFAULT_TTL, int))
        except (ImportError, ValueError) as exc:
            log.warning("HUMDASH_CACHE_URL=%s not usable (%s); caching in this worker's memory only",
                        _redacted(url), exc)
    return SharedCache(LRUBytes(max_bytes) if max_bytes else None, remote)
