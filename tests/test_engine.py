"""The durable-rules backend: chaining, traces, isolation, and its known hazards."""

from __future__ import annotations

import threading

import pytest

from diagnostics.assessment import Assessor
from diagnostics.engine import DurableEngine
from diagnostics.errors import EngineError
from diagnostics.evaluator import Status
from diagnostics.profile import Answer, Profile


def _profile(**answers: object) -> Profile:
    return Profile(country="XX", answers={k.replace("__", "."): Answer(value=v) for k, v in answers.items()})


HOSTILE = dict(demo__legacy=True, demo__attitude=1, demo__mode="radical", demo__tools=["parks"])


def test_chain_fires_through_three_levels(mini_kb):
    result = Assessor(mini_kb).assess(_profile(**HOSTILE))
    assert result.fired() == ["dx.demo_root", "node.demo_mismatch", "node.demo_hostile", "node.demo_legacy"]
    root = result.finding("dx.demo_root")
    assert [s.rule for s in root.trace] == ["node.demo_mismatch", "node.demo_legacy"]


def test_trace_records_answers_with_negation_folded_in(mini_kb):
    f = Assessor(mini_kb).assess(_profile(**HOSTILE)).finding("node.demo_hostile")
    conditions = [s.condition for s in f.trace]
    assert "demo.tools lacks zones" in conditions
    assert "demo.attitude <= 2" in conditions
    step = next(s for s in f.trace if s.indicator == "demo.attitude")
    assert step.value == 1


def test_negated_set_membership_blocks_firing(mini_kb):
    result = Assessor(mini_kb).assess(_profile(**{**HOSTILE, "demo__tools": ["zones"]}))
    f = result.finding("node.demo_hostile")
    assert f.status is Status.NOT_FIRED
    assert any("demo.tools lacks zones" in w for w in f.why_not)


def test_gate_false_is_not_applicable_with_reason(mini_kb):
    f = Assessor(mini_kb).assess(_profile(**{**HOSTILE, "demo__legacy": False})).finding("node.demo_hostile")
    assert f.status is Status.NOT_APPLICABLE
    assert f.gate_reason == "No legacy."


def test_mismatch_without_informal_evidence_is_not_assessable(mini_kb):
    answers = {k: v for k, v in HOSTILE.items() if k != "demo__attitude"}
    f = Assessor(mini_kb).assess(_profile(**answers)).finding("node.demo_mismatch")
    assert f.status is Status.NOT_ASSESSABLE
    assert f.missing_evidence == ["informal"]
    assert "demo.attitude" in f.missing


def test_engine_survives_past_the_session_cap(mini_kb):
    engine = DurableEngine(mini_kb)
    values = {"demo.legacy": True, "demo.attitude": 1, "demo.mode": "mixed", "demo.tools": ("parks",)}
    for _ in range(1500):  # durable-rules allows 1,024 live sessions per ruleset
        fired = engine.assess(values).fired
    assert "dx.demo_root" in fired


def test_a_profile_with_nothing_true_fires_nothing_and_leaves_the_engine_sound(kb, kz_profile):
    # No true part means a batch of the sentinel alone, no finding waits and no session has
    # findings posted: durable-rules must neither crash nor keep anything for the next one.
    from diagnostics.assessment import validate_answers

    engine = DurableEngine(kb)
    values = validate_answers(kz_profile, kb)
    full = engine.assess(values).fired
    assert len(full) > 50
    one_answer = {"rd.gerd_pct_gdp": 3.0}  # a high R&D share: no rule's premise holds
    assert engine.chaining.true_parts({}) == []
    for empty in ({}, one_answer, {}):
        assert engine.assess(empty).fired == []
        assert engine.assess(values).fired == full


def test_engines_are_isolated(mini_kb):
    a, b = DurableEngine(mini_kb), DurableEngine(mini_kb)
    fired_a = a.assess({"demo.legacy": True}).fired
    fired_b = b.assess({"demo.legacy": False}).fired
    assert fired_a == ["node.demo_legacy"]
    assert fired_b == []


def test_no_background_threads(mini_kb):
    before = threading.active_count()
    engines = [DurableEngine(mini_kb) for _ in range(5)]
    assert threading.active_count() == before
    assert engines[0].assess({"demo.legacy": True}).fired == ["node.demo_legacy"]


def test_nan_is_rejected(mini_kb):
    engine = DurableEngine(mini_kb)
    with pytest.raises(EngineError):
        engine.assess({"demo.legacy": True, "demo.share": float("nan")})


def test_exponent_float_answer_is_assessed(mini_kb):
    engine = DurableEngine(mini_kb)
    result = engine.assess({"demo.legacy": True, "demo.share": 5e-05})
    assert result.fired == ["node.demo_legacy"]


def test_concurrent_threads_share_one_engine_safely(mini_kb):
    engine = DurableEngine(mini_kb)
    values = {"demo.legacy": True, "demo.attitude": 1, "demo.mode": "mixed", "demo.tools": ("parks",)}
    results: list[list[str]] = []

    def work() -> None:
        for _ in range(100):
            results.append(engine.assess(values).fired)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 400
    assert all(r == results[0] for r in results)


def test_audit_stamp_names_knowledge_profile_and_engine(mini_kb):
    result = Assessor(mini_kb).assess(_profile(**HOSTILE))
    assert result.audit.knowledge_base == mini_kb.digest
    assert result.audit.engine == "durable"
    other = Assessor(mini_kb).assess(_profile(demo__legacy=True))
    assert other.audit.profile != result.audit.profile


def test_an_error_inside_an_action_is_raised_not_swallowed(mini_kb):
    engine = DurableEngine(mini_kb)
    engine.max_firings = 2  # the third activation raises inside the durable-rules action
    with pytest.raises(EngineError, match="runaway chain"):
        engine.assess({"demo.legacy": True, "demo.attitude": 1, "demo.mode": "mixed", "demo.tools": ("parks",)})
    engine.max_firings = 1000  # the engine is still usable afterwards: the session was deleted
    assert "dx.demo_root" in engine.assess(
        {"demo.legacy": True, "demo.attitude": 1, "demo.mode": "mixed", "demo.tools": ("parks",)}).fired
