"""The size limits the project keeps in ingest/ and dashboard/: no module of 500 lines or more, no function over
60 lines (CONTRIBUTING.md)."""
from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MODULES = sorted(p for top in ("ingest", "dashboard") for p in (REPO / top).rglob("*.py"))


def test_no_module_reaches_500_lines():
    long = {str(p.relative_to(REPO)): n for p in MODULES if (n := len(p.read_text(encoding="utf-8").splitlines())) >= 500}
    assert {p.parts[len(REPO.parts)] for p in MODULES} == {"ingest", "dashboard"} and long == {}


def test_no_function_is_over_60_lines():
    long = {}
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno + 1 > 60:
                long[f"{path.relative_to(REPO)}:{node.lineno} {node.name}"] = node.end_lineno - node.lineno + 1
    assert long == {}
