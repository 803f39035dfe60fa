"""Per-client rate limit on /api (Flask-Limiter): over the limit a client gets HTTP 429 with `Retry-After` and
a JSON body like every other error (and no rate-limit headers on other answers: a CDN would keep them).

    HUMDASH_RATELIMIT                 limits per client address, `;`-separated (default "20/second;600/minute";
                                      "off" turns the limit off)
    HUMDASH_RATELIMIT_STORAGE_URL     where the counts live: memory:// (default: each worker counts on its own,
                                      so with -w 2 a client gets up to twice the limit) or redis://host:6379/1
                                      (every worker and host shares the counts)
    HUMDASH_TRUSTED_PROXIES           how many proxies in front set X-Forwarded-For (default 0; 1 behind the
                                      nginx of deploy/nginx/): without it every visitor has nginx's address

The default lets one client make a request every 100 ms for a minute (the load test, 20 simulated visitors
on one address, makes about 6 /api requests per second). If the counts' storage is down the limiter counts
in memory and logs it; it never turns a request away because of its own trouble.
"""
from __future__ import annotations

import logging
import math
import time
from typing import Any

from flask import Flask, Response, request
from werkzeug.sansio.response import Response as BaseResponse

from dashboard.settings import settings
from dashboard.web.security import json_error

log = logging.getLogger(__name__)

DEFAULT_LIMITS = "20/second;600/minute"
_OFF = {"0", "off", "no", "false", "none"}


class _Quiet(logging.Filter):
    """Flask-Limiter's storage trouble in one line a minute: when Redis dies, every request in flight would
    log a traceback ("Swallowing error"); the request itself is served either way."""

    def __init__(self, every: float = 60.0) -> None:
        super().__init__()
        self.every = every
        self.last: dict[str, float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING or "exceeded at endpoint" in record.getMessage():
            return record.levelno >= logging.WARNING
        kind = "swallowed" if "Swallowing" in record.getMessage() else record.getMessage()[:60]
        now = time.monotonic()
        if now - self.last.get(kind, -self.every) < self.every:
            return False
        self.last[kind] = now
        if record.exc_info:
            record.msg = f"{record.getMessage()}: {record.exc_info[1]!r}"
            record.args, record.exc_info, record.exc_text = (), None, None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def limits() -> str | None:
    """The limits the environment asks for (None: off)."""
    text = settings().ratelimit
    if text.lower() in _OFF:
        return None
    return text or DEFAULT_LIMITS


def install(server: Flask) -> Any:
    """Rate-limit /api on `server`; returns the Limiter (None when off)."""
    proxies = settings().trusted_proxies
    if proxies.isdigit() and int(proxies) > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=int(proxies), x_proto=int(proxies))  # type: ignore[method-assign]
    spec = limits()
    if spec is None:
        return None
    from flask_limiter import Limiter, RateLimitExceeded, RequestLimit
    from flask_limiter.util import get_remote_address

    storage = settings().ratelimit_storage_url or "memory://"
    options: dict[str, Any] = {}
    if storage.startswith(("redis://", "rediss://")):
        options = {"socket_timeout": 0.25, "socket_connect_timeout": 0.25}

    def breached(limit: RequestLimit) -> Response:
        wait = max(1, math.ceil(limit.reset_at - time.time()))
        response = json_error(429, "too many requests",
                              f"more than {limit.limit} from this address; retry in {wait} s")
        response.headers["Retry-After"] = str(wait)
        return response

    quiet = logging.getLogger("flask-limiter")
    quiet.setLevel(logging.WARNING)  # not one INFO line per refused request
    if not any(isinstance(f, _Quiet) for f in quiet.filters):
        quiet.addFilter(_Quiet())
    limiter = Limiter(get_remote_address, app=server, application_limits=[spec],
                      application_limits_exempt_when=lambda: not (request.path == "/api" or request.path.startswith("/api/")),
                      storage_uri=storage, storage_options=options, in_memory_fallback_enabled=True,
                      swallow_errors=True, headers_enabled=False, on_breach=breached, key_prefix="humdash")

    @server.errorhandler(RateLimitExceeded)
    def too_many(exc: RateLimitExceeded) -> BaseResponse:  # before security.py's handler for every HTTP error
        return exc.response or json_error(429, "too many requests", str(exc.description))

    return limiter
