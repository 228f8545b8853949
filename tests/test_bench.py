"""The benchmarks in bench/ keep up with the code they measure.

They are run by hand, not by CI, so an import that went stale (a module moved or renamed)
would otherwise only show when someone next needs the figures.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
SCRIPTS = sorted(BENCH.glob("*.py"))


def project_imports(script: Path) -> list[tuple[str, str | None]]:
    """(module, name) for every import of the project anywhere in the script, nested ones too."""
    found: list[tuple[str, str | None]] = []
    for node in ast.walk(ast.parse(script.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(a.name, None) for a in node.names if a.name.split(".")[0] == "diagnostics"]
        elif (isinstance(node, ast.ImportFrom) and node.module and node.level == 0
              and node.module.split(".")[0] == "diagnostics"):
            found += [(node.module, a.name) for a in node.names]
    return found


def test_there_are_benchmarks_importing_the_project() -> None:
    assert len(SCRIPTS) >= 5
    assert sum(bool(project_imports(s)) for s in SCRIPTS) >= 4


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_every_project_import_in_a_benchmark_resolves(script: Path) -> None:
    for module_name, name in project_imports(script):
        module = importlib.import_module(module_name)
        if name is not None and name != "*":
            assert hasattr(module, name) or importlib.util.find_spec(f"{module_name}.{name}"), (
                f"{script.name}: from {module_name} import {name}")
