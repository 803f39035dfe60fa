"""What changed between two versions of a table: new, removed and revised rows, and moved totals.

Pure functions over DataFrames (no I/O) plus one helper that picks the versions to compare from a
store. Used by the dashboard's "What changed" view and /api/changes.csv: a weekly donor brief.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import pandas as pd

from .errors import IngestError
from .storage.versions import F, VersionedStore
from .store import version_stamp


@dataclass(frozen=True)
class Spec:
    """How to compare one table: the columns that identify a row, the figures, and labels shown."""

    key: tuple[str, ...]
    figures: tuple[str, ...]
    labels: tuple[str, ...] = ()


SPECS: dict[str, Spec] = {
    "fts_plans": Spec(("plan_id",), ("requirements_usd", "funding_usd", "pledges_usd", "people_in_need",
                                     "people_targeted"), ("plan_code", "plan_name", "year")),
    "fts_clusters": Spec(("plan_id", "cluster_type", "row_type", "cluster_name"),
                         ("requirements_usd", "funding_usd")),
    "fts_plan_locations": Spec(("plan_id", "location_name"), ("requirements_usd", "funding_usd")),
    "fts_donors": Spec(("plan_id", "donor_name"), ("funding_usd", "pledges_usd")),
    "fts_flows": Spec(("flow_id",), ("amount_usd",), ("plan_id", "donor_name", "status", "date")),
    "mmp_incidents": Spec(("incident_id",), ("dead", "missing", "dead_and_missing", "survivors"),
                          ("incident_date", "region", "country_of_incident", "origin")),
    # mmp_deaths is an aggregate: compare totals per year and region instead of its many small cells.
    "mmp_deaths": Spec(("year", "region_group", "region"), ("incidents", "dead", "missing", "dead_and_missing")),
}

COLUMNS = ["table", "key", "change", "field", "old_value", "new_value", "difference", "label"]


def _key_text(frame: pd.DataFrame, key: tuple[str, ...]) -> pd.Series:
    parts = [frame[c].astype("string").fillna("") for c in key]
    out = parts[0]
    for part in parts[1:]:
        out = out + " | " + part
    return out


def _prepare(frame: pd.DataFrame, table: str, spec: Spec) -> pd.DataFrame:
    """One row per key: aggregates are summed over their key, other tables keep their rows."""
    if table == "mmp_deaths":
        frame = frame.groupby(list(spec.key), dropna=False, as_index=False)[list(spec.figures)].sum()
    frame = frame.assign(_key=_key_text(frame, spec.key))
    if frame["_key"].duplicated().any():
        frame = frame.drop_duplicates("_key", keep="last")  # cannot happen for validated keyed tables
    return frame.set_index("_key")


def _label(frame: pd.DataFrame, spec: Spec) -> pd.Series:
    if not spec.labels:
        return pd.Series("", index=frame.index, dtype="string")
    return _key_text(frame, spec.labels)


def compare(old: pd.DataFrame, new: pd.DataFrame, table: str) -> pd.DataFrame:
    """Rows added, removed or revised between two versions of `table` (one row per changed figure)."""
    if table not in SPECS:
        raise IngestError(f"table {table!r} cannot be compared; known: {', '.join(SPECS)}")
    spec = SPECS[table]
    a, b = _prepare(old, table, spec), _prepare(new, table, spec)
    # the labels of the added and of the removed rows each at once (a label per row, each on a one-row frame,
    # took seconds for a few thousand rows: /changes and /api/changes.csv compute this on each request)
    added, removed = b.index.difference(a.index), a.index.difference(b.index)
    labels_added, labels_removed = _label(b.loc[added], spec), _label(a.loc[removed], spec)
    out = []
    for key in added:
        row = b.loc[key]
        for f in spec.figures:
            if pd.notna(row[f]):
                out.append((table, key, "added", f, pd.NA, row[f], row[f], labels_added.loc[key]))
    for key in removed:
        row = a.loc[key]
        for f in spec.figures:
            if pd.notna(row[f]):
                out.append((table, key, "removed", f, row[f], pd.NA, -row[f], labels_removed.loc[key]))
    both = a.index.intersection(b.index)
    labels = _label(b.loc[both], spec)
    for f in spec.figures:
        x, y = a.loc[both, f], b.loc[both, f]
        moved = ~((x == y).fillna(False) | (x.isna() & y.isna()))
        for key in both[moved.to_numpy()]:
            old_v, new_v = x.loc[key], y.loc[key]
            diff = (new_v - old_v) if pd.notna(old_v) and pd.notna(new_v) else pd.NA
            out.append((table, key, "revised", f, old_v, new_v, diff, labels.loc[key]))
    frame = pd.DataFrame(out, columns=COLUMNS)
    for col in ("old_value", "new_value", "difference"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("Float64")
    order = {"revised": 0, "added": 1, "removed": 2}
    return (frame.assign(_o=frame["change"].map(order)).sort_values(["_o", "key", "field"])
            .drop(columns="_o").reset_index(drop=True))


def totals_by_region(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Dead and missing per year and region group in two versions of mmp_deaths or mmp_incidents."""
    def totals(frame: pd.DataFrame) -> pd.DataFrame:
        figures = [c for c in ("dead", "missing", "dead_and_missing") if c in frame]
        return frame.groupby(["year", "region_group"], dropna=False)[figures].sum()

    a, b = totals(old), totals(new)
    joined = a.join(b, how="outer", suffixes=("_old", "_new")).fillna(0).astype("int64")
    joined["difference"] = joined["dead_and_missing_new"] - joined["dead_and_missing_old"]
    return joined.reset_index()


def pick_versions(store: VersionedStore[F], since: datetime | None = None) -> tuple[F, F]:
    """(old, new) version folders: the current one, and the version it was built on or, with `since`,
    the newest of its predecessors written at or before `since`. Versions follow commit order (each
    manifest's `previous`), so an ingest that started earlier but committed later, or a folder an
    interrupted ingest left behind, never takes the current one's place."""
    current = store.current_dir()
    chain: list[F] = []
    if current is not None and store.root / "versions" in current.parents:
        chain.append(current)
        while len(chain) <= len(store.versions()):
            before = store.previous(chain[-1])
            if before is None or before in chain:
                break
            chain.append(before)
    if len(chain) < 2:
        raise IngestError(f"{store.root}: only {len(chain)} version(s) kept; ingest again to see what changed")
    new = chain[0]
    if since is None:
        return chain[1], new
    since = since if since.tzinfo else since.replace(tzinfo=timezone.utc)
    stamp = since.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%S999999Z")
    older = [v for v in chain[1:] if version_stamp(v.name) <= stamp]
    if not older:
        raise IngestError(f"no version of {store.root} was written on or before {since:%Y-%m-%d}; "
                          f"the oldest is {version_stamp(chain[-1].name)[:8]}")
    return older[0], new


def changes(store: VersionedStore[Any], table: str, since: datetime | None = None) -> pd.DataFrame:
    """What changed in `table` between the version current at `since` (or the previous one) and now."""
    old_dir, new_dir = pick_versions(store, since)
    old_tables, new_tables = store.manifest(old_dir)["tables"], store.manifest(new_dir)["tables"]
    if table not in new_tables:
        raise IngestError(f"table {table} is not in the current version of {store.root}")
    old = store.read(table, old_dir) if table in old_tables else store.read(table, new_dir).iloc[0:0]
    result = compare(old, store.read(table, new_dir), table)
    return result.assign(old_version=old_dir.name, new_version=new_dir.name)
