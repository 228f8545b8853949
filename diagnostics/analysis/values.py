"""Values the rules can tell apart, and what each rule reads.

A value class is a set of values of one indicator that every comparison in the knowledge
base treats alike; one representative per class is enough to see every status a change of
that answer can cause. Pure core: no textual, no jinja2, no rich.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..answers import format_value
from ..condition_tree import Compare, Finding, leaves
from ..kb import KnowledgeBase
from ..knowledge import Indicator, IndicatorType, Layer
from ..logic import holds
from ..profile import AnswerError, Value, check_value

LAYER_WEIGHT = {Layer.DIAGNOSIS: 4.0, Layer.MANIFESTATION: 3.0, Layer.MECHANISM: 2.0,
                Layer.POLICY: 1.5, Layer.CONTEXT: 1.0}
SEVERITY_WEIGHT = {"high": 1.5, "medium": 1.0, "low": 0.6}


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


def rule_weight(kb: KnowledgeBase, rule_id: str) -> float:
    rule = kb.rules[rule_id]
    return LAYER_WEIGHT[rule.layer] * SEVERITY_WEIGHT.get(rule.severity.value, 1.0)


@dataclass(frozen=True)
class ValueClass:
    indicator: str
    value: Value  # a representative, normalised
    region: str  # the class in words, e.g. "procurement.share >= 0.5"

    def as_json(self) -> dict[str, Any]:
        return {"indicator": self.indicator, "value": jsonable(self.value), "region": self.region}


def _fmt(x: Any) -> str:
    return format_value(x, "rule")


def jsonable(x: Any) -> Any:
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


def truth(tests: Sequence[Compare], value: Any) -> tuple[bool, ...]:
    """What a set of comparisons can see of a value."""
    return tuple(holds(c, value) for c in tests)


def value_classes(kb: KnowledgeBase, indicator: str, current: Any = None,
                  tests: Sequence[Compare] | None = None) -> list[ValueClass]:
    """One representative value per class of values the rules treat alike.

    With `current`, each representative is the value of its class closest to it, and the
    current value's own class comes first.
    """
    spec = kb.indicators[indicator]
    tests = list(kb.logic.comparisons.get(indicator, []) if tests is None else tests)
    if not tests or spec.display_only:
        return []
    groups: dict[tuple[bool, ...], list[Any]] = {}
    for v in _candidates(spec, tests, current):
        groups.setdefault(truth(tests, v), []).append(v)
    cur_key = truth(tests, current) if current is not None else None
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


def _region(spec: Indicator, tests: Sequence[Compare], seen: tuple[bool, ...], members: list[Any]) -> str:
    name = spec.id
    if spec.type == IndicatorType.BOOL:
        return f"{name} = {_fmt(members[0])}"
    if spec.type == IndicatorType.ENUM:
        others = [v for v in spec.values if truth(tests, v) == seen]
        return f"{name} = {others[0]}" if len(others) == 1 else f"{name} in {{{', '.join(others)}}}"
    if spec.type == IndicatorType.SET:
        return f"{name} = {_fmt(tuple(members[0]))}"  # a set's classes have no shorter name
    integer = spec.type in (IndicatorType.SCALE, IndicatorType.YEAR)
    lower: tuple[float, bool] | None = None  # (bound, strict)
    upper: tuple[float, bool] | None = None
    point: float | None = None
    excluded: list[float] = []
    for c, held in zip(tests, seen, strict=True):
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
