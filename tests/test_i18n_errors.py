"""Error messages in Russian: every user-facing message is wrapped for translation, and the
less common errors (knowledge and plugin loading, YAML and pydantic details, the assessment
file format, spreadsheet import, the template sandbox) reach the analyst in Russian through
the real command line, naming file and line, exit code 2, no traceback."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from diagnostics import i18n
from diagnostics.cli import main
from diagnostics.errors import PluginError
from diagnostics.hookspecs import hookimpl
from diagnostics.kb import KnowledgeBase
from diagnostics.profileio import FORMAT
from diagnostics.registry import load_registry

ROOT = Path(__file__).resolve().parent.parent
CYRILLIC = re.compile("[а-яА-ЯёЁ]")


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    yield
    i18n.set_language("en")


def run_ru(*args: str) -> str:
    """The one line of stderr of a failing `diagnose ... --lang ru` (exit code 2, no traceback)."""
    result = CliRunner().invoke(main, ["--no-plugins", *args, "--lang", "ru"])
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    err = result.stderr
    assert "Traceback" not in result.output + err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("ошибка: "), err
    return err.strip()


# ---------------------------------------------------------------------------------------
# Nothing left unwrapped

# Exceptions whose message reaches the analyst (the CLI prints every DiagnosticsError; a
# ValueError raised in a pydantic validator becomes the message of a DataError).
_ERRORS = {"DataError", "PluginError", "KnowledgeError", "EngineError", "DiagnosticsError", "SessionLocked",
           "ClickException", "UsageError", "BadParameter", "NegationError", "TooComplex", "ChainingError",
           "SecurityError"}
_VALIDATOR_MODULES = {"knowledge.py", "profile.py", "hookspecs.py", "condition_tree.py", "citations.py",
                      "profileio.py", "record_base.py"}
# The language is not known yet when an unsupported one is refused: English, by design.
_ENGLISH_BY_DESIGN = {("diagnostics/i18n.py", "DataError")}


def _literal_text(node: ast.expr) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
    if isinstance(node, ast.BinOp):
        return _literal_text(node.left) + _literal_text(node.right)
    if isinstance(node, ast.IfExp):
        return _literal_text(node.body) + _literal_text(node.orelse)
    return ""


def unwrapped_messages() -> list[str]:
    """Literal texts given to an error, click.echo or the CLI's fail() instead of through gettext."""
    found = []
    for folder in ("diagnostics", "reports", "tui", "plugins"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                func = node.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                watched = (name in _ERRORS or name in ("echo", "secho", "fail", "confirm")
                           or (name == "ValueError" and path.name in _VALIDATOR_MODULES))
                if not watched or (rel, name) in _ENGLISH_BY_DESIGN:
                    continue
                text = _literal_text(node.args[0])
                if re.search(r"[A-Za-z]{2,}", text):
                    found.append(f"{rel}:{node.lineno}: {name}({text[:60]!r})")
    return found


def test_every_message_for_the_analyst_goes_through_gettext() -> None:
    assert unwrapped_messages() == []


def test_the_scan_finds_an_unwrapped_message(tmp_path: Path) -> None:
    tree = ast.parse('raise DataError(f"unknown rule {rid!r}")\nraise DataError(_("unknown rule {id}"))')
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "DataError"]
    assert [bool(re.search(r"[A-Za-z]{2,}", _literal_text(c.args[0]))) for c in calls] == [True, False]


# ---------------------------------------------------------------------------------------
# YAML, JSON and pydantic details


def test_a_yaml_syntax_error_gives_line_and_column_in_russian(tmp_path: Path) -> None:
    path = tmp_path / "kz.yaml"
    path.write_text("country: KZ\nanswers:\n  rd.gerd_share: {value: 0.2\n", encoding="utf-8")
    err = run_ru("assess", str(path))
    assert f"{path}:4: " in err
    assert "строка 4, столбец 1: словарь в фигурных скобках {...} не закрыт" in err
    assert "did not find" not in err


