"""Drill-down: pick a model, see each of its requests, read the full answer of one."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QPlainTextEdit,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from foundry_bench.core.results.records import Sample
from foundry_bench.ui.base.plain_text import plain_label
from foundry_bench.ui.base.qt_models import ROW_ROLE
from foundry_bench.ui.base.tables import row_table, sort_proxy
from foundry_bench.ui.benchmark.samples_model import SamplesTableModel

NO_SAMPLE = "Select a request to read the model's full answer."


#: Rows measured to fit the columns to their contents.
FIT_ROWS = 40


class SamplesView(QWidget):
    """The samples of one model; the page feeds it per-model lists (no filtering here)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._by_model: dict[str, list[Sample]] = {}
        self._prompts: dict[str, str] = {}
        self.model = SamplesTableModel(self)
        self.proxy = sort_proxy(self.model, self)
        self.model_box = QComboBox()
        self.model_box.setMinimumContentsLength(24)
        self.model_box.currentIndexChanged.connect(self._model_changed)
        self.table = row_table(self.proxy, sortable=True)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        # Fitted when a model's samples are shown, not at every appended row of a live run;
        # from the first rows only: measuring 1,000 rows (Qt's default) of a reopened
        # 100,000-sample run held the GUI thread for seconds, and the rows are alike.
        self.table.verticalHeader().setResizeContentsPrecision(FIT_ROWS)
        header.setResizeContentsPrecision(FIT_ROWS)
        self.model.modelReset.connect(self.table.resizeColumnsToContents)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.response = QPlainTextEdit()
        self.response.setReadOnly(True)
        self.response.setPlaceholderText(NO_SAMPLE)
        self.count_label = plain_label()
        self.count_label.setEnabled(False)
        top = QHBoxLayout()
        top.addWidget(plain_label("Samples of"))
        top.addWidget(self.model_box)
        top.addWidget(self.count_label)
        top.addStretch(1)
        splitter = QSplitter()
        splitter.addWidget(self.table)
        splitter.addWidget(self.response)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

    # -- feeding ------------------------------------------------------------------------------

    def reset(self, by_model: dict[str, list[Sample]], prompts: dict[str, str]) -> None:
        """Show a whole run: its samples grouped by model, and prompt texts by id."""
        self._by_model = by_model
        self._prompts = prompts
        current = self.current_model()
        self.model_box.blockSignals(True)
        self.model_box.clear()
        self.model_box.addItems(list(by_model))
        self.model_box.blockSignals(False)
        if current in by_model:
            self.model_box.setCurrentText(current)
        self._model_changed()

    def add(self, samples: list[Sample]) -> None:
        """Samples just finished (the page already added them to its per-model lists)."""
        shown = self.current_model()
        for s in samples:
            if self.model_box.findText(s.model) < 0:
                self.model_box.addItem(s.model)
        if self.current_model() != shown:
            self._model_changed()
            return
        self.model.append([s for s in samples if s.model == shown])
        self._update_count()

    def show_model(self, model: str) -> None:
        self.model_box.setCurrentText(model)

    def current_model(self) -> str:
        return self.model_box.currentText()

    # -- behaviour ----------------------------------------------------------------------------

    def _model_changed(self, *_args: object) -> None:
        self.model.set_samples(self._by_model.get(self.current_model(), []))
        self.response.clear()
        self._update_count()

    def _update_count(self) -> None:
        n = self.model.rowCount()
        self.count_label.setText(f"{n} request{'s' if n != 1 else ''}")

    def _selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if not indexes:
            return
        sample = indexes[0].data(ROW_ROLE)
        if isinstance(sample, Sample):
            self.show_sample(sample)

    def show_sample(self, s: Sample) -> None:
        prompt = self._prompts.get(s.prompt_id, "")
        parts = [f"{s.key} · {s.status}"]
        if s.error:
            parts.append(f"Error: {s.error}")
        if prompt:
            parts.append(f"Prompt:\n{prompt}")
        parts.append("Answer:\n" + (s.response or "(empty)"))
        self.response.setPlainText("\n\n".join(parts))
