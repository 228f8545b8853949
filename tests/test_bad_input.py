"""Bad input gets one readable line naming file and place, exit code 2, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from diagnostics.cli import main

BAD = Path(__file__).parent / "fixtures" / "bad"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--no-plugins", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("malformed.yaml", "malformed.yaml:4: malformed YAML"),
        ("malformed.json", "malformed.json:1: malformed JSON"),
        ("wrong_type.yaml", "wrong_type.yaml:4: context.former_soviet_republic expects true or false"),
        ("out_of_range.yaml", "out_of_range.yaml:4: wto.bargaining_power: 7 is outside the allowed range 1..5"),
        ("unknown_indicator.yaml",
         "unknown_indicator.yaml:3: answers: unknown indicator 'wto.bargaining_powr' "
         "(did you mean 'wto.bargaining_power'?"),
        ("alias_bomb.yaml", "alias_bomb.yaml:2: YAML aliases (*name) are not allowed"),
        ("not_utf8.yaml", "not_utf8.yaml:2: not UTF-8 text"),
        ("empty.yaml", "empty.yaml: the file is empty"),
        ("unknown_field.yaml",
         "unknown_field.yaml:5: answers.context.former_soviet_republic.colour: unknown field"),
    ],
)
def test_bad_profile_gives_one_line_and_exit_2(name: str, expected: str) -> None:
    code, out, err = run("assess", str(BAD / name))
    assert code == 2
    assert expected in err, err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err + out


def test_validate_names_the_file() -> None:
    code, _, err = run("profile", "validate", str(BAD / "out_of_range.yaml"))
    assert code == 2
    assert str(BAD / "out_of_range.yaml") in err


def test_missing_file_and_unknown_country() -> None:
    code, _, err = run("assess", "nowhere.yaml")
    assert code == 2 and "nowhere.yaml: file not found" in err
    code, _, err = run("assess", "QQ")
    assert code == 2 and "neither a profile file nor a known country code" in err


def _write_pack(root: Path, rules: str) -> Path:
    (root / "nodes").mkdir(parents=True)
    (root / "nodes" / "extra.yaml").write_text(rules, encoding="utf-8")
    return root


RULE = """
  - id: {id}
    title: Extra
    layer: mechanism
    theme: test
    function: regulator
    when: {when}
    evidence_grade: doc
    mechanism: Test mechanism.
    story: Test story.
    directions: [change_official_attitudes]
    citations: ["§5.4 p.87 (ll. 7554–7566)"]
"""


def test_rule_referencing_unknown_rule(tmp_path: Path) -> None:
    folder = _write_pack(tmp_path / "pack", "rules:" + RULE.format(
        id="node.extra_one", when="{finding: node.no_such_rule}"))
    code, _, err = run("rules", "check", str(folder))
    assert code == 2
    assert "extra.yaml:2: node.extra_one: requires unknown rule 'node.no_such_rule'" in err


def test_rule_cycle_is_reported(tmp_path: Path) -> None:
    folder = _write_pack(tmp_path / "pack", "rules:" + RULE.format(
        id="node.extra_a", when="{all: [{finding: node.extra_b}, {indicator: wto.bargaining_power, lte: 2}]}")
        + RULE.format(id="node.extra_b",
                      when="{all: [{finding: node.extra_a}, {indicator: wto.bargaining_power, lte: 3}]}"))
    code, _, err = run("rules", "check", str(folder))
    assert code == 2
    assert "extra.yaml:2: node.extra_a: rules form a cycle" in err


def test_rule_with_bad_field_names_file_line_and_rule(tmp_path: Path) -> None:
    folder = _write_pack(tmp_path / "pack", "rules:" + RULE.format(
        id="node.extra_c", when="{indicator: wto.bargaining_power, around: 2}"))
    code, _, err = run("rules", "check", str(folder))
    assert code == 2
    assert "extra.yaml:" in err and "node.extra_c" in err and "exactly one operator" in err


def test_type_mismatch_in_rule_is_reported(tmp_path: Path) -> None:
    folder = _write_pack(tmp_path / "pack", "rules:" + RULE.format(
        id="node.extra_d", when="{indicator: wto.bargaining_power, eq: high}"))
    code, _, err = run("rules", "check", str(folder))
    assert code == 2
    assert "node.extra_d" in err and "expects a number" in err


def test_console_script_prints_no_traceback() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "diagnostics.cli", "--no-plugins", "assess", str(BAD / "alias_bomb.yaml")],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ")
    assert "Traceback" not in proc.stderr
