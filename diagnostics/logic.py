"""The logic core: one compiled three-valued condition tree per knowledge base.

Every three-valued question in the code base is answered here: the rule statuses of a
profile (full mode), the statuses after a few answers change (incremental mode, for the
planner, sensitivity, what-if and the TUI's live panel), and, on demand, the explanation
of one rule (which leaves made it true, false or open). The forward-chaining form of the
rules (`LogicCore.chaining`, see diagnostics.chaining) is compiled from the same trees.

Truth values are small ints (F < U < T) so that Kleene's `all` is a minimum and `any` a
maximum; `kleene` below is the one truth table, used by every node kind.
"""

from __future__ import annotations

import heapq
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING, Any

from .condition_tree import All, AnyOf, AtLeast, Compare, Finding, Known, Not

if TYPE_CHECKING:
    from .chaining import Chaining
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

    def __reduce__(self) -> tuple[Any, ...]:  # tv, a closure, is made afresh when unpickled (kbcache)
        return _node, (self.kind, self.kids, self.leaf, self.need, self.texts)


def _test(kind: str, kids: tuple[Node, ...], leaf: Any, need: int) -> Test:
    """The truth-value function of a node, from its kind, children and leaf."""
    if kind == "cmp":
        ind, test, expected = leaf.indicator, OPS[leaf.op], leaf.value

        def cmp(v: Values, s: StatusMap) -> int:
            x = v.get(ind, _MISSING)
            if x is _MISSING:
                return U
            return T if test(x, expected) else F

        return cmp
    if kind == "known":
        key = leaf.known
        return lambda v, s: T if key in v else U
    if kind == "finding":
        rid = leaf.finding
        return lambda v, s: STATUS_TV[s[rid]]
    if kind == "not":
        inner_tv = kids[0].tv
        return lambda v, s: 2 - inner_tv(v, s)
    return threshold(tuple(k.tv for k in kids), need)


def _node(kind: str, kids: tuple[Node, ...], leaf: Any, need: int, texts: tuple[str, str]) -> Node:
    return Node(kind, _test(kind, kids, leaf, need), kids, leaf, need, texts)


def threshold(kids: tuple[Test, ...], need: int) -> Test:
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
        negated = cond.model_copy(update={"op": NEGATE_OP[cond.op]}).describe()
        return _node("cmp", (), cond, 0, (cond.describe(), negated))
    if isinstance(cond, (Known, Finding)):
        return _node("known" if isinstance(cond, Known) else "finding", (), cond, 0, (cond.describe(),) * 2)
    if isinstance(cond, Not):
        return _node("not", (compile_condition(cond.not_),), None, 0, ("", ""))
    if isinstance(cond, (All, AnyOf, AtLeast)):
        kind, of, need = (("all", cond.all, len(cond.all)) if isinstance(cond, All) else ("any", cond.any, 1)
                          if isinstance(cond, AnyOf) else ("at_least", cond.at_least.of, cond.at_least.k))
        return _node(kind, tuple(compile_condition(c) for c in of), None, need, ("", ""))
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


def deciding_leaves(node: Node, values: Values, status: StatusMap, want: int = T) -> list[Any]:
    """The leaves `explain(node, ...)` lists as true (want=T) or false (want=F), without
    building the explanation: for callers that only need to know which answers were used."""
    out: list[Any] = []

    def walk(n: Node, want: int) -> None:
        if not n.kids:
            if n.tv(values, status) == want:
                out.append(n.leaf)
        elif n.kind == "not":
            walk(n.kids[0], 2 - want)
        else:
            for k in n.kids:
                if k.tv(values, status) == want:
                    walk(k, want)

    walk(node, want)
    return out


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


class LazyOutcomes(dict[str, RuleOutcome]):
    """Rule outcomes computed on first lookup (`outcomes[rule_id]`); `in` and `get` see only
    the ones computed so far."""

    def __init__(self, logic: LogicCore, values: Values, status: StatusMap) -> None:
        super().__init__()
        self._rules, self._values, self._status = logic.by_id, values, status

    def __missing__(self, rule_id: str) -> RuleOutcome:
        out = self[rule_id] = self._rules[rule_id].outcome(self._values, self._status)
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
        # standard measures with a proxy rule and the indicators they stand in for
        self.proxy_related = frozenset(
            [i.id for i in kb.indicators.values() if i.proxy_for]
            + [p.indicator for i in kb.indicators.values() for p in i.proxy_for])
        self.translations: dict[str, Any] = {}  # engine backends keep their compiled form here

    def __getstate__(self) -> dict[str, Any]:
        # Pickled by its knowledge base (the on-disk cache) with its chaining and the engines'
        # compiled forms (plain data); the knowledge base unpickling it sets itself (kb.logic).
        return {**self.__dict__, "kb": None}

    @cached_property
    def chaining(self) -> Chaining:
        """The rules as forward chaining sees them (raises ChainingError if one cannot be)."""
        from .chaining import compile_chaining

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

    def used_leaves(self, rule_id: str, values: Values, status: StatusMap) -> list[Any]:
        """The leaves a fired rule's outcome lists as true (gate first), without explanations."""
        rule = self.by_id[rule_id]
        gate = deciding_leaves(rule.gate, values, status) if rule.gate is not None else []
        return gate + deciding_leaves(rule.when, values, status)

    def lazy_outcomes(self, values: Values, status: StatusMap) -> LazyOutcomes:
        """Rule id -> its outcome under `values` and the final `status`, each computed when first asked for."""
        return LazyOutcomes(self, values, status)

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
        from .condition_tree import leaves

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
        from .condition_tree import leaves

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
