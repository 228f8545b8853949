"""The user's data folder and the list of recently used assessments kept in it."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import DataError
from .safeio import atomic_write
from .yamlio import load_data

if TYPE_CHECKING:
    from .session import AssessmentSession

DATA_DIR_ENV = "DIAGNOSE_DATA_DIR"
APP_NAME = "policy-diagnostics"
MAX_RECENT = 12


def data_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where sessions live: $DIAGNOSE_DATA_DIR, else the platform's user data folder."""
    env = os.environ if env is None else env
    override = env.get(DATA_DIR_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME))


class RecentEntry(BaseModel):
    model_config = ConfigDict(extra="ignore")

    path: str
    country: str
    name: str = ""
    updated: str = ""
    answered: int = 0
    total: int = 0


@dataclass
class RecentList:
    """The recently used assessments, newest first, kept in `recent.json` in the data folder."""

    folder: Path
    entries: list[RecentEntry] = field(default_factory=list)

    @property
    def file(self) -> Path:
        return self.folder / "recent.json"

    @classmethod
    def load(cls, folder: Path) -> RecentList:
        out = cls(folder)
        try:
            raw, _ = load_data(out.file) if out.file.exists() else ([], {})
        except DataError:
            raw = []  # a damaged list only costs the shortcuts, never an assessment
        for item in raw if isinstance(raw, list) else []:
            try:
                entry = RecentEntry.model_validate(item)
            except ValidationError:
                continue
            if Path(entry.path).exists():
                out.entries.append(entry)
        return out

    def touch(self, session: AssessmentSession) -> None:
        p = session.progress()
        entry = RecentEntry(path=str(session.path), country=session.profile.country,
                            name=session.profile.name, updated=session.updated,
                            answered=p.done, total=p.total)
        self.entries = [entry] + [e for e in self.entries if e.path != entry.path]
        del self.entries[MAX_RECENT:]
        self.save()

    def forget(self, path: Path) -> None:
        self.entries = [e for e in self.entries if e.path != str(path)]
        self.save()

    def save(self) -> None:
        atomic_write(self.file, json.dumps([e.model_dump() for e in self.entries], indent=2) + "\n")

    def latest(self) -> Path | None:
        return Path(self.entries[0].path) if self.entries else None
