"""Plain language for readers: values in words, short sources, prose without internal codes.

Used by the builders (to fill the context) and by the renderer (as template filters). No
jinja2 here, so the context can be built without it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from diagnostics.citations import parse_citation
from diagnostics.i18n import N_, _, pgettext
from diagnostics.knowledge import Indicator

from .model import LAYER_LABELS, TIER_NOTES

# ---------------------------------------------------------------------------------------
# Values (in words: diagnostics.answers.format_value, style "reader")


def indicator_label(spec: Indicator | None, indicator_id: str) -> str:
    """The indicator's label; its question when it has none; its id in words as a last resort."""
    if spec is not None:
        return spec.label or spec.question
    return indicator_id.split(".", 1)[-1].replace("_", " ").capitalize()


_THESIS_SECTION = re.compile(r"§\s?(\d+\.\d+)")


def short_source(source: str) -> str:
    """A source as a reader cites it: 'the thesis, §5.3' for a thesis passage, else as recorded."""
    text = " ".join(source.split())
    if not text:
        return _("no source recorded")
    if text.lower().startswith("thesis"):
        m = _THESIS_SECTION.search(text)
        return _("thesis §{section}").format(section=m.group(1)) if m else _("thesis")
    if text.lower().startswith("blog"):
        return _("the author's blog")
    # Research notes in a recorded source (a knowledge-map reference, bracketed tags) are not for readers.
    parts = [p for p in text.split(";") if "MAP" not in p]
    out = re.sub(r"\s*\[[A-Z0-9]+\]", "", "; ".join(p.strip() for p in parts)).strip()
    return out or _("recorded in the profile")


# ---------------------------------------------------------------------------------------
# Prose

_INTERNAL_PAREN = re.compile(r"\s*\((?:[^()]*?(?:\b[RC]-\d+\b|\bMAP\b)[^()]*"
                             r"|(?:contested:)?(?:doc|int|inf|blog|ke)(?:\+(?:doc|int|inf|blog|ke))*)\)")
_INTERNAL_CODE = re.compile(r"\b(?:design rules?\s+)?[RC]-\d+(?:\s+and\s+[RC]-\d+)?\b|\bMAP\s*§\s*[\w.]*")
_CITATION = re.compile(r"\s*\[(?:§|Abstract|Blog)[^\]]*\]")
_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
_ID_WORD = re.compile(r"\b[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)?\b")
_ID_IN_BRACKETS = re.compile(r"\s*\(([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)?)\)")
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([,.;:])")
_SPACES = re.compile(r"\s{2,}")


def plain(text: str, names: Mapping[str, str] | None = None) -> str:
    """Prose for a committee: known ids replaced by their titles, internal codes removed.

    `names` maps ids (direction, rule and indicator ids) to what a reader calls them. Design-rule
    references ('(design rule R-8)', 'MAP §3') are notes for maintainers, so they are dropped;
    any other snake_case word is turned into words.
    """
    out = " ".join(text.split())
    if "(" in out:  # each pattern needs its character: most texts skip the search
        out = _INTERNAL_PAREN.sub("", out)
    if "-" in out or "MAP" in out:
        out = _INTERNAL_CODE.sub("", out)
    # Most prose names no id: found without a Python call per word (a brief has ~400 texts).
    if names and not names.keys().isdisjoint(_ID_WORD.findall(out)):
        # A translation may give a title and then its id in brackets: the title says it already.
        out = _ID_IN_BRACKETS.sub(
            lambda m: "" if m.group(1) in names and names[m.group(1)] in out[:m.start()] else m.group(0), out)
        out = _ID_WORD.sub(lambda m: _lower_title(names[m.group(0)]) if m.group(0) in names else m.group(0), out)
    if "_" in out:
        out = _SNAKE.sub(lambda m: m.group(0).replace("_", " "), out)
    out = _SPACE_BEFORE_PUNCTUATION.sub(r"\1", out)
    return _SPACES.sub(" ", out).strip()


def plain_with(names: Mapping[str, str]) -> Callable[[str], str]:
    """`plain` with one knowledge base's reader names, each text put once: a brief states many
    texts several times (the same confidence reason under dozens of findings)."""
    done: dict[str, str] = {}

    def put(text: str) -> str:
        out = done.get(text)
        if out is None:
            out = done[text] = plain(text, names)
        return out

    return put


def uncited(text: str) -> str:
    """Prose without its inline thesis citations ('[§7.3 p.144 (ll. 1–2)]')."""
    return re.sub(r"\s+([,.;:])", r"\1", _CITATION.sub("", text)).strip()


def _lower_title(title: str) -> str:
    return _("'{title}'").format(title=title)


_ABBREV = re.compile(r"(?:\b(?:ll?|pp?|cf|e\.g|i\.e|etc|vs|no|Dr|Mr|Ms|St)|\b[A-Z])\.$")


