"""The assessment workspace: navigator, question pane and live findings, plus what-if mode."""

from __future__ import annotations

import time

from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Checkbox, Collapsible, Footer, Header, Input, Static
from textual.worker import Worker, WorkerState, get_current_worker

from diagnostics import planner
from diagnostics.assessment import Assessment, AssessmentState
from diagnostics.errors import DiagnosticsError
from diagnostics.i18n import _, country_name, ngettext
from diagnostics.profile import Answer, AnswerError, Profile
from diagnostics.profileio import Draft
from diagnostics.questions import question_groups
from diagnostics.session import AssessmentSession

from ..actions import WORKSPACE_ACTS, bindings
from ..explain import why_asked_markdown
from ..services import Services
from ..widgets.findings import FindingsPanel
from ..widgets.navigator import Navigator
from ..widgets.question import QuestionPane


class WorkspaceScreen(Screen[None]):
    """Dismissed when the assessment is closed; the app then updates the recent list."""
    ACTS = WORKSPACE_ACTS
    BINDINGS = bindings(WORKSPACE_ACTS)
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]

    def __init__(self, services: Services, session: AssessmentSession, *, new: bool = False) -> None:
        super().__init__()
        self.new = new  # a fresh assessment has no topic in hand yet
        self.services = services
        self.session = session
        self.kb = services.kb
        self.scenario: dict[str, Answer | None] | None = None  # what-if answers, never saved
        self.assessment: Assessment | None = None
        self.base_assessment: Assessment | None = None  # the saved answers' assessment in what-if
        self._live_state: AssessmentState | None = None  # the last assessed answers, for incremental updates
        self.plan = planner.Plan([])
        self._land_on_plan = True  # a new or reopened assessment opens on the suggested question
        self._version = 0
        self._last_assess_seconds = 0.0  # decides inline or worker (see INLINE_BUDGET)
        self._where = {q: (g.title, t.topic) for g in question_groups(self.kb) for t in g.topics
                       for q in t.questions}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="banner")
        with Horizontal(id="panes"):
            yield Navigator(self.kb, id="nav")
            yield QuestionPane(self.kb, self.commit, self.keep_draft, id="question")
            yield FindingsPanel(self.kb, id="findings")
        yield Footer()

    def on_mount(self) -> None:
        profile = self.session.profile
        self.title = (f"{country_name(profile.country, profile.name)} ({profile.country})" if profile.name
                      else self.session.title())
        self._update_subtitle()
        self.nav.refresh_marks(self.state)
        if self.session.current:
            self.goto(self.session.current, save=False, focus=True)  # land in the answer field
        self.reassess()

    # -- parts ---------------------------------------------------------------------------
    @property
    def nav(self) -> Navigator:
        return self.query_one(Navigator)

    @property
    def pane(self) -> QuestionPane:
        return self.query_one(QuestionPane)

    @property
    def findings(self) -> FindingsPanel:
        return self.query_one(FindingsPanel)

    @property
    def whatif_on(self) -> bool:
        return self.scenario is not None

    def profile(self) -> Profile:
        """The answers on screen: the saved ones, with what-if changes over them."""
        if self.scenario is None:
            return self.session.profile
        return self.session.profile.with_answers(self.scenario)

    def answer_of(self, ind: str) -> Answer | None:
        if self.scenario is not None and ind in self.scenario:
            return self.scenario[ind]
        return self.session.answer(ind)

    def where(self, ind: str) -> str:
        """Where a question sits in the navigator: "group › topic"."""
        group, topic = self._where.get(ind, ("", ""))
        return f"{group} › {topic}"

    def state(self, ind: str) -> str:
        a = self.answer_of(ind)
        return "open" if a is None else "unknown" if a.unknown else "answered"  # states, not shown

    def changed(self) -> set[str]:
        """Questions whose what-if answer differs in value from the saved one."""
        if not self.scenario:
            return set()
        return set(self.session.profile.changed_answers(self.profile()))

    def _update_subtitle(self) -> None:
        mode = " · " + _("WHAT-IF (not saved)") if self.whatif_on else ""
        self.sub_title = f"{self.session.path.name}{mode}"

    # -- answering ------------------------------------------------------------------------
    def commit(self, ind: str, answer: Answer | None) -> str | None:
        """Record one answer (the pane calls this); the error text if it cannot be stored."""
        try:
            if self.scenario is not None:
                checked = self.session.check(ind, answer) if answer is not None else None
                if _same(checked, self.session.answer(ind)):
                    self.scenario.pop(ind, None)
                else:
                    self.scenario[ind] = checked
            elif answer is None:
                self.session.clear_answer(ind)
            else:
                self.session.set_answer(ind, answer)
        except AnswerError as exc:
            return str(exc)
        except (OSError, DiagnosticsError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else str(exc)
            self.notify(_("Could not save {path}: {error}").format(path=self.session.path, error=reason),
                        severity="error", timeout=15)
            return _("not saved: {error}").format(error=reason)
        self.nav.refresh_marks(self.state, self.changed(), only=ind)
        self._update_banner()
        self.reassess()
        return None

    def keep_draft(self, ind: str, draft: Draft) -> str | None:
        """Keep source, grade, year and note typed on a question that has no value yet."""
        try:
            self.session.set_draft(ind, draft)
        except OSError as exc:
            self.notify(_("Could not save {path}: {error}").format(path=self.session.path, error=exc.strerror),
                        severity="error", timeout=15)
            return _("not saved: {error}").format(error=exc.strerror)
        return None

    def goto(self, ind: str, *, save: bool = True, focus: bool = False) -> None:
        if ind not in self.kb.indicators:
            return
        self.flush()
        if save:
            try:
                self.session.goto(ind)
            except (OSError, DiagnosticsError) as exc:
                reason = exc.strerror if isinstance(exc, OSError) else str(exc)
                self.notify(_("Could not save the position: {error}").format(error=reason), severity="warning")
        else:
            self.session.current = ind
        group, topic = self._where.get(ind, ("", ""))
        n = self.session.order.index(ind) + 1 if ind in self.session.order else 0
        position = f"{group} › {topic} · " + _("{n} of {total}").format(n=n, total=len(self.session.order))
        self.pane.show(ind, self.answer_of(ind), position, why_asked_markdown(self.kb, ind, self.assessment),
                       self.session.draft(ind))
        self.nav.show(ind)
        self._update_banner()
        self._update_pane_note()
        if focus:
            self.call_after_refresh(self.pane.focus_value)

    def flush(self) -> None:
        """Store typed-but-unrecorded text of the current question before leaving it."""
        err = self.pane.flush()
        if err:
            spec = self.kb.indicators.get(self.session.current or "")
            where = f"“{spec.question[:60]}…”" if spec is not None else _("the answer")
            self.notify(f"{where}: {err}", severity="warning", timeout=8)

    # -- assessing ------------------------------------------------------------------------
    # A full assessment on the thesis knowledge base takes a few milliseconds, less than a
    # frame. Run in a thread it would wait for the thread to start and then share the GIL
    # with the screen refresh the answer just caused, which made the panel 5-10x slower to
    # update. So it runs inline while it stays under INLINE_BUDGET, and moves to a thread
    # worker as soon as one takes longer (bigger knowledge bases, slow machines). The planner
    # always runs in a worker after the findings are on screen.
    INLINE_BUDGET = 0.025  # seconds

    def reassess(self) -> None:
        self._version += 1
        version, profile = self._version, self.profile()
        base = self.session.profile if self.whatif_on and self.base_assessment is None else None
        if self._last_assess_seconds >= self.INLINE_BUDGET:
            self._assess(version, profile, base)
            return
        started = time.perf_counter()
        try:
            result = self.services.assessor.assess(profile)
            base_result = self.services.assessor.assess(base) if base is not None else None
        except DiagnosticsError as exc:
            self.notify(_("Assessment failed: {error}").format(error=exc), severity="error", timeout=15)
            return
        self._last_assess_seconds = time.perf_counter() - started
        self._show(version, result, base_result)
        # The planner starts once the findings are painted, so that its thread does not
        # share the interpreter with that paint.
        self.call_after_refresh(self._plan, version, profile, result)

    @work(thread=True, exclusive=True, group="assess", exit_on_error=False)
    def _assess(self, version: int, profile: Profile, base: Profile | None) -> None:
        worker = get_current_worker()
        assessor = self.services.assessor
        started = time.perf_counter()
        # After the first full assessment, each answer re-decides only what it can reach.
        last = self._live_state
        state = assessor.reassess(last, profile) if last is not None else assessor.state(profile)
        self._live_state = state
        result = assessor.assessment(state)
        base_result = assessor.assess(base) if base is not None else None
        self._last_assess_seconds = time.perf_counter() - started
        if worker.is_cancelled:
            return
        self.app.call_from_thread(self._show, version, result, base_result)
        self.app.call_from_thread(self.call_after_refresh, self._plan, version, profile, result)

    @work(thread=True, exclusive=True, group="plan", exit_on_error=False)
    def _plan(self, version: int, profile: Profile, result: Assessment) -> None:
        worker = get_current_worker()
        current = None if self.new and self._land_on_plan else self.session.current
        plan = planner.plan_next(self.kb, profile, result, self.session.order, current, n=3)
        if not worker.is_cancelled:
            self.app.call_from_thread(self._suggest, version, plan)

    def _show(self, version: int, result: Assessment, base: Assessment | None) -> None:
        if base is not None:
            self.base_assessment = base
        if version != self._version:
            return  # a newer answer is already being assessed
        self.assessment = result
        self.findings.show(result, self.base_assessment if self.whatif_on else None)

    def _suggest(self, version: int, plan: planner.Plan) -> None:
        if version != self._version:
            return
        self.plan = plan
        self.nav.set_skipped(set(plan.skipped))
        if self._land_on_plan and not self.whatif_on:
            self._land_on_plan = False
            if plan.first is not None and plan.first.indicator != self.session.current:
                self.goto(plan.first.indicator, focus=True)
                return  # goto refreshed the banner and the pane
        self._update_banner()
        self._update_pane_note()

    @property
    def suggested(self) -> list[planner.Suggestion]:
        return self.plan.suggestions

    def _next(self) -> planner.Suggestion | None:
        return next((s for s in self.suggested if s.indicator != self.session.current
                     and self.answer_of(s.indicator) is None), None)

    def _update_pane_note(self) -> None:
        """Say why the question on screen is asked now, or why the planner would skip it."""
        ind = self.session.current
        if ind is None:
            return
        first = self.plan.first
        if ind in self.plan.skipped:
            self.pane.set_note(_("Not needed for this country: {reason}").format(reason=self.plan.skipped[ind]),
                               skipped=True)
        elif first is not None and first.indicator == ind:
            self.pane.set_note(_("Suggested: {reason}").format(reason=first.reason))
        else:
            self.pane.set_note("")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.group in ("assess", "plan"):
            self.notify(_("Assessment failed: {error}").format(error=event.worker.error), severity="error", timeout=15)

    def _update_banner(self) -> None:
        banner = self.query_one("#banner", Static)
        if self.whatif_on:
            n = len(self.changed())
            banner.update(ngettext("WHAT-IF: {n} changed answer, not saved · d diff · k keep · F2 leave",
                                   "WHAT-IF: {n} changed answers, not saved · d diff · k keep · F2 leave",
                                   n).format(n=n))
            banner.add_class("-whatif")
            return
        banner.remove_class("-whatif")
        nxt = self._next()
        if nxt is None:
            banner.update(_("No open question can change a root cause now."))
        else:
            reason = f" — {nxt.reason}" if nxt.reason else ""
            banner.update(_("Next (Ctrl+N): {question}").format(question=self.kb.indicators[nxt.indicator].question)
                          + reason)

    # -- events ---------------------------------------------------------------------------
    @on(Navigator.Picked)
    def _picked(self, event: Navigator.Picked) -> None:
        # Choices take the focus; a text field does not, so letter keys keep working
        # (press a, Enter or Tab to type the answer).
        self.goto(event.indicator, focus=not self.pane.takes_text())

    def on_key(self, event: events.Key) -> None:
        """Digits answer a 1-5 scale at once, wherever the focus is outside a text field."""
        if (event.character and event.character in "12345" and not isinstance(self.focused, Input)
                and self.pane.indicator is not None and self.pane.choose_scale(int(event.character))):
            event.stop()
            event.prevent_default()

    @on(FindingsPanel.Open)
    def _open_finding(self, event: FindingsPanel.Open) -> None:
        self.open_finding(event.rule)

    # -- actions ----------------------------------------------------------------------------
    def action_next_suggested(self) -> None:
        suggestion = self._next()
        nxt = suggestion.indicator if suggestion else self.session.first_open(after=self.session.current)
        if nxt is None:
            self.notify(_("Every question is answered."))
            return
        self.goto(nxt, focus=True)

    def action_step(self, step: int) -> None:
        target = self.session.neighbour(self.session.current, step)
        if target:
            self.goto(target, focus=True)

    def action_record(self) -> None:
        self.pane.record()

    def action_leave_field(self) -> None:
        if isinstance(self.focused, Input):
            self.nav.questions.focus()

    def action_toggle_unknown(self) -> None:
        box = self.pane.query("#q-unknown").first(Checkbox)
        box.toggle()

    def action_why(self) -> None:
        why = self.pane.query("#q-why").first(Collapsible)
        why.collapsed = not why.collapsed
        if not why.collapsed:
            self.call_after_refresh(self.pane.scroll_to_widget, why)

    def action_focus_navigator(self) -> None:
        self.nav.questions.focus()

    def action_focus_answer(self) -> None:
        self.pane.focus_value()

    def action_focus_findings(self) -> None:
        self.findings.findings.focus()

    def action_explain(self) -> None:
        rule = self.findings.highlighted()
        if rule is None:
            self.notify(_("Highlight a finding first (f goes to the findings)."))
            return
        self.open_finding(rule)

    def open_finding(self, rule: str) -> None:
        from .finding import FindingScreen

        if self.assessment is None:
            return
        self.push_screen_finding(FindingScreen(self.services, self.assessment, self.profile(), rule))

    def push_screen_finding(self, screen: Screen[str | None]) -> None:
        def answer_missing(ind: str | None) -> None:
            if ind:
                self.goto(ind, focus=True)

        self.app.push_screen(screen, answer_missing)

    def action_whatif(self) -> None:
        from .confirm import ConfirmScreen

        if self.scenario is None:
            self.flush()
            self.scenario = {}
            self.base_assessment = self.assessment
            self._after_mode_change()
            self.notify(_("What-if: answers you change now are not saved. F2 or w leaves, k keeps them."))
            return
        n = len(self.changed())
        if not n:
            self._leave_whatif()
            return

        def done(discard: bool | None) -> None:
            if discard:
                self._leave_whatif()

        self.app.push_screen(ConfirmScreen(ngettext("Discard {n} what-if change?", "Discard {n} what-if changes?",
                                                    n).format(n=n),
                                           yes=_("Discard"), no=_("Stay")), done)

    def _leave_whatif(self) -> None:
        self.scenario = None
        self.base_assessment = None
        self._after_mode_change()

    def _after_mode_change(self) -> None:
        self._update_subtitle()
        self.nav.refresh_marks(self.state, self.changed())
        if self.session.current:
            self.goto(self.session.current, save=False)
        self.reassess()

    def action_diff(self) -> None:
        from .diff import DiffScreen

        if self.scenario is None:
            self.notify(_("Start what-if mode first (F2 or w)."))
            return

        def done(keep: bool | None) -> None:
            if keep:
                self.action_keep_whatif()

        self.app.push_screen(DiffScreen(self.services, self.session.profile, self.scenario, self.session.order),
                             done)

    def action_keep_whatif(self) -> None:
        if self.scenario is None:
            self.notify(_("Start what-if mode first (F2 or w)."))
            return
        n = len(self.changed())
        try:
            self.session.apply(self.scenario)
        except (AnswerError, OSError, DiagnosticsError) as exc:
            self.notify(_("Could not keep the what-if answers: {error}").format(error=exc), severity="error")
            return
        self._leave_whatif()
        self.notify(ngettext("Saved {n} what-if answer.", "Saved {n} what-if answers.", n).format(n=n))

    def action_compare(self) -> None:
        from .compare import CompareScreen

        if self.assessment is None:
            return
        self.app.push_screen(CompareScreen(self.services, self.profile()))

    def action_sensitivity(self) -> None:
        from .sensitivity import SensitivityScreen

        rule = self.findings.highlighted()
        if rule is None:
            self.notify(_("Highlight a finding first (f goes to the findings)."))
            return
        if self.assessment is None:
            return
        status = self.assessment.finding(rule).status
        self.app.push_screen(SensitivityScreen(self.services, self.profile(), rule, status))

    def action_brief(self) -> None:
        from .brief import BriefScreen

        if self.assessment is None:
            return
        self.app.push_screen(BriefScreen(self.services, self.assessment, self.profile(), self.session.path))

    def action_export(self) -> None:
        from .export import ExportScreen

        self.flush()
        default = self.services.exports / f"{self.session.path.name.removesuffix('.assessment.yaml')}.profile.yaml"

        def done(path: object) -> None:
            if path is not None:
                self.notify(_("Exported the answers to {path}").format(path=path))

        self.app.push_screen(ExportScreen(self.session, default), done)

    def action_import_sheet(self) -> None:
        from .import_sheet import ImportSheetScreen

        self.flush()
        if self.whatif_on:
            self.notify(_("Leave what-if mode first (F2 or w)."))
            return
        default = self.services.exports / f"{self.session.path.name.removesuffix('.assessment.yaml')}.xlsx"

        def done(replaced: int | None) -> None:
            if replaced:
                self.nav.refresh_marks(self.state)
                if self.session.current:
                    self.goto(self.session.current, save=False)
                self.reassess()
                self.notify(ngettext("Replaced {n} answer from the spreadsheet.",
                                     "Replaced {n} answers from the spreadsheet.", replaced).format(n=replaced))

        self.app.push_screen(ImportSheetScreen(self.session, default), done)

    def action_close(self) -> None:
        self.flush()
        self.dismiss()


def _same(a: Answer | None, b: Answer | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.model_dump() == b.model_dump()
