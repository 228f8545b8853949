"""The analyst's flow in `diagnose tui`: the planner, fast entry, drafts and the file lock.

Pilot tests on the thesis knowledge base; each runs the app inside `asyncio.run`.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from diagnostics.tui.app import DiagnosticsApp
from diagnostics.tui.screens.start import StartScreen
from textual.widgets import Input, RadioSet
from tui_helpers import settle, workspace

from diagnostics import planner
from diagnostics.answers import parse_text as parse_value
from diagnostics.assessment import Assessor
from diagnostics.errors import DataError
from diagnostics.knowledge import IndicatorType
from diagnostics.profile import Answer, Profile
from diagnostics.questions import question_order, scale_ends
from diagnostics.registry import Registry
from diagnostics.session import AssessmentSession, read_profile_or_session
from diagnostics.session_lock import SessionLocked
from diagnostics.user_data import DATA_DIR_ENV

WTO_MEMBER_ONLY = {"wto.plus_commitments", "wto.bargaining_power", "wto.commitment_level_vs_income",
                   "wto.accession_duration_years"}


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv(DATA_DIR_ENV, str(folder))
    return folder


def uz(registry: Registry) -> Profile:
    return read_profile_or_session(registry.profiles["UZ"].path)[0]


def test_digits_answer_a_scale(registry: Registry, data: Path) -> None:
    kb = registry.kb
    scale = next(i.id for i in kb.indicators.values() if i.type == IndicatorType.SCALE and not i.display_only)

    async def run() -> None:
        app = DiagnosticsApp(registry=registry, country="KZ", blank=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            ws = workspace(pilot)
            ws.goto(scale, focus=True)
            await settle(pilot)
            assert isinstance(app.focused, RadioSet)
            await pilot.press("4")
            await settle(pilot)
            assert ws.session.answer(scale) == Answer(value=4)
            assert app.focused.pressed_index == 3
            # From the navigator too: no need to reach the scale first.
            await pilot.press("g", "2")
            await settle(pilot)
            assert ws.session.answer(scale) is not None and ws.session.answer(scale).value == 2
            assert AssessmentSession.open(kb, ws.session.path).answer(scale).value == 2
            # The scale's own end labels, not a generic legend.
            lo, hi = scale_ends(kb.indicators[scale]) or ("", "")
            hint = str(ws.pane.query_one("#q-hint").render())
            assert f"1 = {lo}" in hint and f"5 = {hi}" in hint

    asyncio.run(run())


def test_every_scale_has_its_own_end_labels(registry: Registry) -> None:
    scales = [i for i in registry.kb.indicators.values() if i.type == IndicatorType.SCALE]
    assert scales
    for spec in scales:
        ends = scale_ends(spec)
        assert ends is not None and all(ends) and "lowest" not in ends and "highest" not in ends, spec.id


@pytest.mark.parametrize(("text", "expected"), [
    ("7,5", 7.5), ("1 200", 1200), ("1,200", 1200), ("1\u202f200", 1200), ("1.234,5", 1234.5),
    ("1,234.5", 1234.5), ("0,125", 0.125), ("1.200.000", 1200000), ("12,5", 12.5),
])
def test_numbers_typed_in_any_common_convention(registry: Registry, text: str, expected: float) -> None:
    spec = next(i for i in registry.kb.indicators.values() if i.type == IndicatorType.NUMBER
                and i.min is not None and i.min <= 0 and i.max is None)
    assert parse_value(spec, text) == expected


def test_a_question_found_by_text_search(registry: Registry, data: Path) -> None:
    kb = registry.kb
    target = "trade.trading_across_borders_rank_frac"
    words = "trading-across-borders"

    async def run() -> None:
        app = DiagnosticsApp(registry=registry, country="KZ", blank=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            ws = workspace(pilot)
            assert ws.session.current != target
            await pilot.press("ctrl+p")
            await settle(pilot)
            await pilot.press(*words)
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is ws
            assert ws.session.current == ws.pane.indicator == target
            assert kb.indicators[target].question in str(ws.pane.query_one("#q-text").render())
            # By id as well.
            await pilot.press("escape", "ctrl+p")
            await settle(pilot)
            await pilot.press(*"wto.member")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            assert ws.session.current == "wto.member"

    asyncio.run(run())


def test_the_planner_skips_wto_member_questions_for_an_acceding_country(
        registry: Registry, data: Path, reference_assessor: Assessor) -> None:
    kb = registry.kb
    profile = uz(registry)
    assert profile.answers["wto.member"].value == "acceding"

    async def run() -> None:
        app = DiagnosticsApp(registry=registry, country="UZ")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            ws = workspace(pilot)
            open_member_qs = {q for q in WTO_MEMBER_ONLY if q not in profile.answers}
            assert open_member_qs and open_member_qs <= set(ws.plan.skipped)
            shown = sorted(open_member_qs)[0]
            assert "WTO members" in ws.plan.skipped[shown]
            # Follow the planner for 25 questions: it never asks them.
            asked = []
            for _ in range(25):
                nxt = ws._next()
                if nxt is None:
                    break
                asked.append(nxt.indicator)
                assert nxt.reason, "each suggestion says why"
                ws.goto(nxt.indicator)
                await settle(pilot)
                ws.commit(nxt.indicator, Answer(unknown=True))
                await settle(pilot)
            assert len(asked) == 25 and not set(asked) & WTO_MEMBER_ONLY
            # The skipped question says why on screen.
            ws.goto(shown)
            await settle(pilot)
            assert "WTO members" in str(ws.pane.query_one("#q-plan").render())

    asyncio.run(run())
    # A member is asked them.
    member = profile.with_answers({"wto.member": Answer(value="member")})
    plan = planner.plan_next(kb, member, reference_assessor.assess(member), question_order(kb))
    assert not set(plan.skipped) & WTO_MEMBER_ONLY


def test_the_planner_keeps_to_a_topic_and_skips_an_unranked_countrys_ranks(
        registry: Registry, reference_assessor: Assessor) -> None:
    kb = registry.kb
    profile = uz(registry)
    order = question_order(kb)
    current, topics = None, []
    for _ in range(20):
        plan = planner.plan_next(kb, profile, reference_assessor.assess(profile), order, current)
        assert plan.first is not None
        current = plan.first.indicator
        topics.append(kb.indicators[current].topic)
        profile = profile.with_answers({current: Answer(unknown=True)})
    switches = sum(a != b for a, b in zip(topics, topics[1:], strict=False))
    assert switches <= len(topics) // 2, topics
    # A WEF rank recorded unknown: the other ranks of that report are skipped, with the reason.
    wef = [i.id for i in kb.indicators.values() if i.ranking == "WEF Global Competitiveness Report"]
    assert len(wef) >= 3
    unranked = uz(registry).with_answers({wef[0]: Answer(unknown=True)})
    skipped = planner.skipped_questions(kb, unranked.answers, {})
    assert set(wef[1:]) <= set(skipped)
    assert "not to be ranked" in skipped[wef[1]]


def test_opening_lands_on_the_suggested_question(registry: Registry, data: Path,
                                                 reference_assessor: Assessor) -> None:
    kb = registry.kb
    profile = uz(registry)
    order = question_order(kb)
    expected = planner.plan_next(kb, profile, reference_assessor.assess(profile), order).first
    assert expected is not None

    async def run_new() -> Path:
        app = DiagnosticsApp(registry=registry, country="UZ")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            ws = workspace(pilot)
            assert ws.session.current == ws.pane.indicator == expected.indicator
            assert "Suggested:" in str(ws.pane.query_one("#q-plan").render())
            # Move somewhere already answered, then quit.
            ws.goto("wto.member")
            await settle(pilot)
            await pilot.press("ctrl+q")
            return ws.session.path

    path = asyncio.run(run_new())
    saved = AssessmentSession.open(kb, path)
    assert saved.current == "wto.member"
    again = planner.plan_next(kb, saved.profile, reference_assessor.assess(saved.profile), order,
                              "wto.member").first
    assert again is not None

    async def run_resume() -> None:
        app = DiagnosticsApp(registry=registry, resume=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            ws = workspace(pilot)
            assert ws.session.path == path
            assert ws.session.current == ws.pane.indicator == again.indicator

    asyncio.run(run_resume())


def test_source_and_note_kept_without_a_value(registry: Registry, data: Path) -> None:
    kb = registry.kb
    number = next(i.id for i in kb.indicators.values() if i.type == IndicatorType.NUMBER and not i.display_only)

    async def run() -> None:
        app = DiagnosticsApp(registry=registry, country="KZ", blank=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            ws = workspace(pilot)
            ws.goto(number)
            await settle(pilot)
            ws.pane.query_one("#q-source", Input).focus()
            await pilot.press(*"Stat agency 2021", "tab")
            ws.pane.query_one("#q-note", Input).focus()
            await pilot.press(*"figure disputed", "tab")
            await settle(pilot)
            await pilot.press("pagedown")  # move on with no value
            await settle(pilot)
            assert ws.session.answer(number) is None
            draft = AssessmentSession.open(kb, ws.session.path).draft(number)
            assert draft is not None and draft.source == "Stat agency 2021" and draft.note == "figure disputed"
            # Back on it: the fields show what was typed; a value keeps them.
            ws.goto(number, focus=True)
            await settle(pilot)
            assert ws.pane.query_one("#q-source", Input).value == "Stat agency 2021"
            await pilot.press(*"7,5", "enter")
            await settle(pilot)
            answer = ws.session.answer(number)
            assert answer is not None and answer.value == 7.5
            assert answer.source == "Stat agency 2021" and answer.note == "figure disputed"
            # Clearing the value keeps the evidence again.
            await pilot.press("ctrl+a", "ctrl+k", "enter")
            await settle(pilot)
            assert ws.session.answer(number) is None
            assert ws.session.draft(number) is not None and ws.session.draft(number).note == "figure disputed"

    asyncio.run(run())


def test_a_second_window_on_the_same_file_is_refused(registry: Registry, data: Path,
                                                    kz_profile: Profile) -> None:
    kb = registry.kb
    first = AssessmentSession.create(kb, kz_profile, data, started_from="KZ", lock=True)
    before = first.path.read_bytes()
    with pytest.raises(SessionLocked, match="already open in another window"):
        AssessmentSession.open(kb, first.path, lock=True)
    notes: list[str] = []

    async def run() -> None:
        app = DiagnosticsApp(registry=registry, open_path=first.path)
        app.notify = lambda message, **kw: notes.append(str(message))  # type: ignore[method-assign]
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, StartScreen)  # the file was not opened

    asyncio.run(run())
    assert any("already open in another window" in n for n in notes)
    assert first.path.read_bytes() == before  # nothing of the first window's answers was touched
    first.set_answer("wto.member", Answer(value="member"))
    first.close()
    # Once the first window closes, the file opens again, with its answers.
    again = AssessmentSession.open(kb, first.path, lock=True)
    assert again.answer("wto.member") == Answer(value="member")
    again.close()
    assert isinstance(SessionLocked("x"), DataError)


def test_the_planners_reasons_are_in_russian(registry: Registry, reference_assessor: Assessor) -> None:
    # "Suggested: ..." and "Not needed for this country: ..." come from the core planner.
    import re

    from diagnostics import i18n
    from diagnostics.translated_knowledge import localize_registry

    ru, _catalog = localize_registry(registry, "ru")
    kb = ru.kb
    acceding = uz(registry)  # not a WTO member: the member-only questions are skipped
    wef = [i.id for i in kb.indicators.values() if i.ranking == "WEF Global Competitiveness Report"]
    unranked = acceding.with_answers({wef[0]: Answer(unknown=True)})
    i18n.set_language("ru")
    try:
        reasons = [s.reason for s in planner.plan_next(kb, unranked, reference_assessor.assess(unranked),
                                                      question_order(kb)).suggestions]
        skipped = planner.skipped_questions(kb, unranked.answers,
                                            {f.rule: f.status for f in reference_assessor.assess(unranked).findings})
    finally:
        i18n.set_language("en")
    member_only = sorted(q for q in WTO_MEMBER_ONLY if q not in acceding.answers)
    assert member_only and all(skipped[q].startswith("Только для членов ВТО") for q in member_only)
    texts = reasons + [skipped[q] for q in member_only] + [skipped[wef[1]]]
    assert reasons and all(re.match(r"(Начать|Продолжить|Перейти)", r) for r in reasons)
    for text in texts:
        # Proper names of published rankings may stay in English; nothing else may.
        words = re.findall(r"[A-Za-z]{3,}", text.replace("WEF Global Competitiveness Report", ""))
        assert not words, text
