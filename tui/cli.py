"""CLI command `diagnose tui`: textual is imported only when the command runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from diagnostics.cli.helptext import LocalizedCommand


@click.command(cls=LocalizedCommand)
@click.argument("target", required=False)
@click.option("--resume", is_flag=True, help="Reopen the most recent assessment where it was left.")
@click.option("--blank", is_flag=True, help="With a country code: start blank instead of from its profile.")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), envvar="DIAGNOSE_DATA_DIR",
              help="Where assessments are saved (default: the user data folder; env DIAGNOSE_DATA_DIR).")
@click.pass_obj
def tui(settings: Any, target: str | None, resume: bool, blank: bool, data_dir: Path | None) -> None:
    """Guided assessment in the terminal.

    TARGET is an assessment file to reopen, a profile file to import, or a country code
    (e.g. KZ) to start from its profile. Every answer is saved as soon as it is recorded.
    """
    from diagnostics.errors import DataError

    open_path: Path | None = None
    country: str | None = None
    if target:
        path = Path(target).expanduser()
        if path.exists() or path.suffix.lower() in (".yaml", ".yml", ".json"):
            from diagnostics.profileio import load_profile

            load_profile(path)  # a damaged file is one line and exit 2 here, before the screen opens
            open_path = path
        else:
            country = target
    if blank and country is None:
        from diagnostics.i18n import _

        raise DataError(_("--blank needs a country code, e.g. `diagnose tui KZ --blank`"))

    strict = bool(getattr(settings, "strict", False))
    engine = str(getattr(settings, "engine", "durable"))
    external = not bool(getattr(settings, "no_plugins", False))

    def loader() -> Any:
        from diagnostics.registry import load_registry

        return load_registry(strict=strict, external=external)

    from .app import DiagnosticsApp

    DiagnosticsApp(loader=loader, data=data_dir, open_path=open_path, country=country,
                   resume=resume, blank=blank, engine=engine, lang=str(getattr(settings, "lang", "en"))).run()
