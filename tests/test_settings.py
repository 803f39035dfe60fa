"""ingest/settings.py: every environment variable ingest/ reads, read in one place, when asked."""
from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

from ingest.cli import main
from ingest.settings import VARIABLES, Settings

REPO = Path(__file__).resolve().parents[1]


def test_unset_and_empty_variables_keep_the_defaults():
    assert Settings.from_env({}) == Settings()
    assert Settings.from_env({name: "" for name in VARIABLES.values()}) == Settings()
    assert Settings.from_env({"UNRELATED": "x"}) == Settings()


def test_every_field_comes_from_its_variable():
    assert sorted(VARIABLES) == sorted(f.name for f in fields(Settings))
    env = {variable: f"/given/{field}" for field, variable in VARIABLES.items()}
    settings = Settings.from_env(env)
    for field, variable in VARIABLES.items():
        assert str(getattr(settings, field)) == env[variable], field
    assert isinstance(settings.snapshot_dir, Path)


def test_settings_are_read_when_asked_not_at_import(monkeypatch, tmp_path):
    monkeypatch.setenv("HUMDASH_SNAPSHOT_DIR", str(tmp_path))
    assert Settings.from_env().snapshot_dir == tmp_path
    monkeypatch.delenv("HUMDASH_SNAPSHOT_DIR")
    assert Settings.from_env().snapshot_dir == Settings().snapshot_dir


def test_importing_settings_loads_nothing_heavy():
    code = "import sys, ingest.settings; print(sorted(m for m in sys.modules if m.split('.')[0] in " \
           "('pandas', 'pyarrow', 'requests', 'fsspec')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO,
                         env={"PYTHONPATH": str(REPO)}).stdout
    assert out.strip() == "[]"


def test_only_settings_reads_the_environment():
    readers = []
    for path in sorted((REPO / "ingest").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "environb"):
                readers.append(str(path.relative_to(REPO)))
    assert set(readers) == {"ingest/settings.py"}


def test_the_cli_takes_a_base_url_from_the_environment_unless_given(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("MMP_BASE_URL", "http://127.0.0.1:9")  # the discard port: nothing answers
    args = ["mmp", "--year", "2019", "--retries", "0", "--timeout", "5", "--data-dir", str(tmp_path), "--quiet"]
    assert main(args) == 1
    assert "127.0.0.1:9/global-figures/2019/json" in capsys.readouterr().err
    assert main(args + ["--base-url", "http://127.0.0.1:1"]) == 1
    err = capsys.readouterr().err
    assert "127.0.0.1:1/global-figures/2019/json" in err and "127.0.0.1:9" not in err
