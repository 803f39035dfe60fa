"""Under CI=true a skipped test fails the run (tests/conftest.py), so .ci/run cannot pass with tests left out."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PROBE = '''
import pytest

def test_runs():
    assert True

def test_left_out():
    pytest.skip("no such tool here")
'''


def run_probe(tmp_path: Path, ci: bool) -> subprocess.CompletedProcess:
    (tmp_path / "test_probe.py").write_text(PROBE)
    # the project's two hooks, in a conftest beside the probe (outside the tree: no pyproject, no addopts)
    (tmp_path / "conftest.py").write_text("from tests.conftest import pytest_runtest_logreport, pytest_sessionfinish\n")
    env = {k: v for k, v in os.environ.items() if k != "CI"} | {"PYTHONPATH": str(REPO)}
    if ci:
        env["CI"] = "true"
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(tmp_path / "test_probe.py")], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("ci", [True, False])
def test_a_skip_fails_the_run_only_under_ci(tmp_path, ci):
    result = run_probe(tmp_path, ci)
    assert "1 passed, 1 skipped" in result.stdout, result.stdout + result.stderr
    if ci:
        assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout
        assert "test_probe.py::test_left_out: Skipped: no such tool here" in result.stdout
    else:
        assert result.returncode == pytest.ExitCode.OK, result.stdout
