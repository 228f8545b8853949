"""Thesis citations: `§4.5 p.61 (ll. 5346–5371)`, `Abstract (ll. 74–78)`, `Blog (l. 13)`.

The format is checked when the knowledge base loads; whether each line range lies inside
the cited section is checked against the thesis text itself (see `thesis_sections`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_DASH = "[–-]"
_RANGE = rf"\d+(?:{_DASH}\d+)?"
CITATION = re.compile(
    rf"^(?P<where>§(?P<section>\d\.\d)|Abstract|Blog)"
    rf"(?: (?P<pages>pp?\.\d+(?:{_DASH}\d+)?))?"
    rf" \((?P<kind>ll?)\. (?P<ranges>{_RANGE}(?:, {_RANGE})*)\)$"
)


@dataclass(frozen=True)
class Citation:
    text: str
    source: str  # "thesis" or "blog"
    section: str | None  # "4.5", "Abstract", or None for the blog
    ranges: tuple[tuple[int, int], ...]

    def __str__(self) -> str:
        return self.text


def parse_citation(text: str) -> Citation:
    m = CITATION.match(text.strip())
    if not m:
        raise ValueError(
            f"citation {text!r} is not in the form '§4.5 p.61 (ll. 5346–5371)', "
            "'Abstract (ll. 74–78)' or 'Blog (l. 13)'"
        )
    ranges = []
    for part in m.group("ranges").split(", "):
        bounds = re.split(_DASH, part)
        lo, hi = int(bounds[0]), int(bounds[-1])
        if hi < lo:
            raise ValueError(f"citation {text!r}: line range {part} runs backwards")
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
    lines = thesis.read_text(encoding="utf-8", errors="replace").splitlines()
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


def check_citation(c: Citation, sections: dict[str, tuple[int, int]], blog_lines: int) -> str | None:
    """None if every line range lies inside the cited section, else the problem."""
    if c.source == "blog":
        bad = [r for r in c.ranges if r[0] < 1 or r[1] > blog_lines]
        return f"{c.text}: lines outside the blog note (1–{blog_lines})" if bad else None
    assert c.section is not None
    if c.section not in sections:
        return f"{c.text}: the thesis has no section {c.section}"
    lo, hi = sections[c.section]
    bad = [r for r in c.ranges if r[0] < lo or r[1] > hi]
    if bad:
        spans = ", ".join(f"{a}–{b}" for a, b in bad)
        return f"{c.text}: lines {spans} fall outside §{c.section} (ll. {lo}–{hi})"
    return None
