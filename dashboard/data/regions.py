"""Incident regions and the region groups they belong to (e.g. Americas = North, Central and South
America, the Caribbean and the older "US-Mexico Border").

The mapping has one owner, the MMP source module (`ingest.sources.mmp.REGION_GROUPS`), which also fills
`region_group` in the tables; the dashboard imports it from there.
"""
from __future__ import annotations

from ingest.sources.mmp import MULTIPLE_GROUPS as MULTIPLE_GROUP
from ingest.sources.mmp import REGION_GROUPS

__all__ = ["MULTIPLE_GROUP", "REGION_GROUPS", "groups", "regions_of"]


def groups() -> list[str]:
    """Every region group, in a stable order (Americas first: it is the default)."""
    names = sorted(set(REGION_GROUPS.values()))
    return sorted(names, key=lambda g: (g != "Americas", g))


def regions_of(group: str) -> list[str]:
    """The incident regions (old and new names) that belong to `group`."""
    return sorted(r for r, g in REGION_GROUPS.items() if g == group)
