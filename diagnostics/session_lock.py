"""The lock beside an open assessment file, so that two windows never overwrite each other."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import DataError
from .i18n import _
from .safeio import read_text


def now() -> str:
    """The local time with its offset, to the second: the stamps of sessions and locks."""
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


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
                           "pid": os.getpid(), "since": now()})
        for _attempt in range(2):
            try:
                fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            except FileExistsError:
                holder = _lock_holder(lock)
                if holder is not None and not _stale(holder):
                    raise SessionLocked(
                        _("already open in another window ({user} on {host}, since {since}). Close it there, "
                          "or open a copy; if that window is gone, delete {lock}").format(
                            user=holder.get("user", "?"), host=holder.get("host", "?"),
                            since=str(holder.get("since", "?"))[:16].replace("T", " "), lock=lock.name),
                        file=session_path) from None
                lock.unlink(missing_ok=True)  # a stale or unreadable lock: take it over
                continue
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(body + "\n")
            return cls(lock, token)
        raise SessionLocked(_("could not take the lock"), file=session_path)

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
