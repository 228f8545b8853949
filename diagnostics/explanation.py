"""A finding's explanation record (`FindingResult`), built once, here.

The CLI, the TUI and the briefs only format these records. A fired finding's "how" comes
from the premises its durable-rules firing matched (or, in incremental mode, from the logic
core), expanded down to the answers with their provenance; a finding that did not fire says
why not or what is missing; confidence follows the rubric of MAP.md §9.

A finding's explanation is computed when a consumer first reads it (`LazyModel`): an
assessment costs the forward chaining and the statuses, and a caller that shows three
findings pays for three explanations. Reading, comparing, copying or serialising a record
gives exactly what computing it eagerly would.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Self

from pydantic import Field, PrivateAttr, SerializerFunctionWrapHandler, model_serializer

from .condition_tree import Compare, Finding, Known, rule_text
from .i18n import _, current_language, gettext, pgettext, set_language
from .knowledge import Rule, Tier
from .logic import LeafResult, RuleOutcome, Status, T, explain, holds
from .profile import Answer, EvidenceGrade
from .provenance import plugin_of
from .record_base import Deferred

if TYPE_CHECKING:
    from .kb import KnowledgeBase

CONFIDENCE_ORDER = ["low", "medium", "high"]

Confidence = Literal["high", "medium", "low"]


class TraceStep(Deferred):
    """One premise a finding used: an answer (with its evidence) or another finding."""

    kind: Literal["answer", "finding"]
    condition: str
    indicator: str | None = None
    value: Any = None
    source: str = ""
    evidence: str | None = None
    as_of: int | None = None
    rule: str | None = None
    proxy: str = ""  # the standard measure this answer was derived from, if any


class LazyModel(Deferred):
    """A model some of whose fields are computed when one of them is first read.

    `lazy(fields, compute)` makes an instance holding `fields`; `compute()` returns the rest
    and runs at most once, when a missing field is read or the record is compared, copied,
    printed or serialised. A field assigned before that keeps the assigned value.
    """

    # Deferred: validators and serialisers are built when first used (a --json dump, a file
    # read back); printing an assessment needs none of them (start-up, issue 11).
    _pending: Callable[[], dict[str, Any]] | None = PrivateAttr(default=None)

    @classmethod
    def lazy(cls, fields: dict[str, Any], compute: Callable[[], dict[str, Any]]) -> Self:
        obj = cls.__new__(cls)
        object.__setattr__(obj, "__dict__", fields)
        object.__setattr__(obj, "__pydantic_fields_set__", set(fields))
        object.__setattr__(obj, "__pydantic_extra__", None)
        object.__setattr__(obj, "__pydantic_private__", {"_pending": compute})
        return obj

    def materialise(self) -> Self:
        """Compute the pending fields now (a no-op once they are in)."""
        private = self.__pydantic_private__
        compute = private.get("_pending") if private else None
        if compute is not None:
            computed = compute()
            private["_pending"] = None  # type: ignore[index]
            fields = self.__dict__
            if fields.keys().isdisjoint(computed):
                fields.update(computed)
                self.__pydantic_fields_set__.update(computed)
                return self
            for name, value in computed.items():
                if name not in fields:  # assigned before it was read: keep what was given
                    fields[name] = value
                    self.__pydantic_fields_set__.add(name)
        return self

    @property
    def pending(self) -> Callable[[], dict[str, Any]] | None:
        private = self.__pydantic_private__
        return private.get("_pending") if private else None

    if not TYPE_CHECKING:  # mypy keeps checking attribute names; at run time a missing field is computed
        def __getattr__(self, name: str) -> Any:
            if name in type(self).__pydantic_fields__ and self.pending is not None:
                return getattr(self.materialise(), name)
            return super().__getattr__(name)

    @model_serializer(mode="wrap")
    def _serialise(self, handler: SerializerFunctionWrapHandler) -> Any:
        return handler(self.materialise())

    def __eq__(self, other: object) -> bool:
        self.materialise()
        if isinstance(other, LazyModel):
            other.materialise()
        return super().__eq__(other)

    def __repr_args__(self) -> Any:
        return super(LazyModel, self.materialise()).__repr_args__()

    def __iter__(self) -> Any:
        return super(LazyModel, self.materialise()).__iter__()

    def __getstate__(self) -> dict[Any, Any]:
        return super(LazyModel, self.materialise()).__getstate__()

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Self:
        return super(LazyModel, self.materialise()).__deepcopy__(memo)


class FindingResult(LazyModel):
    rule: str
    title: str
    layer: str
    role: str | None = None  # root_cause | diagnosis | function_rollup | outcome (top level only)
    theme: str
    function: str
    status: Status
    severity: str
    confidence: Confidence | None = None
    confidence_reasons: list[str] = Field(default_factory=list)
    trace: list[TraceStep] = Field(default_factory=list)  # how it fired
    why_not: list[str] = Field(default_factory=list)  # failing conditions
    missing: list[str] = Field(default_factory=list)  # indicators that would decide it
    waiting_on: list[str] = Field(default_factory=list)  # rules not yet assessable
    missing_evidence: list[str] = Field(default_factory=list)  # mismatch side(s) absent
    gate_reason: str = ""
    supporting: list[str] = Field(default_factory=list)  # evidence+ comparisons that hold
    evidence_kinds: list[str] = Field(default_factory=list)  # evidence grades of all answers beneath
    proxies: list[str] = Field(default_factory=list)  # informal indicators beneath read from a survey proxy
    rolls_up_to: list[str] = Field(default_factory=list)
    directions: list[str] = Field(default_factory=list)
    citations: list[str] = Field(default_factory=list)
    background: bool = False
    plugin: str = ""  # the plugin whose own finding this is; "" for the thesis's (diagnostics.provenance)


class KnownValues(dict[str, Any]):
    """Indicator id -> normalised known value, with the answer each value came from.

    `answers` carries each value's provenance (source, evidence, year) into the findings'
    explanations; a value filled in by a later step (for example from a standard measure)
    brings its own answer record saying where it came from.
    """

    answers: dict[str, Answer]


@dataclass(eq=False)
class ExplainContext:
    """What the pending explanations of one assessment state are computed from."""

    values: KnownValues
    outcomes: Mapping[str, RuleOutcome]  # rule id -> status with explanation (computed on demand)
    findings: Mapping[str, FindingResult]  # the state's findings: a fired rule's premises
    tier: Tier | None
    steps: dict[tuple[str, str], TraceStep] = field(default_factory=dict)  # one step per premise text


class _Pending:
    """A finding's explanation, not yet computed (see `Explainer.finding`); it is written in
    the language that was current when the finding was made, as if computed then."""

    __slots__ = ("explainer", "rule", "status", "positions", "context", "language")

    def __init__(self, explainer: Explainer, rule: Rule, status: Status, positions: tuple[int, ...] | None,
                 context: ExplainContext) -> None:
        self.explainer, self.rule, self.status = explainer, rule, status
        self.positions, self.context = positions, context
        self.language = current_language()

    def __call__(self) -> dict[str, Any]:
        reading = current_language()
        if reading == self.language:
            return self.explainer.explanation(self.rule, self.status, self.positions, self.context)
        set_language(self.language)
        try:
            return self.explainer.explanation(self.rule, self.status, self.positions, self.context)
        finally:
            set_language(reading)


def carry_over(findings: Mapping[str, FindingResult], context: ExplainContext) -> None:
    """Point the pending explanations of findings carried into a new state at that state.

    Only findings whose rule the changed answers cannot reach are carried over, so their
    explanation is the same from either state; pointing them at the newest state keeps the
    older states from being held alive through them."""
    for f in findings.values():
        pending = f.pending
        if isinstance(pending, _Pending):
            pending.context = context


class Explainer:
    """Builds the explanation records of one knowledge base's findings."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.logic = kb.logic
        self._statics: dict[str, dict[str, Any]] = {}

    def how(self, rule_id: str, positions: tuple[int, ...], values: Mapping[str, Any]) -> list[LeafResult]:
        """The premises a firing matched, down to the answers: parts are expanded into the
        comparisons that held in them. Evidence sets are listed separately (see _finding)."""
        chain = self.logic.chaining.rules[self.logic.index[rule_id]]
        out: list[LeafResult] = []
        for pos in positions:
            if chain.sections[pos] == "evidence":
                continue
            premise = chain.premises[pos]
            if isinstance(premise, Finding):
                out.append(LeafResult(premise, T))
            else:
                out.extend(explain(premise.node, values, {}).true_leaves)
        return out

    def finding(self, rule: Rule, status: Status, positions: tuple[int, ...] | None,
                context: ExplainContext) -> FindingResult:
        """The finding of `rule` with `status`; its explanation is computed when first read.

        `positions` are the premise positions a durable-rules firing matched (None: the
        logic core explains the rule from `context.outcomes`)."""
        return FindingResult.lazy({**self.static(rule), "status": status},
                                  _Pending(self, rule, status, positions, context))

    def explanation(self, rule: Rule, status: Status, positions: tuple[int, ...] | None,
                    context: ExplainContext) -> dict[str, Any]:
        """Every field of a finding that its rule and status alone do not give."""
        values, steps = context.values, context.steps
        if status is _FIRED and positions is not None:
            outcome = None
            how = self.how(rule.id, positions, values)
        else:
            outcome = context.outcomes[rule.id]
            how = outcome.true_leaves
        out: dict[str, Any] = {
            "confidence": None, "confidence_reasons": [], "trace": [], "why_not": [],
            "missing": list(outcome.missing) if outcome else [],
            "waiting_on": list(outcome.waiting_on) if outcome else [],
            "missing_evidence": list(outcome.missing_evidence) if outcome else [],
            "gate_reason": "", "supporting": [], "evidence_kinds": [], "proxies": [],
            "rolls_up_to": list(self.kb.rolls_up_to.get(rule.id, [])),
            "directions": list(rule.directions), "citations": list(rule.citations),
        }
        if status is _NOT_APPLICABLE:
            assert outcome is not None
            out["gate_reason"] = rule.gate_reason or "its context gate does not hold"
            out["why_not"] = [_describe(lf) for lf in outcome.false_leaves]
        elif status is _NOT_FIRED:
            assert outcome is not None
            out["why_not"] = [_describe(lf) for lf in outcome.false_leaves]
        elif status is _FIRED:
            trace = [_step(lf, values, steps) for lf in how]
            if rule.evidence is not None:
                for i in (*rule.evidence.formal, *rule.evidence.informal):
                    a = values.answers.get(i)
                    if a is not None and a.known:
                        key = (i, "evidence")
                        if key not in steps:
                            steps[key] = _answer_step(i, a, f"{i} is answered (mismatch evidence)")
                        trace.append(steps[key])
            supporting = [c.describe() for c in rule.supporting
                          if c.indicator in values and holds(c, values[c.indicator])]
            done = context.findings
            premises = [done[t.rule] for t in trace if t.kind == "finding" and t.rule is not None and t.rule in done]
            grades = {t.evidence or "ungraded" for t in trace if t.kind == "answer"}
            proxied = {t.indicator for t in trace if t.kind == "answer" and t.proxy and t.indicator}
            (out["confidence"], out["confidence_reasons"], out["evidence_kinds"],
             out["proxies"]) = self.confidence(rule, grades, proxied, premises, supporting, context.tier)
            out["trace"], out["supporting"] = trace, supporting
        return out

    def static(self, rule: Rule) -> dict[str, Any]:
        """The fields of a finding that come from its rule alone (computed once per rule)."""
        hit = self._statics.get(rule.id)
        if hit is None:
            hit = {"rule": rule.id, "title": rule.title, "layer": rule.layer.value, "role": rule.role,
                   "theme": rule.theme, "function": rule.function.value, "severity": rule.severity.value,
                   "background": rule.background, "plugin": plugin_of(rule.provided_by)}
            self._statics[rule.id] = hit
        return hit

    def decide(self, rules: Mapping[str, Status], values: KnownValues, status: Mapping[str, Status],
               findings: dict[str, FindingResult], tier: Tier | None) -> None:
        """Statuses and confidence levels of `rules` into `findings`, without explanations (sweeps)."""
        for rule_id, st in rules.items():
            rule = self.kb.rules[rule_id]
            extra: dict[str, Any] = {}
            if st is _FIRED:
                grades: set[str] = set()
                proxied: set[str] = set()
                premises: list[FindingResult] = []
                used = self.logic.used_leaves(rule_id, values, status)
                if rule.evidence is not None:
                    used += [Known(known=i) for i in (*rule.evidence.formal, *rule.evidence.informal)
                             if i in values.answers]
                for leaf in used:
                    if isinstance(leaf, Finding):
                        if leaf.finding in findings:
                            premises.append(findings[leaf.finding])
                        continue
                    ind = leaf.indicator if isinstance(leaf, Compare) else leaf.known
                    a = values.answers[ind]
                    grades.add(_GRADE[a.evidence] if a.evidence else "ungraded")
                    if a.proxy:
                        proxied.add(ind)
                # Supporting evidence only adds a reason, never changes the level.
                conf, _, kinds, proxies = self.confidence(rule, grades, proxied, premises, [], tier)
                extra = {"confidence": conf, "evidence_kinds": kinds, "proxies": proxies}
            findings[rule_id] = FindingResult.lazy({**self.static(rule), "status": st, **extra}, _no_explanation)

    def confidence(self, rule: Rule, answer_grades: set[str], proxied: set[str], premises: list[FindingResult],
                    supporting: list[str], tier: Tier | None) -> tuple[Confidence, list[str], list[str], list[str]]:
        """The rubric of MAP.md §9: rule evidence, independent source types beneath, tier.

        `answer_grades` and `proxied` are the evidence grades and the proxied indicators of the answers
        the rule used itself; returns the level, its reasons, and the evidence kinds and
        proxied indicators of everything beneath."""
        level = 2
        reasons: list[str] = []
        grades = set(rule.evidence_grade.replace("contested:", "").split("+"))
        if "doc" in grades:
            reasons.append(_("the thesis documents this mechanism ({grade})").format(grade=rule.evidence_grade))
        elif "int" in grades:
            level = 1
            reasons.append(_("the thesis rests this on interviews without documents ({grade})").format(
                grade=rule.evidence_grade))
        elif "blog" in grades:
            level = 0
            reasons.append(_("the thesis's support is mainly a second-hand blog summary"))
        else:
            level = 1
            reasons.append(_("this link is the thesis author's interpretation"))
        beneath = set(answer_grades)
        proxied = set(proxied)
        for p in premises:
            beneath.update(p.evidence_kinds)
            proxied.update(p.proxies)
        kinds, proxies = sorted(beneath), sorted(proxied)
        independent = beneath & _INDEPENDENT
        if not independent:
            if _SECONDARY in beneath:
                level = 0
                reasons.append(_("the answers beneath come only from second-hand reports"))
            else:
                level = min(level, 1)
                reasons.append(_("the answers beneath are expert judgements or calibrations only"))
        elif len(independent) == 1:
            level = min(level, 1)
            reasons.append(_("the answers beneath come from one source type ({kind})").format(
                kind=grade_word(next(iter(independent)))))
        else:
            reasons.append(_("the answers beneath come from independent source types: {kinds}").format(
                kinds=", ".join(grade_word(k) for k in sorted(independent))))
        if proxies:
            # A survey measure read as an informal indicator is an inference, not an observation.
            level = min(level, 1)
            reasons.append(_("rests on a survey proxy for {ids} (a standard measure read in place of the analyst's "
                             "own evidence)").format(ids=", ".join(proxies)))
        if any(p.confidence == "low" for p in premises):
            level = min(level, 1)
            reasons.append(_("a finding it builds on has low confidence"))
        if supporting:
            reasons.append(_("supporting evidence holds: {items}").format(items="; ".join(supporting)))
        if tier is None:
            level = min(level, 1)
            reasons.append(_("the country family has no tier, so fit with the thesis case is unknown"))
        elif tier == Tier.C:
            level = min(level, 1)
            reasons.append(_("tier C: a contrast case whose legacy differs from the thesis case"))
        elif tier in (Tier.D, Tier.E):
            level = 0
            reasons.append(_("tier {tier}: outside the post-Soviet scope the thesis studied (analogy only)").format(
                tier=tier.value))
        else:
            reasons.append(_("tier {tier}: shares the legacy of the thesis case").format(tier=tier.value))
        return CONFIDENCE_ORDER[level], reasons, kinds, proxies  # type: ignore[return-value]


