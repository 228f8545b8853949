"""The logic core: one compiled three-valued condition tree per knowledge base.

Every three-valued question in the code base is answered here: the rule statuses of a
profile (full mode), the statuses after a few answers change (incremental mode, for the
planner, sensitivity, what-if and the TUI's live panel), and, on demand, the explanation
of one rule (which leaves made it true, false or open). The durable-rules backend reads
its compiled parts from here too (`engine_parts`).

Truth values are small ints (F < U < T) so that Kleene's `all` is a minimum and `any` a
maximum; `kleene` below is the one truth table, used by every node kind.
"""

from __future__ import annotations

import heapq
import itertools
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING, Any

from .knowledge import All, AnyOf, AtLeast, Compare, Finding, Known, Not

if TYPE_CHECKING:
    from .kb import KnowledgeBase

F, U, T = 0, 1, 2

# The operators of the rule language, defined once.
OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "lte": operator.le,
    "gt": operator.gt, "gte": operator.ge,
    "in": lambda a, e: a in e, "not_in": lambda a, e: a not in e,
    "contains": lambda a, e: e in a, "lacks": lambda a, e: e not in a,
}
NEGATE_OP = {
    "eq": "ne", "ne": "eq", "lt": "gte", "gte": "lt", "gt": "lte", "lte": "gt",
    "in": "not_in", "not_in": "in", "contains": "lacks", "lacks": "contains",
}


def kleene(n_true: int, n_unknown: int, need: int) -> int:
    """The truth table: at least `need` of the children must hold (all: every one, any: one)."""
    if n_true >= need:
        return T
    if n_true + n_unknown < need:
        return F
    return U


def compare(op: str, actual: Any, expected: Any) -> bool:
    return bool(OPS[op](actual, expected))


def holds(leaf: Compare, value: Any) -> bool:
    """A comparison on a value; a value of the wrong type simply does not satisfy it."""
    try:
        return bool(OPS[leaf.op](value, leaf.value))
    except TypeError:
        return False


class Status(StrEnum):
    FIRED = "fired"
    NOT_FIRED = "not_fired"
    NOT_ASSESSABLE = "not_assessable"
    NOT_APPLICABLE = "not_applicable"


STATUS_TV = {Status.FIRED: T, Status.NOT_FIRED: F, Status.NOT_APPLICABLE: F, Status.NOT_ASSESSABLE: U}
DECIDED = (Status.FIRED, Status.NOT_FIRED, Status.NOT_APPLICABLE)

Values = Mapping[str, Any]
StatusMap = Mapping[str, Status]
Test = Callable[[Values, StatusMap], int]
_MISSING = object()


# -------------------------------------------------------------------------------------
# Compiled trees
@dataclass(eq=False)
class Node:
    """One node of a compiled condition; `tv(values, status)` is its truth value."""

    kind: str  # cmp | known | finding | not | all | any | at_least
    tv: Test
    kids: tuple[Node, ...] = ()
    leaf: Any = None  # Compare | Known | Finding for leaves
    need: int = 0  # children that must hold (all / any / at_least)
    texts: tuple[str, str] = ("", "")  # a leaf described as it is, and under a `not`


def _threshold(kids: tuple[Test, ...], need: int) -> Test:
    n = len(kids)
    most_false = n - need

    def tv(v: Values, s: StatusMap) -> int:
        n_true = n_unknown = n_false = 0
        for k in kids:
            r = k(v, s)
            if r == T:
                n_true += 1
                if n_true >= need:  # decided: the rest cannot change it
                    return T
            elif r == U:
                n_unknown += 1
            else:
                n_false += 1
                if n_false > most_false:
                    return F
        return kleene(n_true, n_unknown, need)

    return tv


def compile_condition(cond: Any) -> Node:
    if isinstance(cond, Compare):
        ind, test, expected = cond.indicator, OPS[cond.op], cond.value

        def cmp(v: Values, s: StatusMap) -> int:
            x = v.get(ind, _MISSING)
            if x is _MISSING:
                return U
            return T if test(x, expected) else F

        negated = cond.model_copy(update={"op": NEGATE_OP[cond.op]}).describe()
        return Node("cmp", cmp, leaf=cond, texts=(cond.describe(), negated))
    if isinstance(cond, Known):
        key = cond.known
        return Node("known", lambda v, s: T if key in v else U, leaf=cond, texts=(cond.describe(),) * 2)
    if isinstance(cond, Finding):
        rid = cond.finding
        return Node("finding", lambda v, s: STATUS_TV[s[rid]], leaf=cond, texts=(cond.describe(),) * 2)
    if isinstance(cond, Not):
        inner = compile_condition(cond.not_)
        inner_tv = inner.tv
        return Node("not", lambda v, s: 2 - inner_tv(v, s), (inner,))
    if isinstance(cond, All):
        kids = tuple(compile_condition(c) for c in cond.all)
        return Node("all", _threshold(tuple(k.tv for k in kids), len(kids)), kids, need=len(kids))
    if isinstance(cond, AnyOf):
        kids = tuple(compile_condition(c) for c in cond.any)
        return Node("any", _threshold(tuple(k.tv for k in kids), 1), kids, need=1)
    if isinstance(cond, AtLeast):
        kids = tuple(compile_condition(c) for c in cond.at_least.of)
        k = cond.at_least.k
        return Node("at_least", _threshold(tuple(x.tv for x in kids), k), kids, need=k)
    raise TypeError(f"not a condition: {cond!r}")


