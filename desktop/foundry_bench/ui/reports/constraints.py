"""The recommendation constraints as a form (p95 latency, memory, quality, automatic checks),
one for the Export and the Fleet tabs, so both read ``Constraints`` the same way as
``--max-p95-ms``, ``--max-memory-mb``, ``--min-quality`` and ``--min-checks-pass``."""

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
        self.min_checks = _spin(100, 5, 0, " %", "any")
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("p95 latency at most", self.max_p95)
        form.addRow("Memory growth at most", self.max_memory)
        form.addRow("Quality (1-5) at least", self.min_quality)
        form.addRow("Checks passed at least", self.min_checks)
        for spin in (self.max_p95, self.max_memory, self.min_quality, self.min_checks):
            spin.valueChanged.connect(lambda _v: self.changed.emit())

    def constraints(self) -> Constraints:
        def value(spin: QDoubleSpinBox) -> float | None:
            return spin.value() if spin.value() > spin.minimum() else None

        checks = value(self.min_checks)
        return Constraints(
            value(self.max_p95),
            value(self.max_memory),
            value(self.min_quality),
            None if checks is None else checks / 100,
        )
