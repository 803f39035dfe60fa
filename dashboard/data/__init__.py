"""The data layer: the loaded tables (`Dataset`), their reload (`DataSource`), the migration cube and the
lazily read tables. Region groups (regions.py) come from the MMP source module, their one owner.

    dataset.py  Dataset, DataSource, current_dataset(), retrieval dates
    cube.py     build_cube / build_geo / compact
    lazy.py     LazyTable, Tables, release_memory()
    regions.py  incident regions and their groups
"""
from __future__ import annotations

from .cube import GEO_COLUMNS, GEO_COUNTS, build_cube, build_geo, compact
from .dataset import (
    CACHE_SIZE,
    CHECK_EVERY_SECONDS,
    DAMAGED_GONE,
    DAMAGED_OLDER,
    DAMAGED_SINCE_LOAD,
    DAMAGED_SNAPSHOT,
    POINTER_LOST,
    Dataset,
    DataSource,
    current_dataset,
    has_retrieval_date,
    retrieved_at,
)
from .lazy import LAZY_KEEP_SECONDS, LAZY_TABLES, LazyTable, Tables, release_memory

__all__ = [
    "CACHE_SIZE", "CHECK_EVERY_SECONDS", "DAMAGED_GONE", "DAMAGED_OLDER", "DAMAGED_SINCE_LOAD", "DAMAGED_SNAPSHOT",
    "GEO_COLUMNS", "GEO_COUNTS", "LAZY_KEEP_SECONDS", "LAZY_TABLES", "POINTER_LOST", "DataSource", "Dataset",
    "LazyTable", "Tables", "build_cube", "build_geo", "compact", "current_dataset", "has_retrieval_date",
    "release_memory", "retrieved_at",
]