# -------------------------------------------------------------------------------------
# Explanation records, built on demand
@dataclass
class LeafResult:
    leaf: Compare | Known | Finding
    value: int  # F, U or T
    actual: Any = None  # the answer's value
    negated: bool = False  # the leaf sits under an odd number of `not`s
    texts: tuple[str, str] | None = None  # precompiled descriptions (plain, negated)

    def describe(self) -> str:
        """The comparison as it held (or failed) in context, with `not` folded in."""
        if self.texts is not None:
            return self.texts[self.negated]
        leaf = self.leaf
        if self.negated and isinstance(leaf, Compare):
            leaf = leaf.model_copy(update={"op": NEGATE_OP[leaf.op]})
        return leaf.describe()


@dataclass
class Evaluation:
    value: int
    true_leaves: list[LeafResult]
    false_leaves: list[LeafResult]
    unknown_leaves: list[LeafResult]


def explain(node: Node, values: Values, status: StatusMap) -> Evaluation:
    """The node's value with the leaves that decide it: `true_leaves` are the "how" of a
    true result, `false_leaves` the "why not" of a false one, `unknown_leaves` what is missing."""
    if node.kids == ():
        r = node.tv(values, status)
        leaf = node.leaf
        actual = values.get(leaf.indicator) if isinstance(leaf, Compare) else (
            values.get(leaf.known) if isinstance(leaf, Known) else None)
        lr = LeafResult(leaf, r, actual, texts=node.texts)
        return Evaluation(r, [lr] if r == T else [], [lr] if r == F else [], [lr] if r == U else [])
    if node.kind == "not":
        inner = explain(node.kids[0], values, status)

        def neg(items: list[LeafResult]) -> list[LeafResult]:
            return [replace(lf, negated=not lf.negated) for lf in items]

        return Evaluation(2 - inner.value, neg(inner.false_leaves), neg(inner.true_leaves),
                          neg(inner.unknown_leaves))
    kids = [explain(k, values, status) for k in node.kids]
    value = kleene(sum(k.value == T for k in kids), sum(k.value == U for k in kids), node.need)
    return Evaluation(
        value,
        [lf for k in kids if k.value == T for lf in k.true_leaves],
        [lf for k in kids if k.value == F for lf in k.false_leaves],
        [lf for k in kids if k.value == U for lf in k.unknown_leaves],
    )


@dataclass
class RuleOutcome:
    """A rule's status with the evaluations that explain it."""

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
        key = leaf.indicator if isinstance(leaf, Compare) else leaf.known if isinstance(leaf, Known) else None
        if key is not None:
            if key not in inds:
                inds.append(key)
        elif isinstance(leaf, Finding) and leaf.finding not in rules:
            rules.append(leaf.finding)
    return inds, rules


# -------------------------------------------------------------------------------------
@dataclass(eq=False)
class CompiledRule:
    id: str
    index: int
    gate: Node | None
    when: Node
    evidence: tuple[tuple[str, ...], ...]  # (formal, informal) indicator ids, or ()

    def status(self, values: Values, status: StatusMap) -> Status:
        gate = self.gate.tv(values, status) if self.gate is not None else T
        if gate == F:
            return Status.NOT_APPLICABLE
        if any(not any(i in values for i in side) for side in self.evidence):
            return Status.NOT_ASSESSABLE  # one side of a mismatch is not evidence
        when = self.when.tv(values, status)
        if when == F:
            return Status.NOT_FIRED
        if when == T and gate == T:
            return Status.FIRED
        return Status.NOT_ASSESSABLE

    def outcome(self, values: Values, status: StatusMap) -> RuleOutcome:
        """The status with its explanation (the reference evaluator's answer for this rule)."""
        gate_ev = explain(self.gate, values, status) if self.gate is not None else None
        if gate_ev is not None and gate_ev.value == F:
            return RuleOutcome(self.id, Status.NOT_APPLICABLE, gate=gate_ev)
        missing_sides: list[str] = []
        missing_inds: list[str] = []
        for side, ids in zip(("formal", "informal"), self.evidence, strict=False):
            if not any(i in values for i in ids):
                missing_sides.append(side)
                missing_inds += [i for i in ids if i not in missing_inds]
        when_ev = explain(self.when, values, status)
        out = RuleOutcome(self.id, Status.NOT_FIRED, when=when_ev, gate=gate_ev, missing_evidence=missing_sides)
        if missing_sides:
            out.status = Status.NOT_ASSESSABLE
        elif when_ev.value == F:
            out.status = Status.NOT_FIRED
        elif when_ev.value == T and (gate_ev is None or gate_ev.value == T):
            out.status = Status.FIRED
        else:
            out.status = Status.NOT_ASSESSABLE
        if out.status is Status.NOT_ASSESSABLE:
            inds, rules = _unknowns(when_ev)
            if gate_ev is not None and gate_ev.value == U:
                g_inds, g_rules = _unknowns(gate_ev)
                inds = g_inds + [i for i in inds if i not in g_inds]
                rules = g_rules + [r for r in rules if r not in g_rules]
            out.missing = missing_inds + [i for i in inds if i not in missing_inds]
            out.waiting_on = rules
        return out


