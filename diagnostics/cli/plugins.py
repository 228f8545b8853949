"""`diagnose plugins`: the plugins loaded and what each provides."""

from __future__ import annotations

from pathlib import Path

import click

from .context import Settings, echo_json, pass_settings
from .helptext import LocalizedCommand, LocalizedGroup


@click.command(cls=LocalizedCommand)
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


@click.group(cls=LocalizedGroup)
def plugin() -> None:
    """Write and list plugins: `diagnose plugin new NAME`, `diagnose plugin list`."""


plugin.add_command(plugins, "list")


@plugin.command("new")
@click.argument("name")
@click.option("--dir", "parent", type=click.Path(path_type=Path, file_okay=False), default=".",
              show_default=True, help="Where to write the distribution's folder.")
@click.option("--country", default="XX", show_default=True, help="The country code the plugin covers.")
@click.option("--title", help="A readable name (default: from NAME).")
def plugin_new(name: str, parent: Path, country: str, title: str | None) -> None:
    """Write a complete plugin distribution, policy-diagnostics-NAME, whose tests pass as written.

    It holds pyproject.toml (entry point and package data), README, family, profile,
    indicator, rule, direction, bibliography, a translation stub, a brief section and tests.
    """
    from diagnostics.i18n import _
    from diagnostics.scaffold import new_plugin

    root = new_plugin(name, parent, country=country, title=title)
    click.echo(_("wrote {folder}\nnext: cd {folder} && pip install -e . && pytest tests").format(folder=root))
