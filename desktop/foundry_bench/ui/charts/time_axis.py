"""The unit of a chart's time axis, chosen from the values it shows (µs, ms or s).

The chart data hold milliseconds; a chart scales them to the unit its values suit, as every
table does (``core.units.time_scale``): a 40 µs TPOT is drawn in µs, a 12 s answer in s.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pyqtgraph as pg

from foundry_bench.core.units import Scale, arrays_time_scale


class TimeAxis:
    """One axis of a plot (``"left"`` or ``"bottom"``) labelled ``name (unit)``."""

    def __init__(self, item: pg.PlotItem, side: str, name: str) -> None:
        self._item, self._side, self._name = item, side, name
        self.scale = Scale("ms", 1e3)
        item.setLabel(side, self.scale.label(name))

    def follow(self, values_ms: Iterable[np.ndarray]) -> float:
        """Take the unit these values suit; the factor from milliseconds to it."""
        scale = arrays_time_scale(np.asarray(a, dtype=np.float64) / 1000 for a in values_ms)
        if scale.unit != self.scale.unit:
            self._item.setLabel(self._side, scale.label(self._name))
        self.scale = scale
        return scale.factor / 1000

    def text(self, value: float) -> str:
        """A value on this axis (already in its unit), with the unit: ``21.4 ms``."""
        digits = ".0f" if abs(value) >= 100 else ".3g"
        return f"{value:{digits}} {self.scale.unit}"
