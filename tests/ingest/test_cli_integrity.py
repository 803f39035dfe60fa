"""`python -m ingest status|verify` on damaged data, `--keep`, and one-line errors (no tracebacks, no
absolute server paths, no 100 MB messages)."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from ingest.cli import build_parser, main
from ingest.store import DEFAULT_KEEP, Store
from tests.ingest.storage.test_store import T0, deaths, donors
from tests.ingest.storage.test_store_integrity import truncate

REPO = Path(__file__).resolve().parents[2]
MMP = REPO / "tests" / "fixtures" / "mmp"


def ok_lines(out: str, file: str) -> int:
    return sum(1 for line in out.splitlines() if line.split()[:1] == ["ok"] and line.endswith(file))


@pytest.fixture
def data(tmp_path):
    store = Store(tmp_path / "data")
    store.write({"fts_donors": donors(827), "mmp_deaths": deaths(2019)}, {}, now=T0)
    store.write({"mmp_deaths": deaths(2020)}, {}, now=T0 + timedelta(days=1))
    return store


def test_status_and_verify_are_clean_on_intact_data(data, capsys):
    assert main(["status", "--data-dir", str(data.root)]) == 0
    assert main(["verify", "--data-dir", str(data.root)]) == 0
    out = capsys.readouterr().out
    assert ok_lines(out, "fts_donors.parquet") == 3  # two versions + the bundled snapshot
    assert "DAMAGED" not in out and f"version {data.versions()[-1].name} (current)" in out


def test_status_and_verify_name_a_damaged_file(data, capsys):
    damaged = data.current_dir() / "tables" / "fts_donors.parquet"
    truncate(damaged)
    assert main(["status", "--data-dir", str(data.root)]) == 1
    err = capsys.readouterr().err
    name = f"versions/{data.versions()[-1].name}/tables/fts_donors.parquet"
    assert f"{name}: damaged" in err and "python -m ingest verify" in err
    assert main(["verify", "--data-dir", str(data.root)]) == 1
    out = capsys.readouterr().out
    assert f"DAMAGED {name}:" in out and "bytes, the manifest says" in out
    assert ok_lines(out, "fts_donors.parquet") == 2  # the older version's copy and the snapshot's are intact


def test_damage_in_an_old_version_fails_verify_but_not_status(data, capsys):
    truncate(data.versions()[0] / "tables" / "mmp_deaths.parquet")
    assert main(["status", "--data-dir", str(data.root)]) == 0
    assert main(["verify", "--data-dir", str(data.root)]) == 1


def test_status_and_verify_report_a_lost_pointer(data, capsys):
    (data.root / "manifest.json").unlink()
    assert main(["status", "--data-dir", str(data.root)]) == 1
    captured = capsys.readouterr()
    assert f"version {data.versions()[-1].name}" in captured.out and "pointer" in captured.err
    assert main(["verify", "--data-dir", str(data.root)]) == 1
    assert "current, recovered" in capsys.readouterr().out


def test_keep_option_prunes_old_versions(tmp_path, capsys):
    assert vars(build_parser().parse_args(["mmp", "--file", "x.csv"]))["keep"] == DEFAULT_KEEP
    for _ in range(4):
        assert main(["mmp", "--file", str(MMP / "site_export_2026.csv"), "--data-dir", str(tmp_path),
                     "--quiet", "--keep", "2"]) == 0
    assert len(Store(tmp_path).versions()) == 2
    assert main(["mmp", "--file", str(MMP / "site_export_2026.csv"), "--data-dir", str(tmp_path),
                 "--quiet", "--keep", "0"]) == 0
    assert len(Store(tmp_path).versions()) == 3


def test_a_read_only_data_directory_is_one_line(tmp_path):
    """A real read-only bind mount, run as a separate process (the user's view)."""
    from test_store_integrity import mounted

    target = tmp_path / "ro"
    target.mkdir()
    with mounted(target, "--bind", "-o", "ro", str(target)):
        result = subprocess.run([sys.executable, "-m", "ingest", "mmp", "--file", str(MMP / "site_export_2026.csv"),
                                 "--data-dir", str(target), "--quiet"], cwd=tmp_path, capture_output=True, text=True,
                                env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "cannot write to ro: Read-only file system; nothing was written" in result.stderr


def test_long_messages_are_capped_and_paths_not_shown(tmp_path, capsys):
    """A 3 MB single-line file: the message names the file and stays short; no absolute server path."""
    big = tmp_path / "inner" / "oneline.csv"
    big.parent.mkdir()
    big.write_text("a" * 3_000_000 + ",b" * 1000, encoding="utf-8")
    assert main(["mmp", "--file", str(big), "--data-dir", str(tmp_path / "d")]) == 1
    err = capsys.readouterr().err
    first = err.splitlines()[0]
    assert len(first) < 400 and " … " in first and first.startswith("ingest mmp: error: oneline.csv:")
    assert str(tmp_path) not in err
