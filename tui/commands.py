"""Command palette (Ctrl+P): every action of the current screen, from the same table as the keys."""

from __future__ import annotations

from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

from diagnostics.i18n import _

from .actions import APP_ACTS, Act


class DiagnosticsCommands(Provider):
    def _acts(self) -> list[Act]:
        return [*getattr(self.screen, "ACTS", ()), *APP_ACTS]

    def _command(self, act: Act) -> partial[Any]:
        return partial(self.app.run_action, act.action, self.screen)

    def _title(self, act: Act) -> str:
        return f"{_(act.label)} ({act.key_display})"

    async def discover(self) -> Hits:
        for act in self._acts():
            yield DiscoveryHit(self._title(act), self._command(act), help=_(act.help))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for act in self._acts():
            text = f"{self._title(act)} {_(act.help)}"
            score = max(matcher.match(self._title(act)), matcher.match(_(act.help)) * 0.8)
            if score > 0:
                yield Hit(score, matcher.highlight(self._title(act)), self._command(act),
                          text=text, help=_(act.help))


class QuestionSearch(Provider):
    """Find a question by words of its text or by its id, and open it (workspace only)."""

    def _workspace(self) -> Any:
        from .screens.workspace import WorkspaceScreen

        screen = self.screen
        return screen if isinstance(screen, WorkspaceScreen) else None

    async def search(self, query: str) -> Hits:
        ws = self._workspace()
        if ws is None or not query.strip():
            return
        matcher = self.matcher(query)
        words = query.lower().split()
        for ind in ws.session.order:
            spec = ws.kb.indicators[ind]
            text = spec.question
            # Every typed word in the question or the id counts as a strong match, so plain
            # words ("export days") find questions whatever the fuzzy matcher thinks.
            haystack = f"{text} {ind}".lower()
            score = 1.0 if all(w in haystack for w in words) else max(matcher.match(text), matcher.match(ind))
            if score > 0:
                yield Hit(score, matcher.highlight(text), partial(ws.goto, ind, focus=True),
                          text=text, help=_("Question · {where}").format(where=ws.where(ind)))
