"""Guarded file access: the one reader and the one writer every command goes through.

Reading: only regular files are opened (a FIFO would block, a device never ends), the size
limit is checked on the open descriptor before a byte is read, and the text must be UTF-8
without control characters. Writing: the new content goes to a temporary file beside the
target, is flushed to disk and renamed over it, so a crash, a full disk or a kill leaves
either the old file or the new one and no temporary file. Targets that are not regular
files (devices, symbolic links, folders) are refused, new files get the user's umask, and
every failure is a :class:`DataError` naming the file: one line for the analyst.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from .errors import DataError
from .i18n import N_, _, format_number

MAX_FILE_BYTES = 5_000_000
STDOUT = "-"

# C0 controls except tab, newline and carriage return; DEL; the C1 block. Never part of
# analyst text, and on a terminal they move the cursor, clear the screen or set the title.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return _("a folder")
    if stat.S_ISFIFO(mode):
        return _("a named pipe")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return _("a device")
    if stat.S_ISSOCK(mode):
        return _("a socket")
    if stat.S_ISLNK(mode):
        return _("a symbolic link")
    return _("not a regular file")


def _os_reason(exc: OSError) -> str:
    reasons = {
        errno.ENOENT: N_("file not found"),
        errno.EACCES: N_("permission denied"),
        errno.EPERM: N_("permission denied"),
        errno.ENOSPC: N_("no space left on the device; nothing was written"),
        errno.EDQUOT: N_("disk quota exceeded; nothing was written"),
        errno.EROFS: N_("the folder is on a read-only file system; nothing was written"),
        errno.EFBIG: N_("the file would be larger than allowed; nothing was written"),
        errno.ENAMETOOLONG: N_("the file name is too long"),
        errno.ELOOP: N_("too many levels of symbolic links"),
        errno.ENOTDIR: N_("a part of the path is not a folder"),
        errno.EISDIR: N_("is a folder, not a file"),
    }
    reason = reasons.get(exc.errno or 0)
    return _(reason) if reason else (exc.strerror or str(exc))


def read_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; DataError otherwise."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.EISDIR:
            raise DataError(_("is a folder, not a file"), file=path) from None
        raise DataError(_os_reason(exc), file=path) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise DataError(_("is {kind}, not a regular file").format(kind=_kind(info.st_mode)), file=path)
        if info.st_size > limit:
            raise DataError(_("file is {size} bytes; the limit is {limit}").format(
                size=format_number(info.st_size), limit=format_number(limit)), file=path)
        chunks: list[bytes] = []
        size = 0
        while True:  # the file may grow while we read: never take more than the limit
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise DataError(_("file is over the limit of {limit} bytes").format(limit=format_number(limit)),
                                file=path)
        return b"".join(chunks)
    except OSError as exc:
        raise DataError(_("cannot read: {reason}").format(reason=_os_reason(exc)), file=path) from None
    finally:
        os.close(fd)


def read_text(path: Path, limit: int = MAX_FILE_BYTES) -> str:
    """A regular UTF-8 text file of at most `limit` bytes, without control characters."""
    return text_of(read_bytes(path, limit), path)


def text_of(raw: bytes, path: Path) -> str:
    """The bytes read from `path` as UTF-8 text without control characters (read_text)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(
            _("not UTF-8 text (byte 0x{byte}); save the file as UTF-8").format(byte=f"{raw[exc.start]:02x}"),
            file=path, line=line
        ) from None
    bad = CONTROL_CHARS.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise DataError(_("control character U+{code} in the text; a data file holds printable text only")
                        .format(code=f"{ord(bad.group()):04X}"), file=path, line=line)
    return text


def strip_controls(text: str) -> str:
    """Text safe to print on a terminal: control characters (escape sequences) removed."""
    return CONTROL_CHARS.sub("", text)


# ---------------------------------------------------------------------------------------
# Writing

