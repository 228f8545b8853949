"""Render a `BriefContext` as Markdown, self-contained HTML or JSON.

Escaping is on by default in both text formats: HTML templates autoescape, and the
Markdown environment passes every printed value through `md_escape` unless a filter marked
it safe. So text that an analyst or a plugin typed (`<script>`, `{{ }}`, `*`, `|`) always
reaches the reader as text. User templates (`template_dir`) run in jinja2's sandbox, and
may extend the built-in ones as `default:brief.html.j2`.
"""

from __future__ import annotations

import functools
import json
import os
import re
import select
import signal
import time
import traceback
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from diagnostics.errors import DataError
from diagnostics.i18n import DEFAULT_LANGUAGE, N_, _, current_language, date_text, format_number, gettext
from diagnostics.safeio import read_text

from .diagram import chain_graph, diagram_layout, diagrams_for
from .model import BriefContext, ComparisonContext
from .wording import capfirst, label, lead, section_citations, sections, sentences, years

__all__ = ["FORMATS", "TEXT_FORMATS", "TEMPLATES", "environment", "lead", "md_escape", "render_brief",
           "render_comparison", "render_pdf", "sentences"]

TEMPLATES = Path(__file__).parent / "templates"
TEXT_FORMATS = ("md", "html", "json")
FORMATS = (*TEXT_FORMATS, "pdf")
Format = Literal["md", "html", "json", "pdf"]

# ---------------------------------------------------------------------------------------
# Markdown escaping

_MD_SPACES = re.compile(r"[^\S\u00a0\u202f]+")
# Inline: '\\', '`', '*', '[', ']', '<' and '|' (tables) always; '~' for GitHub's strikethrough;
# '_' unless it sits inside a word ('gerd_wording'), where it cannot open or close emphasis.
_MD_SPECIAL = re.compile(r"[\\`*\[\]<|~]|(?<!_)(?:(?<!\w)_++|_++(?![^\W_]))")
_MD_ENTITY = re.compile(r"&(?=#?\w+;)")
# What CommonMark reads as the start of a block when it begins a line (the value may begin
# one): a quote ('>'), an ATX heading ('#' to '######', then a space or the end), a list item
# ('-' or '+', or up to nine digits and '.' or ')', then a space or the end), a thematic break
# or setext underline (a line of '-' or '=' only). Anything else, such as '0.17%', '-5%',
# '#1' or 'a > b', stays as written.
_MD_BLOCK_START = re.compile(r"^(?:(>|#{1,6}(?=\s|$)|[+-](?=\s|$))|(\d{1,9})([.)])(?=\s|$)|([=-])(?=[=\s-]*$))")


def md_escape(value: Any) -> str:
    """Text as one Markdown line that renders literally: no emphasis, links, HTML or blocks.

    Only what CommonMark would read as markup is escaped, so the raw Markdown stays readable.
    """
    if isinstance(value, Markup):
        return str(value)
    # One line: every run of whitespace becomes a space, except the no-break spaces Babel puts
    # in numbers and percentages ('1 234,5', '7,5 %'), which only keep them together.
    text = _MD_SPACES.sub(" ", str(value)).strip()
    text = _MD_ENTITY.sub("&amp;", text)
    text = _MD_SPECIAL.sub(lambda m: "".join("\\" + ch for ch in m.group(0)), text)
    # A value that starts a line must not open a heading, list or break ("1\. ", not "\1. ").
    return _MD_BLOCK_START.sub(
        lambda m: m.group(2) + "\\" + m.group(3) if m.group(2) else "\\" + m.group(0), text)


_PLAIN_ID = re.compile(r"[A-Za-z0-9_.:\-]{1,200}")


def md_code(value: Any) -> Markup:
    """An identifier as a code span; anything else as escaped text.

    Ids reach a brief from profiles and imported assessments too, so the filter does not
    trust them: only a plain identifier (letters, digits, ``_ . : -``) becomes a code span,
    which cannot hold a line break, a backtick or a table's pipe.
    """
    text = str(value)
    if _PLAIN_ID.fullmatch(text):
        return Markup(f"`{text}`")
    return Markup(md_escape(text))


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
# User templates: jinja2's sandbox decides what a template may touch; these limits decide
# how much it may compute. Arithmetic and repetition whose result would be huge are refused
# before they run, numbers passed as widths or counts are capped, and the whole rendering
# runs in a child process with a memory and time budget (see _in_child), so that neither
# `{{ 10 ** 2000000000 }}` nor a loop that never ends can hang or exhaust the machine.

MAX_RESULT_BITS = 100_000  # an integer of about 30,000 digits
MAX_SEQUENCE = 1_000_000  # characters or items from one operation
MAX_NUMBER_ARG = 10_000  # a width, count or precision passed to a filter or method
RENDER_SECONDS = 20.0
RENDER_MEMORY = 512 * 2**20  # bytes above what the process already holds

