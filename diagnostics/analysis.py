"""Scenario analysis: what-if, comparison, sensitivity, question planning and sweeps.

Every result here comes from fresh assessments or from the three-valued evaluator; nothing
is kept between calls except what is compiled from the knowledge base. The searches
(sensitivity, planner) run on `FastEvaluator`, a status-only copy of the reference
evaluator's semantics that re-evaluates just the rules a changed answer can reach; tests
hold it to the reference evaluator, and the reported counterfactuals to durable-rules.
See docs/scenario-analysis.md.

Pure core: no textual, no jinja2, no rich.
"""

from __future__ import annotations

import csv
import heapq
import io
import itertools
import json
import math
import operator
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .assessment import (
    Assessment,
    Assessor,
    FindingResult,
    parse_cli_value,
    undecided_indicators,
    validate_answers,
)
from .conditions import LeafResult, compare
from .errors import DataError
from .evaluator import ReferenceEvaluator, RuleOutcome, Status
from .kb import KnowledgeBase, did_you_mean
from .knowledge import (
    All,
    AnyOf,
    AtLeast,
    Compare,
    Finding,
    Indicator,
    IndicatorType,
    Known,
    Layer,
    Not,
    leaves,
)
from .profile import Answer, AnswerError, EvidenceGrade, Profile, Value, check_value

# Kleene truth values as small ints so that `all` is min and `any` is max.
F, U, T = 0, 1, 2
_STATUS_TV = {Status.FIRED: T, Status.NOT_FIRED: F, Status.NOT_APPLICABLE: F, Status.NOT_ASSESSABLE: U}
_MISSING = object()
DECIDED = (Status.FIRED, Status.NOT_FIRED, Status.NOT_APPLICABLE)

LAYER_WEIGHT = {Layer.DIAGNOSIS: 4.0, Layer.MANIFESTATION: 3.0, Layer.MECHANISM: 2.0,
                Layer.POLICY: 1.5, Layer.CONTEXT: 1.0}
SEVERITY_WEIGHT = {"high": 1.5, "medium": 1.0, "low": 0.6}

Cond = Callable[[Mapping[str, Any], Mapping[str, Status]], int]

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "lte": operator.le,
    "gt": operator.gt, "gte": operator.ge,
    "in": lambda a, e: a in e, "not_in": lambda a, e: a not in e,
    "contains": lambda a, e: e in a, "lacks": lambda a, e: e not in a,
}


# -------------------------------------------------------------------------------------
# Fast status-only evaluation
def _compile(cond: Any) -> Cond:
    if isinstance(cond, Compare):
        ind, test, expected = cond.indicator, _OPS[cond.op], cond.value

        def leaf(v: Mapping[str, Any], s: Mapping[str, Status]) -> int:
            x = v.get(ind, _MISSING)
            if x is _MISSING:
                return U
            return T if test(x, expected) else F

        return leaf
    if isinstance(cond, Known):
        key = cond.known
        return lambda v, s: T if key in v else U
    if isinstance(cond, Finding):
        rid = cond.finding
        return lambda v, s: _STATUS_TV[s[rid]]
    if isinstance(cond, Not):
        inner = _compile(cond.not_)
        return lambda v, s: 2 - inner(v, s)
    if isinstance(cond, All):
        kids = tuple(_compile(c) for c in cond.all)

        def all_(v: Mapping[str, Any], s: Mapping[str, Status]) -> int:
            out = T
            for k in kids:
                r = k(v, s)
                if r == F:
                    return F
                if r == U:
                    out = U
            return out

        return all_
    if isinstance(cond, AnyOf):
        kids = tuple(_compile(c) for c in cond.any)

        def any_(v: Mapping[str, Any], s: Mapping[str, Status]) -> int:
            out = F
            for k in kids:
                r = k(v, s)
                if r == T:
                    return T
                if r == U:
                    out = U
            return out

        return any_
    if isinstance(cond, AtLeast):
        need = cond.at_least.k
        kids = tuple(_compile(c) for c in cond.at_least.of)

        def at_least(v: Mapping[str, Any], s: Mapping[str, Status]) -> int:
            n_true = n_unknown = 0
            for k in kids:
                r = k(v, s)
                if r == T:
                    n_true += 1
                elif r == U:
                    n_unknown += 1
            if n_true >= need:
                return T
            return F if n_true + n_unknown < need else U

        return at_least
    raise TypeError(f"not a condition: {cond!r}")


@dataclass
class _Compiled:
    gate: Cond | None
    when: Cond
    evidence: tuple[tuple[str, ...], ...]


