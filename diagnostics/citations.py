"""Citations: the thesis (`§4.5 p.61 (ll. 5346–5371)`, `Abstract (ll. 74–78)`), the blog
note (`Blog (l. 13)`), or a plugin's own bibliography (`[nso2021] p.14`, `[nso2021]`).

The format is checked when the knowledge base loads. Whether each thesis line range lies
inside the cited section is checked against `thesis_index.json`, an index of the thesis's
sections and line numbers generated from its headings (`thesis_sections`); the thesis text
itself does not ship. A bibliography citation must name a key of the citing plugin's
bibliography (hook `diagnostics_bibliography`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .i18n import _

_DASH = "[–-]"
_RANGE = rf"\d+(?:{_DASH}\d+)?"
CITATION = re.compile(
    rf"^(?P<where>§(?P<section>\d\.\d)|Abstract|Blog)"
    rf"(?: (?P<pages>pp?\.\d+(?:{_DASH}\d+)?))?"
    rf" \((?P<kind>ll?)\. (?P<ranges>{_RANGE}(?:, {_RANGE})*)\)$"
)


BIBLIOGRAPHY_CITATION = re.compile(r"^\[(?P<key>[a-z][a-z0-9_-]*)\](?: (?P<locator>\S.*))?$")


@dataclass(frozen=True)
class Citation:
    text: str
    source: str  # "thesis", "blog" or "bibliography"
    section: str | None  # "4.5", "Abstract", or None for the blog and bibliographies
    ranges: tuple[tuple[int, int], ...]
    key: str | None = None  # the bibliography key of a plugin's own source

    def __str__(self) -> str:
        return self.text


def parse_citation(text: str) -> Citation:
    b = BIBLIOGRAPHY_CITATION.match(text.strip())
    if b:
        return Citation(text, "bibliography", None, (), key=b.group("key"))
    m = CITATION.match(text.strip())
    if not m:
        raise ValueError(_(
            "citation {text} is not in the form '§4.5 p.61 (ll. 5346–5371)', "
            "'Abstract (ll. 74–78)', 'Blog (l. 13)' or '[key] p.12' (a key of the plugin's bibliography)"
        ).format(text=repr(text)))
    ranges = []
    for part in m.group("ranges").split(", "):
        bounds = re.split(_DASH, part)
        lo, hi = int(bounds[0]), int(bounds[-1])
        if hi < lo:
            raise ValueError(_("citation {text}: line range {range} runs backwards")
                .format(text=repr(text), range=part))
        ranges.append((lo, hi))
    where = m.group("where")
    if where == "Blog":
        return Citation(text, "blog", None, tuple(ranges))
    section = m.group("section") or "Abstract"
    return Citation(text, "thesis", section, tuple(ranges))


_HEADING = re.compile(r"^\s*(\d)\.(\d)\.\s")


def thesis_sections(thesis: Path) -> dict[str, tuple[int, int]]:
    """Section number -> (first line, last line), read from the thesis's own headings.

    The abstract runs up to the first section; the last section ends where the reference
    list begins (the line that reads 'References' or 'Bibliography'), else at the end.
    """
    from .safeio import read_bytes

    lines = read_bytes(thesis, limit=50_000_000).decode("utf-8", errors="replace").splitlines()
    starts: list[tuple[str, int]] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        m = _HEADING.match(line)
        if m and len(line.strip()) < 120:
            key = f"{m.group(1)}.{m.group(2)}"
            # The table of contents repeats headings early on; keep the last run in order.
            if key in seen:
                starts = [(k, n) for k, n in starts if k != key]
            seen.add(key)
            starts.append((key, number))
    starts.sort(key=lambda kv: kv[1])
    end_of_text = len(lines)
    for number, line in enumerate(lines, start=1):
        if number > (starts[-1][1] if starts else 0) and line.strip() in ("References", "Bibliography"):
            end_of_text = number - 1
            break
    sections = {"Abstract": (1, starts[0][1] - 1 if starts else end_of_text)}
    for (key, first), nxt in zip(starts, [*starts[1:], (None, end_of_text + 1)], strict=True):
        sections[key] = (first, nxt[1] - 1)
    return sections


def check_citation(c: Citation, sections: dict[str, tuple[int, int]], blog_lines: int,
                   bibliography: frozenset[str] | set[str] | None = None) -> str | None:
    """None if every line range lies inside the cited section, else the problem.

    `bibliography` holds the keys the citing plugin declared; None skips that check.
    """
    if c.source == "bibliography":
        if bibliography is not None and c.key not in bibliography:
            from .kb import did_you_mean

            known = ", ".join(sorted(bibliography)) or _("none declared")
            return _("{citation}: unknown bibliography key {key}{hint} (keys: {known})").format(
                citation=c.text, key=repr(c.key), hint=did_you_mean(c.key or "", bibliography), known=known)
        return None
    if c.source == "blog":
        bad = [r for r in c.ranges if r[0] < 1 or r[1] > blog_lines]
        return _("{citation}: lines outside the blog note (1–{last})").format(citation=c.text, last=blog_lines) \
            if bad else None
    assert c.section is not None
    if c.section not in sections:
        return _("{citation}: the thesis has no section {section}").format(citation=c.text, section=c.section)
    lo, hi = sections[c.section]
    bad = [r for r in c.ranges if r[0] < lo or r[1] > hi]
    if bad:
        spans = ", ".join(f"{a}–{b}" for a, b in bad)
        return _("{citation}: lines {spans} fall outside §{section} (ll. {first}–{last})").format(
            citation=c.text, spans=spans, section=c.section, first=lo, last=hi)
    return None


INDEX_FILE = Path(__file__).with_name("thesis_index.json")


@dataclass(frozen=True)
class ThesisIndex:
    sections: dict[str, tuple[int, int]]
    thesis_lines: int
    blog_lines: int


@cache
def thesis_index() -> ThesisIndex:
    """The shipped index of the thesis's sections (first and last line of each)."""
    data = json.loads(INDEX_FILE.read_text(encoding="utf-8"))
    return ThesisIndex({k: (int(v[0]), int(v[1])) for k, v in data["sections"].items()},
                       int(data["thesis_lines"]), int(data["blog_lines"]))


def citation_problem(text: str, bibliography: frozenset[str] | set[str] | None = None) -> str | None:
    """One citation checked for form, against the thesis index, and against a bibliography."""
    try:
        c = parse_citation(text)
    except ValueError as exc:
        return str(exc)
    index = thesis_index()
    return check_citation(c, index.sections, index.blog_lines, bibliography)


def write_index(thesis: Path, blog: Path, out: Path = INDEX_FILE) -> None:
    """Regenerate the index from the thesis and the blog note (numbers only, no text)."""
    thesis_lines = len(thesis.read_text(encoding="utf-8", errors="replace").splitlines())
    blog_lines = len(blog.read_text(encoding="utf-8", errors="replace").splitlines())
    data = {
        "_note": "Section and line index of the thesis, generated from its headings by "
                 "diagnostics.citations.thesis_sections; no thesis text. Regenerate with "
                 "`python -m diagnostics.citations THESIS BLOG`.",
        "thesis_lines": thesis_lines, "blog_lines": blog_lines,
        "sections": {k: list(v) for k, v in thesis_sections(thesis).items()},
    }
    out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover - a maintainer's tool
    import sys

    write_index(Path(sys.argv[1]), Path(sys.argv[2]))