_BIG_FORMAT = re.compile(r"\d{5,}|\*")


def _refuse(what: str) -> jinja2.exceptions.SecurityError:
    return jinja2.exceptions.SecurityError(_("{what} is beyond the limits of a brief template").format(what=what))


def _size(value: Any) -> int | None:
    return len(value) if isinstance(value, (str, list, tuple)) else None


def _check_binop(operator: str, left: Any, right: Any) -> None:
    ints = isinstance(left, int) and isinstance(right, int)
    if operator == "**" and ints and right > 0 and right * max(1, abs(left).bit_length()) > MAX_RESULT_BITS:
        raise _refuse(_("the power {left} ** {right}").format(left=left, right=right))
    if operator == "*":
        if ints and abs(left).bit_length() + abs(right).bit_length() > MAX_RESULT_BITS:
            raise _refuse(_("a product of this size"))
        for seq, times in ((left, right), (right, left)):
            n = _size(seq)
            if n is not None and isinstance(times, int) and n * times > MAX_SEQUENCE:
                raise _refuse(_("repeating {n} items {times} times").format(n=format_number(n),
                                                                             times=format_number(times)))
    if operator == "+":
        a, b = _size(left), _size(right)
        if a is not None and b is not None and a + b > MAX_SEQUENCE:
            raise _refuse(_("joining {a} and {b} items").format(a=format_number(a), b=format_number(b)))
    if operator == "%" and isinstance(left, str) and _BIG_FORMAT.search(left):
        raise _refuse(_("a %%-format with a width this large").replace("%%", "%"))  # %%: a literal %


def _check_args(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    for value in (*args, *kwargs.values()):
        if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) > MAX_NUMBER_ARG:
            raise _refuse(_("the argument {value}").format(value=f"{value:g}" if isinstance(value, float) else value))
        n = _size(value)
        if n is not None and n > MAX_SEQUENCE:
            raise _refuse(_("an argument of {n} items").format(n=format_number(n)))


def _limited_filter(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)  # keeps jinja2's pass_context / pass_environment marks
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _check_args(args[1:], kwargs)  # the first argument is the value being filtered
        result = func(*args, **kwargs)
        n = _size(result)
        if n is not None and n > MAX_SEQUENCE:
            raise _refuse(_("a result of {n} items").format(n=format_number(n)))
        return result

    return wrapper


class LimitedSandbox(ImmutableSandboxedEnvironment):
    """jinja2's immutable sandbox with limits on arithmetic, sequence size and arguments."""

    intercepted_binops = frozenset({"**", "*", "+", "%"})

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        _check_binop(operator, left, right)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: jinja2.runtime.Context, __obj: Any,  # noqa: N805 - jinja2's own signature
             *args: Any, **kwargs: Any) -> Any:
        _check_args(args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        # "{:>999999999}".format(1): the width is in the string, not in an argument.
        owner = getattr(value, "__self__", None)
        if isinstance(owner, str) and getattr(value, "__name__", "") in ("format", "format_map") \
                and _BIG_FORMAT.search(owner):
            raise _refuse(_("a format with a width this large"))
        return super().wrap_str_format(value)


def _template_error(exc: BaseException, prefix: str = N_("template error")) -> DataError:
    """A runtime error in a user template, located at its template line when jinja2 knows it."""
    where: tuple[str | None, int | None] = (None, None)
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename and frame.filename.endswith(".j2"):
            where = (frame.filename, frame.lineno)
    detail = jinja_problem(str(exc).splitlines()[0]) if str(exc) else ""
    kind = "" if isinstance(exc, jinja2.TemplateError) else f"{type(exc).__name__}: "
    return DataError(f"{_(prefix)}: {kind}{detail}"[:300], file=where[0], line=where[1])


# jinja2's own words for the mistakes a template author makes, in the reader's language.
# English shows jinja2's message as it is.
_JINJA_PROBLEMS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), m) for p, m in (
    (r"^'([^']+)' is undefined$", N_("{0} is not defined")),
    (r"^'([^']+)' has no attribute '([^']+)'$", N_("{0} has no attribute {1}")),
    (r"^access to attribute '([^']+)' of '([^']+)' object is unsafe\.?$",
     N_("access to the attribute {0} of a {1} object is not allowed")),
    (r"^unexpected '([^']+)'$", N_("unexpected {0}")),
    (r"^Encountered unknown tag '([^']+)'\.", N_("unknown tag {0}")),
    (r"^Unexpected end of template\.", N_("the template ends before a block is closed")),
    (r"^expected token '([^']+)', got '([^']+)'$", N_("expected {0}, found {1}")),
    (r"^No filter named '([^']+)'\.?$", N_("no filter named {0}")),
    (r"^No test named '([^']+)'\.?$", N_("no test named {0}")),
    (r"^unexpected end of template, expected '([^']+)'\.?$", N_("the template ends where {0} is expected")),
))


