"""Merge an ingest's tables into the current ones by key, so a partial ingest never shrinks a table.

A new file replaces the current rows only where it covers them: the same plan (plans, clusters of a
plan and cluster type, a plan's country split, a plan's donors), the same flow, or the same year of
migrant incidents (an MMP file is a release of whole years). Rows of plans, flows and years the file
does not hold are kept. `python -m ingest ... --replace` writes the ingest's tables as they are.
Every merge counts the rows added, changed and removed, per table.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

# table -> (columns naming the part of the table a new file replaces, columns naming one row)
KEYS: dict[str, tuple[list[str], list[str]]] = {
    "fts_plans": (["plan_id"], ["plan_id"]),
    "fts_clusters": (["plan_id", "cluster_type"], ["plan_id", "cluster_type", "row_type", "cluster_id", "cluster_name"]),
    "fts_plan_locations": (["plan_id"], ["plan_id", "location_id", "location_name"]),
    "fts_flows": (["flow_id"], ["flow_id"]),
    "fts_donors": (["plan_id"], ["plan_id", "donor_name"]),
    "mmp_incidents": (["year"], ["incident_id"]),
    "mmp_deaths": (["year"], ["year", "month", "region", "region_group", "country_of_incident_iso3", "origin",
                              "origin_iso3", "origin_group", "cause_of_death", "migration_route"]),
}


@dataclass
class Merged:
    frame: pd.DataFrame
    added: int
    changed: int
    removed: int
    kept: int  # current rows outside what the new file covers, kept as they were

    def note(self) -> str:
        return (f"merged by key into the current table: {self.added:,} rows added, {self.changed:,} changed, "
                f"{self.removed:,} removed, {self.kept:,} kept from earlier ingests")


def merge(name: str, new: pd.DataFrame, current: pd.DataFrame | None) -> Merged:
    """`new` merged into `current` (see the module docstring); tables without keys are replaced."""
    if name not in KEYS or current is None or current.empty:
        return Merged(new, len(new), 0, 0, 0)
    block, row = KEYS[name]
    row = [c for c in row if c in new.columns and c in current.columns]
    covered = _keys(current, block).isin(set(_keys(new, block)))
    old_part, kept = current[covered], current[~covered]
    old_ids, new_ids = _keys(old_part, row), _keys(new, row)
    both = set(old_ids) & set(new_ids)
    changed = 0
    if both:
        a = old_part[old_ids.isin(both).to_numpy()].assign(_k=old_ids[old_ids.isin(both)].to_numpy())
        b = new[new_ids.isin(both).to_numpy()].assign(_k=new_ids[new_ids.isin(both)].to_numpy())
        a = a.drop_duplicates("_k").set_index("_k").sort_index()
        b = b.drop_duplicates("_k").set_index("_k").sort_index()[a.columns]
        same = (a.astype("string").fillna("\x00") == b.astype("string").fillna("\x00")).all(axis=1)
        changed = int((~same).sum())
    frame = pd.concat([kept, new], ignore_index=True) if len(kept) else new.reset_index(drop=True)
    # stable by the covered part: rows of one plan (or year) stay together, in the order their file gave
    frame = frame.iloc[_keys(frame, block).argsort(kind="mergesort")].reset_index(drop=True)
    return Merged(frame, added=int((~new_ids.isin(set(old_ids))).sum()), changed=changed,
                  removed=int((~old_ids.isin(set(new_ids))).sum()), kept=len(kept))


def _keys(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """One hashable text key per row from `columns` (blank as a marker of its own)."""
    if not columns:
        return pd.Series([""] * len(frame), index=frame.index, dtype="object")
    parts = [frame[c].astype("string").fillna("\x00") for c in columns]
    key = parts[0]
    for part in parts[1:]:
        key = key + "\x1f" + part
    return key.astype("object")
