"""What keeps `diagnose assess` cheap to start (issue 11): the collector's pause while the
knowledge base loads, plain output printed without rich's console, and profiles and the
durable-rules program cached."""

from __future__ import annotations

import gc
import io
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.markup import escape as rich_escape

from diagnostics import kbcache
from diagnostics.assessment import Assessor
from diagnostics.assessment_text import assessment_blocks, plain_text, print_assessment, print_blocks
from diagnostics.cli import main
from diagnostics.cli.context import Settings, startup_allocations
from diagnostics.console_text import LETTERLESS_EMOJI, MIN_WIDTH, NARROW, NeedsRich, escape, plain, plain_width, wrap
from diagnostics.engine import compile_program
from diagnostics.errors import DataError
from diagnostics.i18n import set_language
from diagnostics.profileio import load_profile


def test_loading_pauses_the_collector_and_freezes_what_it_loaded() -> None:
    assert gc.get_freeze_count() == 0
    try:
        with startup_allocations():
            assert not gc.isenabled()
            kept = [[n] for n in range(100)]
        assert gc.isenabled()
        assert gc.get_freeze_count() >= len(kept)
    finally:
        gc.unfreeze()


def test_the_collector_stays_off_if_it_was_off() -> None:
    gc.disable()
    try:
        with startup_allocations():
            pass
        assert not gc.isenabled()
    finally:
        gc.unfreeze()
        gc.enable()


def test_the_registry_loads_frozen_and_a_command_unfreezes_when_it_returns() -> None:
    try:
        Settings(no_plugins=True).registry()
        assert gc.get_freeze_count() > 0 and gc.isenabled()
    finally:
        gc.unfreeze()
    result = CliRunner().invoke(main, ["--no-plugins", "assess", "KZ", "--json"])
    assert result.exit_code == 0, result.output
    assert gc.get_freeze_count() == 0 and gc.isenabled()
    result = CliRunner().invoke(main, ["--no-plugins", "assess", "no-such.yaml"])
    assert result.exit_code == 2
    assert gc.get_freeze_count() == 0 and gc.isenabled()


# -------------------------------------------------------------------------------------
# `diagnose assess` printed without rich's console where rich would print plain text
# (diagnostics.console_text): the same text, byte for byte.

TOKENS = [":100:", ":+1:", "[bold]", "[/bold]", "[dim]", "[/dim]", "[bold red]", "[/bold red]", "[/]", "[b]", "[/b]",
          "[BOLD]", "[/ bold ]", "[@click]", "[link=https://x.org]", "[/link]", "[cyan]", "\\", "\\[",
          "[", "]", "[x", ":", ":smile:", ":SMILE:", ":thumbs_up-emoji:", "5:38:54", "::", " ", "  ",
          "\n", "\t", "\r", "\x1b[31m", "word", "a-long-unbroken-identifier-that-must-be-folded",
          "node.official_hostility_to_entrepreneurship", "слово", "漢字", "—", "·", "←", "e\u0301"]
MARKUP = st.lists(st.sampled_from(TOKENS), max_size=24).map("".join)
# What assess prints: text, data escaped or not, inside tags that close in order.
WORDS = ["word", " ", "  ", "\n", "—", "·", "←", "слово", "漢字", "e\u0301", "5:38:54",
         "node.official_hostility_to_entrepreneurship", "a-long-unbroken-identifier-that-must-be-folded"]
TEXT = st.lists(st.sampled_from(WORDS), max_size=12).map("".join)
DATA = st.lists(st.sampled_from([*WORDS, "\\", "]", "[x", "[bold]", "[/]", "\\[dim]"]), max_size=8).map(
    "".join).map(escape)
STYLED = st.tuples(st.sampled_from(["bold", "dim", "bold red", "cyan", "bold underline"]), TEXT, DATA).map(
    lambda p: f"[{p[0]}]{p[1]}{p[2]}[/{p[0]}]")
WELL_FORMED = st.lists(st.one_of(TEXT, DATA, STYLED), max_size=6).map("".join)


