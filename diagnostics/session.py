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

import datetime as dt
import getpass
import json
import os
import re
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import DataError
from .i18n import N_, _
from .kb import KnowledgeBase
from .knowledge import Function, Indicator
from .profile import Answer, AnswerError, Profile, check_value
from .profileio import END_MARKER, FORMAT, FORMAT_VERSION, Draft, SessionFile, load_profile
from .safeio import MAX_FILE_BYTES, atomic_write, read_text
from .yamlio import load_data

DATA_DIR_ENV = "DIAGNOSE_DATA_DIR"
APP_NAME = "policy-diagnostics"
SUFFIX = ".assessment.yaml"
MAX_RECENT = 12

# Navigator groups: the three government functions, then context and cross-cutting together.
FUNCTION_GROUPS: tuple[tuple[str, str, tuple[Function, ...]], ...] = (
    ("allocator", N_("Allocator"), (Function.ALLOCATOR,)),
    ("regulator", N_("Regulator"), (Function.REGULATOR,)),
    ("coordinator", N_("Coordinator"), (Function.COORDINATOR,)),
    ("context", N_("Context and cross-cutting"), (Function.CONTEXT, Function.CROSS_CUTTING)),
)


def data_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where sessions live: $DIAGNOSE_DATA_DIR, else the platform's user data folder."""
    env = os.environ if env is None else env
    override = env.get(DATA_DIR_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME))


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # the C dumper keeps autosave cheap


def _dump(data: Any, header: str = "") -> str:
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return header + text


def profile_data(profile: Profile) -> dict[str, Any]:
    """A profile as plain YAML-ready data, omitting empty fields."""
    data = profile.model_dump(mode="json", exclude_defaults=True)
    data.setdefault("country", profile.country)
    return data


# ---------------------------------------------------------------------------------------
# Questions: the indicator catalogue in navigator order.

@dataclass(frozen=True)
class TopicGroup:
    topic: str
    questions: tuple[str, ...]


@dataclass(frozen=True)
class QuestionGroup:
    id: str
    title: str
    topics: tuple[TopicGroup, ...]

    @property
    def questions(self) -> list[str]:
        return [q for t in self.topics for q in t.questions]


def question_groups(kb: KnowledgeBase) -> list[QuestionGroup]:
    """Indicators grouped by government function, then topic, in catalogue order."""
    out = []
    for gid, title, functions in FUNCTION_GROUPS:
        topics: dict[str, list[str]] = {}
        for ind in kb.indicators.values():
            if ind.function in functions:
                topics.setdefault(ind.topic, []).append(ind.id)
        if topics:
            out.append(QuestionGroup(gid, _(title), tuple(TopicGroup(t, tuple(q)) for t, q in topics.items())))
    return out


def question_order(kb: KnowledgeBase) -> list[str]:
    return [q for g in question_groups(kb) for q in g.questions]


# ---------------------------------------------------------------------------------------
# What a scale question's two ends mean (typed answers are parsed in diagnostics.answers).


def scale_ends(indicator: Indicator) -> tuple[str, str] | None:
    """The words at the two ends of a 1-5 scale: given as data, or read from the question's
    "(1 = …, 5 = …)", or from "1 = …" / "5 = …" in its help; None when nothing says."""
    if indicator.scale_labels:
        return indicator.scale_labels
    m = _SCALE_IN_QUESTION.search(indicator.question)
    if m:
        return m["lo"].strip(), m["hi"].strip()
    lo = _SCALE_LOW.search(indicator.help)
    hi = _SCALE_HIGH.search(indicator.help)
    if lo or hi:
        return (lo["lo"].strip() if lo else "lowest"), (hi["hi"].strip() if hi else "highest")
    return None


_SCALE_IN_QUESTION = re.compile(r"\(\s*1\s*=\s*(?P<lo>[^,;()]+?)\s*[,;]\s*5\s*=\s*(?P<hi>[^()]+?)\s*\)")
_SCALE_LOW = re.compile(r"(?:^|[.;]\s+|\()1\s*=\s*(?P<lo>[^.;()]+)")
_SCALE_HIGH = re.compile(r"(?:^|[.;,]\s+|\()5\s*=\s*(?P<hi>[^.;()]+)")


