"""Reading YAML and JSON data files with errors that name the file and line.

Only safe loading. YAML aliases are refused outright: data files never need them, and
refusing them removes the 'billion laughs' alias bomb without any size heuristics.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .errors import DataError

MAX_FILE_BYTES = 5_000_000

Path_ = tuple[str | int, ...]


# libyaml's parser when available (about 10x faster); the pure-Python one otherwise.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Builder:
    """Turns a composed YAML node tree into plain data plus a key-path -> line map.

    An alias makes the composer hand back a node already seen; we refuse it, which also
    defuses "billion laughs" bombs without any size heuristics.
    """

    def __init__(self) -> None:
        self.lines: dict[Path_, int] = {}
        self.seen: set[int] = set()
        self.scalars = yaml.SafeLoader("")

    def build(self, node: yaml.Node, path: Path_ = (), used_at: int | None = None) -> Any:
        line = node.start_mark.line + 1
        if id(node) in self.seen:
            # An alias node carries the anchor's position; report where it is used.
            raise DataError("YAML aliases (*name) are not allowed in data files", line=used_at or line)
        self.seen.add(id(node))
        self.lines.setdefault(path, line)
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self.build(key_node, ("<key>",))
                if isinstance(key, (dict, list)):
                    raise DataError("a mapping key must be a plain value", line=key_node.start_mark.line + 1)
                if key in out:
                    raise DataError(f"duplicate key {key!r}", line=key_node.start_mark.line + 1)
                key_line = key_node.start_mark.line + 1
                self.lines[(*path, key)] = key_line  # errors point at the key
                out[key] = self.build(value_node, (*path, key), key_line)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, (*path, i), line) for i, child in enumerate(node.value)]
        return self.scalars.construct_object(node)


def read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise DataError("file not found", file=path) from None
    except OSError as exc:
        raise DataError(f"cannot read: {exc.strerror}", file=path) from None
    if path.is_dir():
        raise DataError("is a directory, not a file", file=path)
    if size > MAX_FILE_BYTES:
        raise DataError(f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}", file=path)
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8", file=path, line=line
        ) from None


def load_data(path: Path) -> tuple[Any, dict[Path_, int]]:
    """Parse a YAML or JSON file into plain data plus a map from key path to line number."""
    text = read_text(path)
    if not text.strip():
        raise DataError("the file is empty", file=path)
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text), {}
        except json.JSONDecodeError as exc:
            raise DataError(f"malformed JSON: {exc.msg}", file=path, line=exc.lineno) from None
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "malformed YAML"
        raise DataError(
            f"malformed YAML: {problem}", file=path, line=mark.line + 1 if mark else None
        ) from None
    except yaml.YAMLError as exc:
        raise DataError(f"malformed YAML: {exc}", file=path) from None
    if node is None:
        raise DataError("the file holds no data", file=path)
    builder = _Builder()
    try:
        data = builder.build(node)
    except DataError as exc:
        raise exc.at_file(path) from None
    except yaml.YAMLError as exc:
        raise DataError(f"malformed YAML: {exc}", file=path) from None
    lines = builder.lines
    return data, lines


def line_for(lines: dict[Path_, int], loc: Sequence[str | int]) -> int | None:
    """The line of the deepest known key along a pydantic error location."""
    path = tuple(loc)
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())


def validation_error(
    exc: ValidationError, path: Path, lines: dict[Path_, int], prefix: Path_ = (), what: str = ""
) -> DataError:
    """Turn the first pydantic error into one readable DataError naming file and line."""
    err = exc.errors(include_url=False)[0]
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p in _UNION_TAGS))
    where = ".".join(str(p) for p in loc)
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = f"unknown field {loc[-1]!r}"
    elif err["type"] == "missing":
        msg = f"missing field {loc[-1]!r}"
    label = f"{what}: " if what else ""
    detail = f"{label}{where}: {msg}" if where else f"{label}{msg}"
    more = len(exc.errors()) - 1
    if more:
        detail += f" (and {more} more problem{'s' if more > 1 else ''})"
    return DataError(detail, file=path, line=line_for(lines, (*prefix, *loc)))


_UNION_TAGS = {"all", "any", "not", "at_least", "finding", "known", "compare"}


def parse_model(
    model: type[BaseModel], data: Any, path: Path, lines: dict[Path_, int], prefix: Path_ = (),
    what: str = "",
) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, path, lines, prefix, what) from None


def atomic_write(path: Path, text: str | bytes) -> None:
    """Write a file so that a crash leaves either the old or the new content, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def dump_yaml(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
