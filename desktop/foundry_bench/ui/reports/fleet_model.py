"""The Fleet tab's table: one row per device x model, the cells the fleet report shows."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QBrush, QColor

from foundry_bench.core.analysis.fleet import FLEET_METRICS, Fleet, FleetCell
from foundry_bench.core.reports.fleet import TABLE_HEADER, row_cells
from foundry_bench.ui.base.qt_models import LEFT, RIGHT, ROW_ROLE, SORT_ROLE, RowTableModel

MISS_COLOR = QColor("#c0392b")
_FIRST_METRIC = 2  # device and model come first
_TEXT_COLUMNS = {0, 1, len(TABLE_HEADER) - 1}


class FleetTableModel(RowTableModel[FleetCell]):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(TABLE_HEADER, parent)

    def set_fleet(self, fleet: Fleet | None) -> None:
        self.set_rows(fleet.ordered_cells() if fleet else [])

    def cell(self, row: FleetCell, column: int, role: int) -> object:
        if role == Qt.ItemDataRole.DisplayRole:
            return row_cells(row)[column]
        if role == SORT_ROLE:
            metric = column - _FIRST_METRIC
            if 0 <= metric < len(FLEET_METRICS):
                value = row.value(FLEET_METRICS[metric].key)
                # Unmeasured cells sort after every number, in both directions' first page.
                return float("inf") if value is None else value
            return row_cells(row)[column].casefold()
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return LEFT if column in _TEXT_COLUMNS else RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and not row.qualifies and column == 1:
            return QBrush(MISS_COLOR)
        if role == Qt.ItemDataRole.ToolTipRole and row.reasons:
            return "; ".join(row.reasons)
        if role == ROW_ROLE:
            return row
        return None
