"""The language layer: locale formatting and parsing, translated knowledge, the completeness
check, the Russian interface catalog, and a plugin translating its own rule."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from diagnostics import i18n, translated_knowledge
from diagnostics.cli import main
from diagnostics.familykit import family_plugin
from diagnostics.hookspecs import hookimpl
from diagnostics.i18n import (
    format_date,
    format_number,
    format_percent,
    read_number,
    resolve_language,
)
from diagnostics.kb import KnowledgeBase
from diagnostics.registry import load_registry
from diagnostics.translated_knowledge import (
    FALLBACK_MARKER,
    RULE_FIELDS,
    Catalog,
    KnowledgeTranslation,
    RuleText,
    check_translations,
    collect_translations,
    en_hash,
    english_fields,
    localize_kb,
)

ROOT = Path(__file__).resolve().parent.parent
MONGOLIA = ROOT / "examples" / "mongolia-plugin" / "diagnostics_mongolia"
NBSP = "\u00a0"


def run(*args: str, env: dict[str, str] | None = None):
    result = CliRunner().invoke(main, ["--no-plugins", *args], terminal_width=120, env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


# ---------------------------------------------------------------------------------------
# Formatting and parsing


def test_numbers_percentages_and_dates_follow_the_language() -> None:
    assert format_number(1234567.5, "en") == "1,234,567.5"
    assert format_number(1234567.5, "ru") == f"1{NBSP}234{NBSP}567,5"
    assert format_number(120, "ru") == "120"
    assert format_percent(0.075, "en") == "7.5%"
    assert format_percent(0.075, "ru") == f"7,5{NBSP}%"
    assert format_date(date(2018, 12, 31), "en") == "December 31, 2018"
    assert " ".join(format_date(date(2018, 12, 31), "ru").split()) == "31 декабря 2018 г."


@pytest.mark.parametrize(("text", "lang", "value"), [
    ("7,5", "ru", 7.5), ("1234,5", "ru", 1234.5), ("7.5", "ru", 7.5), ("0,25", "ru", 0.25),
    ("7.5", "en", 7.5), ("1,234.5", "en", 1234.5), ("1e3", "en", 1000.0),
])
def test_numbers_are_read_in_the_language(text: str, lang: str, value: float) -> None:
    assert read_number(text, lang) == value


@pytest.mark.parametrize(("text", "lang"), [("7,5", "en"), ("seven", "ru"), ("1,2,3", "ru")])
def test_ambiguous_or_foreign_numbers_are_refused(text: str, lang: str) -> None:
    with pytest.raises(ValueError):
        read_number(text, lang)


def test_the_language_comes_from_the_option_then_the_environment() -> None:
    assert resolve_language(None, {}) == "en"
    assert resolve_language(None, {"DIAGNOSE_LANG": "ru_RU.UTF-8"}) == "ru"
    assert resolve_language("en", {"DIAGNOSE_LANG": "ru"}) == "en"
    with pytest.raises(Exception, match="unsupported language 'de'"):
        resolve_language("de", {})


# ---------------------------------------------------------------------------------------
# The interface catalog


def _python_format_names(text: str) -> set[str]:
    return set(re.findall(r"\{(\w*)[^{}]*\}", text)) | set(re.findall(r"%\((\w+)\)s", text))


def test_every_interface_string_has_a_russian_translation_with_the_same_placeholders() -> None:
    method_map = [("diagnostics/**.py", "python"), ("tui/**.py", "python"), ("reports/**.py", "python"),
                  ("reports/templates/**.j2", "jinja2"), ("reports/templates/**.css", "jinja2")]
    keywords = {"_": None, "N_": None, "NP_": (1, 2), "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
    # Keyed by (context, msgid): a pgettext entry needs its own translation.
    extracted = {(context, msg if isinstance(msg, str) else msg[0])
                 for _f, _l, msg, _c, context in extract_from_dir(str(ROOT), method_map, keywords=keywords)}
    extracted = {key for key in extracted if key[1]}
    with i18n.catalog_path("ru").open("rb") as fh:
        catalog = read_po(fh, locale="ru")
    translated = {(m.context, m.id if isinstance(m.id, str) else m.id[0]): m for m in catalog if m.id}
    untranslated = sorted((m for m in extracted if m not in translated or not translated[m].string
                           or translated[m].fuzzy), key=str)
    assert not untranslated, f"{len(untranslated)} strings without a Russian translation: {untranslated[:5]}"
    for (_context, msgid), m in translated.items():
        string = m.string if isinstance(m.string, str) else m.string[0]
        assert _python_format_names(string) == _python_format_names(msgid), msgid
    assert len(extracted) > 50


def test_the_catalog_passes_babels_checkers_as_pybabel_compile_runs_them() -> None:
    # The checks `pybabel compile` (and msgfmt --check) make: placeholders of python-format
    # entries ("% of GDP" would be a directive: a literal percent sign is written %%), and the
    # number of plural forms.
    with i18n.catalog_path("ru").open("rb") as fh:
        catalog = read_po(fh, locale="ru")
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalog.check()]
    assert not problems, problems
    assert catalog.get("%% of GDP") is not None and catalog.get("% of GDP") is None
    assert i18n.compile_catalog(i18n.catalog_path("ru"), "ru")  # compiles: the .mo is not empty


def test_gettext_switches_with_the_language() -> None:
    i18n.set_language("ru")
    assert i18n._("Root causes") == "Первопричины"
    i18n.set_language("en")
    assert i18n._("Root causes") == "Root causes"


# ---------------------------------------------------------------------------------------
# Translated knowledge


def test_a_missing_translation_falls_back_to_english_with_a_marker(kb: KnowledgeBase) -> None:
    rid = "dx.formal_informal_mismatch"
    catalog = Catalog("ru")
    catalog.add(KnowledgeTranslation(language="ru", rules={rid: RuleText(title="Несоответствие")}))
    ru = localize_kb(kb, catalog)
    assert ru.rules[rid].title == "Несоответствие"
    assert ru.rules[rid].story == FALLBACK_MARKER + kb.rules[rid].story  # field missing: English, marked
    other = next(r for r in kb.rules if r != rid)
    assert ru.rules[other].title == FALLBACK_MARKER + kb.rules[other].title
    assert ru.rules[rid].when == kb.rules[rid].when and ru.logic is kb.logic
    assert ru.digest == kb.digest  # the audit stamp does not depend on the language
    assert kb.rules[rid].title != "Несоответствие"  # the English base is untouched


def test_the_check_lists_untranslated_stale_and_unknown_entries(kb: KnowledgeBase) -> None:
    rid, stale_id = "dx.formal_informal_mismatch", "dx.imaginary_driven_policy"
    good = {f: getattr(kb.rules[rid], f) for f in RULE_FIELDS}
    catalog = Catalog("ru")
    catalog.add(KnowledgeTranslation(language="ru", rules={
        rid: RuleText(en_hash=en_hash(english_fields(kb.rules[rid], RULE_FIELDS)), **good),
        stale_id: RuleText(en_hash="000000000000", **{f: getattr(kb.rules[stale_id], f) for f in RULE_FIELDS}),
        "node.no_such_rule": RuleText(title="x"),
    }))
    gaps = {(g.status, g.id) for g in check_translations(kb, catalog)}
    assert ("untranslated", rid) not in gaps and ("stale", rid) not in gaps
    assert ("stale", stale_id) in gaps
    assert ("unknown", "node.no_such_rule") in gaps
    assert ("untranslated", "dx.state_procurement_distortion") in gaps
    ind = next(i for i in kb.indicators.values() if i.values)
    assert ("untranslated", ind.id) in gaps


def test_a_plugin_adds_a_translation_for_its_own_rule() -> None:
    registry = load_registry(external=False, extra_plugins=[("mongolia", family_plugin(MONGOLIA))])
    assert "diagnostics_translations" in next(r for r in registry.reports if r.name == "mongolia").hooks
    rid = "node.mn_satellite_command_legacy"
    catalog = collect_translations(registry, "ru")
    assert catalog.sources[("rules", rid)].startswith("mongolia")
    assert not [g for g in check_translations(registry.kb_for("MN"), catalog) if g.id == rid]  # complete, current
    rule = localize_kb(registry.kb_for("MN"), catalog).rules[rid]
    assert rule.title.startswith("Наследие командной экономики")
    assert not rule.story.startswith(FALLBACK_MARKER) and "Монголия" in rule.story
    assert registry.kb_for("MN").rules[rid].title.startswith("Command-economy legacy")


def test_a_broken_translation_file_is_reported_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "ru").mkdir()
    (tmp_path / "ru" / "rules.yaml").write_text("language: ru\nrules:\n  node.x: {titel: oops}\n", encoding="utf-8")

    class Plugin:
        @hookimpl
        def diagnostics_translations(self) -> list[Path]:
            return translated_knowledge.translation_files(tmp_path)

    registry = load_registry(external=False, extra_plugins=[("broken", Plugin())])
    catalog = collect_translations(registry, "ru")
    assert len(catalog.problems) == 1 and "rules.yaml" in catalog.problems[0]
    assert "node.x" not in catalog.rules
    localized = localize_kb(registry.kb, catalog)  # the broken file's texts fall back; nothing raises
    assert set(localized.rules) == set(registry.kb.rules)


def test_translations_are_collected_through_pluggy_like_every_hook(capsys) -> None:
    """The hook is called through `pm.hook`: an implementation is found by its marker (any
    method name, `specname`), an unmarked method of that name is not a hook, and a hook that
    raises or prints is contained like any other plugin code."""
    title = "Перевод из плагина"

    class Renamed:
        @hookimpl(specname="diagnostics_translations")
        def my_texts(self) -> list[dict]:
            return [{"language": "ru", "rules": {"node.soviet_command_legacy": {"title": title}}}]

    class Unmarked:
        def diagnostics_translations(self) -> list[dict]:
            raise AssertionError("an unmarked method is not a hook and must not be called")

    class Raising:
        @hookimpl
        def diagnostics_translations(self) -> list[dict]:
            print("noise from a plugin")
            raise RuntimeError("no catalog")

    registry = load_registry(external=False, env={}, cache=False, extra_plugins=[
        ("renamed", Renamed()), ("unmarked", Unmarked()), ("raising", Raising())])
    catalog = collect_translations(registry, "ru")
    assert catalog.rules["node.soviet_command_legacy"].title == title
    assert catalog.sources[("rules", "node.soviet_command_legacy")].startswith("renamed")
    assert catalog.problems == ["plugin raising: hook diagnostics_translations raised RuntimeError: no catalog"]
    assert "noise from a plugin" not in capsys.readouterr().out  # plugin prints go to stderr


# ---------------------------------------------------------------------------------------
# The command line


def test_assess_in_russian_from_the_option_anywhere_or_the_environment() -> None:
    for r in (run("assess", "KZ", "--lang", "ru"), run("--lang=ru", "assess", "KZ"),
              run("assess", "KZ", env={"DIAGNOSE_LANG": "ru"})):
        assert r.exit_code == 0, r.output
        out = " ".join(r.stdout.split())  # rich wraps lines; Babel puts narrow no-break spaces
        assert "Казахстан (KZ)" in out and "по состоянию на 31 декабря 2018 г." in out
        assert "Первопричины" in out and "СРАБОТАЛО" in out and "степень уверенности: высокая" in out
        assert "Ответы: известно" in out and "Root causes" not in out and "FIRED" not in out
        assert "ссылки: §" in out  # citations stay as they are
    english = run("assess", "KZ").stdout
    assert "Root causes" in english and "Коренные" not in english


def test_an_unknown_language_is_one_readable_error() -> None:
    r = run("assess", "KZ", "--lang", "xx")
    assert r.exit_code == 2 and "unsupported language 'xx'" in r.output and "Traceback" not in r.output
    r = run("assess", "KZ", env={"DIAGNOSE_LANG": "xx"})
    assert r.exit_code == 2 and "unsupported language 'xx'" in r.output


def test_rules_check_needs_a_folder_or_a_language() -> None:
    r = run("rules", "check")
    assert r.exit_code == 2 and "--lang" in r.output


# ---------------------------------------------------------------------------------------
# Briefs


def test_brief_interface_in_russian_as_markdown_and_html() -> None:
    md = run("brief", "KZ", "--lang", "ru", "--format", "md", "--date", "2025-04-01")
    assert md.exit_code == 0, md.output
    text = " ".join(md.stdout.split())
    for heading in ("## Основные выводы", "## Первопричины",
                    "## Что следует изменить: направления в порядке приоритета", "## Вопросы для слушаний"):
        assert heading in text
    assert "Аналитическая записка для членов комитета и сотрудников аппарата" in text
    assert "**Данные по состоянию на:** 31 декабря 2018 г." in text and "**Дата:** 1 апреля 2025 г." in text
    assert "# Системные проблемы переходного периода: Казахстан" in text
    assert "Key messages" not in text and "Root causes" not in text and "Policy brief" not in text
    html = run("brief", "KZ", "--lang", "ru", "--format", "html", "--date", "2025-04-01").stdout
    assert '<html lang="ru">' in html and "<h2>Основные выводы</h2>" in html
    assert 'content: "Стр. " counter(page) " из " counter(pages)' in html
    english = run("brief", "KZ", "--format", "md", "--date", "2025-04-01").stdout
    assert "## Key messages" in english and "**Date:** 2025-04-01" in english


def test_reader_values_follow_the_language(kb: KnowledgeBase) -> None:
    from diagnostics.answers import format_value

    share = next(i for i in kb.indicators.values() if i.type.value == "share")
    scale = next(i for i in kb.indicators.values() if i.type.value == "scale")
    assert format_value(0.755, "reader", share) == "75.5%" and format_value(True, "reader") == "yes"
    i18n.set_language("ru")
    assert format_value(0.755, "reader", share) == f"75,5{NBSP}%" and format_value(True, "reader") == "да"
    assert format_value(3, "reader", scale) == "3 из 5"


def test_reader_values_name_the_ends_of_a_scale_in_the_readers_language(registry, kb: KnowledgeBase) -> None:
    from diagnostics.answers import format_value

    feedback = kb.indicators["entrepreneurship.customer_feedback"]
    assert feedback.scale_labels is not None  # English data
    assert format_value(1, "reader", feedback) == f"1 of 5 ({feedback.scale_labels[0]})"
    assert format_value(3, "reader", feedback) == "3 of 5"
    i18n.set_language("ru")
    russian = localize_kb(kb, collect_translations(registry, "ru")).indicators[feedback.id]
    text = format_value(1, "reader", russian)
    assert text.startswith("1 из 5") and not re.search("[A-Za-z]", text)  # no English in a Russian brief


def test_every_unit_of_the_knowledge_base_has_a_catalog_entry(kb: KnowledgeBase) -> None:
    units = {i18n.unit_msgid(i.unit) for i in kb.indicators.values() if i.unit}
    assert units <= set(i18n.KNOWN_UNITS), units - set(i18n.KNOWN_UNITS)
    i18n.set_language("ru")
    assert i18n.unit_text("% of GDP") == "% ВВП" and i18n.unit_text("%") == "%"
    i18n.set_language("en")
    assert i18n.unit_text("% of GDP") == "% of GDP"


def test_set_reads_comma_decimals_in_russian_only() -> None:
    ru = run("whatif", "KZ", "--set", "procurement.share_of_gov_expenditure=0,2", "--lang", "ru")
    assert ru.exit_code == 0, ru.output
    assert "procurement.share_of_gov_expenditure: 0.43 → 0.2" in ru.stdout and "Что, если" in ru.stdout
    en = run("whatif", "KZ", "--set", "procurement.share_of_gov_expenditure=0,2")
    assert en.exit_code == 2 and "expects a number, got '0,2'" in en.stderr


# ---------------------------------------------------------------------------------------
# The Russian two-page brief as PDF, and the completeness of the built-in translation

_BRACKETS = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_ENGLISH_RUN = re.compile(r"[A-Za-z][A-Za-z'’-]*(?:[\s,;:]+[A-Za-z][A-Za-z'’-]*){3,}")


def english_sentences(text: str) -> list[str]:
    """Runs of four or more Latin words outside brackets (where citations, sources and the
    translators' glosses such as '(brownfield)' stand) and outside the tool's own name."""
    for _ in range(3):  # nested brackets
        text = _BRACKETS.sub(" ", text)
    text = re.sub(r"policy-diagnostics \S+", " ", text)
    return _ENGLISH_RUN.findall(text)


def test_brief_pdf_in_russian_is_two_pages_with_no_english_sentence(tmp_path: Path) -> None:
    from pypdf import PdfReader

    out = tmp_path / "kz-ru.pdf"
    r = run("brief", "KZ", "--lang", "ru", "--format", "pdf", "-o", str(out), "--date", "2025-04-01")
    assert r.exit_code == 0, r.output
    pages = [p.extract_text() for p in PdfReader(out).pages]
    assert 1 <= len(pages) <= 2
    text = " ".join(" ".join(pages).split())
    for heading in ("Основные выводы", "Первопричины", "Вопросы для слушаний", "Аналитическая записка"):
        assert heading.upper() in text.upper()
    assert f"Стр. {len(pages)} из {len(pages)}" in text and "1 апреля 2025 г." in text
    assert english_sentences(text) == []
    assert FALLBACK_MARKER.strip() not in text  # every text of the brief was translated
    letters = [c for c in text if c.isalpha()]
    assert sum("а" <= c.lower() <= "я" or c in "ёЁ" for c in letters) / len(letters) > 0.9


def test_the_detector_finds_english_sentences() -> None:
    assert english_sentences("Первопричины. The state fails as a coordinator.") == ["The state fails as a coordinator"]
    assert english_sentences("данные (World Bank Enterprise Survey, 2019) и ВТО") == []


def test_the_built_in_knowledge_base_is_completely_translated_into_russian() -> None:
    r = run("rules", "check", "--lang", "ru")
    assert r.exit_code == 0, r.stdout[-2000:]
    assert "ru: без перевода 0, устаревших 0, неизвестных 0" in r.stdout


def test_assess_in_russian_shows_translated_knowledge() -> None:
    r = run("assess", "KZ", "--lang", "ru")
    out = " ".join(r.stdout.split())
    assert FALLBACK_MARKER.strip() not in out
    assert "Новые формальные институты" in out  # a translated rule title, from rules/i18n/ru


def test_huge_numbers_are_formatted_not_raised() -> None:
    # Found by the hostile-profile property test: Babel's decimal context overflowed on 1e308.
    from diagnostics.i18n import format_number

    assert format_number(1e308) == "1.000e+308"
    assert format_number(1e308, "ru") == "1,000e+308"
    assert format_number(10**400).endswith("e+400")
    assert format_number(1234567.5, "ru") == "1\xa0234\xa0567,5"


# ---------------------------------------------------------------------------------------
# The full report and the comparison brief in Russian


def reader_text(document: str, fmt: str) -> str:
    """What a reader sees of a Markdown or HTML document, as one line of plain text."""
    import html as html_lib

    from markdown_it import MarkdownIt

    page = MarkdownIt("commonmark").enable("table").render(document) if fmt == "md" else document
    page = re.sub(r"<(style|svg)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def without_profile_notes(text: str, profile) -> str:
    """The text without the profile's own recorded notes (its data cautions are quoted as found:
    they are the analyst's data, in the language the analyst wrote them) and without the
    'Blog' and 'Abstract' citations, whose bracketed line numbers the detector already skips."""
    from diagnostics.reports.wording import plain  # as the report words them (codes dropped, ids in words)

    for caution in profile.data_cautions:
        text = text.replace(" ".join(caution.text.split()), " ").replace(plain(caution.text), " ")
    return re.sub(r"\b(?:Blog|Abstract)\b", " ", text)


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_full_report_in_russian_has_no_english_sentence(fmt: str, kz_profile) -> None:
    r = run("brief", "KZ", "--full", "--lang", "ru", "--format", fmt, "--date", "2025-04-01")
    assert r.exit_code == 0, r.output
    text = reader_text(r.stdout, fmt)
    for heading in ("Полный отчет", "К какому типу случаев относится страна?", "Первопричины и их цепочки",
                    "Приложение А. Качество данных", "Приложение Е. Метод и аудит", "Источники"):
        assert heading in text, heading
    assert "Казахстан входит в группу стран «Центральная Азия»" in text
    assert "получены из независимых источников разных видов: документальные данные, данные интервью" in text
    assert re.search(r"\b61 орган(?!\w)", text)  # plural agreement (in the evidence of the findings)
    assert f"0,17{NBSP}% ВВП" in r.stdout  # the percent sign spaced as Babel writes it in Russian
    assert english_sentences(without_profile_notes(text, kz_profile)) == []
    assert FALLBACK_MARKER.strip() not in text
    english = run("brief", "KZ", "--full", "--format", fmt, "--date", "2025-04-01").stdout
    assert "Full report" in english and "Полный" not in english


def test_full_report_pdf_in_russian(tmp_path: Path, kz_profile) -> None:
    from pypdf import PdfReader

    out = tmp_path / "kz-full-ru.pdf"
    r = run("brief", "KZ", "--full", "--lang", "ru", "--format", "pdf", "-o", str(out), "--date", "2025-04-01")
    assert r.exit_code == 0, r.output
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(out).pages).split())
    assert "ПРИЛОЖЕНИЕ Б. ПРИЧИННЫЕ ЦЕПОЧКИ" in text.upper() and "1 апреля 2025 г." in text
    # PDF text extraction breaks lines inside the profile's notes, so only their share is judged here:
    letters = [c for c in without_profile_notes(text, kz_profile) if c.isalpha()]
    assert sum("а" <= c.lower() <= "я" or c in "ёЁ" for c in letters) / len(letters) > 0.8


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_comparison_brief_in_russian_has_no_english_sentence(fmt: str) -> None:
    r = run("brief", "--compare", "KZ", "EE", "KG", "--lang", "ru", "--format", fmt, "--date", "2025-04-01")
    assert r.exit_code == 0, r.output
    text = reader_text(r.stdout, fmt)
    assert "Системные проблемы переходного периода: сравнение (Казахстан, Эстония и Киргизия)" in text
    assert "Системные проблемы в сопоставлении" in text and "Страны Балтии" in text
    assert "Киргизия: по 11 проблемам, оцененным в других странах (Казахстан и Эстония), вывода сделать нельзя" in text
    assert "Как закрыть пробелы" in text and "недостает 2 ответов" in text
    assert english_sentences(re.sub(r"\b(?:Blog|Abstract)\b", " ", text)) == []


def test_compare_command_in_russian() -> None:
    r = run("compare", "KZ", "EE", "--lang", "ru")
    assert r.exit_code == 0, r.output
    out = " ".join(r.stdout.split())
    assert "диагнозы × профили" in out and "это пробел в данных, а не различие между странами" in out
    assert "rows differ" not in out


@pytest.mark.parametrize(("count", "bodies", "years"), [
    (1, "1 орган", "1 год"), (2, "2 органа", "2 года"), (5, "5 органов", "5 лет"), (11, "11 органов", "11 лет"),
    (21, "21 орган", "21 год"), (61, "61 орган", "61 год"), (2.5, "2,5 органа", "2,5 года"),
])
def test_counted_units_agree_with_the_number_in_russian(count: float, bodies: str, years: str,
                                                         kb: KnowledgeBase) -> None:
    from diagnostics.answers import format_value

    spec = next(i for i in kb.indicators.values() if i.unit == "bodies")
    year_spec = next(i for i in kb.indicators.values() if i.unit == "years")
    i18n.set_language("ru")
    assert format_value(count, "reader", spec) == bodies and format_value(count, "reader", year_spec) == years
    assert i18n.unit_text("bodies") == "органов"  # without a number: the unit's name, as in a field label
    i18n.set_language("en")
    assert format_value(count, "reader", spec) == f"{format_number(count, 'en')} bodies"


def test_errors_in_russian_keep_file_names_and_ids() -> None:
    r = run("assess", "no-such-profile.yaml", "--lang", "ru")
    assert r.exit_code == 2 and "no-such-profile.yaml: файл не найден" in r.output and "Traceback" not in r.output
    r = run("explain", "KZ", "dx.formal_informal_mismatc", "--lang", "ru")
    assert r.exit_code == 2
    assert ("неизвестное правило 'dx.formal_informal_mismatc' "
            "(возможно, имелось в виду 'dx.formal_informal_mismatch'?)") in " ".join(r.output.split())
    r = run("whatif", "KZ", "--set", "rd.gerd_pct_gdp=много", "--lang", "ru")
    assert r.exit_code == 2 and "rd.gerd_pct_gdp: ожидается число, получено 'много'" in r.output


def test_explanations_and_confidence_reasons_in_russian() -> None:
    out = " ".join(run("explain", "KZ", "dx.formal_informal_mismatch", "--lang", "ru").stdout.split())
    assert "сработало node.soviet_command_legacy" in out and "(доказательство несоответствия)" in out
    assert "механизм документально подтвержден в диссертации" in out
    assert "уровень применимости A: общее наследие со случаем диссертации" in out
    assert "fired" not in out and "answers beneath" not in out
    why_not = " ".join(run("explain", "EE", "dx.formal_informal_mismatch", "--lang", "ru").stdout.split())
    assert "Почему нет" in why_not and "требуется" in why_not and "but the answer" not in why_not


# ---------------------------------------------------------------------------------------
# --help in Russian


def _commands(group, prefix=()):
    import click

    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))


def test_every_command_help_has_a_russian_translation() -> None:
    import inspect

    catalog = i18n.translations("ru")
    missing = []
    for path, command in [((), main), *_commands(main)]:
        texts = [inspect.cleandoc(command.help).partition("\f")[0]] if command.help else []
        texts += [p.help for p in command.params if getattr(p, "help", None)]
        missing += [f"{' '.join(path)}: {t[:50]}" for t in texts if catalog.gettext(t) == t]
    assert not missing, missing


@pytest.mark.parametrize("args", [("--lang", "ru", "--help"), ("--lang", "ru", "assess", "--help"),
                                  ("rules", "check", "--help", "--lang", "ru")])
def test_help_in_russian(args: tuple[str, ...]) -> None:
    r = CliRunner().invoke(main, list(args), terminal_width=200)
    assert r.exit_code == 0, r.output
    assert "Использование:" in r.output and "Параметры:" in r.output
    assert "Показать эту справку и завершить работу." in r.output
    assert "Usage:" not in r.output and "Show this message" not in r.output
    if "assess" in args:
        assert "Оценить профиль PROFILE (файл YAML/JSON или код страны, например KZ)." in r.output
    if len(args) == 3:
        assert "Команды:" in r.output and "Подготовить двухстраничную аналитическую записку" in r.output
    english = CliRunner().invoke(main, [a for a in args if a not in ("--lang", "ru")], terminal_width=200)
    assert "Usage:" in english.output and "Использование" not in english.output


def test_help_and_usage_errors_in_russian_from_the_environment() -> None:
    r = CliRunner().invoke(main, ["assess", "--help"], env={"DIAGNOSE_LANG": "ru"}, terminal_width=200)
    assert "Вывести оценку в формате JSON." in r.output
    r = CliRunner().invoke(main, ["assess"], env={"DIAGNOSE_LANG": "ru"})
    assert r.exit_code == 2 and "Ошибка: Не указан аргумент 'PROFILE'." in r.output


def test_the_help_extractor_finds_docstrings_and_option_help() -> None:
    import io

    from diagnostics.cli.helptext import extract_help

    source = (b'@click.command()\n@click.option("--x", help="Option help.")\n'
              b'def c():\n    """Command help.\n\n    More."""\n')
    found = {m for _l, _f, m, _c in extract_help(io.BytesIO(source), {"_": None}, [], {})}
    assert {"Option help.", "Command help.\n\nMore."} <= found


def test_profile_errors_in_russian_name_file_line_and_indicator(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("country: KZ\nname: Test\nfamily: central_asia\nanswers:\n  rd.gerd_pct_gdp:\n    value: lots\n",
                   encoding="utf-8")
    r = run("assess", str(bad), "--lang", "ru")
    assert r.exit_code == 2
    assert f"{bad}:6: rd.gerd_pct_gdp: ожидается число, получен текст 'lots'" in " ".join(r.output.split())
    broken = tmp_path / "broken.yaml"
    broken.write_text("country: KZ\nname: [1\n", encoding="utf-8")
    r = run("assess", str(broken), "--lang", "ru")
    assert r.exit_code == 2 and f"{broken}:3: некорректный YAML:" in r.output


def test_rule_conditions_and_sensitivity_counts_in_russian() -> None:
    out = " ".join(run("rules", "show", "dx.formal_informal_mismatch", "--lang", "ru").stdout.split())
    assert "сработало node.soviet_command_legacy" in out and " fired" not in out
    out = " ".join(run("sensitivity", "KZ", "--max-size", "1", "--lang", "ru").stdout.split())
    assert "наборы изменений не более чем из 1 ответа" in out
    assert "ни один набор из ≤ 1 изменения ответов не отменяет срабатывание" in out


def test_brief_command_messages_in_russian(tmp_path: Path) -> None:
    out = tmp_path / "kz.md"
    r = run("brief", "KZ", "--lang", "ru", "-o", str(out))
    assert r.exit_code == 0 and f"записан файл {out} (md, " in r.stderr and " байт" in r.stderr
    r = run("brief", "KZ", "--compare", "--lang", "ru")
    assert r.exit_code == 2 and "для --compare нужны как минимум две страны" in r.output


@settings(max_examples=300, deadline=None)
@given(st.datetimes(timezones=st.none() | st.just(UTC) | st.just(timezone(timedelta(hours=-5)))))
def test_english_dates_match_babel(moment: datetime) -> None:
    # English is formatted without Babel (start-up); it must read exactly as Babel writes it.
    from babel.dates import format_date as babel_date
    from babel.dates import format_datetime as babel_datetime

    assert i18n.format_date(moment.date(), "en") == babel_date(moment.date(), format="long", locale="en")
    assert i18n.format_datetime(moment, "en") == babel_datetime(moment, format="medium", locale="en")


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=-(10**15) + 1, max_value=10**15 - 1))
def test_english_integers_match_babel(n: int) -> None:
    from babel.numbers import format_decimal

    assert i18n.format_number(n, "en") == format_decimal(n, locale="en")


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False), st.sampled_from([0, 1, 2, 10]))
def test_english_percentages_match_babel(share: float, digits: int) -> None:
    # The brief formats its shares in English without loading Babel's locale data.
    from babel.numbers import format_percent

    assert i18n.format_percent(share, "en", digits) == format_percent(round(share, digits + 2), locale="en",
                                                                      decimal_quantization=False)


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=-(10.0**15) + 1, max_value=10.0**15 - 1, allow_nan=False), st.sampled_from([0, 1, 3, 10]))
def test_english_decimals_match_babel(value: float, digits: int) -> None:
    from babel.numbers import format_decimal

    expected = (format_decimal(int(value), locale="en") if value.is_integer() else
                format_decimal(round(value, digits), locale="en", decimal_quantization=False))
    assert i18n.format_number(value, "en", digits) == expected
