"""Every modal screen of the TUI in Russian: no English word of the interface is left.

Each test opens one screen from a Russian workspace the way its key does, fills it with
content (a comparison, a sensitivity list, a what-if diff, an export error, an imported
sheet), then reads every text the screen holds (titles, labels, buttons, lists, tables,
Markdown, the footer), whether or not it fits the terminal, and looks for English words.
Ids, citations, file names, key names and acronyms are allowed.
"""

from __future__ import annotations

import asyncio
import csv
import re
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from diagnostics.tui.app import DiagnosticsApp
from diagnostics.tui.explain import md
from diagnostics.tui.screens.brief import BriefScreen
from diagnostics.tui.screens.compare import CompareScreen
from diagnostics.tui.screens.diff import DiffScreen
from diagnostics.tui.screens.export import ExportScreen
from diagnostics.tui.screens.finding import FindingScreen
from diagnostics.tui.screens.help import HelpScreen
from diagnostics.tui.screens.import_sheet import ImportSheetScreen
from diagnostics.tui.screens.sensitivity import SensitivityScreen
from diagnostics.tui.screens.workspace import WorkspaceScreen
from rich.text import Text
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import (
    Button,
    Collapsible,
    DataTable,
    Input,
    Markdown,
    MarkdownViewer,
    OptionList,
    Select,
    Static,
    Tree,
)
from tui_helpers import flip, settle, settle_screen, workspace

from diagnostics.assessment import Assessor
from diagnostics.evaluator import Status
from diagnostics.knowledge import IndicatorType
from diagnostics.profile import Answer, Profile
from diagnostics.registry import Registry
from diagnostics.spreadsheet import COLUMNS, questionnaire_rows
from diagnostics.user_data import DATA_DIR_ENV

# Words that stay as they are in Russian: key names, file types, the command's name.
ALLOWED = {"Esc", "Enter", "Ctrl", "PgDn", "PgUp", "Del", "Space", "yaml", "yml", "json", "xlsx", "csv",
           "Markdown", "diagnose", "assess"}
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’]{2,}")
_CITATION = re.compile(r"\[[^\[\]]*\]|§\s?\d[^;)\n]*|(?:\b[A-Z][a-z]+ )?\(ll?\. [^)]*\)")  # Abstract (ll. 38–99)
_GLOSS = re.compile(r"\((?:[A-Za-z][A-Za-z'’ -]*)\)")  # a translator's gloss: «научного толчка» (science push)


def english_words(texts: Iterable[str], data: Iterable[str] = ()) -> list[str]:
    """Latin words of three letters or more that are not ids, paths, citations, acronyms,
    glosses in brackets, allowed names, or part of `data` (what the analyst typed: sources, notes)."""
    found = []
    typed = sorted((d for d in data if d), key=len, reverse=True)
    for text in texts:
        for d in typed:
            text = text.replace(d, " ")
        text = text.replace("policy-diagnostics", " ")
        text = _GLOSS.sub(" ", _CITATION.sub(" ", text))
        for token in text.split():
            if re.search(r"[._/\\\d@+]", token):  # ids (wto.member, doc+int), paths, files, figures
                continue
            for word in _LATIN_WORD.findall(token):
                if word not in ALLOWED and not word.isupper():
                    found.append(word)
    return found


def _plain(value: Any) -> str:
    if isinstance(value, Text):
        return value.plain
    return str(value) if value is not None else ""


def screen_texts(screen: Screen[Any]) -> list[str]:
    """Every text the screen holds, visible or scrolled away."""
    texts = [_plain(screen.title), _plain(screen.sub_title)]
    texts += [_plain(b.description) for _n, b, _e, _t in screen.active_bindings.values() if b.show]
    texts += [_plain(b.tooltip) for _n, b, _e, _t in screen.active_bindings.values() if b.tooltip]
    for widget in screen.query("*"):
        texts += [_plain(widget.border_title), _plain(widget.border_subtitle)]
        if isinstance(widget, Button):
            texts.append(_plain(widget.label))
        elif isinstance(widget, Input):
            texts.append(_plain(widget.placeholder))  # the value is a path the analyst typed
        elif isinstance(widget, Static):
            texts.append(_plain(widget.render()))
        if isinstance(widget, Select):
            texts.append(_plain(widget.prompt))
        elif isinstance(widget, OptionList):
            texts += [_plain(o.prompt) for o in widget.options]
        elif isinstance(widget, DataTable):
            texts += [_plain(c.label) for c in widget.ordered_columns]
            texts += [_plain(cell) for r in range(widget.row_count) for cell in widget.get_row_at(r)]
        elif isinstance(widget, Markdown):
            texts.append(widget.source)
        elif isinstance(widget, Tree):
            texts += [_plain(n.label) for n in widget.root.children]
        elif isinstance(widget, Collapsible):
            texts.append(widget.title)
    return [t for t in texts if t]