class LogicCore:
    """The compiled rules of one knowledge base, in topological order."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.order = list(kb.rules)
        self.index = {rid: i for i, rid in enumerate(self.order)}
        self.rules: list[CompiledRule] = []
        for i, (rid, rule) in enumerate(kb.rules.items()):
            ev = (rule.evidence.formal, rule.evidence.informal) if rule.evidence is not None else ()
            self.rules.append(CompiledRule(
                rid, i, compile_condition(rule.gate) if rule.gate is not None else None,
                compile_condition(rule.when), ev))
        self.by_id = {c.id: c for c in self.rules}
        # indicator -> indices of the rules that read it directly (gate, when, evidence)
        self.readers: dict[str, list[int]] = {}
        for rid in self.order:
            for ind in kb.rule_indicators(rid):
                self.readers.setdefault(ind, []).append(self.index[rid])
        self.dependents: list[list[int]] = [[self.index[d] for d in kb.used_by[rid]] for rid in self.order]
        # indicator -> rules whose supporting evidence reads it (explanations, never statuses)
        self.supporters: dict[str, list[int]] = {}
        for rid, rule in kb.rules.items():
            for c in rule.supporting:
                self.supporters.setdefault(c.indicator, []).append(self.index[rid])
        self.translations: dict[str, Any] = {}  # engine backends keep their compiled form here

    @cached_property
    def chaining(self) -> Chaining:
        """The rules as forward chaining sees them (raises ChainingError if one cannot be)."""
        return compile_chaining(self.kb)

    # -- full mode ----------------------------------------------------------------------
    def statuses(self, values: Values, known: Mapping[str, Status] | None = None) -> dict[str, Status]:
        """Every rule's status; rules in `known` keep the status given there."""
        status: dict[str, Status] = {}
        for c in self.rules:
            given = known.get(c.id) if known is not None else None
            status[c.id] = given if given is not None else c.status(values, status)
        return status

    def outcomes(self, values: Values) -> dict[str, RuleOutcome]:
        """Every rule's status with its explanation."""
        status: dict[str, Status] = {}
        out: dict[str, RuleOutcome] = {}
        for c in self.rules:
            res = c.outcome(values, status)
            status[c.id] = res.status
            out[c.id] = res
        return out

    def outcome(self, rule_id: str, values: Values, status: StatusMap) -> RuleOutcome:
        return self.by_id[rule_id].outcome(values, status)

    # -- incremental mode ---------------------------------------------------------------
    def update(self, base: StatusMap, values: Values, changed: Iterable[str]) -> dict[str, Status]:
        """Statuses after some answers changed, re-evaluating only the rules they can reach."""
        status = dict(base)
        heap: list[int] = []
        for ind in changed:
            heap.extend(self.readers.get(ind, ()))
        heapq.heapify(heap)
        done: set[int] = set()
        while heap:
            i = heapq.heappop(heap)
            if i in done:
                continue
            done.add(i)
            c = self.rules[i]
            new = c.status(values, status)
            if new is not status[c.id]:
                status[c.id] = new
                for j in self.dependents[i]:
                    heapq.heappush(heap, j)  # topological order: j > i
        return status

    def reached(self, changed: Iterable[str]) -> list[str]:
        """The rules whose status or explanation changed answers can affect, in topological order."""
        seen: set[int] = set()
        stack = [i for ind in changed for i in (*self.readers.get(ind, ()), *self.supporters.get(ind, ()))]
        while stack:
            i = stack.pop()
            if i not in seen:
                seen.add(i)
                stack.extend(self.dependents[i])
        return [self.order[i] for i in sorted(seen)]

    @cached_property
    def trees(self) -> dict[str, tuple[Node | None, Node]]:
        """Rule id -> its compiled gate and condition."""
        return {c.id: (c.gate, c.when) for c in self.rules}

    @cached_property
    def closures(self) -> dict[str, frozenset[str]]:
        """Rule id -> the indicators its status depends on, directly or through its premises."""
        from .knowledge import leaves

        out: dict[str, frozenset[str]] = {}
        for rid, rule in self.kb.rules.items():  # premises come first
            found = leaves(rule.when) + (leaves(rule.gate) if rule.gate is not None else [])
            inds = set(self.kb.rule_indicators(rid))
            for lf in found:
                if isinstance(lf, Finding):
                    inds |= out[lf.finding]
            out[rid] = frozenset(inds)
        return out

    # -- what the rules can tell apart ------------------------------------------------
    @cached_property
    def comparisons(self) -> dict[str, list[Compare]]:
        """Indicator -> the distinct comparisons on it anywhere in the knowledge base."""
        from .knowledge import leaves

        out: dict[str, list[Compare]] = {}
        seen: set[tuple[str, str, str]] = set()
        for rule in self.kb.rules.values():
            found = leaves(rule.when) + (leaves(rule.gate) if rule.gate is not None else [])
            for lf in [*found, *rule.supporting]:
                if isinstance(lf, Compare):
                    key = (lf.indicator, lf.op, repr(lf.value))
                    if key not in seen:
                        seen.add(key)
                        out.setdefault(lf.indicator, []).append(lf)
        return out

    def truth(self, indicator: str, value: Any) -> tuple[bool, ...]:
        """What the rules can see of a value: the truth of every comparison on it."""
        return tuple(holds(c, value) for c in self.comparisons.get(indicator, ()))


