"""Scenario analysis: what-if, comparison, sensitivity, question planner and sweeps.

Expectations on the mini knowledge base and on the Kazakhstan profile are worked out by
hand from the rule trees (the comments show the reasoning); durable-rules must agree with
every counterfactual the fast search reports.
"""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path
from typing import Any

import pytest
from conftest import read_profile

from diagnostics.analysis import (
    RowWriter,
    SweepRunner,
    compare_profiles,
    counterfactuals,
    load_sweep_spec,
    parse_sets,
    plan_questions,
    sensitivity,
    value_classes,
    whatif,
)
from diagnostics.assessment import Assessor, validate_answers
from diagnostics.errors import DataError
from diagnostics.evaluator import ReferenceEvaluator, Status
from diagnostics.kb import KnowledgeBase
from diagnostics.knowledge import IndicatorType
from diagnostics.profile import Answer, Profile
from diagnostics.registry import Registry

SPD = "dx.state_procurement_distortion"


def answers(**values: Any) -> dict[str, Answer]:
    return {f"demo.{k}": Answer(value=v) for k, v in values.items()}


def mini_profile(**values: Any) -> Profile:
    return Profile(country="KZ", answers=answers(**values))


# The mini profile on which everything fires: legacy; attitude 2 (<= 2); 2,000 acts (> 1000)
# and a radical reform (both alternatives of the `any`); no zones.
FIRING = dict(legacy=True, attitude=2, law_count=2000, mode="radical", tools=["parks"])


def random_values(kb: KnowledgeBase, rng: random.Random, p: float) -> dict[str, Any]:
    """A random profile's values, drawn mostly from the classes the rules distinguish."""
    out: dict[str, Any] = {}
    for spec in kb.indicators.values():
        if spec.display_only or rng.random() > p:
            continue
        classes = value_classes(kb, spec.id)
        if classes and rng.random() < 0.8:
            out[spec.id] = rng.choice(classes).value
        elif spec.type == IndicatorType.BOOL:
            out[spec.id] = rng.random() < 0.5
        elif spec.type == IndicatorType.ENUM:
            out[spec.id] = rng.choice(spec.values)
        elif spec.type == IndicatorType.SET:
            out[spec.id] = tuple(v for v in spec.values if rng.random() < 0.5)
        elif spec.type in (IndicatorType.SCALE, IndicatorType.YEAR):
            lo, hi = spec.bounds()
            out[spec.id] = rng.randint(int(lo or 0), int(hi or 10))
        else:
            lo, hi = spec.bounds()
            lo = lo if lo is not None else 0.0
            out[spec.id] = round(rng.uniform(lo, hi if hi is not None else lo + 100), 3)
    return out


# -------------------------------------------------------------------------------------
# The logic core's incremental mode agrees with its full mode and with the reference evaluator.
@pytest.mark.parametrize("which", ["mini", "thesis"])
def test_logic_core_incremental_mode_agrees_with_reference_including_incremental_updates(
        which: str, mini_kb: KnowledgeBase, kb: KnowledgeBase) -> None:
    base = mini_kb if which == "mini" else kb
    fe, ref = base.logic, ReferenceEvaluator(base)
    rng = random.Random(11)
    inds = [i for i, s in base.indicators.items() if not s.display_only]
    fired = 0
    for _ in range(150):
        values = random_values(base, rng, rng.random())
        status = fe.statuses(values)
        assert status == {r: o.status for r, o in ref.evaluate(values).items()}
        fired += sum(s is Status.FIRED for s in status.values())
        changed = rng.sample(inds, 2)
        new = dict(values)
        for ind in changed:
            if rng.random() < 0.3:
                new.pop(ind, None)
            else:
                new.update({k: v for k, v in random_values(base, rng, 1.0).items() if k == ind})
        assert fe.update(status, new, changed) == fe.statuses(new)
    assert fired > 50  # the draws do exercise firing rules


