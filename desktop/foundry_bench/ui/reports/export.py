"""Export the current run (Markdown, CSV, HTML, JSON) and see which models meet the team's
constraints. Rendering and writing run in workers; the view only collects inputs and shows
results."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from foundry_bench.core.analysis.recommend import Constraints
from foundry_bench.core.reports.formats import FORMATS
from foundry_bench.core.results.folders import OpenedRun
from foundry_bench.core.results.records import Run
from foundry_bench.ui.base.file_dialogs import AskFolder, AskSavePath, folder_asker, save_path_asker
from foundry_bench.ui.base.gui_gc import building_long_lived
from foundry_bench.ui.base.notifier import Notifier
from foundry_bench.ui.base.plain_text import plain_label
from foundry_bench.ui.base.tables import row_table
from foundry_bench.ui.base.workers import JobContext, JobRunner
from foundry_bench.ui.reports.constraints import ConstraintsForm
from foundry_bench.ui.reports.table_models import RecommendationModel
from foundry_bench.ui.reports.tasks import (
    RecommendResult,
    Written,
    export_run,
    open_run,
    recommend_run,
)

#: Button text and file-dialog filter of each export format.
FORMAT_UI = {
    "md": ("Markdown…", "Markdown (*.md)"),
    "csv": ("CSV per sample…", "CSV (*.csv)"),
    "summary-csv": ("CSV per model…", "CSV (*.csv)"),
    "html": ("HTML…", "HTML (*.html)"),
    "json": ("JSON…", "JSON (*.json)"),
}
RECOMMEND_DELAY_MS = 250


class ExportPanel(QWidget):
    """The current run, its recommendation under the constraints, and export buttons.

    Signals:
        exported(str, str): a report was written: its path and a note about quality scores.
        recommendation_ready(object): a ``RecommendResult`` for the current constraints.
        run_changed(object): the ``Run`` shown changed (or None).
    """

    exported = Signal(str, str)
    recommendation_ready = Signal(object)
    run_changed = Signal(object)

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
        self.run: Run | None = None
        self.run_dir: Path | None = None
        self.last_dir: Path | None = None
        # Replaced in tests and the self-test, so no modal dialog blocks them.
        self.ask_save_path: AskSavePath = save_path_asker(self)
        self.ask_folder: AskFolder = folder_asker(self, "Open a run folder")

        self.run_label = plain_label("No run open. Finish a benchmark or open a run folder.")
        self.run_label.setTextFormat(Qt.TextFormat.PlainText)  # run ids are untrusted text
        self.run_label.setWordWrap(True)
        self.open_button = QPushButton("Open run folder…")
        self.open_button.clicked.connect(self._choose_run)

        self.constraints_form = ConstraintsForm()
        form = self.constraints_form
        self.max_p95 = form.max_p95
        self.max_memory = form.max_memory
        self.min_quality = form.min_quality
        self._delay = QTimer(self)
        self._delay.setSingleShot(True)
        self._delay.setInterval(RECOMMEND_DELAY_MS)
        self._delay.timeout.connect(self.refresh_recommendation)
        form.changed.connect(self._delay.start)

        self.best_label = plain_label("")
        self.best_label.setTextFormat(Qt.TextFormat.PlainText)
        self.best_label.setWordWrap(True)
        self.quality_label = plain_label("")
        self.quality_label.setTextFormat(Qt.TextFormat.PlainText)
        self.quality_label.setWordWrap(True)
        self.model = RecommendationModel(self)
        self.table = row_table(self.model, fit_columns=True)

        rec_box = QGroupBox("Recommendation")
        rec_layout = QVBoxLayout(rec_box)
        rec_layout.addWidget(form)
        rec_layout.addWidget(self.best_label)
        rec_layout.addWidget(self.quality_label)
        rec_layout.addWidget(self.table, 1)

        self.export_buttons: dict[str, QPushButton] = {}
        buttons = QHBoxLayout()
        buttons.addWidget(plain_label("Export:"))
        for fmt, (text, _filter) in FORMAT_UI.items():
            button = QPushButton(text)
            button.setToolTip(FORMATS[fmt][1])
            button.clicked.connect(lambda _c=False, f=fmt: self._choose_export(f))
            buttons.addWidget(button)
            self.export_buttons[fmt] = button
        buttons.addStretch(1)
        self.status_label = plain_label("")
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        top = QHBoxLayout()
        top.addWidget(self.run_label, 1)
        top.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(rec_box, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.status_label)
        self._update_enabled()

    # -- public -----------------------------------------------------------------------------

    def constraints(self) -> Constraints:
        return self.constraints_form.constraints()

    def set_run(self, run: Run | None, run_dir: Path | None) -> None:
        self.run, self.run_dir = run, Path(run_dir) if run_dir is not None else None
        if run is None:
            self.run_label.setText("No run open. Finish a benchmark or open a run folder.")
        else:
            self.run_label.setText(
                f"Run {run.run_id} · {run.status} · {len(run.models)} model(s) · "
                f"{len(run.timed_samples())} timed request(s) · {self.run_dir or ''}"
            )
        self.model.set_recommendation(None)
        self.best_label.setText("")
        self.status_label.setText("")  # "Wrote ..." was about the run shown before
        self._update_enabled()
        self.run_changed.emit(run)
        if run is not None:
            self.refresh_recommendation()

    def scores_changed(self, run_dir: Path | None) -> None:
        """Scores of ``run_dir`` changed on disk: recommend afresh if it is this run's (after
        a short pause, since every key press of a scorer saves)."""
        if self.run is not None and run_dir is not None and Path(run_dir) == self.run_dir:
            self._delay.start()

    def refresh_recommendation(self) -> None:
        run, run_dir, constraints = self.run, self.run_dir, self.constraints()
        if run is None:
            return

        def task(ctx: JobContext) -> RecommendResult:
            return recommend_run(run, run_dir, constraints)

        self._runner.start(
            "report-recommend", task, label="Recommendation", on_finish=self._show_recommendation
        )

    def export(self, fmt: str, path: Path) -> None:
        """Write the report of the current run in ``fmt`` to ``path`` (in a worker)."""
        run, run_dir, constraints = self.run, self.run_dir, self.constraints()
        if run is None:
            self._notifier.error("Export: no run is open")
            return

        def task(ctx: JobContext) -> Written:
            return export_run(run, run_dir, fmt, path, constraints)

        self.status_label.setText(f"Writing {path.name}…")
        self._runner.start(
            f"report-export-{fmt}",
            task,
            label=f"Export {FORMATS[fmt][1]}",
            on_finish=self._exported,
            on_error=lambda _m: self.status_label.setText("Export failed (see the log)."),
        )

    def open_folder(self, folder: Path) -> None:
        def task(ctx: JobContext) -> OpenedRun:
            with building_long_lived():  # the current run from now on
                return open_run(folder)

        self._runner.start(
            "report-open", task, label=f"Open run {folder.name}", on_finish=self._opened
        )

    # -- behaviour ---------------------------------------------------------------------------

    def _update_enabled(self) -> None:
        for button in self.export_buttons.values():
            button.setEnabled(self.run is not None)

    def _show_recommendation(self, result: RecommendResult) -> None:
        rec = result.recommendation
        self.model.set_recommendation(rec)
        if rec.best is not None:
            self.best_label.setText(f"Recommended: {rec.best}. {rec.why}")
        else:
            self.best_label.setText(rec.why)
        self.quality_label.setText(f"Quality: {result.quality.note}.")
        self.recommendation_ready.emit(result)

    def _exported(self, written: Written) -> None:
        self.last_dir = written.path.parent
        self.status_label.setText(f"Wrote {written.path} ({written.note}).")
        self.refresh_recommendation()  # the report read the scores afresh: so does the table
        self._notifier.info(f"Report written: {written.path}")
        self.exported.emit(str(written.path), written.note)

    def _opened(self, loaded: OpenedRun) -> None:
        self.set_run(loaded.run, loaded.run_dir)

    def _choose_export(self, fmt: str) -> None:
        if self.run is None:
            return
        folder = self.last_dir or self.run_dir or self._runs_dir()
        name = FORMATS[fmt][0]  # report.json, never results.json: the run stays as it was
        path = self.ask_save_path(f"Export {FORMATS[fmt][1]}", folder / name, FORMAT_UI[fmt][1])
        if path is not None:
            self.export(fmt, path)

    def _choose_run(self) -> None:
        folder = self.ask_folder(self.run_dir or self._runs_dir())
        if folder is not None:
            self.open_folder(folder)


__all__ = ["FORMAT_UI", "ExportPanel"]
