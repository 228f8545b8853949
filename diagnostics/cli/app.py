"""The `diagnose` group. Commands are found by import path and imported only when used.

The table below is the whole command line. Entries outside diagnostics (the brief and the
TUI) are strings, so the core never imports the front ends; each front end's command
module imports from diagnostics.cli.context, never from here.
"""

from __future__ import annotations

import gc
import importlib
from typing import Any

import click

from .context import Settings, fail, leave_to_the_system_at_exit
from .helptext import LocalizedGroup, click_in_catalog

COMMANDS: dict[str, str] = {
    "assess": "diagnostics.cli.assess:assess",
    "explain": "diagnostics.cli.assess:explain",
    "profile": "diagnostics.cli.profiles:profile",
    "countries": "diagnostics.cli.profiles:countries",
    "families": "diagnostics.cli.profiles:families",
    "rules": "diagnostics.cli.knowledge:rules",
    "indicators": "diagnostics.cli.knowledge:indicators",
    "plugins": "diagnostics.cli.plugins:plugins",
    "plugin": "diagnostics.cli.plugins:plugin",
    "whatif": "diagnostics.cli.analysis:whatif",
    "compare": "diagnostics.cli.analysis:compare",
    "coverage": "diagnostics.cli.coverage:coverage",
    "sensitivity": "diagnostics.cli.analysis:sensitivity",
    "next": "diagnostics.cli.analysis:next_question",
    "sweep": "diagnostics.cli.analysis:sweep",
    "questionnaire": "diagnostics.cli.questionnaire:questionnaire",
    "brief": "diagnostics.reports.cli:brief",
    "tui": "diagnostics.tui.cli:tui",
}


class DiagnoseGroup(LocalizedGroup):
    """Loads commands lazily and turns every DiagnosticsError into one line and exit code 2;
    help and click's own messages in the chosen language (helptext)."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        leave_to_the_system_at_exit()
        try:
            with click_in_catalog():
                return super().main(*args, **kwargs)
        finally:
            gc.unfreeze()  # what loading froze (context.startup_allocations) is collectable again

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, _, attr = target.partition(":")
        command = getattr(importlib.import_module(module_name), attr)
        if not isinstance(command, click.Command):  # pragma: no cover - a wrong table entry
            raise TypeError(f"{target} is not a click command")
        return command

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # --lang is a group option that may be written after any command (`diagnose assess KZ
        # --lang ru`): move it in front of the command so the group reads it.
        args = hoist_lang(args)
        early_language(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        from diagnostics.errors import DiagnosticsError

        try:
            return super().invoke(ctx)
        except DiagnosticsError as exc:
            from diagnostics.i18n import _, ngettext

            lines = str(exc).splitlines()
            more = " " + ngettext("(and {n} more problems)", "(and {n} more problems)", len(lines) - 1).format(
                n=len(lines) - 1) if len(lines) > 1 else ""
            fail(lines[0] + more if lines else type(exc).__name__)
        except RecursionError:
            from diagnostics.i18n import _

            fail(_("the input is nested too deeply"))


def early_language(args: list[str]) -> None:
    """Set the language from `--lang` or DIAGNOSE_LANG before click reads the arguments: `--help`
    is eager and prints before the option's own callback runs. A bad value is left for the
    callback to report."""
    from diagnostics.errors import DataError
    from diagnostics.i18n import resolve_language, set_language

    value = None
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith("--lang="):
            value = arg.split("=", 1)[1]
    try:
        set_language(resolve_language(value))
    except DataError:
        pass


def hoist_lang(args: list[str]) -> list[str]:
    """`args` with every `--lang X` / `--lang=X` before a `--` moved to the front."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest += args[i:]
            break
        if arg == "--lang" and i + 1 < len(args):
            front += args[i:i + 2]
            i += 2
            continue
        if arg.startswith("--lang="):
            front.append(arg)
        else:
            rest.append(arg)
        i += 1
    return front + rest


def _language(ctx: click.Context, param: click.Parameter, value: str | None) -> str:
    from diagnostics.errors import DataError
    from diagnostics.i18n import resolve_language

    try:
        return resolve_language(value)
    except DataError as exc:
        raise click.BadParameter(str(exc).split(": ", 1)[-1]) from None


@click.group(cls=DiagnoseGroup)
@click.version_option(package_name="policy-diagnostics")
@click.option("--strict", is_flag=True, help="Treat any plugin problem as fatal.")
@click.option("--no-plugins", is_flag=True, help="Load only the built-in plugins, no entry points.")
@click.option("--engine", type=click.Choice(["durable", "reference"]), default="durable",
              show_default=True, help="Backend: durable-rules, or the pure-Python reference evaluator.")
@click.option("--lang", metavar="LANG", callback=_language,
              help="Language of output and knowledge texts: en (default) or ru; also DIAGNOSE_LANG. "
                   "May follow any command.")
@click.pass_context
def main(ctx: click.Context, strict: bool, no_plugins: bool, engine: str, lang: str) -> None:
    """Diagnose the systemic problems of a post-Soviet transition economy.

    Start with `diagnose assess KZ`, the thesis's Kazakhstan reference profile.
    """
    from diagnostics.i18n import set_language

    set_language(lang)
    ctx.obj = Settings(strict, no_plugins, engine, lang)