# ---------------------------------------------------------------------------------------
# Opening each screen as its key does, with content in it

Opener = Callable[[Pilot[Any], WorkspaceScreen, dict[str, Any]], Awaitable[None]]


def _fired(ws: WorkspaceScreen) -> str:
    assert ws.assessment is not None
    return next(f.rule for f in ws.assessment.diagnoses() if f.status is Status.FIRED)


async def open_brief(pilot: Pilot[Any], ws: WorkspaceScreen, given: dict[str, Any]) -> None:
    ws.action_brief()
    await settle(pilot)
    viewer = pilot.app.screen.query_one("#brief", MarkdownViewer)
    assert "Первопричины" in viewer.document.source  # the brief itself, not the loading state


async def open_compare(pilot: Pilot[Any], ws: WorkspaceScreen, given: dict[str, Any]) -> None:
    ws.action_compare()
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CompareScreen)
    screen.run_compare(given["other"])
    await settle(pilot)
    assert screen.rows, "the comparison shows rows"
    table = screen.query_one("#compare-table", DataTable)
    with_drivers = next(n for n, r in enumerate(screen.rows) if r.drivers)
    table.move_cursor(row=with_drivers)  # the answers behind that difference appear below
    await settle(pilot)
    assert "(KZ /" in _plain(screen.query_one("#compare-drivers", Static).render())


async def open_sensitivity(pilot: Pilot[Any], ws: WorkspaceScreen, given: dict[str, Any]) -> None:
    rule = _fired(ws)
    ws.findings.findings.move_cursor(ws.findings._by_rule[rule][0])  # highlight it, as f + arrows do
    ws.action_sensitivity()
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, SensitivityScreen) and screen.rows


async def open_diff(pilot: Pilot[Any], ws: WorkspaceScreen, given: dict[str, Any]) -> None:
    ind = given["flip"]
    ws.action_whatif()
    await settle(pilot)
    before = ws.session.answer(ind)
    assert ws.scenario is not None and before is not None
    ws.scenario[ind] = Answer(value=not before.value)
    ws.action_diff()
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, DiffScreen) and screen.changes == [ind] and screen.statuses


async def open_export(pilot: Pilot[Any], ws: WorkspaceScreen, given: dict[str, Any]) -> None:
    ws.action_export()
    await settle(pilot)
    field = pilot.app.screen.query_one("#export-path", Input)
    field.value = str(given["tmp"] / "answers.txt")  # a name it refuses: the error must be Russian too
    await pilot.press("enter")
    await settle(pilot)
    assert _plain(pilot.app.screen.query_one("#export-error", Static).render())


async def open_finding(pilot: Pilot[Any], ws: WorkspaceScreen, given: dict[str, Any]) -> None:
    ws.open_finding(_fired(ws))
    await settle(pilot)


async def open_open_finding(pilot: Pilot[Any], ws: WorkspaceScreen, given: dict[str, Any]) -> None:
    assert pilot.app.new_assessment("KZ", prefill=False)  # blank: every root cause is still open
    await settle(pilot)
    blank = workspace(pilot)
    assert blank is not ws and blank.assessment is not None
    blank.open_finding(next(f.rule for f in blank.assessment.diagnoses() if f.status is Status.NOT_ASSESSABLE))
    await settle(pilot)


async def open_help(pilot: Pilot[Any], ws: WorkspaceScreen, given: dict[str, Any]) -> None:
    await pilot.press("f1")
    await settle(pilot)


