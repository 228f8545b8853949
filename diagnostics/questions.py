"""The questionnaire: the indicator catalogue in navigator order, and what a scale's ends mean.

Used by the TUI's navigator and question panel and by the spreadsheet export; typed answers
are parsed in :mod:`diagnostics.answers`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .i18n import N_, _
from .kb import KnowledgeBase
from .knowledge import Function, Indicator

# Navigator groups: the three government functions, then context and cross-cutting together.
FUNCTION_GROUPS: tuple[tuple[str, str, tuple[Function, ...]], ...] = (
    ("allocator", N_("Allocator"), (Function.ALLOCATOR,)),
    ("regulator", N_("Regulator"), (Function.REGULATOR,)),
    ("coordinator", N_("Coordinator"), (Function.COORDINATOR,)),
    ("context", N_("Context and cross-cutting"), (Function.CONTEXT, Function.CROSS_CUTTING)),
)



@dataclass(frozen=True)
class TopicGroup:
    topic: str
    questions: tuple[str, ...]


@dataclass(frozen=True)
class QuestionGroup:
    id: str
    title: str
    topics: tuple[TopicGroup, ...]

    @property
    def questions(self) -> list[str]:
        return [q for t in self.topics for q in t.questions]


def question_groups(kb: KnowledgeBase) -> list[QuestionGroup]:
    """Indicators grouped by government function, then topic, in catalogue order."""
    out = []
    for gid, title, functions in FUNCTION_GROUPS:
        topics: dict[str, list[str]] = {}
        for ind in kb.indicators.values():
            if ind.function in functions:
                topics.setdefault(ind.topic, []).append(ind.id)
        if topics:
            out.append(QuestionGroup(gid, _(title), tuple(TopicGroup(t, tuple(q)) for t, q in topics.items())))
    return out


def question_order(kb: KnowledgeBase) -> list[str]:
    return [q for g in question_groups(kb) for q in g.questions]


# What a scale question's two ends mean.

def scale_ends(indicator: Indicator, labels: bool = True) -> tuple[str, str] | None:
    """The words at the two ends of a 1-5 scale: given as data (`scale_labels`, translated with
    the knowledge base; `labels=False` ignores them), or read from the question's "(1 = …, 5 = …)",
    or from "1 = …" / "5 = …" in its help; None when nothing says."""
    if labels and indicator.scale_labels:
        return indicator.scale_labels
    m = _SCALE_IN_QUESTION.search(indicator.question)
    if m:
        return m["lo"].strip(), m["hi"].strip()
    lo = _SCALE_LOW.search(indicator.help)
    hi = _SCALE_HIGH.search(indicator.help)
    if lo or hi:
        return (lo["lo"].strip() if lo else "lowest"), (hi["hi"].strip() if hi else "highest")
    return None


_SCALE_IN_QUESTION = re.compile(r"\(\s*1\s*=\s*(?P<lo>[^,;()]+?)\s*[,;]\s*5\s*=\s*(?P<hi>[^()]+?)\s*\)")
_SCALE_LOW = re.compile(r"(?:^|[.;]\s+|\()1\s*=\s*(?P<lo>[^.;()]+)")
_SCALE_HIGH = re.compile(r"(?:^|[.;,]\s+|\()5\s*=\s*(?P<hi>[^.;()]+)")
