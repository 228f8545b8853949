"""`diagnose tui`: the command is registered, imports textual only when run, and rejects bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from diagnostics.cli import main


def test_cli_does_not_import_textual_until_the_tui_runs() -> None:
    code = "import sys, diagnostics.cli; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_tui_help_lists_its_options() -> None:
    result = CliRunner().invoke(main, ["tui", "--help"])
    assert result.exit_code == 0
    for option in ("--resume", "--blank", "--data-dir"):
        assert option in result.output


def test_bad_targets_give_one_line_and_exit_2(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(main, ["tui", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 2
    assert "file not found" in missing.output and "Traceback" not in missing.output
    blank = runner.invoke(main, ["tui", "--blank"])
    assert blank.exit_code == 2
    assert "--blank needs a country code" in blank.output


def test_user_guide_lists_every_key() -> None:
    from diagnostics.tui.actions import HELP_SECTIONS

    guide = (Path(__file__).resolve().parent.parent / "docs" / "tui.md").read_text()
    keys_table = guide[guide.index("## Keys"):]
    missing = [f"{act.key_display} ({act.id})" for _, acts in HELP_SECTIONS for act in acts
               for key in act.key_display.split(" / ") if f"| {key}" not in keys_table
               and f"/ {key}" not in keys_table and f"{key} /" not in keys_table]
    assert not missing, f"docs/tui.md does not list: {missing}"
