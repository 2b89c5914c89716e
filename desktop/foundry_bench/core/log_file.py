"""The app's log file: ``foundry-bench.log`` in the logs folder, rotated by size.

The log panel forgets everything when the window closes; the file keeps what happened for a
bug report. It rotates at ``MAX_BYTES`` and keeps ``BACKUPS`` old files, so it never grows
without bound. A key must never reach it: credentials in URLs are cut (``core.urls``) and the
``OPENAI_API_KEY`` value, if set, is replaced, in the message and in any traceback.
"""

from __future__ import annotations

import logging
import os
import re
from logging.handlers import RotatingFileHandler
from pathlib import Path

from foundry_bench.core.urls import redact_url

LOG_FILE = "foundry-bench.log"
MAX_BYTES = 1_000_000
BACKUPS = 3
_KEY_ENV = "OPENAI_API_KEY"
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S+")


def scrub(text: str) -> str:
    """``text`` without URL credentials and without the API key's value."""
    text = _URL.sub(lambda m: redact_url(m.group(0)), text)
    key = os.environ.get(_KEY_ENV)
    if key and len(key) >= 4:
        text = text.replace(key, "***")
    return text


class _ScrubbingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


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
