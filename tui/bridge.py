"""The one place where the TUI calls into optional core modules, with plain fallbacks.

`diagnostics.analysis` (question planner, what-if, compare, sensitivity) and
`diagnostics.reports` (briefs) are written alongside the TUI. Each call below uses them when
they are installed and otherwise does the simple thing itself. No textual here: the
functions run in worker threads and in tests.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from diagnostics.assessment import Assessment, Assessor, FindingResult, validate_answers
from diagnostics.evaluator import Status
from diagnostics.kb import KnowledgeBase
from diagnostics.knowledge import Compare, IndicatorType, leaves
from diagnostics.profile import Answer, Profile


def optional(module: str, name: str) -> Callable[..., Any] | None:
    """`module.name` if that module exists, else None (other import errors propagate)."""
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and (module == exc.name or module.startswith(exc.name + ".")):
            return None
        raise
    fn = getattr(mod, name, None)
    return fn if callable(fn) else None


# ---------------------------------------------------------------------------------------
# Suggested next question

def plan_next(kb: KnowledgeBase, profile: Profile, assessment: Assessment, order: list[str],
              n: int = 1) -> list[str]:
    """Indicator ids worth asking next, best first."""
    planner = optional("diagnostics.analysis", "plan_questions")
    if planner is not None:
        picked = [_indicator_of(item) for item in planner(kb, profile, n)]
        picked = [i for i in picked if i in kb.indicators and i not in profile.answers]
        if picked:
            return picked[:n]
    return fallback_plan(kb, profile, assessment, order, n)


def _indicator_of(item: Any) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, Mapping):
        return str(item.get("indicator") or item.get("id") or "")
    return str(getattr(item, "indicator", None) or getattr(item, "id", ""))


def fallback_plan(kb: KnowledgeBase, profile: Profile, assessment: Assessment, order: list[str],
                  n: int = 1) -> list[str]:
    """The first open questions that could still decide an undecided diagnosis."""
    deciding: set[str] = set()
    for indicators in assessment.coverage.per_diagnosis.values():
        deciding.update(indicators)
    open_qs = [q for q in order if q not in profile.answers and not kb.indicators[q].display_only]
    picked = [q for q in open_qs if q in deciding]
    if len(picked) < n:  # nothing undecided left: anything a rule reads, then the rest
        picked += [q for q in open_qs if kb.feeds.get(q) and q not in picked]
    return picked[:n]


# ---------------------------------------------------------------------------------------
# Differences between two assessments or two sets of answers

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
    """Findings whose status or confidence differs, diagnoses first."""
    old = {f.rule: f for f in before.findings}
    out = []
    for f in after.findings:
        o = old.get(f.rule)
        if o is None or o.status != f.status or o.confidence != f.confidence:
            out.append(StatusChange(f.rule, f.title, f.layer, o.status if o else None, f.status,
                                    o.confidence if o else None, f.confidence))
    return out


def answer_changes(base: Profile, other: Profile, order: Iterable[str] = ()) -> list[AnswerChange]:
    """Answers that differ in value or known-ness (metadata alone is not a change)."""
    rank = {q: i for i, q in enumerate(order)}
    keys = sorted(set(base.answers) | set(other.answers), key=lambda k: (rank.get(k, len(rank)), k))
    out = []
    for k in keys:
        a, b = base.answers.get(k), other.answers.get(k)
        if _key(a) != _key(b):
            out.append(AnswerChange(k, a, b))
    return out


def _key(a: Answer | None) -> tuple[Any, ...]:
    if a is None:
        return ("open",)
    if a.unknown:
        return ("unknown",)
    v = a.value
    return ("value", tuple(v) if isinstance(v, (list, tuple)) else v)


def what_if(assessor: Assessor, profile: Profile, changes: Mapping[str, Answer | None],
            base: Assessment | None = None) -> tuple[Assessment, list[StatusChange]]:
    """Assess the profile with some answers changed, and what that changes."""
    fn = optional("diagnostics.analysis", "what_if")
    scenario = profile.with_answers(dict(changes))
    after = assessor.assess(scenario)
    before = base if base is not None else assessor.assess(profile)
    if fn is not None:
        return after, [_as_change(c) for c in fn(assessor, profile, dict(changes))]
    return after, diff_assessments(before, after)


def _as_change(c: Any) -> StatusChange:
    if isinstance(c, StatusChange):
        return c
    get = (c.get if isinstance(c, Mapping) else lambda k, d=None: getattr(c, k, d))
    return StatusChange(get("rule"), get("title", get("rule")), get("layer", ""),
                        _status(get("before")), _status(get("after")),
                        get("before_confidence"), get("after_confidence"))


def _status(v: Any) -> Status | None:
    return Status(v) if v is not None else None


@dataclass(frozen=True)
class CompareRow:
    rule: str
    title: str
    mine: FindingResult
    theirs: FindingResult

    @property
    def differs(self) -> bool:
        return self.mine.status != self.theirs.status


def compare(mine: Assessment, theirs: Assessment, layers: tuple[str, ...] = ("diagnosis", "manifestation")
            ) -> list[CompareRow]:
    """Side-by-side statuses of the reportable findings of two assessments."""
    other = {f.rule: f for f in theirs.findings}
    return [CompareRow(f.rule, f.title, f, other[f.rule]) for f in mine.findings
            if f.layer in layers and f.rule in other and not f.background]


# ---------------------------------------------------------------------------------------
# Sensitivity: which single answer changes would change one finding's status

@dataclass(frozen=True)
class Flip:
    indicator: str
    before: Any  # None when unanswered
    after: Any  # "unknown" when the answer is removed
    status: Status


def rule_cone(kb: KnowledgeBase, rule_id: str) -> list[str]:
    """Indicators read by the rule and every rule it builds on."""
    seen_rules: set[str] = set()
    stack = [rule_id]
    out: list[str] = []
    while stack:
        rid = stack.pop()
        if rid in seen_rules:
            continue
        seen_rules.add(rid)
        for ind in kb.rule_indicators(rid):
            if ind not in out:
                out.append(ind)
        stack.extend(dep for dep, users in kb.used_by.items() if rid in users)
    return out


def candidate_values(kb: KnowledgeBase, ind_id: str, current: Any) -> list[Any]:
    """Values worth trying for one indicator: each option, or just either side of each threshold."""
    spec = kb.indicators[ind_id]
    t = spec.type
    if t == IndicatorType.BOOL:
        return [True, False]
    if t == IndicatorType.ENUM:
        return list(spec.values)
    if t == IndicatorType.SET:
        base = set(current or ())
        return [tuple(v for v in spec.values if (v in base) != (v == m)) for m in spec.values]
    if t == IndicatorType.SCALE:
        return [1, 2, 3, 4, 5]
    if t == IndicatorType.TEXT:
        return []
    lo, hi = spec.bounds()
    points: set[float] = set()
    for rule in kb.rules.values():
        for cond in (rule.when, rule.gate):
            if cond is None:
                continue
            for lf in leaves(cond):
                if isinstance(lf, Compare) and lf.indicator == ind_id and isinstance(lf.value, (int, float)):
                    step = 1 if t == IndicatorType.YEAR else max(abs(float(lf.value)) * 0.01, 1e-3)
                    points.update({float(lf.value) - step, float(lf.value), float(lf.value) + step})
    out: list[Any] = []
    for p in sorted(points):
        if (lo is not None and p < lo) or (hi is not None and p > hi):
            continue
        out.append(int(p) if t == IndicatorType.YEAR else p)
    return out


def sensitivity(assessor: Assessor, profile: Profile, rule_id: str) -> list[Flip]:
    """Single-answer changes that would change the status of `rule_id`."""
    fn = optional("diagnostics.analysis", "sensitivity")
    if fn is not None:
        return [f if isinstance(f, Flip) else Flip(f.indicator, f.before, f.after, Status(f.status))
                for f in fn(assessor, profile, rule_id)]
    kb = assessor.kb
    values = validate_answers(profile, kb)
    evaluate = assessor.evaluator.evaluate
    base = evaluate(values)[rule_id].status
    flips: list[Flip] = []
    for ind in rule_cone(kb, rule_id):
        current = values.get(ind)
        tries: list[Any] = [v for v in candidate_values(kb, ind, current) if v != current]
        if ind in values:
            tries.append("unknown")
        for v in tries:
            trial = dict(values)
            if v == "unknown":
                trial.pop(ind)
            else:
                trial[ind] = v
            status = evaluate(trial)[rule_id].status
            if status != base:
                flips.append(Flip(ind, current, v, status))
    return flips


# ---------------------------------------------------------------------------------------
# Briefs

def render_brief(registry: Any, assessment: Assessment, profile: Profile, fmt: str = "md") -> str | None:
    """The brief from diagnostics.reports in `fmt`, or None when that package is not there yet."""
    render = optional("diagnostics.reports", "render_brief")
    if render is None:
        return None
    build = optional("diagnostics.reports", "build_context")
    context: Any = build(assessment, registry) if build is not None else assessment
    return str(render(context, fmt))