class FastEvaluator:
    """Rule statuses only, with the reference evaluator's semantics, re-evaluating incrementally."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.order = list(kb.rules)
        self.index = {rid: i for i, rid in enumerate(self.order)}
        self.rules: dict[str, _Compiled] = {}
        for rid, rule in kb.rules.items():
            ev = (rule.evidence.formal, rule.evidence.informal) if rule.evidence is not None else ()
            self.rules[rid] = _Compiled(
                gate=_compile(rule.gate) if rule.gate is not None else None,
                when=_compile(rule.when),
                evidence=ev,
            )
        # indicator -> indices of the rules that read it directly (gate, when, evidence)
        self.readers: dict[str, list[int]] = {}
        for rid in self.order:
            for ind in kb.rule_indicators(rid):
                self.readers.setdefault(ind, []).append(self.index[rid])
        self.dependents: list[list[int]] = [[self.index[d] for d in kb.used_by[rid]] for rid in self.order]

    def status_of(self, rule_id: str, values: Mapping[str, Any], status: Mapping[str, Status]) -> Status:
        c = self.rules[rule_id]
        gate = c.gate(values, status) if c.gate is not None else T
        if gate == F:
            return Status.NOT_APPLICABLE
        if any(not any(i in values for i in side) for side in c.evidence):
            return Status.NOT_ASSESSABLE  # one side of a mismatch is not evidence
        when = c.when(values, status)
        if when == F:
            return Status.NOT_FIRED
        if when == T and gate == T:
            return Status.FIRED
        return Status.NOT_ASSESSABLE

    def statuses(self, values: Mapping[str, Any]) -> dict[str, Status]:
        status: dict[str, Status] = {}
        for rid in self.order:
            status[rid] = self.status_of(rid, values, status)
        return status

    def update(self, base: Mapping[str, Status], values: Mapping[str, Any],
               changed: Iterable[str]) -> dict[str, Status]:
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
            rid = self.order[i]
            new = self.status_of(rid, values, status)
            if new is not status[rid]:
                status[rid] = new
                for j in self.dependents[i]:
                    heapq.heappush(heap, j)  # topological order: j > i
        return status


_EVALUATORS: dict[int, tuple[weakref.ref[KnowledgeBase], FastEvaluator]] = {}


def fast_evaluator(kb: KnowledgeBase) -> FastEvaluator:
    """One compiled evaluator per knowledge base object."""
    hit = _EVALUATORS.get(id(kb))
    if hit is not None and hit[0]() is kb:
        return hit[1]
    fe = FastEvaluator(kb)
    _EVALUATORS[id(kb)] = (weakref.ref(kb), fe)
    return fe


# -------------------------------------------------------------------------------------
# Knowledge-base helpers
def premises(kb: KnowledgeBase, rule_id: str) -> list[str]:
    """Rule ids the rule requires directly (gate and condition)."""
    rule = kb.rules[rule_id]
    found = leaves(rule.when) + (leaves(rule.gate) if rule.gate is not None else [])
    out: list[str] = []
    for lf in found:
        if isinstance(lf, Finding) and lf.finding not in out:
            out.append(lf.finding)
    return out


def rule_closure(kb: KnowledgeBase, rule_id: str) -> list[str]:
    """The rule and every rule beneath it, in topological order."""
    seen: set[str] = set()
    stack = [rule_id]
    while stack:
        rid = stack.pop()
        if rid in seen:
            continue
        seen.add(rid)
        stack.extend(premises(kb, rid))
    return [r for r in kb.rules if r in seen]


def closure_indicators(kb: KnowledgeBase, rule_id: str, supporting: bool = True) -> list[str]:
    """Indicators a rule reads directly or through the rules beneath it."""
    out: list[str] = []
    for rid in rule_closure(kb, rule_id):
        extra = [c.indicator for c in kb.rules[rid].supporting] if supporting else []
        for ind in [*kb.rule_indicators(rid), *extra]:
            if ind not in out:
                out.append(ind)
    return out


def _compare_leaves(kb: KnowledgeBase) -> dict[str, list[Compare]]:
    """Indicator -> the distinct comparisons on it anywhere in the knowledge base."""
    out: dict[str, list[Compare]] = {}
    seen: set[tuple[str, str, str]] = set()
    for rule in kb.rules.values():
        found = leaves(rule.when) + (leaves(rule.gate) if rule.gate is not None else [])
        for lf in [*found, *rule.supporting]:
            if isinstance(lf, Compare):
                key = (lf.indicator, lf.op, repr(lf.value))
                if key not in seen:
                    seen.add(key)
                    out.setdefault(lf.indicator, []).append(lf)
    return out


_LEAVES: dict[int, tuple[weakref.ref[KnowledgeBase], dict[str, list[Compare]]]] = {}


def compare_leaves(kb: KnowledgeBase, indicator: str) -> list[Compare]:
    hit = _LEAVES.get(id(kb))
    if hit is None or hit[0]() is not kb:
        hit = (weakref.ref(kb), _compare_leaves(kb))
        _LEAVES[id(kb)] = hit
    return hit[1].get(indicator, [])


def profile_values(kb: KnowledgeBase, profile: Profile, file: str | None = None) -> dict[str, Any]:
    """Normalised known values of a profile (raises DataError on a bad answer)."""
    return validate_answers(profile, kb, file)


def rule_weight(kb: KnowledgeBase, rule_id: str) -> float:
    rule = kb.rules[rule_id]
    return LAYER_WEIGHT[rule.layer] * SEVERITY_WEIGHT.get(rule.severity.value, 1.0)


# -------------------------------------------------------------------------------------
# Value classes: values of one indicator that no rule can tell apart
@dataclass(frozen=True)
class ValueClass:
    indicator: str
    value: Value  # a representative, normalised
    region: str  # the class in words, e.g. "procurement.share >= 0.5"

    def as_json(self) -> dict[str, Any]:
        return {"indicator": self.indicator, "value": _jsonable(self.value), "region": self.region}


def _fmt(x: Any) -> str:
    if isinstance(x, bool):
        return str(x).lower()
    if isinstance(x, float):
        return str(int(x)) if x.is_integer() else f"{x:g}"
    if isinstance(x, tuple):
        return "{" + ", ".join(x) + "}"
    return str(x)


def _jsonable(x: Any) -> Any:
    return list(x) if isinstance(x, tuple) else x


def _step(t: float) -> float:
    """A small, round distance from a threshold (0.3 -> 0.01, 1000 -> 100)."""
    if t == 0:
        return 0.01
    return float(10 ** (math.floor(math.log10(abs(t))) - 1))


def _candidates(spec: Indicator, tests: Sequence[Compare], current: Any) -> list[Any]:
    t = spec.type
    if t == IndicatorType.BOOL:
        return [False, True]
    if t == IndicatorType.ENUM:
        return list(spec.values)
    if t == IndicatorType.SET:
        mentioned = [m for m in spec.values if any(c.value == m for c in tests)]
        if current is None:
            out: list[Any] = [(), tuple(mentioned)] + [(m,) for m in mentioned]
        else:
            cur = set(current)
            out = [tuple(v for v in spec.values if v in (cur ^ {m})) for m in mentioned]
            out.append(tuple(current))
        return out
    integer = t in (IndicatorType.SCALE, IndicatorType.YEAR)
    pts: set[float] = set()
    for c in tests:
        for raw in (c.value if isinstance(c.value, (list, tuple)) else [c.value]):
            x = float(raw)
            d = 1.0 if integer else _step(x)
            pts.update((x, round(x - d, 10), round(x + d, 10)))
    if t == IndicatorType.SCALE:
        pts.update(range(1, 6))
    lo, hi = spec.bounds()
    pts.update(b for b in (lo, hi) if b is not None)
    if current is not None:
        pts.add(float(current))
    out = []
    for x in sorted(pts):
        v: Any = int(x) if integer and float(x).is_integer() else x
        if integer and not float(x).is_integer():
            continue
        try:
            out.append(check_value(spec, v))
        except AnswerError:
            continue
    return out


def _truth(tests: Sequence[Compare], value: Any) -> tuple[bool, ...]:
    out = []
    for c in tests:
        try:
            out.append(compare(c.op, value, c.value))
        except TypeError:
            out.append(False)
    return tuple(out)


def value_classes(kb: KnowledgeBase, indicator: str, current: Any = None,
                  tests: Sequence[Compare] | None = None) -> list[ValueClass]:
    """One representative value per class of values the rules treat alike.

    With `current`, each representative is the value of its class closest to it, and the
    current value's own class comes first.
    """
    spec = kb.indicators[indicator]
    tests = list(compare_leaves(kb, indicator) if tests is None else tests)
    if not tests or spec.display_only:
        return []
    groups: dict[tuple[bool, ...], list[Any]] = {}
    for v in _candidates(spec, tests, current):
        groups.setdefault(_truth(tests, v), []).append(v)
    cur_key = _truth(tests, current) if current is not None else None
    out: list[ValueClass] = []
    for key, members in groups.items():
        if current is not None and key == cur_key:
            rep = current
        elif current is not None and isinstance(current, (int, float)) and not isinstance(current, bool):
            rep = min(members, key=lambda m: (abs(m - current), abs(m)))
        elif spec.type in (IndicatorType.BOOL, IndicatorType.ENUM, IndicatorType.SET):
            rep = members[0]
        else:
            rep = members[len(members) // 2]
        region = _region(spec, tests, key, members if rep is None else [rep, *members])
        if spec.type == IndicatorType.SET and current is not None and rep != current:
            added = [m for m in rep if m not in current]
            dropped = [m for m in current if m not in rep]
            region = f"{indicator} " + ", ".join([*(f"adds {m}" for m in added), *(f"drops {m}" for m in dropped)])
        out.append(ValueClass(indicator, rep, region))
    if cur_key is not None:
        out.sort(key=lambda vc: vc.value != current)
    return out


def answer_classes(kb: KnowledgeBase, indicator: str) -> list[ValueClass]:
    """Value classes for a question not yet answered; an indicator that rules only need
    answered (a mismatch evidence set) has one class, "any answer"."""
    classes = value_classes(kb, indicator)
    if classes:
        return classes
    # Only presence is tested, so any valid value stands for every answer.
    spec = kb.indicators[indicator]
    sample: Any = {IndicatorType.BOOL: True, IndicatorType.ENUM: spec.values[:1] and spec.values[0],
                   IndicatorType.SET: ()}.get(spec.type)
    if sample is None:
        lo, hi = spec.bounds()
        sample = lo if lo is not None else hi if hi is not None else 0
        sample = int(sample) if spec.type in (IndicatorType.SCALE, IndicatorType.YEAR) else float(sample)
    return [ValueClass(indicator, sample, "any answer")]


def _region(spec: Indicator, tests: Sequence[Compare], truth: tuple[bool, ...], members: list[Any]) -> str:
    name = spec.id
    if spec.type == IndicatorType.BOOL:
        return f"{name} = {_fmt(members[0])}"
    if spec.type == IndicatorType.ENUM:
        others = [v for v in spec.values if _truth(tests, v) == truth]
        return f"{name} = {others[0]}" if len(others) == 1 else f"{name} in {{{', '.join(others)}}}"
    if spec.type == IndicatorType.SET:
        return f"{name} = {_fmt(tuple(members[0]))}"  # a set's classes have no shorter name
    integer = spec.type in (IndicatorType.SCALE, IndicatorType.YEAR)
    lower: tuple[float, bool] | None = None  # (bound, strict)
    upper: tuple[float, bool] | None = None
    point: float | None = None
    excluded: list[float] = []
    for c, held in zip(tests, truth, strict=True):
        t = float(c.value)
        if c.op in ("eq", "ne"):
            if (c.op == "eq") == held:
                point = t
            else:
                excluded.append(t)
            continue
        is_lower = (c.op in ("gt", "gte")) == held
        strict = (c.op in ("gt", "lt")) == held
        if is_lower:
            if lower is None or t > lower[0] or (t == lower[0] and strict):
                lower = (t, strict)
        elif upper is None or t < upper[0] or (t == upper[0] and strict):
            upper = (t, strict)
    if point is not None:
        return f"{name} = {_fmt(point)}"
    if integer:
        lower = (math.floor(lower[0]) + 1.0, False) if lower and lower[1] else lower
        upper = (math.ceil(upper[0]) - 1.0, False) if upper and upper[1] else upper
    lo, hi = spec.bounds()
    if lower is not None and lo is not None and lower == (lo, False):
        lower = None
    if upper is not None and hi is not None and upper == (hi, False):
        upper = None
    pieces = []
    if lower and upper and lower[0] == upper[0] and not lower[1] and not upper[1]:
        pieces.append(f"{name} = {_fmt(lower[0])}")
    elif lower and upper:
        pieces.append(f"{_fmt(lower[0])} {'<' if lower[1] else '<='} {name} "
                      f"{'<' if upper[1] else '<='} {_fmt(upper[0])}")
    elif lower:
        pieces.append(f"{name} {'>' if lower[1] else '>='} {_fmt(lower[0])}")
    elif upper:
        pieces.append(f"{name} {'<' if upper[1] else '<='} {_fmt(upper[0])}")
    pieces += [f"{name} != {_fmt(x)}" for x in excluded]
    return ", ".join(pieces) or f"any {name}"


# -------------------------------------------------------------------------------------
# --set parsing
def parse_sets(kb: KnowledgeBase, items: Sequence[str]) -> dict[str, Answer | None]:
    """`ns.name=VALUE` strings -> answers (None removes the answer); DataError if malformed."""
    out: dict[str, Answer | None] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise DataError(f"--set {item!r}: expected ns.name=VALUE")
        if key in out:
            raise DataError(f"--set names {key} twice")
        out[key] = parse_cli_value(kb, key, text)
    return out


def _answer_text(a: Answer | None) -> str:
    if a is None:
        return "unanswered"
    if a.unknown:
        return "unknown"
    return _fmt(a.value)


# -------------------------------------------------------------------------------------
# What-if
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
        return [f"{s.condition}" + (f" (answer {_fmt(_tuple(s.value))})" if s.kind == "answer" else "")
                for s in f.trace]
    if f.status is Status.NOT_APPLICABLE:
        return [f.gate_reason, *f.why_not]
    if f.status is Status.NOT_FIRED:
        return list(f.why_not)
    out = []
    if f.missing_evidence:
        out.append(f"no {' and no '.join(f.missing_evidence)} evidence answered")
    if f.missing:
        out.append("would be decided by " + ", ".join(f.missing))
    if f.waiting_on:
        out.append("waiting on " + ", ".join(f.waiting_on))
    return out


def _tuple(v: Any) -> Any:
    return tuple(v) if isinstance(v, list) else v


def whatif(assessor: Assessor, profile: Profile, changes: Mapping[str, Answer | None],
           file: str | None = None) -> WhatIf:
    """Assess the profile as it is and with `changes`, and list what differs (two fresh runs)."""
    kb = assessor.kb
    for key in changes:
        if key not in kb.indicators:
            raise DataError(f"unknown indicator {key!r}{did_you_mean(key, kb.indicators)}")
    before = assessor.assess(profile, file=file)
    changed_profile = profile.with_answers(dict(changes))
    after = assessor.assess(changed_profile, file=file)
    settings = [SetChange(k, _answer_text(profile.answers.get(k)), _answer_text(a)) for k, a in changes.items()]
    moved = {s.indicator for s in settings if s.before != s.after}
    out: list[RuleChange] = []
    by_rule = {f.rule: f for f in before.findings}
    for new in after.findings:
        old = by_rule[new.rule]
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
        inputs = [i for i in closure_indicators(kb, new.rule) if i in moved]
        out.append(RuleChange(
            rule=new.rule, title=new.title, layer=new.layer, kind=kind,
            before=old.status, after=new.status,
            before_confidence=old.confidence, after_confidence=new.confidence,
            inputs=inputs, explanation=explanation,
            trace=[s.model_dump(mode="json") for s in new.trace],
        ))
    return WhatIf(profile.country, settings, out, before, after)


# -------------------------------------------------------------------------------------
# Comparison
@dataclass
class Cell:
    status: Status
    confidence: str | None

    def label(self) -> str:
        return self.status.value + (f" ({self.confidence})" if self.confidence else "")


@dataclass
class Driver:
    indicator: str
    values: list[str]  # one per column: the answer, "unknown" or "unanswered"


@dataclass
class Row:
    rule: str
    title: str
    layer: str
    severity: str
    cells: list[Cell]
    drivers: list[Driver] = field(default_factory=list)

    @property
    def differs(self) -> bool:
        return len({(c.status, c.confidence) for c in self.cells}) > 1

    def as_json(self, columns: Sequence[str]) -> dict[str, Any]:
        return {
            "rule": self.rule, "title": self.title, "layer": self.layer, "severity": self.severity,
            "cells": {col: {"status": c.status.value, "confidence": c.confidence}
                      for col, c in zip(columns, self.cells, strict=True)},
            "differs": self.differs,
            "drivers": [{"indicator": d.indicator, "values": dict(zip(columns, d.values, strict=True))}
                        for d in self.drivers],
        }


@dataclass
class Comparison:
    columns: list[str]
    rows: list[Row]
    assessments: list[Assessment]

    def row(self, rule_id: str) -> Row:
        return next(r for r in self.rows if r.rule == rule_id)

    def as_json(self) -> dict[str, Any]:
        return {
            "columns": self.columns,
            "rows": [r.as_json(self.columns) for r in self.rows],
            "audit": {c: a.audit.model_dump() for c, a in zip(self.columns, self.assessments, strict=True)},
        }


def decisive_indicators(kb: KnowledgeBase, rule_id: str, outcomes: Mapping[str, RuleOutcome]) -> list[str]:
    """Indicators that settle a rule's status: the leaves that made it true, false or open."""
    out: list[str] = []
    seen: set[str] = set()

    def walk(rid: str) -> None:
        if rid in seen:
            return
        seen.add(rid)
        o = outcomes[rid]
        if o.status is Status.FIRED:
            picked = o.true_leaves
        elif o.status is Status.NOT_ASSESSABLE:
            picked = ((o.gate.unknown_leaves if o.gate else [])
                      + (o.when.unknown_leaves if o.when else []))
            for i in o.missing:
                if i not in out:
                    out.append(i)
        else:
            picked = o.false_leaves
        for lf in picked:
            leaf = lf.leaf
            if isinstance(leaf, Compare):
                if leaf.indicator not in out:
                    out.append(leaf.indicator)
            elif isinstance(leaf, Known):
                if leaf.known not in out:
                    out.append(leaf.known)
            else:
                walk(leaf.finding)

    walk(rule_id)
    return out


