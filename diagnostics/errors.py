"""Error types that the CLI turns into one readable line and exit code 2."""

from __future__ import annotations

from pathlib import Path


class DiagnosticsError(Exception):
    """Base class: every subclass prints as one line for an analyst, no traceback."""


class DataError(DiagnosticsError):
    """A data file (profile, rules, indicators) is malformed or does not fit."""

    def __init__(
        self, message: str, *, file: Path | str | None = None, line: int | None = None
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.file and self.line:
            return f"{self.file}:{self.line}: {self.message}"
        if self.file:
            return f"{self.file}: {self.message}"
        if self.line:
            from .i18n import _

            return _("line {line}: {message}").format(line=self.line, message=self.message)
        return self.message

    def at_file(self, file: Path | str) -> DataError:
        return DataError(self.message, file=file, line=self.line)


class KnowledgeError(DiagnosticsError):
    """The knowledge base is inconsistent (unknown reference, cycle, design-rule breach)."""


class EngineError(DiagnosticsError):
    """The rule engine failed while assessing a profile."""


class PluginError(DiagnosticsError):
    """A plugin failed to load or returned invalid records."""
