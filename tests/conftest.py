"""Shared test helpers: where the real reference files are, and tiny table builders."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def reference_dir() -> Path:
    """../shared/reference beside the repository (or $HUMDASH_REFERENCE)."""
    return Path(os.environ.get("HUMDASH_REFERENCE") or REPO.parent / "shared" / "reference")


@pytest.fixture
def reference() -> Path:
    """The reference folder; skips on a developer machine without it, fails in CI."""
    path = reference_dir()
    if not path.is_dir():
        if os.environ.get("HUMDASH_REQUIRE_REFERENCE") == "1":
            pytest.fail(f"{path} is missing but HUMDASH_REQUIRE_REFERENCE=1")
        pytest.skip(f"{path} not found (tests on the real files run in CI)")
    return path
