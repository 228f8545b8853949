"""The assessment as `diagnose assess` prints it: root causes first, what each rests on beneath (R-5).

The output is built once as console markup (`assessment_blocks`) and printed either by rich
(a terminal: colour) or, where rich would print plain text anyway (a pipe, a file), by
diagnostics.console_text, which gives the same text without importing rich's console.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .assessment import Assessment, FindingResult
from .console_text import NeedsRich, PlainPrinter, esc, plain_width
from .evaluator import Status
from .i18n import N_, _, country_name, date_text, format_datetime, format_number, value_label
from .kb import KnowledgeBase
from .provenance import source_label

if TYPE_CHECKING:
    from .knowledge import Indicator

Block = str | tuple[str, list[str]]  # a line of markup, or a tree: its label and its branches


STATUS_STYLE = {
    Status.FIRED: (N_("FIRED"), "bold red"),
    Status.NOT_ASSESSABLE: (N_("not assessable"), "yellow"),
    Status.NOT_APPLICABLE: (N_("not applicable"), "dim"),
    Status.NOT_FIRED: (N_("not fired"), "green"),
}


def _status(f: FindingResult) -> str:
    label, style = STATUS_STYLE[f.status]
    conf = " · " + _("confidence {level}").format(level=word(f.confidence)) if f.confidence else ""
    return f"[{style}]{_(label)}[/{style}]{conf}"




# Confidence levels, layers and functions as printed (the values themselves stay English ids).
WORDS = (N_("high"), N_("medium"), N_("low"), N_("context"), N_("policy"), N_("mechanism"),
         N_("manifestation"), N_("diagnosis"), N_("allocator"), N_("regulator"), N_("coordinator"),
         N_("cross_cutting"), N_("formal"), N_("informal"))


def word(value: str | None) -> str:
    """A printed id (confidence level, layer, function) in the current language; '—' for none."""
    return _(value) if value else "—"


ROLE_HEADINGS = {
    "root_cause": N_("Root causes"),
    "diagnosis": N_("Diagnoses"),
    "function_rollup": N_("Government functions"),
    "outcome": N_("Outcome"),
    None: N_("Other top-level findings"),
}




def premises(f: FindingResult, by_id: dict[str, FindingResult]) -> list[FindingResult]:
    """The findings a finding rests on directly, without context gates or background nodes."""
    found = [by_id[s.rule] for s in f.trace if s.kind == "finding" and s.rule in by_id]
    shown = [c for c in found if not c.background]
    # Context gates add little under a diagnosis, unless they are all it rests on (e.g. WTO-plus).
    substantive = [c for c in shown if c.layer != "context"] or shown
    return list({c.rule: c for c in substantive}.values())


def _whose(f: FindingResult) -> str:
    """' · Mongolia plugin (its bibliography)' after a plugin's own finding; nothing after the thesis's."""
    return " · " + esc(source_label(f.plugin)) if f.plugin else ""


def answer_text(value: object, indicator: Indicator | None = None) -> str:
    """A recorded answer as printed: yes/no in the current language, an option by its reader's
    label (translated with the knowledge base), a number in the language's conventions."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if indicator is not None and indicator.values:
        if isinstance(value, str):
            return value_label(indicator, value)
        if isinstance(value, (list, tuple, set, frozenset)):
            return ", ".join(value_label(indicator, str(v)) for v in value) or _("(none)")
    if isinstance(value, (int, float)):
        return format_number(value)
    return str(value)


def family_name(kb: KnowledgeBase, family: str | None) -> str:
    """A country family's name as the knowledge base has it (translated with it: each family's
    plugin gives its Russian name); its id when the knowledge base lacks it."""
    known = kb.families.get(family or "")
    return known.name if known else (family or "—")




