"""The samples of one model (the drill-down of the results table) as a Qt table model."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from foundry_bench.core.results.records import Sample
from foundry_bench.ui.base.qt_models import RIGHT, ROW_ROLE, SORT_ROLE, RowTableModel


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
_NUMERIC = (SCol.TTFT, SCol.LATENCY, SCol.TPOT, SCol.TOKENS, SCol.TPS)
_MUTED = QColor(138, 141, 147)
_FAILED = QColor("#d9534f")


def _ms(value: float | None) -> str:
    return "" if value is None else f"{value * 1000:.1f}"


class SamplesTableModel(RowTableModel[Sample]):
    """Rows are samples, in run order; warm-ups are greyed (they never count)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__([HEADERS[c] for c in SCol], parent)

    def cell(self, s: Sample, column: int, role: int) -> Any:
        col = SCol(column)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(s, col)
        if role == SORT_ROLE:
            return self._sort_key(s, col)
        if role == ROW_ROLE:
            return s
        if role == Qt.ItemDataRole.TextAlignmentRole and col in _NUMERIC:
            return RIGHT
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
        self.set_rows(samples)

    def append(self, samples: list[Sample]) -> None:
        self.append_rows(samples)

    def sample(self, row: int) -> Sample:
        return self.row_at(row)

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
