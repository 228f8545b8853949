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
from diagnostics.i18n import _, ngettext
from diagnostics.kb import KnowledgeBase
from diagnostics.profile import Profile

from ..actions import MODAL_ACTS, bindings
from ..explain import region_text, status_label, status_rich, value_text
from ..services import Services


@dataclass(frozen=True)
class SensRow:
    changes: tuple[tuple[str, str, str], ...]  # (indicator, now, if) as the logic core writes them
    status: Status
    words: tuple[tuple[str, str], ...] = ()  # (now, if) of each change for the reader, in the language


def sensitivity_rows(kb: KnowledgeBase, profile: Profile, rule_id: str) -> list[SensRow]:
    """The logic core's answer (`diagnostics.analysis`) laid out as rows: the minimal sets of
    changes that undo a fired finding, the unknown answers that settle an open one, and for a
    finding that did not fire or does not apply, the single answer changes that alter it.
    Nothing is evaluated here."""
    try:
        item = analysis.sensitivity(kb, profile, rules=[rule_id]).for_rule(rule_id)
    except KeyError:  # neither fired nor open: the sensitivity report leaves it out
        return [SensRow(((c.indicator, _shown(c.before), "unknown" if c.after is None else format_value(c.after)),),
                        c.status, ((_words(kb, c.indicator, c.before),
                                    _("unknown") if c.after is None else value_text(kb, c.indicator, c.after)),))
                for c in analysis.single_changes(kb, profile, rule_id)]
    if isinstance(item, analysis.FiredSensitivity):
        return [SensRow(tuple((f.indicator, _shown(f.before), _region(f.indicator, f.region)) for f in c.changes),
                        c.status, tuple((_words(kb, f.indicator, f.before), region_text(kb, f.indicator, f.region))
                                        for f in c.changes)) for c in item.counterfactuals]
    return [SensRow(((d.indicator, _shown(None), _region(d.indicator, o.region)),), o.status,
                    ((_words(kb, d.indicator, None), region_text(kb, d.indicator, o.region)),))
            for d in item.deciders for o in d.outcomes if o.status is not Status.NOT_ASSESSABLE]


def _shown(value: Any) -> str:
    return "not answered" if value is None else format_value(value)


def _words(kb: KnowledgeBase, ind: str, value: Any) -> str:
    """A value as the reader sees it, in the current language."""
    return _("not answered") if value is None else value_text(kb, ind, value)


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
            box.border_title = _("Sensitivity: {title}").format(title=self.kb.rules[self.rule].title)
            yield Static(_("Trying every answer that could matter…"), id="sens-summary")
            yield LoadingIndicator(id="sens-loading")
            yield OptionList(id="sens-list", compact=True)
            yield Static(_("Esc closes"), classes="dim")

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
            self.query_one("#sens-summary", Static).update(_("Failed: {error}").format(error=event.worker.error))
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
                now, after = row.words[n] if n < len(row.words) else (now, after)
                spec = self.kb.indicators.get(ind)
                text.append(_("If ") if n == 0 else _("and "), style="dim")
                text.append(spec.question if spec else ind)
                text.append(f"\n   {now} → ", style="dim")
                text.append(after + "\n", style="bold")
            text.append("   " + _("then "), style="dim")
            text.append_text(status_rich(row.status))
            olist.add_option(Option(text))
        inds = {c[0] for r in rows for c in r.changes}
        now = _("Now {status}.").format(status=status_label(self.status))
        if rows:
            changes = ngettext("{n} change", "{n} changes", len(rows)).format(n=len(rows))
            answers = ngettext("to {n} answer", "to {n} answers", len(inds)).format(n=len(inds))
            summary = now + " " + _("{changes} {answers} would alter that.").format(changes=changes, answers=answers)
        else:
            summary = now + " " + _("No single answer change alters it.")
        self.query_one("#sens-summary", Static).update(summary)
        olist.focus()

    def action_close(self) -> None:
        self.dismiss(None)