def test_value_classes_and_their_regions(mini_kb: KnowledgeBase) -> None:
    # demo.law_count is compared with > 1000 and > 5000: three classes.
    regions = [c.region for c in value_classes(mini_kb, "demo.law_count")]
    assert regions == ["demo.law_count <= 1000", "1000 < demo.law_count <= 5000", "demo.law_count > 5000"]
    # Scale values are whole numbers: "not <= 2" reads ">= 3".
    assert [c.region for c in value_classes(mini_kb, "demo.attitude")] == ["demo.attitude <= 2", "demo.attitude >= 3"]
    # With a current value its class comes first, and the others are the nearest values.
    near = value_classes(mini_kb, "demo.law_count", 2000)
    assert [c.value for c in near] == [2000, 1000, 5100]
    assert [c.value for c in value_classes(mini_kb, "demo.mode")] == ["gradual", "mixed", "radical"]
    # Sets: flips add or drop the members the rules test.
    flips = value_classes(mini_kb, "demo.tools", ("parks",))
    assert [(c.value, c.region) for c in flips[1:]] == [(("parks", "zones"), "demo.tools adds zones")]


# -------------------------------------------------------------------------------------
# Sensitivity
def test_counterfactuals_on_the_mini_kb_match_the_hand_derivation(mini_kb: KnowledgeBase) -> None:
    # dx.demo_root = mismatch ∧ legacy. Without legacy it is gone (1 change). The mismatch
    # fires through node.demo_hostile and through mode == radical, so both must go: the mode
    # plus one way to break hostility (attitude >= 3, zones among the tools, or few acts
    # while the mode is gradual, which fails both `any` alternatives).
    values = validate_answers(mini_profile(**FIRING), mini_kb)
    result = counterfactuals(mini_kb, "dx.demo_root", values, max_size=3)
    sets = [sorted(c.indicator for c in cf.changes) for cf in result.counterfactuals]
    assert sets == [["demo.legacy"], ["demo.attitude", "demo.mode"], ["demo.law_count", "demo.mode"],
                    ["demo.mode", "demo.tools"]]
    assert result.complete
    by_set = {tuple(sorted(c.indicator for c in cf.changes)): cf for cf in result.counterfactuals}
    law = {c.indicator: c for c in by_set[("demo.law_count", "demo.mode")].changes}
    assert law["demo.mode"].after == "gradual" and law["demo.law_count"].after == 1000
    assert law["demo.law_count"].region == "demo.law_count <= 1000"
    assert "demo.law_count > 1000" in law["demo.law_count"].falsifies
    assert by_set[("demo.legacy",)].changes[0].falsifies == ["demo.legacy == true"]


def _brute_force_minimal(kb: KnowledgeBase, rule: str, values: dict[str, Any], inds: list[str],
                         max_size: int) -> set[frozenset[str]]:
    """Every assignment of other value classes to every set of at most max_size answers."""
    fe = kb.logic
    base = fe.statuses(values)
    works: set[frozenset[str]] = set()
    for size in range(1, max_size + 1):
        for combo in itertools.combinations(inds, size):
            if any(w <= set(combo) for w in works):
                continue
            options = [value_classes(kb, i, values[i])[1:] for i in combo]
            for choice in itertools.product(*options):
                new = {**values, **{i: c.value for i, c in zip(combo, choice, strict=True)}}
                if fe.update(base, new, combo)[rule] is not Status.FIRED:
                    works.add(frozenset(combo))
                    break
    return works


def test_counterfactual_search_is_complete_and_minimal_against_brute_force(mini_kb: KnowledgeBase) -> None:
    rng = random.Random(5)
    fe = mini_kb.logic
    checked = 0
    for _ in range(300):
        values = random_values(mini_kb, rng, 0.9)
        status = fe.statuses(values)
        for rule in [r for r, s in status.items() if s is Status.FIRED]:
            inds = sorted(values)
            expected = _brute_force_minimal(mini_kb, rule, values, inds, 3)
            got = counterfactuals(mini_kb, rule, values, max_size=3)
            assert {frozenset(c.indicator for c in cf.changes) for cf in got.counterfactuals} == expected
            checked += 1
    assert checked > 100


