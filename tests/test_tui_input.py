"""Each indicator type gets its own input; a value that does not fit is shown, never stored."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from diagnostics.tui.app import DiagnosticsApp
from textual.widgets import Input, RadioSet, Select, SelectionList, Switch
from tui_helpers import settle, workspace

from diagnostics.knowledge import IndicatorType
from diagnostics.registry import Registry
from diagnostics.session import AssessmentSession
from diagnostics.user_data import DATA_DIR_ENV


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv(DATA_DIR_ENV, str(folder))
    return folder


def first(registry: Registry, kind: IndicatorType, **where: object) -> str:
    for spec in registry.kb.indicators.values():
        if spec.type == kind and not spec.display_only and all(getattr(spec, k) == v for k, v in
                                                                where.items()):
            return spec.id
    raise AssertionError(f"no {kind} indicator")


def test_invalid_numbers_show_a_message_and_are_never_stored(registry: Registry, data: Path) -> None:
    kb = registry.kb
    number = next(i.id for i in kb.indicators.values()
                  if i.type == IndicatorType.NUMBER and i.min is not None and not i.display_only)
    share = first(registry, IndicatorType.SHARE)

    async def run() -> None:
        app = DiagnosticsApp(registry=registry, country="KZ", blank=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            ws = workspace(pilot)

            ws.goto(number, focus=True)
            await settle(pilot)
            assert isinstance(app.focused, Input)
            await pilot.press(*"12abc")
            await settle(pilot)
            assert "expects a number" in ws.pane.error  # shown while typing
            assert app.focused.has_class("-invalid")
            await pilot.press("enter")
            await settle(pilot)
            assert "expects a number" in ws.pane.error
            assert ws.session.answer(number) is None

            low = kb.indicators[number].min - 1
            await pilot.press("ctrl+a", "ctrl+k", *str(int(low)), "enter")
            await settle(pilot)
            assert "outside the allowed range" in ws.pane.error
            assert ws.session.answer(number) is None
            # Leaving the question does not sneak the bad value in either.
            await pilot.press("pagedown")
            await settle(pilot)
            assert ws.session.answer(number) is None
            assert AssessmentSession.open(kb, ws.session.path).answer(number) is None

            ws.goto(share, focus=True)
            await settle(pilot)
            await pilot.press(*"150%", "enter")
            await settle(pilot)
            assert "outside the allowed range 0–1" in ws.pane.error
            assert ws.session.answer(share) is None

            # A bad as-of year blocks the whole answer, with its own message.
            await pilot.press("ctrl+a", "ctrl+k", *"35%")
            ws.pane.query_one("#q-asof", Input).value = "20x9"
            await settle(pilot)
            ws.pane.focus_value()
            await pilot.press("enter")
            await settle(pilot)
            assert "as-of year" in ws.pane.error
            assert ws.session.answer(share) is None

            # Fixed, it is stored, with its evidence.
            ws.pane.query_one("#q-asof", Input).value = "2019"
            ws.pane.query_one("#q-source", Input).value = "statistics office"
            ws.pane.focus_value()
            await pilot.press("enter")
            await settle(pilot)
            assert ws.pane.error == ""
            saved = AssessmentSession.open(kb, ws.session.path).answer(share)
            assert saved is not None and saved.value == pytest.approx(0.35)
            assert saved.as_of == 2019 and saved.source == "statistics office"
            assert AssessmentSession.open(kb, ws.session.path).answer(number) is None

    asyncio.run(run())


def test_each_type_has_its_input_and_records_on_change(registry: Registry, data: Path) -> None:
    kb = registry.kb
    boolean = first(registry, IndicatorType.BOOL)
    scale = first(registry, IndicatorType.SCALE)
    enum = first(registry, IndicatorType.ENUM)
    multi = first(registry, IndicatorType.SET)

    async def run() -> None:
        app = DiagnosticsApp(registry=registry, country="KZ", blank=True)
        async with app.run_test(size=(100, 32)) as pilot:
            await settle(pilot)
            ws = workspace(pilot)

            ws.goto(boolean, focus=True)
            await settle(pilot)
            assert isinstance(app.focused, Switch)
            assert ws.session.answer(boolean) is None  # showing a switch records nothing
            await pilot.press("ctrl+s")  # record "no" as shown
            await settle(pilot)
            assert ws.session.answer(boolean).value is False
            await pilot.press("space")
            await settle(pilot)
            assert ws.session.answer(boolean).value is True

            ws.goto(scale, focus=True)
            await settle(pilot)
            assert isinstance(app.focused, RadioSet)
            await pilot.press("right", "right", "right", "enter")
            await settle(pilot)
            assert ws.session.answer(scale).value == 4

            ws.goto(enum, focus=True)
            await settle(pilot)
            assert isinstance(app.focused, Select)
            await pilot.press("enter", "down", "enter")
            await settle(pilot)
            assert ws.session.answer(enum).value in kb.indicators[enum].values

            ws.goto(multi, focus=True)
            await settle(pilot)
            assert isinstance(app.focused, SelectionList)
            await pilot.press("space", "down", "space")
            await settle(pilot)
            values = kb.indicators[multi].values
            assert ws.session.answer(multi).value == (values[0], values[1])
            await pilot.press("space")
            await settle(pilot)
            assert ws.session.answer(multi).value == (values[0],)

            saved = AssessmentSession.open(kb, ws.session.path)
            for ind in (boolean, scale, enum, multi):
                assert saved.answer(ind) == ws.session.answer(ind)
            assert len(saved.profile.answers) == 4  # nothing was recorded by merely looking

    asyncio.run(run())
