"""Markdown for the TUI's reading panes: a finding's explanation, "why is this asked?",
the help page and a stand-in brief. Plain functions over core objects (no textual), so the
text can be tested without running the app.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from rich.text import Text

from diagnostics.answers import format_value
from diagnostics.assessment import Assessment, FindingResult
from diagnostics.evaluator import Status
from diagnostics.i18n import N_, _, country_name, decimal_comma, format_number, pgettext, unit_text, value_label
from diagnostics.kb import KnowledgeBase
from diagnostics.knowledge import UNIVERSAL_CAVEATS
from diagnostics.profile import Answer, Profile
from diagnostics.provenance import source_label

# English tables (N_): translate with `_()` where they are shown, so ctrl+l takes effect.
STATUS_LABEL = {
    Status.FIRED: N_("fired"),
    Status.NOT_FIRED: N_("not fired"),
    Status.NOT_ASSESSABLE: N_("not assessable"),
    Status.NOT_APPLICABLE: N_("not applicable"),
}
STATUS_GLYPH = {
    Status.FIRED: "●",
    Status.NOT_FIRED: "○",
    Status.NOT_ASSESSABLE: "?",
    Status.NOT_APPLICABLE: "–",
}
STATUS_STYLE = {  # rich styles: tree labels are rich Text
    Status.FIRED: "bold red",
    Status.NOT_FIRED: "green",
    Status.NOT_ASSESSABLE: "yellow",
    Status.NOT_APPLICABLE: "dim",
}

# Layers as an analyst reads them (the knowledge base's layer names are internal).
LAYER_LABEL = {
    "context": N_("context"),
    "policy": N_("policy choice"),
    "mechanism": N_("mechanism"),
    "manifestation": N_("visible symptom"),
    "diagnosis": N_("root cause"),
}

STATUS_SHORT = {Status.FIRED: N_("fired"), Status.NOT_FIRED: N_("not fired"), Status.NOT_ASSESSABLE: N_("open"),
                Status.NOT_APPLICABLE: N_("n/a")}

# Confidence and severity levels, and the state's functions, as words.
LEVEL_LABEL = {"high": N_("high"), "medium": N_("medium"), "low": N_("low")}
FUNCTION_LABEL = {"allocator": N_("allocator"), "regulator": N_("regulator"), "coordinator": N_("coordinator"),
                  "cross_cutting": N_("cross cutting"), "context": N_("context")}


def status_label(status: Status) -> str:
    """A status in words, in the current language."""
    return _(STATUS_LABEL[status])


def layer_label(layer: str) -> str:
    return _(LAYER_LABEL[layer]) if layer in LAYER_LABEL else layer


def level_label(level: str) -> str:
    return _(LEVEL_LABEL[level]) if level in LEVEL_LABEL else level


def short_status(status: Status, confidence: str | None = None) -> Text:
    """A compact status cell for tables: glyph, word and confidence."""
    short = {"high": pgettext("confidence, short", "high"), "medium": pgettext("confidence, short", "med"),
             "low": pgettext("confidence, short", "low")}
    conf = f" · {short[confidence]}" if confidence in short else ""
    return Text(f"{STATUS_GLYPH[status]} {_(STATUS_SHORT[status])}{conf}", style=STATUS_STYLE[status])


def status_rich(status: Status | None, confidence: str | None = None) -> Text:
    if status is None:
        return Text("—", style="dim")
    if confidence:
        text = _("{status} ({confidence} confidence)").format(status=status_label(status),
                                                             confidence=level_label(confidence))
    else:
        text = status_label(status)
    return Text(text, style=STATUS_STYLE[status])


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def md(text: Any) -> str:
    """Escape text from data files so Markdown shows it literally."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def status_text(f: FindingResult) -> str:
    if f.confidence:
        return _("{status}, {confidence} confidence").format(status=status_label(f.status),
                                                            confidence=level_label(f.confidence))
    return status_label(f.status)