def test_counterfactuals_on_kz_match_brute_force_for_pairs(kb: KnowledgeBase, kz_profile: Profile) -> None:
    values = validate_answers(kz_profile, kb)
    from diagnostics.analysis import closure_indicators

    rule = "dx.formal_informal_mismatch"
    inds = [i for i in closure_indicators(kb, rule, supporting=False) if i in values]
    expected = _brute_force_minimal(kb, rule, values, inds, 2)
    got = counterfactuals(kb, rule, values, max_size=2)
    assert {frozenset(c.indicator for c in cf.changes) for cf in got.counterfactuals} == expected
    assert len(expected) >= 2


def test_which_answers_unfire_state_procurement_distortion(
        kb: KnowledgeBase, kz_profile: Profile, assessor: Assessor) -> None:
    # The diagnosis needs one of three state-as-market premises (procurement substituting for
    # the market, local content as a crutch, prestige champions) AND one of four consequences.
    # In Kazakhstan all three premises hold, so all three must fail:
    #   procurement: only its share of spending (0.43 >= 0.3) carries it;
    #   local content: rules in force, suppliers not upgraded (1 <= 2), or the
    #     entrepreneurial-spirit deficit (its root: private enterprise was criminalised);
    #   champions: a champion exists, support is intense (5 >= 4), readiness unassessed.
    # Hence no set of one or two changes, and exactly 1 × 3 × 3 = 9 sets of three.
    values = validate_answers(kz_profile, kb)
    assert counterfactuals(kb, SPD, values, max_size=2).counterfactuals == []
    result = counterfactuals(kb, SPD, values, max_size=3)
    got = {frozenset(c.indicator for c in cf.changes) for cf in result.counterfactuals}
    local = ["local_content.lcr_in_force", "local_content.supplier_upgrade_via_linkages",
             "history.private_enterprise_criminalised"]
    champions = ["champions.exists_profile", "champions.state_support_intensity",
                 "champions.supplier_readiness_assessed"]
    assert got == {frozenset({"procurement.share_of_gov_expenditure", a, b}) for a in local for b in champions}
    share = next(c for c in result.counterfactuals[0].changes if c.indicator == "procurement.share_of_gov_expenditure")
    assert share.before == 0.43 and isinstance(share.after, float) and share.after < 0.3
    assert share.region == "procurement.share_of_gov_expenditure < 0.3"
    # durable-rules agrees with every reported counterfactual.
    for cf in result.counterfactuals:
        after = assessor.assess(kz_profile.with_answers(cf.answers()))
        assert after.status(SPD) is cf.status
        assert after.status(SPD) is not Status.FIRED


def test_sensitivity_report_covers_every_fired_and_open_diagnosis(
        kb: KnowledgeBase, kz_profile: Profile, assessor: Assessor) -> None:
    result = sensitivity(kb, kz_profile)  # default: change sets of up to 3 answers
    fired = {d.rule for d in assessor.assess(kz_profile).diagnoses() if d.status is Status.FIRED}
    assert {f.rule for f in result.fired} == fired
    assert all(f.complete for f in result.fired)
    wto = result.for_rule("dx.wto_plus_accession_burden")
    # The WTO-plus burden exists only for a member: leaving is the one single change.
    singles = [cf for cf in wto.counterfactuals if len(cf.changes) == 1]  # type: ignore[union-attr]
    assert [(c.changes[0].indicator, c.changes[0].after) for c in singles] == [("wto.member", "non_member")]
    sample = [cf for f in result.fired for cf in f.counterfactuals][::7]
    for cf in sample:  # durable-rules confirms a spread of them
        rule = next(f.rule for f in result.fired if cf in f.counterfactuals)
        assert assessor.assess(kz_profile.with_answers(cf.answers())).status(rule) is not Status.FIRED
    json.dumps(result.as_json())


def test_deciders_of_a_not_assessable_diagnosis(mini_kb: KnowledgeBase) -> None:
    # Without the attitude the mismatch lacks its informal side, so the root is open.
    # Answering the attitude settles it either way: hostile officials fire the mismatch, and
    # friendly ones leave the radical mode to fire it. The tools cannot decide it alone.
    p = mini_profile(legacy=True, law_count=2000, mode="radical")
    result = sensitivity(mini_kb, p, rules=["dx.demo_root"])
    assert result.fired == []
    (open_,) = result.open
    assert [d.indicator for d in open_.deciders] == ["demo.attitude"]
    assert open_.deciders[0].fires_if == ["demo.attitude <= 2", "demo.attitude >= 3"]
    assert open_.deciders[0].clears_if == []
    assert open_.also_needed == ["demo.tools"]
    # With a gradual mode, only hostile officials fire it, and friendly ones clear it.
    p = mini_profile(legacy=True, law_count=2000, mode="gradual", tools=[])
    (open_,) = sensitivity(mini_kb, p, rules=["dx.demo_root"]).open
    d = open_.deciders[0]
    assert (d.indicator, d.fires_if, d.clears_if) == ("demo.attitude", ["demo.attitude <= 2"], ["demo.attitude >= 3"])


