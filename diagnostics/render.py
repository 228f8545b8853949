"""Terminal output for the CLI (rich). Root causes first, manifestations beneath (R-5)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.errors import MarkupError
from rich.padding import Padding
from rich.text import Text

from .assessment import Assessment
from .assessment_text import _status, answer_text, word
from .condition_tree import Condition, children
from .console_text import esc
from .evaluator import Status
from .explanation import grade_word
from .i18n import N_, _, country_name, pgettext, unit_text
from .kb import KnowledgeBase
from .knowledge import Family, Indicator, Rule
from .provenance import default_plugin_title, plugin_title
from .safeio import strip_controls


class SafeConsole(Console):
    """A console that never lets data drive the terminal.

    Every string it renders loses its control characters (an escape sequence in a profile
    would otherwise clear the screen or retitle the window), and text whose brackets are
    not valid markup is shown as typed instead of raising. Data is also escaped where it
    is put into markup (:func:`esc`), so a '[bold]' in a profile stays text.
    """

    def render_str(self, text: str, **kwargs: Any) -> Text:
        clean = strip_controls(text)
        try:
            return super().render_str(clean, **kwargs)
        except MarkupError:
            return super().render_str(clean, **{**kwargs, "markup": False})


def console(**kwargs: Any) -> Console:
    return SafeConsole(highlight=False, soft_wrap=False, **kwargs)


_MARKED_CONDITIONS = (
    (" is answered (mismatch evidence)", N_("{id} is answered (mismatch evidence)")),
    (" is answered", N_("{id} is answered")),
    (" fired", N_("{id} fired")),
)


def condition_text(condition: str) -> str:
    """A trace condition in the current language: the fixed phrases the engine records ('x fired',
    'x is answered') are translated; comparisons ('x >= 5') are shown as written."""
    for suffix, message in _MARKED_CONDITIONS:
        head = condition.removesuffix(suffix)
        if head != condition and " " not in head:
            return _(message).format(id=head)
    return condition


def print_explanation(a: Assessment, kb: KnowledgeBase, rule_id: str) -> None:
    out = console()
    f = a.finding(rule_id)
    rule = kb.rules[rule_id]
    out.print(f"[bold]{rule.title}[/bold] [dim]{rule.id} · {_(rule.layer.value)} · {_(rule.function.value)}[/dim]")
    out.print(_("Status on {country}: {status}").format(country=esc(country_name(a.country, a.name)),
                                                      status=_status(f)) + "\n")
    if f.status is Status.FIRED:
        out.print("[bold]" + _("How it fired") + "[/bold]")
        for s in f.trace:
            if s.kind == "finding":
                sub = a.finding(s.rule or "")
                out.print(f"  • {condition_text(s.condition)} — {sub.title} (" + _("confidence {level}").format(
                    level=word(sub.confidence)) + ")")
            else:
                ev = f", {grade_word(s.evidence)}" if s.evidence else ""
                year = f", {s.as_of}" if s.as_of else ""
                source = s.source or _("no source")
                answer = _("answer {value}").format(
                    value=esc(answer_text(s.value, kb.indicators.get(s.indicator or ""))))
                out.print(f"  • {esc(condition_text(s.condition))}: " + answer
                          + f" [dim]({esc(source)}{esc(ev)}{esc(year)})[/dim]")
        out.print("\n[bold]" + _("Confidence {level}").format(level=word(f.confidence)) + "[/bold]")
        for r in f.confidence_reasons:
            out.print(f"  • {r}")
    elif f.status is Status.NOT_APPLICABLE:
        out.print("[bold]" + _("Why not") + "[/bold]: " + _("the context gate does not hold — {reason}").format(
            reason=rule.gate_reason or f.gate_reason))
        for w in f.why_not:
            out.print(f"  • {w}")
    elif f.status is Status.NOT_FIRED:
        out.print("[bold]" + _("Why not") + "[/bold]")
        for w in f.why_not:
            out.print(f"  • {w}")
    else:
        if f.missing_evidence:
            out.print("[bold]" + _("Not assessable") + "[/bold]: " + _(
                "no {kinds} evidence answered (design rule R-2: a mismatch needs both sides)").format(
                kinds=_(" and no ").join(_(k) for k in f.missing_evidence)))
        out.print("[bold]" + _("Would be decided by") + "[/bold]: " + (", ".join(f.missing) or "—"))
        for ind in f.missing:  # where the analyst finds each missing answer
            spec = kb.indicators.get(ind)
            if spec is not None and spec.sources:
                out.print(f"  • {ind} — " + _("Where to look: ") + esc("; ".join(spec.sources)))
        if f.waiting_on:
            out.print("[bold]" + _("Waiting on") + "[/bold]: " + ", ".join(f.waiting_on))
    out.print("\n[bold]" + _("Mechanism") + f"[/bold]\n{rule.mechanism}")
    out.print("\n[bold]" + _("Kazakhstan story") + f"[/bold]\n{rule.story}")
    _print_guidance(out, rule, kb)


def _print_guidance(out: Console, rule: Rule, kb: KnowledgeBase) -> None:
    """Directions, questions for stakeholders and citations: the close of every explanation."""
    if rule.directions:
        out.print("\n[bold]" + _("Policy directions") + "[/bold] " + _("(directions, not instruments)"))
        for d in rule.directions:
            direction = kb.directions.get(d)
            out.print(f"  • {direction.title if direction else d} [dim]{d}[/dim]")
    if rule.questions:
        out.print("\n[bold]" + _("Questions for local stakeholders") + "[/bold]")
        for q in rule.questions:
            out.print(f"  • {q}")
    out.print("\n[dim]" + _("Cites: {citations}").format(citations="; ".join(rule.citations)) + "[/dim]")


def describe_condition(cond: Any, indent: int = 0) -> list[str]:
    pad = "  " * indent
    kids = children(cond)
    if not kids:
        return [pad + condition_text(cond.describe())]
    key = next(k for k in ("all", "any", "not", "at_least") if hasattr(cond, k if k != "not" else "not_"))
    head = {"all": _("all of:"), "any": _("any of:"), "not": _("not:")}.get(key, "")
    if key == "at_least":
        head = _("at least {k} of:").format(k=cond.at_least.k)
    lines = [pad + head]
    for k in kids:
        lines += describe_condition(k, indent + 1)
    return lines


def print_rule(rule: Rule, kb: KnowledgeBase) -> None:
    out = console()
    out.print(f"[bold]{rule.title}[/bold]")
    provided = " · " + _("provided by {plugin}").format(plugin=rule.provided_by) if rule.provided_by else ""
    out.print("[dim]" + _("{id} · layer {layer} · theme {theme} · function {function} · severity {severity} · "
                          "evidence {grade}").format(
        id=rule.id, layer=_(rule.layer.value), theme=rule.theme, function=_(rule.function.value),
        severity=_(rule.severity.value), grade=rule.evidence_grade) + provided + "[/dim]\n")
    if rule.gate is not None:
        out.print("[bold]" + _("Applies only when") + "[/bold]")
        out.print("\n".join(describe_condition(rule.gate, 1)))
    out.print("[bold]" + _("Fires when") + "[/bold]")
    out.print("\n".join(describe_condition(rule.when, 1)))
    if rule.evidence:
        out.print("[bold]" + _("Needs evidence from both sides") + "[/bold] (R-2)")
        out.print("  " + _("formal: {ids}").format(ids=", ".join(rule.evidence.formal)))
        out.print("  " + _("informal: {ids}").format(ids=", ".join(rule.evidence.informal)))
    if rule.supporting:
        out.print("[bold]" + _("Supporting (never fires the rule alone)") + "[/bold]")
        for c in rule.supporting:
            out.print(f"  {c.describe()}")
    out.print("\n[bold]" + _("Mechanism") + f"[/bold]\n{rule.mechanism}\n\n[bold]" + _("Kazakhstan story")
              + f"[/bold]\n{rule.story}")
    if rule.counter_examples:
        out.print("\n[bold]" + _("Counter-examples") + "[/bold]")
        for example in rule.counter_examples:
            out.print(f"  • {example}")
    roots = kb.rolls_up_to.get(rule.id, [])
    if roots:
        out.print("\n[bold]" + _("Rolls up to") + f"[/bold]: {', '.join(roots)}")
    _print_guidance(out, rule, kb)


# Below these widths a table would squeeze its text column to nothing or break ids mid-word,
# so the lists switch to one record per paragraph: the id and its facts on one line, the
# title or question wrapped beneath.
RULES_TABLE_MIN = 110
INDICATORS_TABLE_MIN = 120


def _vertical(out: Console, heading: str, records: Sequence[tuple[str, str, str]]) -> None:
    out.print(Text(heading, style="bold"))
    for ident, facts, text in records:
        out.print(Text.assemble((ident, "bold"), ("  " + facts, "dim")), overflow="fold")
        out.print(Padding(Text(text), (0, 0, 0, 2)))


def print_rule_list(rules: Sequence[Rule]) -> None:
    out = console()
    heading = _("{n} rules").format(n=len(rules))
    if out.width < RULES_TABLE_MIN:
        _vertical(out, heading, [(r.id, " · ".join((_(r.layer.value), _(r.function.value), _(r.severity.value))),
                                  r.title) for r in rules])
        return
    from rich.table import Table  # only the listing commands draw tables

    table = Table(title=heading, show_lines=False)
    table.add_column("id", no_wrap=True)
    table.add_column(_("title"), overflow="fold", min_width=30)
    for col in (N_("layer"), N_("function"), N_("severity")):
        table.add_column(_(col), no_wrap=True)
    for r in rules:
        table.add_row(r.id, r.title, _(r.layer.value), _(r.function.value), _(r.severity.value))
    out.print(table)


def evidence_kind_word(kind: str) -> str:
    """An indicator's kind of evidence in the current language (the value itself stays an id)."""
    words = {"formal": pgettext("evidence kind", "formal"), "informal": pgettext("evidence kind", "informal"),
             "context": pgettext("evidence kind", "context"), "outcome": pgettext("evidence kind", "outcome"),
             "measure": pgettext("evidence kind", "measure")}
    return words.get(kind, kind)