def rich_text(blocks, width: int) -> str:
    buffer = io.StringIO()
    print_blocks(blocks, file=buffer, width=width, force_terminal=False)
    return buffer.getvalue()


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("show_all", [False, True])
def test_the_plain_assessment_is_what_rich_prints(lang: str, show_all: bool, registry, kz_profile) -> None:
    set_language(lang)
    kb = registry.kb_for("KZ")
    blocks = assessment_blocks(Assessor(kb).assess(kz_profile), kb, show_all)
    for width in (80, 47, 133):
        assert plain_text(blocks, width) == rich_text(blocks, width)


def test_assess_prints_plain_text_where_rich_would(registry, kz_profile, capsys, monkeypatch) -> None:
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "80")
    kb = registry.kb_for("KZ")
    a = Assessor(kb).assess(kz_profile)
    print_assessment(a, kb)
    assert capsys.readouterr().out == rich_text(assessment_blocks(a, kb), 80)
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich's colours: printed by rich
    print_assessment(a, kb)
    assert "\x1b[" in capsys.readouterr().out


def test_assess_to_a_pipe_does_not_import_richs_console() -> None:
    code = ("import sys; from diagnostics.cli import main\n"
            "try:\n    main(['--no-plugins', 'assess', 'KZ'])\nexcept SystemExit as e:\n    assert not e.code\n"
            "assert 'rich.console' not in sys.modules and 'rich.tree' not in sys.modules\n")
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    r = subprocess.run([sys.executable, "-c", code], env={**env, "COLUMNS": "80"}, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "Root causes" in r.stdout and "dx.formal_informal_mismatch" in r.stdout


@settings(max_examples=400, deadline=None, database=None, derandomize=True)
@given(label=MARKUP, branches=st.lists(MARKUP, max_size=3), line=MARKUP, width=st.integers(16, 90))
def test_plain_markup_is_what_rich_prints(label: str, branches: list[str], line: str, width: int) -> None:
    blocks = [line, (label, branches)]
    try:
        plain = plain_text(blocks, width)
    except NeedsRich:
        return  # printed by rich itself
    assert plain == rich_text(blocks, width)


@settings(max_examples=300, deadline=None, database=None, derandomize=True)
@given(label=WELL_FORMED, branches=st.lists(WELL_FORMED, max_size=3), line=WELL_FORMED, width=st.integers(16, 90))
def test_well_formed_markup_is_printed_plainly_as_rich_prints_it(label: str, branches: list[str], line: str,
                                                                 width: int) -> None:
    blocks = [line, (label, branches)]
    assert plain_text(blocks, width) == rich_text(blocks, width)


@settings(max_examples=300, deadline=None, database=None, derandomize=True)
@given(text=MARKUP)
def test_escape_is_richs(text: str) -> None:
    assert escape(text) == rich_escape(text)


def test_narrow_characters_are_one_cell_for_rich() -> None:
    # console_text wraps text made only of these without rich's cell tables.
    from rich.cells import cell_len

    narrow = [chr(c) for c in range(0x20, 0x3000) if NARROW.fullmatch(chr(c))]
    assert len(narrow) > 1000 and "—" in narrow and "漢" not in narrow and "\u0301" not in narrow
    assert [c for c in narrow if cell_len(c) != 1] == []


@settings(max_examples=300, deadline=None, database=None, derandomize=True)
@given(text=st.lists(st.sampled_from(["a", "bb", "ccc ", " ", "  ", "—", "слово ", "x" * 30, "\n", "é", "漢字"]),
                     max_size=30).map("".join), width=st.integers(1, 40))
def test_wrapping_narrow_text_is_richs(text: str, width: int) -> None:
    from rich.console import Console
    from rich.text import Text

    console = Console(width=width, force_terminal=False)
    expected = [line.plain for line in Text(text).wrap(console, width, justify="default", overflow="fold")]
    assert wrap(text, width) == expected


def test_emoji_names_without_a_letter_are_known() -> None:
    # console_text passes colon pairs without a letter (a time, 5:38:54) without rich's emoji
    # table unless they are one of these names.
    from rich._emoji_codes import EMOJI

    assert {name for name in EMOJI if not any(c.isalpha() for c in name)} <= LETTERLESS_EMOJI
    with pytest.raises(NeedsRich):
        plain("score :100:")
    assert plain("at 5:38:54 PM") == "at 5:38:54 PM"


@pytest.mark.parametrize("env", [
    {}, {"FORCE_COLOR": "1"}, {"FORCE_COLOR": ""}, {"TTY_COMPATIBLE": "1"}, {"TTY_COMPATIBLE": "0"},
    {"TTY_COMPATIBLE": "0", "FORCE_COLOR": "1"}, {"TTY_COMPATIBLE": "x"}, {"NO_COLOR": "1"}, {"TERM": "dumb"},
])
@pytest.mark.parametrize("columns", ["80", "120", "20", "5"])
@pytest.mark.parametrize("tty", [False, True])
@pytest.mark.parametrize("encoding", ["utf-8", "ascii"])
def test_plain_width_agrees_with_richs_console(env: dict[str, str], columns: str, tty: bool, encoding: str) -> None:
    from rich.console import Console

    class Stream(io.StringIO):
        def isatty(self) -> bool:
            return tty

        @property
        def encoding(self) -> str:  # type: ignore[override]
            return encoding

    stream = Stream()
    environ = {**env, "COLUMNS": columns}
    console = Console(file=stream, _environ=environ)
    plain = not console.is_terminal and console.encoding.startswith("utf") and console.width >= MIN_WIDTH
    assert plain_width(stream, environ) == (console.width if plain else None)


# -------------------------------------------------------------------------------------
# Profiles cached on disk (kbcache): read again only when the file changes.

def _copy_of_kz(registry, tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("DIAGNOSE_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "kz.yaml"
    path.write_bytes(registry.profiles["KZ"].path.read_bytes())
    return path


def _entries(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache").glob("profile-*.pickle"))


def test_a_profile_read_before_comes_from_the_cache_until_the_file_changes(registry, tmp_path, monkeypatch) -> None:
    path = _copy_of_kz(registry, tmp_path, monkeypatch)
    first = load_profile(path, "kb-key")
    assert first == load_profile(path)  # the same as read without a cache
    [entry] = _entries(tmp_path)
    # What the entry holds is what the next read returns: plant a different profile in it.
    planted = first.profile.model_copy(update={"name": "Planted"})
    key = kbcache.profile_key("kb-key", path, path.read_bytes())
    entry.write_bytes(pickle.dumps((key, planted, first.lines, None, "planted")))
    again = load_profile(path, "kb-key")
    assert again.profile.name == "Planted" and again.path == path and again.lines == first.lines
    assert again.cached_digest == "planted"
    # Any change to the file, a comment even, reads it afresh; so does another knowledge base.
    assert load_profile(path, "other-kb").profile.name == "Kazakhstan"
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert load_profile(path, "kb-key").profile.name == "Kazakhstan"
    assert len(_entries(tmp_path)) == 3


def test_a_damaged_cache_entry_is_ignored(registry, tmp_path, monkeypatch) -> None:
    path = _copy_of_kz(registry, tmp_path, monkeypatch)
    load_profile(path, "kb-key")
    [entry] = _entries(tmp_path)
    entry.write_bytes(b"not a pickle")
    assert load_profile(path, "kb-key") == load_profile(path)


def test_a_profile_with_a_problem_is_never_cached_and_reports_as_before(registry, tmp_path, monkeypatch) -> None:
    path = _copy_of_kz(registry, tmp_path, monkeypatch)
    load_profile(path, "kb-key")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("country: KZ", "country: [KZ", 1), encoding="utf-8")  # malformed YAML
    with pytest.raises(DataError) as uncached:
        load_profile(path)
    for _ in range(2):
        with pytest.raises(DataError) as cached:
            load_profile(path, "kb-key")
        assert str(cached.value) == str(uncached.value) and "malformed YAML" in str(cached.value)
    assert len(_entries(tmp_path)) == 1  # the good version's entry only


def test_a_value_error_found_later_names_the_line_from_a_cached_profile(tmp_path: Path) -> None:
    # The line map travels with the cached profile: the catalogue check still names the line.
    bad = Path(__file__).parent / "fixtures" / "bad" / "out_of_range.yaml"
    env = {**os.environ, "DIAGNOSE_CACHE_DIR": str(tmp_path / "cache")}
    errors = []
    for _ in range(2):
        r = CliRunner(env=env).invoke(main, ["--no-plugins", "assess", str(bad)])
        assert r.exit_code == 2
        errors.append(r.stderr)
    assert errors[0] == errors[1] and "out_of_range.yaml:4: wto.bargaining_power" in errors[1]
    assert len(list((tmp_path / "cache").glob("profile-*.pickle"))) == 1


def test_a_cached_profile_needs_no_yaml_parser(tmp_path: Path) -> None:
    code = ("import sys; from diagnostics.cli import main\n"
            "try:\n    main(['--no-plugins', 'assess', 'KZ', '--json'])\n"
            "except SystemExit as e:\n    assert not e.code\n"
            "print('yaml' in sys.modules, file=sys.stderr)\n")
    env = {**os.environ, "DIAGNOSE_CACHE_DIR": str(tmp_path / "cache")}
    runs = [subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True) for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0], runs[-1].stderr
    assert runs[0].stdout.split('"assessed_at"')[0] == runs[1].stdout.split('"assessed_at"')[0]
    assert [r.stderr.strip().splitlines()[-1] for r in runs] == ["True", "False"]


def test_the_durable_program_carries_its_json(kb) -> None:
    program = compile_program(kb)
    assert program.definition_text == json.dumps(program.definition)


def test_the_assessor_is_made_frozen_too() -> None:
    settings = Settings(no_plugins=True)
    try:
        settings.registry()
        before = gc.get_freeze_count()
        settings.assessor("KZ")
        assert gc.get_freeze_count() > before and gc.isenabled()
    finally:
        gc.unfreeze()


def test_printing_an_assessment_builds_no_validators_for_its_records(tmp_path: Path) -> None:
    # Their validators and serialisers are built on first use (defer_build): a --json dump
    # or a file read back, not printing (start-up, issue 11). No validator at all means
    # pydantic does not even look for its plugins.
    code = ("import sys; from diagnostics.cli import main\n"
            "try:\n    main(['--no-plugins', 'assess', 'KZ'])\n"
            "except SystemExit as e:\n    assert not e.code\n"
            "from diagnostics.assessment import Assessment, AuditStamp, Coverage\n"
            "from diagnostics.explanation import FindingResult\n"
            "from diagnostics.explanation import TraceStep\n"
            "from diagnostics.profile import Answer, Profile\n"
            "from diagnostics.profileio import SessionFile\n"
            "print([m.__name__ for m in (Assessment, AuditStamp, Coverage, FindingResult, SessionFile, TraceStep,"
            " Answer, Profile) if m.__pydantic_complete__], file=sys.stderr)\n")
    env = {**os.environ, "DIAGNOSE_CACHE_DIR": str(tmp_path / "cache"), "COLUMNS": "80"}
    runs = [subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True) for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0], runs[-1].stderr
    # The first run reads the profile file (validating it); the second has it from the cache.
    assert [r.stderr.strip().splitlines()[-1] for r in runs] == ["['Profile']", "[]"]


def test_a_constructed_assessment_dumps_and_reads_back_as_a_validated_one(registry, kz_profile) -> None:
    from diagnostics.assessment import Assessment

    a = Assessor(registry.kb_for("KZ")).assess(kz_profile)
    data = a.model_dump(mode="json")
    again = Assessment.model_validate(data)
    assert again.model_dump(mode="json") == data
    assert [f.rule for f in again.findings] == [f.rule for f in a.findings]


def test_a_cached_profile_brings_its_digest(registry, tmp_path, monkeypatch) -> None:
    from diagnostics.profile import profile_digest

    path = _copy_of_kz(registry, tmp_path, monkeypatch)
    fresh = load_profile(path, "kb-key")
    assert fresh.cached_digest is None and fresh.digest == profile_digest(fresh.profile)
    cached = load_profile(path, "kb-key")
    assert cached.cached_digest == profile_digest(cached.profile) == cached.digest
    a = Assessor(registry.kb_for("KZ")).assess(cached.profile, digest=cached.cached_digest)
    assert a.audit.profile == profile_digest(fresh.profile)


def test_a_deferred_model_built_in_a_frame_keeps_nothing_of_it_alive() -> None:
    import weakref

    from diagnostics.record_base import Deferred

    class Marker:
        pass

    class Late(Deferred):
        x: int

    def first_use() -> weakref.ref[Marker]:
        marker = Marker()
        kept = weakref.ref(marker)
        Late(x=1)  # the first use builds the validator, here
        del marker
        assert kept() is None  # pydantic did not snapshot this frame's locals
        return kept

    assert first_use()() is None
    assert Late.__pydantic_complete__ and Late(x=2).x == 2
