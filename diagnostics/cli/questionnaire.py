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
    from diagnostics.i18n import _, ngettext

    write_questionnaire(out, rows, title=_("{country}: questionnaire").format(country=profile.name or profile.country))
    answered = sum(1 for r in rows if r["answer"] or r["unknown"])
    click.echo(ngettext("{out}: {n} questions, {answered} answered", "{out}: {n} questions, {answered} answered",
                        len(rows)).format(out=out, n=len(rows), answered=answered))


@questionnaire.command("import")
@click.argument("sheet", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("assessment", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace without asking (the changes are still listed).")
@pass_settings
def import_(settings: Settings, sheet: Path, assessment: Path, yes: bool) -> None:
    """Check every row of SHEET, list what would change in ASSESSMENT (a TUI assessment
    file), and replace those answers once confirmed."""
    from diagnostics.errors import DataError
    from diagnostics.i18n import _, ngettext
    from diagnostics.session import AssessmentSession
    from diagnostics.spreadsheet import changes_against, parse_questionnaire

    kb = settings.registry().kb
    imported = parse_questionnaire(kb, sheet)
    session = AssessmentSession.open(kb, assessment, lock=True)
    try:
        changes = changes_against(kb, session.profile, imported, session.order)
        new_drafts = {k: d for k, d in imported.drafts.items() if session.drafts.get(k) != d}
        if not changes and not new_drafts:
            click.echo(_("Nothing to change: the sheet matches the assessment."))
            return
        click.echo(ngettext("{n} answer(s) would change in {file}:", "{n} answer(s) would change in {file}:",
                            len(changes)).format(n=len(changes), file=assessment.name))
        for c in changes:
            question = kb.indicators[c.indicator].question
            click.echo(_("- {question}\n    now:   {before}\n    sheet: {after}").format(
                question=question, before=c.before, after=c.after))
        if new_drafts:
            click.echo(ngettext("and the evidence of {n} unanswered question(s).",
                                "and the evidence of {n} unanswered question(s).", len(new_drafts))
                                    .format(n=len(new_drafts)))
        if not yes and not click.confirm(_("Replace them?"), default=False):
            raise DataError(_("nothing was replaced"))
        session.apply({c.indicator: imported.answers[c.indicator] for c in changes}, new_drafts)
        click.echo(ngettext("Replaced {n} answer(s) in {file}.", "Replaced {n} answer(s) in {file}.",
                            len(changes)).format(n=len(changes), file=assessment))
    finally:
        session.close()
