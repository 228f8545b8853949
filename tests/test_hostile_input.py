"""Hostile files, hostile text, failing disks and hostile templates (issue 16).

One test per class of problem, with the inputs the issue names. Every command-line case
asserts the project's promise for bad input: exit code 2, one line on stderr naming the
file, and no traceback.
"""

from __future__ import annotations

import errno
import io
import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt

from diagnostics.cli import main
from diagnostics.errors import DataError
from diagnostics.kb import KnowledgeBase
from diagnostics.profile import MAX_NOTE_CHARS, MAX_SOURCE_CHARS, Answer, Profile
from diagnostics.profileio import END_MARKER, load_profile
from diagnostics.render import SafeConsole, esc
from diagnostics.safeio import MAX_FILE_BYTES, atomic_write, read_text
from diagnostics.session import AssessmentSession
from diagnostics.user_data import RecentList

ROOT = Path(__file__).resolve().parent.parent
KZ = ROOT / "plugins" / "central_asia" / "profiles" / "kz.yaml"
KZ_TEXT = KZ.read_text(encoding="utf-8")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--no-plugins", *args])
    return result.exit_code, result.stdout, result.stderr


def assert_one_line(code: int, out: str, err: str, names: str | Path) -> str:
    """The promise for bad input: exit 2, one line naming the file, no traceback."""
    assert code == 2, (code, err)
    assert len(err.strip().splitlines()) == 1, err
    assert str(names) in err, err
    assert "Traceback" not in out + err
    assert "\x1b" not in err
    return err


def line_of(text: str) -> int:
    """The line of the Kazakhstan profile on which `text` starts."""
    return KZ_TEXT[: KZ_TEXT.index(text)].count("\n") + 1


AS_OF_LINE = line_of("as_of: 2018-12-31")
BARGAINING_LINE = line_of("  wto.bargaining_power:\n    value: 1\n") + 1


