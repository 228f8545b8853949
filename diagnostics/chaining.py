"""The rules as forward chaining sees them: engine-neutral, compiled from the logic core.

Each rule becomes a set of alternatives over *parts* (subtrees without findings, decided in
Python before chaining and posted as facts when true) and *findings*: a DNF over findings
only, so a rule's alternatives grow only with its disjunctions over findings. engine.py turns
this into a durable-rules ruleset; bench/engine.py into CLIPS rules.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .condition_tree import All, AnyOf, AtLeast, Finding
from .logic import Node, Status, T, Values, compile_condition, threshold

if TYPE_CHECKING:
    from .kb import KnowledgeBase

# durable-rules ruleset, bench/ into CLIPS rules).
MAX_ALTERNATIVES = 256


def _too_many_ways() -> str:
    from .i18n import _

    return _("a condition has more than {limit} ways to hold over findings").format(limit=MAX_ALTERNATIVES)


class ChainingError(ValueError):
    """A rule cannot be compiled for forward chaining."""


@dataclass(eq=False)
class Part:
    """A subtree without findings: decided in Python before chaining, posted as a fact if true."""

    id: int  # global and dense among the parts posted as facts; -1 if merged into another
    rule: str
    position: int  # order of the premise within its rule (for the "how")
    section: str  # gate | evidence | when
    node: Node


@dataclass(frozen=True)
class Premise:
    """What one pattern of an alternative matches: a true part or a finding."""

    kind: str  # "part" | "finding"
    key: int  # part id, or the required rule's index
    positions: tuple[int, ...]  # premise positions it stands for in the rule


@dataclass(eq=False)
class ChainRule:
    rule: str
    index: int
    depth: int  # 1 + the deepest rule it requires: rules fire in this order
    alternatives: list[tuple[Premise, ...]]  # the ways the rule can fire
    premises: dict[int, Part | Finding]  # position -> what sits there
    sections: dict[int, str]  # position -> gate | evidence | when


@dataclass(eq=False)
class Chaining:
    rules: list[ChainRule]
    parts: list[Part]
    consumed: frozenset[str]  # rules whose findings other rules require

    def true_parts(self, values: Values) -> list[int]:
        empty: dict[str, Status] = {}
        return [p.id for p in self.parts if p.node.tv(values, empty) == T]


def _has_finding(cond: Any) -> bool:
    from .condition_tree import children

    if isinstance(cond, Finding):
        return True
    return any(_has_finding(c) for c in children(cond))


def compile_chaining(kb: KnowledgeBase) -> Chaining:
    """Each rule as alternatives over true parts and findings (a DNF over findings only).

    Subtrees without findings collapse into one part each, so a rule's alternatives grow
    only with its disjunctions over findings, and value tests never reach the engine.
    """
    from .kb import condition_parts

    parts: list[Part] = []
    rules: list[ChainRule] = []
    index = {rid: i for i, rid in enumerate(kb.rules)}
    depth: dict[str, int] = {}
    consumed: set[str] = set()
    for rid, rule in kb.rules.items():
        rc = _RuleCompiler(rid)
        conjuncts = condition_parts(rule)
        n_gate = 1 if rule.gate is not None else 0
        n_evidence = 2 if rule.evidence is not None else 0
        sections = ["gate" if n < n_gate else "evidence" if n < n_gate + n_evidence else "when"
                    for n in range(len(conjuncts))]
        # Neighbouring conjuncts without findings (in one section) make one part: one fact.
        grouped: list[tuple[str, list[Any]]] = []
        for section, c in zip(sections, conjuncts, strict=True):
            plain = not _has_finding(c)
            if grouped and plain and grouped[-1][0] == section and not _has_finding(All(all=tuple(grouped[-1][1]))):
                grouped[-1][1].append(c)
            else:
                grouped.append((section, [c]))
        alts = _product([rc.dnf(cs[0] if len(cs) == 1 else All(all=tuple(cs)), s) for s, cs in grouped])
        own = [p for p in rc.premises.values() if isinstance(p, Part)]
        merged: Part | None = None
        if len(alts) == 1 and len(own) > 1:
            # One way to fire: all its parts must hold, so they are posted as one fact.
            kids = tuple(p.node for p in own)
            node = Node("all", threshold(tuple(k.tv for k in kids), len(kids)), kids, need=len(kids))
            merged = Part(len(parts), rid, own[0].position, "merged", node)
            parts.append(merged)
        else:
            for p in own:
                p.id = len(parts)
                parts.append(p)
        alternatives: list[tuple[Premise, ...]] = []
        for alt in alts:
            by_key: dict[tuple[str, int], list[int]] = {}
            for pos in sorted(alt):
                premise = rc.premises[pos]
                if isinstance(premise, Part):
                    key = ("part", merged.id if merged is not None else premise.id)
                else:
                    key = ("finding", index[premise.finding])
                by_key.setdefault(key, []).append(pos)
            alternatives.append(tuple(Premise(k, i, tuple(ps)) for (k, i), ps in by_key.items()))
        required = [p.finding for p in rc.premises.values() if isinstance(p, Finding)]
        consumed.update(required)
        depth[rid] = 1 + max((depth[r] for r in required), default=0)
        rules.append(ChainRule(rid, index[rid], depth[rid], alternatives, rc.premises, rc.sections))
    return Chaining(rules, parts, frozenset(consumed))


class _RuleCompiler:
    """One rule's premises (parts and findings, numbered in tree order) and its DNF over them."""

    def __init__(self, rule_id: str) -> None:
        self.rule_id = rule_id
        self.premises: dict[int, Part | Finding] = {}
        self.sections: dict[int, str] = {}

    def _premise(self, premise: Part | Finding | None, cond: Any, section: str) -> list[frozenset[int]]:
        pos = len(self.premises)
        if premise is None:
            premise = Part(-1, self.rule_id, pos, section, compile_condition(cond))  # numbered once posted
        self.premises[pos] = premise
        self.sections[pos] = section
        return [frozenset((pos,))]

    def dnf(self, cond: Any, section: str) -> list[frozenset[int]]:
        from .condition_tree import children

        if not _has_finding(cond):
            return self._premise(None, cond, section)
        if isinstance(cond, Finding):
            return self._premise(cond, cond, section)
        kids = children(cond)
        if isinstance(cond, All):
            return _product([self.dnf(k, section) for k in kids])
        if isinstance(cond, AnyOf):
            return _union([self.dnf(k, section) for k in kids])
        if isinstance(cond, AtLeast):
            per = [self.dnf(k, section) for k in kids]
            return _union([_product(list(combo)) for combo in itertools.combinations(per, cond.at_least.k)])
        raise TypeError(f"unexpected node in a rule's normal form: {cond!r}")


def _union(options: list[list[frozenset[int]]]) -> list[frozenset[int]]:
    out = list(dict.fromkeys(a for opt in options for a in opt))
    if len(out) > MAX_ALTERNATIVES:
        raise ChainingError(_too_many_ways())
    return out


def _product(options: list[list[frozenset[int]]]) -> list[frozenset[int]]:
    acc: list[frozenset[int]] = [frozenset()]
    for opt in options:
        acc = list(dict.fromkeys(a | b for a in acc for b in opt))
        if len(acc) > MAX_ALTERNATIVES:
            raise ChainingError(_too_many_ways())
    return acc
