"""Side by side: two models' answers to the same prompt (and round); score both or pick one.

Keys: 1-5 score the focused criterion (the focus runs down the left answer's criteria, then the
right one's), Up/Down or Tab move it, Left/Right change pairs, A / B mark the left / right
answer better and T (or =) a tie (then the next pair comes), 0 clears.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from foundry_bench.core.quality.session_state import PAIRS
from foundry_bench.ui.base.plain_text import plain_label
from foundry_bench.ui.quality.scoring import handle_common_key
from foundry_bench.ui.quality.session import QualitySession
from foundry_bench.ui.quality.widgets import CriteriaPanel, TextPane, heading, muted

PAIR_HINTS = (
    "Keys: 1–5 score · ↑↓ or Tab criterion · ←→ pair · A left better · B right better · T tie"
)
_SIDES = ("left", "right")


class AnswerColumn(QWidget):
    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = heading(title)
        self.model_label = muted(plain_label())
        self.text = TextPane("(empty answer)")
        self.criteria = CriteriaPanel()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.title)
        row.addStretch(1)
        row.addWidget(self.model_label)
        layout.addLayout(row)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.criteria)


class PairView(QWidget):
    def __init__(self, session: QualitySession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.position_label = heading("", 1.1)
        self.prompt_title = heading("Prompt")
        self.prompt = TextPane()
        self.prompt.setMaximumHeight(110)
        self.aspects = muted(plain_label())
        self.aspects.setWordWrap(True)
        self.aspects.setTextFormat(Qt.TextFormat.PlainText)
        self.columns = (AnswerColumn("Answer A"), AnswerColumn("Answer B"))
        self.prefer_group = QButtonGroup(self)
        self.prefer_group.setExclusive(False)
        self.left_button = QPushButton("A is better (A)")
        self.tie_button = QPushButton("Tie (T)")
        self.right_button = QPushButton("B is better (B)")
        for i, button in enumerate((self.left_button, self.tie_button, self.right_button)):
            button.setCheckable(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self.prefer_group.addButton(button, i)
        self.empty = muted(plain_label())
        self.empty.setWordWrap(True)
        self._layout()
        self._connect()

    def _layout(self) -> None:
        splitter = QSplitter(Qt.Orientation.Horizontal)
        for column in self.columns:
            splitter.addWidget(column)
        splitter.setChildrenCollapsible(False)
        prefer = QHBoxLayout()
        prefer.addStretch(1)
        prefer.addWidget(self.left_button)
        prefer.addWidget(self.tie_button)
        prefer.addWidget(self.right_button)
        prefer.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(self.position_label)
        layout.addWidget(self.empty)
        layout.addWidget(self.prompt_title)
        layout.addWidget(self.prompt)
        layout.addWidget(self.aspects)
        layout.addWidget(splitter, 1)
        layout.addLayout(prefer)
        layout.addWidget(muted(plain_label(PAIR_HINTS)))

    def _connect(self) -> None:
        s = self.session
        s.opened.connect(self.refresh)
        s.position_changed.connect(self.refresh)
        s.annotations_changed.connect(self.refresh)
        self.prefer_group.idClicked.connect(self._prefer_clicked)
        for side, column in enumerate(self.columns):
            column.criteria.score_clicked.connect(
                lambda row, value, side=side: self._score_clicked(side, row, value)
            )
            column.criteria.row_activated.connect(lambda row, side=side: self._focus(side, row))

    def refresh(self) -> None:
        s = self.session
        if s.mode != PAIRS:
            # Hidden: building the pairs of a big run is work the user did not ask for yet.
            return
        pair, shown = s.current_pair(), s.pair_samples()
        has_pair = s.ready and pair is not None and shown is not None
        for widget in (self.prompt_title, self.prompt, self.aspects, *self.columns):
            widget.setVisible(has_pair)
        for button in (self.left_button, self.tie_button, self.right_button):
            button.setEnabled(has_pair)
        self.empty.setVisible(not has_pair)
        if not has_pair or pair is None or shown is None:
            self.position_label.setText("")
            self.empty.setText(
                "Side by side needs answers of at least two models to the same prompt; "
                "this run has none."
                if s.ready
                else ""
            )
            return
        total = len(s.pairs)
        self.position_label.setText(
            f"Pair {s.pair_index + 1} of {total} · prompt {pair.prompt_id} · round {pair.round}"
        )
        prompt = s.prompts.get(pair.prompt_id)
        self.prompt.show_text(prompt.text if prompt else "")
        aspects = list(prompt.aspects) if prompt else []
        self.aspects.setText("Expected aspects: " + "; ".join(aspects) if aspects else "")
        self.aspects.setVisible(bool(aspects))
        crits = s.pair_criteria()
        for side, (column, sample) in enumerate(zip(self.columns, shown, strict=True)):
            column.model_label.setText("model hidden" if s.blind else sample.model)
            column.text.show_text(sample.response)
            column.criteria.set_criteria(crits)
            focus = s.crit_index if s.pair_side == side else -1
            column.criteria.show_state(s.scores_of(sample), focus)
        winner = s.pair_winner_side()
        self.left_button.setChecked(winner == "left")
        self.tie_button.setChecked(winner == "tie")
        self.right_button.setChecked(winner == "right")

    def event(self, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab)
        ):
            back = event.key() == Qt.Key.Key_Backtab
            self.session.move_criterion(-1 if back else 1)
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if handle_common_key(self.session, event):
            return
        key = event.key()
        if key == Qt.Key.Key_A:
            self.session.prefer("left")
        elif key == Qt.Key.Key_B:
            self.session.prefer("right")
        elif key in (Qt.Key.Key_T, Qt.Key.Key_Equal):
            self.session.prefer("tie")
        else:
            super().keyPressEvent(event)

    def _prefer_clicked(self, button_id: int) -> None:
        side = ("left", "tie", "right")[button_id]
        current = self.session.pair_winner_side()
        self.session.prefer(None if current == side else side)
        self.setFocus()

    def _score_clicked(self, side: int, row: int, value: int) -> None:
        self.session.focus_pair_criterion(side, row)
        self.session.score(value or None)
        self.setFocus()

    def _focus(self, side: int, row: int) -> None:
        self.session.focus_pair_criterion(side, row)
        self.setFocus()
