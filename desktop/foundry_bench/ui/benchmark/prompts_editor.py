"""The prompts of a run, edited in place: a table (id, text, max tokens) with add, remove and
move buttons, and the full text and system prompt of the selected prompt beside it."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QItemSelectionModel, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from foundry_bench.ui.benchmark.setup_models import PCol, PromptsModel


def _button(text: str, tip: str) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    return button


class PromptsEditor(QWidget):
    """Signals:
    import_requested(): the user wants to read prompts from a prompts.json.
    export_requested(): the user wants to save these prompts as a prompts.json.
    """

    import_requested = Signal()
    export_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = PromptsModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.setMinimumHeight(110)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(PCol.ID, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(PCol.TEXT, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(PCol.MAX_TOKENS, QHeaderView.ResizeMode.ResizeToContents)
        self.add_button = _button("+", "Add a prompt")
        self.remove_button = _button("−", "Remove the selected prompt")
        self.up_button = _button("▲", "Move the selected prompt up")
        self.down_button = _button("▼", "Move the selected prompt down")
        self.import_button = _button("Import…", "Replace these prompts with a prompts.json")
        self.export_button = _button("Export…", "Save these prompts as a prompts.json")
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText("The selected prompt's text")
        self.text.setMaximumHeight(110)
        self.system = QLineEdit()
        self.system.setPlaceholderText("System prompt (optional)")
        self._layout()
        self._connect()
        self._selection_changed()

    def _layout(self) -> None:
        buttons = QHBoxLayout()
        buttons.setSpacing(2)
        for b in (self.add_button, self.remove_button, self.up_button, self.down_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.text)
        layout.addWidget(self.system)

    def _connect(self) -> None:
        self.add_button.clicked.connect(self.add)
        self.remove_button.clicked.connect(self.remove)
        self.up_button.clicked.connect(lambda: self.move_selected(-1))
        self.down_button.clicked.connect(lambda: self.move_selected(1))
        self.import_button.clicked.connect(self.import_requested)
        self.export_button.clicked.connect(self.export_requested)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.model.modelReset.connect(self._selection_changed)
        self.text.textChanged.connect(self._text_edited)
        self.system.textEdited.connect(self._system_edited)

    # -- behaviour ----------------------------------------------------------------------------

    def current_row(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def select(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            self.table.selectionModel().select(
                self.model.index(row, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            self.table.setCurrentIndex(self.model.index(row, 0))

    def add(self) -> None:
        row = self.model.add_prompt()
        self.select(row)
        self.text.setFocus()

    def remove(self) -> None:
        row = self.current_row()
        if row is not None:
            self.model.remove(row)
            self.select(min(row, self.model.rowCount() - 1))
            self._selection_changed()

    def move_selected(self, delta: int) -> None:
        row = self.current_row()
        if row is not None:
            self.select(self.model.move(row, delta))

    def _selection_changed(self, *_args: object) -> None:
        row = self.current_row()
        has = row is not None
        for widget in (self.remove_button, self.text, self.system):
            widget.setEnabled(has)
        self.up_button.setEnabled(has and row != 0)
        self.down_button.setEnabled(has and row != self.model.rowCount() - 1)
        prompt = self.model.prompt(row) if row is not None else None
        self.text.blockSignals(True)
        self.text.setPlainText(prompt.text if prompt else "")
        self.text.blockSignals(False)
        self.system.setText(prompt.system or "" if prompt else "")

    def _text_edited(self) -> None:
        row = self.current_row()
        if row is not None:
            prompt = self.model.prompt(row)
            self.model.replace_prompt(row, replace(prompt, text=self.text.toPlainText()))

    def _system_edited(self, text: str) -> None:
        row = self.current_row()
        if row is not None:
            prompt = self.model.prompt(row)
            self.model.replace_prompt(row, replace(prompt, system=text or None))