def test_sensitivity_rejects_bad_arguments(mini_kb: KnowledgeBase) -> None:
    with pytest.raises(DataError, match="1, 2 or 3"):
        sensitivity(mini_kb, mini_profile(**FIRING), max_size=4)
    with pytest.raises(DataError, match="did you mean 'dx.demo_root'"):
        sensitivity(mini_kb, mini_profile(**FIRING), rules=["dx.demo_rot"])


# -------------------------------------------------------------------------------------
# What-if
def test_whatif_reports_appearing_findings_with_their_trace(mini_kb: KnowledgeBase) -> None:
    assessor = Assessor(mini_kb)
    p = mini_profile(**{**FIRING, "attitude": 4, "mode": "gradual"})  # nothing hostile, no mismatch
    result = whatif(assessor, p, parse_sets(mini_kb, ["demo.attitude=1"]))
    assert [(s.indicator, s.before, s.after) for s in result.settings] == [("demo.attitude", "4", "1")]
    kinds = {c.rule: c.kind for c in result.changes}
    assert kinds == {"node.demo_hostile": "appears", "node.demo_mismatch": "appears", "dx.demo_root": "appears"}
    hostile = result.change("node.demo_hostile")
    assert hostile is not None and hostile.inputs == ["demo.attitude"]
    assert "demo.attitude <= 2 (answer 1)" in hostile.explanation
    assert any(step["indicator"] == "demo.attitude" and step["value"] == 1 for step in hostile.trace)
    assert [c.rule for c in result.diagnoses()] == ["dx.demo_root"]


def test_whatif_on_kz_removes_state_procurement_distortion(
        kb: KnowledgeBase, kz_profile: Profile, assessor: Assessor) -> None:
    sets = ["procurement.share_of_gov_expenditure=0.2", "local_content.lcr_in_force=false",
            "champions.exists_profile=false"]
    result = whatif(assessor, kz_profile, parse_sets(kb, sets))
    spd = result.change(SPD)
    assert spd is not None and spd.kind == "disappears"
    assert (spd.before, spd.after) == (Status.FIRED, Status.NOT_FIRED)
    assert set(spd.inputs) == {"procurement.share_of_gov_expenditure", "local_content.lcr_in_force",
                               "champions.exists_profile"}
    assert "needs node.procurement_substitutes_for_market, which did not fire" in spd.explanation
    proc = result.change("node.procurement_substitutes_for_market")
    assert proc is not None and proc.explanation == [
        "needs procurement.share_of_gov_expenditure >= 0.3, but the answer is 0.2"]
    # Diagnoses that do not depend on these answers are untouched.
    assert result.change("dx.wto_plus_accession_burden") is None
    # Every what-if is a fresh assessment: the same question twice gives the same answer,
    # and its "before" is the plain assessment.
    again = whatif(assessor, kz_profile, parse_sets(kb, sets))
    assert [c.as_json() for c in again.changes] == [c.as_json() for c in result.changes]
    plain = assessor.assess(kz_profile)
    assert [f.status for f in result.before.findings] == [f.status for f in plain.findings]
    json.dumps(result.as_json())


def test_whatif_with_unknown_and_unset(mini_kb: KnowledgeBase) -> None:
    assessor = Assessor(mini_kb, engine="reference")
    result = whatif(assessor, mini_profile(**FIRING), parse_sets(mini_kb, ["demo.attitude=unknown"]))
    assert result.change("dx.demo_root").after is Status.NOT_ASSESSABLE  # type: ignore[union-attr]
    assert result.settings[0].after == "unknown"
    result = whatif(assessor, mini_profile(**FIRING), parse_sets(mini_kb, ["demo.legacy=unset"]))
    assert result.settings[0].after == "unanswered"


