"""Differential test: durable-rules and the three-valued reference evaluator fire the same rules.

Random complete and partial profiles are drawn from the indicator catalogue (values on both
sides of every threshold the rules use), so most rules are exercised both ways.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diagnostics.condition_tree import Compare
from diagnostics.engine import DurableEngine
from diagnostics.evaluator import ReferenceEvaluator
from diagnostics.kb import KnowledgeBase
from diagnostics.knowledge import Indicator, IndicatorType


def _interesting_values(kb: KnowledgeBase) -> dict[str, list[Any]]:
    """Per indicator, the thresholds the rules compare against, plus neighbours and bounds."""
    points: dict[str, set[Any]] = {i: set() for i in kb.indicators}
    for rule in kb.rules.values():
        from diagnostics.condition_tree import leaves

        conds = leaves(rule.when) + (leaves(rule.gate) if rule.gate else []) + list(rule.supporting)
        for lf in conds:
            if isinstance(lf, Compare) and not isinstance(lf.value, (list, tuple, str, bool)):
                points[lf.indicator].update({lf.value})
    return {i: sorted(p) for i, p in points.items()}


def _strategy(spec: Indicator, points: list[Any]) -> st.SearchStrategy[Any]:
    t = spec.type
    if t == IndicatorType.BOOL:
        return st.booleans()
    if t == IndicatorType.ENUM:
        return st.sampled_from(spec.values)
    if t == IndicatorType.SET:
        return st.lists(st.sampled_from(spec.values), unique=True).map(tuple)
    lo, hi = spec.bounds()
    lo = 0.0 if lo is None else lo
    hi = max(lo + 1, (max(points) * 2) if points else lo + 100) if hi is None else hi
    if t in (IndicatorType.SCALE, IndicatorType.YEAR):
        return st.integers(int(lo), int(hi))
    near = [p + d for p in points for d in (-0.01, 0, 0.01) if lo <= p + d <= hi]
    return st.one_of(st.sampled_from(near), st.floats(lo, hi)) if near else st.floats(lo, hi)


@pytest.fixture(scope="module")
def strategies(kb):
    pts = _interesting_values(kb)
    return {i: _strategy(spec, pts[i]) for i, spec in kb.indicators.items() if not spec.display_only}


@pytest.fixture(scope="module")
def engines(kb):
    return DurableEngine(kb), ReferenceEvaluator(kb)


def _check(engines, values: dict[str, Any]) -> None:
    durable, reference = engines
    fired = durable.assess(values).fired
    assert len(fired) == len(set(fired))
    assert set(fired) == set(reference.fired(values))


@settings(max_examples=1200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                     HealthCheck.too_slow])
@given(data=st.data())
def test_complete_profiles_agree(engines, strategies, data) -> None:
    values = {i: data.draw(s, label=i) for i, s in strategies.items()}
    _check(engines, values)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                     HealthCheck.too_slow])
@given(data=st.data())
def test_partial_profiles_agree(engines, strategies, data) -> None:
    keep = data.draw(st.sets(st.sampled_from(sorted(strategies))), label="answered")
    values = {i: data.draw(strategies[i], label=i) for i in sorted(keep)}
    _check(engines, values)


def test_kz_like_profiles_fire_many_rules(engines, kz_profile, kb) -> None:
    """Guard against a vacuous differential test: the KZ values fire most rules on both sides."""
    from diagnostics.assessment import validate_answers

    values = validate_answers(kz_profile, kb)
    durable, reference = engines
    assert len(durable.assess(values).fired) >= 60
    _check(engines, values)


def test_five_thousand_assessments_in_one_process(engines, strategies) -> None:
    import random

    durable, _ = engines
    rng = random.Random(7)
    keys = sorted(strategies)
    fired_total = 0
    for _ in range(5000):
        chosen = rng.sample(keys, k=rng.randint(0, len(keys)))
        values = {k: _cheap(durable.kb.indicators[k], rng) for k in chosen}
        fired_total += len(durable.assess(values).fired)
    assert fired_total > 0


def _cheap(spec: Indicator, rng) -> Any:
    t = spec.type
    if t == IndicatorType.BOOL:
        return rng.random() < 0.5
    if t == IndicatorType.ENUM:
        return rng.choice(spec.values)
    if t == IndicatorType.SET:
        return tuple(v for v in spec.values if rng.random() < 0.5)
    lo, hi = spec.bounds()
    lo = 0.0 if lo is None else lo
    hi = lo + 100 if hi is None else hi
    if t in (IndicatorType.SCALE, IndicatorType.YEAR):
        return rng.randint(int(lo), int(hi))
    return rng.uniform(lo, hi)
