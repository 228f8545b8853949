"""Which answer changes would change one finding's status (a modal)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import LoadingIndicator, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from diagnostics import analysis
from diagnostics.answers import format_value
from diagnostics.evaluator import Status
from diagnostics.kb import KnowledgeBase
from diagnostics.profile import Profile

from ..actions import MODAL_ACTS, bindings
from ..explain import STATUS_LABEL, status_rich
from ..services import Services


@dataclass(frozen=True)
class SensRow:
    changes: tuple[tuple[str, str, str], ...]  # (indicator, now, if)
    status: Status


def sensitivity_rows(kb: KnowledgeBase, profile: Profile, rule_id: str) -> list[SensRow]:
    """The logic core's answer (`diagnostics.analysis`) laid out as rows: the minimal sets of
    changes that undo a fired finding, the unknown answers that settle an open one, and for a
    finding that did not fire or does not apply, the single answer changes that alter it.
    Nothing is evaluated here."""
    try:
        item = analysis.sensitivity(kb, profile, rules=[rule_id]).for_rule(rule_id)
    except KeyError:  # neither fired nor open: the sensitivity report leaves it out
        return [SensRow(((c.indicator, _shown(c.before), "unknown" if c.after is None else format_value(c.after)),),
                        c.status)
                for c in analysis.single_changes(kb, profile, rule_id)]
    if isinstance(item, analysis.FiredSensitivity):
        return [SensRow(tuple((f.indicator, _shown(f.before), _region(f.indicator, f.region)) for f in c.changes),
                        c.status) for c in item.counterfactuals]
    return [SensRow(((d.indicator, _shown(None), _region(d.indicator, o.region)),), o.status)
            for d in item.deciders for o in d.outcomes if o.status is not Status.NOT_ASSESSABLE]


def _shown(value: Any) -> str:
    return "not answered" if value is None else format_value(value)


def _region(ind: str, region: str) -> str:
    return region.removeprefix(ind).strip() or region


class SensitivityScreen(ModalScreen[None]):
    """Answer changes that would change one finding's status."""

    ACTS = MODAL_ACTS
    BINDINGS = bindings(MODAL_ACTS)

    def __init__(self, services: Services, profile: Profile, rule: str, status: Status) -> None:
        super().__init__()
        self.services, self.profile, self.rule, self.status = services, profile, rule, status
        self.kb = services.kb
        self.rows: list[SensRow] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide") as box:
            box.border_title = f"Sensitivity: {self.kb.rules[self.rule].title}"
            yield Static("Trying every answer that could matter…", id="sens-summary")
            yield LoadingIndicator(id="sens-loading")
            yield OptionList(id="sens-list", compact=True)
            yield Static("Esc closes", classes="dim")

    def on_mount(self) -> None:
        self.query_one("#sens-list", OptionList).display = False
        self.compute()

    @work(thread=True, exclusive=True, group="tool", exit_on_error=False)
    def compute(self) -> list[SensRow]:
        return sensitivity_rows(self.kb, self.profile, self.rule)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "tool":
            return
        if event.state == WorkerState.ERROR:
            self.query_one("#sens-loading").display = False
            self.query_one("#sens-summary", Static).update(f"Failed: {event.worker.error}")
        elif event.state == WorkerState.SUCCESS:
            self.show(cast(list[SensRow], event.worker.result))

    def show(self, rows: list[SensRow]) -> None:
        self.rows = rows
        self.query_one("#sens-loading").display = False
        olist = self.query_one("#sens-list", OptionList)
        olist.display = True
        for row in rows:
            text = Text()
            for n, (ind, now, after) in enumerate(row.changes):
                spec = self.kb.indicators.get(ind)
                text.append("If " if n == 0 else "and ", style="dim")
                text.append(spec.question if spec else ind)
                text.append(f"\n   {now} → ", style="dim")
                text.append(after + "\n", style="bold")
            text.append("   then ", style="dim")
            text.append_text(status_rich(row.status))
            olist.add_option(Option(text))
        inds = {c[0] for r in rows for c in r.changes}
        self.query_one("#sens-summary", Static).update(
            f"Now {STATUS_LABEL[self.status]}. {len(rows)} change{'s' if len(rows) != 1 else ''} "
            f"to {len(inds)} answer{'s' if len(inds) != 1 else ''} would alter that."
            if rows else f"Now {STATUS_LABEL[self.status]}. No single answer change alters it.")
        olist.focus()

    def action_close(self) -> None:
        self.dismiss(None)
