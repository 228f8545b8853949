"""What a parser, pydantic or pluggy says about bad input, in the reader's language (diagnostics.yamlio).

English keeps the library's own words (what the goldens hold); another language gets a
translated phrase with the line and column where the library gives them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .i18n import DEFAULT_LANGUAGE, N_, _, current_language, format_number

if TYPE_CHECKING:
    import yaml


# What PyYAML (libyaml, or the pure-Python parser) says about a syntax error, in the reader's
# language. English shows PyYAML's own words, as before; other languages a translated phrase
# with the line and column ("строка 3, столбец 5: ..."), PyYAML's words only when unknown.
# (Patterns compiled when first used, by `re`'s cache: most runs meet no malformed YAML.)
_YAML_PROBLEMS: tuple[tuple[str, str], ...] = (
    (r"^mapping values are not allowed", N_("a colon (key: value) is not allowed here; "
                                            "put text that holds ': ' in quotes")),
    (r"^could not find expected ':'", N_("a key without a colon after it")),
    (r"^did not find expected key|^expected <block end>", N_("the indentation does not line up with the lines above")),
    (r"^did not find expected '-' indicator", N_("a list item ('- ') does not line up with the list above")),
    (r"^did not find expected ',' or '\]'|^expected ',' or '\]'", N_("a list in brackets [...] is not closed")),
    (r"^did not find expected ',' or '\}'|^expected ',' or '\}'", N_("a mapping in braces {...} is not closed")),
    (r"^found unexpected end of stream", N_("the file ends inside quoted text")),
    (r"^found character .*that cannot start any token", N_("a character that cannot start a value "
                                                           "(a tab for indentation, or @ or ` unquoted)")),
    (r"^did not find expected node content|^expected the node content",
     N_("a value is missing here (an unfinished list, mapping or quoted text)")),
    (r"^found unexpected ':'", N_("a colon where none is expected; put the text in quotes")),
    (r"^(found )?unacceptable character|^control characters are not allowed",
     N_("a character that YAML does not allow (a control character)")),
    (r"^found undefined alias", N_("YAML aliases (*name) are not allowed in data files")),
    (r"^second occurrence", N_("an anchor (&name) given twice")),
    (r"^but found another document", N_("a second document (---) in one file")),
    (r"^found unknown escape character", N_("an unknown escape sequence (\\) in quoted text")),
    (r"^found unknown directive name", N_("an unknown directive (a line starting with %)")),
    (r"^found a tab character", N_("a tab character where spaces are expected")),
)


def yaml_problem(exc: yaml.MarkedYAMLError, fallback: str = "") -> str:
    """PyYAML's problem in English; in another language, translated with its line and column."""
    problem = exc.problem or fallback or "malformed YAML"
    if current_language() == DEFAULT_LANGUAGE:
        return problem
    phrase = next((_(m) for p, m in _YAML_PROBLEMS if re.search(p, problem)), problem)
    mark = exc.problem_mark or exc.context_mark
    if mark is None:
        return phrase
    return _("line {line}, column {column}: {problem}").format(line=mark.line + 1, column=mark.column + 1,
                                                                 problem=phrase)


_JSON_PROBLEMS = {
    "Expecting value": N_("a value is expected here"),
    "Expecting property name enclosed in double quotes": N_("a key in double quotes is expected here"),
    "Expecting ',' delimiter": N_("a comma is missing"),
    "Expecting ':' delimiter": N_("a colon is missing"),
    "Extra data": N_("text after the end of the document"),
    "Unterminated string starting at": N_("a string is not closed"),
    "Invalid control character at": N_("a control character inside a string"),
    "Invalid \\escape": N_("an unknown escape sequence (\\) in a string"),
    "Illegal trailing comma before end of object": N_("a comma before the closing brace"),
    "Illegal trailing comma before end of array": N_("a comma before the closing bracket"),
}


def json_problem(exc: json.JSONDecodeError) -> str:
    """json's reason in English; translated, with its column, in another language."""
    if current_language() == DEFAULT_LANGUAGE or exc.msg not in _JSON_PROBLEMS:
        return exc.msg
    return _("line {line}, column {column}: {problem}").format(line=exc.lineno, column=exc.colno,
                                                                 problem=_(_JSON_PROBLEMS[exc.msg]))