def test_parse_sets_errors(mini_kb: KnowledgeBase) -> None:
    with pytest.raises(DataError, match="did you mean 'demo.attitude'"):
        parse_sets(mini_kb, ["demo.atitude=2"])
    with pytest.raises(DataError, match="expects a number"):
        parse_sets(mini_kb, ["demo.law_count=many"])
    with pytest.raises(DataError, match="expected ns.name=VALUE"):
        parse_sets(mini_kb, ["demo.attitude"])
    with pytest.raises(DataError, match="twice"):
        parse_sets(mini_kb, ["demo.attitude=1", "demo.attitude=2"])
    with pytest.raises(DataError, match="outside the allowed range"):
        parse_sets(mini_kb, ["demo.attitude=9"])


# -------------------------------------------------------------------------------------
# Comparison
def test_compare_names_the_answer_behind_a_difference(mini_kb: KnowledgeBase) -> None:
    assessor = Assessor(mini_kb)
    a = mini_profile(**FIRING)
    b = mini_profile(**{**FIRING, "legacy": False})
    result = compare_profiles(assessor, [("A", a), ("B", b)], all_rules=True)
    assert result.rows[0].rule == "dx.demo_root"  # diagnoses first
    root = result.row("dx.demo_root")
    assert [c.status for c in root.cells] == [Status.FIRED, Status.NOT_FIRED]
    assert [(d.indicator, d.values) for d in root.drivers] == [("demo.legacy", ["true", "false"])]
    mismatch = result.row("node.demo_mismatch")
    assert not mismatch.differs and mismatch.drivers == []  # fires in both, via the mode in B


def test_compare_kz_and_estonia_shows_the_thesis_contrast(registry: Registry, assessor: Assessor) -> None:
    # Kazakhstan is the thesis's crucial case; Estonia is a tier-C contrast with a shorter
    # planning legacy and freer media. No diagnosis should fire for Estonia, all differ.
    kz = read_profile(registry.profiles["KZ"].path)
    ee = read_profile(registry.profiles["EE"].path)
    result = compare_profiles(assessor, [("KZ", kz), ("EE", ee)])
    assert result.columns == ["KZ", "EE"]
    kz_fired = {r.rule for r in result.rows if r.cells[0].status is Status.FIRED}
    ee_fired = {r.rule for r in result.rows if r.cells[1].status is Status.FIRED}
    # Estonia's public record now shows one accession term beyond the agreements (TRIPS in
    # full from day one), so the external-context diagnosis may fire; nothing else does.
    assert len(kz_fired) >= 8 and ee_fired <= {"dx.wto_plus_accession_burden"}
    assert all(r.differs and r.drivers for r in result.rows if r.rule in kz_fired - ee_fired)
    fim = result.row("dx.formal_informal_mismatch")
    contrasts = {d.indicator: d.values for d in fim.drivers}
    assert contrasts["context.years_under_central_planning"] == ["70", "50"]
    allocator = {d.indicator: d.values for d in result.row("dx.allocator_function_failure").drivers}
    assert allocator["governance.civil_society_media_constraint"] == ["1", "4"]
    # Contrasts with both answers known are listed before known-versus-missing ones.
    first = fim.drivers[0].values
    assert "unanswered" not in first and "unknown" not in first
    json.dumps(result.as_json())


# -------------------------------------------------------------------------------------
# Planner
def test_planner_on_an_empty_mini_profile(mini_kb: KnowledgeBase) -> None:
    ranked = plan_questions(mini_kb, Profile(country="KZ"), 10)
    # Only the legacy can settle the root: without it the gate and the root fail.
    assert ranked[0].indicator == "demo.legacy"
    assert ranked[0].decides[0] == "dx.demo_root" and "node.demo_legacy" in ranked[0].settles_always
    assert "dx.demo_root" in ranked[0].reason
    assert [q.score for q in ranked] == sorted((q.score for q in ranked), reverse=True)
    assert "demo.share" not in [q.indicator for q in ranked]  # supporting only: decides nothing
    # Answered questions are not suggested again, unknown ones only on request.
    p = Profile(country="KZ", answers={"demo.legacy": Answer(value=True), "demo.attitude": Answer(unknown=True)})
    names = [q.indicator for q in plan_questions(mini_kb, p, 10)]
    assert "demo.legacy" not in names and "demo.attitude" not in names
    assert "demo.attitude" in [q.indicator for q in plan_questions(mini_kb, p, 10, include_unknown=True)]
    assert len(plan_questions(mini_kb, Profile(country="KZ"), 2)) == 2


