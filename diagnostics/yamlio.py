"""Reading YAML and JSON data files with errors that name the file and line.

Every file goes through :func:`diagnostics.safeio.read_text` (regular files only, size
limit before reading, UTF-8 without control characters). Only safe loading: YAML aliases
are refused outright (data files never need them, and refusing them removes the 'billion
laughs' alias bomb), so are tags other than the plain scalar types, keys given twice (in
JSON as in YAML) and nesting deeper than :data:`MAX_DEPTH`. A value that cannot be
converted (``2018-02-30``, ``!!int x``, an integer of 5,000 digits) is a DataError naming
its line, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from .errors import DataError
from .i18n import N_, _, format_number, ngettext
from .parse_messages import json_problem, pydantic_message, yaml_problem
from .safeio import CONTROL_CHARS, MAX_FILE_BYTES, atomic_write, read_text

if TYPE_CHECKING:
    import yaml

__all__ = ["MAX_DEPTH", "MAX_FILE_BYTES", "atomic_write", "dump_yaml", "line_for", "load_data",
           "parse_data", "parse_model", "read_text", "validation_error"]

MAX_DEPTH = 64

Path_ = tuple[str | int, ...]

_TAG = "tag:yaml.org,2002:"
_STR = _TAG + "str"
_SCALAR_KINDS = {"str": N_("text"), "int": N_("an integer"), "float": N_("a number"),
                 "bool": N_("true or false"), "null": N_("null"), "timestamp": N_("a date")}



@cache
def _loader() -> Any:
    """The YAML loader class, made when a file is first parsed: PyYAML is imported only then (a
    run whose profile comes from the cache never imports it; start-up, issue 11). libyaml's
    parser when available (about 10x faster); the pure-Python one otherwise."""
    import yaml

    base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc,valid-type]
        """Adds YAML 1.2 floats such as 1e308 (YAML 1.1 reads them as text, which surprises)."""

    Loader.add_implicit_resolver(
        _TAG + "float",
        re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
        list("-+0123456789"),
    )
    return Loader


def _conversion_problem(node: yaml.Node, exc: Exception) -> str:
    kind = node.tag.removeprefix(_TAG)
    shown = node.value if len(node.value) <= 40 else node.value[:37] + "..."
    if isinstance(exc, ValueError) and "digits" in str(exc) and kind == "int":
        return _("an integer of {n} digits is beyond any indicator's range").format(
            n=format_number(len(node.value)))
    if kind == "timestamp":
        if isinstance(exc, ValueError):
            return _("{value} is not a valid date ({reason}); write a date as YYYY-MM-DD").format(
                value=repr(shown), reason=_date_reason(exc))
        return _("{value} is not a valid date; write a date as YYYY-MM-DD").format(value=repr(shown))
    what = _(_SCALAR_KINDS[kind]) if kind in _SCALAR_KINDS else kind
    return _("{value} cannot be read as {kind}").format(value=repr(shown), kind=what)


# Python's own reasons for refusing a date, in the reader's language.
_DATE_REASONS = {
    "day is out of range for month": N_("day is out of range for month"),
    "month must be in 1..12": N_("month must be in 1..12"),
}


def _date_reason(exc: Exception) -> str:
    text = str(exc)
    return _(_DATE_REASONS[text]) if text in _DATE_REASONS else text


class _Builder:
    """Turns a composed YAML node tree into plain data plus a key-path -> line map.

    An alias makes the composer hand back a node already seen; we refuse it, which also
    defuses "billion laughs" bombs without any size heuristics.
    """

    def __init__(self, construct: bool = True) -> None:
        self.lines: dict[Path_, int] = {}
        self.seen: set[int] = set()
        self.construct = construct
        import yaml

        self.scalars = yaml.SafeLoader("")
        self.mapping_node, self.sequence_node = yaml.MappingNode, yaml.SequenceNode

    def build(self, node: yaml.Node, path: Path_ = (), used_at: int | None = None, depth: int = 0) -> Any:
        line = node.start_mark.line + 1
        if id(node) in self.seen:
            # An alias node carries the anchor's position; report where it is used.
            raise DataError(_("YAML aliases (*name) are not allowed in data files"), line=used_at or line)
        if depth > MAX_DEPTH:
            raise DataError(_too_deep(), line=line)
        self.seen.add(id(node))
        self.lines.setdefault(path, line)
        if isinstance(node, self.mapping_node):
            if node.tag != _TAG + "map":
                raise DataError(_tag_refused(node.tag), line=line)
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self.build(key_node, ("<key>",), depth=depth + 1)
                key_line = key_node.start_mark.line + 1
                if isinstance(key, (dict, list)):
                    raise DataError(_("a mapping key must be a plain value"), line=key_line)
                if key in out:
                    raise DataError(_("duplicate key {key}").format(key=repr(key)), line=key_line)
                self.lines[(*path, key)] = key_line  # errors point at the key
                out[key] = self.build(value_node, (*path, key), key_line, depth + 1)
            return out
        if isinstance(node, self.sequence_node):
            if node.tag != _TAG + "seq":
                raise DataError(_tag_refused(node.tag), line=line)
            return [self.build(child, (*path, i), line, depth + 1) for i, child in enumerate(node.value)]
        if node.tag == _STR:  # most scalars: no conversion to fail
            value = node.value
        elif not self.construct:
            value = None
        elif node.tag.removeprefix(_TAG) not in _SCALAR_KINDS or not node.tag.startswith(_TAG):
            raise DataError(_tag_refused(node.tag), line=line)
        else:
            try:
                value = self.scalars.construct_object(node)
            except Exception as exc:  # every way a scalar can fail to convert is an input error
                raise DataError(_conversion_problem(node, exc), line=line) from None
        if isinstance(value, str) and CONTROL_CHARS.search(value):
            raise DataError(_("a control character (an escape such as \\e or \\x1b) is not allowed in text"),
                            line=line)
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        return value


def _short(tag: str) -> str:
    return "!!" + tag.removeprefix(_TAG) if tag.startswith(_TAG) else tag


def _tag_refused(tag: str) -> str:
    return _("the tag {tag} is not allowed in data files").format(tag=_short(tag))


def _too_deep() -> str:
    return _("nested more than {depth} levels deep").format(depth=MAX_DEPTH)


def _compose(text: str) -> yaml.Node | None:
    loader = _loader()(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _json_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise DataError(_("duplicate key {key}").format(key=repr(key)))
        out[key] = value
    return out


def _json_constant(name: str) -> Any:
    raise DataError(_("{name} is not a number a data file may hold").format(name=name))


def _check_json_strings(data: Any, lines: Mapping[Path_, int], path: Path_ = ()) -> None:
    if isinstance(data, dict):
        for key, value in data.items():
            if CONTROL_CHARS.search(key):
                raise DataError(_("a control character is not allowed in a key"), line=line_for(lines, path))
            _check_json_strings(value, lines, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            _check_json_strings(value, lines, (*path, i))
    elif isinstance(data, str) and CONTROL_CHARS.search(data):
        raise DataError(_("a control character (such as \\u001b) is not allowed in text"),
                        line=line_for(lines, path))


_JSON_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|[{}\[\],:\n]')


def _json_line_map(text: str) -> dict[Path_, int]:
    """Key path -> line of a JSON document that json has already accepted.

    A scan over strings and punctuation (JSON strings hold no raw line breaks), several
    times faster than composing the document as YAML. Also refuses a key given twice,
    with its line, as the YAML reader does.
    """
    lines: dict[Path_, int] = {(): 1}
    stack: list[Any] = []  # per open container: [path, next index or None, last key, keys seen]
    line = 1
    expect_key = False
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        if token == "\n":
            line += 1
            continue
        if token in "{[":
            if stack:
                top = stack[-1]
                path: Path_ = (*top[0], top[2] if top[1] is None else top[1])
            else:
                path = ()
            lines.setdefault(path, line)
            stack.append([path, None if token == "{" else 0, None, set()])
            expect_key = token == "{"
        elif token in "}]":
            stack.pop()
            expect_key = False
        elif token == ",":
            if stack and stack[-1][1] is not None:
                stack[-1][1] += 1
            expect_key = bool(stack) and stack[-1][1] is None
        elif token == ":":
            expect_key = False
        elif expect_key and stack:
            top = stack[-1]
            key = token[1:-1] if "\\" not in token else json.loads(token)
            if key in top[3]:
                raise DataError(_("duplicate key {key}").format(key=repr(key)), line=line)
            top[3].add(key)
            top[2] = key
            lines[(*top[0], key)] = line
            expect_key = False
    return lines


class _JsonLines(Mapping[Path_, int]):
    """The line map of a JSON document, worked out only when an error needs a line."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._lines: dict[Path_, int] | None = None

    def lines(self) -> dict[Path_, int]:
        if self._lines is None:
            self._lines = {}  # stays empty if the scan raises (a duplicate key), so it runs once
            self._lines = _json_line_map(self._text)
        return self._lines

    def __getitem__(self, key: Path_) -> int:
        return self.lines()[key]

    def __iter__(self) -> Iterator[Path_]:
        return iter(self.lines())

    def __len__(self) -> int:
        return len(self.lines())


