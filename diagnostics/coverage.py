"""Coverage: which diagnoses a profile decides, on what kind of evidence, and what is missing.

For each diagnosis of an assessment this says whether it is decided (fired, not fired, or not
applicable), how many of the answers beneath it are survey proxies, and the fewest further
answers that could decide it (an upper bound found on the condition trees: answers that
several branches share are counted once where the tree shows it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .assessment import Assessment, validate_answers
from .condition_tree import All, AnyOf, AtLeast, Compare, Finding, Known
from .kb import KnowledgeBase, condition_parts
from .logic import Status, holds
from .profile import Profile

DECIDED = {Status.FIRED, Status.NOT_FIRED, Status.NOT_APPLICABLE}
CORE_DIAGNOSES = (
    "dx.formal_informal_mismatch",
    "dx.borrowed_instruments",
    "dx.state_procurement_distortion",
    "dx.fdi_spillover_failure",
    "dx.imaginary_driven_policy",
    "dx.regulatory_burden_and_corruption",
)

Needs = frozenset[str] | None  # indicators still to answer; None: cannot be reached by answering


def _smallest(options: Iterable[Needs]) -> Needs:
    found = [o for o in options if o is not None]
    return min(found, key=lambda s: (len(s), sorted(s))) if found else None


def _union(parts: Iterable[Needs]) -> Needs:
    out: set[str] = set()
    for p in parts:
        if p is None:
            return None
        out |= p
    return frozenset(out)


class _Planner:
    """Fewest answers that make a condition true or false, given the answers known now."""

    def __init__(self, kb: KnowledgeBase, values: Mapping[str, Any], status: Mapping[str, Status]) -> None:
        self.kb, self.values, self.status = kb, values, status
        self.memo: dict[tuple[str, bool], Needs] = {}

    def rule(self, rule_id: str, fire: bool) -> Needs:
        key = (rule_id, fire)
        if key not in self.memo:
            self.memo[key] = None  # guards against cycles (the knowledge base has none)
            st = self.status.get(rule_id)
            if st is Status.FIRED:
                self.memo[key] = frozenset() if fire else None
            elif st in (Status.NOT_FIRED, Status.NOT_APPLICABLE):
                self.memo[key] = None if fire else frozenset()
            else:
                rule = self.kb.rules[rule_id]
                parts = condition_parts(rule)
                if fire:
                    self.memo[key] = _union(self.cond(p, True) for p in parts)
                else:
                    # As the evaluator decides: a false gate rules the problem out; otherwise the
                    # condition must fail with both sides of any mismatch evidence answered.
                    gate = [parts.pop(0)] if rule.gate is not None else []
                    sides = [parts.pop(0), parts.pop(0)] if rule.evidence is not None else []
                    fails = _union([*(self.cond(p, True) for p in sides),
                                    _smallest(self.cond(p, False) for p in parts)])
                    self.memo[key] = _smallest([*(self.cond(g, False) for g in gate), fails])
        return self.memo[key]

    def cond(self, c: Any, want: bool) -> Needs:
        if isinstance(c, Compare):
            if c.indicator not in self.values:
                return frozenset({c.indicator})
            return frozenset() if holds(c, self.values[c.indicator]) == want else None
        if isinstance(c, Known):
            if c.known in self.values:
                return frozenset() if want else None
            # a missing side of the evidence is filled by answering; it is never "decided false"
            return frozenset({c.known}) if want else None
        if isinstance(c, Finding):
            return self.rule(c.finding, want)
        if isinstance(c, All):
            kids = [self.cond(k, want) for k in c.all]
            return _union(kids) if want else _smallest(kids)
        if isinstance(c, AnyOf):
            kids = [self.cond(k, want) for k in c.any]
            return _smallest(kids) if want else _union(kids)
        if isinstance(c, AtLeast):
            spec = c.at_least
            need = spec.k if want else len(spec.of) - spec.k + 1
            reachable: list[frozenset[str]] = sorted(
                (s for s in (self.cond(k, want) for k in spec.of) if s is not None), key=len)
            return _union(reachable[:need]) if len(reachable) >= need else None
        raise TypeError(f"not a condition: {c!r}")


@dataclass
class DiagnosisCoverage:
    rule: str
    title: str
    status: Status
    decided: bool
    proxies: list[str] = field(default_factory=list)  # informal indicators read from a survey proxy
    to_decide: list[str] = field(default_factory=list)  # fewest further answers that could decide it
    reachable: bool = True  # False when no set of further answers can decide it

    def as_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "title": self.title, "status": self.status.value, "decided": self.decided,
                "proxies": self.proxies, "to_decide": self.to_decide, "reachable": self.reachable}


def indicators_beneath(kb: KnowledgeBase, rule_id: str) -> set[str]:
    """Every indicator a rule reads, directly or through the findings it builds on."""
    return set(kb.logic.closures[rule_id])


def diagnosis_coverage(kb: KnowledgeBase, assessment: Assessment, profile: Profile,
                       rules: Iterable[str] = CORE_DIAGNOSES) -> list[DiagnosisCoverage]:
    """Coverage of the given diagnoses in one assessment of `profile`."""
    values = validate_answers(profile, kb)  # with proxies: the values the engine saw
    proxied = {k for k, a in values.answers.items() if a.proxy}
    status = {f.rule: f.status for f in assessment.findings}
    planner = _Planner(kb, values, status)
    out = []
    for rule_id in rules:
        f = assessment.finding(rule_id)
        row = DiagnosisCoverage(rule=rule_id, title=f.title, status=f.status, decided=f.status in DECIDED,
                                proxies=sorted(proxied & indicators_beneath(kb, rule_id)))
        if not row.decided:
            best = _smallest((planner.rule(rule_id, True), planner.rule(rule_id, False)))
            row.reachable = best is not None
            row.to_decide = sorted(best or ())
        out.append(row)
    return out
