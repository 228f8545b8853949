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
from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from diagnostics.errors import DiagnosticsError
from diagnostics.i18n import LANGUAGES, _, current_language, set_language
from diagnostics.profile import Profile
from diagnostics.session import AssessmentSession
from diagnostics.translated_knowledge import localize_registry
from diagnostics.user_data import RecentList, data_dir

from .actions import APP_ACTS, HELP_SECTIONS, bindings, help_rows, translate_bindings
from .commands import DiagnosticsCommands, QuestionSearch
from .services import Services

if TYPE_CHECKING:
    from diagnostics.registry import Registry

    from .screens.start import StartScreen


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
                 resume: bool = False, blank: bool = False, engine: str = "durable", lang: str | None = None) -> None:
        super().__init__()
        if lang is not None:
            set_language(lang)
        self.title = _("Policy diagnostics")
        translate_bindings(self)
        self.english_registry: Registry | None = registry  # as loaded; `registry` has the chosen language
        self.registry: Registry | None = registry
        self.loader = loader or default_loader
        self.data = data if data is not None else data_dir()
        self.recent = RecentList.load(self.data)
        self.engine = engine
        self.services: Services | None = None  # built once the knowledge base is loaded
        self._start_args = (open_path, country, resume, blank)
        self.session: AssessmentSession | None = None
        self._start: StartScreen | None = None

    # -- registry ---------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        # Seen only while the knowledge base loads for `diagnose tui KZ` (or a file): the
        # start screen is then built only if the user goes back to it, which keeps the way
        # to the first findings short.
        yield Static(_("Still loading the knowledge base…"), id="app-loading")

    def on_mount(self) -> None:
        open_path, country, resume, _blank = self._start_args
        if open_path is None and country is None and not resume:
            self.show_start()
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
            self.english_registry = self.registry = event.worker.result
            self._registry_ready()
        elif event.state == WorkerState.ERROR:
            self.notify(_("Could not load the knowledge base: {error}").format(error=event.worker.error),
                        severity="error", timeout=30)
            self.show_start()

    def _registry_ready(self) -> None:
        assert self.english_registry is not None
        self.registry, catalog = localize_registry(self.english_registry, current_language())
        for problem in catalog.problems:
            self.notify(_("Translation left out: {problem}").format(problem=problem), severity="warning")
        self.services = Services(self.registry, self.data, self.engine)
        for report in self.registry.problems():
            self.notify(_("Plugin {name} left out: {error}").format(name=report.name, error=report.error),
                        severity="warning", timeout=8)
        start = self.start_screen()
        if start is not None:
            start.registry_ready(self.registry)
        open_path, country, resume, blank = self._start_args
        self._start_args = (None, None, False, False)
        opened = False
        if open_path is not None:
            opened = self.open_file(open_path)
        elif resume:
            latest = self.recent.latest()
            if latest is None:
                self.notify(_("No recent assessment to resume."), severity="warning")
            else:
                opened = self.open_file(latest)
        elif country:
            opened = self.new_assessment(country, prefill=not blank)
        if not opened:
            self.show_start()

    def start_screen(self) -> StartScreen | None:
        """The start screen if it is in the stack (it is built only when first needed)."""
        return self._start if self._start is not None and self._start in self.screen_stack else None

    def show_start(self) -> None:
        """Put the start screen on top, unless it is already in the stack."""
        from .screens.start import StartScreen

        if self.start_screen() is not None:
            return
        self._start = StartScreen(self.recent, self.data)
        self._start.registry = self.registry
        self.push_screen(self._start)

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
                    self.notify(_("No profile for {code}: start blank instead.").format(code=code), severity="warning")
                    return False
                from diagnostics.session import read_profile_or_session

                profile, _doc = read_profile_or_session(known.path)
                started = code
            else:
                fam = family or (known.family if known else self._family_of(code))
                profile = Profile(country=code, name=known.name if known else "", family=fam)
                started = "blank"
            # The knowledge base of this country: plugins scoped to it add their questions.
            session = AssessmentSession.create(self.registry.kb_for(code), profile, self.data,
                                               started_from=started, lock=True)
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
            profile, doc = read_profile_or_session(path)
            kb = self.registry.kb_for(profile.country)
            if doc is None:
                session = AssessmentSession.import_file(kb, path, self.data, lock=True)
                self.notify(_("Imported {file} as {session}").format(file=path.name, session=session.path.name))
            else:
                session = AssessmentSession.open(kb, path, lock=True)
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
        services = self.services.for_country(session.profile.country)
        self.push_screen(WorkspaceScreen(services, session, new=new), self._workspace_closed)

    def _workspace_closed(self, _result: object) -> None:
        self.close_session()
        self.show_start()

    def touch_recent(self) -> None:
        if self.session is None:
            return
        try:
            self.recent.touch(self.session)
        except (OSError, DiagnosticsError) as exc:  # the recent list is a convenience; never block on it
            reason = exc.strerror if isinstance(exc, OSError) else str(exc)
            self.notify(_("Could not update the recent list: {error}").format(error=reason), severity="warning")

    def close_session(self) -> None:
        self.touch_recent()
        if self.session is not None:
            self.session.close()
        self.session = None

    def on_unmount(self) -> None:
        if self.session is not None:  # however the app ends, let other windows open the file
            self.session.close()

    def push_screen(self, screen: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(screen, Screen):
            translate_bindings(screen)  # footer labels in the current language
        return super().push_screen(screen, *args, **kwargs)

    def action_switch_language(self) -> None:
        """Switch to the next language; the open assessment (saved on every answer) is reopened."""
        from .screens.workspace import WorkspaceScreen

        if self.english_registry is None:
            return
        reopen = self.session.path if self.session is not None else None
        for screen in self.screen_stack:
            if isinstance(screen, WorkspaceScreen):
                screen.flush()
        if self.session is not None:
            self.session.close()  # release its lock: it is reopened below
        codes = list(LANGUAGES)
        set_language(codes[(codes.index(current_language()) + 1) % len(codes)])
        self.title = _("Policy diagnostics")
        self._bindings = self._merged_bindings.copy() if self._merged_bindings else self._bindings
        translate_bindings(self)
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self._start_args = (reopen, None, False, False)
        if reopen is None:
            self.show_start()
        self._registry_ready()
        self.notify(_("Language: {language}").format(language=LANGUAGES[current_language()]))

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
