"""What the screens work with, handed to each screen when it is made.

The app builds one `Services` once the knowledge base is loaded; screens receive it in their
constructor and never reach into the app for it. It holds objects, not logic: the screens
call `diagnostics.analysis`, `diagnostics.planner` and `diagnostics.reports` themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from diagnostics.assessment import Assessor
    from diagnostics.kb import KnowledgeBase
    from diagnostics.registry import Registry


@dataclass
class Services:
    registry: Registry
    data: Path  # where assessments, exports and the recent list live
    engine: str = "durable"  # for briefs, as `diagnose --engine`
    _live: Assessor | None = field(default=None, repr=False)
    _brief: Assessor | None = field(default=None, repr=False)

    @property
    def kb(self) -> KnowledgeBase:
        return self.registry.kb

    @property
    def assessor(self) -> Assessor:
        """The live panel's assessor: the pure-Python evaluator gives every status and is fast;
        durable-rules gives the same fired set (the two are tested to agree)."""
        if self._live is None:
            from diagnostics.assessment import Assessor

            self._live = Assessor(self.kb, engine="reference")
        return self._live

    @property
    def brief_assessor(self) -> Assessor:
        """The engine chosen on the command line (durable-rules by default), for briefs."""
        if self._brief is None:
            from diagnostics.assessment import Assessor

            self._brief = Assessor(self.kb, engine=self.engine)
        return self._brief

    @property
    def exports(self) -> Path:
        return self.data / "exports"