def kz_with(tmp_path: Path, old: str, new: str, name: str = "p.yaml") -> Path:
    assert old in KZ_TEXT
    path = tmp_path / name
    path.write_text(KZ_TEXT.replace(old, new, 1), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------
# Values whose conversion fails: one line naming file and line

@pytest.mark.parametrize(("value", "expected"), [
    ("2018-02-30", "'2018-02-30' is not a valid date"),
    ("2018-13-01", "'2018-13-01' is not a valid date"),
    ("!!int x", "'x' cannot be read as an integer"),
    ("!!float y", "'y' cannot be read as a number"),
    ("!!bool maybe", "'maybe' cannot be read as true or false"),
    ("9" * 5000, "an integer of 5,000 digits"),
    ("!!binary aGVsbG8=", "the tag !!binary is not allowed"),
    ("!!python/object:os.system x", "is not allowed"),
    ("2018", "as_of is a date such as 2018-12-31, not a bare number"),
    ("2018-12-31 10:00:00", "without a time of day"),
])
def test_values_that_do_not_convert(tmp_path: Path, value: str, expected: str) -> None:
    path = kz_with(tmp_path, "as_of: 2018-12-31", f"as_of: {value}")
    err = assert_one_line(*run("assess", str(path)), f"{path}:{AS_OF_LINE}:")
    assert expected in err


def test_numbers_read_the_way_they_are_written(tmp_path: Path) -> None:
    path = kz_with(tmp_path, "  wto.bargaining_power:\n    value: 1\n", "  wto.bargaining_power:\n    value: 1e308\n")
    err = assert_one_line(*run("assess", str(path)), f"{path}:{BARGAINING_LINE}:")
    assert "wto.bargaining_power: 1e+308 is outside the allowed range 1..5" in err
    path = kz_with(tmp_path, "  wto.bargaining_power:\n    value: 1\n", '  wto.bargaining_power:\n    value: "2"\n')
    err = assert_one_line(*run("assess", str(path)), f"{path}:{BARGAINING_LINE}:")
    assert "got the text '2'; write a number without quotes" in err


def test_json_refuses_what_yaml_refuses(tmp_path: Path) -> None:
    dup = tmp_path / "dup.json"
    dup.write_text('{"country": "KZ",\n "answers": {},\n "country": "KG"}', encoding="utf-8")
    assert "duplicate key 'country'" in assert_one_line(*run("assess", str(dup)), f"{dup}:3:")
    big = tmp_path / "big.json"
    big.write_text('{"country": "KZ",\n "answers": {"wto.bargaining_power": {"value": ' + "7" * 5000 + "}}}",
                   encoding="utf-8")
    assert "thousands of digits" in assert_one_line(*run("assess", str(big)), f"{big}:2:")
    esc_json = tmp_path / "esc.json"
    esc_json.write_text('{"country": "KZ",\n "name": "\\u001b[2J\\u001b]0;owned\\u0007"}', encoding="utf-8")
    assert "control character" in assert_one_line(*run("assess", str(esc_json)), f"{esc_json}:2:")


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_nesting_too_deep_names_the_file(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"deep{suffix}"
    nested = "[" * 5000 + "]" * 5000
    path.write_text(f'{{"country": "KZ", "answers": {nested}}}', encoding="utf-8")
    err = assert_one_line(*run("assess", str(path)), path)
    assert "nest" in err


# ---------------------------------------------------------------------------------------
# Files that are not regular files, or too large: refused before reading

@pytest.mark.parametrize(("device", "kind"), [("/dev/zero", "a device"), ("/dev/urandom", "a device")])
def test_devices_are_refused(device: str, kind: str) -> None:
    if not os.path.exists(device):
        pytest.skip(f"{device} does not exist here")
    err = assert_one_line(*run("assess", device), device)
    assert f"is {kind}, not a regular file" in err


def test_a_fifo_and_a_folder_are_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)  # nobody writes to it: opening it for reading would block for ever
    assert "is a named pipe" in assert_one_line(*run("assess", str(fifo)), fifo)
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    assert "folder" in assert_one_line(*run("assess", str(folder)), folder)


def test_size_limit_is_checked_before_reading(tmp_path: Path) -> None:
    huge = tmp_path / "huge.yaml"
    with huge.open("wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk used, but the size says too big
    assert "the limit is 5,000,000" in assert_one_line(*run("assess", str(huge)), huge)


def test_sweep_spec_and_template_files_go_through_the_same_reader(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    os.mkfifo(spec)
    assert "named pipe" in assert_one_line(*run("sweep", str(spec), "--no-progress"), spec)
    templates = tmp_path / "t"
    templates.mkdir()
    os.mkfifo(templates / "brief.md.j2")
    assert "named pipe" in assert_one_line(*run("brief", "KZ", "--template-dir", str(templates)),
                                           templates / "brief.md.j2")


# ---------------------------------------------------------------------------------------
# Codes and ids match in full

@pytest.mark.parametrize(("old", "new", "expected"), [
    ("country: KZ", 'country: "KZ\\n"', "country 'KZ\\n' must be an ISO 3166"),
    ("  - id: blog_currency_inconsistency", '  - id: "x\\n\\n<script>"', "caution id"),
])
def test_codes_and_ids_must_match_in_full(tmp_path: Path, old: str, new: str, expected: str) -> None:
    path = kz_with(tmp_path, old, new)
    assert expected in assert_one_line(*run("assess", str(path)), path)
    assert not any("\n" in p.name for p in tmp_path.iterdir())


def test_caution_indicator_ids_must_be_ids(tmp_path: Path) -> None:
    path = kz_with(tmp_path, "data_cautions:\n", "data_cautions:\n  - id: c1\n    text: t\n"
                   "    indicators: ['rd.x`\\n\\n<img src=x onerror=alert(1)>']\n")
    assert "is not an indicator id" in assert_one_line(*run("assess", str(path)), path)


# ---------------------------------------------------------------------------------------
# Assessment files: every command reads them; version and truncation are checked

@pytest.fixture()
def assessment_file(kb: KnowledgeBase, tmp_path: Path) -> Path:
    profile = load_profile(KZ).profile
    session = AssessmentSession.create(kb, profile, tmp_path, started_from="KZ")
    return session.path


def test_every_profile_command_reads_an_assessment_file(assessment_file: Path, tmp_path: Path) -> None:
    code, out, err = run("assess", str(assessment_file), "--json")
    assert code == 0, err
    assert json.loads(out)["country"] == "KZ"
    code, out, err = run("brief", str(assessment_file))
    assert code == 0 and out.startswith("# "), err
    code, out, err = run("compare", str(assessment_file), "KZ")
    assert code == 0, err
    code, out, err = run("profile", "validate", str(assessment_file))
    assert code == 0 and "valid profile for KZ" in out, err


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("version: 2", "version: -5", "version -5 is not a format version"),
    ("version: 2", "version: 99", "written by a newer policy-diagnostics (format 99"),
    ("  as_of: '2018-12-31'", "  as_of: 2018-02-30", "'2018-02-30' is not a valid date"),
    ("  country: KZ", "  country: !!int x", "'x' cannot be read as an integer"),
])
def test_damaged_assessment_files(assessment_file: Path, old: str, new: str, expected: str) -> None:
    text = assessment_file.read_text(encoding="utf-8")
    assert old in text
    assessment_file.write_text(text.replace(old, new, 1), encoding="utf-8")
    for command in (["assess"], ["brief"], ["tui"]):
        err = assert_one_line(*run(*command, str(assessment_file)), assessment_file)
        assert expected in err


def test_a_truncated_assessment_file_is_refused(assessment_file: Path) -> None:
    text = assessment_file.read_text(encoding="utf-8")
    assert text.rstrip().endswith(END_MARKER)
    lines = text.splitlines(keepends=True)
    assessment_file.write_text("".join(lines[: len(lines) // 2]), encoding="utf-8")  # cut at a line end
    err = assert_one_line(*run("assess", str(assessment_file)), assessment_file)
    assert "the file ends early" in err
    assert "ends early" in assert_one_line(*run("tui", str(assessment_file)), assessment_file)


def test_an_imported_assessment_with_a_future_schema_is_refused(tmp_path: Path) -> None:
    code, out, _ = run("assess", "KZ", "--json")
    data = json.loads(out)
    data["audit"]["schema_version"] = 99
    saved = tmp_path / "kz-assessment.json"
    saved.write_text(json.dumps(data, indent=1), encoding="utf-8")
    err = assert_one_line(*run("brief", str(saved)), saved)
    assert "schema_version 99" in err


def test_a_deeply_nested_recent_list_costs_only_the_shortcuts(tmp_path: Path) -> None:
    (tmp_path / "recent.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    assert RecentList.load(tmp_path).entries == []


# ---------------------------------------------------------------------------------------
# Text limits: whatever the TUI saves can be opened again

def test_the_largest_answers_allowed_still_reopen(kb: KnowledgeBase, tmp_path: Path) -> None:
    wide = "語"  # three bytes in UTF-8
    answers = {ind: Answer(unknown=True, source=wide * MAX_SOURCE_CHARS, url=wide * MAX_SOURCE_CHARS,
                           note=wide * MAX_NOTE_CHARS) for ind in kb.indicators}
    session = AssessmentSession.create(kb, Profile(country="KZ", answers=answers), tmp_path)
    assert session.path.stat().st_size < MAX_FILE_BYTES
    assert len(AssessmentSession.open(kb, session.path).profile.answers) == len(kb.indicators)
    with pytest.raises(ValueError, match=f"at most {MAX_NOTE_CHARS} characters"):
        Answer(unknown=True, note="x" * 6_000_000)


def test_a_save_that_could_not_be_reopened_is_refused(kb: KnowledgeBase, tmp_path: Path) -> None:
    session = AssessmentSession.create(kb, Profile(country="KZ"), tmp_path)
    before = session.path.read_bytes()
    ind = next(iter(kb.indicators))
    # model_construct skips the length check, as a caller bypassing the model would.
    huge = Answer.model_construct(value=None, unknown=True, source="", evidence=None, as_of=None,
                                  note="x" * 6_000_000)
    with pytest.raises(DataError, match="over the 5,000,000 a file may hold"):
        session.set_answer(ind, huge)
    assert session.path.read_bytes() == before and session.answer(ind) is None


# ---------------------------------------------------------------------------------------
# Output: one atomic writer; regular files only; --force everywhere; '-' is stdout

SPEC = "base: KZ\ngrid:\n  wto.bargaining_power: [1, 2]\n"


def test_output_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    existing = tmp_path / "brief.md"
    existing.write_text("old", encoding="utf-8")
    assert "exists; add --force" in assert_one_line(*run("brief", "KZ", "-o", str(existing)), existing)
    assert existing.read_text(encoding="utf-8") == "old"

    link = tmp_path / "link.md"
    link.symlink_to(existing)
    err = assert_one_line(*run("brief", "KZ", "-o", str(link), "--force"), link)
    assert "symbolic link" in err and link.is_symlink()
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    assert "named pipe" in assert_one_line(*run("brief", "KZ", "-o", str(fifo), "--force"), fifo)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert "a device" in assert_one_line(*run("brief", "KZ", "-o", "/dev/null", "--force"), "/dev/null")

    code, out, err = run("brief", "KZ", "-o", "-")
    assert code == 0 and out.startswith("# ") and not (tmp_path / "-").exists()
    assert "ends with '/'" in assert_one_line(*run("brief", "KZ", "-o", "newdir/"), "newdir/")
    assert not (tmp_path / "newdir").exists()
    assert "is a folder" in assert_one_line(*run("brief", "KZ", "-o", str(tmp_path)), tmp_path)

    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    rows = tmp_path / "rows.csv"
    rows.write_text("old", encoding="utf-8")
    assert "--force" in assert_one_line(*run("sweep", str(spec), "-o", str(rows), "--no-progress"), rows)
    assert rows.read_text(encoding="utf-8") == "old"
    code, _, err = run("sweep", str(spec), "-o", str(rows), "--no-progress", "--force")
    assert code == 0 and rows.read_text(encoding="utf-8").startswith("index,"), err
    code, out, _ = run("sweep", str(spec), "-o", "-", "--no-progress")
    assert code == 0 and out.startswith("{") and not (tmp_path / "-").exists()
    assert not list(tmp_path.glob(".*.tmp"))


def test_new_files_follow_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        out = tmp_path / "brief.md"
        assert run("brief", "KZ", "-o", str(out))[0] == 0
        assert stat.S_IMODE(out.stat().st_mode) == 0o640
        os.chmod(out, 0o604)  # a file replaced with --force keeps its permissions
        assert run("brief", "KZ", "-o", str(out), "--force")[0] == 0
        assert stat.S_IMODE(out.stat().st_mode) == 0o604
    finally:
        os.umask(old)


FULL_DISK = """
import resource, signal, sys
from diagnostics.cli import main
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write then fails with EFBIG instead of a signal
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
main(sys.argv[1:])
"""


@pytest.mark.parametrize("command", ["brief", "sweep"])
def test_a_write_that_fails_midway_leaves_the_old_file_and_no_temporary(tmp_path: Path, command: str) -> None:
    # A real kernel failure, not a mock: the process may not write more than 4 KB per file,
    # as if the disk filled up after the first block.
    out = tmp_path / ("brief.md" if command == "brief" else "rows.jsonl")
    out.write_text("old content\n", encoding="utf-8")
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    args = ["brief", "KZ"] if command == "brief" else ["sweep", str(spec), "--no-progress", "--all"]
    proc = subprocess.run([sys.executable, "-c", FULL_DISK, "--no-plugins", *args, "-o", str(out), "--force"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert_one_line(proc.returncode, proc.stdout, proc.stderr, out)
    assert "larger than allowed; nothing was written" in proc.stderr
    assert out.read_text(encoding="utf-8") == "old content\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([out.name, "spec.yaml"])


@pytest.mark.parametrize(("code", "expected"), [
    (errno.ENOSPC, "no space left on the device; nothing was written"),
    (errno.EROFS, "read-only file system; nothing was written"),
])
def test_full_disk_and_read_only_messages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int,
                                          expected: str) -> None:
    # Neither a full nor a read-only file system can be made here without root, so the
    # operating system's answer is stood in for at the last step before the rename.
    def fail(fd: int) -> None:
        raise OSError(code, os.strerror(code))

    out = tmp_path / "brief.md"
    monkeypatch.setattr(os, "fsync", fail)
    err = assert_one_line(*run("brief", "KZ", "-o", str(out)), out)
    assert expected in err
    assert list(tmp_path.iterdir()) == []


def test_read_and_write_helpers_refuse_non_regular_targets(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="a device"):
        atomic_write(Path("/dev/null"), "x")
    with pytest.raises(DataError, match="a device"):
        read_text(Path("/dev/null"))


# ---------------------------------------------------------------------------------------
# Escaping: terminals and Markdown

def test_terminal_output_strips_control_characters_and_keeps_markup_literal() -> None:
    buffer = io.StringIO()
    console = SafeConsole(file=buffer, force_terminal=False, width=200)
    hostile = "\x1b[2J\x1b]0;owned\x07[/bold] [link=https://example.org]x[/link]"
    console.print(f"[bold]{esc(hostile)}[/bold]")
    console.print(hostile)  # even unescaped: no control characters, no markup error
    text = buffer.getvalue()
    assert "\x1b" not in text and "\x07" not in text
    assert "[/bold] [link=https://example.org]x[/link]" in text


def test_error_messages_never_carry_escape_sequences(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text('country: KZ\nname: "\\e[2J\\e]0;owned\\a"\n', encoding="utf-8")
    err = assert_one_line(*run("assess", str(path)), f"{path}:2:")
    assert "control character" in err


HOSTILE = "<script>alert(1)</script> <img src=x onerror=alert(2)> [a](javascript:alert(3)) ![i](http://e/x.png)"


def _hostile_profile(tmp_path: Path) -> Path:
    text = KZ_TEXT.replace("name: Kazakhstan", f"name: {json.dumps('Kazakhstan ' + HOSTILE)}", 1)
    text = text.replace('    source: "Thesis §7.3 pp.144–145 (ll. 12339–12400)"',
                        f"    source: {json.dumps(HOSTILE + ' `x` | y |')}", 1)
    text = text.replace("data_cautions:\n", "data_cautions:\n  - id: c1\n"
                        f"    text: {json.dumps(HOSTILE)}\n    source: {json.dumps(HOSTILE)}\n"
                        "    indicators: [wto.bargaining_power]\n", 1)
    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _html_and_links(markdown: str) -> list[str]:
    """Raw HTML and link or image targets that markdown-it finds in the text."""
    found = []
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    stack = md.parse(markdown)
    while stack:
        token = stack.pop()
        stack.extend(token.children or [])
        if token.type in ("html_block", "html_inline"):
            found.append(token.content)
        if token.type in ("link_open", "image"):
            found.append(str(token.attrs))
    return found


@pytest.mark.parametrize("document", [[], ["--full"]], ids=["brief", "full-report"])
def test_markdown_brief_of_a_hostile_profile_has_no_element_from_the_input(tmp_path: Path,
                                                                          document: list[str]) -> None:
    profile = _hostile_profile(tmp_path)
    code, markdown, err = run("brief", str(profile), "--format", "md", *document)
    assert code == 0, err
    assert HOSTILE.split()[0] not in markdown  # the text is there, but escaped
    assert _html_and_links(markdown) == []
    html = MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html and "<img" not in html and "javascript:" not in html.replace("(javascript:", "")


@pytest.mark.parametrize("document", [[], ["--full"]], ids=["brief", "full-report"])
def test_markdown_brief_of_a_hostile_imported_assessment(tmp_path: Path, document: list[str]) -> None:
    code, out, _ = run("assess", "KZ", "--json")
    data = json.loads(out)
    data["audit"]["knowledge_base"] = "kb`\n\n" + HOSTILE
    data["audit"]["profile"] = "| x |\n<script>alert(4)</script>"
    data["name"] = HOSTILE
    saved = tmp_path / "imported.json"
    saved.write_text(json.dumps(data), encoding="utf-8")
    code, markdown, err = run("brief", str(saved), "--format", "md", *document)
    assert code == 0, err
    assert _html_and_links(markdown) == []
    if document:
        assert "kb\\`" in markdown  # the audit field is there, escaped, not a code span


# ---------------------------------------------------------------------------------------
# User templates: sandbox limits and runtime errors

@pytest.mark.parametrize(("source", "expected"), [
    ("{{ 10 ** 2000000000 }}", "the power 10 ** 2000000000 is beyond the limits"),
    ('{{ "x" * 2000000000 }}', "repeating 1 items 2,000,000,000 times"),
    ('{{ "x"|center(1000000000) }}', "the argument 1000000000"),
    ('{{ "%2000000000d" % 1 }}', "a %-format with a width this large"),
    ('{{ "{:>999999999}".format(1) }}', "a format with a width this large"),
    ("{{ 1/0 }}", "template error: ZeroDivisionError: division by zero"),
    ("{{ brief.meta.title + 1 }}", "template error: TypeError"),
    ("{{ brief.nothing.here }}", "template error:"),
])
def test_user_template_limits_and_runtime_errors(tmp_path: Path, source: str, expected: str) -> None:
    (tmp_path / "brief.md.j2").write_text("line one\n" + source + "\n", encoding="utf-8")
    err = assert_one_line(*run("brief", "KZ", "--template-dir", str(tmp_path)), f"{tmp_path / 'brief.md.j2'}:2:")
    assert expected in err


def test_user_template_memory_and_time_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from diagnostics.reports import render

    monkeypatch.setattr(render, "RENDER_MEMORY", 64 * 2**20)
    template = tmp_path / "brief.md.j2"
    template.write_text(textwrap.dedent("""\
        {% set ns = namespace(s="0123456789") %}
        {% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s | length }}
        """), encoding="utf-8")
    assert "needs more than 64 MB of memory" in assert_one_line(
        *run("brief", "KZ", "--template-dir", str(tmp_path)), template)
    monkeypatch.setattr(render, "RENDER_SECONDS", 1.0)
    slow = tmp_path / "slow"
    slow.mkdir()
    (slow / "brief.md.j2").write_text("{% for i in range(10000) %}{% for j in range(10000) %}"
                                      "{% for k in range(100) %}{% endfor %}{% endfor %}{% endfor %}",
                                      encoding="utf-8")
    assert "ran longer than 1 s" in assert_one_line(
        *run("brief", "KZ", "--template-dir", str(slow)), slow / "brief.md.j2")


def test_a_key_with_a_line_break_is_reported_on_one_line(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('{"country": "KZ",\n "answers": {"wto.bargaining_power": {"value": 1, "\\n<b>": 2}}}',
                    encoding="utf-8")
    err = assert_one_line(*run("assess", str(path)), f"{path}:2:")
    assert "unknown field '\\n<b>'" in err


# ---------------------------------------------------------------------------------------
# Spreadsheets: no formula from the data, the guarded reader, no zip bomb

FORMULA = '=HYPERLINK("http://example.org/x","click")'


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_questionnaire_export_never_writes_a_formula(kb: KnowledgeBase, tmp_path: Path, suffix: str) -> None:
    from openpyxl import load_workbook

    from diagnostics.spreadsheet import parse_questionnaire, questionnaire_rows, write_questionnaire

    profile = load_profile(KZ).profile
    ind = next(i for i, a in profile.answers.items() if a.known)
    profile = profile.with_answers({ind: profile.answers[ind].model_copy(update={"note": FORMULA,
                                                                                 "source": "-5 and +3"})})
    sheet = write_questionnaire(tmp_path / f"q{suffix}", questionnaire_rows(kb, profile))
    if suffix == ".xlsx":
        cells = [c for row in load_workbook(sheet).active.iter_rows() for c in row]
        assert not [c.coordinate for c in cells if c.data_type == "f"]
        assert FORMULA in [c.value for c in cells]
    else:
        assert "'" + FORMULA.replace('"', '""') in sheet.read_text(encoding="utf-8-sig")
    back = parse_questionnaire(kb, sheet).answers[ind]
    assert back is not None and back.note == FORMULA and back.source == "-5 and +3"


def test_questionnaire_import_reads_like_every_other_file(kb: KnowledgeBase, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from diagnostics import spreadsheet

    fifo = tmp_path / "q.csv"
    os.mkfifo(fifo)
    with pytest.raises(DataError, match="named pipe"):
        spreadsheet.read_questionnaire(fifo)
    sheet = spreadsheet.write_questionnaire(tmp_path / "q.xlsx",
                                            spreadsheet.questionnaire_rows(kb, load_profile(KZ).profile))
    monkeypatch.setattr(spreadsheet, "MAX_UNPACKED_BYTES", 10_000)  # a small limit stands in for a zip bomb
    with pytest.raises(DataError, match="unpacks to"):
        spreadsheet.read_questionnaire(sheet)
    (tmp_path / "fake.xlsx").write_bytes(b"PK not really")
    with pytest.raises(DataError, match="not a readable .xlsx"):
        spreadsheet.read_questionnaire(tmp_path / "fake.xlsx")