def compare_profiles(assessor: Assessor, profiles: Sequence[tuple[str, Profile]],
                     all_rules: bool = False) -> Comparison:
    """A matrix of rules × profiles with, for rows that differ, the answers that drive it."""
    kb = assessor.kb
    columns = [label for label, _ in profiles]
    assessments = [assessor.assess(p, file=label) for label, p in profiles]
    values = [profile_values(kb, p) for _, p in profiles]
    outcomes = [assessor.evaluator.evaluate(v) for v in values]
    rows: list[Row] = []
    if all_rules:  # diagnoses first, then down the layers; topological order within a layer
        rank = {layer: i for i, layer in enumerate(reversed(list(Layer)))}
        position = {r: i for i, r in enumerate(kb.rules)}
        order = sorted(kb.rules, key=lambda r: (rank[kb.rules[r].layer], position[r]))
    else:
        order = [r.id for r in kb.diagnoses()]
    for rid in order:
        rule = kb.rules[rid]
        cells = [Cell(a.status(rid), a.finding(rid).confidence) for a in assessments]
        row = Row(rid, rule.title, rule.layer.value, rule.severity.value, cells)
        if row.differs:
            candidates: list[str] = []
            for o in outcomes:
                for i in decisive_indicators(kb, rid, o):
                    if i not in candidates:
                        candidates.append(i)
            for ind in candidates:
                shown = [_answer_text(p.answers.get(ind)) for _, p in profiles]
                if len(set(shown)) > 1:
                    row.drivers.append(Driver(ind, shown))
            # Answers known on both sides but different are the real contrasts; list them first.
            row.drivers.sort(key=lambda d: len({v for v in d.values if v not in ("unknown", "unanswered")}) < 2)
        rows.append(row)
    return Comparison(columns, rows, assessments)


