"""Tidy tables on disk: atomic, versioned writes with a provenance manifest; verified reads.

The code lives in `ingest.storage` (see its package doc; the layout of a data directory is described
in `ingest.storage.local`); this module keeps the names every caller imports.
"""
from __future__ import annotations

from .settings import REPO_ROOT, Settings
from .storage.backend import copy_file
from .storage.integrity import sha256_file
from .storage.layout import COMMITTED, DEFAULT_KEEP, MANIFEST, version_key, version_stamp
from .storage.local import Store
from .storage.manifest import input_record
from .storage.open import default_data_dir, load_for_app, snapshot_dir

SNAPSHOT_DIR = Settings().snapshot_dir  # the default of $HUMDASH_SNAPSHOT_DIR

__all__ = ["COMMITTED", "DEFAULT_KEEP", "MANIFEST", "REPO_ROOT", "SNAPSHOT_DIR", "Store", "copy_file",
           "default_data_dir", "input_record", "load_for_app", "sha256_file", "snapshot_dir", "version_key",
           "version_stamp"]
