"""Public evidence for the region: standard measures, survey proxies, profile sourcing and
the robustness of the core diagnoses against single formal answers (issue: diagnose the
region, not only the case)."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import read_profile

from diagnostics.assessment import Assessor
from diagnostics.evaluator import Status
from diagnostics.kb import KnowledgeBase
from diagnostics.knowledge import EvidenceKind, Indicator, IndicatorType
from diagnostics.profile import Answer, Profile
from diagnostics.proxies import proxy_answers

CORE = [
    "dx.formal_informal_mismatch",
    "dx.borrowed_instruments",
    "dx.state_procurement_distortion",
    "dx.fdi_spillover_failure",
    "dx.imaginary_driven_policy",
    "dx.regulatory_burden_and_corruption",
]
CLEARED = {Status.NOT_FIRED, Status.NOT_APPLICABLE}


def measures(kb: KnowledgeBase) -> list[Indicator]:
    return [i for i in kb.indicators.values() if i.evidence_kind == EvidenceKind.MEASURE]


def test_standard_measures_name_publisher_and_definition(kb):
    found = measures(kb)
    assert len(found) >= 15
    for m in found:
        assert m.namespace == "intl", m.id
        assert m.publisher.strip() and len(m.definition) > 30, m.id
        assert m.question.endswith("?") and m.help, m.id


def test_standard_measures_feed_no_rule_directly(kb):
    direct = {leaf for r in kb.rules.values() for leaf in kb.rule_indicators(r.id)}
    assert not direct & {m.id for m in measures(kb)}


def test_proxies_stand_in_only_for_informal_indicators_with_cited_concepts(kb):
    proxies = [(m, p) for m in measures(kb) for p in m.proxy_for]
    assert proxies
    for m, p in proxies:
        assert kb.indicators[p.indicator].evidence_kind == EvidenceKind.INFORMAL
        assert all(c.startswith("§") for c in p.concept)
        assert len(p.rationale) > 300, f"{m.id}: the bands must be argued in the rule text"


def _profile(answers: dict[str, Any], family: str = "south_caucasus", country: str = "GE") -> Profile:
    return Profile(country=country, family=family, answers={
        k: Answer(value=v, source="test source", evidence="survey", as_of=2019) for k, v in answers.items()
    })


def test_a_survey_proxy_fills_an_unanswered_informal_indicator(kb):
    derived = proxy_answers(_profile({"intl.es_bribery_incidence": 0.31}), kb)
    answer = derived["governance.officials_attitude_to_entrepreneurs"]
    assert answer.value == 2
    assert answer.proxy == "intl.es_bribery_incidence"
    assert "survey proxy" in answer.source and "0.31" in answer.source
    assert answer.as_of == 2019


def test_between_bands_the_proxy_gives_no_reading(kb):
    assert "governance.officials_attitude_to_entrepreneurs" not in proxy_answers(
        _profile({"intl.es_bribery_incidence": 0.12}), kb)


def test_the_analysts_own_answer_overrides_the_proxy(kb):
    profile = _profile({"intl.es_bribery_incidence": 0.31, "governance.officials_attitude_to_entrepreneurs": 4})
    assert "governance.officials_attitude_to_entrepreneurs" not in proxy_answers(profile, kb)


def test_disagreeing_proxies_leave_the_indicator_unknown(kb):
    # Build a second proxy for the same indicator from a copy of the knowledge base.
    bribery = kb.indicators["intl.es_bribery_incidence"]
    rival = kb.indicators["intl.es_corruption_major_constraint"].model_copy(
        update={"proxy_for": bribery.proxy_for})
    twin = KnowledgeBase(indicators={**kb.indicators, rival.id: rival}, rules=kb.rules, directions=kb.directions)
    profile = _profile({"intl.es_bribery_incidence": 0.31, "intl.es_corruption_major_constraint": 0.02})
    assert "governance.officials_attitude_to_entrepreneurs" not in proxy_answers(profile, twin)
    agreeing = _profile({"intl.es_bribery_incidence": 0.31, "intl.es_corruption_major_constraint": 0.40})
    assert proxy_answers(agreeing, twin)["governance.officials_attitude_to_entrepreneurs"].value == 2


def test_findings_resting_on_a_proxy_are_never_high_and_say_so(assessor, kz_profile):
    # Replace Kazakhstan's interview answer on officials' attitudes with the survey proxy.
    answers = dict(kz_profile.answers)
    del answers["governance.officials_attitude_to_entrepreneurs"]
    answers["intl.es_bribery_incidence"] = Answer(value=0.256, source="Enterprise Surveys 2013",
                                                  evidence="survey", as_of=2013)
    result = assessor.assess(kz_profile.model_copy(update={"answers": answers}))
    norm = result.finding("node.anti_entrepreneurship_norm")
    assert norm.status is Status.FIRED
    step = next(s for s in norm.trace if s.indicator == "governance.officials_attitude_to_entrepreneurs")
    assert step.proxy == "intl.es_bribery_incidence" and "survey proxy" in step.source
    hostile = result.finding("node.official_hostility_to_entrepreneurship")
    assert hostile.status is Status.FIRED
    assert "governance.officials_attitude_to_entrepreneurs" in hostile.proxies
    assert hostile.confidence != "high"
    assert any("survey proxy" in r for r in hostile.confidence_reasons)
    # the same finding on the analyst's own answer carries no proxy reason
    own = assessor.assess(kz_profile).finding("node.official_hostility_to_entrepreneurship")
    assert not own.proxies and not any("survey proxy" in r for r in own.confidence_reasons)


# --- profiles: every known answer is sourced and dated ---------------------------------

def test_every_known_answer_in_every_built_in_profile_has_source_and_year(registry):
    problems = []
    for code, entry in registry.profiles.items():
        profile = read_profile(entry.path)
        for ind, answer in profile.answers.items():
            if not answer.known:
                continue
            if not answer.source.strip():
                problems.append(f"{code} {ind}: no source")
            if answer.as_of is None and profile.as_of is None:
                problems.append(f"{code} {ind}: no year")
            if ind.startswith("intl.") and answer.as_of is None:
                problems.append(f"{code} {ind}: a standard measure needs the year it refers to")
    assert not problems, "\n".join(problems)


# --- robustness: no single formal answer clears a core diagnosis of Kazakhstan ----------

def _alternatives(ind: Indicator, current: Any) -> list[Any]:
    t = ind.type
    if t == IndicatorType.BOOL:
        return [not current] if isinstance(current, bool) else [True, False]
    if t == IndicatorType.ENUM:
        return [v for v in ind.values if v != current]
    if t == IndicatorType.SET:
        return [(), *((v,) for v in ind.values), tuple(ind.values)]
    if t == IndicatorType.SCALE:
        return [v for v in range(1, 6) if v != current]
    if t in (IndicatorType.SHARE, IndicatorType.RANK_FRAC):
        return [0.0, 0.1, 0.3, 0.5, 0.9, 1.0]
    if t == IndicatorType.NUMBER:
        lo, hi = ind.bounds()
        values = [0, 1, 10, 100, 1_000, 10_000, 100_000]
        return [v for v in values if (lo is None or v >= lo) and (hi is None or v <= hi)]
    if t == IndicatorType.YEAR:
        return [1995, 2005, 2015]
    return []


@pytest.fixture(scope="module")
def kz_reference(kb: KnowledgeBase, kz_profile: Profile) -> tuple[Assessor, Any]:
    engine = Assessor(kb, engine="reference")
    return engine, engine.assess(kz_profile)


@pytest.mark.parametrize("diagnosis", CORE)
def test_no_single_formal_answer_clears_a_core_diagnosis_of_kazakhstan(diagnosis, kb, kz_profile, kz_reference):
    engine, base = kz_reference
    assert base.status(diagnosis) is Status.FIRED
    clearing = []
    for ind in kb.indicators.values():
        if ind.evidence_kind != EvidenceKind.FORMAL:
            continue
        given = kz_profile.answers.get(ind.id)
        for value in _alternatives(ind, given.value if given and given.known else None):
            changed = kz_profile.with_answers({ind.id: Answer(value=value, source="what-if", evidence="documented")})
            if engine.assess(changed).status(diagnosis) in CLEARED:
                clearing.append(f"{ind.id} = {value!r}")
    assert not clearing, f"{diagnosis} is cleared by one formal answer: {clearing}"


def test_a_formal_plan_alone_leaves_imaginary_policy_open_not_cleared(kb, kz_profile, kz_reference):
    engine, _ = kz_reference
    changed = kz_profile.with_answers({
        "strategy.tangible_transition_plan": Answer(value=True, source="what-if"),
        "admin.official_claims_contradicted": None,
    })
    assert engine.assess(changed).status("node.imaginary_instead_of_plan") is Status.NOT_ASSESSABLE


def test_media_freedom_alone_no_longer_rules_out_regulatory_corruption(kb, kz_profile, kz_reference):
    engine, _ = kz_reference
    changed = kz_profile.with_answers({
        "governance.civil_society_media_constraint": Answer(value=4, source="what-if", evidence="documented"),
    })
    result = engine.assess(changed)
    assert result.status("node.checks_and_balances_deficit") is Status.FIRED
    assert result.status("dx.regulatory_burden_and_corruption") is Status.FIRED


# --- coverage you can see ------------------------------------------------------------------

def test_coverage_of_kazakhstan_decides_every_core_diagnosis(assessor, kb, kz_profile):
    from diagnostics.coverage import diagnosis_coverage

    rows = diagnosis_coverage(kb, assessor.assess(kz_profile), kz_profile)
    assert [r.rule for r in rows] == CORE
    assert all(r.decided and not r.to_decide for r in rows)


def test_coverage_names_the_answers_that_could_decide_an_open_diagnosis(assessor, kb):
    from diagnostics.coverage import diagnosis_coverage

    empty = Profile(country="ZZ")
    rows = diagnosis_coverage(kb, assessor.assess(empty), empty)
    assert not any(r.decided for r in rows)
    for row in rows:
        assert row.reachable and row.to_decide
        # answering what it names (in the deciding direction) really decides the diagnosis
        assert set(row.to_decide) <= set(kb.indicators)


def test_coverage_plans_on_the_logic_cores_trees(mini_kb):
    """Fewest answers, worked by hand on the mini knowledge base: a false gate is the
    cheapest way to decide, premises are planned through their own trees, `not` flips
    what is wanted, and both sides of a mismatch's evidence must be answered."""
    from diagnostics.coverage import diagnosis_coverage

    assessor = Assessor(mini_kb)
    rules = ["dx.demo_root", "node.demo_hostile"]
    empty = Profile(country="ZZ")
    rows = diagnosis_coverage(mini_kb, assessor.assess(empty), empty, rules)
    assert [r.to_decide for r in rows] == [["demo.legacy"], ["demo.attitude"]]

    answered = Profile(country="ZZ", answers={"demo.legacy": Answer(value=True), "demo.attitude": Answer(value=1),
                                              "demo.law_count": Answer(value=2000)})
    root, hostile = diagnosis_coverage(mini_kb, assessor.assess(answered), answered, rules)
    assert hostile.to_decide == ["demo.tools"]  # only the `not: tools contains zones` is open
    assert root.to_decide == ["demo.tools"]  # the hostile officials would make the mismatch
    assert not root.decided and root.reachable


