"""ingest/settings.py: every environment variable ingest/ reads, read in one place, when asked."""
from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

from ingest.cli import main
from ingest.settings import VARIABLES, Settings

REPO = Path(__file__).resolve().parents[2]


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


# ------------------------------------------------------------------------------------------ dashboard


def test_dashboard_settings_come_from_their_variables_when_asked():
    from dashboard.settings import VARIABLES as DASH_VARIABLES
    from dashboard.settings import Settings as DashSettings

    assert sorted(DASH_VARIABLES) == sorted(f.name for f in fields(DashSettings))
    assert DashSettings.from_env({}) == DashSettings() == DashSettings.from_env({v: " " for v in DASH_VARIABLES.values()})
    env = {variable: f"given-{field}" for field, variable in DASH_VARIABLES.items()}
    given = DashSettings.from_env(env)
    assert {field: getattr(given, field) for field in DASH_VARIABLES} == {f: f"given-{f}" for f in DASH_VARIABLES}
    assert not set(DASH_VARIABLES.values()) & set(VARIABLES.values()), "one owner per variable"


def test_only_the_settings_modules_read_the_environment():
    readers = set()
    for path in sorted((REPO / "dashboard").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" \
                    and isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "environ" \
                    and not (isinstance(node.func.value.value, ast.Name) and node.func.value.value.id == "request"):
                readers.add(str(path.relative_to(REPO)))
            if isinstance(node, ast.Attribute) and node.attr == "getenv":
                readers.add(str(path.relative_to(REPO)))
    assert readers == set()  # dashboard/settings.py reads os.environ as a mapping, no other module at all


def test_a_setting_changes_the_running_app(monkeypatch):
    from dashboard.web import ratelimit, sharedcache

    monkeypatch.setenv("HUMDASH_RATELIMIT", "off")
    assert ratelimit.limits() is None
    monkeypatch.setenv("HUMDASH_RATELIMIT", "5/second")
    assert ratelimit.limits() == "5/second"
    monkeypatch.setenv("HUMDASH_CACHE_BYTES", "lots")  # not a number: the default, with a warning
    monkeypatch.delenv("HUMDASH_CACHE_URL", raising=False)
    assert sharedcache.from_env().local.max_bytes == sharedcache.DEFAULT_BYTES