# -------------------------------------------------------------------------------------
# Sensitivity
@dataclass
class Flip:
    indicator: str
    before: Value
    after: Value
    region: str  # the class of values the new answer stands for
    falsifies: list[str]  # premises that stop holding

    def as_json(self) -> dict[str, Any]:
        return {"indicator": self.indicator, "before": _jsonable(self.before),
                "after": _jsonable(self.after), "region": self.region, "falsifies": self.falsifies}


@dataclass
class Counterfactual:
    changes: list[Flip]
    status: Status  # the diagnosis's status after the changes

    def as_json(self) -> dict[str, Any]:
        return {"changes": [c.as_json() for c in self.changes], "status": self.status.value}

    def answers(self) -> dict[str, Answer | None]:
        return {c.indicator: Answer(value=c.after, evidence=EvidenceGrade.EXPERT_JUDGEMENT,
                                    note="counterfactual") for c in self.changes}


@dataclass
class FiredSensitivity:
    rule: str
    title: str
    counterfactuals: list[Counterfactual]
    complete: bool  # False if the search budget ran out before every branch was tried
    evaluated: int

    def as_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "title": self.title, "complete": self.complete,
                "evaluated": self.evaluated,
                "counterfactuals": [c.as_json() for c in self.counterfactuals]}


@dataclass
class Outcome:
    value: Value
    region: str
    status: Status


@dataclass
class Decider:
    indicator: str
    outcomes: list[Outcome]

    @property
    def fires_if(self) -> list[str]:
        return [o.region for o in self.outcomes if o.status is Status.FIRED]

    @property
    def clears_if(self) -> list[str]:
        return [o.region for o in self.outcomes if o.status in (Status.NOT_FIRED, Status.NOT_APPLICABLE)]

    @property
    def decides(self) -> bool:
        return bool(self.fires_if or self.clears_if)

    def as_json(self) -> dict[str, Any]:
        return {"indicator": self.indicator, "fires_if": self.fires_if, "clears_if": self.clears_if,
                "outcomes": [{"value": _jsonable(o.value), "region": o.region, "status": o.status.value}
                             for o in self.outcomes]}


@dataclass
class OpenSensitivity:
    rule: str
    title: str
    deciders: list[Decider]  # unknown indicators that settle it alone, one way or the other
    also_needed: list[str]  # unknown indicators that matter but cannot settle it alone

    def as_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "title": self.title,
                "deciders": [d.as_json() for d in self.deciders], "also_needed": self.also_needed}


@dataclass
class Sensitivity:
    country: str
    max_size: int
    fired: list[FiredSensitivity]
    open: list[OpenSensitivity]

    def for_rule(self, rule_id: str) -> FiredSensitivity | OpenSensitivity:
        items: list[FiredSensitivity | OpenSensitivity] = [*self.fired, *self.open]
        for item in items:
            if item.rule == rule_id:
                return item
        raise KeyError(rule_id)

    def as_json(self) -> dict[str, Any]:
        return {"country": self.country, "max_size": self.max_size,
                "fired": [f.as_json() for f in self.fired], "not_assessable": [o.as_json() for o in self.open]}