def type_word(kind: str) -> str:
    """An indicator's type (the kind of answer it takes) in the current language."""
    words = {"bool": pgettext("indicator type", "bool"), "scale": pgettext("indicator type", "scale"),
             "share": pgettext("indicator type", "share"), "number": pgettext("indicator type", "number"),
             "rank_frac": pgettext("indicator type", "rank_frac"), "enum": pgettext("indicator type", "enum"),
             "set": pgettext("indicator type", "set"), "year": pgettext("indicator type", "year"),
             "text": pgettext("indicator type", "text")}
    return words.get(kind, kind)


def print_indicators(items: Sequence[Indicator], kb: KnowledgeBase) -> None:
    out = console()
    heading = _("{n} indicators").format(n=len(items))

    def kind(i: Indicator) -> str:
        return type_word(i.type.value) + (f" ({unit_text(i.unit)})" if i.unit else "")

    if out.width < INDICATORS_TABLE_MIN:
        _vertical(out, heading, [(i.id, f"{kind(i)} · {evidence_kind_word(i.evidence_kind.value)} · "
                                  + _("feeds {n}").format(n=len(kb.feeds.get(i.id, []))), i.question)
                                 for i in items])
        return
    from rich.table import Table

    table = Table(title=heading)
    table.add_column("id", no_wrap=True)
    for col in (N_("type"), N_("kind")):
        table.add_column(_(col), overflow="fold")
    table.add_column(_("question"), overflow="fold", min_width=40)
    table.add_column(_("feeds"), no_wrap=True)
    for i in items:
        table.add_row(i.id, kind(i), evidence_kind_word(i.evidence_kind.value), i.question,
                      str(len(kb.feeds.get(i.id, []))))
    out.print(table)


