"""CLI command `diagnose brief`: the two-page brief or (`--full`) the full report, as Markdown,
HTML, JSON or PDF.

Registered on the `diagnose` group at the end of diagnostics/cli.py. jinja2 and the
report modules are imported inside the command, so `diagnose --help` stays fast and the
core never imports jinja2. This module must not import diagnostics.cli at import time:
diagnostics.cli imports it, so the command takes the group's Settings with `click.pass_obj`
(the object `pass_settings` would find) and imports the CLI helpers when it runs.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import click

from diagnostics.cli.helptext import LocalizedCommand
from diagnostics.i18n import _, format_number, ngettext

if TYPE_CHECKING:
    from diagnostics.assessment import Assessment
    from diagnostics.cli import Settings
    from diagnostics.profile import Profile

SUFFIX_FORMATS = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".json": "json", ".pdf": "pdf"}


def output_format(fmt: str | None, output: Path | None) -> str:
    """The format: --format, else the -o suffix, else md. A suffix that contradicts --format is an error."""
    from diagnostics.errors import DataError

    implied = SUFFIX_FORMATS.get(output.suffix.lower()) if output is not None else None
    if fmt is not None and implied is not None and implied != fmt:
        raise DataError(_("--format {format} contradicts the file name {name} ({implied}); change one of them").format(
            format=fmt, name=output.name, implied=implied))  # type: ignore[union-attr]
    return fmt or implied or "md"


def load_assessed(settings: Settings, ref: str) -> tuple[Assessment, Profile | None]:
    """A country code or profile file (assessed now), or a saved `diagnose assess --json` file."""
    from diagnostics.cli import assess_ref

    path = Path(ref)
    if path.suffix.lower() == ".json" and path.is_file():
        from diagnostics.yamlio import load_data

        data, lines = load_data(path)
        if isinstance(data, dict) and "findings" in data and "audit" in data:
            from diagnostics.assessment import profile_digest
            from diagnostics.profileio import check_saved_assessment

            assessment = check_saved_assessment(data, path, lines)
            # Use the plugin's profile only if it is the one that was assessed.
            profile = None
            known = settings.registry().profiles.get(assessment.country)
            if known is not None:
                from diagnostics.cli import load_profile_file

                candidate = load_profile_file(known.path)
                if profile_digest(candidate) == assessment.audit.profile:
                    profile = candidate
            return assessment, profile
    return assess_ref(settings, ref)


@click.command(cls=LocalizedCommand)
@click.argument("refs", nargs=-1, metavar="KZ|PROFILE|ASSESSMENT.json...")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "json", "pdf"]),
              help="Output format (default: from the -o suffix, else md).")
@click.option("--full", is_flag=True, help="The full report (findings, evidence, chains, audit) instead of "
                                           "the two-page brief.")
@click.option("-o", "--output", "output_arg", metavar="FILE", help="Write to FILE instead of stdout ('-' for stdout).")
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@click.option("--compare", is_flag=True, help="One comparison brief of two or more countries.")
@click.option("--template-dir", type=click.Path(path_type=Path, exists=True, file_okay=False),
              help="Your own templates (brief.md.j2, brief.html.j2, ...), rendered in a sandbox.")
@click.option("--audience", default="Committee members and staff", show_default=True,
              help="Who the brief is for.")
@click.option("--unit", default="Committee briefing staff", show_default=True, help="The issuing unit.")
@click.option("--title", help="Brief title (default: from the country name).")
@click.option("--date", "date_text", metavar="YYYY-MM-DD", help="Date printed on the brief (default: today).")
@click.option("--no-annexes", is_flag=True, help="With --full: the report's main body only (no annexes).")
@click.option("--schema", is_flag=True, help="Print the JSON Schema of the brief and exit.")
@click.pass_obj
def brief(settings: Settings, refs: tuple[str, ...], fmt: str | None, full: bool, output_arg: str | None, force: bool,
          compare: bool, template_dir: Path | None, audience: str, unit: str, title: str | None,
          date_text: str | None, no_annexes: bool, schema: bool) -> None:
    """Write a two-page policy brief for a committee hearing (--full: the full report).

    REF is a country code (KZ), a profile file, or a saved `diagnose assess --json` file.
    With --compare, give two or more: `diagnose brief --compare KZ KG EE`.
    """
    from diagnostics.errors import DataError

    if schema:
        from diagnostics.cli import echo_json

        from .context import BriefContext, ComparisonContext

        echo_json((ComparisonContext if compare else BriefContext).model_json_schema())
        return
    if not refs:
        raise DataError(_("name a country code, a profile file or an assessment file (e.g. `diagnose brief KZ`)"))
    if compare and len(refs) < 2:
        raise DataError(_("--compare needs at least two countries, e.g. `diagnose brief --compare KZ KG`"))
    if not compare and len(refs) > 1:
        raise DataError(_("one brief at a time ({n} given); use --compare for a comparison brief").format(n=len(refs)))
    from diagnostics.safeio import check_target, output_path, write_output

    output = output_path(output_arg)
    if output is not None:
        check_target(output, force=force)  # before the work, not after it
    fmt = output_format(fmt, output)
    date = None
    if date_text:
        try:
            date = dt.date.fromisoformat(date_text)
        except ValueError:
            raise DataError(_("--date {text} is not a date like 2025-03-31").format(text=repr(date_text))) from None

    from diagnostics.cli.context import startup_allocations

    # The report modules, the context and the typeset pages live until the command ends, or are
    # dropped as it ends: the collector, paused, does not search them (issue 12).
    with startup_allocations():
        from .render import render_brief, render_comparison, render_pdf

    registry = settings.registry()
    if compare:
        from .compare import build_comparison  # (with the analysis package) only for comparisons

        items = [load_assessed(settings, r) for r in refs]
        with startup_allocations():
            ccontext = build_comparison(items, registry.everything, audience=audience, unit=unit, title=title,
                                        date=date)
            if no_annexes:
                ccontext.meta.annexes = False
            document: str | bytes = (render_pdf(ccontext, template_dir=template_dir) if fmt == "pdf" else
                                     render_comparison(ccontext, fmt, template_dir=template_dir))
    else:
        from .builder import build_context

        assessment, profile = load_assessed(settings, refs[0])
        with startup_allocations():
            # The knowledge base of the assessed country: the thesis's plus the plugins in its scope.
            context = build_context(assessment, registry.kb_for(assessment.country), profile, registry,
                                    audience=audience, unit=unit, title=title, date=date)
            if no_annexes:
                context.meta.annexes = False
            for notice in context.method.notices:
                click.echo(_("warning: {notice}").format(notice=notice), err=True)
            document = (render_pdf(context, template_dir=template_dir, full=full) if fmt == "pdf" else
                        render_brief(context, fmt, template_dir=template_dir, full=full))
    if write_output(output, document, force=force) is None:
        return
    data = document if isinstance(document, bytes) else document.encode()
    wrote = ngettext("wrote {path} ({format}, {size} byte)", "wrote {path} ({format}, {size} bytes)", len(data))
    click.echo(wrote.format(path=output, format=fmt, size=format_number(len(data))), err=True)
