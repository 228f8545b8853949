"""The one place where the TUI calls the scenario analysis and report code.

It turns the results of `diagnostics.analysis` (question planner, what-if, compare,
sensitivity) and `diagnostics.reports` (briefs) into the small display records the screens
show. No textual here: these run in worker threads and in tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from diagnostics import analysis
from diagnostics.assessment import Assessment, Assessor, validate_answers
from diagnostics.errors import DiagnosticsError
from diagnostics.evaluator import Status
from diagnostics.kb import KnowledgeBase
from diagnostics.knowledge import Layer
from diagnostics.profile import Answer, Profile
from diagnostics.session import format_value

# ---------------------------------------------------------------------------------------
# Suggested next question

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


# ---------------------------------------------------------------------------------------
# What-if: differences between two assessments or two sets of answers

@dataclass(frozen=True)
class StatusChange:
    rule: str
    title: str
    layer: str
    before: Status | None
    after: Status | None
    before_confidence: str | None
    after_confidence: str | None


@dataclass(frozen=True)
class AnswerChange:
    indicator: str
    before: Answer | None
    after: Answer | None


def diff_assessments(before: Assessment, after: Assessment) -> list[StatusChange]:
    """Findings whose status or confidence differs, in display order (diagnoses first)."""
    old = {f.rule: f for f in before.findings}
    out = []
    for f in after.findings:
        o = old.get(f.rule)
        if o is None or o.status != f.status or o.confidence != f.confidence:
            out.append(StatusChange(f.rule, f.title, f.layer, o.status if o else None, f.status,
                                    o.confidence if o else None, f.confidence))
    return out


def answer_changes(base: Profile, other: Profile, order: Iterable[str] = ()) -> list[AnswerChange]:
    """Answers that differ in value or in being unknown (metadata alone is not a change)."""
    rank = {q: i for i, q in enumerate(order)}
    keys = sorted(set(base.answers) | set(other.answers), key=lambda k: (rank.get(k, len(rank)), k))
    return [AnswerChange(k, base.answers.get(k), other.answers.get(k)) for k in keys
            if _key(base.answers.get(k)) != _key(other.answers.get(k))]


def _key(a: Answer | None) -> tuple[Any, ...]:
    if a is None:
        return ("open",)
    if a.unknown:
        return ("unknown",)
    v = a.value
    return ("value", tuple(v) if isinstance(v, (list, tuple)) else v)


def what_if(assessor: Assessor, profile: Profile, changes: Mapping[str, Answer | None]) -> list[StatusChange]:
    """What changing some answers of `profile` does to its findings."""
    result = analysis.whatif(assessor, profile, dict(changes))
    return [StatusChange(c.rule, c.title, c.layer, c.before, c.after, c.before_confidence,
                         c.after_confidence) for c in result.changes]


# ---------------------------------------------------------------------------------------
# Compare with another country

@dataclass(frozen=True)
class CompareRow:
    rule: str
    title: str
    layer: str
    mine: tuple[Status, str | None]
    theirs: tuple[Status, str | None]
    drivers: tuple[tuple[str, str, str], ...] = ()  # (indicator, my answer, their answer)

    @property
    def differs(self) -> bool:
        return self.mine != self.theirs


REPORTED_LAYERS = (Layer.DIAGNOSIS.value, Layer.MANIFESTATION.value)


def compare(assessor: Assessor, mine: Profile, theirs: Profile) -> list[CompareRow]:
    """Root causes and manifestations of two profiles side by side, with what drives differences."""
    kb = assessor.kb
    result = analysis.compare_profiles(assessor, [(mine.country, mine), (theirs.country, theirs)], all_rules=True)
    return [CompareRow(r.rule, r.title, r.layer, (r.cells[0].status, r.cells[0].confidence),
                       (r.cells[1].status, r.cells[1].confidence),
                       tuple((d.indicator, d.values[0], d.values[1]) for d in r.drivers))
            for r in result.rows if r.layer in REPORTED_LAYERS and not kb.rules[r.rule].background]


# ---------------------------------------------------------------------------------------
# Sensitivity: which answer changes would change one finding's status

@dataclass(frozen=True)
class SensRow:
    changes: tuple[tuple[str, str, str], ...]  # (indicator, now, if)
    status: Status


def sensitivity(assessor: Assessor, profile: Profile, rule_id: str) -> list[SensRow]:
    """Answer changes that would change `rule_id`: counterfactuals for a fired finding,
    deciding answers for an open one, single changes otherwise."""
    kb = assessor.kb
    result = analysis.sensitivity(kb, profile, rules=[rule_id])
    try:
        item = result.for_rule(rule_id)
    except KeyError:
        # The analysis covers fired and open findings; for the rest, try single changes.
        return single_changes(assessor, profile, rule_id)
    if hasattr(item, "counterfactuals"):
        return [SensRow(tuple((f.indicator, _shown(kb, f.indicator, f.before),
                               _region(f.indicator, f.region)) for f in c.changes), c.status)
                for c in item.counterfactuals]
    return [SensRow(((d.indicator, "not answered", _region(d.indicator, o.region)),), o.status)
            for d in item.deciders for o in d.outcomes if o.status is not Status.NOT_ASSESSABLE]


def _shown(kb: KnowledgeBase, ind: str, value: Any) -> str:
    return "not answered" if value is None else format_value(kb.indicators.get(ind), value)


def _region(ind: str, region: str) -> str:
    return region.removeprefix(ind).strip() or region


def single_changes(assessor: Assessor, profile: Profile, rule_id: str) -> list[SensRow]:
    """Every single answer change (or making an answer unknown) that changes the rule's status."""
    kb = assessor.kb
    values = validate_answers(profile, kb)
    evaluate = assessor.evaluator.evaluate
    base = evaluate(values)[rule_id].status
    rows: list[SensRow] = []
    for ind in analysis.closure_indicators(kb, rule_id, supporting=False):
        current = values.get(ind)
        # One value per class the rules can tell apart is enough to see every status change.
        tries: list[Any] = [c.value for c in analysis.value_classes(kb, ind, current) if c.value != current]
        if ind in values:
            tries.append(None)  # None: the answer becomes unknown
        for v in tries:
            trial = {k: x for k, x in values.items() if k != ind}
            if v is not None:
                trial[ind] = v
            status = evaluate(trial)[rule_id].status
            if status != base:
                after = "unknown" if v is None else format_value(kb.indicators[ind], v)
                rows.append(SensRow(((ind, _shown(kb, ind, current), after),), status))
    return rows


# ---------------------------------------------------------------------------------------
# Briefs

@dataclass(frozen=True)
class Brief:
    text: str
    full: bool  # False: a plain preview, because the report package could not render
    note: str = ""


def render_brief(registry: Any, assessment: Assessment, profile: Profile, fmt: str = "md") -> Brief | None:
    """The brief from diagnostics.reports (imported here: jinja2 is only needed for briefs)."""
    from diagnostics.reports.builder import build_context
    from diagnostics.reports.render import render_brief as render

    try:
        context = build_context(assessment, registry.kb, profile, registry)
        return Brief(render(context, fmt), True)
    except DiagnosticsError as exc:
        return Brief("", False, str(exc).splitlines()[0])
