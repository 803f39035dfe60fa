"""The store: atomic versioned writes, provenance manifest, consistent reads, snapshot fallback."""
from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import threading
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pytest

from ingest import schemas
from ingest.errors import IngestError
from ingest.store import Store, load_for_app

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def donors(plan_id: int, n: int = 2) -> pd.DataFrame:
    """A small valid fts_donors table whose every row carries `plan_id` as a marker."""
    return schemas.validate("fts_donors", pd.DataFrame({
        "plan_id": [plan_id] * n, "donor_name": [f"Donor {i}" for i in range(n)],
        "donor_type": ["Government"] * n, "donor_iso3": ["USA"] * n, "funding_usd": [100 * (i + 1) for i in range(n)],
        "pledges_usd": [0] * n, "flows": [1] * n, "share_percent": [50.0] * n}))


def deaths(year: int) -> pd.DataFrame:
    """A one-row mmp_deaths table for `year`."""
    return schemas.validate("mmp_deaths", pd.DataFrame({
        "year": [year], "month": [1], "region": ["Caribbean"], "region_group": ["Americas"],
        "country_of_incident_iso3": ["TTO"], "origin": ["Venezuela (Bolivarian Republic of)"],
        "origin_iso3": ["VEN"], "origin_group": ["single"], "cause_of_death": ["Drowning"],
        "migration_route": [pd.NA], "incidents": [1], "dead": [2], "missing": [-1], "dead_and_missing": [1],
        "survivors": [0], "females": [0], "males": [0], "children": [0]}))


def tree_hashes(root: Path) -> dict[str, str]:
    """sha256 of every file below root (links followed), by relative path."""
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.name != ".lock":
            out[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def test_round_trip_with_provenance(tmp_path):
    store = Store(tmp_path)
    inputs = {"fts_donors": [{"url": "https://api.hpc.tools/v1/x", "sha256": "ab" * 32, "retrieved_at": "2026-01-02"}]}
    store.write({"fts_donors": donors(827)}, inputs, now=T0, notes={"fts_donors": ["dates recovered: 3"]})
    back = store.read("fts_donors")
    pd.testing.assert_frame_equal(back, donors(827))
    entry = store.manifest()["tables"]["fts_donors"]
    assert entry["rows"] == 2 and entry["licence"] == "CC BY-IGO 3.0"
    assert entry["attribution"].startswith("OCHA Financial Tracking Service")
    assert entry["inputs"] == inputs["fts_donors"] and entry["notes"] == ["dates recovered: 3"]
    assert entry["written_at"] == "2026-01-02T03:04:05+00:00"
    parquet = tmp_path / "tables" / "fts_donors.parquet"
    assert entry["sha256"] == hashlib.sha256(parquet.read_bytes()).hexdigest()
    assert (tmp_path / "tables").is_symlink() and (tmp_path / "manifest.json").is_symlink()


def test_failed_write_leaves_everything_byte_identical(tmp_path):
    store = Store(tmp_path)
    store.write({"fts_donors": donors(827)}, {}, now=T0)
    before = tree_hashes(tmp_path)
    bad = donors(1).assign(flows=-5)  # fails the schema (flows >= 0)
    with pytest.raises(IngestError, match="flows"):
        store.write({"fts_donors": bad, "mmp_deaths": deaths(2019)}, {})
    assert tree_hashes(tmp_path) == before
    assert not [p for p in tmp_path.rglob("*") if ".tmp" in p.name]


def test_failure_after_writing_files_cleans_up(tmp_path, monkeypatch):
    store = Store(tmp_path)
    store.write({"fts_donors": donors(827)}, {}, now=T0)
    before = tree_hashes(tmp_path)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "rename", broken)
    with pytest.raises(OSError):
        store.write({"fts_donors": donors(928)}, {})
    assert tree_hashes(tmp_path) == before
    assert not [p for p in tmp_path.rglob("*") if ".tmp" in p.name]
    assert store.read("fts_donors")["plan_id"].iloc[0] == 827


@pytest.mark.parametrize("damage", ["truncated", "rows lost"])
def test_a_damaged_write_is_caught_before_it_becomes_current(tmp_path, monkeypatch, damage):
    store = Store(tmp_path)
    store.write({"fts_donors": donors(827)}, {}, now=T0)
    before = tree_hashes(tmp_path)
    real = pd.DataFrame.to_parquet

    def damaging(frame, path, **kwargs):
        if damage == "rows lost":
            return real(frame.head(1), path, **kwargs)
        real(frame, path, **kwargs)
        Path(path).write_bytes(Path(path).read_bytes()[:-10])  # the footer is lost

    monkeypatch.setattr(pd.DataFrame, "to_parquet", damaging)
    with pytest.raises(IngestError, match="fts_donors.parquet: the table just written"):
        store.write({"fts_donors": donors(928, n=3)}, {})
    assert tree_hashes(tmp_path) == before
    assert not [p for p in tmp_path.rglob("*") if ".tmp" in p.name]
    assert store.read("fts_donors")["plan_id"].iloc[0] == 827


