"""Every request of the run over time: outliers, cold starts and slow-downs at a glance."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from foundry_bench.core.analysis.chart_data import ChartData, Timeline
from foundry_bench.ui.charts.base import (
    FAILED_COLOR,
    LEGEND_ROOM,
    ChartPanel,
    legend_label,
    model_color,
    short_label,
)
from foundry_bench.ui.charts.time_axis import TimeAxis

_EMPTY = np.zeros(0, dtype=np.float64)
HOVER_PIXELS = 8


class TimelineChart(ChartPanel):
    """Latency of each request against when it started; warm-ups hollow, failures as red x."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("timeline", "Timeline of every request", parent)
        self.item.setLabel("bottom", "seconds since the run started")
        self.axis = TimeAxis(self.item, "left", "latency")
        self.item.showGrid(x=True, y=True, alpha=0.2)
        self.legend = self.make_legend(columns=3)
        self.ok: list[pg.ScatterPlotItem] = []
        self.warmup: list[pg.ScatterPlotItem] = []
        self.failed = pg.ScatterPlotItem(
            symbol="x", size=9, pen=pg.mkPen(FAILED_COLOR, width=2), brush=pg.mkBrush(FAILED_COLOR)
        )
        self.item.addItem(self.failed)
        self.models: tuple[str, ...] = ()
        self.timelines: tuple[Timeline, ...] = ()
        self._legend_models: tuple[str, ...] = ()
        self.theme_changed()

    def _items_for(self, n: int) -> None:
        while len(self.ok) < n:
            i = len(self.ok)
            ok = pg.ScatterPlotItem(
                size=6, pen=pg.mkPen(None), brush=pg.mkBrush(model_color(i, 200))
            )
            warm = pg.ScatterPlotItem(
                size=7, pen=pg.mkPen(model_color(i), width=1.5), brush=pg.mkBrush(None)
            )
            self.item.addItem(warm)
            self.item.addItem(ok)
            self.ok.append(ok)
            self.warmup.append(warm)
        for item in self.ok[n:] + self.warmup[n:]:
            item.setData(x=_EMPTY, y=_EMPTY)

    def update_items(self, data: ChartData) -> None:
        self.models = data.models
        factor = self.axis.follow(s.y for t in data.timeline for s in (t.ok, t.warmup, t.failed))
        self.timelines = tuple(_scaled(t, factor) for t in data.timeline)
        self._items_for(len(self.models))
        for ok, warm, t in zip(self.ok, self.warmup, self.timelines, strict=False):
            ok.setData(x=t.ok.x, y=t.ok.y)
            warm.setData(x=t.warmup.x, y=t.warmup.y)
        fx = [t.failed.x for t in self.timelines]
        fy = [t.failed.y for t in self.timelines]
        self.failed.setData(
            x=np.concatenate(fx) if fx else _EMPTY, y=np.concatenate(fy) if fy else _EMPTY
        )
        if self.models != self._legend_models:
            self.legend.clear()
            for item, model in zip(self.ok, self.models, strict=False):
                self.legend.addItem(item, legend_label(model))  # a dot in its colour
            if self.warmup:
                self.legend.addItem(self.warmup[0], "warm-up (hollow)")
            self.legend.addItem(self.failed, "failed")
            self._legend_models = self.models

    def data_bounds(self) -> tuple[float, float, float, float] | None:
        series = [s for t in self.timelines for s in (t.ok, t.warmup, t.failed) if len(s)]
        if not series:
            return None
        lo = min(0.0, min(float(s.y.min()) for s in series))
        hi = max(float(s.y.max()) for s in series)
        return 0.0, max(float(s.x.max()) for s in series), lo, hi + (hi - lo) * LEGEND_ROOM

    def hover_text(self, x: float, y: float) -> str | None:
        px, py = self.vb.viewPixelSize()
        best: tuple[float, str] | None = None
        for i, t in enumerate(self.timelines):
            for kind, series in (("", t.ok), (" warm-up", t.warmup), (" failed", t.failed)):
                if not len(series):
                    continue
                d = np.hypot((series.x - x) / (px or 1.0), (series.y - y) / (py or 1.0))
                k = int(np.argmin(d))
                if d[k] <= HOVER_PIXELS and (best is None or d[k] < best[0]):
                    label = (
                        f"{short_label(self.models[i], 30)}{kind}\n"
                        f"at {series.x[k]:.2f} s · {self.axis.text(float(series.y[k]))}"
                    )
                    best = (float(d[k]), label)
        return best[1] if best else None


def _scaled(t: Timeline, factor: float) -> Timeline:
    """``t`` with its latencies in the axis unit (they come in milliseconds)."""
    return replace(
        t,
        ok=replace(t.ok, y=t.ok.y * factor),
        warmup=replace(t.warmup, y=t.warmup.y * factor),
        failed=replace(t.failed, y=t.failed.y * factor),
    )
