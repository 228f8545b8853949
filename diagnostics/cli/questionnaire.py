"""`diagnose questionnaire export|import`: the questions as a spreadsheet for colleagues."""

from __future__ import annotations

from pathlib import Path

import click

from .context import Settings, pass_settings
from .helptext import LocalizedGroup


@click.group(cls=LocalizedGroup)
def questionnaire() -> None:
    """Export the questionnaire to XLSX/CSV and import it back."""


@questionnaire.command("export")
@click.argument("source")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@pass_settings
def export(settings: Settings, source: str, out: Path) -> None:
    """Write every question of SOURCE (a country code, a profile or an assessment file) with
    its help, the answers it takes and the current answer, source, evidence, year and note to
    OUT (.xlsx or .csv)."""
    from diagnostics.session import read_profile_or_session
    from diagnostics.spreadsheet import questionnaire_rows, write_questionnaire

    from .context import resolve_profile

    kb = settings.registry().kb
    path = Path(source)
    if path.exists():
        profile, doc = read_profile_or_session(path)
        drafts = doc.drafts if doc is not None else {}
    else:
        profile, _ = resolve_profile(settings, source)
        drafts = {}
    rows = questionnaire_rows(kb, profile, drafts)
    write_questionnaire(out, rows, title=f"{profile.name or profile.country}: questionnaire")
    answered = sum(1 for r in rows if r["answer"] or r["unknown"])
    click.echo(f"{out}: {len(rows)} questions, {answered} answered")


@questionnaire.command("import")
@click.argument("sheet", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("assessment", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace without asking (the changes are still listed).")
@pass_settings
def import_(settings: Settings, sheet: Path, assessment: Path, yes: bool) -> None:
    """Check every row of SHEET, list what would change in ASSESSMENT (a TUI assessment
    file), and replace those answers once confirmed."""
    from diagnostics.errors import DataError
    from diagnostics.session import AssessmentSession
    from diagnostics.spreadsheet import changes_against, parse_questionnaire

    kb = settings.registry().kb
    imported = parse_questionnaire(kb, sheet)
    session = AssessmentSession.open(kb, assessment, lock=True)
    try:
        changes = changes_against(kb, session.profile, imported, session.order)
        new_drafts = {k: d for k, d in imported.drafts.items() if session.drafts.get(k) != d}
        if not changes and not new_drafts:
            click.echo("Nothing to change: the sheet matches the assessment.")
            return
        click.echo(f"{len(changes)} answer(s) would change in {assessment.name}:")
        for c in changes:
            question = kb.indicators[c.indicator].question
            click.echo(f"- {question}\n    now:   {c.before}\n    sheet: {c.after}")
        if new_drafts:
            click.echo(f"and the evidence of {len(new_drafts)} unanswered question(s).")
        if not yes and not click.confirm("Replace them?", default=False):
            raise DataError("nothing was replaced")
        session.apply({c.indicator: imported.answers[c.indicator] for c in changes}, new_drafts)
        click.echo(f"Replaced {len(changes)} answer(s) in {assessment}.")
    finally:
        session.close()
