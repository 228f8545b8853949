"""The knowledge base: `diagnose rules list|show|check` and `diagnose indicators`."""

from __future__ import annotations

from pathlib import Path

import click

from .context import Settings, echo_json, pass_settings, rule_id_or_fail
from .helptext import LocalizedCommand, LocalizedGroup


@click.group(cls=LocalizedGroup)
def rules() -> None:
    """List and show the rules of the knowledge base."""


@rules.command("list")
@click.option("--layer", type=click.Choice(["context", "policy", "mechanism", "manifestation", "diagnosis"]))
@click.option("--json", "as_json", is_flag=True)
@pass_settings
def rules_list(settings: Settings, layer: str | None, as_json: bool) -> None:
    """List rules by layer."""
    kb = settings.registry().everything
    chosen = [r for r in kb.by_layer() if layer is None or r.layer.value == layer]
    if as_json:
        echo_json([{"id": r.id, "title": r.title, "layer": r.layer.value, "theme": r.theme,
                    "function": r.function.value, "severity": r.severity.value,
                    "provided_by": r.provided_by} for r in chosen])
        return
    from diagnostics.render import print_rule_list

    print_rule_list(chosen)


@rules.command("show")
@click.argument("rule_id")
@click.option("--json", "as_json", is_flag=True)
@pass_settings
def rules_show(settings: Settings, rule_id: str, as_json: bool) -> None:
    """Show one rule: condition, mechanism, story, directions, citations."""
    kb = settings.registry().everything
    rule = kb.rules[rule_id_or_fail(kb, rule_id)]
    if as_json:
        echo_json(rule.model_dump(mode="json", by_alias=True, exclude_none=True))
        return
    from diagnostics.render import print_rule

    print_rule(rule, kb)


@rules.command("check")
@click.argument("folder", required=False, type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--name", help="The plugin's name (default: the folder's name).")
@pass_settings
def rules_check(settings: Settings, folder: Path | None, name: str | None) -> None:
    """Check a plugin's knowledge FOLDER, or with --lang the translations of the knowledge base.

    FOLDER is loaded as `diagnose` would load a plugin, beside the built-in plugins: it holds
    family.yaml, profiles/, indicators.yaml, rules.yaml, directions.yaml and bibliography.yaml
    (or indicators/, nodes/, directions/ folders). It fails, naming file and line, on: no
    records at all, malformed records, a record that shadows a built-in one, unknown
    references, citations outside the thesis's sections or to an unknown bibliography key,
    contributions to unknown findings, anything the engine cannot load. With --lang ru every
    rule, indicator and direction is checked for a translation: untranslated and stale
    entries are listed and the exit code is 1 if there are any.
    """
    if folder is None and settings.lang == "en":
        from diagnostics.i18n import _

        raise click.UsageError(_("give a knowledge FOLDER to validate, or --lang LANG to check translations"))
    if folder is not None:
        from diagnostics.checks import check_folder
        from diagnostics.i18n import _

        summary = check_folder(folder, name or folder.name, engine=settings.engine)
        click.echo(_("{folder}: ok: {summary}").format(folder=folder, summary=summary))
    if settings.lang != "en":
        _check_translations(settings)


def _check_translations(settings: Settings) -> None:
    """List untranslated, stale and unknown entries; exit 1 when there are any."""
    import sys

    from diagnostics.i18n import _
    from diagnostics.translated_knowledge import check_plugin_titles, check_translations, collect_translations

    registry = settings.english_registry()
    catalog = collect_translations(registry, settings.lang)
    gaps = check_translations(registry.everything, catalog) + check_plugin_titles(registry, catalog)
    for gap in gaps:
        click.echo(gap.line())
    for problem in catalog.problems:
        click.echo(_("unreadable  {problem}").format(problem=problem))
    counts = {s: sum(g.status == s for g in gaps) for s in ("untranslated", "stale", "unknown")}
    kb = registry.everything
    click.echo(_("{lang}: {untranslated} untranslated, {stale} stale, {unknown} unknown entries "
                 "(knowledge base: {rules} rules, {indicators} indicators, {directions} directions)").format(
        lang=settings.lang, **counts, rules=len(kb.rules), indicators=len(kb.indicators),
        directions=len(kb.directions)))
    if gaps or catalog.problems:
        sys.exit(1)


@click.command(cls=LocalizedCommand)
@click.option("--namespace", help="Only indicators of this namespace.")
@click.option("--json", "as_json", is_flag=True)
@pass_settings
def indicators(settings: Settings, namespace: str | None, as_json: bool) -> None:
    """List the indicator catalogue (the questions of a guided assessment)."""
    kb = settings.registry().everything
    chosen = [i for i in kb.indicators.values() if namespace is None or i.namespace == namespace]
    if as_json:
        echo_json([i.model_dump(mode="json") | {"feeds": kb.feeds.get(i.id, [])} for i in chosen])
        return
    from diagnostics.render import print_indicators

    print_indicators(chosen, kb)
