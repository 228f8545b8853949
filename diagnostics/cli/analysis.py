"""Scenario analysis: `diagnose whatif`, `compare`, `sensitivity`, `next` and `sweep`.

Only click is imported at module level, so `diagnose --help` stays fast; the analysis
code, the engine and rich are imported inside the commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from diagnostics.i18n import N_, _, ngettext

from .context import Settings, echo_json, pass_settings, resolve_profile, rule_id_or_fail
from .helptext import LocalizedCommand

STATUS_LABEL = {
    "fired": (N_("FIRED"), "bold red"),
    "not_assessable": (N_("not assessable"), "yellow"),
    "not_applicable": (N_("not applicable"), "dim"),
    "not_fired": (N_("not fired"), "green"),
}
CHANGE_VERBS = {"appears": N_("now fires"), "disappears": N_("no longer fires"),
                "status": N_("changes status"), "confidence": N_("changes confidence")}


def _status(status: str, confidence: str | None = None) -> str:
    label, style = STATUS_LABEL[status]
    conf = f" ({_(confidence)})" if confidence else ""
    return f"[{style}]{_(label)}[/{style}]{conf}"


def _console() -> Any:
    from diagnostics.render import console

    return console()


def esc(value: Any) -> str:
    """Data as literal text inside rich markup (see diagnostics.render.esc)."""
    from diagnostics.render import esc as escape_data

    return escape_data(value)


# -------------------------------------------------------------------------------------
@click.command(cls=LocalizedCommand, name="whatif")
@click.argument("profile")
@click.option("--set", "sets", multiple=True, required=True, metavar="ns.name=VALUE",
              help="Change one answer (repeatable). VALUE may be 'unknown' or 'unset'.")
@click.option("--json", "as_json", is_flag=True, help="Print the difference as JSON.")
@pass_settings
def whatif(settings: Settings, profile: str, sets: tuple[str, ...], as_json: bool) -> None:
    """Re-assess PROFILE with some answers changed and show what differs.

    Both runs are fresh assessments. Example:
    `diagnose whatif KZ --set procurement.share_of_gov_expenditure=0.2`
    """
    from diagnostics.analysis import parse_sets
    from diagnostics.analysis import whatif as run_whatif

    prof, where = resolve_profile(settings, profile)
    changes = parse_sets(settings.registry().kb_for(prof.country), sets)
    result = run_whatif(settings.assessor(prof.country), prof, changes, file=where)
    if as_json:
        echo_json(result.as_json())
        return
    out = _console()
    from diagnostics.i18n import country_name

    out.print("[bold]" + _("What if") + f"[/bold] — {esc(country_name(result.country, result.after.name))} "
              f"({esc(result.country)})")
    for s in result.settings:
        out.print(f"  • {esc(s.indicator)}: {esc(s.before)} → [bold]{esc(s.after)}[/bold]")
    if not result.changes:
        out.print("\n" + _("No diagnosis or finding changes status or confidence."))
        return
    for heading, items in ((_("Diagnoses"), result.diagnoses()),
                           (_("Findings beneath"), [c for c in result.changes if c.layer != "diagnosis"])):
        if not items:
            continue
        out.print(f"\n[bold]{heading}[/bold]")
        for c in items:
            verb = _(CHANGE_VERBS[c.kind])
            out.print(f"  • [bold]{c.rule}[/bold] {_status(c.before.value, c.before_confidence)} → "
                      f"{_status(c.after.value, c.after_confidence)}")
            out.print(f"    {c.title} [dim]({_(c.layer)}; {verb})[/dim]")
            if c.inputs:
                out.print("    [dim]" + _("because of: {inputs}").format(inputs=", ".join(c.inputs)) + "[/dim]")
            for line in c.explanation[:4]:
                out.print(f"    · {line}")
    fired_before = sum(1 for d in result.before.diagnoses() if d.status.value == "fired")
    fired_after = sum(1 for d in result.after.diagnoses() if d.status.value == "fired")
    out.print("\n" + _("Diagnoses fired: {before} → {after} of {total}").format(
        before=fired_before, after=fired_after, total=len(result.after.diagnoses())))


# -------------------------------------------------------------------------------------
@click.command(cls=LocalizedCommand, name="compare")
@click.argument("profiles", nargs=-1, required=True)
@click.option("--all", "all_rules", is_flag=True, help="Compare every rule, not only diagnoses.")
@click.option("--json", "as_json", is_flag=True, help="Print the matrix as JSON.")
@pass_settings
def compare(settings: Settings, profiles: tuple[str, ...], all_rules: bool, as_json: bool) -> None:
    """Compare diagnoses across PROFILES (country codes or files), e.g. `compare KZ KG EE`."""
    from diagnostics.analysis import compare_profiles
    from diagnostics.errors import DataError

    if len(profiles) < 2:
        raise DataError(_("compare needs at least two profiles, e.g. `diagnose compare KZ EE`"))
    loaded = []
    labels: list[str] = []
    for ref in profiles:
        prof, where = resolve_profile(settings, ref)
        label = prof.country if ref.upper() == prof.country else Path(ref).stem
        base, n = label, 2
        while label in labels:
            label, n = f"{base}#{n}", n + 1
        labels.append(label)
        loaded.append((label, prof))
    # One knowledge base for all columns: a plugin's own, if every profile is in its scope.
    countries = {prof.country for _, prof in loaded}
    assessor = settings.assessor(countries.pop() if len(countries) == 1 else None)
    result = compare_profiles(assessor, loaded, all_rules=all_rules)
    gap_only = {row.rule for row in result.rows if row.evidence_gap_only}
    if as_json:
        echo_json(result.as_json())
        return
    from rich.table import Table

    out = _console()
    table = Table(title=_("diagnoses × profiles") if not all_rules else _("rules × profiles"))
    table.add_column(_("rule"), no_wrap=True)
    for col in result.columns:
        table.add_column(esc(col), no_wrap=True)
    for row in result.rows:
        name = row.rule if all_rules else row.rule.removeprefix("dx.")
        mark = "~ " if row.rule in gap_only else "* " if row.differs else "  "
        table.add_row(mark + name,
                      *(_status(c.status.value, c.confidence) for c in row.cells))
    out.print(table)
    if gap_only:
        out.print(_("~ rows differ only because some profiles lack the answers to decide them "
                    "(a coverage gap, not a difference between countries; see `diagnose coverage`)."))
    differing = [r for r in result.rows if r.differs and r.drivers and r.rule not in gap_only]
    if differing:
        out.print("\n[bold]" + _("Answers that drive the differences") + "[/bold] " + _("(* rows)"))
    for row in differing:
        out.print(f"  [bold]{row.rule}[/bold]")
        for d in row.drivers[:6]:
            vals = " | ".join(f"{c}: {v}" for c, v in zip(result.columns, d.values, strict=True))
            out.print(f"    {d.indicator}: {esc(vals)}")
        if len(row.drivers) > 6:
            out.print("    [dim]" + _("and {n} more (see --json)").format(n=len(row.drivers) - 6) + "[/dim]")


# -------------------------------------------------------------------------------------
@click.command(cls=LocalizedCommand, name="sensitivity")
@click.argument("profile")
@click.option("--max-size", type=click.IntRange(1, 3), default=3, show_default=True,
              help="Largest set of answer changes to search.")
@click.option("--rule", "rules", multiple=True, help="Only these rules (repeatable); default: diagnoses.")
@click.option("--json", "as_json", is_flag=True)
@pass_settings
def sensitivity(settings: Settings, profile: str, max_size: int, rules: tuple[str, ...],
                as_json: bool) -> None:
    """Counterfactuals: which answer changes would un-fire each fired diagnosis, and which
    unknown answers would decide each not-assessable one."""
    from diagnostics.analysis import sensitivity as run_sensitivity
    from diagnostics.answers import format_value

    prof, where = resolve_profile(settings, profile)
    kb = settings.registry().kb_for(prof.country)
    chosen = [rule_id_or_fail(kb, r) for r in rules] or None
    result = run_sensitivity(kb, prof, max_size=max_size, rules=chosen)
    if as_json:
        echo_json(result.as_json())
        return
    out = _console()
    from diagnostics.i18n import country_name

    scope = ngettext("of {country} ({code}), change sets of up to {n} answer",
                     "of {country} ({code}), change sets of up to {n} answers", max_size)
    out.print("[bold]" + _("Sensitivity") + "[/bold] " + scope.format(
        country=esc(country_name(prof.country, prof.name or prof.country)), code=prof.country, n=max_size))
    for f in result.fired:
        out.print(f"\n[bold]{f.title}[/bold] [dim]{f.rule}[/dim] — {_status('fired')}")
        if not f.counterfactuals:
            robust = ngettext("robust: no set of ≤ {n} answer change stops it firing",
                              "robust: no set of ≤ {n} answer changes stops it firing", max_size)
            out.print("  " + robust.format(n=max_size))
        for cf in f.counterfactuals[:8]:
            n = len(cf.changes)
            out.print("  • " + ngettext("{n} change", "{n} changes", n).format(n=n) + f" ⇒ {_status(cf.status.value)}")
            for c in cf.changes:
                before, after = format_value(c.before, "rule"), format_value(c.after, "rule")
                region = "" if c.region == f"{c.indicator} = {after}" else f" [dim]({c.region})[/dim]"
                out.print(f"      {c.indicator}: {before} → {after}{region}")
        if len(f.counterfactuals) > 8:
            out.print("  [dim]" + _("and {n} more sets (see --json)").format(n=len(f.counterfactuals) - 8) + "[/dim]")
        if not f.complete:
            out.print("  [yellow]" + _("search budget reached: the list may be incomplete") + "[/yellow]")
    for o in result.open:
        out.print(f"\n[bold]{o.title}[/bold] [dim]{o.rule}[/dim] — {_status('not_assessable')}")
        for d in o.deciders[:8]:
            ways = []
            if d.fires_if:
                ways.append(_("fires if {values}").format(
                    values=_(" or ").join(_short(d.indicator, r) for r in d.fires_if)))
            if d.clears_if:
                ways.append(_("does not fire if {values}").format(
                    values=_(" or ").join(_short(d.indicator, r) for r in d.clears_if)))
            out.print(f"  • {d.indicator}: {'; '.join(ways)}")
        if len(o.deciders) > 8:
            out.print("  [dim]" + _("and {n} more (see --json)").format(n=len(o.deciders) - 8) + "[/dim]")
        if o.also_needed:
            more = " " + _("and {n} more").format(n=len(o.also_needed) - 8) if len(o.also_needed) > 8 else ""
            out.print("  [dim]" + _("cannot decide it alone: {ids}").format(ids=", ".join(o.also_needed[:8]))
                      + more + "[/dim]")


def _short(indicator: str, region: str) -> str:
    """A value region without the indicator's name: '>= 0.5', 'true', '{a, b}'."""
    text = region.removeprefix(indicator + " ")
    return text[2:] if text.startswith("= ") else text


