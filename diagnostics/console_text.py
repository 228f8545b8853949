"""Console markup written as rich writes it to a file that is not a terminal, without rich's console.

Printed to a pipe or a file, rich drops every style and only wraps: a string of markup
becomes its plain text, wrapped at the console's width, and a tree gets guide lines. Doing
that through rich's Console, Segment and Tree machinery cost `diagnose assess` more CPU
(its import and rendering) than assessing the profile. `PlainPrinter` does the same steps:
text whose characters all take one cell (`NARROW`) is wrapped by rich._wrap's rule here,
anything else with rich's own word-wrapping and cell-width functions (rich._wrap,
rich.cells), so the text is the same byte for byte: tests/test_startup.py compares the two
on real assessments and on generated markup.

It covers only the plain case. `plain_width` says whether rich would write plain text
at all (not a terminal, no forced colour, UTF-8, not Jupyter or Windows), and anything
unusual in a string (a tab, a carriage return, an emoji code, a tag it does not close
simply) raises `NeedsRich`, after which the caller prints with rich itself.
"""

from __future__ import annotations

import builtins
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TextIO

from .safeio import strip_controls

# rich.markup's patterns: a tag (with any backslashes before it) and a tag to escape.
_TAG = re.compile(r"((\\*)\[([a-z#/@][^[]*?)])")
_ESCAPE = re.compile(r"(\\*)(\[[a-z#/@][^[]*?])")
_EMOJI_CODE = re.compile(r":(\S*?)(?:-(?:emoji|text))?:")  # rich._emoji_replace's pattern
_TRAILING_SPACE = re.compile(r"\s+$")
_FORK, _END, _CONTINUE, _SPACE = "├── ", "└── ", "│   ", "    "  # rich.tree's guides
MIN_WIDTH = 16
LETTERLESS_EMOJI = frozenset({"100", "1234", "+1", "-1", "__1"})  # rich's emoji names without a letter


class NeedsRich(Exception):
    """The text has something this module does not reproduce; print it with rich."""


def escape(markup: str) -> str:
    """Text as a literal inside console markup (rich.markup.escape, without importing rich)."""

    def double(match: re.Match[str]) -> str:
        backslashes, text = match.groups()
        return f"{backslashes}{backslashes}\\{text}"

    markup = _ESCAPE.sub(double, markup)
    if markup.endswith("\\") and not markup.endswith("\\\\"):
        return markup + "\\"
    return markup


def esc(value: Any) -> str:
    """Data (a name, a source, a value) as literal text inside markup, control characters removed."""
    return escape(strip_controls(str(value)))


def plain_width(stream: TextIO, environ: Mapping[str, str] | None = None) -> int | None:
    """The width rich's Console would wrap at when printing to `stream`, if it would print
    plain text there (rich.console.Console.is_terminal and .size); else None."""
    env = os.environ if environ is None else environ
    if sys.platform == "win32" or hasattr(builtins, "get_ipython"):
        return None  # legacy Windows consoles and notebooks have widths of their own
    if getattr(sys.stdin, "__module__", "").startswith("idlelib"):
        return None
    tty_compatible = env.get("TTY_COMPATIBLE", "")
    if tty_compatible == "1":
        return None
    if tty_compatible != "0":
        force_color = env.get("FORCE_COLOR")
        if force_color is not None:
            if force_color != "":
                return None
        else:
            isatty = getattr(stream, "isatty", None)
            try:
                if isatty is not None and isatty():
                    return None
            except ValueError:
                pass
    if not (getattr(stream, "encoding", "utf-8") or "utf-8").lower().startswith("utf"):
        return None  # rich would draw ASCII guides
    columns = env.get("COLUMNS")
    if columns is not None and columns.isdigit():
        width = int(columns)
    else:
        width = 0
        for fd in (0, 1, 2):  # rich takes the size of the first standard stream that is a terminal
            try:
                width = os.get_terminal_size(fd).columns
            except (AttributeError, ValueError, OSError):
                continue
            break
        width = width or 80
    return width if width >= MIN_WIDTH else None


def plain(markup: str) -> str:
    """The text a string of console markup shows (SafeConsole.render_str, then rich.markup.render)."""
    text = strip_controls(markup)
    if "\r" in text or "\t" in text:
        raise NeedsRich("a carriage return or tab")
    if "[" not in text:
        return _no_emoji(text)
    pieces: list[str] = []
    open_tags: list[str] = []
    position = 0
    for match in _TAG.finditer(text):
        full, escapes, tag = match.groups()
        start, end = match.span()
        if start > position:
            pieces.append(_no_emoji(text[position:start].replace("\\[", "[")))
        position = end
        if escapes:
            backslashes, escaped = divmod(len(escapes), 2)
            pieces.append("\\" * backslashes)
            if escaped:
                pieces.append(_no_emoji(full[len(escapes):].replace("\\[", "[")))
                continue
        name = tag.partition("=")[0]
        if name.startswith("@"):
            raise NeedsRich("a meta tag")
        if name.startswith("/"):
            # A close must name the innermost open tag as written: then rich closes the same
            # one. Anything else (an implicit [/], another spelling) is left to rich.
            if not open_tags or name[1:].strip().lower() != open_tags[-1]:
                raise NeedsRich("a closing tag")
            open_tags.pop()
        else:
            open_tags.append(name.strip().lower())
    if position < len(text):
        pieces.append(_no_emoji(text[position:].replace("\\[", "[")))
    return "".join(pieces)