def _load_json(text: str, path: Path) -> tuple[Any, Mapping[Path_, int]]:
    lines = _JsonLines(text)
    try:
        data = json.loads(text, object_pairs_hook=_json_pairs, parse_constant=_json_constant)
    except json.JSONDecodeError as exc:
        raise DataError(_("malformed JSON: {detail}").format(detail=json_problem(exc)), file=path,
                        line=exc.lineno) from None
    except DataError as exc:  # a duplicate key: the line map's builder finds its line
        try:
            lines.lines()
        except DataError as located:
            raise located.at_file(path) from None
        raise exc.at_file(path) from None
    except RecursionError:
        raise DataError(_too_deep(), file=path) from None
    except ValueError as exc:  # an integer beyond Python's digit limit, and the like
        long_number = re.search(r"\d{4000,}", text)
        line = text.count("\n", 0, long_number.start()) + 1 if long_number else None
        detail = _("an integer with thousands of digits is beyond any indicator's range") if long_number else str(exc)
        raise DataError(detail, file=path, line=line) from None
    try:
        _check_json_strings(data, lines)
    except DataError as exc:
        raise exc.at_file(path) from None
    except RecursionError:
        raise DataError(_too_deep(), file=path) from None
    return data, lines


def load_data(path: Path) -> tuple[Any, Mapping[Path_, int]]:
    """Parse a YAML or JSON file into plain data plus a map from key path to line number."""
    return parse_data(read_text(path), path)


