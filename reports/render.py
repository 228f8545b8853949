"""Render a `BriefContext` as Markdown, self-contained HTML or JSON.

Escaping is on by default in both text formats: HTML templates autoescape, and the
Markdown environment passes every printed value through `md_escape` unless a filter marked
it safe. So text that an analyst or a plugin typed (`<script>`, `{{ }}`, `*`, `|`) always
reaches the reader as text. User templates (`template_dir`) run in jinja2's sandbox, and
may extend the built-in ones as `default:brief.html.j2`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from diagnostics.errors import DataError
from diagnostics.i18n import current_language, date_text

from .diagram import chain_graph, diagram_layout, diagrams_for
from .model import BriefContext, ComparisonContext
from .wording import capfirst, label, lead, sections, sentences, years

__all__ = ["FORMATS", "TEXT_FORMATS", "TEMPLATES", "environment", "lead", "md_escape", "render_brief",
           "render_comparison", "render_pdf", "sentences"]

TEMPLATES = Path(__file__).parent / "templates"
TEXT_FORMATS = ("md", "html", "json")
FORMATS = (*TEXT_FORMATS, "pdf")
Format = Literal["md", "html", "json", "pdf"]

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


@lru_cache(maxsize=1)
def _markdown_parser() -> Any:
    from markdown_it import MarkdownIt

    # CommonMark with raw HTML switched off: a plugin can format text, never inject markup.
    return MarkdownIt("commonmark", {"html": False})


def markdown_html(value: Any) -> Markup:
    """A plugin section's Markdown as HTML; raw HTML in it comes out as escaped text."""
    return Markup(_markdown_parser().render(str(value)))


def markdown_md(value: Any) -> Markup:
    """A plugin section's Markdown kept as Markdown, with raw HTML neutralised (`<` as `&lt;`)."""
    text = str(value).replace("&", "&amp;").replace("<", "&lt;")
    return Markup("\n\n".join(block.strip() for block in re.split(r"\n\s*\n", text) if block.strip()))


def _md_finalize(value: Any) -> Any:
    if value is None:
        return ""
    return value if isinstance(value, Markup) else md_escape(value)


# ---------------------------------------------------------------------------------------
def _filters() -> dict[str, Any]:
    return {"lead": lead, "label": label, "years": years, "capfirst": capfirst, "sections": sections,
            "diagram_layout": diagram_layout, "chain_graph": chain_graph, "diagrams_for": diagrams_for,
            "md": md_escape, "md_code": md_code, "markdown_html": markdown_html, "markdown_md": markdown_md,
            "local_date": local_date}


def local_date(iso: str | None) -> str:
    """An ISO date as the reader's language writes it; English keeps the ISO form."""
    if not iso or current_language() == "en":
        return iso or ""
    return date_text(iso)


@lru_cache(maxsize=8)
def environment(fmt: str, template_dir: str | None = None, lang: str = "en") -> jinja2.Environment:
    """The jinja2 environment for 'md' or 'html' in language `lang` (jinja2's i18n extension over
    the gettext catalog); sandboxed when user templates are in play."""
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
        # gettext in templates (`_()`, `{% trans %}`), in the language set by --lang (docs/i18n.md).
        "extensions": ["jinja2.ext.i18n"],
    }
    # HTML autoescapes; Markdown escapes every printed value through `finalize`.
    options.update({"autoescape": True} if fmt == "html" else {"autoescape": False, "finalize": _md_finalize})
    env = cls(**options)
    from diagnostics import i18n

    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True,  # type: ignore[attr-defined]
                                  pgettext=lambda c, m: i18n.pgettext(c, m))
    env.globals["language"] = lang
    env.filters.update(_filters())
    return env


def _render(template: str, fmt: str, context: BriefContext | ComparisonContext,
            template_dir: Path | None) -> str:
    env = environment(fmt, str(template_dir) if template_dir is not None else None, current_language())
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


def _document(full: bool) -> str:
    return "report" if full else "brief"


def render_brief(context: BriefContext, fmt: str, *, template_dir: Path | None = None, full: bool = False) -> str:
    """The two-page brief (or with `full`, the full report) as Markdown, HTML or JSON.

    JSON is the context itself, the same for both documents. For PDF use `render_pdf`.
    """
    if fmt == "json":
        return context.model_dump_json(indent=2) + "\n"
    if fmt not in ("md", "html"):
        hint = " (PDF is bytes: use render_pdf)" if fmt == "pdf" else ""
        raise DataError(f"unknown brief format {fmt!r}: use {', '.join(TEXT_FORMATS)}{hint}")
    return _render(f"{_document(full)}.{fmt}.j2", fmt, context, template_dir)


def render_comparison(context: ComparisonContext, fmt: str, *, template_dir: Path | None = None) -> str:
    """A comparison brief as Markdown, HTML or JSON."""
    if fmt == "json":
        return context.model_dump_json(indent=2) + "\n"
    if fmt not in ("md", "html"):
        raise DataError(f"unknown brief format {fmt!r}: use {', '.join(TEXT_FORMATS)}")
    return _render(f"compare.{fmt}.j2", fmt, context, template_dir)


def render_pdf(context: BriefContext | ComparisonContext, *, template_dir: Path | None = None,
               full: bool = False) -> bytes:
    """The brief, the full report or a comparison as PDF: its HTML typeset by WeasyPrint."""
    from .pdf import html_to_pdf

    if isinstance(context, ComparisonContext):
        html = render_comparison(context, "html", template_dir=template_dir)
    else:
        html = render_brief(context, "html", template_dir=template_dir, full=full)
    return html_to_pdf(html)
