"""The results table: one row per model with the statistics of ``docs/design.md``.

The table shows one metric at a time (latency, TTFT, TPOT, output or decode tokens/s) with all
its statistics: n, mean, std, min, p50 and its bootstrap 95% CI, p90, p95 and its CI, p99,
max. The best value of each column is highlighted (lowest time, highest throughput, lowest
spread). Rows come straight from a run's ``summary`` entries, so a reopened run shows exactly
what the finished run showed.
"""

from __future__ import annotations

import math
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from foundry_bench.core.results.records import ModelRecord
from foundry_bench.ui.base.qt_models import BEST_ROLE, ID_ROLE, RIGHT, SORT_ROLE, RowTableModel
from foundry_bench.ui.base.tables import row_table, sort_proxy

#: metric key -> (label, unit, scale to the unit, higher is better)
METRICS: dict[str, tuple[str, str, float, bool]] = {
    "latency_s": ("Latency", "ms", 1000.0, False),
    "ttft_s": ("Time to first token", "ms", 1000.0, False),
    "tpot_s": ("Time per output token", "ms", 1000.0, False),
    "output_tps": ("Output tokens/s", "tok/s", 1.0, True),
    "decode_tps": ("Decode tokens/s", "tok/s", 1.0, True),
}

STATUS_COLORS = {
    "ok": "#3c9a5f",
    "failed": "#d9534f",
    "skipped": "#c08a2b",
    "running": "#3d7bd9",
    "pending": "#8a8d93",
}
BEST_FILL = QColor(60, 154, 95, 60)


class Col(IntEnum):
    MODEL = 0
    STATUS = 1
    OK = 2
    FAILED = 3
    MEAN = 4
    STD = 5
    MIN = 6
    P50 = 7
    P50_CI = 8
    P90 = 9
    P95 = 10
    P95_CI = 11
    P99 = 12
    MAX = 13


HEADERS = {
    Col.MODEL: "Model",
    Col.STATUS: "Status",
    Col.OK: "OK",
    Col.FAILED: "Failed",
    Col.MEAN: "Mean",
    Col.STD: "Std",
    Col.MIN: "Min",
    Col.P50: "p50",
    Col.P50_CI: "p50 95% CI",
    Col.P90: "p90",
    Col.P95: "p95",
    Col.P95_CI: "p95 95% CI",
    Col.P99: "p99",
    Col.MAX: "Max",
}
_STAT_OF = {
    Col.MEAN: "mean",
    Col.STD: "std",
    Col.MIN: "min",
    Col.P50: "p50",
    Col.P90: "p90",
    Col.P95: "p95",
    Col.P99: "p99",
    Col.MAX: "max",
}
_CI_OF = {Col.P50_CI: "p50_ci", Col.P95_CI: "p95_ci"}


def fmt_value(value: float | None, unit: str) -> str:
    if value is None or not math.isfinite(value):
        return ""
    if unit == "ms":
        return f"{value:.1f}" if abs(value) < 100 else f"{value:.0f}"
    return f"{value:.1f}"


