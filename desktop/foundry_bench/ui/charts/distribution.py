"""Distribution charts: latency histogram, box plots (latency, TTFT, TPOT) and latency ECDF."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtGui import QPainterPath, QPolygonF
from PySide6.QtWidgets import QGraphicsPathItem, QWidget

from foundry_bench.core.analysis.chart_data import WHISKER_RULE, BoxStats, ChartData, Series
from foundry_bench.ui.charts.base import (
    LEGEND_ROOM,
    ChartPanel,
    legend_label,
    model_color,
    set_bars,
    short_label,
)
from foundry_bench.ui.charts.time_axis import TimeAxis

_EMPTY = np.zeros(0, dtype=np.float64)
BOX_WIDTH = 0.22
#: Half the width of the widest point of a violin, in category units (neighbours never touch).
VIOLIN_HALF = 0.42


class _PerModelLines(ChartPanel):
    """A chart with one line item per model, kept in a pool and relabelled in the legend."""

    def __init__(self, name: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(name, title, parent)
        self.lines: list[pg.PlotDataItem] = []
        self.legend = self.make_legend(columns=2)
        self._legend_models: tuple[str, ...] = ()
        self.models: tuple[str, ...] = ()

    def make_line(self, index: int) -> pg.PlotDataItem:  # pragma: no cover - abstract
        raise NotImplementedError

    def lines_for(self, models: tuple[str, ...]) -> list[pg.PlotDataItem]:
        while len(self.lines) < len(models):
            line = self.make_line(len(self.lines))
            self.item.addItem(line)
            self.lines.append(line)
        for line in self.lines[len(models) :]:
            line.setData(_EMPTY, _EMPTY)
        if models != self._legend_models:
            self.legend.clear()
            for i, model in enumerate(models):
                self.legend.addItem(self.legend_line(i), legend_label(model))
            self._legend_models = models
            # One model needs no key on the plot (the strip above the charts names it).
            self.legend.setVisible(len(models) > 1)
        self.models = models
        return self.lines[: len(models)]


class HistogramChart(_PerModelLines):
    """Latency distribution per model: step histograms on shared bins, overlaid."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("latency_histogram", "Latency distribution", parent)
        self.axis = TimeAxis(self.item, "bottom", "latency")
        self.item.setLabel("left", "requests")
        self.edges = _EMPTY
        self.counts: tuple[np.ndarray, ...] = ()

    def make_line(self, index: int) -> pg.PlotDataItem:
        return pg.PlotDataItem(
            stepMode="center",
            fillLevel=0,
            fillBrush=pg.mkBrush(model_color(index, 60)),
            pen=pg.mkPen(model_color(index), width=2),
        )

    def update_items(self, data: ChartData) -> None:
        self.edges = data.hist_edges * self.axis.follow([data.hist_edges])
        self.counts = data.hist_counts
        for line, counts in zip(self.lines_for(data.models), data.hist_counts, strict=True):
            if counts.size and self.edges.size == counts.size + 1:
                line.setData(self.edges, counts.astype(np.float64))
            else:
                line.setData(_EMPTY, _EMPTY)

    def data_bounds(self) -> tuple[float, float, float, float] | None:
        if self.edges.size < 2:
            return None
        top = max((int(c.max()) for c in self.counts if c.size), default=1)
        return float(self.edges[0]), float(self.edges[-1]), 0.0, max(top, 1) * (1 + LEGEND_ROOM)

    def hover_text(self, x: float, y: float) -> str | None:
        if self.edges.size < 2 or not self.edges[0] <= x <= self.edges[-1]:
            return None
        i = min(int(np.searchsorted(self.edges, x, side="right")) - 1, self.edges.size - 2)
        lines = [f"{self.axis.text(self.edges[i])} – {self.axis.text(self.edges[i + 1])}"]
        for model, counts in zip(self.models, self.counts, strict=True):
            if counts.size > i:
                lines.append(f"{short_label(model, 30)}: {int(counts[i])}")
        return "\n".join(lines)


def _scaled(b: BoxStats, f: float) -> BoxStats:
    """``b`` with every value multiplied by ``f`` (milliseconds to the axis unit)."""
    return replace(
        b,
        **{k: getattr(b, k) * f for k in _BOX_VALUES},
        outlier_values=tuple(v * f for v in b.outlier_values),
        violin_y=tuple(v * f for v in b.violin_y),
    )


