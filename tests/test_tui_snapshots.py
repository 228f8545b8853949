"""Snapshot tests (pytest-textual-snapshot) of the workspace and of a finding's explanation.

The baselines in tests/__snapshots__/ were reviewed by eye before being accepted; after a
deliberate change, inspect the HTML report, then run `pytest --snapshot-update`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from diagnostics.tui.app import DiagnosticsApp
from diagnostics.tui.screens.finding import FindingScreen
from textual.pilot import Pilot
from tui_helpers import settle, settle_screen, workspace

from diagnostics.evaluator import Status
from diagnostics.registry import Registry
from diagnostics.user_data import DATA_DIR_ENV

SIZE = (80, 24)  # the smallest terminal the TUI supports


@pytest.fixture
def app(registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DiagnosticsApp:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    return DiagnosticsApp(registry=registry, data=tmp_path, country="KZ")


def test_workspace_at_80x24(app: DiagnosticsApp, snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        ws = workspace(pilot)
        scale = next(q for q in ws.session.order if ws.kb.indicators[q].type.value == "scale")
        ws.goto(scale, focus=True)
        await settle_screen(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_finding_explanation_at_80x24(app: DiagnosticsApp, snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        ws = workspace(pilot)
        assert ws.assessment is not None
        fired = next(f.rule for f in ws.assessment.diagnoses() if f.status is Status.FIRED)
        ws.open_finding(fired)  # what Enter on the finding does, without waiting on key presses
        await settle_screen(pilot)
        assert isinstance(pilot.app.screen, FindingScreen)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