def test_an_unfinished_list_is_explained_in_russian(tmp_path: Path) -> None:
    path = tmp_path / "kz.yaml"
    path.write_text("country: KZ\nanswers:\n  wto.plus_commitments: [\n", encoding="utf-8")
    err = run_ru("assess", str(path))
    assert f"{path}:4: " in err and "строка 4, столбец 1: здесь не хватает значения" in err
    assert "node content" not in err
    english = CliRunner().invoke(main, ["--no-plugins", "assess", str(path)])
    assert english.exit_code == 2 and "did not find expected node content" in english.stderr


def test_an_unclosed_quote_is_explained_in_russian(tmp_path: Path) -> None:
    path = tmp_path / "kz.yaml"
    path.write_text('country: KZ\nname: "Kazakhstan\n', encoding="utf-8")
    err = run_ru("assess", str(path))
    assert "файл заканчивается внутри текста в кавычках" in err and "end of stream" not in err


def test_diagnose_plugins_names_sources_statuses_and_records_in_russian() -> None:
    result = CliRunner().invoke(main, ["--no-plugins", "plugins", "--lang", "ru"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    thesis = next(line for line in result.output.splitlines() if "thesis" in line)
    assert "встроенный" in thesis and "работает" in thesis and "индикаторов:" in thesis
    for english in ("builtin", " ok ", "indicators", "rule_packs", "directions"):
        assert english not in thesis, english
    as_json = CliRunner().invoke(main, ["--no-plugins", "plugins", "--json", "--lang", "ru"])
    assert '"source": "builtin"' in as_json.output and '"status": "ok"' in as_json.output  # ids stay


def test_an_unquoted_colon_is_explained_in_russian(tmp_path: Path) -> None:
    path = tmp_path / "kz.yaml"
    path.write_text("country: KZ\nname: Kazakhstan: 2018\nanswers: {}\n", encoding="utf-8")
    err = run_ru("assess", str(path))
    assert f"{path}:2: " in err and "строка 2, столбец 17: двоеточие (ключ: значение) здесь недопустимо" in err


def test_a_json_syntax_error_is_in_russian(tmp_path: Path) -> None:
    path = tmp_path / "kz.json"
    path.write_text('{"country": "KZ",\n "answers": {,}}', encoding="utf-8")
    err = run_ru("assess", str(path))
    assert f"{path}:2: " in err and "строка 2, столбец 14: здесь ожидается ключ в двойных кавычках" in err


@pytest.mark.parametrize(("body", "line", "expected"), [
    ("country: KZ\nanswers:\n  wto.member: {value: member, colour: red}\n", 3,
     "answers.wto.member.colour: неизвестное поле 'colour'"),
    ("country: KZ\nanswers:\n  wto.member: member\n", 3,
     "answers.wto.member: ожидается словарь (ключ: значение), а не 'member'"),
    ("country: KZ\nas_of: 2018-02-30\nanswers: {}\n", 2,
     "'2018-02-30' не является допустимой датой (такого дня нет в этом месяце); запишите дату в виде ГГГГ-ММ-ДД"),
    ("country: KZ\nanswers:\n  wto.member: {unknown: true, value: member}\n", 3,
     "ответ не может одновременно содержать значение и быть неизвестным"),
    ("country: KZ\nanswers:\n  wto.member: {value: member, evidence: rumour}\n", 3,
     "answers.wto.member.evidence: должно быть одним из значений: 'documented', 'survey', 'interview', "
     "'expert_judgement' или 'secondary'"),
    ("country: Kazakhstan\nanswers: {}\n", 1,
     "country: страна 'Kazakhstan' должна быть указана кодом ISO 3166 (alpha-2 или alpha-3), например KZ"),
])
def test_profile_field_errors_name_the_field_in_russian(tmp_path: Path, body: str, line: int, expected: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(body, encoding="utf-8")
    err = run_ru("assess", str(path))
    assert f"{path}:{line}: " in err and expected in err, err


def test_pydantic_error_types_have_russian_phrases_and_english_stays_pydantics() -> None:
    from pydantic import BaseModel, ConfigDict, Field, ValidationError

    from diagnostics.parse_messages import PYDANTIC_MESSAGES, pydantic_message

    class Model(BaseModel):
        model_config = ConfigDict(extra="forbid")
        share: float = Field(gt=0, le=1)
        count: int = 0
        name: str

    cases = [({"share": "7,5", "name": "x"}, "float_parsing", "'7,5' не является числом"),
             ({"share": 0, "name": "x"}, "greater_than", "должно быть больше 0"),
             ({"share": 2, "name": "x"}, "less_than_equal", "должно быть не больше 1"),
             ({"share": 0.5, "count": "many", "name": "x"}, "int_parsing", "'many' не является целым числом"),
             ({"share": 0.5, "name": 5}, "string_type", "ожидается текст, а не 5"),
             ({"share": 0.5}, "missing", "отсутствует поле 'name'"),
             ({"share": 0.5, "name": "x", "extra": 1}, "extra_forbidden", "неизвестное поле 'extra'")]
    for data, kind, russian in cases:
        with pytest.raises(ValidationError) as caught:
            Model.model_validate(data)
        err = caught.value.errors(include_url=False)[0]
        assert err["type"] == kind and kind in PYDANTIC_MESSAGES
        i18n.set_language("ru")
        assert pydantic_message(err, err["loc"]) == russian
        i18n.set_language("en")
        english = pydantic_message(err, err["loc"])
        assert english == err["msg"] or kind in ("missing", "extra_forbidden")


# ---------------------------------------------------------------------------------------
# Knowledge and plugin loading (`diagnose rules check`)


RULE = """rules:
  - id: {id}
    title: Extra
    layer: mechanism
    theme: test
    function: regulator
    when: {when}
    evidence_grade: doc
    mechanism: Test mechanism.
    story: {story}
    directions: [change_official_attitudes]
    citations: ["§5.4 p.87 (ll. 7554–7566)"]
"""


def _pack(root: Path, text: str, name: str = "extra.yaml") -> Path:
    (root / "nodes").mkdir(parents=True)
    (root / "nodes" / name).write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(("when", "story", "line", "expected"), [
    ("{finding: node.no_such_rule}", "A story.", 2,
     "node.extra_one: требует неизвестное правило 'node.no_such_rule'"),
    ("{indicator: wto.bargaining_power, around: 2}", "A story.", 7,
     "в сравнении нужен ровно один оператор из"),
    ("{indicator: wto.bargaining_power, lte: 2}", "'  '", 10,
     "story: не может быть пустым (правило проектирования R-1: механизм и пример)"),
    ("{indicator: wto.bargaining_powr, lte: 2}", "A story.", 2,
     "неизвестный индикатор 'wto.bargaining_powr' (did you mean"),
])
def test_rules_check_reports_knowledge_errors_in_russian(tmp_path: Path, when: str, story: str, line: int,
                                                         expected: str) -> None:
    folder = _pack(tmp_path / "pack", RULE.format(id="node.extra_one", when=when, story=story))
    err = run_ru("rules", "check", str(folder))
    assert f"extra.yaml:{line}: " in err and expected.split(" (did")[0] in err, err


def test_rules_check_reports_a_malformed_record_file_in_russian(tmp_path: Path) -> None:
    folder = _pack(tmp_path / "pack", "rules:\n  - id: Node.Bad\n    title: x\n")
    err = run_ru("rules", "check", str(folder))
    assert "extra.yaml:2: " in err and "идентификатор правила 'Node.Bad' должен иметь вид" in err, err


def test_rules_check_of_an_empty_folder_is_in_russian(tmp_path: Path) -> None:
    err = run_ru("rules", "check", str(tmp_path))
    assert f"{tmp_path}: записи не найдены" in err


def test_a_broken_plugin_is_reported_in_russian() -> None:
    class NotAList:
        @hookimpl
        def diagnostics_rule_packs(self) -> object:
            return {"rules": "not a list"}

    class Misspelt:
        @hookimpl
        def diagnostics_rule(self) -> list[object]:
            return []

    class Raises:
        @hookimpl
        def diagnostics_indicators(self) -> list[object]:
            raise RuntimeError("boom")

    i18n.set_language("ru")
    registry = load_registry(external=False, env={}, cache=False,
                             extra_plugins=[("notalist", NotAList()), ("raises", Raises()), ("misspelt", Misspelt())])
    errors = {r.name: r.error for r in registry.reports if r.status == "failed"}
    assert errors == {"notalist": "хук diagnostics_rule_packs должен возвращать список, а вернул dict",
                      "raises": "хук diagnostics_indicators: исключение RuntimeError: boom",
                      "misspelt": "неизвестный хук 'diagnostics_rule' (опечатка в имени хука?)"}
    registry = load_registry(external=False, env={}, cache=False,
                             extra_plugins=[("missing", "diagnostics_no_such_module_here")])
    assert next(r.error for r in registry.reports if r.name == "missing").startswith(
        "импорт: исключение ModuleNotFoundError: No module named")
    with pytest.raises(PluginError, match="^плагин notalist: хук diagnostics_rule_packs"):
        load_registry(external=False, env={}, cache=False, strict=True, extra_plugins=[("notalist", NotAList())])


# ---------------------------------------------------------------------------------------
# The assessment file format


@pytest.mark.parametrize(("body", "line", "expected"), [
    (f"format: {FORMAT}\nversion: 99\nprofile: {{country: KZ}}\n", 2,
     "файл создан более новой версией policy-diagnostics (формат 99; эта версия читает форматы до"),
    (f"format: {FORMAT}\nversion: 2\nprofile:\n  country: KZ\n  answers: {{}}\n", 5,
     "файл обрывается: его последняя строка"),
    ("format: something-else\nanswers: {}\n", 1,
     "неизвестный формат файла 'something-else'; ожидается профиль или файл оценки"),
    ("- just\n- a list\n", 1, "это не профиль и не файл оценки"),
])
def test_assessment_file_format_errors_are_in_russian(tmp_path: Path, body: str, line: int, expected: str) -> None:
    path = tmp_path / "KZ.assessment.yaml"
    path.write_text(body, encoding="utf-8")
    err = run_ru("assess", str(path))
    assert f"{path}:{line}: " in err and expected in err, err


# ---------------------------------------------------------------------------------------
# Spreadsheet import (questionnaire)


def test_a_questionnaire_without_its_columns_is_refused_in_russian(tmp_path: Path) -> None:
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("id,answer\nwto.member,member\n", encoding="utf-8")
    err = run_ru("questionnaire", "import", str(sheet), str(tmp_path / "KZ.assessment.yaml"))
    assert f"{sheet}:1: в первой строке нет столбцов unknown, source, evidence, year, note" in err


def test_bad_questionnaire_cells_are_counted_and_listed_in_russian(tmp_path: Path) -> None:
    from diagnostics.errors import DataError
    from diagnostics.registry import load_registry as registry_of
    from diagnostics.spreadsheet import parse_questionnaire

    sheet = tmp_path / "sheet.csv"
    sheet.write_text("id,answer,unknown,source,evidence,year,note\n"
                     "wto.memberr,member,,,,,\nwto.member,member,perhaps,,,,\nwto.member,,,,,,\n", encoding="utf-8")
    err = run_ru("questionnaire", "import", str(sheet), str(tmp_path / "KZ.assessment.yaml"))
    assert f"{sheet}: нужно исправить 3 ячейки; ничего не импортировано: (и ещё 3 ошибки)" in err
    i18n.set_language("ru")
    with pytest.raises(DataError) as caught:
        parse_questionnaire(registry_of(external=False, env={}).kb, sheet)
    assert caught.value.message.splitlines()[1:] == [
        "  строка 2, столбец id: нет вопроса с идентификатором 'wto.memberr'",
        "  строка 3, столбец unknown: укажите yes или оставьте ячейку пустой",
        "  строка 4, столбец id: wto.member уже указан в строке 3",
    ]


# ---------------------------------------------------------------------------------------
# The template sandbox (`diagnose brief --template-dir`)


@pytest.mark.parametrize(("source", "expected"), [
    ("{% if %}", "синтаксическая ошибка в шаблоне: "),
    ("{% frobnicate %}", "синтаксическая ошибка в шаблоне: неизвестный тег 'frobnicate'"),
    ("{{ nothing_here.title }}", "ошибка шаблона: 'nothing_here' не определено"),
    ("{{ ''.__class__ }}", "шаблон отклонен песочницей: доступ к атрибуту '__class__' объекта 'str' запрещен"),
    ("{{ 10 ** 2000000000 }}", "возведение в степень 10 ** 2000000000: выходит за пределы"),
    ('{{ "x" * 2000000000 }}', "повторение 1 элем. 2\u00a0000\u00a0000\u00a0000 раз"),
])
def test_template_errors_are_in_russian(tmp_path: Path, source: str, expected: str) -> None:
    (tmp_path / "brief.md.j2").write_text("line one\n" + source + "\n", encoding="utf-8")
    err = run_ru("brief", "KZ", "--template-dir", str(tmp_path))
    assert f"{tmp_path / 'brief.md.j2'}:2: " in err and expected in err, err


def test_english_template_errors_keep_jinjas_words(tmp_path: Path) -> None:
    (tmp_path / "brief.md.j2").write_text("line one\n{% frobnicate %}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["--no-plugins", "brief", "KZ", "--template-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "template syntax error: Encountered unknown tag 'frobnicate'." in result.stderr
    assert not CYRILLIC.search(result.stderr)


# ---------------------------------------------------------------------------------------
# The translation check's lines (`diagnose rules check --lang ru`)


def test_translation_gaps_are_listed_in_russian(kb: KnowledgeBase) -> None:
    from diagnostics.translated_knowledge import Catalog, KnowledgeTranslation, RuleText, check_translations

    stale_id = "dx.imaginary_driven_policy"
    catalog = Catalog("ru")
    catalog.add(KnowledgeTranslation(language="ru", rules={
        stale_id: RuleText(en_hash="000000000000", title=kb.rules[stale_id].title),
        "node.no_such_rule": RuleText(title="x")}))
    i18n.set_language("ru")
    lines = [g.line() for g in check_translations(kb, catalog) if g.id in (stale_id, "node.no_such_rule")]
    assert len(lines) == 3
    assert re.fullmatch(rf"без перевода +правило +{re.escape(stale_id)}  не заполнено: mechanism, story.*", lines[0])
    assert re.fullmatch(rf"устарело +правило +{re.escape(stale_id)}  en_hash 000000000000, английский текст "
                        r"теперь [0-9a-f]{12}", lines[1])
    assert lines[2].split() == ["неизвестно", "правило", "node.no_such_rule", "такой", "записи", "нет", "в", "базе",
                                "знаний"]
    i18n.set_language("en")
    english = [g.line() for g in check_translations(kb, catalog) if g.id == "node.no_such_rule"]
    assert english == ["unknown       rule       node.no_such_rule  no such record in the knowledge base"]


def test_rules_check_of_a_good_folder_sums_up_in_russian() -> None:
    folder = ROOT / "examples" / "mongolia-plugin" / "diagnostics_mongolia"
    result = CliRunner().invoke(main, ["--no-plugins", "rules", "check", str(folder), "--lang", "ru"])
    assert result.exit_code == 0, result.output
    assert (f"{folder}: ошибок нет: групп стран: 1, профилей: 1, индикаторов: 1, наборов правил: 1, "
            "направлений: 1, источников библиографии: 1; применяется к: MN") in result.stdout


def test_the_next_questions_give_their_reasons_in_russian(tmp_path: Path) -> None:
    path = tmp_path / "blank.yaml"
    path.write_text("country: KZ\nanswers: {}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["--no-plugins", "next", str(path), "--lang", "ru"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "при любом ответе" in result.stdout and "может решить" in result.stdout
    assert "whatever the answer" not in result.stdout and "may settle" not in result.stdout


def test_an_invalid_record_from_a_hook_keeps_pydantics_words_in_english_only() -> None:
    class Incomplete:
        @hookimpl
        def diagnostics_directions(self) -> list[dict[str, str]]:
            return [{"id": "half_a_direction"}]

    def error() -> str:
        registry = load_registry(external=False, env={}, cache=False, extra_plugins=[("incomplete", Incomplete())])
        return next(r.error for r in registry.reports if r.name == "incomplete")

    assert error().startswith("hook diagnostics_directions returned an invalid Direction (item 1, title): "
                              "Field required")
    i18n.set_language("ru")
    assert error().startswith("хук diagnostics_directions вернул недопустимую запись Direction (элемент 1, title): "
                              "отсутствует поле 'title'")
