"""The example plugin's own tests, written against the documented test API."""

from __future__ import annotations

import diagnostics_mongolia
import yaml

from diagnostics.testing import assess, make_registry

RULE = "node.mn_mining_enclave_by_agreement"


def scenario(**answers):
    """Mongolia's profile with some answers set: a test scenario, not a claim about Mongolia."""
    data = yaml.safe_load((diagnostics_mongolia.HERE / "profiles" / "mn.yaml").read_text(encoding="utf-8"))
    data["answers"].update({k: {"value": v} for k, v in answers.items()})
    return data


def test_every_hook_is_provided():
    registry = make_registry(("mongolia", diagnostics_mongolia.plugin))
    report = next(r for r in registry.reports if r.name == "mongolia")
    assert report.status == "ok"
    for hook in ("families", "profiles", "indicators", "rule_packs", "directions", "bibliography"):
        assert report.records.get(hook), hook
    assert {"diagnostics_brief_sections", "diagnostics_translations", "diagnostics_scope"} <= set(report.hooks)
    assert report.scope == ["MN"]


def test_context_rule_fires_on_the_shipped_profile(diagnostics_registry, diagnostics_assess):
    registry = diagnostics_registry(("mongolia", diagnostics_mongolia.plugin))
    result = diagnostics_assess(registry, "MN")
    assert result.status("node.mn_satellite_command_legacy") == "fired"
    assert result.tier == "D"


def test_contribution_shows_in_the_built_in_diagnosis():
    registry = make_registry(("mongolia", diagnostics_mongolia.plugin))
    result = assess(registry, scenario(**{
        "mn.mining_agreement_fixes_terms": True, "fdi.mnc_local_sourcing_interest": False,
        "fdi.inflow_trend": "rising", "fdi.extractive_share_inflow": 0.7,
        "fdi.mnc_activity_profile": "assembly_and_extraction"}))
    diagnosis = result.finding("dx.fdi_spillover_failure")
    assert diagnosis.status.value == "fired"
    assert RULE in [step.rule for step in diagnosis.trace]


def test_kazakhstan_is_untouched():
    registry = make_registry(("mongolia", diagnostics_mongolia.plugin))
    assert RULE not in registry.kb_for("KZ").rules
    assert registry.brief_sections(assess(registry, "KZ")) == ([], [])


def test_brief_section_and_translation():
    from diagnostics.translated_knowledge import collect_translations, localize_registry

    registry = make_registry(("mongolia", diagnostics_mongolia.plugin))
    sections, notices = registry.brief_sections(assess(registry, "MN"))
    assert [s.id for s in sections] == ["mn_analogy_note"] and notices == []
    assert "**satellite state**" in sections[0].body
    rule = "node.mn_satellite_command_legacy"
    assert collect_translations(registry, "ru").sources[("rules", rule)].startswith("mongolia")
    russian, _ = localize_registry(registry, "ru")
    assert russian.kb_for("MN").rules[rule].title.startswith("Наследие")


def test_russian_covers_every_record_and_the_brief_section():
    from diagnostics.translated_knowledge import Catalog, check_sections, check_translations, collect_translations

    registry = make_registry(("mongolia", diagnostics_mongolia.plugin))
    catalog = collect_translations(registry, "ru")
    own = {r.id for r in registry.kb_for("MN").rules.values() if r.id.startswith("node.mn_")}
    own |= {"mn.mining_agreement_fixes_terms", "mn_tie_mining_agreements_to_local_supply"}
    assert {i for (_kind, i), source in catalog.sources.items() if source.startswith("mongolia")} >= own
    gaps = check_translations(registry.kb_for("MN"), catalog)
    assert [g.line() for g in gaps if g.id in own] == []  # nothing untranslated or stale
    english, _ = registry.brief_sections(assess(registry, "MN"), lang="en")
    assert check_sections(english, catalog) == []  # the section's translation matches its English
    assert [g.status for g in check_sections(english, Catalog("ru"))] == ["untranslated"]
    russian, _ = registry.brief_sections(assess(registry, "MN"), lang="ru")
    assert russian[0].title == "Как читать эту записку применительно к Монголии"
    assert "**государством-сателлитом**" in russian[0].body and russian[0].provided_by == "mongolia"


def test_rules_check_and_brief_in_russian():
    from click.testing import CliRunner

    from diagnostics.cli import main

    check = CliRunner().invoke(main, ["rules", "check", "--lang", "ru"])
    assert "mongolia" in CliRunner().invoke(main, ["plugins"]).output  # installed: its entry point is found
    assert check.exit_code == 0, check.output
    assert "mn." not in check.output and "mn_" not in check.output
    # plugin sections are part of the full report
    brief = CliRunner().invoke(main, ["brief", "MN", "--full", "--lang", "ru", "--format", "md"])
    assert brief.exit_code == 0, brief.output
    assert "Как читать эту записку применительно к Монголии" in brief.output
    assert "**государством-сателлитом**" in brief.output and "satellite" not in brief.output


def test_the_plugin_translates_its_family_and_its_own_name():
    from diagnostics import i18n
    from diagnostics.provenance import source_label
    from diagnostics.translated_knowledge import check_plugin_titles, collect_translations, localize_registry

    registry = make_registry(("mongolia", diagnostics_mongolia.plugin))
    catalog = collect_translations(registry, "ru")
    assert catalog.plugins["mongolia"].title == "Монголия"
    assert not [g for g in check_plugin_titles(registry, catalog) if g.id == "mongolia"]
    russian, _ = localize_registry(registry, "ru")
    assert russian.families["mongolia"].name == "Монголия (постсоциалистическая, несоветская страна)"
    i18n.set_language("ru")
    try:
        assert source_label("mongolia") == "плагин Монголия (его библиография)"
    finally:
        i18n.set_language("en")
