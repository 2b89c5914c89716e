"""The recommendation constraints as a form (p95 latency, memory, quality), one for the
Export and the Fleet tabs, so both read ``Constraints`` the same way as ``--max-p95-ms``,
``--max-memory-mb`` and ``--min-quality``."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDoubleSpinBox, QFormLayout, QWidget

from foundry_bench.core.analysis.recommend import Constraints


def _spin(
    maximum: float, step: float, decimals: int, suffix: str, none_text: str
) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setRange(0.0, maximum)
    spin.setSingleStep(step)
    spin.setDecimals(decimals)
    spin.setSuffix(suffix)
    spin.setSpecialValueText(none_text)  # shown at the minimum (0): the constraint is off
    spin.setKeyboardTracking(False)
    spin.setMaximumWidth(220)
    return spin


class ConstraintsForm(QWidget):
    """Signals:
    changed(): a constraint was edited.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.max_p95 = _spin(10_000_000, 50, 0, " ms", "no limit")
        self.max_memory = _spin(10_000_000, 100, 0, " MB", "no limit")
        self.min_quality = _spin(5, 0.1, 1, "", "any")
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("p95 latency at most", self.max_p95)
        form.addRow("Memory growth at most", self.max_memory)
        form.addRow("Quality (1-5) at least", self.min_quality)
        for spin in (self.max_p95, self.max_memory, self.min_quality):
            spin.valueChanged.connect(lambda _v: self.changed.emit())

    def constraints(self) -> Constraints:
        def value(spin: QDoubleSpinBox) -> float | None:
            return spin.value() if spin.value() > spin.minimum() else None

        return Constraints(value(self.max_p95), value(self.max_memory), value(self.min_quality))
