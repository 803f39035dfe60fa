"""Every environment variable the dashboard reads, in one place: name, default and meaning.

`Settings.from_env()` reads them when called (never at import), so a test or a server that sets a
variable before creating the app sees it. Values stay the text the operator wrote, with an unset or
empty variable giving the default below; each module that uses one parses it and says in the log
when the text makes no sense (e.g. `HUMDASH_CACHE_BYTES=lots` warns and keeps the default).
The data directory (HUMDASH_DATA_DIR) and the bundled snapshot are ingest's settings (`ingest.settings`),
shared by the app and the ingest.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping


@dataclass(frozen=True)
class Settings:
    """Dashboard settings; each field's docstring names its variable (see VARIABLES)."""

    cache_url: str = ""
    """HUMDASH_CACHE_URL: redis://host:port/db of the answer cache shared by every worker (empty: per worker)."""
    cache_bytes: str = ""
    """HUMDASH_CACHE_BYTES: the size of each worker's own answer cache in bytes (web/sharedcache.py default)."""
    cache_timeout: str = ""
    """HUMDASH_CACHE_TIMEOUT: seconds to wait for Redis before answering without it."""
    cache_ttl: str = ""
    """HUMDASH_CACHE_TTL: seconds an answer stays in Redis."""
    cache_max_age: str = ""
    """HUMDASH_CACHE_MAX_AGE: Cache-Control max-age of data answers, in seconds."""
    ratelimit: str = ""
    """HUMDASH_RATELIMIT: per-client limits on /api ("off" to switch off; web/ratelimit.py default)."""
    ratelimit_storage_url: str = ""
    """HUMDASH_RATELIMIT_STORAGE_URL: where the rate limit counts (memory:// per worker, or redis://)."""
    trusted_proxies: str = ""
    """HUMDASH_TRUSTED_PROXIES: how many proxies in front set X-Forwarded-For (the client is the address
    before them)."""
    allow_embed: str = ""
    """HUMDASH_ALLOW_EMBED: which sites may frame the pages ("1": any; else a list of origins)."""
    image_timeout: str = "30"
    """HUMDASH_IMAGE_TIMEOUT: seconds a PNG/SVG rendering may take."""
    chromium: str = ""
    """HUMDASH_CHROMIUM: the Chromium that renders images (default: `chromium` on PATH, /usr/bin/chromium)."""
    full_plotlyjs: str = ""
    """HUMDASH_FULL_PLOTLYJS: "1" serves plotly.js whole instead of the partial bundle."""
    compress: str = "1"
    """HUMDASH_COMPRESS: "0" switches off gzip/brotli of pages and answers (e.g. behind a proxy that does it)."""
    arrow: str = ""
    """HUMDASH_ARROW: "1" lets the server process import pyarrow (default: kept out when fastparquet is
    installed, which reads the tables instead; see dashboard/serving.py)."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        """The settings from `environ` (default: os.environ); unset or empty variables keep the defaults."""
        env = os.environ if environ is None else environ
        return cls(**{name: env[var].strip() for name, var in VARIABLES.items() if env.get(var, "").strip()})


VARIABLES = {
    "cache_url": "HUMDASH_CACHE_URL",
    "cache_bytes": "HUMDASH_CACHE_BYTES",
    "cache_timeout": "HUMDASH_CACHE_TIMEOUT",
    "cache_ttl": "HUMDASH_CACHE_TTL",
    "cache_max_age": "HUMDASH_CACHE_MAX_AGE",
    "ratelimit": "HUMDASH_RATELIMIT",
    "ratelimit_storage_url": "HUMDASH_RATELIMIT_STORAGE_URL",
    "trusted_proxies": "HUMDASH_TRUSTED_PROXIES",
    "allow_embed": "HUMDASH_ALLOW_EMBED",
    "image_timeout": "HUMDASH_IMAGE_TIMEOUT",
    "chromium": "HUMDASH_CHROMIUM",
    "full_plotlyjs": "HUMDASH_FULL_PLOTLYJS",
    "compress": "HUMDASH_COMPRESS",
    "arrow": "HUMDASH_ARROW",
}
"""Field name -> environment variable."""


def settings() -> Settings:
    """The settings now (read afresh: cheap, and tests may change the environment between apps)."""
    return Settings.from_env()