def value_text(kb: KnowledgeBase, ind_id: str, value: Any) -> str:
    """An answer's value as words in the current language: choices by their labels, yes/no,
    numbers with the language's decimal sign."""
    spec = kb.indicators.get(ind_id)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str):  # choices are ids: show them as words
        return value_label(spec, value) if spec is not None else value.replace("_", " ")
    if isinstance(value, (list, tuple)):
        if not value:
            return _("(none)")
        return ", ".join(value_label(spec, str(v)) if spec is not None else str(v).replace("_", " ") for v in value)
    if isinstance(value, (int, float)) and decimal_comma():
        return format_number(value, digits=10)
    return format_value(value)


def answer_text(kb: KnowledgeBase, ind_id: str, a: Answer | None) -> str:
    if a is None:
        return _("not answered")
    if a.unknown:
        return _("unknown")
    spec = kb.indicators.get(ind_id)
    unit = f" {unit_text(spec.unit)}" if spec is not None and spec.unit else ""
    return value_text(kb, ind_id, a.value) + unit


def _evidence(a: Answer | None) -> str:
    if a is None:
        return ""
    bits = [b for b in (a.source, _(a.evidence.value.replace("_", " ")) if a.evidence else "",
                        _("as of {year}").format(year=a.as_of) if a.as_of else "") if b]
    return f" — {md('; '.join(bits))}" if bits else " — *" + _("no source recorded") + "*"



def answer_line(kb: KnowledgeBase, ind_id: str, a: Answer | None) -> str:
    """An answer with its evidence on one line (source; grade; year; note), for a diff."""
    head = answer_text(kb, ind_id, a)
    if a is None:
        return head
    bits = [b for b in (a.source, _(a.evidence.value.replace("_", " ")) if a.evidence else "",
                        str(a.as_of) if a.as_of else "", a.note) if b]
    return head + (f" ({'; '.join(bits)})" if bits else "")