# ---------------------------------------------------------------------------------------
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


class SessionLocked(DataError):
    """The assessment is open in another window or on another machine."""


@dataclass
class SessionLock:
    """`KZ.assessment.yaml.lock` beside an open assessment: who holds it, so a second window
    on the same file is refused with a message instead of silently erasing answers.

    A lock left by a process that no longer runs on this machine is taken over; a lock from
    another machine is respected (its holder may still be typing).
    """

    path: Path
    token: str

    @staticmethod
    def file_for(session_path: Path) -> Path:
        return session_path.with_name(session_path.name + ".lock")

    @classmethod
    def acquire(cls, session_path: Path) -> SessionLock:
        lock = cls.file_for(session_path)
        token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"
        body = json.dumps({"token": token, "user": getpass.getuser(), "host": socket.gethostname(),
                           "pid": os.getpid(), "since": _now()})
        for _attempt in range(2):
            try:
                fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            except FileExistsError:
                holder = _lock_holder(lock)
                if holder is not None and not _stale(holder):
                    raise SessionLocked(
                        f"already open in another window ({holder.get('user', '?')} on "
                        f"{holder.get('host', '?')}, since {str(holder.get('since', '?'))[:16].replace('T', ' ')}). "
                        f"Close it there, or open a copy; if that window is gone, delete {lock.name}",
                        file=session_path) from None
                lock.unlink(missing_ok=True)  # a stale or unreadable lock: take it over
                continue
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(body + "\n")
            return cls(lock, token)
        raise SessionLocked("could not take the lock", file=session_path)

    def release(self) -> None:
        holder = _lock_holder(self.path)
        if holder is not None and holder.get("token") == self.token:
            self.path.unlink(missing_ok=True)


def _lock_holder(lock: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(read_text(lock, limit=10_000))  # the guarded reader: a FIFO here cannot hang
    except (DataError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _stale(holder: Mapping[str, Any]) -> bool:
    """True when the holder was a process on this machine that has ended."""
    if holder.get("host") != socket.gethostname():
        return False
    pid = holder.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class AssessmentSession:
    """One analyst's assessment of one country, autosaved to `path` after every change."""

    def __init__(self, kb: KnowledgeBase, profile: Profile, path: Path, *, started_from: str = "blank",
                 current: str | None = None, created: str = "", updated: str = "",
                 set_aside: dict[str, Answer] | None = None, drafts: dict[str, Draft] | None = None) -> None:
        self.kb = kb
        self.drafts: dict[str, Draft] = {k: d for k, d in (drafts or {}).items() if k in kb.indicators}
        self.path = path
        self.started_from = started_from
        self.created = created or _now()
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
                raise DataError("this is a plain profile, not an assessment: import it instead", file=path)
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
                self.notes.append(f"{ind_id}: no longer in the knowledge base; answer set aside")
                continue
            if answer.known:
                try:
                    answer = answer.model_copy(update={"value": check_value(spec, answer.value)})
                except AnswerError as exc:
                    self.set_aside[ind_id] = answer
                    self.notes.append(f"{exc}; answer set aside")
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
            raise DataError(f"unknown question {ind_id!r}")
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
            raise DataError(f"unknown question {ind_id!r}")
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
        self.updated = _now()
        text = self.dumps()
        size = len(text.encode())
        if size > MAX_FILE_BYTES:  # never write a file that could not be opened again
            raise DataError(f"the assessment would take {size:,} bytes, over the {MAX_FILE_BYTES:,} a file may "
                            "hold; shorten the longest notes", file=self.path)
        atomic_write(self.path, text)

    def export_profile(self, dest: Path) -> Path:
        """Write the answers as a plain profile that `diagnose assess FILE` reads."""
        header = (f"# {self.profile.name or self.profile.country}: profile exported from "
                  f"{self.path.name} on {_now()}\n")
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


# ---------------------------------------------------------------------------------------
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
