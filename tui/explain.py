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
from diagnostics.kb import KnowledgeBase
from diagnostics.knowledge import UNIVERSAL_CAVEATS
from diagnostics.profile import Answer, Profile

STATUS_LABEL = {
    Status.FIRED: "fired",
    Status.NOT_FIRED: "not fired",
    Status.NOT_ASSESSABLE: "not assessable",
    Status.NOT_APPLICABLE: "not applicable",
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
    "context": "context",
    "policy": "policy choice",
    "mechanism": "mechanism",
    "manifestation": "visible symptom",
    "diagnosis": "root cause",
}

STATUS_SHORT = {Status.FIRED: "fired", Status.NOT_FIRED: "not fired", Status.NOT_ASSESSABLE: "open",
                Status.NOT_APPLICABLE: "n/a"}


def short_status(status: Status, confidence: str | None = None) -> Text:
    """A compact status cell for tables: glyph, word and confidence."""
    conf = {"high": " · high", "medium": " · med", "low": " · low"}.get(confidence or "", "")
    return Text(f"{STATUS_GLYPH[status]} {STATUS_SHORT[status]}{conf}", style=STATUS_STYLE[status])


def status_rich(status: Status | None, confidence: str | None = None) -> Text:
    if status is None:
        return Text("—", style="dim")
    conf = f" ({confidence} confidence)" if confidence else ""
    return Text(STATUS_LABEL[status] + conf, style=STATUS_STYLE[status])


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def md(text: Any) -> str:
    """Escape text from data files so Markdown shows it literally."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def status_text(f: FindingResult) -> str:
    conf = f", {f.confidence} confidence" if f.confidence else ""
    return STATUS_LABEL[f.status] + conf


def answer_text(kb: KnowledgeBase, ind_id: str, a: Answer | None) -> str:
    if a is None:
        return "not answered"
    if a.unknown:
        return "unknown"
    spec = kb.indicators.get(ind_id)
    unit = f" {spec.unit}" if spec is not None and spec.unit else ""
    text = format_value(a.value)
    if isinstance(a.value, (str, tuple)):  # choices are ids: show them as words
        text = text.replace("_", " ")
    return text + unit


def _evidence(a: Answer | None) -> str:
    if a is None:
        return ""
    bits = [b for b in (a.source, a.evidence.value.replace("_", " ") if a.evidence else "",
                        f"as of {a.as_of}" if a.as_of else "") if b]
    return f" — {md('; '.join(bits))}" if bits else " — *no source recorded*"


# ---------------------------------------------------------------------------------------
def finding_markdown(kb: KnowledgeBase, assessment: Assessment, profile: Profile, rule_id: str) -> str:
    """Story, mechanism, how (trace), why not, confidence, directions, questions, citations."""
    f = assessment.finding(rule_id)
    rule = kb.rules[rule_id]
    by_id = {x.rule: x for x in assessment.findings}
    out = [f"# {md(f.title)}", ""]
    out.append(f"**{STATUS_LABEL[f.status].capitalize()}**"
               + (f" · {f.confidence} confidence" if f.confidence else "")
               + f" · {f.severity} severity · {LAYER_LABEL.get(f.layer, f.layer)} · "
               + f"the state as {f.function.replace('_', ' ')}")
    if f.rolls_up_to:
        roots = ", ".join(md(by_id[r].title) if r in by_id else r for r in f.rolls_up_to)
        out.append(f"\nRolls up to: {roots}")
    if profile.country == "KZ":
        out += ["", "## Story", "", md(rule.story)]
    else:
        # The stories are Kazakhstan's, from the thesis; say so under any other country.
        out += ["", "## The Kazakhstan reference", "",
                f"*How it happened in Kazakhstan, the thesis's case; the answers test whether it holds "
                f"for {md(profile.name or profile.country)}.*", "", md(rule.story)]
    out += ["", "## Mechanism", "", md(rule.mechanism), ""]

    if f.status is Status.FIRED:
        out += ["## How it was reached", ""]
        out += _trace_lines(kb, profile, f, by_id, depth=0, seen=set())
        if f.supporting:
            out += ["", "Supporting evidence that holds: " + md("; ".join(f.supporting))]
        out += ["", "## Confidence", ""]
        out += [f"- {md(r)}" for r in f.confidence_reasons] or ["- (no reasons recorded)"]
    elif f.status is Status.NOT_APPLICABLE:
        out += ["## Why it does not apply", "", md(f.gate_reason), ""]
        out += [f"- {md(w)}" for w in f.why_not]
    elif f.status is Status.NOT_FIRED:
        out += ["## Why it did not fire", ""]
        out += [f"- {md(w)}" for w in f.why_not] or ["- its condition does not hold"]
    else:
        out += ["## Why it cannot be decided yet", ""]
        if f.missing_evidence:
            sides = " and ".join(f.missing_evidence)
            out.append(f"- A formal–informal mismatch needs both kinds of evidence; no {sides} "
                       "indicator is answered yet.")
        undecided = assessment.coverage.per_diagnosis.get(f.rule) or f.missing
        if undecided:
            out.append("- These questions would decide it:")
            for ind in undecided[:12]:
                spec = kb.indicators.get(ind)
                q = md(spec.question) if spec else ind
                out.append(f"    - {q}")
            if len(undecided) > 12:
                out.append(f"    - … and {len(undecided) - 12} more")
        for r in f.waiting_on:
            title = md(by_id[r].title) if r in by_id else r
            out.append(f"- It waits on *{title}*, itself undecided.")
    if rule.counter_examples:
        out += ["", "## Counter-examples", ""] + [f"- {md(c)}" for c in rule.counter_examples]
    out += ["", "## Policy directions", ""]
    if rule.directions:
        for d_id in rule.directions:
            d = kb.directions.get(d_id)
            if d is None:
                continue
            out += [f"### {md(d.title)}", "", md(d.text), ""]
            for c in d.caveats:
                out.append(f"- *Caveat:* {md(c)}")
        out += ["", "*Always:* " + " ".join(md(c) for c in UNIVERSAL_CAVEATS)]
    else:
        out.append("None: this finding explains others rather than calling for action.")
    if rule.questions:
        out += ["", "## Questions for local stakeholders", ""] + [f"- {md(q)}" for q in rule.questions]
    out += ["", "## Citations", ""] + [f"- {md(c)}" for c in f.citations]
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
            out.append(f"{pad}- {q} **{md(answer_text(kb, step.indicator, a))}**"
                       f"{f' (the rule needs {md(needs)})' if needs else ''}{_evidence(a)}")
        elif step.kind == "finding" and step.rule:
            child = by_id.get(step.rule)
            title = md(child.title) if child else step.rule
            out.append(f"{pad}- because **{title}** was found")
            if child is not None and step.rule not in seen and depth < 6:
                out += _trace_lines(kb, profile, child, by_id, depth + 1, seen | {step.rule})
    return out or [f"{pad}- (no premises recorded)"]


_OPS = (("not in", "none of"), ("in", "one of"), (">=", "at least"), ("<=", "at most"), ("!=", "anything but"),
        ("==", ""), (">", "more than"), ("<", "less than"))


def _needs(kb: KnowledgeBase, ind: str, condition: str) -> str:
    """The test a premise applies, in words ("at least 4", "one of: x, y"); "" when the answer
    shown already says it (an equality, or a mere "is answered")."""
    rest = condition.removeprefix(ind).strip()
    for op, words in _OPS:
        if rest.startswith(op + " "):
            value = rest[len(op):].strip().strip("[]{}()")
            value = re.sub(r"\btrue\b", "yes", re.sub(r"\bfalse\b", "no", value, flags=re.I), flags=re.I)
            value = value.replace("'", "").replace('"', "").replace("_", " ")
            return f"{words} {value}".strip() if words else ""
    return ""


def why_asked_markdown(kb: KnowledgeBase, ind_id: str, assessment: Assessment | None) -> str:
    """Which rules read this indicator, and which root causes they feed."""
    spec = kb.indicators[ind_id]
    feeds = kb.feeds.get(ind_id, [])
    by_id = {x.rule: x for x in assessment.findings} if assessment else {}
    out = []
    if spec.display_only or not feeds:
        out.append("No rule reads this answer: it is context shown in explanations and briefs.")
        return "\n".join(out) + "\n"
    out.append("This answer is read by:")
    roots: list[str] = []
    for rid in feeds:
        rule = kb.rules[rid]
        f = by_id.get(rid)
        state = f" — {status_text(f)}" if f else ""
        out.append(f"- **{md(rule.title)}** ({LAYER_LABEL.get(rule.layer.value, rule.layer.value)}){state}")
        roots += [r for r in kb.rolls_up_to.get(rid, []) if r not in roots]
        if rule.is_diagnosis and rid not in roots:
            roots.append(rid)
    if roots:
        out += ["", "It can change these root causes:"]
        for r in roots:
            f = by_id.get(r)
            state = f" — {status_text(f)}" if f else ""
            out.append(f"- {md(kb.rules[r].title)}{state}")
    if spec.sources:
        out += ["", "Where to look: " + md("; ".join(spec.sources))]
    return "\n".join(out) + "\n"


def help_markdown(sections: Sequence[tuple[str, Iterable[tuple[str, str, str]]]]) -> str:
    """The help page: one table of keys per screen, from the same registry as the footer."""
    out = ["# Keys", "",
           "Every action is also in the command palette (**Ctrl+P**). Letter keys work when the "
           "cursor is not in a text field; press **Esc** to leave a field first.", ""]
    for title, rows in sections:
        out += [f"## {title}", "", "| Key | Action | What it does |", "|---|---|---|"]
        out += [f"| {md(k)} | {md(a)} | {md(h)} |" for k, a, h in rows]
        out.append("")
    out += ["## Answers", "",
            "- Discrete answers (switch, scale, choice, options) are recorded as you change them.",
            "- Numbers and text are recorded on **Enter** or when you leave the field; a value "
            "that does not fit stays red and is never stored.",
            "- Every recorded change is saved at once; quitting or a crash loses at most the "
            "field you were typing in.", ""]
    return "\n".join(out)


def fallback_brief(kb: KnowledgeBase, assessment: Assessment, profile: Profile) -> str:
    """A plain preview used until diagnostics.reports provides the real brief."""
    fired = [f for f in assessment.diagnoses() if f.status is Status.FIRED]
    out = [f"# {md(assessment.name)}: diagnostic summary", "",
           f"Family {md(assessment.family or '—')} · tier {assessment.tier or '—'} · "
           f"as of {assessment.as_of or '—'}", "",
           f"{assessment.coverage.answered} answers known, {assessment.coverage.unknown} unknown, "
           f"{assessment.coverage.unanswered} not asked.", "", "## Root causes found", ""]
    if not fired:
        out.append("No root cause fired on the answers so far.")
    for f in fired:
        rule = kb.rules[f.rule]
        out += [f"### {md(f.title)}", "", f"*{status_text(f)}*", "", md(rule.mechanism), ""]
        dirs = [kb.directions[d] for d in rule.directions if d in kb.directions]
        if dirs:
            out += ["Directions: " + "; ".join(md(d.title) for d in dirs), ""]
        out += ["Cites: " + md("; ".join(f.citations)), ""]
    open_dx = [f for f in assessment.diagnoses() if f.status is Status.NOT_ASSESSABLE]
    if open_dx:
        out += ["## Not yet assessable", ""] + [f"- {md(f.title)}" for f in open_dx] + [""]
    if assessment.imaginaries:
        out += ["## Candidate imaginaries", ""] + [f"- {md(i)}" for i in assessment.imaginaries] + [""]
    out += ["---", "", "*Preview: the full brief appears here once the report templates are installed.*"]
    return "\n".join(out) + "\n"