# pydantic's error types, in the reader's language. English keeps pydantic's own message
# (what the goldens hold); another language gets our phrase, filled from the error's context.
PYDANTIC_MESSAGES: dict[str, str] = {
    "missing": N_("missing field {field}"),
    "extra_forbidden": N_("unknown field {field}"),
    "float_parsing": N_("{input} is not a number"),
    "float_type": N_("a number is expected, not {input}"),
    "int_parsing": N_("{input} is not a whole number"),
    "int_type": N_("a whole number is expected, not {input}"),
    "int_from_float": N_("{input} is not a whole number"),
    "finite_number": N_("{input} is not a finite number"),
    "bool_parsing": N_("{input} is not true or false"),
    "bool_type": N_("true or false is expected, not {input}"),
    "string_type": N_("text is expected, not {input}"),
    "string_too_short": N_("text of at least {min_length} characters is expected"),
    "string_too_long": N_("text of at most {max_length} characters is expected"),
    "string_pattern_mismatch": N_("{input} does not have the expected form"),
    "too_short": N_("at least {min_length} items are expected"),
    "too_long": N_("at most {max_length} items are expected"),
    "list_type": N_("a list is expected, not {input}"),
    "tuple_type": N_("a list is expected, not {input}"),
    "set_type": N_("a list is expected, not {input}"),
    "dict_type": N_("a mapping (key: value) is expected, not {input}"),
    "model_type": N_("a mapping (key: value) is expected, not {input}"),
    "model_attributes_type": N_("a mapping (key: value) is expected, not {input}"),
    "greater_than": N_("must be greater than {gt}"),
    "greater_than_equal": N_("must be at least {ge}"),
    "less_than": N_("must be less than {lt}"),
    "less_than_equal": N_("must be at most {le}"),
    "literal_error": N_("must be one of {expected}"),
    "enum": N_("must be one of {expected}"),
    "date_parsing": N_("{input} is not a date such as 2018-12-31"),
    "date_from_datetime_parsing": N_("{input} is not a date such as 2018-12-31"),
    "date_from_datetime_inexact": N_("{input} is not a date such as 2018-12-31"),
    "date_type": N_("a date such as 2018-12-31 is expected, not {input}"),
    "datetime_parsing": N_("{input} is not a date and time"),
    "datetime_from_date_parsing": N_("{input} is not a date and time"),
    "datetime_type": N_("a date and time is expected, not {input}"),
    "url_parsing": N_("{input} is not a web address"),
    "url_scheme": N_("{input} is not a web address"),
    "url_type": N_("a web address is expected, not {input}"),
    "union_tag_invalid": N_("unknown kind {tag} (expected {expected_tags})"),
    "union_tag_not_found": N_("no field tells its kind (expected {discriminator})"),
    "frozen_instance": N_("cannot be changed"),
    "none_required": N_("must be empty"),
}


def pydantic_message(err: Mapping[str, Any], loc: Sequence[str | int] = ()) -> str:
    """One pydantic error as a phrase: our own validators' messages as raised (translated
    there), pydantic's in the reader's language."""
    kind = err["type"]
    field = loc[-1] if loc else (err["loc"][-1] if err["loc"] else "")
    if kind == "extra_forbidden":
        return _("unknown field {field}").format(field=repr(field))
    if kind == "missing":
        return _("missing field {field}").format(field=repr(field))
    msg = str(err["msg"]).removeprefix("Value error, ")
    template = PYDANTIC_MESSAGES.get(kind)
    if template is None or current_language() == DEFAULT_LANGUAGE:
        return msg
    shown = _shown(err.get("input"))
    context = {k: _shown(v) if k == "input" else _ctx_value(v) for k, v in (err.get("ctx") or {}).items()}
    if isinstance(context.get("expected"), str):  # pydantic lists choices as "'a', 'b' or 'c'"
        context["expected"] = context["expected"].replace(" or ", " " + _("or") + " ")
    try:
        return _(template).format(**{"input": shown, **context})
    except (KeyError, IndexError, ValueError):
        return msg


def _ctx_value(value: Any) -> Any:
    """A bound in an error's context (gt=0.0) written as a number in the reader's language."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return format_number(value)
    return value


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def pluggy_problem(exc: Exception) -> str:
    """pluggy's refusal of a plugin, in the reader's language for the usual mistakes."""
    text = str(exc)
    if current_language() == DEFAULT_LANGUAGE:
        return text
    unknown = re.match(r"unknown hook '([^']+)' in plugin", text)
    if unknown:
        return _("unknown hook {hook} (a misspelt hook name?)").format(hook=repr(unknown.group(1)))
    arguments = re.search(r"for hook '([^']+)'.*Argument\(s\) (\{[^}]*\}) are declared in the hookimpl", text, re.S)
    if arguments:
        return _("hook {hook}: the arguments {arguments} are not in the hook's specification").format(
            hook=repr(arguments.group(1)), arguments=arguments.group(2))
    return text
