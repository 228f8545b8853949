"""The questionnaire as a spreadsheet, both ways: export, edit offline, import with a diff."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

import pytest
from click.testing import CliRunner
from diagnostics.tui.app import DiagnosticsApp
from diagnostics.tui.screens.import_sheet import ImportSheetScreen
from openpyxl import load_workbook
from tui_helpers import settle, workspace

from diagnostics.cli import main
from diagnostics.errors import DataError
from diagnostics.knowledge import IndicatorType
from diagnostics.profile import Profile
from diagnostics.registry import Registry
from diagnostics.session import AssessmentSession
from diagnostics.spreadsheet import (
    COLUMNS,
    changes_against,
    parse_questionnaire,
    questionnaire_rows,
    write_questionnaire,
)


def _number_answered(session: AssessmentSession) -> str:
    kb = session.kb
    return next(q for q in session.order if kb.indicators[q].type == IndicatorType.NUMBER
                and (a := session.answer(q)) is not None and a.known)


def _set_cell(path: Path, ind: str, column: str, value: object) -> int:
    wb = load_workbook(path)
    ws = wb.active
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == ind:
            row[header.index(column)].value = value
            wb.save(path)
            return row[0].row
    raise AssertionError(ind)


def test_xlsx_round_trip_changes_one_answer_and_keeps_the_rest(registry: Registry, kz_profile: Profile,
                                                               tmp_path: Path) -> None:
    kb = registry.kb
    session = AssessmentSession.create(kb, kz_profile, tmp_path, started_from="KZ")
    sheet = write_questionnaire(tmp_path / "kz.xlsx", questionnaire_rows(kb, session.profile))
    ws = load_workbook(sheet).active
    assert [c.value for c in ws[1]] == list(COLUMNS)
    assert ws.max_row == len(kb.indicators) + 1
    # Every question with its help and options; the answers as they are.
    imported = parse_questionnaire(kb, sheet)
    assert changes_against(kb, session.profile, imported) == []

    ind = _number_answered(session)
    old = session.answer(ind)
    assert old is not None
    _set_cell(sheet, ind, "answer", "1 234,5")  # a colleague with a decimal comma
    imported = parse_questionnaire(kb, sheet)
    changes = changes_against(kb, session.profile, imported, session.order)
    assert [c.indicator for c in changes] == [ind]  # the diff shown before anything is replaced
    assert "1234.5" in changes[0].after
    before = session.profile.answers
    session.apply({c.indicator: imported.answers[c.indicator] for c in changes}, imported.drafts)
    reopened = AssessmentSession.open(kb, session.path)
    new = reopened.answer(ind)
    assert new is not None and new.value == 1234.5
    assert new.source == old.source and new.note == old.note  # the rest of the row is kept
    assert {k: a for k, a in reopened.profile.answers.items() if k != ind} == \
        {k: a for k, a in before.items() if k != ind}


def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_imported(
        registry: Registry, kz_profile: Profile, tmp_path: Path) -> None:
    kb = registry.kb
    rows = questionnaire_rows(kb, kz_profile)
    scale = next(r for r in rows[3:] if kb.indicators[r["id"]].type == IndicatorType.SCALE)
    scale["answer"] = "9"
    rows[1]["evidence"] = "rumour"
    rows[2]["id"] = "no.such_question"
    sheet = write_questionnaire(tmp_path / "bad.csv", rows)
    with pytest.raises(DataError) as err:
        parse_questionnaire(kb, sheet)
    text = str(err.value)
    assert "3 cell(s) to fix; nothing was imported" in text
    assert "column answer: 9 is outside the allowed range 1–5" in text
    assert "row 3, column evidence" in text and "row 4, column id" in text


def test_csv_keeps_source_and_note_of_unanswered_questions(registry: Registry, tmp_path: Path) -> None:
    kb = registry.kb
    session = AssessmentSession.create(kb, Profile(country="KZ"), tmp_path)
    q = session.order[0]
    sheet = tmp_path / "blank.csv"
    write_questionnaire(sheet, questionnaire_rows(kb, session.profile))
    with sheet.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    rows[0]["source"], rows[0]["note"] = "Ministry letter", "asked, no reply yet"
    with sheet.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    imported = parse_questionnaire(kb, sheet)
    assert imported.answers[q] is None and imported.drafts[q].note == "asked, no reply yet"
    session.apply({}, imported.drafts)
    assert AssessmentSession.open(kb, session.path).draft(q).source == "Ministry letter"


def test_cli_exports_and_imports_with_a_diff(registry: Registry, kz_profile: Profile, tmp_path: Path) -> None:
    kb = registry.kb
    session = AssessmentSession.create(kb, kz_profile, tmp_path, started_from="KZ")
    sheet = tmp_path / "kz.xlsx"
    runner = CliRunner()
    out = runner.invoke(main, ["--no-plugins", "questionnaire", "export", str(session.path), str(sheet)])
    assert out.exit_code == 0, out.output
    assert f"{len(kb.indicators)} questions" in out.output
    ind = _number_answered(session)
    new = session.answer(ind).value + 1
    _set_cell(sheet, ind, "answer", new)
    # Without --yes it asks; "n" replaces nothing.
    out = runner.invoke(main, ["--no-plugins", "questionnaire", "import", str(sheet), str(session.path)], input="n\n")
    assert out.exit_code == 2 and "1 answer(s) would change" in out.output
    assert kb.indicators[ind].question in out.output
    assert AssessmentSession.open(kb, session.path).answer(ind) == session.answer(ind)
    out = runner.invoke(main, ["--no-plugins", "questionnaire", "import", str(sheet), str(session.path), "--yes"])
    assert out.exit_code == 0, out.output
    assert AssessmentSession.open(kb, session.path).answer(ind).value == new


def test_tui_exports_a_sheet_and_imports_it_after_showing_the_changes(registry: Registry, tmp_path: Path) -> None:
    data = tmp_path / "data"

    async def run() -> None:
        app = DiagnosticsApp(registry=registry, data=data, country="KZ")
        async with app.run_test(size=(100, 32)) as pilot:
            await settle(pilot)
            ws = workspace(pilot)
            sheet = data / "exports" / "KZ.xlsx"
            await pilot.press("escape", "e")
            await settle(pilot)
            field = app.screen.query_one("#export-path")
            field.value = str(sheet)
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is ws and sheet.exists()
            ind = _number_answered(ws.session)
            new = ws.session.answer(ind).value + 1
            _set_cell(sheet, ind, "answer", new)
            await pilot.press("escape", "i")
            await settle(pilot)
            assert isinstance(app.screen, ImportSheetScreen)
            await pilot.press("enter")  # the default path is the exported sheet
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, ImportSheetScreen)
            assert [c.indicator for c in dialog.changes] == [ind]
            assert ws.session.answer(ind).value != new  # shown, not yet replaced
            await pilot.click("#replace")
            await settle(pilot)
            assert app.screen is ws
            assert AssessmentSession.open(registry.kb, ws.session.path).answer(ind).value == new

    asyncio.run(run())
