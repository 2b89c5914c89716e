"""One answer at a time, beside its prompt and expected aspects, scored from the keyboard.

Keys (while the view has focus): 1-5 score the focused criterion (then focus moves on; after
the last criterion, to the next answer), 0 / Delete clear it, Up/Down or Tab/Shift+Tab move
between criteria, Left/Right (or Page Up/Down) between answers, U jumps to the next unscored
answer, N writes a note (Enter or Esc comes back).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from foundry_bench.core.quality.session_state import PAIRS
from foundry_bench.core.results.records import Sample
from foundry_bench.ui.base.plain_text import plain_label
from foundry_bench.ui.quality.session import QualitySession
from foundry_bench.ui.quality.widgets import CriteriaPanel, TextPane, heading, muted

SCORE_KEYS = {
    Qt.Key.Key_1: 1,
    Qt.Key.Key_2: 2,
    Qt.Key.Key_3: 3,
    Qt.Key.Key_4: 4,
    Qt.Key.Key_5: 5,
}
CLEAR_KEYS = (Qt.Key.Key_0, Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
HINTS = "Keys: 1–5 score · 0 clear · ↑↓ or Tab criterion · ←→ answer · U next unscored · N note"


def answer_title(session: QualitySession, sample: Sample) -> str:
    """How an answer is named: by model when not blind, else by its place in the order."""
    if session.blind:
        return "Model hidden (blind scoring)"
    return f"{sample.model} · round {sample.round}"


class PromptPane(QWidget):
    """The prompt (system text first, if any) and its expected aspects."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = heading("Prompt")
        self.text = TextPane("No prompt text recorded for this answer.")
        self.aspects_title = heading("Expected aspects")
        self.aspects = plain_label()
        self.aspects.setWordWrap(True)
        self.aspects.setTextFormat(Qt.TextFormat.PlainText)
        self.aspects.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.text, 3)
        layout.addWidget(self.aspects_title)
        layout.addWidget(self.aspects, 1)

    def show_prompt(self, session: QualitySession, sample: Sample | None) -> None:
        prompt = session.prompts.get(sample.prompt_id) if sample else None
        self.title.setText(f"Prompt {sample.prompt_id}" if sample else "Prompt")
        text = ""
        if prompt is not None:
            text = f"[system] {prompt.system}\n\n{prompt.text}" if prompt.system else prompt.text
        self.text.show_text(text)
        aspects = list(prompt.aspects) if prompt is not None else []
        self.aspects_title.setVisible(bool(aspects))
        self.aspects.setText("\n".join(f"• {a}" for a in aspects))
        self.aspects.setVisible(bool(aspects))