# ---------------------------------------------------------------------------------------
def finding_markdown(kb: KnowledgeBase, assessment: Assessment, profile: Profile, rule_id: str) -> str:
    """Story, mechanism, how (trace), why not, confidence, directions, questions, citations."""
    f = assessment.finding(rule_id)
    rule = kb.rules[rule_id]
    by_id = {x.rule: x for x in assessment.findings}
    out = [f"# {md(f.title)}", ""]
    function = _(FUNCTION_LABEL[f.function]) if f.function in FUNCTION_LABEL else f.function.replace("_", " ")
    out.append(f"**{status_label(f.status).capitalize()}**"
               + (" · " + _("{confidence} confidence").format(confidence=level_label(f.confidence))
                  if f.confidence else "")
               + " · " + _("{severity} severity").format(severity=level_label(f.severity))
               + f" · {layer_label(f.layer)} · "
               + _("the state as {function}").format(function=function))
    if f.rolls_up_to:
        roots = ", ".join(md(by_id[r].title) if r in by_id else r for r in f.rolls_up_to)
        out.append("\n" + _("Rolls up to: {roots}").format(roots=roots))
    if f.plugin:  # a plugin's own finding: its story is the plugin's, not the thesis's
        out += ["", "*" + _("Source:") + " " + md(source_label(f.plugin)) + "*", "", "## " + _("Story"), "",
                md(rule.story)]
    elif profile.country == "KZ":
        out += ["", "## " + _("Story"), "", md(rule.story)]
    else:
        # The stories are Kazakhstan's, from the thesis; say so under any other country.
        name = country_name(profile.country, profile.name or profile.country)
        out += ["", "## " + _("The Kazakhstan reference"), "",
                "*" + _("How it happened in Kazakhstan, the thesis's case; the answers test whether it holds "
                        "for {country}.").format(country=md(name)) + "*", "", md(rule.story)]
    out += ["", "## " + _("Mechanism"), "", md(rule.mechanism), ""]

    if f.status is Status.FIRED:
        out += ["## " + _("How it was reached"), ""]
        out += _trace_lines(kb, profile, f, by_id, depth=0, seen=set())
        if f.supporting:
            out += ["", _("Supporting evidence that holds: ") + md("; ".join(f.supporting))]
        out += ["", "## " + _("Confidence"), ""]
        out += [f"- {md(r)}" for r in f.confidence_reasons] or ["- " + _("(no reasons recorded)")]
    elif f.status is Status.NOT_APPLICABLE:
        out += ["## " + _("Why it does not apply"), "", md(f.gate_reason), ""]
        out += [f"- {md(w)}" for w in f.why_not]
    elif f.status is Status.NOT_FIRED:
        out += ["## " + _("Why it did not fire"), ""]
        out += [f"- {md(w)}" for w in f.why_not] or ["- " + _("its condition does not hold")]
    else:
        out += ["## " + _("Why it cannot be decided yet"), ""]
        if f.missing_evidence:
            sides = _(" and ").join(_(side) for side in f.missing_evidence)
            out.append("- " + _("A formal–informal mismatch needs both kinds of evidence; no {sides} "
                                "indicator is answered yet.").format(sides=sides))
        undecided = assessment.coverage.per_diagnosis.get(f.rule) or f.missing
        if undecided:
            out.append("- " + _("These questions would decide it:"))
            for ind in undecided[:12]:
                spec = kb.indicators.get(ind)
                q = md(spec.question) if spec else ind
                out.append(f"    - {q}")
            if len(undecided) > 12:
                out.append("    - " + _("… and {n} more").format(n=len(undecided) - 12))
        for r in f.waiting_on:
            title = md(by_id[r].title) if r in by_id else r
            out.append("- " + _("It waits on *{title}*, itself undecided.").format(title=title))
    if rule.counter_examples:
        out += ["", "## " + _("Counter-examples"), ""] + [f"- {md(c)}" for c in rule.counter_examples]
    out += ["", "## " + _("Policy directions"), ""]
    if rule.directions:
        for d_id in rule.directions:
            d = kb.directions.get(d_id)
            if d is None:
                continue
            out += [f"### {md(d.title)}", "", md(d.text), ""]
            for c in d.caveats:
                out.append("- *" + _("Caveat:") + f"* {md(c)}")
        out += ["", "*" + _("Always:") + "* " + " ".join(md(_(c)) for c in UNIVERSAL_CAVEATS)]
    else:
        out.append(_("None: this finding explains others rather than calling for action."))
    if rule.questions:
        out += ["", "## " + _("Questions for local stakeholders"), ""] + [f"- {md(q)}" for q in rule.questions]
    heading = _("Source:") + " " + md(source_label(f.plugin)) if f.plugin else _("Citations")
    out += ["", "## " + heading, ""] + [f"- {md(c)}" for c in f.citations]
    return "\n".join(out) + "\n"


def _trace_lines(kb: KnowledgeBase, profile: Profile, f: FindingResult,
                 by_id: dict[str, FindingResult], depth: int, seen: set[str]) -> list[str]:
    pad = "    " * depth
    out: list[str] = []
    for step in f.trace:
        if step.kind == "answer" and step.indicator:
            spec = kb.indicators.get(step.indicator)
            a = profile.answers.get(step.indicator)
            q = md(spec.question) if spec else step.indicator
            needs = _needs(kb, step.indicator, step.condition)
            rule_needs = " " + _("(the rule needs {needs})").format(needs=md(needs)) if needs else ""
            out.append(f"{pad}- {q} **{md(answer_text(kb, step.indicator, a))}**{rule_needs}{_evidence(a)}")
        elif step.kind == "finding" and step.rule:
            child = by_id.get(step.rule)
            title = md(child.title) if child else step.rule
            out.append(f"{pad}- " + _("because **{title}** was found").format(title=title))
            if child is not None and step.rule not in seen and depth < 6:
                out += _trace_lines(kb, profile, child, by_id, depth + 1, seen | {step.rule})
    return out or [f"{pad}- " + _("(no premises recorded)")]


