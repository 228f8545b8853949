"""The knowledge base: `diagnose rules list|show|check` and `diagnose indicators`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .context import Settings, echo_json, pass_settings, rule_id_or_fail


@click.group()
def rules() -> None:
    """List and show the rules of the knowledge base."""


@rules.command("list")
@click.option("--layer", type=click.Choice(["context", "policy", "mechanism", "manifestation", "diagnosis"]))
@click.option("--json", "as_json", is_flag=True)
@pass_settings
def rules_list(settings: Settings, layer: str | None, as_json: bool) -> None:
    """List rules by layer."""
    kb = settings.registry().kb
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
    kb = settings.registry().kb
    rule = kb.rules[rule_id_or_fail(kb, rule_id)]
    if as_json:
        echo_json(rule.model_dump(mode="json", by_alias=True, exclude_none=True))
        return
    from diagnostics.render import print_rule

    print_rule(rule, kb)


@rules.command("check")
@click.argument("folder", required=False, type=click.Path(path_type=Path, exists=True, file_okay=False))
@pass_settings
def rules_check(settings: Settings, folder: Path | None) -> None:
    """Validate a knowledge folder, or with --lang check the translations of the knowledge base.

    FOLDER (indicators/, nodes/, directions/) is checked together with the loaded knowledge
    base, so references to core rules and indicators resolve. With --lang ru (and no FOLDER,
    or in addition to it) every rule, indicator and direction is checked for a translation:
    untranslated and stale entries are listed and the exit code is 1 if there are any.
    """
    if folder is None and settings.lang == "en":
        raise click.UsageError("give a knowledge FOLDER to validate, or --lang LANG to check translations")
    if folder is not None:
        _check_folder(settings, folder)
    if settings.lang != "en":
        _check_translations(settings)


def _check_folder(settings: Settings, folder: Path) -> None:
    from diagnostics.kb import KnowledgeBase, load_direction_file, load_indicator_file, load_rule_file

    base = settings.english_registry().kb
    origin: dict[str, str] = {}
    found: dict[str, list[Any]] = {"indicators": [], "nodes": [], "directions": []}
    loaders: dict[str, Any] = {
        "indicators": load_indicator_file, "nodes": load_rule_file, "directions": load_direction_file}
    for sub, loader in loaders.items():
        for path in sorted((folder / sub).glob("*.yaml")):
            records = loader(path)
            found[sub] += records
            origin.update({r.id: str(path) for r in records})
    own = {k: {r.id for r in v} for k, v in found.items()}
    kb = KnowledgeBase.build(
        [i for i in base.indicators.values() if i.id not in own["indicators"]] + found["indicators"],
        [r for r in base.rules.values() if r.id not in own["nodes"]] + found["nodes"],
        [d for d in base.directions.values() if d.id not in own["directions"]] + found["directions"],
        origin=origin,
    )
    click.echo(f"{folder}: ok: {len(found['indicators'])} indicators, {len(found['nodes'])} rules, "
               f"{len(found['directions'])} directions (knowledge base now {len(kb.rules)} rules)")


def _check_translations(settings: Settings) -> None:
    """List untranslated, stale and unknown entries; exit 1 when there are any."""
    import sys

    from diagnostics.i18n import _, check_translations, collect_translations

    registry = settings.english_registry()
    catalog = collect_translations(registry, settings.lang)
    gaps = check_translations(registry.kb, catalog)
    for gap in gaps:
        click.echo(gap.line())
    for problem in catalog.problems:
        click.echo(_("unreadable  {problem}").format(problem=problem))
    counts = {s: sum(g.status == s for g in gaps) for s in ("untranslated", "stale", "unknown")}
    kb = registry.kb
    click.echo(_("{lang}: {untranslated} untranslated, {stale} stale, {unknown} unknown entries "
                 "(knowledge base: {rules} rules, {indicators} indicators, {directions} directions)").format(
        lang=settings.lang, **counts, rules=len(kb.rules), indicators=len(kb.indicators),
        directions=len(kb.directions)))
    if gaps or catalog.problems:
        sys.exit(1)


@click.command()
@click.option("--namespace", help="Only indicators of this namespace.")
@click.option("--json", "as_json", is_flag=True)
@pass_settings
def indicators(settings: Settings, namespace: str | None, as_json: bool) -> None:
    """List the indicator catalogue (the questions of a guided assessment)."""
    kb = settings.registry().kb
    chosen = [i for i in kb.indicators.values() if namespace is None or i.namespace == namespace]
    if as_json:
        echo_json([i.model_dump(mode="json") | {"feeds": kb.feeds.get(i.id, [])} for i in chosen])
        return
    from diagnostics.render import print_indicators

    print_indicators(chosen, kb)