Cut = frozenset[str]


def _minimal(sets: Iterable[Cut]) -> list[Cut]:
    items = list(sets)
    if len(items) <= 1:
        return items
    out: list[Cut] = []
    for c in sorted(set(items), key=len):
        if not any(k <= c for k in out):
            out.append(c)
    return out


def _product(parts: Sequence[list[Cut]], limit: int) -> list[Cut]:
    acc: list[Cut] = [frozenset()]
    for part in parts:
        acc = _minimal([a | b for a in acc for b in part if len(a | b) <= limit])
        if not acc:
            break
    return acc


@dataclass
class _Node:
    kind: str  # cmp | known | finding | not | all | any | at_least
    tv: Cond
    kids: tuple[_Node, ...] = ()
    leaf: Any = None
    k: int = 0


def _tree(cond: Any) -> _Node:
    tv = _compile(cond)
    if isinstance(cond, Compare):
        return _Node("cmp", tv, leaf=cond)
    if isinstance(cond, Known):
        return _Node("known", tv, leaf=cond)
    if isinstance(cond, Finding):
        return _Node("finding", tv, leaf=cond)
    if isinstance(cond, Not):
        return _Node("not", tv, (_tree(cond.not_),))
    if isinstance(cond, All):
        return _Node("all", tv, tuple(_tree(c) for c in cond.all))
    if isinstance(cond, AnyOf):
        return _Node("any", tv, tuple(_tree(c) for c in cond.any))
    if isinstance(cond, AtLeast):
        return _Node("at_least", tv, tuple(_tree(c) for c in cond.at_least.of), k=cond.at_least.k)
    raise TypeError(f"not a condition: {cond!r}")


Events = dict[str, dict[tuple[int, bool], tuple[Compare, bool]]]  # indicator -> premises that held
_Entry = tuple[list[Cut], Events]


class _Cuts:
    """Optimistic minimal cut sets of a fired rule in one state, of at most `limit` answers.

    Treat the condition in negation normal form as a monotone function of its leaves; a
    set of answers is a cut when changing them so that every premise on them fails would
    stop the rule firing. Any real set of changes that stops it contains such a cut (only
    premises that held can fail), so searching only among members of cuts misses nothing;
    whether the concrete values really do it is then checked by evaluation.
    """

    def __init__(self, trees: Mapping[str, tuple[_Node | None, _Node]], values: Mapping[str, Any],
                 status: Mapping[str, Status], fixed: set[str], limit: int,
                 flippable: Callable[[Compare], bool], inherited: Mapping[str, _Entry] | None = None) -> None:
        self.trees, self.values, self.status = trees, values, status
        self.fixed, self.limit, self.flippable = fixed, limit, flippable
        self.memo: dict[str, _Entry] = dict(inherited or {})
        self._sink: Events = {}

    def rule(self, rule_id: str) -> _Entry:
        hit = self.memo.get(rule_id)
        if hit is None:
            outer, self._sink = self._sink, {}
            gate, when = self.trees[rule_id]
            found = self.node(when, T, False)
            if gate is not None:
                found = found + self.node(gate, T, False)
            hit = (_minimal(found), self._sink)
            self._sink = outer
            self.memo[rule_id] = hit
        return hit

    def node(self, n: _Node, want: int, negated: bool) -> list[Cut]:
        """Cuts that move node `n` off its current value `want` (T or F)."""
        v, s = self.values, self.status
        if n.kind == "cmp":
            leaf: Compare = n.leaf
            if leaf.indicator in self.fixed or not self.flippable(leaf):
                return []
            self._sink.setdefault(leaf.indicator, {})[(id(leaf), negated)] = (leaf, negated)
            return [frozenset((leaf.indicator,))]
        if n.kind == "known":
            return []  # changing a value never un-answers it
        if n.kind == "finding":
            if want != T:
                return []
            cuts, events = self.rule(n.leaf.finding)
            for ind, held in events.items():
                self._sink.setdefault(ind, {}).update(held)
            return cuts
        if n.kind == "not":
            return self.node(n.kids[0], 2 - want, not negated)
        kids = [(kid, kid.tv(v, s)) for kid in n.kids]
        same = [kid for kid, t in kids if t == want]
        if n.kind == "at_least":
            n_true = sum(t == T for _, t in kids)
            n_unknown = sum(t == U for _, t in kids)
            m = n_true - n.k + 1 if want == T else n.k - n_true - n_unknown
            if m <= 0 or m > len(same):
                return []
            per = [self.node(kid, want, negated) for kid in same]
            out: list[Cut] = []
            for combo in itertools.combinations(per, m):
                out += _product(combo, self.limit)
            return _minimal(out)
        if (n.kind == "all") == (want == T):  # one kid leaving `want` is enough
            return _minimal([c for kid in same for c in self.node(kid, want, negated)])
        return _product([self.node(kid, want, negated) for kid in same], self.limit)

    def inherit(self, changed: str, limit: int, closures: Mapping[str, frozenset[str]]) -> dict[str, _Entry]:
        """Entries still valid after `changed` is flipped: rules that cannot see it."""
        return {rid: ([c for c in cuts if len(c) <= limit], ev) for rid, (cuts, ev) in self.memo.items()
                if changed not in closures[rid]}


def _describe(leaf: Compare, negated: bool) -> str:
    return LeafResult(leaf, T if not negated else F, negated=negated).describe()  # type: ignore[arg-type]


