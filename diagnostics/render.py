"""Terminal output for the CLI (rich). Root causes first, manifestations beneath (R-5)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from .assessment import Assessment, FindingResult
from .evaluator import Status
from .kb import KnowledgeBase
from .knowledge import Condition, Family, Indicator, Rule, children

STATUS_STYLE = {
    Status.FIRED: ("FIRED", "bold red"),
    Status.NOT_ASSESSABLE: ("not assessable", "yellow"),
    Status.NOT_APPLICABLE: ("not applicable", "dim"),
    Status.NOT_FIRED: ("not fired", "green"),
}


def console() -> Console:
    return Console(highlight=False, soft_wrap=False)


def _status(f: FindingResult) -> str:
    label, style = STATUS_STYLE[f.status]
    conf = f" · confidence {f.confidence}" if f.confidence else ""
    return f"[{style}]{label}[/{style}]{conf}"


ROLE_HEADINGS = {
    "root_cause": "Root causes",
    "diagnosis": "Diagnoses",
    "function_rollup": "Government functions",
    "outcome": "Outcome",
    None: "Other top-level findings",
}


def premises(f: FindingResult, by_id: dict[str, FindingResult]) -> list[FindingResult]:
    """The findings a finding rests on directly, without context gates or background nodes."""
    found = [by_id[s.rule] for s in f.trace if s.kind == "finding" and s.rule in by_id]
    shown = [c for c in found if not c.background]
    # Context gates add little under a diagnosis, unless they are all it rests on (e.g. WTO-plus).
    substantive = [c for c in shown if c.layer != "context"] or shown
    return list({c.rule: c for c in substantive}.values())


def print_assessment(a: Assessment, kb: KnowledgeBase, show_all: bool = False) -> None:
    """Roots first, each top-level finding with what it rests on one level down (R-5)."""
    out = console()
    tier = f" · tier {a.tier}" if a.tier else ""
    out.print(f"[bold]{a.name}[/bold] ({a.country}) · family {a.family or '—'}{tier} · as of {a.as_of or '—'}")
    c = a.coverage
    out.print(f"Answers: {c.answered} known, {c.unknown} unknown, {c.unanswered} not asked "
              f"(of {c.indicators} indicators)")
    by_id = {f.rule: f for f in a.findings}
    heading = object()
    for dx in a.diagnoses():
        if dx.status is Status.NOT_FIRED and not show_all:
            continue
        if dx.role != heading:
            heading = dx.role
            out.print(f"\n[bold underline]{ROLE_HEADINGS[dx.role]}[/bold underline]")
        tree = Tree(f"[bold]{dx.title}[/bold] [dim]{dx.rule}[/dim] — {_status(dx)}")
        if dx.status is Status.FIRED:
            for p in premises(dx, by_id):
                tree.add(f"{p.title} [dim]{p.rule} · {p.layer} · {p.confidence}[/dim]")
            for step in dx.trace:
                if step.kind == "answer" and "mismatch evidence" not in step.condition:
                    tree.add(f"[cyan]{step.condition}[/cyan] [dim]← {step.value} ({step.source or 'no source'})[/dim]")
            tree.add(f"[dim]cites: {'; '.join(dx.citations)}[/dim]")
        elif dx.status is Status.NOT_ASSESSABLE:
            missing = a.coverage.per_diagnosis.get(dx.rule, dx.missing)
            more = f" and {len(missing) - 6} more" if len(missing) > 6 else ""
            tree.add(f"[yellow]would be decided by:[/yellow] {', '.join(missing[:6])}{more}")
        elif dx.status is Status.NOT_APPLICABLE:
            tree.add(f"[dim]{dx.gate_reason}[/dim]")
        else:
            for w in dx.why_not[:3]:
                tree.add(f"[green]why not:[/green] {w}")
        out.print(tree)
    fired_dx = [d for d in a.diagnoses() if d.status is Status.FIRED]
    fired = [f for f in a.findings if f.status is Status.FIRED and f.layer != "diagnosis"]
    out.print(f"\n{len(fired_dx)} of {len(a.diagnoses())} top-level diagnoses fired, resting on {len(fired)} "
              "findings. `diagnose explain PROFILE RULE` shows how any of them fired, or why not.")
    if a.imaginaries:
        out.print("\n[bold]Candidate imaginaries[/bold] (a vision is not a plan)")
        for line in a.imaginaries:
            out.print(f"  • {line}")
    out.print(f"\n[dim]audit: kb {a.audit.knowledge_base} · profile {a.audit.profile} · "
              f"engine {a.audit.engine} · v{a.audit.package_version} · {a.audit.assessed_at}[/dim]")


def print_explanation(a: Assessment, kb: KnowledgeBase, rule_id: str) -> None:
    out = console()
    f = a.finding(rule_id)
    rule = kb.rules[rule_id]
    out.print(f"[bold]{rule.title}[/bold] [dim]{rule.id} · {rule.layer.value} · {rule.function.value}[/dim]")
    out.print(f"Status on {a.name}: {_status(f)}\n")
    if f.status is Status.FIRED:
        out.print("[bold]How it fired[/bold]")
        for s in f.trace:
            if s.kind == "finding":
                sub = a.finding(s.rule or "")
                out.print(f"  • {s.condition} — {sub.title} ({sub.confidence or '-'} confidence)")
            else:
                ev = f", {s.evidence}" if s.evidence else ""
                year = f", {s.as_of}" if s.as_of else ""
                out.print(f"  • {s.condition}: answer {s.value} [dim]({s.source or 'no source'}{ev}{year})[/dim]")
        out.print(f"\n[bold]Confidence {f.confidence}[/bold]")
        for r in f.confidence_reasons:
            out.print(f"  • {r}")
    elif f.status is Status.NOT_APPLICABLE:
        out.print(f"[bold]Why not[/bold]: the context gate does not hold — {f.gate_reason}")
        for w in f.why_not:
            out.print(f"  • {w}")
    elif f.status is Status.NOT_FIRED:
        out.print("[bold]Why not[/bold]")
        for w in f.why_not:
            out.print(f"  • {w}")
    else:
        if f.missing_evidence:
            out.print(f"[bold]Not assessable[/bold]: no {' and no '.join(f.missing_evidence)} evidence "
                      "answered (design rule R-2: a mismatch needs both sides)")
        out.print("[bold]Would be decided by[/bold]: " + (", ".join(f.missing) or "—"))
        if f.waiting_on:
            out.print("[bold]Waiting on[/bold]: " + ", ".join(f.waiting_on))
    out.print(f"\n[bold]Mechanism[/bold]\n{rule.mechanism}")
    out.print(f"\n[bold]Kazakhstan story[/bold]\n{rule.story}")
    _print_guidance(out, rule, kb)


def _print_guidance(out: Console, rule: Rule, kb: KnowledgeBase) -> None:
    """Directions, questions for stakeholders and citations: the close of every explanation."""
    if rule.directions:
        out.print("\n[bold]Policy directions[/bold] (directions, not instruments)")
        for d in rule.directions:
            direction = kb.directions.get(d)
            out.print(f"  • {direction.title if direction else d} [dim]{d}[/dim]")
    if rule.questions:
        out.print("\n[bold]Questions for local stakeholders[/bold]")
        for q in rule.questions:
            out.print(f"  • {q}")
    out.print("\n[dim]Cites: " + "; ".join(rule.citations) + "[/dim]")


def describe_condition(cond: Any, indent: int = 0) -> list[str]:
    pad = "  " * indent
    kids = children(cond)
    if not kids:
        return [pad + cond.describe()]
    key = next(k for k in ("all", "any", "not", "at_least") if hasattr(cond, k if k != "not" else "not_"))
    head = {"all": "all of:", "any": "any of:", "not": "not:"}.get(key, "")
    if key == "at_least":
        head = f"at least {cond.at_least.k} of:"
    lines = [pad + head]
    for k in kids:
        lines += describe_condition(k, indent + 1)
    return lines


def print_rule(rule: Rule, kb: KnowledgeBase) -> None:
    out = console()
    out.print(f"[bold]{rule.title}[/bold]")
    out.print(f"[dim]{rule.id} · layer {rule.layer.value} · theme {rule.theme} · function "
              f"{rule.function.value} · severity {rule.severity.value} · evidence {rule.evidence_grade}"
              f"{' · provided by ' + rule.provided_by if rule.provided_by else ''}[/dim]\n")
    if rule.gate is not None:
        out.print("[bold]Applies only when[/bold]")
        out.print("\n".join(describe_condition(rule.gate, 1)))
    out.print("[bold]Fires when[/bold]")
    out.print("\n".join(describe_condition(rule.when, 1)))
    if rule.evidence:
        out.print("[bold]Needs evidence from both sides[/bold] (R-2)")
        out.print(f"  formal: {', '.join(rule.evidence.formal)}")
        out.print(f"  informal: {', '.join(rule.evidence.informal)}")
    if rule.supporting:
        out.print("[bold]Supporting (never fires the rule alone)[/bold]")
        for c in rule.supporting:
            out.print(f"  {c.describe()}")
    out.print(f"\n[bold]Mechanism[/bold]\n{rule.mechanism}\n\n[bold]Kazakhstan story[/bold]\n{rule.story}")
    if rule.counter_examples:
        out.print("\n[bold]Counter-examples[/bold]")
        for example in rule.counter_examples:
            out.print(f"  • {example}")
    roots = kb.rolls_up_to.get(rule.id, [])
    if roots:
        out.print(f"\n[bold]Rolls up to[/bold]: {', '.join(roots)}")
    _print_guidance(out, rule, kb)


def print_rule_list(rules: Sequence[Rule]) -> None:
    table = Table(title=f"{len(rules)} rules", show_lines=False)
    table.add_column("id", no_wrap=True)
    table.add_column("title", overflow="fold")
    for col in ("layer", "function", "severity"):
        table.add_column(col, no_wrap=True)
    for r in rules:
        table.add_row(r.id, r.title, r.layer.value, r.function.value, r.severity.value)
    console().print(table)


def print_indicators(items: Sequence[Indicator], kb: KnowledgeBase) -> None:
    table = Table(title=f"{len(items)} indicators")
    for col in ("id", "type", "kind", "question", "feeds"):
        table.add_column(col, overflow="fold")
    for i in items:
        t = i.type.value + (f" ({i.unit})" if i.unit else "")
        table.add_row(i.id, t, i.evidence_kind.value, i.question, str(len(kb.feeds.get(i.id, []))))
    console().print(table)


def print_plugins(reports: Sequence[Any]) -> None:
    table = Table(title="plugins")
    for col in ("name", "version", "source", "status", "hooks", "records"):
        table.add_column(col, overflow="fold")
    for r in reports:
        recs = ", ".join(f"{k} {v}" for k, v in r.records.items())
        table.add_row(r.name, r.version or "—", r.source, r.status, str(len(r.hooks)), recs)
    out = console()
    out.print(table)
    for r in reports:
        if r.error:
            out.print(f"[red]{r.name}[/red]: {r.error}")


def print_families(fams: Sequence[Family]) -> None:
    table = Table(title="country families")
    for col in ("id", "name", "tier", "countries", "provided by"):
        table.add_column(col, overflow="fold")
    for f in fams:
        table.add_row(f.id, f.name, f.tier.value, ", ".join(f.countries), f.provided_by)
    console().print(table)


def print_countries(rows: Sequence[dict[str, Any]]) -> None:
    table = Table(title="country profiles")
    for col in ("country", "name", "family", "tier"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["country"], r["name"], r["family"], r["tier"] or "—")
    console().print(table)


__all__ = ["Condition", "describe_condition"]
