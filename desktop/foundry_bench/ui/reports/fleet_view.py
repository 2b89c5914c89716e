"""The Fleet tab: pick runs of many devices (or folders of them), see one statistic as a
device x model heatmap, the whole table, the best model per device, and export the fleet
report. Listing, loading, merging and writing run in workers (``core.analysis.fleet``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from foundry_bench.core.analysis.fleet import FLEET_METRICS, SAME_LABEL_CHOICES, Fleet, load_fleet
from foundry_bench.core.fileio import atomic_write_text
from foundry_bench.core.reports.fleet import render_fleet, summary_lines
from foundry_bench.core.results.folders import RunFolder, list_run_folders
from foundry_bench.ui.base.file_dialogs import AskFolder, AskSavePath, folder_asker, save_path_asker
from foundry_bench.ui.base.notifier import Notifier
from foundry_bench.ui.base.plain_text import plain_label
from foundry_bench.ui.base.tables import row_table, sort_proxy
from foundry_bench.ui.base.workers import JobContext, JobRunner
from foundry_bench.ui.reports.constraints import ConstraintsForm
from foundry_bench.ui.reports.export_buttons import add_export_buttons, ask_export_path
from foundry_bench.ui.reports.fleet_heatmap import FleetHeatmap
from foundry_bench.ui.reports.fleet_model import FleetTableModel

EXPORTS = {
    "md": ("Markdown…", "fleet.md", "Markdown (*.md)"),
    "csv": ("CSV…", "fleet.csv", "CSV (*.csv)"),
    "html": ("HTML…", "fleet.html", "HTML (*.html)"),
    "json": ("JSON…", "fleet.json", "JSON (*.json)"),
}
DEFAULT_METRIC = "p95_latency_ms"
SAME_LABEL_TEXT = {"newest": "keep the newest", "all": "show all"}


class FleetView(QWidget):
    """Signals:
    merged(object): a ``core.analysis.fleet.Fleet`` is shown.
    exported(str): a fleet report was written (its path).
    runs_listed(int): the run list was filled (how many runs the runs folder holds).
    """

    merged = Signal(object)
    exported = Signal(str)
    runs_listed = Signal(int)

    def __init__(
        self,
        runner: JobRunner,
        notifier: Notifier,
        runs_dir: Callable[[], Path],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._notifier = notifier
        self._runs_dir = runs_dir
        self.fleet: Fleet | None = None
        self._added: dict[str, bool] = {}  # folders picked by hand -> checked; kept on refresh
        self.ask_save_path: AskSavePath = save_path_asker(self)
        self.ask_folder: AskFolder = folder_asker(self, "Add a run folder or a folder of runs")

        self.runs = QListWidget()
        self.runs.setToolTip("the runs to merge; a folder added by hand may hold many runs")
        self.runs.itemChanged.connect(lambda _i: self._update_enabled())
        add_button = QPushButton("Add folder…")
        add_button.clicked.connect(self._browse)
        refresh_button = QPushButton("Refresh list")
        refresh_button.clicked.connect(self.refresh_runs)
        self.metric_box = QComboBox()
        for metric in FLEET_METRICS:
            self.metric_box.addItem(metric.title, metric.key)
        self.metric_box.setCurrentIndex(self.metric_box.findData(DEFAULT_METRIC))
        self.metric_box.currentIndexChanged.connect(lambda _i: self._show_heatmap())
        self.same_label = QComboBox()
        for choice in SAME_LABEL_CHOICES:
            self.same_label.addItem(SAME_LABEL_TEXT[choice], choice)
        self.same_label.setToolTip("runs with the same device label")
        self.constraints_form = ConstraintsForm()
        self.merge_button = QPushButton("Merge")
        self.merge_button.setDefault(True)
        self.merge_button.clicked.connect(self.merge)

        pick = QVBoxLayout()
        pick.addWidget(plain_label("Runs to merge"))
        pick.addWidget(self.runs, 1)
        pick_buttons = QHBoxLayout()
        pick_buttons.addWidget(add_button)
        pick_buttons.addWidget(refresh_button)
        pick.addLayout(pick_buttons)
        options = QVBoxLayout()
        options.addWidget(plain_label("Heatmap of"))
        options.addWidget(self.metric_box)
        options.addWidget(plain_label("Same device label"))
        options.addWidget(self.same_label)
        options.addWidget(self.constraints_form)
        options.addWidget(self.merge_button)
        options.addStretch(1)
        top = QHBoxLayout()
        top.addLayout(pick, 2)
        top.addLayout(options, 1)

        self.summary_label = plain_label("Pick runs of several devices and press Merge.")
        self.summary_label.setTextFormat(Qt.TextFormat.PlainText)  # labels are untrusted
        self.summary_label.setWordWrap(True)
        self.heatmap = FleetHeatmap()
        self.model = FleetTableModel(self)
        self.table = row_table(sort_proxy(self.model, self), sortable=True)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.heatmap)
        split.addWidget(self.table)

        exports = QHBoxLayout()
        self.export_buttons = add_export_buttons(exports, EXPORTS, self._choose_export)
        exports.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary_label)
        layout.addWidget(split, 1)
        layout.addLayout(exports)
        self._update_enabled()

    # -- public -----------------------------------------------------------------------------

    def refresh_runs(self) -> None:
        runs_dir = self._runs_dir()

        def task(ctx: JobContext) -> list[RunFolder]:
            return list_run_folders(runs_dir)

        self._runner.start("fleet-scan", task, label="List runs", on_finish=self._listed)

    def add_path(self, path: Path, checked: bool = True) -> None:
        """Offer ``path`` (a run folder, or a folder of run folders) in the list."""
        self._added[str(path)] = checked
        if self._item(str(path)) is None:
            self._add_item(str(path), f"{path}  ·  added", checked)
        self._update_enabled()

    def selected_paths(self) -> list[Path]:
        return [
            Path(item.data(Qt.ItemDataRole.UserRole))
            for i in range(self.runs.count())
            if (item := self.runs.item(i)).checkState() == Qt.CheckState.Checked
        ]

    def merge(self) -> None:
        paths = self.selected_paths()
        if not paths:
            return
        constraints = self.constraints_form.constraints()
        same_label = self.same_label.currentData()

        def task(ctx: JobContext) -> Fleet:
            return load_fleet(paths, constraints, same_label=same_label)

        self.summary_label.setText("Merging…")
        self.merge_button.setEnabled(False)
        self._runner.start(
            "fleet-merge",
            task,
            label="Merge runs",
            on_finish=self._merged,
            on_error=lambda _m: self._failed(),
        )

    def export(self, fmt: str, path: Path) -> None:
        fleet = self.fleet
        if fleet is None:
            return

        def task(ctx: JobContext) -> Path:
            atomic_write_text(path, render_fleet(fleet, fmt))
            return path

        self._runner.start(
            f"fleet-export-{fmt}", task, label="Export fleet", on_finish=self._exported
        )

    # -- behaviour ---------------------------------------------------------------------------

    def _item(self, path: str) -> QListWidgetItem | None:
        for i in range(self.runs.count()):
            if self.runs.item(i).data(Qt.ItemDataRole.UserRole) == path:
                return self.runs.item(i)
        return None

    def _add_item(self, path: str, text: str, checked: bool) -> None:
        item = QListWidgetItem(text)  # plain text: run ids and folder names are untrusted
        item.setData(Qt.ItemDataRole.UserRole, path)
        item.setToolTip(path)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.runs.addItem(item)

    def _listed(self, entries: list[RunFolder]) -> None:
        checked = {p for p in map(str, self.selected_paths())}
        self.runs.blockSignals(True)
        self.runs.clear()
        for entry in entries:
            self._add_item(str(entry.path), entry.label, str(entry.path) in checked)
        for path, was_checked in self._added.items():
            if self._item(path) is None:
                self._add_item(path, f"{path}  ·  added", was_checked or path in checked)
        self.runs.blockSignals(False)
        self._update_enabled()
        self.runs_listed.emit(len(entries))

    def _merged(self, fleet: Fleet) -> None:
        self.fleet = fleet
        self.model.set_fleet(fleet)
        self._show_heatmap()
        best, misses = summary_lines(fleet)
        parts = [f"{len(fleet.devices)} device(s) · {len(fleet.models)} model(s)"]
        parts += [f"best on {device}: {text}" for device, text in best]
        parts += [f"{model} misses on {text}" for model, text in misses]
        parts += list(fleet.notes)
        parts += [f"left out {problem}" for problem in fleet.skipped]
        if not fleet.devices:
            parts[0] = "Nothing to merge: none of the picked runs could be read."
        self.summary_label.setText("\n".join(parts))
        for problem in fleet.skipped:
            self._notifier.error(f"Fleet: left out {problem}")
        self._update_enabled()
        self.merged.emit(fleet)

    def _failed(self) -> None:
        self.summary_label.setText("The merge failed (see the log).")
        self._update_enabled()

    def _show_heatmap(self) -> None:
        self.heatmap.set_fleet(self.fleet, str(self.metric_box.currentData()))

    def _exported(self, path: Path) -> None:
        self._notifier.info(f"Fleet report written: {path}")
        self.exported.emit(str(path))

    def _update_enabled(self) -> None:
        busy = self._runner.is_running("fleet-merge")
        self.merge_button.setEnabled(bool(self.selected_paths()) and not busy)
        for button in self.export_buttons.values():
            button.setEnabled(self.fleet is not None and bool(self.fleet.devices))

    def _browse(self) -> None:
        folder = self.ask_folder(self._runs_dir())
        if folder is not None:
            self.add_path(folder)

    def _choose_export(self, fmt: str) -> None:
        path = ask_export_path(
            self.ask_save_path, "Export fleet report", self._runs_dir(), EXPORTS, fmt
        )
        if path is not None:
            self.export(fmt, path)


__all__ = ["FleetView"]