# -------------------------------------------------------------------------------------
@click.command(cls=LocalizedCommand, name="next")
@click.argument("profile")
@click.option("-n", "count", type=click.IntRange(1, 1000), default=10, show_default=True,
              help="How many questions to list.")
@click.option("--include-unknown", is_flag=True, help="Also suggest questions answered 'unknown'.")
@click.option("--json", "as_json", is_flag=True)
@pass_settings
def next_question(settings: Settings, profile: str, count: int, include_unknown: bool, as_json: bool) -> None:
    """Rank PROFILE's unanswered questions by how much they can still decide."""
    from diagnostics.analysis import plan_questions

    prof, _where = resolve_profile(settings, profile)
    kb = settings.registry().kb_for(prof.country)
    ranked = plan_questions(kb, prof, count, include_unknown=include_unknown)
    if as_json:
        echo_json([q.as_json() for q in ranked])
        return
    out = _console()
    if not ranked:
        out.print(_("Nothing left to ask: no unanswered question can settle an open rule."))
        if not include_unknown and plan_questions(kb, prof, 1, include_unknown=True):
            out.print(_("Some questions answered 'unknown' could: see --include-unknown."))
        return
    from diagnostics.i18n import country_name, format_number

    out.print("[bold]" + _("Next questions") + "[/bold] " + _("for {country} ({code})").format(
        country=esc(country_name(prof.country, prof.name or prof.country)), code=prof.country))
    for i, q in enumerate(ranked, 1):
        score = _("score {score}").format(score=format_number(q.score, digits=2))
        out.print(f"{i:>2}. [bold]{q.indicator}[/bold] [dim]{score}[/dim]\n    {q.question}\n"
                  f"    [dim]{q.reason}[/dim]")
        sources = kb.indicators[q.indicator].sources if q.indicator in kb.indicators else ()
        if sources:
            out.print("    " + _("Where to look: ") + esc("; ".join(sources)))


