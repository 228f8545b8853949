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
from .kb import KnowledgeBase
from .logic import DECIDED, Node, Status, T
from .profile import Profile

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
    return min(found, key=_size) if found else None


def _size(needs: frozenset[str]) -> tuple[int, list[str]]:
    return len(needs), sorted(needs)


def _union(parts: Iterable[Needs]) -> Needs:
    out: set[str] = set()
    for p in parts:
        if p is None:
            return None
        out |= p
    return frozenset(out)


class _Planner:
    """Fewest answers that make a condition true or false, given the answers known now.

    It walks the logic core's compiled trees (diagnostics.logic): leaves are judged by the
    core's own tests, and `all`, `any` and `at_least` alike are "at least `need` children".
    """

    def __init__(self, kb: KnowledgeBase, values: Mapping[str, Any], status: Mapping[str, Status]) -> None:
        self.logic, self.values, self.status = kb.logic, values, status
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
                self.memo[key] = self._fire(rule_id) if fire else self._fail(rule_id)
        return self.memo[key]

    def _fire(self, rule_id: str) -> Needs:
        rule = self.logic.by_id[rule_id]
        gate = [self.cond(rule.gate, True)] if rule.gate is not None else []
        return _union([*gate, *(self._answered(side) for side in rule.evidence), self.cond(rule.when, True)])

    def _fail(self, rule_id: str) -> Needs:
        # As the core decides: a false gate rules the problem out; otherwise the condition
        # must fail with both sides of any mismatch evidence answered.
        rule = self.logic.by_id[rule_id]
        fails = _union([*(self._answered(side) for side in rule.evidence), self.cond(rule.when, False)])
        gate = [self.cond(rule.gate, False)] if rule.gate is not None else []
        return _smallest([*gate, fails])

    def _answered(self, side: tuple[str, ...]) -> Needs:
        """One side of a mismatch's evidence: answered, or the first answer that would fill it."""
        if any(i in self.values for i in side):
            return frozenset()
        return _smallest(frozenset({i}) for i in side)

    def cond(self, node: Node, want: bool) -> Needs:
        leaf = node.leaf
        if node.kind == "finding":
            return self.rule(leaf.finding, want)
        if node.kind == "known":
            if leaf.known in self.values:
                return frozenset() if want else None
            # a missing side of the evidence is filled by answering; it is never "decided false"
            return frozenset({leaf.known}) if want else None
        if node.kind == "cmp":
            if leaf.indicator not in self.values:
                return frozenset({leaf.indicator})
            return frozenset() if (node.tv(self.values, self.status) == T) == want else None
        if node.kind == "not":
            return self.cond(node.kids[0], not want)
        # all / any / at_least: `need` children must hold; to fail, all but need - 1 must fail
        need = node.need if want else len(node.kids) - node.need + 1
        reachable = sorted((s for s in (self.cond(k, want) for k in node.kids) if s is not None), key=len)
        return _union(reachable[:need]) if len(reachable) >= need else None


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
