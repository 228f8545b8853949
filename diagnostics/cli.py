"""The `diagnose` command line.

Every error an analyst can cause prints one line on stderr and exits with code 2.
Imports of the engine, pydantic models and rich happen inside commands so that
`diagnose --help` starts fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

if TYPE_CHECKING:
    from .assessment import Assessment, Assessor
    from .profile import Profile
    from .registry import Registry


class Settings:
    def __init__(self, strict: bool, no_plugins: bool, engine: str) -> None:
        self.strict = strict
        self.no_plugins = no_plugins
        self.engine = engine
        self._registry: Registry | None = None
        self._assessor: Assessor | None = None

    def registry(self) -> Registry:
        if self._registry is None:
            from .registry import load_registry

            self._registry = load_registry(strict=self.strict, external=not self.no_plugins)
            for report in self._registry.problems():
                click.echo(f"warning: plugin {report.name} left out: {report.error}", err=True)
        return self._registry

    def assessor(self) -> Assessor:
        if self._assessor is None:
            from .assessment import Assessor

            self._assessor = Assessor(self.registry().kb, engine=self.engine)
        return self._assessor


def fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


class DiagnoseGroup(click.Group):
    """Turns every DiagnosticsError into one readable line and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        from .errors import DiagnosticsError

        try:
            return super().invoke(ctx)
        except DiagnosticsError as exc:
            lines = str(exc).splitlines()
            more = f" (and {len(lines) - 1} more problems)" if len(lines) > 1 else ""
            fail(lines[0] + more if lines else type(exc).__name__)
        except RecursionError:
            fail("the input is nested too deeply")


@click.group(cls=DiagnoseGroup)
@click.version_option(package_name="policy-diagnostics")
@click.option("--strict", is_flag=True, help="Treat any plugin problem as fatal.")
@click.option("--no-plugins", is_flag=True, help="Load only the built-in plugins, no entry points.")
@click.option("--engine", type=click.Choice(["durable", "reference"]), default="durable",
              show_default=True, help="Backend: durable-rules, or the pure-Python reference evaluator.")
@click.pass_context
def main(ctx: click.Context, strict: bool, no_plugins: bool, engine: str) -> None:
    """Diagnose the systemic problems of a post-Soviet transition economy.

    Start with `diagnose assess KZ`, the thesis's Kazakhstan reference profile.
    """
    ctx.obj = Settings(strict, no_plugins, engine)


pass_settings = click.make_pass_decorator(Settings)


# -------------------------------------------------------------------------------------
# Line maps of the profile files read in this process, so that value errors found later
# (against the indicator catalogue) can still name the line.
PROFILE_LINES: dict[str, dict[Any, int]] = {}


def load_profile_file(path: Path) -> Profile:
    from .profile import Profile
    from .yamlio import load_data, parse_model

    data, lines = load_data(path)
    PROFILE_LINES[str(path)] = lines
    if not isinstance(data, dict):
        from .errors import DataError

        raise DataError("a profile must be a mapping with 'country' and 'answers'", file=path, line=1)
    return parse_model(Profile, data, path, lines)


def resolve_profile(settings: Settings, ref: str) -> tuple[Profile, str]:
    """A file path, or a country code that a plugin provides a profile for."""
    from .errors import DataError

    path = Path(ref)
    if path.exists() or path.suffix.lower() in (".yaml", ".yml", ".json"):
        return load_profile_file(path), str(path)
    code = ref.upper()
    profiles = settings.registry().profiles
    if code in profiles:
        p = profiles[code]
        return load_profile_file(p.path), str(p.path)
    known = ", ".join(sorted(profiles)) or "none"
    raise DataError(f"{ref!r} is neither a profile file nor a known country code (known: {known})")


def assess_ref(settings: Settings, ref: str) -> tuple[Assessment, Profile]:
    profile, where = resolve_profile(settings, ref)
    return settings.assessor().assess(profile, file=where, lines=PROFILE_LINES.get(where)), profile


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


# -------------------------------------------------------------------------------------
@main.command()
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
    from .render import print_assessment

    print_assessment(result, settings.registry().kb, show_all=show_all)


@main.command()
@click.argument("profile")
@click.argument("rule_id")
@click.option("--json", "as_json", is_flag=True)
@pass_settings
def explain(settings: Settings, profile: str, rule_id: str, as_json: bool) -> None:
    """Explain how RULE_ID fired on PROFILE, or why it did not."""
    from .errors import DataError
    from .kb import did_you_mean

    kb = settings.registry().kb
    if not rule_id.startswith(("node.", "dx.")):
        rule_id = next((p + rule_id for p in ("dx.", "node.") if p + rule_id in kb.rules), rule_id)
    if rule_id not in kb.rules:
        raise DataError(f"unknown rule {rule_id!r}{did_you_mean(rule_id, kb.rules)}")
    result, _ = assess_ref(settings, profile)
    if as_json:
        echo_json(result.finding(rule_id).model_dump(mode="json"))
        return
    from .render import print_explanation

    print_explanation(result, kb, rule_id)


