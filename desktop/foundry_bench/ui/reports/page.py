"""The Reports page: export the current run, compare two runs, merge runs of many devices.

A thin composition of :class:`ExportPanel` (the current run, its recommendation under the
team's constraints, exports), :class:`CompareView` (run A versus run B) and
:class:`FleetView` (device x model). It follows the
window's current run (``run_opened``), and offers that run in the comparison pickers.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from foundry_bench.core.results.records import Run
from foundry_bench.ui.base.plain_text import plain_label
from foundry_bench.ui.context import AppContext
from foundry_bench.ui.reports.compare_view import CompareView
from foundry_bench.ui.reports.export import ExportPanel
from foundry_bench.ui.reports.fleet_view import FleetView

HELP = (
    "Reports are written from the run's files: Markdown, CSV (one row per sample or per "
    "model), JSON, and one self-contained HTML page with charts. The same from the command "
    "line: foundry-bench report RUN_DIR --format html --out report.html; "
    "foundry-bench compare RUN_A RUN_B --fail-on-regression 10; "
    "foundry-bench fleet FOLDER_OF_RUNS --format html --out fleet.html."
)


class ReportsPage(QWidget):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.export_panel = ExportPanel(ctx.runner, ctx.notifier, ctx.runs_dir)
        self.compare_view = CompareView(ctx.runner, ctx.notifier, ctx.runs_dir)
        self.fleet_view = FleetView(ctx.runner, ctx.notifier, ctx.runs_dir)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.export_panel, "Export and recommend")
        self.tabs.addTab(self.compare_view, "Compare runs")
        self.tabs.addTab(self.fleet_view, "Fleet")
        hint = plain_label(HELP)
        hint.setWordWrap(True)
        hint.setEnabled(False)  # greyed: a hint, not content
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(hint)
        self._listed_once = False
        ctx.run_opened.connect(self.set_run)
        ctx.settings_saved.connect(self._settings_saved)
        ctx.scores_saved.connect(self.export_panel.scores_changed)
        if ctx.current_run is not None:
            self.set_run(*ctx.current_run)

    def set_run(self, run: object, run_dir: object) -> None:
        if not isinstance(run, Run):
            return
        folder = Path(str(run_dir)) if run_dir is not None else None
        self.export_panel.set_run(run, folder)
        if folder is not None:
            self.compare_view.add_run(folder, f"{run.run_id} (current)")

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._listed_once:  # list the runs folder when the page is first seen
            self._listed_once = True
            self.compare_view.refresh_runs()
            self.fleet_view.refresh_runs()
        elif self.export_panel.run is not None:
            # Scores may have been added on the Quality page since: recommend afresh.
            self.export_panel.refresh_recommendation()

    def _settings_saved(self, _settings: object) -> None:
        if self._listed_once:  # the runs folder may have changed: list the new one
            self.compare_view.refresh_runs()
            self.fleet_view.refresh_runs()
