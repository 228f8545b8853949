"""This assessment next to another country's (a shipped profile or a file)."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Select, Static
from textual.worker import Worker, WorkerState

from diagnostics import analysis
from diagnostics.errors import DiagnosticsError
from diagnostics.i18n import _, country_name, ngettext
from diagnostics.knowledge import Layer
from diagnostics.profile import Profile

from ..actions import MODAL_ACTS, bindings
from ..explain import answer_text, short_status
from ..services import Services
from ..widgets.field import Field

REPORTED_LAYERS = (Layer.DIAGNOSIS.value, Layer.MANIFESTATION.value)


class CompareScreen(Screen[None]):
    ACTS = MODAL_ACTS
    BINDINGS = bindings(MODAL_ACTS)

    def __init__(self, services: Services, profile: Profile) -> None:
        super().__init__()
        self.services, self.profile = services, profile
        self.registry = services.registry
        self.rows: list[analysis.Row] = []
        self.other: Profile | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="compare"):
            with Horizontal(classes="field-row"):
                options = [(f"{country_name(c, p.name)} ({c})", c) for c, p in sorted(self.registry.profiles.items())]
                yield Select[str](options, prompt=_("another country…"), id="other", compact=True)
                yield Field(placeholder=_("…or a profile/assessment file"), id="other-path", compact=True)
            yield Static(_("Choose a country, or type a file path and press Enter."), id="compare-summary")
            yield DataTable(id="compare-table", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="compare-drivers-box"):
                yield Static("", id="compare-drivers")
        yield Footer()

    def on_mount(self) -> None:
        self.title = country_name(self.profile.country, self.profile.name or self.profile.country)
        self.sub_title = _("compare with another country")
        self.query_one("#compare-table", DataTable).add_columns(_("Finding"), self.profile.country, _("other"))

    @on(Select.Changed, "#other")
    def _country(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.run_compare(self.registry.profiles[event.value].path)

    @on(Field.Submitted, "#other-path")
    def _path(self, event: Field.Submitted) -> None:
        if event.value.strip():
            self.run_compare(Path(event.value.strip()).expanduser())

    def run_compare(self, path: Path) -> None:
        self.query_one("#compare-summary", Static).update(_("Assessing {file}…").format(file=path.name))
        self.compare(path)

    @work(thread=True, exclusive=True, group="tool", exit_on_error=False)
    def compare(self, path: Path) -> tuple[Profile, list[analysis.Row]]:
        from diagnostics.assessment import validate_answers
        from diagnostics.session import read_profile_or_session

        kb = self.services.kb
        other, _ = read_profile_or_session(path)
        validate_answers(other, kb, str(path))  # a clear error names the file
        result = analysis.compare_profiles(self.services.assessor, [(self.profile.country, self.profile),
                                                                    (other.country, other)], all_rules=True)
        return other, [r for r in result.rows if r.layer in REPORTED_LAYERS and not kb.rules[r.rule].background]

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "tool":
            return
        summary = self.query_one("#compare-summary", Static)
        if event.state == WorkerState.ERROR:
            err = event.worker.error
            text = str(err).splitlines()[0] if isinstance(err, DiagnosticsError) else repr(err)
            summary.update(Text(text, style="red"))
        elif event.state == WorkerState.SUCCESS:
            other, rows = cast(tuple[Profile, list[analysis.Row]], event.worker.result)
            self.show(other, rows)

    def show(self, other: Profile, rows: list[analysis.Row]) -> None:
        self.other, self.rows = other, rows
        table = self.query_one("#compare-table", DataTable)
        table.clear(columns=True)
        cells = [[short_status(c.status, c.confidence) for c in r.cells[:2]] for r in rows]
        status_width = max([16, *(c.cell_len for pair in cells for c in pair)])  # a status is never cut
        title_width = max(20, self.size.width - 2 * status_width - 8)
        table.add_column(_("Finding"), width=title_width)
        table.add_column(self.profile.country, width=status_width)
        table.add_column(other.country, width=status_width)
        for r, (mine, theirs) in zip(rows, cells, strict=True):
            title = Text(("≠ " if r.differs else "  ") + r.title, style="bold" if r.differs else "",
                         overflow="ellipsis", no_wrap=True)
            title.truncate(title_width, overflow="ellipsis")
            table.add_row(title, mine, theirs, key=r.rule)
        differ = sum(r.differs for r in rows)
        answers = len(self.profile.changed_answers(other))
        self.query_one("#compare-summary", Static).update(
            ngettext("{differ} of {n} finding differs", "{differ} of {n} findings differ", len(rows)).format(
                differ=differ, n=len(rows)) + "; "
            + ngettext("{n} answer differs.", "{n} answers differ.", answers).format(n=answers) + " "
            + _("Highlight a row to see the answers behind it."))
        table.focus()

    @on(DataTable.RowHighlighted, "#compare-table")
    def _drivers(self, event: DataTable.RowHighlighted) -> None:
        row = next((r for r in self.rows if r.rule == event.row_key.value), None)
        box = self.query_one("#compare-drivers", Static)
        if row is None or not row.drivers or self.other is None:
            box.update("")
            return
        kb = self.services.kb
        lines = [_("Answers behind the difference ({mine} / {theirs}):").format(
            mine=self.profile.country, theirs=self.other.country)]
        for d in row.drivers[:6]:
            q = kb.indicators[d.indicator].question if d.indicator in kb.indicators else d.indicator
            mine, theirs = (answer_text(kb, d.indicator, p.answers.get(d.indicator))
                            for p in (self.profile, self.other))
            lines.append(f"• {q}: {mine} / {theirs}")
        box.update("\n".join(lines))

    def action_close(self) -> None:
        self.dismiss(None)
