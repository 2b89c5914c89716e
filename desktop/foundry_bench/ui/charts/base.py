"""What every chart of the Benchmark view shares: model colours, theme, hover, export.

A chart is a :class:`ChartPanel`: a title row with an export button over a pyqtgraph plot
whose items are created once and updated with ``setData`` (:meth:`ChartPanel.set_data` gets
a ``core.analysis.chart_data.ChartData`` and does nothing but hand its arrays over). A model
keeps the same colour in every chart (:func:`model_color`, by its position in the run).
"""

from __future__ import annotations

from pathlib import Path

import pyqtgraph as pg
import pyqtgraph.exporters as pg_exporters
from PySide6.QtCore import QBuffer, QEvent, QIODevice, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPalette
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGridLayout,
    QHBoxLayout,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from foundry_bench.core.analysis.chart_data import ChartData
from foundry_bench.core.reports.text import truncate
from foundry_bench.ui.base.plain_text import html_escaped, plain_label

# Tableau 10 without its red (red means "failed" here), in an order where neighbours contrast.
_MODEL_COLORS = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#b07aa1",
    "#76b7b2",
    "#edc948",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)
FAILED_COLOR = "#d9534f"
HOVER_RATE_HZ = 30
#: A data range is padded by this share of its span on each side.
RANGE_PAD = 0.05
#: Room left above the data when a range is set, so a growing run does not move it at once.
RANGE_HEADROOM = 0.2
#: Room above the data (share of its span) for a legend in the top corner.
LEGEND_ROOM = 0.3
#: A range shrinks only when the data fill less than this share of it.
RANGE_SHRINK = 0.5
EMPTY_HINT = "No samples yet: start a benchmark or open a past run."


Bounds = tuple[float, float, float, float]  # x0, x1, y0, y1


def sticky_range(
    current: tuple[float, float] | None,
    lo: float,
    hi: float,
    *,
    exact: bool = False,
    live: bool = True,
) -> tuple[float, float]:
    """The view range for data spanning ``lo..hi``. While a run is ``live``: the current one
    while the data fit in it comfortably, otherwise a new one with some headroom, so the axes
    change a few times per run instead of at every redraw (pyqtgraph regenerates an axis, its
    slowest part to draw, whenever its range moves; and a chart that jumps is hard to read).
    Otherwise the data, padded a little."""
    if exact:
        return lo, hi
    span = hi - lo or max(abs(hi), 1e-9)
    want_lo, want_hi = lo - RANGE_PAD * span, hi + RANGE_PAD * span
    if not live:
        return want_lo, want_hi
    if current is not None:
        c_lo, c_hi = current
        fits = c_lo <= want_lo and want_hi <= c_hi
        if fits and (want_hi - want_lo) >= RANGE_SHRINK * (c_hi - c_lo):
            return current
    return want_lo, want_hi + RANGE_HEADROOM * span


def model_color(index: int, alpha: int = 255) -> QColor:
    color = QColor(_MODEL_COLORS[index % len(_MODEL_COLORS)])
    color.setAlpha(alpha)
    return color


def short_label(text: str, limit: int = 22) -> str:
    """Model ids are long (``name-generic-cpu:1``); axis ticks get a readable head."""
    return truncate(text, limit)


def legend_label(model: str) -> str:
    """A model id for a legend entry: pyqtgraph renders legend text as HTML, so escaped."""
    return html_escaped(short_label(model, 30))


