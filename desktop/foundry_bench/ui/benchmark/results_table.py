"""The results table: one row per model with the statistics of ``docs/design.md``.

The table shows one metric at a time (latency, TTFT, TPOT, output or decode tokens/s) with all
its statistics: n, mean, std, min, p50 and its bootstrap 95% CI, p90, p95 and its CI, p99,
max. The best value of each column is highlighted (lowest time, highest throughput, lowest
spread). Rows come straight from a run's ``summary`` entries, so a reopened run shows exactly
what the finished run showed.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QVBoxLayout,
    QWidget,
)

from foundry_bench.core.config.checks import stored_tally
from foundry_bench.core.results.records import ModelRecord
from foundry_bench.core.units import Scale, number_scale, time_scale
from foundry_bench.ui.base.plain_text import plain_label
from foundry_bench.ui.base.qt_models import BEST_ROLE, ID_ROLE, RIGHT, SORT_ROLE, RowTableModel
from foundry_bench.ui.base.tables import row_table, sort_proxy
from foundry_bench.ui.benchmark.results_columns import (
    CHECKS_TIP,
    CI_OF,
    COUNT_OF,
    COUNT_TIPS,
    HEADERS,
    RECORD_OF,
    RECORD_TIPS,
    STAT_OF,
    Col,
)

#: metric key -> (label, unit, scale to the unit, higher is better)
METRICS: dict[str, tuple[str, str, float, bool]] = {
    "latency_s": ("Latency", "ms", 1000.0, False),
    "ttft_s": ("Time to first token", "ms", 1000.0, False),
    "tpot_s": ("Time per output token", "ms", 1000.0, False),
    "output_tps": ("Output tokens/s", "tok/s", 1.0, True),
    "decode_tps": ("Decode tokens/s", "tok/s", 1.0, True),
    "ttfa_s": ("Time to first answer token", "ms", 1000.0, False),
}
REASONING_METRIC = "ttfa_s"  # in the picker only while a model reasons (else it is the TTFT)

STATUS_COLORS = {
    "ok": "#3c9a5f",
    "failed": "#d9534f",
    "skipped": "#c08a2b",
    "running": "#3d7bd9",
    "pending": "#8a8d93",
}
BEST_FILL = QColor(60, 154, 95, 60)


_KEYS = frozenset(STAT_OF.values()) - {"std"}


def _stats_of(entry: dict[str, Any], metric: str) -> dict[str, Any]:
    stats = entry.get(metric)
    return stats if isinstance(stats, dict) else {}


class ResultsTableModel(RowTableModel[dict[str, Any]]):
    """Rows: the run's summary entries (one per model), in the run's model order."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__([HEADERS[c] for c in Col], parent)
        self._records: dict[str, ModelRecord] = {}
        self._metric = "latency_s"
        self._best: dict[int, str] = {}  # column -> the model holding the best value
        self._scales: dict[str, Scale] = {}  # metric or record field -> how it is written

    # -- Qt model API -----------------------------------------------------------------------

    def header(self, section: int, role: int) -> Any:
        col = Col(section)
        label, _unit, _scale, higher = METRICS[self._metric]
        if role == Qt.ItemDataRole.DisplayRole:
            if col in (Col.LOAD, Col.COLD_TTFT):
                return self.scale(RECORD_OF[col]).label(HEADERS[col])
            return HEADERS[col]  # the unit is in the metric picker, which keeps columns narrow
        if role == Qt.ItemDataRole.ToolTipRole:
            if col in CI_OF:
                return "bootstrap 95% confidence interval of the percentile"
            if col in STAT_OF:
                better = "highest" if higher and col != Col.STD else "lowest"
                unit = self.scale(self._metric).unit
                return f"{label}: {HEADERS[col]} ({unit}); the {better} value is highlighted"
            return (
                COUNT_TIPS.get(col)
                or RECORD_TIPS.get(col)
                or (CHECKS_TIP if col == Col.CHECKS else None)
            )
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
        if role == Qt.ItemDataRole.TextAlignmentRole and col > Col.STATUS:
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

    def reasoned(self) -> bool:
        """A model in the table showed thinking in some of its answers."""
        return any(e.get("n_reasoned") for e in self._rows)

    def scale(self, key: str) -> Scale:
        """How the table writes ``key`` (a metric or a record field), chosen from its values."""
        return self._scales.get(key) or Scale()

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
            self._scales = self._find_scales()
            self._best = self._find_best()
            last = self.index(len(entries) - 1, len(Col) - 1)
            self.dataChanged.emit(self.index(0, 0), last)
            return
        self.beginResetModel()
        self._rows, self._records = entries, by_id
        self._scales = self._find_scales()
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
        return _stats_of(entry, self._metric)

    def _scaled(self, entry: dict[str, Any], key: str) -> float | None:
        value = self._stats(entry).get(key)
        if not isinstance(value, int | float) or not math.isfinite(value):
            return None
        return float(value) * self.scale(self._metric).factor

    def _record_value(self, entry: dict[str, Any], col: Col) -> float | None:
        key = RECORD_OF[col]
        record = self._records.get(entry["model"])
        value = entry.get(key) if col == Col.THROUGHPUT else getattr(record, key, None)
        return float(value) if isinstance(value, int | float) and math.isfinite(value) else None

    def _find_scales(self) -> dict[str, Scale]:
        """One scale per metric over every statistic of every row: p50 and p95 share it."""
        scales = {}
        for metric, (_label, unit, _s, _h) in METRICS.items():
            values = [v for e in self._rows for k, v in _stats_of(e, metric).items() if k in _KEYS]
            scales[metric] = time_scale(values) if unit == "ms" else number_scale(values, unit)
        records = [self._records.get(e["model"]) for e in self._rows]
        for name in ("load_time_s", "cold_ttft_s"):
            scales[name] = time_scale(getattr(r, name, None) for r in records)
        scales["cpu_percent"] = number_scale(
            (getattr(r, "cpu_percent", None) for r in records), "%"
        )
        for name in ("memory_delta_mb", "peak_rss_mb", "gpu_memory_mb"):
            scales[name] = number_scale((getattr(r, name, None) for r in records), "MB")
        rates = [self._record_value(e, Col.THROUGHPUT) for e in self._rows]
        scales["throughput_tps"] = number_scale(rates, "tok/s")
        return scales

    def _status(self, entry: dict[str, Any]) -> str:
        record = self._records.get(entry["model"])
        return record.status if record else str(entry.get("status") or "")

    def _display(self, entry: dict[str, Any], col: Col) -> str:
        if col == Col.MODEL:
            return str(entry["model"])
        if col == Col.STATUS:
            return self._status(entry)
        if col in COUNT_OF:
            return str(entry.get(COUNT_OF[col], 0))
        if col == Col.CHECKS:
            tally = stored_tally(entry.get("checks"))
            return "" if tally is None else f"{tally[0] / tally[1]:.0%} ({tally[0]}/{tally[1]})"
        if col in RECORD_OF:
            value = self._record_value(entry, col)
            return "" if value is None else self.scale(RECORD_OF[col]).text(value)
        scale = self.scale(self._metric)
        if col in STAT_OF:
            value = self._stats(entry).get(STAT_OF[col])
            return "" if self._scaled(entry, STAT_OF[col]) is None else scale.text(value)
        ci = self._stats(entry).get(CI_OF[col])
        if not ci:
            return ""
        return f"{scale.text(ci[0])} – {scale.text(ci[1])}"

    def _sort_key(self, entry: dict[str, Any], col: Col) -> Any:
        if col in (Col.MODEL, Col.STATUS):
            return self._display(entry, col)
        if col in COUNT_OF:
            return int(entry.get(COUNT_OF[col], 0))
        if col == Col.CHECKS:
            tally = stored_tally(entry.get("checks"))
            return -math.inf if tally is None else -tally[0] / tally[1]  # the best first
        if col in RECORD_OF:
            value = self._record_value(entry, col)
        elif col in STAT_OF:
            value = self._scaled(entry, STAT_OF[col])
        else:
            ci = self._stats(entry).get(CI_OF[col])
            value = ci[0] * self.scale(self._metric).factor if ci else None
        return math.inf if value is None else value

    def _tooltip(self, entry: dict[str, Any], col: Col) -> str | None:
        if col in (Col.MODEL, Col.STATUS):
            record = self._records.get(entry["model"])
            status = self._status(entry)
            ran_on = ""
            if record and (record.device or record.execution_provider):
                parts = [p for p in (record.device, record.execution_provider) if p]
                ran_on = f" (on {', '.join(parts)})"
            if record and record.error:
                return f"{entry['model']}{ran_on}: {status}: {record.error}"
            return f"{entry['model']}{ran_on}: {status}"
        return None

    def _find_best(self) -> dict[int, str]:
        """Model with the best value per statistic column, when two or more models have one."""
        higher = METRICS[self._metric][3]
        best: dict[int, str] = {}
        for col, key in STAT_OF.items():
            values = [(self._scaled(e, key), e["model"]) for e in self._rows]
            present = [(v, row) for v, row in values if v is not None]
            if len(present) < 2:
                continue
            pick = max if higher and col != Col.STD else min
            best[col] = pick(present, key=lambda pair: pair[0])[1]
        rates = [
            (v, e["model"]) for e in self._rows if (v := self._record_value(e, Col.THROUGHPUT))
        ]
        if len(rates) >= 2:
            best[Col.THROUGHPUT] = max(rates, key=lambda pair: pair[0])[1]
        shares = [
            (t[0] / t[1], e["model"]) for e in self._rows if (t := stored_tally(e.get("checks")))
        ]
        if len(shares) >= 2:
            best[Col.CHECKS] = max(shares, key=lambda pair: pair[0])[1]
        return best

    def has_checks(self) -> bool:
        return any(stored_tally(e.get("checks")) for e in self._rows)


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
            if key != REASONING_METRIC:
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
        self.model.modelReset.connect(self._offer_ttfa)
        self.model.dataChanged.connect(self._offer_ttfa)
        self.model.modelReset.connect(self._name_units)
        self.model.dataChanged.connect(self._name_units)
        self.table.doubleClicked.connect(self._activated)
        hint = plain_label(
            "Best value per column highlighted · double-click a model for its samples"
        )
        hint.setEnabled(False)
        top = QHBoxLayout()
        top.addWidget(plain_label("Statistics of"))
        top.addWidget(self.metric_box)
        top.addStretch(1)
        top.addWidget(hint)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)

    def _offer_ttfa(self) -> None:
        """TTFA in the picker (after TTFT) while a model in the table reasons."""
        at, box = self.metric_box.findData(REASONING_METRIC), self.metric_box
        if self.model.reasoned() and at < 0:  # labelled by _name_units, connected after this
            box.insertItem(box.findData("ttft_s") + 1, "", REASONING_METRIC)
        elif not self.model.reasoned() and at >= 0:
            box.removeItem(at)  # when it was shown, the picker moves on to another

    def _name_units(self) -> None:
        """The picker names each metric's unit as the table writes it (µs, ms or s)."""
        for i in range(self.metric_box.count()):
            key = str(self.metric_box.itemData(i))
            text = f"{METRICS[key][0]} ({self.model.scale(key).unit or METRICS[key][1]})"
            if self.metric_box.itemText(i) != text:
                self.metric_box.setItemText(i, text)

    def _fit_columns(self) -> None:
        self.table.setColumnHidden(Col.CHECKS, not self.model.has_checks())
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(Col.MODEL, min(max(self.table.columnWidth(Col.MODEL), 160), 320))

    def _activated(self, index: QModelIndex) -> None:
        model_id = index.data(ID_ROLE)
        if model_id:
            self.model_activated.emit(str(model_id))
