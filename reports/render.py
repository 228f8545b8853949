"""Render a `BriefContext` as Markdown, self-contained HTML or JSON.

Escaping is on by default in both text formats: HTML templates autoescape, and the
Markdown environment passes every printed value through `md_escape` unless a filter marked
it safe. So text that an analyst or a plugin typed (`<script>`, `{{ }}`, `*`, `|`) always
reaches the reader as text. User templates (`template_dir`) run in jinja2's sandbox, and
may extend the built-in ones as `default:brief.html.j2`.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from diagnostics.citations import parse_citation
from diagnostics.errors import DataError

from .context import LAYER_LABELS, BriefContext, CausalGraph, ComparisonContext, sort_citations

TEMPLATES = Path(__file__).parent / "templates"
FORMATS = ("md", "html", "json")
Format = Literal["md", "html", "json"]

# ---------------------------------------------------------------------------------------
# Markdown escaping

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
_MD_ENTITY = re.compile(r"&(?=#?\w+;)")
_MD_BLOCK_START = re.compile(r"^(\s*)(?:([#>+=-])|(\d+)([.)]))")


def md_escape(value: Any) -> str:
    """Text as one Markdown line that renders literally: no emphasis, links, HTML or blocks."""
    if isinstance(value, Markup):
        return str(value)
    text = " ".join(str(value).split())
    text = _MD_ENTITY.sub("&amp;", text)
    text = _MD_SPECIAL.sub(r"\\\1", text)
    # A value that starts a line must not open a heading, quote or list ("1\. ", not "\1. ").
    return _MD_BLOCK_START.sub(
        lambda m: m.group(1) + ("\\" + m.group(2) if m.group(2) else m.group(3) + "\\" + m.group(4)), text)


def md_code(value: Any) -> Markup:
    """An identifier as a code span (ids are validated snake_case, so they need no escaping)."""
    text = str(value).replace("`", "'")
    return Markup(f"`{text}`")


def _md_finalize(value: Any) -> Any:
    if value is None:
        return ""
    return value if isinstance(value, Markup) else md_escape(value)


# ---------------------------------------------------------------------------------------
# Shared filters (presentation only; the data is in the context)

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


def lead(text: str, n: int = 1) -> str:
    """The first `n` sentences of a text."""
    return " ".join(sentences(" ".join(text.split()))[:n])


def label(value: Any) -> str:
    """A status, layer or role id in words."""
    text = str(value)
    return {
        "fired": "found", "not_fired": "not found", "not_assessable": "not assessable",
        "not_applicable": "not applicable", "root_cause": "root cause", "outcome": "outcome",
        "diagnosis": "systemic problem", "function_rollup": "function roll-up", "not_in_knowledge_base": "—",
        **LAYER_LABELS,
    }.get(text, text.replace("_", " "))


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


def capfirst(text: str) -> str:
    """Upper-case the first letter only (jinja2's `capitalize` lowers the rest)."""
    return text[:1].upper() + text[1:]


def years(values: list[int]) -> str:
    if not values:
        return "—"
    return str(values[0]) if len(values) == 1 else f"{values[0]}–{values[-1]}"


# ---------------------------------------------------------------------------------------
# Causal-chain diagram: the layout is computed here; _diagram.svg.j2 draws it.

COLUMNS = ("policy", "mechanism", "manifestation", "diagnosis")


@dataclass
class Box:
    id: str
    x: float
    y: float
    w: float
    h: float
    lines: list[str]
    kind: str  # layer, or "root_cause" for root-cause diagnoses


@dataclass
class Curve:
    d: str
    strong: bool  # an edge into a root cause


@dataclass
class Layout:
    width: float
    height: float
    boxes: list[Box] = field(default_factory=list)
    curves: list[Curve] = field(default_factory=list)
    headers: list[tuple[float, str]] = field(default_factory=list)


def diagram_layout(graph: CausalGraph, width: float = 680.0) -> Layout:
    """Columns by layer, rows ordered by the mean position of neighbours to cut crossings."""
    cols: dict[str, list[str]] = {c: [] for c in COLUMNS}
    info = {n.id: n for n in graph.nodes}
    for n in graph.nodes:
        cols["diagnosis" if n.layer == "diagnosis" else n.layer if n.layer in cols else "mechanism"].append(n.id)
    used = [c for c in COLUMNS if cols[c]]
    if not used:
        return Layout(width=width, height=0)
    neighbours: dict[str, list[str]] = {n.id: [] for n in graph.nodes}
    for e in graph.edges:
        if e.source in neighbours and e.target in neighbours:
            neighbours[e.source].append(e.target)
            neighbours[e.target].append(e.source)
    pos = {nid: float(i) for c in used for i, nid in enumerate(cols[c])}
    for _ in range(4):  # a few barycentre sweeps are enough for graphs of this size
        for c in used:
            def bary(nid: str) -> float:
                near = neighbours[nid]
                return sum(pos[x] for x in near) / len(near) if near else pos[nid]

            cols[c].sort(key=lambda nid: (bary(nid), nid))
            for i, nid in enumerate(cols[c]):
                pos[nid] = float(i) * max(1, max(len(cols[k]) for k in used)) / max(1, len(cols[c]))

    gap = 26.0
    box_w = (width - gap * (len(used) - 1)) / len(used)
    chars = max(12, int(box_w / 4.6))
    line_h, pad, row_gap, top = 9.5, 4.0, 5.0, 18.0
    layout = Layout(width=width, height=0)
    where: dict[str, Box] = {}
    wrapped: dict[str, list[str]] = {}
    for n in graph.nodes:
        lines = textwrap.wrap(n.title, chars)
        if len(lines) > 3:
            lines = lines[:3]
            lines[-1] = lines[-1][: chars - 1].rstrip() + "…"
        wrapped[n.id] = lines

    def height(nid: str) -> float:
        return len(wrapped[nid]) * line_h + 2 * pad

    heights = {c: sum(height(nid) + row_gap for nid in cols[c]) for c in used}
    tallest = max(heights.values())
    for ci, c in enumerate(used):
        x = ci * (box_w + gap)
        layout.headers.append((x + box_w / 2, label(c) + "s"))
        y = top + (tallest - heights[c]) / 2  # centre shorter columns against the tallest
        for nid in cols[c]:
            node = info[nid]
            box = Box(id=nid, x=x, y=y, w=box_w, h=height(nid), lines=wrapped[nid],
                      kind="root_cause" if node.role == "root_cause" else node.layer)
            where[nid] = box
            layout.boxes.append(box)
            y += box.h + row_gap
    bottom = top + tallest
    col_of = {nid: ci for ci, c in enumerate(used) for nid in cols[c]}
    for e in graph.edges:
        if e.source not in where or e.target not in where:
            continue
        s, t = where[e.source], where[e.target]
        sy, ty = s.y + s.h / 2, t.y + t.h / 2
        if col_of[e.source] < col_of[e.target]:
            x1, x2 = s.x + s.w, t.x
            mid = (x2 - x1) / 2
            d = f"M{x1:.1f},{sy:.1f} C{x1 + mid:.1f},{sy:.1f} {x2 - mid:.1f},{ty:.1f} {x2:.1f},{ty:.1f}"
        elif col_of[e.source] == col_of[e.target]:
            x1 = s.x + s.w
            bulge = min(gap - 4, 8 + abs(ty - sy) / 8)
            d = f"M{x1:.1f},{sy:.1f} C{x1 + bulge:.1f},{sy:.1f} {x1 + bulge:.1f},{ty:.1f} {x1:.1f},{ty:.1f}"
        else:  # a feedback edge drawn right to left
            x1, x2 = s.x, t.x + t.w
            d = f"M{x1:.1f},{sy:.1f} C{x1 - gap:.1f},{sy:.1f} {x2 + gap:.1f},{ty:.1f} {x2:.1f},{ty:.1f}"
        layout.curves.append(Curve(d=d, strong=info[e.target].role == "root_cause"))
    layout.height = bottom + 2
    return layout


# ---------------------------------------------------------------------------------------
def _filters() -> dict[str, Any]:
    return {"lead": lead, "label": label, "years": years, "capfirst": capfirst, "sections": sections,
            "diagram_layout": diagram_layout, "md": md_escape, "md_code": md_code}


@lru_cache(maxsize=8)
def environment(fmt: str, template_dir: str | None = None) -> jinja2.Environment:
    """The jinja2 environment for 'md' or 'html'; sandboxed when user templates are in play."""
    default = jinja2.FileSystemLoader(str(TEMPLATES))
    loaders: list[jinja2.BaseLoader] = []
    if template_dir is not None:
        loaders.append(jinja2.FileSystemLoader(template_dir))
    loaders += [default, jinja2.PrefixLoader({"default": default}, delimiter=":")]
    cls = ImmutableSandboxedEnvironment if template_dir is not None else jinja2.Environment
    options: dict[str, Any] = {
        "loader": jinja2.ChoiceLoader(loaders),
        "undefined": jinja2.StrictUndefined,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "keep_trailing_newline": True,
        "auto_reload": False,
    }
    # HTML autoescapes; Markdown escapes every printed value through `finalize`.
    options.update({"autoescape": True} if fmt == "html" else {"autoescape": False, "finalize": _md_finalize})
    env = cls(**options)
    env.filters.update(_filters())
    return env


def _render(template: str, fmt: str, context: BriefContext | ComparisonContext,
            template_dir: Path | None) -> str:
    env = environment(fmt, str(template_dir) if template_dir is not None else None)
    if template_dir is None:
        return env.get_template(template).render(brief=context)
    # A user template's mistakes are input errors: one line, no traceback.
    try:
        return env.get_template(template).render(brief=context)
    except jinja2.TemplateSyntaxError as exc:
        raise DataError(f"template syntax error: {exc.message}", file=exc.filename or exc.name,
                        line=exc.lineno) from None
    except jinja2.TemplateNotFound as exc:
        raise DataError(f"template {exc.name!r} not found in {template_dir} or the built-in templates") from None
    except jinja2.exceptions.SecurityError as exc:
        raise DataError(f"template refused by the sandbox: {exc}") from None
    except jinja2.UndefinedError as exc:
        raise DataError(f"template error: {exc.message}") from None


def render_brief(context: BriefContext, fmt: str, *, template_dir: Path | None = None) -> str:
    """The brief as Markdown ('md'), self-contained HTML ('html') or JSON ('json')."""
    if fmt == "json":
        return context.model_dump_json(indent=2) + "\n"
    if fmt not in ("md", "html"):
        raise DataError(f"unknown brief format {fmt!r}: use {', '.join(FORMATS)}")
    return _render(f"brief.{fmt}.j2", fmt, context, template_dir)


def render_comparison(context: ComparisonContext, fmt: str, *, template_dir: Path | None = None) -> str:
    """A comparison brief in the same three formats."""
    if fmt == "json":
        return context.model_dump_json(indent=2) + "\n"
    if fmt not in ("md", "html"):
        raise DataError(f"unknown brief format {fmt!r}: use {', '.join(FORMATS)}")
    return _render(f"compare.{fmt}.j2", fmt, context, template_dir)
