"""`diagnose plugins`: the plugins loaded and what each provides."""

from __future__ import annotations

import click

from .context import Settings, echo_json, pass_settings


@click.command()
@click.option("--json", "as_json", is_flag=True)
@pass_settings
def plugins(settings: Settings, as_json: bool) -> None:
    """List plugins: name, version, status, hooks and records provided."""
    reg = settings.registry()
    if as_json:
        echo_json([r.as_json() for r in reg.reports])
        return
    from diagnostics.render import print_plugins

    print_plugins(reg.reports)


@click.group()
def plugin() -> None:
    """Write and list plugins (`diagnose plugin list`)."""


plugin.add_command(plugins, "list")