_OPS = (("not in", N_("none of")), ("in", N_("one of")), (">=", N_("at least")), ("<=", N_("at most")),
        ("!=", N_("anything but")), ("==", ""), (">", N_("more than")), ("<", N_("less than")))


def _literal(kb: KnowledgeBase, ind: str, token: str) -> str:
    """One value of a rule's test as a reader says it: yes/no, a choice's label, a number."""
    token = token.strip().strip("'\"")
    if token.lower() in ("true", "false"):
        return _("yes") if token.lower() == "true" else _("no")
    spec = kb.indicators.get(ind)
    if spec is not None and token in spec.values:
        return value_label(spec, token)
    try:
        number = float(token)
    except ValueError:
        return token.replace("_", " ")
    return format_number(number, digits=10) if decimal_comma() else token


def _needs(kb: KnowledgeBase, ind: str, condition: str) -> str:
    """The test a premise applies, in words ("at least 4", "one of: x, y"); "" when the answer
    shown already says it (an equality, or a mere "is answered")."""
    rest = condition.removeprefix(ind).strip()
    for op, words in _OPS:
        if rest.startswith(op + " "):
            value = rest[len(op):].strip().strip("[]{}()")
            value = ", ".join(_literal(kb, ind, v) for v in value.split(",")) if value else ""
            return f"{_(words)} {value}".strip() if words else ""
    return ""


_RANGE = re.compile(r"^(?P<lo>\S+) (?P<lop><=?) (?P<name>\S+) (?P<hop><=?) (?P<hi>\S+)$")


def region_text(kb: KnowledgeBase, ind: str, region: str) -> str:
    """A class of answers from the sensitivity analysis ("x >= 0.5", "x in {a, b}", "0.2 < x <= 0.5",
    "x adds a") in words; the symbolic form when it has another shape."""
    pieces = re.split(r",\s*(?=" + re.escape(ind) + r"\b)", region)
    words = [_region_piece(kb, ind, p.strip()) for p in pieces]
    return ", ".join(words)


def _region_piece(kb: KnowledgeBase, ind: str, piece: str) -> str:
    if piece in ("any answer", f"any {ind}"):
        return _("any answer")
    bounded = _RANGE.match(piece)
    if bounded and bounded["name"] == ind:
        low = (N_("more than") if bounded["lop"] == "<" else N_("at least"))
        high = (N_("less than") if bounded["hop"] == "<" else N_("at most"))
        return (f"{_(low)} {_literal(kb, ind, bounded['lo'])}" + _(" and ")
                + f"{_(high)} {_literal(kb, ind, bounded['hi'])}")
    rest = piece.removeprefix(ind).strip()
    if rest.startswith("= "):
        value = rest[2:].strip()
        if value.startswith(("{", "(")):
            inner = value.strip("{}()")
            return ", ".join(_literal(kb, ind, v) for v in inner.split(",")) if inner.strip() else _("(none)")
        return _literal(kb, ind, value)
    if rest.startswith(("adds ", "drops ")):
        parts = [p.strip() for p in rest.split(",")]
        return ", ".join(_("adds {value}").format(value=_literal(kb, ind, p[5:])) if p.startswith("adds ")
                         else _("drops {value}").format(value=_literal(kb, ind, p[6:])) if p.startswith("drops ")
                         else p for p in parts)
    needs = _needs(kb, ind, f"{ind} {rest}")
    return needs or rest


