"""Profiles, countries and families: `diagnose profile validate|schema`, `countries`, `families`."""

from __future__ import annotations

from pathlib import Path

import click

from .context import PROFILE_LINES, Settings, echo_json, load_profile_file, pass_settings
from .helptext import LocalizedCommand, LocalizedGroup


@click.group(cls=LocalizedGroup)
def profile() -> None:
    """Validate profiles and print their JSON Schema."""


@profile.command("validate")
@click.argument("file", type=click.Path(path_type=Path))
@pass_settings
def profile_validate(settings: Settings, file: Path) -> None:
    """Check every answer in FILE against the indicator catalogue."""
    from diagnostics.assessment import validate_answers

    p = load_profile_file(file)
    registry = settings.registry()
    registry.check_family(p, file, PROFILE_LINES.get(str(file)))
    validate_answers(p, registry.kb_for(p.country), str(file), PROFILE_LINES.get(str(file)))
    known = sum(1 for a in p.answers.values() if a.known)
    unknown = sum(1 for a in p.answers.values() if a.unknown)
    from diagnostics.i18n import _

    click.echo(_("{file}: valid profile for {country}: {known} answers, {unknown} unknown").format(
        file=file, country=p.country, known=known, unknown=unknown))


@profile.command("schema")
def profile_schema() -> None:
    """Print the JSON Schema of a profile file."""
    from diagnostics.profile import Profile

    echo_json(Profile.model_json_schema())


@click.command(cls=LocalizedCommand)
@click.option("--json", "as_json", is_flag=True)
@pass_settings
def families(settings: Settings, as_json: bool) -> None:
    """List country families and their tiers."""
    fams = settings.registry().families
    if as_json:
        echo_json([f.model_dump(mode="json") for f in fams.values()])
        return
    from diagnostics.render import print_families

    print_families(list(fams.values()))


@click.command(cls=LocalizedCommand)
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
    from diagnostics.render import print_countries

    print_countries(rows, {f.id: f.name for f in reg.families.values()})
