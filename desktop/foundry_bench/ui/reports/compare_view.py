"""Run versus run: pick a baseline (A) and a new run (B), see per model what changed and
whether it is more than noise, and export the comparison. Scanning, loading, the statistics
and writing run in workers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from foundry_bench.core.analysis.compare import Comparison, regressions
from foundry_bench.core.results.folders import RunFolder, list_run_folders
from foundry_bench.ui.base.file_dialogs import AskFolder, AskSavePath, folder_asker, save_path_asker
from foundry_bench.ui.base.notifier import Notifier
from foundry_bench.ui.base.plain_text import plain_label
from foundry_bench.ui.base.tables import row_table
from foundry_bench.ui.base.workers import JobContext, JobRunner
from foundry_bench.ui.reports.export_buttons import add_export_buttons, ask_export_path
from foundry_bench.ui.reports.table_models import ComparisonModel
from foundry_bench.ui.reports.tasks import compare_paths, export_comparison

EXPORTS = {
    "md": ("Markdown…", "comparison.md", "Markdown (*.md)"),
    "html": ("HTML…", "comparison.html", "HTML (*.html)"),
    "json": ("JSON…", "comparison.json", "JSON (*.json)"),
}


class CompareView(QWidget):
    """Signals:
    compared(object): a ``core.analysis.compare.Comparison`` is shown.
    exported(str): a comparison file was written (its path).
    runs_listed(int): the run pickers were filled (how many runs).
    """

    compared = Signal(object)
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
        self.result: Comparison | None = None
        # Runs offered by hand (browsed, or the current run): kept when the list is rescanned.
        self._extra: dict[str, str] = {}
        self.ask_save_path: AskSavePath = save_path_asker(self)
        self.ask_folder: AskFolder = folder_asker(self, "Pick a run folder")

        self.combo_a = QComboBox()
        self.combo_b = QComboBox()
        for combo in (self.combo_a, self.combo_b):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(30)
            combo.setPlaceholderText("another run (only one so far)")
            combo.currentIndexChanged.connect(self._update_enabled)
        browse_a = QPushButton("Browse…")
        browse_b = QPushButton("Browse…")
        browse_a.clicked.connect(lambda: self._browse(self.combo_a))
        browse_b.clicked.connect(lambda: self._browse(self.combo_b))
        self.refresh_button = QPushButton("Refresh list")
        self.refresh_button.clicked.connect(self.refresh_runs)
        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(0.0, 1000.0)
        self.threshold.setValue(10.0)
        self.threshold.setSuffix(" %")
        self.threshold.setToolTip(
            "A significant change of p50/p95 latency or TTFT worse than this is a regression "
            "(as `foundry-bench compare --fail-on-regression`)"
        )
        self.threshold.valueChanged.connect(lambda _v: self._show(self.result))
        self.compare_button = QPushButton("Compare")
        self.compare_button.setDefault(True)
        self.compare_button.clicked.connect(self.compare)

        grid = QGridLayout()
        grid.addWidget(plain_label("Run A (baseline)"), 0, 0)
        grid.addWidget(self.combo_a, 0, 1)
        grid.addWidget(browse_a, 0, 2)
        grid.addWidget(plain_label("Run B"), 1, 0)
        grid.addWidget(self.combo_b, 1, 1)
        grid.addWidget(browse_b, 1, 2)
        grid.addWidget(plain_label("Regression if worse by more than"), 2, 0)
        grid.addWidget(self.threshold, 2, 1, Qt.AlignmentFlag.AlignLeft)
        grid.addWidget(self.refresh_button, 2, 2)
        grid.setColumnStretch(1, 1)

        self.summary_label = plain_label("Pick two runs and press Compare.")
        self.summary_label.setTextFormat(Qt.TextFormat.PlainText)
        self.summary_label.setWordWrap(True)
        self.model = ComparisonModel(self)
        self.table = row_table(self.model, fit_columns=True)

        exports = QHBoxLayout()
        exports.addWidget(self.compare_button)
        exports.addStretch(1)
        self.export_buttons = add_export_buttons(exports, EXPORTS, self._choose_export)

        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addLayout(exports)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.table, 1)
        self._update_enabled()

    # -- public -----------------------------------------------------------------------------

    def refresh_runs(self) -> None:
        runs_dir = self._runs_dir()

        def task(ctx: JobContext) -> list[RunFolder]:
            return list_run_folders(runs_dir)

        self._runner.start("compare-scan", task, label="List runs", on_finish=self._listed)

    def add_run(self, path: Path, label: str | None = None) -> None:
        """Offer ``path`` in both pickers (a folder picked by hand, or the current run)."""
        self._extra[str(path)] = label or path.name
        for combo in (self.combo_a, self.combo_b):
            if combo.findData(str(path)) < 0:
                combo.addItem(label or path.name, str(path))

    def select(self, path_a: Path, path_b: Path) -> None:
        self.add_run(path_a)
        self.add_run(path_b)
        self.combo_a.setCurrentIndex(self.combo_a.findData(str(path_a)))
        self.combo_b.setCurrentIndex(self.combo_b.findData(str(path_b)))

    def compare(self) -> None:
        a, b = self.combo_a.currentData(), self.combo_b.currentData()
        if not a or not b:
            return
        path_a, path_b = Path(a), Path(b)

        def task(ctx: JobContext) -> Comparison:
            return compare_paths(path_a, path_b)

        self.summary_label.setText("Comparing…")
        self.compare_button.setEnabled(False)
        self._runner.start(
            "compare-runs",
            task,
            label="Compare runs",
            on_finish=self._compared,
            on_error=lambda _m: self._failed(),
        )

    def export(self, fmt: str, path: Path) -> None:
        result, pct = self.result, self.threshold.value()
        if result is None:
            return

        def task(ctx: JobContext) -> Path:
            return export_comparison(result, fmt, path, pct)

        self._runner.start(
            f"compare-export-{fmt}", task, label="Export comparison", on_finish=self._exported
        )

    # -- behaviour ---------------------------------------------------------------------------

    def _listed(self, entries: list[RunFolder]) -> None:
        keep_a, keep_b = self.combo_a.currentData(), self.combo_b.currentData()
        for combo in (self.combo_a, self.combo_b):
            combo.blockSignals(True)
            combo.clear()
            for entry in entries:
                combo.addItem(entry.label, str(entry.path))
                combo.setItemData(combo.count() - 1, str(entry.path), Qt.ItemDataRole.ToolTipRole)
            for path, label in self._extra.items():
                if combo.findData(path) < 0:
                    combo.addItem(label, path)
            combo.blockSignals(False)
        # Default: the newest run against the one before it; never one run against itself.
        self._restore(self.combo_a, keep_a, 1)
        self._restore(self.combo_b, keep_b, 0)
        if self.combo_a.currentData() == self.combo_b.currentData():
            other = next(
                (i for i in range(self.combo_a.count()) if i != self.combo_b.currentIndex()), -1
            )
            self.combo_a.setCurrentIndex(other)  # -1 with one run: A stays empty
        self._update_enabled()
        self.runs_listed.emit(len(entries))

    @staticmethod
    def _restore(combo: QComboBox, data: object, fallback: int) -> None:
        index = combo.findData(data) if data else -1
        if index < 0:
            index = min(fallback, combo.count() - 1)
        combo.setCurrentIndex(index)

    def _compared(self, result: Comparison) -> None:
        self._show(result)
        self.compared.emit(result)

    def _failed(self) -> None:
        self.summary_label.setText("The comparison failed (see the log).")
        self._update_enabled()

    def _show(self, result: Comparison | None) -> None:
        self.result = result
        pct = self.threshold.value()
        self.model.set_comparison(result, pct)
        if result is not None:
            found = regressions(result, pct)
            parts = [f"{result.run_a} → {result.run_b}: {len(result.models)} model(s) compared"]
            if found:
                names = ", ".join(sorted({c.model for c in found}))
                parts.append(f"{len(found)} regression(s) worse than {pct:g}% in {names}")
            else:
                parts.append(f"no regression worse than {pct:g}%")
            if result.only_a or result.only_b:
                parts.append(
                    f"only in A: {', '.join(result.only_a) or '–'}; "
                    f"only in B: {', '.join(result.only_b) or '–'}"
                )
            if result.settings_changed:
                parts.append("settings differ: " + "; ".join(result.settings_changed))
            self.summary_label.setText(" · ".join(parts))
        self._update_enabled()

    def _exported(self, path: Path) -> None:
        self._notifier.info(f"Comparison written: {path}")
        self.exported.emit(str(path))

    def _update_enabled(self, *_args: object) -> None:
        # A run against itself only when chosen so (a sanity check: no change anywhere).
        ready = bool(self.combo_a.currentData()) and bool(self.combo_b.currentData())
        self.compare_button.setEnabled(ready and not self._runner.is_running("compare-runs"))
        for button in self.export_buttons.values():
            button.setEnabled(self.result is not None)

    def _browse(self, combo: QComboBox) -> None:
        folder = self.ask_folder(self._runs_dir())
        if folder is None:
            return
        self.add_run(folder)
        combo.setCurrentIndex(combo.findData(str(folder)))

    def _choose_export(self, fmt: str) -> None:
        path = ask_export_path(
            self.ask_save_path, "Export comparison", self._runs_dir(), EXPORTS, fmt
        )
        if path is not None:
            self.export(fmt, path)


__all__ = ["CompareView"]
