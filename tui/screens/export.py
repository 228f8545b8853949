"""Export the answers as a profile file, or the questionnaire as a spreadsheet (a modal)."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from diagnostics.errors import DiagnosticsError
from diagnostics.i18n import _
from diagnostics.session import AssessmentSession

from ..actions import MODAL_ACTS, bindings
from ..widgets.field import Field


class ExportScreen(ModalScreen[Path | None]):
    """Export the answers as a plain profile (.yaml/.json), or the whole questionnaire with
    help, options and answers as a spreadsheet (.xlsx/.csv) for colleagues to fill in."""

    ACTS = MODAL_ACTS
    BINDINGS = bindings(MODAL_ACTS)

    def __init__(self, session: AssessmentSession, default: Path) -> None:
        super().__init__()
        self.session, self.default = session, default

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = _("Export the answers")
            yield Label(_(".yaml/.json: a profile that `diagnose assess` reads; .xlsx/.csv: the questionnaire"))
            yield Field(str(self.default), id="export-path", compact=True)
            yield Static("", id="export-error")
            with Horizontal(classes="buttons"):
                yield Button(_("Export"), id="export", variant="primary", compact=True)
                yield Button(_("Cancel"), id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#export-path", Field).focus()

    @on(Button.Pressed, "#export")
    @on(Field.Submitted, "#export-path")
    def _export(self) -> None:
        text = self.query_one("#export-path", Field).value.strip()
        path = Path(text).expanduser()
        error = self.query_one("#export-error", Static)
        suffix = path.suffix.lower()
        if not text or suffix not in (".yaml", ".yml", ".json", ".xlsx", ".csv"):
            error.update(Text(_("the file name must end in .yaml, .yml, .json, .xlsx or .csv"), style="red"))
            return
        if path.resolve() == self.session.path.resolve():
            error.update(Text(_("that is the autosave file itself; choose another name"), style="red"))
            return
        try:
            if suffix in (".xlsx", ".csv"):
                from diagnostics.spreadsheet import questionnaire_rows, write_questionnaire

                rows = questionnaire_rows(self.session.kb, self.session.profile, self.session.drafts)
                write_questionnaire(path, rows, title=self.session.title())
            else:
                self.session.export_profile(path)
        except (OSError, DiagnosticsError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else str(exc)
            error.update(Text(_("cannot write there: {error}").format(error=reason), style="red"))
            return
        self.dismiss(path)

    @on(Button.Pressed, "#cancel")
    def action_close(self) -> None:
        self.dismiss(None)
