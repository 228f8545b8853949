"""Translated "where to look" source lists, country-family names and plugins' own names for
readers: carried by the translation files, covered by en_hash, shown in Russian in the CLI,
the TUI, the questionnaire and the briefs."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from diagnostics.tui.app import DiagnosticsApp
from diagnostics.tui.explain import why_asked_markdown
from tui_helpers import settle, workspace

from diagnostics import i18n
from diagnostics.cli import main
from diagnostics.familykit import FamilyPlugin
from diagnostics.hookspecs import hookimpl
from diagnostics.kb import KnowledgeBase
from diagnostics.profile import Profile
from diagnostics.provenance import plugin_title, source_label
from diagnostics.registry import Registry, load_registry
from diagnostics.spreadsheet import questionnaire_rows
from diagnostics.translated_knowledge import (
    FALLBACK_MARKER,
    INDICATOR_FIELDS,
    Catalog,
    check_plugin_titles,
    check_translations,
    collect_translations,
    en_hash,
    english_fields,
    localize_kb,
    localize_registry,
)
from diagnostics.user_data import DATA_DIR_ENV

ROOT = Path(__file__).resolve().parent.parent
MONGOLIA = ROOT / "examples" / "mongolia-plugin" / "diagnostics_mongolia"
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
SOURCES = "regulation.enforcer_drafts_own_rules"  # sources: law-making procedure, draft law registers
WHERE_RU = "Где искать: Порядок разработки нормативных правовых актов; Реестры проектов нормативных актов"


def run(*args: str) -> str:
    """The command's output, wide enough for table cells not to wrap, as one line."""
    result = CliRunner().invoke(main, ["--no-plugins", *args], env={"COLUMNS": "200"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 0, result.output
    return " ".join(result.stdout.split())


@pytest.fixture(scope="module")
def russian(registry: Registry) -> Catalog:
    return collect_translations(registry, "ru")


# ---------------------------------------------------------------------------------------
# "Where to look"


def test_every_built_in_source_list_has_a_russian_translation_of_the_same_length(
        kb: KnowledgeBase, russian: Catalog) -> None:
    with_sources = [i for i in kb.indicators.values() if i.sources]
    assert len(with_sources) > 100
    for ind in with_sources:
        entry = russian.indicators[ind.id]
        assert len(entry.sources) == len(ind.sources), ind.id
        assert all(CYRILLIC.search(s) for s in entry.sources), (ind.id, entry.sources)
    localized = localize_kb(kb, russian)
    assert localized.indicators[SOURCES].sources == ("Порядок разработки нормативных правовых актов",
                                                     "Реестры проектов нормативных актов")
    assert not [i.id for i in localized.indicators.values() for s in i.sources if s.startswith(FALLBACK_MARKER)]
    assert kb.indicators[SOURCES].sources == ("Law-making procedure", "Draft law registers")  # English untouched


def test_en_hash_covers_the_source_list(kb: KnowledgeBase, russian: Catalog) -> None:
    ind = kb.indicators[SOURCES]
    assert "sources" in INDICATOR_FIELDS
    assert russian.indicators[SOURCES].en_hash == en_hash(english_fields(ind, INDICATOR_FIELDS))
    # The English list changes: the translation is listed as stale.
    changed = ind.model_copy(update={"sources": (*ind.sources, "Parliamentary committee hearings")})
    edited = dataclasses.replace(kb, indicators={**kb.indicators, SOURCES: changed})
    gaps = {(g.status, g.id) for g in check_translations(edited, russian)}
    assert gaps == {("stale", SOURCES)}


def test_a_missing_source_translation_is_listed_and_shown_in_english_behind_the_marker(
        kb: KnowledgeBase, russian: Catalog) -> None:
    without = russian.indicators[SOURCES].model_copy(update={"sources": ()})
    catalog = dataclasses.replace(russian, indicators={**russian.indicators, SOURCES: without})
    gaps = [g for g in check_translations(kb, catalog) if g.id == SOURCES]
    assert [(g.status, g.detail) for g in gaps] == [("untranslated", "missing sources")]
    shown = localize_kb(kb, catalog).indicators[SOURCES].sources
    assert shown == tuple(FALLBACK_MARKER + s for s in kb.indicators[SOURCES].sources)


def test_explain_and_next_say_where_to_look_in_russian() -> None:
    explain = run("explain", "KG", "node.official_control_lock_in", "--lang", "ru")
    assert f"{SOURCES} — {WHERE_RU}" in explain
    english = run("explain", "KG", "node.official_control_lock_in")
    assert f"{SOURCES} — Where to look: Law-making procedure; Draft law registers" in english
    nxt = run("next", "KG", "-n", "3", "--lang", "ru")
    assert WHERE_RU in nxt and "Law-making" not in nxt


def test_the_questionnaire_says_where_to_look_in_the_language(kb: KnowledgeBase, russian: Catalog) -> None:
    profile = Profile(country="KG")
    row = next(r for r in questionnaire_rows(localize_kb(kb, russian), profile) if r["id"] == SOURCES)
    assert row["where to look"] == "Порядок разработки нормативных правовых актов; Реестры проектов нормативных актов"
    row = next(r for r in questionnaire_rows(kb, profile) if r["id"] == SOURCES)
    assert row["where to look"] == "Law-making procedure; Draft law registers"


def test_the_tui_why_pane_says_where_to_look_in_russian(registry: Registry, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "data"))

    async def go() -> None:
        app = DiagnosticsApp(registry=registry, data=tmp_path / "data", country="KG", blank=True, lang="ru")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            ws = workspace(pilot)
            ws.goto(SOURCES)
            await settle(pilot)
            assert WHERE_RU in ws.pane.why
            assert ws.pane.why == why_asked_markdown(ws.kb, SOURCES, ws.assessment)
            assert "Law-making" not in ws.pane.why

    asyncio.run(go())


# ---------------------------------------------------------------------------------------
# Family names and plugins' names


def test_built_in_family_names_come_from_their_plugins_translations(registry: Registry, russian: Catalog) -> None:
    assert russian.sources[("families", "central_asia")].startswith("central_asia")
    localized, _ = localize_registry(registry, "ru")
    assert {f.id: f.name for f in localized.families.values()} == {
        "central_asia": "Центральная Азия", "eastern_europe": "Восточная Европа",
        "south_caucasus": "Южный Кавказ", "baltic_states": "Страны Балтии"}
    assert all(CYRILLIC.search(f.description) for f in localized.families.values())
    assert registry.families["central_asia"].name == "Central Asia"
    families = run("families", "--lang", "ru")
    assert "Центральная Азия" in families and "Central Asia" not in families
    assert "Страны Балтии" in run("plugins", "--lang", "ru")
    assert "Балтии" not in run("plugins")  # English shows the plugin's name alone


def test_a_family_without_translation_is_listed_and_marked(registry: Registry, russian: Catalog) -> None:
    catalog = dataclasses.replace(russian, families={k: v for k, v in russian.families.items() if k != "baltic_states"})
    gaps = [(g.status, g.kind, g.id) for g in check_translations(registry.everything, catalog)]
    assert gaps == [("untranslated", "family", "baltic_states")]
    assert localize_kb(registry.kb, catalog).families["baltic_states"].name == FALLBACK_MARKER + "Baltic states"
    stale = registry.families["central_asia"].model_copy(update={"description": "Changed."})
    kb = dataclasses.replace(registry.everything, families={**registry.families, "central_asia": stale})
    assert ("stale", "central_asia") in {(g.status, g.id) for g in check_translations(kb, russian)}


def test_a_plugin_translates_its_own_name(tmp_path: Path) -> None:
    """A plugin gives its name for readers in its translation file; labels of its records use it."""
    folder = tmp_path / "western_balkans"
    (folder / "i18n" / "ru").mkdir(parents=True)
    (folder / "i18n" / "ru" / "names.yaml").write_text(
        "language: ru\nplugins:\n  western_balkans: {title: Западные Балканы}\n", encoding="utf-8")

    class Quiet:  # a plugin that translates nothing, not even its name
        @hookimpl
        def diagnostics_translations(self) -> list[Path]:
            return []

    registry = load_registry(external=False, env={}, cache=False,
                             extra_plugins=[("western_balkans", FamilyPlugin(folder)), ("quiet", Quiet())])
    catalog = collect_translations(registry, "ru")
    assert catalog.plugins["western_balkans"].title == "Западные Балканы"
    gaps = [(g.status, g.kind, g.id) for g in check_plugin_titles(registry, catalog)]
    assert ("untranslated", "plugin", "quiet") in gaps and ("untranslated", "plugin", "western_balkans") not in gaps
    localize_registry(registry, "ru")
    i18n.set_language("ru")
    assert plugin_title("western_balkans") == "Западные Балканы"
    assert source_label("western_balkans") == "плагин Западные Балканы (его библиография)"
    assert plugin_title("quiet") == "Quiet"  # no translation: made from its name
    i18n.set_language("en")
    assert source_label("western_balkans") == "Western Balkans plugin (its bibliography)"


def test_mongolia_translates_its_family_and_its_own_name() -> None:
    from diagnostics.familykit import family_plugin

    registry = load_registry(external=False, env={}, cache=False, extra_plugins=[("mongolia", family_plugin(MONGOLIA))])
    catalog = collect_translations(registry, "ru")
    assert catalog.sources[("plugins", "mongolia")].startswith("mongolia")
    assert not [g for g in check_plugin_titles(registry, catalog) if g.id == "mongolia"]
    assert not [g for g in check_translations(registry.everything, catalog) if g.id.startswith("mn")]
    localized, _ = localize_registry(registry, "ru")
    assert localized.families["mongolia"].name.startswith("Монголия")
    i18n.set_language("ru")
    assert source_label("mongolia") == "плагин Монголия (его библиография)"
    i18n.set_language("en")
    assert source_label("mongolia") == "Mongolia plugin (its bibliography)"


def test_rules_check_counts_families_and_plugins() -> None:
    assert "ru: без перевода 0, устаревших 0, неизвестных 0" in run("rules", "check", "--lang", "ru")


# ---------------------------------------------------------------------------------------
# Scale labels, option labels and evidence grades


def test_scale_labels_are_translated_and_hashed(kb: KnowledgeBase, russian: Catalog) -> None:
    from diagnostics.answers import format_value

    feedback = kb.indicators["entrepreneurship.customer_feedback"]
    assert feedback.scale_labels == ("hardly any firm listens", "firms routinely act on it")
    localized = localize_kb(kb, russian).indicators[feedback.id]
    assert localized.scale_labels == ("почти никто не прислушивается", "компании постоянно учитывают отзывы")
    i18n.set_language("ru")
    try:
        assert format_value(1, "reader", localized) == "1 из 5 (почти никто не прислушивается)"
        assert format_value(5, "reader", localized) == "5 из 5 (компании постоянно учитывают отзывы)"
    finally:
        i18n.set_language("en")
    # every built-in scale label is translated
    for ind in kb.indicators.values():
        if ind.scale_labels:
            assert all(CYRILLIC.search(x) for x in russian.indicators[ind.id].scale_labels or ()), ind.id
    changed = feedback.model_copy(update={"scale_labels": ("no firm listens", "firms routinely act on it")})
    edited = dataclasses.replace(kb, indicators={**kb.indicators, feedback.id: changed})
    assert {(g.status, g.id) for g in check_translations(edited, russian)} == {("stale", feedback.id)}


def test_explain_shows_option_labels_and_evidence_grades_in_the_language() -> None:
    parks = run("explain", "KZ", "node.technology_park_failure", "--lang", "ru")
    assert "ответ привлечение НИОКР ТНК, замена отраслевых институтов" in parks
    assert "ответ ['attract_mnc_rd'" not in parks
    mismatch = run("explain", "KZ", "dx.formal_informal_mismatch", "--lang", "ru")
    assert "экспертная оценка" in mismatch and "expert_judgement" not in mismatch
    english = run("explain", "KZ", "dx.formal_informal_mismatch")
    assert "expert judgement" in english and "expert_judgement)" not in english
    assess = run("assess", "KZ", "--lang", "ru")
    assert "fdi.inflow_trend in {rising, surge} ← резкий рост" in assess


def test_indicator_list_names_types_kinds_and_units_in_the_language() -> None:
    russian = run("indicators", "--lang", "ru")
    for word in ("формальный институт", "неформальный институт", "результат", "стандартный показатель",
                 "шкала 1–5", "да/нет", "число (требований)"):
        assert word in russian, word
    assert not re.search(r"\b(formal|informal|outcome|measure|rank_frac|enum|bool)\b", russian)
    english = run("indicators")
    assert "number (requirements)" in english and " formal " in english and " outcome " in english


def test_the_tui_start_screen_lists_family_names_in_russian(registry: Registry, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from textual.widgets import Select

    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "data"))

    async def go() -> None:
        app = DiagnosticsApp(registry=registry, data=tmp_path / "data", lang="ru")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            start = app.start_screen()
            assert start is not None
            options = [str(prompt) for prompt, _value in start.query_one("#family", Select)._options]
            assert "Центральная Азия (уровень применимости B)" in options, options
            assert not [o for o in options if "Central Asia" in o or "Baltic" in o]

    asyncio.run(go())