# -------------------------------------------------------------------------------------
@click.command(cls=LocalizedCommand, name="sweep")
@click.argument("spec", type=click.Path(path_type=Path))
@click.option("-o", "--output", metavar="FILE", help="Write rows here (.jsonl or .csv); '-' for stdout.")
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]),
              help="Row format; default from the output suffix, JSON Lines on stdout.")
@click.option("--all", "all_rules", is_flag=True, help="Report every rule, not only diagnoses.")
@click.option("--no-cache", is_flag=True,
              help="Assess every scenario even when an earlier one is indistinguishable.")
@click.option("--no-progress", is_flag=True, help="Do not show the progress bar.")
@pass_settings
def sweep(settings: Settings, spec: Path, output: str | None, force: bool, fmt: str | None, all_rules: bool,
          no_cache: bool, no_progress: bool) -> None:
    """Assess every scenario of SPEC (a YAML file; see docs/scenario-analysis.md)."""
    import contextlib
    import sys

    from diagnostics.analysis import (
        RowWriter,
        SweepRunner,
        load_sweep_spec,
        output_format,
        spec_profile_path,
        spec_set_keys,
    )
    from diagnostics.safeio import atomic_output, check_target, output_path

    target = output_path(output)
    if target is not None:
        check_target(target, force=force)  # before the work, not after it
    kb = settings.registry().kb
    row_format = output_format(target, fmt)
    plan = load_sweep_spec(spec, kb)
    profiles = {}
    for ref in plan.profiles:
        profiles[ref], _where = resolve_profile(settings, spec_profile_path(plan, ref))
    rules = list(kb.rules) if all_rules else plan.rules
    runner = SweepRunner(settings.assessor(), rules, cache=not no_cache)
    total = plan.size()

    # The rows go to a temporary file that replaces the target only when the sweep is
    # complete, so a failure (a full disk, Ctrl+C) leaves the old file and no half of a new one.
    sink: Any = atomic_output(target, force=force) if target is not None else contextlib.nullcontext(sys.stdout)
    with sink as stream:
        writer = RowWriter(stream, row_format, runner.rules, spec_set_keys(plan))
        if no_progress:
            for row in runner.run(plan, profiles):
                writer.write(row)
        else:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            with Progress(TextColumn("sweep"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                          console=Console(stderr=True), transient=False) as bar:
                task = bar.add_task("sweep", total=total)
                for n, row in enumerate(runner.run(plan, profiles), 1):
                    writer.write(row)
                    if n % 50 == 0 or n == total:
                        bar.update(task, completed=n)
    where = " " + _("to {path}").format(path=target) if target else ""
    click.echo(_("{total} scenarios written{where} ({format}); {assessed} distinct assessments").format(
        total=total, where=where, format=row_format, assessed=runner.assessed), err=True)
