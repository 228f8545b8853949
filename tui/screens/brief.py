"""The policy brief as Markdown, with export to files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import cast

from textual import work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header, LoadingIndicator, MarkdownViewer
from textual.worker import Worker, WorkerState

from diagnostics.assessment import Assessment
from diagnostics.errors import DiagnosticsError
from diagnostics.i18n import _, country_name
from diagnostics.profile import Profile
from diagnostics.safeio import atomic_write

from ..actions import BRIEF_ACTS, bindings
from ..explain import fallback_brief
from ..services import Services


@dataclass(frozen=True)
class Brief:
    text: str
    full: bool  # False: a plain preview, because the report package could not render
    note: str = ""


def render_brief(services: Services, assessment: Assessment, profile: Profile, fmt: str = "md") -> Brief:
    """The brief from diagnostics.reports (imported here: jinja2 is only needed for briefs)."""
    from diagnostics.reports.builder import build_context
    from diagnostics.reports.render import render_brief as render

    try:
        context = build_context(assessment, services.kb, profile, services.registry)
        return Brief(render(context, fmt), True)
    except DiagnosticsError as exc:
        return Brief("", False, str(exc).splitlines()[0])


class BriefScreen(Screen[None]):
    ACTS = BRIEF_ACTS
    BINDINGS = bindings(BRIEF_ACTS)

    def __init__(self, services: Services, assessment: Assessment, profile: Profile, session_path: Path) -> None:
        super().__init__()
        self.services, self.assessment, self.profile = services, assessment, profile
        self.session_path = session_path
        self.markdown = ""
        self.full = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield LoadingIndicator(id="brief-loading")
        yield MarkdownViewer("", id="brief", show_table_of_contents=False)
        yield Footer()

    def on_mount(self) -> None:
        self.title = country_name(self.assessment.country, self.assessment.name)
        self.sub_title = _("brief preview")
        self.render_brief()

    @work(thread=True, exclusive=True, group="tool", exit_on_error=False)
    def render_brief(self) -> Brief:
        # The brief is assessed again with the command line's engine (durable-rules by
        # default), so it matches `diagnose brief`; the live panel's result is the fallback.
        note = ""
        try:
            self.assessment = self.services.brief_assessor.assess(self.profile)
        except Exception as exc:  # noqa: BLE001 - any engine failure falls back, and says so
            note = _("the {engine} engine failed ({error}); the brief uses the live assessment").format(
                engine=self.services.engine, error=str(exc).splitlines()[0])
        brief = render_brief(self.services, self.assessment, self.profile, "md")
        if brief.full:
            return Brief(brief.text, True, note)
        preview = fallback_brief(self.services.kb, self.assessment, self.profile)
        return Brief(preview, False, "; ".join(n for n in (note, brief.note) if n))

    @work(thread=True, exclusive=True, group="export", exit_on_error=False)
    def write_files(self) -> list[Path]:
        stem = self.session_path.name.removesuffix(".assessment.yaml")
        folder = self.services.exports
        out = folder / f"{stem}-brief.md"
        atomic_write(out, self.markdown)
        written = [out]
        html = render_brief(self.services, self.assessment, self.profile, "html") if self.full else None
        if html is not None and html.full:
            atomic_write(folder / f"{stem}-brief.html", html.text)
            written.append(folder / f"{stem}-brief.html")
        return written

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.query_one("#brief-loading").display = False
            self.notify(_("Brief failed: {error}").format(error=event.worker.error), severity="error", timeout=15)
        elif event.state == WorkerState.SUCCESS and event.worker.group == "tool":
            brief = cast(Brief, event.worker.result)
            self.markdown, self.full = brief.text, brief.full
            self.query_one("#brief-loading").display = False
            self.query_one("#brief", MarkdownViewer).document.update(self.markdown)
            if brief.note:
                prefix = "" if brief.full else _("Showing a plain preview: ")
                self.notify(prefix + brief.note, severity="warning", timeout=10)
        elif event.state == WorkerState.SUCCESS and event.worker.group == "export":
            files = cast(list[Path], event.worker.result)
            self.notify(_("Wrote {files}").format(files=", ".join(str(p) for p in files)), timeout=10)

    def action_export(self) -> None:
        if not self.markdown:
            self.notify(_("The brief is still being prepared."))
            return
        self.write_files()

    def action_close(self) -> None:
        self.dismiss(None)
