"""A TUI assessment file is a profile for every command, and files honour the user's umask."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from diagnostics.cli import main
from diagnostics.profile import Profile
from diagnostics.registry import Registry
from diagnostics.session import AssessmentSession, read_profile_or_session


@pytest.fixture
def uz_session(registry: Registry, tmp_path: Path) -> AssessmentSession:
    profile, _ = read_profile_or_session(registry.profiles["UZ"].path)
    return AssessmentSession.create(registry.kb, profile, tmp_path, started_from="UZ")


def run(*args: str) -> str:
    result = CliRunner().invoke(main, ["--no-plugins", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_tui_assessment_file_passes_through_assess_brief_and_compare(
        uz_session: AssessmentSession, tmp_path: Path, registry: Registry) -> None:
    path = str(uz_session.path)
    as_profile = run("assess", path, "--json")
    plain = tmp_path / "uz.profile.yaml"
    uz_session.export_profile(plain)
    same = json.loads(run("assess", str(plain), "--json"))
    mine = json.loads(as_profile)
    mine.pop("audit"), same.pop("audit")  # timestamps and file names
    assert mine == same  # the same assessment as its exported profile
    out = tmp_path / "brief.md"
    run("brief", path, "-o", str(out))
    assert "Uzbekistan" in out.read_text(encoding="utf-8")
    compared = run("compare", path, "KZ", "--json")
    assert '"KZ"' in compared and "UZ" in compared
    run("whatif", path, "--set", "wto.member=member")


def test_files_are_written_with_the_users_umask(uz_session: AssessmentSession, tmp_path: Path,
                                                kz_profile: Profile, registry: Registry) -> None:
    old = os.umask(0o022)
    try:
        session = AssessmentSession.create(registry.kb, kz_profile, tmp_path / "shared")
        assert session.path.stat().st_mode & 0o777 == 0o644  # colleagues can read it
        exported = session.export_profile(tmp_path / "shared" / "kz.yaml")
        assert exported.stat().st_mode & 0o777 == 0o644
        os.chmod(session.path, 0o640)  # a mode the owner chose is kept on every save
        session.goto(session.order[1])
        assert session.path.stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(old)