def why_asked_markdown(kb: KnowledgeBase, ind_id: str, assessment: Assessment | None) -> str:
    """Which rules read this indicator, and which root causes they feed."""
    spec = kb.indicators[ind_id]
    feeds = kb.feeds.get(ind_id, [])
    by_id = {x.rule: x for x in assessment.findings} if assessment else {}
    out = []
    if spec.display_only or not feeds:
        out.append(_("No rule reads this answer: it is context shown in explanations and briefs."))
        return "\n".join(out) + "\n"
    out.append(_("This answer is read by:"))
    roots: list[str] = []
    for rid in feeds:
        rule = kb.rules[rid]
        f = by_id.get(rid)
        state = f" — {status_text(f)}" if f else ""
        out.append(f"- **{md(rule.title)}** ({layer_label(rule.layer.value)}){state}")
        roots += [r for r in kb.rolls_up_to.get(rid, []) if r not in roots]
        if rule.is_diagnosis and rid not in roots:
            roots.append(rid)
    if roots:
        out += ["", _("It can change these root causes:")]
        for r in roots:
            f = by_id.get(r)
            state = f" — {status_text(f)}" if f else ""
            out.append(f"- {md(kb.rules[r].title)}{state}")
    if spec.sources:
        out += ["", _("Where to look: ") + md("; ".join(spec.sources))]
    return "\n".join(out) + "\n"


def help_markdown(sections: Sequence[tuple[str, Iterable[tuple[str, str, str]]]]) -> str:
    """The help page: one table of keys per screen, from the same registry as the footer.

    Section titles may be given in English (the N_ table): they are translated here."""
    out = ["# " + _("Keys"), "",
           _("Every action is also in the command palette (**Ctrl+P**). Letter keys work when the "
             "cursor is not in a text field; press **Esc** to leave a field first."), ""]
    header = "| " + " | ".join((_("Key"), _("Action"), _("What it does"))) + " |"
    for title, rows in sections:
        out += [f"## {_(title)}", "", header, "|---|---|---|"]
        out += [f"| {md(k)} | {md(a)} | {md(h)} |" for k, a, h in rows]
        out.append("")
    out += ["## " + _("Answers"), "",
            "- " + _("Discrete answers (switch, scale, choice, options) are recorded as you change them."),
            "- " + _("Numbers and text are recorded on **Enter** or when you leave the field; a value "
                     "that does not fit stays red and is never stored."),
            "- " + _("Every recorded change is saved at once; quitting or a crash loses at most the "
                     "field you were typing in."), ""]
    return "\n".join(out)


def fallback_brief(kb: KnowledgeBase, assessment: Assessment, profile: Profile) -> str:
    """A plain preview used until diagnostics.reports provides the real brief."""
    fired = [f for f in assessment.diagnoses() if f.status is Status.FIRED]
    name = country_name(assessment.country, assessment.name) if assessment.country else assessment.name
    cov = assessment.coverage
    out = ["# " + _("{country}: diagnostic summary").format(country=md(name)), "",
           _("Family {family} · tier {tier} · as of {date}").format(
               family=md(kb.families[assessment.family].name if assessment.family in kb.families
                         else assessment.family or "—"), tier=assessment.tier or "—", date=assessment.as_of or "—"), "",
           _("{answered} answers known, {unknown} unknown, {unanswered} not asked.").format(
               answered=cov.answered, unknown=cov.unknown, unanswered=cov.unanswered), "",
           "## " + _("Root causes found"), ""]
    if not fired:
        out.append(_("No root cause fired on the answers so far."))
    for f in fired:
        rule = kb.rules[f.rule]
        out += [f"### {md(f.title)}", "", f"*{status_text(f)}*", "", md(rule.mechanism), ""]
        dirs = [kb.directions[d] for d in rule.directions if d in kb.directions]
        if dirs:
            out += [_("Directions: ") + "; ".join(md(d.title) for d in dirs), ""]
        cites = _("Source:") + " " + source_label(f.plugin) + ": " if f.plugin else _("Cites: ")
        out += [md(cites + "; ".join(f.citations)), ""]
    open_dx = [f for f in assessment.diagnoses() if f.status is Status.NOT_ASSESSABLE]
    if open_dx:
        out += ["## " + _("Not yet assessable"), ""] + [f"- {md(f.title)}" for f in open_dx] + [""]
    if assessment.imaginaries:
        out += ["## " + _("Candidate imaginaries"), ""] + [f"- {md(i)}" for i in assessment.imaginaries] + [""]
    out += ["---", "", "*" + _("Preview: the full brief appears here once the report templates are installed.") + "*"]
    return "\n".join(out) + "\n"
