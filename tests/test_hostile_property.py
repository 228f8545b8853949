"""Property: however the Kazakhstan profile is damaged, the pipeline fails only with our error.

Hypothesis mutates the reference profile (deletes keys, swaps types, inserts garbage keys
and values, writes odd YAML tags, impossible dates and huge numbers into the text) and
sends each mutant through load → assess → brief (Markdown and HTML). The only exception
allowed is :class:`DiagnosticsError`, which the CLI prints as one line with exit code 2.

2,000 mutants per run. To keep the suite's time, one reference-evaluator Assessor is
shared; seven eighths of the mutants are data-level changes written as JSON (the fastest
to write and read), one eighth are the profile's own YAML text with an odd tag, date or
number spliced into a typed line, or a line deleted.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from diagnostics.reports.context import build_context
from diagnostics.reports.render import render_brief
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from diagnostics.assessment import Assessor
from diagnostics.errors import DiagnosticsError
from diagnostics.profileio import load_profile
from diagnostics.registry import Registry

KZ = Path(__file__).resolve().parent.parent / "plugins" / "central_asia" / "profiles" / "kz.yaml"
KZ_LINES = KZ.read_text(encoding="utf-8").splitlines()
# Lines holding typed values (a date, a number, a flag, a code), where odd scalars bite.
VALUE_LINES = [i for i, x in enumerate(KZ_LINES)
               if x.strip().split(":", 1)[0] in {"value", "as_of", "country", "unknown", "evidence", "family"}]
BASE: dict[str, Any] = yaml.safe_load(KZ.read_text(encoding="utf-8"))
BASE["as_of"] = str(BASE["as_of"])
BASE_JSON = json.dumps(BASE)

# Raw YAML scalars that break conversion in every way the issue lists, and some more.
ODD_SCALARS = [
    "!!int x", "!!float y", "!!bool maybe", "2018-02-30", "2018-13-01", "2018", "9" * 5000,
    "!!binary aGk=", "!!set {a: null}", "!!omap [a: 1]", "!!python/object:os.system x", "!foo bar",
    "*nowhere", "&a [1, *a]", "1e308", "1e309", ".nan", "-.inf", "0x1F", "0o17", "'unclosed",
    '"\\e[2J\\e]0;owned\\a"', "{", "[[[[", "~", "2018-02-28 25:00:00", "<script>alert(1)</script>",
    '"<img src=x onerror=alert(1)>"', "|", ">-", "? x", "- - -", "!!str", "!!timestamp 20x8",
]

GARBAGE_TEXT = st.text(alphabet=st.sampled_from(list("aZ09 _.-:<>/\\`*[]()|#!&;\"'\n\t{}") + ["\x1b", "\x00",
                                                                                             "é", "語", "\u202e"]),
                       max_size=24)
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30),
                   st.floats(allow_nan=True, allow_infinity=True), GARBAGE_TEXT,
                   st.sampled_from(["2018-02-30", "2018-12-31", "1e308", "KZ\n", "rd.gerd_share", "unknown"]))
GARBAGE = st.one_of(SCALAR, st.lists(SCALAR, max_size=3), st.dictionaries(GARBAGE_TEXT, SCALAR, max_size=2))


def _paths(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every key or index path in the data, parents before children."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield (*path, key)
            yield from _paths(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield (*path, i)
            yield from _paths(value, (*path, i))


PATHS = list(_paths(BASE))


def _parent(data: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        data = data[step]
    return data


MUTATION = st.one_of(
    st.tuples(st.sampled_from(["delete"]), st.integers(0, len(PATHS) - 1)),
    st.tuples(st.just("swap"), st.integers(0, len(PATHS) - 1), GARBAGE),
    st.tuples(st.just("insert"), st.integers(0, len(PATHS) - 1), GARBAGE_TEXT, GARBAGE),
)


def mutate(mutations: list[tuple[Any, ...]]) -> dict[str, Any]:
    data = json.loads(BASE_JSON)  # a deep copy, several times faster than copy.deepcopy
    for op, index, *rest in mutations:
        path = PATHS[index]
        try:
            parent = _parent(data, path)
            if op == "delete":
                del parent[path[-1]]
            elif op == "swap":
                parent[path[-1]] = rest[0]
            else:
                target = parent[path[-1]]
                if isinstance(target, dict):
                    target[rest[0]] = rest[1]
                elif isinstance(target, list):
                    target.append(rest[1])
                else:
                    parent[path[-1]] = {rest[0]: rest[1]}
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed the path: nothing to do
    return data


def splice(line: int, scalar: str, delete: bool) -> str:
    """The profile's YAML text with one `key: value` line given a raw scalar, or deleted."""
    lines = list(KZ_LINES)
    i = VALUE_LINES[line % len(VALUE_LINES)]
    if delete:
        del lines[i]
    else:
        lines[i] = f"{lines[i].split(': ', 1)[0]}: {scalar}"
    return "\n".join(lines) + "\n"


class Pipeline:
    """load → assess → brief with one shared Assessor (a short repr keeps failure reports readable)."""

    def __init__(self, registry: Registry, assessor: Assessor, folder: Path) -> None:
        self.registry, self.assessor, self.folder = registry, assessor, folder

    def __repr__(self) -> str:
        return "Pipeline(reference evaluator)"

    def run(self, path: Path) -> list[tuple[str, str]]:
        """(format, text) of the two-page brief and the full report, in Markdown and HTML."""
        loaded = load_profile(path)
        assessment = self.assessor.assess(loaded.profile, file=str(path), lines=loaded.lines)
        context = build_context(assessment, self.registry.kb, loaded.profile, self.registry)
        return [(fmt, render_brief(context, fmt, full=full)) for full in (False, True) for fmt in ("md", "html")]


@pytest.fixture(scope="module")
def pipeline(registry: Registry, reference_assessor: Assessor) -> Iterator[Pipeline]:
    with tempfile.TemporaryDirectory() as folder:
        yield Pipeline(registry, reference_assessor, Path(folder))


@settings(max_examples=2000, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(mutations=st.lists(MUTATION, min_size=1, max_size=4),
       as_yaml=st.integers(0, 7), odd=st.sampled_from(ODD_SCALARS), line=st.integers(0, 10_000))
def test_mutated_kz_profile_raises_only_our_error(pipeline: Pipeline, mutations: list[tuple[Any, ...]],
                                                  as_yaml: int, odd: str, line: int) -> None:
    if as_yaml == 0:  # an eighth: the YAML text with an odd scalar spliced in or a line deleted
        path = pipeline.folder / "mutant.yaml"
        path.write_text(splice(line, odd, delete=line % 7 == 0), encoding="utf-8")
    else:
        path = pipeline.folder / "mutant.json"
        path.write_text(json.dumps(mutate(mutations), ensure_ascii=False), encoding="utf-8")
    try:
        documents = pipeline.run(path)
    except DiagnosticsError as exc:
        message = str(exc)
        assert message and "\n" not in message.strip() and "\x1b" not in message
        return
    for fmt, text in documents:
        # Markdown is judged as a reader sees it: rendered by a renderer that passes raw HTML
        # through (CommonMark), so an escaped "\<script\>" is text, a bare one an element.
        body = MarkdownIt("commonmark").render(text) if fmt == "md" else text.split("</style>", 1)[-1]
        assert "<script" not in body and "\x1b" not in body