@main.group()
def profile() -> None:
    """Validate profiles and print their JSON Schema."""


@profile.command("validate")
@click.argument("file", type=click.Path(path_type=Path))
@pass_settings
def profile_validate(settings: Settings, file: Path) -> None:
    """Check every answer in FILE against the indicator catalogue."""
    from .assessment import validate_answers

    p = load_profile_file(file)
    validate_answers(p, settings.registry().kb, str(file), PROFILE_LINES.get(str(file)))
    known = sum(1 for a in p.answers.values() if a.known)
    unknown = sum(1 for a in p.answers.values() if a.unknown)
    click.echo(f"{file}: valid profile for {p.country}: {known} answers, {unknown} unknown")


@profile.command("schema")
def profile_schema() -> None:
    """Print the JSON Schema of a profile file."""
    from .profile import Profile

    echo_json(Profile.model_json_schema())


@main.group()
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
    from .render import print_rule_list

    print_rule_list(chosen)


@rules.command("show")
@click.argument("rule_id")
@click.option("--json", "as_json", is_flag=True)
@pass_settings
def rules_show(settings: Settings, rule_id: str, as_json: bool) -> None:
    """Show one rule: condition, mechanism, story, directions, citations."""
    from .errors import DataError
    from .kb import did_you_mean

    kb = settings.registry().kb
    if not rule_id.startswith(("node.", "dx.")):
        rule_id = next((p + rule_id for p in ("dx.", "node.") if p + rule_id in kb.rules), rule_id)
    if rule_id not in kb.rules:
        raise DataError(f"unknown rule {rule_id!r}{did_you_mean(rule_id, kb.rules)}")
    rule = kb.rules[rule_id]
    if as_json:
        echo_json(rule.model_dump(mode="json", by_alias=True, exclude_none=True))
        return
    from .render import print_rule

    print_rule(rule, kb)


@rules.command("check")
@click.argument("folder", type=click.Path(path_type=Path, exists=True, file_okay=False))
@pass_settings
def rules_check(settings: Settings, folder: Path) -> None:
    """Validate a knowledge folder (indicators/, nodes/, directions/) against the loaded base.

    Plugin authors run this on their own folder: its records are checked together with
    the thesis knowledge base, so references to core rules and indicators resolve.
    """
    from .kb import KnowledgeBase, load_direction_file, load_indicator_file, load_rule_file

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


@main.command()
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
    from .render import print_indicators

    print_indicators(chosen, kb)


@main.command()
@click.option("--json", "as_json", is_flag=True)
@pass_settings
def plugins(settings: Settings, as_json: bool) -> None:
    """List plugins: name, version, status, hooks and records provided."""
    reg = settings.registry()
    if as_json:
        echo_json([r.as_json() for r in reg.reports])
        return
    from .render import print_plugins

    print_plugins(reg.reports)


@main.command()
@click.option("--json", "as_json", is_flag=True)
@pass_settings
def families(settings: Settings, as_json: bool) -> None:
    """List country families and their tiers."""
    fams = settings.registry().families
    if as_json:
        echo_json([f.model_dump(mode="json") for f in fams.values()])
        return
    from .render import print_families

    print_families(list(fams.values()))


@main.command()
@click.option("--json", "as_json", is_flag=True)
@pass_settings
def countries(settings: Settings, as_json: bool) -> None:
    """List the country profiles that plugins provide."""
    reg = settings.registry()
    rows = [
        {"country": p.country, "name": p.name, "family": p.family,
         "tier": reg.families[p.family].tier_of(p.country).value if p.family in reg.families else None,
         "provided_by": p.provided_by, "path": str(p.path)}
        for p in sorted(reg.profiles.values(), key=lambda p: p.country)
    ]
    if as_json:
        echo_json(rows)
        return
    from .render import print_countries

    print_countries(rows)


# The brief command lives with the report code (diagnostics.reports); importing it here
# registers it. It imports jinja2 only when run.
from diagnostics.reports.cli import brief  # noqa: E402

main.add_command(brief)


# `diagnose tui` lives with the TUI (diagnostics.tui); it imports textual only when run.
from diagnostics.tui.cli import tui  # noqa: E402

main.add_command(tui)


# Scenario analysis (whatif, compare, sensitivity, next, sweep); imports only click here.
from .cli_analysis import compare, next_question, sensitivity, sweep, whatif  # noqa: E402

for _cmd in (whatif, compare, sensitivity, next_question, sweep):
    main.add_command(_cmd)


if __name__ == "__main__":  # pragma: no cover
    main()
