"""retrieved_at means retrieval: --retrieved-at, else the time a source writes into its file name,
else unknown (null), never the file's modification time; a live pull records the response time."""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from ingest.cli import main
from ingest.http import Client
from ingest.report import Report
from ingest.sources import mmp

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures"
CSV = "Main ID,Incident Date,Number Dead,Minimum Estimated Number of Missing\n2024.MMP0001,2024-04-01,1,0\n"


@pytest.mark.parametrize("name, expected", [
    ("MissingMigrants-Global-2024-04-10--23_23_37.csv", "2024-04-10T23:23:37"),
    ("MissingMigrants-Global-2026-05-06--19_42_11.csv", "2026-05-06T19:42:11"),
    ("MissingMigrants-Global-2020-01-08T14-05-32.csv", "2020-01-08T14:05:32"),
    ("MissingMigrants-Global-2024-13-10--23_23_37.csv", None),  # month 13: not a time
    ("Missing_Migrants_Global_Figures_allData.csv", None),
    ("mmp_global_2022schema_noorigin_2014-2022-02.csv", None),  # a date range, not an export time
])
def test_time_written_into_the_file_name(name, expected):
    assert mmp.stamped_time(name) == expected


def ingest(tmp_path: Path, name: str, *extra: str) -> dict:
    path = tmp_path / name
    path.write_text(CSV, encoding="utf-8")
    os.utime(path, (1_000_000_000, 1_000_000_000))  # 2001: a modification time that must not be used
    data = tmp_path / "data"
    assert main(["mmp", "--file", str(path), "--data-dir", str(data), "--quiet", *extra]) == 0
    manifest = json.loads((data / "manifest.json").read_text(encoding="utf-8"))
    return manifest["tables"]["mmp_incidents"]["inputs"][0]


def test_file_name_time_is_the_retrieval_time(tmp_path):
    record = ingest(tmp_path, "MissingMigrants-Global-2024-04-10--23_23_37.csv")
    assert record["retrieved_at"] == "2024-04-10T23:23:37"
    assert "file name" in record["retrieved_at_note"]


def test_unknown_retrieval_is_null_never_the_modification_time(tmp_path):
    record = ingest(tmp_path, "incidents.csv")
    assert record["retrieved_at"] is None and "unknown" in record["retrieved_at_note"]
    assert "2001" not in json.dumps(record)


def test_given_retrieval_time_wins(tmp_path):
    record = ingest(tmp_path, "MissingMigrants-Global-2024-04-10--23_23_37.csv", "--retrieved-at", "2024-04-11")
    assert record["retrieved_at"] == "2024-04-11" and "--retrieved-at" in record["retrieved_at_note"]


def test_bad_retrieval_time_is_refused(tmp_path, capsys):
    path = tmp_path / "incidents.csv"
    path.write_text(CSV, encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        main(["mmp", "--file", str(path), "--data-dir", str(tmp_path / "data"), "--retrieved-at", "last week"])
    assert exit_.value.code == 2 and "not an ISO date" in capsys.readouterr().err


def test_fts_files_take_the_option_too(tmp_path):
    data = tmp_path / "data"
    source = FIXTURES / "fts" / "fts_requirements_funding_ven.csv"
    assert main(["fts", "--file", str(source), "--data-dir", str(data), "--quiet",
                 "--retrieved-at", "2025-03-01T08:00:00+00:00"]) == 0
    manifest = json.loads((data / "manifest.json").read_text(encoding="utf-8"))
    inputs = [i for entry in manifest["tables"].values() for i in entry["inputs"]]
    assert inputs and {i["retrieved_at"] for i in inputs} == {"2025-03-01T08:00:00+00:00"}


def test_status_prints_unknown_retrieval(tmp_path, capsys):
    ingest(tmp_path, "incidents.csv")
    capsys.readouterr()
    assert main(["status", "--data-dir", str(tmp_path / "data")]) == 0
    assert "retrieved unknown" in capsys.readouterr().out


def test_live_pull_records_the_response_time(local_server):
    base, script = local_server
    script.add("/global-figures/2019/json", (200, (FIXTURES / "mmp" / "feed_2019.json").read_bytes(), {}))
    answered = datetime(2026, 12, 7, 4, 0, 1, tzinfo=timezone.utc)
    client = Client(base, min_interval=0, retries=0, now=lambda: answered)
    mmp.fetch(client, [2019], Report())
    assert [f.retrieved_at for f in client.fetched] == ["2026-12-07T04:00:01+00:00"]
