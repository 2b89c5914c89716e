"""A sweep chart on the Benchmark page: points per series joined by a line, the fitted line
dashed, coloured by model. Its items are made once per series slot and updated with
``setData``; the HTML report draws the same ``XYChart`` as SVG."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from foundry_bench.core.analysis.chart_data import ChartData
from foundry_bench.core.sweep.charts import XYChart
from foundry_bench.ui.charts.base import ChartPanel, legend_label, model_color, short_label

_SYMBOLS = ("o", "s", "t", "d")  # a marker per series of one model (its context depths)
#: Room around the data, as a fraction of its span: no point sits on the plot's edge.
_PAD = 0.06
_HOVER_PX = 12  # how close (in pixels) the cursor must be to a point to name it


class SweepChart(ChartPanel):
    def __init__(self, name: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(name, title, parent)
        # Export lives with the run's charts and in the HTML report, which draws these too.
        self.export_button.hide()
        self.legend = self.make_legend()
        self._lines: list[pg.PlotDataItem] = []
        self._fits: list[pg.PlotDataItem] = []
        self._labels: tuple[str, ...] = ()
        self.chart: XYChart | None = None

    def _slot(self, index: int) -> tuple[pg.PlotDataItem, pg.PlotDataItem]:
        while len(self._lines) <= index:
            fit = pg.PlotDataItem()
            line = pg.PlotDataItem(symbol="o", symbolSize=7)
            self.item.addItem(fit)
            self.item.addItem(line)
            self._fits.append(fit)
            self._lines.append(line)
        return self._lines[index], self._fits[index]

    def show_chart(self, chart: XYChart) -> None:
        self.chart = chart
        self.points = chart.n_points
        self.title.setText(chart.title)
        self.item.setLabel("bottom", chart.x_unit)
        self.item.setLabel("left", chart.y_unit)
        self.empty_label.setVisible(self.points == 0)
        self.plot.setVisible(self.points > 0)
        self.hover.hide()
        for index, series in enumerate(chart.series):
            line, fit = self._slot(index)
            pts = sorted(series.points)
            color = model_color(series.model_index)
            line.setData(
                [x for x, _ in pts],
                [y for _, y in pts],
                symbol=_SYMBOLS[series.variant % len(_SYMBOLS)],
                pen=pg.mkPen(color, width=2),
                symbolBrush=color,
                symbolPen=color,
            )
            if series.fit is not None and pts:
                a, b = series.fit
                x0, x1 = pts[0][0], pts[-1][0]
                dash = pg.mkPen(color, width=1.5, style=Qt.PenStyle.DashLine)
                fit.setData([x0, x1], [a + b * x0, a + b * x1], pen=dash)
            else:
                fit.setData([], [])
        for index in range(len(chart.series), len(self._lines)):
            self._lines[index].setData([], [])
            self._fits[index].setData([], [])
        labels = tuple(s.label for s in chart.series)
        if labels != self._labels:  # the legend changes only with the series
            self._labels = labels
            self.legend.clear()
            for index, label in enumerate(labels):
                self.legend.addItem(self._lines[index], legend_label(label))
        self.follow_data()

    def update_items(self, data: ChartData) -> None:
        # Sweep charts are fed by show_chart; the run's ChartData has nothing for them.
        self.points = 0

    def data_bounds(self) -> tuple[float, float, float, float] | None:
        if self.chart is None:
            return None
        xs = [x for s in self.chart.series for x, _ in s.points]
        ys = [y for s in self.chart.series for _, y in s.points]
        finite = [v for v in xs + ys if math.isfinite(v)]
        if not xs or len(finite) != len(xs) + len(ys):
            return None
        x0, x1, top = min(xs), max(xs), max(max(ys), 1e-9)
        pad = (x1 - x0) * _PAD or 0.5
        return x0 - pad, x1 + pad, 0.0, top * (1 + _PAD)

    def hover_text(self, x: float, y: float) -> str | None:
        if self.chart is None:
            return None
        (x0, x1), (y0, y1) = self.vb.viewRange()
        width, height = max(self.vb.width(), 1.0), max(self.vb.height(), 1.0)
        best: tuple[float, str] | None = None
        for series in self.chart.series:
            for px, py in series.points:
                dx = (px - x) / ((x1 - x0) or 1.0) * width
                dy = (py - y) / ((y1 - y0) or 1.0) * height
                distance = math.hypot(dx, dy)
                if distance <= _HOVER_PX and (best is None or distance < best[0]):
                    text = (
                        f"{short_label(series.label, 30)}\n{px:g} {self.chart.x_unit}\n"
                        f"{py:.1f} {self.chart.y_unit}"
                    )
                    best = (distance, text)
        return best[1] if best else None