def test_planned_questions_decide_more_diagnoses_than_random_ones(kb: KnowledgeBase, kz_profile: Profile) -> None:
    # From an empty profile, ask 20 questions and answer each as the KZ profile does.
    fe = kb.logic

    def decided(ans: dict[str, Answer]) -> int:
        st = fe.statuses(validate_answers(kz_profile.model_copy(update={"answers": ans}), kb))
        return sum(st[d.id] is not Status.NOT_ASSESSABLE for d in kb.diagnoses())

    planned: dict[str, Answer] = {}
    for _ in range(20):
        (best,) = plan_questions(kb, kz_profile.model_copy(update={"answers": planned}), 1)
        planned[best.indicator] = kz_profile.answers.get(best.indicator) or Answer(unknown=True)
    rng = random.Random(3)
    keys = sorted(kz_profile.answers)
    randoms = [decided({k: kz_profile.answers[k] for k in rng.sample(keys, 20)}) for _ in range(100)]
    mean = sum(randoms) / len(randoms)
    print(f"planner decides {decided(planned)} diagnoses, random {mean:.2f} on average (max {max(randoms)})")
    assert decided(planned) >= 3
    assert decided(planned) > max(randoms) and decided(planned) >= 3 * mean + 2


# -------------------------------------------------------------------------------------
# Sweeps
def write(tmp_path: Path, text: str, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_sweep_spec_grid_scenarios_and_ranges(tmp_path: Path, mini_kb: KnowledgeBase) -> None:
    spec = load_sweep_spec(write(tmp_path, """\
profiles: [a.yaml, b.yaml]
grid:
  demo.law_count: {from: 0, to: 6000, step: 3000}
  demo.tools: [[], [zones]]
scenarios:
  - name: hostile
    set: {demo.attitude: 1}
  - name: friendly
    set: {demo.attitude: "4", demo.legacy: null}
"""), mini_kb)
    assert spec.size() == 2 * 2 * 3 * 2
    points = list(spec.points())
    assert len(points) == 12 and points[0][0] == "hostile"
    name, changes = points[-1]
    assert name == "friendly" and changes["demo.legacy"] is None
    assert changes["demo.attitude"].value == 4 and changes["demo.law_count"].value == 6000  # type: ignore[union-attr]
    assert changes["demo.tools"].value == ("zones",)  # type: ignore[union-attr]


@pytest.mark.parametrize(("text", "message", "line"), [
    ("- just a list\n", "must be a mapping", 1),
    ("base: KZ\nprofiles: [KZ]\n", "not both or neither", 1),
    ("grid: {demo.attitude: [1]}\n", "not both or neither", 1),
    ("base: KZ\ngird: {}\n", "unknown key 'gird'", 2),
    ("base: KZ\ngrid:\n  demo.atitude: [1, 2]\n", "did you mean 'demo.attitude'", 3),
    ("base: KZ\ngrid:\n  demo.attitude:\n    - 1\n    - many\n", "expects a number", 5),
    ("base: KZ\ngrid:\n  demo.attitude: [1, 9]\n", "outside the allowed range", 3),
    ("base: KZ\ngrid:\n  demo.mode: [radical, sideways]\n", "expects one of", 3),
    ("base: KZ\ngrid:\n  demo.attitude: []\n", "non-empty list", 3),
    ("base: KZ\ngrid:\n  demo.law_count: {from: 5, to: 1}\n", "from <= to", 3),
    ("base: KZ\nscenarios:\n  - {name: x, sett: {}}\n", "each scenario needs", 3),
    ("base: KZ\ngrid: {demo.attitude: [1]}\nscenarios:\n  - set: {demo.attitude: 2}\n",
     "both in the grid and set", 4),
    ("base: KZ\nrules: [dx.demo_rot]\n", "did you mean 'dx.demo_root'", 2),
    ("base: KZ\ngrid:\n  demo.law_count: {from: 0, to: 10000000, step: 1}\n", "limit", 3),
    ("base: [KZ\n", "malformed YAML", 2),  # the parser notices at the end
])
def test_malformed_sweep_specs_name_file_and_line(
        tmp_path: Path, mini_kb: KnowledgeBase, text: str, message: str, line: int) -> None:
    path = write(tmp_path, text)
    with pytest.raises(DataError, match=message) as info:
        load_sweep_spec(path, mini_kb)
    assert info.value.file == str(path) and info.value.line == line
    assert "\n" not in str(info.value)


def test_sweep_reuse_gives_the_same_rows_as_fresh_assessments(tmp_path: Path, mini_kb: KnowledgeBase) -> None:
    spec = load_sweep_spec(write(tmp_path, """\
base: mini
grid:
  demo.law_count: [0, 500, 999, 1001, 3000, 5001, 9000]
  demo.attitude: [1, 2, 3, 5, unknown]
  demo.legacy: [true, false, null]
"""), mini_kb)
    profiles = {"mini": mini_profile(**FIRING)}
    assessor = Assessor(mini_kb)
    cached = SweepRunner(assessor, list(mini_kb.rules))
    fresh = SweepRunner(assessor, list(mini_kb.rules), cache=False)
    rows = [r.as_json() for r in cached.run(spec, profiles)]
    assert rows == [r.as_json() for r in fresh.run(spec, profiles)]
    assert len(rows) == 105 and fresh.assessed == 105
    # law_count has 3 classes, attitude 3 (<= 2, >= 3, unknown), legacy 3: 27 distinct.
    assert cached.assessed == 27
    hostile = next(r for r in rows if r["set"] == {"demo.law_count": 3000, "demo.attitude": 1, "demo.legacy": True})
    assert hostile["results"]["node.demo_hostile"]["status"] == "fired"
    gone = next(r for r in rows if r["set"]["demo.legacy"] == "unset" and r["set"]["demo.attitude"] == 1)
    assert gone["results"]["dx.demo_root"]["status"] == "not_assessable"
    # The cache keeps one copy of each distinct row (27 entries, fewer distinct rows).
    cells = list(cached._cache.values())
    assert len(cells) == 27 and len({id(c) for c in cells}) == len(set(cells)) < 27


def test_row_writer_formats(mini_kb: KnowledgeBase) -> None:
    import csv
    import io

    from diagnostics.analysis import SweepRow

    row = SweepRow(0, "KZ", "s", {"demo.tools": ["parks", "zones"], "demo.legacy": True},
                   {"dx.demo_root": ("fired", "high")})
    buf = io.StringIO()
    w = RowWriter(buf, "csv", ["dx.demo_root"], ["demo.legacy", "demo.tools"])
    w.write(row)
    header, line = list(csv.reader(io.StringIO(buf.getvalue())))
    assert header == ["index", "profile", "scenario", "set:demo.legacy", "set:demo.tools",
                      "dx.demo_root", "dx.demo_root:confidence"]
    assert line == ["0", "KZ", "s", "true", "parks;zones", "fired", "high"]
    buf = io.StringIO()
    RowWriter(buf, "jsonl", ["dx.demo_root"], []).write(row)
    assert json.loads(buf.getvalue())["fired"] == ["dx.demo_root"]
    with pytest.raises(DataError, match="jsonl or csv"):
        RowWriter(buf, "xml", [], [])


def test_sweep_csv_shows_formula_like_names_as_text(mini_kb: KnowledgeBase) -> None:
    # A scenario or profile named "=HYPERLINK(...)" would run in a spreadsheet opening the CSV.
    import csv
    import io

    from diagnostics.analysis import SweepRow

    row = SweepRow(0, "@KZ", "=HYPERLINK(\"http://x\")", {"demo.legacy": -5},
                   {"dx.demo_root": ("fired", "high")})
    buf = io.StringIO()
    RowWriter(buf, "csv", ["dx.demo_root"], ["demo.legacy"]).write(row)
    _, line = list(csv.reader(io.StringIO(buf.getvalue())))
    assert line[1:4] == ["'@KZ", "'=HYPERLINK(\"http://x\")", "-5"]


def test_an_evidence_only_question_counts_as_any_answer(mini_kb: KnowledgeBase) -> None:
    # A survey that only completes the mismatch's informal side has no value classes;
    # answering it at all lets the radical mode fire the mismatch, and so the root.
    from diagnostics.knowledge import EvidenceKind, EvidenceSets, Function, Indicator

    survey = Indicator(id="demo.survey", type=IndicatorType.SCALE, evidence_kind=EvidenceKind.INFORMAL,
                       function=Function.REGULATOR, topic="Demo", question="Is there a survey?")
    rules = [r.model_copy(update={"evidence": EvidenceSets(formal=r.evidence.formal,
                                                           informal=("demo.attitude", "demo.survey"))})
             if r.id == "node.demo_mismatch" and r.evidence else r for r in mini_kb.rules.values()]
    kb2 = KnowledgeBase.build([*mini_kb.indicators.values(), survey], rules, list(mini_kb.directions.values()))
    p = mini_profile(legacy=True, law_count=2000, mode="radical", tools=[])
    (open_,) = sensitivity(kb2, p, rules=["dx.demo_root"]).open
    survey_decider = next(d for d in open_.deciders if d.indicator == "demo.survey")
    assert survey_decider.fires_if == ["any answer"] and survey_decider.clears_if == []
    ranked = {q.indicator: q for q in plan_questions(kb2, p, 10)}
    assert "dx.demo_root" in ranked["demo.survey"].settles_always


# -------------------------------------------------------------------------------------
# Incremental reassessment (sweeps, the TUI's live panel) equals a fresh assessment.
@pytest.mark.parametrize("which", ["mini", "thesis"])
def test_incremental_reassessment_equals_a_fresh_assessment(
        which: str, mini_kb: KnowledgeBase, kb: KnowledgeBase, kz_profile: Profile) -> None:
    base = mini_kb if which == "mini" else kb
    assessor = Assessor(base)
    profile = mini_profile(**FIRING) if which == "mini" else kz_profile
    state = light = assessor.state(profile)
    rng = random.Random(3)
    inds = [i for i, s in base.indicators.items() if not s.display_only]
    grades = ["documented", "survey", "interview", "expert_judgement", "secondary"]
    for _ in range(60):
        drawn = random_values(base, rng, 1.0)
        changes: dict[str, Answer | None] = {}
        for ind in rng.sample(inds, 3):
            roll = rng.random()
            changes[ind] = (None if roll < 0.2 else Answer(unknown=True) if roll < 0.3 else
                            Answer(value=drawn[ind], evidence=rng.choice(grades), source="test"))
        profile = profile.with_answers(changes)
        state = assessor.reassess(state, profile)
        light = assessor.reassess(light, profile, explain=False)  # what sweeps use
        fresh = assessor.assess(profile)
        assert assessor.assessment(state).model_dump(exclude={"audit"}) == fresh.model_dump(exclude={"audit"})
        assert {r: (f.status, f.confidence) for r, f in light.findings.items()} == {
            f.rule: (f.status, f.confidence) for f in fresh.findings}


def test_a_coverage_gap_is_missing_answers_only() -> None:
    from diagnostics.analysis import Cell, Row
    from diagnostics.evaluator import Status

    def row(*cells: tuple[Status, str | None]) -> Row:
        return Row("dx.x", "X", "diagnosis", "high", [Cell(s, c) for s, c in cells])

    fired, open_ = (Status.FIRED, "high"), (Status.NOT_ASSESSABLE, None)
    gap = row(fired, open_)
    assert gap.differs and gap.evidence_gap_only and not gap.differs_where_decided
    surer = row(fired, (Status.FIRED, "low"))  # every country answered: a real difference
    assert surer.differs_where_decided and not surer.evidence_gap_only
    mixed = row(fired, (Status.FIRED, "low"), open_)
    assert mixed.differs_where_decided and not mixed.evidence_gap_only
    nowhere = row(open_, open_)
    assert not nowhere.differs and not nowhere.evidence_gap_only