def jinja_problem(message: str) -> str:
    """jinja2's message; in another language, translated when it is one of the usual ones."""
    if current_language() == DEFAULT_LANGUAGE:
        return message
    for pattern, template in _JINJA_PROBLEMS:
        found = pattern.search(message)
        if found:
            return _(template).format(*(repr(g) for g in found.groups()))
    return message


class GuardedLoader(jinja2.FileSystemLoader):
    """Template files are read like every other file: regular files only, size-limited."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        pieces = jinja2.loaders.split_template_path(template)
        for folder in self.searchpath:
            path = Path(folder, *pieces)
            if not os.path.lexists(path):
                continue
            text = read_text(path, limit=1_000_000)
            mtime = os.path.getmtime(path)

            def unchanged(path: Path = path, mtime: float = mtime) -> bool:
                return os.path.getmtime(path) == mtime

            return text, os.path.normpath(path), unchanged
        raise jinja2.TemplateNotFound(template)


def _address_space() -> int | None:
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _in_child(render: Callable[[], str], where: str) -> str:
    """Run `render` in a forked child with a memory and CPU budget; its text, or its DataError.

    Where fork does not exist (Windows) the rendering runs here, with the in-template limits only.
    """
    if not hasattr(os, "fork"):
        return render()
    import resource

    size = _address_space()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child; the parent's tests see its result
        code = 0
        try:
            os.close(read_end)
            if size is not None:
                limit = size + RENDER_MEMORY
                resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            used = int(time.process_time())
            resource.setrlimit(resource.RLIMIT_CPU, (used + int(RENDER_SECONDS), used + int(RENDER_SECONDS) + 1))
            try:
                payload: list[Any] = ["ok", render()]
            except DataError as exc:
                payload = ["error", exc.message, exc.file, exc.line]
            except MemoryError:
                payload = ["error", _("the template needs more than {mb} MB of memory")
                    .format(mb=RENDER_MEMORY // 2**20),
                           where, None]
            with os.fdopen(write_end, "wb") as out:
                out.write(json.dumps(payload).encode())
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    chunks: list[bytes] = []
    deadline = time.monotonic() + RENDER_SECONDS
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                raise DataError(_("the template ran longer than {seconds} s and was stopped").format(
                    seconds=f"{RENDER_SECONDS:g}"), file=where)
            ready, _writable, _errors = select.select([read_end], [], [], left)
            if ready:
                chunk = os.read(read_end, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
    finally:
        os.close(read_end)
        os.waitpid(pid, 0)
    try:
        payload = json.loads(b"".join(chunks))
    except ValueError:
        raise DataError(_("the template was stopped: it went beyond the memory or time allowed"), file=where) from None
    if payload[0] == "ok":
        return str(payload[1])
    raise DataError(payload[1], file=payload[2], line=payload[3])


# ---------------------------------------------------------------------------------------
def _filters() -> dict[str, Any]:
    return {"lead": lead, "label": label, "years": years, "capfirst": capfirst, "sections": sections,
            "diagram_layout": diagram_layout, "chain_graph": chain_graph, "diagrams_for": diagrams_for,
            "md": md_escape, "md_code": md_code, "markdown_html": markdown_html, "markdown_md": markdown_md,
            "local_date": local_date, "gettext": gettext, "titled": titled,
            "section_citations": section_citations}


def titled(link: Any) -> str:
    """A finding's title, with whose it is when a plugin provides it: 'Title (Mongolia plugin (its
    bibliography))'; the thesis's own findings show their title alone."""
    source = getattr(link, "source", "")
    return f"{link.title} ({source})" if source else str(link.title)


def local_date(iso: str | None) -> str:
    """An ISO date as the reader's language writes it; English keeps the ISO form."""
    if not iso or current_language() == "en":
        return iso or ""
    return date_text(iso)


@lru_cache(maxsize=8)
def environment(fmt: str, template_dir: str | None = None, lang: str = "en") -> jinja2.Environment:
    """The jinja2 environment for 'md' or 'html' in language `lang` (jinja2's i18n extension over
    the gettext catalog); sandboxed when user templates are in play."""
    default = GuardedLoader(str(TEMPLATES))
    loaders: list[jinja2.BaseLoader] = []
    if template_dir is not None:
        loaders.append(GuardedLoader(template_dir))
    loaders += [default, jinja2.PrefixLoader({"default": default}, delimiter=":")]
    cls = LimitedSandbox if template_dir is not None else jinja2.Environment
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
    if template_dir is None:
        options["bytecode_cache"] = _bytecode_cache(fmt)
    env = cls(**options)
    from diagnostics import i18n

    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True,  # type: ignore[attr-defined]
                                  pgettext=lambda c, m: i18n.pgettext(c, m))
    env.globals["language"] = lang
    env.filters.update(_filters())
    if template_dir is not None:
        env.filters = {name: _limited_filter(f) for name, f in env.filters.items()}
    return env


