"""The samples of one model (the drill-down of the results table) as a Qt table model."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from foundry_bench.core.results.records import Sample

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
SAMPLE_ROLE = Qt.ItemDataRole.UserRole + 2

AnyIndex = QModelIndex | QPersistentModelIndex


class SCol(IntEnum):
    PROMPT = 0
    ROUND = 1
    STATUS = 2
    TTFT = 3
    LATENCY = 4
    TPOT = 5
    TOKENS = 6
    TPS = 7
    FINISH = 8
    ERROR = 9


HEADERS = {
    SCol.PROMPT: "Prompt",
    SCol.ROUND: "Round",
    SCol.STATUS: "Status",
    SCol.TTFT: "TTFT (ms)",
    SCol.LATENCY: "Latency (ms)",
    SCol.TPOT: "TPOT (ms)",
    SCol.TOKENS: "Tokens",
    SCol.TPS: "Tok/s",
    SCol.FINISH: "Finish",
    SCol.ERROR: "Error",
}
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_NUMERIC = (SCol.TTFT, SCol.LATENCY, SCol.TPOT, SCol.TOKENS, SCol.TPS)
_MUTED = QColor(138, 141, 147)
_FAILED = QColor("#d9534f")


def _ms(value: float | None) -> str:
    return "" if value is None else f"{value * 1000:.1f}"


class SamplesTableModel(QAbstractTableModel):
    """Rows are samples, in run order; warm-ups are greyed (they never count)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._samples: list[Sample] = []

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._samples)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(SCol)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(SCol):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[SCol(section)]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._samples):
            return None
        s = self._samples[index.row()]
        col = SCol(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(s, col)
        if role == SORT_ROLE:
            return self._sort_key(s, col)
        if role == SAMPLE_ROLE:
            return s
        if role == Qt.ItemDataRole.TextAlignmentRole and col in _NUMERIC:
            return _RIGHT
        if role == Qt.ItemDataRole.ForegroundRole:
            if s.status != "ok":
                return QBrush(_FAILED)
            if s.warmup:
                return QBrush(_MUTED)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == SCol.ERROR and s.error:
                return s.error
            if s.warmup:
                return "warm-up request: stored, never counted in the statistics"
        return None

    def set_samples(self, samples: list[Sample]) -> None:
        self.beginResetModel()
        self._samples = list(samples)
        self.endResetModel()

    def append(self, samples: list[Sample]) -> None:
        if not samples:
            return
        first = len(self._samples)
        self.beginInsertRows(QModelIndex(), first, first + len(samples) - 1)
        self._samples.extend(samples)
        self.endInsertRows()

    def sample(self, row: int) -> Sample:
        return self._samples[row]

    @staticmethod
    def _display(s: Sample, col: SCol) -> str:
        if col == SCol.PROMPT:
            return s.prompt_id
        if col == SCol.ROUND:
            return f"w{s.round}" if s.warmup else str(s.round)
        if col == SCol.STATUS:
            return s.status
        if col == SCol.TTFT:
            return _ms(s.ttft_s)
        if col == SCol.LATENCY:
            return _ms(s.latency_s)
        if col == SCol.TPOT:
            return _ms(s.tpot_s)
        if col == SCol.TOKENS:
            return "" if s.completion_tokens is None else str(s.completion_tokens)
        if col == SCol.TPS:
            return "" if s.output_tps is None else f"{s.output_tps:.1f}"
        if col == SCol.FINISH:
            return s.finish_reason or ""
        return (s.error or "").splitlines()[0] if s.error else ""

    @staticmethod
    def _sort_key(s: Sample, col: SCol) -> Any:
        values = {
            SCol.TTFT: s.ttft_s,
            SCol.LATENCY: s.latency_s,
            SCol.TPOT: s.tpot_s,
            SCol.TOKENS: s.completion_tokens,
            SCol.TPS: s.output_tps,
        }
        if col in values:
            value = values[col]
            return float("inf") if value is None else float(value)
        if col == SCol.ROUND:
            return s.round - (10_000 if s.warmup else 0)
        return SamplesTableModel._display(s, col)
