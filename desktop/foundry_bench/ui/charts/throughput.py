"""Bar charts: median output tokens/s with 95% CI error bars, and latency per prompt."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from foundry_bench.core.analysis.chart_data import ChartData, Estimate, ci_error_bars
from foundry_bench.ui.charts.base import ChartPanel, model_color, set_bars, short_label
from foundry_bench.ui.charts.time_axis import TimeAxis

_EMPTY = np.zeros(0, dtype=np.float64)
BAR_WIDTH = 0.6
GROUP_WIDTH = 0.8


class ThroughputChart(ChartPanel):
    """One bar per model: the median output tokens/s, with its bootstrap 95% CI."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("throughput", "Output tokens/s (median, 95% CI)", parent)
        self.item.setLabel("left", "tokens/s")
        self.item.setMouseEnabled(x=False, y=True)
        self.exact_x = True
        self.bars = pg.BarGraphItem(x=_EMPTY, height=_EMPTY, width=BAR_WIDTH)
        self.errors = pg.ErrorBarItem(x=_EMPTY, y=_EMPTY, top=_EMPTY, bottom=_EMPTY, beam=0.2)
        self.item.addItem(self.bars)
        self.item.addItem(self.errors)
        self.models: tuple[str, ...] = ()
        self.estimates: tuple[Estimate | None, ...] = ()
        self.theme_changed()

    def update_items(self, data: ChartData) -> None:
        self.models, self.estimates = data.models, data.throughput
        x, y, below, above = ci_error_bars(self.estimates)
        colors = [int(i) for i in x]
        set_bars(
            self.bars,
            x=x,
            height=y,
            width=BAR_WIDTH,
            brushes=[pg.mkBrush(model_color(i, 190)) for i in colors],
            pens=[pg.mkPen(model_color(i), width=1.5) for i in colors],
        )
        self.errors.setData(x=x, y=y, top=above, bottom=below, beam=0.2)
        self.set_category_ticks(self.models, max(16, 64 // max(len(self.models), 1)))

    def data_bounds(self) -> tuple[float, float, float, float] | None:
        highs = [e.hi for e in self.estimates if e is not None]
        if not highs:
            return None
        return -0.6, max(len(self.models), 1) - 0.4, 0.0, max(max(highs), 1e-9)

    def hover_text(self, x: float, y: float) -> str | None:
        i = round(x)
        if not 0 <= i < len(self.estimates) or abs(x - i) > BAR_WIDTH / 2:
            return None
        e = self.estimates[i]
        if e is None:
            return f"{short_label(self.models[i], 30)}: no data"
        return (
            f"{short_label(self.models[i], 30)} (n={e.n})\n"
            f"median {e.value:.1f} tokens/s\n95% CI {e.lo:.1f} – {e.hi:.1f}"
        )

    def theme_changed(self) -> None:
        if hasattr(self, "errors"):
            self.errors.setData(pen=pg.mkPen(self.text_color(), width=1.5))


class PerPromptChart(ChartPanel):
    """Median latency of every model on every prompt, bars grouped by prompt."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("per_prompt", "Median latency per prompt", parent)
        self.axis = TimeAxis(self.item, "left", "latency p50")
        self.item.setMouseEnabled(x=False, y=True)
        self.exact_x = True
        self.bars = pg.BarGraphItem(x=_EMPTY, height=_EMPTY, width=0.1)
        self.item.addItem(self.bars)
        self.models: tuple[str, ...] = ()
        self.prompts: tuple[str, ...] = ()
        self.p50 = np.zeros((0, 0))
        self.counts = np.zeros((0, 0), dtype=np.intp)

    def _bar_x(self, model: int, prompt: int) -> float:
        width = GROUP_WIDTH / max(len(self.models), 1)
        return prompt + (model - (len(self.models) - 1) / 2) * width

    def update_items(self, data: ChartData) -> None:
        self.models, self.prompts = data.models, data.prompts
        self.counts = data.per_prompt.counts
        p50 = data.per_prompt.p50_ms
        self.p50 = p50 * self.axis.follow([p50[self.counts > 0]])
        models, prompts = np.nonzero(self.counts)
        x = np.array(
            [self._bar_x(int(m), int(p)) for m, p in zip(models, prompts, strict=True)],
            dtype=np.float64,
        )
        width = GROUP_WIDTH / max(len(self.models), 1)
        set_bars(
            self.bars,
            x=x,
            height=self.p50[models, prompts] if x.size else _EMPTY,
            width=width * 0.9,
            brushes=[pg.mkBrush(model_color(int(m), 190)) for m in models],
            pens=[pg.mkPen(model_color(int(m)), width=1) for m in models],
        )
        self.set_category_ticks(self.prompts, 16)

    def data_bounds(self) -> tuple[float, float, float, float] | None:
        if not self.counts.size or not self.counts.any():
            return None
        top = float(np.nanmax(self.p50))
        return -0.6, max(len(self.prompts), 1) - 0.4, 0.0, max(top, 1e-9)

    def hover_text(self, x: float, y: float) -> str | None:
        if not self.prompts or not self.models:
            return None
        prompt = round(x)
        if not 0 <= prompt < len(self.prompts):
            return None
        width = GROUP_WIDTH / len(self.models)
        model = round((x - prompt) / width + (len(self.models) - 1) / 2)
        if not 0 <= model < len(self.models) or not self.counts[model, prompt]:
            return None
        return (
            f"{self.prompts[prompt]} · {short_label(self.models[model], 30)}\n"
            f"p50 {self.axis.text(float(self.p50[model, prompt]))} "
            f"(n={int(self.counts[model, prompt])})"
        )