def core(kb: KnowledgeBase) -> LogicCore:
    """The knowledge base's logic core (compiled once, kept on the knowledge base)."""
    return kb.logic


# -------------------------------------------------------------------------------------
# The rules as forward chaining sees them (engine-neutral; engine.py turns them into a
# durable-rules ruleset, bench/ into CLIPS rules).
MAX_ALTERNATIVES = 256


class ChainingError(ValueError):
    """A rule cannot be compiled for forward chaining."""


@dataclass(eq=False)
class Part:
    """A subtree without findings: decided in Python before chaining, posted as a fact if true."""

    id: int  # global, dense
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
    from .knowledge import children

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
        rc = _RuleCompiler(rid, parts)
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
        alternatives: list[tuple[Premise, ...]] = []
        for alt in alts:
            by_key: dict[tuple[str, int], list[int]] = {}
            for pos in sorted(alt):
                p = rc.premises[pos]
                key = ("part", p.id) if isinstance(p, Part) else ("finding", index[p.finding])
                by_key.setdefault(key, []).append(pos)
            alternatives.append(tuple(Premise(k, i, tuple(ps)) for (k, i), ps in by_key.items()))
        required = [p.finding for p in rc.premises.values() if isinstance(p, Finding)]
        consumed.update(required)
        depth[rid] = 1 + max((depth[r] for r in required), default=0)
        rules.append(ChainRule(rid, index[rid], depth[rid], alternatives, rc.premises, rc.sections))
    return Chaining(rules, parts, frozenset(consumed))


class _RuleCompiler:
    """One rule's premises (parts and findings, numbered in tree order) and its DNF over them."""

    def __init__(self, rule_id: str, parts: list[Part]) -> None:
        self.rule_id = rule_id
        self.parts = parts  # shared by all rules: part ids are global
        self.premises: dict[int, Part | Finding] = {}
        self.sections: dict[int, str] = {}

    def _premise(self, premise: Part | Finding | None, cond: Any, section: str) -> list[frozenset[int]]:
        pos = len(self.premises)
        if premise is None:
            premise = Part(len(self.parts), self.rule_id, pos, section, compile_condition(cond))
            self.parts.append(premise)
        self.premises[pos] = premise
        self.sections[pos] = section
        return [frozenset((pos,))]

    def dnf(self, cond: Any, section: str) -> list[frozenset[int]]:
        from .knowledge import children

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
        raise ChainingError(f"a condition has more than {MAX_ALTERNATIVES} ways to hold over findings")
    return out


def _product(options: list[list[frozenset[int]]]) -> list[frozenset[int]]:
    acc: list[frozenset[int]] = [frozenset()]
    for opt in options:
        acc = list(dict.fromkeys(a | b for a in acc for b in opt))
        if len(acc) > MAX_ALTERNATIVES:
            raise ChainingError(f"a condition has more than {MAX_ALTERNATIVES} ways to hold over findings")
    return acc
