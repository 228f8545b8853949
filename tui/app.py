"""`diagnose tui`: a guided assessment for ministry analysts.

Start screen (new, open, recent) -> assessment workspace (navigator, question, live
findings) -> explanations, what-if, compare, sensitivity, brief. Every recorded answer is
saved at once by :class:`diagnostics.session.AssessmentSession`; assessments run in worker
threads so typing never waits on the engine.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App
from textual.worker import Worker, WorkerState

from diagnostics.errors import DiagnosticsError
from diagnostics.profile import Profile
from diagnostics.session import AssessmentSession, RecentList, data_dir

from .actions import APP_ACTS, HELP_SECTIONS, bindings, help_rows
from .commands import DiagnosticsCommands, QuestionSearch
from .screens.start import StartScreen
from .services import Services

if TYPE_CHECKING:
    from diagnostics.registry import Registry


def default_loader() -> Registry:
    from diagnostics.registry import load_registry

    return load_registry()


class DiagnosticsApp(App[None]):
    """The guided-assessment app. Pass `registry` (tests) or a `loader` run in a worker."""

    TITLE = "Policy diagnostics"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {DiagnosticsCommands, QuestionSearch}
    BINDINGS = bindings(APP_ACTS)
    ENABLE_COMMAND_PALETTE = True

    def __init__(self, *, registry: Registry | None = None, loader: Callable[[], Registry] | None = None,
                 data: Path | None = None, open_path: Path | None = None, country: str | None = None,
                 resume: bool = False, blank: bool = False, engine: str = "durable") -> None:
        super().__init__()
        self.registry: Registry | None = registry
        self.loader = loader or default_loader
        self.data = data if data is not None else data_dir()
        self.recent = RecentList.load(self.data)
        self.engine = engine
        self.services: Services | None = None  # built once the knowledge base is loaded
        self._start_args = (open_path, country, resume, blank)
        self.session: AssessmentSession | None = None

    # -- registry ---------------------------------------------------------------------
    def on_mount(self) -> None:
        self.push_screen(StartScreen(self.recent, self.data))
        if self.registry is None:
            self.load_registry()
        else:
            self.call_after_refresh(self._registry_ready)

    @work(thread=True, exclusive=True, group="registry", exit_on_error=False)
    def load_registry(self) -> Registry:
        return self.loader()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "registry":
            return
        if event.state == WorkerState.SUCCESS:
            self.registry = event.worker.result
            self._registry_ready()
        elif event.state == WorkerState.ERROR:
            self.notify(f"Could not load the knowledge base: {event.worker.error}",
                        severity="error", timeout=30)

    def _registry_ready(self) -> None:
        assert self.registry is not None
        self.services = Services(self.registry, self.data, self.engine)
        for report in self.registry.problems():
            self.notify(f"Plugin {report.name} left out: {report.error}", severity="warning", timeout=8)
        for screen in self.screen_stack:
            if isinstance(screen, StartScreen):
                screen.registry_ready(self.registry)
        open_path, country, resume, blank = self._start_args
        self._start_args = (None, None, False, False)
        if open_path is not None:
            self.open_file(open_path)
        elif resume:
            latest = self.recent.latest()
            if latest is None:
                self.notify("No recent assessment to resume.", severity="warning")
            else:
                self.open_file(latest)
        elif country:
            self.new_assessment(country, prefill=not blank)

    # -- sessions ---------------------------------------------------------------------
    def on_start_screen_new_assessment(self, message: StartScreen.NewAssessment) -> None:
        self.new_assessment(message.country, prefill=message.prefill, family=message.family)

    def on_start_screen_open_file(self, message: StartScreen.OpenFile) -> None:
        self.open_file(message.path)

    def new_assessment(self, country: str, *, prefill: bool, family: str = "") -> bool:
        """Start a session for `country`, pre-filled from its profile or blank."""
        assert self.registry is not None
        code = country.strip().upper()
        try:
            known = self.registry.profiles.get(code)
            if prefill:
                if known is None:
                    self.notify(f"No profile for {code}: start blank instead.", severity="warning")
                    return False
                from diagnostics.session import read_profile_or_session

                profile, _ = read_profile_or_session(known.path)
                started = code
            else:
                fam = family or (known.family if known else self._family_of(code))
                profile = Profile(country=code, name=known.name if known else "", family=fam)
                started = "blank"
            session = AssessmentSession.create(self.registry.kb, profile, self.data, started_from=started,
                                               lock=True)
        except (DiagnosticsError, ValueError, OSError) as exc:
            self.notify(_one_line(exc), severity="error", timeout=10)
            return False
        self.show_session(session, new=True)
        return True

    def _family_of(self, code: str) -> str:
        assert self.registry is not None
        for fam in self.registry.families.values():
            if code in fam.countries:
                return fam.id
        return ""

    def open_file(self, path: Path) -> bool:
        """Open an assessment file where it lies, or import a plain profile as a new session."""
        assert self.registry is not None
        from diagnostics.session import read_profile_or_session

        try:
            _, doc = read_profile_or_session(path)
            if doc is None:
                session = AssessmentSession.import_file(self.registry.kb, path, self.data, lock=True)
                self.notify(f"Imported {path.name} as {session.path.name}")
            else:
                session = AssessmentSession.open(self.registry.kb, path, lock=True)
        except (DiagnosticsError, OSError) as exc:
            self.notify(_one_line(exc), severity="error", timeout=10)
            return False
        for note in session.notes:
            self.notify(note, severity="warning", timeout=10)
        self.show_session(session, new=doc is None)
        return True

    def show_session(self, session: AssessmentSession, *, new: bool = False) -> None:
        from .screens.workspace import WorkspaceScreen

        assert self.services is not None
        self.session = session
        self.touch_recent()
        self.push_screen(WorkspaceScreen(self.services, session, new=new), lambda _: self.close_session())

    def touch_recent(self) -> None:
        if self.session is None:
            return
        try:
            self.recent.touch(self.session)
        except OSError as exc:  # the recent list is a convenience; never block on it
            self.notify(f"Could not update the recent list: {exc.strerror}", severity="warning")

    def close_session(self) -> None:
        self.touch_recent()
        if self.session is not None:
            self.session.close()
        self.session = None

    def on_unmount(self) -> None:
        if self.session is not None:  # however the app ends, let other windows open the file
            self.session.close()

    # -- app actions ------------------------------------------------------------------
    def action_help(self) -> None:
        from .explain import help_markdown
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(help_markdown([(t, help_rows(a)) for t, a in HELP_SECTIONS])))

    async def action_quit(self) -> None:
        from .screens.workspace import WorkspaceScreen

        for screen in self.screen_stack:
            if isinstance(screen, WorkspaceScreen):
                screen.flush()
        self.close_session()
        self.exit()


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def run(**kw: Any) -> None:
    DiagnosticsApp(**kw).run()
