"""Secondary screens: a finding's explanation, sensitivity, compare, what-if diff, brief,
export, help and a yes/no confirmation. Slow work (assessing another country, trying
alternative answers, rendering a brief) runs in thread workers.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import (
    Button,
    DataTable,
    Footer,
    Header,
    Label,
    LoadingIndicator,
    Markdown,
    MarkdownViewer,
    OptionList,
    Select,
    Static,
)
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from diagnostics.assessment import Assessment
from diagnostics.errors import DiagnosticsError
from diagnostics.evaluator import Status
from diagnostics.kb import KnowledgeBase
from diagnostics.profile import Answer, Profile
from diagnostics.session import AssessmentSession
from diagnostics.yamlio import atomic_write

from . import bridge
from .actions import BRIEF_ACTS, DIFF_ACTS, FINDING_ACTS, MODAL_ACTS, bindings
from .explain import STATUS_GLYPH, STATUS_LABEL, STATUS_STYLE, answer_text, fallback_brief, finding_markdown
from .widgets import Field

if TYPE_CHECKING:
    from diagnostics.registry import Registry

    from .app import DiagnosticsApp


STATUS_SHORT = {Status.FIRED: "fired", Status.NOT_FIRED: "not fired", Status.NOT_ASSESSABLE: "open",
                Status.NOT_APPLICABLE: "n/a"}


def _short_status(status: Status, confidence: str | None = None) -> Text:
    conf = {"high": " · high", "medium": " · med", "low": " · low"}.get(confidence or "", "")
    return Text(f"{STATUS_GLYPH[status]} {STATUS_SHORT[status]}{conf}", style=STATUS_STYLE[status])


def _status_text(status: Status | None, confidence: str | None = None) -> Text:
    if status is None:
        return Text("—", style="dim")
    conf = f" ({confidence})" if confidence else ""
    return Text(STATUS_LABEL[status] + conf, style=STATUS_STYLE[status])


class FindingScreen(Screen[str | None]):
    """One finding explained; dismisses with an indicator id to answer, or None."""

    ACTS = FINDING_ACTS
    BINDINGS = bindings(FINDING_ACTS)

    def __init__(self, kb: KnowledgeBase, assessment: Assessment, profile: Profile, rule: str) -> None:
        super().__init__()
        self.kb, self.assessment, self.profile, self.rule = kb, assessment, profile, rule
        self.text = finding_markdown(kb, assessment, profile, rule)

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="finding-scroll"):
            yield Markdown(self.text, id="finding-text")
        yield Footer()

    def on_mount(self) -> None:
        self.title = self.assessment.name
        self.sub_title = self.assessment.finding(self.rule).title
        self.query_one("#finding-scroll").focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_sensitivity(self) -> None:
        status = self.assessment.finding(self.rule).status
        self.app.push_screen(SensitivityScreen(self.kb, self.profile, self.rule, status))

    def action_ask(self) -> None:
        f = self.assessment.finding(self.rule)
        undecided = self.assessment.coverage.per_diagnosis.get(self.rule) or f.missing
        target = next((i for i in undecided if i not in self.profile.answers), None)
        if target is None:
            self.notify("Nothing left to answer for this finding.")
            return
        self.dismiss(target)


class SensitivityScreen(ModalScreen[None]):
    """Single answer changes that would change one finding's status."""

    ACTS = MODAL_ACTS
    BINDINGS = bindings(MODAL_ACTS)

    def __init__(self, kb: KnowledgeBase, profile: Profile, rule: str, status: Status) -> None:
        super().__init__()
        self.kb, self.profile, self.rule, self.status = kb, profile, rule, status
        self.rows: list[bridge.SensRow] = []

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
    def compute(self) -> list[bridge.SensRow]:
        app = cast("DiagnosticsApp", self.app)
        return bridge.sensitivity(app.assessor, self.profile, self.rule)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "tool":
            return
        if event.state == WorkerState.ERROR:
            self.query_one("#sens-loading").display = False
            self.query_one("#sens-summary", Static).update(f"Failed: {event.worker.error}")
        elif event.state == WorkerState.SUCCESS:
            self.show(cast(list[bridge.SensRow], event.worker.result))

    def show(self, rows: list[bridge.SensRow]) -> None:
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
            text.append_text(_status_text(row.status))
            olist.add_option(Option(text))
        inds = {c[0] for r in rows for c in r.changes}
        self.query_one("#sens-summary", Static).update(
            f"Now {STATUS_LABEL[self.status]}. {len(rows)} change{'s' if len(rows) != 1 else ''} "
            f"to {len(inds)} answer{'s' if len(inds) != 1 else ''} would alter that."
            if rows else f"Now {STATUS_LABEL[self.status]}. No single answer change alters it.")
        olist.focus()

    def action_close(self) -> None:
        self.dismiss(None)