# A plugin's source and status as `diagnose plugins` shows them (the JSON keeps the ids).
_PLUGIN_WORDS: dict[str, Callable[[], str]] = {
    "builtin": lambda: pgettext("plugin source", "builtin"),
    "entry point": lambda: pgettext("plugin source", "entry point"),
    "direct": lambda: pgettext("plugin source", "direct"),
    "ok": lambda: pgettext("plugin status", "ok"),
    "failed": lambda: pgettext("plugin status", "failed"),
    "disabled": lambda: pgettext("plugin status", "disabled"),
}


def print_plugins(reports: Sequence[Any]) -> None:
    from rich.table import Table

    from .checks import record_counts

    table = Table(title=_("plugins"))
    for col in (N_("name"), N_("version"), N_("source"), N_("status"), N_("hooks"), N_("records")):
        table.add_column(_(col), overflow="fold")
    for r in reports:
        title = plugin_title(r.name)  # the plugin's own name for readers, when it translates it
        name = r.name if title == default_plugin_title(r.name) else f"{r.name}\n[dim]{esc(title)}[/dim]"
        source, status = _PLUGIN_WORDS.get(r.source), _PLUGIN_WORDS.get(r.status)
        table.add_row(name, r.version or "—", source() if source else r.source, status() if status else r.status,
                      str(len(r.hooks)), esc(record_counts(r.records)))
    out = console()
    out.print(table)
    for r in reports:
        if r.error:
            out.print(f"[red]{r.name}[/red]: {r.error}")


def print_families(fams: Sequence[Family]) -> None:
    from rich.table import Table

    table = Table(title=_("country families"))
    for col in ("id", N_("name"), N_("tier"), N_("countries"), N_("provided by")):
        table.add_column(_(col), overflow="fold")
    for f in fams:
        table.add_row(f.id, f.name, f.tier.value, ", ".join(f.countries), f.provided_by)
    console().print(table)


def print_countries(rows: Sequence[dict[str, Any]], family_names: Mapping[str, str] | None = None) -> None:
    """Country profiles: names in the current language, each family by its (translated) name."""
    from rich.table import Table

    names = family_names or {}
    table = Table(title=_("country profiles"))
    for col in (N_("country"), N_("name"), N_("family"), N_("tier")):
        table.add_column(_(col))
    for r in rows:
        family = names.get(r["family"], r["family"]) if r["family"] else "—"
        table.add_row(r["country"], esc(country_name(r["country"], r["name"])), esc(family), r["tier"] or "—")
    console().print(table)


__all__ = ["Condition", "describe_condition"]