class ResultsTableModel(RowTableModel[dict[str, Any]]):
    """Rows: the run's summary entries (one per model), in the run's model order."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__([HEADERS[c] for c in Col], parent)
        self._records: dict[str, ModelRecord] = {}
        self._metric = "latency_s"
        self._best: dict[int, str] = {}  # column -> the model holding the best value

    # -- Qt model API -----------------------------------------------------------------------

    def header(self, section: int, role: int) -> Any:
        col = Col(section)
        label, unit, _scale, higher = METRICS[self._metric]
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[col]  # the unit is in the metric picker, which keeps columns narrow
        if role == Qt.ItemDataRole.ToolTipRole:
            if col in _CI_OF:
                return "bootstrap 95% confidence interval of the percentile"
            if col in _STAT_OF:
                better = "highest" if higher and col != Col.STD else "lowest"
                return f"{label}: {HEADERS[col]} ({unit}); the {better} value is highlighted"
            if col == Col.FAILED:
                return "timed requests that did not end ok (errors, timeouts, cancelled)"
        return None

    def cell(self, entry: dict[str, Any], column: int, role: int) -> Any:
        col = Col(column)
        best = self._best.get(col) == entry["model"]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(entry, col)
        if role == SORT_ROLE:
            return self._sort_key(entry, col)
        if role == ID_ROLE:
            return entry["model"]
        if role == BEST_ROLE:
            return best
        if role == Qt.ItemDataRole.TextAlignmentRole and col >= Col.OK:
            return RIGHT
        if role == Qt.ItemDataRole.BackgroundRole and best:
            return QBrush(BEST_FILL)
        if role == Qt.ItemDataRole.FontRole and best:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and col == Col.STATUS:
            return QBrush(QColor(STATUS_COLORS.get(self._status(entry), "#8a8d93")))
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(entry, col)
        return None

    # -- public -------------------------------------------------------------------------------

    @property
    def metric(self) -> str:
        return self._metric

    def set_metric(self, metric: str) -> None:
        if metric not in METRICS:
            raise ValueError(f"unknown metric {metric!r}")
        self.beginResetModel()
        self._metric = metric
        self._best = self._find_best()
        self.endResetModel()
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(Col) - 1)

    def set_summary(
        self, summary: list[dict[str, Any]], records: list[ModelRecord] | None = None
    ) -> None:
        """Show these summary entries; ``records`` give each model's status and error.

        The same models in the same order (a live run's next batch) update the cells in
        place, so a selection or sort survives the run's redraws.
        """
        entries = list(summary)
        by_id = {r.id: r for r in records or []}
        same_rows = [e["model"] for e in entries] == [e["model"] for e in self._rows]
        if same_rows and entries:
            self._rows, self._records = entries, by_id
            self._best = self._find_best()
            last = self.index(len(entries) - 1, len(Col) - 1)
            self.dataChanged.emit(self.index(0, 0), last)
            return
        self.beginResetModel()
        self._rows, self._records = entries, by_id
        self._best = self._find_best()
        self.endResetModel()

    def clear(self) -> None:
        self.set_summary([], [])

    def entries(self) -> list[dict[str, Any]]:
        return self.rows()

    def value(self, row: int, col: Col) -> Any:
        """The raw value of a cell (in the metric's display unit), for tests."""
        return self._sort_key(self._rows[row], col)

    def row_of(self, model: str) -> int | None:
        return next((i for i, e in enumerate(self._rows) if e["model"] == model), None)

    # -- cells --------------------------------------------------------------------------------

    def _stats(self, entry: dict[str, Any]) -> dict[str, Any]:
        stats = entry.get(self._metric)
        return stats if isinstance(stats, dict) else {}

    def _scaled(self, entry: dict[str, Any], key: str) -> float | None:
        value = self._stats(entry).get(key)
        if not isinstance(value, int | float):
            return None
        return float(value) * METRICS[self._metric][2]

    def _status(self, entry: dict[str, Any]) -> str:
        record = self._records.get(entry["model"])
        return record.status if record else str(entry.get("status") or "")

    def _display(self, entry: dict[str, Any], col: Col) -> str:
        unit = METRICS[self._metric][1]
        if col == Col.MODEL:
            return str(entry["model"])
        if col == Col.STATUS:
            return self._status(entry)
        if col == Col.OK:
            return str(entry.get("n_ok", 0))
        if col == Col.FAILED:
            return str(entry.get("n_failed", 0))
        if col in _STAT_OF:
            return fmt_value(self._scaled(entry, _STAT_OF[col]), unit)
        ci = self._stats(entry).get(_CI_OF[col])
        if not ci:
            return ""
        scale = METRICS[self._metric][2]
        return f"{fmt_value(ci[0] * scale, unit)} – {fmt_value(ci[1] * scale, unit)}"

    def _sort_key(self, entry: dict[str, Any], col: Col) -> Any:
        if col in (Col.MODEL, Col.STATUS):
            return self._display(entry, col)
        if col == Col.OK:
            return int(entry.get("n_ok", 0))
        if col == Col.FAILED:
            return int(entry.get("n_failed", 0))
        if col in _STAT_OF:
            value = self._scaled(entry, _STAT_OF[col])
        else:
            ci = self._stats(entry).get(_CI_OF[col])
            value = ci[0] * METRICS[self._metric][2] if ci else None
        return math.inf if value is None else value

    def _tooltip(self, entry: dict[str, Any], col: Col) -> str | None:
        if col in (Col.MODEL, Col.STATUS):
            record = self._records.get(entry["model"])
            status = self._status(entry)
            if record and record.error:
                return f"{entry['model']}: {status}: {record.error}"
            return f"{entry['model']}: {status}"
        return None

    def _find_best(self) -> dict[int, str]:
        """Model with the best value per statistic column, when two or more models have one."""
        higher = METRICS[self._metric][3]
        best: dict[int, str] = {}
        for col, key in _STAT_OF.items():
            values = [(self._scaled(e, key), e["model"]) for e in self._rows]
            present = [(v, row) for v, row in values if v is not None]
            if len(present) < 2:
                continue
            pick = max if higher and col != Col.STD else min
            best[col] = pick(present, key=lambda pair: pair[0])[1]
        return best


class ResultsView(QWidget):
    """The results table with its metric picker; double-click a row to see its samples.

    Signals:
        model_activated(str): the user asked for the samples of this model.
    """

    model_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ResultsTableModel(self)
        self.proxy = sort_proxy(self.model, self)
        self.metric_box = QComboBox()
        for key, (label, unit, _s, _h) in METRICS.items():
            self.metric_box.addItem(f"{label} ({unit})", key)
        self.metric_box.currentIndexChanged.connect(
            lambda _i: self.model.set_metric(str(self.metric_box.currentData()))
        )
        self.table = row_table(self.proxy, sortable=True)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        # Not ResizeToContents: that measures every cell at every update of a live run.
        # Columns fit their contents when rows or the metric change, then stay put.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.model.modelReset.connect(self._fit_columns)
        self.table.doubleClicked.connect(self._activated)
        hint = QLabel("Best value per column highlighted · double-click a model for its samples")
        hint.setEnabled(False)
        top = QHBoxLayout()
        top.addWidget(QLabel("Statistics of"))
        top.addWidget(self.metric_box)
        top.addStretch(1)
        top.addWidget(hint)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)

    def _fit_columns(self) -> None:
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(Col.MODEL, min(max(self.table.columnWidth(Col.MODEL), 160), 320))

    def _activated(self, index: QModelIndex) -> None:
        model_id = index.data(ID_ROLE)
        if model_id:
            self.model_activated.emit(str(model_id))
