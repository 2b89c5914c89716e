"""One place for what the user should hear about: the status bar, the log, and rarely a dialog.

Views and the job runner call :class:`Notifier`; the main window shows ``message_posted`` in
its status bar, and every message is also logged (so the log panel has the history). A dialog
is used only through :meth:`Notifier.ask_user`, for problems the user must act on now.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

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
        log.info("%s", text)
        self.message_posted.emit(text, INFO)

    def error(self, text: str) -> None:
        self.last_error = text
        log.error("%s", text)
        self.message_posted.emit(text, ERROR)

    def ask_user(self, parent: QWidget | None, title: str, text: str) -> None:
        """A modal message for a problem the user must act on (also logged)."""
        self.error(text)
        QMessageBox.warning(parent, title, text)
