"""The app's log file: ``foundry-bench.log`` in the logs folder, rotated by size.

The log panel forgets everything when the window closes; the file keeps what happened for a
bug report. It rotates at ``MAX_BYTES`` and keeps ``BACKUPS`` old files, so it never grows
without bound. A key must never reach it: every line, tracebacks included, passes through
``core.redaction.redact_message`` (URL credentials, known key values, echoed auth headers).
"""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

from foundry_bench.core.redaction import redact_message

LOG_FILE = "foundry-bench.log"
MAX_BYTES = 1_000_000
BACKUPS = 3


class _ScrubbingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        # The whole line, traceback included: a record's message is masked when it is made,
        # an exception's text only here.
        return redact_message(super().format(record))


def open_log_file(logs_dir: Path, level: int = logging.INFO) -> logging.Handler | None:
    """A rotating handler writing to ``logs_dir/foundry-bench.log``; None when the folder
    cannot be created or written (the app still runs, with the panel only)."""
    try:
        logs_dir.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(
            logs_dir / LOG_FILE, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
        )
    except OSError:
        return None
    handler.setLevel(level)
    handler.setFormatter(
        _ScrubbingFormatter("%(asctime)s %(levelname)-7s %(threadName)s %(name)s: %(message)s")
    )
    return handler