def test_countries_are_listed_with_russian_country_and_family_names() -> None:
    russian = run("countries", "--lang", "ru")
    assert "KZ │ Казахстан │ Центральная Азия │ A" in russian
    assert "Kazakhstan" not in russian and "central_asia" not in russian
    assert "KZ │ Kazakhstan │ Central Asia │ A" in run("countries")


@pytest.mark.parametrize(("lang", "note"), [("ru", "Раздел добавлен плагином Монголия."),
                                            ("en", "Section added by plugin Mongolia.")])
def test_a_plugin_section_names_its_plugin_as_the_plugin_translates_it(lang: str, note: str) -> None:
    from diagnostics.reports.builder import build_context
    from diagnostics.reports.render import render_brief

    from diagnostics.testing import assess, load_profile, make_registry

    mongolia = pytest.importorskip("diagnostics_mongolia", reason="example plugin not installed (CI installs it)")
    registry, _ = localize_registry(make_registry(("mongolia", mongolia.plugin)), lang)
    i18n.set_language(lang)
    try:
        profile = load_profile("MN", registry)
        context = build_context(assess(registry, profile), registry.kb_for("MN"), profile, registry)
        assert [s.provided_by for s in context.sections] == ["mongolia"]  # the id stays the plugin's name
        for fmt in ("md", "html"):
            assert note in render_brief(context, fmt, full=True), fmt
    finally:
        i18n.set_language("en")