class ScoringView(QWidget):
    """One answer and its criteria; every key press goes to the session, which saves."""

    def __init__(self, session: QualitySession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.position_label = heading("", 1.1)
        self.model_label = muted(plain_label())
        self.prompt = PromptPane()
        self.answer = TextPane("(empty answer)")
        self.criteria = CriteriaPanel()
        self.note = QLineEdit()
        self.note.setPlaceholderText("Note on this answer (N to write, Enter to keep)")
        self.note.setClearButtonEnabled(True)
        self.prev_button = QPushButton("◀ Previous")
        self.next_button = QPushButton("Next ▶")
        self.unscored_button = QPushButton("Next unscored (U)")
        for button in (self.prev_button, self.next_button, self.unscored_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.hints = muted(plain_label(HINTS))
        self._note_timer = QTimer(self)
        self._note_timer.setSingleShot(True)
        self._note_timer.setInterval(600)
        self._layout()
        self._connect()

    def _layout(self) -> None:
        answer_box = QWidget()
        answer_layout = QVBoxLayout(answer_box)
        answer_layout.setContentsMargins(0, 0, 0, 0)
        title_row = QHBoxLayout()
        title_row.addWidget(heading("Answer"))
        title_row.addStretch(1)
        title_row.addWidget(self.model_label)
        answer_layout.addLayout(title_row)
        answer_layout.addWidget(self.answer, 1)
        answer_layout.addWidget(heading("Criteria"))
        answer_layout.addWidget(self.criteria)
        answer_layout.addWidget(self.note)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.prompt)
        splitter.addWidget(answer_box)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setChildrenCollapsible(False)
        nav = QHBoxLayout()
        nav.addWidget(self.prev_button)
        nav.addWidget(self.next_button)
        nav.addWidget(self.unscored_button)
        nav.addSpacing(12)
        nav.addWidget(self.hints, 1)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(self.position_label)
        layout.addWidget(splitter, 1)
        layout.addWidget(line)
        layout.addLayout(nav)

    def _connect(self) -> None:
        s = self.session
        s.opened.connect(self.refresh)
        s.position_changed.connect(self.refresh)
        s.annotations_changed.connect(self.refresh)
        self.prev_button.clicked.connect(lambda: s.move_answer(-1))
        self.next_button.clicked.connect(lambda: s.move_answer(1))
        self.unscored_button.clicked.connect(self._next_unscored)
        self.criteria.score_clicked.connect(self._score_clicked)
        self.criteria.row_activated.connect(self._row_activated)
        self.note.textEdited.connect(lambda _t: self._note_timer.start())
        self._note_timer.timeout.connect(self._commit_note)
        self.note.editingFinished.connect(self._commit_note)
        self.note.returnPressed.connect(self.setFocus)

    # -- rendering -----------------------------------------------------------------------

    def refresh(self) -> None:
        s = self.session
        sample = s.current_sample() if s.ready else None
        if sample is None:
            self.position_label.setText("No answers to score" if s.ready else "")
            self.model_label.setText("")
            self.prompt.show_prompt(s, None)
            self.answer.show_text("")
            self.criteria.set_criteria([])
            self.note.setEnabled(False)
            return
        place = s.order.index(sample.key) + 1
        scored = "scored" if s.is_scored(sample.key) else "not fully scored"
        copies = len(s.group_of(sample.key))
        same = f" · x{copies} (identical answers, scored once)" if copies > 1 else ""
        self.position_label.setText(f"Answer {place} of {len(s.order)} · {scored}{same}")
        self.model_label.setText(answer_title(s, sample))
        self.prompt.show_prompt(s, sample)
        self.answer.show_text(sample.response)
        self.criteria.set_criteria(s.criteria(sample))
        self.criteria.show_state(s.scores_of(sample), s.crit_index)
        self.note.setEnabled(True)
        if not self.note.hasFocus():
            self.note.setText(s.ann.note(sample.key) if s.ann else "")
        self.prev_button.setEnabled(place > 1)
        self.next_button.setEnabled(place < len(s.order))

    # -- input ---------------------------------------------------------------------------

    def event(self, event: QEvent) -> bool:
        # Tab moves between criteria here, instead of moving the keyboard focus away.
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab)
        ):
            if self.note.hasFocus():
                self._commit_note()
                self.setFocus()
            back = event.key() == Qt.Key.Key_Backtab or bool(
                event.modifiers() & Qt.KeyboardModifier.ShiftModifier
            )
            self.session.move_criterion(-1 if back else 1)
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not handle_common_key(self.session, event):
            key = event.key()
            if key == Qt.Key.Key_N:
                self.note.setFocus()
            elif key == Qt.Key.Key_Escape and self.note.hasFocus():
                self.setFocus()
            else:
                super().keyPressEvent(event)

    def _score_clicked(self, row: int, value: int) -> None:
        self.session.focus_criterion(row)
        self.session.score(value or None)
        self.setFocus()

    def _row_activated(self, row: int) -> None:
        self.session.focus_criterion(row)
        self.setFocus()

    def _next_unscored(self) -> None:
        if not self.session.next_unscored():
            self.session.notifier.info("Every answer is scored.")

    def _commit_note(self) -> None:
        self._note_timer.stop()
        if self.note.isEnabled():
            self.session.set_note(self.note.text())


def handle_common_key(session: QualitySession, event: QKeyEvent) -> bool:
    """Keys both views share; True when the key was used."""
    key = event.key()
    if event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier):
        return False
    pairs = session.mode == PAIRS
    if key in SCORE_KEYS:
        session.score(SCORE_KEYS[Qt.Key(key)])
    elif key in CLEAR_KEYS:
        session.score(None)
    elif key == Qt.Key.Key_Up:
        session.move_criterion(-1)
    elif key == Qt.Key.Key_Down:
        session.move_criterion(1)
    elif key in (Qt.Key.Key_Left, Qt.Key.Key_PageUp):
        session.move_pair(-1) if pairs else session.move_answer(-1)
    elif key in (Qt.Key.Key_Right, Qt.Key.Key_PageDown):
        session.move_pair(1) if pairs else session.move_answer(1)
    elif key == Qt.Key.Key_U and not pairs:
        session.next_unscored()
    else:
        return False
    return True