def check_target(path: Path, *, force: bool) -> None:
    """Refuse to write over anything but a regular file, and over one without `force`."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise DataError(_os_reason(exc), file=path) from None
    if stat.S_ISDIR(info.st_mode):
        raise DataError(_("is a folder; give a file name inside it"), file=path)
    if not stat.S_ISREG(info.st_mode):
        raise DataError(_("is {kind}; only regular files are written").format(kind=_kind(info.st_mode)), file=path)
    if not force:
        raise DataError(_("exists; add --force to overwrite it"), file=path)


def output_path(raw: str | os.PathLike[str] | None) -> Path | None:
    """The file an `-o` option names; None for standard output (no option, or `-`)."""
    if raw is None:
        return None
    text = os.fspath(raw)
    if text == STDOUT:
        return None
    if not text.strip():
        raise DataError(_("-o needs a file name"))
    if text.endswith(("/", os.sep)):
        raise DataError(_("{path}: ends with '/', which names a folder; give a file name such as {path}brief.md")
                        .format(path=text))
    return Path(text)


def _umask() -> int:
    # os.umask can only be read by setting it; put it straight back.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_output(path: Path, *, force: bool = True, binary: bool = False) -> Iterator[IO]:
    """A stream whose content replaces `path` only when the block ends without an error.

    On any failure the temporary file is removed and, for operating-system errors, a
    DataError names the target: ``brief.md: no space left on the device; nothing was written``.
    """
    check_target(path, force=force)
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(_("cannot create the folder {folder}: {reason}").format(
            folder=folder, reason=_os_reason(exc)), file=path) from None
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)  # keep the permissions of a file we replace
    except OSError:
        mode = 0o666 & ~_umask()
    tmp: Path | None = None
    fd = -1
    try:
        for _attempt in range(100):
            tmp = folder / f".{path.name}.{secrets.token_hex(4)}.tmp"
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
                break
            except FileExistsError:
                continue
        else:  # pragma: no cover - a hundred random names all taken
            raise DataError(_("cannot create a temporary file beside it"), file=path)
        stream: IO = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")
        fd = -1  # owned by the stream now
        with stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(tmp, mode)
        check_target(path, force=True)  # nothing turned the target into a link or device meanwhile
        os.replace(tmp, path)
        tmp = None
        _sync_folder(folder)
    except OSError as exc:
        raise DataError(_os_reason(exc), file=path) from None
    finally:
        if fd >= 0:
            os.close(fd)
        if tmp is not None:
            with contextlib.suppress(OSError):
                tmp.unlink()


def _sync_folder(folder: Path) -> None:
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. on Windows
        return
    try:
        os.fsync(dir_fd)
    except OSError:  # pragma: no cover - some file systems cannot sync a folder
        pass
    finally:
        os.close(dir_fd)


def atomic_write(path: Path, data: str | bytes, *, force: bool = True) -> None:
    """Replace `path` with `data` atomically (see :func:`atomic_output`)."""
    with atomic_output(path, force=force, binary=isinstance(data, bytes)) as stream:
        stream.write(data)


def write_output(raw: str | os.PathLike[str] | None, data: str | bytes, *, force: bool) -> Path | None:
    """Write a command's result to the `-o` target, or to standard output for none or `-`.

    Returns the file written, or None for standard output.
    """
    path = output_path(raw)
    if path is None:
        if isinstance(data, bytes):
            sys.stdout.flush()  # text already written goes first
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            sys.stdout.write(data)
        sys.stdout.flush()
        return None
    atomic_write(path, data, force=force)
    return path


# A cell a spreadsheet would run as a formula ("=HYPERLINK(...)", "+cmd", "@SUM"): the one
# escaping rule for the CSV and XLSX files we write. A negative number ("-5") is left alone.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_like(text: str) -> bool:
    if not text.startswith(_FORMULA_START):
        return False
    try:
        float(text)
    except ValueError:
        return True
    return False


def spreadsheet_text(value: object) -> object:
    """A CSV cell a spreadsheet shows as text: a leading apostrophe before formula-like text."""
    return "'" + value if isinstance(value, str) and formula_like(value) else value
