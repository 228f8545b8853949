"""Command palette (Ctrl+P): every action of the current screen, from the same table as the keys."""

from __future__ import annotations

from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

from .actions import APP_ACTS, Act


class DiagnosticsCommands(Provider):
    def _acts(self) -> list[Act]:
        return [*getattr(self.screen, "ACTS", ()), *APP_ACTS]

    def _command(self, act: Act) -> partial[Any]:
        return partial(self.app.run_action, act.action, self.screen)

    def _title(self, act: Act) -> str:
        return f"{act.label} ({act.key_display})"

    async def discover(self) -> Hits:
        for act in self._acts():
            yield DiscoveryHit(self._title(act), self._command(act), help=act.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for act in self._acts():
            text = f"{self._title(act)} {act.help}"
            score = max(matcher.match(self._title(act)), matcher.match(act.help) * 0.8)
            if score > 0:
                yield Hit(score, matcher.highlight(self._title(act)), self._command(act),
                          text=text, help=act.help)
