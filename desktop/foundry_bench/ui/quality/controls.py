"""The Quality page's controls above the answers (annotator, blind, mode, progress), and the
panel that says an annotations file cannot be used and offers the way out."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QHBoxLayout,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from foundry_bench.ui.base.plain_text import plain_label

# A segmented toggle: the checked mode in the highlight colour, in both palettes (Fusion's own
# checked button is hard to tell from an unchecked one in dark).
_SEGMENT = (
    "QPushButton#qualityMode { padding: 3px 10px; border: 1px solid palette(mid);"
    " border-radius: 4px; background: palette(button); }"
    "QPushButton#qualityMode:checked { background: palette(highlight);"
    " color: palette(highlighted-text); border-color: palette(highlight); }"
)


class ScoringControls(QWidget):
    """One row: who scores, blind or not, one answer or side by side, unscored only, progress.

    Only the annotator field takes the keyboard focus: the digits are the scoring view's.
    """

    def __init__(self, annotator: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.annotator = QLineEdit(annotator)
        self.annotator.setMaximumWidth(160)
        self.annotator.setToolTip("Your name in the annotations file")
        self.annotator.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.blind_box = QCheckBox("Blind")
        self.blind_box.setChecked(True)
        self.blind_box.setToolTip(
            "Hide model names and shuffle the answers (same order for everyone)"
        )
        self.single = QPushButton("One answer")
        self.pairs = QPushButton("Side by side")
        self.mode_group = QButtonGroup(self)
        for i, button in enumerate((self.single, self.pairs)):
            button.setCheckable(True)
            button.setObjectName("qualityMode")
            button.setStyleSheet(_SEGMENT)
            self.mode_group.addButton(button, i)
        self.single.setChecked(True)
        self.unscored_box = QCheckBox("Unscored only")
        self.export_button = QPushButton("Export sheet…")
        self.export_button.setToolTip(
            "A CSV with one row per distinct answer, to score in Excel or LibreOffice"
        )
        self.import_button = QPushButton("Import sheet…")
        self.import_button.setToolTip("Merge a filled-in sheet into your scores")
        for widget in (self.blind_box, self.single, self.pairs, self.unscored_box,
                       self.export_button, self.import_button):  # fmt: skip
            widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.progress_label = plain_label()
        self.progress_bar = QProgressBar()
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setMaximumWidth(160)
        self.progress_bar.setMaximumHeight(10)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(plain_label("Annotator:"))
        row.addWidget(self.annotator)
        for widget in (self.blind_box, self.single, self.pairs, self.unscored_box):
            if widget is not self.pairs:
                row.addSpacing(8)
            row.addWidget(widget)
        row.addStretch(1)
        row.addWidget(self.export_button)
        row.addWidget(self.import_button)
        row.addSpacing(8)
        row.addWidget(self.progress_label)
        row.addWidget(self.progress_bar)


class ProblemPanel(QWidget):
    """The annotations file cannot be read: why, and the two ways on (it is never overwritten)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = plain_label()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setObjectName("qualityProblem")
        self.label.setStyleSheet(
            "QLabel#qualityProblem { background: rgba(217,83,79,0.14); border: 1px solid "
            "rgba(217,83,79,0.7); border-radius: 4px; padding: 10px; }"
        )
        self.new_file_button = QPushButton("Keep a backup copy and start a new file")
        self.retry_button = QPushButton("Read the file again")
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_file_button)
        buttons.addWidget(self.retry_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        layout.addStretch(1)
