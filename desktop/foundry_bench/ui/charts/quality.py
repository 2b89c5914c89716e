"""Quality against speed: p95 latency (x) and mean score (y) per model, Pareto front marked.

The plot items are made once and updated with ``setData`` (pyqtgraph's way); only the text
labels are recreated, one per model, which is a handful.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from foundry_bench.core.units import Scale, time_scale

FRONT_COLOR = "#2f9e44"
OTHER_COLOR = "#868e96"


def still_plot(bottom: str, left: str | None = None, *, min_height: int = 200) -> pg.PlotWidget:
    """A plot that does not pan or zoom (a ranking, not data to explore), grid on, no menu."""
    plot = pg.PlotWidget()
    plot.setMinimumHeight(min_height)
    item = plot.getPlotItem()
    item.setLabel("bottom", bottom)
    if left is not None:
        item.setLabel("left", left)
    item.showGrid(x=True, y=left is not None, alpha=0.25)
    item.setMenuEnabled(False)
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()
    return plot


def palette_plot(plot: pg.PlotWidget) -> QColor:
    """Colour a still plot from the application palette (light or dark); its text colour."""
    palette = QApplication.palette()
    plot.setBackground(palette.color(QPalette.ColorRole.Base))
    text = palette.color(QPalette.ColorRole.Text)
    for axis in ("left", "bottom"):
        ax = plot.getPlotItem().getAxis(axis)
        ax.setPen(pg.mkPen(palette.color(QPalette.ColorRole.PlaceholderText)))
        ax.setTextPen(pg.mkPen(text))
        ax.enableAutoSIPrefix(False)  # "(x0.001)" on a seconds or Elo axis reads as a bug
    return text


class QualityScatter(QWidget):
    """The scatter; ``points`` are dicts ``{"label", "x", "y", "lo", "hi", "front"}``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = still_plot("", "mean score (1–5), higher is better")
        self._set_x_label(time_scale([]))
        dash = pg.mkPen(FRONT_COLOR, width=2, style=Qt.PenStyle.DashLine)
        self.front_line = pg.PlotDataItem(pen=dash)
        self.error_bars = pg.ErrorBarItem(
            x=np.zeros(0), y=np.zeros(0), top=np.zeros(0), bottom=np.zeros(0), beam=0.0
        )
        self.points = pg.ScatterPlotItem(size=13)
        for plot_item in (self.front_line, self.error_bars, self.points):
            self.plot.addItem(plot_item)
        self.labels: list[Any] = []
        self.data: list[dict[str, Any]] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self.apply_palette()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.apply_palette()

    def apply_palette(self) -> None:
        text = palette_plot(self.plot)
        muted = QApplication.palette().color(QPalette.ColorRole.PlaceholderText)
        self.error_bars.setOpts(pen=pg.mkPen(muted))
        for label in self.labels:
            label.setColor(text)

    def _set_x_label(self, scale: Scale) -> None:
        self.plot.getPlotItem().setLabel("bottom", scale.label("p95 latency") + ", lower is better")

    def set_points(self, points: list[dict[str, Any]]) -> None:
        self.data = points
        for label in self.labels:
            self.plot.removeItem(label)
        self.labels = []
        empty = np.zeros(0)
        if not points:
            self.points.setData(x=empty, y=empty)
            self.front_line.setData(empty, empty)
            self.error_bars.setData(x=empty, y=empty, top=empty, bottom=empty)
            return
        # The x values are seconds; the axis takes the unit of the tables beside it.
        scale = time_scale(p["x"] for p in points)
        self._set_x_label(scale)
        x = np.array([p["x"] for p in points], dtype=float) * scale.factor
        y = np.array([p["y"] for p in points], dtype=float)
        lo = np.array([p["lo"] for p in points], dtype=float)
        hi = np.array([p["hi"] for p in points], dtype=float)
        self.points.setData(
            x=x,
            y=y,
            brush=[pg.mkBrush(FRONT_COLOR if p["front"] else OTHER_COLOR) for p in points],
            symbol=["star" if p["front"] else "o" for p in points],
            pen=pg.mkPen(None),
        )
        self.error_bars.setData(x=x, y=y, top=hi - y, bottom=y - lo)
        front = sorted((xi, p["y"]) for xi, p in zip(x, points, strict=True) if p["front"])
        fx = np.array([f[0] for f in front]) if len(front) > 1 else empty
        fy = np.array([f[1] for f in front]) if len(front) > 1 else empty
        self.front_line.setData(fx, fy)
        text = QApplication.palette().color(QPalette.ColorRole.Text)
        for xi, p in zip(x, points, strict=True):
            label = pg.TextItem(p["label"], color=text, anchor=(-0.1, 1.0))
            label.setPos(float(xi), p["y"])
            self.plot.addItem(label)
            self.labels.append(label)
        span = float(x.max() - x.min())
        pad = max(span * 0.15, float(x.max()) * 0.1, 0.01 * scale.factor)
        # Room on the right for the labels, which hang right of their points.
        self.plot.setXRange(max(0.0, float(x.min()) - pad), float(x.max()) + 3 * pad, padding=0)
        self.plot.setYRange(0.8, 5.3, padding=0)
