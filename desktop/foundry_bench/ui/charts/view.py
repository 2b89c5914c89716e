"""All the charts of a run, in tabs under one colour legend, updated in place.

:meth:`ChartsView.set_data` hands the charts of the visible tab their part of a ``ChartData``
at once; the others get it when their tab is shown (or exported), so a live run only redraws
what can be seen. Nothing is computed here either way: the data arrive ready to draw. Exports
are rendered on the GUI thread (Qt paints there) and written to disk by a worker.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from foundry_bench.core.analysis.chart_data import ChartData
from foundry_bench.ui.base.plain_text import html_escaped, plain_tooltip, rich_label
from foundry_bench.ui.base.workers import JobContext, JobRunner
from foundry_bench.ui.charts.base import ChartPanel, export_path_kind, model_color
from foundry_bench.ui.charts.distribution import BoxChart, EcdfChart, HistogramChart
from foundry_bench.ui.charts.throughput import PerPromptChart, ThroughputChart
from foundry_bench.ui.charts.timeline import TimelineChart

AskPath = Callable[[str, str], Path | None]


def _ask_save_path(parent: QWidget) -> AskPath:
    def ask(name: str, kind: str) -> Path | None:
        filters = "PNG image (*.png)" if kind == "png" else "SVG drawing (*.svg)"
        path, _ = QFileDialog.getSaveFileName(parent, "Export chart", f"{name}.{kind}", filters)
        return Path(path) if path else None

    return ask


def write_export(path: Path, rendered: QImage | bytes) -> Path:
    """Write a rendered chart (runs in a worker)."""
    if isinstance(rendered, QImage):
        if not rendered.save(str(path)):  # the format follows the suffix
            raise OSError(f"cannot write {path}")
    else:
        path.write_bytes(rendered)
    return path


class Legend(QWidget):
    """Model colour swatches shared by every chart."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(6, 2, 6, 2)
        self._layout.setSpacing(14)
        self.labels: list[QLabel] = []
        self._models: tuple[str, ...] = ()

    def set_models(self, models: tuple[str, ...]) -> None:
        if models == self._models:
            return
        self._models = models
        while self._layout.count():
            item = self._layout.takeAt(0)
            widget = item.widget() if item else None
            if widget is not None:
                widget.deleteLater()
        self.labels = []
        for i, model in enumerate(models):
            label = rich_label(
                f'<span style="color:{model_color(i).name()}">■</span> {html_escaped(model)}'
            )
            label.setToolTip(plain_tooltip(model))
            self._layout.addWidget(label)
            self.labels.append(label)
        self._layout.addStretch(1)