def parse_data(text: str, path: Path) -> tuple[Any, Mapping[Path_, int]]:
    """Parse the text of `path` (YAML, or JSON for a .json name); errors name `path`."""
    if not text.strip():
        raise DataError(_("the file is empty"), file=path)
    if path.suffix.lower() == ".json":
        return _load_json(text, path)
    import yaml

    try:
        node = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise DataError(
            _("malformed YAML: {detail}").format(detail=yaml_problem(exc)), file=path,
            line=mark.line + 1 if mark else None
        ) from None
    except yaml.YAMLError as exc:
        raise DataError(_("malformed YAML: {detail}").format(detail=exc), file=path) from None
    except RecursionError:
        raise DataError(_too_deep(), file=path) from None
    if node is None:
        raise DataError(_("the file holds no data"), file=path)
    builder = _Builder()
    try:
        data = builder.build(node)
    except DataError as exc:
        raise exc.at_file(path) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise DataError(_("malformed YAML: {detail}").format(detail=yaml_problem(exc, str(exc))), file=path,
                        line=mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise DataError(_("malformed YAML: {detail}").format(detail=exc), file=path) from None
    except RecursionError:
        raise DataError(_too_deep(), file=path) from None
    return data, builder.lines


def line_for(lines: Mapping[Path_, int], loc: Sequence[str | int]) -> int | None:
    """The line of the deepest known key along a pydantic error location."""
    path = tuple(loc)
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())


def validation_error(
    exc: ValidationError, path: Path, lines: Mapping[Path_, int], prefix: Path_ = (), what: str = ""
) -> DataError:
    """Turn the first pydantic error into one readable DataError naming file and line."""
    err = exc.errors(include_url=False)[0]
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p in _UNION_TAGS))
    where = ".".join(str(p) if _PLAIN_KEY.match(str(p)) else repr(p) for p in loc)  # a key may hold anything
    msg = pydantic_message(err, loc)
    label = f"{what}: " if what else ""
    detail = f"{label}{where}: {msg}" if where else f"{label}{msg}"
    more = len(exc.errors()) - 1
    if more:
        detail += " " + ngettext("(and {n} more problem)", "(and {n} more problems)", more).format(n=more)
    return DataError(detail, file=path, line=line_for(lines, (*prefix, *loc)))


_PLAIN_KEY = re.compile(r"\A[\w.:-]{1,80}\Z")
_UNION_TAGS = {"all", "any", "not", "at_least", "finding", "known", "compare"}


def parse_model(
    model: type[BaseModel], data: Any, path: Path, lines: Mapping[Path_, int], prefix: Path_ = (),
    what: str = "",
) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, path, lines, prefix, what) from None


def dump_yaml(data: Any) -> str:
    import yaml

    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
