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
@click.argument("folder", type=click.Path(path_type=Path, exists=True, file_okay=False))
@pass_settings
def rules_check(settings: Settings, folder: Path) -> None:
    """Validate a knowledge folder (indicators/, nodes/, directions/) against the loaded base.

    Plugin authors run this on their own folder: its records are checked together with
    the thesis knowledge base, so references to core rules and indicators resolve.
    """
    from diagnostics.kb import KnowledgeBase, load_direction_file, load_indicator_file, load_rule_file

    base = settings.registry().kb
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
