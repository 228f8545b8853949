"""The question planner: which unanswered questions can still decide the most."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..assessment import undecided_indicators, validate_answers
from ..i18n import _, ngettext
from ..kb import KnowledgeBase
from ..knowledge import Layer
from ..logic import Status
from ..profile import Profile
from .values import answer_classes, rule_weight


@dataclass
class QuestionScore:
    indicator: str
    score: float
    decides: list[str]  # rule ids that some answer to it would settle, heaviest first
    reason: str
    question: str = ""
    settles_always: list[str] = field(default_factory=list)  # settled whatever the answer

    def as_json(self) -> dict[str, Any]:
        return {"indicator": self.indicator, "score": round(self.score, 4), "decides": self.decides,
                "settles_always": self.settles_always, "reason": self.reason, "question": self.question}


# A question that settles nothing yet still narrows open rules gets this share of credit.
PROGRESS_SHARE = 0.25


def plan_questions(kb: KnowledgeBase, profile: Profile, n: int = 10,
                   include_unknown: bool = False) -> list[QuestionScore]:
    """Rank unanswered questions by how much they can still decide.

    For each question and each class of answers, the three-valued evaluator says which
    undecided rules the answer would settle. The score sums, over those rules, the rule's
    weight (layer × severity) times the share of answer classes that settle it, plus a
    smaller credit for open rules that the question narrows without settling.
    """
    logic = kb.logic
    values = validate_answers(profile, kb)
    outcomes = logic.outcomes(values)
    status = {r: o.status for r, o in outcomes.items()}
    open_rules = [r for r, s in status.items() if s is Status.NOT_ASSESSABLE and not kb.rules[r].background]
    pending: dict[str, list[str]] = {}  # indicator -> open rules it still bears on
    width: dict[str, int] = {}
    for rid in open_rules:
        und = undecided_indicators(outcomes, rid)
        width[rid] = len(und)
        for ind in und:
            pending.setdefault(ind, []).append(rid)
    asked = {k for k, a in profile.answers.items() if a.known or not include_unknown}
    scores: list[QuestionScore] = []
    for ind, bearing in pending.items():
        if ind in asked:
            continue
        classes = answer_classes(kb, ind)
        settled: dict[str, int] = {}
        for vc in classes:
            new_vals = {**values, ind: vc.value}
            after = logic.update(status, new_vals, [ind])
            for rid in open_rules:
                if after[rid] is not Status.NOT_ASSESSABLE:
                    settled[rid] = settled.get(rid, 0) + 1
        score = sum(rule_weight(kb, r) * k / len(classes) for r, k in settled.items())
        score += PROGRESS_SHARE * sum(rule_weight(kb, r) / width[r] for r in bearing if r not in settled)
        decides = sorted(settled, key=lambda r: (-rule_weight(kb, r), r))
        always = [r for r in decides if settled[r] == len(classes)]
        scores.append(QuestionScore(ind, score, decides, _reason(kb, decides, always, bearing),
                                    kb.indicators[ind].question, always))
    scores.sort(key=lambda q: (-q.score, q.indicator))
    return scores[:n] if n > 0 else scores


def _reason(kb: KnowledgeBase, decides: list[str], always: list[str], bearing: list[str]) -> str:
    dx = [r for r in decides if kb.rules[r].layer == Layer.DIAGNOSIS]
    parts = []
    if always:
        parts.append(_("settles {rules} whatever the answer").format(rules=_names(always)))
    maybe = [r for r in decides if r not in always]
    if maybe:
        parts.append(_("may settle {rules}").format(rules=_names(maybe)))
    if not decides:
        roots = [r for r in bearing if kb.rules[r].layer == Layer.DIAGNOSIS]
        parts.append(_("narrows {rules}").format(rules=_names(roots or bearing)))
    if dx:
        parts.append(ngettext("{n} diagnosis among them", "{n} diagnoses among them", len(dx)).format(n=len(dx)))
    return "; ".join(parts)


def _names(ids: Sequence[str], limit: int = 3) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (" " + _("and {n} more").format(n=len(ids) - limit) if len(ids) > limit else "")