def counterfactuals(kb: KnowledgeBase, rule_id: str, values: Mapping[str, Any], *,
                    max_size: int = 3, budget: int = 20_000,
                    base_status: Mapping[str, Status] | None = None) -> FiredSensitivity:
    """The minimal sets of answer changes (≤ max_size answers) after which `rule_id` stops firing.

    Minimal means no smaller set of the same answers would do it with any values. The
    search walks only answers that belong to a cut of the current state (see `_Cuts`),
    flips each to the value classes that make one of its premises fail, and checks each
    candidate with the fast evaluator.
    """
    fe = fast_evaluator(kb)
    status0 = dict(base_status) if base_status is not None else fe.statuses(values)
    title = kb.rules[rule_id].title
    if status0[rule_id] is not Status.FIRED:
        return FiredSensitivity(rule_id, title, [], True, 0)
    trees, closures = _trees(kb)
    classes: dict[tuple[str, str], list[ValueClass]] = {}

    def classes_of(ind: str, current: Any) -> list[ValueClass]:
        key = (ind, repr(current))
        if key not in classes:
            classes[key] = value_classes(kb, ind, current)[1:]
        return classes[key]

    flips: dict[int, bool] = {}

    def flippable(leaf: Compare) -> bool:
        hit = flips.get(id(leaf))
        if hit is None:
            current = values[leaf.indicator]
            held = _truth([leaf], current)
            hit = any(_truth([leaf], vc.value) != held for vc in classes_of(leaf.indicator, current))
            flips[id(leaf)] = hit
        return hit

    found: dict[Cut, Counterfactual] = {}
    visited: set[frozenset[tuple[str, str]]] = set()
    evaluated = 0
    complete = True

    def search(vals: dict[str, Any], status: dict[str, Status], chosen: tuple[Flip, ...],
               inherited: Mapping[str, _Entry]) -> None:
        nonlocal evaluated, complete
        names = {f.indicator for f in chosen}
        room = max_size - len(chosen)
        cuts = _Cuts(trees, vals, status, names, room, flippable, inherited)
        candidates, events = cuts.rule(rule_id)
        order = list(dict.fromkeys(i for c in candidates for i in sorted(c)))
        for ind in order:
            keys = frozenset(names | {ind})
            if any(k <= keys for k in found):
                continue
            current = vals[ind]
            held = list(events.get(ind, {}).values())
            for vc in classes_of(ind, current):
                falsified = [_describe(leaf, neg) for leaf, neg in held
                             if _truth([leaf], vc.value) != _truth([leaf], current)]
                if not falsified:
                    continue  # every premise on this answer still holds
                tag = frozenset({*((f.indicator, repr(f.after)) for f in chosen), (ind, repr(vc.value))})
                if tag in visited:
                    continue
                visited.add(tag)
                if evaluated >= budget:
                    complete = False
                    return
                evaluated += 1
                new_vals = {**vals, ind: vc.value}
                new_status = fe.update(status, new_vals, [ind])
                flip = Flip(ind, values[ind], vc.value, vc.region, list(dict.fromkeys(falsified)))
                if new_status[rule_id] is not Status.FIRED:
                    changes = sorted([*chosen, flip], key=lambda c: c.indicator)
                    found.setdefault(keys, Counterfactual(changes, new_status[rule_id]))
                    break
                if room > 1:
                    search(new_vals, new_status, (*chosen, flip), cuts.inherit(ind, room - 1, closures))
                    if keys in found or any(k <= keys for k in found):
                        break

    search(dict(values), status0, (), {})
    minimal = [cf for keys, cf in found.items() if not any(k < keys for k in found)]
    minimal.sort(key=lambda cf: (len(cf.changes), [c.indicator for c in cf.changes]))
    return FiredSensitivity(rule_id, title, minimal, complete, evaluated)


_Trees = tuple[dict[str, tuple[_Node | None, _Node]], dict[str, frozenset[str]]]
_TREES: dict[int, tuple[weakref.ref[KnowledgeBase], _Trees]] = {}


def _trees(kb: KnowledgeBase) -> _Trees:
    """Per rule: condition trees for cut search, and the indicators its status depends on."""
    hit = _TREES.get(id(kb))
    if hit is None or hit[0]() is not kb:
        trees = {rid: (_tree(r.gate) if r.gate is not None else None, _tree(r.when))
                 for rid, r in kb.rules.items()}
        closures = {rid: frozenset(closure_indicators(kb, rid, supporting=False)) for rid in kb.rules}
        hit = (weakref.ref(kb), (trees, closures))
        _TREES[id(kb)] = hit
    return hit[1]


def deciders(kb: KnowledgeBase, rule_id: str, values: Mapping[str, Any],
             outcomes: Mapping[str, RuleOutcome] | None = None,
             base_status: Mapping[str, Status] | None = None) -> OpenSensitivity:
    """For a not-assessable rule: which unknown answers settle it alone, and which way."""
    fe = fast_evaluator(kb)
    outcomes = outcomes if outcomes is not None else ReferenceEvaluator(kb).evaluate(values)
    status0 = dict(base_status) if base_status is not None else {r: o.status for r, o in outcomes.items()}
    found: list[Decider] = []
    also: list[str] = []
    for ind in undecided_indicators(outcomes, rule_id):
        results = []
        for vc in answer_classes(kb, ind):
            new_vals = {**values, ind: vc.value}
            st = fe.update(status0, new_vals, [ind])[rule_id]
            results.append(Outcome(vc.value, vc.region, st))
        d = Decider(ind, results)
        if d.decides:
            found.append(d)
        else:
            also.append(ind)
    # Indicators that settle it whatever the answer come first.
    found.sort(key=lambda d: -sum(o.status in DECIDED for o in d.outcomes) / max(1, len(d.outcomes)))
    return OpenSensitivity(rule_id, kb.rules[rule_id].title, found, also)


def sensitivity(kb: KnowledgeBase, profile: Profile, *, max_size: int = 3,
                rules: Sequence[str] | None = None, budget: int = 20_000) -> Sensitivity:
    """Counterfactuals for fired diagnoses, deciding answers for not-assessable ones."""
    if not 1 <= max_size <= 3:
        raise DataError(f"the size of a change set must be 1, 2 or 3, not {max_size}")
    values = profile_values(kb, profile)
    outcomes = ReferenceEvaluator(kb).evaluate(values)
    status = {r: o.status for r, o in outcomes.items()}
    targets = list(rules) if rules is not None else [r.id for r in kb.diagnoses()]
    for rid in targets:
        if rid not in kb.rules:
            raise DataError(f"unknown rule {rid!r}{did_you_mean(rid, kb.rules)}")
    fired = [counterfactuals(kb, rid, values, max_size=max_size, budget=budget, base_status=status)
             for rid in targets if status[rid] is Status.FIRED]
    open_ = [deciders(kb, rid, values, outcomes, status)
             for rid in targets if status[rid] is Status.NOT_ASSESSABLE]
    return Sensitivity(profile.country, max_size, fired, open_)


# -------------------------------------------------------------------------------------
# Question planner
@dataclass
class QuestionScore:
    indicator: str
    score: float
    decides: list[str]  # rule ids that some answer to it would settle, heaviest first
    reason: str
    question: str = ""
    settles_always: list[str] = field(default_factory=list)  # settled whatever the answer

    def as_json(self) -> dict[str, Any]:
        return {"indicator": self.indicator, "score": round(self.score, 4), "decides": self.decides,
                "settles_always": self.settles_always, "reason": self.reason, "question": self.question}


# A question that settles nothing yet still narrows open rules gets this share of credit.
PROGRESS_SHARE = 0.25


