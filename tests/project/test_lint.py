"""The code stays lint-clean (ruff) and type-clean (mypy) under the settings in pyproject.toml.

Both tools run as the developer would run them (`ruff check .`, `mypy`), from the repository root. A
developer machine without them skips; CI (CI=true) installs them with the `test` extra and fails here.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _run(tool: str, *args: str, timeout: float) -> subprocess.CompletedProcess:
    if importlib.util.find_spec(tool) is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{tool} is not installed but CI=true (it is in the `test` extra)")
        pytest.skip(f"{tool} not installed (pip install -e '.[dev]')")
    return subprocess.run(
        [sys.executable, "-m", tool, *args], cwd=REPO, capture_output=True, text=True, timeout=timeout
    )


def test_ruff_check_is_clean():
    result = _run("ruff", "check", "--no-cache", "--output-format", "concise", ".", timeout=120)
    assert result.returncode == 0, f"ruff check . found problems:\n{result.stdout}\n{result.stderr}"
    assert "All checks passed" in result.stdout


@pytest.mark.slow
def test_mypy_is_clean():
    # the files to check (ingest/, dashboard/) come from [tool.mypy] in pyproject.toml
    result = _run("mypy", timeout=900)
    assert result.returncode == 0, f"mypy found problems:\n{result.stdout}\n{result.stderr}"
    assert result.stdout.startswith("Success: no issues found in ")
