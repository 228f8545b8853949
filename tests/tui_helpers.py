"""Helpers shared by the TUI tests (not a test module)."""

from __future__ import annotations

from typing import Any

from diagnostics.tui.screens.workspace import WorkspaceScreen
from textual._wait import wait_for_idle
from textual.pilot import Pilot

from diagnostics import analysis
from diagnostics.assessment import Assessor
from diagnostics.knowledge import IndicatorType
from diagnostics.profile import Profile


async def settle(pilot: Pilot[Any]) -> None:
    """Let pending messages and every worker finish, then let the screen catch up.

    Workers may start more work when they finish (an assessment starts the planner, the
    planner may move to the suggested question), so this repeats until a round starts none.
    """
    for _ in range(10):
        await quiet(pilot)
        await pilot.app.workers.wait_for_complete()
        await pilot.app.animator.wait_until_complete()
        await quiet(pilot)
        if not any(w.is_running for w in pilot.app.workers):
            break


# Pilot waits at most 30 s for the screen to process its messages; a machine whose cores are
# all busy can take longer to lay out a long Markdown page. Slow is not wrong, so the tests
# wait longer (a hung app still fails, after this).
QUIET_TIMEOUT = 300.0


async def quiet(pilot: Pilot[Any]) -> None:
    """pilot.pause() with a longer wait for the screen's pending messages."""
    await pilot._wait_for_screen(timeout=QUIET_TIMEOUT)
    await wait_for_idle(0)
    pilot.app.screen._on_timer_update()


async def settle_screen(pilot: Pilot[Any]) -> None:
    """For snapshots: settle, then pin every scrollable pane to its top so the picture does not
    depend on how far a scroll got while the machine was busy."""
    await settle(pilot)
    for widget in pilot.app.screen.query("*"):
        if widget.is_scrollable and widget.allow_vertical_scroll and widget.id in ("question", "finding-scroll"):
            widget.scroll_home(animate=False, immediate=True)
    await quiet(pilot)
    await settle(pilot)


def workspace(pilot: Pilot[Any]) -> WorkspaceScreen:
    screen = pilot.app.screen
    assert isinstance(screen, WorkspaceScreen), f"expected the workspace, got {screen!r}"
    return screen


def flip(assessor: Assessor, profile: Profile, kind: IndicatorType) -> tuple[str, str]:
    """(diagnosis, indicator of type `kind`) such that changing that one answer changes the diagnosis."""
    kb = assessor.kb
    for dx in kb.diagnoses():
        for change in analysis.single_changes(kb, profile, dx.id):
            ind = change.indicator
            if kb.indicators[ind].type == kind and change.after is not None and ind in profile.answers:
                return dx.id, ind
    raise AssertionError(f"no {kind} answer changes a diagnosis of {profile.country}")
