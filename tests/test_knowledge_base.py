"""The thesis knowledge base: counts, citations inside the thesis, no copied text, design rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import ROOT, thesis_path

from diagnostics.citations import check_citation, parse_citation
from diagnostics.engine import DurableEngine, load_problems
from diagnostics.errors import KnowledgeError
from diagnostics.kb import KnowledgeBase
from diagnostics.knowledge import Layer, Rule

TOP_LEVEL = [
    "dx.formal_informal_mismatch", "dx.imaginary_driven_policy", "dx.borrowed_instruments",
    "dx.state_procurement_distortion", "dx.fdi_spillover_failure",
    "dx.regulatory_burden_and_corruption", "dx.wto_plus_accession_burden",
    "dx.allocator_function_failure", "dx.regulator_function_failure",
    "dx.coordinator_function_failure", "dx.catch_up_failure",
]


def test_counts(kb: KnowledgeBase) -> None:
    thesis_rules = [r for r in kb.rules.values() if r.provided_by.startswith("thesis")]
    nodes = [r for r in thesis_rules if r.id.startswith("node.")]
    assert len(kb.indicators) >= 100
    assert len(nodes) >= 69
    assert sorted(r.id for r in thesis_rules if r.layer == Layer.DIAGNOSIS) == sorted(TOP_LEVEL)
    assert len([d for d in kb.directions.values() if d.provided_by.startswith("thesis")]) == 42
    layers = {layer: sum(1 for r in nodes if r.layer == layer) for layer in Layer}
    assert layers[Layer.CONTEXT] == 14 and layers[Layer.MECHANISM] == 28 and layers[Layer.MANIFESTATION] == 14


def test_every_rule_has_mechanism_story_citation_and_direction(kb: KnowledgeBase) -> None:
    for r in kb.rules.values():
        assert r.mechanism and r.story and r.citations, r.id
        if r.layer != Layer.CONTEXT and not r.background:
            assert r.directions, r.id
            assert all(d in kb.directions for d in r.directions), r.id


@pytest.fixture(scope="module")
def sections() -> dict[str, tuple[int, int]]:
    """The shipped section index (tests/test_platform.py checks it against the thesis text)."""
    from diagnostics.citations import thesis_index

    return thesis_index().sections


def test_thesis_sections_are_read_from_the_text(sections) -> None:
    assert sections["4.5"][0] == 5086 and sections["4.5"][1] == 5611
    assert sections["4.2"][0] == 3679
    assert len([k for k in sections if k != "Abstract"]) == 40  # chapters 1–7: 3+6+6+7+7+7+4


def test_every_citation_lies_inside_its_section(kb: KnowledgeBase, sections) -> None:
    cites = [(r.id, c) for r in kb.rules.values() for c in r.citations]
    cites += [(d.id, c) for d in kb.directions.values() for c in d.citations]
    cites += [(i.id, c) for i in kb.indicators.values() for c in i.citations]
    assert len(cites) > 300
    problems = [f"{rid}: {p}" for rid, c in cites if (p := check_citation(parse_citation(c), sections, 19))]
    assert problems == []


def test_a_citation_outside_its_section_is_caught(sections) -> None:
    assert check_citation(parse_citation("§4.5 p.61 (ll. 5346–5371)"), sections, 19) is None
    assert "outside §4.5" in (check_citation(parse_citation("§4.5 p.61 (ll. 4000–4010)"), sections, 19) or "")


WORD = re.compile(r"[a-z0-9']+")


def test_no_text_in_rules_repeats_the_thesis() -> None:
    path = thesis_path()
    if path is None:
        pytest.skip("thesis text not found")
    words = WORD.findall(path.read_text(encoding="utf-8", errors="replace").lower())
    shingles = {tuple(words[i : i + 12]) for i in range(len(words) - 11)}
    copied = []
    files = list((ROOT / "rules").rglob("*.yaml")) + list((ROOT / "plugins").rglob("*.yaml"))
    assert len(files) > 20
    for f in files:
        ws = WORD.findall(f.read_text(encoding="utf-8").lower())
        runs = [" ".join(ws[i : i + 12]) for i in range(len(ws) - 11) if tuple(ws[i : i + 12]) in shingles]
        if runs:
            copied.append(f"{f.name}: {runs[0]}")
    assert copied == []


def _rebuild(kb: KnowledgeBase, extra: list[Rule]) -> KnowledgeBase:
    return KnowledgeBase.build(list(kb.indicators.values()), [*kb.rules.values(), *extra], list(kb.directions.values()))


def _rule(**kw) -> Rule:
    base = dict(id="node.test_extra", title="Extra", layer="mechanism", theme="test", function="regulator",
                evidence_grade="doc", mechanism="m", story="s", directions=["change_official_attitudes"],
                citations=["§5.4 p.87 (ll. 7554–7566)"])
    return Rule.model_validate(base | kw)


def test_benchmark_gap_alone_is_rejected(kb: KnowledgeBase) -> None:
    with pytest.raises(KnowledgeError, match="R-4"):
        _rebuild(kb, [_rule(when={"indicator": "rd.gerd_pct_gdp", "lt": 1.0})])


def test_negation_over_a_finding_is_rejected(kb: KnowledgeBase) -> None:
    with pytest.raises(KnowledgeError, match="'not' may only wrap indicator comparisons"):
        _rebuild(kb, [_rule(when={"all": [{"indicator": "wto.bargaining_power", "lte": 2},
                                          {"not": {"finding": "node.wto_plus_demands"}}]})])


def test_unreachable_rule_is_rejected(kb: KnowledgeBase) -> None:
    with pytest.raises(KnowledgeError, match="unreachable"):
        _rebuild(kb, [_rule(when={"all": [{"indicator": "wto.bargaining_power", "lte": 1},
                                          {"indicator": "wto.bargaining_power", "gte": 3}]})])


def test_duplicate_rule_id_is_rejected(kb: KnowledgeBase) -> None:
    with pytest.raises(KnowledgeError, match="duplicate rule id"):
        _rebuild(kb, [_rule(id="node.wto_plus_demands", when={"indicator": "wto.bargaining_power", "lte": 2})])


def test_mismatch_evidence_must_have_matching_kinds(kb: KnowledgeBase) -> None:
    with pytest.raises(KnowledgeError, match="evidence.informal lists"):
        _rebuild(kb, [_rule(layer="manifestation", theme="formal_informal_mismatch", mismatch=True,
                            evidence={"formal": ["strategy.reform_mode"], "informal": ["rd.gerd_pct_gdp"]},
                            when={"indicator": "wto.bargaining_power", "lte": 2})])


def test_a_rule_joining_more_facts_than_the_engine_allows_is_rejected(kb: KnowledgeBase) -> None:
    # Seventeen required findings are seventeen facts to join; durable-rules joins 16 at most.
    premises = [r for r in kb.rules if r.startswith("node.")][:17]
    with pytest.raises(KnowledgeError, match="joins 17 facts; the engine allows 16"):
        _rebuild(kb, [_rule(when={"all": [{"finding": r} for r in premises]})])


def test_many_comparisons_in_one_rule_are_one_fact_for_the_engine(kb: KnowledgeBase) -> None:
    # Comparisons are decided before chaining, so a long conjunction of them loads.
    ids = [i for i, spec in kb.indicators.items() if spec.type.value == "bool" and not spec.display_only][:17]
    big = _rebuild(kb, [_rule(when={"all": [{"indicator": i, "eq": True} for i in ids]})])
    assert load_problems(big) == []
    values = dict.fromkeys(ids, True)
    assert "node.test_extra" in DurableEngine(big).assess(values).fired


def test_why_ask_lists_the_rules_an_indicator_feeds(kb: KnowledgeBase) -> None:
    assert "node.technology_park_failure" in kb.feeds["tech_parks.top_down_capex"]
    assert "dx.formal_informal_mismatch" in kb.rolls_up_to["node.near_market_research_deficit"]


def test_rules_folder_layout() -> None:
    assert sorted(p.name for p in (ROOT / "rules" / "nodes").glob("*.yaml")) == [
        "l0_context.yaml", "l1_policy.yaml", "l2_mechanisms.yaml", "l3_manifestations.yaml", "l4_diagnoses.yaml"]
    assert Path(ROOT / "rules" / "directions" / "directions.yaml").exists()


def test_a_knowledge_base_eight_times_the_size_builds_and_assesses(kb: KnowledgeBase, kz_profile) -> None:
    from diagnostics.assessment import validate_answers
    from diagnostics.testing import scaled_id, scaled_knowledge_base

    big = scaled_knowledge_base(kb, 8)
    assert len(big.rules) == 8 * len(kb.rules)
    assert load_problems(big) == []
    values = validate_answers(kz_profile, kb)
    scaled = {scaled_id(i, k): v for i, v in values.items() for k in range(1, 9)}
    fired = DurableEngine(big).assess(scaled).fired
    one = set(DurableEngine(kb).assess(values).fired)
    assert len(fired) == 8 * len(one)
    assert {re.sub(r"_c[2-8]$", "", r) for r in fired} == one


def test_engine_patterns_find_every_alpha_child_by_its_name(kb: KnowledgeBase) -> None:
    # durable-rules compares a fact with every child of an alpha node that tests the same
    # property name; a digit written as a value (`x: 5`) makes that up to 32 comparisons per
    # level, growing with the knowledge base. Written as a name (`x5: 1`), each is one probe.
    from diagnostics.engine import _fnv1a, compile_program
    from diagnostics.testing import scaled_knowledge_base

    program = compile_program(scaled_knowledge_base(kb, 8))
    values: dict[str, set[object]] = {}

    def visit(test: dict[str, object]) -> None:
        for key, sub in test.items():
            if key in ("$and", "$or"):
                assert isinstance(sub, list)
                for t in sub:
                    visit(t)
            else:
                values.setdefault(key, set()).add(sub)

    for rule in program.definition.values():
        for pattern in rule["all"]:
            for test in pattern.values():
                visit(test)
    assert values.pop("type") == {"s", "o", "g"}  # sentinel, chunks of parts, chunks of findings
    assert all(v == {1} for v in values.values()), {k: v for k, v in values.items() if v != {1}}
    assert {"x0", "x1", "b0", "b31"} <= values.keys()  # chunk digits and flags
    names = [*values, "sid", "id", "type", "$s"]
    assert len({_fnv1a(n) for n in names}) == len(names)  # the engine tells names apart by hash


def test_findings_carried_by_one_fact_fill_every_premise(kb: KnowledgeBase, kz_profile) -> None:
    # Findings are posted as flags of shared facts, one chunk per depth: a join over two of
    # them is one fact in two premises, and an alternative over findings reads what fired.
    from diagnostics.assessment import Assessor
    from diagnostics.engine import compile_program

    first, second = "node.soviet_command_legacy", "node.science_push_legacy"
    slots = compile_program(kb).finding_slots
    assert slots[first][0] == slots[second][0]  # one fact carries both
    both = _rule(when={"all": [{"finding": first}, {"finding": second}]})
    either = _rule(id="node.test_either", when={"any": [
        {"all": [{"finding": first}, {"indicator": "wto.bargaining_power", "lte": 2}]}, {"finding": second}]})
    big = _rebuild(kb, [both, either])
    durable, reference = Assessor(big).assess(kz_profile), Assessor(big, engine="reference").assess(kz_profile)
    assert {"node.test_extra", "node.test_either"} <= set(durable.fired())
    assert durable.fired() == reference.fired()
    assert [f.trace for f in durable.findings] == [f.trace for f in reference.findings]


def test_a_pickled_knowledge_base_carries_its_compiled_logic_core(kb: KnowledgeBase, kz_profile) -> None:
    # The on-disk knowledge-base cache pickles it with the compiled core and its forward-chaining
    # form (closures pickled as what they are made from), unpickled only when first used.
    import pickle

    from diagnostics.assessment import Assessor
    from diagnostics.kb import KnowledgeBase as KB

    assert kb.logic.chaining is not None
    copy = pickle.loads(pickle.dumps(kb))
    assert "logic" not in copy.__dict__
    assert "chaining" in copy.logic.__dict__ and copy.logic.kb is copy
    assert copy.logic.translations.keys() == kb.logic.translations.keys() == {"durable"}  # carried too
    for engine in ("durable", "reference"):
        got, want = Assessor(copy, engine=engine).assess(kz_profile), Assessor(kb, engine=engine).assess(kz_profile)
        assert got.fired() == want.fired()
        assert [f.model_dump(mode="json") for f in got.findings] == [f.model_dump(mode="json") for f in want.findings]
    # One pickled before its core was built compiles it when first used.
    fresh = KB(indicators=kb.indicators, rules=kb.rules, directions=kb.directions, families=kb.families)
    again = pickle.loads(pickle.dumps(fresh))
    assert "_logic_pickle" not in again.__dict__
    assert Assessor(again).assess(kz_profile).fired() == Assessor(kb).assess(kz_profile).fired()
