"""Pilot tests of the main `diagnose tui` flows on the thesis knowledge base and KZ profile.

No pytest-asyncio here: each test drives the app inside `asyncio.run`.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from diagnostics.tui.app import DiagnosticsApp
from diagnostics.tui.screens.confirm import ConfirmScreen
from diagnostics.tui.screens.diff import DiffScreen
from diagnostics.tui.screens.finding import FindingScreen
from diagnostics.tui.screens.help import HelpScreen
from diagnostics.tui.screens.start import StartScreen
from diagnostics.tui.widgets.findings import FindingsPanel
from textual.widgets import Select, Switch
from textual.worker import Worker, WorkerState
from tui_helpers import flip, settle, workspace

from diagnostics.assessment import Assessor
from diagnostics.evaluator import Status
from diagnostics.knowledge import IndicatorType
from diagnostics.profile import Profile
from diagnostics.registry import Registry
from diagnostics.session import AssessmentSession
from diagnostics.user_data import DATA_DIR_ENV, RecentList


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv(DATA_DIR_ENV, str(folder))  # nothing may land in the real user folder
    return folder


def test_start_from_kz_answer_explain_whatif_save_quit_resume(
    registry: Registry, reference_assessor: Assessor, kz_profile: Profile, data: Path,
) -> None:
    kb = registry.kb
    dx, ind = flip(reference_assessor, kz_profile, IndicatorType.BOOL)
    old_value = kz_profile.answers[ind].value
    updates: list[int] = []

    def hook(message: object) -> None:
        if isinstance(message, FindingsPanel.Updated):
            updates.append(message.version)

    async def first_run() -> Path:
        app = DiagnosticsApp(registry=registry)
        async with app.run_test(size=(100, 32), message_hook=hook) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, StartScreen)
            # Start: pick Kazakhstan and pre-fill from its profile.
            app.screen.query_one("#country", Select).value = "KZ"
            await pilot.click("#prefill")
            await settle(pilot)
            ws = workspace(pilot)
            assert ws.session.path.parent == data / "assessments"
            assert ws.session.profile.answers == kz_profile.answers
            assert ws.assessment is not None
            assert ws.assessment.fired() == reference_assessor.assess(kz_profile).fired()
            before = ws.assessment.status(dx)
            seen = len(updates)

            # Answer: go to the question and toggle its switch.
            ws.goto(ind, focus=True)
            await settle(pilot)
            assert isinstance(app.focused, Switch) and app.focused.value is old_value
            await pilot.press("space")
            await settle(pilot)
            assert ws.session.answer(ind).value is (not old_value)
            assert AssessmentSession.open(kb, ws.session.path).answer(ind).value is (not old_value)
            assert len(updates) > seen  # the findings panel was redrawn
            assert ws.findings.assessment.status(dx) != before
            assert ws.findings.assessment.status(dx) == reference_assessor.assess(
                ws.session.profile).status(dx)

            # Explain: the findings panel, the diagnosis, Enter.
            await pilot.press("escape", "f")
            tree = ws.findings.findings
            tree.move_cursor(ws.findings._by_rule[dx][0])
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, FindingScreen)
            text = app.screen.text
            rule = kb.rules[dx]
            assert rule.title in text and "## Story" in text and "## Citations" in text
            assert ("## How it was reached" in text) or ("## Why it did not fire" in text) or (
                "## Why it cannot be decided yet" in text) or ("## Why it does not apply" in text)
            await pilot.press("escape")
            await settle(pilot)
            assert app.screen is ws

            # What-if: flip the answer back without touching the saved file.
            saved_bytes = ws.session.path.read_bytes()
            await pilot.press("w")
            await settle(pilot)
            assert ws.whatif_on and "WHAT-IF" in ws.sub_title
            ws.goto(ind, focus=True)
            await settle(pilot)
            await pilot.press("space")
            await settle(pilot)
            assert ws.scenario is not None and ws.scenario[ind].value is old_value
            assert ws.session.answer(ind).value is (not old_value)
            assert ws.session.path.read_bytes() == saved_bytes
            assert ws.findings.assessment.status(dx) == before
            await pilot.press("escape", "d")
            await settle(pilot)
            assert isinstance(app.screen, DiffScreen)
            assert app.screen.changes == [ind]
            assert dx in {s.rule for s in app.screen.statuses}
            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("w")  # leave: confirm discarding the change
            await settle(pilot)
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("y")
            await settle(pilot)
            assert not ws.whatif_on
            assert ws.findings.assessment.status(dx) != before
            assert ws.session.path.read_bytes() == saved_bytes

            # Move on, then quit: the position and the answer are on disk already.
            await pilot.press("pagedown")
            await settle(pilot)
            position = ws.session.current
            assert position == ws.session.order[ws.session.order.index(ind) + 1]
            path = ws.session.path
            await pilot.press("ctrl+q")
            await pilot.pause()
        assert app.return_code == 0
        return path

    path = asyncio.run(first_run())
    assert RecentList.load(data).latest() == path
    saved = AssessmentSession.open(kb, path)

    async def resume() -> None:
        app = DiagnosticsApp(registry=registry, resume=True)
        async with app.run_test(size=(100, 32)) as pilot:
            await settle(pilot)
            ws = workspace(pilot)
            assert ws.session.path == path
            assert ws.session.profile.answers == saved.profile.answers
            assert ws.session.answer(ind).value is (not old_value)
            assert ws.session.current == saved.current
            assert ws.pane.indicator == saved.current  # the same question is on screen
            assert ws.findings.assessment.status(dx) == reference_assessor.assess(
                saved.profile).status(dx)

    asyncio.run(resume())


def test_blank_start_navigation_and_suggestion(registry: Registry, data: Path) -> None:
    async def run() -> None:
        app = DiagnosticsApp(registry=registry)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.screen.query_one("#code").value = "kz"
            await pilot.press("tab")  # out of the field so the letter keys act
            app.screen.query_one("#recent").focus()
            await pilot.press("b")
            await settle(pilot)
            ws = workspace(pilot)
            assert ws.session.profile.answers == {}
            assert ws.session.profile.family == "central_asia"
            assert ws.suggested, "a blank assessment always has a next question"
            assert ws.session.current == ws.suggested[0].indicator  # it opens on the suggestion
            following = ws._next()
            assert following is not None
            nxt = following.indicator
            assert "Next (Ctrl+N)" in str(ws.query_one("#banner").render())
            await pilot.press("ctrl+n")
            await settle(pilot)
            assert ws.pane.indicator == nxt == ws.session.current
            assert ws.nav.questions.cursor_node is not None
            assert ws.nav.questions.cursor_node.data == nxt
            # Unknown is an answer of its own and counts as progress.
            await pilot.press("escape", "u")
            await settle(pilot)
            assert ws.session.answer(nxt) is not None and ws.session.answer(nxt).unknown
            assert ws.session.progress().unknown == 1
            await pilot.press("u")
            await settle(pilot)
            assert ws.session.answer(nxt) is None
            # The navigator: move down to the following question and open it with Enter.
            await pilot.press("g")
            order = ws.session.order
            ws.nav.show(next(q for q in order[order.index(nxt) + 1:] + order if registry.kb.feeds.get(q)))
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            following = ws.nav.questions.cursor_node
            assert following is not None and following.data in registry.kb.indicators
            assert ws.pane.indicator == following.data == ws.session.current
            # "Why is this asked?" names the rules the answer feeds.
            await pilot.press("escape", "y")
            await settle(pilot)
            assert not ws.pane.query_one("#q-why").collapsed
            first_rule = registry.kb.feeds[following.data][0]
            assert registry.kb.rules[first_rule].title.split()[0] in ws.pane.why
            # Close, and reopen it from the recent list.
            path = ws.session.path
            await pilot.press("x")
            await settle(pilot)
            assert isinstance(app.screen, StartScreen)
            recent = app.screen.query_one("#recent")
            assert recent.option_count == 1 and recent.get_option_at_index(0).id == str(path)
            recent.focus()
            await pilot.press("down", "up", "enter")
            await settle(pilot)
            again = workspace(pilot)
            assert again.session.path == path and again.session.current == following.data

    asyncio.run(run())


def test_help_and_command_palette_reach_every_action(registry: Registry, data: Path) -> None:
    async def run() -> None:
        app = DiagnosticsApp(registry=registry, country="KZ")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            ws = workspace(pilot)
            await pilot.press("f1")
            await settle(pilot)
            assert isinstance(app.screen, HelpScreen)
            for key in ("Ctrl+N", "What-if", "Sensitivity", "Compare", "Brief", "Export"):
                assert key in app.screen.text
            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("ctrl+p")
            await settle(pilot)
            await pilot.press(*"what-if")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is ws and ws.whatif_on
            # Keep a what-if change: it becomes a saved answer.
            target = next(q for q in ws.session.order
                          if registry.kb.indicators[q].type == IndicatorType.BOOL)
            old = ws.session.answer(target).value
            ws.goto(target, focus=True)
            await settle(pilot)
            await pilot.press("space")
            await settle(pilot)
            assert ws.session.answer(target).value is old  # not yet saved
            await pilot.press("escape", "k")
            await settle(pilot)
            assert not ws.whatif_on
            assert AssessmentSession.open(registry.kb, ws.session.path).answer(target).value is (not old)

    asyncio.run(run())


def test_compare_sensitivity_brief_and_export(registry: Registry, data: Path) -> None:
    async def run() -> None:
        app = DiagnosticsApp(registry=registry, country="KZ")
        async with app.run_test(size=(100, 32)) as pilot:
            await settle(pilot)
            ws = workspace(pilot)
            fired = next(f.rule for f in ws.assessment.diagnoses() if f.status is Status.FIRED)
            # Compare with Georgia.
            await pilot.press("escape", "c")
            await settle(pilot)
            app.screen.query_one("#other", Select).value = "GE"
            await settle(pilot)
            compare = app.screen
            assert compare.other is not None and compare.other.country == "GE"
            assert {r.rule for r in compare.rows} >= {d.id for d in registry.kb.diagnoses()
                                                      if not d.background}
            await pilot.press("escape")
            await settle(pilot)
            # Sensitivity of a fired diagnosis.
            ws.findings.findings.move_cursor(ws.findings._by_rule[fired][0])
            ws.findings.findings.focus()
            await pilot.press("s")
            await settle(pilot)
            sens = app.screen
            assert sens.rows, "a fired diagnosis of KZ can be undone by some answers"
            assert all(r.status is not Status.FIRED for r in sens.rows)
            await pilot.press("escape")
            await settle(pilot)
            # Brief preview and export.
            await pilot.press("b")
            await settle(pilot)
            brief = app.screen
            from diagnostics.reports.builder import build_context
            from diagnostics.reports.render import render_brief

            assert brief.full, "diagnostics.reports is installed, so the real brief is shown"
            assert {engine for _kb, engine in ws.services._assessors} == {"reference", "durable"}
            expected = render_brief(build_context(brief.assessment, registry.kb, ws.session.profile,
                                                  registry), "md")
            assert brief.markdown == expected
            assert "Kazakhstan" in brief.markdown
            await pilot.press("x")
            await settle(pilot)
            assert (data / "exports" / "KZ-brief.md").read_text() == brief.markdown
            await pilot.press("escape")
            await settle(pilot)
            # Export the answers as a profile file.
            await pilot.press("e")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            out = data / "exports" / "KZ.profile.yaml"
            assert out.exists()
            assert AssessmentSession.import_file(registry.kb, out, data).profile.answers == \
                ws.session.profile.answers

    asyncio.run(run())


def test_slow_assessments_move_to_a_worker_thread(registry: Registry, kz_profile: Profile,
                                                  reference_assessor: Assessor, data: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from diagnostics.tui.screens.workspace import WorkspaceScreen

    monkeypatch.setattr(WorkspaceScreen, "INLINE_BUDGET", 0.0)  # every assessment counts as slow
    dx, ind = flip(reference_assessor, kz_profile, IndicatorType.BOOL)
    groups: list[str] = []

    def hook(message: object) -> None:
        if isinstance(message, Worker.StateChanged) and message.state == WorkerState.SUCCESS:
            groups.append(message.worker.group)

    async def run() -> None:
        app = DiagnosticsApp(registry=registry, country="KZ")
        async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
            await settle(pilot)
            ws = workspace(pilot)
            ws.goto(ind, focus=True)
            await settle(pilot)
            before = ws.findings.assessment.status(dx)
            groups.clear()
            await pilot.press("space")
            await settle(pilot)
            assert "assess" in groups
            assert ws.findings.assessment.status(dx) != before
            assert ws.findings.assessment.status(dx) == reference_assessor.assess(
                ws.session.profile).status(dx)

    asyncio.run(run())


def test_an_open_finding_leads_to_the_question_that_decides_it(registry: Registry, data: Path) -> None:
    async def run() -> None:
        app = DiagnosticsApp(registry=registry, country="KZ", blank=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            ws = workspace(pilot)
            dx = next(f for f in ws.assessment.diagnoses() if f.status is Status.NOT_ASSESSABLE)
            ws.open_finding(dx.rule)
            await settle(pilot)
            assert isinstance(app.screen, FindingScreen)
            assert "## Why it cannot be decided yet" in app.screen.text
            await pilot.press("a")
            await settle(pilot)
            assert app.screen is ws
            deciding = ws.assessment.coverage.per_diagnosis[dx.rule]
            assert ws.session.current == ws.pane.indicator == deciding[0]

    asyncio.run(run())
