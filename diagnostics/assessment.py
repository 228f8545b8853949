"""Assessing a profile: findings with status, confidence, trace ("how") and "why not".

`Assessor` runs the forward chaining once (durable-rules): its firings are the fired
findings, and the premises each firing matched are their "how". The three-valued logic core
then decides only what forward chaining cannot: for the rules that did not fire, whether
they are not fired, not applicable or not assessable, and why. It must never find a rule
fired that durable-rules did not fire (that would be an engine defect: EngineError).
With `engine="reference"` the logic core decides everything.

Each finding's explanation (`FindingResult`) is built here, once; the CLI, the TUI and the
briefs only format it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import Field

from . import __version__
from .errors import DataError, EngineError
from .explanation import ExplainContext, Explainer, FindingResult, KnownValues, LazyModel, carry_over
from .explanation import TraceStep as TraceStep  # re-exported for the front ends
from .i18n import _
from .kb import KnowledgeBase, did_you_mean
from .knowledge import EvidenceKind, Layer, Tier
from .logic import RuleOutcome, Status
from .profile import Answer, AnswerError, Profile, check_value, profile_digest
from .proxies import with_proxies
from .record_base import Deferred

SCHEMA_VERSION = 1


class Coverage(Deferred):
    indicators: int
    answered: int
    unknown: int
    unanswered: int
    per_diagnosis: dict[str, list[str]] = Field(default_factory=dict)  # dx -> undecided indicators


class AuditStamp(LazyModel):
    package_version: str
    knowledge_base: str
    profile: str
    engine: str
    assessed_at: str
    schema_version: int = SCHEMA_VERSION


class Assessment(Deferred):
    """The JSON document `diagnose assess --json` prints (see docs/json-output.md)."""

    country: str
    name: str
    family: str
    tier: str | None
    as_of: str | None
    findings: list[FindingResult]
    coverage: Coverage
    imaginaries: list[str] = Field(default_factory=list)
    audit: AuditStamp

    def finding(self, rule_id: str) -> FindingResult:
        for f in self.findings:
            if f.rule == rule_id:
                return f
        raise KeyError(rule_id)

    def status(self, rule_id: str) -> Status:
        return self.finding(rule_id).status

    def fired(self) -> list[str]:
        return [f.rule for f in self.findings if f.status is Status.FIRED]

    def diagnoses(self) -> list[FindingResult]:
        return [f for f in self.findings if f.layer == Layer.DIAGNOSIS.value]


# ---------------------------------------------------------------------------------------
def validate_answers(profile: Profile, kb: KnowledgeBase, file: str | None = None,
                     lines: Mapping[Any, int] | None = None) -> KnownValues:
    """The known values the engine sees: every answer checked against its indicator, and
    unanswered informal indicators filled from standard measures (`proxies.with_proxies`).

    The one place a profile becomes values; `lines` (key path -> line, from
    yamlio.load_data) lets errors name the line.
    """
    profile = with_proxies(profile, kb)
    lines = lines or {}
    values = KnownValues()
    values.answers = {}
    for ind_id, answer in profile.answers.items():
        spec = kb.indicators.get(ind_id)
        if spec is None:
            raise DataError(_("answers: unknown indicator {id}").format(id=repr(ind_id))
                            + did_you_mean(ind_id, kb.indicators),
                            file=file, line=lines.get(("answers", ind_id)))
        if answer.unknown or answer.value is None:
            continue
        try:
            value = check_value(spec, answer.value)
        except AnswerError as exc:
            line = lines.get(("answers", ind_id, "value")) or lines.get(("answers", ind_id))
            raise DataError(str(exc), file=file, line=line) from None
        if not spec.display_only:
            values[ind_id] = value
            values.answers[ind_id] = answer
    return values


@dataclass
class AssessmentState:
    """What an assessment is built from: the known values, every rule's status, and the
    findings with their explanations (in topological order)."""

    profile: Profile
    values: KnownValues
    status: dict[str, Status]
    tier: Tier | None
    findings: dict[str, FindingResult] = field(default_factory=dict)
    outcomes: Mapping[str, RuleOutcome] = field(default_factory=dict)  # computed on demand
    explained: bool = True  # False once updated without explanations (statuses and levels only)
    context: ExplainContext | None = None  # what the findings' pending explanations read


class Assessor:
    """Assess profiles against one knowledge base with a chosen backend."""

    def __init__(self, kb: KnowledgeBase, engine: str = "durable") -> None:
        self.kb = kb
        self.logic = kb.logic
        self.engine_name = engine
        self.explainer = Explainer(kb)
        if engine == "durable":
            from .engine import DurableEngine  # the only import of durable-rules

            self.durable: Any = DurableEngine(kb)
        elif engine == "reference":
            self.durable = None
        else:
            raise DataError(_("unknown engine {engine}: use durable or reference").format(engine=repr(engine)))

    def close(self) -> None:
        """Free the engine's native resources now (they are freed on garbage collection too)."""
        if self.durable is not None:
            self.durable.close()

    def fired(self, values: Mapping[str, Any]) -> list[str]:
        if self.durable is not None:
            return list(self.durable.assess(values).fired)
        return [r for r, s in self.logic.statuses(values).items() if s is Status.FIRED]

    def statuses(self, values: Mapping[str, Any]) -> tuple[dict[str, Status], dict[str, tuple[int, ...]]]:
        """Every rule's status, and for each fired rule the premise positions it fired on."""
        if self.durable is None:
            return self.logic.statuses(values), {}
        result = self.durable.assess(values)
        how = {f.rule_id: f.positions for f in result.firings}
        status = self.logic.statuses(values, known=dict.fromkeys(how, Status.FIRED))
        extra = [r for r, s in status.items() if s is Status.FIRED and r not in how]
        if extra:
            raise EngineError(_("durable-rules did not fire {rules}, which the logic core finds fired")
                .format(rules=extra))
        return status, how

    def assess(self, profile: Profile, *, file: str | None = None, now: dt.datetime | None = None,
               lines: Mapping[Any, int] | None = None, digest: str | None = None) -> Assessment:
        """`digest`, when known (a profile from the cache carries it), is `profile_digest(profile)`."""
        state = self.state(profile, file=file, lines=lines)
        return self.assessment(state, now=now, digest=digest)

    def state(self, profile: Profile, *, file: str | None = None,
              lines: Mapping[Any, int] | None = None) -> AssessmentState:
        """Everything an assessment is built from, through the forward chaining."""
        values = validate_answers(profile, self.kb, file, lines)
        status, how = self.statuses(values)
        family = self.kb.families.get(profile.family)
        state = AssessmentState(profile, values, status, family.tier_of(profile.country) if family else None)
        self._explain(state, status, how)
        return state

    def update(self, base: AssessmentState, changes: Mapping[str, Answer | None], *,
               explain: bool = True) -> AssessmentState:
        """The state after some answers change: only the rules the changed answers can reach
        are re-decided (by the logic core, incrementally) and re-explained; the rest is reused."""
        kb = self.kb
        for ind_id in changes:
            if ind_id not in kb.indicators:
                raise DataError(_("unknown indicator {id}").format(id=repr(ind_id))
                                + did_you_mean(ind_id, kb.indicators))
        profile = base.profile.with_answers(dict(changes))
        if any(k in self.logic.proxy_related for k in changes):
            values = validate_answers(profile, kb)  # proxies move with the measures they read
        else:
            values = KnownValues(base.values)
            values.answers = dict(base.values.answers)
            for ind_id, answer in changes.items():
                values.pop(ind_id, None)
                values.answers.pop(ind_id, None)
                spec = kb.indicators[ind_id]
                if answer is None or answer.unknown or answer.value is None or spec.display_only:
                    continue
                try:
                    values[ind_id] = check_value(spec, answer.value)
                except AnswerError as exc:
                    raise DataError(str(exc)) from None
                values.answers[ind_id] = answer
        old = base.values.answers
        moved = [k for k in set(old) | set(values.answers)
                 if old.get(k) is not values.answers.get(k) and old.get(k) != values.answers.get(k)]
        status = self.logic.update(base.status, values, moved)
        state = AssessmentState(profile, values, status, base.tier, dict(base.findings),
                                explained=base.explained and explain)
        reached = {r: status[r] for r in self.logic.reached(moved)}
        if explain:
            self._explain(state, reached, {})
        else:
            self.explainer.decide(reached, state.values, state.status, state.findings, state.tier)
        return state

    def reassess(self, base: AssessmentState, profile: Profile, *, explain: bool = True) -> AssessmentState:
        """The state of `profile`, reached from `base` incrementally (a live panel's next answer)."""
        if profile.family != base.profile.family or profile.country != base.profile.country:
            return self.state(profile)
        old, new = base.profile.answers, profile.answers
        changes = {k: new.get(k) for k in set(old) | set(new)
                   if old.get(k) is not new.get(k) and old.get(k) != new.get(k)}
        state = self.update(base, changes, explain=explain)
        state.profile = profile
        return state

    def _explain(self, state: AssessmentState, rules: Mapping[str, Status],
                 how: Mapping[str, tuple[int, ...]]) -> None:
        """Build the findings of `rules` into `state`; their explanations are computed when read.

        Findings carried over from an earlier state are pointed at this one (`carry_over`)."""
        state.outcomes = self.logic.lazy_outcomes(state.values, state.status)
        context = ExplainContext(state.values, state.outcomes, state.findings, state.tier)
        carry_over(state.findings, context)
        state.context = context
        finding, rules_by_id = self.explainer.finding, self.kb.rules
        findings = state.findings
        for rule_id, st in rules.items():
            findings[rule_id] = finding(rules_by_id[rule_id], st, how.get(rule_id), context)

    def assessment(self, state: AssessmentState, *, now: dt.datetime | None = None,
                   digest: str | None = None) -> Assessment:
        """The assessment document of a state."""
        if not state.explained:
            raise ValueError("this state was updated without explanations: reassess it with explain=True")
        profile, findings, outcomes, tier = state.profile, state.findings, state.outcomes, state.tier
        ordered = sorted(findings.values(), key=_display_order)
        answered = sum(1 for a in profile.answers.values() if a.known)
        unknown = sum(1 for a in profile.answers.values() if a.unknown)
        # The assessor's own values, so constructed without validation: printing an assessment
        # then builds none of these models' validators (start-up, issue 11).
        coverage = Coverage.model_construct(
            indicators=len(self.kb.indicators),
            answered=answered,
            unknown=unknown,
            unanswered=len(self.kb.indicators) - answered - unknown,
            per_diagnosis={f.rule: undecided_indicators(outcomes, f.rule)
                           for f in ordered if f.layer == "diagnosis" and f.status is Status.NOT_ASSESSABLE},
        )
        stamp = AuditStamp.lazy(  # the profile's digest (a hash of its JSON) is computed when read
            {"package_version": __version__, "knowledge_base": self.kb.digest, "engine": self.engine_name,
             "assessed_at": (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
             "schema_version": SCHEMA_VERSION},
            lambda: {"profile": digest or profile_digest(profile)})
        return Assessment.model_construct(
            country=profile.country,
            name=profile.name or profile.country,
            family=profile.family,
            tier=tier.value if tier else None,
            as_of=profile.as_of.isoformat() if profile.as_of else None,
            findings=ordered,
            coverage=coverage,
            imaginaries=detect_imaginaries(profile, self.kb),
            audit=stamp,
        )

    # -----------------------------------------------------------------------------------
def undecided_indicators(outcomes: Mapping[str, RuleOutcome], rule_id: str) -> list[str]:
    """Unknown indicators that could still decide a not-assessable rule, through its open premises."""
    seen: list[str] = []
    stack = [rule_id]
    visited: set[str] = set()
    while stack:
        rid = stack.pop()
        if rid in visited:
            continue
        visited.add(rid)
        o = outcomes[rid]
        seen += [i for i in o.missing if i not in seen]
        stack.extend(reversed(o.waiting_on))
    return seen


ROLE_ORDER = {"root_cause": 0, "diagnosis": 1, "function_rollup": 2, "outcome": 3, None: 4}


def _display_order(f: FindingResult) -> tuple[int, int, int, str]:
    """Roots first, then diagnoses, roll-ups and the outcome; then findings by layer (R-5)."""
    layer_rank = {"diagnosis": 0, "manifestation": 1, "mechanism": 2, "policy": 3, "context": 4}
    status_rank = {Status.FIRED: 0, Status.NOT_ASSESSABLE: 1, Status.NOT_APPLICABLE: 2, Status.NOT_FIRED: 3}
    return layer_rank[f.layer], ROLE_ORDER[f.role], status_rank[f.status], f.rule


def detect_imaginaries(profile: Profile, kb: KnowledgeBase | None = None) -> list[str]:
    """Design rule R-8: every stated aspiration is listed as a candidate imaginary."""
    from .i18n import _, value_label

    out: list[str] = []
    spec = kb.indicators.get("strategy.aspirational_vision") if kb is not None else None
    vision = profile.answers.get("strategy.aspirational_vision")
    if vision is not None and vision.known and vision.value:
        items = vision.value if isinstance(vision.value, tuple) else (vision.value,)
        for v in items:
            if v != "none":
                out.append(_("official vision: {vision} — what tangible plan backs it?").format(
                    vision=value_label(spec, str(v))))
    claims = profile.answers.get("wto.io_success_claims")
    if claims is not None and claims.known and claims.value is True:
        out.append(_("international organisations credit accession with transforming the economy — "
                     "what measured evidence backs the claim?"))
    return out


def indicator_kinds(kb: KnowledgeBase) -> dict[str, EvidenceKind]:
    return {i.id: i.evidence_kind for i in kb.indicators.values()}