_BOX_VALUES = ("q1", "p50", "q3", "whisker_lo", "whisker_hi", "p95", "minimum", "maximum")


def violin_path(x: float, b: BoxStats) -> QPainterPath:
    """The outline of ``b``'s violin centred on ``x``, in data coordinates."""
    path = QPainterPath()
    if not b.violin_y:
        return path
    right = [QPointF(x + VIOLIN_HALF * w, y) for y, w in zip(b.violin_y, b.violin_w, strict=True)]
    left = [QPointF(x - p.x() + x, p.y()) for p in reversed(right)]
    path.addPolygon(QPolygonF([*right, *left]))
    path.closeSubpath()
    return path


class BoxChart(ChartPanel):
    """Per model: a violin (the density between the whiskers), a box (quartiles) with Tukey
    whiskers, the p50 line, a p95 marker and dots for the values beyond the whiskers. The
    title says the rule, so nobody has to guess what the whiskers are."""

    def __init__(
        self, name: str, title: str, metric: str, unit_label: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(name, f"{title} · whiskers: 1.5 IQR", parent)
        self.title.setToolTip(WHISKER_RULE + "; violin: how the values spread between them")
        self.metric_key = metric
        self.axis = TimeAxis(self.item, "left", unit_label.rsplit(" (", 1)[0])
        self.item.setMouseEnabled(x=False, y=True)
        self.exact_x = True
        self.boxes = pg.BarGraphItem(x=_EMPTY, y0=_EMPTY, height=_EMPTY, width=BOX_WIDTH)
        self.whiskers = pg.PlotDataItem(connect="pairs")
        self.medians = pg.PlotDataItem(connect="pairs", name="p50")
        self.p95 = pg.ScatterPlotItem(symbol="d", size=9, name="p95")
        self.outliers = pg.ScatterPlotItem(symbol="o", size=5, name="beyond the whiskers")
        self.violins: list[QGraphicsPathItem] = []
        for item in (self.boxes, self.whiskers, self.medians, self.p95, self.outliers):
            self.item.addItem(item)
        self.legend = self.make_legend()
        self.legend.addItem(self.medians, "p50")
        self.legend.addItem(self.p95, "p95")
        self.legend.addItem(self.outliers, "beyond 1.5 IQR")
        self.models: tuple[str, ...] = ()
        self.stats: tuple[BoxStats | None, ...] = ()
        self.theme_changed()

    def update_items(self, data: ChartData) -> None:
        raw = data.boxes[self.metric_key]  # milliseconds
        # The axis takes the unit the values suit (a 40 µs TPOT is not "0.04 ms").
        factor = self.axis.follow([np.array([b.p50 for b in raw if b is not None])])
        self.models = data.models
        self.stats = tuple(None if b is None else _scaled(b, factor) for b in raw)
        rows = [(i, b) for i, b in enumerate(self.stats) if b is not None]
        x = np.array([i for i, _ in rows], dtype=np.float64)
        boxes = [b for _, b in rows]
        q1 = np.array([b.q1 for b in boxes], dtype=np.float64)
        q3 = np.array([b.q3 for b in boxes], dtype=np.float64)
        set_bars(
            self.boxes,
            x=x,
            y0=q1,
            height=np.maximum(q3 - q1, 0.0),
            width=BOX_WIDTH,
            brushes=[pg.mkBrush(model_color(i, 150)) for i, _ in rows],
            pens=[pg.mkPen(model_color(i), width=1.5) for i, _ in rows],
        )
        half = BOX_WIDTH / 2
        wx, wy, mx, my = [], [], [], []
        for xi, b in zip(x, boxes, strict=True):
            wx += [xi, xi, xi, xi, xi - half / 2, xi + half / 2, xi - half / 2, xi + half / 2]
            wy += [b.whisker_lo, b.q1, b.q3, b.whisker_hi] + [b.whisker_lo] * 2
            wy += [b.whisker_hi] * 2
            mx += [xi - half, xi + half]
            my += [b.p50, b.p50]
        self.whiskers.setData(np.array(wx, dtype=float), np.array(wy, dtype=float))
        self.medians.setData(np.array(mx, dtype=float), np.array(my, dtype=float))
        self.p95.setData(x=x, y=np.array([b.p95 for b in boxes], dtype=np.float64))
        ox = [xi for xi, b in zip(x, boxes, strict=True) for _ in b.outlier_values]
        oy = [v for b in boxes for v in b.outlier_values]
        brushes = [pg.mkBrush(model_color(i, 110)) for i, b in rows for _ in b.outlier_values]
        self.outliers.setData(x=np.array(ox, dtype=float), y=np.array(oy, dtype=float))
        if brushes:
            self.outliers.setBrush(brushes)
        self._draw_violins(rows)
        self.set_category_ticks(self.models, max(16, 64 // max(len(self.models), 1)))

    def _draw_violins(self, rows: list[tuple[int, BoxStats]]) -> None:
        while len(self.violins) < len(rows):
            violin = QGraphicsPathItem()
            violin.setZValue(-1)  # behind the box
            self.item.addItem(violin)
            self.violins.append(violin)
        for k, violin in enumerate(self.violins):
            if k >= len(rows):
                violin.setPath(QPainterPath())
                continue
            i, b = rows[k]
            pen = pg.mkPen(model_color(i), width=1)
            pen.setCosmetic(True)
            violin.setPen(pen)
            violin.setBrush(pg.mkBrush(model_color(i, 45)))
            violin.setPath(violin_path(float(i), b))

    def data_bounds(self) -> tuple[float, float, float, float] | None:
        boxes = [b for b in self.stats if b is not None]
        if not boxes:
            return None
        # The axis reaches the outliers too: a 25 ms maximum is never cut off at 17 ms.
        lo = min(b.minimum for b in boxes)
        hi = max(b.maximum for b in boxes)
        return -0.6, max(len(self.models), 1) - 0.4, lo, hi + (hi - lo) * LEGEND_ROOM

    def hover_text(self, x: float, y: float) -> str | None:
        i = round(x)
        if not 0 <= i < len(self.stats) or abs(x - i) > VIOLIN_HALF:
            return None
        b = self.stats[i]
        if b is None:
            return f"{short_label(self.models[i], 30)}: no data"

        v = self.axis.text
        return (
            f"{short_label(self.models[i], 30)} (n={b.n})\n"
            f"p50 {v(b.p50)} · p95 {v(b.p95)}\n"
            f"quartiles {v(b.q1)} – {v(b.q3)}\n"
            f"min {v(b.minimum)} · max {v(b.maximum)}"
            + (f"\n{b.outliers} beyond the whiskers" if b.outliers else "")
        )

    def theme_changed(self) -> None:
        if not hasattr(self, "medians"):
            return
        text = self.text_color()
        self.whiskers.setPen(pg.mkPen(text, width=1))
        self.medians.setPen(pg.mkPen(text, width=3))
        self.p95.setBrush(pg.mkBrush(text))
        self.p95.setPen(pg.mkPen(self.palette().color(self.backgroundRole())))


class EcdfChart(_PerModelLines):
    """The share of requests at or under each latency, per model (read p50/p95 off it)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("latency_ecdf", "Latency ECDF", parent)
        self.axis = TimeAxis(self.item, "bottom", "latency")
        self.item.setLabel("left", "share of requests ≤ latency")
        self.exact_y = True
        self.legend.anchor(itemPos=(1, 1), parentPos=(1, 1), offset=(-8, -8))
        self.series: tuple[Series, ...] = ()

    def make_line(self, index: int) -> pg.PlotDataItem:
        return pg.PlotDataItem(pen=pg.mkPen(model_color(index), width=2))

    def update_items(self, data: ChartData) -> None:
        factor = self.axis.follow(s.x for s in data.ecdf)
        self.series = tuple(replace(s, x=s.x * factor) for s in data.ecdf)
        for line, series in zip(self.lines_for(data.models), self.series, strict=True):
            line.setData(series.x, series.y)

    def data_bounds(self) -> tuple[float, float, float, float] | None:
        filled = [s for s in self.series if len(s)]
        if not filled:
            return None
        lo = min(float(s.x[0]) for s in filled)
        hi = max(float(s.x[-1]) for s in filled)
        return lo, hi, 0.0, 1.02

    def hover_text(self, x: float, y: float) -> str | None:
        lines = [f"≤ {self.axis.text(x)}"]
        for model, s in zip(self.models, self.series, strict=True):
            if len(s):
                k = int(np.searchsorted(s.x, x, side="right"))
                share = float(s.y[k - 1]) if k else 0.0
                lines.append(f"{short_label(model, 30)}: {share:.0%}")
        return "\n".join(lines) if len(lines) > 1 else None
