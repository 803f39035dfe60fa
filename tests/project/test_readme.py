"""The README's commands, the CLI's help and CI agree."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")


def setup_commands() -> list[str]:
    """The two commands of the README's 'Set-up' section, in order."""
    section = README.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", section)


def test_readme_gives_exactly_two_setup_commands():
    run, test = setup_commands()
    assert run == "pip install -e . && python -m dashboard"
    assert test.startswith("pip install -e '.[test]' && python -m pytest")


def test_ci_runs_the_readme_test_command():
    _, test = setup_commands()
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert test in ci.splitlines()


def test_the_run_command_module_exists_and_documents_itself():
    result = subprocess.run([sys.executable, "-m", "dashboard", "--help"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0 and "--data-dir" in result.stdout and "gunicorn" in result.stdout


def test_every_ingest_command_in_the_readme_parses():
    from ingest.cli import build_parser

    parser = build_parser()
    commands = re.findall(r"^python -m ingest (.+?)(?:\s+#.*)?$", README, flags=re.M)
    assert len(commands) >= 6
    for command in commands:
        parser.parse_args(command.split())  # exits 2 (SystemExit) on a command the CLI does not know


def test_licences_and_attribution_are_stated():
    for text in ("CC BY-IGO", "OCHA Financial Tracking Service", "CC BY 4.0", "IOM Missing Migrants Project"):
        assert text in README