class DiffScreen(ModalScreen[bool]):
    """What the what-if answers change against the saved ones; dismisses True to keep them."""

    ACTS = DIFF_ACTS
    BINDINGS = bindings(DIFF_ACTS)

    def __init__(self, kb: KnowledgeBase, saved: Profile, scenario: dict[str, Answer | None],
                 order: list[str]) -> None:
        super().__init__()
        self.kb, self.saved, self.scenario = kb, saved, dict(scenario)
        self.changes = bridge.answer_changes(saved, saved.with_answers(self.scenario), order)
        self.statuses: list[bridge.StatusChange] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide") as box:
            box.border_title = "What-if: differences from the saved answers"
            yield Label(f"Changed answers ({len(self.changes)})", classes="section")
            yield OptionList(id="diff-answers", compact=True)
            yield Label("Findings that change", id="diff-findings-label", classes="section")
            yield OptionList(id="diff-findings", compact=True)
            with Horizontal(classes="buttons"):
                yield Button("Keep as real answers (k)", id="keep", compact=True, variant="warning")
                yield Button("Back (Esc)", id="back", compact=True)

    def on_mount(self) -> None:
        answers = self.query_one("#diff-answers", OptionList)
        for c in self.changes:
            q = self.kb.indicators[c.indicator].question if c.indicator in self.kb.indicators else c.indicator
            answers.add_option(Option(Text.assemble(
                q, ("\n   saved ", "dim"), answer_text(self.kb, c.indicator, c.before),
                (" → what-if ", "dim"), (answer_text(self.kb, c.indicator, c.after), "bold"))))
        self.compute()

    @work(thread=True, exclusive=True, group="tool", exit_on_error=False)
    def compute(self) -> list[bridge.StatusChange]:
        app = cast("DiagnosticsApp", self.app)
        return bridge.what_if(app.assessor, self.saved, self.scenario)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "tool":
            return
        if event.state == WorkerState.ERROR:
            self.notify(f"What-if failed: {event.worker.error}", severity="error")
        elif event.state == WorkerState.SUCCESS:
            self.statuses = cast(list[bridge.StatusChange], event.worker.result)
            olist = self.query_one("#diff-findings", OptionList)
            for st in self.statuses:
                olist.add_option(Option(Text.assemble(
                    (st.title, "bold" if st.layer == "diagnosis" else ""), (f" ({st.layer})", "dim"),
                    ("\n   saved ", "dim"), _status_text(st.before, st.before_confidence),
                    (" → what-if ", "dim"), _status_text(st.after, st.after_confidence))))
            if not self.statuses:
                olist.add_option(Option(Text("No finding changes.", style="dim")))
            self.query_one("#diff-findings-label", Label).update(
                f"Findings that change ({len(self.statuses)})")

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