def assessment_blocks(a: Assessment, kb: KnowledgeBase, show_all: bool = False) -> list[Block]:
    """What `diagnose assess` prints, in console markup: lines, and trees of a top-level
    finding with what it rests on one level down (R-5). Roots first."""
    blocks: list[Block] = []
    tier = " · " + _("tier {tier}").format(tier=a.tier) if a.tier else ""
    blocks.append(f"[bold]{esc(country_name(a.country, a.name))}[/bold] ({esc(a.country)}) · "
                  + _("family {family}").format(family=esc(family_name(kb, a.family)))
                  + tier + " · " + _("as of {year}").format(year=esc(date_text(a.as_of))))
    c = a.coverage
    blocks.append(_("Answers: {known} known, {unknown} unknown, {unasked} not asked (of {total} indicators)").format(
        known=format_number(c.answered), unknown=format_number(c.unknown), unasked=format_number(c.unanswered),
        total=format_number(c.indicators)))
    by_id = {f.rule: f for f in a.findings}
    heading = object()
    for dx in a.diagnoses():
        if dx.status is Status.NOT_FIRED and not show_all:
            continue
        if dx.role != heading:
            heading = dx.role
            blocks.append(f"\n[bold underline]{_(ROLE_HEADINGS[dx.role])}[/bold underline]")
        label = f"[bold]{dx.title}[/bold] [dim]{dx.rule}{_whose(dx)}[/dim] — {_status(dx)}"
        branches: list[str] = []
        if dx.status is Status.FIRED:
            for p in premises(dx, by_id):
                branches.append(f"{p.title} [dim]{p.rule} · {word(p.layer)} · {word(p.confidence)}{_whose(p)}[/dim]")
            for step in dx.trace:
                if step.kind == "answer" and "mismatch evidence" not in step.condition:
                    source = step.source or _("no source")
                    value = answer_text(step.value, kb.indicators.get(step.indicator or ""))
                    branches.append(f"[cyan]{esc(step.condition)}[/cyan] "
                                    f"[dim]← {esc(value)} ({esc(source)})[/dim]")
            if dx.plugin:  # a plugin's own finding: its sources, never presented as the thesis's
                branches.append("[dim]" + _("Source:") + " " + esc(source_label(dx.plugin)) + ": "
                                + esc("; ".join(dx.citations)) + "[/dim]")
            else:
                branches.append("[dim]" + _("cites: {citations}").format(citations=esc("; ".join(dx.citations)))
                                + "[/dim]")
        elif dx.status is Status.NOT_ASSESSABLE:
            missing = a.coverage.per_diagnosis.get(dx.rule, dx.missing)
            more = " " + _("and {n} more").format(n=len(missing) - 6) if len(missing) > 6 else ""
            decided_by = _("would be decided by:")
            branches.append(f"[yellow]{decided_by}[/yellow] {', '.join(missing[:6])}{more}")
        elif dx.status is Status.NOT_APPLICABLE:
            branches.append(f"[dim]{dx.gate_reason}[/dim]")
        else:
            for w in dx.why_not[:3]:
                branches.append("[green]" + _("why not:") + f"[/green] {w}")
        blocks.append((label, branches))
    fired_dx = [d for d in a.diagnoses() if d.status is Status.FIRED]
    fired = [f for f in a.findings if f.status is Status.FIRED and f.layer != "diagnosis"]
    blocks.append("\n" + _("{fired} of {total} top-level diagnoses fired, resting on {findings} findings. "
                           "`diagnose explain PROFILE RULE` shows how any of them fired, or why not.").format(
        fired=len(fired_dx), total=len(a.diagnoses()), findings=len(fired)))
    if a.imaginaries:
        blocks.append("\n[bold]" + _("Candidate imaginaries") + "[/bold] " + _("(a vision is not a plan)"))
        for line in a.imaginaries:
            blocks.append(f"  • {esc(line)}")
    blocks.append("\n[dim]" + _("audit: kb {kb} · profile {profile} · engine {engine} · v{version} · {at}").format(
        kb=esc(a.audit.knowledge_base), profile=esc(a.audit.profile), engine=esc(a.audit.engine),
        version=esc(a.audit.package_version), at=esc(_when(a.audit.assessed_at))) + "[/dim]")
    return blocks


def print_assessment(a: Assessment, kb: KnowledgeBase, show_all: bool = False) -> None:
    """Print an assessment: as plain text where rich would print plain text anyway (a pipe or
    a file), with rich on a terminal and wherever the text needs rich (console_text)."""
    blocks = assessment_blocks(a, kb, show_all)
    width = plain_width(sys.stdout)
    if width is not None:
        try:
            text = plain_text(blocks, width)
        except NeedsRich:
            pass
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
            return
    print_blocks(blocks)


def plain_text(blocks: Sequence[Block], width: int) -> str:
    """The blocks as rich prints them to a non-terminal `width` columns wide (NeedsRich if it cannot tell)."""
    out = PlainPrinter(width)
    for block in blocks:
        if isinstance(block, str):
            out.print(block)
        else:
            out.tree(*block)
    return out.text()


def print_blocks(blocks: Sequence[Block], **console_options: Any) -> None:
    """The blocks printed through rich (diagnostics.render.console)."""
    from rich.tree import Tree

    from .render import console

    out = console(**console_options)
    for block in blocks:
        if isinstance(block, str):
            out.print(block)
        else:
            label, branches = block
            tree = Tree(label)
            for branch in branches:
                tree.add(branch)
            out.print(tree)


def _when(stamp: Any) -> str:
    """An audit timestamp in the language's format (as given when it is not a datetime)."""
    from datetime import datetime

    if isinstance(stamp, str):
        try:
            stamp = datetime.fromisoformat(stamp)
        except ValueError:
            return stamp
    return format_datetime(stamp) if isinstance(stamp, datetime) else str(stamp)
