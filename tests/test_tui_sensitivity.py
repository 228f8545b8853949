"""The sensitivity modal shows what the logic core (`diagnostics.analysis`) finds, for a fired,
an open and a not-fired finding, and evaluates nothing itself (issue 11)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from diagnostics.tui.app import DiagnosticsApp
from diagnostics.tui.screens.sensitivity import SensitivityScreen
from textual.widgets import OptionList
from tui_helpers import settle, workspace

from diagnostics import analysis
from diagnostics.answers import format_value
from diagnostics.evaluator import Status
from diagnostics.profileio import load_profile
from diagnostics.registry import Registry
from diagnostics.user_data import DATA_DIR_ENV

# Estonia's profile has a diagnosis of each kind.
FIRED, OPEN, NOT_FIRED = "dx.wto_plus_accession_burden", "dx.imaginary_driven_policy", "dx.catch_up_failure"


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv(DATA_DIR_ENV, str(folder))
    return folder


def test_the_sensitivity_modal_shows_the_logic_cores_answer(registry: Registry, data: Path) -> None:
    kb = registry.kb_for("EE")
    profile = load_profile(registry.profiles["EE"].path).profile
    report = analysis.sensitivity(kb, profile, rules=[FIRED, OPEN])
    fired = report.for_rule(FIRED)
    open_ = report.for_rule(OPEN)
    assert isinstance(fired, analysis.FiredSensitivity) and isinstance(open_, analysis.OpenSensitivity)
    single = analysis.single_changes(kb, profile, NOT_FIRED)
    # (indicators changed, status after, what each changed answer becomes) as the core has them
    expected = {
        FIRED: [(tuple(f.indicator for f in c.changes), c.status, tuple(f.region for f in c.changes))
                for c in fired.counterfactuals],
        OPEN: [((d.indicator,), o.status, (o.region,)) for d in open_.deciders for o in d.outcomes
               if o.status is not Status.NOT_ASSESSABLE],
        NOT_FIRED: [((c.indicator,), c.status, ("unknown" if c.after is None else format_value(c.after),))
                    for c in single],
    }
    assert all(expected.values()), "each finding has changes that would alter it"

    async def run() -> None:
        app = DiagnosticsApp(registry=registry, data=data, country="EE")
        async with app.run_test(size=(100, 32)) as pilot:
            await settle(pilot)
            ws = workspace(pilot)
            assert ws.assessment is not None
            for rule, status in ((FIRED, Status.FIRED), (OPEN, Status.NOT_ASSESSABLE), (NOT_FIRED, Status.NOT_FIRED)):
                assert ws.assessment.status(rule) == status.value
                ws.findings.findings.move_cursor(ws.findings._by_rule[rule][0])
                ws.findings.findings.focus()
                await pilot.press("s")
                await settle(pilot)
                sens = app.screen
                assert isinstance(sens, SensitivityScreen) and sens.rule == rule
                shown = [(tuple(ind for ind, _now, _after in row.changes), row.status) for row in sens.rows]
                assert shown == [(inds, st) for inds, st, _afters in expected[rule]], rule
                for row, (_inds, _st, afters) in zip(sens.rows, expected[rule], strict=True):
                    # each "would be" text is the core's value class (regions lose the indicator's name)
                    assert all(after in where for (_ind, _now, after), where in zip(row.changes, afters, strict=True))
                assert sens.query_one("#sens-list", OptionList).option_count == len(sens.rows)
                await pilot.press("escape")
                await settle(pilot)

    asyncio.run(run())
