"""Tidy tables in an object store: `--data-dir s3://bucket/prefix` (or any other fsspec URL).

The code lives in `ingest.storage` (the layout under the prefix is described in
`ingest.storage.objects`); this module keeps the names every caller imports.
"""
from __future__ import annotations

from .storage.backend import describe, is_url, location, redact, shown
from .storage.layout import CURRENT
from .storage.objects import ObjectStore
from .storage.open import open_store

__all__ = ["CURRENT", "ObjectStore", "describe", "is_url", "location", "open_store", "redact", "shown"]
