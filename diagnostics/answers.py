"""Typed answers as text: one grammar to parse them, one place to format them.

Everything a person types for an indicator (the TUI's answer field, `--set ns.name=VALUE`,
the string values of a sweep spec) goes through `parse_text`; everything shown back goes
through `format_value`. Numbers are read in the chosen language (`diagnostics.i18n`, Babel:
"7,5" is seven and a half in Russian); in a language with a decimal point the common
conventions are all recognised ("7.5", "1 200", "1,200", "1.234,5", "75%"; `plain_number`).
Any other `NumberReader` can be passed in without touching the grammar.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from .condition_tree import rule_text
from .errors import DataError
from .i18n import _
from .knowledge import Indicator, IndicatorType
from .profile import Answer, AnswerError, EvidenceGrade, Value, check_value

if TYPE_CHECKING:
    from .kb import KnowledgeBase

NumberReader = Callable[[str], float]
Style = Literal["rule", "analyst", "reader"]

TRUE_WORDS = {"true", "yes", "y", "1"}
FALSE_WORDS = {"false", "no", "n", "0"}
_GROUPED = re.compile(r"^[+-]?[1-9]\d{0,2}(,\d{3})+$")


def plain_number(raw: str) -> str:
    """A number as typed in any common convention, in Python's: "7,5" -> "7.5", "1 200" and
    "1,200" -> "1200", "1.234,5" -> "1234.5", "1,234.5" -> "1234.5". A single comma followed by
    exactly three digits after a non-zero part groups thousands; any other comma is a decimal
    comma."""
    text = re.sub(r"[\s\u00a0\u202f_']", "", raw)
    if "," in text and "." in text:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        group = "." if decimal == "," else ","
        return text.replace(group, "").replace(decimal, ".")
    if "," in text:
        return text.replace(",", "") if _GROUPED.match(text.rstrip("%")) else text.replace(",", ".", 1)
    if text.count(".") > 1:
        return text.replace(".", "")  # 1.200.000: dots group thousands
    return text


_SPACES = re.compile(r"[\s\u00a0\u202f_']")


def parse_text(indicator: Indicator, text: str, read: NumberReader | None = None) -> Value:
    """Turn typed text into a checked value for `indicator`; raise AnswerError with a short
    reason (no indicator id: the message appears under the field or after the id)."""
    raw = text.strip()
    t = indicator.type
    if not raw:
        raise AnswerError(_("type a value, or mark the question unknown"))
    if t == IndicatorType.BOOL:
        low = raw.lower()
        yes, no = _("yes").lower(), _("no").lower()  # 'да' and 'нет' in Russian
        if low not in TRUE_WORDS | FALSE_WORDS | {yes, no}:
            raise AnswerError(_("expects true or false (yes or no), got {text}").format(text=repr(raw)))
        return low in TRUE_WORDS or low == yes
    if t == IndicatorType.ENUM:
        if raw not in indicator.values:
            raise AnswerError(_("expects one of: {values}").format(values=", ".join(indicator.values)))
        return raw
    if t == IndicatorType.SET:
        items = [v.strip() for v in raw.strip("{}[]").split(",") if v.strip()]
        bad = [v for v in items if v not in indicator.values]
        if bad:
            raise AnswerError(_("not an option: {items} (choose from {values})").format(
                items=", ".join(bad), values=", ".join(indicator.values)))
        return check_value(indicator, items)
    if t == IndicatorType.TEXT:
        return raw
    if read is None:
        # The chosen language reads the number (diagnostics.i18n, Babel): where it writes
        # decimals with a comma (Russian), "1,250" is one and a quarter and only spaces are
        # dropped; elsewhere any common convention is recognised (plain_number).
        from .i18n import decimal_comma, read_number

        reader: NumberReader = read_number
        cleaned = _SPACES.sub("", raw) if decimal_comma() else plain_number(raw)
    else:
        reader = read
        cleaned = _SPACES.sub("", raw)
    percent = cleaned.endswith("%")
    if percent:
        cleaned = cleaned[:-1].strip()
    try:
        number = reader(cleaned)
    except ValueError:
        raise AnswerError(_("expects a number, got {text}").format(text=repr(raw))) from None
    if not math.isfinite(number):
        raise AnswerError(_("{text} is not a finite number").format(text=repr(raw)))
    if percent:
        if t not in (IndicatorType.SHARE, IndicatorType.RANK_FRAC):
            raise AnswerError(_("a percentage only fits a share; type the number itself"))
        number /= 100
    if t in (IndicatorType.SCALE, IndicatorType.YEAR):
        if not number.is_integer():
            raise AnswerError(_("type a whole number"))
        value: int | float = int(number)
    else:
        value = int(number) if number.is_integer() and "." not in cleaned and "e" not in cleaned.lower() else number
    lo, hi = indicator.bounds()
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise AnswerError(_("{value} is outside the allowed range {range}").format(
            value=number_text(value), range=range_text(indicator)))
    return check_value(indicator, value)


def parse_answer(kb: KnowledgeBase, ind_id: str, text: str, note: str = "what-if value",
                 read: NumberReader | None = None) -> Answer | None:
    """`VALUE` of `ns.name=VALUE` as an answer: 'unset' (or nothing) removes the answer,
    'unknown' marks it unknown; anything else is parsed by `parse_text`. DataError if bad."""
    from .kb import did_you_mean

    spec = kb.indicators.get(ind_id)
    if spec is None:
        raise DataError(_("unknown indicator {id}").format(id=repr(ind_id)) + did_you_mean(ind_id, kb.indicators))
    word = text.strip()
    if word in ("unset", ""):
        return None
    if word == "unknown":
        return Answer(unknown=True, note="set on the command line")
    if read is None:
        # On the command line a number is read strictly in the chosen language ("0,2" is an
        # error in English rather than a guess); the TUI's field recognises every convention.
        from .i18n import read_number as read
    try:
        value = parse_text(spec, word, read)
    except AnswerError as exc:
        reason = str(exc)
        raise DataError(f"{ind_id} {reason}" if reason.startswith("expects") else f"{ind_id}: {reason}") from None
    return Answer(value=value, evidence=EvidenceGrade.EXPERT_JUDGEMENT, note=note)


def parse_year(text: str) -> int | None:
    """The as-of year of an answer: blank for none, else a whole year in 1900–2100."""
    raw = text.strip()
    if not raw:
        return None
    if not re.fullmatch(r"\d{4}", raw):
        raise AnswerError(_("the as-of year is four digits, e.g. 2019"))
    year = int(raw)
    if not 1900 <= year <= 2100:
        raise AnswerError(_("the as-of year must lie in 1900–2100"))
    return year


def number_text(x: float | None) -> str:
    if x is None:
        return "any"
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def range_text(indicator: Indicator) -> str:
    """'0–1', '≥ 0', '1800–2100' or '' for the allowed range of a numeric indicator."""
    lo, hi = indicator.bounds()
    if lo is not None and hi is not None:
        return f"{number_text(lo)}–{number_text(hi)}"
    if lo is not None:
        return f"≥ {number_text(lo)}"
    if hi is not None:
        return f"≤ {number_text(hi)}"
    return ""


def format_value(value: Any, style: Style = "analyst", spec: Indicator | None = None) -> str:
    """A value as text.

    "analyst": as an analyst would type it back (yes/no, "a, b", "(none)").
    "rule": as the rule language writes it (true/false, "{a, b}").
    "reader": in words for a brief's reader, in the current language, using the indicator
    `spec` when given: 'yes', '43%', '1 of 5 (hostile)', 'knowledge economy', 'unknown'.
    """
    if style == "reader":
        return _reader_text(value, spec)
    if value is None:
        return ""
    if style == "rule":
        return rule_text(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) if value else "(none)"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _reader_text(value: Any, spec: Indicator | None) -> str:
    from .i18n import _, format_number, format_percent, unit_text, value_label

    if value is None:
        return _("unknown")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, (list, tuple)):
        return ", ".join(value_label(spec, str(v)) for v in value) or _("none")
    if spec is None:
        return str(value).replace("_", " ")
    t = spec.type
    if t == IndicatorType.SHARE and isinstance(value, (int, float)):
        return format_percent(float(f"{value * 100:.3g}") / 100, digits=10)
    if t == IndicatorType.SCALE:
        from .questions import scale_ends

        ends = scale_ends(spec)  # translated with the knowledge base, like the question
        if ends and value in (1, 5):
            return _("{value} of 5 ({anchor})").format(value=value, anchor=ends[0 if value == 1 else 1])
        return _("{value} of 5").format(value=value)
    if t == IndicatorType.RANK_FRAC and isinstance(value, (int, float)):
        return _("{percent} of the way down the world ranking").format(
            percent=format_percent(round(value, 2), digits=0))
    if t == IndicatorType.NUMBER and isinstance(value, (int, float)):
        unit = unit_text(spec.unit or "", value)
        if unit.startswith("%"):
            # '0.17% of GDP', '0,17 % ВВП': the percent sign spaced as the language writes it (Babel).
            return (format_percent(value / 100, digits=10) + unit[1:]).strip()
        return f"{format_number(value, digits=10)} {unit}".strip()
    if t == IndicatorType.ENUM:
        return value_label(spec, str(value))
    return str(value)
