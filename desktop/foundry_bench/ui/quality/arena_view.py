"""The Quality page's arena ranking: a table of Bradley-Terry ratings with their 95%
intervals, and a chart of the same (a dot per model, its interval as a bar), best on top.

The ratings are computed in the stats worker (``ui.quality.stats``, from
``core.quality.arena``); this only shows them. The chart's items are made once and updated
with ``setData``; the model labels are the y-axis ticks (plain text).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from foundry_bench.core.reports.extras import ARENA_NOTE
from foundry_bench.core.reports.text import truncate
from foundry_bench.ui.base.plain_text import plain_label
from foundry_bench.ui.charts.quality import palette_plot, still_plot
from foundry_bench.ui.quality.table_models import Col, RowsModel, fmt
from foundry_bench.ui.quality.widgets import heading, muted

ARENA_COLUMNS = [
    Col("Model", lambda r: r["label"], tip=lambda r: r["model_tip"]),
    Col("Rating", lambda r: fmt(r["rating"], 0), sort=lambda r: r["rating"], numeric=True),
    Col(
        "95% CI",
        lambda r: f"{r['ci_low']:.0f}–{r['ci_high']:.0f}",
        sort=lambda r: r["ci_low"],
        numeric=True,
    ),
    Col("Wins", lambda r: str(r["wins"]), sort=lambda r: r["wins"], numeric=True),
    Col("Losses", lambda r: str(r["losses"]), sort=lambda r: r["losses"], numeric=True),
    Col("Ties", lambda r: str(r["ties"]), sort=lambda r: r["ties"], numeric=True),
]


class ArenaChart(QWidget):
    """Ratings as dots with horizontal 95% interval bars, one row per model."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = still_plot("rating (Elo scale, mean 1000)", min_height=140)
        empty = np.zeros(0)
        self.bars = pg.ErrorBarItem(x=empty, y=empty, left=empty, right=empty, beam=0.2)
        self.dots = pg.ScatterPlotItem(size=11, brush=pg.mkBrush("#1971c2"), pen=pg.mkPen(None))
        self.plot.addItem(self.bars)
        self.plot.addItem(self.dots)
        self.rows: list[dict[str, Any]] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        palette_plot(self.plot)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            palette_plot(self.plot)

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.setVisible(bool(rows))  # an empty rating axis only raises questions
        y = np.arange(len(rows), dtype=float)[::-1]  # the best on top
        x = np.array([r["rating"] for r in rows], dtype=float)
        low = np.array([r["ci_low"] for r in rows], dtype=float)
        high = np.array([r["ci_high"] for r in rows], dtype=float)
        self.dots.setData(x=x, y=y)
        self.bars.setData(x=x, y=y, left=x - low, right=high - x)
        ticks = [(float(yi), truncate(r["label"], 22)) for yi, r in zip(y, rows, strict=True)]
        self.plot.getPlotItem().getAxis("left").setTicks([ticks])
        if rows:
            self.plot.setYRange(-0.7, len(rows) - 0.3, padding=0)
            self.plot.setXRange(float(low.min()) - 20, float(high.max()) + 20, padding=0)


class ArenaPanel(QWidget):
    """The heading, the explanation, the table and the chart."""

    def __init__(self, table: QWidget, model: RowsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.chart = ArenaChart()
        self.note = muted(plain_label(ARENA_NOTE))
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(heading("Arena ranking (side-by-side votes)"))
        layout.addWidget(self.note)
        layout.addWidget(table, 1)
        layout.addWidget(self.chart, 1)

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.model.set_rows(rows)
        self.chart.set_rows(rows)
        self.note.setText(
            ARENA_NOTE if rows else "No side-by-side votes yet: prefer answers in Side by side."
        )
