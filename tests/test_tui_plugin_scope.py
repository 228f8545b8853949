"""The TUI works with the knowledge base of the assessment's country (`Registry.kb_for`): a
scoped plugin's questions appear in its country's questionnaire and nowhere else (issue 14)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from diagnostics.tui.app import DiagnosticsApp
from tui_helpers import settle, workspace

from diagnostics.assessment import Assessor
from diagnostics.profile import Profile
from diagnostics.questions import question_order
from diagnostics.registry import Registry
from diagnostics.user_data import DATA_DIR_ENV

mongolia = pytest.importorskip("diagnostics_mongolia", reason="example plugin not installed (CI installs it)")


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv(DATA_DIR_ENV, str(folder))
    return folder


def test_mongolias_questionnaire_has_the_plugins_questions_and_kazakhstans_is_unchanged(
    diagnostics_registry, registry: Registry, kz_profile: Profile, data: Path,
) -> None:
    with_plugin: Registry = diagnostics_registry(("mongolia", mongolia.plugin))
    plugin_questions = set(with_plugin.kb_for("MN").indicators) - set(registry.kb.indicators)
    assert plugin_questions, "the example plugin brings questions of its own"
    plugin_rules = set(with_plugin.kb_for("MN").rules) - set(registry.kb.rules)

    async def run() -> None:
        app = DiagnosticsApp(registry=with_plugin, data=data, country="MN")
        async with app.run_test(size=(100, 32)) as pilot:
            await settle(pilot)
            ws = workspace(pilot)
            assert ws.services.kb is with_plugin.kb_for("MN")
            assert plugin_questions <= set(ws.session.order)
            assert plugin_questions <= set(ws.nav._leaf)  # listed in the navigator
            assert ws.assessment is not None
            assert plugin_rules <= {f.rule for f in ws.assessment.findings}
            await pilot.press("escape", "x")  # close the assessment: back to the start screen
            await settle(pilot)

        app = DiagnosticsApp(registry=with_plugin, data=data, country="KZ")
        async with app.run_test(size=(100, 32)) as pilot:
            await settle(pilot)
            ws = workspace(pilot)
            assert ws.services.kb is with_plugin.kb_for("KZ")
            assert ws.session.order == question_order(registry.kb)  # as without the plugin
            assert not plugin_questions & set(ws.nav._leaf)
            assert ws.assessment is not None
            assert not plugin_rules & {f.rule for f in ws.assessment.findings}
            expected = Assessor(registry.kb, engine="reference").assess(kz_profile)
            assert ws.assessment.fired() == expected.fired()
            assert {f.rule: f.status for f in ws.assessment.findings} == {
                f.rule: f.status for f in expected.findings}

    asyncio.run(run())
