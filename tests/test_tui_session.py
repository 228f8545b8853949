"""The saving model behind `diagnose tui` (diagnostics.session), tested without the UI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from diagnostics.answers import parse_text as parse_value
from diagnostics.answers import parse_year
from diagnostics.errors import DataError
from diagnostics.kb import KnowledgeBase
from diagnostics.knowledge import EvidenceKind, Function, Indicator, IndicatorType
from diagnostics.profile import Answer, AnswerError, EvidenceGrade, Profile
from diagnostics.profileio import FORMAT
from diagnostics.questions import question_groups, question_order
from diagnostics.session import AssessmentSession, read_profile_or_session
from diagnostics.user_data import DATA_DIR_ENV, RecentList, data_dir
from diagnostics.yamlio import load_data


def first_of(kb: KnowledgeBase, kind: IndicatorType) -> str:
    return next(i.id for i in kb.indicators.values() if i.type == kind and not i.display_only)


def test_data_dir_honours_the_environment(tmp_path: Path) -> None:
    assert data_dir({DATA_DIR_ENV: str(tmp_path)}) == tmp_path
    default = data_dir({})
    assert default.name == "policy-diagnostics" and default != tmp_path


def test_session_module_does_not_import_textual() -> None:
    code = "import sys, diagnostics.session, diagnostics.planner; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_questions_are_grouped_by_function_then_topic(kb: KnowledgeBase) -> None:
    groups = question_groups(kb)
    assert [g.id for g in groups] == ["allocator", "regulator", "coordinator", "context"]
    order = question_order(kb)
    assert sorted(order) == sorted(kb.indicators)  # every question exactly once
    context = groups[-1]
    assert {kb.indicators[q].function.value for q in context.questions} == {"context", "cross_cutting"}
    for g in groups:
        for t in g.topics:
            assert {kb.indicators[q].topic for q in t.questions} == {t.topic}


@pytest.mark.parametrize(("kind", "text", "expected"), [
    (IndicatorType.BOOL, "Yes", True),
    (IndicatorType.BOOL, "no", False),
    (IndicatorType.SCALE, "4", 4),
    (IndicatorType.SHARE, "35%", 0.35),
    (IndicatorType.SHARE, "0.2", 0.2),
    (IndicatorType.NUMBER, "1 200", 1200),
])
def test_parse_value_accepts_what_analysts_type(kb: KnowledgeBase, kind: IndicatorType, text: str,
                                                expected: object) -> None:
    spec = kb.indicators[first_of(kb, kind)]
    assert parse_value(spec, text) == pytest.approx(expected)


def test_parse_value_for_years() -> None:
    spec = Indicator(id="demo.founded", type=IndicatorType.YEAR, evidence_kind=EvidenceKind.CONTEXT,
                     function=Function.CONTEXT, topic="Demo", question="When?")
    assert parse_value(spec, "2015") == 2015
    with pytest.raises(AnswerError, match="whole number"):
        parse_value(spec, "2015.5")
    with pytest.raises(AnswerError, match="outside the allowed range 1800–2100"):
        parse_value(spec, "1700")


@pytest.mark.parametrize(("kind", "text", "message"), [
    (IndicatorType.SCALE, "abc", "expects a number"),
    (IndicatorType.SCALE, "7", "outside the allowed range 1–5"),
    (IndicatorType.SCALE, "2.5", "whole number"),
    (IndicatorType.SHARE, "150%", "outside the allowed range 0–1"),
    (IndicatorType.BOOL, "maybe", "yes or no"),
    (IndicatorType.NUMBER, "nan", "not a finite number"),
    (IndicatorType.NUMBER, "", "type a value"),
])
def test_parse_value_rejects_with_a_short_reason(kb: KnowledgeBase, kind: IndicatorType, text: str,
                                                 message: str) -> None:
    spec = kb.indicators[first_of(kb, kind)]
    with pytest.raises(AnswerError, match=message):
        parse_value(spec, text)


def test_parse_value_enforces_an_indicator_minimum(kb: KnowledgeBase) -> None:
    spec = next(i for i in kb.indicators.values() if i.type == IndicatorType.NUMBER and i.min is not None)
    with pytest.raises(AnswerError, match="outside the allowed range"):
        parse_value(spec, str(spec.min - 1))


def test_parse_year() -> None:
    assert parse_year("") is None
    assert parse_year(" 2019 ") == 2019
    for bad in ("19", "20x9", "1800"):
        with pytest.raises(AnswerError):
            parse_year(bad)


def test_every_change_is_on_disk_at_once(kb: KnowledgeBase, tmp_path: Path) -> None:
    s = AssessmentSession.create(kb, Profile(country="KZ", name="Kazakhstan"), tmp_path, started_from="blank")
    assert s.path == tmp_path / "assessments" / "KZ.assessment.yaml"
    ind = first_of(kb, IndicatorType.BOOL)
    s.set_answer(ind, Answer(value=True, source="law", evidence=EvidenceGrade.DOCUMENTED, as_of=2017))
    reopened = AssessmentSession.open(kb, s.path)
    assert reopened.answer(ind) == s.answer(ind)
    assert reopened.current == ind  # the position travels with the answer
    other = first_of(kb, IndicatorType.SCALE)
    s.goto(other)
    assert AssessmentSession.open(kb, s.path).current == other
    s.clear_answer(ind)
    assert AssessmentSession.open(kb, s.path).answer(ind) is None
    data, _ = load_data(s.path)
    assert data["format"] == FORMAT and data["profile"]["country"] == "KZ"


def test_a_bad_value_is_never_stored(kb: KnowledgeBase, tmp_path: Path) -> None:
    s = AssessmentSession.create(kb, Profile(country="KZ"), tmp_path)
    ind = first_of(kb, IndicatorType.SCALE)
    before = s.path.read_bytes()
    with pytest.raises(AnswerError):
        s.set_answer(ind, Answer(value=9))
    with pytest.raises(AnswerError):
        s.set_answer("no.such_question", Answer(value=1))
    assert s.answer(ind) is None
    assert s.path.read_bytes() == before


def test_a_failed_write_keeps_the_previous_answers(kb: KnowledgeBase, tmp_path: Path) -> None:
    s = AssessmentSession.create(kb, Profile(country="KZ"), tmp_path)
    ind = first_of(kb, IndicatorType.BOOL)
    s.path = tmp_path / "missing-dir-is-a-file"
    s.path.write_text("x")
    s.path = s.path / "KZ.assessment.yaml"  # a file where a folder should be: the write fails
    with pytest.raises(DataError, match="not a folder"):
        s.set_answer(ind, Answer(value=True))
    assert s.answer(ind) is None


def test_answers_the_knowledge_base_rejects_are_set_aside_not_lost(kb: KnowledgeBase,
                                                                   tmp_path: Path) -> None:
    scale = first_of(kb, IndicatorType.SCALE)
    good = first_of(kb, IndicatorType.BOOL)
    profile = Profile(country="KZ", answers={"gone.indicator": Answer(value=3), scale: Answer(value=3),
                                             good: Answer(value=True)})
    # Bypass the model's own checks to simulate a file written against an older catalogue.
    profile.answers[scale] = Answer.model_construct(value=17, unknown=False, source="", evidence=None,
                                                    as_of=None, note="")
    s = AssessmentSession.create(kb, profile, tmp_path)
    assert set(s.set_aside) == {"gone.indicator", scale}
    assert s.answer(good) is not None and s.answer(scale) is None
    reopened = AssessmentSession.open(kb, s.path)
    assert set(reopened.set_aside) == {"gone.indicator", scale}
    assert len(reopened.notes) == 0  # already set aside in the file: nothing new to report


def test_export_import_round_trip(kb: KnowledgeBase, kz_profile: Profile, tmp_path: Path) -> None:
    s = AssessmentSession.create(kb, kz_profile, tmp_path, started_from="KZ")
    out = s.export_profile(tmp_path / "out" / "kz.yaml")
    data, _ = load_data(out)
    assert "format" not in data  # a plain profile that `diagnose assess FILE` reads
    profile, doc = read_profile_or_session(out)
    assert doc is None and profile.answers == s.profile.answers
    imported = AssessmentSession.import_file(kb, out, tmp_path)
    assert imported.path != s.path and imported.path.name == "KZ-2.assessment.yaml"
    assert imported.profile.answers == s.profile.answers
    json_out = s.export_profile(tmp_path / "out" / "kz.json")
    assert json.loads(json_out.read_text())["country"] == "KZ"
    with pytest.raises(DataError, match="import it instead"):
        AssessmentSession.open(kb, out)


def test_export_is_readable_by_the_cli(kb: KnowledgeBase, kz_profile: Profile, tmp_path: Path) -> None:
    s = AssessmentSession.create(kb, kz_profile, tmp_path, started_from="KZ")
    out = s.export_profile(tmp_path / "kz.yaml")
    run = subprocess.run([sys.executable, "-m", "diagnostics.cli", "--engine", "reference", "profile",
                          "validate", str(out)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "valid profile for KZ" in run.stdout


def test_recent_list_newest_first_and_pruned(kb: KnowledgeBase, tmp_path: Path) -> None:
    a = AssessmentSession.create(kb, Profile(country="KZ"), tmp_path)
    b = AssessmentSession.create(kb, Profile(country="GE"), tmp_path)
    recent = RecentList.load(tmp_path)
    recent.touch(a)
    recent.touch(b)
    recent.touch(a)
    assert [e.country for e in RecentList.load(tmp_path).entries] == ["KZ", "GE"]
    b.path.unlink()
    assert [e.country for e in RecentList.load(tmp_path).entries] == ["KZ"]
    (tmp_path / "recent.json").write_text("{not json")
    assert RecentList.load(tmp_path).entries == []  # a damaged list costs only the shortcuts
