"""What the screens work with, handed to each screen when it is made.

The app builds one `Services` once the knowledge base is loaded; screens receive it in their
constructor and never reach into the app for it. It holds objects, not logic: the screens
call `diagnostics.analysis`, `diagnostics.planner` and `diagnostics.reports` themselves.
An assessment's screens get `for_country(its country)`, so that they work with the
knowledge base that applies there (`Registry.kb_for`: the thesis's plus the plugins whose
scope includes that country).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
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
    country: str | None = None  # whose knowledge base the screens use; None: outside every scope
    # Assessors by (knowledge base, engine), shared by every country's Services.
    _assessors: dict[tuple[int, str], Assessor] = field(default_factory=dict, repr=False)

    def for_country(self, country: str | None) -> Services:
        """The same services for an assessment of `country` (assessors stay shared)."""
        return replace(self, country=(country or "").upper() or None)

    @property
    def kb(self) -> KnowledgeBase:
        return self.registry.kb_for(self.country)

    def _assessor(self, engine: str) -> Assessor:
        kb = self.kb
        key = (id(kb), engine)
        if key not in self._assessors:
            from diagnostics.assessment import Assessor

            self._assessors[key] = Assessor(kb, engine=engine)
        return self._assessors[key]

    @property
    def assessor(self) -> Assessor:
        """The live panel's assessor: the pure-Python evaluator gives every status and is fast;
        durable-rules gives the same fired set (the two are tested to agree)."""
        return self._assessor("reference")

    @property
    def brief_assessor(self) -> Assessor:
        """The engine chosen on the command line (durable-rules by default), for briefs."""
        return self._assessor(self.engine)

    @property
    def exports(self) -> Path:
        return self.data / "exports"
