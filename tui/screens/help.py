"""The help page (a modal): the keys of every screen, from the same table as the footer."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from diagnostics.i18n import N_, _

from ..actions import MODAL_ACTS, bindings


class HelpScreen(ModalScreen[None]):
    ACTS = MODAL_ACTS
    BINDINGS = [*bindings(MODAL_ACTS), Binding("q", "close", N_("Back"), show=False)]

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog wide", id="help") as box:
            box.border_title = _("Help (Esc closes)")
            yield Markdown(self.text)

    def on_mount(self) -> None:
        self.query_one("#help").focus()

    def action_close(self) -> None:
        self.dismiss(None)
