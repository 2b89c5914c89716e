"""The fleet heatmap: devices down, models across, one statistic as colour with its value
written in each cell. Green is the better end of the statistic (low latency, high tokens/s);
a cell a device did not measure stays empty."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QVBoxLayout, QWidget

from foundry_bench.core.analysis.fleet import METRIC_BY_KEY, Fleet, heat_matrix
from foundry_bench.core.reports.fleet import cell_text
from foundry_bench.core.reports.text import truncate

TICK_CHARS = 28
_WORSE_TO_BETTER = ("#d73027", "#fee08b", "#1a9850")


class FleetHeatmap(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget()
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.invertY(True)  # the first device on top, as in the table
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.labels: list[pg.TextItem] = []
        self.matrix = np.zeros((0, 0))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self.apply_theme()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self.apply_theme()

    def apply_theme(self) -> None:
        """The app's palette around the cells (the cells keep their own colours)."""
        text = self.palette().color(QPalette.ColorRole.Text)
        self.plot.setBackground(self.palette().color(QPalette.ColorRole.Base))
        for name in ("left", "bottom"):
            self.plot.getAxis(name).setTextPen(pg.mkPen(text))
        self.plot.getPlotItem().titleLabel.setAttr("color", text)

    def set_fleet(self, fleet: Fleet | None, key: str) -> None:
        for label in self.labels:
            self.plot.removeItem(label)
        self.labels = []
        if fleet is None or not fleet.devices or not fleet.models:
            self.matrix = np.zeros((0, 0))
            self.image.clear()
            self.plot.setTitle("")
            return
        metric = METRIC_BY_KEY[key]
        values = heat_matrix(fleet, key)
        self.matrix = np.array(
            [[np.nan if v is None else v for v in row] for row in values], dtype=float
        )
        colors = _WORSE_TO_BETTER if metric.higher_is_better else _WORSE_TO_BETTER[::-1]
        self.image.setColorMap(pg.ColorMap(np.array([0.0, 0.5, 1.0]), list(colors)))
        finite = self.matrix[np.isfinite(self.matrix)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        if high <= low:
            high = low + 1.0
        self.image.setImage(self.matrix, levels=(low, high))
        for row, device in enumerate(fleet.devices):
            for col, model in enumerate(fleet.models):
                text = cell_text(fleet.cell(device.name, model), key)
                label = pg.TextItem(text, color="#111", anchor=(0.5, 0.5))
                label.setPos(col + 0.5, row + 0.5)
                self.plot.addItem(label)
                self.labels.append(label)
        self.plot.getAxis("left").setTicks(
            [[(i + 0.5, truncate(d.name, TICK_CHARS)) for i, d in enumerate(fleet.devices)]]
        )
        self.plot.getAxis("bottom").setTicks(
            [[(j + 0.5, truncate(m, TICK_CHARS)) for j, m in enumerate(fleet.models)]]
        )
        self.plot.setTitle(metric.title, color=self.palette().color(QPalette.ColorRole.Text))
        self.plot.setRange(xRange=(0, len(fleet.models)), yRange=(0, len(fleet.devices)), padding=0)

    def texts(self) -> list[str]:
        """The values written in the cells, row by row (what a person reads)."""
        return [label.textItem.toPlainText() for label in self.labels]