def plan_questions(kb: KnowledgeBase, profile: Profile, n: int = 10,
                   include_unknown: bool = False) -> list[QuestionScore]:
    """Rank unanswered questions by how much they can still decide.

    For each question and each class of answers, the three-valued evaluator says which
    undecided rules the answer would settle. The score sums, over those rules, the rule's
    weight (layer × severity) times the share of answer classes that settle it, plus a
    smaller credit for open rules that the question narrows without settling.
    """
    fe = fast_evaluator(kb)
    values = profile_values(kb, profile)
    outcomes = ReferenceEvaluator(kb).evaluate(values)
    status = {r: o.status for r, o in outcomes.items()}
    open_rules = [r for r, s in status.items() if s is Status.NOT_ASSESSABLE and not kb.rules[r].background]
    pending: dict[str, list[str]] = {}  # indicator -> open rules it still bears on
    width: dict[str, int] = {}
    for rid in open_rules:
        und = undecided_indicators(outcomes, rid)
        width[rid] = len(und)
        for ind in und:
            pending.setdefault(ind, []).append(rid)
    asked = {k for k, a in profile.answers.items() if a.known or not include_unknown}
    scores: list[QuestionScore] = []
    for ind, bearing in pending.items():
        if ind in asked:
            continue
        classes = answer_classes(kb, ind)
        settled: dict[str, int] = {}
        for vc in classes:
            new_vals = {**values, ind: vc.value}
            after = fe.update(status, new_vals, [ind])
            for rid in open_rules:
                if after[rid] is not Status.NOT_ASSESSABLE:
                    settled[rid] = settled.get(rid, 0) + 1
        score = sum(rule_weight(kb, r) * k / len(classes) for r, k in settled.items())
        score += PROGRESS_SHARE * sum(rule_weight(kb, r) / width[r] for r in bearing if r not in settled)
        decides = sorted(settled, key=lambda r: (-rule_weight(kb, r), r))
        always = [r for r in decides if settled[r] == len(classes)]
        scores.append(QuestionScore(ind, score, decides, _reason(kb, decides, always, bearing),
                                    kb.indicators[ind].question, always))
    scores.sort(key=lambda q: (-q.score, q.indicator))
    return scores[:n] if n > 0 else scores


def _reason(kb: KnowledgeBase, decides: list[str], always: list[str], bearing: list[str]) -> str:
    dx = [r for r in decides if kb.rules[r].layer == Layer.DIAGNOSIS]
    parts = []
    if always:
        parts.append(f"settles {_names(always)} whatever the answer")
    maybe = [r for r in decides if r not in always]
    if maybe:
        parts.append(f"may settle {_names(maybe)}")
    if not decides:
        roots = [r for r in bearing if kb.rules[r].layer == Layer.DIAGNOSIS]
        parts.append(f"narrows {_names(roots or bearing)}")
    if dx:
        parts.append(f"{len(dx)} diagnos{'is' if len(dx) == 1 else 'es'} among them")
    return "; ".join(parts)


def _names(ids: Sequence[str], limit: int = 3) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


# -------------------------------------------------------------------------------------
# Sweeps
MAX_SCENARIOS = 1_000_000


@dataclass
class Scenario:
    name: str
    changes: dict[str, Answer | None]


@dataclass
class SweepSpec:
    """A sweep: profiles × scenarios × grid points (see docs/scenario-analysis.md)."""

    profiles: list[str]
    scenarios: list[Scenario]
    grid: dict[str, list[Answer | None]]
    rules: list[str] | None
    folder: Path
    file: str = ""

    def size(self) -> int:
        grid = math.prod(len(v) for v in self.grid.values()) if self.grid else 1
        return len(self.profiles) * max(1, len(self.scenarios)) * grid

    def points(self) -> Iterator[tuple[str, dict[str, Answer | None]]]:
        """(scenario name, changes) for every scenario × grid point, grid varying fastest."""
        scenarios = self.scenarios or [Scenario("", {})]
        keys = list(self.grid)
        for sc in scenarios:
            for combo in itertools.product(*(self.grid[k] for k in keys)):
                yield sc.name, {**sc.changes, **dict(zip(keys, combo, strict=True))}


def _spec_value(kb: KnowledgeBase, ind: str, raw: Any, where: str, line: int | None) -> Answer | None:
    """A YAML value for `ind`: null removes the answer, 'unknown' marks it unknown."""
    try:
        if raw is None:
            return None
        if isinstance(raw, str):
            return parse_cli_value(kb, ind, raw)
        value = check_value(kb.indicators[ind], raw)
    except (AnswerError, DataError) as exc:
        msg = exc.message if isinstance(exc, DataError) else str(exc)
        raise DataError(msg, file=where, line=line) from None
    return Answer(value=value, evidence=EvidenceGrade.EXPERT_JUDGEMENT, note="sweep value")


def load_sweep_spec(path: Path, kb: KnowledgeBase) -> SweepSpec:
    """Read and check a sweep spec; every problem is a DataError naming file and line."""
    from .yamlio import line_for, load_data

    data, lines = load_data(path)
    where = str(path)

    def bad(msg: str, *loc: str | int) -> DataError:
        return DataError(msg, file=where, line=line_for(lines, loc) if loc else 1)

    if not isinstance(data, dict):
        raise bad("a sweep spec must be a mapping with 'profiles' (or 'base') and 'grid' or 'scenarios'")
    unknown = sorted(set(data) - {"base", "profiles", "grid", "scenarios", "rules"})
    if unknown:
        raise bad(f"unknown key {unknown[0]!r} (use base, profiles, grid, scenarios, rules)", unknown[0])
    if ("base" in data) == ("profiles" in data):
        raise bad("give either 'base: PROFILE' or 'profiles: [...]', not both or neither")
    profiles = [data["base"]] if "base" in data else data["profiles"]
    key = "base" if "base" in data else "profiles"
    if not isinstance(profiles, list) or not profiles or not all(isinstance(p, str) and p for p in profiles):
        raise bad(f"'{key}' must name a profile (country code or file) or a list of them", key)

    def indicator(name: Any, *loc: str | int) -> str:
        if not isinstance(name, str) or name not in kb.indicators:
            raise bad(f"unknown indicator {name!r}{did_you_mean(str(name), kb.indicators)}", *loc)
        return name

    grid: dict[str, list[Answer | None]] = {}
    raw_grid = data.get("grid", {})
    if not isinstance(raw_grid, dict):
        raise bad("'grid' must map indicator ids to lists of values", "grid")
    for name, options in raw_grid.items():
        ind = indicator(name, "grid", name)
        if isinstance(options, dict) and set(options) <= {"from", "to", "step"} and options:
            options = _range(options, line_for(lines, ("grid", name)), where)
        if not isinstance(options, list) or not options:
            raise bad(f"grid {ind}: give a non-empty list of values (or from/to/step)", "grid", name)
        grid[ind] = [_spec_value(kb, ind, v, where, line_for(lines, ("grid", name, i)))
                     for i, v in enumerate(options)]
    scenarios: list[Scenario] = []
    raw_sc = data.get("scenarios", [])
    if not isinstance(raw_sc, list):
        raise bad("'scenarios' must be a list of {name, set}", "scenarios")
    for n, item in enumerate(raw_sc):
        if not isinstance(item, dict) or not isinstance(item.get("set", {}), dict) or \
                set(item) - {"name", "set"}:
            raise bad("each scenario needs 'name' and a 'set' mapping of indicator: value", "scenarios", n)
        changes: dict[str, Answer | None] = {}
        for name, v in item.get("set", {}).items():
            ind = indicator(name, "scenarios", n, "set", name)
            if ind in grid:
                raise bad(f"{ind} is both in the grid and set by a scenario", "scenarios", n, "set", name)
            changes[ind] = _spec_value(kb, ind, v, where, line_for(lines, ("scenarios", n, "set", name)))
        scenarios.append(Scenario(str(item.get("name", f"scenario {n + 1}")), changes))
    rules = data.get("rules")
    if rules is not None:
        if rules == "all":
            rules = list(kb.rules)
        elif not isinstance(rules, list) or not all(isinstance(r, str) for r in rules):
            raise bad("'rules' must be 'all' or a list of rule ids", "rules")
        for i, r in enumerate(rules):
            if r not in kb.rules:
                raise bad(f"unknown rule {r!r}{did_you_mean(r, kb.rules)}", "rules", i)
    spec = SweepSpec(list(profiles), scenarios, grid, rules, path.parent, where)
    if spec.size() > MAX_SCENARIOS:
        raise bad(f"the sweep has {spec.size():,} scenarios; the limit is {MAX_SCENARIOS:,}")
    return spec


