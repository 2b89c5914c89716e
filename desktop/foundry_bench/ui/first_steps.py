"""The path through the app, told on the first screen until the user has walked it once.

A new user sees four pages and no order; this strip says it: pick models, run, score,
report, each step a link to its page. It goes away for good once a run is open (the user
found the way) or when closed.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QToolButton, QWidget

from foundry_bench.ui.base.plain_text import rich_label

STEPS = (
    ("Models", "pick the models to compare (tick them on the Benchmark page)"),
    ("Benchmark", "run them on your prompts"),
    ("Quality", "score the answers 1-5"),
    ("Reports", "get the recommendation and export it"),
)


class FirstSteps(QFrame):
    """Signals:
    page_requested(str): a step's page was clicked.
    dismissed(): the strip was closed (or the user got past it).
    """

    page_requested = Signal(str)
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstSteps")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        links = " → ".join(
            f'<b>{i}.</b> <a href="{page}">{page}</a>: {what}'
            for i, (page, what) in enumerate(STEPS, start=1)
        )
        self.label = rich_label(f"First time here? {links}.")  # our own fixed text only
        self.label.setWordWrap(True)
        self.label.linkActivated.connect(self.page_requested)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Hide these first steps")
        close.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 4, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)

    def dismiss(self) -> None:
        if not self.isHidden():
            self.hide()
            self.dismissed.emit()