def sentences(text: str) -> list[str]:
    """Split prose into sentences, leaving citations like '[§7.3 p.144 (ll. 1–2)]' whole."""
    out: list[str] = []
    depth = 0
    start = 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif ch in ".!?" and depth == 0:
            nxt = text[i + 1:i + 3]
            ends = nxt == "" or (nxt[:1] == " " and (nxt[1:].isupper() or nxt[1:] in "\"“[‘'"))
            if ends and not _ABBREV.search(text[start:i + 1]):
                out.append(text[start:i + 1].strip())
                start = i + 1
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


_PAGE_AND_LINES = re.compile(r"(§\d+(?:\.\d+)*)\s+pp?\.\s*\d+(?:[–-]\d+)?(?:,\s*ll?\.\s*\d+(?:[–-]\d+)?)?")


def section_citations(text: str) -> str:
    """Thesis citations cut to their section, as the two-page brief cites ('§7.3 p.145, ll. 1–9' -> '§7.3')."""
    return _PAGE_AND_LINES.sub(r"\1", text)


def lead(text: str, n: int = 1) -> str:
    """The first `n` sentences of a text."""
    return " ".join(sentences(" ".join(text.split()))[:n])


def join(items: Sequence[str], word: str | None = None) -> str:
    if len(items) <= 1:
        return "".join(items)
    word = word or _("and")
    return ", ".join(items[:-1]) + f" {word} " + items[-1]


def lower_first(text: str) -> str:
    """Lower-case the first letter unless the first word is an acronym ('FDI grows')."""
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def capfirst(text: str) -> str:
    """Upper-case the first letter only (jinja2's `capitalize` lowers the rest)."""
    return text[:1].upper() + text[1:]


def label(value: Any) -> str:
    """A status, layer or role id in words."""
    text = str(value)
    word = {
        "fired": N_("found"), "not_fired": N_("not found"), "not_assessable": N_("not assessable"),
        "not_applicable": N_("not applicable"), "root_cause": N_("root cause"), "outcome": N_("outcome"),
        "diagnosis": N_("systemic problem"), "function_rollup": N_("function roll-up"), "not_in_knowledge_base": "—",
        "expert_judgement": N_("expert judgement"), "government": N_("government"),
        "international_partners": N_("international partners"), "researchers": N_("researchers"), **LAYER_LABELS,
    }.get(text)
    if word:
        return _(word)
    grade = _evidence_grade(text)
    return grade or text.replace("_", " ")


def _evidence_grade(value: str) -> str:
    """An evidence grade as the brief names it ('documented'; in Russian the glossary's term)."""
    return {
        "documented": pgettext("evidence grade", "documented"), "survey": pgettext("evidence grade", "survey"),
        "interview": pgettext("evidence grade", "interview"), "secondary": pgettext("evidence grade", "secondary"),
    }.get(value, "")


EVIDENCE_WORDS = {
    "documented": N_("official documents"), "survey": N_("surveys"), "interview": N_("interviews"),
    "expert_judgement": N_("expert judgement"), "secondary": N_("secondary sources"),
}


def evidence_words(kinds: Iterable[str]) -> str:
    """Evidence grades as a reader says them: 'official documents and interviews'."""
    words = [_(EVIDENCE_WORDS[k]) if k in EVIDENCE_WORDS else k.replace("_", " ") for k in kinds]
    return join(list(dict.fromkeys(words)))


def years(values: list[int]) -> str:
    if not values:
        return "—"
    return str(values[0]) if len(values) == 1 else f"{values[0]}–{values[-1]}"


def tier_note(tier: str | None) -> str:
    if tier is None:
        return _("the country family has no tier, so its fit with the thesis case is unknown")
    return _(TIER_NOTES[tier]) if tier in TIER_NOTES else _("tier {tier}").format(tier=tier)


# ---------------------------------------------------------------------------------------
# Citations

_CITE_ORDER = re.compile(r"§(\d+)\.(\d+)")


def _citation_key(text: str) -> tuple[int, int, int, int, str]:
    try:
        c = parse_citation(text)
    except ValueError:
        return (3, 0, 0, 0, text)
    first = c.ranges[0][0] if c.ranges else 0
    if c.source == "blog":
        return (2, 0, 0, first, text)
    if c.section == "Abstract":
        return (0, 0, 0, first, text)
    m = _CITE_ORDER.match(text)
    major, minor = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    return (1, major, minor, first, text)


def sort_citations(citations: Iterable[str]) -> list[str]:
    return sorted(set(citations), key=_citation_key)


def sections(citations: list[str]) -> str:
    """Citations shortened to the sections they cite ('§5.7, §7.2'); the annex has the lines."""
    out: list[str] = []
    for c in sort_citations(citations):
        try:
            parsed = parse_citation(c)
        except ValueError:
            key = c
        else:
            key = "Blog" if parsed.source == "blog" else (
                "Abstract" if parsed.section == "Abstract" else f"§{parsed.section}")
        if key not in out:
            out.append(key)
    return ", ".join(out)
