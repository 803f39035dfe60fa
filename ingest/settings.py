"""Every environment variable ingest/ reads, in one place: name, default and meaning.

`Settings.from_env()` reads them when called (never at import), so a test or a server that sets a
variable before calling sees it. An empty variable counts as unset.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

REPO_ROOT = Path(__file__).resolve().parents[1]
FTS_API_BASE = "https://api.hpc.tools"
MMP_BASE_URL = "https://missingmigrants.iom.int"
HDX_BASE = "https://data.humdata.org"


@dataclass(frozen=True)
class Settings:
    """Ingest settings; each field's docstring names the variable it comes from (see VARIABLES)."""

    data_dir: str = "data"
    """HUMDASH_DATA_DIR: where ingests write (a folder, or an object store URL such as s3://bucket/prefix)."""
    snapshot_dir: Path = REPO_ROOT / "data" / "snapshot"
    """HUMDASH_SNAPSHOT_DIR: the bundled snapshot the app falls back to."""
    fts_api_base: str = FTS_API_BASE
    """FTS_API_BASE: the FTS API (a mirror or a test server), unless --api-base is given."""
    hdx_base: str = HDX_BASE
    """HDX_BASE: HDX's site for `fts --hdx-global`, unless --hdx-base is given."""
    mmp_base_url: str = MMP_BASE_URL
    """MMP_BASE_URL: the Missing Migrants site, unless --base-url is given."""
    fts_basic_auth: str | None = None
    """FTS_BASIC_AUTH: "user:password" of a registered FTS client; sent to the FTS API only."""
    upload_pause: str | None = None
    """HUMDASH_TEST_UPLOAD_PAUSE: tests only: seconds to sleep after the first table of a new version is
    uploaded to an object store (to kill an ingest half way)."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        """The settings from `environ` (default: os.environ); unset or empty variables keep the defaults."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {name: env[var] for name, var in VARIABLES.items() if env.get(var)}
        if "snapshot_dir" in values:
            values["snapshot_dir"] = Path(values["snapshot_dir"])
        return cls(**values)

VARIABLES = {
    "data_dir": "HUMDASH_DATA_DIR",
    "snapshot_dir": "HUMDASH_SNAPSHOT_DIR",
    "fts_api_base": "FTS_API_BASE",
    "hdx_base": "HDX_BASE",
    "mmp_base_url": "MMP_BASE_URL",
    "fts_basic_auth": "FTS_BASIC_AUTH",
    "upload_pause": "HUMDASH_TEST_UPLOAD_PAUSE",
}
"""Field name -> environment variable."""