def _bytecode_cache(fmt: str) -> jinja2.BytecodeCache | None:
    """The built-in templates compiled once, beside the knowledge-base cache (compiling them took
    longer than rendering). jinja2 recompiles a template whose source changed; the folder names
    its version, since the compiled code calls its runtime. User templates are not cached."""
    from diagnostics.kbcache import cache_dir

    folder = cache_dir(os.environ) / f"templates-jinja2-{jinja2.__version__}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # no cache folder (read-only home): compiled each time, as before
    return _QuietBytecodeCache(str(folder), f"{fmt}-%s.cache")


class _QuietBytecodeCache(jinja2.FileSystemBytecodeCache):
    """A cache entry that cannot be written or read is compiled afresh, never an error."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, ValueError, EOFError, TypeError):
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def _render(template: str, fmt: str, context: BriefContext | ComparisonContext,
            template_dir: Path | None) -> str:
    env = environment(fmt, str(template_dir) if template_dir is not None else None, current_language())
    if template_dir is None:
        return env.get_template(template).render(brief=context)
    # A user template's mistakes are input errors: one line, no traceback.
    try:
        compiled = env.get_template(template)
    except jinja2.TemplateSyntaxError as exc:
        raise _syntax_error(exc) from None
    except jinja2.TemplateNotFound as exc:
        raise _not_found(exc, template_dir) from None
    return _in_child(lambda: _render_user(compiled, context, template_dir), compiled.filename or template)


def _render_user(compiled: jinja2.Template, context: BriefContext | ComparisonContext, template_dir: Path) -> str:
    try:
        return compiled.render(brief=context)
    except jinja2.TemplateSyntaxError as exc:
        raise _syntax_error(exc) from None
    except jinja2.TemplateNotFound as exc:
        raise _not_found(exc, template_dir) from None
    except jinja2.exceptions.SecurityError as exc:
        raise _template_error(exc, N_("template refused by the sandbox")) from None
    except jinja2.UndefinedError as exc:
        raise _template_error(exc) from None
    except RecursionError:
        raise DataError(_("template error: it calls itself too deeply")) from None
    except MemoryError:
        raise
    except Exception as exc:  # any other runtime error in the user's template is an input error
        raise _template_error(exc) from None


def _syntax_error(exc: jinja2.TemplateSyntaxError) -> DataError:
    return DataError(_("template syntax error: {problem}").format(problem=jinja_problem(exc.message or "")),
                     file=exc.filename or exc.name, line=exc.lineno)


def _not_found(exc: jinja2.TemplateNotFound, template_dir: Path) -> DataError:
    return DataError(_("template {name} not found in {folder} or the built-in templates").format(
        name=repr(exc.name), folder=template_dir))


def _document(full: bool) -> str:
    return "report" if full else "brief"


def render_brief(context: BriefContext, fmt: str, *, template_dir: Path | None = None, full: bool = False) -> str:
    """The two-page brief (or with `full`, the full report) as Markdown, HTML or JSON.

    JSON is the context itself, the same for both documents. For PDF use `render_pdf`.
    """
    if fmt == "json":
        return context.model_dump_json(indent=2) + "\n"
    if fmt not in ("md", "html"):
        hint = " " + _("(PDF is bytes: use render_pdf)") if fmt == "pdf" else ""
        raise DataError(_("unknown brief format {format}: use {formats}").format(
            format=repr(fmt), formats=", ".join(TEXT_FORMATS)) + hint)
    return _render(f"{_document(full)}.{fmt}.j2", fmt, context, template_dir)


def render_comparison(context: ComparisonContext, fmt: str, *, template_dir: Path | None = None) -> str:
    """A comparison brief as Markdown, HTML or JSON."""
    if fmt == "json":
        return context.model_dump_json(indent=2) + "\n"
    if fmt not in ("md", "html"):
        raise DataError(_("unknown brief format {format}: use {formats}").format(
            format=repr(fmt), formats=", ".join(TEXT_FORMATS)))
    return _render(f"compare.{fmt}.j2", fmt, context, template_dir)


def render_pdf(context: BriefContext | ComparisonContext, *, template_dir: Path | None = None,
               full: bool = False) -> bytes:
    """The brief, the full report or a comparison as PDF: its HTML typeset by WeasyPrint."""
    from .pdf import html_to_pdf

    if isinstance(context, ComparisonContext):
        html = render_comparison(context, "html", template_dir=template_dir)
    else:
        html = render_brief(context, "html", template_dir=template_dir, full=full)
    return html_to_pdf(html, built_in=template_dir is None)