class ChartsView(QWidget):
    """Signals:
    chart_exported(str, object): a chart's name and the ``Path`` it was written to.
    """

    chart_exported = Signal(str, object)

    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self.ask_save_path: AskPath = _ask_save_path(self)
        self.legend = Legend()
        self.charts: dict[str, ChartPanel] = {
            "latency_histogram": HistogramChart(),
            "latency_box": BoxChart(
                "latency_box", "Latency per model", "latency_ms", "latency (ms)"
            ),
            "latency_ecdf": EcdfChart(),
            "ttft": BoxChart("ttft", "Time to first token", "ttft_ms", "TTFT (ms)"),
            "ttfa": BoxChart("ttfa", "Time to first answer token", "ttfa_ms", "TTFA (ms)"),
            "tpot": BoxChart("tpot", "Time per output token", "tpot_ms", "TPOT (ms)"),
            "throughput": ThroughputChart(),
            "per_prompt": PerPromptChart(),
            "timeline": TimelineChart(),
        }
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self._row("latency_box", "latency_histogram"), "Latency")
        self.tabs.addTab(self._row("latency_ecdf"), "ECDF")
        self._times_tab = self.tabs.addTab(self._row("ttft", "ttfa", "tpot"), "TTFT / TPOT")
        self.charts["ttfa"].hide()  # shown while a model reasons (TTFA is then not the TTFT)
        self.tabs.addTab(self._row("throughput", "per_prompt"), "Throughput")
        self.tabs.addTab(self._row("timeline"), "Timeline")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.tabs, 1)
        self.tabs.setCornerWidget(self.legend)
        for chart in self.charts.values():
            chart.export_requested.connect(self.export_interactively)
        self.tabs.currentChanged.connect(lambda _i: self._refresh_visible())
        self.data: ChartData | None = None
        self._stale: set[str] = set()
        self._queue: list[str] = []
        self._live = False
        self._drain = QTimer(self)
        self._drain.setSingleShot(True)
        self._drain.setInterval(0)
        self._drain.timeout.connect(self._drain_one)

    def _row(self, *names: str) -> QWidget:
        splitter = QSplitter()
        splitter.setChildrenCollapsible(False)
        for i, name in enumerate(names):
            splitter.addWidget(self.charts[name])
            splitter.setStretchFactor(i, 1)
        splitter.setSizes([1000] * len(names))  # side by side charts share the width evenly
        return splitter

    def set_data(
        self, data: ChartData, *, staggered: bool = False, live: bool | None = None
    ) -> None:
        """Show ``data``. ``staggered`` draws the visible charts one per turn of the event
        loop, so the window paints one chart at a time and stays responsive; ``live`` (by
        default: as staggered, a run going on) keeps the axes steady as the data grow."""
        self.data = data
        self.legend.set_models(data.models)
        self._stale = set(self.charts)
        for name, chart in self.charts.items():
            chart.points = data.points.get(name, 0)
        reasons = data.points.get("ttfa", 0) > 0
        self.charts["ttfa"].setVisible(reasons)
        self.tabs.setTabText(self._times_tab, "TTFT / TTFA / TPOT" if reasons else "TTFT / TPOT")
        self._live = staggered if live is None else live
        if staggered:
            self._queue = self._tab_charts(self.tabs.currentIndex())
            self._drain.start()
        else:
            self._queue = []
            self._refresh_visible()

    def _drain_one(self) -> None:
        if self._queue:
            self.refresh(self._queue.pop(0))
        if self._queue:
            self._drain.start()

    def shown(self) -> list[str]:
        """The charts a user can see (the TTFA chart waits for a model that reasons)."""
        return [name for name, chart in self.charts.items() if not chart.isHidden()]

    def _tab_charts(self, index: int) -> list[str]:
        tab = self.tabs.widget(index)
        if tab is None:
            return []
        return [name for name in self.shown() if tab.isAncestorOf(self.charts[name])]

    def _refresh_visible(self) -> None:
        for name in self._tab_charts(self.tabs.currentIndex()):
            self.refresh(name)

    def refresh(self, name: str) -> None:
        """Hand chart ``name`` the current data if it has not had it yet."""
        if self.data is not None and name in self._stale:
            self._stale.discard(name)
            self.charts[name].set_data(self.data, live=self._live)

    def points(self) -> dict[str, int]:
        return {name: chart.points for name, chart in self.charts.items()}

    def show_chart(self, name: str) -> ChartPanel:
        for i in range(self.tabs.count()):
            if name in self._tab_charts(i):
                self.tabs.setCurrentIndex(i)
        self.refresh(name)
        return self.charts[name]

    # -- export -------------------------------------------------------------------------------

    def export_interactively(self, name: str, kind: str) -> None:
        path = self.ask_save_path(name, kind)
        if path is not None:
            self.export(name, path)

    def export(self, name: str, path: Path) -> None:
        """Render chart ``name`` now and write it to ``path`` (PNG or SVG by suffix)."""
        if not path.suffix:
            path = path.with_suffix(".png")
        self.refresh(name)
        rendered = self.charts[name].render_export(export_path_kind(path))

        def write(ctx: JobContext) -> Path:
            return write_export(path, rendered)

        self._runner.start(
            f"chart-export-{name}",
            write,
            label=f"Export chart {name}",
            on_finish=lambda p: self.chart_exported.emit(name, p),
        )
