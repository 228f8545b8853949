"""The two-page brief as a committee reads it: real WeasyPrint renders, plain language, comparisons.

No mocks: every PDF here is typeset by WeasyPrint; page counts and page text come from its
laid-out document.
"""

from __future__ import annotations

import datetime as dt
import gc
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from diagnostics.reports.builder import build_context
from diagnostics.reports.compare import build_comparison
from diagnostics.reports.model import BriefContext
from diagnostics.reports.pdf import page_text, typeset
from diagnostics.reports.render import render_brief, render_comparison, render_pdf
from diagnostics.reports.summary import reach

from diagnostics.assessment import Assessment, Assessor, Status
from diagnostics.cli import load_profile_file, main
from diagnostics.kb import KnowledgeBase
from diagnostics.profile import Profile
from diagnostics.registry import Registry

NOW = dt.datetime(2025, 3, 31, 9, 0, tzinfo=dt.UTC)
DATE = dt.date(2025, 4, 1)
A4_WIDTH_PX = 210 / 25.4 * 96


@pytest.fixture(scope="module")
def kz(assessor: Assessor, kz_profile: Profile) -> Assessment:
    return assessor.assess(kz_profile, now=NOW)


@pytest.fixture(scope="module")
def kz_brief(kz: Assessment, kb: KnowledgeBase, kz_profile: Profile, registry: Registry) -> BriefContext:
    return build_context(kz, kb, kz_profile, registry, date=DATE)


@pytest.fixture(scope="module")
def kz_pdf_pages(kz_brief: BriefContext) -> list[str]:
    return page_text(typeset(render_brief(kz_brief, "html"), built_in=True))


class Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.skip += tag in ("style", "title", "script")

    def handle_endtag(self, tag: str) -> None:
        self.skip -= tag in ("style", "title", "script")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_text(html: str) -> str:
    p = Text()
    p.feed(html)
    return " ".join(p.parts)


