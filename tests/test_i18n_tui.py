"""The TUI in Russian: labels, footer, knowledge texts, locale input, and switching language."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from diagnostics.tui.app import DiagnosticsApp
from textual.pilot import Pilot
from textual.widgets import Input
from tui_helpers import settle, workspace

from diagnostics.i18n import current_language
from diagnostics.knowledge import IndicatorType
from diagnostics.registry import Registry
from diagnostics.translated_knowledge import FALLBACK_MARKER
from diagnostics.user_data import DATA_DIR_ENV


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv(DATA_DIR_ENV, str(folder))
    return folder


def _footer_labels(app: DiagnosticsApp) -> set[str]:
    return {b.description for _node, b, _enabled, _tip in app.screen.active_bindings.values() if b.show}


def test_the_workspace_in_russian_reads_comma_decimals_and_switches_back(registry: Registry, data: Path) -> None:
    share = next(i.id for i in registry.kb.indicators.values()
                 if i.type == IndicatorType.SHARE and not i.display_only)

    async def run() -> None:
        app = DiagnosticsApp(registry=registry, data=data, country="KZ", blank=True, lang="ru")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            ws = workspace(pilot)
            assert app.title == "Диагностика политики"
            # It opens on the planner's suggestion, and says why in Russian.
            assert str(ws.pane.query_one("#q-plan").render()).startswith("Рекомендация: Начать с темы «")
            assert {"Далее", "Записать", "Что, если", "Сравнить", "Записка"} <= _footer_labels(app)
            assert ws.kb is app.registry.kb and app.registry is not registry  # texts localized
            question = ws.kb.indicators[share].question
            assert question != registry.kb.indicators[share].question
            assert not question.startswith(FALLBACK_MARKER) or FALLBACK_MARKER + registry.kb.indicators[
                share].question == question  # translated, or English behind the marker: never missing

            ws.goto(share, focus=True)
            await settle(pilot)
            assert isinstance(app.focused, Input)
            assert "диапазон" in str(ws.pane.query_one("#q-hint").render())
            await pilot.press(*"7,5%", "enter")
            await settle(pilot)
            answer = ws.session.answer(share)
            assert answer is not None and answer.value == pytest.approx(0.075), ws.pane.error
            assert "Записано" in str(ws.pane.query_one("#q-state").render())
            # A counted unit agrees with the number recorded.
            ws.goto("regulation.control_departments_count", focus=True)
            await settle(pilot)
            await pilot.press("6", "1", "enter")
            await settle(pilot)
            state = str(ws.pane.query_one("#q-state").render())
            assert "61 орган" in state and "органов" not in state, state

            await pilot.press("ctrl+l")  # to English; the session is reopened from its file
            await settle(pilot)
            assert current_language() == "en" and app.title == "Policy diagnostics"
            ws = workspace(pilot)
            assert ws.kb.indicators[share].question == registry.kb.indicators[share].question
            assert ws.session.answer(share) is not None and ws.session.answer(share).value == pytest.approx(0.075)
            assert {"Next", "Record"} <= _footer_labels(app)

    asyncio.run(run())


def test_a_russian_comma_is_always_a_decimal_comma(registry: Registry, data: Path) -> None:
    from diagnostics.answers import parse_text as parse_value
    from diagnostics.i18n import set_language

    number = next(i for i in registry.kb.indicators.values()
                  if i.type == IndicatorType.NUMBER and (i.max is None or i.max > 1300) and (i.min or 0) <= 1)
    set_language("ru")
    assert parse_value(number, "1,250") == 1.25  # not 1250, as an English reader might guess
    assert parse_value(number, "1 234,5") == 1234.5
    set_language("en")
    assert parse_value(number, "1,250") == 1250


def test_workspace_in_russian_at_80x24(registry: Registry, data: Path, snap_compare: Any) -> None:
    app = DiagnosticsApp(registry=registry, data=data, country="KZ", lang="ru")

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        ws = workspace(pilot)
        scale = next(q for q in ws.session.order if ws.kb.indicators[q].type.value == "scale")
        ws.goto(scale, focus=True)
        await settle(pilot)
        assert FALLBACK_MARKER not in ws.kb.indicators[scale].question

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
