"""The run settings of a benchmark: rounds, warm-up, max tokens, temperature/seed, streaming,
timeout, request deadline and concurrent requests."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QSpinBox,
    QWidget,
)

from foundry_bench.core.results.run_settings import MAX_CONCURRENCY, MAX_TIMEOUT_S, RunSettings


def _spin(low: int, high: int) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    return spin


class RunSettingsForm(QWidget):
    """Signals:
    changed(): any setting was edited.
    """

    changed = Signal()

    def __init__(self, defaults: RunSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._base = defaults
        self.rounds = _spin(1, 10_000)
        self.rounds.setToolTip("timed rounds: every prompt is sent this many times per model")
        self.warmup = _spin(0, 100)
        self.warmup.setToolTip("rounds sent first and kept apart: never in the statistics")
        self.max_tokens = _spin(1, 32_768)
        self.temperature = QDoubleSpinBox()
        self.temperature.setRange(0.0, 2.0)
        self.temperature.setSingleStep(0.1)
        self.temperature.setDecimals(2)
        self.temperature.setToolTip("0 = deterministic answers (greedy), sent with the seed")
        self.seed_box = QCheckBox("Fixed seed")
        self.seed = _spin(0, 2**31 - 1)
        self.seed_box.toggled.connect(self.seed.setEnabled)
        self.stream = QCheckBox("Stream (needed for TTFT and TPOT)")
        self.timeout = QDoubleSpinBox()
        self.timeout.setRange(1.0, 3600.0)
        self.timeout.setDecimals(0)
        self.timeout.setSuffix(" s")
        self.timeout.setToolTip("a request that receives no byte for this long ends as 'timeout'")
        self.deadline = QDoubleSpinBox()
        self.deadline.setRange(1.0, MAX_TIMEOUT_S)
        self.deadline.setDecimals(0)
        self.deadline.setSuffix(" s")
        self.deadline.setToolTip(
            "a request that takes longer than this in all ends as 'timeout',"
            " even while bytes keep coming"
        )
        self.concurrency = _spin(1, MAX_CONCURRENCY)
        self.concurrency.setToolTip(
            "timed requests in flight at once, each timed on its own; warm-ups go one at a time"
        )
        seed_row = QHBoxLayout()
        seed_row.setContentsMargins(0, 0, 0, 0)
        seed_row.addWidget(self.seed_box)
        seed_row.addWidget(self.seed, 1)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Rounds", self.rounds)
        form.addRow("Warm-up rounds", self.warmup)
        form.addRow("Max tokens", self.max_tokens)
        form.addRow("Temperature", self.temperature)
        form.addRow("Timeout", self.timeout)
        form.addRow("Deadline", self.deadline)
        form.addRow("Concurrent requests", self.concurrency)
        # Full-width rows: in the field column they would set the panel's minimum width.
        form.addRow(seed_row)
        form.addRow(self.stream)
        self.set_settings(defaults)
        for spin in (self.rounds, self.warmup, self.max_tokens, self.seed, self.concurrency):
            spin.valueChanged.connect(self.changed)
        for dspin in (self.temperature, self.timeout, self.deadline):
            dspin.valueChanged.connect(self.changed)
        for box in (self.seed_box, self.stream):
            box.toggled.connect(self.changed)

    def set_settings(self, s: RunSettings) -> None:
        self._base = s
        self.blockSignals(True)
        self.rounds.setValue(s.rounds)
        self.warmup.setValue(s.warmup_rounds)
        self.max_tokens.setValue(s.max_tokens)
        self.temperature.setValue(s.temperature)
        self.seed_box.setChecked(s.seed is not None)
        self.seed.setValue(s.seed if s.seed is not None else 42)
        self.seed.setEnabled(s.seed is not None)
        self.stream.setChecked(s.stream)
        self.timeout.setValue(s.timeout_s)
        self.deadline.setValue(s.deadline_s)
        self.concurrency.setValue(s.concurrency)
        self.blockSignals(False)
        self.changed.emit()

    def settings(self) -> RunSettings:
        return replace(
            self._base,
            rounds=self.rounds.value(),
            warmup_rounds=self.warmup.value(),
            max_tokens=self.max_tokens.value(),
            temperature=round(self.temperature.value(), 2),
            seed=self.seed.value() if self.seed_box.isChecked() else None,
            stream=self.stream.isChecked(),
            timeout_s=float(self.timeout.value()),
            deadline_s=float(self.deadline.value()),
            concurrency=self.concurrency.value(),
        )
