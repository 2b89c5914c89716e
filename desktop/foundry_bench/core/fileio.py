"""Files written so that a crash never leaves half of one.

A temporary file in the same folder is flushed, fsynced and moved over the target
(``os.replace`` is atomic on one file system on Windows and POSIX alike), as Picard's
``atomic_write`` and Qt's ``QSaveFile`` do.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from foundry_bench.core.redaction import scrub_json_text, scrub_secrets


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the new one, never half.

    A temporary file in the same folder is flushed, fsynced and moved over the target
    (``os.replace`` is atomic on one file system on Windows and POSIX alike). Every file the
    app writes passes here, so no key value this process knows reaches one.
    """
    # JSON files only inside string values, so a key can never make a file unreadable.
    json_like = path.suffix in (".json", ".jsonl")
    text = scrub_json_text(text) if json_like else scrub_secrets(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with _suppress_oserror():
            os.unlink(tmp)
        raise


class _suppress_oserror:
    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: object, exc: object, tb: object) -> bool:
        return isinstance(exc, OSError)
