"""The command line: help is documentation, bad input exits non-zero with a message, nothing written."""
from __future__ import annotations

import subprocess
import sys

import pytest

from ingest.cli import build_parser, main
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("command", ["fts", "mmp", "snapshot", "status", "verify"])
def test_every_subcommand_has_help(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "--data-dir" in out and len(out) > 300


def test_top_level_help_lists_examples():
    result = subprocess.run([sys.executable, "-m", "ingest", "--help"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0
    assert "python -m ingest fts --country VEN" in result.stdout and "Exit status" in result.stdout


@pytest.mark.parametrize("argv, expected", [
    (["fts", "--country", "VEN"], {"api_base": None, "timeout": 30.0, "retries": 4}),
    (["fts", "--file", "x.json", "--api-base", "http://h", "--timeout", "5", "--retries", "0"],
     {"api_base": "http://h", "timeout": 5.0, "retries": 0}),
    (["mmp"], {"base_url": None, "timeout": 60.0, "retries": 4}),
    (["mmp", "--year", "2019", "--base-url", "http://h", "--timeout", "2.5", "--retries", "1"],
     {"base_url": "http://h", "timeout": 2.5, "retries": 1}),
])
def test_live_pull_options_and_their_defaults(argv, expected):
    args = vars(build_parser().parse_args(argv))
    assert {key: args[key] for key in expected} == expected


@pytest.mark.parametrize("command, base", [("fts", "--api-base API_BASE"), ("mmp", "--base-url BASE_URL")])
def test_live_pull_options_listed_after_the_source_options(command, base, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = capsys.readouterr().out
    options = out[out.index("options:"):]
    positions = [options.index(f"  {flag}") for flag in ("--data-dir", "--file", base, "--timeout", "--retries")]
    assert positions == sorted(positions)
    assert f"seconds per request (default {30 if command == 'fts' else 60})" in out


def test_bad_usage_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["fts"])  # neither --country nor --file
    assert exc.value.code == 2


@pytest.mark.parametrize("argv, message", [
    (["fts", "--country", "VENEZUELA"], "three-letter ISO3"),
    (["fts", "--file", "no/such/file.json"], "no such file"),
    (["mmp", "--file", "no/such/file.csv"], "no such file"),
    (["snapshot", "--from", ".", "--as-of", "27/11/2026"], "YYYY-MM-DD"),
])
def test_expected_failures_exit_1_with_a_message_and_write_nothing(tmp_path, capsys, argv, message):
    assert main([*argv, "--data-dir", str(tmp_path / "d")]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and "previous tables are unchanged" in err
    assert not (tmp_path / "d" / "tables").exists()


def test_data_dir_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("HUMDASH_DATA_DIR", str(tmp_path))
    args = build_parser().parse_args(["status"])
    from ingest.store import default_data_dir
    assert args.data_dir is None and default_data_dir() == tmp_path
