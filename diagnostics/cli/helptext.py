"""Help texts in the chosen language.

click reads a command's help when the command is defined, before `--lang` is known, so the
texts are translated when help is formatted: `LocalizedCommand` and `LocalizedGroup` swap in
the catalog's translation of their help, short help and option help while click writes them,
and click's own words ("Usage:", "Options", "Commands", error messages) go through the same
catalog while a command runs. `extract_help` lets pybabel find the texts (babel.cfg).
"""

from __future__ import annotations

import ast
import contextlib
import inspect
import io
from collections.abc import Iterator
from typing import Any

import click


def N_(message: str) -> str:  # noqa: N802 - gettext's marker style
    return message


# click's own messages that a reader of our help or errors sees (click looks them up through
# the stdlib's gettext; `click_in_catalog` points it at ours while a command runs).
CLICK_MESSAGES = (
    N_("Usage:"), N_("Options"), N_("Commands"), N_("Positional arguments"), N_("default: {default}"),
    N_("Show this message and exit."), N_("Show the version and exit."), N_("required"),
    N_("Error: {message}"), N_("Try '{command} {option}' for help."), N_("No such option {name!r}."),
    N_("No such command {name!r}."), N_("Missing argument"), N_("Missing option"), N_("Missing command."),
    N_("Invalid value: {message}"), N_("Invalid value for {param_hint}: {message}"),
)
_CLICK_MODULES = ("core", "formatting", "exceptions", "parser", "types", "decorators")


def _language_is_english() -> bool:
    from diagnostics.i18n import DEFAULT_LANGUAGE, current_language

    return current_language() == DEFAULT_LANGUAGE


def translate(text: str | None, *, doc: bool = False) -> str | None:
    """`text` in the current language; a docstring is compared cleaned, as click shows it."""
    if not text or _language_is_english():
        return text
    from diagnostics.i18n import gettext

    if doc:
        cleaned = inspect.cleandoc(text).partition("\f")[0]
        translated = gettext(cleaned)
        return translated if translated != cleaned else text
    return gettext(text)


@contextlib.contextmanager
def translated_help(command: click.Command, ctx: click.Context | None = None) -> Iterator[None]:
    """The command's help, short help, epilog and parameters' help translated for a while."""
    params: list[Any] = list(command.params)
    if ctx is not None:
        help_option = command.get_help_option(ctx)
        if help_option is not None and help_option not in params:
            params.append(help_option)
    saved = (command.help, command.short_help, command.epilog, [getattr(p, "help", None) for p in params])
    command.help = translate(command.help, doc=True)
    command.short_help = translate(command.short_help, doc=True)
    command.epilog = translate(command.epilog, doc=True)
    for p in params:
        if getattr(p, "help", None):
            p.help = translate(p.help)  # type: ignore[attr-defined]
    try:
        yield
    finally:
        command.help, command.short_help, command.epilog, helps = saved
        for p, text in zip(params, helps, strict=True):
            if text is not None:
                p.help = text  # type: ignore[attr-defined]


@contextlib.contextmanager
def click_in_catalog() -> Iterator[None]:
    """click's own words ('Usage:', 'Options', its error messages) from our catalog for a while."""
    import importlib

    from diagnostics import i18n

    modules = [importlib.import_module(f"click.{name}") for name in _CLICK_MODULES]
    saved = [(m, getattr(m, "_", None), getattr(m, "ngettext", None)) for m in modules]
    for m, gettext_fn, ngettext_fn in saved:
        if gettext_fn is not None:
            m._ = i18n.gettext  # type: ignore[attr-defined]
        if ngettext_fn is not None:
            m.ngettext = i18n.ngettext  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for m, gettext_fn, ngettext_fn in saved:
            if gettext_fn is not None:
                m._ = gettext_fn  # type: ignore[attr-defined]
            if ngettext_fn is not None:
                m.ngettext = ngettext_fn  # type: ignore[attr-defined]


class LocalizedCommand(click.Command):
    """A click command whose help is shown in the chosen language."""

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with translated_help(self, ctx):
            super().format_help(ctx, formatter)

    def get_short_help_str(self, limit: int = 45) -> str:
        with translated_help(self):
            return super().get_short_help_str(limit)


class LocalizedGroup(LocalizedCommand, click.Group):
    """A click group whose help, and whose subcommands' help, is shown in the chosen language."""

    command_class = LocalizedCommand
    group_class = type  # subgroups are LocalizedGroups too


# ---------------------------------------------------------------------------------------
# Extraction (pybabel): the module's gettext calls, its commands' docstrings and help= texts


_CLICK_CALLS = {"command", "group", "option", "argument"}


def _is_click_call(node: ast.AST) -> bool:
    func = node.func if isinstance(node, ast.Call) else node
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return name in _CLICK_CALLS


def extract_help(fileobj: Any, keywords: Any, comment_tags: Any,
                 options: Any) -> Iterator[tuple[Any, ...]]:
    """Babel extractor: what `python` extracts, plus click help texts (docstrings, help=...)."""
    from babel.messages.extract import extract_python

    data = fileobj.read()
    yield from extract_python(io.BytesIO(data), keywords, comment_tags, options)
    for node in ast.walk(ast.parse(data)):
        if isinstance(node, ast.FunctionDef) and any(_is_click_call(d) for d in node.decorator_list):
            doc = ast.get_docstring(node, clean=True)
            if doc:
                yield node.lineno, "_", doc.partition("\f")[0], []
        if isinstance(node, ast.Call) and _is_click_call(node):
            for kw in node.keywords:
                if kw.arg in ("help", "short_help", "epilog") and isinstance(kw.value, ast.Constant) \
                        and isinstance(kw.value.value, str):
                    yield kw.value.lineno, "_", kw.value.value, []