class CompareScreen(Screen[None]):
    """This assessment next to another country's (a shipped profile or a file)."""

    ACTS = MODAL_ACTS
    BINDINGS = bindings(MODAL_ACTS)

    def __init__(self, registry: Registry, profile: Profile) -> None:
        super().__init__()
        self.registry, self.profile = registry, profile
        self.rows: list[bridge.CompareRow] = []
        self.other: Profile | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="compare"):
            with Horizontal(classes="field-row"):
                options = [(f"{p.name} ({c})", c) for c, p in sorted(self.registry.profiles.items())]
                yield Select[str](options, prompt="another country…", id="other", compact=True)
                yield Field(placeholder="…or a profile/assessment file", id="other-path", compact=True)
            yield Static("Choose a country, or type a file path and press Enter.", id="compare-summary")
            yield DataTable(id="compare-table", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="compare-drivers-box"):
                yield Static("", id="compare-drivers")
        yield Footer()

    def on_mount(self) -> None:
        self.title = self.profile.name or self.profile.country
        self.sub_title = "compare with another country"
        self.query_one("#compare-table", DataTable).add_columns("Finding", self.profile.country, "other")

    @on(Select.Changed, "#other")
    def _country(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.run_compare(self.registry.profiles[event.value].path)

    @on(Field.Submitted, "#other-path")
    def _path(self, event: Field.Submitted) -> None:
        if event.value.strip():
            self.run_compare(Path(event.value.strip()).expanduser())

    def run_compare(self, path: Path) -> None:
        self.query_one("#compare-summary", Static).update(f"Assessing {path.name}…")
        self.compare(path)

    @work(thread=True, exclusive=True, group="tool", exit_on_error=False)
    def compare(self, path: Path) -> tuple[Profile, list[bridge.CompareRow]]:
        from diagnostics.assessment import validate_answers
        from diagnostics.session import read_profile_or_session

        app = cast("DiagnosticsApp", self.app)
        other, _ = read_profile_or_session(path)
        validate_answers(other, self.registry.kb, str(path))  # a clear error names the file
        return other, bridge.compare(app.assessor, self.profile, other)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "tool":
            return
        summary = self.query_one("#compare-summary", Static)
        if event.state == WorkerState.ERROR:
            err = event.worker.error
            text = str(err).splitlines()[0] if isinstance(err, DiagnosticsError) else repr(err)
            summary.update(Text(text, style="red"))
        elif event.state == WorkerState.SUCCESS:
            other, rows = cast(tuple[Profile, list[bridge.CompareRow]], event.worker.result)
            self.show(other, rows)

    def show(self, other: Profile, rows: list[bridge.CompareRow]) -> None:
        self.other, self.rows = other, rows
        table = self.query_one("#compare-table", DataTable)
        table.clear(columns=True)
        status_width = 16
        title_width = max(20, self.size.width - 2 * status_width - 8)
        table.add_column("Finding", width=title_width)
        table.add_column(self.profile.country, width=status_width)
        table.add_column(other.country, width=status_width)
        for r in rows:
            title = Text(("≠ " if r.differs else "  ") + r.title, style="bold" if r.differs else "",
                         overflow="ellipsis", no_wrap=True)
            title.truncate(title_width, overflow="ellipsis")
            table.add_row(title, _short_status(*r.mine), _short_status(*r.theirs), key=r.rule)
        differ = sum(r.differs for r in rows)
        answers = len(bridge.answer_changes(self.profile, other))
        self.query_one("#compare-summary", Static).update(
            f"{differ} of {len(rows)} findings differ; {answers} answers differ. "
            "Highlight a row to see the answers behind it.")
        table.focus()

    @on(DataTable.RowHighlighted, "#compare-table")
    def _drivers(self, event: DataTable.RowHighlighted) -> None:
        row = next((r for r in self.rows if r.rule == event.row_key.value), None)
        box = self.query_one("#compare-drivers", Static)
        if row is None or not row.drivers or self.other is None:
            box.update("")
            return
        lines = [f"Answers behind the difference ({self.profile.country} / {self.other.country}):"]
        for ind, mine, theirs in row.drivers[:6]:
            q = self.registry.kb.indicators[ind].question if ind in self.registry.kb.indicators else ind
            lines.append(f"• {q}: {mine} / {theirs}")
        box.update("\n".join(lines))

    def action_close(self) -> None:
        self.dismiss(None)


class BriefScreen(Screen[None]):
    """The policy brief as Markdown, with export to files."""

    ACTS = BRIEF_ACTS
    BINDINGS = bindings(BRIEF_ACTS)

    def __init__(self, registry: Registry, assessment: Assessment, profile: Profile, data: Path,
                 session_path: Path) -> None:
        super().__init__()
        self.registry, self.assessment, self.profile = registry, assessment, profile
        self.data, self.session_path = data, session_path
        self.markdown = ""
        self.full = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield LoadingIndicator(id="brief-loading")
        yield MarkdownViewer("", id="brief", show_table_of_contents=False)
        yield Footer()

    def on_mount(self) -> None:
        self.title = self.assessment.name
        self.sub_title = "brief preview"
        self.render_brief()

    @work(thread=True, exclusive=True, group="tool", exit_on_error=False)
    def render_brief(self) -> bridge.Brief:
        # The brief is assessed again with the command line's engine (durable-rules by
        # default), so it matches `diagnose brief`; the live panel's result is the fallback.
        app = cast("DiagnosticsApp", self.app)
        note = ""
        try:
            self.assessment = app.brief_assessor().assess(self.profile)
        except Exception as exc:  # noqa: BLE001 - any engine failure falls back, and says so
            note = f"{app.engine} engine failed ({str(exc).splitlines()[0]}); brief uses the live assessment"
        brief = bridge.render_brief(self.registry, self.assessment, self.profile, "md")
        if brief is not None and brief.full:
            return bridge.Brief(brief.text, True, note)
        preview = fallback_brief(self.registry.kb, self.assessment, self.profile)
        return bridge.Brief(preview, False, "; ".join(n for n in (note, brief.note if brief else "") if n))

    @work(thread=True, exclusive=True, group="export", exit_on_error=False)
    def write_files(self) -> list[Path]:
        stem = self.session_path.name.removesuffix(".assessment.yaml")
        folder = self.data / "exports"
        out = folder / f"{stem}-brief.md"
        atomic_write(out, self.markdown)
        written = [out]
        html = bridge.render_brief(self.registry, self.assessment, self.profile, "html") if self.full else None
        if html is not None and html.full:
            atomic_write(folder / f"{stem}-brief.html", html.text)
            written.append(folder / f"{stem}-brief.html")
        return written

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.query_one("#brief-loading").display = False
            self.notify(f"Brief failed: {event.worker.error}", severity="error", timeout=15)
        elif event.state == WorkerState.SUCCESS and event.worker.group == "tool":
            brief = cast(bridge.Brief, event.worker.result)
            self.markdown, self.full = brief.text, brief.full
            self.query_one("#brief-loading").display = False
            self.query_one("#brief", MarkdownViewer).document.update(self.markdown)
            if brief.note:
                prefix = "" if brief.full else "Showing a plain preview: "
                self.notify(prefix + brief.note, severity="warning", timeout=10)
        elif event.state == WorkerState.SUCCESS and event.worker.group == "export":
            files = cast(list[Path], event.worker.result)
            self.notify("Wrote " + ", ".join(str(p) for p in files), timeout=10)

    def action_export(self) -> None:
        if not self.markdown:
            self.notify("The brief is still being prepared.")
            return
        self.write_files()

    def action_close(self) -> None:
        self.dismiss(None)


class ExportScreen(ModalScreen[Path | None]):
    """Export the answers as a plain profile file (YAML, or JSON by extension)."""

    ACTS = MODAL_ACTS
    BINDINGS = bindings(MODAL_ACTS)

    def __init__(self, session: AssessmentSession, default: Path) -> None:
        super().__init__()
        self.session, self.default = session, default

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = "Export answers as a profile"
            yield Label("File (.yaml or .json); `diagnose assess FILE` reads it")
            yield Field(str(self.default), id="export-path", compact=True)
            yield Static("", id="export-error")
            with Horizontal(classes="buttons"):
                yield Button("Export", id="export", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#export-path", Field).focus()

    @on(Button.Pressed, "#export")
    @on(Field.Submitted, "#export-path")
    def _export(self) -> None:
        text = self.query_one("#export-path", Field).value.strip()
        path = Path(text).expanduser()
        error = self.query_one("#export-error", Static)
        if not text or path.suffix.lower() not in (".yaml", ".yml", ".json"):
            error.update(Text("the file name must end in .yaml, .yml or .json", style="red"))
            return
        if path.resolve() == self.session.path.resolve():
            error.update(Text("that is the autosave file itself; choose another name", style="red"))
            return
        try:
            self.session.export_profile(path)
        except OSError as exc:
            error.update(Text(f"cannot write there: {exc.strerror}", style="red"))
            return
        self.dismiss(path)

    @on(Button.Pressed, "#cancel")
    def action_close(self) -> None:
        self.dismiss(None)


class HelpScreen(ModalScreen[None]):
    ACTS = MODAL_ACTS
    BINDINGS = [*bindings(MODAL_ACTS), Binding("q", "close", "Back", show=False)]

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog wide", id="help") as box:
            box.border_title = "Help (Esc closes)"
            yield Markdown(self.text)

    def on_mount(self) -> None:
        self.query_one("#help").focus()

    def action_close(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS = [("y", "answer(True)", "Yes"), ("n,escape", "answer(False)", "No")]

    def __init__(self, question: str, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.question, self.yes, self.no = question, yes, no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question)
            with Horizontal(classes="buttons"):
                yield Button(f"{self.yes} (y)", id="yes", variant="warning", compact=True)
                yield Button(f"{self.no} (n)", id="no", compact=True)

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