def test_coverage_counts_survey_proxies_beneath_a_diagnosis(assessor, kb, kz_profile):
    from diagnostics.coverage import diagnosis_coverage

    answers = dict(kz_profile.answers)
    del answers["governance.officials_attitude_to_entrepreneurs"]
    answers["intl.es_bribery_incidence"] = Answer(value=0.256, source="ES 2013", evidence="survey", as_of=2013)
    profile = kz_profile.model_copy(update={"answers": answers})
    rows = {r.rule: r for r in diagnosis_coverage(kb, assessor.assess(profile), profile)}
    assert rows["dx.regulatory_burden_and_corruption"].proxies == ["governance.officials_attitude_to_entrepreneurs"]
    plain = diagnosis_coverage(kb, assessor.assess(kz_profile), kz_profile)
    assert not any(r.proxies for r in plain)


def test_coverage_command_prints_a_matrix_and_json():
    import json

    from click.testing import CliRunner

    from diagnostics.cli import main

    result = CliRunner().invoke(main, ["--no-plugins", "coverage", "KZ", "UZ", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [d["country"] for d in data] == ["KZ", "UZ"]
    assert all(d["decided"] for d in data[0]["diagnoses"])
    text = CliRunner().invoke(main, ["--no-plugins", "coverage", "KZ", "UZ"], terminal_width=80)
    assert text.exit_code == 0 and "mismatch" in text.output and "decided for:" in text.output


def test_compare_reports_differences_from_missing_answers_as_coverage_gaps(tmp_path):
    import json

    from click.testing import CliRunner

    from diagnostics.cli import main

    empty = tmp_path / "zz.yaml"
    empty.write_text("country: ZZ\nanswers: {}\n", encoding="utf-8")
    runner = CliRunner()
    data = json.loads(runner.invoke(main, ["--no-plugins", "compare", "KZ", str(empty), "--json"]).output)
    differing = [r for r in data["rows"] if r["differs"]]
    assert differing and all(r["evidence_gap_only"] for r in differing)
    text = runner.invoke(main, ["--no-plugins", "compare", "KZ", str(empty)], terminal_width=120).output
    assert "coverage gap" in text and "Answers that drive the differences" not in text
    # a profile that answers the questions differently is a real difference, not a gap
    mature = runner.invoke(main, ["--no-plugins", "compare", "KZ", "tests/fixtures/profiles/mature_market.yaml",
                                  "--json"])
    rows = json.loads(mature.output)["rows"]
    assert any(r["differs"] and not r["evidence_gap_only"] for r in rows)