def _range(spec: dict[str, Any], line: int | None, where: str) -> list[Any]:
    def bad(msg: str) -> DataError:
        return DataError(msg, file=where, line=line)

    try:
        start, stop = spec["from"], spec["to"]
        step = spec.get("step", 1)
    except KeyError as exc:
        raise bad(f"a range needs 'from' and 'to' (missing {exc.args[0]!r})") from None
    nums = (start, stop, step)
    if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in nums) or step <= 0 or stop < start:
        raise bad("a range needs numbers with from <= to and a positive step")
    count = int(math.floor((stop - start) / step + 1e-9)) + 1
    if count > MAX_SCENARIOS:
        raise bad(f"the range has {count:,} values; the limit is {MAX_SCENARIOS:,}")
    ints = all(isinstance(x, int) for x in nums)
    return [start + i * step if ints else round(start + i * step, 10) for i in range(count)]


@dataclass
class SweepRow:
    index: int
    profile: str
    scenario: str
    set: dict[str, Any]
    results: dict[str, tuple[str, str | None]]  # rule -> (status, confidence)

    def as_json(self) -> dict[str, Any]:
        return {
            "index": self.index, "profile": self.profile, "scenario": self.scenario, "set": self.set,
            "fired": [r for r, (s, _) in self.results.items() if s == Status.FIRED.value],
            "results": {r: {"status": s, "confidence": c} for r, (s, c) in self.results.items()},
        }


def _signature(kb: KnowledgeBase, changes: Mapping[str, Answer | None]) -> tuple[Any, ...]:
    """What the rules can see of a set of changes: each comparison's truth, not the raw value.

    Two scenarios with the same signature get the same statuses and confidences (the
    answers' evidence grade is fixed for sweep values), so one assessment serves both.
    """
    out: list[Any] = []
    for ind in sorted(changes):
        a = changes[ind]
        if a is None or a.unknown or a.value is None:
            out.append((ind, "unset" if a is None else "unknown"))
        else:
            tests = compare_leaves(kb, ind)
            out.append((ind, _truth(tests, a.value) if tests else repr(a.value), a.evidence))
    return tuple(out)


class SweepRunner:
    """Assess each scenario (fresh assessment), reusing results for indistinguishable ones."""

    def __init__(self, assessor: Assessor, rules: Sequence[str] | None = None,
                 cache: bool = True, cache_size: int = 50_000) -> None:
        self.assessor = assessor
        self.rules = list(rules) if rules is not None else [r.id for r in assessor.kb.diagnoses()]
        self.cache_on = cache
        self.cache_size = cache_size
        self._cache: dict[tuple[Any, ...], tuple[tuple[str, str | None], ...]] = {}
        self.assessed = 0  # engine runs

    def row(self, index: int, label: str, base: Profile, scenario: str,
            changes: Mapping[str, Answer | None]) -> SweepRow:
        key = (label, _signature(self.assessor.kb, changes)) if self.cache_on else None
        cells = self._cache.get(key) if key is not None else None
        if cells is None:
            result = self.assessor.assess(base.with_answers(dict(changes)), file=label)
            self.assessed += 1
            by_rule = {f.rule: f for f in result.findings}
            cells = tuple((by_rule[r].status.value, by_rule[r].confidence) for r in self.rules)
            if key is not None:
                if len(self._cache) >= self.cache_size:
                    self._cache.clear()  # bounded memory on huge sweeps
                self._cache[key] = cells
        shown = {k: ("unset" if a is None else "unknown" if a.unknown else _jsonable(a.value))
                 for k, a in changes.items()}
        return SweepRow(index, label, scenario, shown, dict(zip(self.rules, cells, strict=True)))

    def run(self, spec: SweepSpec, profiles: Mapping[str, Profile]) -> Iterator[SweepRow]:
        index = 0
        for label in spec.profiles:
            base = profiles[label]
            for name, changes in spec.points():
                yield self.row(index, label, base, name, changes)
                index += 1


class RowWriter:
    """Streams sweep rows as JSON Lines or CSV, one row at a time."""

    def __init__(self, stream: io.TextIOBase | Any, fmt: str, rules: Sequence[str],
                 set_keys: Sequence[str]) -> None:
        if fmt not in ("jsonl", "csv"):
            raise DataError(f"unknown output format {fmt!r}: use jsonl or csv")
        self.stream = stream
        self.fmt = fmt
        self.rules = list(rules)
        self.set_keys = list(set_keys)
        self._csv: Any = None
        if fmt == "csv":
            self._csv = csv.writer(stream, lineterminator="\n")
            header = ["index", "profile", "scenario", *(f"set:{k}" for k in self.set_keys)]
            for r in self.rules:
                header += [r, f"{r}:confidence"]
            self._csv.writerow(header)

    def write(self, row: SweepRow) -> None:
        if self.fmt == "jsonl":
            self.stream.write(json.dumps(row.as_json(), ensure_ascii=False) + "\n")
            return
        cells: list[Any] = [row.index, row.profile, row.scenario]
        for k in self.set_keys:
            v = row.set.get(k, "")
            cells.append(";".join(v) if isinstance(v, list) else _fmt(v) if v != "" else "")
        for r in self.rules:
            s, c = row.results[r]
            cells += [s, c or ""]
        self._csv.writerow(cells)


def output_format(path: Path | None, fmt: str | None) -> str:
    """jsonl or csv, from --format or else from the file's suffix."""
    if fmt:
        if fmt not in ("jsonl", "csv"):
            raise DataError(f"unknown output format {fmt!r}: use jsonl or csv")
        return fmt
    if path is None:
        return "jsonl"
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    raise DataError(f"cannot tell the format of {path.name!r}: name it .jsonl or .csv, or pass --format")


def spec_set_keys(spec: SweepSpec) -> list[str]:
    keys: list[str] = []
    for sc in spec.scenarios:
        keys += [k for k in sc.changes if k not in keys]
    return keys + [k for k in spec.grid if k not in keys]


def spec_profile_path(spec: SweepSpec, ref: str) -> str:
    """A profile reference as written, resolved against the spec's folder when it is a file."""
    candidate = spec.folder / ref
    if Path(ref).suffix.lower() in (".yaml", ".yml", ".json") and not Path(ref).is_absolute():
        return str(candidate)
    return ref
