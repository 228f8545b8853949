"""The layout of the core: modules small enough to be read as one thing."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 500


def test_no_core_module_is_over_500_lines() -> None:
    sizes = {str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines())
             for p in (ROOT / "diagnostics").rglob("*.py")}
    assert len(sizes) > 30  # the walk found the core
    too_long = {path: n for path, n in sizes.items() if n > MAX_LINES}
    assert too_long == {}, f"split these by what they hold: {too_long}"
