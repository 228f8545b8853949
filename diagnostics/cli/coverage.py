"""`diagnose coverage`: which core diagnoses each country's evidence decides."""

from __future__ import annotations

from typing import Any

import click

from diagnostics.i18n import N_, _

from .context import Settings, echo_json, pass_settings, resolve_profile
from .helptext import LocalizedCommand

SHORT = {
    "dx.formal_informal_mismatch": N_("mismatch"),
    "dx.borrowed_instruments": N_("borrowed"),
    "dx.state_procurement_distortion": N_("procurement"),
    "dx.fdi_spillover_failure": N_("FDI"),
    "dx.imaginary_driven_policy": N_("imaginary"),
    "dx.regulatory_burden_and_corruption": N_("regulation"),
}


def _cell(row: Any) -> str:
    mark = "*" if row.proxies else ""
    if row.decided:
        label = {"fired": "[red]" + _("fired") + "[/red]", "not_fired": "[green]" + _("not fired") + "[/green]",
                 "not_applicable": "[dim]" + _("n/a") + "[/dim]"}[row.status.value]
        return label + mark
    if not row.reachable:
        return "[yellow]" + _("open") + "[/yellow]"
    return "[yellow]" + _("open {n}").format(n=len(row.to_decide)) + f"[/yellow]{mark}"


@click.command(cls=LocalizedCommand, name="coverage")
@click.argument("profiles", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print the coverage as JSON.")
@click.option("--missing", is_flag=True, help="List, per open diagnosis, the answers that could decide it.")
@pass_settings
def coverage(settings: Settings, profiles: tuple[str, ...], as_json: bool, missing: bool) -> None:
    """Which core diagnoses the evidence decides, per country (all built-in countries by default).

    A cell is fired, not fired, n/a (its context gate rules it out) or open N: not assessable,
    and N further answers could decide it. * marks a cell resting partly on a survey proxy.
    """
    from diagnostics.coverage import CORE_DIAGNOSES, diagnosis_coverage

    refs = list(profiles) or sorted(settings.registry().profiles)
    table_rows = []
    for ref in refs:
        profile, where = resolve_profile(settings, ref)
        assessment = settings.assessor(profile.country).assess(profile, file=where)
        kb = settings.registry().kb_for(profile.country)
        table_rows.append((profile, diagnosis_coverage(kb, assessment, profile)))
    if as_json:
        echo_json([{"country": p.country, "name": p.name, "diagnoses": [r.as_json() for r in rows]}
                   for p, rows in table_rows])
        return
    from rich import box
    from rich.console import Console
    from rich.table import Table

    out = Console(highlight=False)
    # Narrow, borderless columns so the matrix fits an 80-column terminal.
    out.print("[bold]" + _("Core diagnoses decided by the evidence") + "[/bold]")
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1))
    table.add_column("", no_wrap=True)
    for rule in CORE_DIAGNOSES:
        table.add_column(_(SHORT[rule]), no_wrap=True)
    for profile, rows in table_rows:
        table.add_row(profile.country, *(_cell(r) for r in rows))
    out.print(table)
    totals = [sum(rows[i].decided for _, rows in table_rows) for i in range(len(CORE_DIAGNOSES))]
    out.print(_("decided for: {counts}").format(counts=", ".join(
        f"{_(SHORT[r])} {n}/{len(table_rows)}" for r, n in zip(CORE_DIAGNOSES, totals, strict=True))))
    out.print(_("open N: not assessable; N further answers could decide it. "
                "*: rests partly on a survey proxy for an informal indicator."))
    if missing:
        for profile, rows in table_rows:
            for r in rows:
                if not r.decided and r.to_decide:
                    out.print(f"{profile.country} {_(SHORT[r.rule])}: "
                              + _("answer {ids}").format(ids=", ".join(r.to_decide)))
