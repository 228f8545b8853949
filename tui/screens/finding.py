"""A finding explained: story, mechanism, how or why not, confidence, directions, citations."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Markdown

from diagnostics.assessment import Assessment
from diagnostics.i18n import _, country_name
from diagnostics.profile import Profile

from ..actions import FINDING_ACTS, bindings
from ..explain import finding_markdown
from ..services import Services


class FindingScreen(Screen[str | None]):
    """One finding explained; dismisses with an indicator id to answer, or None."""

    ACTS = FINDING_ACTS
    BINDINGS = bindings(FINDING_ACTS)

    def __init__(self, services: Services, assessment: Assessment, profile: Profile, rule: str) -> None:
        super().__init__()
        self.services, self.assessment, self.profile, self.rule = services, assessment, profile, rule
        self.text = finding_markdown(services.kb, assessment, profile, rule)

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="finding-scroll"):
            yield Markdown(self.text, id="finding-text")
        yield Footer()

    def on_mount(self) -> None:
        self.title = country_name(self.assessment.country, self.assessment.name)
        self.sub_title = self.assessment.finding(self.rule).title
        self.query_one("#finding-scroll").focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_sensitivity(self) -> None:
        from .sensitivity import SensitivityScreen

        status = self.assessment.finding(self.rule).status
        self.app.push_screen(SensitivityScreen(self.services, self.profile, self.rule, status))

    def action_ask(self) -> None:
        f = self.assessment.finding(self.rule)
        undecided = self.assessment.coverage.per_diagnosis.get(self.rule) or f.missing
        target = next((i for i in undecided if i not in self.profile.answers), None)
        if target is None:
            self.notify(_("Nothing left to answer for this finding."))
            return
        self.dismiss(target)
