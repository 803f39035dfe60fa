"""Incident regions and the region groups they belong to (e.g. Americas = North, Central and South
America, the Caribbean and the older "US-Mexico Border").

The mapping is owned by the MMP source module (`ingest.sources.mmp.REGION_GROUPS`), which also
fills `region_group` in the tables; the copy below is only used if that module cannot be imported,
and must be kept equal to it (tests/test_dashboard_queries.py checks this).
"""
from __future__ import annotations

_FALLBACK: dict[str, str] = {
    **dict.fromkeys(["North America", "Central America", "Caribbean", "South America", "US-Mexico Border"],
                    "Americas"),
    "Mediterranean": "Mediterranean",
    "Europe": "Europe",
    **dict.fromkeys(["Northern Africa", "Eastern Africa", "Middle Africa", "Southern Africa", "Western Africa",
                     "North Africa", "Horn of Africa", "Sub-Saharan Africa"], "Africa"),
    **dict.fromkeys(["Western Asia", "Central Asia", "Eastern Asia", "Southern Asia", "South-eastern Asia",
                     "Middle East", "East Asia", "South Asia", "Southeast Asia"], "Asia"),
}

try:
    from ingest.sources.mmp import REGION_GROUPS as _SOURCE_GROUPS
except ImportError:  # the source module is optional for the app; the data already carry region_group
    _SOURCE_GROUPS = None

REGION_GROUPS: dict[str, str] = dict(_SOURCE_GROUPS or _FALLBACK)
MULTIPLE_GROUP = "Multiple"  # an incident listed in regions of different groups


def groups() -> list[str]:
    """Every region group, in a stable order (Americas first: it is the default)."""
    names = sorted(set(REGION_GROUPS.values()))
    return sorted(names, key=lambda g: (g != "Americas", g))


def regions_of(group: str) -> list[str]:
    """The incident regions (old and new names) that belong to `group`."""
    return sorted(r for r, g in REGION_GROUPS.items() if g == group)