async def open_import(pilot: Pilot[Any], ws: WorkspaceScreen, given: dict[str, Any]) -> None:
    session = ws.session
    ind = next(q for q in session.order if session.kb.indicators[q].type == IndicatorType.NUMBER
               and (a := session.answer(q)) is not None and a.known)
    rows = questionnaire_rows(session.kb, session.profile)
    for row in rows:
        if row["id"] == ind:
            row["answer"] = "12345"
    sheet = given["tmp"] / "sheet.csv"
    with sheet.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    ws.action_import_sheet()
    await settle(pilot)
    pilot.app.screen.query_one("#sheet-path", Input).value = str(sheet)
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ImportSheetScreen) and [c.indicator for c in screen.changes] == [ind]


OPENERS: dict[str, tuple[Opener, type[Screen[Any]]]] = {
    "brief": (open_brief, BriefScreen),
    "compare": (open_compare, CompareScreen),
    "sensitivity": (open_sensitivity, SensitivityScreen),
    "diff": (open_diff, DiffScreen),
    "export": (open_export, ExportScreen),
    "finding": (open_finding, FindingScreen),
    "finding-undecided": (open_open_finding, FindingScreen),
    "help": (open_help, HelpScreen),
    "import": (open_import, ImportSheetScreen),
}


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv(DATA_DIR_ENV, str(folder))
    return folder


@pytest.fixture
def given(registry: Registry, kz_profile: Profile, reference_assessor: Assessor, tmp_path: Path) -> dict[str, Any]:
    # Found in English, before the app switches the process to Russian.
    _dx, ind = flip(reference_assessor, kz_profile, IndicatorType.BOOL)
    other = next(p.path for code, p in sorted(registry.profiles.items()) if code != "KZ")
    return {"flip": ind, "other": other, "tmp": tmp_path}


def test_the_detector_finds_english_words_and_spares_ids_and_citations() -> None:
    assert english_words(["Назад (Esc)", "wto.member · §4.5 p.61 (ll. 5346–5371) [oyunbazar2015]",
                          "модель «научного толчка» (science push)", "KZ / MN · 7,5 %"]) == []
    assert english_words(["Сравнить · Back", "Найдено: the rule needs 4"]) == ["Back", "the", "rule", "needs"]


def screen_words(modal: str, lang: str, registry: Registry, data: Path, given: dict[str, Any]) -> list[str]:
    """Open `modal` from a KZ workspace in `lang`; the English words on it, with the texts they are in."""
    opener, kind = OPENERS[modal]
    found: list[str] = []

    async def run() -> None:
        app = DiagnosticsApp(registry=registry, data=data, country="KZ", lang=lang)
        async with app.run_test(size=(100, 32)) as pilot:
            await settle(pilot)
            ws = workspace(pilot)
            # The analyst's own words (sources and notes of the answers) are shown as typed.
            typed = [x for a in ws.session.profile.answers.values() for x in (a.source, a.note)]
            typed += [md(x) for x in typed]  # as the explanations' Markdown escapes them
            await opener(pilot, ws, given)
            screen = app.screen
            assert isinstance(screen, kind), screen
            texts = screen_texts(screen)
            assert sum(len(t) for t in texts) > 40  # the screen has content to judge
            found.extend(english_words(texts, typed))

    asyncio.run(run())
    return found


@pytest.mark.parametrize("modal", list(OPENERS))
def test_a_modal_in_russian_has_no_english_words(modal: str, registry: Registry, data: Path,
                                                 given: dict[str, Any]) -> None:
    assert screen_words(modal, "ru", registry, data, given) == []


@pytest.mark.parametrize("modal", ["sensitivity", "finding"])
def test_the_check_sees_the_english_of_the_same_screens(modal: str, registry: Registry, data: Path,
                                                         given: dict[str, Any]) -> None:
    words = set(screen_words(modal, "en", registry, data, given))
    assert "Back" in words  # the footer
    assert {"Sensitivity", "then"} <= words if modal == "sensitivity" else {"Mechanism", "Citations"} <= words


def test_sensitivity_in_russian_at_80x24(registry: Registry, data: Path, snap_compare: Any) -> None:
    app = DiagnosticsApp(registry=registry, data=data, country="KZ", lang="ru")

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await open_sensitivity(pilot, workspace(pilot), {})
        await settle_screen(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
