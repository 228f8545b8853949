"""Import a filled-in questionnaire (.xlsx/.csv): every row checked, the changes shown, and
nothing replaced until the analyst says so (a modal)."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from diagnostics.errors import DiagnosticsError
from diagnostics.i18n import _, ngettext
from diagnostics.session import AssessmentSession
from diagnostics.spreadsheet import Imported, RowChange, changes_against, parse_questionnaire

from ..actions import MODAL_ACTS, bindings
from ..explain import answer_line
from ..widgets.field import Field


class ImportSheetScreen(ModalScreen[int | None]):
    """Dismisses with the number of answers replaced, or None."""

    ACTS = MODAL_ACTS
    BINDINGS = bindings(MODAL_ACTS)

    def __init__(self, session: AssessmentSession, default: Path) -> None:
        super().__init__()
        self.session, self.default = session, default
        self.imported: Imported | None = None
        self.changes: list[RowChange] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide") as box:
            box.border_title = _("Import a filled-in questionnaire")
            yield Label(_("Spreadsheet (.xlsx or .csv) exported from here, then Enter"))
            yield Field(str(self.default), id="sheet-path", compact=True)
            yield Static("", id="sheet-summary")
            yield OptionList(id="sheet-changes", compact=True)
            with Horizontal(classes="buttons"):
                yield Button(_("Replace these answers"), id="replace", variant="warning", compact=True, disabled=True)
                yield Button(_("Cancel") + " (Esc)", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#sheet-changes", OptionList).display = False
        self.query_one("#sheet-path", Field).focus()

    @on(Field.Submitted, "#sheet-path")
    def _read(self) -> None:
        text = self.query_one("#sheet-path", Field).value.strip()
        if text:
            self.query_one("#sheet-summary", Static).update(_("Checking every row…"))
            self.read(Path(text).expanduser())

    @work(thread=True, exclusive=True, group="sheet", exit_on_error=False)
    def read(self, path: Path) -> tuple[Imported, list[RowChange]]:
        imported = parse_questionnaire(self.session.kb, path)
        return imported, changes_against(self.session.kb, self.session.profile, imported, self.session.order)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "sheet":
            return
        summary = self.query_one("#sheet-summary", Static)
        if event.state == WorkerState.ERROR:
            err = event.worker.error
            summary.update(Text(str(err) if isinstance(err, DiagnosticsError) else repr(err), style="red"))
        elif event.state == WorkerState.SUCCESS:
            self.imported, self.changes = cast(tuple[Imported, list[RowChange]], event.worker.result)
            self.show_changes()

    def show_changes(self) -> None:
        olist = self.query_one("#sheet-changes", OptionList)
        olist.clear_options()
        kb = self.session.kb
        sheet = self.imported.answers if self.imported is not None else {}
        for c in self.changes:
            ind = c.indicator
            olist.add_option(Option(Text.assemble(
                kb.indicators[ind].question,
                ("\n   " + _("now") + " ", "dim"), answer_line(kb, ind, self.session.profile.answers.get(ind)),
                ("\n   " + _("sheet") + " ", "dim"), (answer_line(kb, ind, sheet.get(ind)), "bold"))))
        olist.display = bool(self.changes)
        n = len(self.changes)
        self.query_one("#sheet-summary", Static).update(
            ngettext("{n} answer would change; nothing is replaced until you press Replace.",
                     "{n} answers would change; nothing is replaced until you press Replace.", n).format(n=n)
            if n else _("The sheet matches this assessment: nothing to replace."))
        self.query_one("#replace", Button).disabled = not n

    @on(Button.Pressed, "#replace")
    def action_replace(self) -> None:
        if self.imported is None or not self.changes:
            return
        try:
            self.session.apply({c.indicator: self.imported.answers[c.indicator] for c in self.changes},
                               {k: d for k, d in self.imported.drafts.items() if self.session.drafts.get(k) != d})
        except (DiagnosticsError, OSError, ValueError) as exc:
            message = _("not replaced: {error}").format(error=exc)
            self.query_one("#sheet-summary", Static).update(Text(message, style="red"))
            return
        self.dismiss(len(self.changes))

    @on(Button.Pressed, "#cancel")
    def action_close(self) -> None:
        self.dismiss(None)
