"""Files written so that a crash never leaves half of one, with the permissions the user's
umask gives any new file (``samples.jsonl``, reports, settings and annotations alike: a
teammate or a CI server reads a report as it reads the samples).

A temporary file in the same folder is written, fsynced and moved over the target
(``os.replace`` is atomic on one file system on Windows and POSIX alike), as Picard's
``atomic_write`` and Qt's ``QSaveFile`` do. Every byte goes through :func:`write_all`.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from pathlib import Path

from foundry_bench.core.redaction import scrub_json_text, scrub_secrets

_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


_PROBLEMS = {
    getattr(errno, name, -1): text
    for name, text in (
        ("ENOSPC", "the disk is full"),
        ("EDQUOT", "the disk quota is used up"),
        ("EROFS", "the file system is read-only"),
        ("EACCES", "permission denied"),
        ("EPERM", "permission denied"),
    )
}


class FileWriteError(OSError):
    """A file that could not be written; ``str(err)`` names it and the problem in words."""

    def __str__(self) -> str:
        return str(self.strerror)


def write_error(path: Path, exc: OSError) -> FileWriteError:
    """The error for a failed write of ``path``: ``<path>: cannot write: the disk is full
    (ENOSPC)``."""
    if isinstance(exc, FileWriteError):
        return exc
    number = exc.errno or 0
    problem = _PROBLEMS.get(number, exc.strerror or str(exc))
    code = errno.errorcode.get(number)
    return FileWriteError(
        number, f"{path}: cannot write: {problem}" + (f" ({code})" if code else "")
    )


def write_all(fd: int, data: bytes) -> None:
    """Write every byte of ``data`` to ``fd`` (``os.write`` may take only part of it)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8, ``\\n`` line ends) to ``path`` so that readers see the old file
    or the new one, never half; a failed write leaves no temporary file behind and raises
    :class:`FileWriteError`. Every file the app writes passes here, so no key value this
    process knows reaches one."""
    # JSON files only inside string values, so a key can never make a file unreadable.
    json_like = path.suffix in (".json", ".jsonl")
    text = scrub_json_text(text) if json_like else scrub_secrets(text)
    try:
        _replace(path, text.encode("utf-8"))
    except OSError as exc:
        raise write_error(path, exc) from exc


def _replace(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            # 0o666 and the umask, as open() gives; tempfile.mkstemp would force 0600.
            fd = os.open(tmp, _NEW_FILE, 0o666)
            break
        except FileExistsError:
            continue
    try:
        try:
            write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
