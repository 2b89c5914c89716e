"""One place for what the user should hear about: the status bar and the log.

Views and the job runner call :class:`Notifier`; the main window shows ``message_posted`` in
its status bar, and every message is also logged (so the log panel has the history). Messages
often quote servers and URLs, so keys are masked here, before either sees them.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from foundry_bench.core.redaction import redact_message

log = logging.getLogger("foundry_bench.ui")

INFO, ERROR = "info", "error"


class Notifier(QObject):
    """Routes messages to the status bar (via a signal) and to the log.

    Signals:
        message_posted(str, str): text and level (``"info"`` or ``"error"``).
    """

    message_posted = Signal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.last_error: str | None = None

    def info(self, text: str) -> None:
        text = redact_message(text)
        log.info("%s", text)
        self.message_posted.emit(text, INFO)

    def error(self, text: str) -> None:
        text = redact_message(text)
        self.last_error = text
        log.error("%s", text)
        self.message_posted.emit(text, ERROR)
