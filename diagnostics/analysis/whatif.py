"""What-if: the findings that change when some answers change (two fresh assessments).

`finding_changes` is the one diff of two assessments; the CLI and the TUI both use it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..answers import format_value, parse_answer
from ..assessment import Assessment, Assessor, FindingResult
from ..errors import DataError
from ..i18n import _
from ..kb import KnowledgeBase, did_you_mean
from ..knowledge import Layer
from ..logic import Status
from ..profile import Answer, Profile
from .values import closure_indicators


def parse_sets(kb: KnowledgeBase, items: Sequence[str]) -> dict[str, Answer | None]:
    """`ns.name=VALUE` strings -> answers (None removes the answer); DataError if malformed."""
    out: dict[str, Answer | None] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise DataError(_("--set {item}: expected ns.name=VALUE").format(item=repr(item)))
        if key in out:
            raise DataError(_("--set names {id} twice").format(id=key))
        out[key] = parse_answer(kb, key, text)
    return out


def answer_text(a: Answer | None) -> str:
    if a is None:
        return "unanswered"
    if a.unknown:
        return "unknown"
    return format_value(a.value, "rule")


@dataclass
class SetChange:
    indicator: str
    before: str
    after: str


@dataclass
class RuleChange:
    rule: str
    title: str
    layer: str
    kind: str  # appears | disappears | status | confidence
    before: Status
    after: Status
    before_confidence: str | None
    after_confidence: str | None
    inputs: list[str]  # changed indicators that this rule reads, directly or beneath
    explanation: list[str]  # why the new status holds
    trace: list[dict[str, Any]] = field(default_factory=list)  # new "how", when it fires

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule, "title": self.title, "layer": self.layer, "kind": self.kind,
            "before": {"status": self.before.value, "confidence": self.before_confidence},
            "after": {"status": self.after.value, "confidence": self.after_confidence},
            "inputs": self.inputs, "explanation": self.explanation, "trace": self.trace,
        }


@dataclass
class WhatIf:
    country: str
    settings: list[SetChange]
    changes: list[RuleChange]
    before: Assessment
    after: Assessment

    def diagnoses(self) -> list[RuleChange]:
        return [c for c in self.changes if c.layer == Layer.DIAGNOSIS.value]

    def change(self, rule_id: str) -> RuleChange | None:
        return next((c for c in self.changes if c.rule == rule_id), None)

    def as_json(self) -> dict[str, Any]:
        return {
            "country": self.country,
            "set": [{"indicator": s.indicator, "before": s.before, "after": s.after} for s in self.settings],
            "changes": [c.as_json() for c in self.changes],
            "fired_before": self.before.fired(),
            "fired_after": self.after.fired(),
            "audit": {"before": self.before.audit.model_dump(), "after": self.after.audit.model_dump()},
        }


def explain_finding(f: FindingResult) -> list[str]:
    """Short lines saying why a finding has its status (its trace, why-not or missing answers)."""
    if f.status is Status.FIRED:
        return [f"{s.condition}" + (f" (answer {format_value(s.value, 'rule')})" if s.kind == "answer" else "")
                for s in f.trace]
    if f.status is Status.NOT_APPLICABLE:
        return [f.gate_reason, *f.why_not]
    if f.status is Status.NOT_FIRED:
        return list(f.why_not)
    out = []
    if f.missing_evidence:
        out.append(_("no {kinds} evidence answered").format(kinds=_(" and no ").join(_(k) for k in f.missing_evidence)))
    if f.missing:
        out.append(_("would be decided by {indicators}").format(indicators=", ".join(f.missing)))
    if f.waiting_on:
        out.append(_("waiting on {rules}").format(rules=", ".join(f.waiting_on)))
    return out


def whatif(assessor: Assessor, profile: Profile, changes: Mapping[str, Answer | None],
           file: str | None = None) -> WhatIf:
    """Assess the profile as it is and with `changes`, and list what differs (two fresh runs)."""
    kb = assessor.kb
    for key in changes:
        if key not in kb.indicators:
            raise DataError(_("unknown indicator {id}").format(id=repr(key)) + did_you_mean(key, kb.indicators))
    before = assessor.assess(profile, file=file)
    changed_profile = profile.with_answers(dict(changes))
    after = assessor.assess(changed_profile, file=file)
    settings = [SetChange(k, answer_text(profile.answers.get(k)), answer_text(a)) for k, a in changes.items()]
    moved = {s.indicator for s in settings if s.before != s.after}
    out = finding_changes(before, after)
    for change in out:
        change.inputs = [i for i in closure_indicators(kb, change.rule) if i in moved]
    return WhatIf(profile.country, settings, out, before, after)


def finding_changes(before: Assessment, after: Assessment) -> list[RuleChange]:
    """The findings whose status or confidence differs, in the after-assessment's order."""
    out: list[RuleChange] = []
    by_rule = {f.rule: f for f in before.findings}
    for new in after.findings:
        old = by_rule.get(new.rule)
        if old is None:
            continue  # another knowledge base: nothing to compare with
        if old.status is new.status and old.confidence == new.confidence:
            continue
        if old.status is not new.status:
            if new.status is Status.FIRED:
                kind = "appears"
            elif old.status is Status.FIRED:
                kind = "disappears"
            else:
                kind = "status"
        else:
            kind = "confidence"
        explanation = explain_finding(new)
        if kind == "confidence":
            explanation = [r for r in new.confidence_reasons if r not in old.confidence_reasons] or explanation
        out.append(RuleChange(
            rule=new.rule, title=new.title, layer=new.layer, kind=kind,
            before=old.status, after=new.status,
            before_confidence=old.confidence, after_confidence=new.confidence,
            inputs=[], explanation=explanation,
            trace=[s.model_dump(mode="json") for s in new.trace],
        ))
    return out
