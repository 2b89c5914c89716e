"""Small widgets the scoring views share: criteria rows with 1-5 buttons, text panes, headings.

Buttons never take keyboard focus: keys 1-5 and the arrows belong to the scoring view, so a
click never leaves the focus where a key press would type into something else.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from foundry_bench.core.config.rubric import Criterion
from foundry_bench.ui.base.plain_text import plain_label, plain_tooltip

SCORE_MEANING = {1: "very poor", 2: "poor", 3: "acceptable", 4: "good", 5: "excellent"}
_BUTTON_SHEET = """
QToolButton { border: 1px solid palette(mid); border-radius: 4px; padding: 1px 0px;
              min-width: 26px; min-height: 20px; background: palette(button); }
QToolButton:hover { border-color: palette(highlight); }
QToolButton:checked { background: palette(highlight); color: palette(highlighted-text);
                      border-color: palette(highlight); font-weight: bold; }
"""


def heading(text: str, scale: float = 1.0) -> QLabel:
    label = plain_label(text)
    font = label.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * scale)
    label.setFont(font)
    return label


def muted(label: QLabel) -> QLabel:
    """Secondary text: the palette's placeholder colour, so it suits light and dark."""
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


class TextPane(QPlainTextEdit):
    """Read-only plain text (model output is untrusted: never rendered as rich text)."""

    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setPlaceholderText(placeholder)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def show_text(self, text: str) -> None:
        if self.toPlainText() != text:
            self.setPlainText(text)


class CriterionRow(QWidget):
    """One criterion: its label and five score buttons; highlighted while focused.

    Signals:
        score_clicked(int): a score button was clicked (a click on the current score clears it: 0).
        activated(): the row was clicked (focus it).
    """

    score_clicked = Signal(int)
    activated = Signal()

    def __init__(self, criterion: Criterion, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.criterion = criterion
        self.marker = plain_label("▸")
        self.marker.setFixedWidth(12)
        self.label = plain_label(criterion.label)
        self.label.setWordWrap(True)
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        tip = criterion.description or criterion.label
        self.label.setToolTip(plain_tooltip(tip))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 3, 6, 3)
        layout.setSpacing(4)
        layout.addWidget(self.marker)
        layout.addWidget(self.label, 1)
        self.buttons: list[QToolButton] = []
        for value in range(1, 6):
            button = QToolButton()
            button.setText(str(value))
            button.setCheckable(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setToolTip(f"{value} = {SCORE_MEANING[value]} (key {value})")
            button.clicked.connect(lambda _c=False, v=value: self._clicked(v))
            layout.addWidget(button)
            self.buttons.append(button)
        self._value: int | None = None
        self._focused = self._repainting = False
        self.set_focused(False)

    def set_value(self, value: int | None) -> None:
        self._value = value
        for i, button in enumerate(self.buttons, start=1):
            button.setChecked(i == value)

    @property
    def focused(self) -> bool:
        return self._focused

    def set_focused(self, focused: bool) -> None:
        self._focused = focused
        self.marker.setText("▸" if focused else "")
        font = self.label.font()
        font.setBold(focused)
        self.label.setFont(font)
        self._paint()

    def _paint(self) -> None:
        # Only the focused row paints a background: a tint of the highlight colour over the
        # window colour of the application palette. Only that one role is set (an empty
        # palette resolves nothing), so the text keeps following the app: a copy of the
        # whole palette froze a light one, and dark mode showed white on pale blue.
        self.setAutoFillBackground(self._focused)
        palette = QPalette()
        if self._focused:
            app_palette = QApplication.palette()
            tint = QColor(app_palette.color(QPalette.ColorRole.Highlight))
            tint.setAlpha(55)
            window = _blend(app_palette.color(QPalette.ColorRole.Window), tint)
            palette.setColor(QPalette.ColorRole.Window, window)
        self.setPalette(palette)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        # The app's palette changed (the row's own setPalette also lands here: guarded).
        if event.type() == QEvent.Type.PaletteChange and not self._repainting:
            self._repainting = True
            try:
                self._paint()  # the tint is of the new palette's colours
            finally:
                self._repainting = False

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.activated.emit()

    def _clicked(self, value: int) -> None:
        self.activated.emit()
        self.score_clicked.emit(0 if value == self._value else value)


def _blend(base: QColor, tint: QColor) -> QColor:
    a = tint.alphaF()
    return QColor(
        round(base.red() * (1 - a) + tint.red() * a),
        round(base.green() * (1 - a) + tint.green() * a),
        round(base.blue() * (1 - a) + tint.blue() * a),
    )


class CriteriaPanel(QWidget):
    """The criteria of one answer, one row each, with the focused row highlighted.

    Signals:
        score_clicked(int, int): row and score (0 = cleared) chosen with the mouse.
        row_activated(int): a row was clicked.
    """

    score_clicked = Signal(int, int)
    row_activated = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet(_BUTTON_SHEET)
        self.rows: list[CriterionRow] = []
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(1)
        self._ids: list[str] = []

    def set_criteria(self, criteria: list[Criterion]) -> None:
        ids = [c.id for c in criteria]
        if ids == self._ids:
            return
        for row in self.rows:
            self._layout.removeWidget(row)
            row.deleteLater()
        self.rows = []
        self._ids = ids
        for i, criterion in enumerate(criteria):
            row = CriterionRow(criterion, self)
            row.score_clicked.connect(lambda v, i=i: self.score_clicked.emit(i, v))
            row.activated.connect(lambda i=i: self.row_activated.emit(i))
            self._layout.addWidget(row)
            self.rows.append(row)

    def show_state(self, values: list[int | None], focused: int) -> None:
        for i, row in enumerate(self.rows):
            row.set_value(values[i] if i < len(values) else None)
            row.set_focused(i == focused)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            for row in self.rows:
                row.set_focused(row.focused)


def small_font(widget: QWidget) -> QFont:
    font = widget.font()
    font.setPointSizeF(font.pointSizeF() * 0.9)
    return font
