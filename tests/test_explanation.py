"""Explanation records are computed when first read: reading them in any order, copying,
comparing or serialising them gives what computing them at once would."""

from __future__ import annotations

import copy
import gc
import pickle
import random
import weakref

from diagnostics.assessment import Assessor, profile_digest
from diagnostics.explanation import FindingResult
from diagnostics.kb import KnowledgeBase
from diagnostics.logic import F, Status, deciding_leaves, explain
from diagnostics.profile import Answer, Profile

EXPLANATION_FIELDS = ["trace", "why_not", "missing", "waiting_on", "missing_evidence", "gate_reason",
                      "supporting", "confidence", "confidence_reasons", "evidence_kinds", "proxies",
                      "rolls_up_to", "directions", "citations"]


def _read_all(findings: list[FindingResult]) -> list[dict[str, object]]:
    return [{name: getattr(f, name) for name in ["rule", "status", *EXPLANATION_FIELDS]} for f in findings]


def _thin(profile: Profile, seed: int) -> Profile:
    rng = random.Random(seed)
    keep = rng.sample(sorted(profile.answers), len(profile.answers) * 2 // 3)
    return profile.model_copy(update={"answers": {k: profile.answers[k] for k in keep}})


def test_findings_read_in_any_order_are_the_same(kb: KnowledgeBase, kz_profile: Profile) -> None:
    assessor = Assessor(kb)
    for profile in (kz_profile, _thin(kz_profile, 1), _thin(kz_profile, 2)):
        topological = assessor.assess(profile)
        by_rule = {f.rule: f for f in topological.findings}
        forward = _read_all([by_rule[r] for r in kb.rules])  # premises before the findings they feed
        backward = assessor.assess(profile)
        by_rule = {f.rule: f for f in backward.findings}
        assert _read_all([by_rule[r] for r in reversed(kb.rules)])[::-1] == forward
        # The reference engine explains every rule from the logic core; durable-rules from its firings.
        reference = Assessor(kb, engine="reference").assess(profile)
        assert reference.model_dump(exclude={"audit"}) == topological.model_dump(exclude={"audit"})
        assert topological.fired() and any(f.status is not Status.FIRED for f in topological.findings)


def test_a_pending_record_behaves_like_a_computed_one(kb: KnowledgeBase, kz_profile: Profile) -> None:
    assessor = Assessor(kb)
    computed = assessor.assess(kz_profile)
    fired = computed.fired()[0]
    for use in (copy.copy, copy.deepcopy, lambda f: pickle.loads(pickle.dumps(f)),
                lambda f: FindingResult.model_validate_json(f.model_dump_json())):
        fresh = assessor.assess(kz_profile).finding(fired)
        assert fresh.pending is not None
        assert use(fresh) == computed.finding(fired)
    fresh = assessor.assess(kz_profile).finding(fired)
    assert fresh == computed.finding(fired) and fresh.pending is None
    assert "trace=[TraceStep(" in repr(assessor.assess(kz_profile).finding(fired))
    assert dict(assessor.assess(kz_profile).finding(fired))["trace"] == computed.finding(fired).trace
    # A field set (or copied with an update) before it is read keeps the value given.
    fresh = assessor.assess(kz_profile).finding(fired)
    fresh.why_not = ["set by hand"]
    assert fresh.why_not == ["set by hand"] and fresh.trace == computed.finding(fired).trace
    updated = assessor.assess(kz_profile).finding(fired).model_copy(update={"trace": []})
    assert updated.trace == [] and updated.confidence == computed.finding(fired).confidence


def test_the_audit_digest_is_the_profiles(kb: KnowledgeBase, kz_profile: Profile) -> None:
    result = Assessor(kb).assess(kz_profile)
    assert result.audit.pending is not None
    assert result.audit.profile == profile_digest(kz_profile)
    assert Assessor(kb).assess(kz_profile).model_dump()["audit"]["profile"] == profile_digest(kz_profile)


def test_older_states_are_freed_while_their_findings_are_reused(kb: KnowledgeBase, kz_profile: Profile) -> None:
    assessor = Assessor(kb)
    state = assessor.state(kz_profile)
    first = weakref.ref(state.context)  # type: ignore[arg-type]
    answers = sorted(kz_profile.answers)
    for n, ind in enumerate(answers[:5]):
        state = assessor.update(state, {ind: None if n % 2 else Answer(unknown=True)})
    gc.collect()
    assert first() is None, "an old state is kept alive by the findings carried over from it"
    fresh = assessor.assess(state.profile)
    assert assessor.assessment(state).model_dump(exclude={"audit"}) == fresh.model_dump(exclude={"audit"})


def test_a_record_read_after_the_language_changes_keeps_the_language_it_was_made_in(
        kb: KnowledgeBase, kz_profile: Profile) -> None:
    from diagnostics import i18n

    assessor = Assessor(kb)
    english = assessor.assess(kz_profile)
    fired = english.fired()[0]
    reasons = english.finding(fired).confidence_reasons
    try:
        i18n.set_language("ru")
        russian = assessor.assess(kz_profile).finding(fired).confidence_reasons
        pending = assessor.assess(kz_profile)
        i18n.set_language("en")
        assert pending.finding(fired).confidence_reasons == russian != reasons
        assert i18n.current_language() == "en"
        made_in_english = assessor.assess(kz_profile)
        i18n.set_language("ru")
        assert made_in_english.finding(fired).confidence_reasons == reasons
    finally:
        i18n.set_language("en")


def test_deciding_leaves_are_the_explanations_leaves(kb: KnowledgeBase, kz_profile: Profile) -> None:
    from diagnostics.assessment import validate_answers

    logic = kb.logic
    for profile in (kz_profile, _thin(kz_profile, 3)):
        values = validate_answers(profile, kb)
        status = logic.statuses(values)
        for rule in logic.rules:
            for node in (rule.when, rule.gate):
                if node is None:
                    continue
                ev = explain(node, values, status)
                assert deciding_leaves(node, values, status) == [lf.leaf for lf in ev.true_leaves]
                assert deciding_leaves(node, values, status, F) == [lf.leaf for lf in ev.false_leaves]
        fired = [r for r, s in status.items() if s is Status.FIRED]
        assert fired and all(logic.used_leaves(r, values, status) == [
            lf.leaf for lf in logic.outcome(r, values, status).true_leaves] for r in fired)


def test_conditions_and_why_not_lines_write_values_one_way() -> None:
    # A premise, the answer quoted against it and `format_value(..., "rule")` share one
    # style (condition_tree.rule_text): 5.0 reads as 5, booleans lower case, sets in braces.
    from diagnostics.answers import format_value
    from diagnostics.condition_tree import Compare
    from diagnostics.explanation import _describe
    from diagnostics.logic import LeafResult

    cases = [(5.0, "5"), (0.25, "0.25"), (True, "true"), (("a", "b"), "{a, b}"), ("x", "x")]
    for value, text in cases:
        assert Compare(indicator="ns.v", op="eq", value=value).describe() == f"ns.v == {text}"
        assert format_value(value, "rule") == text
    leaf = Compare(indicator="ns.v", op="gte", value=5.0)
    line = _describe(LeafResult(leaf, F, actual=2.0))
    assert line == "needs ns.v >= 5, but the answer is 2"
