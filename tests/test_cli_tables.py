"""CLI lists at 80 columns: wrapped or laid out vertically, never truncated or broken mid-id."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from diagnostics.cli import main
from diagnostics.registry import Registry


def run(width: int, *args: str) -> str:
    result = CliRunner().invoke(main, ["--no-plugins", *args], env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.output
    return result.output


def words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.parametrize("width", [80, 200])
def test_rules_list_shows_every_title_and_whole_ids(registry: Registry, width: int) -> None:
    out = run(width, "rules", "list")
    assert max(len(line) for line in out.splitlines()) <= width
    flat = words(re.sub(r"[│┃]", " ", out))
    for rule in registry.everything.rules.values():
        assert re.search(rf"(^|\s){re.escape(rule.id)}(\s|$)", out, re.M), rule.id
        if width == 80:
            assert words(rule.title) in flat, rule.title  # wrapped, not cut
    assert "…" not in out


def test_indicators_at_80_columns_keep_ids_whole_and_questions_complete(registry: Registry) -> None:
    out = run(80, "indicators")
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    flat = words(out)
    for ind in registry.everything.indicators.values():
        assert any(line.startswith(ind.id + "  ") for line in lines), ind.id
        assert words(ind.question) in flat, ind.id
    assert len(lines) < 4 * len(registry.everything.indicators)  # no id broken over many lines


def test_compare_at_80_columns_cuts_no_status(registry: Registry) -> None:
    out = run(80, "compare", "KZ", "UZ")
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "…" not in out and "not asse" not in out.replace("not assessable", "")
