"""The Kazakhstan reference profile and the negative controls the thesis implies."""

from __future__ import annotations

import pytest
from conftest import FIXTURES, read_profile

from diagnostics.evaluator import Status
from diagnostics.knowledge import Layer
from diagnostics.profile import Answer, EvidenceGrade, Profile

DIAGNOSES = [
    "dx.formal_informal_mismatch", "dx.imaginary_driven_policy", "dx.borrowed_instruments",
    "dx.state_procurement_distortion", "dx.fdi_spillover_failure",
    "dx.regulatory_burden_and_corruption", "dx.wto_plus_accession_burden",
]
MANIFESTATIONS = [
    "node.near_market_research_deficit", "node.entrepreneurial_spirit_deficit",
    "node.official_hostility_to_entrepreneurship",
]
ROLL_UPS = ["dx.allocator_function_failure", "dx.regulator_function_failure", "dx.coordinator_function_failure"]


@pytest.fixture(scope="module")
def kz(assessor, kz_profile):
    return assessor.assess(kz_profile)


def _answers_under(result, rule_id, seen=None):
    """Every answer a finding rests on, following its trace down through other findings."""
    seen = seen if seen is not None else set()
    out = []
    for step in result.finding(rule_id).trace:
        if step.kind == "answer":
            out.append(step)
        elif step.rule not in seen:
            seen.add(step.rule)
            out += _answers_under(result, step.rule, seen)
    return out


@pytest.mark.parametrize("rule_id", DIAGNOSES + MANIFESTATIONS + ROLL_UPS)
def test_kz_fires_with_a_trace_down_to_cited_answers(kz, rule_id):
    f = kz.finding(rule_id)
    assert f.status is Status.FIRED
    assert f.confidence in ("high", "medium", "low") and f.confidence_reasons
    answers = _answers_under(kz, rule_id)
    assert answers, f"{rule_id} has no answers beneath it"
    assert all(a.source.startswith(("Thesis §", "Blog")) for a in answers), [a.source for a in answers]
    assert f.citations


def test_kz_manifestations_roll_up_to_the_mismatch(kz, kb):
    for m in MANIFESTATIONS:
        assert "dx.formal_informal_mismatch" in kb.rolls_up_to[m]
    mismatch = kz.finding("dx.formal_informal_mismatch")
    assert {s.rule for s in mismatch.trace if s.kind == "finding"} & set(MANIFESTATIONS)


def test_kz_is_tier_a_and_lists_imaginaries(kz):
    assert kz.tier == "A"
    assert any("snow leopard" in line for line in kz.imaginaries)


def test_mature_market_economy_fires_no_diagnosis(assessor):
    result = assessor.assess(read_profile(FIXTURES / "profiles" / "mature_market.yaml"))
    assert [d.rule for d in result.diagnoses() if d.status is Status.FIRED] == []
    gated = [f for f in result.findings if f.status is Status.NOT_APPLICABLE]
    assert len(gated) >= 10
    assert all(f.gate_reason for f in gated)
    assert result.finding("node.soviet_command_legacy").status is Status.NOT_FIRED


def test_all_unknown_profile_fires_nothing_and_names_the_deciding_indicators(assessor, kb):
    profile = Profile(country="XU", answers={i: Answer(unknown=True) for i in kb.indicators})
    result = assessor.assess(profile)
    assert result.fired() == []
    for d in result.diagnoses():
        assert d.status is Status.NOT_ASSESSABLE, d.rule
        assert result.coverage.per_diagnosis[d.rule], d.rule
        assert all(i in kb.indicators for i in result.coverage.per_diagnosis[d.rule])
    assert result.coverage.unknown == len(kb.indicators)


def test_removing_informal_evidence_makes_the_mismatch_not_assessable(assessor, kb, kz_profile):
    rule = kb.rules["dx.formal_informal_mismatch"]
    assert rule.evidence is not None
    informal = [i for i, spec in kb.indicators.items() if spec.evidence_kind.value == "informal"]
    stripped = kz_profile.with_answers({i: None for i in informal})
    result = assessor.assess(stripped)
    f = result.finding("dx.formal_informal_mismatch")
    assert f.status is Status.NOT_ASSESSABLE
    assert "informal" in f.missing_evidence or f.waiting_on
    for m in MANIFESTATIONS:
        assert result.finding(m).status is not Status.FIRED


def test_reference_backend_agrees_on_kz(reference_assessor, kz, kz_profile):
    ref = reference_assessor.assess(kz_profile)
    assert ref.fired() == kz.fired()
    assert ref.audit.engine == "reference"


def test_context_nodes_are_never_headlines(kz):
    heads = [f for f in kz.diagnoses()]
    assert all(f.layer == Layer.DIAGNOSIS.value for f in heads)


def test_confidence_follows_tier_and_evidence(assessor, kz_profile):
    kz = assessor.assess(kz_profile).finding("dx.formal_informal_mismatch")
    assert kz.confidence == "high"
    assert any("independent source types" in r for r in kz.confidence_reasons)
    as_contrast = assessor.assess(kz_profile.model_copy(update={"family": "baltic_states", "country": "EE"}))
    assert as_contrast.finding("dx.formal_informal_mismatch").confidence == "medium"
    assert any("tier C" in r for r in as_contrast.finding("dx.formal_informal_mismatch").confidence_reasons)
    judged = kz_profile.model_copy(update={"answers": {
        k: a.model_copy(update={"evidence": EvidenceGrade.EXPERT_JUDGEMENT}) for k, a in kz_profile.answers.items()}})
    f = assessor.assess(judged).finding("dx.formal_informal_mismatch")
    assert f.confidence == "medium"
    assert f.evidence_kinds == ["expert_judgement"]


def test_unknown_family_caps_confidence(assessor, kz_profile):
    result = assessor.assess(kz_profile.model_copy(update={"family": "", "country": "XK"}))
    assert result.tier is None
    assert result.finding("dx.formal_informal_mismatch").confidence == "medium"


def test_blog_currency_inconsistency_is_recorded_not_fixed(kz_profile):
    caution = next(c for c in kz_profile.data_cautions if c.id == "blog_currency_inconsistency")
    assert "1.6" in caution.text and "Blog" in caution.source
    assert caution.indicators
    # the disputed dollar figure is never stored as a value anywhere in the profile
    assert all("100" not in str(a.value) for a in kz_profile.answers.values() if a.value is not None)


def test_kz_unknowns_stay_unknown(kz_profile, kb):
    unknown = [k for k, a in kz_profile.answers.items() if a.unknown]
    assert "science.doctoral_retention" in unknown
    assert all(kz_profile.answers[k].note for k in unknown)
    # every thesis indicator is answered from the thesis; standard measures come from outside it
    thesis = {k for k, i in kb.indicators.items() if i.evidence_kind != "measure"}
    assert thesis <= set(kz_profile.answers)
