"""Condition trees rewritten: negation normal form and disjunctive normal form.

Forward chaining needs negation pushed into the comparisons (durable-rules negation is
unsound), and the knowledge-base checks read each rule's alternatives (DNF). Evaluation
lives in :mod:`diagnostics.logic`.
"""

from __future__ import annotations

import itertools
from typing import Any

from .condition_tree import All, AnyOf, AtLeast, AtLeastSpec, Compare, Finding, Known, Not
from .i18n import _
from .logic import NEGATE_OP

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
            raise NegationError(_("'not' may only wrap indicator comparisons, not {condition}").format(
                condition=repr(cond.describe())))
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
                raise TooComplex(_too_many(limit))
        return out
    if isinstance(cond, AnyOf):
        out = []
        for kid in cond.any:
            out.extend(dnf(kid, limit))
        if len(out) > limit:
            raise TooComplex(_too_many(limit))
        return out
    if isinstance(cond, AtLeast):
        spec = cond.at_least
        out = []
        for combo in itertools.combinations(spec.of, spec.k):
            out.extend(dnf(All(all=combo), limit))
            if len(out) > limit:
                raise TooComplex(_too_many(limit))
        return out
    raise TypeError(f"unexpected node in DNF: {cond!r}")


def _too_many(limit: int) -> str:
    return _("condition expands to more than {limit} alternatives").format(limit=limit)
