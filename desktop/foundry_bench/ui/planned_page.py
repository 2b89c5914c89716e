"""A page for a view that a later version builds: what it will do, and the CLI that does it now.

It is deliberately not a mock-up: no fake charts or tables, just the plan and a working
command line the user can copy.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QFrame, QLabel, QPlainTextEdit, QVBoxLayout, QWidget


class PlannedPage(QWidget):
    def __init__(
        self,
        title: str,
        summary: str,
        plans: list[str],
        commands: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.title = title
        heading = QLabel(title)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        heading.setFont(font)
        badge = QLabel("Not in this version of the app yet")
        badge.setObjectName("plannedBadge")
        badge.setStyleSheet(
            "QLabel#plannedBadge { background: rgba(91,192,222,0.18); border: 1px solid "
            "rgba(91,192,222,0.7); border-radius: 4px; padding: 3px 8px; }"
        )
        intro = QLabel(summary)
        intro.setWordWrap(True)
        items = "".join(f"<li>{p}</li>" for p in plans)
        plan = QLabel(f"<p><b>What this page will do</b></p><ul>{items}</ul>")
        plan.setWordWrap(True)
        plan.setTextFormat(Qt.TextFormat.RichText)
        cli_title = QLabel("<b>Meanwhile, the command line does it</b> (same engine):")
        self.commands = QPlainTextEdit(commands.strip())
        self.commands.setReadOnly(True)
        fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        fixed.setStyleHint(QFont.StyleHint.Monospace)
        self.commands.setFont(fixed)
        self.commands.setFrameShape(QFrame.Shape.StyledPanel)
        self.commands.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        lines = commands.strip().count("\n") + 1
        self.commands.setFixedHeight(self.commands.fontMetrics().lineSpacing() * (lines + 1) + 16)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(10)
        layout.addWidget(heading)
        layout.addWidget(badge, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(intro)
        layout.addWidget(plan)
        layout.addWidget(cli_title)
        layout.addWidget(self.commands)
        layout.addStretch(1)
