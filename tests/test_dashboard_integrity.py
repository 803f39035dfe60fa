"""The dashboard over damaged or unpointed stored data: it keeps serving the newest intact copy of each
table, says so on the pages that show it and in /api/status, and never serves 0 rows with a 200."""
from __future__ import annotations

import io
import json
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pytest

from tests.fixtures.dashboard.dashboard_synth import all_tables, dispatch, empty_snapshot, write_tables  # noqa: E402,F401

from ingest.store import Store  # noqa: E402
from test_store_integrity import truncate  # noqa: E402

T1, T2 = datetime(2026, 1, 1, tzinfo=timezone.utc), datetime(2026, 2, 1, tzinfo=timezone.utc)


@pytest.fixture
def two_versions(tmp_path, empty_snapshot):
    """Every synthetic table, then a second ingest of mmp_deaths only (the rest carried over)."""
    directory = tmp_path / "data"
    tables = all_tables()
    write_tables(directory, tables, now=T1)
    write_tables(directory, {"mmp_deaths": tables["mmp_deaths"]}, now=T2)
    return directory, tables


def client_for(directory: Path):
    from dashboard.app import create_app

    client = create_app(directory, check_every=0).server.test_client()
    assert client.get("/").status_code == 200
    return client


def page(client, path: str) -> str:
    out = dispatch(client, "_pages_content", {"_pages_location.pathname": path, "_pages_location.search": ""})
    return json.dumps(out["_pages_content"]["children"], ensure_ascii=False)


def csv_rows(client, name: str) -> int:
    response = client.get(f"/api/{name}.csv")
    assert response.status_code == 200
    return len(pd.read_csv(io.StringIO(response.data.decode())))


def test_a_truncated_table_is_served_from_the_older_version_with_a_notice(two_versions):
    directory, tables = two_versions
    store = Store(directory)
    truncate(store.current_dir() / "tables" / "fts_donors.parquet")
    client = client_for(directory)
    for name, frame in tables.items():  # not 0 rows: every table as ingested
        assert csv_rows(client, name) == len(frame), name
    status = client.get("/api/status").json
    assert set(status["data_problems"]) == {"fts_donors"} and "bytes" in status["data_problems"]["fts_donors"]
    assert status["versions"]["fts_donors"] == store.versions()[0].name
    assert status["versions"]["mmp_deaths"] == store.versions()[1].name and status["recovered"] is None
    funding, migration = page(client, "/funding"), page(client, "/migration")
    assert "Data problem: the stored fts_donors table" in funding and store.versions()[0].name in funding
    assert "Data problem" not in migration  # the migration page does not show donors


def test_a_lost_pointer_is_recovered_and_shown(two_versions):
    directory, tables = two_versions
    (directory / "manifest.json").unlink()
    (directory / "tables").unlink()
    client = client_for(directory)
    assert csv_rows(client, "mmp_incidents") == len(tables["mmp_incidents"])
    status = client.get("/api/status").json
    assert status["origins"]["mmp_incidents"] == "ingested" and "pointer" in status["recovered"]
    assert "the pointer to the current data version was lost" in page(client, "/migration")


def test_a_lazy_table_damaged_after_the_load_is_not_served(two_versions, monkeypatch):
    """mmp_incidents is read from its file on demand: damage after the load must not reach a download."""
    # no answer cache: the second download must read the table again (a cached answer is the intact copy)
    monkeypatch.setenv("HUMDASH_CACHE_BYTES", "0")
    directory, tables = two_versions
    client = client_for(directory)
    assert csv_rows(client, "mmp_incidents") == len(tables["mmp_incidents"])
    source = client.application.extensions["humdash"]
    lazy = source._data.tables._lazy["mmp_incidents"]
    lazy._kept, lazy._weak = None, None  # as after LAZY_KEEP_SECONDS
    path = Store(directory).current_dir() / "tables" / "mmp_incidents.parquet"
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0xFF  # same size, footer intact: only the checksum tells
    path.write_bytes(bytes(data))
    assert csv_rows(client, "mmp_incidents") == len(tables["mmp_incidents"])
    status = client.get("/api/status").json  # the next check reloads and reports where it comes from
    assert "mmp_incidents" in status["data_problems"]
    assert status["versions"]["mmp_incidents"] == Store(directory).versions()[0].name


def test_notices_in_spanish(two_versions):
    directory, _ = two_versions
    truncate(Store(directory).current_dir() / "tables" / "mmp_deaths.parquet")
    client = client_for(directory)
    out = dispatch(client, "_pages_content", {"_pages_location.pathname": "/migration",
                                              "_pages_location.search": "?lang=es"})
    text = json.dumps(out["_pages_content"]["children"], ensure_ascii=False)
    assert "Problema con los datos" in text