class ChartPanel(QWidget):
    """One chart: a title, an export menu and a plot; subclasses create their items once.

    Signals:
        export_requested(str, str): the user asked to export this chart (its name) as
            ``"png"`` or ``"svg"``; the charts view asks for a file and writes it in a worker.
    """

    export_requested = Signal(str, str)

    def __init__(self, name: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.points = 0
        self.plot = pg.PlotWidget()
        self.plot.setMinimumSize(220, 160)
        self.item: pg.PlotItem = self.plot.getPlotItem()
        self.item.setMenuEnabled(True)
        self.item.showGrid(x=False, y=True, alpha=0.25)
        self.vb: pg.ViewBox = self.item.getViewBox()
        for name in ("left", "bottom"):
            axis = self.item.getAxis(name)
            # Units are in the axis titles. pyqtgraph would otherwise show 0.2-0.5 ms as
            # "200-500 (x0.001)"; with no range to scale in, its scale stays 1.
            axis.setSIPrefixEnableRanges(())
            axis.enableAutoSIPrefix(False)
        # Ranges follow the data through sticky_range, not pyqtgraph's per-paint autorange;
        # once the user zooms or pans, they are left alone until the "A" button is pressed.
        self.vb.disableAutoRange()
        self.vb.sigRangeChangedManually.connect(self._user_moved)
        self._follow = True
        self._xrange: tuple[float, float] | None = None
        self._yrange: tuple[float, float] | None = None
        self.exact_x = self.exact_y = False
        self.title = plain_label(title)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.export_button = QToolButton()
        self.export_button.setText("Export")
        self.export_button.setToolTip("Save this chart as a PNG image or an SVG drawing")
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.export_button)
        menu.addAction("PNG image…", lambda: self._ask_export("png"))
        menu.addAction("SVG drawing…", lambda: self._ask_export("svg"))
        self.export_button.setMenu(menu)
        self.export_button.setAutoRaise(True)
        self.empty_label = plain_label(EMPTY_HINT)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setEnabled(False)
        self.empty_label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.hover = pg.TextItem(anchor=(0, 1), border=None)
        self.hover.setZValue(1000)
        self.hover.hide()
        self.item.addItem(self.hover, ignoreBounds=True)
        self._hover_proxy = pg.SignalProxy(
            self.plot.scene().sigMouseMoved, rateLimit=HOVER_RATE_HZ, slot=self._mouse_moved
        )
        self.legends: list[pg.LegendItem] = []
        self._layout()
        self.plot.hide()
        self.export_button.setEnabled(False)
        self.apply_theme()

    def make_legend(self, *, bottom: bool = False, columns: int = 1) -> pg.LegendItem:
        """A legend in the top (or bottom) right corner, on a translucent panel that keeps
        it readable over the data, recoloured with the palette."""
        legend = pg.LegendItem(
            offset=(-8, -8 if bottom else 8),
            labelTextSize="8pt",
            colCount=columns,
            verSpacing=-4,
        )
        legend.setParentItem(self.vb)
        if bottom:
            legend.anchor(itemPos=(1, 1), parentPos=(1, 1), offset=(-8, -8))
        self.legends.append(legend)
        self._theme_legend(legend)
        return legend

    @staticmethod
    def legend_line(index: int) -> pg.PlotDataItem:
        """A legend sample for model ``index``: a plain line in its colour (a filled step
        curve makes pyqtgraph draw an odd glyph)."""
        return pg.PlotDataItem(pen=pg.mkPen(model_color(index), width=3))

    def _theme_legend(self, legend: pg.LegendItem) -> None:
        fill = QColor(self.palette().color(QPalette.ColorRole.Base))
        fill.setAlpha(200)
        legend.setBrush(pg.mkBrush(fill))
        legend.setPen(pg.mkPen(self.palette().color(QPalette.ColorRole.Mid)))
        legend.setLabelTextColor(self.text_color())
        for _sample, label in legend.items:
            label.setText(label.text)  # pyqtgraph only recolours text set after the change

    def _layout(self) -> None:
        head = QHBoxLayout()
        head.setContentsMargins(4, 0, 0, 0)
        head.addWidget(self.title, 1)
        head.addWidget(self.export_button)
        body = QGridLayout()
        body.setContentsMargins(0, 0, 0, 0)
        # The hint sits over the plot (same cell) until there is something to draw.
        body.addWidget(self.plot, 0, 0)
        body.addWidget(self.empty_label, 0, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(0)
        layout.addLayout(head)
        layout.addLayout(body, 1)

    # -- data ---------------------------------------------------------------------------------

    def set_data(self, data: ChartData, *, live: bool = False) -> None:
        """Draw ``data``; ``live`` (a run in progress) keeps the axes steady as it grows."""
        self.points = data.points.get(self.name, 0)
        # Empty axes with 0-1 ticks say nothing: until there is data, only the hint shows.
        self.empty_label.setVisible(self.points == 0)
        self.plot.setVisible(self.points > 0)
        self.export_button.setEnabled(self.points > 0)
        self.hover.hide()
        self.update_items(data)
        self.follow_data(live=live)

    def data_bounds(self) -> Bounds | None:
        """The x and y extent of what the chart draws (None: nothing)."""
        return None

    def follow_data(self, *, live: bool = False) -> None:
        if any(self.vb.autoRangeEnabled()):
            # The user pressed pyqtgraph's auto-range button: follow the data again.
            self.vb.disableAutoRange()
            self._follow, self._xrange, self._yrange = True, None, None
        bounds = self.data_bounds() if self._follow else None
        if bounds is None:
            return
        x = sticky_range(self._xrange, bounds[0], bounds[1], exact=self.exact_x, live=live)
        y = sticky_range(self._yrange, bounds[2], bounds[3], exact=self.exact_y, live=live)
        if (x, y) != (self._xrange, self._yrange):
            self._xrange, self._yrange = x, y
            self.vb.setRange(xRange=x, yRange=y, padding=0)

    def set_category_ticks(self, labels: tuple[str, ...], limit: int = 22) -> None:
        """Name the categories 0, 1, ... on the x axis (only when they change: new ticks make
        pyqtgraph redraw the whole axis)."""
        if labels != getattr(self, "_tick_labels", None):
            self._tick_labels = labels
            ticks = [(i, short_label(label, limit)) for i, label in enumerate(labels)]
            self.item.getAxis("bottom").setTicks([ticks])

    def _user_moved(self, *_args: object) -> None:
        self._follow = False

    def update_items(self, data: ChartData) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def hover_text(self, x: float, y: float) -> str | None:
        """What to say about the data under the cursor (view coordinates), if anything."""
        return None

    def drawn_points(self) -> int:
        """Data points handed to pyqtgraph (after downsampling); for tests and benchmarks."""
        total = 0
        for item in self.item.items:
            if isinstance(item, pg.PlotDataItem | pg.ScatterPlotItem):
                data = item.getData()
                total += 0 if data[0] is None else len(data[0])
            elif isinstance(item, pg.BarGraphItem):
                x = item.opts.get("x")
                total += 0 if x is None else len(x)
        return total

    # -- hover --------------------------------------------------------------------------------

    def _mouse_moved(self, args: tuple[QPointF]) -> None:
        pos = args[0]
        if not self.vb.sceneBoundingRect().contains(pos):
            self.hover.hide()
            return
        point = self.vb.mapSceneToView(pos)
        self.hover_at(point.x(), point.y())

    def hover_at(self, x: float, y: float) -> str | None:
        """Show the hover text for view coordinates ``(x, y)``; returns it (None: hidden)."""
        text = self.hover_text(x, y) if self.points else None
        if not text:
            self.hover.hide()
            return None
        self.hover.setText(text)
        (x0, x1), (y0, y1) = self.vb.viewRange()
        # Keep the label inside the plot: anchor it left or right, above or below the cursor.
        self.hover.setAnchor((1 if x > (x0 + x1) / 2 else 0, 0 if y > (y0 + y1) / 2 else 1))
        self.hover.setPos(x, y)
        self.hover.show()
        return text

    # -- export -------------------------------------------------------------------------------

    def render_png(self, width: int = 1200) -> QImage:
        exporter = pg_exporters.ImageExporter(self.item)
        exporter.parameters()["width"] = width
        image = exporter.export(toBytes=True)
        assert isinstance(image, QImage)
        return image

    def render_svg(self) -> bytes:
        # Qt's own SVG generator: pyqtgraph 0.14's SVGExporter fails on the paths Qt 6.11
        # writes ("Z" path commands), for every plot.
        rect = self.item.sceneBoundingRect()
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        generator = QSvgGenerator()
        generator.setOutputDevice(buffer)
        generator.setSize(rect.size().toSize())
        generator.setViewBox(QRectF(0, 0, rect.width(), rect.height()))
        generator.setTitle(self.title.text())
        painter = QPainter(generator)
        try:
            painter.fillRect(QRectF(0, 0, rect.width(), rect.height()), self.plot.backgroundBrush())
            self.plot.scene().render(painter, QRectF(0, 0, rect.width(), rect.height()), rect)
        finally:
            painter.end()
        return bytes(buffer.data().data())

    def render_export(self, kind: str) -> QImage | bytes:
        self.hover.hide()
        return self.render_svg() if kind == "svg" else self.render_png()

    def _ask_export(self, kind: str) -> None:
        self.export_requested.emit(self.name, kind)

    # -- theme --------------------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self.apply_theme()

    def text_color(self) -> QColor:
        return self.palette().color(QPalette.ColorRole.Text)

    def apply_theme(self) -> None:
        base = self.palette().color(QPalette.ColorRole.Base)
        text = self.text_color()
        muted = self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        self.plot.setBackground(base)
        for name in ("left", "bottom"):
            axis = self.item.getAxis(name)
            # An axis (with its grid) spans the whole plot, so every data update repainted
            # it by replaying its QPicture of text, ~2 ms each; cached as a pixmap it is
            # redrawn only when its range or size changes.
            axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            axis.setPen(pg.mkPen(muted))
            axis.setTextPen(pg.mkPen(text))
        fill = QColor(base)
        fill.setAlpha(230)
        self.hover.fill = pg.mkBrush(fill)
        self.hover.border = pg.mkPen(muted)
        self.hover.setColor(text)
        for legend in getattr(self, "legends", []):
            self._theme_legend(legend)
        self.theme_changed()

    def theme_changed(self) -> None:
        """Subclasses recolour items drawn in the text colour (medians, markers)."""


def set_bars(item: pg.BarGraphItem, **opts: object) -> None:
    """``BarGraphItem.setOpts`` that accepts zero bars (pyqtgraph 0.14 fails on an empty
    ``pens`` list: it reads the loop variable after a loop that never ran)."""
    for key in ("pens", "brushes"):
        if key in opts and not opts[key]:
            opts[key] = None
    item.setOpts(**opts)


def export_path_kind(path: Path) -> str:
    return "svg" if path.suffix.lower() == ".svg" else "png"
