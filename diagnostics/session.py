"""Guided-assessment sessions: an analyst's answers on disk, saved after every change.

The TUI (`diagnose tui`) drives this model; it imports no textual, so tests and scripts use
it directly. Every change is written with :func:`diagnostics.yamlio.atomic_write`, so a
crash or a kill loses at most the answer still being typed.

An assessment file (``*.assessment.yaml``) is the profile plus where the analyst stood:

    format: policy-diagnostics-assessment
    version: 1
    started_from: KZ          # the country profile that pre-filled the answers, or "blank"
    current: rd.gerd_share    # the question on screen, so a session resumes where it stopped
    profile: {country: KZ, answers: {...}}
    set_aside: {}             # answers the current knowledge base no longer accepts
    drafts: {}                # source, grade, year or note typed before the value
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from .errors import DataError
from .i18n import _, format_number
from .kb import KnowledgeBase
from .profile import Answer, AnswerError, Profile, check_value
from .profileio import END_MARKER, FORMAT, FORMAT_VERSION, Draft, SessionFile, load_profile
from .questions import question_order
from .safeio import MAX_FILE_BYTES, atomic_write
from .session_lock import SessionLock, now

SUFFIX = ".assessment.yaml"

_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # the C dumper keeps autosave cheap


def _dump(data: Any, header: str = "") -> str:
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return header + text


def profile_data(profile: Profile) -> dict[str, Any]:
    """A profile as plain YAML-ready data, omitting empty fields."""
    data = profile.model_dump(mode="json", exclude_defaults=True)
    data.setdefault("country", profile.country)
    return data


@dataclass
class Progress:
    answered: int
    unknown: int
    total: int

    @property
    def done(self) -> int:
        return self.answered + self.unknown

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0


def read_profile_or_session(path: Path) -> tuple[Profile, SessionFile | None]:
    """Read a plain profile file or an assessment file; raise DataError naming the line."""
    loaded = load_profile(path)
    return loaded.profile, loaded.session


class AssessmentSession:
    """One analyst's assessment of one country, autosaved to `path` after every change."""

    def __init__(self, kb: KnowledgeBase, profile: Profile, path: Path, *, started_from: str = "blank",
                 current: str | None = None, created: str = "", updated: str = "",
                 set_aside: dict[str, Answer] | None = None, drafts: dict[str, Draft] | None = None) -> None:
        self.kb = kb
        self.drafts: dict[str, Draft] = {k: d for k, d in (drafts or {}).items() if k in kb.indicators}
        self.path = path
        self.started_from = started_from
        self.created = created or now()
        self.updated = updated or self.created
        self.set_aside: dict[str, Answer] = dict(set_aside or {})
        self.notes: list[str] = []  # what was set aside on opening, for the UI to show once
        self.order = question_order(kb)
        self._index = {q: i for i, q in enumerate(self.order)}
        self.profile = self._admit(profile)
        self.current = current if current in self._index else (self.order[0] if self.order else None)
        self.lock: SessionLock | None = None  # held while a window has it open (see `open(lock=True)`)

    # -- construction -----------------------------------------------------------------
    @classmethod
    def create(cls, kb: KnowledgeBase, profile: Profile, folder: Path, *,
               started_from: str = "blank", lock: bool = False) -> AssessmentSession:
        """A new session file under `folder/assessments`, saved at once."""
        path = unique_path(folder / "assessments", profile.country)
        session = cls(kb, profile, path, started_from=started_from)
        session.current = session.first_open() or session.current
        if lock:
            session.lock = SessionLock.acquire(path)
        session.save()
        return session

    @classmethod
    def open(cls, kb: KnowledgeBase, path: Path, *, lock: bool = False) -> AssessmentSession:
        """Reopen an assessment file exactly where it was left. With `lock`, hold the file's
        lock until `close()`; SessionLocked if another window holds it."""
        taken = SessionLock.acquire(path) if lock else None
        try:
            profile, doc = read_profile_or_session(path)
            if doc is None:
                raise DataError(_("this is a plain profile, not an assessment: import it instead"), file=path)
        except BaseException:
            if taken is not None:
                taken.release()
            raise
        session = cls(kb, profile, path, started_from=doc.started_from, current=doc.current,
                      created=doc.created, updated=doc.updated, set_aside=doc.set_aside, drafts=doc.drafts)
        session.lock = taken
        return session

    def close(self) -> None:
        """Let other windows open the file again."""
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    @classmethod
    def import_file(cls, kb: KnowledgeBase, source: Path, folder: Path, *, lock: bool = False) -> AssessmentSession:
        """Copy a profile or assessment file into a new session; the source is never modified."""
        profile, doc = read_profile_or_session(source)
        path = unique_path(folder / "assessments", profile.country)
        session = cls(kb, profile, path, started_from=doc.started_from if doc else f"import:{source.name}",
                      current=doc.current if doc else None,
                      set_aside=doc.set_aside if doc else None, drafts=doc.drafts if doc else None)
        if doc is None:
            session.current = session.first_open() or session.current
        if lock:
            session.lock = SessionLock.acquire(path)
        session.save()
        return session

    def _admit(self, profile: Profile) -> Profile:
        """Keep every answer: those the knowledge base rejects are set aside, not dropped."""
        keep: dict[str, Answer] = {}
        for ind_id, answer in profile.answers.items():
            spec = self.kb.indicators.get(ind_id)
            if spec is None:
                self.set_aside[ind_id] = answer
                self.notes.append(_("{id}: no longer in the knowledge base; answer set aside").format(id=ind_id))
                continue
            if answer.known:
                try:
                    answer = answer.model_copy(update={"value": check_value(spec, answer.value)})
                except AnswerError as exc:
                    self.set_aside[ind_id] = answer
                    self.notes.append(_("{problem}; answer set aside").format(problem=exc))
                    continue
            keep[ind_id] = answer
        return profile.model_copy(update={"answers": keep})

    # -- state --------------------------------------------------------------------------
    def answer(self, ind_id: str) -> Answer | None:
        return self.profile.answers.get(ind_id)

    def state(self, ind_id: str) -> Literal["answered", "unknown", "open"]:
        a = self.profile.answers.get(ind_id)
        if a is None:
            return "open"
        return "unknown" if a.unknown else "answered"

    def progress(self, questions: list[str] | None = None) -> Progress:
        qs = self.order if questions is None else questions
        answered = unknown = 0
        for q in qs:
            s = self.state(q)
            answered += s == "answered"
            unknown += s == "unknown"
        return Progress(answered, unknown, len(qs))

    def first_open(self, after: str | None = None) -> str | None:
        start = self._index.get(after, -1) + 1 if after else 0
        for q in self.order[start:] + self.order[:start]:
            if self.state(q) == "open":
                return q
        return None

    def neighbour(self, ind_id: str | None, step: int) -> str | None:
        if not self.order:
            return None
        i = self._index.get(ind_id or "", -1)
        return self.order[max(0, min(len(self.order) - 1, i + step))]

    # -- changes (each one saved at once) ----------------------------------------------
    def check(self, ind_id: str, answer: Answer) -> Answer:
        """The answer with its value normalised; AnswerError if it does not fit."""
        spec = self.kb.indicators.get(ind_id)
        if spec is None:
            raise AnswerError(f"unknown question {ind_id!r}")
        if answer.known:
            return answer.model_copy(update={"value": check_value(spec, answer.value)})
        return answer

    def set_answer(self, ind_id: str, answer: Answer) -> Answer:
        answer = self.check(ind_id, answer)
        draft = self.drafts.pop(ind_id, None)
        try:
            self._commit(self.profile.with_answers({ind_id: answer}), current=ind_id)
        except BaseException:
            if draft is not None:
                self.drafts[ind_id] = draft
            raise
        self.set_aside.pop(ind_id, None)
        return answer

    def clear_answer(self, ind_id: str) -> None:
        """Remove the value; its source, grade, year and note stay as a draft."""
        old = self.profile.answers.get(ind_id)
        if old is None:
            return
        draft = Draft(source=old.source, evidence=old.evidence, as_of=old.as_of, note=old.note)
        if not draft.empty:
            self.drafts[ind_id] = draft
        try:
            self._commit(self.profile.with_answers({ind_id: None}))
        except BaseException:
            self.drafts.pop(ind_id, None)
            raise

    def draft(self, ind_id: str) -> Draft | None:
        return self.drafts.get(ind_id)

    def set_draft(self, ind_id: str, draft: Draft) -> None:
        """Keep evidence typed on a question without a value (an empty draft is dropped)."""
        if ind_id not in self._index:
            raise DataError(_("unknown question {id}").format(id=repr(ind_id)))
        old = self.drafts.get(ind_id)
        if draft.empty:
            if old is None:
                return
            del self.drafts[ind_id]
        elif old == draft:
            return
        else:
            self.drafts[ind_id] = draft
        try:
            self.save()
        except BaseException:
            if old is None:
                self.drafts.pop(ind_id, None)
            else:
                self.drafts[ind_id] = old
            raise

    def apply(self, changes: Mapping[str, Answer | None], drafts: Mapping[str, Draft] | None = None) -> None:
        """Several answers at once (keeping a what-if, importing a spreadsheet), saved in one
        write; `drafts` is evidence for questions left without a value."""
        checked = {k: (self.check(k, a) if a is not None else None) for k, a in changes.items()}
        old = dict(self.drafts)
        for k, a in checked.items():
            if a is not None:
                self.drafts.pop(k, None)
        self.drafts.update({k: d for k, d in (drafts or {}).items() if k not in self.profile.answers
                            or checked.get(k, self.profile.answers.get(k)) is None})
        try:
            self._commit(self.profile.with_answers(checked))
        except BaseException:
            self.drafts = old
            raise

    def _commit(self, profile: Profile, current: str | None = None) -> None:
        """Save the new answers; if the write fails, keep the old ones and raise."""
        old = (self.profile, self.current)
        self.profile, self.current = profile, current or self.current
        try:
            self.save()
        except BaseException:
            self.profile, self.current = old
            raise

    def goto(self, ind_id: str) -> None:
        if ind_id not in self._index:
            raise DataError(_("unknown question {id}").format(id=repr(ind_id)))
        if ind_id != self.current:
            self.current = ind_id
            self.save()

    def to_file(self) -> SessionFile:
        return SessionFile(started_from=self.started_from, current=self.current, created=self.created,
                           updated=self.updated, knowledge_base=self.kb.digest, profile=self.profile,
                           set_aside=self.set_aside, drafts=self.drafts)

    def dumps(self) -> str:
        data = self.to_file().model_dump(mode="json", exclude_defaults=True)
        data = {"format": FORMAT, "version": FORMAT_VERSION, **data}
        data["profile"] = profile_data(self.profile)
        header = "# policy-diagnostics assessment, autosaved by `diagnose tui` after every answer.\n"
        return _dump(data, header) + END_MARKER + "\n"

    def save(self) -> None:
        self.updated = now()
        text = self.dumps()
        size = len(text.encode())
        if size > MAX_FILE_BYTES:  # never write a file that could not be opened again
            raise DataError(_("the assessment would take {size} bytes, over the {limit} a file may hold; "
                              "shorten the longest notes").format(size=format_number(size),
                                                                  limit=format_number(MAX_FILE_BYTES)),
                            file=self.path)
        atomic_write(self.path, text)

    def export_profile(self, dest: Path) -> Path:
        """Write the answers as a plain profile that `diagnose assess FILE` reads."""
        header = (f"# {self.profile.name or self.profile.country}: profile exported from "
                  f"{self.path.name} on {now()}\n")
        if dest.suffix.lower() == ".json":
            text = json.dumps(profile_data(self.profile), indent=2, ensure_ascii=False) + "\n"
        else:
            text = _dump(profile_data(self.profile), header)
        atomic_write(dest, text)
        return dest

    def title(self) -> str:
        name = self.profile.name or self.profile.country
        return f"{name} ({self.profile.country})" if name != self.profile.country else name


def unique_path(folder: Path, country: str) -> Path:
    """`KZ.assessment.yaml`, else `KZ-2.assessment.yaml`, ...: readable and deterministic."""
    folder.mkdir(parents=True, exist_ok=True)
    n = 1
    while True:
        stem = country if n == 1 else f"{country}-{n}"
        path = folder / f"{stem}{SUFFIX}"
        if not path.exists():
            return path
        n += 1
