"""Small input widgets shared by the screens."""

from __future__ import annotations

from textual.validation import ValidationResult, Validator
from textual.widgets import Input

from diagnostics.answers import parse_text, parse_year
from diagnostics.knowledge import Indicator
from diagnostics.profile import AnswerError


class Field(Input):
    """An Input that does not blink in headless runs, so snapshots are stable."""

    def on_mount(self) -> None:
        if self.app.is_headless:
            self.cursor_blink = False



class AnswerValidator(Validator):
    def __init__(self, spec: Indicator) -> None:
        super().__init__()
        self.spec = spec

    def validate(self, value: str) -> ValidationResult:
        if not value.strip():
            return self.success()  # blank is "not answered", never stored
        try:
            parse_text(self.spec, value)
        except AnswerError as exc:
            return self.failure(str(exc))
        return self.success()


class YearValidator(Validator):
    def validate(self, value: str) -> ValidationResult:
        try:
            parse_year(value)
        except AnswerError as exc:
            return self.failure(str(exc))
        return self.success()
