"""The Sweep tab of the Benchmark page's results: what a sweep run found.

Its findings (the prefill fit, the gain from requests in flight, the context each model
accepts), four charts and the per point table. They are computed from the run in a worker
(``core.sweep.analysis`` and the report's rows, so the page and the reports agree) and drawn
on the GUI thread with ``setData``; a run that is not a sweep shows a hint instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QSplitter, QVBoxLayout, QWidget

from foundry_bench.core.reports.sweep_section import SWEEP_HEADER, findings, sweep_rows
from foundry_bench.core.results.records import Run
from foundry_bench.core.sweep.analysis import sweep_results
from foundry_bench.core.sweep.charts import XYChart, sweep_charts
from foundry_bench.ui.base.plain_text import plain_label
from foundry_bench.ui.base.qt_models import LEFT, RIGHT, RowTableModel
from foundry_bench.ui.base.tables import row_table
from foundry_bench.ui.base.workers import JobRunner
from foundry_bench.ui.charts.sweep import SweepChart

JOB_KIND = "sweep-results"
NOT_A_SWEEP = "Not a sweep: set one up in the Sweep tab on the left, or open a sweep run."


@dataclass(frozen=True)
class SweepShown:
    findings: list[str]
    rows: list[list[str]]
    charts: list[XYChart]


def compute(run: Run) -> SweepShown | None:
    """What the tab shows for ``run`` (runs in a worker); None for a run that is no sweep."""
    results = sweep_results(run)
    if results is None:
        return None
    return SweepShown(findings(results), sweep_rows(results), sweep_charts(results))


class SweepTableModel(RowTableModel[list[str]]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(SWEEP_HEADER, parent)

    def cell(self, row: list[str], column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return row[column]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return LEFT if column < 2 else RIGHT
        return None


class SweepView(QWidget):
    """Signals:
    shown(object): the ``SweepShown`` just drawn (None: the run is not a sweep).
    """

    shown = Signal(object)

    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self.findings = plain_label(NOT_A_SWEEP)  # model ids are untrusted
        self.findings.setWordWrap(True)
        self.findings.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.charts = [SweepChart(c.name, c.title) for c in sweep_charts([])]
        for chart, empty in zip(self.charts, sweep_charts([]), strict=True):
            chart.show_chart(empty)
        self.model = SweepTableModel(self)
        self.table = row_table(self.model)
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        for index, chart in enumerate(self.charts):
            grid.addWidget(chart, index // 2, index % 2)
        charts = QWidget()
        charts.setLayout(grid)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(charts)
        split.addWidget(self.table)
        split.setStretchFactor(0, 3)
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.findings)
        layout.addWidget(split, 1)

    def show_run(self, run: Run) -> None:
        """Compute and draw what ``run`` found (a run that is no sweep clears the tab)."""
        if run.sweep is None:
            self.clear()
            return
        self._runner.start(
            JOB_KIND, lambda ctx: compute(run), label="Sweep results", on_finish=self._draw
        )

    def clear(self) -> None:
        self._runner.cancel(JOB_KIND)
        self._draw(None)

    def _draw(self, shown: SweepShown | None) -> None:
        if shown is None:
            self.findings.setText(NOT_A_SWEEP)
            self.model.set_rows([])
            for chart, empty in zip(self.charts, sweep_charts([]), strict=True):
                chart.show_chart(empty)
        else:
            self.findings.setText("\n".join(shown.findings) or "No sweep results yet.")
            self.model.set_rows(shown.rows)
            for chart, data in zip(self.charts, shown.charts, strict=True):
                chart.show_chart(data)
            self.table.resizeColumnsToContents()
        self.shown.emit(shown)
