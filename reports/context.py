"""The brief's context: the model (reports.model) and its builders (reports.builder, reports.compare).

Kept so that `from diagnostics.reports.context import build_context, BriefContext` goes on
working; new code imports from `diagnostics.reports` or the modules themselves.
"""

from __future__ import annotations

from .builder import build_context
from .compare import build_comparison
from .model import BriefContext, ComparisonContext
from .wording import sort_citations, tier_note

__all__ = ["BriefContext", "ComparisonContext", "build_comparison", "build_context", "sort_citations",
           "tier_note"]
