"""The three-valued reference evaluator (Kleene logic) over the same rule trees.

It gives every rule a status: fired, not_fired, not_assessable (naming the indicators that
would decide it) or not_applicable (gate false). It explains "why not" for rules that did
not fire, cross-checks durable-rules, and is a backend of its own (`--engine reference`)
for machines where durable-rules cannot be built.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .conditions import TV, Evaluation, LeafResult, evaluate
from .kb import KnowledgeBase
from .knowledge import Compare, Finding, Known, Rule


class Status(StrEnum):
    FIRED = "fired"
    NOT_FIRED = "not_fired"
    NOT_ASSESSABLE = "not_assessable"
    NOT_APPLICABLE = "not_applicable"


STATUS_TV = {
    Status.FIRED: TV.TRUE,
    Status.NOT_FIRED: TV.FALSE,
    Status.NOT_APPLICABLE: TV.FALSE,
    Status.NOT_ASSESSABLE: TV.UNKNOWN,
}


@dataclass
class RuleOutcome:
    rule_id: str
    status: Status
    when: Evaluation | None = None
    gate: Evaluation | None = None
    missing_evidence: list[str] = field(default_factory=list)  # "formal" / "informal"
    missing: list[str] = field(default_factory=list)  # indicator ids that would decide it
    waiting_on: list[str] = field(default_factory=list)  # rule ids not yet assessable

    @property
    def true_leaves(self) -> list[LeafResult]:
        out = list(self.gate.true_leaves) if self.gate else []
        return out + (list(self.when.true_leaves) if self.when else [])

    @property
    def false_leaves(self) -> list[LeafResult]:
        if self.status is Status.NOT_APPLICABLE and self.gate:
            return list(self.gate.false_leaves)
        return list(self.when.false_leaves) if self.when else []


def _unknowns(ev: Evaluation) -> tuple[list[str], list[str]]:
    inds: list[str] = []
    rules: list[str] = []
    for lf in ev.unknown_leaves:
        leaf = lf.leaf
        if isinstance(leaf, Compare) and leaf.indicator not in inds:
            inds.append(leaf.indicator)
        elif isinstance(leaf, Known) and leaf.known not in inds:
            inds.append(leaf.known)
        elif isinstance(leaf, Finding) and leaf.finding not in rules:
            rules.append(leaf.finding)
    return inds, rules


def evaluate_rule(rule: Rule, values: Mapping[str, Any], status_of: Mapping[str, Status]) -> RuleOutcome:
    def finding_tv(rule_id: str) -> TV:
        return STATUS_TV[status_of[rule_id]]

    gate_ev = evaluate(rule.gate, values, finding_tv) if rule.gate is not None else None
    if gate_ev is not None and gate_ev.value is TV.FALSE:
        return RuleOutcome(rule.id, Status.NOT_APPLICABLE, gate=gate_ev)
    missing_sides: list[str] = []
    missing_inds: list[str] = []
    if rule.evidence is not None:
        for side in ("formal", "informal"):
            ids = getattr(rule.evidence, side)
            if not any(i in values for i in ids):
                missing_sides.append(side)
                missing_inds += [i for i in ids if i not in missing_inds]
    when_ev = evaluate(rule.when, values, finding_tv)
    out = RuleOutcome(rule.id, Status.NOT_FIRED, when=when_ev, gate=gate_ev, missing_evidence=missing_sides)
    if missing_sides:
        # Design rule R-2: a mismatch is never judged on one side of the evidence alone.
        out.status = Status.NOT_ASSESSABLE
    elif when_ev.value is TV.FALSE:
        out.status = Status.NOT_FIRED
    elif when_ev.value is TV.TRUE and (gate_ev is None or gate_ev.value is TV.TRUE):
        out.status = Status.FIRED
    else:
        out.status = Status.NOT_ASSESSABLE
    if out.status is Status.NOT_ASSESSABLE:
        inds, rules = _unknowns(when_ev)
        if gate_ev is not None and gate_ev.value is TV.UNKNOWN:
            g_inds, g_rules = _unknowns(gate_ev)
            inds = g_inds + [i for i in inds if i not in g_inds]
            rules = g_rules + [r for r in rules if r not in g_rules]
        out.missing = missing_inds + [i for i in inds if i not in missing_inds]
        out.waiting_on = rules
    return out


class ReferenceEvaluator:
    """Evaluate every rule of a knowledge base in dependency order."""

    name = "reference"

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    def evaluate(self, values: Mapping[str, Any]) -> dict[str, RuleOutcome]:
        status: dict[str, Status] = {}
        out: dict[str, RuleOutcome] = {}
        for rule_id, rule in self.kb.rules.items():  # topological order
            res = evaluate_rule(rule, values, status)
            status[rule_id] = res.status
            out[rule_id] = res
        return out

    def fired(self, values: Mapping[str, Any]) -> list[str]:
        return [r for r, o in self.evaluate(values).items() if o.status is Status.FIRED]