def _no_emoji(text: str) -> str:
    # rich replaces :name: by the emoji of that name. Its names have a letter but for a few
    # (LETTERLESS_EMOJI, tested), so text whose colon pairs are only digits otherwise (a time
    # such as 5:38:54) needs neither rich's emoji table nor rich.
    if ":" in text and any(_may_be_emoji(m.group(1)) for m in _EMOJI_CODE.finditer(text)):
        raise NeedsRich("an emoji code")
    return text


def _may_be_emoji(name: str) -> bool:
    return name in LETTERLESS_EMOJI or any(c.isalpha() for c in name)


def wrap(text: str, width: int) -> list[str]:
    """Plain text as rich's Text.wrap lays it out (justify "default", overflow "fold")."""
    divide: Callable[[str, int], list[int]] = _divide_narrow
    cell_len: Callable[[str], int] = len
    set_cell_size: Callable[[str, int], str] = _set_narrow_size
    if not NARROW.fullmatch(text):  # wide, combining or rare characters: rich's own measures
        from rich import _wrap, cells

        divide, cell_len, set_cell_size = _wrap.divide_line, cells.cell_len, cells.set_cell_size

    lines: list[str] = []
    for line in text.split("\n"):
        bounds = [0, *divide(line, width), len(line)]  # (divide_line folds by default)
        for start, end in zip(bounds, bounds[1:], strict=False):
            piece = line[start:end]
            excess = len(piece) - width
            if excess > 0:  # Text.rstrip_end: trailing space past the width goes
                space = _TRAILING_SPACE.search(piece)
                if space:
                    piece = piece[:len(piece) - min(len(space.group(0)), excess)]
            if cell_len(piece) > width:  # Text.truncate
                piece = set_cell_size(piece, width)
            lines.append(piece)
    return lines


# Text whose every character rich measures as one cell: rich.cells' single-cell ranges and
# the punctuation the output uses (tests check each against rich.cells.cell_len). Such text
# is wrapped here by rich._wrap.divide_line's rule, without importing rich's cell tables.
NARROW = re.compile("[\n\x20-\x7e\xa0-\xac\xae-\u02ff\u0370-\u0482\u2500-\u25fc\u2800-\u28ff"
                    "\u2009\u2011\u2013\u2014\u2018\u2019\u201c\u201d\u2022\u2026\u202f\u2190-\u2193\u2212\u2264\u2265]*")
_WORD = re.compile(r"\s*\S+\s*")  # rich._wrap's word: the word and the whitespace after it


def _divide_narrow(line: str, width: int) -> list[int]:
    """rich._wrap.divide_line(line, width, fold=True) for narrow text (one cell per character)."""
    breaks: list[int] = []
    offset = 0
    for match in _WORD.finditer(line):
        start, word = match.start(), match.group(0)
        length = len(word.rstrip())
        if width - offset >= length:
            offset += len(word)
        elif length > width:  # longer than a line: folded across lines
            pieces = [word[i:i + width] for i in range(0, len(word), width)]
            for n, piece in enumerate(pieces):
                if start:
                    breaks.append(start)
                if n == len(pieces) - 1:
                    offset = len(piece)
                else:
                    start += len(piece)
        elif offset and start:
            breaks.append(start)
            offset = len(word)
    return breaks


def _set_narrow_size(text: str, total: int) -> str:
    return text[:total]


class PlainPrinter:
    """Collects what `print` and `tree` would print, as rich prints it to a non-terminal."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.lines: list[str] = []

    def print(self, markup: str) -> None:
        self.lines += wrap(plain(markup), self.width)

    def tree(self, label: str, children: Sequence[str]) -> None:
        """A rich Tree of one label and its children (one level)."""
        self.lines += wrap(plain(label), self.width)
        for n, child in enumerate(children):
            last = n == len(children) - 1
            for i, line in enumerate(wrap(plain(child), self.width - 4)):
                self.lines.append((_END if last else _FORK) if i == 0 else (_SPACE if last else _CONTINUE))
                self.lines[-1] += line

    def text(self) -> str:
        return "".join(line + "\n" for line in self.lines)
