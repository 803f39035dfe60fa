"""Each process that renders images leaves no /tmp/humdash-kaleido-* folder behind."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def test_the_wrapper_folder_is_removed_at_exit_and_stale_ones_by_the_next_process(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO), "TMPDIR": str(tmp_path)}
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f"humdash-kaleido-{dead.stdout.strip()}-abc"  # a killed worker's folder
    stale.mkdir()
    (stale / "chromium-offline").write_text("#!/bin/sh\n")
    code = ("import os, tempfile; from dashboard.web import images; s = images._wrapper('/usr/bin/chromium'); "
            "print(s); assert os.path.exists(s)")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    script = Path(result.stdout.strip().splitlines()[-1])
    assert script.parent.parent == tmp_path and script.parent.name.startswith("humdash-kaleido-")
    assert not script.parent.exists() and not stale.exists()
    assert not list(tmp_path.glob("humdash-kaleido-*"))
    assert tempfile.gettempdir() != str(tmp_path)  # this process's own temp dir was not touched