def cli(*args: str) -> Any:
    result = CliRunner().invoke(main, ["--no-plugins", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


# ---------------------------------------------------------------------------------------
# Two pages, with page numbers and a running title

def test_kz_brief_pdf_has_at_most_two_pages(kz_brief: BriefContext, kz_pdf_pages: list[str]) -> None:
    document = typeset(render_brief(kz_brief, "html"))
    assert 1 <= len(document.pages) <= 2
    pdf = document.write_pdf()
    assert pdf is not None and pdf.startswith(b"%PDF")
    assert all(f"Page {n} of {len(kz_pdf_pages)}" in text for n, text in enumerate(kz_pdf_pages, start=1))
    if len(kz_pdf_pages) > 1:  # the running title heads every page after the first
        assert kz_brief.meta.title in kz_pdf_pages[1].split("Page 2")[0]
    body = " ".join(kz_pdf_pages)
    for part in ("Key messages", "Root causes", "directions by priority", "Questions for the hearing"):
        assert part in body


def test_kz_brief_states_facts_with_source_and_year(kz_brief: BriefContext, kz_profile: Profile,
                                                   kb: KnowledgeBase, kz_pdf_pages: list[str]) -> None:
    assert 3 <= len(kz_brief.key_messages) <= 5
    facts = [f for m in kz_brief.key_messages for f in m.facts]
    assert len(facts) >= 6 and len({f.indicator for f in facts}) == len(facts)  # no fact told twice
    for f in facts:  # each fact is a recorded answer, with its label, source and year
        answer = kz_profile.answers[f.indicator]
        assert f.as_of == answer.as_of and f.label == kb.indicators[f.indicator].label
    numbers = [f for f in facts if kb.indicators[f.indicator].type.value in ("share", "number")]
    assert len(numbers) >= 4
    # The facts are found through the traces, never named per country: each belongs to its finding.
    for m in kz_brief.key_messages:
        assert m.meaning and m.statement.endswith(".")
    body = " ".join(kz_pdf_pages)
    assert "28,000 requirements" in body and "thesis §5.3, 2017" in body
    # Each message names the ranked directions below that answer it, and only those.
    for m in kz_brief.key_messages:
        ids = {m.finding, *m.findings} - {""}
        ranks = [str(p.rank) for p in kz_brief.priorities if ids & {r.id for r in p.addresses}]
        named = re.findall(r"Directions? ((?:\d+(?:, | and )?)+) below address", m.meaning)
        assert re.findall(r"\d+", named[0]) == ranks if ranks else not named, (m.meaning, ranks)
    assert sum("below address" in m.meaning for m in kz_brief.key_messages) >= 3
    # A fact with no recorded year says so rather than leaving the reader to guess.
    undated = [f for f in facts if f.as_of is None]
    assert undated and all(f"({f.source}, year not stated)" in render_brief(kz_brief, "md") for f in undated)
    # The two-page brief cites the thesis by section only, as its facts do: no page or line numbers.
    assert not re.search(r"\bll?\. \d", body) and "p.145" not in body
    assert len(kz_brief.root_causes) == 3 and all(r.paragraph for r in kz_brief.root_causes)
    # A root cause's mechanism is told once, in its paragraph: its key message says what it means.
    messages = {m.finding: m for m in kz_brief.key_messages}
    told_twice = [r.id for r in kz_brief.root_causes
                  if r.id in messages and r.paragraph.split(". ")[0] in messages[r.id].meaning]
    assert [r.id for r in kz_brief.root_causes if r.id in messages] and not told_twice
    assert 1 <= len(kz_brief.priorities) <= 5 and all(p.caveat for p in kz_brief.priorities)
    counts = [len(p.addresses) for p in kz_brief.priorities]
    assert counts == sorted(counts, reverse=True)
    assert 4 <= len(kz_brief.hearing_questions) <= 6


def test_every_root_cause_and_core_diagnosis_tells_its_own_decisive_fact(kz: Assessment, kz_brief: BriefContext,
                                                                         kb: KnowledgeBase) -> None:
    by_id = {f.rule: f for f in kz.findings if f.status is Status.FIRED}
    told = {m.finding: m.facts for m in kz_brief.key_messages if m.finding}
    for m in kz_brief.key_messages:  # a message that groups diagnoses gives one fact each, in order
        assert len(m.findings) == (len(m.facts) if m.findings else 0)
        if m.findings:
            told.update({rid: [fact] for rid, fact in zip(m.findings, m.facts, strict=True)})
    core = [d.id for d in kz_brief.diagnoses if d.role in ("root_cause", "diagnosis")]
    assert core and set(core) <= set(told)
    reaches = {rid: reach(by_id[rid], by_id) for rid in told}
    for rid, facts in told.items():
        assert facts, rid
        for fact in facts:  # its own answer, and no other diagnosis in the messages rests on it more directly
            mine = reaches[rid][fact.indicator]
            assert all(other.get(fact.indicator, mine) >= mine for o, other in reaches.items() if o != rid), fact
    # So the procurement diagnosis shows its sole-source share, and its 43% share of spending is told too.
    values = {f.indicator: f.value_text for facts in told.values() for f in facts}
    assert values.get("procurement.sole_source_share") == "75%"
    assert values.get("procurement.share_of_gov_expenditure") == "43%"
    md = render_brief(kz_brief, "md")
    assert "Share of government spending through public procurement: **43%**" in md


def test_brief_is_the_short_document_and_the_report_the_long_one(kz_brief: BriefContext) -> None:
    brief_words = len(html_text(render_brief(kz_brief, "html")).split())
    report = render_brief(kz_brief, "html", full=True)
    assert brief_words < 1300 < len(html_text(report).split())
    for heading in ("Findings", "Annex A. Data quality", "Annex B. Causal chains", "Annex F. Method and audit"):
        assert heading in report


def test_full_report_renders_to_pdf_with_each_diagram_on_one_page(kz_brief: BriefContext) -> None:
    document = typeset(render_brief(kz_brief, "html", full=True))
    assert len(document.pages) > 2
    pages_of: dict[str, set[int]] = {}
    for n, page in enumerate(document.pages):
        stack: list[Any] = [page._page_box]
        while stack:
            box = stack.pop()
            element = getattr(box, "element", None)
            ident = element.get("id") if element is not None else None
            if ident and ident.startswith("chain-"):
                pages_of.setdefault(ident, set()).add(n)
            stack.extend(getattr(box, "children", ()) or ())
    roots = [d for d in kz_brief.diagnoses if d.role == "root_cause"]
    assert len(pages_of) == len(roots)
    assert all(len(p) == 1 for p in pages_of.values()), pages_of  # never split across pages
    texts = page_text(document)
    assert all(f"Page {n} of {len(texts)}" in t for n, t in enumerate(texts, start=1))
    # About 5 kB a page: no border is drawn dot by dot (a dotted line was 85 kB) and fonts are subset.
    data = document.write_pdf()
    assert data is not None and len(data) < 8_000 * len(document.pages), len(data)


def test_pdf_fonts_cover_cyrillic(kz: Assessment, kb: KnowledgeBase, kz_profile: Profile) -> None:
    title = "Системные проблемы переходной экономики: Казахстан"
    brief = build_context(kz, kb, kz_profile, title=title, unit="Аппарат комитета", date=DATE)
    assert render_pdf(brief).startswith(b"%PDF")
    document = typeset(render_brief(brief, "html"))
    pdf = document.write_pdf(uncompressed_pdf=True)  # font names readable in the file
    pages = page_text(document)
    assert title in pages[0] and "Аппарат комитета" in pages[0]
    fonts = set(re.findall(rb"/BaseFont\s*/(?:[A-Z]{6}\+)?([\w-]+)", pdf))
    assert fonts and all(f.startswith(b"DejaVu") for f in fonts), fonts


# ---------------------------------------------------------------------------------------
# Plain language in everything the committee reads

INTERNAL = [
    (re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b"), "snake_case id"),
    (re.compile(r"\b(?:True|False)\b"), "Python boolean"),
    (re.compile(r"\b[RC]-\d+\b"), "design-rule or criterion code"),
    (re.compile(r"\bMAP\b|MAP §"), "knowledge-map reference"),
]


def assert_plain(text: str, kb: KnowledgeBase, where: str) -> None:
    for pattern, what in INTERNAL:
        found = pattern.findall(text)
        assert not found, f"{where}: {what} in committee text: {found[:5]}"
    ids = [*kb.rules, *kb.indicators, *kb.directions]
    leaked = [i for i in ids if re.search(rf"(?<![\w.]){re.escape(i)}(?![\w])", text)]
    assert not leaked, f"{where}: ids in committee text: {leaked[:5]}"


def test_committee_text_is_plain_language(kz_brief: BriefContext, kb: KnowledgeBase,
                                          kz_pdf_pages: list[str]) -> None:
    assert_plain(render_brief(kz_brief, "md"), kb, "brief.md")
    assert_plain(html_text(render_brief(kz_brief, "html")), kb, "brief.html")
    assert_plain(" ".join(kz_pdf_pages), kb, "brief.pdf")
    # The full report's main body too; its annexes keep ids where an auditor needs them.
    body = kz_brief.model_copy(update={"meta": kz_brief.meta.model_copy(update={"annexes": False})})
    assert_plain(render_brief(body, "md", full=True), kb, "report.md (main body)")
    assert_plain(html_text(render_brief(body, "html", full=True)), kb, "report.html (main body)")


def test_full_report_annexes_carry_no_internal_codes(kz_brief: BriefContext, kb: KnowledgeBase) -> None:
    report = render_brief(kz_brief, "md", full=True)
    for pattern, what in INTERNAL[2:]:  # design-rule codes and knowledge-map references
        assert not pattern.findall(report), f"report.md: {what}: {pattern.findall(report)[:5]}"
    # Flagged figures read as prose naming indicators by their labels, not as ids.
    cautions = kz_brief.data_quality.cautions
    assert cautions and all(c.affects for c in cautions)
    text = " ".join(html_text(render_brief(kz_brief, "html", full=True)).split())
    flagged = text[text.index("Flagged figures"):text.index("Figures deliberately not used")]
    for c in cautions:
        assert " ".join(c.text.split()) in flagged
        # The id stays only as the handle that answer notes refer to ("see caution ...").
        assert flagged.count(c.id) == 1 and f"caution {c.id}" in flagged
        assert not any(i in flagged for i in c.indicators)
        for indicator, label in zip(c.indicators, c.affects, strict=True):
            assert label == kb.indicators[indicator].label or indicator not in kb.indicators
            assert label in flagged


def test_plain_language_check_catches_leaks(kb: KnowledgeBase) -> None:
    for leak in ("see change_official_attitudes", "answer: True", "design rule R-2", "MAP §10 C-9",
                 "procurement.sole_source_share"):
        with pytest.raises(AssertionError):
            assert_plain(leak, kb, "probe")


@pytest.mark.parametrize("code", ["KG", "EE", "UZ"])
def test_other_countries_briefs_are_plain_and_short(code: str, registry: Registry, assessor: Assessor,
                                                    kb: KnowledgeBase) -> None:
    profile = load_profile_file(registry.profiles[code].path)
    brief = build_context(assessor.assess(profile, now=NOW), kb, profile, registry, date=DATE)
    html = render_brief(brief, "html")
    assert_plain(html_text(html), kb, f"{code} brief.html")
    assert_plain(render_brief(brief, "md"), kb, f"{code} brief.md")
    assert len(typeset(html).pages) <= 2


# ---------------------------------------------------------------------------------------
# Comparisons: absence of evidence is a coverage gap, not a difference

def test_unanswered_country_is_a_coverage_gap_not_a_difference(assessor: Assessor, kb: KnowledgeBase,
                                                               kz: Assessment, kz_profile: Profile) -> None:
    empty = Profile(country="ZZ", name="Unanswered", family=kz_profile.family, answers={})
    unanswered = assessor.assess(empty, now=NOW)
    assert any(f.status.value == "not_assessable" for f in unanswered.diagnoses())
    c = build_comparison([(kz, kz_profile), (unanswered, empty)], kb, date=DATE)
    gaps = [r for r in c.rows if r.cells[1].status == "not_assessable" != r.cells[0].status]
    assert gaps and all(r.coverage_gap and not r.differs for r in gaps)
    assert not any(r.coverage_gap for r in c.rows if r not in gaps)  # unanswered in both: no difference
    assert not any(r.differs for r in c.rows if r.cells[1].status == "not_assessable")
    assert not any(m.kind in ("differs", "shared") for m in c.key_messages)
    gap = next(m for m in c.key_messages if m.kind == "gap")
    assert gap.rows == [r.id for r in gaps] and not gap.facts
    assert gap.statement.startswith(f"Nothing can be concluded about Unanswered on {len(gaps)} problems")
    md = render_comparison(c, "md")
    matrix = md.split("## Systemic problems side by side")[1].split("\n## ")[0]
    assert "| **" not in matrix and "Rows in bold" not in matrix  # nothing differs: no bold, no legend for it
    assert "“Not assessable”: answers are missing" in matrix and "never counted as a difference" in matrix


def _assessed(assessor: Assessor, registry: Registry, *codes: str) -> list[tuple[Assessment, Profile]]:
    out = []
    for code in codes:
        p = load_profile_file(registry.profiles[code].path)
        out.append((assessor.assess(p, now=NOW), p))
    return out


def test_comparison_gap_says_how_few_answers_would_decide_it(assessor: Assessor, kb: KnowledgeBase,
                                                             registry: Registry) -> None:
    from diagnostics.coverage import diagnosis_coverage

    items = _assessed(assessor, registry, "KZ", "KG")
    c = build_comparison(items, kb, date=DATE)
    kg, kg_profile = items[1]
    open_ids = [f.rule for f in kg.diagnoses() if f.status is Status.NOT_ASSESSABLE]
    coverage = {x.rule: x for x in diagnosis_coverage(kb, kg, kg_profile, open_ids)}
    assert open_ids
    for r in c.rows:
        if r.id in coverage:  # each cell says how many answers short it is, as `diagnose coverage` does
            assert r.cells[1].answers_short == len(coverage[r.id].to_decide) > 0
    questions = {i for x in coverage.values() for i in x.to_decide}
    assert {q.id for q in c.countries[1].to_decide} == questions
    gap = next(m for m in c.key_messages if m.kind == "gap")
    low, high = min(len(x.to_decide) for x in coverage.values()), max(len(x.to_decide) for x in coverage.values())
    assert f"{low} to {high} answers short" in gap.meaning and f"answering {len(questions)} questions" in gap.meaning
    # What could not be assessed: the questions that would decide it, not the matrix's titles again.
    html = render_comparison(c, "html")
    closing = html_text(html.split('id="closing-the-gaps"')[1].split("</section>")[0])
    assert c.countries[1].to_decide[0].question in closing
    assert not any(r.title in closing for r in c.rows)
    # The figures: Kazakhstan's findings with a number a member can repeat.
    found = next(m for m in c.key_messages if m.kind == "found")
    assert found.facts and all(f.country == "KZ" for f in found.facts)
    assert any(ch.isdigit() for f in found.facts for ch in f.value_text)


def test_comparison_differences_set_the_same_question_side_by_side(assessor: Assessor, kb: KnowledgeBase,
                                                                   registry: Registry) -> None:
    from diagnostics.assessment import validate_answers

    items = _assessed(assessor, registry, "KZ", "EE")
    c = build_comparison(items, kb, date=DATE)
    answers = {a.country: validate_answers(p, kb).answers for a, p in items}
    differs = [m for m in c.key_messages if m.kind == "differs"]
    assert differs and {i for m in differs for i in m.rows} == {r.id for r in c.rows if r.differs}
    for m in differs:
        assert m.facts and len(m.facts) % 2 == 0
        for kz_fact, ee_fact in zip(m.facts[::2], m.facts[1::2], strict=True):
            assert (kz_fact.country, ee_fact.country) == ("KZ", "EE") and kz_fact.indicator == ee_fact.indicator
            assert kz_fact.value_text != ee_fact.value_text  # a difference shows in the answers
        # Sources short enough to sit side by side (each full report gives them in full).
        assert all(len(f.source) <= 61 and f.source.count("(") == f.source.count(")") for f in m.facts)
        for f in m.facts:  # a survey measure standing in is named as such, in the brief's words
            assert f.source.startswith("survey stand-in: ") == bool(answers[f.country][f.indicator].proxy)
    assert any(m.statement == "Estonia lies outside the thesis's core population: findings there test the thesis "
                              "rather than apply it." for m in c.key_messages)
    assert any(m.kind == "shared" for m in c.key_messages)
    md = render_comparison(c, "md")
    assert "Rows in bold differ" in md and "“Not found”" in md and "Not applicable" not in md
    assert md.count("| **") == sum(r.differs for r in c.rows)


def test_comparison_compares_evidence_dates_only_when_they_differ(assessor: Assessor, kb: KnowledgeBase,
                                                                  registry: Registry) -> None:
    kz_kg = build_comparison(_assessed(assessor, registry, "KZ", "KG"), kb, date=DATE)
    dates = next(m for m in kz_kg.key_messages if m.kind == "dates")
    assert "Kazakhstan 2018" in dates.statement and "Kyrgyzstan 2024" in dates.statement
    kg_uz = build_comparison(_assessed(assessor, registry, "KG", "UZ"), kb, date=DATE)
    assert {c.as_of for c in kg_uz.countries} == {"2024-12-31"}
    assert not any(m.kind == "dates" for m in kg_uz.key_messages)


def test_comparison_ranks_directions_as_the_single_brief(assessor: Assessor, kb: KnowledgeBase, kz: Assessment,
                                                         kz_profile: Profile, kz_brief: BriefContext) -> None:
    empty = Profile(country="ZZ", name="Unanswered", family=kz_profile.family, answers={})
    c = build_comparison([(kz, kz_profile), (assessor.assess(empty, now=NOW), empty)], kb, date=DATE)
    assert [p.id for p in c.priorities] == [p.id for p in kz_brief.priorities] and len(c.priorities) == 5
    assert all(p.caveat for p in c.priorities)
    md = render_comparison(c, "md")
    assert f"{len(c.directions) - 5} further directions in the full reports." in md
    assert sum(1 for x in c.directions if f"**{x.title}.**" in md) == 5


def test_comparison_matrix_tags_a_root_cause_once(assessor: Assessor, kb: KnowledgeBase,
                                                  registry: Registry) -> None:
    c = build_comparison(_assessed(assessor, registry, "KZ", "KG"), kb, date=DATE)
    roots = [r for r in c.rows if r.role == "root_cause"]
    assert roots and all(bool(r.tag) != ("root" in r.title.lower()) for r in roots)
    assert not any(r.tag for r in c.rows if r.role != "root_cause")


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("codes", [("KZ", "KG"), ("KZ", "KG", "EE")])
def test_comparison_brief_pdf_has_at_most_two_pages(lang: str, codes: tuple[str, ...], assessor: Assessor,
                                                    kb: KnowledgeBase, registry: Registry) -> None:
    from diagnostics.i18n import set_language

    set_language(lang)  # conftest sets English again afterwards
    c = build_comparison(_assessed(assessor, registry, *codes), kb, date=DATE)
    pages = page_text(typeset(render_comparison(c, "html"), built_in=True))
    assert len(pages) <= 2
    text = " ".join(pages)
    assert_plain(text, kb, f"comparison {'+'.join(codes)} ({lang}).pdf")
    # References are sections, never line lists; the audit stamp comes once per country, at the end.
    assert "ll." not in text and "l." not in text.split()
    for country in c.countries:
        assert text.count(country.profile) == 1 and text.rindex(country.profile) > text.rindex(c.rows[-1].title[:20])


def test_real_differences_still_count(assessor: Assessor, kb: KnowledgeBase, kz: Assessment,
                                      kz_profile: Profile, registry: Registry) -> None:
    ee_profile = load_profile_file(registry.profiles["EE"].path)
    ee = assessor.assess(ee_profile, now=NOW)
    c = build_comparison([(kz, kz_profile), (ee, ee_profile)], kb, date=DATE)
    both = [r for r in c.rows if "not_assessable" not in (r.cells[0].status, r.cells[1].status)]
    assert {r.id for r in c.rows if r.differs} == {r.id for r in both if r.cells[0] != r.cells[1]}


def test_comparison_matrix_fits_the_page(assessor: Assessor, kb: KnowledgeBase, registry: Registry) -> None:
    items = []
    for code in ("KZ", "KG", "UZ", "TJ", "EE", "BY"):
        p = load_profile_file(registry.profiles[code].path)
        items.append((assessor.assess(p, now=NOW), p))
    c = build_comparison(items, kb, date=DATE)
    document = typeset(render_comparison(c, "html"))
    widths = []
    for page in document.pages:
        content = page._page_box.children[0]  # the page area
        right = content.content_box_x() + content.width
        stack: list[Any] = [page._page_box]
        while stack:
            box = stack.pop()
            element = getattr(box, "element", None)
            if element is not None and element.tag == "table" and "matrix" in (element.get("class") or ""):
                widths.append(box.position_x + box.margin_width() <= right + 0.5)
            stack.extend(getattr(box, "children", ()) or ())
    assert widths and all(widths)


# ---------------------------------------------------------------------------------------
# CLI: the format follows -o; a contradicting --format is an error

def test_cli_pdf_from_the_extension(tmp_path: Path) -> None:
    out = tmp_path / "kz.pdf"
    r = cli("brief", "KZ", "-o", str(out), "--date", "2025-04-01")
    assert r.exit_code == 0, r.stderr
    assert out.read_bytes().startswith(b"%PDF") and "(pdf," in r.stderr
    report = tmp_path / "kz-report.pdf"
    assert cli("brief", "KZ", "--full", "-o", str(report)).exit_code == 0
    assert report.stat().st_size > out.stat().st_size


@pytest.mark.parametrize(("fmt", "name"), [("md", "kz.pdf"), ("pdf", "kz.html"), ("html", "kz.json")])
def test_cli_format_contradicting_the_extension_is_an_error(tmp_path: Path, fmt: str, name: str) -> None:
    out = tmp_path / name
    r = cli("brief", "KZ", "--format", fmt, "-o", str(out))
    assert r.exit_code == 2 and "contradicts" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_cli_compare_pdf(tmp_path: Path) -> None:
    out = tmp_path / "cmp.pdf"
    r = cli("brief", "--compare", "KZ", "EE", "-o", str(out))
    assert r.exit_code == 0, r.stderr
    assert out.read_bytes().startswith(b"%PDF")


def _boxes_alive() -> int:
    from weasyprint.formatting_structure.boxes import Box

    gc.collect()
    return sum(isinstance(o, Box) for o in gc.get_objects())


def test_cli_brief_leaves_the_collector_on_nothing_frozen_and_its_pages_collectable(tmp_path: Path) -> None:
    # The brief pauses the collector and freezes what it builds; in a process that goes on (here,
    # tests calling it through click's runner) all of it is collectable again once it returns.
    assert cli("brief", "KZ", "-o", str(tmp_path / "warm.pdf")).exit_code == 0
    before = _boxes_alive()
    for name in ("kz.pdf", "kz.html", "kz.md"):
        r = cli("brief", "KZ", "-o", str(tmp_path / name))
        assert r.exit_code == 0, r.stderr
        assert gc.isenabled() and gc.get_freeze_count() == 0, name
    assert cli("brief", "--compare", "KZ", "EE", "-o", str(tmp_path / "cmp.pdf")).exit_code == 0
    assert gc.isenabled() and gc.get_freeze_count() == 0
    assert _boxes_alive() == before  # the typeset pages went with the collection


@pytest.mark.parametrize("command", [["brief", "KZ", "-o", "{out}", "--force"], ["assess", "KZ", "--json"]])
def test_every_command_leaves_its_objects_to_the_system_when_the_process_ends(tmp_path: Path,
                                                                              command: list[str]) -> None:
    # An exit handler registered before the command runs after diagnose's own (last in, first out).
    # The brief and the assessment it is benched against are treated alike.
    args = [a.format(out=tmp_path / "kz.pdf") for a in command]
    code = f"""
import atexit, gc
from click.testing import CliRunner
from diagnostics.cli import main

atexit.register(lambda: print("at exit:", gc.get_freeze_count() > 0, gc.isenabled()))
for _ in range(2):
    r = CliRunner().invoke(main, ["--no-plugins", *{args!r}])
    assert r.exit_code == 0, r.output
print("returned:", gc.get_freeze_count() > 0, gc.isenabled())
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["returned: False True", "at exit: True True"]
    if command[0] == "brief":
        assert (tmp_path / "kz.pdf").read_bytes().startswith(b"%PDF")


def test_every_built_in_indicator_has_a_plain_label(kb: KnowledgeBase) -> None:
    for ind in kb.indicators.values():
        assert ind.label and "_" not in ind.label and len(ind.label) <= 80, ind.id


# ---------------------------------------------------------------------------------------
# The built-in templates' user-agent stylesheet (reports/templates/ua.css)

# Every computed property WeasyPrint's user-agent stylesheet sets for some element (except
# those of elements no built-in template writes), and what lays text out.
UA_PROPERTIES = (
    "display", "margin_top", "margin_right", "margin_bottom", "margin_left", "padding_top", "padding_right",
    "padding_bottom", "padding_left", "border_top_width", "border_top_style", "border_top_color",
    "border_left_width", "border_left_color", "border_spacing", "border_collapse", "box_sizing", "color",
    "background_color", "font_family", "font_size", "font_style", "font_weight", "font_variant_numeric",
    "line_height", "text_decoration_line", "text_align_all", "text_indent", "text_transform", "vertical_align",
    "white_space", "list_style_type", "list_style_position", "counter_reset", "content", "overflow",
    "bookmark_level", "bookmark_label", "break_before", "break_after", "break_inside", "hyphens", "quotes",
)


def _layout(document: Any) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for n, page in enumerate(document.pages):
        stack: list[Any] = [page._page_box]
        while stack:
            box = stack.pop()
            element = getattr(box, "element", None)
            out.append((n, type(box).__name__, getattr(element, "tag", None), round(box.position_x, 2),
                        round(box.position_y, 2), round(box.width or 0, 2), round(box.height or 0, 2),
                        getattr(box, "text", None), tuple(str(box.style[p]) for p in UA_PROPERTIES)))
            stack.extend(reversed(list(getattr(box, "children", ()) or ())))
    return out


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_built_in_documents_lay_out_the_same_with_their_own_user_agent_sheet(
        lang: str, kz: Assessment, kb: KnowledgeBase, kz_profile: Profile, registry: Registry,
        assessor: Assessor) -> None:
    # ua.css keeps only the rules of WeasyPrint's html5_ua.css that can apply to what the built-in
    # templates write; typeset with either, each document must come out box for box the same.
    from diagnostics.i18n import set_language

    set_language(lang)  # conftest sets English again afterwards
    brief = build_context(kz, kb, kz_profile, registry, date=DATE)
    ee_profile = load_profile_file(registry.profiles["EE"].path)
    comparison = build_comparison([(kz, kz_profile), (assessor.assess(ee_profile, now=NOW), ee_profile)], kb,
                                  date=DATE)
    for html in (render_brief(brief, "html"), render_brief(brief, "html", full=True),
                 render_comparison(comparison, "html")):
        full, lean = typeset(html), typeset(html, built_in=True)
        assert len(lean.pages) == len(full.pages)
        assert _layout(lean) == _layout(full)
        assert lean.make_bookmark_tree() == full.make_bookmark_tree()  # the PDF outline (h1-h3)