# Steps are made from validated answers and rule texts, so without validating them again:
# printing an explanation then builds no validator (nor has pydantic look for its plugins).
def _answer_step(ind: str, a: Answer, condition: str) -> TraceStep:
    return TraceStep.model_construct(kind="answer", condition=condition, indicator=ind,
                                     value=list(a.value) if isinstance(a.value, tuple) else a.value,
                                     source=a.source, evidence=_GRADE[a.evidence] if a.evidence else None,
                                     as_of=a.as_of, proxy=a.proxy)


def _step(lf: LeafResult, values: KnownValues, steps: dict[tuple[str, str], TraceStep]) -> TraceStep:
    text = lf.describe()
    leaf = lf.leaf
    ind = leaf.finding if isinstance(leaf, Finding) else leaf.indicator if isinstance(leaf, Compare) else leaf.known
    step = steps.get((ind, text))
    if step is None:
        if isinstance(leaf, Finding):
            step = TraceStep.model_construct(kind="finding", condition=text, rule=ind)
        else:
            step = _answer_step(ind, values.answers[ind], text)
        steps[(ind, text)] = step
    return step


def _describe(lf: LeafResult) -> str:
    leaf = lf.leaf
    if isinstance(leaf, Finding):
        return _("needs {finding}, which did not fire").format(finding=leaf.finding)
    if isinstance(leaf, Known):
        return _("{indicator} is not answered").format(indicator=leaf.known)
    return _("needs {condition}, but the answer is {actual}").format(condition=lf.describe(),
                                                                   actual=rule_text(lf.actual))


def grade_word(grade: str) -> str:
    """An evidence grade in the current language ('documented'; the glossary's term in Russian);
    a grade the catalog has no context entry for is read as words ('expert judgement')."""
    word = pgettext("evidence grade", grade)
    return gettext(grade.replace("_", " ")) if word == grade and "_" in grade else word


def _no_explanation() -> dict[str, Any]:
    """The explanation fields of a finding decided without explanations: their defaults."""
    return {name: f.get_default(call_default_factory=True) for name, f in FindingResult.model_fields.items()}


_GRADE = {g: g.value for g in EvidenceGrade}  # an enum's .value is slow in the hot path
_INDEPENDENT = frozenset({EvidenceGrade.DOCUMENTED.value, EvidenceGrade.SURVEY.value, EvidenceGrade.INTERVIEW.value})
_SECONDARY = EvidenceGrade.SECONDARY.value
_FIRED, _NOT_FIRED, _NOT_APPLICABLE = Status.FIRED, Status.NOT_FIRED, Status.NOT_APPLICABLE