def test_versions_kept_and_tables_carried_over(tmp_path):
    store = Store(tmp_path)
    store.write({"fts_donors": donors(827)}, {}, now=T0)
    token = store.version_token()
    store.write({"mmp_deaths": deaths(2019)}, {})
    assert store.version_token() != token
    assert store.tables() == ["fts_donors", "mmp_deaths"]
    assert store.read("fts_donors")["plan_id"].iloc[0] == 827
    assert len(store.versions()) == 2
    first = store.versions()[0]
    assert json.loads((first / "manifest.json").read_text())["tables"].keys() == {"fts_donors"}


def test_reader_never_sees_a_mix(tmp_path):
    """Every version writes two tables with the same marker; a reader must never see them disagree."""
    store = Store(tmp_path)
    store.write({"fts_donors": donors(1990), "mmp_deaths": deaths(1990)}, {})
    seen, stop = [], threading.Event()

    def reader():
        while not stop.is_set():
            tables, _ = Store(tmp_path).read_all()
            seen.append((int(tables["fts_donors"]["plan_id"].iloc[0]), int(tables["mmp_deaths"]["year"].iloc[0])))

    thread = threading.Thread(target=reader)
    thread.start()
    for year in range(1991, 2011):
        store.write({"fts_donors": donors(year), "mmp_deaths": deaths(year)}, {})
    stop.set()
    thread.join()
    assert seen and all(a == b for a, b in seen)


def _write_many(root: str, start: int) -> None:
    for year in range(start, start + 5):
        Store(root).write({"fts_donors": donors(year), "mmp_deaths": deaths(year)}, {})


def test_two_writers_at_once_do_not_corrupt(tmp_path):
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_write_many, args=(str(tmp_path), start)) for start in (2000, 2010)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    store = Store(tmp_path)
    assert len(store.versions()) == 10
    tables, manifest = store.read_all()
    assert int(tables["fts_donors"]["plan_id"].iloc[0]) == int(tables["mmp_deaths"]["year"].iloc[0])
    for version in store.versions():  # every kept version is complete and valid
        for name in ("fts_donors", "mmp_deaths"):
            store.read(name, version)


def test_read_rejects_a_table_that_breaks_the_schema(tmp_path):
    store = Store(tmp_path)
    store.write({"fts_donors": donors(827)}, {})
    path = (tmp_path / "tables" / "fts_donors.parquet").resolve()
    os.chmod(path, 0o644)
    donors(827).assign(flows=-1).to_parquet(path)
    with pytest.raises(IngestError, match="fts_donors"):
        store.read("fts_donors")


def test_load_for_app_falls_back_to_snapshot_table_by_table(tmp_path, monkeypatch):
    snap, data = tmp_path / "snap", tmp_path / "data"
    Store(snap).write({"fts_donors": donors(827), "mmp_deaths": deaths(2019)}, {}, layout="flat")
    monkeypatch.setenv("HUMDASH_SNAPSHOT_DIR", str(snap))
    tables, prov = load_for_app(data)
    assert prov["mmp_deaths"]["origin"] == "snapshot" and int(tables["mmp_deaths"]["year"].iloc[0]) == 2019
    Store(data).write({"mmp_deaths": deaths(2024)}, {})
    tables, prov = load_for_app(data)
    assert prov["mmp_deaths"]["origin"] == "ingested" and int(tables["mmp_deaths"]["year"].iloc[0]) == 2024
    assert prov["fts_donors"]["origin"] == "snapshot"


@pytest.mark.parametrize("change", [
    {}, {"flows": -5}, {"donor_iso3": "usa"}, {"donor_name": None}, {"share_percent": float("nan")},
    {"plan_id": 7}, {"funding_usd": "100"},
])
def test_validate_fast_path_agrees_with_pandera(monkeypatch, change):
    """schemas.validate returns a table that is valid as it is without pandera's machinery; the result,
    or the error, must be what pandera alone gives."""
    frame = donors(827, n=3)
    for column, value in change.items():
        frame[column] = frame[column].astype(object)
        frame.loc[1, column] = value
    results = []
    for fast in (True, False):
        if not fast:
            monkeypatch.setattr(schemas, "_passes_as_is", lambda schema, frame: False)
        try:
            results.append(schemas.validate("fts_donors", frame, "here"))
        except IngestError as exc:
            results.append(str(exc))
    if isinstance(results[1], str):
        assert results[0] == results[1]
    else:
        pd.testing.assert_frame_equal(results[0], results[1], check_exact=True)
