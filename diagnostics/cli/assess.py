"""`diagnose assess` and `diagnose explain`."""

from __future__ import annotations

import click

from .context import Settings, assess_ref, echo_json, pass_settings, rule_id_or_fail
from .helptext import LocalizedCommand


@click.command(cls=LocalizedCommand)
@click.argument("profile")
@click.option("--json", "as_json", is_flag=True, help="Print the assessment as JSON.")
@click.option("--all", "show_all", is_flag=True, help="Also list rules that did not fire.")
@pass_settings
def assess(settings: Settings, profile: str, as_json: bool, show_all: bool) -> None:
    """Assess a PROFILE (a YAML/JSON file or a country code such as KZ)."""
    result, _ = assess_ref(settings, profile)
    if as_json:
        echo_json(result.model_dump(mode="json"))
        return
    from diagnostics.assessment_text import print_assessment

    print_assessment(result, settings.registry().kb_for(result.country), show_all=show_all)


@click.command(cls=LocalizedCommand)
@click.argument("profile")
@click.argument("rule_id")
@click.option("--json", "as_json", is_flag=True)
@pass_settings
def explain(settings: Settings, profile: str, rule_id: str, as_json: bool) -> None:
    """Explain how RULE_ID fired on PROFILE, or why it did not."""
    result, _ = assess_ref(settings, profile)
    kb = settings.registry().kb_for(result.country)
    rule_id = rule_id_or_fail(kb, rule_id)
    if as_json:
        echo_json(result.finding(rule_id).model_dump(mode="json"))
        return
    from diagnostics.render import print_explanation

    print_explanation(result, kb, rule_id)
