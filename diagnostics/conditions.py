"""Condition trees: negation normal form, disjunctive normal form, and Kleene evaluation.

Both backends read conditions through this module. The durable-rules compiler needs
DNF (one durable rule per conjunction, since durable-rules negation is unsound); the
reference evaluator works on the tree directly with three-valued logic.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

from .knowledge import All, AnyOf, AtLeast, AtLeastSpec, Compare, Finding, Known, Not, children

NEGATE_OP = {
    "eq": "ne", "ne": "eq", "lt": "gte", "gte": "lt", "gt": "lte", "lte": "gt",
    "in": "not_in", "not_in": "in", "contains": "lacks", "lacks": "contains",
}

MAX_DISJUNCTS = 4096


class TooComplex(ValueError):
    pass


class NegationError(ValueError):
    pass


def push_not(cond: Any, negate: bool = False) -> Any:
    """Rewrite so that negation sits only on comparisons (then folded into the operator)."""
    if isinstance(cond, Not):
        return push_not(cond.not_, not negate)
    if isinstance(cond, Compare):
        if not negate:
            return cond
        return cond.model_copy(update={"op": NEGATE_OP[cond.op]})
    if isinstance(cond, (Finding, Known)):
        if negate:
            # durable-rules cannot negate derived facts soundly; the knowledge base forbids it.
            raise NegationError(f"'not' may only wrap indicator comparisons, not {cond.describe()!r}")
        return cond
    if isinstance(cond, All):
        kids = tuple(push_not(c, negate) for c in cond.all)
        return AnyOf(any=kids) if negate else All(all=kids)
    if isinstance(cond, AnyOf):
        kids = tuple(push_not(c, negate) for c in cond.any)
        return All(all=kids) if negate else AnyOf(any=kids)
    if isinstance(cond, AtLeast):
        spec = cond.at_least
        kids = tuple(push_not(c, negate) for c in spec.of)
        k = len(kids) - spec.k + 1 if negate else spec.k
        return AtLeast(at_least=AtLeastSpec(k=k, of=kids))
    raise TypeError(f"not a condition: {cond!r}")


Leaf = Compare | Finding | Known
Conjunction = tuple[Leaf, ...]


def dnf(cond: Any, limit: int = MAX_DISJUNCTS) -> list[Conjunction]:
    """Disjunctive normal form of a negation-free tree (after push_not)."""
    if isinstance(cond, (Compare, Finding, Known)):
        return [(cond,)]
    if isinstance(cond, All):
        out: list[Conjunction] = [()]
        for kid in cond.all:
            out = [a + b for a in out for b in dnf(kid, limit)]
            if len(out) > limit:
                raise TooComplex(f"condition expands to more than {limit} alternatives")
        return out
    if isinstance(cond, AnyOf):
        out = []
        for kid in cond.any:
            out.extend(dnf(kid, limit))
        if len(out) > limit:
            raise TooComplex(f"condition expands to more than {limit} alternatives")
        return out
    if isinstance(cond, AtLeast):
        spec = cond.at_least
        out = []
        for combo in itertools.combinations(spec.of, spec.k):
            out.extend(dnf(All(all=combo), limit))
            if len(out) > limit:
                raise TooComplex(f"condition expands to more than {limit} alternatives")
        return out
    raise TypeError(f"unexpected node in DNF: {cond!r}")


class TV(Enum):
    """Kleene truth values."""

    TRUE = "true"
    FALSE = "false"
    UNKNOWN = "unknown"


def compare(op: str, actual: Any, expected: Any) -> bool:
    if op == "eq":
        return bool(actual == expected)
    if op == "ne":
        return bool(actual != expected)
    if op == "lt":
        return bool(actual < expected)
    if op == "lte":
        return bool(actual <= expected)
    if op == "gt":
        return bool(actual > expected)
    if op == "gte":
        return bool(actual >= expected)
    if op == "in":
        return actual in expected
    if op == "not_in":
        return actual not in expected
    if op == "contains":
        return expected in actual
    if op == "lacks":
        return expected not in actual
    raise ValueError(f"unknown operator {op}")


@dataclass
class LeafResult:
    leaf: Leaf
    value: TV
    actual: Any = None  # the answer's value, or the finding's status
    negated: bool = False  # the leaf sits under an odd number of `not`s

    def describe(self) -> str:
        """The comparison as it held (or failed) in context, with `not` folded in."""
        leaf = self.leaf
        if self.negated and isinstance(leaf, Compare):
            leaf = leaf.model_copy(update={"op": NEGATE_OP[leaf.op]})
        return leaf.describe()


@dataclass
class Evaluation:
    value: TV
    true_leaves: list[LeafResult]
    false_leaves: list[LeafResult]
    unknown_leaves: list[LeafResult]


def evaluate(
    cond: Any,
    values: Mapping[str, Any],
    finding_status: Callable[[str], TV],
) -> Evaluation:
    """Kleene evaluation; also collects the leaves that decide the result.

    `true_leaves` explain a true result (the "how"), `false_leaves` a false one (the
    "why not"), and `unknown_leaves` name what is missing when the result is unknown.
    """
    if isinstance(cond, Compare):
        if cond.indicator not in values:
            r = LeafResult(cond, TV.UNKNOWN)
            return Evaluation(TV.UNKNOWN, [], [], [r])
        actual = values[cond.indicator]
        tv = TV.TRUE if compare(cond.op, actual, cond.value) else TV.FALSE
        r = LeafResult(cond, tv, actual)
        return Evaluation(tv, [r] if tv is TV.TRUE else [], [r] if tv is TV.FALSE else [], [])
    if isinstance(cond, Known):
        if cond.known in values:
            r = LeafResult(cond, TV.TRUE, values[cond.known])
            return Evaluation(TV.TRUE, [r], [], [])
        return Evaluation(TV.UNKNOWN, [], [], [LeafResult(cond, TV.UNKNOWN)])
    if isinstance(cond, Finding):
        tv = finding_status(cond.finding)
        r = LeafResult(cond, tv)
        return Evaluation(
            tv,
            [r] if tv is TV.TRUE else [],
            [r] if tv is TV.FALSE else [],
            [r] if tv is TV.UNKNOWN else [],
        )
    if isinstance(cond, Not):
        inner = evaluate(cond.not_, values, finding_status)
        flip = {TV.TRUE: TV.FALSE, TV.FALSE: TV.TRUE, TV.UNKNOWN: TV.UNKNOWN}[inner.value]

        def neg(items: list[LeafResult]) -> list[LeafResult]:
            return [replace(lf, negated=not lf.negated) for lf in items]

        return Evaluation(flip, neg(inner.false_leaves), neg(inner.true_leaves), neg(inner.unknown_leaves))
    kids = [evaluate(c, values, finding_status) for c in children(cond)]
    n_true = sum(k.value is TV.TRUE for k in kids)
    n_unknown = sum(k.value is TV.UNKNOWN for k in kids)
    if isinstance(cond, All):
        need = len(kids)
    elif isinstance(cond, AnyOf):
        need = 1
    elif isinstance(cond, AtLeast):
        need = cond.at_least.k
    else:
        raise TypeError(f"not a condition: {cond!r}")
    if n_true >= need:
        value = TV.TRUE
    elif n_true + n_unknown < need:
        value = TV.FALSE
    else:
        value = TV.UNKNOWN
    true_leaves = [lf for k in kids if k.value is TV.TRUE for lf in k.true_leaves]
    false_leaves = [lf for k in kids if k.value is TV.FALSE for lf in k.false_leaves]
    unknown_leaves = [lf for k in kids if k.value is TV.UNKNOWN for lf in k.unknown_leaves]
    return Evaluation(value, true_leaves, false_leaves, unknown_leaves)
