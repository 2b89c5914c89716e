"""Table models of the Reports page: the recommendation and a run-versus-run comparison."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from foundry_bench.core.analysis.compare import Change, Comparison, regressions
from foundry_bench.core.analysis.recommend import Candidate, Recommendation
from foundry_bench.core.reports.compare import HEADER, change_cells, quality_cells
from foundry_bench.core.reports.content import candidate_cells
from foundry_bench.ui.base.qt_models import RIGHT, RowTableModel

_DASH = "–"
WORSE = QColor("#c0392b")
BETTER = QColor("#2e86c1")
GOOD = QColor("#1e8449")


class RecommendationModel(RowTableModel[Candidate]):
    """One row per model: does it meet the constraints, its numbers, and why not (the cells
    of the reports' recommendation table, ``core.reports.content.candidate_cells``)."""

    HEADERS = ("Model", "Qualifies", "p95 latency (ms)", "Memory Δ (MB)", "Quality", "Why not")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(self.HEADERS, parent)
        self._rec: Recommendation | None = None
        self._cells: dict[str, list[str]] = {}
        self._header: list[str] = list(self.HEADERS)

    def set_recommendation(self, rec: Recommendation | None) -> None:
        self._rec = rec
        if rec is not None:
            header, cells = candidate_cells(rec)
            self._header = [*header[:-1], "Why not"]
            self._cells = {c.model: row for c, row in zip(rec.candidates, cells, strict=True)}
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.HEADERS) - 1)
        self.set_rows(list(rec.candidates) if rec else [])

    def candidate(self, row: int) -> Candidate:
        return self.row_at(row)

    def header(self, section: int, role: int) -> object:
        return self._header[section] if role == Qt.ItemDataRole.DisplayRole else None

    def cell(self, c: Candidate, col: int, role: int) -> object:
        if role == Qt.ItemDataRole.DisplayRole:
            values = self._cells.get(c.model, [])
            return values[col] if 0 <= col < len(values) else None
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (2, 3, 4):
            return RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and col == 1:
            return QBrush(GOOD if c.qualifies else WORSE)
        if role == Qt.ItemDataRole.FontRole and self._rec and c.model == self._rec.best:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole and col == 0:
            return c.model
        return None


class ComparisonModel(RowTableModel[tuple[str, list[str], str]]):
    """One row per model and statistic: A, B, change, CI, p-value and the verdict."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(HEADER, parent)
        self.result: Comparison | None = None

    def set_comparison(self, result: Comparison | None, fail_pct: float | None = None) -> None:
        self.result = result
        rows: list[tuple[str, list[str], str]] = []
        regress: set[tuple[str, str]] = set()
        if result is not None and fail_pct is not None:
            regress = {(c.model, c.label) for c in regressions(result, fail_pct)}
        for model in result.models if result else []:
            for change in model.changes:
                kind = self._kind(change, (model.model, change.label) in regress)
                rows.append((model.model, change_cells(change), kind))
            if model.quality is not None:
                verdict = model.quality.verdict
                kind = verdict if verdict in ("worse", "better") else ""
                rows.append((model.model, quality_cells(model.quality), kind))
        self.set_rows(rows)

    @staticmethod
    def _kind(change: Change, regression: bool) -> str:
        if regression:
            return "regression"
        return change.direction if change.direction in ("worse", "better") else ""

    def row_kind(self, row: int) -> str:
        return self._rows[row][2]

    def cell(self, row: tuple[str, list[str], str], col: int, role: int) -> object:
        model, cells, kind = row
        if role == Qt.ItemDataRole.DisplayRole:
            values = [model, *cells]
            if col == len(values) - 1 and kind == "regression":
                return values[col] + " (regression)"
            return values[col] if 0 <= col < len(values) else None
        if role == Qt.ItemDataRole.TextAlignmentRole and 2 <= col <= 6:
            return RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and col == len(HEADER) - 1:
            if kind in ("worse", "regression"):
                return QBrush(WORSE)
            if kind == "better":
                return QBrush(BETTER)
        if role == Qt.ItemDataRole.ToolTipRole and col == 0:
            return model
        return None


__all__ = ["ComparisonModel", "RecommendationModel"]
