"""Past runs: every run folder under the runs folder, to reopen, rename or delete.

All disk work (listing, loading a run and computing its charts, renaming, deleting) runs in
workers; the view only shows what they return.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from foundry_bench.core.results import folders
from foundry_bench.ui.base.gui_gc import building_long_lived
from foundry_bench.ui.base.plain_text import plain_label
from foundry_bench.ui.base.qt_models import ID_ROLE, RIGHT, SORT_ROLE, RowTableModel
from foundry_bench.ui.base.tables import row_table, sort_proxy
from foundry_bench.ui.base.workers import JobRunner
from foundry_bench.ui.benchmark.history_tasks import LoadedRun, reopen_run
from foundry_bench.ui.benchmark.results_table import STATUS_COLORS

Confirm = Callable[[str, str], bool]
AskText = Callable[[str, str, str], str | None]
_RUN_STATUS_COLORS = {
    "completed": STATUS_COLORS["ok"],
    "cancelled": STATUS_COLORS["skipped"],
    "failed": STATUS_COLORS["failed"],
    "running": STATUS_COLORS["running"],
    "interrupted": STATUS_COLORS["failed"],  # its process died: the samples on disk are kept
}


class HCol(IntEnum):
    # What fits a narrow side panel first; the rest is a scroll (and a tooltip) away.
    NAME = 0
    STATUS = 1
    REQUESTS = 2
    STARTED = 3
    MODELS = 4


_HEADERS = {
    HCol.NAME: "Run",
    HCol.STARTED: "Started (UTC)",
    HCol.STATUS: "Status",
    HCol.MODELS: "Models",
    HCol.REQUESTS: "Requests",
}


def _models_text(models: tuple[str, ...]) -> str:
    if not models:
        return "no models"
    return models[0] + (f" +{len(models) - 1} more" if len(models) > 1 else "")


class RunHistoryModel(RowTableModel[folders.RunFolder]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__([_HEADERS[c] for c in HCol], parent)

    def cell(self, info: folders.RunFolder, column: int, role: int) -> Any:
        col = HCol(column)
        if role in (Qt.ItemDataRole.DisplayRole, SORT_ROLE):
            if col == HCol.NAME and role == Qt.ItemDataRole.DisplayRole:
                # The narrow panel shows this column first: what the run was, not its id only.
                return f"{info.name}\n{info.started_text[:16] or '?'} · {_models_text(info.models)}"
            if col == HCol.NAME:
                return info.name
            if col == HCol.STARTED:
                return info.started_text
            if col == HCol.STATUS:
                return info.status
            if col == HCol.MODELS:
                if role == SORT_ROLE:
                    return len(info.models)
                return ", ".join(info.models)
            return info.requests if role == SORT_ROLE else str(info.requests)
        if role == ID_ROLE:
            return str(info.path)
        if role == Qt.ItemDataRole.ToolTipRole:
            rebuilt = "\nno results.json: rebuilt from samples.jsonl" if info.rebuilt else ""
            if info.status == "interrupted":
                rebuilt += "\nits process ended before the run did; every sample on disk is kept"
            return f"{info.path}\nmodels: {', '.join(info.models) or 'unknown'}{rebuilt}"
        if role == Qt.ItemDataRole.ForegroundRole and col == HCol.STATUS:
            color = _RUN_STATUS_COLORS.get(info.status)
            return QBrush(QColor(color)) if color else None
        if role == Qt.ItemDataRole.TextAlignmentRole and col == HCol.REQUESTS:
            return RIGHT
        return None

    def set_runs(self, runs: list[folders.RunFolder]) -> None:
        self.set_rows(runs)

    def runs(self) -> list[folders.RunFolder]:
        return self.rows()

    def row_of(self, path: Path) -> int | None:
        return next((i for i, r in enumerate(self._rows) if r.path == path), None)


def _confirm(parent: QWidget) -> Confirm:
    def ask(title: str, text: str) -> bool:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            parent,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setTextFormat(Qt.TextFormat.PlainText)  # the text names a run: untrusted
        return box.exec() == QMessageBox.StandardButton.Yes

    return ask


def _ask_text(parent: QWidget) -> AskText:
    def ask(title: str, label: str, value: str) -> str | None:
        text, ok = QInputDialog.getText(parent, title, label, text=value)
        return text if ok else None

    return ask


class RunHistoryView(QWidget):
    """Signals:
    run_loaded(object): a ``history_tasks.LoadedRun`` ready to show.
    runs_listed(int): the list was refreshed; how many runs.
    run_renamed(object, object): old and new folder.
    run_deleted(object): the deleted folder.
    """

    run_loaded = Signal(object)
    runs_listed = Signal(int)
    run_renamed = Signal(object, object)
    run_deleted = Signal(object)

    def __init__(self, runner: JobRunner, runs_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self.runs_dir = runs_dir
        self.busy_dir: Path | None = None  # the folder a running benchmark writes to
        self.confirm: Confirm = _confirm(self)
        self.ask_text: AskText = _ask_text(self)
        self.model = RunHistoryModel(self)
        self.proxy = sort_proxy(self.model, self)
        self.table = row_table(self.proxy, sortable=True, fit_columns=True)
        self.table.sortByColumn(HCol.STARTED, Qt.SortOrder.DescendingOrder)
        lines = self.fontMetrics().lineSpacing()
        self.table.verticalHeader().setDefaultSectionSize(2 * lines + 8)  # the two-line run cell
        self.table.horizontalHeader().setSectionResizeMode(
            HCol.NAME, QHeaderView.ResizeMode.Interactive
        )
        self.model.modelReset.connect(self._fit_name)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        self.open_button = QPushButton("Open")
        self.open_button.setToolTip("Rebuild the charts and tables of the selected run")
        self.rename_button = QPushButton("Rename…")
        self.delete_button = QPushButton("Delete…")
        self.refresh_button = QPushButton("Refresh")
        self.folder_label = plain_label()
        self.folder_label.setEnabled(False)
        self.folder_label.setWordWrap(True)
        self.open_button.clicked.connect(self.open_selected)
        self.rename_button.clicked.connect(self.rename_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.refresh_button.clicked.connect(self.refresh)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.model.modelReset.connect(self._update_buttons)
        buttons = QHBoxLayout()
        for b in (self.open_button, self.rename_button, self.delete_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.folder_label)
        self.set_runs_dir(runs_dir)
        self._update_buttons()

    # -- public -------------------------------------------------------------------------------

    def set_runs_dir(self, runs_dir: Path) -> None:
        self.runs_dir = runs_dir
        self.folder_label.setText(f"Runs folder: {runs_dir}")

    def refresh(self) -> None:
        runs_dir = self.runs_dir
        self._runner.start(
            "run-history-list",
            lambda ctx: folders.list_run_folders(runs_dir),
            label="List past runs",
            on_finish=self._listed,
        )

    def selected_path(self) -> Path | None:
        rows = self.table.selectionModel().selectedRows()
        return Path(str(rows[0].data(ID_ROLE))) if rows else None

    def select(self, path: Path) -> bool:
        row = self.model.row_of(path)
        if row is None:
            return False
        self.table.selectRow(self.proxy.mapFromSource(self.model.index(row, 0)).row())
        return True

    def open_run(self, path: Path) -> None:
        self._runner.start(
            "run-history-open",
            lambda ctx: _reopen(path),
            label=f"Open run {path.name}",
            on_finish=self.run_loaded.emit,
        )

    def open_selected(self) -> None:
        path = self.selected_path()
        if path is not None:
            self.open_run(path)

    def rename_selected(self) -> None:
        path = self.selected_path()
        if path is None or path == self.busy_dir:
            return
        name = self.ask_text("Rename run", "New folder name:", path.name)
        if name is None or name.strip() == path.name:
            return
        self._runner.start(
            "run-history-change",
            lambda ctx: folders.rename_run_folder(path, name),
            label=f"Rename run {path.name}",
            on_finish=lambda new: self._renamed(path, new),
        )

    def delete_selected(self) -> None:
        path = self.selected_path()
        if path is None or path == self.busy_dir:
            return
        if not self.confirm(
            "Delete run",
            f"Delete the run folder {path.name} and everything in it (results, samples, "
            "reports, scores)? This cannot be undone.",
        ):
            return
        self._runner.start(
            "run-history-change",
            lambda ctx: folders.delete_run_folder(path),
            label=f"Delete run {path.name}",
            on_finish=self._deleted,
        )

    # -- results ------------------------------------------------------------------------------

    def _listed(self, runs: list[folders.RunFolder]) -> None:
        selected = self.selected_path()
        self.model.set_runs(runs)
        if selected is not None:
            self.select(selected)
        self.runs_listed.emit(len(runs))

    def _renamed(self, old: Path, new: Path) -> None:
        self.run_renamed.emit(old, new)
        self.refresh()

    def _deleted(self, path: Path) -> None:
        self.run_deleted.emit(path)
        self.refresh()

    def _fit_name(self) -> None:
        # The run name gets what its longest value needs, up to half the panel.
        self.table.resizeColumnToContents(HCol.NAME)
        limit = max(self.table.viewport().width() // 2, 120)
        self.table.setColumnWidth(HCol.NAME, min(self.table.columnWidth(HCol.NAME), limit))

    def _update_buttons(self, *_args: object) -> None:
        path = self.selected_path()
        self.open_button.setEnabled(path is not None)
        editable = path is not None and path != self.busy_dir
        self.rename_button.setEnabled(editable)
        self.delete_button.setEnabled(editable)


def _reopen(path: Path) -> LoadedRun:
    with building_long_lived():
        return reopen_run(path)
