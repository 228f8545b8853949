"""Country profiles: answers to the indicator questions, each with its evidence.

Unknown is a first-class answer (`unknown: true`): the analyst looked and found nothing,
which the engine treats exactly like an unanswered question but the report shows apart.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from pydantic import ConfigDict, Field, field_validator, model_validator

from .i18n import _
from .knowledge import Indicator, IndicatorType
from .record_base import Deferred

COUNTRY_CODE = re.compile(r"\A[A-Z]{2,3}\Z")  # \Z, not $: "KZ\n" is no code
CAUTION_ID = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}\Z")
INDICATOR_REF = re.compile(r"\A[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\Z")

Value = bool | int | float | str | tuple[str, ...]

# Text limits, so that an assessment of every indicator always fits in one file that can be
# read back (safeio.MAX_FILE_BYTES): the TUI's fields enforce the same lengths as you type.
MAX_SOURCE_CHARS = 1_000
MAX_NOTE_CHARS = 4_000
MAX_TEXT_ANSWER_CHARS = 2_000


class EvidenceGrade(StrEnum):
    DOCUMENTED = "documented"  # official statistics, laws, IO reports, press
    SURVEY = "survey"  # e.g. the WEF Executive Opinion Survey, BEEPS
    INTERVIEW = "interview"  # an elite interview, often a single informant
    EXPERT_JUDGEMENT = "expert_judgement"  # the analyst's or an author's inference
    SECONDARY = "secondary"  # second-hand reports such as blog summaries


class Answer(Deferred):
    """One answer. Either `value` is set, or `unknown` is true."""

    model_config = ConfigDict(extra="forbid")

    value: Value | None = None
    unknown: bool = False
    source: str = Field(default="", max_length=MAX_SOURCE_CHARS)
    url: str = Field(default="", max_length=MAX_SOURCE_CHARS)
    evidence: EvidenceGrade | None = None
    as_of: int | None = Field(default=None, ge=1900, le=2100)
    note: str = Field(default="", max_length=MAX_NOTE_CHARS)
    # Set only on answers derived from a standard measure (diagnostics.proxies), never in files.
    proxy: str = Field(default="", exclude=True)

    @model_validator(mode="after")
    def _value_or_unknown(self) -> Answer:
        if self.unknown and self.value is not None:
            raise ValueError(_("an answer cannot have a value and be unknown"))
        if not self.unknown and self.value is None:
            raise ValueError(_("an answer needs a value, or 'unknown: true'"))
        return self

    @field_validator("value", mode="before")
    @classmethod
    def _sets_as_tuples(cls, v: Any) -> Any:
        if isinstance(v, list):
            return tuple(v)
        return v

    @property
    def known(self) -> bool:
        return not self.unknown


class DataCaution(Deferred):
    """A recorded doubt about a figure (MAP.md §10.2): shown in the brief's annex, never fixed silently."""

    model_config = ConfigDict(extra="forbid")

    id: str
    text: str = Field(max_length=MAX_NOTE_CHARS)
    source: str = Field(default="", max_length=MAX_SOURCE_CHARS)
    indicators: tuple[str, ...] = ()

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not CAUTION_ID.match(v):
            raise ValueError(_("caution id {id} must be a short code of letters, digits, '.', '_', ':' or '-'")
                             .format(id=repr(v)))
        return v

    @field_validator("indicators")
    @classmethod
    def _indicator_ids(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for ind in v:
            if not INDICATOR_REF.match(ind):
                raise ValueError(_("{id} is not an indicator id such as rd.gerd_share").format(id=repr(ind)))
        return v


class Profile(Deferred):
    """A country's answers at a date."""

    model_config = ConfigDict(extra="forbid")

    country: str
    name: str = Field(default="", max_length=200)
    family: str = Field(default="", max_length=64)
    as_of: dt.date | None = None
    description: str = Field(default="", max_length=10_000)
    answers: dict[str, Answer] = Field(default_factory=dict)
    data_cautions: list[DataCaution] = Field(default_factory=list)

    @field_validator("as_of", mode="before")
    @classmethod
    def _as_of_date(cls, v: Any) -> Any:
        # pydantic would read 2018 as seconds since 1970 and a time of day as a date.
        if isinstance(v, (bool, int, float)):
            year = v if isinstance(v, int) and 1000 <= v <= 9999 else 2018
            raise ValueError(_("as_of is a date such as {year}-12-31, not a bare number; for a year alone "
                               "write its last day").format(year=year))
        if isinstance(v, dt.datetime):
            raise ValueError(_("as_of is a date such as 2018-12-31, without a time of day"))
        if isinstance(v, str):
            try:
                return dt.date.fromisoformat(v.strip())
            except ValueError:
                raise ValueError(_("as_of {value} is not a date such as 2018-12-31").format(value=repr(v))) from None
        return v

    @field_validator("country")
    @classmethod
    def _country(cls, v: str) -> str:
        if not COUNTRY_CODE.match(v):
            raise ValueError(_("country {code} must be an ISO 3166 alpha-2 or alpha-3 code, e.g. KZ")
                .format(code=repr(v)))
        return v

    def known_values(self) -> dict[str, Value]:
        """Indicator id -> value for every answer that is known."""
        return {k: a.value for k, a in self.answers.items() if a.known and a.value is not None}

    def with_answers(self, changes: dict[str, Answer | None]) -> Profile:
        """A copy with some answers replaced (None removes the answer)."""
        answers = dict(self.answers)
        for key, answer in changes.items():
            if answer is None:
                answers.pop(key, None)
            else:
                answers[key] = answer
        return self.model_copy(update={"answers": answers})

    def changed_answers(self, other: Profile, order: Iterable[str] = ()) -> list[str]:
        """Indicators whose answer differs in value or in being unknown or open (source and
        note alone are no change), in `order` first, then by id."""
        rank = {q: i for i, q in enumerate(order)}
        keys = sorted(set(self.answers) | set(other.answers), key=lambda k: (rank.get(k, len(rank)), k))
        return [k for k in keys if _answer_key(self.answers.get(k)) != _answer_key(other.answers.get(k))]


def _answer_key(a: Answer | None) -> tuple[Any, ...]:
    if a is None:
        return ("open",)
    return ("unknown",) if a.unknown else ("value", a.value)


def profile_digest(profile: Profile) -> str:
    """A hash of the profile's JSON, for the audit stamp."""
    import hashlib
    import json

    text = json.dumps(profile.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class AnswerError(ValueError):
    """An answer does not fit its indicator."""


def check_value(indicator: Indicator, value: Any) -> Value:
    """Validate (and normalise) one value against its indicator; raise AnswerError if it does not fit."""
    t = indicator.type
    if t == IndicatorType.BOOL:
        if not isinstance(value, bool):
            raise AnswerError(_("{id} expects true or false, got {value}").format(id=indicator.id, value=repr(value)))
        return value
    if t == IndicatorType.ENUM:
        if not isinstance(value, str) or value not in indicator.values:
            raise AnswerError(_("{id} expects one of {values}, got {value}").format(
                id=indicator.id, values=", ".join(indicator.values), value=repr(value)))
        return value
    if t == IndicatorType.SET:
        items = (value,) if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)):
            raise AnswerError(_("{id} expects a list drawn from {values}").format(
                id=indicator.id, values=", ".join(indicator.values)))
        bad = [v for v in items if v not in indicator.values]
        if bad:
            raise AnswerError(_("{id}: {items} not among {values}").format(
                id=indicator.id, items=", ".join(map(repr, bad)), values=", ".join(indicator.values)))
        return tuple(sorted(set(items), key=indicator.values.index))
    if t == IndicatorType.TEXT:
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise AnswerError(_("{id} expects text, got {value}").format(id=indicator.id, value=repr(value)))
        if len(str(value)) > MAX_TEXT_ANSWER_CHARS:
            raise AnswerError(f"{indicator.id}: a text answer holds at most {MAX_TEXT_ANSWER_CHARS:,} characters")
        return str(value)
    # numeric kinds
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        if isinstance(value, str):
            raise AnswerError(_("{id} expects a number, got the text {value}; write a number without quotes, "
                                "such as 0.25 or 1.5e3").format(id=indicator.id, value=repr(value[:40])))
        raise AnswerError(_("{id} expects a number, got {value}").format(id=indicator.id, value=repr(value)))
    if isinstance(value, float) and not math.isfinite(value):
        raise AnswerError(_("{id}: {value} is not a finite number").format(id=indicator.id, value=repr(value)))
    if t in (IndicatorType.SCALE, IndicatorType.YEAR) and value != int(value):
        raise AnswerError(_("{id} expects a whole number, got {value}").format(id=indicator.id, value=repr(value)))
    lo, hi = indicator.bounds()
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        span = f"{_fmt(lo)}..{_fmt(hi)}"
        raise AnswerError(_("{id}: {value} is outside the allowed range {range}").format(
            id=indicator.id, value=repr(value), range=span))
    if t in (IndicatorType.SCALE, IndicatorType.YEAR):
        return int(value)
    return value


def _fmt(x: float | None) -> str:
    if x is None:
        return "any"
    return str(int(x)) if float(x).is_integer() else str(x)
