"""What the what-if answers change against the saved ones (a modal)."""

from __future__ import annotations

from typing import cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, OptionList
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from diagnostics import analysis
from diagnostics.i18n import _
from diagnostics.profile import Answer, Profile

from ..actions import DIFF_ACTS, bindings
from ..explain import answer_text, layer_label, status_rich
from ..services import Services


class DiffScreen(ModalScreen[bool]):
    """Changed answers and the findings they change; dismisses True to keep the answers."""

    ACTS = DIFF_ACTS
    BINDINGS = bindings(DIFF_ACTS)

    def __init__(self, services: Services, saved: Profile, scenario: dict[str, Answer | None],
                 order: list[str]) -> None:
        super().__init__()
        self.services, self.saved, self.scenario = services, saved, dict(scenario)
        self.kb = services.kb
        self.changes = saved.changed_answers(saved.with_answers(self.scenario), order)
        self.statuses: list[analysis.RuleChange] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide") as box:
            box.border_title = _("What-if: differences from the saved answers")
            yield Label(_("Changed answers ({n})").format(n=len(self.changes)), classes="section")
            yield OptionList(id="diff-answers", compact=True)
            yield Label(_("Findings that change"), id="diff-findings-label", classes="section")
            yield OptionList(id="diff-findings", compact=True)
            with Horizontal(classes="buttons"):
                yield Button(_("Keep as real answers") + " (k)", id="keep", compact=True, variant="warning")
                yield Button(_("Back") + " (Esc)", id="back", compact=True)

    def on_mount(self) -> None:
        answers = self.query_one("#diff-answers", OptionList)
        for ind in self.changes:
            q = self.kb.indicators[ind].question if ind in self.kb.indicators else ind
            answers.add_option(Option(Text.assemble(
                q, ("\n   " + _("saved") + " ", "dim"), answer_text(self.kb, ind, self.saved.answers.get(ind)),
                (" → " + _("what-if") + " ", "dim"), (answer_text(self.kb, ind, self.scenario.get(ind)), "bold"))))
        self.compute()

    @work(thread=True, exclusive=True, group="tool", exit_on_error=False)
    def compute(self) -> list[analysis.RuleChange]:
        return analysis.whatif(self.services.assessor, self.saved, self.scenario).changes

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "tool":
            return
        if event.state == WorkerState.ERROR:
            self.notify(_("What-if failed: {error}").format(error=event.worker.error), severity="error")
        elif event.state == WorkerState.SUCCESS:
            self.statuses = cast(list[analysis.RuleChange], event.worker.result)
            olist = self.query_one("#diff-findings", OptionList)
            for st in self.statuses:
                olist.add_option(Option(Text.assemble(
                    (st.title, "bold" if st.layer == "diagnosis" else ""),
                    (f" ({layer_label(st.layer)})", "dim"),
                    ("\n   " + _("saved") + " ", "dim"), status_rich(st.before, st.before_confidence),
                    (" → " + _("what-if") + " ", "dim"), status_rich(st.after, st.after_confidence))))
            if not self.statuses:
                olist.add_option(Option(Text(_("No finding changes."), style="dim")))
            self.query_one("#diff-findings-label", Label).update(
                _("Findings that change ({n})").format(n=len(self.statuses)))

    def action_close(self) -> None:
        self.dismiss(False)

    def action_keep(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#keep")
    def _keep(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.dismiss(False)
