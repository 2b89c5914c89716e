"""Python logging shown in a read-only panel.

Records can come from any thread (workers log too), so the handler only emits a signal; the
queued connection appends the line on the GUI thread.
"""

from __future__ import annotations

import contextlib
import logging

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QWidget

MAX_LINES = 5000


class _Bridge(QObject):
    record_emitted = Signal(str, int)


class QtLogHandler(logging.Handler):
    """A logging handler that forwards formatted records as a Qt signal (thread-safe)."""

    def __init__(self, level: int = logging.INFO) -> None:
        super().__init__(level)
        self.bridge = _Bridge()
        self.setFormatter(
            logging.Formatter("%(asctime)s  %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")
        )

    def emit(self, record: logging.LogRecord) -> None:
        # The panel may be gone (window closed) while a worker still logs; nothing to show then.
        with contextlib.suppress(RuntimeError):
            self.bridge.record_emitted.emit(self.format(record), record.levelno)


class LogPanel(QPlainTextEdit):
    """The log, newest last; keeps the last ``MAX_LINES`` lines."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setMaximumBlockCount(MAX_LINES)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setStyleHint(QFont.StyleHint.Monospace)
        self.setFont(font)
        self.setPlaceholderText("Messages from the app and the runtime appear here.")
        self.handler = QtLogHandler()
        self.handler.bridge.record_emitted.connect(
            self.append_record, Qt.ConnectionType.QueuedConnection
        )

    def attach(self, logger: logging.Logger) -> None:
        logger.addHandler(self.handler)
        if logger.getEffectiveLevel() > logging.INFO or logger.level == logging.NOTSET:
            logger.setLevel(logging.INFO)

    def detach(self, logger: logging.Logger) -> None:
        logger.removeHandler(self.handler)

    def lines(self) -> list[str]:
        return self.toPlainText().splitlines()

    @Slot(str, int)
    def append_record(self, text: str, level: int) -> None:
        fmt = QTextCharFormat()
        if level >= logging.ERROR:
            fmt.setForeground(QColor("#d9534f"))
        elif level >= logging.WARNING:
            fmt.setForeground(QColor("#c88a00"))
        else:
            fmt.setForeground(self.palette().color(QPalette.ColorRole.Text))
        at_end = self.verticalScrollBar().value() >= self.verticalScrollBar().maximum() - 2
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        if not self.document().isEmpty():
            cursor.insertBlock()
        cursor.insertText(text, fmt)
        if at_end:
            self.verticalScrollBar().setValue(self.verticalScrollBar().maximum())
