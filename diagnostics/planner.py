"""The next question to ask in a guided assessment, and why.

Built on `analysis.plan_questions` (which scores every open question by how much it can
still decide). No textual here: the TUI calls it from a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import analysis
from .assessment import Assessment
from .kb import KnowledgeBase
from .knowledge import Layer
from .profile import Profile


@dataclass(frozen=True)
class Suggestion:
    indicator: str
    reason: str = ""


def plan_next(kb: KnowledgeBase, profile: Profile, assessment: Assessment, order: list[str],
              n: int = 3) -> list[Suggestion]:
    """Questions worth asking next, best first."""
    picked = [Suggestion(q.indicator, _plan_reason(kb, q.decides))
              for q in analysis.plan_questions(kb, profile, n) if q.indicator not in profile.answers]
    # When nothing is left to decide, still offer the next question a rule reads.
    return picked or [Suggestion(q) for q in fallback_plan(kb, profile, assessment, order, n)]


def _plan_reason(kb: KnowledgeBase, decides: list[str]) -> str:
    if not decides:
        return "narrows open findings"
    dx = [r for r in decides if kb.rules[r].layer == Layer.DIAGNOSIS]
    first = kb.rules[(dx or decides)[0]].title
    more = len(decides) - 1
    return f"can settle “{first}”" + (f" and {more} more" if more else "")


def fallback_plan(kb: KnowledgeBase, profile: Profile, assessment: Assessment, order: list[str],
                  n: int = 1) -> list[str]:
    """The first open questions that could still decide an undecided diagnosis."""
    deciding: set[str] = set()
    for indicators in assessment.coverage.per_diagnosis.values():
        deciding.update(indicators)
    open_qs = [q for q in order if q not in profile.answers and not kb.indicators[q].display_only]
    picked = [q for q in open_qs if q in deciding]
    if len(picked) < n:  # nothing undecided left: anything a rule reads
        picked += [q for q in open_qs if kb.feeds.get(q) and q not in picked]
    return picked[:n]
